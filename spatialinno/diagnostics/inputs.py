"""Input checks shared by the spatial-autocorrelation statistics: weights, values aligned by id, labels.

Every global and local statistic (and the Moran scatterplot) reads its variable through
:func:`values_by_id`, so all of them align values to the weights by id in the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, IdError, SpatialInnoError, preview
from ..weights import Weights


def check_weights(w: object) -> Weights:
    """Check that ``w`` is a spatialinno :class:`~spatialinno.weights.Weights`.

    Parameters
    ----------
    w : object
        The weights argument a statistic received.

    Returns
    -------
    Weights
        ``w`` itself.

    Raises
    ------
    SpatialInnoError
        If ``w`` is not a ``Weights``.
    """
    if not isinstance(w, Weights):
        raise SpatialInnoError(f"w must be a spatialinno Weights (got {type(w).__name__}); "
                               "build one with si.weights.contiguity(...) or si.Weights.from_sparse(...)")
    return w


def values_by_id(y: Any, w: Weights, name: str = "y", min_n: int = 3) -> np.ndarray:
    """``y`` as a float array in ``w.ids`` order, checked: aligned by id, finite, n >= ``min_n``.

    Parameters
    ----------
    y : pd.Series, one-column pd.DataFrame or array-like
        Values of one variable. A ``pd.Series`` is aligned to ``w.ids`` by its index (every weights
        id needed, no extra ids); a bare array/list must have length ``w.n`` and is taken in
        ``w.ids`` order.
    w : Weights
        The weights the values are aligned to.
    name : str
        Name of the argument, used in error messages when ``y`` has no name of its own.
    min_n : int
        Smallest number of regions accepted.

    Returns
    -------
    np.ndarray
        A new float array of length ``w.n`` (the caller's data is never modified).

    Raises
    ------
    IdError
        If the ids of ``y`` and ``w`` differ or a bare array has the wrong length.
    DataError
        For non-numeric, NaN or infinite values, a multi-column DataFrame or fewer than ``min_n``
        regions.
    """
    check_weights(w)
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise DataError(f"{name} must be one variable (a pd.Series indexed by region id), got a DataFrame "
                            f"with columns {preview(y.columns)}; pass e.g. data.set_index(id_col)[column]")
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        label = y.name if y.name is not None else name
        pos = w.align(y.index, f"values of {label!r}")
        ser = y.iloc[pos]
        try:
            v = np.asarray(ser.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"{label!r} must be numeric (dtype {y.dtype}); convert it with pd.to_numeric") from None
    else:
        label = name
        try:
            v = np.asarray(y, dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"{name} must be numeric values, one per region") from None
        if v.ndim != 1:
            v = v.squeeze()
        if v.ndim != 1 or v.shape[0] != w.n:
            raise IdError(f"{name} has shape {np.shape(y)} but the weights have {w.n} regions; pass a pd.Series "
                          f"indexed by region id (a bare array is read in w.ids order and needs length {w.n})")
        v = v.copy()
    bad = ~np.isfinite(v)
    if bad.any():
        raise DataError(f"{label!r} is NaN or infinite for ids {preview(w.ids[bad])}; drop those regions "
                        f"(w.subset(ids)) or impute the values first")
    if w.n < min_n:
        raise DataError(f"{label!r} has only {w.n} regions; spatial autocorrelation needs at least {min_n}")
    return v


def nonconstant(v: np.ndarray, label: str, what: str = "Moran's I") -> np.ndarray:
    """Deviations from the mean, ``z = v - mean(v)``, refusing a constant variable.

    Parameters
    ----------
    v : np.ndarray
        Values of one variable.
    label : str
        Name of the variable, for the error message.
    what : str
        Name of the statistic, for the error message.

    Returns
    -------
    np.ndarray
        ``v - v.mean()``.

    Raises
    ------
    DataError
        If every ``|z_i|`` is below ``1e-12 * max(1, max |v|)``.
    """
    z = v - v.mean()
    if not np.any(np.abs(z) > 1e-12 * max(1.0, np.abs(v).max())):
        raise DataError(f"{label!r} is constant ({v[0]!r} everywhere): {what} is undefined for a variable "
                        f"without variation; choose a variable that varies across regions")
    return z


def standardise(v: np.ndarray, label: str, what: str) -> np.ndarray:
    """z-scores with the population standard deviation: ``(v - mean) / sqrt(sum (v - mean)^2 / n)``.

    Parameters
    ----------
    v : np.ndarray
        Values of one variable.
    label : str
        Name of the variable, for the error message.
    what : str
        Name of the statistic, for the error message.

    Returns
    -------
    np.ndarray
        The z-scores (mean 0, population variance 1).

    Raises
    ------
    DataError
        If ``v`` is constant.
    """
    z = nonconstant(v, label, what)
    return z / np.sqrt((z @ z) / z.shape[0])


def variable_label(y: object, default: str = "y") -> str:
    """Name used for a variable in messages and titles: the Series name, else ``default``.

    Parameters
    ----------
    y : object
        The values argument a statistic received.
    default : str
        Label when ``y`` is not a named ``pd.Series``.

    Returns
    -------
    str
        ``str(y.name)`` for a named Series, else ``default``.
    """
    return str(y.name) if isinstance(y, pd.Series) and y.name is not None else default
