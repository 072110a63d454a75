"""Validate's fast paths (#14 item 2) decide exactly what the slow forms they stand for decide.

Each fast form is compared with the plain form it replaced, on texts built to sit on its edges: every lead and
continuation character of the mojibake shape, joiners beside ASCII and inside other scripts, JSON lines with
each strictness defect written the ways it can be written.
"""

from __future__ import annotations

import re

from dataprep.checks import content, junk

_C1 = "".join(map(chr, range(0x80, 0xA0)))


def _chars(ranges: str) -> list[str]:
    """The characters of a regex class body of single characters and `a-b` ranges."""
    out, i = [], 0
    while i < len(ranges):
        if i + 2 < len(ranges) and ranges[i + 1] == "-":
            out.extend(map(chr, range(ord(ranges[i]), ord(ranges[i + 2]) + 1)))
            i += 3
        else:
            out.append(ranges[i])
            i += 1
    return out


def test_the_mojibake_shape_matches_where_the_alternation_does() -> None:
    reference = re.compile(f"[\u0080-\u009f]|[{junk._LEAD}][{junk._CONTINUATION}]")
    leads, continuations = _chars(junk._LEAD), _chars(junk._CONTINUATION)
    others = ["a", " ", "é", "ñ", "ç", "ü", "—", "\u2019", "€", "中", "😀", "\u0100", "\u0178", "\u00bf"]
    texts = [f"x{a}{b}y" for a in leads + others + list(_C1) for b in continuations + others + leads]
    texts += ["naïve façade ção", "person\u00e2\u20ac\u2122s", "Ã©tÃ©", "â€", "Â", "\u0085", "caf\u00e9\u0080"]
    for text in texts:
        found, expected = junk._MOJIBAKE_SHAPE.search(text), reference.search(text)
        assert (found and found.span()) == (expected and expected.span()), repr(text)


def test_a_stray_joiner_is_found_only_where_the_pattern_finds_one() -> None:
    texts = ["a\u200db", "\u200cabc", "abc\u200d", "क्\u200dष", "👩\u200d💻", "a\u200c\u200cb", "plain text", "ب\u200cب",
             "x\u00a0y", "\u200c", "क्\u200d"]
    for text in texts:
        expected = content.STRAY_JOINER.search(text)
        found = content._stray_joiner(text)
        assert (found and found.span()) == (expected and expected.span()), repr(text)


def test_invisible_characters_go_as_the_two_patterns_remove_them() -> None:
    texts = ["a\u200db", "\u200cabc\u200b", "abc\u200d\ufeff", "\u0915\u094d\u200d\u0937", "x\u00a0y\r\n",
             "\x00\u200c\x7f", "\u2060\u200d\u2060", "plain", "\u00ad soft \u0085 hyphen", "\u200c"]
    for text in texts:
        assert content.without_invisible(text) == content.STRAY_JOINER.sub("", content.INVISIBLE.sub("", text))


def test_the_record_key_words_shortcut_gives_the_split_and_join_form() -> None:
    import random
    import unicodedata

    from conftest import TOOLFORMER

    from dataprep.checks.duplicates import _folded_words

    rng = random.Random(17)
    alphabet = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85aB.\u00a0\u2003\u0130\u212a\u00df"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(20000)]
    texts += TOOLFORMER.read_text(encoding="utf-8").splitlines() + _evalset_texts("DP412", "DP419")
    for text in texts:
        expected = " ".join(unicodedata.normalize("NFC", text).casefold().split())
        assert _folded_words(text) == expected, repr(text)


def test_credential_names_are_found_where_the_pattern_finds_them() -> None:
    import random

    from conftest import TOOLFORMER

    from dataprep.checks import secrets

    rng = random.Random(29)
    pieces = ["secret", "token", "passwd", "password", "pwd", "api", "apikey", "api_key", "access", "access-key",
              "auth", "authkey", "private_key", "privatekey", "credential", "key", "-", "_", "s", "x", " ", "="]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 10))) for _ in range(20000)]
    texts += [line.lower() for line in TOOLFORMER.read_text(encoding="utf-8").splitlines()]
    texts += [text.lower() for text in _evalset_texts("DP409")]
    for text in texts:
        expected = [m.span() for m in secrets._NAME.finditer(text)]
        assert [m.span() for m in secrets._names(text)] == expected, text
        assert not expected or any(name in text.encode() for name in secrets._CASELESS_NAMES + secrets._KEY_NAMES)


def _evalset_texts(*codes: str) -> list[str]:
    import json
    from pathlib import Path

    sets = Path(__file__).resolve().parents[1] / "benchmarks" / "evalsets"
    return [json.loads(line)["text"] for code in codes for line in (sets / f"{code}.jsonl").open(encoding="utf-8")]


def test_the_refusal_gates_pass_every_answer_the_patterns_match() -> None:
    planted = ["As an AI language model, I cannot do that.", "AS A LARGE TRAINED LANGUAGE MODEL I have no view",
               "I'm just an AI and I can't say", "I cannot fulfill this request.", "I Cannot Comply With your request",
               "I'm sorry, but I can't help.", "Unfortunately, I am unable to", "I apologise, I won't", "I can't help "
               "you with that", "I won\u2019t assist with this", "Afraid I cannot", "as an artificial intelligence, I "
               "do not", "as a text-based ai I cannot", "\u0130 cannot fulfill this request", "I\u0131 am sorry",
               "a\u017f an AI I cannot", "as an\u00a0ai, I cannot", "I am an AI\u2014I can't", "SORRY, I CAN'T"]
    texts = planted + _evalset_texts("DP407")
    for text in texts:
        lowered = text.lower()
        if any(c in text for c in content._FOLDS_TO_ASCII):
            continue  # these run the patterns ungated
        if not content._boilerplate_gate(lowered):
            assert content._AI_BOILERPLATE.search(text) is None, text
        if not content._refusal_gate(lowered):
            assert content._STOCK_REFUSAL.search(text) is None, text
    matched = [t for t in texts if content._AI_BOILERPLATE.search(t) or content._STOCK_REFUSAL.search(t)]
    assert len(matched) > 100  # the cases reach the patterns, so the gates are tested on matches
