"""Series effects (N > EIGEN_MAX) with trace probes chosen by the Monte Carlo error rule of trace_probes.

The reference is the brute-force dense S_k(W) = (I - rho W)^-1 (I b_k + W t_k) at the fitted parameters; the
series estimate must lie within 4 of its stated Monte Carlo standard errors (attrs["trace_se"]) of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import spatialinno as si
from spatialinno.constants import EIGEN_MAX
from spatialinno.models.trace_probes import MAX_PROBES, PILOT_PROBES, SHARE, probes_needed

SIDE = 45  # 2,025 regions: above EIGEN_MAX, so the effects use the power series with Hutchinson traces


def queen(side: int) -> si.Weights:
    r, c = np.divmod(np.arange(side * side), side)
    rows, cols = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            rr, cc = r + dr, c + dc
            ok = (rr >= 0) & (rr < side) & (cc >= 0) & (cc < side) & ((dr != 0) | (dc != 0))
            rows.append(np.flatnonzero(ok))
            cols.append(rr[ok] * side + cc[ok])
    n = side * side
    C = sp.csr_matrix((np.ones(sum(map(len, rows))), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    return si.Weights.from_sparse(C, pd.RangeIndex(n), normalization="row")


def fit(noise: float) -> tuple[si.Weights, object]:
    w = queen(SIDE)
    W = w.sparse.toarray()
    rng = np.random.default_rng(11)
    X = rng.standard_normal((w.n, 2))
    mu = 1.0 + X @ [1.0, -1.0] + W @ X @ [0.5, -0.3] + rng.normal(scale=noise, size=w.n)
    y = np.linalg.solve(np.eye(w.n) - 0.5 * W, mu)
    return w, si.sdm("y ~ x1 + x2", pd.DataFrame({"y": y, "x1": X[:, 0], "x2": X[:, 1]}), w)


def dense_effects(res, var: str) -> tuple[float, float, float]:
    W = res.weights.sparse.toarray()
    n = W.shape[0]
    S = np.linalg.inv(np.eye(n) - res.rho * W) @ (res.params[var] * np.eye(n) + res.params[f"W_{var}"] * W)
    direct, total = np.trace(S) / n, S.sum() / n
    return direct, total - direct, total


@pytest.mark.parametrize("noise", [1.0, 0.05])
def test_series_effects_within_stated_trace_error_of_dense(noise):
    w, res = fit(noise)
    assert w.n > EIGEN_MAX
    imp = res.impacts(method="simulation", draws=400, seed=3)
    probes = imp.attrs["trace_probes"]
    assert PILOT_PROBES <= probes <= MAX_PROBES
    for var in ("x1", "x2"):
        se_mc = imp.attrs["trace_se"][var]
        assert se_mc > 0
        exact = dense_effects(res, var)
        for k, effect in enumerate(("direct", "indirect")):
            est, se = imp.loc[(var, effect), ["estimate", "std_error"]]
            assert abs(est - exact[k]) <= 4 * se_mc
            assert se_mc <= SHARE * se * (1 + 1e-12) or probes == MAX_PROBES
        assert imp.loc[(var, "total"), "estimate"] == pytest.approx(exact[2], rel=1e-9)
    if noise < 1.0:  # small standard errors: the 16-probe pilot is not enough and the rule adds probes
        assert probes > PILOT_PROBES


def test_probes_needed_rule():
    # s_MC falls like 1/sqrt(m): reaching s_MC = SHARE se from s_MC = 2 SHARE se takes 4x the probes
    assert probes_needed(16, np.array([2 * SHARE]), np.array([1.0])) == 64
    assert probes_needed(16, np.array([0.5 * SHARE, 0.0]), np.array([1.0, np.nan])) == 16
    assert probes_needed(16, np.array([0.5 * SHARE]), np.array([np.nan])) is None
    assert probes_needed(16, np.array([100.0]), np.array([1.0])) == MAX_PROBES
