"""The large-N code paths (sparse LU, log-determinant traces, Hutchinson probes, series kernels) against
the exact dense paths on a 900-region lattice, where both can run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from simulate import sdm_lattice_data

import spatialinno as si
import spatialinno.models.effects as effects_mod
import spatialinno.models.information as info_mod


@pytest.fixture(scope="module")
def lattice_data():
    return sdm_lattice_data(30, seed=4, rho=0.5, theta=0.4)


@pytest.mark.parametrize("model", ["SAR", "SEM", "SDM", "SDEM"])
def test_sparse_and_eigen_log_determinants_agree(lattice_data, model):
    df, w = lattice_data
    a = si.models.fit(model, "y ~ x", df, w, id="id", method="eigen")
    b = si.models.fit(model, "y ~ x", df, w, id="id", method="sparse")
    assert abs(a.llf - b.llf) < 1e-8
    assert np.allclose(a.params, b.params, rtol=1e-7, atol=1e-9)
    assert np.allclose(a.bse, b.bse, rtol=1e-6)


@pytest.mark.parametrize("model", ["SAR", "SEM", "SDM"])
def test_stochastic_information_close_to_exact(lattice_data, model, monkeypatch):
    df, w = lattice_data
    exact = si.models.fit(model, "y ~ x", df, w, id="id")
    monkeypatch.setattr(info_mod, "DENSE_MAX", 0)
    hutch = si.models.fit(model, "y ~ x", df, w, id="id")  # log-det traces + 50 Rademacher probes
    assert np.allclose(hutch.bse, exact.bse, rtol=0.01)


@pytest.mark.parametrize("effects", ["none", "twoway"])
def test_log_determinant_traces_are_exact(lattice_data, effects):
    """tr(G) and tr(G^2) from differences of the exact log-determinant equal the dense traces
    (with the Lee-Yu projection Q G Q for two-way effects)."""
    df, w = lattice_data
    T = 3
    panel = pd.DataFrame({"id": np.tile(w.ids, T), "t": np.repeat(range(T), w.n),
                          "y": np.tile(df["y"], T) + np.repeat(range(T), w.n) + np.sin(np.arange(T * w.n)),
                          "x": np.tile(df["x"], T)})  # the sine term keeps y varying after two-way demeaning
    kw = {"entity": "id", "time": "t", "fixed_effects": effects} if effects != "none" else {"id": "id"}
    data = panel if effects != "none" else df
    res = si.sar("y ~ x", data, w, **kw)
    rho = 0.37
    W = w.sparse.toarray()
    G = W @ np.linalg.inv(np.eye(w.n) - rho * W)
    if effects == "twoway":
        Q = np.eye(w.n) - 1.0 / w.n
        G = Q @ G @ Q
    t1, t2 = info_mod.logdet_traces(res.estimate.problem, rho)
    assert abs(t1 - np.trace(G)) < 1e-6 * abs(np.trace(G))
    assert abs(t2 - np.trace(G @ G)) < 1e-6 * np.trace(G @ G)


def test_series_log_determinant_is_close(lattice_data):
    df, w = lattice_data
    exact = si.sdm("y ~ x", df, w, id="id")
    approx = si.sdm("y ~ x", df, w, id="id", method="series")
    assert abs(approx.rho - exact.rho) < 1e-3


def test_series_effects_kernel_close_to_eigen(lattice_data, monkeypatch):
    df, w = lattice_data
    res = si.sdm("y ~ x", df, w, id="id")
    exact = res.impacts(method="exact")
    fresh = si.Weights.from_sparse(w.sparse, w.ids, normalization="row")
    monkeypatch.setattr(effects_mod, "EIGEN_MAX", 0)
    res2 = si.sdm("y ~ x", df.assign(), fresh, id="id")
    approx = res2.impacts(method="exact")
    # totals use exact 1'W^j 1; direct effects use Hutchinson traces of W^j, j >= 3
    assert np.allclose(approx["estimate"], exact["estimate"], rtol=2e-3)
    tot = exact.xs("total", level="effect")["estimate"]
    assert np.allclose(approx.xs("total", level="effect")["estimate"], tot, rtol=1e-9)
