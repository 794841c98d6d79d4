"""LeSage-Pace direct, indirect and total effects (LeSage & Pace 2009, §2.7; Elhorst 2014, §2.7).

For regressor k with coefficient b_k and (Durbin) coefficient t_k,

    S_k(W) = (I - rho W)^-1 (I b_k + W t_k)
    direct = tr(S_k)/n = b_k tr(A^-1)/n + t_k tr(A^-1 W)/n
    total  = 1'S_k 1/n = b_k 1'A^-1 1/n + t_k 1'A^-1 W 1/n,      indirect = total - direct.

These four scalar functions of rho ("kernel") are exact for any normalisation of W (no assumption
that rows sum to one). With W = D^-1/2 S D^1/2, S = Q L Q' symmetric (or W = V L V^-1 in general),
they are sums over eigenvalues, e.g. 1'A^-1 1 = sum_i a_i b_i / (1 - rho l_i) with a = Q'D^-1/2 1,
b = Q'D^1/2 1, so each simulation draw costs O(N). Above ``EIGEN_MAX`` regions the kernel uses the
power series A^-1 = sum_j rho^j W^j with exact 1'W^j 1 and tr(W), tr(W^2), and Hutchinson estimates of
tr(W^j), j >= 3 (LeSage & Pace 2009, §4.5), truncated when |rho|^j < 1e-12.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.linalg as sla
from scipy import stats

from ..constants import DEFAULT_SEED, EIGEN_MAX
from ..errors import SpatialInnoError, preview
from ..weights import Weights
from .logdet import series_order, symmetric_form, trace_moments
from .spec import ModelSpec

#: effects of each regressor, in output order
EFFECTS = ("direct", "indirect", "total")
METHODS = ("simulation", "delta", "exact")


class EffectsKernel:
    """rho -> [tr(A^-1)/n, tr(A^-1 W)/n, 1'A^-1 1/n, 1'A^-1 W 1/n] for an array of rho.

    Modes (chosen once per W and cached on it):
    - ``eigen``: W similar to a symmetric matrix: all four from its eigen-decomposition, O(N) per rho.
    - ``schur``: other W up to ``EIGEN_MAX`` regions: traces from the eigenvalues (exact for any
      matrix), totals n/(1 - rho) when every row sums to one, else from the complex Schur form
      W = Q T Q* by a triangular solve, O(N^2) per rho.
    - ``series``: above ``EIGEN_MAX`` regions, power series with trace moments (see module docstring).

    Parameters
    ----------
    w : Weights
    rho_max : float
        Largest |rho| the kernel is evaluated at (sets the number of power-series terms).
    """

    def __init__(self, w: Weights, rho_max: float = 0.99) -> None:
        self.w, self.n = w, w.n
        self._mode, self._data = w.memo("effects_kernel", self._prepare)
        if self._mode == "series":
            self._data = trace_moments(w, series_order(rho_max))

    def _prepare(self):
        n = self.n
        one = np.ones(n)
        if n > EIGEN_MAX:
            return "series", None
        sym = symmetric_form(self.w)
        if sym is not None:
            lam, Q = np.linalg.eigh(sym[0].toarray())
            dh = np.sqrt(sym[1])
            a = Q.T @ (one / dh)
            b = Q.T @ (dh * one)
            return "eigen", (lam, a * b)
        Wd = self.w.sparse.toarray()
        if np.allclose(Wd.sum(axis=1), 1.0, rtol=0, atol=1e-12):
            return "schur", (np.linalg.eigvals(Wd), None, None, None)
        T, Q = sla.schur(Wd, output="complex")
        return "schur", (np.diag(T).copy(), T, Q.conj().T @ one, Q.conj().T @ (Wd @ one))

    def __call__(self, rho: float | np.ndarray) -> np.ndarray:
        """Kernel rows [tr(A^-1)/n, tr(A^-1 W)/n, 1'A^-1 1/n, 1'A^-1 W 1/n], one per rho."""
        rho = np.atleast_1d(np.asarray(rho, dtype=float))
        n = self.n
        if self._mode == "eigen":
            lam, ab = self._data
            inv = 1.0 / (1.0 - rho[:, None] * lam[None, :])
            out = np.column_stack([inv.sum(1), (inv * lam).sum(1), (inv * ab).sum(1), (inv * lam * ab).sum(1)])
            return np.real(out) / n
        if self._mode == "schur":
            lam, T, c, d = self._data
            inv = 1.0 / (1.0 - rho[:, None] * lam[None, :])
            out = np.empty((len(rho), 4))
            out[:, 0] = np.real(inv.sum(1))
            out[:, 1] = np.real((inv * lam).sum(1))
            if T is None:  # rows sum to one: 1'A^-1 1 = 1'A^-1 W 1 = n / (1 - rho)
                out[:, 2] = out[:, 3] = n / (1.0 - rho)
            else:
                eye = np.eye(n)
                for i, r in enumerate(rho):
                    M = eye - r * T
                    out[i, 2] = np.real(c.conj() @ sla.solve_triangular(M, c))
                    out[i, 3] = np.real(c.conj() @ sla.solve_triangular(M, d))
            return out / n
        tr, tot = self._data
        J = len(tr) - 1
        pw = rho[:, None] ** np.arange(J)[None, :]
        return np.column_stack([pw @ tr[:J], pw @ tr[1:J + 1], pw @ tot[:J], pw @ tot[1:J + 1]]) / n

    def by_order(self, rho: float, orders: int) -> np.ndarray:
        """(orders+1, 4) matrix: the j-th power-series term rho^j [tr(W^j), tr(W^j+1), 1'W^j 1, 1'W^j+1 1]/n.

        Traces from the eigenvalues where they are known (else trace moments); totals exact by products.

        Parameters
        ----------
        rho : float
        orders : int
            Highest power j.

        Returns
        -------
        ndarray
        """
        Wm = self.w.sparse
        tot = np.zeros(orders + 2)
        v = np.ones(self.n)
        for j in range(orders + 2):
            tot[j] = v.sum()
            v = Wm @ v
        if self._mode == "series":
            tr = trace_moments(self.w, orders + 1)[0]
        else:
            lam = self._data[0]
            tr = np.array([np.real(np.sum(lam ** j)) for j in range(orders + 2)])
        js = np.arange(orders + 1)
        out = np.column_stack([tr[js], tr[js + 1], tot[js], tot[js + 1]]) * (rho ** js)[:, None]
        return out / self.n


class NoLagKernel:
    """Kernel of models without rho W y (OLS, SLX, SEM, SDEM): rho = 0 in closed form.

    [1, tr(W)/n, 1, 1'W 1/n] for every draw, with exact zeros where they are zero (no W-lag terms, so
    the power-series rows beyond order 0 are structurally zero).

    Parameters
    ----------
    w : Weights
    """

    def __init__(self, w: Weights) -> None:
        self.row = np.array([1.0, w.sparse.diagonal().sum() / w.n, 1.0, w.sparse.sum() / w.n])

    def __call__(self, rho: float | np.ndarray) -> np.ndarray:
        """Kernel rows (one per rho): the order-0 row repeated."""
        return np.repeat(self.row[None, :], np.atleast_1d(rho).size, axis=0)

    def by_order(self, rho: float, orders: int) -> np.ndarray:
        """(orders+1, 4): the order-0 row, zeros beyond.

        Parameters
        ----------
        rho : float
            Unused (no lag).
        orders : int
            Highest power j.

        Returns
        -------
        ndarray
        """
        return np.vstack([self.row[None, :], np.zeros((orders, 4))])


def effect_values(kern: np.ndarray, beta: np.ndarray | float, theta: np.ndarray | float) -> np.ndarray:
    """(..., 3) direct, indirect, total from kernel rows and coefficient arrays.

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


