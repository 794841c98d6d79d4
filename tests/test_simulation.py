"""si.simulate_study: identical across executors, exact true effects, a DGP checked by hand, calibrated coverage."""

from __future__ import annotations

import sys
import warnings

import cloudpickle
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from simulate import lattice

import spatialinno as si
from spatialinno import parallel, simulation
from spatialinno.errors import DataError, EstimationError, IdError, SpatialInnoWarning, SpecificationError

# data generators defined here travel to worker processes by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])

SDM = {"rho": 0.4, "Intercept": 1.0, "x1": 1.0, "x2": -0.5, "W_x1": 0.5, "sigma2": 1.0}


@pytest.fixture(scope="module")
def w31():
    gdf = si.datasets.load_provinces()
    return si.weights.contiguity(gdf, id="code", islands="nearest")


def dense_effects(W: np.ndarray, rho: float, b: float, t: float) -> tuple[float, float, float]:
    """Textbook LeSage-Pace effects with a dense inverse: S = (I - rho W)^-1 (b I + t W)."""
    n = len(W)
    S = np.linalg.inv(np.eye(n) - rho * W) @ (b * np.eye(n) + t * W)
    direct, total = np.trace(S) / n, S.sum() / n
    return direct, total - direct, total


def test_serial_processes_and_dask_are_bit_identical(w31, monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(parallel, "PROCESS_POOL_MIN_SECONDS", 0.0)  # really use worker processes for 20 fits
    serial = si.simulate_study("sdm", w31, SDM, reps=20, seed=11, progress=False)
    procs = si.simulate_study("sdm", w31, SDM, reps=20, seed=11, progress=False, n_jobs=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  death_timeout=120) as cluster, distributed.Client(cluster, timeout=120) as client:
        dask = si.simulate_study("sdm", w31, SDM, reps=20, seed=11, progress=False, client=client)
    assert np.array_equal(serial.to_numpy(), procs.to_numpy(), equal_nan=True)
    assert np.array_equal(serial.to_numpy(), dask.to_numpy(), equal_nan=True)
    assert serial.index.equals(dask.index) and serial.attrs["failures"] == 0
    other_seed = si.simulate_study("sdm", w31, SDM, reps=20, seed=12, progress=False)
    assert not np.array_equal(serial["mean"].to_numpy(), other_seed["mean"].to_numpy())


def test_table_layout_and_true_values(w31):
    out = si.simulate_study("sdm", w31, SDM, reps=3, seed=1, progress=False)
    coefs = [("Intercept", "coef"), ("x1", "coef"), ("x2", "coef"), ("W_x1", "coef"), ("rho", "coef"),
             ("sigma2", "coef")]
    effects = [(x, e) for x in ("x1", "x2") for e in ("direct", "indirect", "total")]
    assert list(out.index) == coefs + effects
    assert out.index.names == ["parameter", "effect"]
    assert list(out.columns[:3]) == ["true", "mean", "bias"] and {"rmse", "coverage"} <= set(out.columns)
    assert [out.loc[c, "true"] for c in coefs] == [1.0, 1.0, -0.5, 0.5, 0.4, 1.0]
    W = w31.sparse.toarray()
    for x, t in (("x1", 0.5), ("x2", 0.0)):
        np.testing.assert_allclose(out.loc[x, "true"].loc[["direct", "indirect", "total"]],
                                   dense_effects(W, 0.4, SDM[x], t), rtol=1e-12, atol=1e-14)
    assert out["coverage"].between(0, 1).all()
    np.testing.assert_allclose(out["bias"], out["mean"] - out["true"], rtol=0, atol=1e-14)
    assert out.attrs["reps"] == 3 and out.attrs["seed"] == 1 and out.attrs["failures"] == 0
    assert out.attrs["effects_method"] == "delta"


@pytest.mark.parametrize("sparse_path", [False, True])
@pytest.mark.parametrize("normalization", ["row", "none"])
def test_true_effects_match_dense_inverse(w31, monkeypatch, sparse_path, normalization):
    if sparse_path:
        monkeypatch.setattr(simulation, "EIGEN_MAX", 0)  # exact sparse traces by block solves
        monkeypatch.setattr(simulation, "TRACE_BLOCK", 7)  # several blocks, the last one partial
    w = w31.normalize("row") if normalization == "row" else si.Weights.from_sparse(
        (w31.sparse > 0).astype(float) * 0.2, w31.ids)  # binary contiguity scaled, rows do not sum to one
    W = w.sparse.toarray()
    got = simulation.true_effects(w, {"rho": 0.35, "a": 2.0, "W_a": -0.7, "b": 1.0, "sigma2": 1.0})
    for var, b, t in (("a", 2.0, -0.7), ("b", 1.0, 0.0)):
        np.testing.assert_allclose(got.loc[var, "true"].to_numpy(), dense_effects(W, 0.35, b, t), rtol=1e-11,
                                   atol=1e-13)
    slx = simulation.true_effects(w, {"a": 2.0, "W_a": -0.7})  # rho = 0: S = b I + t W
    np.testing.assert_allclose(slx["true"].to_numpy(), dense_effects(W, 0.0, 2.0, -0.7), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("model,params", [
    ("sdm", SDM),
    ("sac", {"rho": 0.3, "lambda": -0.4, "Intercept": 0.5, "x1": 1.0, "sigma2": 2.0}),
    ("sdem", {"lambda": 0.5, "x1": 1.0, "W_x1": -1.0, "sigma2": 0.5}),
])
def test_reduced_form_by_hand(w31, model, params):
    """y solves the structural equations: (I - l W)((I - r W) y - X b - W X t - c) = e."""
    design = simulation.study_design(model, params)
    rng = np.random.default_rng(3)
    X = rng.standard_normal((w31.n, len(design.regressors)))
    e = rng.standard_normal(w31.n)
    y = simulation.draw_outcome(w31, design, X, e)
    W, I = w31.sparse.toarray(), np.eye(w31.n)
    b = np.array([params[x] for x in design.regressors])
    t = np.array([params.get(f"W_{x}", 0.0) for x in design.regressors])
    r, l = params.get("rho", 0.0), params.get("lambda", 0.0)
    u = (I - r * W) @ y - X @ b - W @ X @ t - params.get("Intercept", 0.0)
    np.testing.assert_allclose((I - l * W) @ u, e, atol=1e-12)


def test_one_replicate_is_the_public_fit_on_hand_made_data(w31):
    """reps=1: the mean is the estimate of si.sar on data rebuilt here from SeedSequence(seed).spawn(1)[0]."""
    params = {"rho": 0.5, "Intercept": 1.0, "x1": 2.0, "x2": 0.5, "sigma2": 1.5}
    out = si.simulate_study("sar", w31, params, reps=1, seed=99, progress=False)
    rng = np.random.default_rng(np.random.SeedSequence(99).spawn(1)[0])
    X = rng.standard_normal((w31.n, 2))
    e = np.sqrt(1.5) * rng.standard_normal(w31.n)
    W = w31.sparse.toarray()
    y = np.linalg.solve(np.eye(w31.n) - 0.5 * W, 1.0 + X @ [2.0, 0.5] + e)
    data = pd.DataFrame({"code": w31.ids, "y": y, "x1": X[:, 0], "x2": X[:, 1]})
    res = si.sar("y ~ x1 + x2", data, w31, id="code")
    names = ["Intercept", "x1", "x2", "rho"]
    np.testing.assert_allclose(out.loc[[(p, "coef") for p in names], "mean"], res.params[names], rtol=1e-8)
    assert out.loc[("sigma2", "coef"), "mean"] == pytest.approx(res.sigma2, rel=1e-8)
    ci = res.conf_int(0.05)
    inside = ((ci["lower"] <= pd.Series(params)[names]) & (pd.Series(params)[names] <= ci["upper"])).astype(float)
    np.testing.assert_array_equal(out.loc[[(p, "coef") for p in names], "coverage"], inside)


def shuffled_generator(rng, w):
    """Regressors in a shuffled frame with an id column: aligned by id, never by position."""
    x = rng.standard_normal(w.n)
    order = np.arange(w.n)[::-1]
    return pd.DataFrame({"region": w.ids[order], "x1": x[order], "noise": 0.0})


def indexed_generator(rng, w):
    return pd.DataFrame({"x1": rng.standard_normal(w.n)}, index=w.ids)


def test_data_generator_rows_aligned_by_id(w31):
    params = {"rho": 0.3, "Intercept": 1.0, "x1": 1.0, "sigma2": 1.0}
    a = si.simulate_study("sar", w31, params, reps=4, seed=5, progress=False, data_generator=indexed_generator)
    b = si.simulate_study("sar", w31, params, reps=4, seed=5, progress=False, data_generator=shuffled_generator,
                          id="region")
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9)


def sometimes_constant(rng, w):
    """x1 is constant (the fit raises DataError) when the replicate's first uniform draw is below 0.3."""
    constant = rng.random() < 0.3
    return pd.DataFrame({"x1": np.ones(w.n) if constant else rng.standard_normal(w.n)}, index=w.ids)


def test_failed_replicates_are_counted_and_reported(w31):
    params = {"rho": 0.3, "Intercept": 1.0, "x1": 1.0, "sigma2": 1.0}
    expected = sum(np.random.default_rng(s).random() < 0.3 for s in np.random.SeedSequence(8).spawn(12))
    assert 0 < expected < 12
    with pytest.warns(SpatialInnoWarning, match=f"{expected} of 12 replicates failed"):
        out = si.simulate_study("sar", w31, params, reps=12, seed=8, progress=False, data_generator=sometimes_constant)
    assert out.attrs["failures"] == expected
    assert all("constant" in msg for _, msg in out.attrs["failure_messages"])
    with pytest.raises(EstimationError, match="all 2 replicates failed"):
        si.simulate_study("sar", w31, params, reps=2, seed=8, progress=False,
                          data_generator=lambda rng, w: pd.DataFrame({"x1": 1.0}, index=w.ids))


@pytest.mark.parametrize("model,params,match", [
    ("spatial_durbin", SDM, "unknown model 'spatial_durbin'"),
    ("sdm", {k: v for k, v in SDM.items() if k != "rho"}, "SDM needs .*'rho'"),
    ("sem", {"x1": 1.0, "sigma2": 1.0}, "SEM needs .*'lambda'"),
    ("sar", {"rho": 0.4, "x1": 1.0}, "'sigma2'"),
    ("sar", {"rho": 0.4, "x1": 1.0, "W_x1": 1.0, "sigma2": 1.0}, "SAR has no parameter.*'W_x1'"),
    ("sem", {"rho": 0.4, "lambda": 0.2, "x1": 1.0, "sigma2": 1.0}, "SEM has no parameter.*'rho'"),
    ("sdm", {"rho": 0.4, "x1": 1.0, "sigma2": 1.0}, "at least one W_x"),
    ("sdm", {"rho": 0.4, "x1": 1.0, "W_x2": 1.0, "sigma2": 1.0}, "'W_x2' given without"),
    ("sar", {"rho": 0.4, "x1": float("nan"), "sigma2": 1.0}, "not finite"),
    ("sar", {"rho": 0.4, "x1": 1.0, "sigma2": -1.0}, "sigma2 must be positive"),
])
def test_bad_specifications(w31, model, params, match):
    with pytest.raises(SpecificationError, match=match):
        si.simulate_study(model, w31, params, reps=2, seed=1, progress=False)


@pytest.mark.parametrize("reps", [0, -3, 2.5, True])
def test_bad_reps(w31, reps):
    with pytest.raises(SpecificationError, match="reps must be an integer >= 1"):
        si.simulate_study("sdm", w31, SDM, reps=reps, seed=1, progress=False)


@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.5, -0.05])
def test_bad_alpha(w31, alpha):
    with pytest.raises(SpecificationError, match=r"alpha must lie in \(0, 1\)"):
        si.simulate_study("sdm", w31, SDM, reps=2, seed=1, alpha=alpha, progress=False)


