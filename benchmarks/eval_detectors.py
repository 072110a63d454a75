"""Precision and recall of dataprep's content detectors on labelled sets, so that each rule is a measured number.

Why: a quality rule decides about someone's data; it is only trustworthy when its errors are counted on real
data. Every `benchmarks/evalsets/<CODE>.jsonl` (one item a line: text, positive, why, source) is run through
the REAL detector of that code (`DETECTORS`, calling dataprep's own check functions) and a markdown table is
printed: code | name | positives | negatives | precision | recall | F1, plus the same over real (non-planted)
items. With `--corpora DIR`, each detector also runs over every record of T0 and GPTeacher and reports hits
per 10,000 real records and its cost per record. Exits 1 when a rule misses a target in `TARGETS`.

    python benchmarks/eval_detectors.py [--corpora DIR] [--sets DIR] [--only DP409,DP410]

To add a rule: one line in `DETECTORS` (code -> callable(text) -> bool; or in `RECORD_DETECTORS`, callable(item)
-> bool, when the verdict needs the item's `prompt`/`system`), one in `TARGETS` if it has one, and its set in
`benchmarks/evalsets/`.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dataprep.checks import content, junk, text_quality  # noqa: E402  (the checkout's own dataprep)
from dataprep.checks.keywords import ReservedKeywords  # noqa: E402
from dataprep.formats.base import Canonical, Turn  # noqa: E402
from dataprep.profiles import load_profiles  # noqa: E402
from dataprep.text import language  # noqa: E402
from dataprep.text.clean import END_TOKEN, clean_text  # noqa: E402

_NOVA = ReservedKeywords.of(load_profiles()["nova-micro"])  # DP212 items are user prompts to a Nova model
from dataprep.registry import rule  # noqa: E402

# code -> the detector as dataprep runs it: True when the rule fires on the text.
DETECTORS: dict[str, Callable[[str], bool]] = {
    "DP409": lambda text: bool(content.secrets(text)),
    "DP410": lambda text: bool(content.pii(text)),
    "DP430": lambda text: any(code == "DP430" for code, _ in content.secret_and_pii_findings(text)),
    "DP212": lambda text: _NOVA.problem(Canonical(turns=(Turn("user", text), Turn("assistant", "ok")))) is not None,
    # DP411 under --lang en: fires when the text is determined to be another language (und is kept).
    "DP411": lambda text: language.detect_languages([text])[0].split("-")[0] not in ("en", language.UNKNOWN),
    # The SFT junk detectors (#12 item 8): items are answers (DP418, DP420, DP408) or turns (DP416, DP419).
    "DP418": lambda text: junk.placeholder_in(text) is not None,
    "DP419": lambda text: junk.mojibake_in(text) is not None,
    "DP420": lambda text: junk.loop_in(text) is not None,
    "DP416": lambda text: _cleaned_by(text, END_TOKEN),
    "DP408": text_quality.looks_truncated,
    # Items are records the model reads (chunks of documents): judged as the build judges a chunk.
    "DP412": lambda text: text_quality.text_problem(text, whole=False) is not None,
    # Items are a record's texts joined by a newline, as content.findings joins them (DP406), or an answer (DP407).
    "DP406": lambda text: "DP406" in _codes(Canonical(text=text)),
    # The DP407 set labels every refusal positive; dataprep splits them into DP407 (AI-disclaimer boilerplate,
    # dropped) and DP431 (a stock refusal, reported): scored together, as "found a refusal".
    "DP407": lambda text: bool({"DP407", "DP431"} & set(_codes(Canonical(turns=(Turn("user", "\u2026"),
                                                                                 Turn("assistant", text)))))),
}
# code -> the detector on a whole labelled record: the answer (`text`) with its `prompt` and optional `system`,
# for answer rules whose verdict depends on what was asked (DP403 empty answer, DP405 answer repeats the prompt).
RECORD_DETECTORS: dict[str, Callable[[dict[str, object]], bool]] = {
    "DP403": lambda item: "DP403" in _codes(_record(item)),
    "DP405": lambda item: "DP405" in _codes(_record(item)),
}
# code -> {metric: minimum}; metrics: precision, recall, f1 (on all items), real_precision (non-planted items),
# max_hits_per_10k (on T0 + GPTeacher, needs --corpora).
TARGETS: dict[str, dict[str, float]] = {
    "DP409": {"recall": 0.98, "max_hits_per_10k": 1.0},
    "DP410": {"precision": 0.9, "real_precision": 0.9},
    "DP430": {"precision": 0.9},
    "DP212": {"precision": 0.98, "recall": 0.98},
    "DP411": {"precision": 0.995, "recall": 1.0},  # #12: 0 Chinese records kept, <= 0.5% English dropped
    "DP408": {"precision": 0.8},  # #12 item 8: or the rule becomes info severity (it is info)
}


def _codes(row: Canonical) -> set[str]:
    """The content codes dataprep reports on the row (`dataprep.checks.content.findings`)."""
    return {code for code, _ in content.findings(row)}


def _record(item: dict[str, object]) -> Canonical:
    """The labelled answer as the row dataprep checks: its system prompt, the user turn, the answer."""
    system = item.get("system")
    return Canonical(system=str(system) if system else None,
                     turns=(Turn("user", str(item.get("prompt", "\u2026"))), Turn("assistant", str(item["text"]))))


def _judge(code: str) -> Callable[[dict[str, object]], bool]:
    """The detector of `code` on a labelled item: on its text, or on the whole record for RECORD_DETECTORS."""
    if code in RECORD_DETECTORS:
        return RECORD_DETECTORS[code]
    detect = DETECTORS[code]
    return lambda item: detect(str(item["text"]))


def _cleaned_by(text: str, code: str) -> bool:
    """True when the clean stage changes the text under `code` (DP416: an end marker ends the turn)."""
    fixes: set[str] = set()
    clean_text(text, fixes)
    return code in fixes


def score(items: list[dict[str, object]], detect: Callable[[dict[str, object]], bool]) -> dict[str, float | int]:
    tp = fp = fn = tn = 0
    for item in items:
        fired, positive = detect(item), bool(item["positive"])
        tp, fp, fn, tn = tp + (fired and positive), fp + (fired and not positive), fn + (positive and not fired), \
            tn + (not fired and not positive)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"positives": tp + fn, "negatives": fp + tn, "tp": tp, "fp": fp, "fn": fn, "precision": precision,
            "recall": recall, "f1": f1}


def _real(real: dict[str, float | int]) -> str:
    """The real items' precision and recall, or, with no real positive, how many real negatives fired."""
    if not real["positives"]:
        return f"no real positive; {real['fp']} of {real['negatives']} real negatives fire"
    return f"{real['precision']:.3f} / {real['recall']:.3f} ({real['positives']}, {real['negatives']})"


