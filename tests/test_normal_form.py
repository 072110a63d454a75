"""The normal form's byte paths give exactly the form its definition does (DP401/DP402/DP501 keys).

Why: `dataprep.text.normal` folds ASCII and mostly-ASCII text as UTF-8 bytes for speed (#14); a single
character it folds differently would silently merge or split duplicates. The reference here is the
definition written plainly: ASCII text casefolded with its punctuation made spaces, any other text NFC,
casefolded, every `[^\\w\\s]` run a space; then whitespace collapsed.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.text.normal import normalise

_PUNCT = re.compile(r"[^\w\s]+")
_ASCII_PUNCT = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~"})
# Characters where folding is easy to get wrong: multi-character casefolds (ß, ﬁ, İ with its combining dot),
# final sigma, the Kelvin sign, non-ASCII spaces and separators, combining marks NFC composes, CJK
# punctuation, digits that are not ASCII, and the ASCII controls the regex takes for punctuation.
_HARD = list("éÉßẞİ\u0131\u017fKΣ\u03c3ςﬁ“”\u2019—…\u00a0\u3000\u2028\u0301\u0307ÅÅ日本語、。「」Ǆǅǆ\u0345ΐ½²①٣_") + \
    [chr(c) for c in range(0x20)] + ["\x7f"]
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "toolformer-1000.jsonl"


def reference(text: str) -> str:
    if text.isascii():
        return " ".join(text.casefold().translate(_ASCII_PUNCT).split())
    return " ".join(_PUNCT.sub(" ", unicodedata.normalize("NFC", text).casefold()).split())


_TEXT = st.text(alphabet=st.one_of(st.sampled_from(_HARD), st.characters(min_codepoint=32, max_codepoint=126),
                                   st.characters(blacklist_categories=("Cs",))), max_size=60)


@settings(max_examples=3000, deadline=None)
@given(_TEXT)
def test_normal_form_matches_its_definition(text: str) -> None:
    assert normalise(text) == reference(text)


def test_every_hard_character_alone_and_in_ascii_text() -> None:
    for char in _HARD:
        for text in (char, f"Ab{char}cD e", f"{char * 3}X.Y", f"word {char}word{char} end"):
            assert normalise(text) == reference(text), repr(text)


def test_casefold_is_per_character_and_idempotent_on_its_output() -> None:
    """What the bytes path relies on, checked over all of Unicode: a character's casefold holds no ASCII
    capital and nothing casefold would change again."""
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code < 0xE000:
            continue
        fold = chr(code).casefold()
        assert all(c.casefold() == c and not "A" <= c <= "Z" for c in fold), hex(code)


def test_real_text_and_mostly_non_ascii_text() -> None:
    texts = [json.dumps(json.loads(line), ensure_ascii=False) for line in CORPUS.read_text("utf-8").splitlines()]
    texts += ["日本語のテキスト、句読点。" * 20, "Ünïcödé “quoted” — text… " * 10, "a\ud800b"]
    for text in texts:
        assert normalise(text) == reference(text)
