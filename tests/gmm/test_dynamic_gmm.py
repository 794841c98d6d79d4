"""si.dynamic_gmm against R plm::pgmm on EmplUK (Arellano & Bond 1991), bad input, and spatial recovery.

Fixtures: tests/reference/gmm/make_reference.R wrote emplUK.csv (plm's EmplUK) and reference.json.
Each pgmm call and the dynamic_gmm call expressing the same model are listed in SPECS.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.constants import DEFAULT_SEED
from spatialinno.errors import DataError, IdError, PanelError, SpatialInnoWarning

REF = Path(__file__).parents[1] / "reference" / "gmm"
REFERENCE = json.loads((REF / "reference.json").read_text())

AB = "lemp ~ L(lwage, 0:1) + lcapital + L(loutput, 0:1)"
BB = "lemp ~ L(lwage, 0:1) + L(lcapital, 0:1)"
# pgmm(log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + log(capital) + lag(log(output), 0:1) |
#      lag(log(emp), 2:99), effect = "twoways", transformation = "d")
AB_KW = dict(lags=2, system=False, time_effects=True)
# pgmm(log(emp) ~ lag(log(emp), 1) + lag(log(wage), 0:1) + lag(log(capital), 0:1) | lag(log(emp), 2:99) +
#      lag(log(wage), 2:99) + lag(log(capital), 2:99), effect = "twoways", transformation = "ld")
BB_KW = dict(lags=1, system=True, time_effects=True, gmm=["lwage", "lcapital"])
SPECS = {
    "ab_onestep": (AB, dict(AB_KW, two_step=False)),
    "ab_twosteps": (AB, dict(AB_KW, two_step=True)),
    "ab_twosteps_collapse": (AB, dict(AB_KW, two_step=True, collapse=True)),
    "bb_onestep": (BB, dict(BB_KW, two_step=False)),
    "bb_twosteps": (BB, dict(BB_KW, two_step=True)),
    "bb_twosteps_collapse": (BB, dict(BB_KW, two_step=True, collapse=True)),
    # ... | lag(log(emp), 2:99) + lag(log(wage), 1:99): wage predetermined (instruments from lag 1)
    "ab_predetermined_twosteps": (AB, dict(AB_KW, two_step=True, predetermined=["lwage"])),
    # ... | lag(log(emp), 2:4)
    "ab_maxlag4_twosteps": (AB, dict(AB_KW, two_step=True, max_lag=4)),
    # ... | lag(log(emp), 2:3) + lag(log(wage), 2:3) + lag(log(capital), 2:3)
    "bb_maxlag3_twosteps": (BB, dict(BB_KW, two_step=True, max_lag=3)),
}
PLM_NAMES = {"lag(log(emp), 1:2)1": "L1.lemp", "lag(log(emp), 1:2)2": "L2.lemp", "lag(log(emp), 1)": "L1.lemp",
             "lag(log(wage), 0:1)0": "lwage", "lag(log(wage), 0:1)1": "L1.lwage", "log(capital)": "lcapital",
             "lag(log(capital), 0:1)0": "lcapital", "lag(log(capital), 0:1)1": "L1.lcapital",
             "lag(log(output), 0:1)0": "loutput", "lag(log(output), 0:1)1": "L1.loutput",
             "(Intercept)": "Intercept"}


def emplUK() -> pd.DataFrame:
    d = pd.read_csv(REF / "emplUK.csv")
    for c in ("emp", "wage", "capital", "output"):
        d["l" + c] = np.log(d[c])
    return d


def fit(key: str, data: pd.DataFrame | None = None, **extra):
    formula, kw = SPECS[key]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return si.dynamic_gmm(formula, emplUK() if data is None else data, entity="firm", time="year", **kw, **extra)


def our_name(plm_name: str) -> str:
    return PLM_NAMES.get(plm_name, f"year[{plm_name}]")


@pytest.fixture(scope="module", params=list(SPECS))
def case(request):
    return request.param, fit(request.param), REFERENCE[request.param]


def test_names_coefficients_and_windmeijer_se_match_plm(case):
    key, res, ref = case
    assert list(res.params.index) == [our_name(n) for n in ref["names"]]
    np.testing.assert_allclose(res.params.to_numpy(), ref["coef"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), ref["se_robust"], rtol=0, atol=1e-4)
    assert res.n_instruments == ref["n_instruments"] and res.n_groups == ref["n_groups"] == 140


def test_ar_tests_match_plm_mtest_with_robust_vcov(case):
    key, res, ref = case
    got = res.ar_tests.to_numpy()
    want = [[ref[f"ar{m}_robust"]["statistic"], ref[f"ar{m}_robust"]["p_value"]] for m in (1, 2)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)


@pytest.mark.parametrize("key", [k for k in SPECS if "twosteps" in k])
def test_plain_ar_tests_and_se_of_two_step_fits_match_plm(key):
    ref = REFERENCE[key]
    plain = fit(key, robust=False)
    np.testing.assert_allclose(plain.bse.to_numpy(), ref["se_nonrobust"], rtol=0, atol=1e-4)
    want = [[ref[f"ar{m}_nonrobust"]["statistic"], ref[f"ar{m}_nonrobust"]["p_value"]] for m in (1, 2)]
    np.testing.assert_allclose(plain.ar_tests.to_numpy(), want, rtol=0, atol=1e-4)


def test_hansen_is_plm_sargan_of_the_two_step_fit(case):
    key, res, ref = case
    two = REFERENCE[key.replace("onestep", "twosteps")]["sargan_twosteps_weights"]  # the same model, two-step
    np.testing.assert_allclose(res.hansen.to_numpy(), [two["statistic"], two["df"], two["p_value"]], rtol=0,
                               atol=1e-4)
    assert res.sargan["df"] == two["df"]


@pytest.mark.parametrize("key", ["ab_onestep", "bb_onestep"])
def test_one_step_sargan_and_plain_se_are_plm_forms_over_n_sigma2(key):
    """plm scales the one-step weight matrix by N where Sargan (1958) divides by sigma^2: same quadratic form."""
    res = fit(key, robust=False)
    ref = REFERENCE[key]
    scale = ref["n_groups"] * res.sigma2
    np.testing.assert_allclose(res.sargan["statistic"] * scale, ref["sargan_onestep_weights"]["statistic"], rtol=1e-8)
    np.testing.assert_allclose(res.bse.to_numpy() / np.sqrt(scale), ref["se_nonrobust"], rtol=1e-6)


def test_sigma2_is_half_the_mean_squared_differenced_residual_by_hand():
    """sigma2 from the textbook: residuals of the differenced equation at plm's one-step coefficients."""
    ref = REFERENCE["ab_onestep"]
    b = dict(zip([our_name(n) for n in ref["names"]], ref["coef"]))
    d = emplUK().sort_values(["firm", "year"])
    g = d.groupby("firm")
    for c in ("lemp", "lwage", "loutput"):
        d[f"L1.{c}"] = g[c].shift(1)
    d["L2.lemp"] = g["lemp"].shift(2)
    cols = ["lemp", "L1.lemp", "L2.lemp", "lwage", "L1.lwage", "lcapital", "loutput", "L1.loutput"]
    diff = d[cols] - d.groupby("firm")[cols].shift(1)
    lam = d["year"].map(lambda t: b.get(f"year[{t}]", 0.0)) - d["year"].map(lambda t: b.get(f"year[{t - 1}]", 0.0))
    e = diff["lemp"] - sum(b[c] * diff[c] for c in cols[1:]) - lam
    e = e[(d["year"] >= 1979)].dropna()
    assert fit("ab_onestep").sigma2 == pytest.approx((e ** 2).sum() / (2 * len(e)), rel=1e-8)


