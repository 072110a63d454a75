"""The `dataprep` command line.

Start-up must stay light because `validate` runs as a pre-commit hook on every commit: heavy modules
(tiktoken, polars, great-expectations) are imported inside the commands that need them, never here.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from dataprep import __version__
from dataprep.cli.job import job
from dataprep.cli.report import report
from dataprep.errors import BuildError, ConfigError, ProfileError, UsageError

if TYPE_CHECKING:
    from dataprep.build.model import BuildSettings
    from dataprep.config import Config
    from dataprep.profiles import Profile
    from dataprep.registry import RulePolicy

app = typer.Typer(
    name="dataprep",
    help="Lint and build Amazon Bedrock model-customization datasets before upload.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


def _fail_usage(message: str) -> NoReturn:
    typer.echo(f"dataprep: error: {message}", err=True)
    raise typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dataprep {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Lint and build Amazon Bedrock model-customization datasets before upload."""


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="JSONL files, or folders holding train.jsonl/validation.jsonl.")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model profile id or Bedrock model id.")] = None,
    task: Annotated[str | None, typer.Option(help="fine-tuning or continued-pretraining.")] = None,
    split: Annotated[str | None, typer.Option(help="train or validation (default: from the file name).")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.text,
    profile_file: Annotated[list[Path] | None, typer.Option(help="Extra or overriding model profile (TOML).")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Config file (default: nearest dataprep.toml or pyproject.toml).")
    ] = None,
) -> None:
    """Check JSONL files against a Bedrock model's format and limits. Exit 0 clean, 1 errors, 2 usage."""
    from dataprep.config import load_config
    from dataprep.findings import Severity
    from dataprep.profiles import resolve_model
    from dataprep.validate import validate_paths

    if split not in (None, "train", "validation"):
        _fail_usage(f"--split must be train or validation, not {split!r}")
    try:
        cfg = load_config(config)
        model = model or cfg.get("model")
        task = task or cfg.get("task")
        extra = [*cfg.profile_files(), *(profile_file or [])]
        profile = resolve_model(model, extra) if model else None
        findings = validate_paths(paths, profile, task, split, cfg.policy)
    except (UsageError, ProfileError, ConfigError) as exc:
        _fail_usage(str(exc))
    errors = sum(f.severity == Severity.ERROR for f in findings)
    if output is OutputFormat.json:
        typer.echo(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1))
    else:
        for f in findings:
            if output is OutputFormat.github:
                level = {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(f.severity, "notice")
                typer.echo(f"::{level} file={f.path},line={max(f.line, 1)},col={max(f.col, 1)},title={f.code}::"
                           f"{_escape(f.message)}")
            else:
                typer.echo(f"{f.path}:{f.line}:{f.col}: {f.code} {f.message}")
        warnings = sum(f.severity == Severity.WARNING for f in findings)
        checked = f"for {profile.id}" if profile else "(format only; pass --model for limits)"
        typer.echo(f"{len(findings)} finding(s): {errors} error(s), {warnings} warning(s) {checked}", err=True)
    raise typer.Exit(1 if errors else 0)


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


@app.command()
def build(
    paths: Annotated[list[Path], typer.Argument(help="RAW... OUT: input files or folders, then the output folder.",
                                                show_default=False)],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model profile id or Bedrock model id.")] = None,
    task: Annotated[str | None, typer.Option(help="fine-tuning or continued-pretraining.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the split hash and dedup permutations. [default: 0]")]
    = None,
    validation_fraction: Annotated[float | None, typer.Option(
        help="Share of records for validation, capped at the model's quota. [default: 0.1, or 0 when the model "
        "takes no validation set]")] = None,
    test_fraction: Annotated[float | None, typer.Option(help="Share held out in test.jsonl. [default: 0]")] = None,
    lang: Annotated[str | None, typer.Option(help="Keep only these languages, e.g. en,de (ISO 639-1).")] = None,
    lang_detector: Annotated[str | None, typer.Option(help="langdetect or fasttext. [default: langdetect]")] = None,
    dedup_threshold: Annotated[float | None, typer.Option(help="Near-duplicate Jaccard threshold. [default: 0.8]")]
    = None,
    dedup_ngram: Annotated[int | None, typer.Option(help="Words per shingle. [default: 3]")] = None,
    dedup_num_perm: Annotated[int | None, typer.Option(help="MinHash permutations. [default: 128]")] = None,
    max_train_records: Annotated[int | None, typer.Option(
        help="Keep a deterministic sample of at most N training records (the rest go to the ledger).")] = None,
    secrets: Annotated[str | None, typer.Option(help="drop, redact or warn. [default: drop]")] = None,
    pii: Annotated[str | None, typer.Option(help="drop, redact or warn. [default: warn]")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip report.json, report.html and "
                                            "expectations.json.")] = False,
    profile_file: Annotated[list[Path] | None, typer.Option(help="Extra or overriding model profile (TOML).")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Config file (default: nearest dataprep.toml or pyproject.toml).")
    ] = None,
) -> None:
    """Build S3-ready train/validation JSONL for a Bedrock model from raw files. Exit 0 done, 1 not ready, 2 usage.

    Writes OUT/train.jsonl, validation.jsonl (test.jsonl with --test-fraction), rejected.jsonl (every dropped
    input record with its rule code), lineage.jsonl, report.html, report.json, expectations.json and
    manifest.json.
    """
    from dataprep.config import load_config
    from dataprep.profiles import resolve_model


    if len(paths) < 2:
        _fail_usage("give at least one RAW input and the OUT folder: dataprep build RAW... OUT --model ID")
    *raw, out = paths
    try:
        cfg = load_config(config)
        model = model or cfg.get("model")
        if not model:
            _fail_usage("--model is required (or set model in [tool.dataprep]); `dataprep models` lists them")
        profile = resolve_model(model, [*cfg.profile_files(), *(profile_file or [])])
        settings = _build_settings(cfg, profile, task, seed, validation_fraction, test_fraction, lang, lang_detector,
                                   dedup_threshold, dedup_ngram, dedup_num_perm, max_train_records, secrets, pii)
        _run_build(raw, out, profile, settings, cfg.policy, quiet, not no_report)
    except (UsageError, ProfileError, ConfigError) as exc:
        _fail_usage(str(exc))


