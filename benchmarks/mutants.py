"""Scripted mutation testing: does the test suite notice a realistic bug in each part of dataprep?

Why: an audit made 19 deliberate breakages (the two-process convert and MinHash paths, validate's quota and
limit codes, GitHub escaping, `--format json`, `dataprep rules`, config handling, stale outputs...) and the
suite noticed none of them. Coverage says a line ran, not that a test would fail if the line were wrong;
a mutant that survives names an assertion nobody wrote. mutmut and cosmic-ray generate thousands of
mostly-equivalent operator swaps and need minutes per mutant with this suite (builds, subprocesses), so the
mutants here are hand-written: each is one plausible bug (off-by-one, dropped branch, wrong code, swapped
arguments, removed escape) with the tests that should catch it.

Method, per mutant:

1. The repository is copied (tracked plus untracked, non-ignored files: the working tree as it is now) into
   a scratch folder outside it, next to a `shared` symlink so `ROOT.parent / "shared"` still resolves.
   The working tree itself is only read, never changed.
2. The suite (minus the `slow` marker) runs once unmutated in the copy; tests that already fail there are
   deselected from every mutant run, so a mutant is never "killed" by a test that fails anyway.
3. The mutant's exact `old` snippet must occur once in its file (or, because files move during a
   restructure, exactly once in the whole package); otherwise the mutant is reported stale, not killed.
   A mutant that does not compile is reported invalid.
4. `python -m pytest -x -q -p no:cacheprovider SELECTION` runs in the copy with PYTHONPATH=copy (checked:
   `dataprep.__file__` lies in the copy) and no bytecode cache, so an equal-sized edit within the same second
   can never be masked by a stale `.pyc`. A mutant that survives its selection runs against the whole suite
   (minus `slow`) before it is called survived. A timeout counts as killed.

    python benchmarks/mutants.py [--jobs 1|2] [--only ID,...] [--list] [--no-suite]

Prints a table and the kill rate; a run of every mutant also writes benchmarks/MUTANTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "benchmarks" / "MUTANTS.md"
SELECTION_TIMEOUT = 600
SUITE_TIMEOUT = 1800
SUITE = ("-m", "not slow", "tests")


@dataclass(frozen=True)
class Mutant:
    """One deliberate bug: replace `old` (exactly once in `file`) by `new`, then run `tests`.

    `kills` says which assertion would notice the bug: the advice printed when the mutant survives.
    """

    id: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    bug: str
    kills: str


@dataclass
class Outcome:
    """What happened to one mutant."""

    mutant: Mutant
    status: str  # killed | survived | timeout | stale | invalid
    stage: str = ""  # selection | suite: the run that decided
    seconds: float = 0.0
    detail: str = ""  # the first failing test, or why the mutant was not run
    applied_to: str = ""

    @property
    def counted(self) -> bool:
        return self.status in ("killed", "survived", "timeout")

    @property
    def dead(self) -> bool:
        return self.status in ("killed", "timeout")


def M(id: str, file: str, old: str, new: str, tests: Sequence[str], bug: str, kills: str) -> Mutant:
    """Short constructor so the table below reads as one row per mutant."""
    return Mutant(id, file, old, new, tuple(tests), bug, kills)


# Selections by area; globs pick up the test files the others add while this runs.
VALIDATE_TESTS = ("tests/test_validate*.py", "tests/test_quotas*.py", "tests/test_checks*.py",
                  "tests/test_golden.py::test_validate_json_over_the_catalogue_is_golden", "tests/test_rule_edges.py")
READ_TESTS = ("tests/test_io*.py", "tests/test_read.py", *VALIDATE_TESTS)
CLI_TESTS = ("tests/test_cli*.py", "tests/test_validate*.py", "tests/test_fuzz.py", "tests/test_rule_edges.py")
RULES_TESTS = ("tests/test_cli*.py", "tests/test_registry.py")
CONFIG_TESTS = ("tests/test_config*.py", "tests/test_settings*.py",
                "tests/test_build.py::test_settings_come_from_pyproject")
JOB_TESTS = ("tests/test_job*.py", "tests/test_steps*.py")
STAGE_TESTS = ("tests/test_stages.py", "tests/test_steps*.py", "tests/test_rule_edges.py")
BUILD_TESTS = ("tests/test_stages.py", "tests/test_steps*.py", "tests/test_rule_edges.py", "tests/test_outputs*.py",
               "tests/test_quotas*.py",
               "tests/test_build*.py")

MUTANTS: tuple[Mutant, ...] = (
    # -- shared checks ---------------------------------------------------------------------------------------
    M("limits-dp306-dropped", "dataprep/checks/limits.py",
      '                ("max_input_tokens", "DP306", "input tokens"),\n', "",
      VALIDATE_TESTS, "validate never checks the input-token limit (DP306)",
      "validate a record whose prompt alone is over max_input_tokens (e.g. a Haiku/Nova prompt) expecting DP306"),
    M("limits-dp308-first-text", "dataprep/checks/limits.py",
      "chars = sum(map(len, texts))", "chars = len(texts[0])",
      VALIDATE_TESTS, "DP308 counts only the first text of a record",
      "validate a record with a short prompt and an answer over max_chars_per_record expecting DP308"),
    M("limits-bytes-as-chars", "dataprep/checks/limits.py",
      "sum(len(t.encode()) for t in texts) > self.smallest", "sum(len(t) for t in texts) > self.smallest",
      VALIDATE_TESTS, "the tokenize-or-skip pre-filter counts characters, not UTF-8 bytes",
      "validate a CJK/emoji record with fewer characters than the limit but more tokens, expecting DP305"),
    M("quotas-dp301-wrong-code", "dataprep/checks/quotas.py",
      'TRAIN: ("max_train_records", "max_train_file_bytes", "DP301")',
      'TRAIN: ("max_train_records", "max_train_file_bytes", "DP302")',
      VALIDATE_TESTS, "a train file over its record quota is reported as DP302 (validation's code)",
      "validate a train.jsonl over max_train_records (a --profile-file with a tiny quota) expecting code DP301"),
    M("quotas-dp303-train-only", "dataprep/checks/quotas.py",
      "total = totals.get(TRAIN, 0) + totals.get(VALIDATION, 0)", "total = totals.get(TRAIN, 0)",
      VALIDATE_TESTS, "the train + validation total (DP303) leaves out the validation file",
      "validate train+validation that together (not alone) exceed max_total_records, expecting DP303"),
    M("quotas-dp309-records-not-bytes", "dataprep/checks/quotas.py",
      "if size_quota is not None and size > size_quota:", "if size_quota is not None and records > size_quota:",
      VALIDATE_TESTS, "the file-size quota (DP309) is compared with the record count",
      "validate a file over max_train_file_bytes (profile override with a small byte quota) expecting DP309"),
    M("quotas-dp310-wrong-split", "dataprep/checks/quotas.py",
      "if split == VALIDATION and not spec.validation_supported:",
      "if split == TRAIN and not spec.validation_supported:",
      VALIDATE_TESTS, "DP310 (model takes no validation file) fires on the train file instead",
      "validate a validation.jsonl for a model/task without validation support expecting DP310 on that file"),
    M("keywords-case-swapped", "dataprep/checks/keywords.py",
      "fold = (lambda s: s) if case_sensitive else str.casefold",
      "fold = str.casefold if case_sensitive else (lambda s: s)",
      VALIDATE_TESTS, "case-sensitive and case-insensitive keyword matching are swapped",
      "a case-insensitive profile must flag a keyword in another case (Nova test) and a sensitive one must not"),
    M("keywords-unfolded", "dataprep/checks/keywords.py",
      "if fold(keyword) in folded:", "if keyword in folded:",
      VALIDATE_TESTS, "the keyword itself is not case-folded before matching",
      "a case-insensitive profile whose keyword has capitals, matched in lower case text, expecting DP212"),
    M("duplicates-case-sensitive", "dataprep/checks/duplicates.py",
      "casefold().split()", "split()",
      VALIDATE_TESTS, "record keys no longer ignore case: DP401/DP501 miss copies that differ in case",
      "validate two records differing only in case expecting DP401"),
    M("content-luhn-parity", "dataprep/checks/content.py",
      "(2 if index % 2 else 1)", "(2 if index % 2 == 0 else 1)",
      ("tests/test_stages.py", *VALIDATE_TESTS), "the Luhn check doubles the wrong digits",
      "a valid test card number (4111 1111 1111 1111) must be DP410 and redacted"),
    M("content-aws-key-length", "dataprep/checks/content.py",
      r"[0-9A-Z]{16}\b", r"[0-9A-Z]{15}\b",
      VALIDATE_TESTS, "AWS access key ids (20 characters) are no longer recognised (DP409)",
      "validate a record holding AKIAIOSFODNN7EXAMPLE expecting DP409"),
    M("content-secret-hint-case", "dataprep/checks/content.py",
      '"ecret" in text or "ECRET" in text or', '"ecret" in text or',
      ("tests/test_stages.py", *VALIDATE_TESTS), "the pre-filter misses AWS_SECRET_ACCESS_KEY in upper case",
      "a record with AWS_SECRET_ACCESS_KEY=<40 chars> (upper case) expecting DP409"),
    M("content-dp403-digits", "dataprep/checks/content.py",
      "if not any(c.isalnum() for c in answer):", "if not any(c.isalpha() for c in answer):",
      ("tests/test_stages.py", *VALIDATE_TESTS), "a numeric answer ('7') is flagged as having no letter or digit",
      "an answer of '7' must not be DP403"),
    M("content-template-closing-inst", "dataprep/checks/content.py",
      r"|\[/?INST\]|", r"|\[INST\]|",
      VALIDATE_TESTS, "a leftover [/INST] token is not flagged (DP406)",
      "validate an answer ending in '[/INST]' expecting DP406"),
    # -- validate ----------------------------------------------------------------------------------------------
    M("validate-dp401-last-copy", "dataprep/validate.py",
      "        else:\n            seen[checked.key] = checked.line\n",
      "        seen[checked.key] = checked.line\n",
      VALIDATE_TESTS, "a third copy is reported as a duplicate of the second, not of the first",
      "three identical records: DP401 messages must both say 'duplicate of line 1'"),
    M("validate-dp306-swapped", "dataprep/validate.py",
      "limits.token_problems(n_in, n_out)", "limits.token_problems(n_out, n_in)",
      VALIDATE_TESTS, "input and output token counts are swapped (DP306 <-> DP307)",
      "validate a record with a long prompt and short answer expecting DP306 (not DP307)"),
    M("validate-unnamed-split", "dataprep/validate.py",
      "split = result.split or TRAIN", "split = result.split or VALIDATION",
      VALIDATE_TESTS, "a file whose name gives no split (data.jsonl) is quota-checked as a validation file",
      "validate data.jsonl for a model without validation support: no DP310, and its records count as train"),
    M("validate-val-prefix", "dataprep/io/paths.py",
      '("validation", "valid", "val", "dev", "eval")', '("validation", "valid", "dev", "eval")',
      VALIDATE_TESTS, "val-2.jsonl is no longer recognised as a validation file",
      "validate train.jsonl + val.jsonl sharing a record expecting DP501"),
    M("validate-dp113-json", "dataprep/validate.py",
      'if path.suffix != ".jsonl":', 'if path.suffix not in (".jsonl", ".json"):',
      VALIDATE_TESTS, "a .json file name is accepted (DP113)",
      "validate data.json expecting DP113"),
    M("validate-sidecars", "dataprep/io/paths.py",
      'if p.name not in BUILD_SIDECARS)', ')',
      (*READ_TESTS, "tests/test_build.py::test_outputs_pass_validate"),
      "validating a build folder also lints rejected.jsonl and lineage.jsonl",
      "validate a build OUT folder expecting no findings on rejected.jsonl"),
    # -- io ------------------------------------------------------------------------------------------------
    M("jsonl-dp105-newline", "dataprep/io/jsonl.py",
      "number == total and not ends_with_newline", "number == total",
      READ_TESTS, "a broken last line that does end in a newline becomes DP105",
      "a file whose last line is invalid JSON followed by '\\n' expecting DP104, not DP105"),
    M("jsonl-dp112-line", "dataprep/io/jsonl.py",
      'first = next(i for i, raw in enumerate(raw_lines, 1) if raw.endswith(b"\\r"))',
      'first = next(i for i, raw in enumerate(raw_lines) if raw.endswith(b"\\r"))',
      READ_TESTS, "DP112 points one line before the first CRLF line",
      "DP112 must be reported at the line of the first CRLF"),
    M("jsonl-dp103-whitespace", "dataprep/io/jsonl.py",
      "        if not text.strip():\n", "        if not text:\n",
      READ_TESTS, "a line of spaces is reported as invalid JSON, not as blank (DP103)",
      "a line holding only spaces expecting DP103"),
    M("jsonl-bom-kept", "dataprep/io/jsonl.py",
      "        data = data[len(_BOM):]\n", "        data = data\n",
      READ_TESTS, "after DP101 the BOM stays and line 1 also fails to parse",
      "a BOM file expecting DP101 only (no DP104 at line 1)"),
    M("decode-first-duplicate", "dataprep/io/decode.py",
      "if len(obj) != len(pairs) and self.defect is None:", "if len(obj) != len(pairs):",
      READ_TESTS, "the last duplicate key is reported instead of the first",
      "a line with two duplicated keys (in nested objects) expecting the message to name the first"),
    # -- text ----------------------------------------------------------------------------------------------
    M("clean-blank-runs", "dataprep/text/clean.py",
      r'_BLANK_RUNS = re.compile(r"\n{3,}")', r'_BLANK_RUNS = re.compile(r"\n{4,}")',
      STAGE_TESTS, "three newlines in a row are no longer collapsed to a blank line (DP414)",
      "clean_text('a\\n\\n\\nb') == 'a\\n\\nb' with DP414"),
    M("clean-end-token-everywhere", "dataprep/text/clean.py",
      "final=i == last", "final=True",
      STAGE_TESTS, "end-of-text tokens are stripped from prompts too (DP416)",
      "a prompt ending in '</s>' keeps it (flagged, not removed)"),
    M("clean-nfc-code", "dataprep/text/clean.py",
      "            fixes.add(NFC)\n", "            fixes.add(WHITESPACE)\n",
      STAGE_TESTS, "an NFC fix is counted as a whitespace fix",
      "clean a decomposed 'e\\u0301' expecting the fix code DP413"),
    M("chunk-max-chars-ignored", "dataprep/text/chunk.py",
      "return tokens <= self.max_tokens and len(text) <= self.max_chars",
      "return tokens <= self.max_tokens",
      ("tests/test_chunk.py",), "chunks may exceed the character limit",
      "every chunk of a long text must be <= max_chars"),
    M("chunk-pack-off-by-one", "dataprep/text/chunk.py",
      "tokens + n > limits.max_tokens", "tokens + n >= limits.max_tokens",
      ("tests/test_chunk.py", "tests/test_rule_edges.py"),
      "packing stops one token short of the limit (more, smaller chunks)",
      "pieces summing exactly to max_tokens must pack into one chunk"),
    M("dedup-parallel-keep-flag", "dataprep/text/dedup.py",
      "for i in range(start, min(start + _SKETCH_BLOCK, len(texts)))], settings, keep, COMPILED)",
      "for i in range(start, min(start + _SKETCH_BLOCK, len(texts)))], settings, False, COMPILED)",
      ("tests/test_dedup.py",), "the two-process sketch drops the shingle sets (near-dup verification breaks)",
      "deduplicate >= 4000 texts with planted near-duplicates equals the serial result"),
    M("dedup-reshingle-unnormalised", "dataprep/text/dedup.py",
      "norms = [normalise(text) for text in texts]\n",
      "norms = list(texts)\n",
      ("tests/test_dedup.py",), "above 250k texts the re-shingled sets skip normalisation",
      "with _KEEP_SETS patched low, results equal the kept-sets path on texts differing in case/punctuation"),
    M("dedup-representative-highest", "dataprep/text/dedup.py",
      "parent[max(ru, rv)] = min(ru, rv)", "parent[min(ru, rv)] = max(ru, rv)",
      ("tests/test_dedup.py",), "the cluster keeps its last text instead of its first",
      "the kept member of a near-duplicate cluster is the lowest index"),
    M("dedup-estimate-margin", "dataprep/text/dedup.py",
      "settings.threshold - _ESTIMATE_MARGIN", "settings.threshold + _ESTIMATE_MARGIN",
      ("tests/test_dedup.py",), "candidate pairs are filtered above the threshold (recall falls)",
      "recall of planted near-duplicates"),
    # -- CLI output ----------------------------------------------------------------------------------------
    M("github-percent-unescaped", "dataprep/cli/output.py",
      'text.replace("%", "%25").replace', "text.replace",
      CLI_TESTS, "'%' in a message is not escaped in GitHub annotations",
      "`--format github` on a finding whose message has '%' expects '%25'"),
    M("github-newline-unescaped", "dataprep/cli/output.py",
      '.replace("\\n", "%0A")', "",
      CLI_TESTS, "a newline ends a GitHub annotation early",
      "`--format github` on a message holding a newline (e.g. a DP406 '\\n\\nHuman:' token) expects '%0A'"),
    M("github-warning-level", "dataprep/cli/output.py",
      'Severity.WARNING: "warning"', 'Severity.WARNING: "notice"',
      CLI_TESTS, "warnings are annotated as notices",
      "`--format github` on a warning finding expects a line starting '::warning '"),
    M("github-line-zero", "dataprep/cli/output.py",
      "line={max(finding.line, 1)}", "line={finding.line}",
      CLI_TESTS, "whole-file findings get line=0, which GitHub does not show",
      "`--format github` on a quota (whole-file) finding expects line=1"),
    M("json-severity-upper", "dataprep/findings.py",
      '"severity": str(self.severity),', '"severity": self.severity.name,',
      (*CLI_TESTS, "tests/test_golden.py::test_validate_json_over_the_catalogue_is_golden", "tests/test_rule_edges.py"),
      "`--format json` prints severity as 'ERROR' instead of 'error'",
      "json output field severity in {'error','warning','info'}"),
    M("json-col-dropped", "dataprep/findings.py",
      '            "col": self.col,\n', "",
      (*CLI_TESTS, "tests/test_golden.py::test_validate_json_over_the_catalogue_is_golden", "tests/test_rule_edges.py"),
      "`--format json` loses the column", "json output objects have exactly path,line,col,code,severity,message"),
    M("text-format-no-col", "dataprep/cli/output.py",
      'f"{finding.path}:{finding.line}:{finding.col}"', 'f"{finding.path}:{finding.line}"',
      CLI_TESTS, "text output drops the column (editors cannot jump to it)",
      "text output line matches 'path:LINE:COL: CODE message'"),
    M("summary-warnings-count", "dataprep/cli/output.py",
      "count(findings, Severity.ERROR), count(findings, Severity.WARNING)",
      "count(findings, Severity.ERROR), count(findings, Severity.ERROR)",
      CLI_TESTS, "the summary line counts errors as warnings",
      "stderr summary '1 finding(s): 0 error(s), 1 warning(s)' for one warning"),
    M("exit-code-warnings", "dataprep/cli/validate.py",
      "raise typer.Exit(1 if any(f.severity == Severity.ERROR for f in findings) else 0)",
      "raise typer.Exit(1 if any(f.severity >= Severity.WARNING for f in findings) else 0)",
      CLI_TESTS, "validate exits 1 on warnings only",
      "a file with only warnings exits 0"),
    M("usage-exit-code", "dataprep/cli/output.py",
      "    raise typer.Exit(2)\n", "    raise typer.Exit(1)\n",
      (*CLI_TESTS, "tests/test_build.py::test_usage_errors_exit_2_without_traceback"),
      "usage errors exit 1 like data errors", "a usage error exits 2"),
    M("rules-planned-marker", "dataprep/cli/rules.py",
      'marker = "planned  " if getattr(rule, "planned", False) else ""', 'marker = ""',
      RULES_TESTS,
      "`dataprep rules` no longer marks planned rules", "listing shows 'planned' on DP217/DP502"),
    M("rules-code-case", "dataprep/cli/rules.py",
      "rule = table.get(code.upper())", "rule = table.get(code)",
      RULES_TESTS,
      "`dataprep rules dp203` (lower case) is refused", "`dataprep rules dp203` explains DP203"),
    M("rules-listing-severity", "dataprep/cli/rules.py",
      "{rule.severity!s:<7}", "{rule.action:<7}",
      RULES_TESTS,
      "the listing prints the build action where the severity belongs",
      "a listing line of a warning-severity rule contains 'warning'"),
    # -- config --------------------------------------------------------------------------------------------
    M("config-unknown-key", "dataprep/config.py",
      '            raise ConfigError(f"{path}: unknown key {key!r}', '            continue\n'
      '            raise ConfigError(f"{path}: unknown key {key!r}',
      CONFIG_TESTS, "a misspelt config key is silently accepted",
      "a dataprep.toml with `ignor = [...]` exits 2 naming the key"),
    M("config-bool-as-int", "dataprep/config.py",
      "if not isinstance(value, expected) or isinstance(value, bool):", "if not isinstance(value, expected):",
      CONFIG_TESTS, "`seed = true` is accepted as an int", "`seed = true` exits 2 (wrong type)"),
    M("config-severity-dropped", "dataprep/config.py",
      "return RulePolicy(frozenset(ignore), severities)", "return RulePolicy(frozenset(ignore))",
      CONFIG_TESTS, "the `severity` table is read, checked and then ignored",
      "`[tool.dataprep.severity] DP401 = \"error\"` makes validate report DP401 as error and exit 1"),
    M("config-severity-case", "dataprep/config.py",
      "severities = {str(c).upper(): Severity.parse", "severities = {str(c): Severity.parse",
      CONFIG_TESTS, "lower-case codes in the severity table are rejected",
      "`severity = {dp401 = \"error\"}` is accepted"),
    M("registry-ignore-prefix", "dataprep/registry.py",
      "return code in self.ignore or any(len(p) < len(code) and code.startswith(p) for p in self.ignore)",
      "return code in self.ignore",
      CONFIG_TESTS + VALIDATE_TESTS, "`ignore = [\"DP4\"]` ignores nothing (prefixes dropped)",
      "`ignore = [\"DP4\"]` removes every DP4xx finding from validate's output"),
    M("registry-prefix-unknown", "dataprep/registry.py",
      "if not any(k.startswith(code) for k in known):", "if code not in known:",
      CONFIG_TESTS, "a prefix in `ignore` is rejected as an unknown code",
      "`ignore = [\"DP4\"]` loads without error"),
    # -- job -----------------------------------------------------------------------------------------------
    M("job-range-max-excluded", "dataprep/job/hyperparameters.py",
      "if not hp.min <= value <= hp.max:", "if not hp.min <= value < hp.max:",
      JOB_TESTS, "a hyperparameter at its maximum is refused (DP604)",
      "--epochs at the model's maximum is accepted"),
    M("job-int-fraction", "dataprep/job/hyperparameters.py",
      'if hp.type == "int" and value != value.to_integral_value():', "if False:",
      JOB_TESTS, "a fractional epochCount is accepted", "--hyperparameter epochCount=2.5 gives DP605"),
    M("job-bucket-length", "dataprep/job/identifiers.py",
      'r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"', 'r"[a-z0-9][a-z0-9.-]{1,63}[a-z0-9]"',
      JOB_TESTS, "bucket names of 64-65 characters pass (DP606)", "--s3-uri with a 64-character bucket gives DP606"),
    M("job-role-account", "dataprep/job/identifiers.py",
      r'r"arn:aws(-[a-z]+)*:iam::\d{12}:role/', r'r"arn:aws(-[a-z]+)*:iam::\d+:role/',
      JOB_TESTS, "a role ARN with a short account id passes (DP608)",
      "--role-arn arn:aws:iam::123:role/x gives DP608"),
    M("job-dp613-dropped", "dataprep/job/hyperparameters.py",
      "if name in _ONLY_WITHOUT_VALIDATION and has_validation:\n", "if False:\n",
      JOB_TESTS, "evalPercentage with a validation file is not reported (DP613)",
      "evalPercentage with validation.jsonl present gives DP613"),
    M("job-hash-uploads-only", "dataprep/job/folder.py",
      '    for name, entry in outputs.items():\n        path = str(out / entry["file"])',
      '    for name, entry in outputs.items():\n        if name not in ("train", "validation"):\n'
      '            continue\n        path = str(out / entry["file"])',
      JOB_TESTS, "the manifest hash check (DP602) skips test.jsonl and rejected.jsonl",
      "tamper with test.jsonl (or rejected.jsonl) after the build: job refuses with DP602"),
    M("job-dp607-always", "dataprep/job/identifiers.py",
      "if key and not key.endswith(\"/\") and not problems:", "if not key.endswith(\"/\") and not problems:",
      JOB_TESTS, "s3://bucket (no key) is reported as lacking a trailing slash",
      "--s3-uri s3://bucket gives no DP607"),
    # -- stale outputs -----------------------------------------------------------------------------------------
    M("publish-stale-kept", "dataprep/io/write.py",
      "    for name in stale:\n", "    for name in ():\n",
      BUILD_TESTS, "a rebuild leaves validation.jsonl/test.jsonl of the previous build in OUT",
      "build with --test-fraction 0.1, rebuild with 0 into the same OUT: test.jsonl is gone"),
    # -- build steps (re-read: the lead restructures these files) ------------------------------------------
    M("convert-parallel-offset", "dataprep/build/convert.py",
      "            yield batch, context, start\n",
      "            yield batch, context, 0\n",
      STAGE_TESTS, "the two-process convert path loses each chunk's index offset",
      "convert_chunks on > 5000 records equals convert_records"),
    M("convert-parallel-warnings", "dataprep/build/convert.py",
      "            ledger.warnings.update(part.warnings)\n",
      "",
      STAGE_TESTS, "the convert step drops the parts' warning counts (DP410/DP408 warnings)",
      "convert.run on > 5000 records has the same `warnings` Counter as convert_records"),
    M("screen-dp408-comma", "dataprep/checks/text_quality.py",
      'tail[-1].isalpha() or tail[-1] == ","', "tail[-1].isalpha()",
      BUILD_TESTS, "a long answer cut off after a comma is not flagged (DP408)",
      "a 30+ word answer ending in ',' is DP408"),
    M("screen-dp408-min-words", "dataprep/checks/text_quality.py",
      "len(tail.split()) >= _TRUNCATION_MIN_WORDS", "len(tail.split()) > _TRUNCATION_MIN_WORDS",
      BUILD_TESTS, "an answer of exactly 30 words is never DP408",
      "a 30-word answer ending mid-word is DP408"),
    M("screen-ignored-drops", "dataprep/build/screen.py",
      "        if policy.rules.ignored(code):\n            continue\n", "",
      BUILD_TESTS, "ignored codes still drop records", "ignore DP407: refusal records are kept"),
    M("split-test-fraction", "dataprep/build/split.py",
      "if position < self.validation_fraction + self.test_fraction:", "if position < self.test_fraction:",
      BUILD_TESTS, "the test split takes the wrong share of records",
      "with validation 0.1 and test 0.1 about 10% of records land in test"),
    M("pipeline-dedup-reason", "dataprep/build/dedup.py",
      "    if first < 0:\n", "    if first <= 0:\n",
      BUILD_TESTS, "an exact duplicate of the first record is filed as a near-duplicate (DP402)",
      "an exact copy of the lowest-key record is DP401 in rejected.jsonl"),
    M("pipeline-dp504-cap", "dataprep/build/place.py",
      "cap = settings.max_train_records if settings.max_train_records is not None else quota",
      "cap = quota",
      BUILD_TESTS, "--max-train-records no longer caps train: nothing is sampled out (DP504)",
      "build with --max-train-records 5: train.jsonl has 5 lines and rejected.jsonl holds DP504 entries"),
    M("pipeline-dp411-region", "dataprep/build/place.py",
      'unit.lang.split("-")[0] not in self.settings.lang', "unit.lang not in self.settings.lang",
      BUILD_TESTS, "`--lang zh` drops zh-cn records (DP411)", "build --lang zh on Chinese records keeps them"),
    M("pipeline-dp415-count", "dataprep/build/chunk.py",
      'ledger.fixes["DP415"] += 1', 'ledger.fixes["DP415"] += len(pieces)',
      BUILD_TESTS, "DP415 counts chunks, not chunked documents",
      "report/manifest fixes DP415 equals the number of documents chunked"),
)


# -- the scratch copy -------------------------------------------------------------------------------------------
def repository_files(repo: Path) -> list[str]:
    """Tracked and untracked non-ignored files that exist now: the working tree as the others left it."""
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         check=True, capture_output=True).stdout
    names = sorted({n for n in out.decode().split("\0") if n})
    return [n for n in names if (repo / n).is_file() and "__pycache__" not in n]


def make_copy(repo: Path, scratch: Path, name: str) -> Path:
    """Copy the repository to `scratch/name`; `scratch/shared` points at the repository's `../shared`."""
    dest = scratch / name
    for rel in repository_files(repo):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target, follow_symlinks=False)
    shared = repo.parent / "shared"
    link = scratch / "shared"
    if shared.exists() and not link.exists():
        link.symlink_to(shared.resolve(), target_is_directory=True)
    return dest


