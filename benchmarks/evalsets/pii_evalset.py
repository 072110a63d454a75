"""The DP410 evaluation set: every e-mail-, phone- and card-like string of the shared corpora, labelled by hand.

Why this module: personal-data precision is only a number if someone read the candidates. Every distinct
candidate the corpora hold (33 e-mail-like strings, 26 phone-like ones, ~330 card-length digit runs) was read
in its record; the labels and the reason for each are the tables below. A record window (±200 characters
around the candidate) is one item, positive when any datum in it is a person's. The corpora hold too few
real personal data for 200 positives, so real-looking planted data fill the rest, each marked "planted".
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

# Every distinct e-mail-like string in the corpora, read in context: (is a person's, why).
EMAILS = {
    "TheBigPodcastWithShaq@gmail.com": (True, "a named show's personal webmail address, given for listeners"),
    "dspande@davidspade.com": (True, "a named person's own address"),
    "giantlawsuitedog@hotmail.com": (True, "a private webmail address"),
    "kathy.bates@gmail.com": (True, "a named person's webmail address"),
    "llinehan@reviewjournal.com": (True, "a named reporter's work address"),
    "mdudek@suntimes.com": (True, "a named reporter's work address"),
    "mike@robertlight.com": (True, "a named person's address"),
    "bob@robertleight.com": (True, "a named person's address"),
    "stevedaine@microsoft.com": (True, "a named person's work address"),
    "LMI-DLC-feedback@amazon.com": (False, "a team feedback mailbox"),
    "Sandra.Peters@example.com": (False, "RFC 2606 example domain"),
    "abc@abc.com": (False, "made-up address in an instruction"),
    "example-email@domain.com": (False, "placeholder address"),
    "info@flix.com": (False, "company role mailbox"),
    "letters@theatlantic.com": (False, "newspaper letters mailbox"),
    "no-reply@verificationemail.com": (False, "service sender address"),
    "person1@email.com": (False, "placeholder person on a placeholder domain"),
    "sales@rstudio.com": (False, "company role mailbox"),
    "scotlandpictures@bbc.co.uk": (False, "broadcaster's picture-submission mailbox"),
    "user@example.com": (False, "RFC 2606 example domain"),
}
# Every distinct phone-like string (NANP shapes) in the corpora, read in context.
PHONES = {
    "702-383-0381": (True, "a named reporter's direct line"),
    "917-444-6321": (True, "given as a private person's number in a dialogue"),
    "(647) 321-1199": (True, "given as a private person's number in a dialogue"),
    "(215) 204-3120": (True, "a named private person's number"),
    "932-682-1067": (True, "given as a private person's number in a dialogue"),
    "323-856-7866": (True, "given as a private person's number in a dialogue"),
    "(567) 999-4444": (True, "given as a private person's number in a dialogue"),
    "1-800-273-8255": (False, "national suicide prevention hotline, toll-free"),
    "1-888-628-9454": (False, "hotline, toll-free"),
    "800-540-7085": (False, "a newspaper's tip line, toll-free"),
    "810-237-6800": (False, "a police department's public number"),
    "(415) 612-8582": (False, "a company's registered number in a filing"),
    "(202) 225-2815": (False, "a congressional office's public number"),
    "(202) 456-1111": (False, "the White House comment line"),
    "(555) 555-5555": (False, "555 placeholder"),
    "(512) 555-2994": (False, "555 placeholder"),
    "(512) 555-0202": (False, "555 placeholder"),
    "844-555-5555": (False, "555 placeholder, toll-free"),
    "(256) 555-9515": (False, "555 placeholder"),
}
_EMAIL_LIKE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE_LIKE = re.compile("|".join(re.escape(p) for p in PHONES))
# Card-length digit runs (read: decimals, coordinates, number lists, ids, timestamps, account ids; no card).
_DIGIT_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){13,19}(?!\d)")


def _digit_reason(text: str, start: int, end: int) -> str:
    run = text[start:end]
    if (start and text[start - 1] in ".-") or "." in text[end:end + 1]:
        return "part of a decimal number"
    if re.search(r"\d \d{1,3} \d", run):
        return "a list of small numbers (statistics, years)"
    return "an id, timestamp or account number (no card network prefix/Luhn by reading)"


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)


def _candidates(text: str) -> Iterator[tuple[int, int, bool, str]]:
    for match in _EMAIL_LIKE.finditer(text):
        label = EMAILS.get(match.group())
        if label is None:  # asset names: every other @ string in the corpora is `name@2x.png`
            label = (False, "an image asset name (@2x scale suffix), not a mailbox")
        yield match.start(), match.end(), *label
    for match in _PHONE_LIKE.finditer(text):
        yield match.start(), match.end(), *PHONES[match.group()]
    for match in _DIGIT_RUN.finditer(text):
        yield match.start(), match.end(), False, _digit_reason(text, match.start(), match.end())


def _edge(text: str, at: int, step: int) -> int:
    """`at` moved outwards to a whitespace, so that a window never cuts a datum in half."""
    at = min(max(at, 0), len(text))
    while 0 < at < len(text) and not text[at].isspace():
        at += step
    return at


def _nobodys(why: str) -> bool:
    """A datum labelled as contact data of no person (DP430's kind), not an asset name or a number."""
    return not why.startswith(("an image asset", "part of a decimal", "a list of small", "an id, timestamp"))


def real_items(records: Iterator[tuple[str, str]], code: str = "DP410") -> Iterator[dict[str, object]]:
    """One item per candidate in its window; `code` DP410 labels a person's datum, DP430 a datum of no one."""
    seen: set[str] = set()
    for source, raw in records:
        try:
            text = "\n".join(_texts(json.loads(raw)))
        except ValueError:
            text = raw
        found = list(_candidates(text))
        for start, end, _, why in found:
            lo, hi = _edge(text, start - 200, -1), _edge(text, end + 200, 1)
            window = text[lo:hi]
            # T0 renders one source passage in many templates: one item per datum in its own sentence.
            key = text[max(0, start - 60):end + 60]
            if key in seen:
                continue
            seen.add(key)
            inside = [(p, w) for s, e, p, w in found if s >= lo and e <= hi]
            if code == "DP430":
                inside = [(not p and _nobodys(w), w) for p, w in inside]
            positive = any(p for p, _ in inside)
            reason = next((w for p, w in inside if p), why) if positive else why
            yield {"text": window, "positive": positive, "why": reason, "source": f"corpus:{source}"}


_FIRST = ["maria", "james", "wei", "olga", "tom", "priya", "lucas", "amara", "kenji", "sofia", "david", "nora"]
_LAST = ["kowalski", "nguyen", "okafor", "schmidt", "haddad", "lindqvist", "moreau", "tanaka", "rossi", "patel"]
_DOMAINS = ["gmail.com", "outlook.com", "fastmail.net", "yahoo.co.uk", "protonmail.com", "web.de", "icloud.com",
            "acmecorp-mail.io", "stanford.edu", "hey.com"]
_SENTENCES = ["Please send the signed lease to {d} by Friday.", "You can reach me at {d} after 6pm.",
              "My cousin's contact is {d}, tell her I said hi.", "Billing failed for the card {d}, can you retry?",
              "For the refund use {d} and the order number 88213.", "Text me on {d} when you land.",
              "Her new address for the newsletter is {d}.", "I paid with {d} but the charge shows twice."]


def _card(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "52", "55", "2221", "37", "6011"])
    length = 15 if prefix == "37" else 16
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for check in "0123456789":
        digits = body + check
        total = sum(int(c) * (2 if i % 2 else 1) - (9 if int(c) * (2 if i % 2 else 1) > 9 else 0)
                    for i, c in enumerate(reversed(digits)))
        if total % 10 == 0:
            break
    if length == 15:
        return f"{digits[:4]} {digits[4:10]} {digits[10:]}"
    sep = rng.choice([" ", "-", ""])
    return sep.join(digits[i:i + 4] for i in range(0, 16, 4))