def test_results_are_immutable_summary_states_method_and_data_untouched():
    data = emplUK()
    before = data.copy()
    res = fit("bb_twosteps_collapse", data=data)
    pd.testing.assert_frame_equal(data, before)
    with pytest.raises(AttributeError):
        res.params = res.params * 2
    text = str(res.summary())
    assert "Blundell-Bond system GMM, two-step" in text and "Windmeijer" in text and "Hansen" in text


@pytest.mark.filterwarnings("ignore:the (one|two)-step weight matrix")
def test_too_many_instruments_warns_like_xtabond2():
    d = emplUK()
    few = d[d["firm"] <= 60]
    formula, kw = SPECS["bb_twosteps"]
    with pytest.warns(SpatialInnoWarning, match=r"\d+ instruments outnumber the 60 groups"):
        si.dynamic_gmm(formula, few, entity="firm", time="year", **kw)


def test_gap_in_an_entity_is_refused_naming_it():
    d = emplUK()
    d = d[~((d["firm"] == 7) & (d["year"] == 1980))]
    with pytest.raises(PanelError, match=r"gaps.*7 lacks 1980"):
        si.dynamic_gmm(AB, d, entity="firm", time="year", **AB_KW)


def test_too_few_periods_for_the_lag_structure():
    d = emplUK()
    d = d[d["year"].between(1978, 1980)]
    with pytest.raises(PanelError, match="too few periods for the lag structure"):
        si.dynamic_gmm(AB, d, entity="firm", time="year", **AB_KW)


