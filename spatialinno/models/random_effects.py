"""Random-effects spatial panels (SAR, SEM and their Durbin forms) by maximum likelihood.

Model (Elhorst 2014, §3.5; Baltagi, Song & Koh 2003): A y_t = X_t b + mu + u_t, with A = I - rho W,
u_t = lambda W u_t + e_t (B = I - lambda W), mu ~ N(0, s2_mu I_N), e_t ~ N(0, s2 I_N). With phi = s2_mu/s2
and r_t = A y_t - X_t b, r-bar = mean_t r_t, the log-likelihood is

    l = -NT/2 log(2 pi s2) - 1/2 log|I + T phi B'B| + T log|B| + T log|A| - Q / (2 s2),
    Q = sum_t ||B (r_t - r-bar)||^2 + T r-bar' B'B (I + T phi B'B)^-1 r-bar.

For SAR (B = I) Q is the familiar quasi-demeaning with 1 - 1/sqrt(1 + T phi). b and s2 are concentrated out
(GLS), (rho or lambda, log phi) are found numerically, and standard errors come from a numerical Hessian
of the full log-likelihood (central differences).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import linalg, optimize

from ..constants import DENSE_RANDOM_EFFECTS_MAX
from ..errors import EstimationError, SpatialInnoError
from ..weights import Weights
from .covariance import HessianCovariance
from .data import durbin_columns, panel
from .estimate import Estimate, make_estimate
from .likelihood import Problem, check_interior
from .newton import newton_polish
from .spec import ModelSpec


class RandomEffects:
    """The random-effects log-likelihood of a problem (dense N x N algebra).

    Parameters
    ----------
    problem : Problem
        A pooled problem (``fixed_effects="random"``, no bias correction).
    """

    def __init__(self, problem: Problem) -> None:
        self.p = problem
        d = problem.design
        self.N, self.T = d.N, d.T
        self.W = d.w.sparse.toarray()
        self.X = problem.X_raw
        self.y, self.Wy = d.y, problem.Wy_raw

    def _transform(self, lam: float, phi: float):
        """Linear map v (NT, k) -> (NT + N, k) with ||map(r)||^2 = Q(r)."""
        N, T = self.N, self.T
        B = np.eye(N) - lam * self.W
        BB = B.T @ B
        M = BB @ np.linalg.inv(np.eye(N) + T * phi * BB)
        L = linalg.cholesky((M + M.T) / 2, lower=True)
        logdet_extra = -0.5 * np.linalg.slogdet(np.eye(N) + T * phi * BB)[1]

        def f(v):
            V = v.reshape(T, N, -1)
            mean = V.mean(axis=0)
            dev = np.einsum("ij,tjk->tik", B, V - mean).reshape(T * N, -1)
            return np.vstack([dev, np.sqrt(T) * (L.T @ mean)])

        return f, logdet_extra

    def concentrated(self, rho: float, lam: float, phi: float) -> tuple[float, np.ndarray, float]:
        """Log-likelihood with b and s2 concentrated out, and those b and s2, at (rho, lambda, phi).

        Parameters
        ----------
        rho, lam, phi : float
            Spatial parameters and the variance ratio s2_mu/s2.

        Returns
        -------
        (float, ndarray, float)
            Log-likelihood, b, s2.
        """
        f, extra = self._transform(lam, phi)
        ys = f((self.y - rho * self.Wy)[:, None]).ravel()
        Xs = f(self.X)
        beta = np.linalg.lstsq(Xs, ys, rcond=None)[0]
        e = ys - Xs @ beta
        n = self.N * self.T
        s2 = e @ e / n
        ll = -0.5 * n * (np.log(2 * np.pi * s2) + 1) + extra + self.T * (self.p.ld(rho) / self.p.scale.ld_mult +
                                                                          self.p.ld(lam) / self.p.scale.ld_mult)
        return ll, beta, s2

    def full(self, beta: np.ndarray, rho: float, lam: float, phi: float, s2: float) -> float:
        """Full log-likelihood at every parameter.

        Parameters
        ----------
        beta : ndarray
        rho, lam, phi, s2 : float

        Returns
        -------
        float
        """
        f, extra = self._transform(lam, phi)
        e = f((self.y - rho * self.Wy - self.X @ beta)[:, None]).ravel()
        n = self.N * self.T
        return (-0.5 * n * np.log(2 * np.pi * s2) + extra - e @ e / (2 * s2)
                + self.T * (self.p.ld(rho) + self.p.ld(lam)) / self.p.scale.ld_mult)


def fit_random(spec: ModelSpec, formula: str, data: pd.DataFrame, w: Weights, *, entity: Hashable,
               time: Hashable, durbin: Sequence[str] | None, method: str) -> tuple[Estimate, HessianCovariance]:
    """Random-effects ML fit: the estimate and the inverse numerical Hessian over (b, rho|lambda, sigma2).

    Parameters
    ----------
    spec : ModelSpec
        Any model but SAC.
    formula : str
    data : DataFrame
    w : Weights
    entity, time : hashable
        Panel id columns.
    durbin : sequence of str, optional
        Regressors with W x terms.
    method : str
        Log-determinant strategy.

    Returns
    -------
    (Estimate, HessianCovariance)
        ``extra`` holds phi = s2_mu/s2, its standard error, s2_mu and the random-effect share.
    """
    if spec.lag and spec.error:
        raise SpatialInnoError("random effects are implemented for SAR, SEM, SDM, SDEM, SLX and OLS, not SAC")
    design = panel(formula, data, w, entity, time, "random")
    if design.N > DENSE_RANDOM_EFFECTS_MAX:
        raise SpatialInnoError(f"random effects use dense N x N algebra; N = {design.N} > "
                               f"{DENSE_RANDOM_EFFECTS_MAX}: use fixed effects")
    dnames = durbin_columns(design.names, durbin) if spec.durbin else []
    p = Problem(design, spec, dnames, method, "none")
    re = RandomEffects(p)
    lo, hi = p.bounds
    span = hi - lo
    lo, hi = lo + 1e-6 * span, hi - 1e-6 * span
    has_sp = spec.lag or spec.error

    def unpack(v):
        r = v[0] if has_sp else 0.0
        return (r if spec.lag else 0.0), (r if spec.error else 0.0), float(np.exp(v[-1]))

    def neg(v):
        rho, lam, phi = unpack(v)
        return -re.concentrated(rho, lam, phi)[0]

    starts = [[0.0, 0.0], [0.5 * hi, 0.0], [0.0, 2.0], [0.5 * hi, -2.0]] if has_sp else [[0.0], [2.0], [-2.0]]
    bounds = ([(lo, hi)] if has_sp else []) + [(-25.0, 12.0)]
    fits = [optimize.minimize(neg, np.array(s0, float), method="L-BFGS-B", bounds=bounds,
                              options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000}) for s0 in starts]
    best = min(fits, key=lambda r: r.fun)
    x, _ = newton_polish(lambda v: -neg(v), best.x, -25.0 if not has_sp else min(lo, -25.0), 12.0)
    if has_sp:
        check_interior(x[0], "rho" if spec.lag else "lambda", p.bounds)
    if x[-1] <= -24.0:
        raise EstimationError("the random-effect variance is estimated at zero (phi -> 0); use a pooled model "
                              "(fixed_effects='none')")
    rho, lam, phi = unpack(x)
    llf, beta, s2 = re.concentrated(rho, lam, phi)
    # numerical Hessian of the full log-likelihood in (beta, [rho|lambda], phi, s2)
    theta = np.concatenate([beta, [x[0]] if has_sp else [], [phi, s2]])
    k = len(beta)

    def full(t):
        r = t[k] if has_sp else 0.0
        return re.full(t[:k], r if spec.lag else 0.0, r if spec.error else 0.0, t[-2], t[-1])

    H = _hessian(full, theta)
    cov = np.linalg.inv(-H)
    keep = list(range(k + (1 if has_sp else 0))) + [len(theta) - 1]
    resid = re.y - rho * re.Wy - re.X @ beta
    extra = {"phi (s2_mu/s2)": float(phi), "phi_se": float(np.sqrt(cov[-2, -2])), "sigma2_mu": float(phi * s2),
             "random-effect share": float(phi / (1 + phi))}
    est = make_estimate(p, rho, lam, beta, s2, llf, resid, extra=extra, extra_params=1)
    return est, HessianCovariance(est, cov[np.ix_(keep, keep)])


def _hessian(f, x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian with steps scaled to each parameter."""
    n = len(x)
    h = 1e-4 * np.maximum(np.abs(x), 1e-2)
    H = np.zeros((n, n))
    f0 = f(x)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = h[i]
        H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i + 1, n):
            ej = np.zeros(n)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
    return H
