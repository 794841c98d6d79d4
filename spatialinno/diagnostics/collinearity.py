"""Variance inflation factors of the regressors of a formula.

For regressor j (every column of the design except the intercept),

    VIF_j = 1 / (1 - R2_j),

where R2_j is the centred R-squared of the auxiliary OLS regression of x_j on an intercept and all the
other regressors (Belsley, Kuh & Welsch 1980, ch. 3; Greene 2018, §4.9). Equivalently VIF_j is the j-th
diagonal element of the inverse correlation matrix of the regressors. The intercept is always in the
auxiliary regressions, also for a formula without one (``- 1``): the VIF then still measures how much
collinearity among the regressors inflates Var(b_j) relative to uncorrelated regressors.

statsmodels' ``variance_inflation_factor(exog, j)`` regresses ``exog[:, j]`` on the other columns *as
given*: with a constant column in ``exog`` it returns exactly these numbers (checked in
``tests/diagnostics/test_vif.py``); without one it uses an uncentred R-squared.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import DataError, SpatialInnoError, SpatialInnoWarning, preview
from ..models.missing import handle_missing


def _design(formula: str, data: pd.DataFrame) -> pd.DataFrame:
    """Right-hand side of ``formula`` (outcome ignored) as a float DataFrame without the intercept."""
    from formulaic import model_matrix

    if not isinstance(data, pd.DataFrame):
        raise SpatialInnoError("data must be a pandas DataFrame")
    if not isinstance(formula, str) or not formula.strip():
        raise SpatialInnoError("formula must be a string such as 'innov ~ agglom + pgdp' or '~ agglom + pgdp'")
    rhs = formula.split("~", 1)[1] if "~" in formula else formula
    try:
        mm = model_matrix(rhs, data, na_action="ignore")
    except Exception as exc:  # formulaic raises several types for unknown names and syntax errors
        raise SpatialInnoError(f"cannot build the design from formula {formula!r}: {str(exc).splitlines()[0]}. "
                               f"Columns available: {preview(data.columns)}") from None
    used = [v for v in mm.model_spec.variables_by_source.get("data", set()) if v in data.columns]
    text = [v for v in sorted(used, key=str) if not (pd.api.types.is_numeric_dtype(data[v])
                                                     or pd.api.types.is_bool_dtype(data[v]))]
    if text:
        raise DataError(f"non-numeric column(s) {preview(text)} in {formula!r}: variance inflation factors are "
                        f"defined for numeric regressors; convert them to numbers or to explicit 0/1 dummy columns "
                        f"(the VIF of a set of dummies needs the generalised VIF of Fox & Monette 1992)")
    X = pd.DataFrame(np.asarray(mm, dtype=float), columns=list(mm.columns), index=data.index)
    return X.drop(columns="Intercept", errors="ignore")


def vif(formula: str, data: pd.DataFrame, missing: str = "raise") -> pd.Series:
    """Variance inflation factor of every regressor of ``formula``.

    VIF_j = 1 / (1 - R2_j), with R2_j the centred R-squared of the OLS regression of regressor j on an
    intercept and all the other regressors (Belsley, Kuh & Welsch 1980; Greene 2018, §4.9). Rules of
    thumb flag VIF_j > 10. The outcome of the formula, if any, is ignored.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + x2 + I(x1**2)"`` or ``"~ x1 + x2"``; transformations are expanded by formulaic as in
        the estimators. Every regressor except the intercept gets a VIF.
    data : pandas.DataFrame
        Holds the variables; it is not modified.
    missing : {"raise", "drop"}
        Rows with a NaN in a variable of the formula: ``"raise"`` names them; ``"drop"`` leaves them out
        (their index labels in ``.attrs["dropped"]``).

    Returns
    -------
    pandas.Series
        Named ``"vif"``, indexed by regressor name. A regressor that is constant or an exact linear
        combination of the others (with the intercept) gets ``inf``, and a
        :class:`~spatialinno.errors.SpatialInnoWarning` names it.

    Raises
    ------
    DataError
        A variable is non-numeric, a regressor is missing or infinite for some rows (named), or there
        are not more rows than regressors.
    SpatialInnoError
        The formula cannot be built on ``data`` or has no regressor besides the intercept.
    """
    data, _, record = handle_missing(data, formula.split("~")[-1], None, missing=missing)  # the outcome is ignored
    X = _design(formula, data)
    if X.shape[1] == 0:
        raise SpatialInnoError(f"formula {formula!r} has no regressor besides the intercept; nothing to inflate")
    bad = ~np.isfinite(X.to_numpy()).all(axis=1)
    if bad.any():
        cols = [c for c in X.columns if not np.isfinite(X[c].to_numpy()).all()]
        raise DataError(f"regressor(s) {preview(cols)} missing or infinite in rows {preview(X.index[bad])}; drop "
                        f"or impute those rows first")
    n, k = X.shape
    if n <= k + 1:
        raise DataError(f"{n} rows for {k} regressors and an intercept; VIFs need more rows than parameters")
    Z = X.to_numpy() - X.to_numpy().mean(axis=0)
    norms = np.sqrt((Z ** 2).sum(axis=0))
    out = np.full(k, np.inf)
    usable = norms > 1e-12 * np.maximum(1.0, np.abs(X.to_numpy()).max(axis=0)) * np.sqrt(n)
    Zs = Z[:, usable] / norms[usable]
    full_rank = np.linalg.matrix_rank(Zs)
    for pos, j in enumerate(np.flatnonzero(usable)):
        others = np.delete(Zs, pos, axis=1)
        if others.shape[1] and np.linalg.matrix_rank(others) == full_rank:
            continue  # x_j lies in the span of the others: R2_j = 1
        if others.shape[1] == 0:
            out[j] = 1.0
            continue
        coef, *_ = np.linalg.lstsq(others, Zs[:, pos], rcond=None)
        r = Zs[:, pos] - others @ coef
        out[j] = 1.0 / float(r @ r)  # total sum of squares of the scaled, centred column is 1
    res = pd.Series(out, index=X.columns, name="vif")
    res.attrs["dropped"] = record.dropped
    infinite = list(res.index[np.isinf(res.to_numpy())])
    if infinite:
        warnings.warn(f"VIF is infinite for {preview(infinite)}: constant or an exact linear combination of the other "
                      f"regressors and the intercept (perfect collinearity); drop one of them", SpatialInnoWarning,
                      stacklevel=2)
    return res
