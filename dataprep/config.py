"""Project settings from `[tool.dataprep]` in pyproject.toml or from a `dataprep.toml`.

Like ruff, the nearest config file above the working directory wins, and command-line flags override
it. Unknown keys are errors: a misspelt `ignore` that silently ignores nothing is worse than a stop.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep.errors import ConfigError
from dataprep.findings import Severity
from dataprep.registry import RulePolicy, check_codes

# The split hash is keyed with the seed as 8 signed bytes (`dataprep.build.split`): the range that fits.
SEED_MIN, SEED_MAX = -(2**63), 2**63 - 1

# Keys accepted in the config file, with the type each must have.
_KEYS: dict[str, type | tuple[type, ...]] = {
    "model": str,
    "task": str,
    "ignore": list,
    "severity": dict,
    "profile-files": list,
    "seed": int,
    "validation-fraction": (int, float),
    "test-fraction": (int, float),
    "lang": list,
    "lang-detector": str,
    "dedup-threshold": (int, float),
    "dedup-num-perm": int,
    "dedup-ngram": int,
    "dedup-keep": str,
    "validation-file": str,
    "max-train-records": int,
    "secrets": str,
    "pii": str,
    "ledger-originals": str,
    "map": dict,
    "hh-side": str,
    "oasst-paths": str,
    "media-prefix": str,
    "memory-limit": (str, int),
    "media-root": str,
}


@dataclass(frozen=True)
class Config:
    """One config file's checked values and rule policy; no file gives an empty config (all defaults)."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)
    policy: RulePolicy = field(default_factory=RulePolicy)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of `key` (dashed, as in the file), or `default` when the file does not set it."""
        return self.values.get(key, default)

    def profile_files(self) -> list[Path]:
        """Profile files named in the config, resolved relative to the config file."""
        base = self.path.parent if self.path else Path.cwd()
        return [base / p for p in self.values.get("profile-files", [])]


def find_config(start: Path | None = None) -> Path | None:
    """The nearest dataprep.toml, or pyproject.toml with a [tool.dataprep] table, at or above start."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / "dataprep.toml"
        if own.is_file():
            return own
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "dataprep" in _tool_table(pyproject, _read(pyproject)):
            return pyproject
    return None


def _tool_table(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """pyproject's `[tool]` table; a `tool = 3` is named rather than crashing the `in` test above."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table, found {type(tool).__name__}")
    return tool


def load_config(path: Path | None = None) -> Config:
    """Load and check the config at `path` (or the nearest one); no file gives the defaults."""
    path = path or find_config()
    if path is None:
        return Config()
    data = _read(path)
    table = _tool_table(path, data).get("dataprep", {}) if path.name == "pyproject.toml" else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'tool.dataprep' must be a table, found {type(table).__name__}")
    for key, value in table.items():
        _check_key(path, key, value)
    return Config(path=path, values=dict(table), policy=_policy(path, table))


def _check_key(path: Path, key: str, value: Any) -> None:
    """One key's type, and the type of each item of a list key: `lang = [1]` must stop here, not mid-build."""
    expected = _KEYS.get(key)
    if expected is None:
        raise ConfigError(f"{path}: unknown key {key!r} in dataprep settings; known: {', '.join(_KEYS)}")
    if not isinstance(value, expected) or isinstance(value, bool):
        raise ConfigError(f"{path}: {key!r} has the wrong type ({type(value).__name__})")
    if isinstance(value, list) and not all(isinstance(item, str) and item.strip() for item in value):
        bad = next(item for item in value if not isinstance(item, str) or not item.strip())
        raise ConfigError(f"{path}: {key!r} must be a list of non-empty strings, found {bad!r}")
    if key == "seed" and not SEED_MIN <= value <= SEED_MAX:
        raise ConfigError(f"{path}: 'seed' {value} is outside {SEED_MIN}..{SEED_MAX} (it keys the split hash "
                          "as 8 signed bytes)")


def _policy(path: Path, table: dict[str, Any]) -> RulePolicy:
    """The `ignore` and `severity` keys as a policy; an unknown code or severity names the file, like any key."""
    ignore = [str(c).upper() for c in table.get("ignore", [])]
    try:
        severities = {str(c).upper(): Severity.parse(str(s)) for c, s in table.get("severity", {}).items()}
    except ValueError as exc:
        raise ConfigError(f"{path}: 'severity': {exc}") from None
    try:
        check_codes([*ignore, *severities], str(path))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return RulePolicy(frozenset(ignore), severities)


def _read(path: Path) -> dict[str, Any]:
    """The parsed TOML; a syntax error is a one-line ConfigError naming the file, never a traceback."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
                          "TOML files must be UTF-8, save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
