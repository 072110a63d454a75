"""`dataprep rules [CODE]`: list every rule of `rules/checks.toml`, or explain one.

A planned rule (registered, its check not written yet) is marked, so nobody ignores or re-grades a code
expecting it to fire today.
"""

from __future__ import annotations

from typing import Annotated

import typer

from dataprep.cli.output import fail_usage


def rules(code: Annotated[str | None, typer.Argument(help="A rule code such as DP203.")] = None) -> None:
    """List every rule, or explain one."""
    from dataprep.registry import registry

    table = registry()
    if code is None:
        for rule in table.values():
            marker = "planned  " if getattr(rule, "planned", False) else ""
            typer.echo(f"{rule.code}  {rule.severity!s:<7}  {marker}{rule.name:<32} {rule.summary}")
        return
    rule = table.get(code.upper())
    if rule is None:
        fail_usage(f"no rule {code!r}; `dataprep rules` lists them")
    planned = " (planned: registered, not implemented yet)" if getattr(rule, "planned", False) else ""
    typer.echo(f"{rule.code} {rule.name} ({rule.severity}, build action: {rule.action}){planned}\n\n{rule.summary}"
               f"\n\nWhy: {rule.explanation}\n\nFix: {rule.fix}")
