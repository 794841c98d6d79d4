"""Rows with missing values: refuse them (``missing="raise"``) or drop and record them (``missing="drop"``).

Every estimator and diagnostic that takes a data frame calls :func:`handle_missing` first, with the columns it
uses: the variables named in its formula(s), the entity and time columns (panels) or the id column
(cross-sections), and any further column (e.g. a regimes column). A row is *missing* when one of these is NaN
(or None / NaT). With ``"drop"`` such rows are removed before any alignment, and:

- cross-section: a region dropped from the data is dropped from W too, ``W.subset(kept ids)`` re-normalised as
  the original W was (a row-normalised W has each remaining row rescaled to sum 1). A remaining region whose
  every neighbour was dropped becomes an island (a zero row of W: W y = 0 there); the note names such regions.
- panel: a region whose every row was dropped leaves W the same way; a region that keeps some periods stays,
  and the panel becomes unbalanced (estimators that need a balanced panel then say so).

The dropped rows' key columns are kept as ``res.dropped`` and the summary says how many rows were dropped.
Infinite values are not "missing": they still raise the estimators' own errors.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import pandas as pd

from ..errors import DataError, SpatialInnoError, preview
from ..weights import PeriodWeights, Weights
from ..weights.convert import as_weights

MISSING = ("raise", "drop")
WeightsT = TypeVar("WeightsT")

__all__ = ["MISSING", "DroppedRows", "MissingRecord", "handle_missing", "used_columns"]


@dataclass(frozen=True)
class MissingRecord:
    """What ``missing=`` did: the dropped rows' keys and a sentence for the summary.

    Parameters
    ----------
    dropped : DataFrame
        Key columns (entity and time, or the id) of the dropped rows, in the data's row order; empty when
        nothing was dropped.
    removed_regions : tuple
        Regions dropped from W because none of their rows remained.
    new_islands : tuple
        Remaining regions left without a neighbour in the restricted W.
    """

    dropped: pd.DataFrame
    removed_regions: tuple = ()
    new_islands: tuple = ()

    @property
    def note(self) -> str | None:
        """One sentence for the summary, or None when no row was dropped."""
        if self.dropped.empty:
            return None
        text = (f"missing='drop': {len(self.dropped)} row(s) with a missing value in a used column were dropped "
                f"before estimation (listed in res.dropped)")
        if self.removed_regions:
            text += (f"; {len(self.removed_regions)} region(s) left W ({preview(self.removed_regions)}), the "
                     f"remaining W re-normalised as before")
        if self.new_islands:
            text += f"; now without a neighbour (islands, zero rows of W): {preview(self.new_islands)}"
        return text + "."


class DroppedRows:
    """Mixin of result objects: ``dropped``, the rows removed by ``missing="drop"``, from a ``missing`` field."""

    missing: MissingRecord | None

    @property
    def dropped(self) -> pd.DataFrame:
        """Key columns (entity and time, or the id) of the rows dropped by ``missing="drop"`` (empty if none)."""
        return pd.DataFrame() if self.missing is None else self.missing.dropped.copy()

    def missing_notes(self) -> list[str]:
        """The summary sentence about dropped rows, as a list (empty when none were dropped).

        Returns
        -------
        list of str
        """
        note = None if self.missing is None else self.missing.note
        return [] if note is None else [note]


def used_columns(formulas: str | Iterable[str], columns: Iterable[Hashable]) -> list[Hashable]:
    """The columns of a frame that the formula(s) name.

    A column is used when its name appears in a formula as a whole name (not inside a longer name, nor after
    a dot as in ``np.log``); this covers formulaic syntax, ``[endog ~ instruments]`` blocks and ``Q("...")``.

    Parameters
    ----------
    formulas : str or iterable of str
    columns : iterable of hashable
        The frame's columns.

    Returns
    -------
    list
        The used columns, in the frame's order.
    """
    text = formulas if isinstance(formulas, str) else " ".join(formulas)
    return [c for c in columns
            if isinstance(c, str) and c and re.search(rf"(?<![\w.]){re.escape(c)}(?![\w])", text)]


def _labels(frame: pd.DataFrame, keys: list[Hashable]) -> str:
    """``id 7, 12`` or ``(code, year) (110000, 2005), ...`` for the rows of ``frame``."""
    if len(keys) == 2:
        return f"({keys[0]}, {keys[1]}) " + preview(list(frame[keys].itertuples(index=False, name=None)))
    return "id " + preview(list(frame[keys[0]] if keys else frame.index))


def _restrict(w: Any, removed: list[Hashable]) -> tuple[Any, tuple]:
    """W without the removed regions (re-normalised as it was) and the regions that became islands."""
    if w is None or not removed:
        return w, ()
    if isinstance(w, Weights):
        keep = [i for i in w.ids if i not in set(removed)]
        sub = w.subset(keep)
        return sub, tuple(sub.islands.difference(w.islands, sort=False))
    if isinstance(w, PeriodWeights):
        gone = set(removed)
        new: dict[Hashable, Weights] = {}
        islands: dict[Hashable, None] = {}
        for period, wt in w.items():
            sub = wt.subset([i for i in wt.ids if i not in gone]) if gone & set(wt.ids) else wt
            islands.update(dict.fromkeys(sub.islands.difference(wt.islands, sort=False)))
            new[period] = sub
        return PeriodWeights(new), tuple(islands)
    return w, ()


def handle_missing(data: pd.DataFrame, formulas: str | Iterable[str], w: WeightsT, *, id: Hashable | None = None,
                   entity: Hashable | None = None, time: Hashable | None = None, extra: Iterable[Hashable] = (),
                   missing: str = "raise") -> tuple[pd.DataFrame, WeightsT, MissingRecord]:
    """Apply the ``missing=`` policy before a model or diagnostic aligns the data.

    Parameters
    ----------
    data : DataFrame
        The caller's frame (never modified).
    formulas : str or iterable of str
        The formula(s) whose variables are used.
    w : Weights, PeriodWeights or None
        Restricted to the remaining regions when some regions lose all their rows.
    id, entity, time : hashable, optional
        Key columns (``id`` None: the index identifies cross-section rows).
    extra : iterable of hashable
        Further used columns (e.g. a regimes column).
    missing : {"raise", "drop"}
        ``"raise"``: a missing value raises :class:`~spatialinno.errors.DataError` naming the rows and
        columns; ``"drop"``: those rows are dropped and recorded.

    Returns
    -------
    (DataFrame, weights, MissingRecord)
        The frame to use (the caller's own object when nothing is dropped), the weights to use, the record.

    Raises
    ------
    SpatialInnoError
        ``missing`` not in ``("raise", "drop")``.
    DataError
        With ``missing="raise"``, naming each column with missing values and its rows.
    """
    if missing not in MISSING:
        raise SpatialInnoError(f"missing must be 'raise' or 'drop' (got {missing!r})")
    if not isinstance(data, pd.DataFrame):  # the caller's own check names the problem
        return data, w, MissingRecord(pd.DataFrame())
    if w is not None and not isinstance(w, (Weights, PeriodWeights)):
        w = cast(WeightsT, as_weights(w))
    keys = [k for k in ((entity, time) if entity is not None else (id,)) if k is not None and k in data.columns]
    cols = list(dict.fromkeys(keys + used_columns(formulas, data.columns) + [c for c in extra if c in data.columns]))
    empty = pd.DataFrame({k: data[k].iloc[:0] for k in keys} if keys else
                         {data.index.name or "id": data.index[:0]})
    if not cols:
        return data, w, MissingRecord(empty)
    na = data[cols].isna()
    rows = na.any(axis=1).to_numpy()
    if not rows.any():
        return data, w, MissingRecord(empty)
    if missing == "raise":
        parts = []
        for c in cols:
            bad = na[c].to_numpy()
            if bad.any():
                parts.append(f"{c!r} is missing (NaN) for {_labels(data[bad], keys)}")
        raise DataError("; ".join(parts) + ". Pass missing='drop' to drop those rows (they are listed in "
                        "res.dropped), or impute them")
    kept, gone = data.loc[~rows], data.loc[rows]
    if keys:
        dropped = gone[keys].reset_index(drop=True)
    else:
        dropped = pd.DataFrame({data.index.name or "id": gone.index.to_numpy()})
    region = entity if entity is not None else id
    if region is None:
        before, after = pd.Index(gone.index), pd.Index(kept.index)
    else:
        before, after = pd.Index(gone[region].dropna()), pd.Index(kept[region])
    removed = list(before.difference(after, sort=False).unique())
    w2, islands = _restrict(w, removed)
    return kept, w2, MissingRecord(dropped, tuple(removed), islands)
