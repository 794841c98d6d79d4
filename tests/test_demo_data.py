"""The bundled SIMULATED demo data: shape, plausibility, consistency with the agglomeration functions,
exact reproduction of the documented data-generating process (first error draw of the seed, the
instrument's own stream), the documented endogeneity of agglom and strength of its instrument, and
recovery of the true parameters by the two-way fixed-effects SDM with the Lee-Yu correction."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spatialinno as si
from spatialinno.agglomeration import coagglomeration, location_quotient
from spatialinno.datasets import demo as demo_module
from spatialinno.datasets import load_demo_industry, load_demo_panel, load_provinces

ROOT = Path(__file__).resolve().parents[1]
REGRESSORS = ["agglom", "coagg", "pgdp", "open", "infr", "educ", "rd"]
INDUSTRIES = ["pharmaceuticals", "aerospace", "electronics_communication", "computers_office",
              "medical_instruments", "manufacturing", "producer_services", "all"]


@pytest.fixture(scope="module")
def provinces():
    return load_provinces()


@pytest.fixture(scope="module")
def w(provinces):
    return si.weights.contiguity(provinces, id="code", islands="nearest", normalize="row")


@pytest.fixture(scope="module")
def panel_truth():
    return load_demo_panel(return_truth=True)


def test_industry_table(provinces):
    ind = load_demo_industry()
    assert list(ind.columns) == ["code", "year", "industry", "output", "employment"]
    assert len(ind) == 31 * 15 * 8
    assert set(ind["code"]) == set(provinces["code"])
    assert sorted(ind["year"].unique()) == list(range(2006, 2021))
    assert list(pd.unique(ind["industry"])) == INDUSTRIES
    assert tuple(INDUSTRIES[:5]) == demo_module.HIGH_TECH_INDUSTRIES
    assert not ind.isna().any().any()
    assert (ind[["output", "employment"]] >= 0).all().all()
    assert not ind.duplicated(["code", "year", "industry"]).any()
    wide = ind.pivot_table(index=["code", "year"], columns="industry", values="output")
    ht = wide[INDUSTRIES[:5]].sum(axis=1)
    assert (ht <= wide["manufacturing"] + 0.05).all()
    assert (wide["manufacturing"] + wide["producer_services"] <= wide["all"]).all()
    # growth and the east-belt concentration of high tech
    nat = wide.groupby(level="year").sum()
    assert nat.loc[2020, "all"] > 2.5 * nat.loc[2006, "all"]
    assert (ht.groupby(level="year").sum().loc[2020]) > 3 * ht.groupby(level="year").sum().loc[2006]
    region = provinces.set_index("code")["region"]
    share = (ht / wide["all"]).groupby(region.reindex(wide.index.get_level_values("code")).to_numpy()).mean()
    assert share["east"] > share["central"] > share["west"] * 0.9
    # new object on every call
    ind.loc[0, "output"] = -1
    assert load_demo_industry().loc[0, "output"] >= 0


def test_panel_shape(panel_truth, provinces):
    df, truth = panel_truth
    assert list(df.columns) == ["code", "year", "name", "region", "innov"] + REGRESSORS + ["hist_univ"]
    assert list(demo_module.PANEL_VARIABLES) == list(df.columns)
    assert len(df) == 465 and not df.isna().any().any()
    assert not df.duplicated(["code", "year"]).any()
    assert df.groupby("code").size().eq(15).all()
    assert df["code"].dtype == np.int64 and df["year"].dtype == np.int64
    names = provinces.set_index("code")[["name", "region"]]
    pd.testing.assert_frame_equal(df.drop_duplicates("code").set_index("code")[["name", "region"]], names,
                                  check_names=False)
    east = df[df.region == "east"]["agglom"].mean()
    assert east > df[df.region == "central"]["agglom"].mean() > 0
    assert east > df[df.region == "west"]["agglom"].mean()
    assert 8.5 < df["pgdp"].min() < df["pgdp"].max() < 12.5  # log yuan
    assert 0 < df["rd"].min() and df["rd"].max() < 8  # percent of GDP
    assert 4 < df["educ"].min() and df["educ"].max() < 13  # years
    df2 = load_demo_panel()
    pd.testing.assert_frame_equal(df, df2)


def test_agglomeration_columns_come_from_industry_table(panel_truth):
    df, _ = panel_truth
    ind = load_demo_industry()
    ht = (ind[ind["industry"].isin(demo_module.HIGH_TECH_INDUSTRIES)].groupby(["code", "year"], as_index=False)
          ["output"].sum().assign(industry="high_tech"))
    base = ind[ind["industry"].isin(["manufacturing", "producer_services", "all"])].drop(columns="employment")
    lq = location_quotient(pd.concat([ht, base]), "code", "industry", "output", total="all", period="year")
    agglom = lq.xs("high_tech", level="industry")
    coagg = coagglomeration(lq.xs("producer_services", level="industry"), lq.xs("manufacturing", level="industry"))
    p = df.set_index(["code", "year"])
    np.testing.assert_allclose(p["agglom"].to_numpy(), agglom.reindex(p.index).to_numpy(), atol=1e-6)
    np.testing.assert_allclose(p["coagg"].to_numpy(), coagg.reindex(p.index).to_numpy(), atol=1e-6)
    # the same by hand for one cell: Guangdong 2020
    g = ind[(ind.code == 440000) & (ind.year == 2020)].set_index("industry")["output"]
    nat = ind[ind.year == 2020].groupby("industry")["output"].sum()
    hand = (g[list(demo_module.HIGH_TECH_INDUSTRIES)].sum() / g["all"]) / (
        nat[list(demo_module.HIGH_TECH_INDUSTRIES)].sum() / nat["all"])
    assert p.loc[(440000, 2020), "agglom"] == pytest.approx(hand, abs=1e-6)


def test_truth_dict(panel_truth):
    _, truth = panel_truth
    assert truth["formula"] == "innov ~ " + " + ".join(REGRESSORS)
    assert set(truth["beta"]) == set(REGRESSORS)
    assert set(truth["theta"]) == {f"W_{v}" for v in REGRESSORS}
    assert 0 < truth["rho"] < 1 and truth["sigma2"] > 0
    assert truth["theta"]["W_agglom"] > 0
    assert truth["fixed_effects"] == "twoway" and truth["N"] == 31 and truth["T"] == 15
    assert truth["weights"]["island_links"] == [[460000, 440000]]
    assert isinstance(truth["seed"], int)
    assert "SIMULATED" in truth["description"]
    assert "SIMULATED" in load_demo_panel.__doc__ and "SIMULATED" in load_demo_industry.__doc__
    assert set(truth["variables"]) == {"innov", "hist_univ"} | set(REGRESSORS)
    assert truth["instrument"]["name"] == "hist_univ" and truth["instrument"]["endogenous"] == "agglom"
    assert "hist_univ" not in truth["formula"]  # excluded from innov's equation
    assert "rejected_draws" not in truth and "first" in truth["error_draw"]


def _dgp_parts(df, truth, w):
    """Ids, years, A = I - rho W and the (T, N) systematic part X b + W X t + mu + xi of the documented DGP."""
    ids = list(w.ids)
    years = sorted(df["year"].unique())
    W = w.sparse.toarray()
    A = np.eye(len(ids)) - truth["rho"] * W
    P = df.set_index(["year", "code"])
    b = np.array([truth["beta"][v] for v in REGRESSORS])
    th = np.array([truth["theta"][f"W_{v}"] for v in REGRESSORS])
    mu = np.array([truth["entity_effects"][str(c)] for c in ids])
    xi = np.array([truth["time_effects"][str(t)] for t in years])
    mean = np.array([P.loc[yr].reindex(ids)[REGRESSORS].to_numpy() @ b
                     + W @ P.loc[yr].reindex(ids)[REGRESSORS].to_numpy() @ th + mu + xi[t]
                     for t, yr in enumerate(years)])
    return ids, years, A, mean


def test_dgp_reproduces_exactly(panel_truth, w):
    """innov is exactly (I - rho W)^-1 (X beta + W X theta + mu + xi + e) with e the FIRST (T, N) block of
    seeded N(0, sigma2) draws of the error stream (the third child of SeedSequence(seed))."""
    df, truth = panel_truth
    ids, years, A, mean = _dgp_parts(df, truth, w)
    E = _errors(df, A, mean, ids, years)
    rng_e = np.random.default_rng(np.random.SeedSequence(truth["seed"]).spawn(4)[2])
    expected = rng_e.normal(0, np.sqrt(truth["sigma2"]), (len(years), len(ids)))
    np.testing.assert_allclose(E, expected, atol=5e-6)


def _errors(df, A, mean, ids, years):
    Y = df.set_index(["year", "code"])["innov"].unstack().loc[years, ids].to_numpy()
    return Y @ A.T - mean


def test_instrument_reproduces_from_its_own_stream(panel_truth, w):
    """hist_univ is log h_i + g_i t + AR(1) drawn only from the fourth child of SeedSequence(seed), as documented."""
    df, truth = panel_truth
    ids, years = list(w.ids), sorted(df["year"].unique())
    rng = np.random.default_rng(np.random.SeedSequence(truth["seed"]).spawn(4)[3])
    N, T = len(ids), len(years)
    level = np.log(40.0) + rng.normal(0, 0.5, N)
    growth = rng.normal(0.06, 0.03, N)
    shocks = rng.normal(0.0, 0.08, (N, T))
    ar = np.empty((N, T))
    ar[:, 0] = shocks[:, 0] / np.sqrt(1 - 0.8 ** 2)
    for t in range(1, T):
        ar[:, t] = 0.8 * ar[:, t - 1] + shocks[:, t]
    expected = level[:, None] + growth[:, None] * np.arange(T)[None, :] + ar
    got = df.set_index(["code", "year"])["hist_univ"].unstack().loc[ids, years].to_numpy()
    np.testing.assert_allclose(got, expected, atol=5e-7)


def _twoway(df, col):
    s = df[col] - df.groupby("code")[col].transform("mean")
    return s - s.groupby(df["year"]).transform("mean")


def test_agglom_endogenous_and_instrument_relevant_and_excluded(panel_truth, w):
    """The documented roles hold in the shipped sample: agglom moves with innov's error (within province and
    year), hist_univ does not (exclusion), and hist_univ shifts agglom (first-stage partial F > 10)."""
    df, truth = panel_truth
    ids, years, A, mean = _dgp_parts(df, truth, w)
    E = _errors(df, A, mean, ids, years)
    e = pd.Series(E.ravel(), index=pd.MultiIndex.from_product([years, ids], names=["year", "code"]))
    d = df.assign(e=e.reindex(pd.MultiIndex.from_frame(df[["year", "code"]])).to_numpy(),
                  log_agglom=np.log(df["agglom"]))
    n = len(d)
    # the documented mechanism: log high-tech share (hence log agglom) += kappa_e * e_it
    r_agg = np.corrcoef(_twoway(d, "log_agglom"), _twoway(d, "e"))[0, 1]
    r_z = np.corrcoef(_twoway(d, "hist_univ"), _twoway(d, "e"))[0, 1]
    assert r_agg * np.sqrt(n) > 3, r_agg  # clearly positive
    assert abs(r_z) * np.sqrt(n) < 3, r_z  # no more than sampling noise
    iv = si.gs2sls(truth["instrument"]["formula"], df, w, model="sar", entity="code", time="year",
                   fixed_effects="twoway")
    assert iv.first_stage.loc["agglom", "partial_F"] > 10, iv.first_stage


def test_script_regenerates_shipped_files(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_demo_data", ROOT / "scripts" / "make_demo_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "OUT", tmp_path)
    mod.main()
    shipped = Path(demo_module.__file__).parent / "data"
    for name in ("demo_industry.csv.gz", "demo_panel.csv", "demo_truth.json"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name


# ---- recovery of the truth ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sdm_fit(panel_truth, w):
    df, truth = panel_truth
    try:
        return si.models.sdm(truth["formula"], df, w, entity="code", time="year", fixed_effects="twoway",
                             bias_correction="lee-yu")
    except (NotImplementedError, ImportError) as exc:  # pragma: no cover - only while panels are unfinished
        pytest.skip(f"two-way FE panel SDM with Lee-Yu correction not available yet: {exc}")


def _truth_series(truth):
    return pd.Series({**truth["beta"], **truth["theta"], "rho": truth["rho"]})


def test_sdm_recovery_joint_wald_exogenous_part(sdm_fit, panel_truth):
    """Joint Wald test that the coefficients of the exogenous regressors (all but agglom and W_agglom) and rho
    equal the truth: at the 5% level it should not reject on this sample (the first error draw). agglom is
    endogenous by construction, so its ML coefficient is biased and excluded here (see the next test)."""
    _, truth = panel_truth
    tv = _truth_series(truth)
    names = [n for n in sdm_fit.params.index if n not in ("agglom", "W_agglom")]
    assert set(sdm_fit.params.index) == set(tv.index)
    d = (sdm_fit.params[names] - tv[names]).to_numpy()
    V = sdm_fit.cov_params().loc[names, names].to_numpy()
    wald = float(d @ np.linalg.solve(V, d))
    assert stats.chi2.sf(wald, len(d)) > 0.05, wald
    assert sdm_fit.sigma2 == pytest.approx(truth["sigma2"], rel=0.25)


def test_shipped_sample_facts_stated_in_texts(sdm_fit, panel_truth):
    """The facts of the shipped sample that README and notebooks state: 13 of 15 ML intervals cover, the two
    that miss are agglom (above the truth: endogeneity bias) and W_educ (chance, one sample)."""
    _, truth = panel_truth
    tv = _truth_series(truth)
    ci = sdm_fit.conf_int(0.05)
    missed = [n for n in tv.index if not (ci.loc[n, "lower"] <= tv[n] <= ci.loc[n, "upper"])]
    assert missed == ["agglom", "W_educ"], missed
    assert ci.loc["agglom", "lower"] > truth["beta"]["agglom"]


def test_sdm_detects_agglomeration_spillover(sdm_fit):
    """The demo data carry a real spillover of high-tech agglomeration (theta_agglom = 0.25 > 0)."""
    assert sdm_fit.pvalues["W_agglom"] < 0.05
    imp = sdm_fit.impacts(method="simulation", draws=500, seed=1)
    assert imp.loc[("agglom", "indirect"), "estimate"] > 0
    assert imp.loc[("agglom", "indirect"), "p_value"] < 0.05


@pytest.mark.slow
def test_sdm_monte_carlo_coverage(panel_truth, w):
    """Same X, mu, xi; fresh errors: every marginal 95% interval covers close to 95% of the time.

    The fresh errors are independent of the shipped X (including agglom), so this checks the estimator under
    exogeneity; in the shipped sample agglom is endogenous to its own error draw (see the tests above)."""
    df, truth = panel_truth
    ids, years, A, mean = _dgp_parts(df, truth, w)
    tv = _truth_series(truth)
    rng = np.random.default_rng(2024)
    reps, covered, zs = 200, [], []
    base = df[["code", "year"] + REGRESSORS].copy()
    idx = pd.MultiIndex.from_frame(base[["year", "code"]])
    for _ in range(reps):
        e = rng.normal(0, np.sqrt(truth["sigma2"]), mean.shape)
        Y = np.linalg.solve(A, (mean + e).T).T
        ys = pd.Series(Y.ravel(), index=pd.MultiIndex.from_product([years, ids], names=["year", "code"]))
        d = base.assign(innov=ys.reindex(idx).to_numpy())
        r = si.models.sdm(truth["formula"], d, w, entity="code", time="year", fixed_effects="twoway",
                          bias_correction="lee-yu")
        z = (r.params - tv[r.params.index]) / r.bse
        zs.append(z)
        covered.append(z.abs() < stats.norm.ppf(0.975))
    cov = pd.DataFrame(covered).mean()
    mz = pd.DataFrame(zs).mean()
    # binomial sd of a coverage rate at 0.95 with 200 draws is 0.015
    assert (cov > 0.88).all(), cov
    assert cov.mean() > 0.92, cov
    assert (mz.abs() < 0.35).all(), mz


def _spatial_lag(df, col, W, ids, power=1):
    wide = df.pivot(index="code", columns="year", values=col).loc[ids]
    lagged = pd.DataFrame(np.linalg.matrix_power(W, power) @ wide.to_numpy(), index=wide.index, columns=wide.columns)
    return lagged.stack().reindex(pd.MultiIndex.from_frame(df[["code", "year"]])).to_numpy()


@pytest.mark.slow
def test_endogeneity_design_monte_carlo(w):
    """The documented design, redrawn: fresh errors e feed both innov and (through KAPPA_E) agglom, with the
    script's own functions; covariates, effects and hist_univ as shipped. ML SDM overstates beta_agglom on
    average; spatial 2SLS with hist_univ (SDM, W agglom instrumented by W^k hist_univ) is centred on the truth
    and its 95% interval covers it about as often as it should."""
    spec = importlib.util.spec_from_file_location("make_demo_data", ROOT / "scripts" / "make_demo_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    prov = pd.DataFrame(load_provinces().drop(columns="geometry"))
    ids, T = list(w.ids), len(mod.YEARS)
    children = np.random.SeedSequence(mod.SEED).spawn(4)
    hist = mod.simulate_hist_univ(np.random.default_rng(children[3]), len(ids))
    z = pd.DataFrame({"code": np.repeat(ids, T), "year": np.tile(mod.YEARS, len(ids)), "hist_univ": hist.ravel()})
    W = w.sparse.toarray()
    rng = np.random.default_rng(7)
    ml, iv, covered = [], [], []
    for _ in range(30):
        e = rng.normal(0, np.sqrt(mod.SIGMA2), (T, len(ids)))
        industry, controls = mod.simulate_economy(np.random.default_rng(children[0]), prov,
                                                  mod.high_tech_shifters(hist, e.T))
        panel = mod.agglomeration_measures(industry).merge(controls, on=["code", "year"], validate="one_to_one")
        panel[mod.REGRESSORS] = panel[mod.REGRESSORS].round(6)
        A, mean, _ = mod.outcome_mean(np.random.default_rng(children[1]), panel, w)
        panel = mod.with_outcome(panel, A, mean, e, ids).merge(z, on=["code", "year"], validate="one_to_one")
        ml.append(si.sdm(mod.FORMULA, panel, w, entity="code", time="year", fixed_effects="twoway").params["agglom"])
        panel = panel.assign(w_agglom=_spatial_lag(panel, "agglom", W, ids),
                             w2_hist_univ=_spatial_lag(panel, "hist_univ", W, ids, 2))
        res = si.gs2sls("innov ~ coagg + pgdp + open + infr + educ + rd + [agglom + w_agglom ~ hist_univ + "
                        "w2_hist_univ]", panel, w, model="sdm", entity="code", time="year", fixed_effects="twoway",
                        w_lags=1)
        iv.append(res.params["agglom"])
        lo, hi = res.conf_int().loc["agglom"]
        covered.append(lo <= mod.BETA["agglom"] <= hi)
    truth = mod.BETA["agglom"]
    assert np.mean(ml) - truth > 0.08, np.mean(ml)  # the endogeneity bias of ML
    assert abs(np.mean(iv) - truth) < 0.06, np.mean(iv)
    assert np.mean(covered) >= 0.85, np.mean(covered)
