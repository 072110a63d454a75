"""The rule registry is tied to the code and to the tests.

`rules/checks.toml` names, for every code, the modules that emit it (`emitted_by`); a code registered for a
later issue is `status = "planned"`. These tests fail when a registered code is emitted nowhere, when the
source emits a code the registry does not know or names elsewhere, or when no test produces a code: a
finding in the golden `validate` catalogue, a code in a golden build's ledger or report, or a code a test
asserts on.
"""

from __future__ import annotations

import ast
import json
import re
from collections import defaultdict
from pathlib import Path

from typer.testing import CliRunner

from dataprep.cli import app
from dataprep.registry import registry

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"DP\d{3}")
# Registered now, implemented by the issue named: until then no module may emit them.
PLANNED: dict[str, str] = {}


def _emitters() -> dict[str, set[str]]:
    """Code -> modules of `dataprep/` whose source holds the code as a string literal."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted((ROOT / "dataprep").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.fullmatch(node.value):
                found[node.value].add(module)
    return found


def test_every_emitted_code_is_registered_and_named_where_it_is_emitted() -> None:
    rules = registry()
    emitted = _emitters()
    assert sorted(set(emitted) - set(rules)) == [], "codes in the source that rules/checks.toml does not register"
    wrong = {code: (sorted(emitted.get(code, ())), sorted(rule.emitted_by)) for code, rule in rules.items()
             if set(rule.emitted_by) != emitted.get(code, set())}
    assert wrong == {}, "code: (modules that emit it, modules rules/checks.toml names)"


def test_planned_codes_are_emitted_nowhere_and_every_other_code_somewhere() -> None:
    rules = registry()
    assert {code for code, rule in rules.items() if rule.planned} == set(PLANNED)
    emitted = _emitters()
    assert [code for code in PLANNED if code in emitted] == []
    assert [code for code, rule in rules.items() if not rule.planned and not rule.emitted_by] == []


def test_dataprep_rules_marks_the_planned_codes() -> None:
    listing = CliRunner().invoke(app, ["rules"]).stdout.splitlines()
    rows = {line.split()[0]: line for line in listing if CODE.match(line)}
    assert set(rows) == set(registry())
    assert sorted(code for code, line in rows.items() if "planned" in line.split()[1:3]) == sorted(PLANNED)
    if PLANNED:  # none left once an issue implements its codes
        explained = CliRunner().invoke(app, ["rules", min(PLANNED)]).stdout
        assert "planned" in explained


def _produced_by_golden() -> set[str]:
    codes: set[str] = set()
    catalogue = json.loads((ROOT / "tests/golden/validate-catalogue.json").read_text(encoding="utf-8"))
    for case in catalogue.values():
        codes.update(f["code"] for f in case["findings"])
    for path in (ROOT / "tests/golden").glob("build-*.json"):
        codes.update(json.loads(path.read_text(encoding="utf-8")).get("codes", {}))
    return codes


def _asserted_in_tests() -> set[str]:
    """Codes a test module checks: inside an `assert`, a comparison, or the cases of `pytest.mark.parametrize`."""
    codes: set[str] = set()
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            parametrize = isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize"
            if isinstance(node, ast.Assert | ast.Compare) or parametrize:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                        codes.update(CODE.findall(inner.value))
    return codes


def test_every_implemented_code_has_a_test_that_produces_it() -> None:
    produced = _produced_by_golden() | _asserted_in_tests()
    missing = sorted(code for code, rule in registry().items() if not rule.planned and code not in produced)
    assert missing == [], "codes no catalogue case, golden build or test assertion produces"
