"""examples/quickstart.ipynb runs on a real Jupyter kernel (#13 item 5): the API as a notebook user meets it.

nbclient starts an ipykernel, runs every cell from `examples/` (the notebook's own folder) and fails on the
first cell that raises. The outputs are then read: the result renders its report (`_repr_html_`, the
report.html in a frame), the ledger names the rows of the list of dicts, and the Dataset built from memory
and from its save_to_disk folder give the same records. The notebook is kept without outputs, so it holds
no machine's paths.
"""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"


def _text(cell: dict) -> str:
    """Everything a code cell showed: streams, results and rich displays (HTML included)."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts.extend(str(data.get(kind, "")) for kind in ("text/plain", "text/html"))
    return "\n".join(parts)


def test_the_notebook_is_stored_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_the_quickstart_notebook_runs_on_a_kernel() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError naming the cell that failed
    shown = [_text(cell) for cell in notebook.cells if cell.cell_type == "code"]
    everything = "\n".join(shown)
    assert '<iframe srcdoc="' in everything  # the build's report, rendered in the cell
    assert "ready: True" in everything
    assert "<records>" in everything and "DP401" in everything  # the duplicate, named by its row
    assert "same records: True" in everything
    assert "train.jsonl" in everything and "manifest.json" in everything
