#!/usr/bin/env python
"""Timing si.simulate_study serially, with n_jobs=2 local processes and on a 2-worker Dask LocalCluster.

    python benchmarks/simulation.py                      # SDM, 30 x 30 rook lattice (900 regions), 200 replicates
    python benchmarks/simulation.py --provinces          # SDM on the 31 provinces (queen, Hainan linked)
    options: --reps R  --side S  --model sdm  --seed N  --workers 2

Prints a markdown table: wall-clock seconds of each executor (n_jobs includes starting its process pool; the Dask
row excludes starting the cluster, shown separately), speed-up over serial, and whether the study table is
bit-identical to the serial one (np.array_equal).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import scipy.sparse as sp

import spatialinno as si


def rook_lattice(side: int) -> si.Weights:
    """Row-normalised rook contiguity on a side x side grid."""
    idx = np.arange(side * side).reshape(side, side)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    m = sp.csr_matrix((np.ones(2 * len(a)), (np.concatenate([a, b]), np.concatenate([b, a]))),
                      shape=(side * side, side * side))
    return si.Weights.from_sparse(m, np.arange(side * side), normalization="row", kind=f"{side}x{side} rook lattice")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--side", type=int, default=30)
    ap.add_argument("--provinces", action="store_true")
    ap.add_argument("--model", default="sdm")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from distributed import Client, LocalCluster

    if args.provinces:
        w = si.weights.contiguity(si.datasets.load_provinces(), id="code", islands="nearest")
        where = "31 provinces (queen)"
    else:
        w = rook_lattice(args.side)
        where = f"{args.side}x{args.side} rook lattice"
    params = {"rho": 0.4, "Intercept": 1.0, "x1": 1.0, "x2": -0.5, "W_x1": 0.5, "sigma2": 1.0}
    if args.model in ("sem", "sdem"):
        params["lambda"] = params.pop("rho")
    if args.model in ("sar", "sem", "sac", "ols"):
        params.pop("W_x1")
    run = dict(reps=args.reps, seed=args.seed, progress=False)
    rows = []
    t0 = time.perf_counter()
    serial = si.simulate_study(args.model, w, params, **run)
    rows.append(("serial", time.perf_counter() - t0, True))
    t0 = time.perf_counter()
    procs = si.simulate_study(args.model, w, params, n_jobs=args.workers, **run)
    rows.append((f"n_jobs={args.workers} (incl. pool start)", time.perf_counter() - t0,
                 np.array_equal(serial.to_numpy(), procs.to_numpy(), equal_nan=True)))
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, Client(cluster) as client:
        startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        dask = si.simulate_study(args.model, w, params, client=client, **run)
        rows.append((f"Dask LocalCluster({args.workers} workers)", time.perf_counter() - t0,
                     np.array_equal(serial.to_numpy(), dask.to_numpy(), equal_nan=True)))
    base = rows[0][1]
    print(f"simulate_study({args.model!r}) on {where}, n = {w.n}, {args.reps} replicates; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end; Python {platform.python_version()}\n")
    print("| executor | seconds | speed-up | identical to serial |")
    print("|---|---:|---:|---|")
    for name, sec, same in rows:
        print(f"| {name} | {sec:.1f} | {base / sec:.2f} | {'yes' if same else 'NO'} |")
    print(f"\nStarting the LocalCluster took {startup:.1f} s (not included above). Failures: serial "
          f"{serial.attrs['failures']}, n_jobs {procs.attrs['failures']}, Dask {dask.attrs['failures']}.")


if __name__ == "__main__":
    main()
