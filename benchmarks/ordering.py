"""Fill-reducing orderings for the default (SuperLU) backend: SuperLU's MMD on A'+A against METIS nested dissection.

    pip install pymetis                        # MIT wrapper of METIS (Apache-2.0); not a spatialinno dependency
    python benchmarks/ordering.py 100 11       # queen lattice side, alternating repeats
    python benchmarks/ordering.py 1000 4       # N = 1,000,000 (~2 min, ~3.2 GB)

The symmetric form S = D^-1/2 C D^-1/2 of the row-normalised queen lattice is permuted once by each ordering
(MMD: the column order of SuperLU's first factorisation, as ``factorisation.SuperLUFactoriser`` does; ND:
``pymetis.nested_dissection``) and I - r S factorised in NATURAL order, SymmetricMode, diag_pivot_thresh = 0,
alternating the two orders; prints the median factorisation time, the median time of the ``lu.U`` copy that
the log-determinant reads, nnz(L + U) and the log-determinants. Results: ``results_ordering.md``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from run import queen_lattice


def main(side: int, reps: int) -> None:
    import pymetis

    C = queen_lattice(side).tocsr()
    n = C.shape[0]
    dh = 1.0 / np.sqrt(np.asarray(C.sum(axis=1)).ravel())
    S = sp.csc_matrix(sp.diags(dh) @ C @ sp.diags(dh))
    eye = sp.identity(n, format="csc")
    load0 = os.getloadavg()[0]
    t = time.perf_counter()
    lu = spla.splu(eye - 0.5 * S, permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True})
    t_mmd = time.perf_counter() - t
    inv = np.argsort(lu.perm_c)
    del lu
    t = time.perf_counter()
    perm = np.asarray(pymetis.nested_dissection(adjacency=pymetis.CSRAdjacency(C.indptr, C.indices))[0])
    t_nd = time.perf_counter() - t
    orders = {"MMD": sp.csc_matrix(S[inv][:, inv]), "ND": sp.csc_matrix(S[perm][:, perm])}
    runs: dict[str, list[tuple[float, float, int, float]]] = {"MMD": [], "ND": []}
    for i in range(reps):
        for name in (("MMD", "ND") if i % 2 == 0 else ("ND", "MMD")):
            r = 0.5 + 0.001 * i
            t = time.perf_counter()
            lu = spla.splu(eye - r * orders[name], permc_spec="NATURAL", diag_pivot_thresh=0.0,
                           options={"SymmetricMode": True})
            t_fact = time.perf_counter() - t
            t = time.perf_counter()
            U = lu.U
            t_copy = time.perf_counter() - t
            logdet = float(np.sum(np.log(np.abs(U.data[U.indptr[1:] - 1]))))
            runs[name].append((t_fact, t_copy, lu.L.nnz + U.nnz, logdet))
            del lu, U
    for name, rows in runs.items():
        print(f"N={n:,} {name}: factorise {statistics.median(x[0] for x in rows):.4f} s, U copy "
              f"{statistics.median(x[1] for x in rows):.4f} s (medians of {reps}), nnz(L+U) {rows[0][2]:,}, "
              f"log-det at r = 0.5 {rows[0][3]!r}")
    print(f"ordering: MMD first factorisation (order + factor) {t_mmd:.3f} s, METIS ND {t_nd:.3f} s; "
          f"|log-det MMD - ND| {abs(runs['MMD'][0][3] - runs['ND'][0][3]):.2e}; "
          f"1-min load {load0:.2f} -> {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
