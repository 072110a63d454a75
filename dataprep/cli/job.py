"""The `dataprep job` command: write OUT/job.json, a checked CreateModelCustomizationJob request.

Only typer and the light output module are imported at module level: `dataprep --help` and `dataprep
validate` load this module too, and the checks (with botocore's service model) are needed only when `job` runs.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from dataprep.cli.output import count, fail_usage, print_findings, terminal_safe
from dataprep.errors import ConfigError, ProfileError, UsageError
from dataprep.findings import Severity

if TYPE_CHECKING:
    from dataprep.findings import Finding
    from dataprep.io.remote import S3Url
    from dataprep.job import JobPlan, JobRequest


def job(
    out: Annotated[Path, typer.Argument(help=(
        "A folder written by `dataprep build` (holds manifest.json), or the s3://BUCKET/PREFIX it uploaded to."))],
    role_arn: Annotated[str, typer.Option("--role-arn", help="IAM service role Bedrock assumes for the job.")],
    s3_uri: Annotated[str | None, typer.Option("--s3-uri", help=(
        "S3 folder the files go to: s3://BUCKET/PREFIX/ (an s3:// OUT: where they already are)."),
        show_default=False)] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model profile id; must match the build (default: its profile).")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="epochCount (default: the model's).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="batchSize (default: the model's).")] = None,
    learning_rate: Annotated[float | None, typer.Option(help="learningRate (default: the model's).")] = None,
    warmup_steps: Annotated[int | None, typer.Option(help="learningRateWarmupSteps (default: the model's).")] = None,
    hyperparameter: Annotated[
        list[str] | None, typer.Option(help="Any other hyperparameter as NAME=VALUE (API name); repeatable.")
    ] = None,
    kms_key_id: Annotated[str | None, typer.Option(help="KMS key id or ARN that encrypts the custom model.")] = None,
    job_name: Annotated[str | None, typer.Option(help="Job name (default: PROFILE-TASK-SHA256 prefix).")] = None,
    model_name: Annotated[str | None, typer.Option(help="Custom model name (default: as the job name).")] = None,
    teacher_model: Annotated[str | None, typer.Option(help=(
        "Distillation: the teacher model id, ARN or inference profile (same provider as the student)."))] = None,
    max_response_length: Annotated[int | None, typer.Option(help=(
        "Distillation: the most tokens asked of the teacher per answer (maxResponseLengthForInference)."))] = None,
    grader_lambda_arn: Annotated[str | None, typer.Option(help=(
        "Reinforcement fine-tuning: the ARN of the Lambda function that grades each answer."))] = None,
    vpc_subnet: Annotated[list[str] | None, typer.Option(help="Subnet id for a VPC job; repeatable.")] = None,
    vpc_security_group: Annotated[
        list[str] | None, typer.Option(help="Security group id for a VPC job; repeatable.")
    ] = None,
    profile_file: Annotated[list[Path] | None, typer.Option(help="Extra or overriding model profile (TOML).")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Config file (default: nearest dataprep.toml or pyproject.toml).")
    ] = None,
) -> None:
    """Write OUT/job.json, a checked CreateModelCustomizationJob request. Exit 0 ready, 1 not ready, 2 usage."""
    from dataprep import job as jobs
    from dataprep.extras import require_job
    from dataprep.io.remote import is_s3, parse_s3
    from dataprep.io.s3_edges import job_edges

    try:
        require_job("dataprep job")
    except UsageError as exc:
        fail_usage(str(exc))
    if not is_s3(out) and not out.is_dir():
        fail_usage(f"{out}: no such folder; pass the OUT folder of `dataprep build`")
    if not is_s3(out) and s3_uri is None:
        fail_usage("--s3-uri is required for a local OUT: the S3 folder the files go to, s3://BUCKET/PREFIX/")
    flags = {"epochCount": epochs, "batchSize": batch_size, "learningRate": learning_rate,
             "learningRateWarmupSteps": warmup_steps}
    hyperparameters = _hyperparameters(flags, hyperparameter or [])
    try:
        uri = _remote_uri(s3_uri, parse_s3(out, "OUT") if is_s3(out) else None)
        with job_edges(out) as (folder, remote, s3):  # an s3:// OUT: its manifest and files, fetched
            request = jobs.JobRequest(
                out=folder, s3_uri=uri, role_arn=role_arn, hyperparameters=hyperparameters,
                kms_key_id=kms_key_id, job_name=job_name, model_name=model_name, subnet_ids=vpc_subnet or [],
                security_group_ids=vpc_security_group or [], teacher_model=teacher_model,
                max_response_length=max_response_length, grader_lambda_arn=grader_lambda_arn,
            )
            plan = _plan(request, model, profile_file, config)
            if not plan.ready:
                _refuse(plan.findings)
            print_findings(_shown(plan.findings), bare_whole_file=True)
            _write(plan, folder, remote, s3)
    except UsageError as exc:
        fail_usage(str(exc))


def _remote_uri(s3_uri: str | None, remote: S3Url | None) -> str:
    """The request's S3 folder: an s3:// OUT's own (a different --s3-uri is refused), else --s3-uri."""
    if remote is None:
        return s3_uri or ""
    own = f"{remote}/"
    if s3_uri is not None and s3_uri.rstrip("/") != str(remote):
        raise UsageError(f"--s3-uri {s3_uri}: the files are already in {own} (OUT); drop --s3-uri")
    return own


def _shown(findings: list[Finding]) -> list[Finding]:
    """Findings about an s3:// OUT's local copy name the objects instead."""
    from dataclasses import replace

    from dataprep.io.remote import shown_in

    return [replace(f, path=shown_in(f.path), message=shown_in(f.message)) for f in findings]


