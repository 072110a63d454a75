"""How every check of `dataprep job` reports a problem, so each check module stays free of the config.

A check calls `add(where, code, message)`; `plan_job` binds `add` to the config's RulePolicy, which sets
the severity and drops ignored codes. `where` is a command-line flag or a file, whichever the user changes.
"""

from __future__ import annotations

from collections.abc import Callable

# Reports one problem with the request: (where, rule code, message).
Add = Callable[[str, str, str], None]