def test_lag_structure_leaving_no_estimation_sample():
    """Every firm keeps two consecutive years (staggered): the differenced equation needs three."""
    d = emplUK()
    start = 1977 + d["firm"] % 6
    d = d[(d["year"] >= start) & (d["year"] <= start + 1)]
    with pytest.raises(PanelError, match="no estimation sample"):
        si.dynamic_gmm("lemp ~ lwage", d, entity="firm", time="year", system=False)


def test_missing_columns_and_unknown_gmm_names():
    d = emplUK()
    with pytest.raises(DataError, match="'lsales'.*not in the data"):
        si.dynamic_gmm("lemp ~ lsales", d, entity="firm", time="year")
    with pytest.raises(DataError, match="'lcapital'.*not regressors of the formula"):
        si.dynamic_gmm("lemp ~ lwage", d, entity="firm", time="year", gmm=["lcapital"])
    with pytest.raises(DataError, match="outcome 'lemp' appears on the right"):
        si.dynamic_gmm("lemp ~ L1.lemp + lwage", d, entity="firm", time="year")


def test_time_invariant_regressor_in_difference_gmm_is_named():
    with pytest.raises(DataError, match="'sector' are zero in every equation"):
        si.dynamic_gmm("lemp ~ lwage + sector", emplUK(), entity="firm", time="year", system=False)
    with pytest.raises(PanelError, match="panel column 'yr' not in the data"):
        si.dynamic_gmm("lemp ~ lwage", emplUK(), entity="firm", time="yr")


def test_formula_lag_spellings_are_equivalent():
    d = emplUK()
    a = si.dynamic_gmm("lemp ~ L(lwage, 0:1) + lcapital", d, entity="firm", time="year", lags=2, system=False)
    b = si.dynamic_gmm("lemp ~ lwage + L1.lwage + L(lcapital, 0)", d, entity="firm", time="year", lags=2,
                       system=False)
    pd.testing.assert_series_equal(a.params, b.params)


# -- spatial dynamic GMM: recovery on the 31-province map -------------------------------------------------
TAU, RHO, BETA, T_KEEP, BURN, REPS = 0.3, 0.3, 1.0, 15, 50, 50


def simulate_provinces(w, seed: int) -> pd.DataFrame:
    """y_t = (I - rho W)^-1 (tau y_{t-1} + b x_t + mu + e_t), x, mu, e iid N(0, 1), 50 burn-in periods."""
    rng = np.random.default_rng(seed)
    dense, ids = w.sparse.toarray(), np.asarray(w.ids)
    n = len(ids)
    solve = np.linalg.inv(np.eye(n) - RHO * dense)
    mu, y, frames = rng.normal(size=n), np.zeros(n), []
    for t in range(BURN + T_KEEP):
        x = rng.normal(size=n)
        y = solve @ (TAU * y + BETA * x + mu + rng.normal(size=n))
        if t >= BURN:
            frames.append(pd.DataFrame({"code": ids, "year": 2000 + t - BURN, "y": y, "x": x}))
    return pd.concat(frames, ignore_index=True)


