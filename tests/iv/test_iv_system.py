"""gs3sls: without spatial errors against linearmodels IV3SLS on the same per-equation instruments; with spatial
errors a seeded Monte Carlo recovery on a lattice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import spatialinno as si


def test_gs3sls_against_linearmodels_iv3sls(columbus_iv, lm_ref):
    """Fixture from tests/reference/iv/make_linearmodels_reference.py (linearmodels IV3SLS, GLS, unadjusted)."""
    ref = lm_ref["columbus_system"]
    data, w = columbus_iv
    res = si.gs3sls(ref["equations"], data, w, id="id", w_lags=2)
    # linearmodels orders each equation as [exog, endog]; ours follows the formula: Intercept, its terms, rho
    order = ref["order"]
    ours = np.concatenate([res.params.loc[eq].loc[order[eq]].to_numpy() for eq in order])
    ours_se = np.concatenate([res.bse.loc[eq].loc[order[eq]].to_numpy() for eq in order])
    db = np.abs(ours - ref["params"]).max()
    dse = np.abs(ours_se - ref["se"]).max()
    print(f"GS3SLS vs linearmodels IV3SLS: max|d coef| = {db:.2e}, max|d se| = {dse:.2e}")
    assert db < 1e-6 and dse < 1e-4
    assert res.params.index.names == ["equation", "variable"]
    assert set(res.equations) == {"hoval", "crime"}
    assert "GS3SLS" in str(res.summary())
    with pytest.raises(AttributeError):
        res.params = None


def test_gs3sls_entity_fe_against_dummy_variable_iv3sls(produc, lm_ref):
    ref = lm_ref["produc_system_entity"]
    data, w = produc
    res = si.gs3sls(ref["equations"], data.sample(frac=1.0, random_state=5), w, entity="state", time="year",
                    fixed_effects="entity", w_lags=2)
    order = ref["order"]
    ours = np.concatenate([res.params.loc[eq].loc[order[eq]].to_numpy() for eq in order])
    ours_se = np.concatenate([res.bse.loc[eq].loc[order[eq]].to_numpy() for eq in order])
    n, absorbed = ref["n"], ref["absorbed"]
    # Sigma's divisor: linearmodels n, gs3sls n - absorbed effects; the estimates do not depend on it
    se = np.array(ref["se_unadjusted_n"]) * np.sqrt(n / (n - absorbed))
    db, dse = np.abs(ours - ref["params"]).max(), np.abs(ours_se - se).max()
    print(f"entity-FE GS3SLS vs dummy-variable IV3SLS: max|d coef| = {db:.2e}, max|d se| = {dse:.2e}")
    assert db < 1e-6 and dse < 1e-4


@pytest.mark.slow
def test_gs3sls_spatial_error_recovery(make_lattice):
    """Two equations with W y, cross-equation feedback and spatially autoregressive, cross-correlated errors."""
    w = make_lattice(20)
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
