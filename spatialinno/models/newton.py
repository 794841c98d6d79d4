"""Newton polishing of a likelihood maximum, and the local expansion of an exact log-determinant.

- :func:`newton_polish`: Newton steps on central-difference derivatives (any number of parameters).
- :func:`guided_newton`: one parameter whose every evaluation costs a sparse factorisation (the exact
  log-determinant). An iteration evaluates only g(x +- h), the central-difference score; the curvature is
  the secant of two such scores (the secant method, order (1 + sqrt 5) / 2; Dennis & Schnabel 1996, §2.6),
  on the first iteration that of a cheap approximation of g (the series log-determinant that guided the
  search). From the guided start (~1e-4 from the optimum) the fit then costs four factorisations instead
  of six.
- :func:`local_expansion`: log|I - r W| and its first two derivatives at a point r next to memoised exact
  values (the last stencil of the polish), so that the log-likelihood at the estimate and the traces
  tr(M), tr(M^2) of the information matrix (M = W (I - r W)^-1; d/dr log|I - r W| = -tr(M),
  d2/dr2 = -tr(M^2)) cost no new factorisation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

#: central-difference step of the Newton polish (the stencils of :func:`local_expansion` use it too)
NEWTON_STEP = 1e-5
#: with exact sparse log-determinants a Newton step below this is final (error ~|step|^2, far below 1e-8)
NEWTON_TOL = 1e-6
#: a secant curvature needs its two scores this far apart (their rounding, ~1e-16 |g| / h each, divided by the
#: distance) and at most SECANT_MAX (its truncation error, |g'''| |dx| / 2, shrinks as the iterates converge)
SECANT_MIN = 1e-6
SECANT_MAX = 1e-2


def newton_polish(g: Callable[[np.ndarray], float], x: np.ndarray, lo: float, hi: float, h: float = NEWTON_STEP,
                  tol: float = 1e-9) -> tuple[np.ndarray, bool]:
    """Polish a maximum of ``g`` with Newton steps on central-difference derivatives.

    Brent and quasi-Newton searches stop where the flat top of the likelihood hides further gains
    (~1e-7 in rho); the score, however, is still well resolved there, so a few Newton steps on it
    locate the root to ~1e-10. Steps stop when the Hessian is not negative definite, a step exceeds
    1e-2 or leaves (lo, hi). A step below ``tol`` is taken and accepted without evaluating ``g`` at the
    new point: Newton converges quadratically, so the remaining error is ~C |step|^2.

    Parameters
    ----------
    g : callable
        Function to maximise.
    x : ndarray
        Starting point.
    lo, hi : float
        Open interval every coordinate must stay in.
    h : float
        Difference step.
    tol : float
        Convergence threshold on the largest step component.

    Returns
    -------
    (ndarray, bool)
        The polished point and whether the last step was below ``tol``.
    """
    x = x.astype(float).copy()
    p = len(x)
    E = np.eye(p) * h
    for _ in range(8):
        fp = [g(x + E[i]) for i in range(p)]
        fm = [g(x - E[i]) for i in range(p)]
        f0 = g(x)                      # last, so that with one parameter the last factor is the centre's
        grad = np.array([(fp[i] - fm[i]) / (2 * h) for i in range(p)])
        H = np.empty((p, p))
        for i in range(p):
            H[i, i] = (fp[i] - 2 * f0 + fm[i]) / h ** 2
            for j in range(i + 1, p):
                H[i, j] = H[j, i] = (g(x + E[i] + E[j]) - g(x + E[i] - E[j]) - g(x - E[i] + E[j])
                                     + g(x - E[i] - E[j])) / (4 * h ** 2)
        if not np.all(np.linalg.eigvalsh(H) < 0):
            break
        step = -np.linalg.solve(H, grad)
        if np.max(np.abs(step)) > 1e-2 or np.any(x + step <= lo) or np.any(x + step >= hi):
            break
        x = x + step
        if np.max(np.abs(step)) < tol:
            return x, True
    return x, False


def guided_newton(g: Callable[[float], float], curvature: Callable[[float], float], x: float, lo: float, hi: float,
                  h: float = NEWTON_STEP, tol: float = NEWTON_TOL) -> tuple[float, bool]:
    """Maximise a smooth ``g`` of one variable from a good start with two evaluations of ``g`` per iteration.

    Iteration k evaluates g(x_k + h) and g(x_k - h): the score s_k = (g(x_k + h) - g(x_k - h)) / 2h. The
    curvature is the secant (s_k - s_(k-1)) / (x_k - x_(k-1)) when ``SECANT_MIN`` <= |x_k - x_(k-1)| <=
    ``SECANT_MAX``, otherwise ``curvature(x_k)`` (a cheap approximation; always on the first iteration).
    The step -s_k / curvature is taken; one below ``tol`` is accepted without a new evaluation (the secant
    iteration converges superlinearly, error ~C |step| |previous step|). A step below ``tol`` from the
    approximate curvature is first recomputed with the exact three-point curvature (one more evaluation,
    g(x_k)), so that the accepted point always sits next to an exact stencil (:func:`local_expansion`).
    Iterations stop (not converged) when the curvature is not negative or a step exceeds 1e-2 or leaves
    (lo, hi).

    Parameters
    ----------
    g : callable
        Function to maximise (each call may be expensive).
    curvature : callable
        Cheap approximation of g''.
    x : float
        Starting point.
    lo, hi : float
        Open interval x must stay in.
    h : float
        Difference step.
    tol : float
        Convergence threshold on the step.

    Returns
    -------
    (float, bool)
        The polished point and whether the last step was below ``tol``.
    """
    prev: tuple[float, float] | None = None
    for _ in range(8):
        fp, fm = g(x + h), g(x - h)
        score = (fp - fm) / (2 * h)
        if prev is not None and SECANT_MIN <= abs(x - prev[0]) <= SECANT_MAX:
            curv, exact = (score - prev[1]) / (x - prev[0]), True
        else:
            curv, exact = curvature(x), False
        if curv < 0 and abs(score / curv) < tol and not exact:
            curv = (fp - 2 * g(x) + fm) / h ** 2
        if not curv < 0:
            break
        step = -score / curv
        if abs(step) > 1e-2 or not lo < x + step < hi:
            break
        prev, x = (x, score), x + step
        if abs(step) < tol:
            return x, True
    return x, False


def local_expansion(values: Mapping[float, float], r: float, third: Callable[[float], float],
                    h: float = NEWTON_STEP, tol: float = NEWTON_TOL) -> tuple[float, float, float] | None:
    """(f(r), f'(r), f''(r)) of a smooth f from exact values memoised next to r, or None when none serve.

    Needs a pair f(c - h), f(c + h) with |r - c| <= ``tol`` (any two memoised points 2h apart).

    - When a third point v lies between them (the centre of a three-point stencil), the quadratic p through
      the three, in Newton's divided-difference form (exact for unequal spacing, so v need not be the exact
      midpoint): f(r) = p(r), f'(r) = p'(r), f''(r) = p'' + third(c) (r - c).
    - Otherwise D1 = (f(c + h) - f(c - h)) / 2h and the curvature is the secant of D1 and the central
      difference D1' of another memoised pair at c' (``SECANT_MIN`` <= |c - c'| <= ``SECANT_MAX``), which
      estimates f'' at (c + c') / 2, moved to c with ``third``, an approximate third derivative:
      D2 = (D1 - D1') / (c - c') + third(c) (c - c') / 2. With s = r - c and
      f(c) = (f(c + h) + f(c - h)) / 2 - h^2 D2 / 2: f(r) = f(c) + s D1 + s^2 D2 / 2, f'(r) = D1 + s D2,
      f''(r) = D2 + third(c) s.

    For f = log|I - r W| (its k-th derivative is -(k - 1)! tr(M^k)) the truncation errors are O(h^2 |f'''|)
    in D1, O(|c - c'|^2 |f''''|) in the secant and O(s^3 |f'''|) in f(r): relative 1e-8 or below for
    |c - c'| <= 1e-4; rounding adds ~1e-16 |f| / (h |c - c'|) to the secant curvature.

    Parameters
    ----------
    values : mapping
        Memoised exact values {point: f(point)}.
    r : float
        Where to expand.
    third : callable
        Approximate third derivative of f.
    h : float
        Half-width of the stencils.
    tol : float
        Largest |r - c| served.

    Returns
    -------
    (float, float, float) or None
    """
    pts = sorted(values)
    pairs = [(a, b) for i, a in enumerate(pts) for b in pts[i + 1:] if abs(b - a - 2 * h) <= 1e-3 * h]
    near = [(a, b) for a, b in pairs if abs(r - (a + b) / 2) <= tol]
    if not near:
        return None
    a, b = min(near, key=lambda q: abs(r - (q[0] + q[1]) / 2))
    fa, fb = values[a], values[b]
    c = (a + b) / 2
    inner = [v for v in pts if abs(v - c) <= h / 2]
    if inner:
        v = min(inner, key=lambda u: abs(u - c))
        fv = values[v]
        d_av, d_vb = (fv - fa) / (v - a), (fb - fv) / (b - v)
        d2 = (d_vb - d_av) / (b - a)
        return (fa + d_av * (r - a) + d2 * (r - a) * (r - v), d_av + d2 * (2 * r - a - v),
                2 * d2 + third(c) * (r - c))
    others = [(p, q) for p, q in pairs if SECANT_MIN <= abs((p + q) / 2 - c) <= SECANT_MAX]
    if not others:
        return None
    d1 = (fb - fa) / (b - a)
    p, q = min(others, key=lambda o: abs((o[0] + o[1]) / 2 - c))
    co = (p + q) / 2
    d2 = (d1 - (values[q] - values[p]) / (q - p)) / (c - co) + third(c) * (c - co) / 2
    f0 = (fa + fb) / 2 - ((b - a) / 2) ** 2 * d2 / 2
    s = r - c
    return f0 + s * d1 + s ** 2 * d2 / 2, d1 + s * d2, d2 + third(c) * s