def _build_settings(cfg: Config, profile: Profile, task: str | None, seed: int | None,
                    validation_fraction: float | None, test_fraction: float | None, lang: str | None,
                    lang_detector: str | None, dedup_threshold: float | None, dedup_ngram: int | None,
                    dedup_num_perm: int | None, max_train_records: int | None, secrets: str | None,
                    pii: str | None) -> BuildSettings:
    """Flags over config over defaults; raises UsageError for values no build could use."""
    from dataprep.build.model import ACTIONS, BuildSettings
    from dataprep.text.dedup import DedupSettings


    def pick(flag: Any, key: str, default: Any) -> Any:
        return flag if flag is not None else cfg.get(key, default)

    task = task or cfg.get("task")
    spec = profile.task(task)
    languages = lang.split(",") if lang is not None else cfg.get("lang", [])
    actions = {"secrets": pick(secrets, "secrets", "drop"), "pii": pick(pii, "pii", "warn")}
    for name, action in actions.items():
        if action not in ACTIONS:
            raise UsageError(f"--{name} must be one of {', '.join(ACTIONS)}, not {action!r}")
    threshold = float(pick(dedup_threshold, "dedup-threshold", 0.8))
    num_perm = int(pick(dedup_num_perm, "dedup-num-perm", 128))
    ngram = int(pick(dedup_ngram, "dedup-ngram", 3))
    if not 0 < threshold <= 1 or num_perm < 16 or not 1 <= ngram <= 64:
        raise UsageError("dedup settings: threshold in (0, 1], num-perm at least 16, ngram from 1 to 64")
    dedup = DedupSettings(ngram=ngram, num_perm=num_perm, threshold=threshold,
                          **({} if num_perm == 128 else {"bands": None, "rows": None}))
    return BuildSettings(
        task=spec.task,
        seed=int(pick(seed, "seed", 0)),
        validation_fraction=float(pick(validation_fraction, "validation-fraction",
                                       0.1 if spec.validation_supported else 0.0)),
        test_fraction=float(pick(test_fraction, "test-fraction", 0.0)),
        lang=tuple(sorted({code.strip().lower() for code in languages if code.strip()})),
        lang_detector=pick(lang_detector, "lang-detector", "langdetect"),
        dedup=dedup,
        max_train_records=pick(max_train_records, "max-train-records", None),
        secrets=actions["secrets"],
        pii=actions["pii"],
    )


def _run_build(raw: list[Path], out: Path, profile: Profile, settings: BuildSettings, policy: RulePolicy,
               quiet: bool, reports: bool) -> None:

    from dataprep.build.pipeline import build as run
    from dataprep.cli.summary import console, print_summary, progress_bars
    from dataprep.findings import Severity

    try:
        with progress_bars(not quiet) as progress:
            result = run(raw, out, profile, settings, policy, progress, reports)
    except BuildError as exc:
        typer.echo(f"dataprep: build stopped, nothing written: {exc}", err=True)
        raise typer.Exit(1) from None
    print_summary(result, out)
    for finding in result.findings:
        if finding.severity >= Severity.WARNING and finding.path.startswith(str(out)):
            typer.echo(f"{finding.path}:{finding.line}:{finding.col}: {finding.code} {finding.message}", err=True)
    if result.errors:
        console.print(f"[red]{len(result.errors)} error(s) in the written files: the data is not ready for "
                      f"{profile.id} yet[/red]")
        raise typer.Exit(1)
    written = ", ".join(entry["file"] for entry in result.manifest["outputs"].values())
    typer.echo(f"wrote {out}/ ({written}, manifest.json{', reports' if reports else ''}); check it with: "
               f"dataprep validate {out} --model {profile.id} --task {result.spec.task}")


@app.command()
def rules(code: Annotated[str | None, typer.Argument(help="A rule code such as DP203.")] = None) -> None:
    """List every rule, or explain one."""
    from dataprep.registry import registry

    table = registry()
    if code is None:
        for rule in table.values():
            typer.echo(f"{rule.code}  {rule.severity!s:<7}  {rule.name:<32} {rule.summary}")
        return
    rule = table.get(code.upper())
    if rule is None:
        _fail_usage(f"no rule {code!r}; `dataprep rules` lists them")
    typer.echo(f"{rule.code} {rule.name} ({rule.severity}, build action: {rule.action})\n\n{rule.summary}\n\n"
               f"Why: {rule.explanation}\n\nFix: {rule.fix}")


@app.command()
def models(
    profile_file: Annotated[list[Path] | None, typer.Option(help="Extra or overriding model profile (TOML).")] = None,
) -> None:
    """List the model profiles, their tasks and formats."""
    from dataprep.profiles import load_profiles

    try:
        profiles = load_profiles(profile_file or [])
    except ProfileError as exc:
        _fail_usage(str(exc))
    for profile in profiles.values():
        tasks = ", ".join(f"{t.task} ({t.format})" for t in profile.tasks.values())
        legacy = "  [legacy]" if profile.legacy else ""
        typer.echo(f"{profile.id:<24} {profile.base_model_id:<44} {tasks}{legacy}")


app.command()(job)
app.command()(report)


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
