"""Inference for any family of LeSage-Pace effect summaries: simulation and delta method.

Every summary this package reports is linear in two combinations of the coefficients and a kernel of rho:
for variable v with b_v = c_v' p and t_v = d_v' p (``c_v``, ``d_v`` fixed vectors over the parameters p:
unit vectors for a plain regressor, derivative weights for a variable entering through several terms, see
:mod:`.marginal`) and kernel rows K_r(rho) = [k1, k2, k3, k4] (the whole sample, a group of regions, or one
power-series order),

    direct_{v,r} = b_v k1 + t_v k2,   total_{v,r} = b_v k3 + t_v k4,   indirect = total - direct

(LeSage & Pace 2009, §2.7 and §5.6). Inference (LeSage & Pace 2009, §5.6.2):

- simulation: p^(s) ~ N(p-hat, V) (multivariate t with ``df``), draws with rho outside its admissible interval
  rejected; ``std_error`` is half the central 68.27% range of the simulated effects, ``sd`` their standard
  deviation, ``ci_lower``/``ci_upper`` their alpha/2 and 1 - alpha/2 quantiles;
- delta: gradient of every summary in p by central differences (step 1e-6 max(1, |p_i|)), se = sqrt(g' V g),
  interval estimate -/+ q se.

A summary that is exactly zero by construction (e.g. the indirect effect of SEM/SDEM/OLS without a W x term,
or the order-j rows of a model without rho) is zero at the estimate and in every draw (zero gradient for the
delta method): all its inference columns are NaN, never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: a kernel: array of rho (n,) -> kernel rows (n, R, 4)
Kernel = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class EffectInference:
    """Effect summaries (V variables, R kernel rows, 3 effects) with their inference arrays.

    Parameters
    ----------
    estimate, std_error, ci_lower, ci_upper, sd : ndarray
        (V, R, 3) arrays; NaN where not computed or structurally zero.
    rejected : int
        Simulation draws rejected for rho outside its interval.
    """

    estimate: np.ndarray
    std_error: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    sd: np.ndarray
    rejected: int


def effect_values(kern: np.ndarray, beta: np.ndarray | float, theta: np.ndarray | float) -> np.ndarray:
    """(..., 3) direct, indirect, total from kernel rows (..., 4) and coefficients that broadcast with them.

    Parameters
    ----------
    kern : ndarray
        Kernel rows (..., 4).
    beta, theta : ndarray or float
        Coefficient of the regressor and of its W x term (0 without one).

    Returns
    -------
    ndarray
    """
    direct = beta * kern[..., 0] + theta * kern[..., 1]
    total = beta * kern[..., 2] + theta * kern[..., 3]
    return np.stack([direct, total - direct, total], axis=-1)


def summaries(kern: np.ndarray, B: np.ndarray, Th: np.ndarray) -> np.ndarray:
    """(n, V, R, 3) direct, indirect, total from kernel rows (n, R, 4) and combinations B, Th (n, V).

    Parameters
    ----------
    kern : ndarray
        Kernel rows per draw.
    B, Th : ndarray
        b_v and t_v per draw.

    Returns
    -------
    ndarray
    """
    return effect_values(kern[:, None, :, :], B[:, :, None], Th[:, :, None])


def parameter_draws(params: np.ndarray, cov: np.ndarray, draws: int, seed: int, df: float | None) -> np.ndarray:
    """(draws, p) draws from N(params, cov), or multivariate t(df) when ``df`` is given.

    Parameters
    ----------
    params : ndarray
    cov : ndarray
    draws, seed : int
    df : float or None

    Returns
    -------
    ndarray
    """
    rng = np.random.default_rng(seed)
    P = rng.multivariate_normal(np.zeros_like(params), cov, size=draws,
                                method="cholesky" if np.all(np.linalg.eigvalsh(cov) > 0) else "eigh")
    if df is not None:
        P = P / np.sqrt(rng.chisquare(df, size=(draws, 1)) / df)
    return P + params


class Multiplier:
    """The effects multiplier as a kernel argument r and a scale c: S_k = c (I - r W)^-1 (I b_k + W t_k).

    The static (and dynamic short-run) multiplier (I - rho W)^-1 has r = rho and c = 1; a dynamic long-run
    multiplier (``dynamic_effects.LongRun``) maps (tau, eta, rho) to r and c. Draws whose r lies outside the
    admissible interval are rejected.

    Parameters
    ----------
    names : sequence of str
        Parameter names (``params.index``).
    lag : bool
        Whether the model has rho W y (else r = 0).
    bounds : (float, float)
        Admissible interval of r.
    """

    horizon = "short"

    def __init__(self, names: Sequence[str], lag: bool, bounds: tuple[float, float]) -> None:
        names = list(names)
        self.index = [names.index("rho")] if lag else []
        self.bounds = bounds

    def __call__(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(r, c, ok) for each row of the parameter matrix P (draws x parameters).

        Parameters
        ----------
        P : ndarray
            (m, p) parameter vectors (a single vector is promoted to one row).

        Returns
        -------
        (ndarray, ndarray, ndarray)
            Kernel arguments r, scales c and a mask of admissible draws.
        """
        P = np.atleast_2d(P)
        if not self.index:
            return np.zeros(len(P)), np.ones(len(P)), np.ones(len(P), dtype=bool)
        r = P[:, self.index[0]]
        lo, hi = self.bounds
        return r, np.ones(len(P)), (r > lo) & (r < hi)

    def argument_max(self, b: np.ndarray, cov: np.ndarray) -> float:
        """Largest |r| the kernel should handle: |r| + 8 se(r) by the delta method, at most 0.999.

        Parameters
        ----------
        b : ndarray
            Estimates.
        cov : ndarray
            Their covariance.

        Returns
        -------
        float
        """
        if not self.index:
            return 0.0
        r0 = float(self(b)[0][0])
        grad = np.zeros(len(b))
        for c in self.index:
            h = 1e-6 * max(1.0, abs(b[c]))
            bp, bm = b.copy(), b.copy()
            bp[c] += h
            bm[c] -= h
            grad[c] = (self(bp)[0][0] - self(bm)[0][0]) / (2 * h)
        se = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
        return min(0.999, abs(r0) + 8 * se)


