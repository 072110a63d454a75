"""The shapes people have (#13): each real sample in sample_data/raw/<shape>/ builds clean, and the reader
says per file which mapping it chose.

Before: HH-RLHF transcripts, OpenAssistant trees, `{"prompt", "answer"}`, a `Questions,Answers` CSV,
`questionText`/`answerText` or `customer_question`/`agent_reply` fields and `{"data": [...]}` wrappers were
refused whole (every record DP200, "nothing written"). The builds run the real CLI; the per-file mapping
line is read from the reader's `InputFile`, which the summary and report show.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from conftest import RAW, build, dataprep, jsonl

from dataprep.io.mapping import ReadOptions
from dataprep.io.read import read_sources
from dataprep.registry import RulePolicy

POLICY = RulePolicy()

# sample folder, extra build flags, records read, the mapping line the reader gives (a fragment of it)
SAMPLES = [
    ("hh-rlhf", [], 30, "HH-RLHF transcripts: the 'chosen' side"),
    ("oasst", [], 20, "best-ranked path of each of 20 trees"),
    ("openai-chat", [], 30, ""),
    ("prompt-answer", [], 30, ""),
    ("json-data-key", [], 30, "the records of the list under 'data'"),
    ("qa-synonyms", [], 30, "question←Questions; answer←Answers (synonyms, case-insensitive)"),
    ("mapped-csv", ["--map", "prompt=customer_question,completion=agent_reply"], 30,
     "prompt←customer_question; completion←agent_reply (--map)"),
    ("mapped-json", ["--map", "prompt=questionText,completion=answerText,id=qid"], 30,
     "prompt←questionText; completion←answerText; id←qid (--map)"),
]


@pytest.mark.parametrize(("sample", "flags", "records", "_note"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_each_sample_builds_clean(tmp_path: Path, sample: str, flags: list[str], records: int, _note: str) -> None:
    """Every record of the sample is written (nothing rejected), the documentation beside it is skipped."""
    out = tmp_path / "out"
    done = build(RAW / sample, out, "--model", "nova-micro", "--no-report", *flags)
    assert done.returncode == 0, done.stderr
    written = jsonl(out / "train.jsonl") + jsonl(out / "validation.jsonl")
    assert len(written) == records and jsonl(out / "rejected.jsonl") == []
    assert all(r["messages"][-1]["role"] == "assistant" for r in written)


def _mapping(sample: str, options: ReadOptions | None = None) -> tuple[str, list[int]]:
    """The reader's one mapping line for the sample's one data file, and its records' lines."""
    outcome = read_sources([RAW / sample], POLICY, options)
    [data] = outcome.inputs
    return data.mapping, [r.line for r in outcome.records]


