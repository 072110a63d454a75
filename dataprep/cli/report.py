"""`dataprep report OUT`: re-render report.html from OUT/report.json, e.g. after upgrading dataprep.

report.json is a file the user can edit, truncate or hand over from another version, so it is checked against
the shipped `dataprep/report/schema.json` before the renderer reads it: a missing key or a wrong type is one
line naming the key's place, never a traceback from deep in the HTML. jsonschema is only a dev dependency, so
the subset of JSON Schema that schema.json uses is checked here (an unknown keyword in the schema is an error,
so the schema cannot grow past what this checks without a test failing). Module-level imports stay light
(typer, pathlib): the CLI imports this module on every start-up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from dataprep.cli.output import fail_usage

Schema = Mapping[str, Any]
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_NOTES = frozenset({"$schema", "$id", "$defs", "title", "description", "$comment"})


def report(
    out: Annotated[Path, typer.Argument(metavar="OUT", help="A build's output folder (holding report.json).",
                                        show_default=False)],
) -> None:
    """Re-render OUT/report.html from OUT/report.json. Exit 0 done, 2 no readable report.json."""
    import json

    from dataprep.errors import UsageError
    from dataprep.extras import require_build

    try:
        require_build("dataprep report")
    except UsageError as exc:
        fail_usage(str(exc))
    from dataprep.report import REPORT_HTML, REPORT_JSON
    from dataprep.report.build import REPORT_VERSION
    from dataprep.report.html import render

    source = out / REPORT_JSON
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail_usage(f"{source}: no such file; run `dataprep build RAW... {out} --model ID` first")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail_usage(f"{source}: cannot read it as JSON ({exc})")
    if not isinstance(document, dict):
        fail_usage(f"{source}: not a report (a JSON {type(document).__name__}, not an object); rebuild to write one")
    version = document.get("report_version")
    if version != REPORT_VERSION or isinstance(version, bool):
        fail_usage(f"{source}: report_version {version!r}; this dataprep renders version {REPORT_VERSION} "
                   "(rebuild with this version)")
    problem = shape_problem(document, _schema())
    if problem:
        fail_usage(f"{source}: not a complete report ({problem}); rebuild to write a new one")
    try:
        page = render(document)
    except (KeyError, TypeError, ValueError) as exc:
        fail_usage(f"{source}: not a complete report (missing or wrong {exc}); rebuild to write a new one")
    (out / REPORT_HTML).write_text(page, encoding="utf-8", newline="\n")
    typer.echo(f"wrote {out / REPORT_HTML}")


def _schema() -> Schema:
    """The shipped report schema, the one `dataprep build` writes report.json against."""
    import json

    return json.loads((Path(__file__).parents[1] / "report" / "schema.json").read_text(encoding="utf-8"))


def shape_problem(value: Any, schema: Schema, root: Schema | None = None, at: str = "") -> str | None:
    """The first place where `value` breaks `schema` (`/path: what`), or None when it conforms."""
    root = root or schema
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"schema: unsupported $ref {ref!r}")
        schema = {**root["$defs"][ref.removeprefix("#/$defs/")], **{k: v for k, v in schema.items() if k != "$ref"}}
    for keyword, expected in schema.items():
        if keyword in _NOTES:
            continue
        if keyword == "additionalProperties":  # "additional" means beyond the sibling `properties`
            problem = _additional(value, expected, root, at, tuple(schema.get("properties", ())))
        elif (check := _KEYWORDS.get(keyword)) is not None:
            problem = check(value, expected, root, at)
        else:
            raise ValueError(f"schema: keyword {keyword!r} is not checked by dataprep report")
        if problem:
            return problem
    return None


def _type(value: Any, expected: Any, root: Schema, at: str) -> str | None:
    kinds = expected if isinstance(expected, list) else [expected]
    if any(_TYPES[kind](value) for kind in kinds):
        return None
    return f"{at or '/'}: expected {' or '.join(kinds)}, found {_json_type(value)}"


def _required(value: Any, expected: list[str], root: Schema, at: str) -> str | None:
    missing = [key for key in expected if isinstance(value, dict) and key not in value]
    return f"{at}/{missing[0]}: missing" if missing else None


def _properties(value: Any, expected: Schema, root: Schema, at: str) -> str | None:
    if not isinstance(value, dict):
        return None
    for key, sub in expected.items():
        if key in value and (problem := shape_problem(value[key], sub, root, f"{at}/{key}")):
            return problem
    return None


def _additional(value: Any, expected: Any, root: Schema, at: str, known: tuple[str, ...] = ()) -> str | None:
    if not isinstance(value, dict) or expected is True:
        return None
    for key, item in value.items():
        if key in known:
            continue
        if expected is False:
            return f"{at}/{key}: not a known key"
        if problem := shape_problem(item, expected, root, f"{at}/{key}"):
            return problem
    return None


def _items(value: Any, expected: Schema, root: Schema, at: str) -> str | None:
    if not isinstance(value, list):
        return None
    return next((p for i, item in enumerate(value) if (p := shape_problem(item, expected, root, f"{at}/{i}"))), None)


def _one_of(value: Any, expected: list[Schema], root: Schema, at: str) -> str | None:
    problems = [shape_problem(value, sub, root, at) for sub in expected]
    matched = problems.count(None)
    return None if matched == 1 else f"{at or '/'}: matches {matched} of the allowed shapes, not one"


def _all_of(value: Any, expected: list[Schema], root: Schema, at: str) -> str | None:
    return next((p for sub in expected if (p := shape_problem(value, sub, root, at))), None)


def _names(value: Any, expected: Schema, root: Schema, at: str) -> str | None:
    if not isinstance(value, dict):
        return None
    return next((p for key in value if (p := shape_problem(key, expected, root, f"{at}/{key}"))), None)


def _bound(test: Callable[[Any, Any], bool], what: str, kinds: tuple[type, ...]) -> Callable[..., str | None]:
    """A keyword that compares the value (numbers, or a list's length) with the schema's bound."""
    def check(value: Any, expected: Any, root: Schema, at: str) -> str | None:
        if not isinstance(value, kinds) or isinstance(value, bool):
            return None
        measured = len(value) if isinstance(value, list) else value
        return None if test(measured, expected) else f"{at or '/'}: {what} {expected}, found {measured}"
    return check


def _json_type(value: Any) -> str:
    return next((kind for kind, test in _TYPES.items() if kind != "number" and test(value)), "number")


_KEYWORDS: dict[str, Callable[..., str | None]] = {
    "type": _type,
    "required": _required,
    "properties": _properties,
    "items": _items,
    "oneOf": _one_of,
    "allOf": _all_of,
    "propertyNames": _names,
    "enum": lambda v, e, r, a: None if v in e else f"{a or '/'}: {v!r} is not one of {e}",
    "const": lambda v, e, r, a: None if v == e and type(v) is type(e) else f"{a or '/'}: must be {e!r}",
    "pattern": lambda v, e, r, a: None if not isinstance(v, str) or re.search(e, v) else f"{a}: {v!r} is malformed",
    "minimum": _bound(lambda v, e: v >= e, "at least", (int, float)),
    "maximum": _bound(lambda v, e: v <= e, "at most", (int, float)),
    "minItems": _bound(lambda v, e: v >= e, "at least", (list,)),
    "maxItems": _bound(lambda v, e: v <= e, "at most", (list,)),
}
