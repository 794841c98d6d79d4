"""Estimates of two spatialinno trees on the same data: did a change move rho, the log-likelihood or the SEs?

    PYTHONPATH=/path/to/old/tree python benchmarks/versions_ab.py --out old.json
    PYTHONPATH=/path/to/new/tree python benchmarks/versions_ab.py --out new.json
    python benchmarks/versions_ab.py --compare old.json new.json

Fits SAR, SEM and SDM ("y ~ x1 + x2") on the benchmark's queen lattices (N = 10,000 and 99,856; data as in
``run.py``: y = (I - 0.5 W)^-1 (1 + x1 - x2 + 0.5 W x1 - 0.3 W x2 + e), seeded) with whatever backend
``SPATIALINNO_SOLVER`` selects, and records rho (lambda for SEM), the log-likelihood and the SE of the spatial
parameter. ``--compare`` prints the largest absolute differences of rho and llf and the relative SE change.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import queen_lattice, row_normalise, simulate_sdm  # noqa: E402

SIDES = (100, 316)
MODELS = ("sar", "sem", "sdm")


def estimates() -> dict[str, list[float]]:
    """{"<model><N>": [spatial parameter, llf, its SE]} on the seeded lattices."""
    import spatialinno as si

    out = {}
    for side in SIDES:
        n = side * side
        C = queen_lattice(side)
        rng = np.random.default_rng(5)
        X = rng.standard_normal((n, 2))
        y = simulate_sdm(row_normalise(C), X, rng)
        df = pd.DataFrame({"y": y, "x1": X[:, 0], "x2": X[:, 1]}, index=np.arange(n))
        w = si.Weights.from_sparse(C, ids=np.arange(n), normalization="row")
        for model in MODELS:
            res = getattr(si, model)("y ~ x1 + x2", df, w)
            par = "lambda" if model == "sem" else "rho"
            out[f"{model}{n}"] = [float(res.params[par]), float(res.llf), float(res.bse[par])]
    return out


def compare(old: dict[str, list[float]], new: dict[str, list[float]]) -> None:
    """Print |d rho|, |d llf| and |SE ratio - 1| per fit and their maxima."""
    rows = [(k, abs(old[k][0] - new[k][0]), abs(old[k][1] - new[k][1]), abs(new[k][2] / old[k][2] - 1)) for k in old]
    for k, dr, dl, ds in rows:
        print(f"{k:>10}  |d rho| {dr:.1e}  |d llf| {dl:.1e}  |SE ratio - 1| {ds:.1e}")
    print("max        ", "  ".join(f"{max(r[i] for r in rows):.1e}" for i in (1, 2, 3)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = ap.parse_args()
    if args.compare:
        compare(*(json.loads(p.read_text()) for p in args.compare))
    else:
        result = json.dumps(estimates())
        if args.out:
            args.out.write_text(result)
        print(result)


if __name__ == "__main__":
    main()
