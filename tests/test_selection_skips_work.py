"""A rule switched off is not only hidden: its check does not run, and the rules left on find what they did.

`validate --select/--ignore` skips the checks whose every code is off (`validate._RecordChecks`: the content
detectors, the reserved keywords, the duplicate key, the size limits), as ruff skips unselected rules, so a CI
job that selects the structural rules pays for those alone. The test: on every catalogue case and pair, and
on real files, the findings under a selection are exactly the full run's findings the selection leaves on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from catalogue import CASES, PAIR_CASES
from conftest import TOOLFORMER

from dataprep.findings import Finding
from dataprep.profiles import resolve_model
from dataprep.registry import RulePolicy
from dataprep.validate import validate_paths

T0_MOJIBAKE = Path(__file__).parent / "data" / "t0-mojibake.jsonl"
SELECTIONS = [
    (["DP1", "DP2", "DP3"], []),  # the structural and limit rules: what AWS's validators check
    (["DP409"], []),
    (["DP4"], ["DP410", "DP419"]),
    (["DP5", "DP212"], []),
    (None, ["DP4"]),
    (["DP308", "DP305", "DP401"], []),
    (["DP431", "DP403", "DP420"], []),
]


def _shown(findings: list[Finding]) -> list[tuple[object, ...]]:
    return [(f.path, f.line, f.col, f.code, f.severity, f.message, f.end_col) for f in findings]


def _cases(tmp_path: Path) -> list[tuple[list[Path], str | None, str | None]]:
    out: list[tuple[list[Path], str | None, str | None]] = []
    for number, (name, file_name, content, model, task, _, _) in enumerate(CASES):
        folder = tmp_path / f"{number}-{name}"
        folder.mkdir()
        (folder / file_name).write_bytes(content)
        out.append(([folder / file_name], model, task))
    for name, train, validation, model, task, _, _ in PAIR_CASES:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "train.jsonl").write_bytes(train)
        (folder / "validation.jsonl").write_bytes(validation)
        out.append(([folder / "train.jsonl", folder / "validation.jsonl"], model, task))
    out.append(([TOOLFORMER], "llama3-1-8b-instruct", None))
    out.append(([T0_MOJIBAKE], "llama3-1-8b-instruct", None))
    return out


@pytest.mark.parametrize(("select", "ignore"), SELECTIONS, ids=[",".join(s or ["all"]) + "-" + ",".join(i)
                                                                for s, i in SELECTIONS])
def test_a_selection_finds_what_the_full_run_finds_of_it(tmp_path: Path, select: list[str] | None,
                                                         ignore: list[str]) -> None:
    policy = RulePolicy().selecting(select, (), ignore)
    compared = 0
    for paths, model, task in _cases(tmp_path):
        profile = resolve_model(model) if model else None
        full = validate_paths(paths, profile, task)
        kept = [f for f in full if not policy.ignored(f.code)]
        assert _shown(validate_paths(paths, profile, task, policy=policy)) == _shown(kept), paths
        compared += len(kept)
    assert compared, "the selection left no finding on any case: the comparison would prove nothing"
