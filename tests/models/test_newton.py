"""The guided Newton iteration and the local expansion of the log-determinant (:mod:`spatialinno.models.newton`),
against closed forms written here: a function with a known maximum, and log|I - r W| with its derivatives
-tr(M), -tr(M^2) from the eigenvalues of W (Ord 1975)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from simulate import lattice

import spatialinno as si
from spatialinno.models.logdet import LogDet
from spatialinno.models.newton import NEWTON_STEP, guided_newton, local_expansion

X_STAR = 0.3


def _g(x: float) -> float:
    """A smooth concave function with its maximum at X_STAR and a non-zero third derivative."""
    d = x - X_STAR
    return -500.0 * d ** 2 + 800.0 * d ** 3 - 300.0 * d ** 4


def _counted(f):
    calls = []

    def wrapped(x):
        calls.append(x)
        return f(x)
    return wrapped, calls


def test_guided_newton_converges_with_four_evaluations():
    g, calls = _counted(_g)
    x, ok = guided_newton(g, lambda x: -1000.0 * 1.002, X_STAR + 1e-4, -1.0, 1.0)   # curvature off by 0.2%
    assert ok
    assert abs(x - X_STAR) < 1e-10                   # the central-difference bias h^2 g'''/(6 |g''|) = 8e-11
    assert len(calls) == 4                           # 2 points x 2 iterations: approximate, then secant curvature


def test_guided_newton_evaluates_the_centre_before_accepting_an_approximate_step():
    """A start within NEWTON_TOL: the approximate curvature alone would accept it; the exact three-point one is
    used instead (one more evaluation, at the start itself), so the accepted point has an exact stencil."""
    g, calls = _counted(_g)
    start = X_STAR + 1e-8
    x, ok = guided_newton(g, lambda x: -900.0, start, -1.0, 1.0)
    assert ok and abs(x - X_STAR) < 1e-10
    assert len(calls) == 3 and start in calls


def test_guided_newton_stops_on_a_wrong_curvature():
    x, ok = guided_newton(_g, lambda x: 5.0, X_STAR + 1e-3, -1.0, 1.0)
    assert not ok and x == X_STAR + 1e-3


@pytest.fixture(scope="module")
def spectrum():
    w = lattice(12)
    return w, np.linalg.eigvals(w.sparse.toarray()).real


def _f(ev, r, k=0):
    """k-th derivative of log|I - r W| = sum log(1 - r lambda): -(k-1)! sum lambda^k / (1 - r lambda)^k."""
    if k == 0:
        return float(np.sum(np.log1p(-r * ev)))
    return -float(math.factorial(k - 1) * np.sum(ev ** k / (1 - r * ev) ** k))


@pytest.mark.parametrize("layout", ["three-point", "two pairs"])
def test_local_expansion_matches_the_closed_form(spectrum, layout):
    _, ev = spectrum
    h, c = NEWTON_STEP, 0.47
    pts = [c - h, c + h] + ([c + 3e-17] if layout == "three-point" else [c - 1.3e-4 - h, c - 1.3e-4 + h])
    values = {p: _f(ev, p) for p in pts}
    r = c + 7e-7
    got = local_expansion(values, r, lambda x: _f(ev, x, 3))
    assert got is not None
    exact = [_f(ev, r, k) for k in range(3)]
    assert abs(got[0] - exact[0]) < 1e-12 * abs(exact[0])
    assert abs(got[1] - exact[1]) < 1e-9 * abs(exact[1])
    assert abs(got[2] - exact[2]) < 1e-6 * abs(exact[2])


def test_local_expansion_needs_a_stencil_next_to_r(spectrum):
    _, ev = spectrum
    h, c = NEWTON_STEP, 0.47
    values = {p: _f(ev, p) for p in (c - h, c + h, c - 1e-4 - h, c - 1e-4 + h)}
    assert local_expansion(values, c + 5e-6, lambda x: 0.0) is None            # beyond NEWTON_TOL
    one_pair = {p: values[p] for p in (c - h, c + h)}
    assert local_expansion(one_pair, c, lambda x: 0.0) is None                  # no curvature source


def test_secant_without_the_third_derivative_term_is_worse(spectrum):
    """The f''' correction matters: dropping it moves f'' by |c - c'| |f'''| / 2 (negative control)."""
    _, ev = spectrum
    h, c = NEWTON_STEP, 0.47
    values = {p: _f(ev, p) for p in (c - h, c + h, c - 1e-3 - h, c - 1e-3 + h)}
    exact = _f(ev, c, 2)
    good = local_expansion(values, c, lambda x: _f(ev, x, 3))[2]
    bad = local_expansion(values, c, lambda x: 0.0)[2]
    assert abs(good - exact) < 1e-5 * abs(exact) < abs(bad - exact) / 10     # secant: O(|c - c'|^2) left


@pytest.mark.parametrize("refine", [True, False])
def test_refined_solver_from_a_nearby_factor(spectrum, refine):
    """A factor at r, solves at rho = r + 1.1e-5: one refinement step gives ~1e-10 relative, none ~1e-5."""
    w, _ = spectrum
    ld = LogDet(si.Weights.from_sparse(w.sparse, w.ids, normalization="row"), "sparse")
    r = 0.41
    ld(r)
    rho = r + 1.1e-5
    Z = np.random.default_rng(5).normal(size=(w.n, 3))
    X = ld.solver(rho, within=2e-5, refine=refine)(Z)
    assert ld.memoised() == [r]                                                  # no new factorisation
    exact = np.linalg.solve(np.eye(w.n) - rho * w.sparse.toarray(), Z)
    err = np.max(np.abs(X - exact)) / np.max(np.abs(exact))
    assert (err < 1e-9) if refine else (1e-7 < err < 1e-4)