def python() -> str:
    """The project's venv interpreter (the one with the test dependencies), else the running one."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def environment(copy: Path) -> dict[str, str]:
    """The copy's own `dataprep` first on the path, and no bytecode cache that could mask an edit."""
    env = dict(os.environ)
    env.update(PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    return env


def check_imports_copy(copy: Path) -> None:
    """Refuse to run when `import dataprep` in the copy would load the working tree's (editable) package."""
    done = subprocess.run([python(), "-c", "import dataprep; print(dataprep.__file__)"], cwd=copy,
                          env=environment(copy), capture_output=True, text=True, check=True)
    where = Path(done.stdout.strip()).resolve()
    if not where.is_relative_to(copy.resolve()):
        raise SystemExit(f"dataprep imports from {where}, not from the copy {copy}")


# -- running pytest -----------------------------------------------------------------------------------------
@dataclass
class Run:
    returncode: int
    seconds: float
    output: str
    timed_out: bool = False


def pytest(copy: Path, args: Sequence[str], timeout: float, basetemp: Path) -> Run:
    """`python -m pytest -q -p no:cacheprovider ARGS` in the copy; the whole process group dies on a timeout."""
    command = [python(), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", f"--basetemp={basetemp}",
               *args]
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=copy, env=environment(copy), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        return Run(-1, time.perf_counter() - start, output, timed_out=True)
    return Run(proc.returncode, time.perf_counter() - start, output)


_FAILED = re.compile(r"^(FAILED|ERROR) (\S+)", re.MULTILINE)


def failures(output: str) -> list[str]:
    """Node ids (or files, for collection errors) of the failing tests in pytest's `-rfE` summary."""
    return list(dict.fromkeys(m.group(2) for m in _FAILED.finditer(output)))


def exclusions(broken: Iterable[str]) -> list[str]:
    """pytest arguments that skip what fails unmutated: a test by node id, a module that fails to collect."""
    args = []
    for node in broken:
        args.append(f"--deselect={node}" if "::" in node else f"--ignore={node}")
    return args


def expand_selection(copy: Path, tests: Sequence[str]) -> list[str]:
    """The selection's globs and node ids that exist in the copy (test files come and go during the work)."""
    found: list[str] = []
    for item in tests:
        path, sep, rest = item.partition("::")
        if any(c in path for c in "*?["):
            found += sorted(str(Path(p).relative_to(copy)) for p in glob.glob(str(copy / path)))
        elif (copy / path).exists():
            found.append(path + sep + rest)
    return list(dict.fromkeys(found))


# -- applying a mutant --------------------------------------------------------------------------------------
def locate(copy: Path, mutant: Mutant) -> tuple[Path | None, str]:
    """The file holding `old` exactly once: the named one, else the only such file in the package."""
    named = copy / mutant.file
    if named.is_file():
        hits = named.read_text(encoding="utf-8").count(mutant.old)
        if hits == 1:
            return named, ""
        if hits > 1:
            return None, f"snippet occurs {hits} times in {mutant.file}"
    matches = [(p, p.read_text(encoding="utf-8").count(mutant.old)) for p in sorted((copy / "dataprep").rglob("*.py"))]
    matches = [(p, n) for p, n in matches if n]
    if len(matches) == 1 and matches[0][1] == 1:
        return matches[0][0], ""
    if not matches:
        return None, f"snippet not found ({mutant.file} {'changed' if named.is_file() else 'is gone'})"
    return None, f"snippet occurs in {len(matches)} files / {sum(n for _, n in matches)} times"


@dataclass
class Workspace:
    """One scratch copy; a worker applies a mutant, runs tests and always restores the file."""

    copy: Path
    basetemp: Path
    excluded: list[str] = field(default_factory=list)

    def evaluate(self, mutant: Mutant, full_suite: bool) -> Outcome:
        path, why = locate(self.copy, mutant)
        if path is None:
            return Outcome(mutant, "stale", detail=why)
        original = path.read_text(encoding="utf-8")
        mutated = original.replace(mutant.old, mutant.new, 1)
        applied = str(path.relative_to(self.copy))
        try:
            compile(mutated, applied, "exec")
        except SyntaxError as exc:
            return Outcome(mutant, "invalid", detail=f"does not compile: {exc.msg}", applied_to=applied)
        path.write_text(mutated, encoding="utf-8")
        try:
            outcome = self._run(mutant, full_suite)
        finally:
            path.write_text(original, encoding="utf-8")
        outcome.applied_to = applied
        return outcome

    def _run(self, mutant: Mutant, full_suite: bool) -> Outcome:
        """The selection first (seconds); a survivor, or an empty selection, then faces the whole suite."""
        selection = expand_selection(self.copy, mutant.tests)
        spent = 0.0
        if selection:
            run = pytest(self.copy, ["-x", *self.excluded, *selection], SELECTION_TIMEOUT, self.basetemp)
            spent += run.seconds
            decided = _decision(mutant, run, "selection", spent)
            if decided is not None:
                return decided
        if not full_suite:
            return Outcome(mutant, "survived", "selection", spent, "whole suite not run (--no-suite)")
        run = pytest(self.copy, ["-x", *self.excluded, *SUITE], SUITE_TIMEOUT, self.basetemp)
        spent += run.seconds
        decided = _decision(mutant, run, "suite", spent)
        return decided or Outcome(mutant, "survived", "suite", spent, "no test failed")


def _decision(mutant: Mutant, run: Run, stage: str, spent: float) -> Outcome | None:
    """Killed (a test failed or collection broke), timeout, or None: nothing failed, or nothing was selected."""
    if run.timed_out:
        return Outcome(mutant, "timeout", stage, spent, "timed out")
    if run.returncode in (1, 2):
        failed = failures(run.output)
        return Outcome(mutant, "killed", stage, spent, failed[0] if failed else f"pytest exit {run.returncode}")
    return None  # 0: passed; 4/5: the selection named nothing that exists: the suite decides


# -- the whole run --------------------------------------------------------------------------------------------
def prepare(scratch: Path, jobs: int) -> tuple[list[Workspace], Run]:
    """Copies for each worker, and the unmutated suite run whose failures are excluded from every mutant run."""
    first = make_copy(ROOT, scratch, "repo-0")
    check_imports_copy(first)
    print(f"baseline: the suite unmutated in the copy ({len(repository_files(ROOT))} files) ...", flush=True)
    baseline = pytest(first, list(SUITE), SUITE_TIMEOUT, scratch / "tmp-0")
    broken = failures(baseline.output)
    if baseline.returncode not in (0, 1) or baseline.timed_out:
        raise SystemExit(f"the unmutated suite does not run (exit {baseline.returncode}):\n{baseline.output[-3000:]}")
    print(f"baseline: {baseline.seconds:.0f} s, {len(broken)} test(s) already failing, excluded", flush=True)
    for node in broken:
        print(f"excluded: {node}", flush=True)
    spaces = [Workspace(first, scratch / "tmp-0", exclusions(broken))]
    for n in range(1, jobs):
        other = scratch / f"repo-{n}"
        shutil.copytree(first, other, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
        spaces.append(Workspace(other, scratch / f"tmp-{n}", exclusions(broken)))
    return spaces, baseline


def run_all(mutants: Sequence[Mutant], jobs: int, full_suite: bool) -> tuple[list[Outcome], Run]:
    """Evaluate every mutant on `jobs` workers, each owning a scratch copy; results in the mutants' order."""
    scratch = Path(tempfile.mkdtemp(prefix="dataprep-mutants-"))
    try:
        spaces, baseline = prepare(scratch, jobs)
        free: queue.Queue[Workspace] = queue.Queue()
        for space in spaces:
            free.put(space)

        def one(mutant: Mutant) -> Outcome:
            space = free.get()
            try:
                outcome = space.evaluate(mutant, full_suite)
            finally:
                free.put(space)
            print(row(outcome), flush=True)
            return outcome

        with ThreadPoolExecutor(jobs) as pool:
            outcomes = list(pool.map(one, mutants))
        return outcomes, baseline
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# -- reporting ------------------------------------------------------------------------------------------------
def row(outcome: Outcome) -> str:
    m = outcome.mutant
    return f"{m.id:<32} {outcome.status:<8} {outcome.stage:<9} {outcome.seconds:6.1f}s  {outcome.detail[:90]}"


def kill_rate(outcomes: Sequence[Outcome]) -> tuple[int, int, float]:
    """(killed, counted, rate): stale and invalid mutants are not counted either way."""
    counted = [o for o in outcomes if o.counted]
    killed = sum(o.dead for o in counted)
    return killed, len(counted), (killed / len(counted) if counted else 0.0)


def markdown(outcomes: Sequence[Outcome], baselines: Sequence[tuple[float, int]], jobs: int,
             wall: float | None) -> str:
    """benchmarks/MUTANTS.md: the method, the kill rate, every mutant's result, and what would kill survivors."""
    killed, counted, rate = kill_rate(outcomes)
    stale = [o for o in outcomes if not o.counted]
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    lines = [
        "# Mutation testing of the dataprep test suite", "",
        f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Working tree at commit {commit} plus the uncommitted "
        f"changes of that moment. Command: `python benchmarks/mutants.py --jobs {jobs}` "
        f"({_wall(wall, len(baselines))}; the unmutated suite took "
        f"{', '.join(f'{t:.0f} s' for t, _ in baselines)}).", "",
        f"**Kill rate: {killed}/{counted} = {rate:.0%}** ({len(outcomes)} of {len(MUTANTS)} mutants evaluated; "
        f"{len(stale)} stale or invalid not counted; "
        f"test(s) failing unmutated, excluded per run: {', '.join(str(n) for _, n in baselines)}).", "",
        "## Method", "",
        "Each mutant is one hand-written, realistic bug: an exact snippet of one file replaced by another. The "
        "harness copies the repository (tracked and untracked non-ignored files) to a scratch folder outside the "
        "working tree, runs the suite there once unmutated (tests failing already are deselected from every "
        "mutant run), applies one mutant at a time, checks the snippet occurs exactly once (else: stale), and runs "
        "`pytest -x -q -p no:cacheprovider SELECTION` with `PYTHONPATH` set to the copy (checked: `dataprep` "
        "imports from the copy) and no bytecode cache. A mutant that survives its selection is run against the "
        "whole suite (`-m 'not slow'`) before it is called survived. A timeout counts as killed.", "",
        "## Results", "",
        "| mutant | file | bug | result | decided by | seconds | first failing test / note |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        detail = o.detail.replace("|", "\\|")
        lines.append(f"| `{o.mutant.id}` | {o.applied_to or o.mutant.file} | {o.mutant.bug} | {o.status} | "
                     f"{o.stage} | {o.seconds:.0f} | {detail} |")
    survivors = [o for o in outcomes if o.status == "survived"]
    lines += ["", "## Survivors: the assertion that would kill each", ""]
    lines += [f"- `{o.mutant.id}` ({o.mutant.bug}){_confirmed(o)}: {o.mutant.kills}." for o in survivors] or ["None."]
    if stale:
        lines += ["", "## Stale or invalid (the code moved or changed: update the snippet)", ""]
        lines += [f"- `{o.mutant.id}`: {o.detail}." for o in stale]
    return "\n".join(lines) + "\n"


def _confirmed(outcome: Outcome) -> str:
    """Whether a survivor also passed the whole suite or only its selection (a `--no-suite` pass)."""
    return "" if outcome.stage == "suite" else " [selection only: the whole suite was not run on it]"


def _wall(wall: float | None, runs: int) -> str:
    if wall is not None:
        return f"wall time {wall / 60:.1f} min"
    return (f"combined from the printed rows of {runs} run(s) with `--report-from`; a later run's row wins, e.g. a "
            "`--no-suite` pass then `--only SURVIVORS` with the whole suite")


_ROW = re.compile(r"^(?P<id>\S+)\s+(?P<status>killed|survived|timeout|stale|invalid)\s+(?P<stage>selection|suite|)"
                  r"\s*(?P<seconds>[\d.]+)s  (?P<detail>.*)$")
_BASELINE = re.compile(r"^baseline: (?P<seconds>\d+) s, (?P<broken>\d+) test")


def from_logs(logs: Sequence[Path]) -> tuple[list[Outcome], list[tuple[float, int]]]:
    """Outcomes, baseline seconds and excluded tests from the printed rows of runs (stopped or partial ones).

    A later log overrides an earlier one for the same mutant: a `--no-suite` pass over everything, then the
    survivors re-run with the whole suite, combine into one report.
    """
    by_id = {m.id: m for m in MUTANTS}
    outcomes: dict[str, Outcome] = {}
    baselines: list[tuple[float, int]] = []
    for log in logs:
        for line in log.read_text(encoding="utf-8").splitlines():
            if (base := _BASELINE.match(line)) is not None:
                baselines.append((float(base["seconds"]), int(base["broken"])))
            elif (found := _ROW.match(line)) is not None and found["id"] in by_id:
                outcomes[found["id"]] = Outcome(by_id[found["id"]], found["status"], found["stage"],
                                                float(found["seconds"]), found["detail"])
    return [outcomes[m.id] for m in MUTANTS if m.id in outcomes], baselines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--jobs", type=int, choices=(1, 2), default=1)
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--no-suite", action="store_true", help="do not re-run survivors against the whole suite")
    parser.add_argument("--report-from", type=Path, nargs="+", metavar="LOG",
                        help="write MUTANTS.md from the printed rows of earlier runs (later logs win)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    ids = [m.id for m in MUTANTS]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate mutant ids")
    if args.list:
        for m in MUTANTS:
            print(f"{m.id:<32} {m.file:<30} {m.bug}")
        return 0
    if args.report_from:
        outcomes, baselines = from_logs(args.report_from)
        REPORT.write_text(markdown(outcomes, baselines, args.jobs, None), encoding="utf-8")
        return 0
    chosen = list(MUTANTS)
    if args.only:
        wanted = {s.strip() for s in args.only.split(",") if s.strip()}
        unknown = wanted - set(ids)
        if unknown:
            raise SystemExit(f"unknown mutant id(s): {', '.join(sorted(unknown))}")
        chosen = [m for m in MUTANTS if m.id in wanted]
    start = time.perf_counter()
    outcomes, baseline = run_all(chosen, args.jobs, not args.no_suite)
    wall = time.perf_counter() - start
    killed, counted, rate = kill_rate(outcomes)
    print(f"\nkill rate: {killed}/{counted} = {rate:.0%} in {wall / 60:.1f} min "
          f"({sum(not o.counted for o in outcomes)} stale/invalid not counted)")
    if not args.only and not args.no_suite:
        report = markdown(outcomes, [(baseline.seconds, len(failures(baseline.output)))], args.jobs, wall)
        REPORT.write_text(report, encoding="utf-8")
        print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