def coefficient_pairs(names: Sequence[str], variables: Sequence[str], allowed: Sequence[str]
                      ) -> list[tuple[int, int | None]]:
    """Positions of each variable's coefficient and of its ``W_`` term (None without one) in ``names``.

    Parameters
    ----------
    names : sequence of str
        Parameter names.
    variables : sequence of str
        Regressors whose effects are wanted.
    allowed : sequence of str
        Regressors with effects (named in the error message).

    Returns
    -------
    list of (int, int or None)

    Raises
    ------
    SpatialInnoError
        For a name that is not a regressor with effects.
    """
    names = list(names)
    out = []
    for var in variables:
        if var not in names or var.startswith("W_") and var[2:] in names:
            raise SpatialInnoError(f"unknown variable {var!r}; choose from {preview(allowed)}")
        wname = f"W_{var}"
        out.append((names.index(var), names.index(wname) if wname in names else None))
    return out


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


def effects_kernel(spec: ModelSpec, w: Weights, rho: float, rho_se: float):
    """The kernel of ``spec``: exact in rho for lag models, :class:`NoLagKernel` (structural zeros) otherwise.

    Parameters
    ----------
    spec : ModelSpec
    w : Weights
    rho, rho_se : float
        Estimate and standard error of rho (they bound the power series of large maps).

    Returns
    -------
    EffectsKernel or NoLagKernel
    """
    if spec.lag:
        return EffectsKernel(w, rho_max=min(0.999, abs(rho) + 8 * rho_se))
    return NoLagKernel(w)


