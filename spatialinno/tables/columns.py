"""What one column of a comparison table needs from a fitted model, read from any package's result.

spatialinno's ML, IV (:func:`si.gs2sls`) and GMM (:func:`si.dynamic_gmm`) results, statsmodels,
linearmodels and pyfixest results are read by duck typing through their public attributes only:

========================  ==========================  ===========================  ===============================
quantity                  statsmodels / spatialinno   linearmodels                 pyfixest
========================  ==========================  ===========================  ===============================
estimates                 ``params``                  ``params``                   ``coef()``
standard errors           ``bse``                     ``std_errors``               ``se()``
p-values                  ``pvalues``                 ``pvalues``                  ``pvalue()``
intervals                 ``conf_int(alpha)``         ``conf_int(level)``          ``confint(alpha)``
observations              ``nobs``                    ``nobs``                     ``len(resid())``
log-likelihood            ``llf``                     ``loglik``                   --
R2 (see below)            ``fitted``/``fittedvalues``  ``rsquared``                 ``predict()`` + ``resid()``
========================  ==========================  ===========================  ===============================

R2 is the squared correlation of fitted and observed values, observed = fitted + residual. For
spatialinno's fixed-effects panels both are the within-transformed series (so it is the within R2);
for spatial models it is a pseudo-R2 (not a share of explained variance). For linearmodels the
package's own ``rsquared`` is used (the within R2 for ``PanelOLS``, computed on its transformed data,
which for least squares equals the squared correlation).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpatialInnoError
from ..gmm.results import GMMResults
from ..iv.results import IVResults
from ..models.results import SpatialResults


@dataclass(frozen=True)
class Column:
    """The numbers of one model in a comparison table.

    Parameters
    ----------
    params, bse, pvalues : Series
        Estimates, standard errors and p-values by term.
    conf_int : callable
        ``conf_int(level) -> DataFrame`` with two columns (lower, upper) by term.
    model : str
        Short model name (e.g. ``"SDM"``, ``"OLS"``, ``"PanelOLS"``, ``"GS2SLS SAR"``).
    source : str
        ``"spatialinno"``, ``"statsmodels"``, ``"linearmodels"``, ``"pyfixest"`` or ``"other"``.
    result : object
        The fitted result itself (for statistics and effects).
    """

    params: pd.Series
    bse: pd.Series
    pvalues: pd.Series
    conf_int: Callable[[float], pd.DataFrame]
    model: str
    source: str
    result: Any


def attr(res: Any, name: str, default: Any = None) -> Any:
    """A public attribute of ``res`` or ``default`` when it is missing, None or raises.

    Parameters
    ----------
    res : object
        A fitted result.
    name : str
        Attribute name.
    default : object
        Returned when the attribute is unavailable.

    Returns
    -------
    object
        The attribute value or ``default``.
    """
    try:
        v = getattr(res, name)
    except Exception:
        return default
    return default if v is None else v


def _source(res: Any) -> str:
    if isinstance(res, SpatialResults | IVResults | GMMResults):
        return "spatialinno"
    top = type(res).__module__.split(".")[0]
    return top if top in ("statsmodels", "linearmodels", "pyfixest") else "other"


def _named(v: Any, names: list[str] | None, what: str, i: int) -> pd.Series:
    if isinstance(v, pd.DataFrame) and v.shape[1] == 1:
        v = v.iloc[:, 0]
    if isinstance(v, pd.Series):
        return v.astype(float)
    arr = np.asarray(v, dtype=float).ravel()
    if names is None or len(names) != arr.size:
        raise SpatialInnoError(f"model {i + 1}: {what} is an unnamed array and its terms cannot be named; "
                               "fit it with pandas data or a formula")
    return pd.Series(arr, index=names, dtype=float)


def _model_name(res: Any, source: str) -> str:
    if isinstance(res, IVResults):
        return f"GS2SLS {res.model.upper()}"
    if isinstance(res, GMMResults):
        return {"system": "System GMM", "difference": "Difference GMM"}.get(res.method, f"GMM {res.method}")
    m = attr(res, "model")
    if isinstance(m, str):
        return m
    if m is not None and source in ("statsmodels", "linearmodels"):
        return type(m).__name__
    return type(res).__name__


def _interval_caller(res: Any, source: str, i: int) -> Callable[[float], pd.DataFrame]:
    fn = attr(res, "confint") if source == "pyfixest" else attr(res, "conf_int")
    if not callable(fn):
        def missing(level: float) -> pd.DataFrame:
            raise SpatialInnoError(f"model {i + 1} ({type(res).__name__}) has no conf_int(); use se='se', 't' or 'p'")
        return missing
    params: Mapping[str, inspect.Parameter]
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}

    def call(level: float) -> pd.DataFrame:
        out = fn(level=level) if "level" in params else fn(alpha=1 - level) if "alpha" in params else fn()
        return pd.DataFrame(out).iloc[:, :2].astype(float)
    return call


def column(res: Any, i: int) -> Column:
    """Read the estimates of one fitted model.

    Parameters
    ----------
    res : object
        A fitted result (see the module docstring for the packages read).
    i : int
        Position of the model in the table (for messages).

    Returns
    -------
    Column
        Its estimates, standard errors, p-values, interval function and name.

    Raises
    ------
    SpatialInnoError
        If ``res`` has no estimates, standard errors or p-values.
    """
    source = _source(res)
    if source == "pyfixest":
        p, se, pv = res.coef(), res.se(), res.pvalue()
    else:
        p, se, pv = attr(res, "params"), attr(res, "bse", attr(res, "std_errors")), attr(res, "pvalues")
    if p is None or se is None or pv is None:
        raise SpatialInnoError(f"model {i + 1} ({type(res).__name__}) has no params/bse/pvalues; si.compare takes "
                               "fitted spatialinno, statsmodels, linearmodels or pyfixest results")
    names = None
    if not isinstance(p, pd.Series):
        names = list(attr(attr(res, "model"), "exog_names", []) or []) or None
    params = _named(p, names, "params", i)
    bse = _named(se, list(params.index), "bse", i)
    pvalues = _named(pv, list(params.index), "pvalues", i)
    return Column(params=params, bse=bse, pvalues=pvalues, conf_int=_interval_caller(res, source, i),
                  model=_model_name(res, source), source=source, result=res)


def _corr2(fitted: Any, observed: Any) -> float:
    f = np.asarray(fitted, dtype=float).ravel()
    o = np.asarray(observed, dtype=float).ravel()
    ok = np.isfinite(f) & np.isfinite(o)
    if ok.sum() < 3 or np.std(f[ok]) == 0 or np.std(o[ok]) == 0:
        return np.nan
    return float(np.corrcoef(f[ok], o[ok])[0, 1] ** 2)


def r_squared(col: Column) -> float:
    """R2 of a model as defined in the module docstring (NaN when it cannot be computed).

    Parameters
    ----------
    col : Column
        The model.

    Returns
    -------
    float
        Squared correlation of fitted and observed values (linearmodels: its ``rsquared``).
    """
    res = col.result
    if col.source == "linearmodels":
        return float(attr(res, "rsquared", np.nan))
    if col.source == "pyfixest":
        fitted, resid = np.asarray(res.predict(), float), np.asarray(res.resid(), float)
        return _corr2(fitted, fitted + resid) if fitted.shape == resid.shape else np.nan
    fitted = attr(res, "fitted", attr(res, "fittedvalues"))
    resid = attr(res, "resid")
    if fitted is None or resid is None or np.size(fitted) != np.size(resid):
        return np.nan
    return _corr2(fitted, np.asarray(fitted, float) + np.asarray(resid, float))


def nobs(col: Column) -> float:
    """Number of observations used (NaN when unknown).

    Parameters
    ----------
    col : Column
        The model.

    Returns
    -------
    float
        ``nobs`` (pyfixest: the number of residuals).
    """
    if col.source == "pyfixest":
        return float(len(col.result.resid()))
    return float(attr(col.result, "nobs", np.nan))


def log_likelihood(col: Column) -> float:
    """Log-likelihood (``llf`` or linearmodels' ``loglik``; NaN when the estimator has none).

    Parameters
    ----------
    col : Column
        The model.

    Returns
    -------
    float
        The maximised log-likelihood.
    """
    return float(attr(col.result, "llf", attr(col.result, "loglik", np.nan)))


def fixed_effects(col: Column) -> str | None:
    """Fixed effects of a panel fit, in words (None when none or unknown).

    Parameters
    ----------
    col : Column
        The model.

    Returns
    -------
    str or None
        spatialinno's ``fixed_effects`` or linearmodels' ``included_effects`` joined by " + ".
    """
    fe = attr(col.result, "fixed_effects")
    if isinstance(fe, str) and fe != "none":
        return fe
    included = attr(col.result, "included_effects") if col.source == "linearmodels" else None
    return " + ".join(str(e) for e in included) if included else None


def is_within(col: Column) -> bool:
    """True if the model's R2 is computed on within-transformed (fixed-effects) data.

    Parameters
    ----------
    col : Column
        The model.

    Returns
    -------
    bool
        Whether the fit removed fixed effects by a within transformation.
    """
    return fixed_effects(col) is not None and col.source in ("spatialinno", "linearmodels")
