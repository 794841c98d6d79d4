"""Distance decay of spillovers: recovery of a known spillover range, table structure, failures, determinism.

The recovery study simulates a two-way fixed-effects SDM on the 31 provinces whose true W links only
the pairs of provinces less than 600 km apart (row-normalised), and checks that the band-by-band decay
curve finds spillovers inside 600 km and not beyond, and a boundary within one band width of 600 km.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.decay import DecayResult, distance_decay, threshold_seed
from spatialinno.errors import EstimationError, IdError, IslandError, SpatialInnoError

TRUE_KM = 600.0
BAND = 200.0


@pytest.fixture(scope="module")
def provinces():
    return si.datasets.load_provinces()


def simulate_band_sdm(gdf, seed: int, T: int = 15, rho: float = 0.3, beta: float = 1.0, theta: float = 1.0,
                      sigma: float = 1.0) -> pd.DataFrame:
    """y_t = (I - rho W)^-1 (beta x_t + theta W x_t + mu + xi_t + e_t), W = row-normalised band [0, 600) km.

    x_t correlated with the entity effects mu (so fixed effects matter); three provinces more than 600 km
    from any other (Hainan, Tibet, Xinjiang) have no neighbour in the true W.
    """
    w = si.weights.distance_band(gdf, id="code", upper_km=TRUE_KM)
    W = w.sparse.toarray()
    n = w.n
    rng = np.random.default_rng(seed)
    mu, xi = rng.normal(size=n), rng.normal(size=T)
    X = rng.normal(size=(T, n)) + 0.5 * mu[None, :]
    E = rng.normal(scale=sigma, size=(T, n))
    Ainv = np.linalg.inv(np.eye(n) - rho * W)
    Y = (Ainv @ (beta * X + theta * X @ W.T + mu[None, :] + xi[:, None] + E).T).T
    return pd.DataFrame({"code": np.tile(np.asarray(w.ids), T), "year": np.repeat(np.arange(2001, 2001 + T), n),
                         "y": Y.ravel(), "x": X.ravel()})


@pytest.fixture(scope="module")
def sim_panel(provinces):
    # seed 3: in a 30-seed study of this design the boundary was 600 km in 28 seeds and 800 km in 2
    return simulate_band_sdm(provinces, seed=3)


@pytest.fixture(scope="module")
def decay(provinces, sim_panel):
    return distance_decay("y ~ x", sim_panel, provinces, model="sdm", entity="code", time="year",
                          fixed_effects="twoway", thresholds_km=np.arange(0, 1801, BAND), scheme="band",
                          draws=500, seed=11)


def test_recovers_spillover_range(decay):
    sig = decay.significant("x")
    inside = sig[(sig.index >= BAND) & (sig.index + BAND <= TRUE_KM)]
    beyond = sig[sig.index >= TRUE_KM]
    assert len(inside) == 2 and inside.all(), sig
    assert not sig.loc[TRUE_KM], "the first band beyond the true range must not be significant"
    assert (~beyond).sum() >= len(beyond) - 1, sig
    # the [0, 200) band links only 3 provinces: the average indirect effect is tiny (and skipped by boundary)
    assert decay.table.query("threshold == 0")["n_islands"].iloc[0] == 28
    b = decay.boundary("x")
    assert b is not None and abs(b - TRUE_KM) <= BAND
    assert b == TRUE_KM
    # the curve is positive inside the true range and much smaller beyond
    c = decay.curve("x")
    assert (c.loc[[200.0, 400.0], "estimate"] > 0.15).all()
    assert c.loc[c.index >= TRUE_KM, "estimate"].abs().mean() < 0.5 * c.loc[400.0, "estimate"]


def test_table_structure(decay):
    t = decay.table
    required = ["threshold", "variable", "effect", "estimate", "std_error", "p_value", "ci_lower", "ci_upper",
                "n_links", "n_islands", "rho", "llf", "note"]
    assert all(c in t.columns for c in required)
    with pytest.raises(AttributeError):  # results are immutable
        decay.alpha = 0.1
    assert len(t) == 10 * 1 * 3
    assert list(t["effect"].iloc[:3]) == ["direct", "indirect", "total"]
    assert t["threshold"].is_monotonic_increasing
    assert (t["upper_km"] - t["lower_km"] == BAND).all()
    assert t["estimate"].notna().all()
    assert ((t["ci_lower"] <= t["estimate"]) & (t["estimate"] <= t["ci_upper"])).all()
    # total = direct + indirect for the point estimates
    piv = t.pivot(index="threshold", columns="effect", values="estimate")
    np.testing.assert_allclose(piv["total"], piv["direct"] + piv["indirect"], rtol=1e-10)
    # n_links and islands agree with the weights used
    for thr, w in decay.weights.items():
        row = t[t["threshold"] == thr].iloc[0]
        assert row["n_links"] == w.n_links and row["n_islands"] == len(w.islands) == len(decay.islands[thr])
    assert set(decay.results) == set(decay.weights) == set(np.arange(0, 1801, BAND).astype(float))
    assert isinstance(decay, DecayResult) and "DecayResult" in repr(decay)
    assert si.distance_decay is distance_decay


def test_effects_exact_with_islands(decay):
    """The indirect effect must be exact for W with islands (zero rows): compare with dense algebra."""
    for thr in (0.0, 600.0):
        res, w = decay.results[thr], decay.weights[thr]
        assert len(w.islands) > 0
        W = w.sparse.toarray()
        b, th, rho = res.params["x"], res.params["W_x"], res.rho
        S = np.linalg.solve(np.eye(w.n) - rho * W, b * np.eye(w.n) + th * W)
        row = decay.table.query("threshold == @thr and effect == 'indirect'").iloc[0]
        assert row["estimate"] == pytest.approx((S.sum() - np.trace(S)) / w.n, rel=1e-8, abs=1e-12)


def test_schemes_define_the_links(provinces, sim_panel):
    kw = {"entity": "code", "time": "year", "fixed_effects": "twoway", "draws": 50, "seed": 1}
    within = distance_decay("y ~ x", sim_panel, provinces, thresholds_km=[600, 1200], scheme="within", **kw)
    beyond = distance_decay("y ~ x", sim_panel, provinces, thresholds_km=[600, 1200], scheme="beyond", **kw)
    band = distance_decay("y ~ x", sim_panel, provinces, thresholds_km=[600, 1200], **kw)
    w600 = si.weights.distance_band(provinces, id="code", upper_km=600)
    assert within.weights[600.0].n_links == w600.n_links
    assert within.weights[600.0].n_links + beyond.weights[600.0].n_links == 31 * 30
    assert band.weights[600.0].n_links == (within.weights[1200.0].n_links - within.weights[600.0].n_links)
    assert band.band_width_km == {600.0: 600.0, 1200.0: 600.0}
    # within-600 model is the true specification: strong spillover
    assert within.significant("x").loc[600.0]
    # uneven thresholds: each band reaches to the next threshold, the last one as wide as the gap before it
    uneven = distance_decay("y ~ x", sim_panel, provinces, thresholds_km=[200, 300, 600], **kw)
    assert uneven.band_width_km == {200.0: 100.0, 300.0: 300.0, 600.0: 300.0}
    fixed = distance_decay("y ~ x", sim_panel, provinces, thresholds_km=[200], band_width_km=400, **kw)
    assert fixed.table["upper_km"].iloc[0] == 600.0


def test_failures_are_recorded(provinces, sim_panel, monkeypatch):
    import spatialinno.decay as dec

    real_fit = dec.fit

    def fake_fit(model, formula, data, w, **kw):
        if model != "OLS" and "[400, 600)" in w.kind:
            raise EstimationError("rho = 0.999995 is at the bound of its admissible interval")
        return real_fit(model, formula, data, w, **kw)

    monkeypatch.setattr(dec, "fit", fake_fit)
    d = distance_decay("y ~ x", sim_panel, provinces, entity="code", time="year", fixed_effects="twoway",
                       thresholds_km=[200, 400, 600, 5000], band_width_km=200, draws=100)
    t = d.table.set_index(["threshold", "effect"])
    assert t.loc[(400.0, "indirect"), "estimate"] != t.loc[(400.0, "indirect"), "estimate"]  # NaN
    assert "EstimationError" in t.loc[(400.0, "indirect"), "note"]
    assert "bound" in t.loc[(400.0, "indirect"), "note"]
    assert t.loc[(400.0, "direct"), "n_links"] > 0  # the W existed; only the fit failed
    assert d.results[400.0] is None
    # no pair of provinces is 5000 km or more apart: recorded, not raised
    assert np.isnan(t.loc[(5000.0, "indirect"), "estimate"]) and t.loc[(5000.0, "indirect"), "n_links"] == 0
    assert t.loc[(5000.0, "indirect"), "n_islands"] == 31 and "no pair" in t.loc[(5000.0, "indirect"), "note"]
    assert d.weights[5000.0] is None
    # the others are fine, and the boundary skips the failed thresholds
    assert np.isfinite(t.loc[(200.0, "indirect"), "estimate"]) and np.isfinite(t.loc[(600.0, "indirect"), "estimate"])
    assert d.significant("x").isna().sum() == 2
    assert d.boundary("x") == 600.0


def test_collinear_spatial_lag_is_recorded(provinces, sim_panel):
    # 'beyond 0 km' links every pair with equal weights: W x is collinear with x and the time effects
    d = distance_decay("y ~ x", sim_panel, provinces, entity="code", time="year", fixed_effects="twoway",
                       thresholds_km=[0, 600], scheme="beyond", draws=100)
    t = d.table
    assert t.loc[t["threshold"] == 0, "estimate"].isna().all()
    assert t.loc[t["threshold"] == 0, "note"].str.contains("collinear").all()
    assert t.loc[t["threshold"] == 600, "estimate"].notna().all()


def test_islands_keep_and_error(provinces, sim_panel):
    kw = {"entity": "code", "time": "year", "fixed_effects": "twoway", "thresholds_km": [0, 200], "draws": 50}
    keep = distance_decay("y ~ x", sim_panel, provinces, **kw)
    assert len(keep.islands[0.0]) == 28 and keep.table["n_islands"].iloc[0] == 28
    assert 110000 not in keep.islands[0.0]  # Beijing-Tianjin are 110 km apart
    w = keep.weights[0.0]
    assert np.all(w.sparse.toarray()[w.ids.get_indexer(keep.islands[0.0])] == 0)
    assert "Lee-Yu" in keep.table["note"].iloc[0]  # islands break W 1 = 1
    with pytest.raises(IslandError, match="no partner"):
        distance_decay("y ~ x", sim_panel, provinces, islands="error", **kw)
    # without islands nothing is raised
    ok = distance_decay("y ~ x", sim_panel, provinces, entity="code", time="year", fixed_effects="twoway",
                        thresholds_km=[0], band_width_km=1200, draws=50,
                        islands="error")
    assert ok.table["n_islands"].iloc[0] == 0


def test_determinism_and_seeds(provinces, sim_panel):
    kw = {"entity": "code", "time": "year", "fixed_effects": "twoway", "thresholds_km": [200, 400, 600, 800],
          "draws": 200}
    a = distance_decay("y ~ x", sim_panel, provinces, seed=5, **kw)
    b = distance_decay("y ~ x", sim_panel, provinces, seed=5, **kw)
    c = distance_decay("y ~ x", sim_panel, provinces, seed=6, **kw)
    pd.testing.assert_frame_equal(a.table, b.table)
    np.testing.assert_array_equal(a.table["estimate"], c.table["estimate"])
    assert not np.allclose(a.table["ci_lower"], c.table["ci_lower"])
    # a threshold's draws do not depend on the other thresholds
    d = distance_decay("y ~ x", sim_panel, provinces, seed=5, **{**kw, "thresholds_km": [400], "band_width_km": 200})
    pd.testing.assert_frame_equal(d.table.reset_index(drop=True),
                                  a.table[a.table["threshold"] == 400].reset_index(drop=True))
    assert a.seeds[400.0] == threshold_seed(5, 400.0) != threshold_seed(5, 600.0)


def test_parallel_equals_serial(provinces, sim_panel):
    kw = {"entity": "code", "time": "year", "fixed_effects": "twoway", "thresholds_km": np.arange(0, 1001, 200),
          "draws": 200}
    serial = distance_decay("y ~ x", sim_panel, provinces, n_jobs=1, **kw)
    parallel = distance_decay("y ~ x", sim_panel, provinces, n_jobs=2, progress=True, **kw)
    pd.testing.assert_frame_equal(serial.table, parallel.table)
    assert parallel.results[400.0].params.equals(serial.results[400.0].params)


def test_dask_client_equals_serial(provinces, sim_panel):
    """distance_decay(client=Client(LocalCluster(n_workers=2))) gives exactly the serial table."""
    distributed = pytest.importorskip("distributed")
    kw = {"entity": "code", "time": "year", "fixed_effects": "twoway", "thresholds_km": np.arange(0, 1001, 250),
          "draws": 200}
    serial = distance_decay("y ~ x", sim_panel, provinces, **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        remote = distance_decay("y ~ x", sim_panel, provinces, client=client, **kw)
    pd.testing.assert_frame_equal(serial.table, remote.table, check_exact=True)


def test_boundary_alpha_and_definition(decay):
    # a looser level can only keep more thresholds significant, so the boundary cannot move closer
    b10 = decay.boundary("x", alpha=0.10)
    assert b10 is not None and b10 >= decay.boundary("x")
    # same draws: the 95% interval recomputed at alpha=0.05 equals the table's
    c = decay.curve("x", alpha=0.0500001)
    np.testing.assert_allclose(c["ci_lower"], decay.curve("x")["ci_lower"], rtol=1e-3)
    with pytest.raises(SpatialInnoError, match="unknown variable"):
        decay.boundary("nope")

    def fake(signs):
        class Fixed(DecayResult):
            def signs(self, *a, **k):
                return pd.Series(pd.array(signs, dtype="Int64"), index=[0.0, 1.0, 2.0, 3.0])

        return DecayResult.boundary(Fixed.__new__(Fixed), "x")

    assert fake([1, 1, 0, 1]) == 2.0
    assert fake([0, 1, 0, 0]) == 2.0  # leading insignificant thresholds are skipped
    assert fake([1, None, 0, 1]) == 2.0  # failed fits are skipped
    assert fake([1, 1, 1, 1]) is None  # reaches beyond the range
    assert fake([0, 0, 0, 0]) is None  # never significant
    assert fake([1, 1, -1, -1]) == 2.0  # a significant change of sign ends the run
    assert fake([0, -1, -1, 0]) == 3.0  # a negative spillover has a boundary too
    # signs and significance agree with the intervals in the table
    c, s = decay.curve("x"), decay.signs("x")
    assert (s == np.sign(c["ci_lower"]).where(np.sign(c["ci_lower"]) == np.sign(c["ci_upper"]), 0)).all()
    assert decay.significant("x").equals(s.ne(0).rename(decay.significant("x").name))


def test_other_models_and_cross_section(provinces):
    df = si.datasets.load_demo_panel()
    xs = df[df["year"] == 2020].reset_index(drop=True)
    for model in ("sar", "slx", "sdem"):
        d = distance_decay("innov ~ agglom + pgdp", xs, provinces, model=model, id="code", thresholds_km=[300, 800],
                           band_width_km=500, draws=100, variables=["agglom"])
        assert set(d.table["variable"]) == {"agglom"} and len(d.table) == 6
        assert d.model == model.upper()
        if model == "slx":
            assert d.table["rho"].isna().all()
        if model == "sdem":
            assert d.table["lambda"].notna().all()
    # gdf ids by another column name
    g2 = provinces.rename(columns={"code": "gb"})
    d = distance_decay("innov ~ agglom", xs, g2, model="sar", id="code", gdf_id="gb", thresholds_km=[300],
                       band_width_km=500, draws=50)
    assert np.isfinite(d.table["estimate"]).all()


def test_bad_input(provinces, sim_panel):
    kw = {"entity": "code", "time": "year", "thresholds_km": [200, 400]}
    with pytest.raises(SpatialInnoError, match="model"):
        distance_decay("y ~ x", sim_panel, provinces, model="sem", **kw)
    with pytest.raises(SpatialInnoError, match="scheme"):
        distance_decay("y ~ x", sim_panel, provinces, scheme="ring", **kw)
    with pytest.raises(SpatialInnoError, match="band_width_km"):
        distance_decay("y ~ x", sim_panel, provinces, scheme="within", band_width_km=100, **kw)
    with pytest.raises(SpatialInnoError, match="band_width_km"):
        distance_decay("y ~ x", sim_panel, provinces, entity="code", time="year", thresholds_km=[200])
    with pytest.raises(SpatialInnoError, match="duplicates"):
        distance_decay("y ~ x", sim_panel, provinces, entity="code", time="year", thresholds_km=[200, 200])
    with pytest.raises(SpatialInnoError, match=">= 0"):
        distance_decay("y ~ x", sim_panel, provinces, entity="code", time="year", thresholds_km=[-1, 200])
    with pytest.raises(SpatialInnoError, match="weight"):
        distance_decay("y ~ x", sim_panel, provinces, weight="gaussian", **kw)
    with pytest.raises(SpatialInnoError, match="not regressors"):
        distance_decay("y ~ x", sim_panel, provinces, variables=["z"], **kw)
    with pytest.raises(SpatialInnoError, match="formula"):
        distance_decay("y ~ nothere", sim_panel, provinces, **kw)
    with pytest.raises(IdError, match="gdf"):
        distance_decay("y ~ x", sim_panel, provinces.iloc[:30], **kw)
    with pytest.raises(IdError, match="gdf_id"):
        distance_decay("y ~ x", sim_panel, provinces, gdf_id="nope", **kw)
