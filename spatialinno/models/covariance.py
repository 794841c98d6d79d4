"""Covariance estimators of ML estimates: one class per estimator, one registry that picks them by name.

Every estimator exposes ``name`` (shown in summaries), ``matrix`` (full covariance over the
coefficients, spatial parameters and, where available, sigma2), ``frame`` (the parameter block as a
DataFrame), ``dist`` (reference distribution of z-statistics) and ``df`` (its degrees of freedom, None
for the normal).

- :class:`InformationCovariance`: inverse of the analytic information matrix (Anselin 1988, ch. 6; see
  :mod:`.information`), the default of every spatial model.
- :class:`OLSCovariance`: models without spatial parameters (OLS, SLX): the coefficient block uses the
  unbiased s2 = e'e / (n - absorbed fixed effects - k) instead of the ML e'e / n_eff.
- :class:`HessianCovariance`: inverse of a numerical Hessian of the full log-likelihood (random effects).
- :class:`SmallSample`: a base estimator scaled by n/(n - p) with t(n - p) inference (p coefficients and
  spatial parameters), offsetting the downward bias of sigma2 = e'e/n in small cross-sections. Models
  without spatial parameters already use the unbiased s2, so it leaves them unchanged.

:func:`covariance_for` maps a ``cov_type`` to its estimator through ``COV_TYPES``; a new estimator (QML
sandwich, bootstrap) is a new class with a ``cov_type`` and a ``for_estimate`` class method, registered
with :func:`register`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SpatialInnoError
from .estimate import Estimate
from .information import information_matrix


class CovarianceError(SpatialInnoError):
    """An unknown or contradictory covariance choice, or a covariance that cannot be computed."""


def _readonly(a: np.ndarray) -> np.ndarray:
    out = np.array(a, dtype=float, copy=True)
    out.setflags(write=False)
    return out


class Covariance:
    """Covariance of the estimates of one fit.

    Parameters
    ----------
    estimate : Estimate
        The fit it belongs to.
    matrix : ndarray
        Covariance over (coefficients, spatial parameters[, sigma2]).
    df : float, optional
        Degrees of freedom of t inference; None for normal inference.
    """

    cov_type: str = ""
    label: str = ""

    def __init__(self, estimate: Estimate, matrix: np.ndarray, df: float | None = None) -> None:
        self._estimate = estimate
        self._matrix = _readonly(matrix)
        self._df = None if df is None else float(df)

    def __setattr__(self, name: str, value: object) -> None:
        if not name.startswith("_") or hasattr(self, name):
            raise AttributeError(f"{type(self).__name__} is immutable; cannot set {name!r}")
        object.__setattr__(self, name, value)

    @classmethod
    def for_estimate(cls, estimate: Estimate, base: Covariance | None = None) -> Covariance:
        """The estimator of this type for ``estimate`` (``base``: the estimator's own ML covariance).

        Parameters
        ----------
        estimate : Estimate
        base : Covariance, optional

        Returns
        -------
        Covariance
        """
        raise NotImplementedError

    @property
    def estimate(self) -> Estimate:
        """The fit this covariance belongs to."""
        return self._estimate

    @property
    def name(self) -> str:
        """How the covariance was estimated, as a summary states it."""
        return self.label

    @property
    def matrix(self) -> np.ndarray:
        """Full covariance (coefficients, spatial parameters, then sigma2 where available); read-only."""
        return self._matrix

    @property
    def names(self) -> list[str]:
        """Parameter names of the leading block of ``matrix``."""
        return self._estimate.param_names

    @property
    def frame(self) -> pd.DataFrame:
        """Covariance of the coefficients and spatial parameters, labelled by parameter name."""
        k = len(self.names)
        return pd.DataFrame(self._matrix[:k, :k].copy(), index=self.names, columns=self.names)

    @property
    def sigma2_variance(self) -> float:
        """Variance of the sigma2 estimate (NaN when the estimator has none)."""
        k = len(self.names)
        return float(self._matrix[-1, -1]) if self._matrix.shape[0] > k else float("nan")

    @property
    def df(self) -> float | None:
        """Degrees of freedom of the t reference distribution; None for the normal."""
        return self._df

    @property
    def dist(self):
        """Reference distribution of z-statistics: ``scipy.stats.norm`` or ``scipy.stats.t(df)``."""
        return stats.norm if self._df is None else stats.t(self._df)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.name}>"


def _inverse_information(estimate: Estimate) -> np.ndarray:
    e = estimate
    info = information_matrix(e.problem, e.rho, e.lam, e.beta, e.sigma2)
    try:
        return np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise CovarianceError("the information matrix is singular; the model is not identified on these "
                              "data") from None


#: cov_type -> estimator class; ``covariance_for`` looks names up here
COV_TYPES: dict[str, type[Covariance]] = {}


def register(cls: type[Covariance]) -> type[Covariance]:
    """Make ``cls`` available as ``cov_type=cls.cov_type`` in every estimator.

    Parameters
    ----------
    cls : type
        A :class:`Covariance` subclass with a ``cov_type`` and a ``for_estimate`` class method.

    Returns
    -------
    type
        ``cls`` unchanged (usable as a class decorator).
    """
    COV_TYPES[cls.cov_type] = cls
    return cls


@register
class InformationCovariance(Covariance):
    """Inverse of the analytic information matrix at the estimates (Anselin 1988, ch. 6).

    ``for_estimate`` returns the estimator's own ML covariance when it has one (``base``: the OLS form
    for OLS/SLX, the numerical Hessian for random effects).

    Parameters
    ----------
    estimate : Estimate
    matrix : ndarray, optional
        The inverse information matrix if already computed (default: computed from ``estimate``).
    """

    cov_type = "information"
    label = "inverse analytic information matrix"

    def __init__(self, estimate: Estimate, matrix: np.ndarray | None = None) -> None:
        super().__init__(estimate, _inverse_information(estimate) if matrix is None else matrix)

    @classmethod
    def for_estimate(cls, estimate: Estimate, base: Covariance | None = None) -> Covariance:
        """``base`` if given, else the analytic information form (OLS form without spatial parameters).

        Parameters
        ----------
        estimate : Estimate
        base : Covariance, optional

        Returns
        -------
        Covariance
        """
        if base is not None:
            return base
        if estimate.spec.lag or estimate.spec.error:
            return cls(estimate)
        return OLSCovariance(estimate)


class OLSCovariance(InformationCovariance):
    """Models without spatial parameters: coefficient block s2 (X'X)^-1 with s2 = e'e / (n - absorbed FE - k).

    The sigma2 row keeps the ML information form 2 sigma4 / n_eff.

    Parameters
    ----------
    estimate : Estimate
    """

    label = "OLS: unbiased s2 = e'e/(n - absorbed fixed effects - k)"

    def __init__(self, estimate: Estimate) -> None:
        cov = _inverse_information(estimate)
        k = len(estimate.names)
        cov[:k, :k] *= estimate.n_eff / estimate.resid_dof
        super().__init__(estimate, cov)


class HessianCovariance(InformationCovariance):
    """Inverse of a numerical Hessian of the full log-likelihood (observed information).

    Parameters
    ----------
    estimate : Estimate
    matrix : ndarray
        The inverse negative Hessian over (coefficients, spatial parameters, sigma2).
    """

    label = "inverse numerical Hessian of the log-likelihood"

    def __init__(self, estimate: Estimate, matrix: np.ndarray) -> None:
        super().__init__(estimate, matrix)


@register
class SmallSample(Covariance):
    """Small-sample form of a base covariance: scaled by n/(n - p), t(n - p) inference.

    n is the number of observations in the likelihood and p the number of coefficients and spatial
    parameters. Models without spatial parameters keep the base unchanged (their coefficient block
    already uses the unbiased s2). Idempotent: ``SmallSample(SmallSample(b))`` equals ``SmallSample(b)``.

    Parameters
    ----------
    base : Covariance
        The ML covariance to scale.
    """

    cov_type = "small-sample"

    def __init__(self, base: Covariance) -> None:
        base = base.base if isinstance(base, SmallSample) else base
        e = base.estimate
        self._base = base
        if e.spec.lag or e.spec.error:
            df = e.n_eff - len(e.param_names)
            super().__init__(e, base.matrix * (e.n_eff / df), df)
        else:
            super().__init__(e, base.matrix, base.df)

    @classmethod
    def for_estimate(cls, estimate: Estimate, base: Covariance | None = None) -> Covariance:
        """The small-sample form of the estimator's ML covariance.

        Parameters
        ----------
        estimate : Estimate
        base : Covariance, optional
            The estimator's own ML covariance (default: the information form).

        Returns
        -------
        SmallSample
        """
        return cls(InformationCovariance.for_estimate(estimate, base))

    @property
    def base(self) -> Covariance:
        """The unscaled covariance."""
        return self._base

    @property
    def name(self) -> str:
        """The base estimator's name with the scaling and t degrees of freedom."""
        if self._df is None:
            return f"{self._base.name} (no small-sample scaling needed)"
        return f"{self._base.name}, small-sample: scaled by n/(n-p), t({self._df:g}) inference"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SmallSample) and other.base is self.base

    def __hash__(self) -> int:
        return hash((SmallSample, id(self._base)))


