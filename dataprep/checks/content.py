"""Content checks shared by `validate` and `build`: secrets, PII, template leftovers, refusals, echoes.

Patterns are compiled once and run over the texts of a canonical row. Each hit names its rule code so the
linter and the build ledger report it the same way; the secret and personal-data detectors themselves live in
`checks.secrets` and `checks.pii`, and every finding of theirs quotes a masked excerpt.
The same detectors mask text that leaves a build for a reader (`mask`, `mask_record`): the report, the ledger
and the terminal never show what the build removed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from dataprep.checks import junk
from dataprep.checks import pii as pii_rules
from dataprep.checks import secrets as secret_rules
from dataprep.checks.secrets import Secret
from dataprep.formats.base import Canonical
from dataprep.text.joined import Joined

# ChatML, Llama 2/3, Zephyr/Phi-3 and Gemma turn markers, and Anthropic's transcript labels (`\n\nHuman:`, or a
# line `Human:` in a text that also has a line `Assistant:`: a pasted HH-RLHF transcript).
_TEMPLATE = re.compile(r"<\|(?:im_start|im_end|endoftext|eot_id|start_header_id|end_header_id|begin_of_text|user|"
                       r"assistant|system|end)\|>|<(?:start|end)_of_turn>"
                       r"|\[/?INST\]|<<SYS>>|\n\nHuman:|\n\nAssistant:|</?s>"
                       r"|(?:^|\n)Human: (?=(?:.|\n)*\nAssistant:)")
# HTML strikethrough (`<s>$20</s>`), not Llama 2's `<s>[INST] … </s>` sequence markers.
_STRIKETHROUGH = re.compile(r"<s>(?!\s*\[INST\])[^<>\n]{1,200}</s>")
# DP407: the AI-identity boilerplate of distilled data ("As an AI language model, I cannot…"), junk in any
# dataset. DP431: a stock apology-refusal ("I'm sorry, but I can't help with that"), which is the right answer
# to a harmful request in safety data and junk in a task's data: reported, not dropped.
_APOSTROPHE = "['\u2019]"
_QUOTES = {"'", '"', "\u201c", "\u2018", "`"}
_NEGATION = rf"(?:not|don{_APOSTROPHE}t|do not|can{_APOSTROPHE}t|cannot|am unable|am not able|have no|lack)"
_AI_BOILERPLATE = re.compile(
    rf"(?i)\bas an? (?:(?:large |trained |open |free |and |text-based )*"
    rf"(?:ai|artificial intelligence|language model))\b"
    rf"(?: (?:language )?(?:model|assistant|chatbot|system))?[^.!?\n]{{0,60}}?\b(?:{_NEGATION}|not|no)\b"
    rf"|\bi(?:{_APOSTROPHE}m| am) (?:just |only )?an ai\b[^.!?\n]{{0,40}}?\b{_NEGATION}\b"
    r"|\bI cannot (?:fulfill|comply with) (?:this|that|your) request")
_STOCK_REFUSAL = re.compile(
    rf"(?i)\b(?:(?:i{_APOSTROPHE}m |i am )?(?:sorry|afraid)|i apologi[sz]e|unfortunately)[,.!]?(?: but)?,? i"
    rf"(?:{_APOSTROPHE}m| am)? (?:can{_APOSTROPHE}t|cannot|unable to|not able to|won{_APOSTROPHE}t|will not|"
    rf"must decline)"
    rf"|\bi (?:can{_APOSTROPHE}t|cannot|won{_APOSTROPHE}t) (?:help|assist) (?:you )?with (?:that|this)\b")
# Controls other than tab and newline, plus characters that are invisible and carry no meaning in text.
INVISIBLE = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\u2060\ufeff]")
# Zero-width (non-)joiners shape Indic and Arabic scripts and emoji sequences: they are stray only next to
# ASCII or at an edge, where they cannot be joining anything. (Bidi marks U+200E/F are meaningful: kept.)
STRAY_JOINER = re.compile(r"(?<=[\x00-\x7f])[\u200c\u200d]+|[\u200c\u200d]+(?=[\x00-\x7f])|^[\u200c\u200d]+|"
                          r"[\u200c\u200d]+$")
# Cheap pre-filters: what each costly pattern needs in order to match (a literal hint, a digit run), so the
# full patterns run only on the few texts that have it; this cut the content checks from ~3 s to ~0.3 s per
# 10k records.
# The template hints in groups, each behind a gate every hint of its group holds (a memchr-speed test).
_TEMPLATE_GATES = (("<", ("<|", "<<SYS>>", "<s>", "</s>", "<start_of_turn>", "<end_of_turn>")), ("]", ("INST]",)),
                   ("\n\n", ("\n\nHuman:", "\n\nAssistant:")), ("Human: ", ("\nAssistant:",)))
_REFUSAL_HINTS = ("as a", "sorry", "afraid", "apologi", "unfortunately", "can't", "can\u2019t", "cannot", "won't",
                  "won\u2019t", "unable", "not able", "an ai")


def printable(text: str) -> bool:
    """True when the text has no control or invisible character (newlines and tabs allowed), at C speed.

    str.isprintable() is False for controls and for format characters such as U+200B and U+FEFF, so a True
    here lets callers skip the character-class regex that finds which one it is.
    """
    return text.replace("\n", "").replace("\t", "").isprintable()


def secrets(text: str) -> list[Secret]:
    """Every secret in the text (`dataprep.checks.secrets`), earliest first."""
    return secret_rules.find(text)


def pii(text: str) -> list[str]:
    """The kinds of personal data in the text, placeholders left out (they are DP430)."""
    return sorted({hit.kind for hit in pii_rules.find(text) if not hit.placeholder}, key=_KINDS.index)


_KINDS = ("e-mail address", "phone number", "card number")


# Every code `findings` can report; `codes` switches groups of its checks off.
CODES = frozenset({"DP403", "DP404", "DP405", "DP406", "DP407", "DP409", "DP410", "DP430", "DP431"}) | junk.CODES
_ANSWER_CODES = frozenset({"DP403", "DP405", "DP407", "DP431"})


def findings(row: Canonical, codes: frozenset[str] = CODES) -> Iterator[tuple[str, str]]:
    """(code, message) for every content problem in the row, of the `codes` asked for: a check whose codes
    are all switched off does not run (`validate --select DP1,DP2,DP3` skips these detectors' cost)."""
    if row.text is None and row.turns and not _ANSWER_CODES.isdisjoint(codes):
        yield from _answer_findings(row, codes)
    text = "\n".join(row.texts())
    yield from secret_and_pii_findings(text, codes)
    template = _template_token(text) if "DP406" in codes and _template_hint(text) else None
    if template:
        yield "DP406", f"leftover template token {template.group()!r}: {excerpt(text, template.start())}"
    yield from junk.findings(row, excerpt, codes)
    invisible = None if "DP404" not in codes or printable(text) else INVISIBLE.search(text) or _stray_joiner(text)
    if invisible:
        yield "DP404", f"invisible character U+{ord(invisible.group()[0]):04X} in the text: " \
            f"{excerpt(text, invisible.start())}"


def _stray_joiner(text: str) -> re.Match[str] | None:
    """STRAY_JOINER's first match; its lookbehind start makes re try every position, so only behind a joiner."""
    return STRAY_JOINER.search(text) if _has_joiner(text) else None


def without_invisible(text: str) -> str:
    """The text without its invisible characters and stray joiners (DP404's fix). The joiner pattern runs only
    on a text holding a joiner: on the others its lookbehind start cost 250 us a 4 KB text, and 2% of the
    scale corpus's texts are not `printable` for a carriage return or a no-break space alone (#17)."""
    text = INVISIBLE.sub("", text)
    return STRAY_JOINER.sub("", text) if _has_joiner(text) else text


def _has_joiner(text: str) -> bool:
    """A zero-width non-joiner or joiner is in the text: STRAY_JOINER can match nowhere else."""
    return "\u200c" in text or "\u200d" in text


def _template_hint(text: str) -> bool:
    """True when a template hint occurs, each looked for only behind its group's gate (#14: 6 -> 3.5 us)."""
    for gate, hints in _TEMPLATE_GATES:
        if gate in text:
            for hint in hints:
                if hint in text:
                    return True
    return False


def _template_token(text: str) -> re.Match[str] | None:
    """The first chat-template token outside code and HTML: an answer that shows a prompt template in a code
    block or a code span (`"\\n\\nHuman: …"`) teaches the template, it does not leak one, and `<s>$20</s>` is
    a strikethrough."""
    prose = junk.without_code(text)
    if "<s>" in prose:
        prose = _STRIKETHROUGH.sub(lambda m: " " * len(m.group()), prose)
    return _TEMPLATE.search(prose)


def _answer_findings(row: Canonical, codes: frozenset[str]) -> Iterator[tuple[str, str]]:
    answer = row.turns[-1].text
    if "DP405" in codes and len(row.turns) >= 2 and _same_words(answer, row.turns[-2].text):
        yield "DP405", f"the answer repeats the prompt: {excerpt(answer, 0)}"
    if "DP403" in codes and not any(c.isalnum() or unicodedata.category(c) == "So" for c in answer):
        # "A", "7" or "★★★★" (T0's app-review star ratings) can be a real label; "." or "-" is not an answer
        yield "DP403", f"the answer has no letter or digit ({answer.strip()!r})"
    if "DP407" not in codes and "DP431" not in codes:
        return
    lowered = answer.lower()
    if any(h in lowered for h in _REFUSAL_HINTS):
        exact = any(c in answer for c in _FOLDS_TO_ASCII)  # the gates read `lowered`, which these defeat
        boilerplate = _unquoted(_AI_BOILERPLATE, answer) if exact or _boilerplate_gate(lowered) else None
        if boilerplate is not None:
            yield "DP407", f"the answer is AI-disclaimer boilerplate: {excerpt(answer, boilerplate)}"
        elif (refusal := _unquoted(_STOCK_REFUSAL, answer) if exact or _refusal_gate(lowered) else None) is not None:
            yield "DP431", f"the answer is a stock refusal: {excerpt(answer, refusal)}"


# Necessary conditions of the two case-insensitive patterns, read on the lowered answer: what each branch must
# hold (a case-insensitive pattern has no literal prefix to skip ahead by: 123 us an answer that has a hint, on
# the hinted answers of T0, GPTeacher and the evalsets). re also matches i to dotless i and dotted capital I,
# and s to long s, which lower() does not make i and s: an answer holding one runs the patterns ungated.
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f")
_AS_AN_AI = re.compile(r"as an? (?:large |trained |open |free |and |text-based )*(?:ai|artificial intelligence|"
                       r"language model)")
_SORRY = ("sorry", "afraid", "apologi", "unfortunately")


def _boilerplate_gate(lowered: str) -> bool:
    """False when no branch of `_AI_BOILERPLATE` can match: "as a(n) … ai", "an ai", "i cannot fulfill/comply with"."""
    return ("an ai" in lowered or _AS_AN_AI.search(lowered) is not None
            or ("i cannot " in lowered and ("i cannot fulfill" in lowered or "i cannot comply with" in lowered)))


def _refusal_gate(lowered: str) -> bool:
    """False when no branch of `_STOCK_REFUSAL` can match: an apology word, or help/assist "with this/that"."""
    return any(word in lowered for word in _SORRY) or (
        "with th" in lowered and ("help" in lowered or "assist" in lowered))


def _same_words(answer: str, prompt: str) -> bool:
    """The answer says the prompt again: the same words, whatever the case and spacing. The first words are
    compared first: splitting and casefolding every word of every prompt cost 17-23 us a record (#14)."""
    if [w.casefold() for w in answer.split(None, 1)[:1]] != [w.casefold() for w in prompt.split(None, 1)[:1]]:
        return False
    return [w.casefold() for w in answer.split()] == [w.casefold() for w in prompt.split()]


def _unquoted(pattern: re.Pattern[str], text: str) -> int | None:
    """Where the first match outside quotes starts: an answer that quotes a refusal to discuss it is no refusal."""
    for found in pattern.finditer(text):
        if text[max(0, found.start() - 2):found.start()].strip() not in _QUOTES:
            return found.start()
    return None


PRIVATE_CODES = frozenset({"DP409", "DP410", "DP430"})  # what `secret_and_pii_findings` reports


def secret_and_pii_findings(text: str, codes: frozenset[str] = CODES) -> Iterator[tuple[str, str]]:
    """DP409 (the first secret), DP410 (personal data) and DP430 (placeholders), each with a masked excerpt."""
    found = secrets(text) if "DP409" in codes else []
    if found:
        yield "DP409", f"looks like a secret ({found[0].label}); remove and rotate it: {excerpt(text, found[0].start)}"
    hits = pii_rules.find(text) if "DP410" in codes or "DP430" in codes else []
    real = [h for h in hits if not h.placeholder]
    if real:
        kinds = sorted({h.kind for h in real}, key=_KINDS.index)
        yield "DP410", f"personal data: {', '.join(kinds)}: {excerpt(text, real[0].start)}"
    fake = [h for h in hits if h.placeholder]
    if fake:
        kinds = sorted({h.kind for h in fake}, key=_KINDS.index)
        yield "DP430", (f"{', '.join(kinds)} that is no one's personal data (a placeholder, test value, role mailbox "
                        f"or organisation's number): {excerpt(text, fake[0].start)}")


def excerpt(text: str, at: int, width: int = 30) -> str:
    """The text around position `at`, masked as a whole first (so no window can cut a secret in half), quoted.

    The window is found in the masked text by masking the part before `at`: what precedes a hit holds the same
    masks whether or not the rest follows, because a hit starts at `at` and no earlier secret spans it.
    """
    before = mask(text[:at])
    masked = mask(text)
    start = max(0, len(before) - width)
    window = masked[start:len(before) + width + 16]
    window = " ".join(window.split())
    return repr(("…" if start else "") + window + ("…" if len(before) + width + 16 < len(masked) else ""))


def redact_secrets(text: str) -> tuple[str, int]:
    """The text with every secret replaced by ``[REDACTED-SECRET]``, and how many were replaced."""
    return secret_rules.replace(text, lambda value: "[REDACTED-SECRET]")


def redact_pii(text: str) -> tuple[str, int]:
    """The text with e-mail addresses, phone numbers and card numbers replaced by marks; URLs left intact."""
    return pii_rules.redact(text)


MASKED = "…[masked]"
# The escapes of a JSON string; a secret right after `\n` has no word boundary in the raw text of a line.
_JSON_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))')
_UNESCAPED = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def mask(text: str) -> str:
    """The text as a report, the ledger or a terminal may show it: secrets and personal data masked.

    Secrets keep their type prefix (``AKIA…[masked]``, ``ghp_…[masked]``, a PEM block becomes
    ``-----BEGIN RSA PRIVATE KEY…[masked]``); personal data gets the placeholders of `redact_pii`. Whatever
    --secrets and --pii did to the splits: a report is shared with reviewers who need no credential or
    personal datum to judge a dataset. Idempotent, and as cheap as the detectors' pre-filters on clean text.
    """
    return redact_pii(secret_rules.replace(text, secret_rules.masked)[0])[0]


