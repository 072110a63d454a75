"""The Python API: `dataprep.build(source, model=...)` and `dataprep.validate(source, model=...)` for notebooks.

The commands are a thin layer over these functions: `dataprep build` resolves its settings with `prepare`
and runs `run`, `dataprep validate` calls `check`, and both only print what comes back. So a build from
Python writes the same bytes as the command with the same inputs and settings (tests/test_api.py). The
settings are the build flags by their Python names (`dataprep.settings.BuildFlags`: `seed`,
`validation_fraction`, `lang`, `field_map` for `--map`, ...), each None by default: then the config file
(`dataprep.toml`, `[tool.dataprep]`) or the build's own default applies, exactly as for a flag not given.

Only light modules are imported here: `import dataprep` and `dataprep validate` stay quick.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataprep.api.result import BuildOutput
from dataprep.api.sources import inputs, records
from dataprep.errors import UsageError

if TYPE_CHECKING:
    from dataprep.build.model import BuildSettings, Progress
    from dataprep.findings import Finding
    from dataprep.profiles import Profile
    from dataprep.registry import RulePolicy
    from dataprep.settings import BuildFlags

__all__ = ["BuildOutput", "build", "check", "prepare", "run", "validate"]


def build(source: Any, model: str | None = None, out: str | Path | None = None, *, no_report: bool = False,
          profile_file: Sequence[str | Path] | None = None, config: str | Path | None = None,
          **settings: Any) -> BuildOutput:
    """Build Bedrock datasets from `source` for `model`, as `dataprep build RAW... OUT --model ID` does.

    `source`: a path or a list of paths (files, folders), a list of dicts, a pandas or polars DataFrame, or a
    `datasets.Dataset` / `DatasetDict`. `out`: the folder to publish into; None keeps the files in memory
    (`.write(out)` publishes them later). `settings`: the build flags by name (`seed=3`,
    `validation_fraction=0.2`, `lang="en"`, `field_map={"prompt": "question"}`...); `dataprep.api.defaults()`
    lists them with their defaults. Raises UsageError, ProfileError or ConfigError for what the command
    exits 2 on, and BuildError for a build that stopped (exit 1; its ledger and reports are in `out`).
    """
    raw = inputs(source)
    from dataprep.extras import require_build

    require_build("dataprep.build()", reports=not no_report)
    with _early(not no_report):
        profile, resolved, policy = prepare(model, flags(settings), profile_file, config)
        return run(raw, None if out is None else Path(out), profile, resolved, policy, reports=not no_report)


def _early(reports: bool) -> Any:
    """The report process started before the pipeline is imported (see `dataprep.report.worker`)."""
    from dataprep.report.worker import started_early

    return started_early(reports)


def flags(settings: Mapping[str, Any]) -> BuildFlags:
    """The keyword settings as the command's flags; an unknown name is a UsageError naming the closest one."""
    import difflib

    from dataprep.settings import BuildFlags

    names = [field.name for field in dataclasses.fields(BuildFlags)]
    for name in settings:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UsageError(f"unknown build setting {name!r}; {hint}settings: {', '.join(names)}")
    given = dict(settings)
    if given.get("lang") is not None and not isinstance(given["lang"], str):
        given["lang"] = ",".join(given["lang"])
    if given.get("validation_file") is not None:
        given["validation_file"] = str(given["validation_file"])
    return BuildFlags(**given)


def defaults() -> dict[str, Any]:
    """Every build setting's default, as `dataprep build --help` shows them (one source: `dataprep.settings`)."""
    from dataprep.settings import build_defaults, help_defaults

    shown = help_defaults()
    return {name: shown.get(name, value) for name, value in {**build_defaults(), **shown}.items()}


def prepare(model: str | None, given: BuildFlags, profile_file: Sequence[str | Path] | None = None,
            config: str | Path | None = None) -> tuple[Profile, BuildSettings, RulePolicy]:
    """The profile, the settings (flags over config over defaults) and the rule policy of a build."""
    from dataprep.config import load_config
    from dataprep.settings import require_model, resolve_build

    cfg = load_config(None if config is None else Path(config))
    profile = require_model(cfg, model, [Path(p) for p in profile_file or ()])
    return profile, resolve_build(cfg, profile, given), cfg.policy


