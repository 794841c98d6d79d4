"""Exceptions raised by spatialinno.

Every error is a :class:`SpatialInnoError` (itself a ``ValueError``) whose message
names the offending ids or columns and says how to fix the input.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class SpatialInnoError(ValueError):
    """Base class of every error spatialinno raises on bad input or failed estimation (a ``ValueError``).

    Parameters
    ----------
    message : str
        What is wrong, naming the offending ids, columns or values, and how to fix the input.
    """


class IdError(SpatialInnoError):
    """Ids are missing, duplicated, or do not match between data and weights.

    Parameters
    ----------
    message : str
        What is wrong, naming the offending ids, columns or values, and how to fix the input.
    """


class GeometryError(SpatialInnoError):
    """Geometries are empty, invalid, coincide, or have an unusable CRS.

    Parameters
    ----------
    message : str
        What is wrong, naming the offending ids, columns or values, and how to fix the input.
    """


class IslandError(SpatialInnoError):
    """A region has no neighbour where the caller asked for none to be allowed.

    Parameters
    ----------
    message : str
        What is wrong, naming the offending ids, columns or values, and how to fix the input.
    """


class DataError(SpatialInnoError):
    """Values are missing, non-finite, constant, collinear or otherwise unusable.

    Parameters
    ----------
    message : str
        What is wrong, naming the offending ids, columns or values, and how to fix the input.
    """


class PanelError(SpatialInnoError):
    """A panel is unbalanced, has duplicated (entity, time) rows, or mismatched ids.

    Parameters
    ----------
    message : str
        What is wrong, naming the offending ids, columns or values, and how to fix the input.
    """


class IdentificationError(SpatialInnoError):
    """Instruments do not identify the model: too few, collinear with the regressors, or an order condition fails."""


class EstimationError(SpatialInnoError):
    """The optimiser failed or an estimate lies on the bound of the parameter space.

    Parameters
    ----------
    message : str
        What is wrong, naming the offending ids, columns or values, and how to fix the input.
    """


class SplitCodeError(IdError):
    """A region code whose unit was split (or a later unit that covers several earlier ones) needs a split rule."""


class MergedCodeError(PanelError):
    """Harmonising codes made several rows share one (code, period) and no aggregation rule was given."""


class ReadError(DataError):
    """A data file has an unknown extension or cannot be decoded or parsed."""


class NameMatchError(IdError):
    """Region names could not be matched (uniquely) to the codes of a map."""


class PeriodWeightsError(SpatialInnoError):
    """Weights given per period are inconsistent (mixed normalisations, not Weights) or a period is missing."""


class ComparisonError(SpatialInnoError):
    """Two fits cannot be compared: different outcome, observations, ids, periods, weights or effects, or not nested."""


class SpatialInnoWarning(UserWarning):
    """An estimate is valid only approximately (e.g. Lee-Yu time effects with islands in W).

    Parameters
    ----------
    message : str
        What is approximate and why.
    """


def plain(value):
    """``value`` with numpy scalars (also inside tuples) turned into Python ones, so messages print ``130000``.

    Parameters
    ----------
    value : object
        An id, column name or value to show in a message.

    Returns
    -------
    object
        ``value.item()`` for a numpy scalar, a tuple of plain values for a tuple, else ``value``.
    """
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def preview(items: Iterable, limit: int = 8) -> str:
    """Short printable list of offending items: ``a, b, c, ... (12 in all)``.

    Parameters
    ----------
    items : iterable
        The offending ids, columns or values.
    limit : int
        Largest number of items shown.

    Returns
    -------
    str
        The first ``limit`` items (strings quoted, numpy scalars shown as plain numbers), comma-separated,
        with the total count when cut; ``"(none)"`` for no items.
    """
    items = [plain(i) for i in items]
    shown = ", ".join(repr(i) if isinstance(i, str) else str(i) for i in items[:limit])
    if not items:
        shown = "(none)"
    if len(items) > limit:
        shown += f", ... ({len(items)} in all)"
    return shown


def mismatch(left: str, left_only, right: str, right_only, limit: int = 8) -> str:
    """Describe two sets of ids that should be equal: ``"N <left>: a, b; M <right>: c"``.

    Parameters
    ----------
    left : str
        Description of the first set's extra ids (e.g. ``"in the data only"``).
    left_only : sized iterable
        Ids only in the first set.
    right : str
        Description of the second set's extra ids.
    right_only : sized iterable
        Ids only in the second set.
    limit : int
        Largest number of ids shown per side.

    Returns
    -------
    str
        The non-empty parts joined by ``"; "`` (``""`` when both are empty).
    """
    parts = [f"{len(items)} {where}: {preview(list(items), limit)}"
             for where, items in ((left, left_only), (right, right_only)) if len(items)]
    return "; ".join(parts)


class SpecificationError(SpatialInnoError):
    """A model name, parameter set or option is unknown, incomplete or out of range (e.g. SDM without rho)."""
