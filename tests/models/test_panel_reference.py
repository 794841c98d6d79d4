"""Spatial panel estimators against independent computations.

- bias_correction="none" (exact ML of the dummy-variable model): R spatialreg lagsarlm/errorsarlm on
  the stacked Produc panel with explicit state (and year) dummies and W_NT = I_T (x) W
  (tests/reference/panel/make_reference.R), to 1e-6 relative, standard errors to 1e-5.
- bias_correction="lee-yu": an explicit orthonormal transformation (F_T' (x) F_N') of the data written
  here with dense matrices, and the ML of the transformed (N-1)(T-1) SAR/SDM, to 1e-8.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg, optimize

import spatialinno as si

FORMULA = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"
EST = {"SAR": si.sar, "SEM": si.sem, "SDM": si.sdm}


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-12)


@pytest.mark.parametrize("fe", ["entity", "twoway"])
@pytest.mark.parametrize("model", ["SAR", "SEM", "SDM"])
def test_dummy_variable_ml_matches_r(produc, panel_ref, fe, model):
    data, w = produc
    r = panel_ref["fixed"][fe][model]
    res = EST[model](FORMULA, data, w, entity="state", time="year", fixed_effects=fe, bias_correction="none")
    par = "rho" if "rho" in r else "lambda"
    # R's optimiser stops within ~3.5e-8 of the optimum (the fixture's within_check), so 1e-6 relative
    for name, value in r["coefficients"].items():
        assert rel(res.params[name], value) < 1e-6, (name, res.params[name], value)
    assert rel(res.params[par], r[par]) < 1e-6
    for name, value in r["std_errors"].items():
        assert rel(res.bse[name], value) < 1e-5, (name, res.bse[name], value)
    assert rel(res.bse[par], r[f"{par}_se"]) < 1e-5
    assert rel(res.sigma2, r["sigma2"]) < 1e-6
    assert abs(res.llf - r["loglik"]) < 1e-6
    assert res.bias_correction == "none" and res.fixed_effects == fe
    assert "Bias correction none" in str(res.summary()).replace("  ", " ").replace("  ", " ")


def test_recovered_fixed_effects_match_r(produc, panel_ref):
    data, w = produc
    fx = panel_ref["fixed_effects_twoway_SAR"]
    res = si.sar(FORMULA, data, w, entity="state", time="year", fixed_effects="twoway", bias_correction="none")
    assert abs(res.intercept - fx["alpha"]) < 1e-6
    assert max(abs(res.entity_effects[k] - v) for k, v in fx["mu"].items()) < 1e-6
    assert max(abs(res.time_effects[int(k)] - v) for k, v in fx["xi"].items()) < 1e-6


def orthonormal_complement(m: int) -> np.ndarray:
    """F (m x m-1): orthonormal eigenvectors of I - J/m with eigenvalue 1 (Lee & Yu 2010)."""
    vals, vecs = linalg.eigh(np.eye(m) - np.ones((m, m)) / m)
    return vecs[:, vals > 0.5]


def lee_yu_by_hand(data, w, durbin: bool, effects: str):
    """Transform with explicit F matrices and maximise the likelihood of the transformed model."""
    N, T = w.n, data["year"].nunique()
    d = data.set_index(["year", "state"]).sort_index()
    Y = np.log(d["gsp"]).to_numpy().reshape(T, N)
    Xs = [np.log(d["pcap"]), np.log(d["pc"]), np.log(d["emp"]), d["unemp"]]
    Xs = [x.to_numpy().reshape(T, N) for x in Xs]
    W = w.sparse.toarray()
    if durbin:
        Xs = Xs + [x @ W.T for x in Xs]
    FT = orthonormal_complement(T)
    FN = orthonormal_complement(N) if effects == "twoway" else np.eye(N)
    Ws = FN.T @ W @ FN
    tr = lambda M: (FT.T @ M @ FN).ravel()  # noqa: E731  (T x N) -> (T-1)(N-1) transformed, time-major
    y = tr(Y)
    Wy = ((FT.T @ Y @ FN) @ Ws.T).ravel()
    X = np.column_stack([tr(x) for x in Xs])
    n, Tm = len(y), T - 1
    ev = np.linalg.eigvals(Ws).real

    def negll(rho):
        e = y - rho * Wy
        b = np.linalg.lstsq(X, e, rcond=None)[0]
        r = e - X @ b
        s2 = r @ r / n
        return 0.5 * n * np.log(2 * np.pi * s2) + 0.5 * n - Tm * np.linalg.slogdet(np.eye(len(Ws)) - rho * Ws)[1]

    res = optimize.minimize_scalar(negll, bounds=(1 / ev.min() + 1e-6, 1 / ev.max() - 1e-6), method="bounded",
                                   options={"xatol": 1e-13})
    # the likelihood is flat to ~1e-12 within 1e-7 of the top: refine on the root of its derivative
    h = 1e-6
    dneg = lambda r: (negll(r + h) - negll(r - h)) / (2 * h)  # noqa: E731
    rho = optimize.brentq(dneg, res.x - 1e-4, res.x + 1e-4, xtol=1e-14)
    e = y - rho * Wy
    b = np.linalg.lstsq(X, e, rcond=None)[0]
    r = e - X @ b
    s2 = r @ r / n
    # analytic information of the transformed SAR (Lee & Yu 2010, eq. 2.4), dense
    G = Ws @ np.linalg.inv(np.eye(len(Ws)) - rho * Ws)
    GXb = np.concatenate([G @ blk for blk in (X @ b).reshape(Tm, -1)])
    k = X.shape[1]
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = X.T @ X / s2
    info[:k, k] = info[k, :k] = X.T @ GXb / s2
    info[k, k] = GXb @ GXb / s2 + Tm * (np.trace(G @ G) + np.trace(G.T @ G))
    info[k, k + 1] = info[k + 1, k] = Tm * np.trace(G) / s2
    info[k + 1, k + 1] = n / (2 * s2 ** 2)
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    return rho, b, s2, -res.fun, se


@pytest.mark.parametrize("effects", ["entity", "twoway"])
@pytest.mark.parametrize("model", ["SAR", "SDM"])
def test_lee_yu_matches_explicit_transformation(produc, effects, model):
    data, w = produc
    rho, b, s2, llf, se = lee_yu_by_hand(data, w, model == "SDM", effects)
    res = EST[model](FORMULA, data, w, entity="state", time="year", fixed_effects=effects)
    assert res.bias_correction == "lee-yu"
    k = len(b)
    assert abs(res.rho - rho) < 1e-8
    # 1e-8 relative to the coefficient vector's scale (tiny coefficients move with rho's last digits)
    assert np.max(np.abs(res.params.to_numpy()[:k] - b)) < 1e-8 * np.max(np.abs(b))
    assert rel(res.sigma2, s2) < 1e-8
    assert abs(res.llf - llf) < 1e-8
    assert np.allclose(res.bse.to_numpy(), se[:-1], rtol=1e-6)
    assert rel(res.sigma2_se, se[-1]) < 1e-6


def test_elhorst_correction_follows_its_formula(produc):
    """Entity effects: sigma2 scaled by T/(T-1), coefficients untouched (Elhorst's sar_panel_FE, bc=1)."""
    data, w = produc
    none = si.sar(FORMULA, data, w, entity="state", time="year", fixed_effects="entity", bias_correction="none")
    elh = si.sar(FORMULA, data, w, entity="state", time="year", fixed_effects="entity", bias_correction="elhorst")
    assert elh.bias_correction == "elhorst"
    assert np.allclose(elh.params, none.params, rtol=1e-12)
    assert rel(elh.sigma2, none.sigma2 * 17 / 16) < 1e-12
    two = si.sdm(FORMULA, data, w, entity="state", time="year", fixed_effects="twoway", bias_correction="elhorst")
    ly = si.sdm(FORMULA, data, w, entity="state", time="year", fixed_effects="twoway")
    # Elhorst's analytic correction and the Lee-Yu transformation are asymptotically equivalent
    assert abs(two.rho - ly.rho) < 0.25 * ly.bse["rho"]