def run(raw: list[Path], out: Path | None, profile: Profile, settings: BuildSettings, policy: RulePolicy,
        progress: Progress | None = None, *, reports: bool = True) -> BuildOutput:
    """Run the pipeline into `out` (None: a private folder, its files then held in memory)."""
    import shutil

    from dataprep.build.model import no_progress
    from dataprep.build.pipeline import build as pipeline

    if out is not None:
        result = pipeline(raw, out, profile, settings, policy, progress or no_progress, reports)
        return BuildOutput(result, raw, out, None, result.findings)
    private = Path(tempfile.mkdtemp(prefix="dataprep-build-"))
    try:
        target = private / "out"
        result = pipeline(raw, target, profile, settings, policy, progress or no_progress, reports)
        files = {name: (target / name).read_bytes() for name in [*result.manifest["files"], "manifest.json"]}
    finally:
        shutil.rmtree(private, ignore_errors=True)
    prefix = f"{target}/"
    findings = [dataclasses.replace(f, path=f.path.removeprefix(prefix)) for f in result.findings]
    return BuildOutput(result, raw, None, files, findings)


def validate(source: Any, model: str | None = None, *, task: str | None = None, split: str | None = None,
             select: Sequence[str] | None = None, extend_select: Sequence[str] | None = None,
             ignore: Sequence[str] | None = None, profile_file: Sequence[str | Path] | None = None,
             config: str | Path | None = None, media_root: str | Path | None = None) -> list[Finding]:
    """The findings `dataprep validate` reports for `source`, sorted by file and line.

    `source`: Bedrock JSONL paths (files, or folders holding train.jsonl/validation.jsonl), or records (a list
    of dicts, a DataFrame, a Dataset) in the model's format, whose findings name `<records>` and the row.
    `media_root` (a folder of local copies as BUCKET/KEY, or "s3") also inspects the images and videos.
    """
    rows = records(source)
    selection = (select, extend_select, ignore)
    if rows is None:
        return check(inputs(source), model, task, split, profile_file, config, selection, media_root)[1]
    with tempfile.TemporaryDirectory(prefix="dataprep-validate-") as folder:
        path = Path(folder) / f"{split or 'records'}.jsonl"
        from dataprep.io.write import write_jsonl

        write_jsonl(path, rows)
        _, found = check([path], model, task, split, profile_file, config, selection, media_root)
    return [dataclasses.replace(f, path="<records>") if f.path == str(path) else f for f in found]


def check(paths: Sequence[Path], model: str | None, task: str | None, split: str | None,
          profile_file: Sequence[str | Path] | None, config: str | Path | None,
          selection: tuple[Sequence[str] | None, Sequence[str] | None, Sequence[str] | None] = (None, None, None),
          media_root: str | Path | None = None) -> tuple[Profile | None, list[Finding]]:
    """Config, model and rule selection resolved, then the checks: the profile used and the findings kept."""
    from dataprep.config import load_config
    from dataprep.settings import media_root as resolve_media_root
    from dataprep.settings import resolve_target
    from dataprep.validate import validate_paths

    cfg = load_config(None if config is None else Path(config))
    policy = _policy(cfg.policy, *selection)
    profile, task = resolve_target(cfg, model, task, [Path(p) for p in profile_file or ()])
    root = resolve_media_root(None if media_root is None else str(media_root), cfg)
    findings = validate_paths(list(paths), profile, task, split, policy, root)
    return profile, [f for f in findings if not policy.ignored(f.code)]


def _codes(values: Sequence[str] | None) -> list[str] | None:
    """Repeated and comma-separated codes as one list (None when not given)."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    return [code for value in values for code in value.split(",") if code.strip()]


def _policy(base: RulePolicy, select: Sequence[str] | None, extend_select: Sequence[str] | None,
            ignore: Sequence[str] | None) -> RulePolicy:
    try:
        return base.selecting(_codes(select), _codes(extend_select) or (), _codes(ignore) or ())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
