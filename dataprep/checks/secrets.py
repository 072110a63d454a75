"""Secret detection (DP409): Yelp's detect-secrets plugins in-process, plus the key shapes they lack.

A credential in a fine-tuning set is learned and can be recited, so the check must find every well-formed key
(recall on a planted set ≥ 0.98) and almost never cry wolf on real text (≤ 1 per 10,000 records), measured by
`benchmarks/eval_detectors.py`. detect-secrets' regex plugins (AWS, GitHub, GitLab, Slack, Stripe, Twilio,
JWT, OpenAI, basic-auth URLs, private keys, ...) are run here on spans, with no baseline file, no
verification request and no subprocess; a cheap pre-filter (`families`) says which rules could match a text,
and the plugins are imported only when one of theirs could, so `dataprep validate` on clean data never
loads them. The shapes detect-secrets 1.5
lacks follow gitleaks' rule set (rules `anthropic-api-key`, `openai-api-key`, `huggingface-access-token`,
`gcp-api-key`, `generic-api-key`), written here in the same spirit, not copied.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from dataprep.text.anchored import matches_at, occurrences
from dataprep.text.joined import Joined

# detect-secrets plugin classes used (module, class, the label a finding names).
_PLUGINS = (
    ("aws", "AWSKeyDetector", "AWS access key"),
    ("github_token", "GitHubTokenDetector", "GitHub token"),
    ("gitlab_token", "GitLabTokenDetector", "GitLab token"),
    ("slack", "SlackDetector", "Slack token"),
    ("stripe", "StripeDetector", "Stripe key"),
    ("twilio", "TwilioKeyDetector", "Twilio key"),
    ("jwt", "JwtTokenDetector", "JSON Web Token"),
    ("openai", "OpenAIDetector", "OpenAI key"),
    ("sendgrid", "SendGridDetector", "SendGrid key"),
    ("pypi_token", "PypiTokenDetector", "PyPI token"),
    ("basic_auth", "BasicAuthDetector", "password in a URL"),
)
# Shapes detect-secrets 1.5 has no plugin for (after gitleaks' rules of the same names).
_EXTRA = (
    ("Anthropic key", re.compile(r"\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,110}")),
    ("OpenAI key", re.compile(r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|\bsk-[A-Za-z0-9]{48}\b")),
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z]{34}\b")),
    ("GitHub token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{82}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])")),
    ("AWS secret access key", re.compile(r"(?i)aws_?secret_?(?:access_?)?key\s*[=:]\s*['\"]?([A-Za-z0-9/+=]{40})")),
)
# A private key is its armour line, not the phrase in prose: detect-secrets' header phrases between dashes.
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:(?:DSA|EC|OPENSSH|RSA|SSH2 ENCRYPTED|ENCRYPTED) )?PRIVATE KEY-----"
                          r"|-----BEGIN PGP PRIVATE KEY BLOCK-----|PuTTY-User-Key-File-\d: ")
# The whole PEM block, so that redaction removes the key body and not just its header.
PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----[\s\S]*?"
                       r"(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)")
# A high-entropy value assigned to a credential's name: `api_key = "…"`, `"client_secret": "…"`, `TOKEN=…`.
# The name is found first, then the assignment after it is matched in place (one pass, no backtracking).
# Matched on the lowered text: a case-insensitive regex scans several times slower.
_NAME = re.compile(r"secret|token|passw(?:or)?d|pwd|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key|"
                   r"credential")
_VALUE = re.compile(r"[\w.-]{0,20}['\"]?\s{0,3}(?:=|:=|=>|:)\s{0,3}[\"'`]?([A-Za-z0-9+/=_\-.~!@#$%^&*]{16,200})")
_PLACEHOLDER_VALUE = re.compile(r"(?i)x{4}|\*{3}|\.{3}|your|example|sample|dummy|placeholder|changeme|redacted|"
                                r"masked|\$\{|^\$|<|\{\{|%s|env\b|environ|getenv|process\.|config\.|settings\.")
# The pre-filter: a necessary condition of every rule above, cheap enough for every record (#14: the literal
# scans it replaces were a third of validate's time). Each family of rules is ruled in by what all its
# matches must contain (each claim is tested in tests/test_secrets.py against texts built to just match):
# - TOKEN, the key shapes (every plugin and `_EXTRA` pattern but the three below): a run of at least 20
#   characters of [A-Za-z0-9_/+=-], prefix included (AWS ids 20, Twilio 34, SendGrid's 43-character tail, ...),
#   and a literal of `_TOKEN_LITERALS` (without one no key shape is tried: a file path is a run, #17);
# - ASSIGN (`_assigned`): a credential name in the lowered text and a value of 16+ `_VALUE` characters;
# - JWT: "eyJ"; URL (credentials in a URL): "://" and "@"; SLACK: "xox" or "://" and "hooks.slack.com" in
#   any case; PRIVATE (`_PRIVATE_KEY`): its two literals.
# Runs are found on the UTF-8 bytes mapped through one table (run characters to "x"), by one substring test.
# Case-insensitive patterns also match four non-ASCII letters (dotted capital I, dotless i, long s, Kelvin sign:
# re's documented folds) and two of them lower to ASCII: in a text holding one they are made the ASCII letter
# first (which can only add candidates: a case-sensitive match is of ASCII characters, which stay).
TOKEN, ASSIGN, JWT, URL, SLACK, PRIVATE = 1, 2, 4, 8, 16, 32
_TOKEN_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_/+=-"
_VALUE_CHARS = _TOKEN_CHARS + b".~!@#$%^&*"
_TOKEN_TABLE = bytes(0x78 if i in _TOKEN_CHARS else 0x20 for i in range(256))
_VALUE_TABLE = bytes(0x78 if i in _VALUE_CHARS else 0x20 for i in range(256))
_TOKEN_RUN, _VALUE_RUN = b"x" * 20, b"x" * 16
_FOLDS_TO_ASCII = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
FOLDED = frozenset(_FOLDS_TO_ASCII)  # the only non-ASCII characters the pre-filters see (as ASCII letters)
# Every `_NAME` match holds one of the names or one of the key names (whole: "key" alone is in one text of
# 60, #17). The key names are looked for only in the texts that hold "key".
_CASELESS_NAMES = (b"secret", b"token", b"passw", b"pwd", b"credential")
_KEY_OWNERS = ("api", "access", "auth", "private")
_KEY_NAMES = tuple(f"{owner}{sep}key".encode() for owner in _KEY_OWNERS for sep in ("", "_", "-"))
# And every one starts with one of these: `_assigned` tries `_NAME` only where one is.
_NAME_STARTS = (*(name.decode() for name in _CASELESS_NAMES), *_KEY_OWNERS)
# The plugins the literal families run; the key-shape plugins and `_EXTRA` run by `_TOKEN_LITERALS`.
_PLUGIN_FAMILIES = {"JSON Web Token": JWT, "password in a URL": URL, "Slack token": SLACK}
# A text with a TOKEN run runs a key-shape label's patterns only when it holds one of the literals every match
# of them starts with (the second tuple: in any case; the AWS secret patterns need "aws").
_TOKEN_LITERALS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AWS access key": (("A3T", "ABIA", "ACCA", "AKIA", "ASIA"), ("aws",)),
    "AWS secret access key": ((), ("aws",)),
    "GitHub token": (("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"), ()),
    "GitLab token": (("glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glcbt-", "glimt-", "glptt-", "glagent-",
                      "gloas-", "GR1348941"), ()),
    "Stripe key": (("k_live_",), ()),
    "Twilio key": (("AC", "SK"), ()),
    "OpenAI key": (("sk-",), ()),
    "Anthropic key": (("sk-ant-",), ()),
    "SendGrid key": (("SG.",), ()),
    "PyPI token": (("pypi-",), ()),
    "Hugging Face token": (("hf_",), ()),
    "Google API key": (("AIza",), ()),
}

_LITERAL_LABELS = tuple((literal, label) for label, (found, _) in _TOKEN_LITERALS.items() for literal in found)
_CASELESS_LABELS = tuple((literal, label) for label, (_, found) in _TOKEN_LITERALS.items() for literal in found)
# The literals as `families_of` looks for them in the folded UTF-8: every literal is ASCII, and a UTF-8 sequence
# of a character beyond ASCII holds no ASCII byte, so a literal's bytes are found where the literal is.
_KEY_BYTES = tuple(dict.fromkeys(literal.encode() for literal, _ in _LITERAL_LABELS))
_CASELESS_KEY_BYTES = tuple(dict.fromkeys(literal.encode() for literal, _ in _CASELESS_LABELS))


@dataclass(frozen=True, slots=True)
class Secret:
    """One secret found: what it looks like and where its value is in the text."""

    label: str
    start: int
    end: int


def families(text: str) -> int:
    """The families of rules (TOKEN | ASSIGN | ...) that could match in the text; 0 rules every one out."""
    return families_of(joined((text,)))[0]


def joined(texts: Sequence[str]) -> Joined:
    """The texts as `families_of` reads them: folded (`_folded`), joined."""
    return Joined.of([_folded(text) for text in texts])


def families_of(texts: Joined) -> list[int]:
    """`families` of each text, every test run once over all of them (`dataprep.text.joined`).

    Most text has no 16-character run at all, so the key-shape table is not even applied to it; the tests
    that need two things (a run and a name, "://" and "@") test the second only in the texts that hold the
    first.
    """
    data, found = texts.data, [0] * len(texts)
    runs = sorted(texts.holding(_VALUE_RUN, data.translate(_VALUE_TABLE)))  # every TOKEN run is a value run too
    if runs:
        _run_families(texts.subset(runs), runs, found)
    for index in texts.holding(b"eyJ"):
        found[index] |= JWT
    for index in texts.holding(b"://"):
        text = texts.text(index)
        found[index] |= (URL if b"@" in text else 0) | (SLACK if b"hooks.slack.com" in text.lower() else 0)
    for index in texts.holding(b"PRIVATE KEY") | texts.holding(b"PuTTY-User-Key-File-"):
        found[index] |= PRIVATE
    for index in texts.holding(b"xox", data.lower()):
        if b"-" in texts.text(index):
            found[index] |= SLACK
    return found


def _run_families(held: Joined, indices: list[int], found: list[int]) -> None:
    """TOKEN and ASSIGN of the texts that hold a value run (`held`, the texts at `indices`), into `found`.

    ASSIGN needs a credential name; TOKEN a token run and a literal of `_TOKEN_LITERALS` (without one `find`
    tries no key shape: a file path is a run). The literals are looked for once in the bytes of the texts
    with a token run, not once a text: the 33 tests a text were 18 us of a 130-character ledger reason, each
    of T0's holding a path (#17), and most records have no token run, so theirs cost nothing.
    """
    lowered = held.data.lower()
    named = held.holding_any(_CASELESS_NAMES, lowered)
    keyed = sorted(held.holding(b"key", lowered) - named)
    if keyed:
        named.update(keyed[local] for local in Joined(lowered, held.starts).subset(keyed).holding_any(_KEY_NAMES))
    for local in named:
        found[indices[local]] |= ASSIGN
    tokens = sorted(held.holding(_TOKEN_RUN, held.data.translate(_TOKEN_TABLE)))
    if not tokens:
        return
    runs = held.subset(tokens)
    runs_lowered = lowered if runs is held else runs.data.lower()
    for local in runs.holding_any(_KEY_BYTES) | runs.holding_any(_CASELESS_KEY_BYTES, runs_lowered):
        found[indices[tokens[local]]] |= TOKEN


def _folded(text: str) -> str:
    """The text with the four letters re folds to ASCII letters made those letters (most text has none)."""
    if text.isascii() or not any(chr(code) in text for code in _FOLDS_TO_ASCII):
        return text
    return text.translate(_FOLDS_TO_ASCII)


@lru_cache(maxsize=1)
def _plugin_rules() -> tuple[tuple[str, re.Pattern[str], Callable[[str], bool] | None], ...]:
    """The denylist patterns of detect-secrets' plugins (imported here, once, when a text needs them)."""
    from importlib import import_module

    rules = []
    for module, name, label in _PLUGINS:
        plugin = getattr(import_module(f"detect_secrets.plugins.{module}"), name)()
        check = getattr(plugin, "is_formally_valid", None)
        rules.extend((label, pattern, check) for pattern in plugin.denylist)
    return tuple(rules)