def infer(kernel: Kernel, C: np.ndarray, D: np.ndarray, params: np.ndarray, cov: np.ndarray, *,
          mult: Multiplier, dist, df: float | None, method: str, draws: int, seed: int,
          alpha: float) -> EffectInference:
    """Effect summaries and their inference (module docstring).

    Parameters
    ----------
    kernel : callable
        rho array (n,) -> kernel rows (n, R, 4).
    C, D : ndarray
        (p, V) combinations: b_v = C[:, v]' p and t_v = D[:, v]' p.
    params, cov : ndarray
        Estimates and their covariance.
    mult : Multiplier
        Maps parameters to the kernel argument r and scale c (S = c (I - r W)^-1 (...)) and flags admissible
        draws: r = rho, c = 1 for the static and short-run multiplier; see ``dynamic_effects.LongRun``.
    dist : scipy distribution
        Reference distribution of z (for delta intervals).
    df : float or None
        Degrees of freedom of multivariate t draws.
    method : {"simulation", "delta", "exact"}
    draws, seed : int
    alpha : float

    Returns
    -------
    EffectInference
    """
    r0, c0, _ = mult(params)
    est = c0[0] * summaries(kernel(r0[:1]), (params @ C)[None, :], (params @ D)[None, :])[0]
    se, sd, lower, upper = (np.full_like(est, np.nan) for _ in range(4))
    rejected = 0
    if method == "simulation":
        P = parameter_draws(params, cov, draws, seed, df)
        r, c, ok = mult(P)
        rejected = int((~ok).sum())
        P = P[ok]
        kd = c[ok, None, None] * (kernel(r[ok]) if mult.index else np.repeat(kernel(np.zeros(1)), len(P), axis=0))
        sims = summaries(kd, P @ C, P @ D)
        sd = sims.std(axis=0, ddof=1)
        q16, q84 = np.quantile(sims, [stats.norm.cdf(-1.0), stats.norm.cdf(1.0)], axis=0)
        se = (q84 - q16) / 2.0
        lower = np.quantile(sims, alpha / 2, axis=0)
        upper = np.quantile(sims, 1 - alpha / 2, axis=0)
    elif method == "delta":
        se = _delta_se(kernel, C, D, params, cov, mult)
        z = dist.ppf(1 - alpha / 2)
        lower, upper = est - z * se, est + z * se
    zero = (est == 0.0) & ~(se > 0)
    for a in (se, sd, lower, upper):
        a[zero] = np.nan
    return EffectInference(est, se, lower, upper, sd, rejected)


def _delta_se(kernel: Kernel, C: np.ndarray, D: np.ndarray, params: np.ndarray, cov: np.ndarray,
              mult: Multiplier) -> np.ndarray:
    """Delta-method standard errors with central-difference gradients over the parameters the summaries use."""
    used = np.flatnonzero(np.any(C != 0, axis=1) | np.any(D != 0, axis=1))
    idx = list(dict.fromkeys([int(i) for i in used] + list(mult.index)))

    def f(p):
        r, c, _ = mult(p)
        return c[0] * summaries(kernel(r[:1]), (p @ C)[None, :], (p @ D)[None, :])[0]

    f0 = f(params)
    grad = np.zeros(f0.shape + (len(idx),))
    for c, i in enumerate(idx):
        h = 1e-6 * max(1.0, abs(params[i]))
        vp, vm = params.copy(), params.copy()
        vp[i] += h
        vm[i] -= h
        grad[..., c] = (f(vp) - f(vm)) / (2 * h)
    Vs = cov[np.ix_(idx, idx)]
    return np.sqrt(np.einsum("...i,ij,...j->...", grad, Vs, grad))
