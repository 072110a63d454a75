"""The importers: every input record becomes exactly one SourceRecord, converted or with a code and a reason."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from dataprep.errors import UsageError
from dataprep.formats.base import Canonical, Media, Turn
from dataprep.io.paths import expand_inputs, scan_inputs
from dataprep.io.read import OriginalLines, SourceRecord, read_sources
from dataprep.registry import RulePolicy

RAW = Path(__file__).resolve().parent.parent / "sample_data" / "raw"
FINETUNE = RAW / "finetune"
POLICY = RulePolicy()


def read(path: Path, policy: RulePolicy = POLICY) -> list[SourceRecord]:
    return read_sources([path], policy).records


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def jsonl(tmp_path: Path, *records: object) -> Path:
    return write(tmp_path, "data.jsonl", "".join(json.dumps(r) + "\n" for r in records))


def only(records: list[SourceRecord]) -> SourceRecord:
    assert len(records) == 1
    return records[0]


# ------------------------------------------------------------------------------------ sample data


@pytest.fixture(scope="module")
def sample() -> dict[str, list[SourceRecord]]:
    outcome = read_sources([FINETUNE], POLICY)
    by_file: dict[str, list[SourceRecord]] = {}
    for record in outcome.records:
        by_file.setdefault(Path(record.source).name, []).append(record)
    return by_file


def test_every_sample_record_is_accounted_for_once_in_file_order(sample: dict[str, list[SourceRecord]]) -> None:
    expected = {
        "alpaca.json": len(json.loads((FINETUNE / "alpaca.json").read_text())),
        "sharegpt.json": len(json.loads((FINETUNE / "sharegpt.json").read_text())),
        "qa.csv": sum(1 for _ in csv.reader((FINETUNE / "qa.csv").open(newline=""))) - 1,
        "qa.parquet": pl.read_parquet(FINETUNE / "qa.parquet").height,
    }
    for name in ("broken.jsonl", "claude_messages.jsonl", "conversation.jsonl", "dolly.jsonl",
                 "openai_messages.jsonl", "prompt_completion.jsonl"):
        expected[name] = len((FINETUNE / name).read_text().splitlines())  # blank line 7 of broken.jsonl included
    assert {name: len(records) for name, records in sample.items()} == expected
    for records in sample.values():
        lines = [r.line for r in records]
        assert lines == sorted(lines) and len(set(lines)) == len(lines)


def test_shapes_are_detected_per_file(sample: dict[str, list[SourceRecord]]) -> None:
    shapes = {name: {r.shape for r in records if r.row is not None} for name, records in sample.items()}
    assert shapes == {
        "alpaca.json": {"alpaca"},
        "broken.jsonl": {"prompt-completion"},
        "claude_messages.jsonl": {"claude-messages"},
        "conversation.jsonl": {"bedrock-conversation"},
        "dolly.jsonl": {"dolly"},
        # records without a system message are plain user/assistant messages, which is Claude's own format
        "openai_messages.jsonl": {"openai-messages", "claude-messages"},
        "prompt_completion.jsonl": {"prompt-completion"},
        "qa.csv": {"qa"},
        "qa.parquet": {"qa"},
        "sharegpt.json": {"sharegpt"},
    }


def test_planted_unreadable_records_carry_code_and_reason(sample: dict[str, list[SourceRecord]]) -> None:
    rejected = {(name, r.line): r for name, records in sample.items() for r in records if r.row is None}
    assert set(rejected) == {("broken.jsonl", 4), ("broken.jsonl", 7), ("qa.parquet", 12)}
    malformed, blank, empty = rejected["broken.jsonl", 4], rejected["broken.jsonl", 7], rejected["qa.parquet", 12]
    assert (malformed.code, malformed.shape) == ("DP104", None)
    assert "Unterminated string" in malformed.reason and "column" in malformed.reason
    assert malformed.original == (FINETUNE / "broken.jsonl").read_text().splitlines()[3]
    assert (blank.code, blank.original) == ("DP103", "")
    assert (empty.code, empty.shape) == ("DP205", "qa")
    assert "'answer' is empty" in empty.reason and "Fill the field" in empty.reason


def test_json_array_elements_keep_the_line_where_they_start(sample: dict[str, list[SourceRecord]]) -> None:
    lines = (FINETUNE / "alpaca.json").read_text().splitlines()
    data = json.loads((FINETUNE / "alpaca.json").read_text())
    for record, element in zip(sample["alpaca.json"], data, strict=True):
        assert lines[record.line - 1].strip() == "{"
        assert json.loads(record.original) == element
        assert list(json.loads(record.original)) == list(element)  # key order as in the file
    first = sample["alpaca.json"][0]
    assert first.row == Canonical(turns=(Turn("user", f"{data[0]['instruction']}\n\n{data[0]['input']}"),
                                         Turn("assistant", data[0]["output"])))


def test_csv_rows_start_at_their_physical_line(sample: dict[str, list[SourceRecord]]) -> None:
    records = sample["qa.csv"]
    # PLANTED.md: row 7 starts on line 31 and row 12 on line 56 (multi-line answers in between)
    assert (records[7].line, records[12].line) == (31, 56)
    rows = list(csv.DictReader((FINETUNE / "qa.csv").open(newline="", encoding="utf-8")))
    assert records[2].row == Canonical(turns=(Turn("user", rows[2]["question"]), Turn("assistant", rows[2]["answer"])))
    assert json.loads(records[2].original) == rows[2]


def test_parquet_rows_are_numbered_from_one(sample: dict[str, list[SourceRecord]]) -> None:
    table = pl.read_parquet(FINETUNE / "qa.parquet").to_dicts()
    assert [r.line for r in sample["qa.parquet"]] == list(range(1, len(table) + 1))
    assert [json.loads(r.original) for r in sample["qa.parquet"]] == table


def test_openai_and_sharegpt_system_prompts_become_the_system(sample: dict[str, list[SourceRecord]]) -> None:
    first = sample["openai_messages.jsonl"][0]
    assert first.row == Canonical(system="You are a helpful assistant.", turns=(
        Turn("user", "Who won the FIFA world cup in 2022?"), Turn("assistant", "Argentina")))
    # A parsed JSONL line keeps no copy of itself: the build reads it back only if the record is rejected.
    assert first.original is None
    lines = (FINETUNE / "openai_messages.jsonl").read_text().splitlines()
    with OriginalLines(first.source) as back:
        assert [back.line(1), back.line(3), back.line(3)] == [lines[0], lines[2], lines[2]]
        with pytest.raises(ValueError, match="forward only"):
            back.line(2)
    data = json.loads((FINETUNE / "sharegpt.json").read_text())
    with_system = next(i for i, d in enumerate(data) if d["conversations"][0]["from"] == "system")
    row = sample["sharegpt.json"][with_system].row
    assert row is not None and row.system == data[with_system]["conversations"][0]["value"]
    assert [t.text for t in row.turns] == [c["value"] for c in data[with_system]["conversations"][1:]]


def test_text_files_are_one_record_each_kept_verbatim() -> None:
    outcome = read_sources([RAW / "pretraining"], POLICY)
    files = sorted(p for p in (RAW / "pretraining").iterdir())
    assert [r.source for r in outcome.records] == [str(p) for p in files]
    for record, path in zip(outcome.records, files, strict=True):
        text = path.read_text(encoding="utf-8")
        assert (record.line, record.shape, record.original, record.row) == (1, "text", text, Canonical(text=text))


def test_input_files_record_hash_size_count_and_shapes() -> None:
    outcome = read_sources([FINETUNE / "broken.jsonl", FINETUNE / "openai_messages.jsonl"], POLICY)
    broken, openai = outcome.inputs
    data = (FINETUNE / "broken.jsonl").read_bytes()
    assert (broken.path, broken.sha256, broken.bytes, broken.records) == (
        str(FINETUNE / "broken.jsonl"), hashlib.sha256(data).hexdigest(), len(data), 10)
    assert broken.shapes == {"prompt-completion": 8}
    assert sum(openai.shapes.values()) == openai.records == 15


# --------------------------------------------------------------------------------- shapes and rules


def test_alpaca_dolly_and_gpteacher_instruction_records(tmp_path: Path) -> None:
    records = read(jsonl(
        tmp_path,
        {"instruction": "Name a colour.", "input": "", "output": "Blue."},
        {"instruction": "Summarise.", "context": "Long text.", "response": "Short.", "category": "summarization"},
        # GPTeacher toolformer mixes the two: instruction, input, response
        {"instruction": "Look it up.", "input": "French Revolution", "response": "wikipedia('French Revolution')"},
        {"instruction": "Be brief.", "input": "  ", "output": "Ok.", "system": "You are terse."},
    ))
    assert [r.shape for r in records] == ["alpaca", "dolly", "alpaca", "alpaca"]
    assert [r.row for r in records] == [
        Canonical(turns=(Turn("user", "Name a colour."), Turn("assistant", "Blue."))),
        Canonical(turns=(Turn("user", "Summarise.\n\nLong text."), Turn("assistant", "Short."))),
        Canonical(turns=(Turn("user", "Look it up.\n\nFrench Revolution"),
                         Turn("assistant", "wikipedia('French Revolution')"))),
        Canonical(system="You are terse.", turns=(Turn("user", "Be brief."), Turn("assistant", "Ok."))),
    ]


def test_question_answer_key_pairs(tmp_path: Path) -> None:
    pairs = [("question", "answer"), ("query", "response"), ("prompt", "response"), ("input", "output")]
    records = read(jsonl(tmp_path, *({q: "Why?", a: "Because."} for q, a in pairs)))
    assert {r.shape for r in records} == {"qa"}
    assert {r.row for r in records} == {Canonical(turns=(Turn("user", "Why?"), Turn("assistant", "Because.")))}


def test_missing_wrong_type_and_empty_fields_are_dropped_with_their_codes(tmp_path: Path) -> None:
    records = read(jsonl(
        tmp_path,
        {"question": "Why?"},
        {"instruction": "Do it.", "output": 42},
        {"prompt": "Hi", "completion": "   "},
        {"question": "Why?", "answer": None},
    ))
    assert [(r.shape, r.row, r.code) for r in records] == [
        ("qa", None, "DP203"), ("alpaca", None, "DP204"), ("prompt-completion", None, "DP205"),
        ("qa", None, "DP205")]
    assert "'answer' is missing" in records[0].reason
    assert "'output' must be a string, found int" in records[1].reason


def test_unknown_shape_lists_the_keys_found_and_the_shapes_supported(tmp_path: Path) -> None:
    # a KTO-style record (one completion and a label): no shape, and no synonym pair either
    record = only(read(jsonl(tmp_path, {"utterance": "hi there", "label": True})))
    assert (record.shape, record.row, record.code) == (None, None, "DP200")
    assert "'utterance', 'label'" in record.reason and "conversations (sharegpt)" in record.reason


def test_openai_messages_roles(tmp_path: Path) -> None:
    user, assistant = {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}
    records = read(jsonl(
        tmp_path,
        {"messages": [{"role": "system", "content": "Be kind."}, user, assistant]},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "!"}]},
                      assistant]},
        {"messages": [user, {"role": "assistant", "content": None, "tool_calls": []},
                      {"role": "tool", "content": "42"}, assistant]},
        {"messages": [user, {"role": "system", "content": "late"}, assistant]},
        {"messages": [{"role": "system", "content": "Be kind."}, assistant, user]},
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}, assistant]},
    ))
    assert {r.shape for r in records} == {"openai-messages"}
    assert records[0].row == Canonical(system="Be kind.", turns=(Turn("user", "Hi"), Turn("assistant", "Hello")))
    assert records[1].row == Canonical(turns=(Turn("user", "Hi\n!"), Turn("assistant", "Hello")))
    assert [r.code for r in records[2:]] == ["DP205", "DP207", "DP208", None]
    # An image_url part is an image of its turn (#15 item 6); the build's media step judges it for the model.
    assert records[5].row is not None and records[5].row.turns[0].media == (Media("image", "unknown", "x"),)
    assert "message 2" in records[2].reason
    assert "after the conversation started" in records[3].reason


def test_sharegpt_speakers_and_roles(tmp_path: Path) -> None:
    def conv(*turns: tuple[str, str], **extra: str) -> dict[str, object]:
        return {"id": "x", "conversations": [{"from": f, "value": v} for f, v in turns], **extra}

    path = write(tmp_path, "chats.json", json.dumps([
        conv(("human", "Who are you?"), ("gpt", "A model."), ("user", "Bye"), ("chatgpt", "Bye!")),
        conv(("human", "Hi"), ("model", "Hello"), system="Be brief."),
        conv(("gpt", "I start."), ("human", "Hi")),
        conv(("human", "Hi"), ("function_call", "{}"), ("gpt", "Done")),
        conv(("human", "Hi")),
    ], indent=2))
    records = read(path)
    assert records[0].row == Canonical(turns=(Turn("user", "Who are you?"), Turn("assistant", "A model."),
                                              Turn("user", "Bye"), Turn("assistant", "Bye!")))
    assert records[1].row == Canonical(system="Be brief.", turns=(Turn("user", "Hi"), Turn("assistant", "Hello")))
    assert [r.code for r in records[2:]] == ["DP208", "DP207", "DP211"]
    assert "'function_call'" in records[3].reason
    assert "'conversations' has 1 message(s)" in records[4].reason


def test_warnings_become_findings_and_the_policy_can_ignore_or_keep(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"prompt": "Hi", "completion": "Hello", "id": 7},
                 {"messages": [{"role": "assistant", "content": "I go first"}, {"role": "user", "content": "Hi"},
                               {"role": "assistant", "content": "Hello"}]})
    outcome = read_sources([path], POLICY)
    assert outcome.records[0].row is not None and outcome.records[1].code == "DP208"
    assert [(f.line, f.code) for f in outcome.findings] == [(1, "DP206")]
    lenient = read_sources([path], RulePolicy(ignore=frozenset({"DP206", "DP208"})))
    assert lenient.findings == [] and all(r.row is not None for r in lenient.records)


def test_crlf_is_a_finding_and_the_records_still_convert(tmp_path: Path) -> None:
    path = write(tmp_path, "crlf.jsonl", '{"text": "one"}\r\n{"text": "two"}\r\n')
    outcome = read_sources([path], POLICY)
    assert [r.row for r in outcome.records] == [Canonical(text="one"), Canonical(text="two")]
    assert [(f.line, f.code) for f in outcome.findings] == [(1, "DP112")]


def test_pretty_printed_object_in_jsonl_yields_one_record_per_line(tmp_path: Path) -> None:
    path = write(tmp_path, "pretty.jsonl", '{"text": "a"}\n{\n  "text": "b"\n}\n{"text": "c"}\n')
    records = read(path)
    assert [(r.line, r.code) for r in records] == [(1, None), (2, "DP107"), (3, "DP107"), (4, "DP107"), (5, None)]
    assert all("spans lines 2-4" in r.reason for r in records[1:4])


# ------------------------------------------------------------------------------------- containers


def test_container_is_sniffed_from_content(tmp_path: Path) -> None:
    as_array = write(tmp_path, "array.jsonl", '[{"text": "a"},\n {"text": "b"}]\n')
    as_lines = write(tmp_path, "lines.json", '{"text": "a"}\n{"text": "b"}\n')
    single = write(tmp_path, "single.json", '\n{\n  "question": "Why?",\n  "answer": "Because."\n}\n')
    assert [(r.line, r.row) for r in read(as_array)] == [(1, Canonical(text="a")), (2, Canonical(text="b"))]
    assert [(r.line, r.row) for r in read(as_lines)] == [(1, Canonical(text="a")), (2, Canonical(text="b"))]
    assert (only(read(single)).line, only(read(single)).shape) == (2, "qa")
    duplicate = write(tmp_path, "dup.json", '{\n  "text": "a",\n  "text": "b"\n}\n')
    assert (only(read(duplicate)).line, only(read(duplicate)).code) == (1, "DP110")


def test_json_array_element_defects_do_not_hide_the_others(tmp_path: Path) -> None:
    elements = ['{"text": "ok"}', '{"text": "a", "text": "b"}', '{"text": NaN}', '"just a string"', '{"text": "end"}']
    path = write(tmp_path, "data.json", "[\n" + ",\n".join(elements) + "\n]")
    records = read(path)
    assert [(r.line, r.code) for r in records] == [(2, None), (3, "DP110"), (4, "DP109"), (5, "DP108"), (6, None)]


def test_broken_json_array_keeps_the_elements_before_the_error(tmp_path: Path) -> None:
    syntax = read(write(tmp_path, "syntax.json", '[\n{"text": "ok"},\n{"text": oops},\n{"text": "lost"}\n]'))
    assert [(r.line, r.code) for r in syntax] == [(2, None), (3, "DP104")]
    assert "no element after this one" in syntax[1].reason
    cut = read(write(tmp_path, "cut.json", '[\n{"text": "ok"},\n'))
    assert [(r.line, r.code) for r in cut] == [(2, None), (3, "DP105")]


@pytest.mark.parametrize(("name", "content", "code"), [
    ("empty.jsonl", b"", "DP100"),
    ("blank.json", b"  \n", "DP100"),
    ("empty.md", b"\n\n", "DP100"),
    ("header.csv", b"question,answer\n", "DP100"),
    ("empty_array.json", b"[]", "DP100"),
    ("latin1.txt", "caf\u00e9".encode("latin-1"), "DP102"),
    ("latin1.csv", "q,a\ncaf\u00e9,x\n".encode("latin-1"), "DP102"),
    ("garbage.parquet", b"not a parquet file", "DP104"),
])
def test_unreadable_files_become_one_record_never_a_traceback(tmp_path: Path, name: str, content: bytes,
                                                             code: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    outcome = read_sources([path], POLICY)
    record = only(outcome.records)
    assert (record.line, record.row, record.code) == (1, None, code)
    assert record.reason
    assert outcome.inputs[0].records == 1


def test_invalid_utf8_in_jsonl_costs_one_line(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n{"text": "fine"}\n')
    assert [(r.line, r.code) for r in read(path)] == [(1, None), (2, "DP102"), (3, None)]


def test_csv_rows_with_the_wrong_number_of_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "qa.csv", 'question,answer\n"Why?","Because."\nonly one\n"a","b","c"\n\n"Q","multi\nline"\n')
    records = read(path)
    assert [(r.line, r.code) for r in records] == [(2, None), (3, "DP203"), (4, "DP204"), (6, None)]
    assert records[3].row == Canonical(turns=(Turn("user", "Q"), Turn("assistant", "multi\nline")))


def test_csv_unbalanced_quote_and_long_cells(tmp_path: Path) -> None:
    long_answer = "word " * 40_000  # beyond the csv module's default 128 KiB cell limit
    path = write(tmp_path, "qa.csv", f'question,answer\nWhy?,"{long_answer}"\n"Unclosed,quote\nlast,row\n')
    records = read(path)
    assert [(r.line, r.code) for r in records] == [(2, None), (3, "DP203")]
    assert records[0].row is not None and records[0].row.turns[1].text == long_answer
    assert "quote is unbalanced" in records[1].reason


def test_parquet_with_nested_messages(tmp_path: Path) -> None:
    path = tmp_path / "chat.parquet"
    pl.DataFrame({"messages": [[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]]}
                 ).write_parquet(path)
    record = only(read(path))
    assert (record.line, record.shape) == (1, "claude-messages")
    assert record.row == Canonical(turns=(Turn("user", "Hi"), Turn("assistant", "Hello")))


# ---------------------------------------------------------------------------------------- inputs


def test_expand_inputs_walks_folders_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in ("b/2.jsonl", "b/1.csv", "a.md", ".hidden/x.jsonl", "b/.y.json", "notes.pdf", "c/readme"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    scan = scan_inputs([tmp_path, tmp_path / "a.md"])
    # Each real file is read once: naming a.md again lists it as skipped (DP116) instead of reading it twice.
    assert [p.relative_to(tmp_path).as_posix() for p in scan.files] == ["a.md", "b/1.csv", "b/2.jsonl"]
    assert [(Path(s.path).relative_to(tmp_path).as_posix(), s.code) for s in scan.skipped] == [("a.md", "DP116")]
    assert expand_inputs([tmp_path]) == scan.files


def test_expand_inputs_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").write_text("x")
    (tmp_path / "empty").mkdir()
    for bad, words in ((tmp_path / "missing.jsonl", "no such file"), (tmp_path / "x.pdf", "unsupported file type"),
                       (tmp_path / "empty", "no input files")):
        with pytest.raises(UsageError, match=words):
            expand_inputs([bad])