@pytest.mark.parametrize(("sample", "flags", "_records", "note"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_each_file_says_which_mapping_it_chose(sample: str, flags: list[str], _records: int, note: str) -> None:
    fields = () if not flags else tuple(tuple(pair.split("=")) for pair in flags[1].split(","))
    mapping, _ = _mapping(sample, ReadOptions(fields=fields))  # type: ignore[arg-type]
    assert note in mapping if note else mapping == ""


def test_wrapped_records_keep_the_line_their_object_starts_on() -> None:
    """`{"version", "data": [...]}` pretty-printed: element n starts on the line of its `{`."""
    path = RAW / "json-data-key" / "adversarial_qa.json"
    starts = [number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if line == "    {"]
    assert _mapping("json-data-key")[1] == starts and len(starts) == 30


def test_missing_mapped_field_is_exit_2_naming_the_file_and_its_fields(tmp_path: Path) -> None:
    done = build(RAW / "mapped-json", tmp_path / "out", "--model", "nova-micro", "--no-report",
                 "--map", "prompt=questionTxt,completion=answerText")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "questions.jsonl: --map names 'questionTxt'" in done.stderr
    assert "its fields: answerText, qid, questionText" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("given", ["prompt", "prompt=", "colour=q", "prompt=a,prompt=b", "prompt=a,completion=a"])
def test_malformed_map_is_a_usage_error(tmp_path: Path, given: str) -> None:
    done = build(RAW / "mapped-json", tmp_path / "out", "--model", "nova-micro", "--no-report", "--map", given)
    assert done.returncode == 2 and done.stderr.startswith("dataprep: error: --map") and "Traceback" not in done.stderr


def test_config_map_and_the_manifest_records_it(tmp_path: Path) -> None:
    """`[tool.dataprep] map = {...}` works like --map; the manifest's settings record the reader's options."""
    (tmp_path / "dataprep.toml").write_text('model = "nova-micro"\nhh-side = "rejected"\n'
                                            'map = {prompt = "questionText", completion = "answerText"}\n')
    done = build(RAW / "mapped-json", tmp_path / "out", "--no-report", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    settings = json.loads((tmp_path / "out" / "manifest.json").read_text())["settings"]
    assert settings["read"] == {"map": {"prompt": "questionText", "completion": "answerText"}, "hh_side": "rejected",
                                "oasst_paths": "best"}
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "dataprep.toml").write_text('model = "nova-micro"\nmap = {prompt = 3}\n')
    done = build(RAW / "mapped-json", bad / "out", "--no-report", cwd=bad)
    assert done.returncode == 2 and "'map': 'prompt' must name a field" in done.stderr


def test_hh_side_reads_the_other_transcript() -> None:
    """chosen and rejected share every turn but the last assistant reply: that is the one that differs."""
    rows = {side: [r.row for r in read_sources([RAW / "hh-rlhf"], POLICY, ReadOptions(hh_side=side)).records]
            for side in ("chosen", "rejected")}
    source = jsonl_gz(RAW / "hh-rlhf" / "harmless-base-sample.jsonl.gz")
    for chosen, rejected, record in zip(rows["chosen"], rows["rejected"], source, strict=True):
        assert chosen is not None and rejected is not None
        assert chosen.turns[:-1] == rejected.turns[:-1]
        assert record["chosen"].endswith(chosen.turns[-1].text) and record["rejected"].endswith(rejected.turns[-1].text)
        assert [t.role for t in chosen.turns][:2] == ["user", "assistant"]


def jsonl_gz(path: Path) -> list[dict[str, object]]:
    import gzip

    return [json.loads(line) for line in gzip.decompress(path.read_bytes()).decode().splitlines()]


def _tree() -> dict[str, object]:
    """The sample's first tree: a prompt with three ranked assistant replies (rank 0, 1, 2)."""
    return json.loads((RAW / "oasst" / "en_20_trees.jsonl").read_text(encoding="utf-8").splitlines()[0])


def _read_trees(tmp_path: Path, trees: list[dict[str, object]], paths: str = "best") -> list[list[str]]:
    path = tmp_path / "trees.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in trees), encoding="utf-8")
    records = read_sources([path], POLICY, ReadOptions(oasst_paths=paths)).records
    return [[t.text for t in r.row.turns] if r.row else [r.code or ""] for r in records]


def test_oasst_best_path_follows_the_ranks_and_skips_deleted_messages(tmp_path: Path) -> None:
    tree = _tree()
    replies = tree["prompt"]["replies"]  # type: ignore[index]
    by_rank = {r["rank"]: r["text"] for r in replies}
    assert _read_trees(tmp_path, [tree]) == [[tree["prompt"]["text"], by_rank[0]]]  # type: ignore[index]
    shuffled = copy.deepcopy(tree)
    shuffled["prompt"]["replies"].reverse()  # type: ignore[index]
    assert _read_trees(tmp_path, [shuffled])[0][1] == by_rank[0]  # the rank decides, not the order
    deleted = copy.deepcopy(tree)
    next(r for r in deleted["prompt"]["replies"] if r["rank"] == 0)["deleted"] = True  # type: ignore[index]
    failed = copy.deepcopy(tree)
    next(r for r in failed["prompt"]["replies"] if r["rank"] == 0)["review_result"] = False  # type: ignore[index]
    assert [texts[1] for texts in _read_trees(tmp_path, [deleted, failed])] == [by_rank[1], by_rank[1]]
    gone = copy.deepcopy(tree)
    for reply in gone["prompt"]["replies"]:  # type: ignore[index]
        reply["deleted"] = True
    assert _read_trees(tmp_path, [gone]) == [["DP211"]]  # nothing left to answer the prompt: one rejected record


def test_oasst_all_paths_are_every_root_to_leaf_conversation(tmp_path: Path) -> None:
    tree = _tree()
    paths = _read_trees(tmp_path, [tree], "all")
    assert sorted(p[1] for p in paths) == sorted(r["text"] for r in tree["prompt"]["replies"])  # type: ignore[index]
    deeper = json.loads((RAW / "oasst" / "en_20_trees.jsonl").read_text(encoding="utf-8").splitlines()[1])
    found = _read_trees(tmp_path, [deeper], "all")
    assert len(found) == len({tuple(p) for p in found}) > 1  # distinct
    assert all(len(p) % 2 == 0 for p in found)  # each ends on an assistant turn
    assert sum(1 for _ in read_sources([RAW / "oasst"], POLICY, ReadOptions(oasst_paths="all")).records) == 103


def test_openai_weight_zero_is_reported_and_name_is_dropped(tmp_path: Path) -> None:
    record = {"messages": [{"role": "user", "name": "ann", "content": "Hi, what is 2+2?"},
                           {"role": "assistant", "weight": 0, "content": "5"},
                           {"role": "user", "content": "Are you sure?"},
                           {"role": "assistant", "weight": 1, "content": "Sorry: 2+2 is 4."}]}
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    outcome = read_sources([path], POLICY)
    [read] = outcome.records
    assert read.shape == "openai-messages" and read.row is not None and len(read.row.turns) == 4
    assert [(f.line, f.code) for f in outcome.findings] == [(1, "DP206")]
    assert "'weight': 0" in outcome.findings[0].message


def test_synonyms_never_override_an_exact_shape(tmp_path: Path) -> None:
    """A record that is already a shape is read as found; only unreadable ones are tried against synonyms."""
    path = tmp_path / "mixed.jsonl"
    lines = [{"prompt": "p1", "completion": "c1", "Answer": "ignored"}, {"Query": "q2", "Reply": "r2"},
             {"Question": "q3", "question": "q3 again", "answer": "a3"}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    records = read_sources([path], POLICY).records
    assert [r.shape for r in records] == ["prompt-completion", "qa", "qa"]
    assert records[1].row is not None and [t.text for t in records[1].row.turns] == ["q2", "r2"]
    assert records[2].row is not None and records[2].row.turns[0].text == "q3 again"  # exact key, not a guess


def test_build_help_lists_the_reader_flags() -> None:
    shown = dataprep("build", "--help").stdout
    assert "--map" in shown and "--hh-side" in shown and "--oasst-paths" in shown


@pytest.mark.parametrize(("chosen", "code"), [
    ("Preamble\n\nHuman: hi\n\nAssistant: hello", "DP208"),  # text before the first Human turn
    ("\n\nHuman: hi\n\nAssistant:", "DP205"),  # an empty assistant turn
    ("\n\nHuman: hi\n\nHuman: again\n\nAssistant: hello", "DP210"),  # two Human turns in a row (13 in the corpus)
    ("\n\nHuman: hi\n\nAssistant: hello\n\nHuman: bye", "DP209"),  # ends on a Human turn
])
def test_broken_hh_transcripts_are_dropped_with_their_rule(tmp_path: Path, chosen: str, code: str) -> None:
    path = tmp_path / "hh.jsonl"
    path.write_text(json.dumps({"chosen": chosen, "rejected": chosen}) + "\n", encoding="utf-8")
    [record] = read_sources([path], POLICY).records
    assert (record.shape, record.row, record.code) == ("hh-rlhf", None, code)


def test_parquet_columns_map_and_synonyms(tmp_path: Path) -> None:
    """Parquet columns go through the same mapping and synonyms as JSON fields and CSV columns."""
    import polars as pl

    mapped, synonyms = tmp_path / "mapped.parquet", tmp_path / "synonyms.parquet"
    pl.DataFrame({"questionText": ["q1", "q2"], "answerText": ["a1", "a2"], "n": [1, 2]}).write_parquet(mapped)
    pl.DataFrame({"QUERY": ["q1"], "Reply": ["a1"]}).write_parquet(synonyms)
    options = ReadOptions(fields=(("prompt", "questionText"), ("completion", "answerText")))
    outcome = read_sources([mapped], POLICY, options)
    assert [(r.line, r.shape, [t.text for t in r.row.turns]) for r in outcome.records if r.row] == [
        (1, "prompt-completion", ["q1", "a1"]), (2, "prompt-completion", ["q2", "a2"])]
    assert outcome.findings == []  # the column not mapped (n) is left out, not an unknown key
    outcome = read_sources([synonyms], POLICY)
    assert outcome.inputs[0].mapping == "question←QUERY; answer←Reply (synonyms, case-insensitive)"


def test_a_file_already_in_a_shape_is_read_as_found_beside_a_mapped_one(tmp_path: Path) -> None:
    """--map for the raw file; a Bedrock file next to it (or the --validation-file) has none of the mapped
    fields and needs none: it is read as found, not refused."""
    bedrock = tmp_path / "bedrock.jsonl"
    bedrock.write_text(json.dumps({"prompt": "p", "completion": "c"}) + "\n", encoding="utf-8")
    options = ReadOptions(fields=(("prompt", "questionText"), ("completion", "answerText")))
    outcome = read_sources([RAW / "mapped-json", bedrock], POLICY, options)
    assert [f.mapping for f in outcome.inputs] == ["prompt←questionText; completion←answerText (--map)", ""]
    assert all(r.row is not None for r in outcome.records) and len(outcome.records) == 31