def real_records(corpora: Path) -> Iterator[str]:
    """The texts of every T0 record and every GPTeacher (dedupe-only set) record, one text per record."""
    for path in sorted(glob.glob(str(corpora / "t0-prompt-completion" / "*.jsonl"))):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                yield f"{record['prompt']}\n{record['completion']}"
    gpteacher = corpora / "gpteacher-toolformer" / "toolformer-dedupe-only-dataset.json"
    for record in json.loads(gpteacher.read_text(encoding="utf-8")):
        yield "\n".join(str(record.get(k, "")) for k in ("instruction", "input", "response"))


def on_real_data(corpora: Path, detect: Callable[[str], bool]) -> dict[str, float]:
    texts = list(real_records(corpora))
    detect("warm-up: AKIA token key")  # lazy imports are not a per-record cost
    start = time.perf_counter()
    hits = sum(detect(t) for t in texts)
    seconds = time.perf_counter() - start
    return {"records": len(texts), "hits": hits, "hits_per_10k": hits / len(texts) * 10_000,
            "us_per_record": seconds / len(texts) * 1e6}


def misses(code: str, result: dict[str, float | int], real: dict[str, float | int],
           corpus: dict[str, float] | None) -> list[str]:
    values = {**result, "real_precision": real["precision"]}
    out = []
    for metric, target in TARGETS.get(code, {}).items():
        if metric == "max_hits_per_10k":
            if corpus is not None and corpus["hits_per_10k"] > target:
                out.append(f"{code} {corpus['hits_per_10k']:.2f} hits per 10,000 real records > {target}")
        elif values[metric] < target:
            out.append(f"{code} {metric} {values[metric]:.3f} < {target}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=Path, default=ROOT / "benchmarks" / "evalsets")
    parser.add_argument("--corpora", type=Path, default=None, help="shared corpora (T0, GPTeacher) for hits/10k")
    parser.add_argument("--only", default="", help="comma-separated codes")
    parser.add_argument("--show-errors", action="store_true", help="print every false positive and negative")
    args = parser.parse_args(argv)
    only = {c for c in args.only.split(",") if c}
    rows = ["| code | name | positives | negatives | precision | recall | F1 | real items: P / R (pos, neg) |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    extra, failed = [], []
    for path in sorted(args.sets.glob("*.jsonl")):
        code = path.stem
        if (code not in DETECTORS and code not in RECORD_DETECTORS) or (only and code not in only):
            continue
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
        detect = _judge(code)
        result = score(items, detect)
        real = score([i for i in items if not str(i["source"]).startswith("planted")], detect)
        rows.append(f"| {code} | {rule(code).name} | {result['positives']} | {result['negatives']} | "
                    f"{result['precision']:.3f} | {result['recall']:.3f} | {result['f1']:.3f} | "
                    f"{_real(real)} |")
        if args.show_errors:
            extra += [f"{code} {'FN' if i['positive'] else 'FP'} {i['source']}: {str(i['text'])[:160]!r}"
                      for i in items if detect(i) != bool(i["positive"])]
        corpus = on_real_data(args.corpora, DETECTORS[code]) if args.corpora and code in DETECTORS else None
        if corpus is not None:
            extra.append(f"{code}: {corpus['hits']} hits in {corpus['records']:,} T0 + GPTeacher records "
                         f"({corpus['hits_per_10k']:.2f} per 10,000), {corpus['us_per_record']:.1f} µs per record")
        failed += misses(code, result, real, corpus)
    print("\n".join(rows))
    if extra:
        print("\n" + "\n".join(extra))
    for line in failed:
        print(f"below target: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