def find(text: str) -> list[Secret]:
    """Every secret in the text, earliest first, overlapping hits merged (the longer one wins)."""
    which = families(text)
    if not which:
        return []
    shapes = _token_labels(text) if which & TOKEN else frozenset()
    found: list[Secret] = []
    if shapes or which & (JWT | URL | SLACK):
        for label, pattern, check in _plugin_rules():
            if label in shapes or which & _PLUGIN_FAMILIES.get(label, 0):
                found.extend(_matches(text, label, pattern, check))
    for label, pattern in _EXTRA:
        if label in shapes:
            found.extend(_matches(text, label, pattern, None))
    if which & PRIVATE:
        found.extend(Secret("private key", m.start(), m.end()) for m in _PRIVATE_KEY.finditer(text))
    if which & ASSIGN:
        found.extend(_assigned(text))
    return _merged(found)


def _token_labels(text: str) -> frozenset[str]:
    """The key-shape labels whose literals the text holds (the few texts with a TOKEN run). One flat pass of
    `in` tests: a generator per label made this 33 us of a 130-character ledger reason's 51 (#17)."""
    text = _folded(text)
    lowered = text.lower()
    return frozenset([label for literal, label in _LITERAL_LABELS if literal in text] +
                     [label for literal, label in _CASELESS_LABELS if literal in lowered])


