"""Execute the example notebooks from a fresh kernel, in place (outputs are committed).

    python scripts/run_notebooks.py                 # run notebooks/*.ipynb, write outputs back
    python scripts/run_notebooks.py --check         # run them, write nothing, fail on any error
    python scripts/run_notebooks.py notebooks/02_distance_decay_maps.ipynb

Each notebook runs in its own new ``python3`` kernel with the notebooks folder as working directory.
No network is needed. Cell timing metadata is not recorded, so re-running only changes the outputs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def execute(path: Path, write: bool = True, timeout: int = 600, kernel: str = "python3"):
    """Run one notebook top to bottom in a fresh kernel; returns (notebook, seconds)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if write:
        nbformat.write(nb, path)
    return nb, seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/*.ipynb)")
    ap.add_argument("--check", action="store_true", help="execute without writing outputs back")
    ap.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    total = 0.0
    for path in paths:
        _, seconds = execute(path, write=not args.check, timeout=args.timeout)
        total += seconds
        print(f"{path.name}: {seconds:.1f} s{'' if args.check else ' (outputs written)'}")
    print(f"total: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
