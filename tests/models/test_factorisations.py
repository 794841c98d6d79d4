"""Work counted, not timed: sparse LU factorisations per ML fit, the reuse of the Newton stencil and of the
last factor, against the eigenvalue (Ord) log-determinant and dense solves written here."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg as spla
from simulate import sdm_lattice_data

import spatialinno as si
import spatialinno.models.information as info_mod
from spatialinno.models.factorisation import SOLVER_ENV
from spatialinno.models.logdet import LogDet


@pytest.fixture(scope="module")
def lattice_data():
    return sdm_lattice_data(30, seed=11, rho=0.45, theta=0.3)


@pytest.mark.parametrize("model", ["SAR", "SEM", "SDM"])
def test_a_sparse_fit_wastes_no_factorisation(lattice_data, model, monkeypatch):
    """Two guided Newton iterations x 2 points from the series-guided start (the first with the series curvature,
    the second with the secant) and none at the estimate (the last step is accepted below NEWTON_TOL: the
    log-likelihood comes from the last stencils, the information solves from the last factor, refined); estimate
    and log-likelihood equal the eigenvalue log-determinant's."""
    df, w = lattice_data
    fresh = si.Weights.from_sparse(w.sparse, w.ids, normalization="row")
    calls = []
    orig = spla.splu

    def counting(*a, **k):
        calls.append(k.get("permc_spec"))
        return orig(*a, **k)

    monkeypatch.setenv(SOLVER_ENV, "scipy")           # SuperLU counted here; CHOLMOD in test_supernodal_backend
    monkeypatch.setattr(spla, "splu", counting)
    monkeypatch.setattr(info_mod, "DENSE_MAX", 0)
    sparse = si.models.fit(model, "y ~ x", df, fresh, id="id", method="sparse")
    monkeypatch.undo()
    assert len(calls) == 4
    assert calls.count("MMD_AT_PLUS_A") == 1          # the ordering is found once per W
    exact = si.models.fit(model, "y ~ x", df, w, id="id", method="eigen")
    par = "lambda" if model == "SEM" else "rho"
    assert abs(sparse.params[par] - exact.params[par]) < 1e-8
    assert abs(sparse.llf - exact.llf) < 1e-8


def test_traces_reuse_the_newton_stencil(lattice_data):
    """tr(M), tr(M^2) at the fit come from memoised values only and equal the dense traces at the estimate."""
    df, w = lattice_data
    res = si.sar("y ~ x", df, si.Weights.from_sparse(w.sparse, w.ids, normalization="row"), id="id",
                 method="sparse")
    p = res.estimate.problem
    before = len(p.logdet.memoised())
    t1, t2 = info_mod.logdet_traces(p, res.rho)
    assert len(p.logdet.memoised()) == before       # no new evaluation
    W = w.sparse.toarray()
    G = W @ np.linalg.inv(np.eye(w.n) - res.rho * W)
    # expanded to the estimate from the last two stencils (local_expansion): rounding-level agreement
    assert abs(t1 - np.trace(G)) < 1e-9 * abs(np.trace(G))
    assert abs(t2 - np.trace(G @ G)) < 2e-6 * np.trace(G @ G)


@pytest.mark.parametrize("rho", [-0.6, 0.35, 0.9])
def test_solver_and_log_determinant_match_dense(lattice_data, rho):
    _, w = lattice_data
    ld = LogDet(si.Weights.from_sparse(w.sparse, w.ids, normalization="row"), "sparse")
    ld(0.2)                                           # first call finds the ordering; later ones reuse it
    A = np.eye(w.n) - rho * w.sparse.toarray()
    assert abs(ld(rho) - np.linalg.slogdet(A)[1]) < 1e-9
    Z = np.random.default_rng(3).normal(size=(w.n, 3))
    assert np.allclose(ld.solver(rho)(Z), np.linalg.solve(A, Z), atol=1e-10)
    assert np.allclose(ld.solver(rho)(Z[:, 0]), np.linalg.solve(A, Z[:, 0]), atol=1e-10)


def test_rademacher_probes_are_the_values_choice_draws():
    """The probe helper keeps the stream of ``rng.choice([-1.0, 1.0], size)`` (so estimates did not move)."""
    from spatialinno.models.logdet import rademacher

    for shape in ((1000, 5), (7,)):
        expected = np.random.default_rng(20101).choice([-1.0, 1.0], size=shape)
        assert np.array_equal(rademacher(np.random.default_rng(20101), shape), expected)