def _phone(rng: random.Random) -> str:
    area, exchange = rng.randint(201, 989), rng.randint(201, 989)
    while area in (800, 833, 844, 855, 866, 877, 888, 555) or exchange == 555:
        area, exchange = rng.randint(201, 989), rng.randint(201, 989)
    line = rng.randint(1000, 9999)
    return rng.choice([f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"+1 {area} {exchange} {line}",
                       f"{area}.{exchange}.{line}", f"+1 ({area}) {exchange}-{line}"])


def planted_items(rng: random.Random, n: int) -> Iterator[dict[str, object]]:
    makers: list[tuple[str, Callable[[], str]]] = [
        ("e-mail address", lambda: f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}{rng.randint(1, 99)}@"
                                   f"{rng.choice(_DOMAINS)}"),
        ("phone number", lambda: _phone(rng)), ("card number", lambda: _card(rng))]
    for k in range(n):
        kind, make = makers[k % 3]
        text = _SENTENCES[k % len(_SENTENCES)].format(d=make())
        yield {"text": text, "positive": True, "why": f"planted real-looking {kind}", "source": "planted"}


def pii_items(corpora: Path, rng: random.Random,
              records: Callable[[Path], Iterator[tuple[str, str]]]) -> Iterator[dict[str, object]]:
    real = list(real_items(records(corpora)))
    yield from real
    yield from planted_items(rng, max(0, 200 - sum(bool(i["positive"]) for i in real)))


_NOBODY = ["{f}@example.com", "{f}.{l}@example.org", "admin@yourdomain.com", "info@company.com", "jane.doe@{d}",
           "press@{d}", "support@{d}", "(555) 01{n2}", "+1 206-555-01{n2}", "1-800-{n3}-{n4}", "(888) {n3}-{n4}",
           "4242 4242 4242 4242", "4111 1111 1111 1111", "5555 5555 5555 4444"]


def planted_nobody(rng: random.Random, n: int) -> Iterator[dict[str, object]]:
    for k in range(n):
        form = _NOBODY[k % len(_NOBODY)]
        datum = form.format(f=rng.choice(_FIRST), l=rng.choice(_LAST), d=rng.choice(_DOMAINS),
                            n2=rng.randint(10, 99), n3=rng.randint(201, 989), n4=rng.randint(1000, 9999))
        if datum.startswith("(555) 01"):
            datum = f"(555) 555-01{datum[-2:]}"
        yield {"text": _SENTENCES[k % len(_SENTENCES)].format(d=datum), "positive": True, "source": "planted",
               "why": "planted placeholder, test card, role mailbox or toll-free number"}


def placeholder_items(corpora: Path, rng: random.Random,
                      records: Callable[[Path], Iterator[tuple[str, str]]]) -> Iterator[dict[str, object]]:
    """DP430: the same real windows, labelled for contact data of no person; planted ones fill up to 200, and
    planted personal data (DP410's) are its hard negatives."""
    real = list(real_items(records(corpora), "DP430"))
    yield from real
    yield from planted_nobody(rng, max(0, 200 - sum(bool(i["positive"]) for i in real)))
    for item in planted_items(rng, 60):
        yield {**item, "positive": False, "why": f"{item['why']}: a person's, DP410 not DP430"}
