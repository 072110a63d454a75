"""Secret detection (DP409): Yelp's detect-secrets plugins in-process, plus the key shapes they lack.

A credential in a fine-tuning set is learned and can be recited, so the check must find every well-formed key
(recall on a planted set ≥ 0.98) and almost never cry wolf on real text (≤ 1 per 10,000 records), measured by
`benchmarks/eval_detectors.py`. detect-secrets' regex plugins (AWS, GitHub, GitLab, Slack, Stripe, Twilio,
JWT, OpenAI, basic-auth URLs, private keys, ...) are run here on spans, with no baseline file, no
verification request and no subprocess; they are imported only when a cheap literal pre-filter says a text
could hold a secret, so `dataprep validate` on clean data never loads them. The shapes detect-secrets 1.5
lacks follow gitleaks' rule set (rules `anthropic-api-key`, `openai-api-key`, `huggingface-access-token`,
`gcp-api-key`, `generic-api-key`), written here in the same spirit, not copied.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

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
_NAMES = ("secret", "token", "passw", "pwd", "api_key", "api-key", "apikey", "access_key", "access-key",
          "auth_key", "private_key", "credential")
# Matched on the lowered text: a case-insensitive regex scans several times slower.
_NAME = re.compile(r"secret|token|passw(?:or)?d|pwd|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key|"
                   r"credential")
_VALUE = re.compile(r"[\w.-]{0,20}['\"]?\s{0,3}(?:=|:=|=>|:)\s{0,3}[\"'`]?([A-Za-z0-9+/=_\-.~!@#$%^&*]{16,200})")
_PLACEHOLDER_VALUE = re.compile(r"(?i)x{4}|\*{3}|\.{3}|your|example|sample|dummy|placeholder|changeme|redacted|"
                                r"masked|\$\{|^\$|<|\{\{|%s|env\b|environ|getenv|process\.|config\.|settings\.")
# Cheap pre-filter, substring tests at C speed: a text without any of these literals cannot match a rule above,
# so detect-secrets is neither imported nor run on it (~93% of real records).
_LITERALS = ("A3T", "AKIA", "ASIA", "ABIA", "ACCA", "PRIVATE KEY", "PuTTY", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
             "github_pat_",
             "glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glcbt-", "glimt-", "glptt-", "glagent-", "gloas-",
             "GR1348941", "xox", "XOX", "hooks.slack.com", "k_live_", "sk-", "hf_", "AIza", "eyJ", "SG.",
             "pypi-")
_TWILIO_HINT = re.compile(r"(?:AC|SK)[a-z0-9]{32}")
_CASELESS = ("aws", *_NAMES)


@dataclass(frozen=True, slots=True)
class Secret:
    """One secret found: what it looks like and where its value is in the text."""

    label: str
    start: int
    end: int


def hint(text: str) -> bool:
    """True when the text could hold a secret (a literal the rules need occurs); False rules it out."""
    if any(literal in text for literal in _LITERALS) or ("://" in text and "@" in text):
        return True
    if ("AC" in text or "SK" in text) and _TWILIO_HINT.search(text):
        return True
    lowered = text.lower()
    return any(name in lowered for name in _CASELESS)


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
    if not hint(text):
        return []
    found: list[Secret] = []
    for label, pattern, check in _plugin_rules():
        found.extend(_matches(text, label, pattern, check))
    for label, pattern in _EXTRA:
        found.extend(_matches(text, label, pattern, None))
    found.extend(Secret("private key", m.start(), m.end()) for m in _PRIVATE_KEY.finditer(text))
    found.extend(_assigned(text))
    return _merged(found)


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
    for name in _NAME.finditer(lowered):
        match = _VALUE.match(text, name.end())
        # `…:secret:my-secret-ABc0DE` is a segment of an ARN or path, a reference to a secret, not one.
        if match is None or (name.start() and text[name.start() - 1] in ":/"):
            continue
        value = match.group(1).rstrip(".")
        if _high_entropy(value) and not _placeholder(value):
            out.append(Secret("high-entropy value assigned to a credential name", match.start(1),
                              match.start(1) + len(value)))
    return out


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
