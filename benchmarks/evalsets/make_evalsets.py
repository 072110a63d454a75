"""Writes the DP409 (secrets) and DP410 (personal data) evaluation sets, so that every item can be regenerated.

Why a script: the sets must be reproducible and reviewable. Planted secrets are random but well-formed keys of
every kind DP409 promises to find, made from a fixed seed, inside realistic text; hard negatives are real lines
of the shared corpora (hashes, UUIDs, base64, ARNs, placeholder credentials) plus a few planted near misses.
Personal-data items are real corpus records whose every candidate datum was read and labelled by hand in
`PII_LABELS` below, plus planted real-looking data where the corpora have too few (each marked "planted").

    python benchmarks/evalsets/make_evalsets.py [--corpora DIR]   # default: ../shared/corpora beside the checkout
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import string
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
Item = dict[str, object]


def _rand(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _jwt(rng: random.Random) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    head = part({"alg": "HS256", "typ": "JWT"})
    body = part({"sub": str(rng.randint(10**6, 10**7)), "name": rng.choice(["ana", "li", "sam"]), "iat": 1716239022})
    return f"{head}.{body}.{_rand(rng, 43, string.ascii_letters + string.digits + '-_')}"


def _pem(rng: random.Random, kind: str) -> str:
    body = "\n".join(_rand(rng, 64, string.ascii_letters + string.digits + "+/") for _ in range(4))
    return f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----"


# kind -> a generator of one well-formed fake secret.
KEYS = {
    "AWS access key id": lambda r: "AKIA" + _rand(r, 16, string.ascii_uppercase + "234567"),
    "AWS secret access key": lambda r: "aws_secret_access_key = " + _rand(r, 40, string.ascii_letters + "0123456789/+"),
    "OpenAI project key": lambda r: "sk-proj-" + _rand(r, 74, string.ascii_letters + string.digits + "_-") + "T3BlbkFJ"
    + _rand(r, 74, string.ascii_letters + string.digits + "_-"),
    "OpenAI legacy key": lambda r: "sk-" + _rand(r, 20) + "T3BlbkFJ" + _rand(r, 20),
    "Anthropic key": lambda r: "sk-ant-api03-" + _rand(r, 93, string.ascii_letters + string.digits + "_-") + "AA",
    "Hugging Face token": lambda r: "hf_" + _rand(r, 34, string.ascii_letters),
    "GitHub token": lambda r: r.choice(["ghp_", "gho_", "ghs_"]) + _rand(r, 36),
    "GitHub fine-grained token": lambda r: "github_pat_" + _rand(r, 22) + "_" + _rand(r, 59),
    "GitLab token": lambda r: "glpat-" + _rand(r, 20, string.ascii_letters + string.digits + "_-"),
    "Slack token": lambda r: f"xoxb-{r.randint(10**10, 10**11)}-{r.randint(10**11, 10**12)}-"
    + _rand(r, 24, string.ascii_lowercase + string.digits),
    "Slack webhook": lambda r: f"https://hooks.slack.com/services/T{_rand(r, 8, string.ascii_uppercase)}/"
    f"B{_rand(r, 8, string.ascii_uppercase)}/{_rand(r, 24)}",
    "Google API key": lambda r: "AIza" + _rand(r, 35, string.ascii_letters + string.digits + "_-"),
    "Stripe key": lambda r: r.choice(["sk_live_", "rk_live_"]) + _rand(r, 24),
    "Twilio key": lambda r: r.choice(["AC", "SK"]) + _rand(r, 32, "0123456789abcdef"),
    "JSON Web Token": _jwt,
    "private key": lambda r: _pem(r, r.choice(["RSA ", "OPENSSH ", "EC ", ""])),
    "password in a URL": lambda r: f"{r.choice(['postgres', 'mysql', 'mongodb+srv', 'redis', 'amqp'])}://"
    f"{r.choice(['admin', 'app', 'svc_etl', 'root'])}:{_rand(r, 14)}@{r.choice(['db', 'cache', 'mq'])}."
    f"{r.choice(['internal', 'prod.corp.net', 'eu-west-1.rds.amazonaws.com'])}:5432/app",
    "high-entropy assignment": lambda r: r.choice(["api_key = \"{}\"", "\"client_secret\": \"{}\"", "API_TOKEN={}",
                                                  "password: {}", "auth_key => '{}'"]).format(
        _rand(r, r.randint(20, 40), string.ascii_letters + string.digits + "-_")),
}
# Realistic surroundings: a user pasting config, a log, code, a chat question.
CONTEXTS = [
    "My deploy fails with 403. Here is my config:\n{key}\nWhat am I doing wrong?",
    "export CI=true\n{key}\nnpm run build",
    "Can you tell me why this curl call is rejected? curl -H 'Authorization: Bearer {key}' https://api.test/v1",
    "# settings.py\nDEBUG = False\n{key}\nALLOWED_HOSTS = ['*']",
    "I accidentally committed {key} to the repo yesterday, how do I remove it from history?",
    "Error in job 4812: connection refused using {key} (retrying in 30s)",
    "Here's the snippet:\n```python\nclient = Client(\"{key}\")\nprint(client.ping())\n```",
    "Please review the .env file below before the release.\n{key}\nLOG_LEVEL=info",
]


def planted_secrets(rng: random.Random) -> Iterator[Item]:
    for kind, make in KEYS.items():
        for n in range(13):
            key = make(rng)
            text = CONTEXTS[n % len(CONTEXTS)].format(key=key)
            yield {"text": text, "positive": True, "why": f"planted fake {kind}, well-formed", "source": "planted"}
    for text in ("My key is AKIAIOSFODNN7EXAMPLE and it works in the CLI.",
                 "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"):
        yield {"text": text, "positive": True, "source": "planted",
               "why": "AWS's documented example key: flagged by decision (a well-formed credential the model would "
                      "learn to emit; the sample data plants it as a secret)"}


# Real corpus lines that look secret-ish but are not secrets, found by these patterns.
NEGATIVE_PATTERNS = [
    ("git SHA or SHA-1 hash", re.compile(r"\b[0-9a-f]{40}\b")),
    ("SHA-256 digest", re.compile(r"\b[0-9a-f]{64}\b")),
    ("MD5-like hex", re.compile(r"\b[0-9a-f]{32}\b")),
    ("UUID", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")),
    ("long base64 or id run", re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")),
    ("credential name with a placeholder or reference value",
     re.compile(r"(?i)(?:secret|token|password|api_?key)\w*\s*[=:]\s*\S{6,}")),
    ("ARN or account id", re.compile(r"arn:aws:[a-z0-9-]+:[a-z0-9-]*:\d{12}:")),
]


def real_negatives(corpora: Path) -> Iterator[Item]:
    seen: set[str] = set()
    for name, pattern in NEGATIVE_PATTERNS:
        taken = 0
        for path, number, line in _corpus_lines(corpora):
            if taken >= 45 or not pattern.search(line):
                continue
            text = line.strip()[:600]
            if text in seen or len(text) < 20:
                continue
            seen.add(text)
            taken += 1
            yield {"text": text, "positive": False, "why": f"real {name}, no credential (read)",
                   "source": f"corpus:{path}:{number}"}


PLANTED_NEGATIVES = [
    ("Use scikit-learn: pip install scikit-learn, then import sklearn.", "sk- in a package name"),
    ("GitHub tokens start with ghp_ followed by 36 characters.", "names the prefix, no token"),
    ("password: ********", "masked value"),
    ("DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal:5432/app", "password is a variable reference"),
    ("Connect with postgres://localhost:5432/analytics (no password, peer auth).", "URL without credentials"),
    ("api_key = os.environ[\"OPENAI_API_KEY\"]", "reads the key from the environment"),
    ("Set token = \"<YOUR_TOKEN_HERE>\" before running.", "placeholder value"),
    ("The Asia Pacific region (ap-southeast-1) was ACCAdemically ranked first.", "AKIA-like letters in words"),
    ("secret_access_key = YOUR_SECRET_KEY", "placeholder value"),
    ("The commit 3f786850e387550fdab836ed7e6dc881de23001b fixed the bug.", "git SHA"),
]


def planted_negatives() -> Iterator[Item]:
    for text, why in PLANTED_NEGATIVES:
        yield {"text": text, "positive": False, "why": f"planted near miss: {why}", "source": "planted"}


def _corpus_lines(corpora: Path) -> Iterator[tuple[str, int, str]]:
    """(corpus-relative path, 1-based line, the line) over every text file of the corpora, sorted."""
    for path in sorted(corpora.rglob("*")):
        if path.suffix not in (".md", ".jsonl", ".json") or not path.is_file() or path.name == "SOURCE.md":
            continue
        rel = path.relative_to(corpora).as_posix()
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                yield rel, number, line


def _write(path: Path, items: list[Item]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{path.name}: {sum(bool(i['positive']) for i in items)} positives, "
          f"{sum(not i['positive'] for i in items)} negatives")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = parser.parse_args()
    rng = random.Random(409)
    _write(HERE / "DP409.jsonl", [*planted_secrets(rng), *real_negatives(args.corpora), *planted_negatives()])
    from pii_evalset import pii_items, placeholder_items  # the labelled personal-data records (beside this script)

    _write(HERE / "DP410.jsonl", list(pii_items(args.corpora, rng, _corpus_records)))
    _write(HERE / "DP430.jsonl", list(placeholder_items(args.corpora, random.Random(430), _corpus_records)))


def _corpus_records(corpora: Path) -> Iterator[tuple[str, str]]:
    """(source, text) of every record of the corpora: one JSONL line or JSON array element, one markdown page."""
    for path in sorted(corpora.rglob("*")):
        if not path.is_file() or path.name == "SOURCE.md":
            continue
        rel = path.relative_to(corpora).as_posix()
        if path.suffix == ".jsonl":
            for number, line in enumerate(path.open(encoding="utf-8", errors="replace"), 1):
                yield f"{rel}:{number}", line.rstrip("\n")
        elif path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            for index, value in enumerate(data if isinstance(data, list) else [data]):
                yield f"{rel}:[{index}]", json.dumps(value, ensure_ascii=False)
        elif path.suffix == ".md":
            yield f"{rel}:1", path.read_text(encoding="utf-8", errors="replace")


if __name__ == "__main__":
    main()
