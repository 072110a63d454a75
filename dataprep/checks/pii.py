"""Personal data (DP410) and placeholder contact data (DP430), with the precision real datasets need.

On real public data the naive patterns were wrong far more often than right: asset names (`house@2x.png`) were
e-mail addresses, floats and number lists were card numbers, and `example.com` addresses and 555 numbers were
"real people"; hotlines and `letters@` mailboxes are contact data but no one's. So every hit here must look
like what it claims to be: an e-mail has a real-looking domain (not a file extension), a phone number follows
the North American numbering plan in one consistent format, a card number has a card network's prefix and
length, one grouping and a valid Luhn digit, and none of them is part of a URL, a longer number or a decimal.
Placeholders (RFC 2606 domains, 555 numbers, test cards), role mailboxes and toll-free numbers are reported
apart (DP430, info): they are not anyone's personal data. Precision and recall are measured on labelled real
records by `benchmarks/eval_detectors.py`.

scrubadub and Presidio were considered: Presidio needs a spaCy model that is not a registry package and is
loaded at run time; scrubadub's e-mail and phone detectors are regexes with the same false positives plus a
heavy import chain. Neither knows placeholders, so the rules are kept here, small and measured.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from dataprep.text.anchored import matches_at, occurrences
from dataprep.text.joined import Joined

EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@([A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+"
                   r"[A-Za-z]{2,24})\b(?![\w@-]|\.\w)")
# North American numbering: area code and exchange start with 2-9; one separator style per number; spaces
# only with a country code or a bracketed area code (plain "212 555 0100" is as often a list of numbers).
PHONE = re.compile(r"(?<![\w.+/=-])(?:(?:\+1|1)[ .-]?)?(?:\(([2-9]\d\d)\)[ .-]?|([2-9]\d\d)([.-]))"
                   r"(\d\d\d)[ .-](\d{4})(?![\w/=-]|\.\d)"
                   r"|(?<![\w.+/=-])\+1 ([2-9]\d\d) ([2-9]\d\d) (\d{4})(?![\w/=-]|\.\d)")
# A card number as written: one run of digits, or groups of 4 (Amex 4-6-5) joined by one space or dash.
CARD = re.compile(r"(?<![\w.,+/=-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{5})"
                  r"(?![\w/=-]|[.,]\d)")
# Network prefixes (IIN ranges) with their lengths: Visa, Mastercard, Amex, Discover, JCB, Diners.
_NETWORK = re.compile(r"4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2(?:2[2-9]\d|[3-6]\d\d|7[01]\d|720)\d{12}|3[47]\d{13}|"
                      r"6(?:011|5\d\d|4[4-9]\d)\d{12}(?:\d{3})?|35(?:2[89]|[3-8]\d)\d{12}(?:\d{3})?|3(?:0[0-5]|[68]\d)\d{11}")
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{0,15}://[^\s<>\"'`)\]]+|\bwww\.[^\s<>\"'`)\]]+")
# Not a mailbox: asset names with a scale suffix or a file extension, and service addresses that name no one.
_ASSET = re.compile(r"(?i)^\d+(?:\.\d+)?x\.|\.(?:png|jpe?g|gif|svg|webp|ico|bmp|tiff?|avif|heic|mp[34]|mov|webm|"
                    r"wav|pdf|zip|gz|js|mjs|ts|css|scss|json|ya?ml|toml|lock|py|rb|go|rs|java|kt|html?|md|txt)$")
_SERVICE = re.compile(r"(?i)^(?:git|noreply|no-reply|donotreply|do-not-reply|mailer-daemon|postmaster)$")
# RFC 2606 / 6761 reserved names and the placeholders people write; placeholder people.
_PLACEHOLDER_DOMAIN = re.compile(r"(?i)(?:^|\.)(?:example\.(?:com|net|org|edu)|[\w-]+\.(?:example|test|invalid|"
                                 r"localhost|local)|(?:your-?)?(?:domain|company|email|website|site|mail)\.com|"
                                 r"your[\w-]*\.[a-z]{2,}|acme\.(?:com|org|corp)|test\.com|foo\.(?:com|bar)|"
                                 r"bar\.com|sample\.com|mydomain\.[a-z]{2,}|mycompany\.[a-z]{2,})$")
_PLACEHOLDER_LOCAL = re.compile(r"(?i)^(?:john\.?doe|jane\.?doe|your[._-]?(?:name|email)|user(?:name)?|"
                                r"someone|somebody|name|first\.?last|firstname\.?lastname)$")
# Role mailboxes of organisations (RFC 2142 and the usual ones): contact data, but no person's.
_ROLE_LOCAL = re.compile(r"(?i)^(?:info|contact|support|sales|letters|press|media|news|newsroom|tips|help|admin|"
                         r"webmaster|feedback|hello|team|office|enquiries|inquiries|service|customerservice|jobs|"
                         r"careers|privacy|abuse|security|billing|marketing|editor|editors)$|-feedback$|"
                         r"(?:pictures|photos|submissions|newsdesk|letters|tips)$")
# Toll-free North American area codes: businesses and hotlines, not people.
_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
# A number introduced as an organisation's ("call the Flint Police Department at …", "(Registrant's telephone
# number)"): read in the 60 characters before it and the 40 after.
_ORG_CONTEXT = re.compile(r"(?i)\b(?:department|dept\.|offices?|police|sheriff|headquarters|hotline|helpline|"
                          r"tip ?line|registrant|agency|bureau|embassy|consulate|hospital|clinic|city hall|council)\b")


@dataclass(frozen=True, slots=True)
class Hit:
    """One datum found: its kind, whether it is a placeholder, and where it is."""

    kind: str  # "e-mail address", "phone number", "card number"
    placeholder: bool  # names no person: a placeholder, test value, role mailbox or toll-free number (DP430)
    start: int
    end: int


def hint(text: str) -> bool:
    """Cheap test (#14): False means no e-mail address, phone number or card number can be in the text.

    An e-mail address needs "@". Every phone number ends in three digits, a separator and four digits, and
    every card number is thirteen digits in a row or has four digits, a separator and four more, so on the
    UTF-8 bytes mapped through one table (digits to "0", the separators to ".") one of two substrings must
    occur. `\\d` also matches other scripts' digits: a text holding one takes the old run test instead.
    """
    return "@" in text or _digits(text)


def _digits(text: str) -> bool:
    """True when a phone or card number could be in the text (see `hint`)."""
    return bool(_digit_texts(Joined.of((text,)), (text,)))


def hints(joined: Joined, texts: Sequence[str]) -> set[int]:
    """The indices of the texts for which `hint` is True, each test run once over all of them. `joined` is
    the texts joined, as they are or with `secrets.joined`'s folds (which make no digit, separator or "@")."""
    return joined.holding(b"@") | _digit_texts(joined, texts)


def _other_digits(text: str) -> bool:
    """True when the text holds a decimal digit of another script than ASCII (which `\\d` matches too)."""
    residue = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    return any(char.isdecimal() for char in set(residue))


def _digit_texts(joined: Joined, texts: Sequence[str]) -> set[int]:
    """The indices of the texts in which a phone or card number could be (see `hint`)."""
    shape = joined.data.translate(_DIGIT_SHAPES)
    found = joined.holding(b"000.0000", shape) | joined.holding(b"0" * 13, shape)
    for index, text in enumerate(texts):
        if not text.isascii() and _other_digits(text):
            found.discard(index)
            if _DIGITS.search(text) is not None:
                found.add(index)
    return found


_DIGITS = re.compile(r"\d[\d .()-]{8}")
_ASCII_BYTES = bytes(range(128))
_DIGIT_SHAPES = bytes(0x30 if chr(i).isdigit() and i < 128 else 0x2E if i in b" .-" else 0x20 for i in range(256))


def find(text: str) -> list[Hit]:
    """Every e-mail address, phone number and card number in the text, placeholders marked, earliest first."""
    hits = [*_emails(text), *_phones(text), *_cards(text)] if _digits(text) else [*_emails(text)]
    if not hits:
        return []
    if "/" in text or "www." in text:  # URLs are looked for only around a hit (hits are rare)
        urls = [m.span() for m in _URL.finditer(text)]
        hits = [h for h in hits if not _inside(h, urls)]
    return sorted(hits, key=lambda h: h.start)


def _inside(hit: Hit, spans: list[tuple[int, int]]) -> bool:
    return any(start <= hit.start and hit.end <= end for start, end in spans)


def _emails(text: str) -> Iterator[Hit]:
    if "@" not in text:
        return
    for match in EMAIL.finditer(text):
        local, domain = match.group().split("@", 1)
        if _ASSET.search(domain) or _ASSET.search("@" + domain) or _SERVICE.match(local):
            continue
        fake = (_PLACEHOLDER_DOMAIN.search(domain) is not None or _PLACEHOLDER_LOCAL.match(local) is not None
                or _ROLE_LOCAL.search(local) is not None or local.lower() == domain.split(".")[0].lower())
        yield Hit("e-mail address", fake, match.start(), match.end())


def _phones(text: str) -> Iterator[Hit]:
    for match in _matches(PHONE, text, _PHONE_STARTS):
        groups = [g for g in match.groups() if g and g not in ".-"]
        area, exchange = groups[0], groups[-2]
        # 555 is the fiction exchange (and area code); an exchange cannot start with 0 or 1, so "123-4567" is made up.
        fake = "555" in (area, exchange) or exchange[0] in "01" or area in _TOLL_FREE
        fake = fake or _ORG_CONTEXT.search(text, max(0, match.start() - 60), match.end() + 40) is not None
        yield Hit("phone number", fake, match.start(), match.end())


def _cards(text: str) -> Iterator[Hit]:
    for match in _matches(CARD, text, _CARD_STARTS):
        digits = re.sub(r"\D", "", match.group())
        if _NETWORK.fullmatch(digits) and luhn(digits) and len(set(digits)) > 1:
            yield Hit("card number", _test_card(digits), match.start(), match.end())


def _matches(pattern: re.Pattern[str], text: str, starts: tuple[tuple[bytes, int, int], ...]
             ) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, trying only the starts a match can have (#17: the full scans were most of the
    masking of a ledger line with digits in it, about 0.3 ms a kilobyte).

    In an ASCII text every match holds a substring of the digit shape (`_DIGIT_SHAPES`) at a known distance
    from its start: each (shape, first, last) of `starts` says a match may start `first` to `last` characters
    before an occurrence of `shape` (`anchored.matches_at` tries those only). Other characters than ASCII are
    one "?" each in the shape, so its offsets are the text's; but `\\d` also matches other scripts' digits, so
    a text that holds one is scanned whole.
    """
    if not text.isascii() and _other_digits(text):
        yield from pattern.finditer(text)
        return
    shape = text.encode("ascii", "replace").translate(_DIGIT_SHAPES)
    candidates = (start for needle, first, last in starts for at in occurrences(shape, needle)
                  for start in range(max(0, at - last), at - first + 1))
    yield from matches_at(pattern, text, candidates)


# PHONE ends in three digits, a separator and four digits ("000.0000") and is 8 to 17 characters long: it starts
# 0 to 9 characters before that shape. CARD starts with thirteen digits or with four digits and a separator
# ("0000.0000": one character before "000.0000").
_PHONE_STARTS = ((b"000.0000", 0, 9),)
_CARD_STARTS = ((b"0" * 13, 0, 0), (b"000.0000", 1, 1))


# The networks' published test numbers (Stripe, PayPal, Braintree docs): in a dataset they are examples.
_TEST_CARDS = frozenset({"4242424242424242", "4111111111111111", "4012888888881881", "5555555555554444",
                         "5105105105105100", "378282246310005", "371449635398431", "6011111111111117",
                         "4000056655665556", "5200828282828210", "3530111333300000", "30569309025904"})


def _test_card(digits: str) -> bool:
    return digits in _TEST_CARDS


def luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


_PLACEHOLDER_OF = {"e-mail address": "[REDACTED-EMAIL]", "phone number": "[REDACTED-PHONE]",
                   "card number": "[REDACTED-CARD]"}


def redact(text: str) -> tuple[str, int]:
    """The text with every hit (placeholders too) replaced by its mark; URLs are never touched."""
    hits = find(text)
    if not hits:
        return text, 0
    pieces, last = [], 0
    for hit in hits:
        if hit.start < last:
            continue
        pieces += [text[last:hit.start], _PLACEHOLDER_OF[hit.kind]]
        last = hit.end
    pieces.append(text[last:])
    return "".join(pieces), len(hits)