def test_spatial_system_gmm_recovers_tau_rho_beta():
    gdf = si.datasets.load_provinces()
    w = si.weights.contiguity(gdf, id="code", islands="nearest")
    est = np.array([si.dynamic_gmm("y ~ x", simulate_provinces(w, seed), entity="code", time="year", w=w,
                                   collapse=True, max_lag=2).params[["L1.y", "W_y", "x"]].to_numpy()
                    for seed in range(DEFAULT_SEED, DEFAULT_SEED + REPS)])
    bias = est.mean(axis=0) - [TAU, RHO, BETA]
    mc_se = est.std(axis=0, ddof=1) / np.sqrt(REPS)
    print("spatial GMM bias (tau, rho, b):", bias, "MC s.e.:", mc_se)
    assert np.all(np.abs(bias) < 3 * mc_se + 0.02)


def test_spatial_lag_needs_a_balanced_panel_and_matching_ids():
    gdf = si.datasets.load_provinces()
    w = si.weights.contiguity(gdf, id="code", islands="nearest")
    d = simulate_provinces(w, 1)
    with pytest.raises(PanelError, match="balanced"):
        si.dynamic_gmm("y ~ x", d.iloc[1:], entity="code", time="year", w=w, collapse=True)
    with pytest.raises(IdError, match="not in the weights"):
        si.dynamic_gmm("y ~ x", d.assign(code=d["code"] + 1), entity="code", time="year", w=w, collapse=True)


# -- effects of the spatial dynamic GMM ------------------------------------------------------------------------
def _dense_effects(mult: np.ndarray, b: float) -> tuple[float, float, float]:
    n = mult.shape[0]
    direct, total = b * np.trace(mult) / n, b * mult.sum() / n
    return direct, total - direct, total


def test_spatial_gmm_short_and_long_run_effects_equal_the_dense_formula():
    """Short run (I - rho W)^-1 b and long run ((1 - tau) I - rho W)^-1 b, direct = tr/N, total = 1'S1/N,
    against dense inverses written here; inference columns present and the delta intervals bracket the point."""
    gdf = si.datasets.load_provinces()
    w = si.weights.contiguity(gdf, id="code", islands="nearest")
    res = si.dynamic_gmm("y ~ x", simulate_provinces(w, DEFAULT_SEED), entity="code", time="year", w=w,
                         collapse=True, max_lag=2)
    tau, rho, b = res.params[["L1.y", "W_y", "x"]]
    W = w.sparse.toarray()
    eye = np.eye(w.n)
    short = _dense_effects(np.linalg.inv(eye - rho * W), b)
    long = _dense_effects(np.linalg.inv((1 - tau) * eye - rho * W), b)
    for horizon, ref in (("short", short), ("long", long)):
        imp = res.impacts(horizon=horizon, method="delta")
        got = imp.loc["x", "estimate"].reindex(["direct", "indirect", "total"]).to_numpy()
        np.testing.assert_allclose(got, ref, rtol=1e-8)
        assert (imp["ci_lower"] < imp["estimate"]).all() and (imp["estimate"] < imp["ci_upper"]).all()
        assert imp.index.get_level_values("variable").unique().tolist() == ["x"]
    sim = res.impacts(horizon="long", draws=500, seed=3)
    assert sim.attrs["horizon"] == "long" and sim.loc[("x", "total"), "std_error"] > 0


def test_gmm_impacts_need_the_spatial_fit():
    from spatialinno.errors import SpatialInnoError

    gdf = si.datasets.load_provinces()
    w = si.weights.contiguity(gdf, id="code", islands="nearest")
    plain = si.dynamic_gmm("y ~ x", simulate_provinces(w, DEFAULT_SEED), entity="code", time="year",
                           collapse=True, max_lag=2)
    with pytest.raises(SpatialInnoError, match="pass w="):
        plain.impacts()