def mask_texts(texts: Sequence[str]) -> list[str]:
    """`mask` of each text, the many that hold nothing to mask told apart in one pre-filter pass (`suspects`):
    a text no pre-filter lets through is returned as it is, the others are masked alone (#17: masking each
    distinct ledger reason alone was 1.3 s of T0's report)."""
    found = suspects(texts)
    return [mask(text) if index in found else text for index, text in enumerate(texts)]


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


def mask_records(originals: Sequence[str]) -> list[str]:
    """`mask_record` of each original, the many that hold nothing to mask told apart in one pass (#17).

    An original is as read when no pre-filter lets it through (`secrets.families_of`, `pii.hints`) and it
    holds no `\\/` escape and no `\\u` escape of a character a pre-filter could read as part of a candidate
    (`_escape_may_matter`). Decoding the other escapes only puts a control character, a quote, a backslash or
    a character the pre-filters read as a separator where several characters were: the decoded view holds no
    candidate that the text as read lacks. Every other original is masked alone.
    """
    joined = secret_rules.joined(originals)
    suspects = _suspects(joined, originals) | joined.holding(b"\\/")
    suspects |= {index for index in joined.holding(b"\\u") if any(map(_escape_may_matter,
                                                                      _JSON_ESCAPE.finditer(originals[index])))}
    return [mask_record(text) if index in suspects else text for index, text in enumerate(originals)]


