"""The optional CHOLMOD supernodal backend (cvxopt, ``spatialinno[fast]``) against the default SuperLU path and
against dense log-determinants and solves written here; skipped when cvxopt is not installed."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from simulate import lattice, sdm_lattice_data

import spatialinno as si
import spatialinno.models.information as info_mod
from spatialinno.models.factorisation import SOLVER_ENV, solver_backend, supernodal_available
from spatialinno.models.logdet import LogDet

pytest.importorskip("cvxopt")


def _fresh(w: si.Weights) -> si.Weights:
    return si.Weights.from_sparse(w.raw, w.ids, normalization=w.normalization)


def _queen_with_island(side: int) -> si.Weights:
    """Row-normalised queen lattice whose last cell has no neighbour (a zero row and column of C)."""
    n = side * side
    r, c = np.divmod(np.arange(n), side)
    rows, cols = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                rr, cc = r + dr, c + dc
                ok = (rr >= 0) & (rr < side) & (cc >= 0) & (cc < side)
                rows.append(np.flatnonzero(ok))
                cols.append(rr[ok] * side + cc[ok])
    i, j = np.concatenate(rows), np.concatenate(cols)
    keep = (i != n - 1) & (j != n - 1)
    m = sp.csr_matrix((np.ones(keep.sum()), (i[keep], j[keep])), shape=(n, n))
    return si.Weights.from_sparse(m, np.arange(n), normalization="row", kind="queen lattice with an island")


@pytest.fixture(scope="module")
def lattice_data():
    return sdm_lattice_data(30, seed=21, rho=0.45, theta=0.3)


def test_auto_picks_the_accelerator_when_installed(monkeypatch):
    monkeypatch.delenv(SOLVER_ENV, raising=False)
    assert supernodal_available()
    assert solver_backend(True) == "cholmod"
    assert solver_backend(False) == "scipy"            # no symmetric form: SuperLU
    monkeypatch.setenv(SOLVER_ENV, "scipy")
    assert solver_backend(True) == "scipy"
    monkeypatch.setenv(SOLVER_ENV, "pardiso")
    with pytest.raises(si.SpatialInnoError, match="SPATIALINNO_SOLVER='pardiso'"):
        solver_backend(True)


@pytest.mark.parametrize("w_maker", [lambda: lattice(30), lambda: _queen_with_island(25),
                                     lambda: si.Weights.from_sparse(lattice(30).raw * 0.2, lattice(30).ids)],
                         ids=["rook", "island", "unnormalised"])
@pytest.mark.parametrize("rho", [-0.9, -0.3, 0.35, 0.9, 0.99])
def test_log_determinant_equals_superlu_and_dense(monkeypatch, w_maker, rho):
    w = w_maker()
    monkeypatch.setenv(SOLVER_ENV, "scipy")
    lu = LogDet(_fresh(w), "sparse")
    monkeypatch.setenv(SOLVER_ENV, "cholmod")
    ch = LogDet(_fresh(w), "sparse")
    assert (lu.backend, ch.backend) == ("scipy", "cholmod")
    assert "CHOLMOD" in ch.label
    dense = np.linalg.slogdet(np.eye(w.n) - rho * w.sparse.toarray())[1]
    assert abs(ch(rho) - lu(rho)) < 1e-10
    assert abs(ch(rho) - dense) < 1e-9


def test_solvers_stay_valid_across_later_factorisations(lattice_data, monkeypatch):
    """A solver handed out at rho still solves with I - rho W after evaluations at other values."""
    _, w = lattice_data
    monkeypatch.setenv(SOLVER_ENV, "cholmod")
    ld = LogDet(_fresh(w), "sparse")
    W = w.sparse.toarray()
    Z = np.random.default_rng(3).normal(size=(w.n, 3))
    sa, sb = ld.solver(0.6), ld.solver(-0.4)
    for r in (0.1, 0.2, 0.3, -0.5):
        ld(r)
    for r, s in ((0.6, sa), (-0.4, sb)):
        A = np.eye(w.n) - r * W
        assert np.allclose(s(Z), np.linalg.solve(A, Z), atol=1e-10)
        assert np.allclose(s(Z[:, 0]), np.linalg.solve(A, Z[:, 0]), atol=1e-10)


@pytest.mark.parametrize("model", ["SAR", "SEM", "SDM", "SAC"])
def test_fit_gives_the_same_estimates_with_either_backend(lattice_data, model, monkeypatch):
    df, w = lattice_data
    monkeypatch.setattr(info_mod, "DENSE_MAX", 0)    # information solves through the sparse factors
    fits = {}
    for backend in ("scipy", "cholmod"):
        monkeypatch.setenv(SOLVER_ENV, backend)
        fits[backend] = si.models.fit(model, "y ~ x", df, _fresh(w), id="id", method="sparse")
    a, b = fits["scipy"], fits["cholmod"]
    for par in ("rho", "lambda"):
        if par in a.params:
            assert abs(a.params[par] - b.params[par]) < 1e-8
            # tr(M^2) is a second difference of log|I - r W| with step 1e-5: rounding of ~1e-12 in the
            # log-determinants moves it by ~1e-2 of ~1e3, so the SEs agree to ~1e-6 relative, not 1e-8
            assert abs(a.bse[par] - b.bse[par]) < 1e-5 * a.bse[par]
    assert abs(a.llf - b.llf) < 1e-8
    assert "CHOLMOD supernodal" in str(b.summary())
    assert "SuperLU" in str(a.summary())


def test_weights_with_a_cholmod_factor_pickle(lattice_data, monkeypatch):
    """W carries the backend's symbolic analysis; a copy sent to another process refactorises."""
    df, w = lattice_data
    monkeypatch.setenv(SOLVER_ENV, "cholmod")
    fresh = _fresh(w)
    res = si.sar("y ~ x", df, fresh, id="id", method="sparse")
    copy = pickle.loads(pickle.dumps(fresh))
    again = si.sar("y ~ x", df, copy, id="id", method="sparse")
    assert abs(res.rho - again.rho) < 1e-12


def test_indefinite_matrix_falls_back_to_superlu(lattice_data, monkeypatch):
    """Outside the admissible interval I - r S is indefinite: Cholesky fails and SuperLU answers (log|det|)."""
    _, w = lattice_data
    monkeypatch.setenv(SOLVER_ENV, "cholmod")
    ld = LogDet(_fresh(w), "sparse")
    A = np.eye(w.n) - 1.5 * w.sparse.toarray()
    sign, dense = np.linalg.slogdet(A)
    assert abs(ld(1.5) - dense) < 1e-9
    Z = np.random.default_rng(5).normal(size=(w.n, 2))
    assert np.allclose(ld.solver(1.5)(Z), np.linalg.solve(A, Z), atol=1e-9)
