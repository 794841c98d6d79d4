"""The bundled SIMULATED demo data: shape, plausibility, consistency with the agglomeration functions,
exact reproduction of the documented data-generating process, and recovery of the true parameters
by the two-way fixed-effects SDM with the Lee-Yu correction."""

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
    assert list(df.columns) == ["code", "year", "name", "region", "innov"] + REGRESSORS
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
    """innov is exactly (I - rho W)^-1 (X beta + W X theta + mu + xi + e) with e the error_draw-th
    (T, N) block of seeded N(0, sigma2) draws."""
    df, truth = panel_truth
    ids, years, A, mean = _dgp_parts(df, truth, w)
    Y = df.set_index(["year", "code"])["innov"].unstack().loc[years, ids].to_numpy()
    E = Y @ A.T - mean
    rng_e = np.random.default_rng(np.random.SeedSequence(truth["seed"]).spawn(3)[2])
    assert [r["draw"] for r in truth["rejected_draws"]] == list(range(1, truth["error_draw"]))
    for _ in range(truth["error_draw"]):
        expected = rng_e.normal(0, np.sqrt(truth["sigma2"]), (len(years), len(ids)))
    np.testing.assert_allclose(E, expected, atol=5e-6)


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


def test_sdm_recovery_joint_wald(sdm_fit, panel_truth):
    """Joint test that (rho, beta, theta) equals the truth: at the 5% level it should not reject.

    This is the exact-level version of "the truth lies in the 95% confidence region". The 15 marginal
    95% intervals all cover in only about 45% of samples even for a perfect estimator (a Monte Carlo
    with this design: 44%), which is why the shipped sample was selected (see below)."""
    _, truth = panel_truth
    tv = _truth_series(truth)
    names = list(sdm_fit.params.index)
    assert set(names) == set(tv.index)
    d = (sdm_fit.params - tv[names]).to_numpy()
    V = sdm_fit.cov_params().loc[names, names].to_numpy()
    wald = float(d @ np.linalg.solve(V, d))
    assert stats.chi2.sf(wald, len(d)) > 0.05, wald
    assert sdm_fit.sigma2 == pytest.approx(truth["sigma2"], rel=0.25)


def test_sdm_detects_agglomeration_spillover(sdm_fit):
    """The demo data carry a real spillover of high-tech agglomeration (theta_agglom = 0.25 > 0)."""
    assert sdm_fit.pvalues["W_agglom"] < 0.05
    imp = sdm_fit.impacts(method="simulation", draws=500, seed=1)
    assert imp.loc[("agglom", "indirect"), "estimate"] > 0
    assert imp.loc[("agglom", "indirect"), "p_value"] < 0.05


def test_sdm_recovery_each_parameter_within_95(sdm_fit, panel_truth):
    """Every marginal 95% interval covers its true value on the shipped sample.

    The shipped errors were selected for this (the first draw of the seeded stream that passes, see
    ``typical_outcome`` in scripts/make_demo_data.py), so this checks that the estimator still gives the
    answer it gave when the data were made; the statistical evidence is the joint Wald test above and
    the Monte Carlo coverage test below."""
    _, truth = panel_truth
    tv = _truth_series(truth)
    ci = sdm_fit.conf_int(0.05)
    missed = [n for n in tv.index if not (ci.loc[n, "lower"] <= tv[n] <= ci.loc[n, "upper"])]
    assert not missed, missed


@pytest.mark.slow
def test_sdm_monte_carlo_coverage(panel_truth, w):
    """Same X, mu, xi; fresh errors: every marginal 95% interval covers close to 95% of the time."""
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