def _escape_may_matter(escape: re.Match[str]) -> bool:
    """True for a `\\u` escape of what the pre-filters can read as part of a candidate: an ASCII character, a
    letter they fold to ASCII (`secrets.FOLDED`), a decimal digit of any script (personal data's `\\d`), or half
    of a surrogate pair (which decodes to a character beyond the first plane, a digit among them). Every other
    character is bytes beyond ASCII, which each pre-filter's table maps to a separator (#17: 17% of T0's lines
    hold a `\\u` escape, nearly all of letters beyond ASCII)."""
    code = escape.group(1)
    if code is None:
        return False
    point = int(code, 16)
    return point < 0x80 or 0xD800 <= point < 0xE000 or point in secret_rules.FOLDED or chr(point).isdecimal()


def suspects(texts: Sequence[str]) -> set[int]:
    """The indices of the texts that could hold a secret or personal data (or a placeholder of it): every
    other text gets no DP409, DP410 or DP430 and is left as it is by redaction and masking. The detectors'
    pre-filters run once over all the texts (`secrets.families_of`, `pii.hints`), not once a text (#17)."""
    return _suspects(secret_rules.joined(texts), texts)


def _suspects(joined: Joined, texts: Sequence[str]) -> set[int]:
    found = {index for index, families in enumerate(secret_rules.families_of(joined)) if families}
    return found | pii_rules.hints(joined, texts)


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
