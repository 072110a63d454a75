"""`dataprep rules [CODE]`: list every rule of `rules/checks.toml`, or explain one.

A planned rule (registered, its check not written yet) is marked, so nobody ignores or re-grades a code
expecting it to fire today. `--output-format json` gives the registry to programs; `markdown` writes the
rules page (`docs/rules.md`, one anchor per code) that the findings' documentation URLs point at.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dataprep.cli.output import fail_usage

if TYPE_CHECKING:
    from dataprep.registry import Rule


class RulesFormat(StrEnum):
    """`rules --output-format`: a table, JSON, or the markdown rules page."""

    text = "text"
    json = "json"
    markdown = "markdown"


def rules(
    code: Annotated[str | None, typer.Argument(help="A rule code such as DP203: explain that rule.",
                                               show_default="list every rule")] = None,
    output_format: Annotated[RulesFormat, typer.Option("--output-format", help="How the rules are printed.")]
    = RulesFormat.text,
) -> None:
    """List every rule, or explain one."""
    from dataprep.registry import registry

    table = registry()
    chosen = list(table.values())
    if code is not None:
        rule = table.get(code.upper())
        if rule is None:
            fail_usage(f"no rule {code!r}; `dataprep rules` lists them")
        chosen = [rule]
    if output_format is RulesFormat.json:
        body: Any = [rule_object(r) for r in chosen]
        typer.echo(json.dumps(body[0] if code is not None else body, ensure_ascii=False, indent=1))
    elif output_format is RulesFormat.markdown:
        typer.echo(markdown(chosen), nl=False)
    elif code is None:
        for rule in chosen:
            marker = "planned  " if getattr(rule, "planned", False) else ""
            typer.echo(f"{rule.code}  {rule.severity!s:<7}  {marker}{rule.name:<32} {rule.summary}")
    else:
        typer.echo(explain(chosen[0]))


def explain(rule: Rule) -> str:
    """One rule for people: name, severity, build action, summary, why, fix, where it is documented."""
    from dataprep.registry import doc_url

    planned = " (planned: registered, not implemented yet)" if rule.planned else ""
    return (f"{rule.code} {rule.name} ({rule.severity}, build action: {rule.action}){planned}\n\n{rule.summary}"
            f"\n\nWhy: {rule.explanation}\n\nFix: {rule.fix}\n\nDocs: {doc_url(rule.code)}")


def rule_object(rule: Rule) -> dict[str, Any]:
    """A rule as JSON, the registry's fields and its documentation URL."""
    from dataprep.registry import doc_url

    return {"code": rule.code, "name": rule.name, "severity": str(rule.severity), "action": rule.action,
            "summary": rule.summary, "explanation": rule.explanation, "fix": rule.fix, "planned": rule.planned,
            "url": doc_url(rule.code)}


def markdown(chosen: list[Rule]) -> str:
    """The rules page: a heading per rule whose anchor is its lower-case code (`#dp203`)."""
    out = ["# Rules", "",
           "Generated from `rules/checks.toml` by `dataprep rules --output-format markdown`; do not edit by hand.",
           ""]
    for rule in chosen:
        planned = " (planned)" if rule.planned else ""
        out += [f'<a id="{rule.code.lower()}"></a>', "", f"## {rule.code} {rule.name}{planned}", "",
                f"Severity: {rule.severity}. Build action: {rule.action}.", "", rule.summary, "",
                f"Why: {rule.explanation}", "", f"Fix: {rule.fix}", ""]
    return "\n".join(out)
