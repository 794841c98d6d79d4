"""Formula terms with lags, and the rectangular (entity x period) arrays dynamic panel GMM works on.

The right-hand side of a :func:`spatialinno.dynamic_gmm` formula is a sum of terms, each one of

``x``
    the column ``x`` at period t;
``L(x, a:b)``
    the lags a, a+1, ..., b of ``x`` (``L(x, 0:1)`` is ``x`` and ``L1.x``), as plm's ``lag(x, a:b)``;
``L(x, k)``
    the k-th lag of ``x`` alone;
``Lk.x``
    the k-th lag of ``x`` (Stata's ``Lk.x``).

A lag is taken on the panel's period grid (the sorted distinct periods): the lag of the first observed
period of an entity is missing, never the value of another entity. Lags of the outcome come from the
``lags`` argument, not from the formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, PanelError, preview

_LAG_CALL = re.compile(r"^L\(\s*([^,()]+?)\s*,\s*(\d+)\s*(?::\s*(\d+))?\s*\)$")
_LAG_DOT = re.compile(r"^L(\d+)\.(.+)$")


@dataclass(frozen=True)
class Term:
    """One regressor: the column ``variable`` lagged ``lag`` periods.

    Parameters
    ----------
    variable : str
        Column of the data.
    lag : int
        Lag order (0 = current period).
    """

    variable: str
    lag: int

    @property
    def name(self) -> str:
        """``x`` for lag 0, ``Lk.x`` otherwise (the name in ``params``)."""
        return self.variable if self.lag == 0 else f"L{self.lag}.{self.variable}"


def parse_formula(formula: str) -> tuple[str, list[Term]]:
    """Split ``"y ~ x + L(z, 0:1) + L2.q"`` into the outcome and its regressor terms.

    Parameters
    ----------
    formula : str
        ``outcome ~ term + term + ...`` with the term syntax of this module's docstring.

    Returns
    -------
    outcome : str
    terms : list of Term
        In formula order, lags of one call in increasing order, duplicates removed.
    """
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise DataError(f"formula must read 'outcome ~ term + ...'; got {formula!r}")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not lhs:
        raise DataError(f"formula {formula!r} has no outcome left of '~'")
    terms: list[Term] = []
    for raw in (t.strip() for t in rhs.split("+")):
        if raw == "":
            raise DataError(f"formula {formula!r} has an empty term; write 'y ~ x1 + x2'")
        call, dot = _LAG_CALL.match(raw), _LAG_DOT.match(raw)
        if call:
            var, a = call.group(1).strip(), int(call.group(2))
            b = int(call.group(3)) if call.group(3) is not None else a
            if b < a:
                raise DataError(f"term {raw!r}: lag range {a}:{b} is empty; write L(x, low:high) with low <= high")
            new = [Term(var, k) for k in range(a, b + 1)]
        elif dot:
            new = [Term(dot.group(2).strip(), int(dot.group(1)))]
        else:
            new = [Term(raw, 0)]
        terms += [t for t in new if t not in terms]
    if any(t.variable == lhs for t in terms):
        raise DataError(f"the outcome {lhs!r} appears on the right of the formula; its lags are set by lags=, "
                        "not by formula terms")
    return lhs, terms


@dataclass(frozen=True)
class PanelGrid:
    """Columns of a long panel laid out as (entity, period) arrays, missing cells NaN.

    Parameters
    ----------
    entities : Index
        Sorted distinct entities (array axis 0).
    periods : Index
        Sorted distinct periods (array axis 1); consecutive by construction of :func:`panel_grid`.
    values : dict of str to ndarray
        Each requested column as an (N, T) float array.
    observed : ndarray of bool
        (N, T): True where the entity has a row in that period.
    """

    entities: pd.Index
    periods: pd.Index
    values: dict
    observed: np.ndarray


def _check_consecutive(periods: pd.Index, time: str) -> None:
    if pd.api.types.is_integer_dtype(periods) or (pd.api.types.is_float_dtype(periods)
                                                  and np.all(np.mod(periods.to_numpy(), 1) == 0)):
        steps = np.diff(periods.to_numpy())
        if len(steps) and not np.all(steps == 1):
            missing = sorted(set(range(int(periods[0]), int(periods[-1]) + 1)) - set(periods.astype(int)))
            raise PanelError(f"no row of the data has period(s) {preview(missing)} of {time!r}, so lags across them "
                             "are undefined; recode the periods as consecutive integers or drop the periods "
                             "around the hole")


def panel_grid(data: pd.DataFrame, entity: str, time: str, columns: list[str]) -> PanelGrid:
    """Lay ``columns`` of a long panel out on the (entity, period) grid, refusing gaps inside an entity.

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per (entity, period); not modified.
    entity, time : str
        The entity and period columns. Integer periods must be consecutive over the panel.
    columns : list of str
        Columns to lay out (all must be numeric, without missing values).

    Returns
    -------
    PanelGrid
    """
    need = [entity, time, *columns]
    for col in (entity, time):
        if col not in data.columns:
            raise PanelError(f"panel column {col!r} not in the data; columns are {preview(list(data.columns))}")
    absent = [c for c in dict.fromkeys(need) if c not in data.columns]
    if absent:
        raise DataError(f"column(s) {preview(absent)} not in the data; columns are {preview(list(data.columns))}")
    frame = data[list(dict.fromkeys(need))]
    if frame[[entity, time]].isna().any().any():
        raise PanelError(f"missing values in the {entity!r}/{time!r} columns; every row needs both")
    dup = frame.duplicated([entity, time])
    if dup.any():
        pairs = list(frame.loc[dup, [entity, time]].itertuples(index=False, name=None))
        raise PanelError(f"duplicated ({entity}, {time}) rows: {preview(pairs)}; keep one row per entity and period")
    for c in columns:
        col = frame[c]
        if not pd.api.types.is_numeric_dtype(col):
            raise DataError(f"column {c!r} is not numeric (dtype {col.dtype}); convert it before estimation")
        bad = frame.loc[~np.isfinite(col.to_numpy(dtype=float)), [entity, time]]
        if len(bad):
            raise DataError(f"column {c!r} has missing or non-finite values at ({entity}, {time}) "
                            f"{preview(list(bad.itertuples(index=False, name=None)))}; drop or fill those rows")
    entities = pd.Index(sorted(frame[entity].unique()))
    periods = pd.Index(sorted(frame[time].unique()))
    _check_consecutive(periods, time)
    ei = entities.get_indexer(frame[entity])
    ti = periods.get_indexer(frame[time])
    observed = np.zeros((len(entities), len(periods)), dtype=bool)
    observed[ei, ti] = True
    first = observed.argmax(axis=1)
    last = len(periods) - 1 - observed[:, ::-1].argmax(axis=1)
    gaps = [(entities[i], list(periods[first[i]:last[i] + 1][~observed[i, first[i]:last[i] + 1]]))
            for i in range(len(entities)) if observed[i, first[i]:last[i] + 1].sum() < last[i] - first[i] + 1]
    if gaps:
        shown = "; ".join(f"{preview([e])} lacks {preview(p, 4)}" for e, p in gaps[:5])
        raise PanelError(f"gaps in the {time!r} index of {len(gaps)} {entity!r} value(s): {shown}. Lags across a gap "
                         "are undefined: fill the missing periods or drop/split those entities")
    values = {}
    for c in columns:
        arr = np.full(observed.shape, np.nan)
        arr[ei, ti] = frame[c].to_numpy(dtype=float)
        values[c] = arr
    return PanelGrid(entities, periods, values, observed)


def lag(arr: np.ndarray, k: int) -> np.ndarray:
    """The k-th lag along the period axis of an (N, T) array, NaN where it falls before the first period.

    Parameters
    ----------
    arr : ndarray
        (N, T) array.
    k : int
        Lag order >= 0.

    Returns
    -------
    ndarray
        ``out[:, t] = arr[:, t - k]``.
    """
    out = np.full(arr.shape, np.nan)
    if k < arr.shape[1]:
        out[:, k:] = arr[:, :arr.shape[1] - k]
    return out


def difference(arr: np.ndarray) -> np.ndarray:
    """First difference along the period axis, NaN in the first period: ``arr[:, t] - arr[:, t - 1]``.

    Parameters
    ----------
    arr : ndarray
        (N, T) array.

    Returns
    -------
    ndarray
    """
    return arr - lag(arr, 1)
