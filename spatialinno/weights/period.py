"""Time-varying spatial weights: one :class:`~spatialinno.weights.Weights` per period.

Economic-distance weights built from each year's GDP per capita, or contiguity before and after a boundary
change, differ by period. A :class:`PeriodWeights` holds them keyed by period (the values of a panel's time
column); each period's weights may cover a different set of regions (unbalanced panels), but all share one
normalisation so that spatial parameters mean the same thing in every period.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from types import MappingProxyType

import pandas as pd

from ..errors import PeriodWeightsError, preview
from .weights import Weights

__all__ = ["PeriodWeights", "by_period"]


class PeriodWeights:
    """Spatial weights that vary by period, ``pw[period] -> Weights``.

    Immutable: built once from a mapping, with read-only properties. Iterating yields the periods (sorted when
    they can be compared, else in the order given); ``len(pw)`` is the number of periods.

    Parameters
    ----------
    weights : mapping
        ``{period: Weights}``, at least one period; every Weights with the same ``normalization``.

    Raises
    ------
    PeriodWeightsError
        Empty mapping, a value that is not a :class:`~spatialinno.weights.Weights` (naming its period), or
        mixed normalisations (naming each period's).
    """

    __slots__ = ("_weights", "_periods", "_ids", "_normalization")

    def __init__(self, weights: Mapping[Hashable, Weights]) -> None:
        if not isinstance(weights, Mapping) or not weights:
            raise PeriodWeightsError("by_period needs a non-empty mapping {period: Weights}")
        wrong = [f"{p!r} ({type(w).__name__})" for p, w in weights.items() if not isinstance(w, Weights)]
        if wrong:
            raise PeriodWeightsError(f"values must be spatialinno Weights; not for periods {', '.join(wrong)}. Convert "
                                     f"libpysal objects with si.Weights.from_W / from_graph")
        norms = {p: w.normalization for p, w in weights.items()}
        if len(set(norms.values())) > 1:
            shown = ", ".join(f"{p!r}: {n}" for p, n in norms.items())
            raise PeriodWeightsError(f"every period's weights must have the same normalization; got {shown}. "
                                     f"Use w.normalize(kind) on each to make them agree")
        try:
            periods = sorted(weights)  # type: ignore[type-var]  # mixed types fall back below
        except TypeError:
            periods = list(weights)
        self._periods = pd.Index(periods, name="period")
        self._weights = MappingProxyType({p: weights[p] for p in periods})
        ids: dict[Hashable, None] = {}
        for p in periods:
            ids.update(dict.fromkeys(weights[p].ids))
        self._ids = pd.Index(list(ids), name="id")
        self._normalization = next(iter(norms.values()))

    @property
    def periods(self) -> pd.Index:
        """The periods, in order."""
        return self._periods

    @property
    def ids(self) -> pd.Index:
        """Union of the regions of all periods (in order of first appearance over the ordered periods)."""
        return self._ids

    @property
    def normalization(self) -> str:
        """The normalisation shared by every period's weights."""
        return self._normalization

    @property
    def n_by_period(self) -> pd.Series:
        """Number of regions in each period's weights."""
        return pd.Series([w.n for w in self._weights.values()], index=self._periods, name="n")

    def describe(self) -> str:
        """One line: the first period's description and the number of periods and regions.

        Returns
        -------
        str
        """
        first = self._weights[self._periods[0]].describe()
        return f"{first}, one matrix per period ({len(self)} periods, {len(self._ids)} regions in all)"

    def __getitem__(self, period: Hashable) -> Weights:
        if period not in self._weights:
            raise PeriodWeightsError(f"no weights for period {period!r}; periods are {preview(list(self._periods))}")
        return self._weights[period]

    def __contains__(self, period: object) -> bool:
        return period in self._weights

    def __len__(self) -> int:
        return len(self._weights)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._weights)

    def items(self) -> Iterator[tuple[Hashable, Weights]]:
        """(period, Weights) pairs in period order.

        Returns
        -------
        iterator of (period, Weights)
        """
        return iter(self._weights.items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PeriodWeights):
            return NotImplemented
        return list(self._periods) == list(other.periods) and all(self[p] == other[p] for p in self._periods)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        keys = list(self._weights)
        first, last = keys[0], keys[-1]
        return (f"<PeriodWeights {len(self)} periods ({first!r} .. {last!r}), {len(self._ids)} ids, "
                f"{self._normalization}-normalised>")


def by_period(weights: Mapping[Hashable, Weights]) -> PeriodWeights:
    """Time-varying weights from ``{period: Weights, ...}``.

    Parameters
    ----------
    weights : mapping
        One :class:`~spatialinno.weights.Weights` per period (the values of the panel's time column); the
        regions may differ between periods, the normalisation may not.

    Returns
    -------
    PeriodWeights
        ``pw[period]`` gives that period's Weights; ``pw.periods``, ``pw.ids`` (union), ``len(pw)``.

    Examples
    --------
    >>> import numpy as np
    >>> w1 = Weights(np.array([[0, 1], [1, 0]]), ["a", "b"])
    >>> w2 = Weights(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]]), ["a", "b", "c"])
    >>> pw = by_period({2011: w2, 2010: w1})
    >>> list(pw), list(pw.ids), pw[2011].n
    ([2010, 2011], ['a', 'b', 'c'], 3)
    """
    return PeriodWeights(weights)
