"""DP409: every key shape issue #12 names is found (the old detector found AWS ids and PEM headers only), real
look-alikes are not, every finding quotes a masked excerpt, detect-secrets loads only when a text needs it, and
`benchmarks/eval_detectors.py` holds the measured targets.

Keys are assembled from parts so that repository secret scanners do not flag this file; all are fakes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, dataprep
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataprep.checks import secrets as secret_rules
from dataprep.checks.content import mask, redact_secrets, secret_and_pii_findings, secrets

R36 = "Xy7Kq2Lm9Np4Rs6Tv8Wz1Ab3Cd5Ef0GhIjKl"  # 36 mixed characters
KEYS = {
    "openai project": "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6n" + "T3Blbk" + "FJ" + "q" * 20,
    "openai legacy": "sk-" + "Ab3dEf6hIj9kLm2nOp5q" + "T3Blbk" + "FJ" + "Rs8tUv1wXy4zAb7dEf0h",
    "anthropic": "sk-ant-" + "api03-" + (R36 * 3)[:93] + "AA",
    "hugging face": "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
    "google": "AIza" + "SyD3X9k2Lm8Np4Qr6St1Uv7Wx0Yz5Ab2Cd3",
    "stripe": "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "gitlab": "glpat" + "-" + "x9Kd2LmQ7zP4vB8nR1sT",
    "github": "ghp" + "_" + R36,
    "slack": "xoxb" + "-2048-4096-" + "abcdef012345",
    "twilio": "AC" + "0123456789abcdef0123456789abcdef",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0"
    + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "aws key id": "AKIA" + "Q4ZJ7WX2M9KD3PLT",
}
IN_CONTEXT = {
    "aws secret": "aws_secret_access_key = " + "wJalrXUtnF/" + "K7MDENGbPxRfiCYzQ8vN2kLp4sTq1",
    "connection url": "DATABASE_URL=postgres://admin:" + "s3cr3tPa55w0rd" + "@db.internal:5432/app",
    "high-entropy assignment": 'api_key = "' + "8f3Kd92LmQ7xZ0pVb4Nw1Rt6" + '"',
    "private key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
}


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_each_key_shape_is_found_and_masked(kind: str) -> None:
    key = KEYS[kind]
    text = f"My deploy fails, I used {key} in the config."
    assert secrets(text), kind
    found = list(secret_and_pii_findings(text))
    assert found[0][0] == "DP409" and key not in found[0][1] and "[masked]" in found[0][1]
    assert key[8:] not in mask(text) and mask(mask(text)) == mask(text)
    redacted, n = redact_secrets(text)
    assert n == 1 and key not in redacted and "[REDACTED-SECRET]" in redacted


@pytest.mark.parametrize("kind", sorted(IN_CONTEXT))
def test_secrets_named_by_their_context_are_found(kind: str) -> None:
    text = f"Here is my .env file:\n{IN_CONTEXT[kind]}\nWhy does it fail?"
    assert secrets(text), kind
    assert "s3cr3tPa55w0rd" not in mask(text) and "8f3Kd92LmQ7xZ0pVb4Nw1Rt6" not in mask(text)


@pytest.mark.parametrize("text", [
    "The commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it; sha256 "
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.",
    '"message_id": "8c97b240-0969-4678-834a-646c95da2f1e", "parent_id": "2af579e8-b359-4538-9611-141aa3334702"',
    "SecretArn=arn:aws:secretsmanager:us-east-2:012345678901:secret:my-secret-ABc0DE",
    "secret_access_key = YOUR_SECRET_KEY",
    'api_key = os.environ["OPENAI_API_KEY"]',
    "DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal:5432/app",
    "Use scikit-learn (pip install scikit-learn) and pass the token count to the tokenizer.",
    "The password must be at least 12 characters long and the token expires after 3600 seconds.",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
])
def test_real_look_alikes_are_not_secrets(text: str) -> None:
    assert secrets(text) == []


def test_detect_secrets_is_imported_only_when_a_text_could_hold_a_secret() -> None:
    code = ("import sys\nfrom dataprep.checks import content\n"
            "list(content.secret_and_pii_findings('A plain answer about the weather in Lisbon.'))\n"
            "assert 'detect_secrets' not in sys.modules, 'imported for clean text'\n"
            f"assert content.secrets('key {KEYS['aws key id']}')\n"
            "assert 'detect_secrets' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_validate_quotes_a_masked_excerpt(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    record = {"prompt": f"Why is {KEYS['hugging face']} rejected by the hub?", "completion": "Rotate it now."}
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    done = dataprep("validate", data, "--model", "titan-text-express")
    assert done.returncode == 1
    assert "DP409 looks like a secret (Hugging Face token)" in done.stdout
    assert ": 'Why is hf_…[masked] rejected by the hub? Rotate" in done.stdout
    assert KEYS["hugging face"][3:] not in done.stdout + done.stderr


def _eval(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "eval_detectors.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


def test_eval_detectors_meets_the_targets_on_the_committed_sets() -> None:
    done = _eval("--only", "DP409,DP410")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in done.stdout.splitlines()
            if line.startswith("| DP4")}
    assert set(rows) == {"DP409", "DP410"}
    assert float(rows["DP409"][5]) >= 0.98 and int(rows["DP409"][2]) >= 200 and int(rows["DP409"][3]) >= 200
    assert float(rows["DP410"][4]) >= 0.9 and int(rows["DP410"][2]) >= 200 and int(rows["DP410"][3]) >= 200


def test_eval_detectors_fails_when_a_rule_misses_its_target(tmp_path: Path) -> None:
    item = {"text": "nothing secret here", "positive": True, "why": "mislabelled on purpose", "source": "planted"}
    (tmp_path / "DP409.jsonl").write_text(json.dumps(item) + "\n", encoding="utf-8")
    done = _eval("--sets", tmp_path)
    assert done.returncode == 1 and "below target: DP409 recall 0.000 < 0.98" in done.stderr


# The pre-filter (#14): which rules run on a text is decided by `secrets.families`, a necessary condition of
# each rule. The reference runs every rule on every text, as the detector did before there was a pre-filter.
def _every_rule(text: str) -> list[tuple[str, int, int]]:
    found = []
    for label, pattern, check in secret_rules._plugin_rules():
        found += secret_rules._matches(text, label, pattern, check)
    for label, pattern in secret_rules._EXTRA:
        found += secret_rules._matches(text, label, pattern, None)
    found += [secret_rules.Secret("private key", m.start(), m.end()) for m in secret_rules._PRIVATE_KEY.finditer(text)]
    found += secret_rules._assigned(text)
    return [(s.label, s.start, s.end) for s in secret_rules._merged(found)]


def _found(text: str) -> list[tuple[str, int, int]]:
    return [(s.label, s.start, s.end) for s in secret_rules.find(text)]


_ASSIGNMENT = re.compile(r"(?i:secret|token|passw(?:or)?d|pwd|api[_-]?key|access[_-]?key|auth[_-]?key|"
                         r"private[_-]?key|credential)" + secret_rules._VALUE.pattern)
# Every rule's own pattern generates texts that match it (in any case where the pattern ignores case, with
# the non-ASCII letters re folds), alone and between other text.
_RULE_TEXTS = st.one_of(
    *(st.from_regex(p) for _, p, _ in secret_rules._plugin_rules()),
    *(st.from_regex(p) for _, p in secret_rules._EXTRA),
    st.from_regex(secret_rules._PRIVATE_KEY), st.from_regex(_ASSIGNMENT),
)
_AROUND = st.text(alphabet=st.sampled_from(list("ab AKIA-_/:=.\"'\n0123456789xoXOeyJ\u0130\u0131\u017f\u212a")),
                  max_size=12)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_AROUND, _RULE_TEXTS, _AROUND)
def test_the_prefilter_rules_out_no_match_of_any_rule(before: str, match: str, after: str) -> None:
    text = before + match + after
    assert _found(text) == _every_rule(text)


def test_the_prefilter_keeps_every_finding_on_real_and_planted_text() -> None:
    planted = (ROOT / "benchmarks" / "evalsets" / "DP409.jsonl").read_text("utf-8").splitlines()
    real = (ROOT / "tests" / "data" / "toolformer-1000.jsonl").read_text("utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in planted] + [json.dumps(json.loads(line)) for line in real]
    texts += [f"use {key} here" for key in KEYS.values()] + list(IN_CONTEXT.values())
    assert sum(bool(_every_rule(t)) for t in texts) > 250
    for text in texts:
        assert _found(text) == _every_rule(text)


@pytest.mark.parametrize("text", [
    "Set SLACK=" + "xOxb" + "-2048-4096-abcdef012345 in CI",  # the Slack plugin ignores case
    "hook: HTTPS://HOOKS.SLACK.COM/SERVICES/" + "T0AB12/B0CD34/xYz0123",
    'const privateKey = "' + "8f3Kd92LmQ7xZ0pVb4Nw1Rt6" + '";',  # `private[_-]?key` without the separator
    'authKey: "' + "8f3Kd92LmQ7xZ0pVb4Nw1Rt6" + '"',
    "accesskey=" + "8f3Kd92LmQ7xZ0pVb4Nw1Rt6",
])
def test_shapes_the_old_literal_prefilter_let_through_are_found(text: str) -> None:
    assert secrets(text), text


def test_a_credential_assignment_does_not_import_detect_secrets() -> None:
    """Prose with "secret" or "aws" and an assignment run only the rules that need them: no plugin import."""
    code = ("import sys\nfrom dataprep.checks import content\n"
            "assert content.secrets('password: " + "Xy7Kq2Lm9Np4Rs6T1" + "')\n"
            "assert not content.secrets('The secret of the laws of AWS is kept: password, token and key.')\n"
            "assert not content.secrets('Turkish text with a dotless \u0131: https://tr.wikipedia.org/wiki/I')\n"
            "assert 'detect_secrets' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
