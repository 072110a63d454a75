"""What `dataprep job` takes from the build folder, and what it refuses to take on trust.

The manifest must be readable and match the one manifest schema (`dataprep.manifest.Manifest`, DP601), the
profile must be the one the build used and still offer the built task and format (usage error, DP603, DP614),
and every output must still be the file the build wrote (DP602). The rest of the package then reads the
manifest's typed entries without re-checking them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from dataprep.errors import JobUsageError, ManifestError, NotReady, UnknownModelError
from dataprep.findings import Finding, Severity
from dataprep.io.remote import S3Url, is_s3, parse_s3, shown
from dataprep.job.problems import Add
from dataprep.manifest import MANIFEST_NAME, BuiltProfile, Manifest, OutputFile, read_manifest, verify_outputs
from dataprep.profiles import Profile, TaskSpec, resolve_model


def load_manifest(out: Path) -> Manifest:
    """The build's manifest, or NotReady (DP601) when there is none or it breaks the manifest schema.

    DP601 is not subject to `ignore` in the config: without these entries there is no body to build. Each
    schema problem is a finding of its own (read_manifest gives one per line).
    """
    where = str(out / MANIFEST_NAME)
    try:
        return read_manifest(out)
    except ManifestError as exc:
        raise NotReady([Finding(where, 0, 0, "DP601", Severity.ERROR, line.removeprefix(f"{where}: "))
                        for line in str(exc).splitlines()]) from None


def choose_profile(manifest: Manifest, model: str | None, extra_files: Sequence[Path] = ()) -> Profile:
    """The build's profile; a `--model` that names another one is a usage error, not a silent switch."""
    built_id = manifest["profile"]["id"]
    try:
        built = resolve_model(built_id, extra_files)
    except UnknownModelError:
        raise JobUsageError(f"the folder was built for profile {built_id!r}, which is not loaded; pass the "
                            "--profile-file the build used") from None
    if model is not None:
        wanted = resolve_model(model, extra_files)
        if wanted.id != built.id:
            raise JobUsageError(f"--model {model} is {wanted.id}, but the folder was built for {built.id}; "
                                f"drop --model, or rebuild with `dataprep build RAW OUT --model {wanted.id}`")
    return built


def task_spec(profile: Profile, built: BuiltProfile, add: Add) -> TaskSpec:
    """The task the build was made for; a profile that changed since the build is reported (DP603)."""
    where = f"{MANIFEST_NAME} [profile]"
    spec = profile.tasks.get(built["task"])
    if spec is None:
        add(where, "DP603", f"built for task {built['task']!r}, which {profile.id} no longer offers "
            f"({', '.join(profile.tasks)}); rebuild the folder")
        spec = next(iter(profile.tasks.values()))
    if built["format"] != spec.format:
        add(where, "DP603", f"built as {built['format']} records, but {profile.id} {spec.task} takes {spec.format}; "
            "rebuild the folder with the current profile")
    base = built["base_model_id"]
    if base.lower() not in {n.lower() for n in (profile.base_model_id, *profile.aliases)}:
        add(where, "DP603", f"built for base model {base}, but the profile now names {profile.base_model_id}; "
            "rebuild the folder, or pass the --profile-file the build used")
    return spec


def check_hashes(out: Path, outputs: Mapping[str, OutputFile], add: Add) -> None:
    """Every output must still be the file the build wrote (DP602), test set and ledger included.

    The manifest is the job's audit record, and a test set changed after the split is no longer known to
    be held out.
    """
    for name, entry in outputs.items():
        path = str(out / entry["file"])
        for problem in verify_outputs(out, {name: entry}):
            add(shown(path), "DP602", problem.removeprefix(f"{path}: "))
    if is_s3(shown(out)):
        check_stored_checksums(parse_s3(shown(out), "OUT"), outputs, add)


def check_stored_checksums(url: S3Url, outputs: Mapping[str, OutputFile], add: Add) -> None:
    """An s3:// OUT: the SHA-256 S3 verified and keeps for each object must be the manifest's (DP602).

    The local copies the job read were hashed above; this is S3's own record of what was uploaded, so an
    object replaced without a checksum, or with other bytes, is named even before its copy is compared.
    """
    from dataprep.io.s3 import client
    from dataprep.io.s3_upload import stored_sha256

    s3 = client(f"OUT {url}")
    for entry in outputs.values():
        where = url.child(entry["file"])
        stored = stored_sha256(s3, where) if _exists(s3, where) else entry["sha256"]  # missing: said above
        if stored is None:
            add(str(where), "DP602", "S3 keeps no SHA-256 checksum for it (uploaded without one); upload it "
                "again with `dataprep build ... s3://…` or `aws s3 cp --checksum-algorithm SHA256`")
        elif stored != entry["sha256"]:
            add(str(where), "DP602", f"the SHA-256 S3 keeps ({stored[:12]}…) differs from {MANIFEST_NAME} "
                f"({entry['sha256'][:12]}…); the object changed after the build — rebuild it")


def _exists(s3: object, url: S3Url) -> bool:
    """True when the object is there (a missing one is already a DP602 from its missing local copy)."""
    from botocore.exceptions import ClientError

    from dataprep.io.s3 import calling

    with calling(str(url)):
        try:
            s3.head_object(Bucket=url.bucket, Key=url.key)  # type: ignore[attr-defined]
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey"):
                return False
            raise
    return True


def check_model_status(profile: Profile, add: Add) -> None:
    """A legacy model or an unconfirmed base model id is worth a look in the console before paying (DP614)."""
    if profile.legacy:
        add(profile.id, "DP614", f"{profile.name} is legacy and may not be offered for new jobs: "
            f"{profile.status_note or 'check the Bedrock console'}")
    elif not profile.base_model_id_verified:
        add(profile.id, "DP614", f"base model id {profile.base_model_id} was not confirmed in the Bedrock User "
            "Guide; check it in the console (Custom models) before submitting")
