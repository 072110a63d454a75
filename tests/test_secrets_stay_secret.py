"""Secrets stay secret: no detected secret or personal datum leaves a build unmasked, except where asked.

Real-looking secrets (AWS key id and secret key, a private key block, GitHub and Slack tokens) and personal
data (e-mail, phone, Luhn-valid card) are planted in records that end in every place a build writes text
about: kept (redact and warn modes), dropped as DP409, dropped as duplicates of a kept record (the report's
cluster section shows both), and rejected for another reason (DP406) with a secret in the same record, some
of them behind JSON escapes (`\\n` right before the key, `\\/` inside it) that a raw-text scan misses.

Then every byte of every output file, and the build's stdout and stderr, is searched for the raw strings.
They may appear only in the splits when the policy keeps them (`warn`), and in `rejected.jsonl` only with
`--ledger-originals full`. The needles are fragments long enough to be unmistakable, so a mask that keeps a
type prefix (`AKIA…`) is allowed but one that keeps the rest is not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FINETUNE, TOOLFORMER, build, dataprep, jsonl, read_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NOVA = "nova-micro"  # no minimum beyond 8 training records, so a small corpus builds
FAST = ("--lang-detector", "fasttext")
SPLITS = ("train.jsonl", "validation.jsonl", "test.jsonl")
LEDGER = "rejected.jsonl"

# Assembled from parts so that repository secret scanners do not flag this file.
AKIA = "AKIA" + "Q4ZJ7WX2M9KD3PLT"
AKIA_2 = "AKIA" + "R8NB2VC6XZ1LQ5TY"
AWS_SECRET = "wJalrXUtnF/" + "K7MDENGbPxRfiCYzQ8vN2kLp4sTq1"  # 40 characters, a slash near the start
PEM_BODY = "MIIEowIBAAKCAQEA7s9xQm" + "Vb3LkP0aZ2nWq8TgHc4YdRj6Ue1XoFi5ShN"
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY[::-1]}\n-----END RSA PRIVATE KEY-----"
GHP = "ghp_" + "Xy7Kq2Lm9Np4Rs6Tv8Wz1Ab3Cd5Ef0GhIjKl"
GHP_2 = "ghp_" + "Mn3Bv5Cx7Zl9Kj1Hg2Fd4Sa6Qw8Er0TyUiOp"
SLACK = "xoxb-" + "2048-4096-AbCdEfGhIjKlMnOp"
EMAIL, EMAIL_2 = "maria.kowalski@fastmail.net", "dev.ops-lead@corp-mail.org"
PHONE, PHONE_2 = "+1 415-555-0199", "(312) 555-0147"
CARD, CARD_2 = "4539 1488 0343 6467", "5520-1739-0426-8815"
# What the sample data plants (sample_data/raw/PLANTED.md rows 8 and 16).
SAMPLE_SECRETS = ("AKIAIOSFODNN7EXAMPLE", "K7MDENG/bPxRfiCYEXAMPLEKEY")
SAMPLE_PII = ("jane.doe@example.com", "206-555-0143")

# The fragments that must not appear: each secret without its type prefix, each personal datum whole.
SECRET_NEEDLES = (AKIA[4:], AKIA_2[4:], AWS_SECRET[11:], PEM_BODY, PEM_BODY[::-1], GHP[4:], GHP_2[4:],
                  SLACK[5:], *SAMPLE_SECRETS)
PII_NEEDLES = (EMAIL, EMAIL_2, PHONE[3:], PHONE_2, CARD, CARD.replace(" ", ""), CARD_2,
               CARD_2.replace("-", ""), *SAMPLE_PII)


def _planted() -> list[str]:
    """JSONL lines whose fate depends on --secrets/--pii; two are written by hand to carry JSON escapes."""
    first = {"prompt": f"How do I configure the CLI? My key is {AKIA} and aws_secret_access_key={AWS_SECRET}",
             "completion": f"Never paste keys; rotate {AKIA} now and ask {EMAIL} or call {PHONE} for help."}
    second = {"prompt": f"Why does ssh reject this key?\n{PEM}\nIt worked yesterday.",
              "completion": f"Revoke {GHP} and {SLACK} as well; the card {CARD} on file is fine."}
    personal = {"prompt": f"Please write to {EMAIL_2} about the invoice.",
                "completion": f"I will, and call {PHONE_2} if the card {CARD_2} is declined."}
    lines = []
    for record in (first, second, personal):
        lines.append(json.dumps(record))
        # A duplicate with a doubled space (cleaned away): one cluster, the other member is DP401.
        lines.append(json.dumps({k: v.replace(" ", "  ", 1) for k, v in record.items()}))
    # A template token and a secret right after a JSON `\n` escape (no word boundary in the raw line): DP406
    # when secrets are redacted, DP409 when dropped, and rejected either way.
    lines.append(json.dumps({"prompt": f"[INST] Paste the credentials:\n{AKIA_2} [/INST]",
                             "completion": f"Here they are with the token {GHP_2}."}))
    # `/` escaped as `\/`, as some JSON writers do: the raw line does not hold the key as one string.
    escaped = AWS_SECRET.replace("/", "\\/")
    lines.append('{"prompt": "Set aws_secret_access_key=' + escaped + ' in the profile.", '
                 '"completion": "Do not; use an IAM role instead."}')
    return lines


def _raw(folder: Path) -> list[Path]:
    base = [line for line in TOOLFORMER.read_text(encoding="utf-8").splitlines()
            if json.loads(line)["response"].rstrip().endswith(".")][:40]
    raw = folder / "planted.jsonl"
    raw.write_text("\n".join([*base, *_planted()]) + "\n", encoding="utf-8")
    return [raw, FINETUNE / "openai_messages.jsonl", FINETUNE / "claude_messages.jsonl"]


def _leaks(out: Path, stdout: str, stderr: str, needles: tuple[str, ...]) -> dict[str, list[str]]:
    """Every output file (and stdout, stderr) that holds a needle, raw or as JSON escapes it."""
    forms = {n: {n, json.dumps(n)[1:-1], json.dumps(n, ensure_ascii=True)[1:-1]} for n in needles}
    texts = {p.name: p.read_bytes().decode("utf-8", "replace") for p in sorted(out.iterdir()) if p.is_file()}
    texts.update({"<stdout>": stdout, "<stderr>": stderr})
    found = {name: [n for n, variants in forms.items() if any(v in text for v in variants)]
             for name, text in texts.items()}
    return {name: hits for name, hits in found.items() if hits}


def _build(folder: Path, *flags: str) -> tuple[Path, str, str]:
    out = folder / "out"
    done = build(_raw(folder), out, "--model", NOVA, "--test-fraction", "0.2", *FAST, *flags)
    # Secrets kept by `warn` make the written splits fail validation (exit 1), but everything is written.
    assert done.returncode in (0, 1) and (out / "manifest.json").is_file(), done.stderr
    return out, done.stdout, done.stderr


# mode -> (flags, files where secrets may appear, files where personal data may appear)
MODES = {
    "redact": (("--secrets", "redact", "--pii", "redact"), (), ()),
    "defaults": ((), (), SPLITS),
    "warn": (("--secrets", "warn", "--pii", "warn"), SPLITS, SPLITS),
    "full-ledger": (("--secrets", "drop", "--pii", "warn", "--ledger-originals", "full"), (LEDGER,),
                    (*SPLITS, LEDGER)),
    "no-ledger-originals": (("--secrets", "warn", "--pii", "warn", "--ledger-originals", "none"), SPLITS, SPLITS),
}


@pytest.fixture(scope="module", params=sorted(MODES))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[str, Path, str, str]:
    mode = request.param
    out, stdout, stderr = _build(tmp_path_factory.mktemp(mode), *MODES[mode][0])
    return mode, out, stdout, stderr


def test_no_secret_or_personal_datum_leaves_the_build_unmasked(built: tuple[str, Path, str, str]) -> None:
    mode, out, stdout, stderr = built
    _, secret_ok, pii_ok = MODES[mode]
    secret_leaks = {f: h for f, h in _leaks(out, stdout, stderr, SECRET_NEEDLES).items() if f not in secret_ok}
    pii_leaks = {f: h for f, h in _leaks(out, stdout, stderr, PII_NEEDLES).items() if f not in pii_ok}
    assert secret_leaks == {}, f"{mode}: secrets in {secret_leaks}"
    assert pii_leaks == {}, f"{mode}: personal data in {pii_leaks}"


def test_the_planted_records_reach_every_place_a_leak_could_hide(built: tuple[str, Path, str, str]) -> None:
    """The leak test proves something only if the records got there: clusters, DP409, DP406, kept."""
    mode, out, _, _ = built
    ledger = jsonl(out / LEDGER)
    codes = {e["code"] for e in ledger}
    report = read_json(out / "report.json")
    excerpts = [c["kept"]["excerpt"] for c in report["duplicates"]["examples"]]
    excerpts += [d["excerpt"] for c in report["duplicates"]["examples"] for d in c["dropped"]]
    if mode == "redact":
        assert {"DP401", "DP406"} <= codes and "DP409" not in codes
    elif mode in ("defaults", "full-ledger"):
        assert {"DP401", "DP409"} <= codes
    else:
        assert {"DP401", "DP406"} <= codes
    if mode not in ("defaults", "full-ledger"):  # dropped as DP409 there, so in no cluster
        # Shown as the build holds it: redacted (`[REDACTED-SECRET]`) under --secrets redact, masked otherwise.
        assert any("ssh reject this key" in e for e in excerpts), "the private-key record is in a shown cluster"
    assert any("invoice" in e for e in excerpts), "the e-mail record is in a shown cluster"
    splits = "".join((out / s).read_text(encoding="utf-8") for s in SPLITS if (out / s).exists())
    if mode in ("warn", "no-ledger-originals"):
        assert AKIA in splits and GHP in splits, "warn keeps the secrets in the splits"
    if mode != "redact":
        assert EMAIL_2 in splits, "--pii warn keeps personal data in the splits"
    if mode == "full-ledger":
        assert any(AKIA in e["original"] for e in ledger), "--ledger-originals full keeps the original as read"


def test_the_ledger_masks_keeps_or_omits_originals_as_asked(built: tuple[str, Path, str, str]) -> None:
    mode, out, _, _ = built
    ledger = jsonl(out / LEDGER)
    planted = [e for e in ledger if e["source"].endswith("planted.jsonl")]
    assert planted
    if mode == "no-ledger-originals":
        assert all(e["original"] is None for e in ledger)
    elif mode != "full-ledger":
        originals = " ".join(e["original"] for e in planted)
        assert "AKIA…[masked]" in originals or "[masked]" in originals
        assert "[REDACTED-EMAIL]" in originals or mode == "redact"


def test_masking_keeps_a_type_prefix_and_is_idempotent() -> None:
    """`mask` is the one implementation: a short non-secret prefix stays so a reviewer sees what it was."""
    from dataprep.checks.content import mask, mask_record

    text = (f"key {AKIA}\n{PEM}\ntoken {GHP}, {SLACK}, aws_secret_access_key = {AWS_SECRET}; {EMAIL}, "
            f"phone {PHONE}, card {CARD}.")
    masked = mask(text)
    assert not [n for n in (*SECRET_NEEDLES, *PII_NEEDLES) if n in masked], masked
    assert "AKIA…[masked]" in masked and "ghp_…[masked]" in masked and "xoxb-…[masked]" in masked
    assert "-----BEGIN RSA PRIVATE KEY…[masked]" in masked and "END RSA" not in masked
    assert mask(masked) == masked
    assert masked.endswith("[REDACTED-EMAIL], phone [REDACTED-PHONE], card [REDACTED-CARD].")
    # A JSON text is masked on its decoded strings; an untouched one keeps its bytes.
    line = json.dumps({"prompt": f"creds:\n{AKIA}", "completion": f"mail {EMAIL}"})
    assert AKIA[4:] not in mask_record(line) and EMAIL not in mask_record(line)
    escaped = '{"prompt": "aws_secret_access_key=' + AWS_SECRET.replace("/", "\\/") + '"}'
    assert AWS_SECRET[11:] not in mask_record(escaped)
    plain = '{"prompt":  "nothing to hide",   "completion": "ok"}'
    assert mask_record(plain) == plain


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_validate_findings_never_quote_a_secret_or_personal_datum(tmp_path: Path, fmt: str) -> None:
    """The linter reports every planted secret and datum (DP409, DP410) in each output format, masked."""
    data = tmp_path / "train.jsonl"
    data.write_text("\n".join(_planted()) + "\n", encoding="utf-8")
    done = dataprep("validate", data, "--model", "titan-text-express", "--format", fmt)
    assert done.returncode == 1 and "DP409" in done.stdout and "DP410" in done.stdout
    forms = {v for n in SECRET_NEEDLES + PII_NEEDLES for v in (n, json.dumps(n)[1:-1])}
    assert [v for v in sorted(forms) if v in done.stdout + done.stderr] == []


def test_a_large_ledger_is_masked_on_the_workers_as_it_is_in_process() -> None:
    """A ledger past `_PARALLEL_LEDGER` entries is masked and encoded on the two workers: the same lines as in
    this process, entry for entry and in order, with every planted secret masked (real lines of the Toolformer
    sample, some with a secret behind a JSON escape, in each of the three `--ledger-originals` modes)."""
    from dataprep.build import write
    from dataprep.build.model import Rejected
    from dataprep.io.write import dumps

    lines = TOOLFORMER.read_text(encoding="utf-8").splitlines()
    planted = [json.dumps({"prompt": f"key\n{AKIA} and {GHP}", "completion": f"mail {EMAIL}"}), *lines]
    reasons = (f"over the quota ({EMAIL})", "sampled")
    ledger = [Rejected("in.jsonl", i + 1, i % 3, 1 + i % 3, "DP504", reasons[i % 7 == 0], planted[i % len(planted)],
                       originals=("masked", "none", "full")[i % 3])
              for i in range(write._PARALLEL_LEDGER + 500)]
    on_workers = list(write._ledger_lines(ledger))
    assert on_workers == [dumps(r.as_dict()) for r in ledger]
    masked = [line for line, r in zip(on_workers, ledger, strict=True) if r.originals == "masked"]
    assert not any(needle in line for line in masked for needle in (AKIA, GHP, EMAIL))
    assert any(AKIA in line for line in on_workers)  # `full` keeps what was read


# `mask_records` (#17) says which originals hold nothing to mask from one pass over many and masks only the
# rest: each must come out exactly as `mask_record` makes it alone, including behind every JSON escape.
def _escaped(text: str) -> list[str]:
    return [text, json.dumps({"prompt": text}), json.dumps({"prompt": text}, ensure_ascii=False),
            json.dumps({"prompt": text}).replace("/", "\\/"), json.dumps({"prompt": "x\n" + text + "\n"})]


def test_masking_many_originals_at_once_equals_masking_each_on_real_and_planted_lines() -> None:
    from dataprep.checks.content import mask_record, mask_records

    root = Path(__file__).resolve().parents[1]
    lines = (root / "tests" / "data" / "toolformer-1000.jsonl").read_text("utf-8").splitlines()
    for name in ("DP409", "DP410", "DP430"):
        lines += (root / "benchmarks" / "evalsets" / f"{name}.jsonl").read_text("utf-8").splitlines()
    lines += [v for n in (*SECRET_NEEDLES, *PII_NEEDLES, PEM, f"key {AKIA}", f"mail {EMAIL}") for v in _escaped(n)]
    lines += ["AKIA\\u0051" + AKIA[5:], "token \\u003d " + AWS_SECRET, "see https:\\/\\/u:pw1234@host.example.org",
              # decoded, the slash joins two short runs into one high-entropy value
              '{"prompt": "password: Xk9fQ2mZ7vLp\\/R4tW8yBn3Hs"}',
              # only decoded is there an "@" (an ASCII escape), or a name re folds to ASCII (the Kelvin sign)
              '{"prompt": "write to maria.kowalski\\u0040fastmail.net"}',
              '{"prompt": "api_\\u212aey = Xk9fQ2mZ7vLp.R4tW"}']
    alone = [mask_record(line) for line in lines]
    assert sum(a != line for a, line in zip(alone, lines, strict=True)) > 300  # plenty of them are masked
    assert mask_records(lines) == alone
    assert [mask_records(lines[k:k + 7]) for k in range(0, len(lines), 7)] == \
        [alone[k:k + 7] for k in range(0, len(lines), 7)]


_RULE_OR_DATUM = st.one_of(
    st.sampled_from([*SECRET_NEEDLES, *PII_NEEDLES, PEM, GHP, SLACK, EMAIL, PHONE, CARD]),
    st.from_regex(r"(?:token|pwd|api_key)\s?[=:]\s?[A-Za-z0-9+/]{16,24}"),
    st.from_regex(r"\+?1?[ (]?[2-9]\d\d[) .-]?\d{3}[ .-]\d{4}"),
    st.text(alphabet=st.sampled_from(list("aZ09 @:/\\\"-_.\n\u0130\u212a\u0663eyJxoX")), max_size=30),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.text(max_size=8), _RULE_OR_DATUM, st.text(max_size=8),
                          st.integers(min_value=0, max_value=4)), min_size=1, max_size=6))
def test_masking_many_generated_originals_at_once_equals_masking_each(parts: list[tuple[str, str, str, int]]) -> None:
    from dataprep.checks.content import mask_record, mask_records

    lines = [_escaped(before + middle + after)[form] for before, middle, after, form in parts]
    assert mask_records(lines) == [mask_record(line) for line in lines]


# The build screens a chunk of records after one pre-filter pass over all of them (`content.suspects`, #17):
# a row it clears must get no DP409, DP410 or DP430 that screening it alone would give, and in redact mode the
# same redactions.
def _screened_alone_and_in_a_chunk(texts: list[str], action: str) -> tuple[list[object], list[object]]:
    from dataprep.build.screen import QualityPolicy, screen
    from dataprep.checks.content import suspects
    from dataprep.formats.base import Canonical, Turn

    rows = [Canonical(turns=(Turn("user", "Question?"), Turn("assistant", text))) for text in texts]
    policy = QualityPolicy(secrets=action, pii=action)
    flagged = suspects(["\n".join(row.texts()) for row in rows])
    return ([screen(row, policy) for row in rows],
            [screen(row, policy, index in flagged) for index, row in enumerate(rows)])


def _evalset_texts() -> list[str]:
    """The texts of the labelled secret, personal-data and placeholder evalsets."""
    root = Path(__file__).resolve().parents[1]
    return [json.loads(line)["text"] for name in ("DP409", "DP410", "DP430")
            for line in (root / "benchmarks" / "evalsets" / f"{name}.jsonl").read_text("utf-8").splitlines()]


_PLANTED = (AKIA, AKIA_2, f"secret = {AWS_SECRET}", PEM, GHP, GHP_2, SLACK, EMAIL, EMAIL_2, PHONE, PHONE_2, CARD,
            CARD_2, *SAMPLE_SECRETS, *SAMPLE_PII)


@pytest.mark.parametrize("action", ["drop", "redact", "warn"])
def test_screening_a_chunk_after_one_prefilter_pass_equals_screening_each_record(action: str) -> None:
    texts, values = _evalset_texts(), _PLANTED
    texts += [f"{before} {value} {after}" for value in values for before, after in (("Here:", "done."), ("key", ""))]
    alone, chunked = _screened_alone_and_in_a_chunk(texts, action)
    assert sum(bool(s.drop or s.warnings or s.fixes) for s in alone) > 200  # plenty of them are found
    assert chunked == alone


# `mask_texts` (#17) masks a ledger's distinct reasons, and the report's, after one pre-filter pass: each must
# come out exactly as `mask` makes it alone, reasons that quote a secret or a datum among them.
def test_masking_many_texts_at_once_equals_masking_each_on_real_and_planted_texts() -> None:
    from dataprep.checks.content import mask, mask_texts

    texts, values = _evalset_texts(), _PLANTED
    texts += [f"DP402 near-duplicate of {value}:12 (Jaccard 0.91)" for value in values]
    texts += [f"DP409 secret: {value!r}" for value in values] + ["DP504 sampled out", "DP205 empty field"]
    alone = [mask(text) for text in texts]
    assert sum(a != text for a, text in zip(alone, texts, strict=True)) > 200  # plenty of them are masked
    assert mask_texts(texts) == alone
    assert [mask_texts(texts[k:k + 5]) for k in range(0, len(texts), 5)] == \
        [alone[k:k + 5] for k in range(0, len(texts), 5)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.text(max_size=8), _RULE_OR_DATUM, st.text(max_size=8)), min_size=1, max_size=6))
def test_masking_many_generated_texts_at_once_equals_masking_each(parts: list[tuple[str, str, str]]) -> None:
    from dataprep.checks.content import mask, mask_texts

    texts = [before + middle + after for before, middle, after in parts]
    assert mask_texts(texts) == [mask(text) for text in texts]
