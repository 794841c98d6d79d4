"""The example notebooks run top to bottom from a fresh kernel, offline.

Each notebook is executed with nbclient in a new ``python3`` kernel (the notebooks folder as working
directory); any cell error fails the test. The committed copies must carry their outputs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["01_provincial_spillovers.ipynb", "02_distance_decay_maps.ipynb", "03_city_panel.ipynb"]
TIMEOUT_SECONDS = 600  # per cell: a hang fails the test; speed is not asserted here


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


#: executes one notebook with nbclient in a separate interpreter: nbclient changes the asyncio event loop of the
#: process it runs in, which breaks Dask clients that later tests start in the pytest process
RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
for cell in nb.cells:
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
NotebookClient(nb, timeout=int(sys.argv[3]), kernel_name="python3", record_timing=False,
               resources={"metadata": {"path": sys.argv[2]}}).execute()
code = [c for c in nb.cells if c.cell_type == "code"]
images = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
print(sum(c.execution_count is not None for c in code), len(code), images)
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name):
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(NOTEBOOKS / name), str(NOTEBOOKS), str(TIMEOUT_SECONDS)],
                          capture_output=True, text=True, timeout=2 * TIMEOUT_SECONDS)
    assert proc.returncode == 0, proc.stderr[-3000:]  # CellExecutionError names the failing cell
    executed, total, images = (int(v) for v in proc.stdout.split()[-3:])
    assert executed == total
    assert images >= 4
