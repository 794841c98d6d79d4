"""The one likelihood engine behind every model.

The general model (SAC with Durbin terms; the others switch pieces off) is

    B (A y - X b) = e,   A = I - rho W,   B = I - lambda W,   e ~ N(0, sigma2 I)

with X holding the regressors and, for Durbin models, W x. For given (rho, lambda) the ML b and
sigma2 are closed-form (b = (X*'X*)^-1 X*'y*, X* = B X, y* = B A y, sigma2 = e'e / n_eff), which
leaves the concentrated log-likelihood (Anselin 1988, ch. 6; LeSage & Pace 2009, §3.1)

    l(rho, lambda) = -n_eff/2 (log(2 pi sigma2(rho, lambda)) + 1) + m [ld(rho) + ld(lambda)]

where ld(r) = log|I - r W| (less log(1 - r) for Lee-Yu time effects) and m is the number of periods
carrying a log-determinant. Cross-sections have n_eff = n, m = 1. Panels (Elhorst 2014, ch. 3; Lee & Yu
2010) use within-transformed columns (W applied *before* demeaning) and

    bias_correction="none":    n_eff = NT,            m = T
    "lee-yu", entity effects:  n_eff = N(T-1),        m = T-1
    "lee-yu", time effects:    n_eff = (N-1)T,        m = T,    ld(r) - log(1 - r)
    "lee-yu", two-way:         n_eff = (N-1)(T-1),    m = T-1,  ld(r) - log(1 - r)

All cross-products needed for any (rho, lambda) come from one Gram matrix of the columns
[y, Wy, WWy, X, WX], so an evaluation costs O(k^3) plus the log-determinants. An error model whose fixed
effects do not commute with B (unbalanced panels, time-varying W_t; :func:`needs_gls_effects`) projects the
raw columns off B D instead, one Gram matrix per lambda (:mod:`.gls_effects`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..errors import EstimationError, PanelError, SpatialInnoError, SpatialInnoWarning, preview
from .data import Design, check_rank
from .gls_effects import GLSFixedEffects
from .logdet import LogDet
from .newton import guided_newton, newton_polish
from .period_layout import PeriodLogDet
from .spec import ModelSpec

#: relative distance to a bound of the rho/lambda interval at which an estimate is refused
BOUND_TOL = 1e-6


@dataclass(frozen=True)
class Scaling:
    """How many observations and periods enter the likelihood, and the Lee-Yu time projection."""

    n_eff: float
    ld_mult: float
    time_projection: bool
    bias_correction: str


def scaling(design: Design, bias_correction: str) -> Scaling:
    """Observations n_eff, log-determinant multiplier m and time projection of a design (module docstring table).

    Parameters
    ----------
    design : Design
    bias_correction : str
        ``"lee-yu"``, ``"none"`` or ``"elhorst"``.

    Returns
    -------
    Scaling
    """
    N, T, fe = design.N, design.T, design.fixed_effects
    if bias_correction not in ("none", "lee-yu", "elhorst"):
        raise SpatialInnoError(f"bias_correction must be 'none', 'lee-yu' or 'elhorst' (got {bias_correction!r})")
    if design.layout is not None:
        return _layout_scaling(design, bias_correction)
    if T == 1 or fe in ("none", "random") or bias_correction in ("none", "elhorst"):
        if bias_correction == "elhorst" and fe in ("time", "twoway") and design.w.normalization != "row":
            raise SpatialInnoError("Elhorst's correction with time effects assumes a row-normalised W; use "
                                   "w.normalize('row') or bias_correction='none'")
        return Scaling(N * T, T, False, "none" if fe in ("none", "random") or T == 1 else bias_correction)
    if fe in ("time", "twoway") and design.w.normalization != "row":
        raise SpatialInnoError(
            "the Lee-Yu transformation for time effects needs a row-normalised W (W 1 = 1); use "
            "w.normalize('row'), or bias_correction='none' for this W")
    if fe == "entity":
        return Scaling(N * (T - 1), T - 1, False, "lee-yu")
    if fe == "time":
        return Scaling((N - 1) * T, T, True, "lee-yu")
    return Scaling((N - 1) * (T - 1), T - 1, True, "lee-yu")


def _layout_scaling(design: Design, bias_correction: str) -> Scaling:
    """Unbalanced panels and time-varying W: exact dummy-variable ML over the n observed rows, sum_t log|A_t|."""
    layout, fe = design.layout, design.fixed_effects
    assert layout is not None
    if fe not in ("none", "random") and bias_correction != "none":
        what = "time-varying weights" if layout.time_varying else "an unbalanced panel"
        raise PanelError(f"bias_correction={bias_correction!r} is defined for a balanced panel with one W; with {what} "
                         f"pass bias_correction='none' (exact dummy-variable ML with {fe} effects)")
    return Scaling(layout.n, 1, False, "none")


def needs_gls_effects(design: Design, spec: ModelSpec) -> bool:
    """Whether an error model's fixed effects must be concentrated out after B_t = I - lambda W_t is applied.

    Demeaning commutes with B_t only when B_t maps the dummies into their own span: entity dummies need one W
    in every period and every region in every period, time dummies a row-normalised W_t without islands
    (B_t 1 = (1 - lambda) 1). Otherwise the exact likelihood projects on B D for every lambda
    (:mod:`.gls_effects`).

    Parameters
    ----------
    design : Design
    spec : ModelSpec

    Returns
    -------
    bool
    """
    layout, fe = design.layout, design.fixed_effects
    if layout is None or not spec.error or fe not in ("entity", "time", "twoway"):
        return False
    entity_ok = layout.n_logdets == 1 and layout.balanced
    time_ok = layout.source.normalization == "row" and not any(len(w.islands) for w in layout.group_weights)
    return (fe in ("entity", "twoway") and not entity_ok) or (fe in ("time", "twoway") and not time_ok)


def check_interior(value: float, name: str, bounds: tuple[float, float]) -> None:
    """Refuse a spatial parameter at (within 1e-4 of the width of) a bound of its admissible interval.

    Parameters
    ----------
    value : float
        The estimate.
    name : str
        ``"rho"`` or ``"lambda"`` (named in the error).
    bounds : (float, float)
        The admissible interval.

    Raises
    ------
    EstimationError
    """
    lo, hi = bounds
    span = hi - lo
    if value - lo < 1e-4 * span or hi - value < 1e-4 * span:
        raise EstimationError(
            f"{name} = {value:.6f} is at the bound of its admissible interval ({lo:.4f}, {hi:.4f}); the model is "
            f"likely misspecified (try another W, model or fixed effects) and standard errors would be invalid")


class Problem:
    """A model specification bound to aligned data: the concentrated likelihood and its optimum.

    Parameters
    ----------
    design : Design
    spec : ModelSpec
    durbin_names : list of str
        Regressors with W x terms.
    method : str
        Log-determinant strategy.
    bias_correction : str
        ``"lee-yu"``, ``"none"`` or ``"elhorst"``.
    scale : Scaling, optional
        Overrides :func:`scaling` (dynamic panels: the direct approach over periods 2..T, see
        :mod:`.dynamic`).
    """

    def __init__(self, design: Design, spec: ModelSpec, durbin_names: list[str], method: str,
                 bias_correction: str, scale: Scaling | None = None) -> None:
        self.design, self.spec = design, spec
        d = design
        X = d.X
        names = list(d.names)
        if spec.durbin and durbin_names:
            idx = [names.index(c) for c in durbin_names]
            X = np.column_stack([X, d.lag(X[:, idx])])
            names = names + [f"W_{c}" for c in durbin_names]
        self.X_raw, self.names = X, names
        self.scale = scaling(d, bias_correction) if scale is None else scale
        self.gls = (GLSFixedEffects(d.layout, d.fixed_effects)
                    if d.layout is not None and needs_gls_effects(d, spec) else None)
        if self.scale.time_projection and (spec.lag or spec.error) and len(d.w.islands) and d.layout is None:
            warnings.warn(f"W has regions without neighbours ({preview(d.w.islands)}), so W 1 != 1 and the Lee-Yu "
                          f"transformation for time effects is only approximate; link them (islands='nearest') or "
                          f"use bias_correction='none'", SpatialInnoWarning, stacklevel=4)
        context = "" if d.T == 1 else f" after removing {d.fixed_effects} fixed effects"
        self.Xt = d.demean(X)
        check_rank(self.Xt, names, context)
        if self.Xt.shape[0] <= self.Xt.shape[1] + len(spec.spatial_params) + 1:
            n_par = self.Xt.shape[1] + len(spec.spatial_params) + 1
            raise SpatialInnoError(f"{self.Xt.shape[0]} observations for {n_par}"
                                   f" parameters; need more observations than parameters")
        self.Wy_raw = d.lag(d.y)
        cols = [d.demean(d.y), d.demean(self.Wy_raw)]
        if spec.lag and spec.error:
            cols.append(d.demean(d.lag(self.Wy_raw)))
        else:
            cols.append(np.zeros_like(d.y))
        self.WXt = d.demean(d.lag(X)) if spec.error else np.zeros_like(X)
        self.Z = np.column_stack(cols + [self.Xt, self.WXt])
        self.gram = self.Z.T @ self.Z
        if self.gls is not None:       # raw columns, projected off B D afresh for each lambda
            raw = [d.y, self.Wy_raw, d.lag(self.Wy_raw) if spec.lag and spec.error else np.zeros_like(d.y)]
            self.Z = np.column_stack(raw + [X, d.lag(X)])
        self._projected: tuple[float, np.ndarray, np.ndarray] | None = None
        self.k = X.shape[1]
        absorbed = {"entity": d.N, "time": d.T, "twoway": d.N + d.T - 1}.get(d.fixed_effects, 0) if d.T > 1 else 0
        self.resid_dof = d.n - absorbed - self.k
        self.logdet: LogDet | PeriodLogDet | None = None
        if spec.lag or spec.error:
            self.logdet = LogDet(d.w, method) if d.layout is None else d.layout.logdet(method)
        self.bounds = self.logdet.bounds if self.logdet else (-1.0, 1.0)

    # -- the columns at lambda -----------------------------------------------------------------
    def columns_at(self, lam: float) -> np.ndarray:
        """Z's columns [y, Wy, WWy, X, WX] with the fixed effects removed as they are at ``lam``.

        Within-transformed columns (independent of lambda), or, when the effects are concentrated out after
        B (:mod:`.gls_effects`), the raw columns projected off B D at ``lam`` (the last lambda is memoised).

        Parameters
        ----------
        lam : float

        Returns
        -------
        ndarray
        """
        if self.gls is None:
            return self.Z
        if self._projected is None or self._projected[0] != lam:
            R = self.gls.residual(self.Z, lam)
            self._projected = (lam, R, R.T @ R)
        return self._projected[1]

    def gram_at(self, lam: float) -> np.ndarray:
        """Gram matrix of :meth:`columns_at` (``lam``).

        Parameters
        ----------
        lam : float

        Returns
        -------
        ndarray
        """
        if self.gls is None:
            return self.gram
        self.columns_at(lam)
        assert self._projected is not None
        return self._projected[2]

    def regressors_at(self, lam: float) -> np.ndarray:
        """X* = B X with the fixed effects removed (within-transformed, or projected off B D).

        Parameters
        ----------
        lam : float

        Returns
        -------
        ndarray
        """
        if self.gls is None:
            return self.Xt - lam * self.WXt
        R = self.columns_at(lam)
        return R[:, 3:3 + self.k] - lam * R[:, 3 + self.k:]

    def remove_effects(self, v: np.ndarray, lam: float) -> np.ndarray:
        """A B-transformed vector less its fit on the (transformed) fixed-effect dummies.

        Parameters
        ----------
        v : ndarray
        lam : float

        Returns
        -------
        ndarray
        """
        return self.design.demean(v) if self.gls is None else self.gls.residual(v, lam)

    def dummy_fit(self, r: np.ndarray, lam: float) -> np.ndarray:
        """D a: the fixed effects' part of the structural residual r = A y - X b (least squares, or GLS on B D).

        Parameters
        ----------
        r : ndarray
        lam : float

        Returns
        -------
        ndarray
        """
        return r - self.design.demean(r) if self.gls is None else self.gls.fitted(r, lam)

    # -- concentrated likelihood --------------------------------------------------------------
    def _coef(self, rho: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
        """Linear maps from Z's columns to y* = B A y and X* = B X."""
        k = self.k
        a = np.zeros(3 + 2 * k)
        a[:3] = (1.0, -(rho + lam), rho * lam)
        M = np.zeros((3 + 2 * k, k))
        M[3:3 + k] = np.eye(k)
        M[3 + k:] = -lam * np.eye(k)
        return a, M

    def ld(self, r: float, approx: bool = False) -> float:
        """m [log|I - r W| (- log(1 - r) with the Lee-Yu time projection)].

        Parameters
        ----------
        r : float
            rho or lambda.
        approx : bool
            Use the series approximation (search only).

        Returns
        -------
        float
        """
        if r == 0.0 or self.logdet is None:
            return 0.0
        v = self.logdet.approx(r) if approx else self.logdet(r)
        if self.scale.time_projection:
            v -= np.log1p(-r)
        return self.scale.ld_mult * v

    def concentrated(self, rho: float, lam: float, approx: bool = False) -> float:
        """Concentrated log-likelihood l(rho, lambda) from the Gram matrix.

        Parameters
        ----------
        rho, lam : float
            Spatial parameters.
        approx : bool
            Use the series log-determinant (search only).

        Returns
        -------
        float
        """
        a, M = self._coef(rho, lam)
        G = self.gram_at(lam)
        xx, xy, yy = M.T @ G @ M, M.T @ G @ a, a @ G @ a
        beta = np.linalg.solve(xx, xy)
        ee = max(yy - xy @ beta, 1e-300)
        ne = self.scale.n_eff
        return -0.5 * ne * (np.log(2 * np.pi * ee / ne) + 1.0) + self.ld(rho, approx) + self.ld(lam, approx)

    # -- optimisation -------------------------------------------------------------------------
    def _interval(self) -> tuple[float, float]:
        lo, hi = self.bounds
        span = hi - lo
        return lo + BOUND_TOL * span, hi - BOUND_TOL * span

    def optimise(self) -> tuple[float, float]:
        """ML estimates of (rho, lambda) (zeros where the model has none).

        One spatial parameter: bounded Brent search, then Newton steps on the score. With the sparse
        (exact) log-determinant the Brent search runs on the cheap series approximation of the
        log-determinant and only the Newton steps use exact factorisations: :func:`.newton.guided_newton`,
        usually 4 (two iterations of two points, the first with the approximation's curvature, the second
        with the secant; its step, below ``NEWTON_TOL``, is accepted without a new evaluation).

        Returns
        -------
        (float, float)
        """
        s = self.spec
        lo, hi = self._interval()
        if not s.lag and not s.error:
            return 0.0, 0.0
        if s.lag == s.error:
            return self._optimise_2d(lo, hi)
        pack = (lambda r: (r, 0.0)) if s.lag else (lambda r: (0.0, r))
        name = "rho" if s.lag else "lambda"
        cheap = self.logdet is not None and self.logdet.method == "sparse"

        def neg(r, approx=False):
            a, b = pack(r)
            return -self.concentrated(a, b, approx=approx)

        res = optimize.minimize_scalar(lambda r: neg(r, cheap), bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-10 if not cheap else 1e-7, "maxiter": 500})
        if not res.success:
            raise EstimationError(f"the optimiser did not converge: {res.message}")
        converged = False
        if cheap:
            x, converged = guided_newton(lambda r: -neg(r), lambda r: self._approx_curvature(neg, r, lo, hi),
                                         float(res.x), lo, hi)
            if not converged:                # restart from an exact search
                res = optimize.minimize_scalar(neg, bounds=(lo, hi), method="bounded",
                                               options={"xatol": 1e-10, "maxiter": 500})
        if not converged:
            x = float(newton_polish(lambda v: -neg(v[0]), np.array([res.x]), lo, hi)[0][0])
        check_interior(x, name, self.bounds)
        return pack(float(x))

    @staticmethod
    def _approx_curvature(neg: Callable[..., float], r: float, lo: float, hi: float) -> float:
        """Second difference (step <= 1e-4) of the concentrated log-likelihood with the series log-determinant."""
        hg = min(1e-4, (hi - r) / 2, (r - lo) / 2)
        return -(neg(r + hg, True) - 2 * neg(r, True) + neg(r - hg, True)) / hg ** 2

    def _optimise_2d(self, lo: float, hi: float) -> tuple[float, float]:
        def f(p):
            return -self.concentrated(p[0], p[1])

        fits = [optimize.minimize(f, np.array(start), method="L-BFGS-B", bounds=[(lo, hi), (lo, hi)],
                                  options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000})
                for start in ((0.0, 0.0), (0.5 * hi, 0.0), (0.0, 0.5 * hi), (0.3 * hi, 0.3 * hi))]
        best = min(fits, key=lambda r: r.fun)
        res = optimize.minimize(f, best.x, method="Nelder-Mead",
                                options={"xatol": 1e-11, "fatol": 1e-14, "maxiter": 4000,
                                         "initial_simplex": best.x + np.array([[0, 0], [1e-3, 0], [0, 1e-3]])})
        x = res.x if res.fun <= best.fun else best.x
        x, _ = newton_polish(lambda v: -f(v), np.asarray(x), lo, hi)
        if not (lo <= x[0] <= hi and lo <= x[1] <= hi):
            raise EstimationError("the 2-D optimiser left the admissible region for (rho, lambda)")
        check_interior(x[0], "rho", self.bounds)
        check_interior(x[1], "lambda", self.bounds)
        return float(x[0]), float(x[1])

    # -- the fit at given spatial parameters ----------------------------------------------------
    def at(self, rho: float, lam: float) -> dict:
        """beta, residuals, sigma2 and log-likelihood at (rho, lambda), computed directly from the data.

        Parameters
        ----------
        rho, lam : float
            Spatial parameters.

        Returns
        -------
        dict
            ``beta``, ``resid``, ``sigma2``, ``llf``, ``Xstar``.
        """
        a, _ = self._coef(rho, lam)
        ystar = self.columns_at(lam)[:, :3] @ a[:3]
        Xstar = self.regressors_at(lam)
        beta, *_ = np.linalg.lstsq(Xstar, ystar, rcond=None)
        e = ystar - Xstar @ beta
        ne = self.scale.n_eff
        sigma2 = float(e @ e) / ne
        llf = -0.5 * ne * (np.log(2 * np.pi * sigma2) + 1.0) + self.ld_near_stencil(rho) + self.ld_near_stencil(lam)
        return {"beta": beta, "resid": e, "sigma2": sigma2, "llf": float(llf), "Xstar": Xstar}

    def ld_near_stencil(self, r: float) -> float:
        """:meth:`ld` at r from the memoised stencils of the Newton polish when one lies within ``NEWTON_TOL``
        (the estimate after a step accepted without a new evaluation), by :meth:`.LogDet.local`: a second-order
        expansion around the stencil's centre c, exact to the rounding level of the log-determinant for
        |r - c| <= 1e-6 (see :func:`.newton.local_expansion`); it saves the factorisation at r.
        Otherwise (other strategies, no such stencil) :meth:`ld` itself.

        Parameters
        ----------
        r : float
            rho or lambda.

        Returns
        -------
        float
        """
        ld = self.logdet
        local = self.ld_local(r) if r != 0.0 and isinstance(ld, LogDet) and not ld.cached(r) else None
        return self.ld(r) if local is None else self.scale.ld_mult * local[0]

    def ld_local(self, r: float) -> tuple[float, float, float] | None:
        """(ld(r) / m, its first and second derivatives) from the memoised stencils (:meth:`.LogDet.local`), with
        the Lee-Yu time projection: ld / m = log|I - r W| - log(1 - r), d/dr -log(1 - r) = 1 / (1 - r),
        d2/dr2 = 1 / (1 - r)^2; None without a memoised stencil within ``NEWTON_TOL`` of r (or a sparse LogDet).

        Parameters
        ----------
        r : float
            rho or lambda.

        Returns
        -------
        (float, float, float) or None
        """
        local = self.logdet.local(r) if isinstance(self.logdet, LogDet) else None
        if local is None or not self.scale.time_projection:
            return local
        v, d1, d2 = local
        return v - np.log1p(-r), d1 + 1.0 / (1.0 - r), d2 + 1.0 / (1.0 - r) ** 2
