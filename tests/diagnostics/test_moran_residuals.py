"""si.moran_residuals against spdep lm.morantest, spreg MoranRes, and dense Cliff-Ord moments written out."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spatialinno as si
from spatialinno.diagnostics import ResidualMoranError
from spatialinno.errors import SpatialInnoError

from .reference2 import PY_REF, R_REF, columbus, produc, report, weights

MR = R_REF["moran_residuals"]
FORMULA = "lgsp ~ lpcap + lpc + lemp + unemp"
FIELDS = ["I", "expected", "variance", "z"]


def fit(model: str, style: str = "W"):
    est = si.ols if model == "ols" else si.slx
    return est("CRIME ~ INC + HOVAL", columbus(), weights("columbus", style))


@pytest.mark.parametrize("model,style", [("ols", "W"), ("ols", "B"), ("slx", "W")])
def test_cross_section_matches_spdep_and_spreg(model, style):
    r = si.moran_residuals(fit(model, style))
    key = f"columbus_{model}_{style}"
    ref_r, ref_py = MR[key], PY_REF["moran_res"][key]
    report(f"residual Moran {key} vs spdep lm.morantest", [getattr(r, f) for f in FIELDS] + [r.p_greater],
           [ref_r[f] for f in FIELDS] + [ref_r["p_greater"]])
    report(f"residual Moran {key} vs spreg MoranRes", [getattr(r, f) for f in FIELDS] + [r.p_value],
           [ref_py[f] for f in FIELDS] + [ref_py["p_value"]])
    assert r.df_resid == 49 - (3 if model == "ols" else 5) and r.by_period is None


def test_formula_form_equals_results_form():
    a = si.moran_residuals(fit("slx"))
    b = si.moran_residuals("CRIME ~ INC + HOVAL", columbus(), weights("columbus", "W"), model="SLX")
    assert dataclasses.astuple(a) == dataclasses.astuple(b)


def panel_fit(fe: str, style: str = "W"):
    return si.ols(FORMULA, produc(), weights("produc", style), entity="state", time="year", fixed_effects=fe,
                  bias_correction="none")


@pytest.mark.parametrize("fe,key", [("entity", "individual"), ("twoway", "twoways")])
def test_panel_pooled_and_per_period_match_spdep(fe, key):
    r = si.moran_residuals(panel_fit(fe))
    ref = MR["produc"][key]
    report(f"pooled residual Moran ({fe}) vs lm.morantest on LSDV, block-diagonal W",
           [getattr(r, f) for f in FIELDS] + [r.p_greater], [ref["pooled"][f] for f in FIELDS + ["p_greater"]])
    per = pd.DataFrame(ref["per_period"]).T
    per.index = per.index.astype(int)
    assert list(r.by_period.index) == list(per.index)
    report(f"per-period residual Moran ({fe}) vs lm.morantest per year",
           r.by_period[FIELDS + ["p_greater"]].to_numpy(), per[FIELDS + ["p_greater"]].to_numpy())


def dense_cliff_ord(e: np.ndarray, M: np.ndarray, W: np.ndarray) -> list[float]:
    """Cliff & Ord (1981) written out: I, E[I] = (n/S0) tr(MW)/(n-k), Var from the trace formula, z."""
    n, s0 = W.shape[0], W.sum()
    m = round(np.trace(M))
    MW = M @ W
    I = n / s0 * (e @ W @ e) / (e @ e)
    E = n / s0 * np.trace(MW) / m
    V = (n / s0) ** 2 * (np.trace(MW @ M @ W.T) + np.trace(MW @ MW) + np.trace(MW) ** 2) / (m * (m + 2)) - E ** 2
    return [I, E, V, (I - E) / np.sqrt(V)]


def dummies(labels: np.ndarray) -> np.ndarray:
    return (labels[:, None] == np.unique(labels)[None, :]).astype(float)


@pytest.mark.parametrize("fe", ["none", "entity", "time", "twoway"])
@pytest.mark.parametrize("style", ["W", "B"])
def test_panel_moments_equal_dense_brute_force(fe, style):
    """Pooled: M from OLS on raw X plus explicit dummies, W_T = kron(I_T, W); per period: OLS of the within
    outcome on [1, within X_t]. Binary W with time effects exercises the centred traces (W 1 not constant)."""
    pr = produc().sort_values(["year", "state"])
    w = weights("produc", style)
    res = panel_fit(fe, style)
    r = si.moran_residuals(res)
    N, T = w.n, 17
    W = w.sparse.toarray()
    X = np.column_stack([np.ones(N * T)] + [pr[c].to_numpy() for c in ["lpcap", "lpc", "lemp", "unemp"]])
    parts = [X] + ([dummies(pr["state"].to_numpy())] if fe in ("entity", "twoway") else []) + \
            ([dummies(pr["year"].to_numpy())] if fe in ("time", "twoway") else [])
    Xf = np.column_stack(parts)
    M = np.eye(N * T) - Xf @ np.linalg.pinv(Xf)
    y = pr["lgsp"].to_numpy()
    e = M @ y
    got = [r.I, r.expected, r.variance, r.z]
    np.testing.assert_allclose(got, dense_cliff_ord(e, M, np.kron(np.eye(T), W)), rtol=1e-9)
    assert r.df_resid == round(np.trace(M))
    ytil = res.fitted + res.resid
    Xtil = res.model_matrix()
    for year in sorted(pr["year"].unique()):
        rows = pd.MultiIndex.from_product([w.ids, [year]])
        Z = np.column_stack([np.ones(N), Xtil.loc[rows].to_numpy()])
        Mt = np.eye(N) - Z @ np.linalg.pinv(Z)
        np.testing.assert_allclose(r.by_period.loc[year, FIELDS].to_numpy(float),
                                   dense_cliff_ord(Mt @ ytil.loc[rows].to_numpy(), Mt, W), rtol=1e-9)


def test_p_values_are_normal_tails():
    r = si.moran_residuals(fit("ols"))
    assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(r.z)), rel=1e-12)
    assert r.p_greater == pytest.approx(stats.norm.sf(r.z), rel=1e-12)


def test_model_matrix_contract():
    res = panel_fit("entity")
    X = res.model_matrix()
    assert list(X.columns) == list(res.params.index) and X.index.equals(res.resid.index)
    np.testing.assert_allclose(X.groupby(level="entity").mean().to_numpy(), 0.0, atol=1e-12)
    np.testing.assert_allclose((res.fitted + res.resid - X @ res.params).to_numpy(), res.resid.to_numpy(), atol=1e-12)
    sar = si.sar("CRIME ~ INC + HOVAL", columbus(), weights("columbus", "W"))
    assert list(sar.model_matrix().columns) == ["Intercept", "INC", "HOVAL"]


def test_spatial_models_and_random_effects_raise_named_error():
    w = weights("columbus", "W")
    for est in (si.sar, si.sem, si.sdm):
        with pytest.raises(ResidualMoranError, match="lm_tests"):
            si.moran_residuals(est("CRIME ~ INC + HOVAL", columbus(), w))
    re = si.ols(FORMULA, produc(), weights("produc", "W"), entity="state", time="year", fixed_effects="random")
    with pytest.raises(ResidualMoranError, match="random"):
        si.moran_residuals(re)


def test_bad_input_and_frozen_result():
    res = fit("ols")
    with pytest.raises(SpatialInnoError, match="formula form"):
        si.moran_residuals(res, columbus())
    with pytest.raises(SpatialInnoError, match="fitted results"):
        si.moran_residuals(np.zeros(3))
    with pytest.raises(SpatialInnoError, match="'OLS' or 'SLX'"):
        si.moran_residuals("CRIME ~ INC", columbus(), weights("columbus", "W"), model="SAR")
    r = si.moran_residuals(res)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.I = 0.0
    text = str(r.summary())
    assert "Moran's I of OLS residuals" in text and f"{r.I:.4f}" in text


@pytest.mark.parametrize("fe", ["entity", "twoway"])
def test_moments_are_the_null_moments_by_simulation(fe):
    """Under the FE model with iid normal errors the reported E[I] and Var[I] (pooled and per period) are the
    actual moments: 4000 seeded draws of the errors (I is invariant to b and the fixed effects)."""
    res = panel_fit(fe)
    r = si.moran_residuals(res)
    w = weights("produc", "W")
    N, T, reps = w.n, 17, 4000
    W = w.sparse.toarray()
    Xt = res.model_matrix().swaplevel().sort_index().to_numpy().reshape(T, N, -1)  # time-major
    eps = np.random.default_rng(20240601).normal(size=(reps, T, N))
    et = eps - eps.mean(axis=1, keepdims=True)
    if fe == "twoway":
        et = et - et.mean(axis=2, keepdims=True)
    X = Xt.reshape(T * N, -1)
    flat = et.reshape(reps, T * N)
    pooled = (flat - flat @ X @ np.linalg.solve(X.T @ X, X.T)).reshape(reps, T, N)
    scale = N / W.sum()
    I_pooled = scale * np.einsum("rti,ij,rtj->r", pooled, W, pooled) / np.einsum("rti,rti->r", pooled, pooled)
    sims = [I_pooled]
    for t in range(T):
        Z = np.column_stack([np.ones(N), Xt[t]])
        e = et[:, t] - et[:, t] @ Z @ np.linalg.solve(Z.T @ Z, Z.T)
        sims.append(scale * np.einsum("ri,ij,rj->r", e, W, e) / np.einsum("ri,ri->r", e, e))
    sims = np.array(sims)
    expected = np.r_[r.expected, r.by_period["expected"].to_numpy()]
    variance = np.r_[r.variance, r.by_period["variance"].to_numpy()]
    assert np.all(np.abs(sims.mean(axis=1) - expected) < 4 * np.sqrt(variance / reps))
    assert np.all(np.abs(sims.var(axis=1, ddof=1) / variance - 1) < 4 * np.sqrt(2 / reps))


def test_panel_formula_form_equals_results_form():
    a = si.moran_residuals(FORMULA, produc(), weights("produc", "B"), entity="state", time="year",
                           fixed_effects="time")
    b = si.moran_residuals(panel_fit("time", "B"))
    assert (a.I, a.expected, a.variance, a.df_resid) == (b.I, b.expected, b.variance, b.df_resid)
    pd.testing.assert_frame_equal(a.by_period, b.by_period)