def _matches(text: str, label: str, pattern: re.Pattern[str], check: Callable[[str], bool] | None) -> list[Secret]:
    out = []
    for match in pattern.finditer(text):
        # A group that starts the match is a prefix (`(ghp|gho)_…`): the secret is the whole match; a later
        # group is the value after a name or a user (`://user:(password)@`).
        group = next((g for g in range(1, (pattern.groups or 0) + 1) if match.group(g)), 0)
        group = group if group and match.start(group) > match.start() else 0
        value = match.group(group)
        if label == "password in a URL" and _placeholder(value):
            continue
        if check is None or check(value):
            out.append(Secret(label, match.start(group), match.end(group)))
    return out


def _assigned(text: str) -> list[Secret]:
    out = []
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lowered: offsets would not match
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for name in _names(lowered):
        match = _VALUE.match(text, name.end())
        # `…:secret:my-secret-ABc0DE` is a segment of an ARN or path, a reference to a secret, not one.
        if match is None or (name.start() and text[name.start() - 1] in ":/"):
            continue
        value = match.group(1).rstrip(".")
        if _high_entropy(value) and not _placeholder(value):
            out.append(Secret("high-entropy value assigned to a credential name", match.start(1),
                              match.start(1) + len(value)))
    return out


def _names(lowered: str) -> Iterator[re.Match[str]]:
    """`_NAME.finditer(lowered)`, tried only where a name can start (`_NAME_STARTS`): re tried all nine
    alternatives at every position of the text, 90 us a 1 KB record (#17)."""
    return matches_at(_NAME, lowered, (at for literal in _NAME_STARTS for at in occurrences(lowered, literal)))