def test_panel_and_durbin_keywords_refused(w31):
    with pytest.raises(SpecificationError, match="'entity'"):
        si.simulate_study("sdm", w31, SDM, reps=2, seed=1, progress=False, entity="code")
    with pytest.raises(SpecificationError, match="'durbin'"):
        si.simulate_study("sdm", w31, SDM, reps=2, seed=1, progress=False, durbin=["x1"])


def test_generator_frame_missing_a_regressor(w31):
    with pytest.raises(DataError, match="no column.*'x2'"):
        si.simulate_study("sdm", w31, SDM, reps=2, seed=1, progress=False, data_generator=indexed_generator)


def test_generator_frame_with_foreign_ids(w31):
    def bad_ids(rng, w):
        return pd.DataFrame({"x1": rng.standard_normal(w.n)}, index=np.arange(w.n))

    with pytest.raises(IdError, match="w.ids"):
        si.simulate_study("sar", w31, {"rho": 0.2, "x1": 1.0, "sigma2": 1.0}, reps=2, seed=1, progress=False,
                          data_generator=bad_ids)


@pytest.mark.slow
def test_sar_coverage_and_bias_on_a_400_region_lattice():
    """200 replicates of SAR (rho = 0.4) on a 20 x 20 rook lattice: every coverage checked lies in the binomial
    99% band of 0.95, and every |bias| < 4 rmse / sqrt(reps) (a 4-sigma band of the Monte Carlo mean)."""
    reps = 200
    params = {"rho": 0.4, "Intercept": 1.0, "x1": 1.0, "sigma2": 1.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpatialInnoWarning)  # no failed replicate
        out = si.simulate_study("sar", lattice(20), params, reps=reps, seed=2024, progress=False)
    lo, hi = stats.binom.ppf([0.005, 0.995], reps, 0.95) / reps
    for row in [("rho", "coef"), ("x1", "coef"), ("x1", "total")]:
        assert lo <= out.loc[row, "coverage"] <= hi, (row, out.loc[row, "coverage"], (lo, hi))
    limit = 4 * out["rmse"] / np.sqrt(reps)
    assert (out["bias"].abs() < limit).all(), out[["bias", "rmse"]]
    assert out.loc[("rho", "coef"), "true"] == 0.4
