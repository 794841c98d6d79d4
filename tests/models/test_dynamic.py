"""Dynamic spatial panels: long- and short-run effects against dense formulas, stationarity, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.errors import DataError, PanelError, SpatialInnoError
from spatialinno.models import dynamic as dyn_mod
from spatialinno.models import dynamic_effects
from spatialinno.models.dynamic import bias_traces, check_consecutive
from spatialinno.models.dynamic_effects import NonStationaryError, spectral_radius

from .dynamic_dgp import simulate_dynamic


def dense_effects(W, b, t, tau, eta, rho, horizon):
    n = W.shape[0]
    if horizon == "long":
        M = np.linalg.inv((1 - tau) * np.eye(n) - (rho + eta) * W)
    else:
        M = np.linalg.inv(np.eye(n) - rho * W)
    S = M @ (b * np.eye(n) + t * W)
    direct, total = np.trace(S) / n, S.sum() / n
    return np.array([direct, total - direct, total])


def weights(provinces, normalize):
    if normalize == "row":
        return si.weights.contiguity(provinces, id="code", islands="nearest")
    return si.weights.inverse_distance(provinces, id="code", normalize=normalize)


@pytest.fixture(scope="module")
def panels(provinces):
    out = {}
    for normalize in ("row", "spectral", "minmax"):
        w = weights(provinces, normalize)
        data = simulate_dynamic(w, 12, np.random.default_rng(11), tau=0.4, eta=0.1, rho=0.3)
        out[normalize] = (w, data)
    return out


@pytest.mark.parametrize("normalize", ["row", "spectral", "minmax"])
@pytest.mark.parametrize("horizon", ["short", "long"])
def test_effects_equal_dense_formula(panels, normalize, horizon):
    w, data = panels[normalize]
    res = si.sdm("y ~ x", data, w, entity="id", time="year", fixed_effects="entity", dynamic="both")
    p = res.params
    imp = res.impacts(method="exact", horizon=horizon)
    expected = dense_effects(w.sparse.toarray(), p["x"], p["W_x"], p["tau"], p["eta"], p["rho"], horizon)
    got = imp.loc["x", "estimate"].to_numpy()
    assert np.max(np.abs(got - expected)) < 1e-8, (got, expected)
    assert imp.attrs["horizon"] == horizon


def test_long_run_delta_equals_dense_gradient(panels):
    w, data = panels["row"]
    res = si.sdm("y ~ x", data, w, entity="id", time="year", fixed_effects="twoway", dynamic="both")
    names = ["x", "W_x", "tau", "eta", "rho"]
    v0 = res.params[names].to_numpy()
    W = w.sparse.toarray()

    def f(v):
        return dense_effects(W, v[0], v[1], v[2], v[3], v[4], "long")

    grad = np.zeros((3, 5))
    for c in range(5):
        h = 1e-6
        vp, vm = v0.copy(), v0.copy()
        vp[c] += h
        vm[c] -= h
        grad[:, c] = (f(vp) - f(vm)) / (2 * h)
    se = np.sqrt(np.diag(grad @ res.cov_params().loc[names, names].to_numpy() @ grad.T))
    delta = res.impacts(method="delta", horizon="long").loc["x", "std_error"].to_numpy()
    assert np.max(np.abs(delta / se - 1)) < 1e-5
    # simulation: the same normal draws (seeded, Cholesky) pushed through the dense formula, non-stationary ones dropped
    draws, seed = 400, 7
    cov = res.cov_params().to_numpy()
    rng = np.random.default_rng(seed)
    P = rng.multivariate_normal(np.zeros(len(res.params)), cov, size=draws, method="cholesky") + res.params.to_numpy()
    P = pd.DataFrame(P, columns=res.params.index)
    n = w.n
    sims = []
    for _, d in P.iterrows():
        A = np.linalg.solve(np.eye(n) - d["rho"] * W, d["tau"] * np.eye(n) + d["eta"] * W)
        if np.abs(np.linalg.eigvals(A)).max() < 1:
            sims.append(dense_effects(W, d["x"], d["W_x"], d["tau"], d["eta"], d["rho"], "long"))
    sims = np.array(sims)
    sim = res.impacts(horizon="long", draws=draws, seed=seed)
    assert sim.attrs["rejected"] == draws - len(sims)
    q16, q84 = np.quantile(sims, [0.15865525393145707, 0.8413447460685429], axis=0)
    assert np.max(np.abs(sim.loc["x", "std_error"].to_numpy() - (q84 - q16) / 2)) < 1e-8
    assert np.max(np.abs(sim.loc["x", "ci_lower"].to_numpy() - np.quantile(sims, 0.025, axis=0))) < 1e-8
    short = res.impacts(horizon="short", method="exact").loc[("x", "total"), "estimate"]
    long = res.impacts(horizon="long", method="exact").loc[("x", "total"), "estimate"]
    assert long > short > 0  # persistence accumulates positive effects


@pytest.mark.parametrize("normalize", ["row", "spectral"])
def test_spectral_radius_equals_dense(provinces, normalize):
    w = weights(provinces, normalize)
    W = w.sparse.toarray()
    n = w.n
    rng = np.random.default_rng(3)
    ev = np.linalg.eigvals(W).real
    lo, hi = 1 / ev.min(), 1 / ev.max()
    for _ in range(20):
        tau, eta = rng.uniform(-1, 1, size=2)
        rho = rng.uniform(0.9 * lo, 0.9 * hi)
        A = np.linalg.solve(np.eye(n) - rho * W, tau * np.eye(n) + eta * W)
        dense = np.abs(np.linalg.eigvals(A)).max()
        radius, exact = spectral_radius(w, tau, eta, rho)
        assert exact and abs(radius[0] - dense) < 1e-9


def test_spectral_radius_complex_spectrum_and_large_n_bound(provinces, monkeypatch):
    w = si.weights.knn(provinces, k=3, id="code")  # not symmetric: complex eigenvalues
    W = w.sparse.toarray()
    n = w.n
    assert np.abs(np.linalg.eigvals(W).imag).max() > 1e-6
    for tau, eta, rho in [(0.5, 0.2, 0.2), (0.6, -0.4, 0.5), (0.9, 0.3, 0.1)]:
        A = np.linalg.solve(np.eye(n) - rho * W, tau * np.eye(n) + eta * W)
        dense = np.abs(np.linalg.eigvals(A)).max()
        assert abs(spectral_radius(w, tau, eta, rho)[0][0] - dense) < 1e-9
    # above EIGEN_MAX a W without real spectrum uses the documented sufficient condition (an upper bound)
    monkeypatch.setattr(dynamic_effects, "EIGEN_MAX", 10)
    w2 = si.weights.knn(provinces, k=3, id="code")
    bound, exact = spectral_radius(w2, 0.5, 0.2, 0.2)
    assert not exact and abs(bound[0] - (0.5 + 0.2) / (1 - 0.2)) < 1e-12


def test_bias_traces_series_close_to_eigen(provinces, monkeypatch):
    w = si.weights.contiguity(provinces, id="code", islands="nearest")
    exact = bias_traces(w, 0.3, -0.1, 0.3, project=True)
    W = w.sparse.toarray()
    n = w.n
    S = np.eye(n) - 0.3 * W
    M = np.linalg.inv(0.7 * np.eye(n) - 0.2 * W)
    G = W @ np.linalg.inv(S)
    dense = np.array([np.trace(M), np.trace(W @ M), np.trace(G @ M), np.trace(G @ W @ M), np.trace(G)])
    dense = dense - np.array([1 / 0.5, 1 / 0.5, 1 / (0.7 * 0.5), 1 / (0.7 * 0.5), 1 / 0.7])  # f(1) removed by F_N
    assert np.max(np.abs(exact - dense)) < 1e-9
    monkeypatch.setattr(dyn_mod, "EIGEN_MAX", 10)
    series = bias_traces(w, 0.3, -0.1, 0.3, project=True)
    assert np.max(np.abs(series - dense) / np.abs(dense).clip(1)) < 0.05  # Hutchinson tr(W^j), j >= 3


def test_non_stationary_fit_refuses_long_run_effects(provinces):
    w = weights(provinces, "row")
    data = simulate_dynamic(w, 10, np.random.default_rng(5), tau=0.75, eta=0.35, rho=0.2, burn=2)
    res = si.sar("y ~ x", data, w, entity="id", time="year", fixed_effects="entity", bias_correction="none",
                 dynamic="both")
    assert not res.stable
    with pytest.raises(NonStationaryError, match="not stationary"):
        res.impacts(horizon="long")
    res.impacts(horizon="short", method="exact")
    with pytest.raises(NonStationaryError, match="bias_correction='none'"):
        si.sar("y ~ x", data, w, entity="id", time="year", fixed_effects="entity", dynamic="both")


@pytest.fixture(scope="module")
def small(provinces):
    w = weights(provinces, "row")
    return w, simulate_dynamic(w, 6, np.random.default_rng(1), tau=0.3, eta=0.0, rho=0.3)


def test_gaps_and_time_types(small):
    w, data = small
    gap = data[data["year"] != 2003]
    with pytest.raises(PanelError, match=r"gaps between periods \(2002, 2004\)"):
        si.sar("y ~ x", gap, w, entity="id", time="year", dynamic="time")
    with pytest.raises(PanelError, match="recode the time column"):
        si.sar("y ~ x", data.assign(year=data["year"].astype(str) + "y"), w, entity="id", time="year",
               dynamic="time")
    check_consecutive(pd.Index([pd.Period("2001Q1"), pd.Period("2001Q2"), pd.Period("2001Q3")]))
    with pytest.raises(PanelError, match="gaps"):
        check_consecutive(pd.Index([pd.Period("2001Q1"), pd.Period("2001Q3")]))
    check_consecutive(pd.DatetimeIndex(["2001-01-01", "2002-01-01", "2003-01-01"]))
    with pytest.raises(PanelError, match="gaps"):
        check_consecutive(pd.DatetimeIndex(["2001-01-01", "2001-02-01", "2001-04-01"]))
    res = si.sar("y ~ x", data.assign(year=data["year"].astype(float)), w, entity="id", time="year", dynamic="time")
    assert res.nobs == 31 * 5


def test_bad_dynamic_specifications(small, provinces):
    w, data = small
    kw = {"entity": "id", "time": "year"}
    with pytest.raises(PanelError, match="at least 3 periods"):
        si.sar("y ~ x", data[data["year"] < 2002], w, dynamic="time", **kw)
    with pytest.raises(PanelError, match="needs a panel"):
        si.sar("y ~ x", data[data["year"] == 2001], w, id="id", dynamic="time")
    for model in ("SEM", "SDEM", "SAC", "SLX", "OLS"):
        with pytest.raises(SpatialInnoError, match="SAR and SDM only"):
            si.models.fit(model, "y ~ x", data, w, dynamic="both", **kw)
    with pytest.raises(SpatialInnoError, match="random effects are not supported"):
        si.sar("y ~ x", data, w, fixed_effects="random", dynamic="time", **kw)
    with pytest.raises(SpatialInnoError, match="'lee-yu'.*or 'none'"):
        si.sar("y ~ x", data, w, bias_correction="elhorst", dynamic="time", **kw)
    with pytest.raises(SpatialInnoError, match="dynamic must be one of"):
        si.sar("y ~ x", data, w, dynamic="lag", **kw)
    with pytest.raises(DataError, match="clash"):
        si.sar("y ~ tau", data.assign(tau=data["x"]), w, dynamic="time", **kw)
    wd = weights(provinces, "spectral")
    with pytest.raises(SpatialInnoError, match="row-normalised"):
        si.sdm("y ~ x", data, wd, fixed_effects="twoway", dynamic="both", **kw)
    si.sdm("y ~ x", data, wd, fixed_effects="twoway", bias_correction="none", dynamic="both", **kw)
    res = si.sar("y ~ x", data, w, **kw)
    with pytest.raises(SpatialInnoError, match="need a dynamic panel"):
        res.impacts(horizon="long")
    with pytest.raises(SpatialInnoError, match="horizon must be"):
        si.sar("y ~ x", data, w, dynamic="time", **kw).impacts(horizon="medium")
    assert res.stable and res.dynamic is None