def _plan(request: JobRequest, model: str | None, profile_file: list[Path] | None, config: Path | None) -> JobPlan:
    """Load the config and the build's manifest and check the request; every failure exits with its code."""
    from dataprep import job as jobs
    from dataprep.config import load_config
    from dataprep.settings import profile_files

    try:
        cfg = load_config(config)
        manifest = jobs.load_manifest(request.out)
        profile = jobs.choose_profile(manifest, model, profile_files(cfg, profile_file))
        return jobs.plan_job(request, manifest, profile, cfg.policy)
    except jobs.NotReady as exc:
        _refuse(exc.findings)
    except (jobs.JobUsageError, ConfigError, ProfileError, UsageError) as exc:
        fail_usage(str(exc))
    except OSError as exc:
        fail_usage(f"{exc.filename or request.out}: cannot read: {exc.strerror or exc}")


def _write(plan: JobPlan, out: Path, remote: S3Url | None = None, s3: Any = None) -> None:
    """Write job.json, then say what it asks for and the commands that upload the data and submit the job.

    For an s3:// OUT job.json is uploaded beside the files (with its SHA-256), and only the submit is left.
    """
    from dataprep import job as jobs
    from dataprep.io.remote import shown_in

    job_file = out / jobs.JOB_FILE
    try:
        jobs.write_request(job_file, plan.body)
    except OSError as exc:
        fail_usage(f"{job_file}: cannot write: {exc.strerror or exc}")
    for line in jobs.summary_lines(plan):
        typer.echo(terminal_safe(shown_in(line)))
    if remote is not None:
        from dataprep.io.files import sha256_of
        from dataprep.io.s3_upload import put_verified

        put_verified(s3, remote.child(jobs.JOB_FILE), job_file, sha256_of(job_file))
        typer.echo(f"wrote {terminal_safe(str(remote.child(jobs.JOB_FILE)))}\n\n"
                   "The data is uploaded; submit the job (in the bucket's Region):")
        for command in (f"aws s3 cp {shlex.quote(str(remote.child(jobs.JOB_FILE)))} {jobs.JOB_FILE}",
                        f"aws bedrock create-model-customization-job --cli-input-json file://{jobs.JOB_FILE}"):
            typer.echo(f"  {terminal_safe(command)}")
        return
    typer.echo(f"wrote {terminal_safe(str(job_file))}\n\n"
               "Upload the data, then submit the job (in the bucket's Region):")
    for command in jobs.aws_commands(plan, job_file):
        typer.echo(f"  {terminal_safe(command)}")


def _hyperparameters(flags: dict[str, float | None], pairs: list[str]) -> dict[str, str]:
    """The values as typed, by API name; the same name given twice with different values is a usage error."""
    given = {name: repr(value) for name, value in flags.items() if value is not None}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            fail_usage(f"--hyperparameter {pair!r}: expected NAME=VALUE, e.g. earlyStoppingPatience=3")
        if given.get(name, value) != value:
            fail_usage(f"--hyperparameter {pair!r}: {name} is already set to {given[name]}")
        given[name] = value
    return given


def _refuse(findings: list[Finding]) -> NoReturn:
    """Exit 1 with the findings: the data or the request is not ready, and job.json is not written."""
    print_findings(_shown(findings), bare_whole_file=True)
    typer.echo(f"{count(findings, Severity.ERROR)} error(s): the request is not ready and job.json was not written; "
               "`dataprep rules CODE` explains a code", err=True)
    raise typer.Exit(1)
