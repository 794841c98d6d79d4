"""The probe-count rule of the Hutchinson terms of the information matrix (``probes_for_se``) against a
brute-force recomputation of the standard errors from each probe alone, and the resulting standard errors
against the exact dense ones on a 900-region lattice."""

from __future__ import annotations

import numpy as np
import pytest
from simulate import sdm_lattice_data

import spatialinno as si
import spatialinno.models.information as info_mod


def _brute_relative_error(info, idx, per_probe):
    """Relative Monte Carlo SD of every SE: the SE from each probe's terms alone, spread / (mean SE sqrt(m))."""
    ses = []
    for D in per_probe:
        full = info.copy()
        full[np.ix_(idx, idx)] += D
        ses.append(np.sqrt(np.diag(np.linalg.inv(full))))
    ses = np.array(ses)
    return ses.std(axis=0, ddof=1) / (ses.mean(axis=0) * np.sqrt(len(per_probe)))


@pytest.mark.parametrize("P", [1, 2])
def test_probe_rule_matches_brute_force_spread(P):
    rng = np.random.default_rng(3)
    K = 5
    A = rng.normal(size=(K, K))
    info = A @ A.T + K * np.eye(K) * 50.0
    idx = list(range(K - 1 - P, K - 1))
    m = 12
    base = rng.normal(size=(P, P))
    base = base @ base.T + 5 * np.eye(P)
    noise = 0.02 * rng.normal(size=(m, P, P))
    per_probe = base + (noise + noise.transpose(0, 2, 1)) / 2
    brute = float(np.max(_brute_relative_error(info, idx, per_probe)))
    # first-order rule vs exact recomputation: same spread to a few percent (the terms are small perturbations)
    tol_ok, tol_tight = 1.2 * brute, 0.5 * brute
    orig = info_mod.SE_TOL
    try:
        info_mod.SE_TOL = tol_ok
        assert info_mod.probes_for_se(info, idx, per_probe) == m
        info_mod.SE_TOL = tol_tight
        got = info_mod.probes_for_se(info, idx, per_probe)
        assert abs(got - m * (brute / tol_tight) ** 2) <= 0.1 * got + 1
    finally:
        info_mod.SE_TOL = orig


@pytest.fixture(scope="module")
def lattice_data():
    return sdm_lattice_data(30, seed=11, rho=0.5, theta=0.4)


@pytest.mark.parametrize("model", ["SAR", "SEM", "SDM", "SAC"])
def test_rule_standard_errors_within_tolerance_of_exact(lattice_data, model, monkeypatch):
    """Rule: Monte Carlo SD of every SE <= SE_TOL (0.1%); the SEs lie within 5 of those SDs of the exact ones."""
    df, w = lattice_data
    exact = si.models.fit(model, "y ~ x", df, w, id="id", method="sparse")
    monkeypatch.setattr(info_mod, "DENSE_MAX", 0)
    hutch = si.models.fit(model, "y ~ x", df, w, id="id", method="sparse")
    assert np.allclose(hutch.params, exact.params, rtol=1e-12, atol=1e-12)
    assert np.allclose(hutch.bse, exact.bse, rtol=5 * info_mod.SE_TOL)