def _placeholder(value: str) -> bool:
    return _PLACEHOLDER_VALUE.search(value) is not None or len(set(value)) < 4


def _high_entropy(value: str) -> bool:
    """Random-looking: letters and digits mixed, no long word, Shannon entropy ≥ 3.5 bits per character."""
    if len(value) < 16 or not re.search(r"\d", value) or not re.search(r"[A-Za-z]", value):
        return False
    if re.search(r"[a-z]{9,}|[A-Z]{9,}", value) or re.fullmatch(r"[0-9a-f-]{36}", value):  # words, UUIDs
        return False
    counts = {c: value.count(c) for c in set(value)}
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5


def _merged(found: list[Secret]) -> list[Secret]:
    out: list[Secret] = []
    for secret in sorted(found, key=lambda s: (s.start, -(s.end - s.start))):
        if out and secret.start < out[-1].end:
            if secret.end > out[-1].end:
                out[-1] = Secret(out[-1].label, out[-1].start, secret.end)
            continue
        out.append(secret)
    return out


# What a mask keeps of a secret: its type prefix, which tells a reviewer what was there and is no secret itself.
# A masked secret matches no rule again (the prefix lacks the key's body, the PEM header its closing dashes).
_KEPT_PREFIX = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY|A3T|AKIA|ASIA|ABIA|ACCA|gh[pousr]_|xox[a-z]-|"
                          r"gl[a-z]{2,6}-|sk-ant-|sk-proj-|sk-|[rs]k_live_|hf_|AIza|eyJ|SG\.|pypi-")


def replace(text: str, replacement: Callable[[str], str]) -> tuple[str, int]:
    """The text with every secret (a private key as its whole PEM block) replaced, and how many were."""
    spans = find(text)
    if not spans:
        return text, 0
    pieces, last = [], 0
    for secret in spans:
        start, end = secret.start, secret.end
        if secret.label == "private key":
            block = PEM_BLOCK.match(text, start)
            end = block.end() if block else end
        if start < last:
            continue
        pieces += [text[last:start], replacement(text[start:end])]
        last = end
    pieces.append(text[last:])
    return "".join(pieces), len(spans)


def masked(value: str) -> str:
    """A secret as a reader may see it: its type prefix and a mark (``AKIA…[masked]``)."""
    kept = _KEPT_PREFIX.match(value)
    return (kept.group() if kept else "") + "…[masked]"
