"""Every error dataprep raises on purpose, in one place, with the exit code the command line gives it.

A message always names the file or flag and says how to fix it; the command line prints it on one line and
never a traceback. Exit codes: 2 for a usage problem (bad arguments, config, profile, missing file), 1 when
the data is not ready (a build that cannot make a dataset, a job request that would fail).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dataprep.findings import Finding


class UsageError(Exception):
    """Bad invocation (missing file, unknown model): exit code 2."""


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the key, and says what to change."""


class UnknownModelError(ProfileError):
    """A `--model` name that matches no profile id or model id."""


class BuildError(Exception):
    """The data cannot make a dataset the model accepts (e.g. over quota): exit 1, nothing written."""


class ManifestError(ValueError):
    """The manifest is missing, unreadable or does not describe the files next to it."""


class JobUsageError(ValueError):
    """The command was called wrongly (the model disagrees with the build, bad NAME=VALUE): exit code 2."""


class NotReady(Exception):
    """The folder cannot even be planned for (no usable manifest); the findings say why: exit code 1."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(f.message for f in findings))
        self.findings = findings


class TokenizerUnavailable(RuntimeError):
    """The encoding file is missing or its hash does not match; the message says how to fix it."""


class DetectorUnavailable(RuntimeError):
    """The chosen detector's package cannot be imported; the message says how to mend the install."""