def resolve_cov_type(cov_type: str | None, small_sample: bool) -> str:
    """The covariance type from ``cov_type`` and its alias ``small_sample=True``.

    Parameters
    ----------
    cov_type : str or None
        One of ``COV_TYPES`` (None: ``"information"``, or ``"small-sample"`` when ``small_sample``).
    small_sample : bool
        Alias of ``cov_type="small-sample"``.

    Returns
    -------
    str

    Raises
    ------
    CovarianceError
        For an unknown name, or ``small_sample=True`` with another ``cov_type``.
    """
    if cov_type is None:
        cov_type = "small-sample" if small_sample else "information"
    if cov_type not in COV_TYPES:
        raise CovarianceError(f"unknown cov_type {cov_type!r}; choose from {', '.join(map(repr, COV_TYPES))}")
    if small_sample and cov_type != "small-sample":
        raise CovarianceError(f"small_sample=True is an alias of cov_type='small-sample' and contradicts "
                              f"cov_type={cov_type!r}; pass only one of them")
    return cov_type


def covariance_for(cov_type: str, estimate: Estimate, base: Covariance | None = None) -> Covariance:
    """The covariance estimator named ``cov_type`` for ``estimate``.

    Parameters
    ----------
    cov_type : str
        A key of ``COV_TYPES`` (``"information"``, ``"small-sample"``).
    estimate : Estimate
        The fit.
    base : Covariance, optional
        The estimator's own ML covariance when it is not the analytic information matrix (random
        effects: numerical Hessian; Elhorst's correction: information at the corrected estimates).

    Returns
    -------
    Covariance

    Raises
    ------
    CovarianceError
        For an unknown ``cov_type``.
    """
    return COV_TYPES[resolve_cov_type(cov_type, False)].for_estimate(estimate, base)
