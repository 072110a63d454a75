"""One strict JSON decoder and one format detector, shared by `dataprep validate` and `dataprep build`.

The same defect must carry the same rule code (and message) whether validate finds it in a JSONL line or
build reads it from a JSONL line, a JSON array element or a single-object `.json` file into its ledger; and
a Bedrock record must be recognised as the same format by both commands.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BEDROCK, LLAMA, ROOT, build, validate_json

from dataprep.formats import detect
from dataprep.io.decode import DefectError, StrictDecoder, is_document, parse_line
from dataprep.io.paths import BUILD_SIDECARS, expand_datasets, infer_split
from dataprep.io.read import read_sources
from dataprep.registry import RulePolicy

# Record values with a decoder defect, the code it carries and the message validate reports for it.
VALUE_DEFECTS = [
    ('{"prompt": "a", "completion": "b", "prompt": "c"}', "DP110",
     "key 'prompt' appears more than once in this object"),
    ('{"prompt": NaN, "completion": "b"}', "DP109", "NaN is not valid JSON; use null or a number"),
    ('{"prompt": "a", "completion": -Infinity}', "DP109", "-Infinity is not valid JSON; use null or a number"),
    ('{"prompt": "a", "completion": {"x": 1, "x": 2}}', "DP110", "key 'x' appears more than once in this object"),
]
# Lines only a line reader can step over (a JSON array stops at a syntax error).
LINE_DEFECTS = [
    ('{"prompt": "a\x01", "completion": "b"}', "DP111"),
    ('{"prompt": oops}', "DP104"),
    ('{"prompt": "a", "completion": "b"} {"prompt": "c"}', "DP104"),
    ('[1, 2]', "DP108"),
    # the first defect in the text wins over a later syntax error or extra data
    ('{"prompt": NaN, "completion": }', "DP109"),
    ('{"prompt": "a", "prompt": "b"} {"x": 1}', "DP110"),
]
GOOD = '{"prompt": "What is 2 + 2?", "completion": "4"}'
ARRAY_GOOD = '{"prompt": "Name a primary colour.", "completion": "Blue"}'
ALSO_GOOD = '{"prompt": "What is the capital of France?", "completion": "Paris"}'


def _jsonl_file(folder: Path) -> Path:
    lines = [GOOD, *(text for text, *_ in VALUE_DEFECTS), *(text for text, _ in LINE_DEFECTS), ALSO_GOOD]
    path = folder / "train.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_the_same_defect_has_the_same_code_in_validate_and_in_builds_ledger(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    lines_file = _jsonl_file(raw)
    array = raw / "array.json"
    elements = [ARRAY_GOOD, *(text for text, *_ in VALUE_DEFECTS)]
    array.write_text("[\n" + ",\n".join(elements) + "\n]\n", encoding="utf-8")
    singles = []
    for number, (text, *_) in enumerate(VALUE_DEFECTS):
        singles.append(raw / f"single-{number}.json")
        singles[-1].write_text(text + "\n", encoding="utf-8")

    _, findings = validate_json(lines_file)
    validated = {f["line"]: (f["code"], f["message"], f["col"]) for f in findings if f["line"] > 0}
    result = build(raw, tmp_path / "out", "--model", LLAMA, "--no-report")
    assert result.returncode in (0, 1), result.stderr
    ledger = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    by_file: dict[str, dict[int, tuple[str, str]]] = {}
    for entry in ledger:
        by_file.setdefault(Path(entry["source"]).name, {})[entry["line"]] = (entry["code"], entry["reason"])

    expected_codes = [code for _, code, _ in VALUE_DEFECTS] + [code for _, code in LINE_DEFECTS]
    assert [validated[line][0] for line in sorted(validated)] == expected_codes
    assert {line: code for line, (code, _) in by_file["train.jsonl"].items()} == \
        {line: code for line, (code, _, _) in validated.items()}
    for line, (_, message, col) in validated.items():
        assert by_file["train.jsonl"][line][1].startswith(message + (f" (column {col})" if col > 1 else ""))
    for element, (_, code, message) in enumerate(VALUE_DEFECTS, start=3):
        assert by_file["array.json"][element][0] == code
        assert by_file["array.json"][element][1].startswith(message + ". ")
    for single, (_, code, message) in zip(singles, VALUE_DEFECTS, strict=True):
        assert by_file[single.name][1][0] == code and by_file[single.name][1][1].startswith(message + ". ")


def test_reader_and_validator_agree_without_the_cli(tmp_path: Path) -> None:
    path = _jsonl_file(tmp_path)
    records = read_sources([path], RulePolicy()).records
    codes = [r.code for r in records]
    assert codes == [None, *(code for _, code, _ in VALUE_DEFECTS), *(code for _, code in LINE_DEFECTS), None]


# ------------------------------------------------------------------------------------------ decoder


@pytest.mark.parametrize(("text", "code", "col"), [
    ('{"a": 1, "a": 2}', "DP110", 1),
    ('{"a": Infinity}', "DP109", 1),
    ('{"a": "x\x02"}', "DP111", 9),
    ('{"a": }', "DP104", 7),
    ('{"a": 1}  {"b": 2}', "DP104", 11),
    ('{"a": NaN, "a": 1} trailing', "DP109", 1),
    ('{"a": {"b": 1, "b": 2}, "c": NaN}', "DP110", 1),
])
def test_parse_line_codes_and_columns(text: str, code: str, col: int) -> None:
    with pytest.raises(DefectError) as caught:
        parse_line(text, StrictDecoder())
    assert (caught.value.code, caught.value.col) == (code, col)


def test_the_decoder_notes_the_first_defect_and_goes_on() -> None:
    decoder = StrictDecoder()
    value, end, defect = decoder.decode_at('[{"a": NaN, "a": 1}] rest', 0)
    assert value == [{"a": 1}] and end == 20
    assert defect is not None and defect.code == "DP109"
    assert decoder.decode_at('{"a": 1}', 0)[2] is None  # state does not leak from one value to the next
    assert parse_line('  {"a": [1, 2]} \t', decoder) == {"a": [1, 2]}


def test_is_document_is_one_value_and_nothing_else() -> None:
    decoder = StrictDecoder()
    assert is_document('{\n  "a": 1,\n  "a": NaN\n}', decoder)
    assert not is_document('{\n  "a": 1', decoder)
    assert not is_document('{"a": 1}\n{"b": 2}', decoder)
    # Too long an integer for Python is a document with a defect (DP104), not an exception.
    assert is_document("1" * 5000, decoder)
    assert decoder.decode_at("1" * 5000, 0)[2].code == "DP104"


def test_one_json_decoder_in_the_package() -> None:
    """Only dataprep/io/decode.py builds a json.JSONDecoder; everything else goes through it."""
    builders = []
    for path in sorted((ROOT / "dataprep").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "JSONDecoder":
                builders.append(path.relative_to(ROOT).as_posix())
    assert builders == ["dataprep/io/decode.py"]


# ----------------------------------------------------------------------------------------- detector


def test_bedrock_records_are_the_same_format_for_validate_and_build() -> None:
    files = sorted(BEDROCK.rglob("*.jsonl"))
    assert files
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert detect(record) == detect(record, sources=True) == path.parent.name, (path, line)


@pytest.mark.parametrize(("record", "bedrock", "source"), [
    ({"prompt": "q", "response": "a"}, "prompt-completion", "qa"),
    ({"input": "q", "output": "a"}, "pretraining", "qa"),
    ({"instruction": "do", "input": "", "output": "ok"}, "pretraining", "alpaca"),
    ({"instruction": "do", "context": "c", "response": "ok"}, None, "dolly"),
    ({"conversations": [{"from": "human", "value": "hi"}]}, None, "sharegpt"),
    ({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]}, "claude-messages",
     "openai-messages"),
    ({"messages": [{"role": "user", "content": [{"text": "u"}]}]}, "bedrock-conversation", "bedrock-conversation"),
    ({"text": "plain"}, None, "text"),
    ({"prompt": "p", "completion": "c", "question": "q"}, "prompt-completion", "prompt-completion"),
    ({"chosen": "a", "rejected": "b"}, None, "hh-rlhf"),
    ({"prompt": "p", "answer": "a"}, "prompt-completion", "qa"),
    ({"prompt": {"text": "p", "role": "prompter", "replies": []}}, "prompt-completion", "oasst-tree"),
    ({"messages": [{"role": "user", "content": "u", "name": "ann"}]}, "claude-messages", "openai-messages"),
    ({"label": True}, None, None),
])
def test_source_shapes_decide_before_bedrocks_fallbacks(record: dict[str, object], bedrock: str | None,
                                                       source: str | None) -> None:
    assert (detect(record), detect(record, sources=True)) == (bedrock, source)


# ------------------------------------------------------------------------------------------- paths


def test_validate_expansion_skips_build_sidecars_and_infers_splits(tmp_path: Path) -> None:
    for name in ("validation.jsonl", "train.jsonl", *BUILD_SIDECARS, "notes.txt"):
        (tmp_path / name).write_text("{}\n")
    (tmp_path / "odd.json").write_text("{}\n")
    found = expand_datasets([tmp_path, tmp_path / "odd.json"])
    assert [p.name for p in found] == ["train.jsonl", "validation.jsonl", "odd.json"]
    assert [infer_split(Path(n)) for n in ("train-2.jsonl", "val.jsonl", "dev.jsonl", "Test.jsonl", "x.jsonl")] == \
        ["train", "validation", "validation", "test", None]


def test_reading_modules_stay_light() -> None:
    """validate's reading path imports no polars, numpy or tiktoken; build's reader loads polars only for Parquet."""
    code = ("import sys; import dataprep.io.read, dataprep.io.jsonl, dataprep.io.paths, dataprep.formats; "
            "print(sorted({'polars', 'numpy', 'tiktoken'} & {m.split('.')[0] for m in sys.modules}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"
