"""What one maximum-likelihood fit produced, as one immutable record: the :class:`Estimate`.

Every estimation path (the likelihood engine of :mod:`.model`, random effects in :mod:`.random_effects`,
Elhorst's correction in :mod:`.panel_correction`) returns an ``Estimate``; the covariance estimators of
:mod:`.covariance` and :class:`~.results.SpatialResults` read it and never change it.

Recovered fixed effects (Elhorst 2014, §3.2): from the structural residual r = y - rho W y - X b,
the intercept alpha = mean(r), entity effects mu_i = mean_t(r_it) - alpha and time effects
xi_t = mean_i(r_it) - alpha (each summing to zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..weights import Weights
from .dynamic_spec import DynamicSpec
from .likelihood import Problem
from .period_layout import PeriodLayout
from .spec import ModelSpec


def _frozen(a: np.ndarray) -> np.ndarray:
    out = np.array(a, dtype=float, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Estimate:
    """The estimates of one fit and the facts needed to do inference on them.

    Parameters
    ----------
    spec : ModelSpec
        Which spatial terms the model carries.
    problem : Problem
        The likelihood bound to the aligned data (the information matrix is evaluated on it).
    names : tuple of str
        Coefficient names (regressors, then ``W_x`` Durbin terms); spatial parameters not included.
    beta : ndarray
        Coefficients, in ``names`` order.
    rho, lam : float
        Spatial lag and error parameters (0 where the model has none).
    sigma2 : float
        ML error variance.
    llf : float
        Maximised log-likelihood.
    resid, fitted : ndarray
        Residuals and fitted values, stacked time-major for panels.
    df_model : int
        Number of estimated parameters (coefficients, spatial parameters, sigma2 and any extra variance).
    fixed_effects : str or None
        ``"entity"``, ``"time"``, ``"twoway"``, ``"none"``, ``"random"`` for panels, None for cross-sections.
    bias_correction : str or None
        ``"lee-yu"``, ``"elhorst"`` or ``"none"`` for fixed-effects panels, else None.
    intercept : float or None
        Recovered intercept of a fixed-effects panel (see :func:`recover_fixed_effects`).
    entity_effects, time_effects : Series or None
        Recovered entity and time effects of a fixed-effects panel.
    extra_items : tuple of (str, object)
        Further estimates (e.g. the random-effect variance ratio phi); ``extra`` gives them as a dict.
    dynamic : DynamicSpec or None
        The lagged outcome terms of a dynamic panel (their coefficients ``tau``/``eta`` lead ``names``).
    """

    spec: ModelSpec
    problem: Problem
    names: tuple[str, ...]
    beta: np.ndarray
    rho: float
    lam: float
    sigma2: float
    llf: float
    resid: np.ndarray
    fitted: np.ndarray
    df_model: int
    fixed_effects: str | None
    bias_correction: str | None
    intercept: float | None = None
    entity_effects: pd.Series | None = None
    time_effects: pd.Series | None = None
    extra_items: tuple[tuple[str, object], ...] = ()
    dynamic: DynamicSpec | None = None

    # -- derived facts, all read from the bound problem ---------------------------------------
    @property
    def extra(self) -> dict[str, object]:
        """Further estimates by name (a new dict on every access)."""
        return dict(self.extra_items)

    @property
    def weights(self) -> Weights:
        """The spatial weights of the fit."""
        return self.problem.design.w

    @property
    def N(self) -> int:
        """Number of regions."""
        return self.problem.design.N

    @property
    def T(self) -> int:
        """Number of periods (1 for a cross-section)."""
        return self.problem.design.T

    @property
    def nobs(self) -> int:
        """Number of observations (N T for a balanced panel)."""
        return self.problem.design.n

    @property
    def layout(self) -> PeriodLayout | None:
        """Observed rows and per-period W_t of an unbalanced panel or time-varying weights (else None)."""
        return self.problem.design.layout

    @property
    def n_eff(self) -> float:
        """Observations entering the likelihood (N(T-1) etc. after the Lee-Yu transformation)."""
        return self.problem.scale.n_eff

    @property
    def resid_dof(self) -> int:
        """n - absorbed fixed effects - coefficients: the divisor of the unbiased OLS s2."""
        return self.problem.resid_dof

    @property
    def outcome(self) -> str:
        """Name of the outcome variable."""
        return self.problem.design.yname

    @property
    def regressors(self) -> list[str]:
        """Regressor names from the formula (no Durbin terms, no lagged outcome terms of a dynamic panel)."""
        lags = set(self.dynamic.terms) if self.dynamic is not None else set()
        return [c for c in self.problem.design.names if c not in lags]

    @property
    def logdet_method(self) -> str | None:
        """Log-determinant strategy (None for models without spatial parameters)."""
        return self.problem.logdet.method if self.problem.logdet else None

    @property
    def logdet_label(self) -> str | None:
        """Log-determinant strategy with its sparse backend, e.g. ``"sparse (SuperLU (scipy))"`` (None without
        spatial parameters)."""
        return self.problem.logdet.label if self.problem.logdet else None

    @property
    def bounds(self) -> tuple[float, float]:
        """Admissible interval of rho and lambda."""
        return self.problem.bounds

    @property
    def param_names(self) -> list[str]:
        """Coefficient names followed by the spatial parameters (``rho``, ``lambda``)."""
        return list(self.names) + self.spec.spatial_params

    @property
    def param_values(self) -> np.ndarray:
        """Coefficients followed by the spatial parameters, in ``param_names`` order."""
        spatial = ([self.rho] if self.spec.lag else []) + ([self.lam] if self.spec.error else [])
        return np.concatenate([self.beta, spatial])

    @property
    def index(self) -> pd.Index:
        """Row labels of residuals and fitted values: ids, or (entity, time) pairs for panels."""
        d = self.problem.design
        if d.T == 1:
            return pd.Index(d.w.ids)
        if d.layout is not None:
            return d.layout.index
        return pd.MultiIndex.from_product([d.periods, d.w.ids], names=["time", "entity"]).swaplevel()

    @property
    def model_matrix(self) -> pd.DataFrame:
        """The regressor matrix used (within-transformed for fixed-effects panels), columns = ``names``."""
        return pd.DataFrame(self.problem.Xt, index=self.index, columns=list(self.names))


def recover_fixed_effects(problem: Problem, rho: float, beta: np.ndarray, lam: float = 0.0
                          ) -> tuple[float | None, pd.Series | None, pd.Series | None]:
    """Intercept, entity effects and time effects of a fixed-effects panel (Elhorst 2014, §3.2).

    Parameters
    ----------
    problem : Problem
        The fitted likelihood (its design holds y, X and the fixed effects).
    rho : float
        Spatial lag parameter (0 without a lag).
    beta : ndarray
        Coefficients in ``problem.names`` order.
    lam : float
        Spatial error parameter (0 without one; used where the effects are fitted on B-transformed dummies).

    Returns
    -------
    (float or None, Series or None, Series or None)
        None where the fit has no such effects (cross-sections, pooled and random-effects panels).
    """
    d = problem.design
    if d.T == 1 or d.fixed_effects in ("none", "random"):
        return None, None, None
    r = d.y - rho * problem.Wy_raw - problem.X_raw @ beta
    if d.layout is not None:
        a, e, t = d.layout.effects_fit(problem.dummy_fit(r, lam), d.fixed_effects)
        return (a, None if e is None else pd.Series(e, index=d.w.ids, name="entity effect"),
                None if t is None else pd.Series(t, index=d.periods, name="time effect"))
    R = r.reshape(d.T, d.N)
    alpha = float(R.mean())
    ent = tim = None
    if d.fixed_effects in ("entity", "twoway"):
        ent = pd.Series(R.mean(axis=0) - alpha, index=d.w.ids, name="entity effect")
    if d.fixed_effects in ("time", "twoway"):
        tim = pd.Series(R.mean(axis=1) - alpha, index=d.periods, name="time effect")
    return alpha, ent, tim


def make_estimate(problem: Problem, rho: float, lam: float, beta: np.ndarray, sigma2: float, llf: float,
                  resid: np.ndarray, *, bias_correction: str | None = None, extra: Mapping | None = None,
                  extra_params: int = 0, dynamic: DynamicSpec | None = None) -> Estimate:
    """Assemble the :class:`Estimate` of a fit on ``problem``.

    Parameters
    ----------
    problem : Problem
        The likelihood the estimates maximise.
    rho, lam : float
        Spatial parameters (0 where absent).
    beta : ndarray
        Coefficients in ``problem.names`` order.
    sigma2, llf : float
        Error variance and log-likelihood.
    resid : ndarray
        Residuals; fitted values are the (within-transformed) outcome minus them.
    bias_correction : str, optional
        Override of the correction the problem applied (Elhorst's correction is applied after the fit).
    extra : mapping, optional
        Further named estimates.
    extra_params : int
        Estimated parameters beyond coefficients, spatial parameters and sigma2 (1 for random effects).
    dynamic : DynamicSpec, optional
        The lagged outcome terms of a dynamic panel.

    Returns
    -------
    Estimate
    """
    d, s = problem.design, problem.spec
    panel = d.T > 1
    fe = d.fixed_effects if panel else None
    if bias_correction is None:
        bias_correction = problem.scale.bias_correction if panel and fe not in ("none", "random") else None
    resid = _frozen(resid)
    beta = _frozen(beta)
    intercept, ent, tim = recover_fixed_effects(problem, rho, beta, lam)
    return Estimate(spec=s, problem=problem, names=tuple(problem.names), beta=beta, rho=float(rho),
                    lam=float(lam), sigma2=float(sigma2), llf=float(llf), resid=resid,
                    fitted=_frozen(d.demean(d.y) - resid),
                    df_model=len(problem.names) + len(s.spatial_params) + 1 + extra_params,
                    fixed_effects=fe, bias_correction=bias_correction, intercept=intercept,
                    entity_effects=ent, time_effects=tim,
                    extra_items=tuple(dict(extra or {}).items()), dynamic=dynamic)
