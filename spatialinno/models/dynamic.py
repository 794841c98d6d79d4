"""Dynamic spatial panels by (bias-corrected) quasi-maximum likelihood on the one likelihood engine.

Model (Elhorst 2014, ch. 4 notation; see :mod:`.dynamic_spec`):

    Y_t = tau Y_{t-1} + rho W Y_t + eta W Y_{t-1} + X_t b + W X_t theta + FE + e_t,   t = 2..T.

The first period is the initial condition: the design holds periods 2..T (n = N(T-1)) with y_{t-1} and
W y_{t-1} as regressors, and the static :class:`~.likelihood.Problem` maximises the concentrated likelihood
over them. With T' = T - 1 periods used:

- ``bias_correction="none"``: the dummy-variable (exact conditional ML) model: n_eff = N T', T' log-determinants.
- ``"lee-yu"``, entity effects: Yu, de Jong & Lee (2008, J. Econometrics 146: 118-134): the same within
  (direct) estimate theta_hat, then theta_1 = theta_hat + I(theta_hat)^-1 c, I the total information matrix over
  (tau, eta, b, theta, rho, sigma2) (lagged outcomes held as regressors) and c the bias vector

      c_tau    = tr(M),   c_eta = tr(W M),   c_b = 0,   c_sigma2 = n / (2 sigma2),
      c_rho    = tau tr(G M) + eta tr(G W M) + tr(G),
      M = (I - A)^-1 (I - rho W)^-1 = ((1 - tau) I - (rho + eta) W)^-1,  A = (I - rho W)^-1 (tau I + eta W),
      G = W (I - rho W)^-1,  n = N

  (their theta_1 = theta_hat - B/T with B = -Sigma^-1 b and Sigma = I / (n T'), so the two agree).
- ``"lee-yu"``, two-way effects: Lee & Yu (2010, Econometric Theory 26: 564-597): the time effects are removed
  by F_N (orthonormal complement of 1; needs W 1 = 1, so F_N' W = W* F_N' with W* = F_N' W F_N), the entity
  effects by the within transformation; the likelihood has n_eff = (N - 1) T', T' [log|I - rho W| - log(1 - rho)],
  and the correction above applies with n = N - 1 and traces over W*: tr f(W*) = tr f(W) - f(1).
- ``"lee-yu"``, time effects only: the F_N transformation alone; with no entity effects nothing is demeaned
  over time, so no O(1/T) bias arises and no correction is added (consistent as N grows).
- pooled (``fixed_effects="none"``): conditional ML with an intercept, no correction.

Standard errors (``cov_type="information"``): the inverse of the same information matrix evaluated at the
corrected estimates (with the corrected sigma2); the reported log-likelihood is the maximised (uncorrected) one.
They are first-order asymptotic: they leave out the O(1/T) sampling variability of the correction itself
(d tau_1 / d tau_hat = 1 + O(1/T)), so with few periods intervals run slightly short (31 provinces, T = 15,
two-way: 93.8% coverage of tau and 93.6% of rho at nominal 95% in 6,000 replications;
tests/reference/dynamic/coverage_study.md). The traces use all
eigenvalues of W up to ``EIGEN_MAX`` regions (exact, any W) and above it the power series
sum_j a_j tr(W^j) with Hutchinson trace moments (:func:`.logdet.trace_moments`). The correction assumes a
stationary process (spectral radius of A below 1); a non-stationary uncorrected fit raises
:class:`~.dynamic_effects.NonStationaryError` (the unit-root case of Yu, de Jong & Lee 2012 is not implemented).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..constants import EIGEN_MAX
from ..errors import DataError, PanelError, SpatialInnoError, preview
from .covariance import Covariance, InformationCovariance, covariance_for
from .data import Design, durbin_columns
from .dynamic_effects import NonStationaryError, spectral_radius
from .dynamic_spec import DYNAMIC_TERMS, LAG_NAMES, DynamicSpec
from .estimate import Estimate, make_estimate
from .information import information_matrix
from .likelihood import Problem, Scaling
from .logdet import eigenvalues, series_order, trace_moments
from .spec import ModelSpec

#: models with a dynamic form
DYNAMIC_MODELS = ("SAR", "SDM")
#: fewest periods in the data (the first is the initial condition, at least two remain)
MIN_PERIODS = 3


def check_dynamic(dynamic: str, model: str, fixed_effects: str, panel: bool, bias_correction: str) -> None:
    """Refuse dynamic specifications that are not supported, naming the fix.

    Parameters
    ----------
    dynamic : str
        ``"time"``, ``"spacetime"`` or ``"both"``.
    model : str
        Model name (SAR and SDM only).
    fixed_effects : str
        Panel effects (random effects are not supported).
    panel : bool
        Whether entity= and time= were given.
    bias_correction : str
        ``"lee-yu"`` or ``"none"`` (``"elhorst"`` has no dynamic form).

    Raises
    ------
    SpatialInnoError
    """
    if dynamic not in DYNAMIC_TERMS:
        raise SpatialInnoError(f"dynamic must be one of {', '.join(map(repr, DYNAMIC_TERMS))} or None "
                               f"(got {dynamic!r})")
    if not panel:
        raise PanelError(f"dynamic={dynamic!r} needs a panel: a cross-section has no lagged outcome; pass entity= "
                         f"and time= with at least {MIN_PERIODS} periods")
    if model not in DYNAMIC_MODELS:
        raise SpatialInnoError(f"dynamic panels are supported for SAR and SDM only, not {model} (the lagged "
                               f"outcome with a spatial error process is not implemented); use si.sar or si.sdm")
    if fixed_effects == "random":
        raise SpatialInnoError("dynamic panels with random effects are not supported (the initial condition is "
                               "correlated with the effect); use fixed_effects='entity' or 'twoway'")
    if bias_correction not in ("lee-yu", "none"):
        raise SpatialInnoError(f"dynamic panels take bias_correction='lee-yu' (Yu, de Jong & Lee 2008) or 'none', "
                               f"not {bias_correction!r}")


def check_consecutive(periods: pd.Index) -> None:
    """Refuse a time index with gaps.

    Rule: integer periods (or floats with integer values) must step by 1; pandas Periods by one unit of their
    frequency; datetimes must be equally spaced (one common step). Other types (e.g. strings) cannot be
    checked and are refused: recode them as integers.

    Parameters
    ----------
    periods : Index
        Sorted unique periods.

    Raises
    ------
    PanelError
    """
    name = periods.name
    if isinstance(periods, pd.PeriodIndex) or (len(periods) and isinstance(periods[0], pd.Period)):
        steps = np.diff(np.array([p.ordinal for p in periods]))
        expected = 1
    elif pd.api.types.is_datetime64_any_dtype(periods):
        steps = np.diff(periods.asi8)
        expected = steps[0] if len(steps) else 1
    elif pd.api.types.is_numeric_dtype(periods) and np.all(np.asarray(periods, float) == np.round(periods)):
        steps = np.diff(np.asarray(periods, dtype=float))
        expected = 1
    else:
        raise PanelError(f"time column {name!r} has values such as {preview(periods.tolist()[:3])}: a dynamic "
                         f"model must check that periods are consecutive, which needs integers, pandas Periods or "
                         f"equally spaced datetimes; recode the time column (e.g. years as integers)")
    values = periods.tolist()
    gaps = [(values[i], values[i + 1]) for i in np.flatnonzero(steps != expected)]
    if gaps:
        raise PanelError(f"time column {name!r} has gaps between periods {preview(gaps)}: a dynamic model needs "
                         f"consecutive periods (y(t-1) must be the previous period); fill the missing periods or "
                         f"estimate on a consecutive stretch")


def dynamic_design(static: Design, kind: str) -> tuple[Design, DynamicSpec]:
    """Periods 2..T of a balanced panel design with y(t-1) (``tau``) and/or W y(t-1) (``eta``) leading X.

    Parameters
    ----------
    static : Design
        The panel design over all T periods (stacked time-major).
    kind : str
        ``"time"``, ``"spacetime"`` or ``"both"``.

    Returns
    -------
    (Design, DynamicSpec)

    Raises
    ------
    PanelError
        Fewer than ``MIN_PERIODS`` periods or gaps in the time index.
    DataError
        A regressor already named ``tau`` or ``eta``.
    """
    T, N = static.T, static.N
    if T < MIN_PERIODS:
        raise PanelError(f"a dynamic panel needs at least {MIN_PERIODS} periods (the first is the initial "
                         f"condition); the data have {T}: {preview(static.periods)}")
    check_consecutive(static.periods)
    clash = [c for c in static.names if c in LAG_NAMES]
    if clash:
        raise DataError(f"regressors {preview(clash)} clash with the names of the lagged outcome terms "
                        f"{preview(LAG_NAMES)}; rename those columns")
    Y = static.y.reshape(T, N)
    lags = {"tau": Y[:-1].ravel(), "eta": static.lag(static.y).reshape(T, N)[:-1].ravel()}
    terms = DYNAMIC_TERMS[kind]
    k = static.X.shape[1]
    X = static.X.reshape(T, N, k)[1:].reshape(-1, k)
    design = Design(y=Y[1:].ravel(), X=np.column_stack([lags[t] for t in terms] + [X]),
                    names=list(terms) + list(static.names), yname=static.yname, w=static.w, T=T - 1,
                    periods=static.periods[1:], fixed_effects=static.fixed_effects)
    return design, DynamicSpec(kind, static.periods[0], T - 1, T)


def dynamic_scaling(design: Design, bias_correction: str) -> Scaling:
    """Observations and log-determinants of the dynamic likelihood over the T' periods used (module docstring).

    Parameters
    ----------
    design : Design
        The dynamic design (periods 2..T).
    bias_correction : str
        ``"lee-yu"`` or ``"none"``.

    Returns
    -------
    Scaling

    Raises
    ------
    SpatialInnoError
        Lee-Yu with time effects and a W that is not row-normalised.
    """
    N, T, fe = design.N, design.T, design.fixed_effects
    if fe == "none" or bias_correction == "none":
        return Scaling(N * T, T, False, "none")
    if fe in ("time", "twoway"):
        if design.w.normalization != "row":
            raise SpatialInnoError("the Lee-Yu transformation F_N that removes time effects from a dynamic panel "
                                   "needs a row-normalised W (W 1 = 1); use w.normalize('row'), or "
                                   "bias_correction='none' for this W")
        return Scaling((N - 1) * T, T, True, "lee-yu")
    return Scaling(N * T, T, False, "lee-yu")


def bias_traces(w, tau: float, eta: float, rho: float, project: bool) -> np.ndarray:
    """[tr M, tr W M, tr G M, tr G W M, tr G] of the Yu-de Jong-Lee bias (module docstring), over W* if projected.

    Each is sum f(w_i) over the eigenvalues w_i of W (less f(1) with the F_N projection), exact up to
    ``EIGEN_MAX`` regions; above, the power series sum_j a_j tr(W^j) with trace moments.

    Parameters
    ----------
    w : Weights
    tau, eta, rho : float
    project : bool
        Traces over W* = F_N' W F_N (row-normalised W): the eigenvalue 1 removed.

    Returns
    -------
    ndarray
        Five traces.
    """
    c, s = 1.0 - tau, rho + eta

    def f(om):
        m = 1.0 / (c - s * om)
        g = om / (1.0 - rho * om)
        return np.array([m, om * m, g * m, g * om * m, g])

    if w.n <= EIGEN_MAX:
        out = np.real(f(np.asarray(eigenvalues(w))).sum(axis=1))
    else:
        J = series_order(max(abs(s / c), abs(rho)))
        tr = trace_moments(w, J + 2)[0]
        a_m = (s / c) ** np.arange(J + 1) / c                     # M = sum_j a_m[j] W^j
        a_g = rho ** np.arange(J + 1)                              # (I - rho W)^-1
        a_gm = np.convolve(a_g, a_m)[:J + 1]                       # (I - rho W)^-1 M
        def shift(a: np.ndarray, p: int) -> np.ndarray:  # coefficients of W^p times the series a
            return np.concatenate([np.zeros(p), a])[:J + 1]

        series = [a_m, shift(a_m, 1), shift(a_gm, 1), shift(a_gm, 2), shift(a_g, 1)]
        out = np.array([a @ tr[:J + 1] for a in series])
    if project:
        out = out - np.real(f(np.array(1.0)))
    return out


def bias_vector(est: Estimate, dyn: DynamicSpec, n_units: int, project: bool) -> np.ndarray:
    """The bias vector c over (coefficients, rho, sigma2) of the Yu-de Jong-Lee correction (module docstring).

    Parameters
    ----------
    est : Estimate
        The uncorrected estimate.
    dyn : DynamicSpec
    n_units : int
        N, or N - 1 after the F_N transformation.
    project : bool
        Traces over W*.

    Returns
    -------
    ndarray
    """
    names = list(est.names)
    tau = est.beta[names.index("tau")] if "tau" in names else 0.0
    eta = est.beta[names.index("eta")] if "eta" in names else 0.0
    t = bias_traces(est.weights, tau, eta, est.rho, project)
    c = np.zeros(len(names) + 2)
    if "tau" in names:
        c[names.index("tau")] = t[0]
    if "eta" in names:
        c[names.index("eta")] = t[1]
    c[-2] = tau * t[2] + eta * t[3] + t[4]
    c[-1] = n_units / (2.0 * est.sigma2)
    return c


def estimate_dynamic(design: Design, dyn: DynamicSpec, spec: ModelSpec, durbin: Sequence[str] | None,
                     method: str, bias_correction: str) -> tuple[Estimate, Covariance]:
    """Fit the dynamic panel on the likelihood engine and apply the bias correction (module docstring).

    Parameters
    ----------
    design : Design
        From :func:`dynamic_design`.
    dyn : DynamicSpec
    spec : ModelSpec
        SAR or SDM.
    durbin : sequence of str, optional
        Regressors with W x terms (default all formula regressors; never the lagged outcome terms).
    method : str
        Log-determinant strategy.
    bias_correction : str
        ``"lee-yu"`` or ``"none"``.

    Returns
    -------
    (Estimate, Covariance)
        The (corrected) estimate and the information covariance at it.

    Raises
    ------
    NonStationaryError
        The uncorrected fit is not stationary, so the correction (which needs (I - A)^-1) does not apply.
    """
    formula_names = [c for c in design.names if c not in dyn.terms]
    dnames = durbin_columns(formula_names, durbin) if spec.durbin else []
    scale = dynamic_scaling(design, bias_correction)
    problem = Problem(design, spec, dnames, method, bias_correction, scale=scale)
    rho, _ = problem.optimise()
    at = problem.at(rho, 0.0)
    extra = {"Dynamic terms": dyn.description,
             "Periods used": f"{dyn.periods_used} of {dyn.periods_total} (initial condition: {dyn.initial_period})"}
    est = make_estimate(problem, rho, 0.0, at["beta"], at["sigma2"], at["llf"], at["resid"],
                        bias_correction=scale.bias_correction if design.fixed_effects != "none" else None,
                        extra=extra, dynamic=dyn)
    if scale.bias_correction != "lee-yu" or design.fixed_effects == "time":
        return est, covariance_for("information", est)
    names = list(est.names)
    radius, exact = spectral_radius(design.w, est.beta[names.index("tau")] if "tau" in names else 0.0,
                                    est.beta[names.index("eta")] if "eta" in names else 0.0, rho)
    if radius[0] >= 1.0:
        raise NonStationaryError(
            f"the uncorrected dynamic fit is not stationary (spectral radius of (I - rho W)^-1 (tau I + eta W) "
            f"{'=' if exact else '<='} {radius[0]:.4f} >= 1), so the Yu-de Jong-Lee correction does not apply; "
            f"use bias_correction='none' or reconsider the specification (e.g. first differences)")
    V = np.linalg.inv(information_matrix(problem, rho, 0.0, est.beta, est.sigma2))
    n_units = design.N - 1 if scale.time_projection else design.N
    theta = np.concatenate([est.beta, [rho, est.sigma2]])
    theta1 = theta + V @ bias_vector(est, dyn, n_units, scale.time_projection)
    beta1, rho1, sigma2_1 = theta1[:-2], float(theta1[-2]), float(theta1[-1])
    ystar = problem.Z[:, 0] - rho1 * problem.Z[:, 1]
    resid = ystar - problem.Xt @ beta1
    out = make_estimate(problem, rho1, 0.0, beta1, sigma2_1, est.llf, resid, bias_correction="lee-yu",
                        extra=extra, dynamic=dyn)
    return out, InformationCovariance(out)
