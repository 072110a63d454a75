"""DP419 set: mojibake (text decoded with the wrong codec) against real accented and symbol-rich text.

Why: mis-decoded text (`personâ€™s`, `ChÃ©ri`) teaches a model to write it, but a detector that fires on
any `Ã` or on non-ASCII letters would flag every French, Vietnamese or Swedish record. Real positives: the
sentences of LLaMA-Factory's KTO/DPO demos that arrived mis-decoded (user turns quoting movie plots) and the
sentences of lingua-py's test data (web text) that carry a real decoding defect (`_DEFECTS`: C1 controls for
cp1252 quotes, `ï¿½`, UTF-8 read as cp1252 or cp1250, Turkish ISO-8859-9 read as Latin-1, Mac Roman), each
kind read. Planted: real sentences encoded as UTF-8 and decoded as cp1252 (latin-1 where cp1252 has no
character), some twice. Hard negatives: clean sentences of 14 accented languages (lingua-py, other lines than
the planted ones and free of every `_DEFECTS` pattern), real answers with typographic quotes, math symbols or
emoji, Wikipedia's list of accented letters (which holds a legitimate `Ã`), Chinese, and written discussions
of mojibake that quote it in code.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import junk_sources as src
from junk_items import ItemSet, sentences

_CONT = "".join(bytes([b]).decode("cp1252", "replace") for b in range(0x80, 0xC0)).replace("\ufffd", "")
MOJIBAKE = re.compile(f"[ÃÂâÅÄ][{re.escape(_CONT)}]")
_CONT_1250 = "".join(bytes([b]).decode("cp1250", "replace") for b in range(0x80, 0xC0)).replace("\ufffd", "")
# (pattern, languages it applies to or None for all, why): real decoding defects in lingua-py's test sentences.
_DEFECTS = (
    (re.compile("[\x80-\x9f]"), None, "cp1252 punctuation read as Latin-1 (C1 controls for curly quotes)"),
    (re.compile("ï¿½|ďż˝"), None, "U+FFFD replacement characters, themselves mis-decoded (`ï¿½`, `ďż˝`)"),
    (re.compile("\ufffd"), None, "U+FFFD replacement characters where a wrong decode lost the letters"),
    (MOJIBAKE, None, "UTF-8 read as cp1252 (`Ã¤` for ä, `ÅŸ` for ş)"),
    (re.compile(f"[ÂĂÄĹ][{re.escape(_CONT_1250)}]"), None, "UTF-8 read as cp1250 (`Ä\\x85`, `Ĺ‚`, `PĹ™Ă`)"),  # noqa: RUF001
    (re.compile("[ýðþÝÐÞ]"), ("tr",), "Turkish ISO-8859-9 read as Latin-1 (ý for ı, ð for ğ, þ for ş)"),  # noqa: RUF001
    (re.compile("[a-zé][ÈËÍÎÏÔÒ][a-z]"), ("fr",), "Mac Roman read as Latin-1 (È for é, Ë for è inside words)"),
    (re.compile("[õûÕÛ]"), ("hu",), "Hungarian ISO-8859-2 read as Latin-1 (õ for ő, û for ű)"),
    (re.compile("[ãÃºªþÞ]"), ("ro",), "Romanian ISO-8859-2 read as Latin-1 (ã for ă, º for ş, þ for ţ)"),
)
# Letters that are stand-ins rather than decoding errors (ô typed for ő, Ð for Đ): kept out of the set.
_AMBIGUOUS = {"hu": re.compile("[ôÔ]"), "vi": re.compile("[Ðð]")}
_REAL_PER_LANG = 30  # real lingua defects kept per language and kind
_PLANT_EN, _PLANT_LANG = 80, 4  # planted: English sentences, and sentences per language
_LANGS = ("fr", "de", "pt", "it", "vi", "pl", "cs", "tr", "is", "ro", "hu", "sv", "da", "nb")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_DISCUSSIONS = (
    "If you see `Ã©` where an `é` should be, the UTF-8 file was decoded as Windows-1252; re-read it with "
    "`encoding='utf-8'`.",
    "The classic symptom is `â€™` in place of an apostrophe: the three UTF-8 bytes E2 80 99 shown as cp1252.",
    "ftfy turns `schÃ¶n` back into `schön`; use `ftfy.fix_text` on the column before training.",
    "A double-encoded `Ã\u0192Ã\u201aÂ©` is what `é` becomes after two wrong decodes.",
    "In Latin-1 the byte 0xC3 is `Ã` (capital A with tilde), which is why mis-decoded UTF-8 is full of it.",
)


def lingua_defect(lang: str, text: str) -> str | None:
    """Why a lingua-py test sentence is mis-decoded, "ambiguous" for a stand-in letter, None when clean."""
    if lang in _AMBIGUOUS and _AMBIGUOUS[lang].search(text):
        return "ambiguous"
    return next((why for pattern, langs, why in _DEFECTS
                 if (langs is None or lang in langs) and pattern.search(text)), None)


def _lingua_real(out: ItemSet, lingua: Path) -> None:
    kinds: Counter[tuple[str, str]] = Counter()
    for lang in _LANGS:
        for source, text in src.lingua_sentences(lingua, lang):
            why = lingua_defect(lang, text)
            if why and why != "ambiguous" and kinds[lang, why] < _REAL_PER_LANG:
                kinds[lang, why] += out.add(text, True, f"real {lang} sentence, mis-decoded: {why}", source)


def _decode_wrong(text: str, times: int = 1) -> str:
    for _ in range(times):
        raw = text.encode("utf-8")
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    return text


def _real_mojibake(llama_factory: Path) -> Iterator[tuple[str, str]]:
    for name in ("kto_en_demo.json", "dpo_en_demo.json"):
        turns = [*src.lf_user_turns(llama_factory, name), *src.lf_sharegpt_answers(llama_factory, name)]
        for source, text in turns:
            for sentence in sentences(text):
                if MOJIBAKE.search(sentence):
                    yield source, sentence


Pairs = list[tuple[str, str]]


def _accented(corpora: Path, llama_factory: Path, lingua: Path) -> tuple[Pairs, Pairs]:
    """Real English sentences with typographic characters and real accented sentences, as (source, text)."""
    english: dict[str, str] = {}
    for source, text in [*src.oasst_answers(corpora), *src.hh_answers(corpora),
                         *src.lf_alpaca_answers(llama_factory)]:
        for s in sentences(text):
            if 40 <= len(s) <= 300 and _NON_ASCII.search(s) and not MOJIBAKE.search(s):
                english.setdefault(s, source)
    foreign = [(source, text) for lang in _LANGS for source, text in src.lingua_sentences(lingua, lang)
               if 40 <= len(text) <= 300 and len(_NON_ASCII.findall(text)) >= 2 and not lingua_defect(lang, text)]
    return sorted((source, s) for s, source in english.items()), foreign


def mojibake_set(corpora: Path, llama_factory: Path, lingua: Path) -> ItemSet:
    out = ItemSet()
    for source, sentence in _real_mojibake(llama_factory):
        out.add(sentence, True, f"real mojibake {MOJIBAKE.search(sentence).group()!r} (UTF-8 read as "  # type: ignore[union-attr]
                "cp1252): accented names mis-decoded in the record", source)
    _lingua_real(out, lingua)
    rng = random.Random(419)
    english, foreign = _accented(corpora, llama_factory, lingua)
    rng.shuffle(english)
    by_lang: dict[str, list[tuple[str, str]]] = {}
    for source, text in foreign:
        by_lang.setdefault(source.rsplit("/", 1)[1].split(".")[0], []).append((source, text))
    for n, (_, text) in enumerate(english[:_PLANT_EN]):
        out.add(_decode_wrong(text, 2 if n % 10 == 0 else 1), True, "planted: a real English sentence's "
                "typographic characters (curly quotes, dashes, ellipses) decoded as cp1252", "planted")
    for lang in _LANGS:
        rows = by_lang.get(lang, [])
        rng.shuffle(rows)
        for n, (_, text) in enumerate(rows[:_PLANT_LANG]):
            out.add(_decode_wrong(text, 2 if n == _PLANT_LANG - 1 else 1), True, f"planted: a real {lang} sentence "
                    "(lingua-py test data) UTF-8 decoded as cp1252/latin-1", "planted")
        for source, text in rows[_PLANT_LANG:_PLANT_LANG + 16]:
            out.add(text, False, f"real {lang} text: its accented letters are correct UTF-8", source)
    _typographic_negatives(out, corpora, english[_PLANT_EN:])
    for source, text in [*wiki_diacritics(llama_factory), *alpaca_zh(llama_factory)]:
        out.add(text, False, "real text with correct non-ASCII letters (Wikipedia's accented-letter list, which "
                "holds a legitimate `Ã`; Chinese)", source)
    for text in _DISCUSSIONS:
        out.add(text, False, "planted: a discussion of encodings quoting mojibake in inline code on purpose",
                "planted")
    return out


def _typographic_negatives(out: ItemSet, corpora: Path, english: Pairs) -> None:
    for source, text in english[:40]:
        out.add(text, False, "a real English sentence with correct typographic characters", source)
    for source, text in [*src.oasst_answers(corpora), *src.gpteacher_answers(corpora)]:
        if re.search("[\u2200-\u22ff\u2190-\u21ff\u2500-\u257f\U0001f300-\U0001faff\u00b1\u00d7\u00f7]", text) and \
                not MOJIBAKE.search(text):
            out.add(text, False, "a real answer with math symbols, arrows, box drawing or emoji, all correct",
                    source)


def wiki_diacritics(llama_factory: Path) -> Iterator[tuple[str, str]]:
    """Lines of LLaMA-Factory's wiki demo (English Wikipedia) that list accented letters, `Ã` among them."""
    with open(llama_factory / "wiki_demo.txt", encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            if "Ã ã" in raw:
                for sentence in sentences(raw):
                    if "Ã" in sentence:
                        yield f"LLaMA-Factory/data/wiki_demo.txt:{line}", sentence


def alpaca_zh(llama_factory: Path) -> Iterator[tuple[str, str]]:
    for index, record in enumerate(json.loads((llama_factory / "alpaca_zh_demo.json").read_text("utf-8"))[:20]):
        yield f"LLaMA-Factory/data/alpaca_zh_demo.json:{index}", str(record["output"])
