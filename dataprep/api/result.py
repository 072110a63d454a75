"""`BuildOutput`: what `dataprep.build` returns — the splits as polars DataFrames, the ledger, the findings,
the report — and `.write(out)`, which publishes the very bytes the build made.

A build always writes its set of files (the write step stages, self-checks and publishes them); the result
reads them back rather than re-rendering anything, so what a notebook sees is byte for byte what
`dataprep build` writes. A build without `out` ran into a private folder whose files are held in memory;
`write` publishes them into OUT like a build does (locked, staged beside OUT, swapped in at once, only files
an earlier dataprep manifest owns replaced). In Jupyter the result shows its report (`_repr_html_`).
"""

from __future__ import annotations

import html
import json
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataprep.errors import UsageError

if TYPE_CHECKING:
    import polars as pl

    from dataprep.build.model import BuildResult
    from dataprep.findings import Finding

_SPLITS = ("train", "validation", "test")
# The ledger's columns (`Rejected.as_dict`), so an empty ledger is still a frame with them.
_LEDGER = ("source", "line", "code", "rule", "reason", "original")
_FRAME_HEIGHT = 720  # pixels of the report shown in a notebook cell


class BuildOutput:
    """One build: its files (in OUT, or held in memory when no OUT was given) and what the build decided."""

    def __init__(self, result: BuildResult, raw: list[Path], out: Path | None, files: dict[str, bytes] | None,
                 findings: list[Finding]) -> None:
        """`files` holds every written file's bytes when the build had no OUT (`out` None)."""
        self.result, self.out, self._raw, self._files = result, out, raw, files
        self.findings: list[Finding] = findings

    def __repr__(self) -> str:
        counts = ", ".join(f"{name} {len(frame):,}" for name, frame in self.splits.items())
        where = f"in {self.out}" if self.out is not None else "not written (call .write(out))"
        return f"<BuildOutput {self.result.profile.id} {self.result.spec.task}: {counts}, rejected " \
               f"{len(self.result.rejected):,}; ready {self.ready}; {where}>"

    @property
    def names(self) -> list[str]:
        """The files the build wrote, manifest.json last."""
        return [*self.result.manifest["files"], "manifest.json"]

    def read_bytes(self, name: str) -> bytes:
        """One written file's bytes (`train.jsonl`, `report.html`...)."""
        if name not in self.names:
            raise UsageError(f"the build wrote no {name}; it wrote {', '.join(self.names)}")
        return self._files[name] if self._files is not None else (self.out / name).read_bytes()  # type: ignore[operator]

    def _records(self, name: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.read_bytes(name).decode("utf-8").splitlines()]

    @cached_property
    def splits(self) -> dict[str, pl.DataFrame]:
        """train, validation and test (those written) as polars DataFrames of the records as written."""
        return {split: _frame(self._records(f"{split}.jsonl")) for split in _SPLITS if f"{split}.jsonl" in self.names}

    @property
    def train(self) -> pl.DataFrame:
        return self.splits["train"]

    @property
    def validation(self) -> pl.DataFrame | None:
        return self.splits.get("validation")

    @property
    def test(self) -> pl.DataFrame | None:
        return self.splits.get("test")

    @cached_property
    def ledger(self) -> pl.DataFrame:
        """Every rejected record (rejected.jsonl): source, line, code, rule, reason, original."""
        import polars as pl

        rows = self._records("rejected.jsonl")
        schema = {name: pl.Int64 if name == "line" else pl.String for name in _LEDGER}
        return _frame(rows) if rows else pl.DataFrame(schema=schema)

    @cached_property
    def report(self) -> dict[str, Any] | None:
        """report.json as a dict; None for a build with `no_report=True`."""
        return json.loads(self.read_bytes("report.json")) if "report.json" in self.names else None

    @property
    def manifest(self) -> dict[str, Any]:
        return self.result.manifest

    @property
    def ready(self) -> bool:
        """The report's verdict (or, without a report, no error in the findings): ready to upload."""
        if self.report is not None:
            return bool(self.report["verdict"]["ready"])
        return not self.result.errors

    def write(self, out: str | Path) -> Path:
        """Publish this build's files into `out` as `dataprep build` does; returns `out`. Raises UsageError."""
        from dataprep.build import write
        from dataprep.build.preflight import claim
        from dataprep.io.write import describe, publish, staging
        from dataprep.manifest import owned_files

        out = Path(out)
        contents = {name: self.read_bytes(name) for name in self.names}
        settings, reports = self.result.settings, self.report is not None
        with claim(self._raw, out, write.names(settings, reports)) as target:
            try:
                with staging(target.real, owned_files) as stage:
                    for name, data in contents.items():
                        (stage / name).write_bytes(data)
                    publish(stage, target.real, target.owned, owned_files)
            except OSError as exc:
                raise UsageError(f"cannot write {describe(exc, None, out)}; {out} is unchanged") from None
        return out

    def _repr_html_(self) -> str:
        """The build's report.html in a frame (its styles stay its own), or the counts without a report."""
        if "report.html" in self.names:
            page = html.escape(self.read_bytes("report.html").decode("utf-8"), quote=True)
            return f'<iframe srcdoc="{page}" style="width:100%;height:{_FRAME_HEIGHT}px;border:0"></iframe>'
        rows = "".join(f"<tr><td>{name}</td><td>{len(frame):,}</td></tr>" for name, frame in self.splits.items())
        rows += f"<tr><td>rejected</td><td>{len(self.result.rejected):,}</td></tr>"
        return f"<p>{html.escape(repr(self))}</p><table><tr><th>file</th><th>records</th></tr>{rows}</table>"


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Records as a DataFrame; records whose fields differ in type (a string here, a list there) as one column
    `record` of JSON texts instead, so a frame is always there."""
    import polars as pl

    try:
        return pl.DataFrame(rows, infer_schema_length=None)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        return pl.DataFrame({"record": [json.dumps(row, ensure_ascii=False) for row in rows]})
