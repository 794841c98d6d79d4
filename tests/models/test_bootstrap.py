"""cov_type="bootstrap": agreement with the information matrix under normal errors, bit-identical executors, the
reduced-form draw checked by hand, failed replicates counted, and the named errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from simulate import lattice

import spatialinno as si
from spatialinno import parallel
from spatialinno.errors import EstimationError, SpatialInnoWarning
from spatialinno.models import bootstrap
from spatialinno.models.covariance import CovarianceError


def sar_frame(w: si.Weights, seed: int, rho: float = 0.4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = w.n
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    y = np.linalg.solve(np.eye(n) - rho * w.sparse.toarray(), 1.0 + x1 - 0.5 * x2 + rng.normal(size=n))
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2}, index=w.ids)


def test_normal_errors_bootstrap_agrees_with_information():
    w = lattice(20)
    df = sar_frame(w, 41)
    info = si.sar("y ~ x1 + x2", df, w)
    boot = si.sar("y ~ x1 + x2", df, w, cov_type="bootstrap", bootstrap_reps=200, progress=False)
    rel = boot.bse / info.bse - 1
    rel_s2 = boot.sigma2_se / info.sigma2_se - 1
    print(f"bootstrap (200 reps) vs information SEs, SAR n=400: {rel.round(4).to_dict()}, sigma2 {rel_s2:.4f}")
    # an SE from 200 replicates has relative Monte Carlo sd about 1/sqrt(2 * 199) = 0.05: 15% is 3 sd
    assert rel.abs().max() < 0.15 and abs(rel_s2) < 0.15
    assert np.array_equal(boot.params.to_numpy(), info.params.to_numpy())
    cov = boot.covariance
    assert cov.reps == 200 and cov.failures == 0 and cov.replicates.shape == (200, 5)
    np.testing.assert_allclose(cov.matrix, np.cov(cov.replicates, rowvar=False), rtol=1e-12)
    assert "200 replicates, 0 failed" in str(boot.summary()) and boot.cov_type == "bootstrap"
    # effects inference uses the bootstrap covariance
    ref = si.models.effects.impacts(boot.estimate.spec, w, boot.params, cov.frame.to_numpy(),
                                    bounds=boot.estimate.bounds, dist=cov.dist, df=None, variables=boot.variables,
                                    allowed=boot.variables, model=boot.model, method="delta", draws=1000, seed=1,
                                    alpha=0.05, by_order=None)
    np.testing.assert_allclose(boot.impacts(method="delta")["std_error"], ref["std_error"], rtol=1e-12)


def test_reduced_form_draw_by_hand():
    """y* = A^-1 (X b + f + B^-1 e*) for an SAC with two-way effects, against dense inverses and the same draws."""
    w = lattice(4)
    N, T = w.n, 4
    rng = np.random.default_rng(8)
    df = pd.DataFrame({"e": np.tile(w.ids, T), "t": np.repeat(np.arange(T), N), "x": rng.normal(size=N * T)})
    df["y"] = df["x"] + rng.normal(size=N * T) + np.repeat(rng.normal(size=T), N)
    res = si.sac("y ~ x", df, w, entity="e", time="t", fixed_effects="twoway")
    dgp = bootstrap.BootstrapDGP.from_estimate(res.estimate)
    y_star = dgp.draw(np.random.default_rng(99))
    W = w.sparse.toarray()
    A = np.eye(N) - res.rho * W
    B = np.eye(N) - res.lambda_ * W
    E = np.random.default_rng(99).standard_normal((N, T)) * np.sqrt(res.sigma2)
    b = res.params["x"]
    X = df["x"].to_numpy().reshape(T, N)  # the frame is already time-major in w.ids order
    fe = res.intercept + res.entity_effects.to_numpy()[None, :] + res.time_effects.to_numpy()[:, None]
    expect = np.linalg.solve(A, (X * b + fe).T + np.linalg.solve(B, E)).T.ravel()
    np.testing.assert_allclose(y_star, expect, rtol=1e-10, atol=1e-12)
    assert dgp.bias_correction == "lee-yu" and dgp.durbin == []


def test_serial_processes_and_dask_are_bit_identical(monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(parallel, "PROCESS_POOL_MIN_SECONDS", 0.0)  # really start worker processes
    w = lattice(7)
    df = sar_frame(w, 5)
    kw = {"cov_type": "bootstrap", "bootstrap_reps": 12, "seed": 3, "progress": False}
    serial = si.sdm("y ~ x1 + x2", df, w, **kw)
    procs = si.sdm("y ~ x1 + x2", df, w, n_jobs=2, **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  death_timeout=120) as cluster, distributed.Client(cluster, timeout=120) as client:
        dask = si.sdm("y ~ x1 + x2", df, w, client=client, **kw)
    assert np.array_equal(serial.covariance.replicates, procs.covariance.replicates)
    assert np.array_equal(serial.covariance.replicates, dask.covariance.replicates)
    assert np.array_equal(serial.covariance.matrix, dask.covariance.matrix)
    other = si.sdm("y ~ x1 + x2", df, w, **(kw | {"seed": 4}))
    assert not np.array_equal(serial.covariance.matrix, other.covariance.matrix)


def test_failed_replicates_are_counted(monkeypatch):
    w = lattice(5)
    df = sar_frame(w, 6)
    real = bootstrap.BootstrapDGP.refit

    def fails(y: np.ndarray) -> bool:  # a deterministic function of the draw, true for about a third of them
        return int(abs(y[0]) * 1e6) % 3 == 0

    def flaky(self, y):
        if fails(y):
            raise EstimationError("rho at the bound (test)")
        return real(self, y)

    monkeypatch.setattr(bootstrap.BootstrapDGP, "refit", flaky)
    with pytest.warns(SpatialInnoWarning, match="bootstrap replicates failed"):
        res = si.sar("y ~ x1 + x2", df, w, cov_type="bootstrap", bootstrap_reps=20, seed=2, progress=False)
    dgp = bootstrap.BootstrapDGP.from_estimate(res.estimate)
    draws = [dgp.draw(np.random.default_rng(s)) for s in parallel.spawn_seeds(2, 20)]
    expected = [r for r, y in enumerate(draws) if fails(y)]
    cov = res.covariance
    assert 0 < len(expected) < 20 and cov.failures == len(expected)
    assert [r for r, _ in cov.failure_messages] == expected
    assert cov.replicates.shape[0] == 20 - len(expected)
    assert f"20 replicates, {len(expected)} failed" in cov.name


def test_named_errors():
    w = lattice(5)
    df = sar_frame(w, 7)
    for reps in (1, 0, 2.5, True):
        with pytest.raises(CovarianceError, match="bootstrap_reps must be an integer >= 2"):
            si.sar("y ~ x1 + x2", df, w, cov_type="bootstrap", bootstrap_reps=reps, progress=False)
    with pytest.raises(CovarianceError, match="client= applies only with cov_type='bootstrap'"):
        si.sar("y ~ x1 + x2", df, w, client=object())
    with pytest.raises(CovarianceError, match="bootstrap_reps= applies only"):
        si.sar("y ~ x1 + x2", df, w, cov_type="qml", bootstrap_reps=50)
    with pytest.raises(CovarianceError, match="unknown cov_type 'boot'.*'bootstrap'"):
        si.sar("y ~ x1 + x2", df, w, cov_type="boot")
    T = 3
    panel = pd.DataFrame({"e": np.tile(w.ids, T), "t": np.repeat(np.arange(T), w.n),
                          "y": np.random.default_rng(1).normal(size=w.n * T),
                          "x1": np.random.default_rng(2).normal(size=w.n * T)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(CovarianceError, match="random-effects"):
            si.sar("y ~ x1", panel, w, entity="e", time="t", fixed_effects="random", cov_type="bootstrap",
                   bootstrap_reps=5, progress=False)


def test_elhorst_and_panel_bootstrap_run():
    w = lattice(5)
    T = 4
    rng = np.random.default_rng(10)
    panel = pd.DataFrame({"e": np.tile(w.ids, T), "t": np.repeat(np.arange(T), w.n), "x": rng.normal(size=w.n * T)})
    panel["y"] = panel["x"] + rng.normal(size=w.n * T)
    for bc in ("lee-yu", "elhorst"):
        res = si.sar("y ~ x", panel, w, entity="e", time="t", fixed_effects="entity", bias_correction=bc,
                     cov_type="bootstrap", bootstrap_reps=10, progress=False)
        assert np.all(np.isfinite(res.bse)) and np.isfinite(res.sigma2_se)
        assert res.covariance.replicates.shape == (10, 3)
