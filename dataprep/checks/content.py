"""Content checks shared by `validate` and `build`: secrets, PII, template leftovers, refusals, echoes.

Patterns are compiled once and run over the texts of a canonical row. Each hit names its rule code so the
linter and the build ledger report it the same way. The same detectors mask text that leaves a build for a
reader (`mask`, `mask_record`): the report, the ledger and the terminal never show what the build removed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from dataprep.formats.base import Canonical

_SECRETS = [
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    ("AWS secret access key", re.compile(r"(?i)aws_?secret_?access_?key\s*[=:]\s*['\"]?[A-Za-z0-9/+=]{40}")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b")),
]
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# A phone number may end a sentence ("call +1 206-555-0143."); only a digit after the dot makes it a decimal.
_PHONE = re.compile(r"(?<![\w.])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]\d{3}[ .-]\d{4}(?!\w|\.\d)")
_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
_TEMPLATE = re.compile(r"<\|(?:im_start|im_end|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>"
                       r"|\[/?INST\]|<<SYS>>|\n\nHuman:|\n\nAssistant:|</?s>")
_REFUSAL = re.compile(r"(?i)\bas an ai (?:language )?model\b|\bI(?:'m| am) (?:sorry, but I )?(?:unable|not able) to "
                      r"(?:help|assist|provide)|\bI cannot (?:fulfill|comply with) (?:this|that|your) request")
# Controls other than tab and newline, plus characters that are invisible and carry no meaning in text.
INVISIBLE = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\u2060\ufeff]")
# Zero-width (non-)joiners shape Indic and Arabic scripts and emoji sequences: they are stray only next to
# ASCII or at an edge, where they cannot be joining anything. (Bidi marks U+200E/F are meaningful: kept.)
STRAY_JOINER = re.compile(r"(?<=[\x00-\x7f])[\u200c\u200d]+|[\u200c\u200d]+(?=[\x00-\x7f])|^[\u200c\u200d]+|"
                          r"[\u200c\u200d]+$")
# Cheap pre-filters: what each costly pattern needs in order to match (a literal hint, a digit run), so the
# full patterns run only on the few texts that have it; this cut the content checks from ~3 s to ~0.3 s per
# 10k records.
_SECRET_HINT = re.compile(r"A[KSBC][IC]A|PRIVATE KEY|gh[pousr]_|xox")
_TEMPLATE_HINTS = ("<|", "INST]", "<<SYS>>", "\n\nHuman:", "\n\nAssistant:", "<s>", "</s>")
_REFUSAL_HINTS = ("as an ai", "unable to", "not able to", "cannot")
_DIGITS = re.compile(r"\d[\d .()-]{8}")


def _secret_hint(text: str) -> bool:
    """Cheap test that a text could hold a secret; "secret" (any case) announces an AWS secret key."""
    return "ecret" in text or "ECRET" in text or _SECRET_HINT.search(text) is not None


def printable(text: str) -> bool:
    """True when the text has no control or invisible character (newlines and tabs allowed), at C speed.

    str.isprintable() is False for controls and for format characters such as U+200B and U+FEFF, so a True
    here lets callers skip the character-class regex that finds which one it is.
    """
    return text.replace("\n", "").replace("\t", "").isprintable()


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def card_numbers(text: str) -> list[str]:
    """Digit runs of card length that pass the Luhn check (cuts false positives on ids and dates)."""
    found = []
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits) and len(set(digits)) > 1:
            found.append(match.group())
    return found


def secrets(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    if not _secret_hint(text):
        return
    for label, pattern in _SECRETS:
        for match in pattern.finditer(text):
            yield label, match


def pii(text: str) -> list[str]:
    kinds = []
    if "@" in text and _EMAIL.search(text):
        kinds.append("e-mail address")
    if _DIGITS.search(text):
        if _PHONE.search(text):
            kinds.append("phone number")
        if card_numbers(text):
            kinds.append("card number")
    return kinds


def findings(row: Canonical) -> Iterator[tuple[str, str]]:
    """(code, message) for every content problem in the row."""
    if row.text is None and row.turns:
        yield from _answer_findings(row)
    text = "\n".join(row.texts())
    for label, _ in secrets(text):
        yield "DP409", f"looks like a {label}; remove and rotate it"
        break
    kinds = pii(text)
    if kinds:
        yield "DP410", f"personal data: {', '.join(kinds)}"
    template = _TEMPLATE.search(text) if any(h in text for h in _TEMPLATE_HINTS) else None
    if template:
        yield "DP406", f"leftover template token {template.group()!r}"
    invisible = None if printable(text) else INVISIBLE.search(text) or STRAY_JOINER.search(text)
    if invisible:
        yield "DP404", f"invisible character U+{ord(invisible.group()[0]):04X} in the text"


def _answer_findings(row: Canonical) -> Iterator[tuple[str, str]]:
    answer = row.turns[-1].text
    if len(row.turns) >= 2 and answer.strip() == row.turns[-2].text.strip():
        yield "DP405", "the answer repeats the prompt"
    if not any(c.isalnum() for c in answer):  # "A" or "7" can be a real label; "." or "-" is not an answer
        yield "DP403", f"the answer has no letter or digit ({answer.strip()!r})"
    lowered = answer.lower()
    if any(h in lowered for h in _REFUSAL_HINTS) and _REFUSAL.search(answer):
        yield "DP407", "the answer is refusal boilerplate"


# A private key is redacted as the whole PEM block, not just the header that `secrets()` detects.
_PEM_BLOCK = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|\Z)")


def redact_secrets(text: str) -> tuple[str, int]:
    """The text with every secret replaced by ``[REDACTED-SECRET]``, and how many were replaced."""
    return _replace_secrets(text, lambda match: "[REDACTED-SECRET]")


def _replace_secrets(text: str, replacement: Callable[[re.Match[str]], str]) -> tuple[str, int]:
    """Every secret `secrets()` detects (a private key as its whole PEM block) replaced, and how many.

    The one loop behind redaction (the splits) and masking (what people read), so both remove the same.
    """
    if not _secret_hint(text):
        return text, 0
    total = 0
    for pattern in (_PEM_BLOCK, *(p for _, p in _SECRETS)):
        text, n = pattern.subn(replacement, text)
        total += n
    return text, total


def redact_pii(text: str) -> tuple[str, int]:
    """The text with e-mail addresses, phone numbers and Luhn-valid card numbers replaced by placeholders."""
    total = 0
    if "@" in text:
        text, n = _EMAIL.subn("[REDACTED-EMAIL]", text)
        total += n
    if _DIGITS.search(text):
        for card in card_numbers(text):
            text = text.replace(card, "[REDACTED-CARD]")
            total += 1
        text, n = _PHONE.subn("[REDACTED-PHONE]", text)
        total += n
    return text, total


# What a mask keeps of a secret: its type prefix, which tells a reviewer what was there and is no secret itself.
# A masked secret matches no detector again (the prefix lacks the key's body or the PEM header's dashes).
_KEPT_PREFIX = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY|(?i:aws_?secret_?access_?key\s*[=:]\s*['\"]?)"
                          r"|A[KSBC][IC]A|gh[pousr]_|xox[abprs]-")
MASKED = "…[masked]"
# The escapes of a JSON string; a secret right after `\n` has no word boundary in the raw text of a line.
_JSON_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))')
_UNESCAPED = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _masked_secret(match: re.Match[str]) -> str:
    kept = _KEPT_PREFIX.match(match.group())
    return (kept.group() if kept else "") + MASKED


def mask(text: str) -> str:
    """The text as a report, the ledger or a terminal may show it: secrets and personal data masked.

    Secrets keep their type prefix (``AKIA…[masked]``, ``ghp_…[masked]``, a PEM block becomes
    ``-----BEGIN RSA PRIVATE KEY…[masked]``); personal data gets the placeholders of `redact_pii`. Whatever
    --secrets and --pii did to the splits: a report is shared with reviewers who need no credential or
    personal datum to judge a dataset. Idempotent, and as cheap as the detectors' pre-filters on clean text.
    """
    return redact_pii(_replace_secrets(text, _masked_secret)[0])[0]


def mask_record(original: str) -> str:
    """`mask` for a record's original text as read: a JSON line, a CSV row or array element as JSON, a chunk.

    JSON escapes can hide a secret from a scan of the raw text (``\\nAKIA…`` has no word boundary, ``\\/``
    splits a secret key), so a text with escapes is also checked as decoded; when that finds more, a JSON
    text is re-encoded from its masked values (its bytes are no longer as read, its secrets are gone) and any
    other text is masked unescaped. A text without escapes is masked in place, byte for byte otherwise.
    """
    masked = mask(original)
    if "\\" not in original:
        return masked
    view = _JSON_ESCAPE.sub(_unescape, original)
    if mask(view) == view:
        return masked
    try:
        value = _mask_value(json.loads(original))
    except (ValueError, RecursionError):
        return mask(view)
    try:
        if json.loads(masked) == value:
            return masked
    except (ValueError, RecursionError):
        pass
    encoded = json.dumps(value, ensure_ascii=False)
    # A lone surrogate (from an unpaired `\\ud83d`) cannot be written as UTF-8: keep it escaped then.
    return encoded if encoded.isascii() or _encodable(encoded) else json.dumps(value)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unescape(match: re.Match[str]) -> str:
    code, char = match.groups()
    return chr(int(code, 16)) if code else _UNESCAPED.get(char, char)


def _mask_value(value: Any) -> Any:
    """A decoded JSON value with every string in it (object keys too) masked."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [_mask_value(v) for v in value]
    if isinstance(value, dict):
        return {mask(k): _mask_value(v) for k, v in value.items()}
    return value
