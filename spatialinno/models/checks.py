"""Model-level checks of the data before estimation, shared by every estimator and the formula diagnostics.

- Columns the formula uses must be numeric unless wrapped in ``C(...)``: a number read as text
  (``"1,234"``, ``"n/a"``) would otherwise become one dummy column per distinct value.
- The outcome must vary: a constant (or numerically constant, range <= 1e-12 times its largest absolute
  value) outcome has nothing to explain, yet ML would report rho with p = 0 and sigma2 ~ 1e-30. For
  fixed-effects panels the same holds after the within transformation.
- Panels with time or two-way (or entity, or random) effects need at least two periods.
- Ids and periods must not mix types (``2019`` and ``"2019"`` are different keys), and the data's ids
  must have the type of the weights' ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from formulaic import Formula

from ..errors import DataError, IdError, PanelError, plain, preview

_WRAPPED = re.compile(r"\bC\(\s*([A-Za-z_][\w.]*)")
_NUMERIC_KINDS = ("integer", "floating", "mixed-integer-float", "decimal")


def _formula_variables(formula: str) -> tuple[set[str], set[str]]:
    """(outcome variables, all variables) the formula reads; empty sets when it does not parse."""
    try:
        f = Formula(formula)
        return {str(v) for v in f.lhs.required_variables}, {str(v) for v in f.required_variables}
    except Exception:  # noqa: BLE001 - the design builder reports formula errors with the columns available
        return set(), set()


class RowLabels:
    """Row labels for error messages, formatted only for the rows a message names (not for every row of a
    large design up front).

    Parameters
    ----------
    keys : sequence
        One key per row (a region id, or an (entity, time) pair).
    fmt : callable
        Formats one key, e.g. ``lambda i: f"id {i}"``.
    """

    def __init__(self, keys: Sequence[Any], fmt: Callable[[Any], str]) -> None:
        self._keys, self._fmt = keys, fmt

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, rows: np.ndarray) -> pd.Index:
        """The formatted labels of ``rows`` (a boolean mask or positions)."""
        picked = np.asarray(pd.Index(self._keys), dtype=object)[rows]
        return pd.Index([self._fmt(k) for k in picked])


def check_numeric_columns(formula: str, df: pd.DataFrame, labels: pd.Index | RowLabels) -> None:
    """Refuse text or categorical columns the formula uses as numbers, naming the column and offending values.

    Parameters
    ----------
    formula : str
    df : DataFrame
        The data, rows aligned with ``labels``.
    labels : Index or RowLabels
        Row labels for the message (region ids or (entity, time) pairs).

    Raises
    ------
    DataError
        Naming the column, its non-numeric values and their rows, with the fix.
    """
    outcome, used = _formula_variables(formula)
    wrapped = set(_WRAPPED.findall(formula))
    for name in sorted(used):
        if name not in df.columns:
            continue
        col = df[name]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        if name in wrapped and name not in outcome:
            continue
        values = pd.to_numeric(col.astype(object), errors="coerce")
        bad = (values.isna() & col.notna()).to_numpy()
        role = "the outcome " if name in outcome else ""
        fix = f"convert with pd.to_numeric(data[{name!r}])" + ("" if name in outcome else f" or write C({name}) "
                                                                                         f"for a categorical")
        if bad.any():
            raise DataError(f"{role}{name!r} has non-numeric values {preview(pd.unique(col[bad]))} (rows "
                            f"{preview(labels[bad])}); {fix}")
        raise DataError(f"{role}{name!r} holds numbers stored as {col.dtype} (e.g. {preview(col.head(3))}); {fix}")


def check_outcome_varies(y: np.ndarray, yname: str, within: np.ndarray | None = None,
                         fixed_effects: str = "none") -> None:
    """Refuse an outcome that is (numerically) constant, before or after the within transformation.

    Constant means range <= 1e-12 times the largest absolute value (so the check does not depend on units).

    Parameters
    ----------
    y : ndarray
        The outcome.
    yname : str
    within : ndarray, optional
        The outcome after removing the fixed effects.
    fixed_effects : str
        The fixed effects removed (for the message).

    Raises
    ------
    DataError
    """
    scale = float(np.abs(y).max()) if y.size else 0.0
    if y.size and np.ptp(y) <= 1e-12 * scale:
        raise DataError(f"the outcome {yname!r} is constant (every value is {plain(y[0])!r}): there is nothing to "
                        f"explain and no spatial parameter is identified; check the column and the formula")
    if within is not None and within.size and np.ptp(within) <= 1e-12 * scale:
        raise DataError(f"the outcome {yname!r} is constant after removing the {fixed_effects} fixed effects (it "
                        f"varies only in ways the effects absorb); use fewer fixed effects (e.g. "
                        f"fixed_effects='none') or another outcome")


def check_periods(periods: pd.Index, fixed_effects: str, entity: Hashable) -> None:
    """Refuse a single-period panel under entity, time, two-way or random effects.

    Parameters
    ----------
    periods : Index
        The panel's distinct periods.
    fixed_effects : str
    entity : hashable
        Entity column (for the fix).

    Raises
    ------
    PanelError
    """
    if len(periods) < 2 and fixed_effects != "none":
        raise PanelError(f"the panel has a single period ({plain(periods[0])!r}) in column {periods.name!r}: "
                         f"{fixed_effects} effects need at least two periods (time effects would absorb the whole "
                         f"cross-section); estimate a cross-section instead (drop entity=/time= and pass "
                         f"id={entity!r}) or use fixed_effects='none'")


def check_key_types(values, column: Hashable, what: str = "ids") -> None:
    """Refuse a key column (ids or periods) whose values mix types, e.g. ``2019`` and ``"2019"``.

    Parameters
    ----------
    values : array-like
        The column's values.
    column : hashable
        Column name (``None`` for the index), used in the message.
    what : str
        ``"ids"`` or ``"periods"``.

    Raises
    ------
    IdError or PanelError
        Naming the types, how many values have each, an example of each, and the conversion.
    """
    values = pd.Series(np.asarray(values, dtype=object))
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if not kind.startswith("mixed") or kind == "mixed-integer-float":
        return
    types = values.map(lambda v: type(plain(v)).__name__)
    parts = [f"{name} ({int((types == name).sum())} rows, e.g. {plain(values[types == name].iloc[0])!r})"
             for name in types.unique()]
    target = "int" if "int" in set(types) else "str"
    where = "the index" if column is None else f"column {column!r}"
    col = "data.index" if column is None else f"data[{column!r}]"
    error = IdError if what == "ids" else PanelError
    raise error(f"{what} in {where} mix types: {', '.join(parts)}; convert them to one type, e.g. "
                f"{col} = {col}.astype({target})")


def check_ids_match_weights(ids: pd.Index, weights_ids: pd.Index, column: Hashable) -> None:
    """Refuse data ids of another type than the weights' ids (e.g. ``"110000"`` against ``110000``).

    Parameters
    ----------
    ids : Index
        The data's ids.
    weights_ids : Index
        ``w.ids``.
    column : hashable
        Id column of the data (None: the index).

    Raises
    ------
    IdError
    """
    kinds = [pd.api.types.infer_dtype(ix, skipna=True) for ix in (ids, weights_ids)]
    numeric = [k in _NUMERIC_KINDS for k in kinds]
    text = [k == "string" for k in kinds]
    if (numeric[0] and text[1]) or (text[0] and numeric[1]):
        col = "data.index" if column is None else f"data[{column!r}]"
        target = "str" if text[1] else "int"
        raise IdError(f"the data's ids are {kinds[0]} (e.g. {plain(ids[0])!r}) but the weights' ids are {kinds[1]} "
                      f"(e.g. {plain(weights_ids[0])!r}); convert one side, e.g. {col} = {col}.astype({target})")