def impacts(spec: ModelSpec, w: Weights, params: pd.Series, cov: np.ndarray, *, bounds: tuple[float, float],
            dist, df: float | None, variables: Sequence[str], allowed: Sequence[str], model: str,
            method: str = "simulation", draws: int = 1000, seed: int = DEFAULT_SEED, alpha: float = 0.05,
            by_order: int | None = None, multiplier: Multiplier | None = None) -> pd.DataFrame:
    """Direct, indirect and total effects of ``variables`` with inference (see ``SpatialResults.impacts``).

    Parameters
    ----------
    spec : ModelSpec
        Decides the kernel: lag models use (I - rho W)^-1, the others have structural zeros.
    w : Weights
    params : Series
        Estimates (coefficients, ``W_x`` terms, spatial parameters).
    cov : ndarray
        Their covariance (same order).
    bounds : (float, float)
        Admissible interval of rho; simulation draws outside it are rejected.
    dist : scipy distribution
        Reference distribution of z-statistics (normal or t).
    df : float or None
        Degrees of freedom of t inference (draws are multivariate t), None for normal.
    variables : sequence of str
        Regressors whose effects are reported.
    allowed : sequence of str
        All regressors with effects (for the error message).
    model : str
        Model name stored in ``attrs``.
    method, draws, seed, alpha, by_order
        As in ``SpatialResults.impacts``.
    multiplier : Multiplier, optional
        Maps parameters to the kernel argument and scale (default: the static multiplier (I - rho W)^-1).

    Returns
    -------
    DataFrame
        Indexed by (variable, effect); columns estimate, std_error, z, p_value, ci_lower, ci_upper, sd.
    """
    if method not in METHODS:
        raise SpatialInnoError(f"method must be 'simulation', 'delta' or 'exact' (got {method!r})")
    variables = list(variables)
    names = list(params.index)
    mult = Multiplier(names, spec.lag, bounds) if multiplier is None else multiplier
    b = params.to_numpy()
    r_hat, c_hat, _ = mult(b)
    r0, c0 = float(r_hat[0]), float(c_hat[0])
    kern = effects_kernel(spec, w, mult.argument_max(b, cov), 0.0)
    pos = coefficient_pairs(names, variables, allowed)
    k0 = c0 * kern(r0)[0]
    est = np.array([effect_values(k0, b[i], b[j] if j is not None else 0.0) for i, j in pos])  # (q, 3)
    se = np.full_like(est, np.nan)
    sd = np.full_like(est, np.nan)
    lower = np.full_like(est, np.nan)
    upper = np.full_like(est, np.nan)
    rejected = 0
    if method == "simulation":
        rng = np.random.default_rng(seed)
        P = rng.multivariate_normal(np.zeros_like(b), cov, size=draws,
                                    method="cholesky" if np.all(np.linalg.eigvalsh(cov) > 0) else "eigh")
        if df is not None:  # multivariate t draws
            P = P / np.sqrt(rng.chisquare(df, size=(draws, 1)) / df)
        P = P + b
        r, c, ok = mult(P)
        rejected = int((~ok).sum())
        P = P[ok]
        kd = c[ok, None] * kern(r[ok])
        sims = np.stack([effect_values(kd, P[:, i], P[:, j] if j is not None else 0.0) for i, j in pos], axis=1)
        sd = sims.std(axis=0, ddof=1)
        q16, q84 = np.quantile(sims, [stats.norm.cdf(-1.0), stats.norm.cdf(1.0)], axis=0)
        se = (q84 - q16) / 2.0
        lower = np.quantile(sims, alpha / 2, axis=0)
        upper = np.quantile(sims, 1 - alpha / 2, axis=0)
    elif method == "delta":
        z = dist.ppf(1 - alpha / 2)
        for q, (i, j) in enumerate(pos):
            se[q] = _delta_se(kern, mult, b, cov, i, j)
            lower[q], upper[q] = est[q] - z * se[q], est[q] + z * se[q]
    se = np.where(se == 0.0, np.nan, se)  # structurally zero effects (e.g. SEM indirect) have no inference
    rows = []
    for q, v in enumerate(variables):
        for e, name in enumerate(EFFECTS):
            zval = est[q, e] / se[q, e] if se[q, e] > 0 else np.nan
            rows.append((v, name, est[q, e], se[q, e], zval, 2 * dist.sf(abs(zval)) if np.isfinite(zval) else np.nan,
                         lower[q, e], upper[q, e], sd[q, e]))
    if by_order is not None:
        terms = c0 * kern.by_order(r0, int(by_order))
        for v, (i, j) in zip(variables, pos):
            vals = effect_values(terms, b[i], b[j] if j is not None else 0.0)
            for o in range(int(by_order) + 1):
                for e, name in enumerate(EFFECTS):
                    rows.append((v, f"{name}_W{o}", vals[o, e], *[np.nan] * 6))
    out = pd.DataFrame(rows, columns=["variable", "effect", "estimate", "std_error", "z", "p_value", "ci_lower",
                                      "ci_upper", "sd"]).set_index(["variable", "effect"])
    out.attrs.update({"method": method, "draws": draws if method == "simulation" else 0, "rejected": rejected,
                      "seed": seed, "alpha": alpha, "model": model, "horizon": mult.horizon})
    return out


def _delta_se(kern, mult: Multiplier, b: np.ndarray, cov: np.ndarray, i: int, j: int | None) -> np.ndarray:
    """Delta-method standard errors of (direct, indirect, total) with central-difference gradients."""
    idx = list(dict.fromkeys([i] + ([j] if j is not None else []) + mult.index))

    def f(v):
        full = b.copy()
        full[idx] = v
        r, c, _ = mult(full)
        return c[0] * effect_values(kern(r[0])[0], full[i], full[j] if j is not None else 0.0)

    v0 = b[idx]
    grad = np.zeros((3, len(idx)))
    for c in range(len(idx)):
        h = 1e-6 * max(1.0, abs(v0[c]))
        vp, vm = v0.copy(), v0.copy()
        vp[c] += h
        vm[c] -= h
        grad[:, c] = (f(vp) - f(vm)) / (2 * h)
    V = grad @ cov[np.ix_(idx, idx)] @ grad.T
    return np.sqrt(np.diag(V))
