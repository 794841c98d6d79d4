"""gs3sls: without spatial errors against linearmodels IV3SLS on the same per-equation instruments; with spatial
errors a seeded Monte Carlo recovery on a lattice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from linearmodels.system import IV3SLS

import spatialinno as si

EQUATIONS = {"hoval": "HOVAL ~ CRIME + INC", "crime": "CRIME ~ HOVAL + DISCBD"}


def test_gs3sls_against_linearmodels_iv3sls(columbus_iv):
    data, w = columbus_iv
    W = w.sparse.toarray()
    exo = np.column_stack([data.INC, data.DISCBD])
    H_lags = np.hstack([W @ exo, W @ W @ exo])
    const = np.ones((len(data), 1))
    eqs = {
        "hoval": {"dependent": data[["HOVAL"]].to_numpy(), "exog": np.hstack([const, data[["INC"]].to_numpy()]),
                  "endog": np.column_stack([data.CRIME, W @ data.HOVAL]),
                  "instruments": np.column_stack([data.DISCBD, H_lags])},
        "crime": {"dependent": data[["CRIME"]].to_numpy(), "exog": np.hstack([const, data[["DISCBD"]].to_numpy()]),
                  "endog": np.column_stack([data.HOVAL, W @ data.CRIME]),
                  "instruments": np.column_stack([data.INC, H_lags])},
    }
    lm = IV3SLS(eqs).fit(method="gls", cov_type="unadjusted", debiased=False)
    res = si.gs3sls(EQUATIONS, data, w, id="id", w_lags=2)
    # linearmodels orders each equation as [exog, endog]; ours follows the formula: Intercept, then its terms, rho
    order = {"hoval": ["Intercept", "INC", "CRIME", "rho"], "crime": ["Intercept", "DISCBD", "HOVAL", "rho"]}
    ours = np.concatenate([res.params.loc[eq].loc[order[eq]].to_numpy() for eq in order])
    ours_se = np.concatenate([res.bse.loc[eq].loc[order[eq]].to_numpy() for eq in order])
    db = np.abs(ours - np.asarray(lm.params)).max()
    dse = np.abs(ours_se - np.asarray(lm.std_errors)).max()
    print(f"GS3SLS vs linearmodels IV3SLS: max|d coef| = {db:.2e}, max|d se| = {dse:.2e}")
    assert db < 1e-6 and dse < 1e-4
    assert res.params.index.names == ["equation", "variable"]
    # the first step of each equation is the spatial 2SLS of gs2sls with the system's instruments
    assert set(res.equations) == {"hoval", "crime"}
    assert "GS3SLS" in str(res.summary())


def _lattice(side: int) -> si.Weights:
    n = side * side
    r, c = [], []
    for i in range(side):
        for j in range(side):
            for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                if 0 <= i + di < side and 0 <= j + dj < side:
                    r.append(i * side + j)
                    c.append((i + di) * side + j + dj)
    m = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    return si.Weights.from_sparse(m, list(range(n)), normalization="row", kind="rook lattice")


@pytest.mark.slow
def test_gs3sls_spatial_error_recovery():
    """Two equations with W y, cross-equation feedback and spatially autoregressive, cross-correlated errors."""
    w = _lattice(20)
    n = w.n
    W = w.sparse
    truth = {"g1": 0.4, "g2": -0.3, "rho1": 0.3, "rho2": 0.2, "lam1": 0.4, "lam2": 0.3}
    eye = sp.identity(n, format="csc")
    system = sp.bmat([[eye - truth["rho1"] * W, -truth["g1"] * eye],
                      [-truth["g2"] * eye, eye - truth["rho2"] * W]], format="csc")
    solve = spla.splu(system).solve
    err1 = spla.splu((eye - truth["lam1"] * W).tocsc()).solve
    err2 = spla.splu((eye - truth["lam2"] * W).tocsc()).solve
    rng = np.random.default_rng(20240611)
    chol = np.linalg.cholesky(np.array([[1.0, 0.5], [0.5, 1.0]]))
    reps, est, cover = 300, [], []
    for _ in range(reps):
        x1, x2 = rng.normal(size=n), rng.normal(size=n)
        e = rng.normal(size=(n, 2)) @ chol.T
        u1, u2 = err1(e[:, 0]), err2(e[:, 1])
        y = solve(np.concatenate([1.0 + x1 + u1, -1.0 + x2 + u2]))
        df = pd.DataFrame({"y1": y[:n], "y2": y[n:], "x1": x1, "x2": x2})
        res = si.gs3sls({"a": "y1 ~ y2 + x1", "b": "y2 ~ y1 + x2"}, df, w, w_lags=2, spatial_error=True)
        b = res.params
        ci = res.conf_int()
        est.append([b[("a", "y2")], b[("b", "y1")]])
        cover.append([ci.loc[("a", "y2"), "lower"] <= truth["g1"] <= ci.loc[("a", "y2"), "upper"],
                      ci.loc[("b", "y1"), "lower"] <= truth["g2"] <= ci.loc[("b", "y1"), "upper"]])
    est, cover = np.array(est), np.array(cover)
    bias = est.mean(axis=0) - np.array([truth["g1"], truth["g2"]])
    coverage = cover.mean()
    print(f"GS3SLS recovery: bias = {bias}, coverage = {coverage:.3f} (per coefficient {cover.mean(axis=0)})")
    assert np.abs(bias).max() < 0.03
    assert 0.92 <= coverage <= 0.97
