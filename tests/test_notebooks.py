"""The example notebooks run top to bottom from a fresh kernel, offline, within the time budget.

Each notebook is executed with nbclient in a new ``python3`` kernel (the notebooks folder as working
directory); any cell error fails the test. The committed copies must carry their outputs.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["01_provincial_spillovers.ipynb", "02_distance_decay_maps.ipynb"]
BUDGET_SECONDS = 300  # both notebooks together

_elapsed: dict[str, float] = {}


def _images(nb) -> int:
    return sum("image/png" in out.get("data", {}) for c in nb.cells if c.cell_type == "code" for out in c.outputs)


@pytest.mark.parametrize("name", NAMES)
def test_committed_with_outputs(name):
    import nbformat

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), f"{name}: run scripts/run_notebooks.py"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    assert _images(nb) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:  # start from a clean notebook
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(nb, timeout=BUDGET_SECONDS, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    _elapsed[name] = time.perf_counter() - start
    assert all(c.execution_count is not None for c in nb.cells if c.cell_type == "code")
    assert _images(nb) >= 4
    assert sum(_elapsed.values()) < BUDGET_SECONDS, f"notebooks took {_elapsed} s (budget {BUDGET_SECONDS} s)"
