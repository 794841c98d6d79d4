"""Exceptions raised by spatialinno.

Every error is a :class:`SpatialInnoError` (itself a ``ValueError``) whose message
names the offending ids or columns and says how to fix the input.
"""

from __future__ import annotations

from collections.abc import Iterable


class SpatialInnoError(ValueError):
    """Base class of every error spatialinno raises on bad input or failed estimation."""


class IdError(SpatialInnoError):
    """Ids are missing, duplicated, or do not match between data and weights."""


class GeometryError(SpatialInnoError):
    """Geometries are empty, invalid, coincide, or have an unusable CRS."""


class IslandError(SpatialInnoError):
    """A region has no neighbour where the caller asked for none to be allowed."""


class DataError(SpatialInnoError):
    """Values are missing, non-finite, constant, collinear or otherwise unusable."""


class PanelError(SpatialInnoError):
    """A panel is unbalanced, has duplicated (entity, time) rows, or mismatched ids."""


class EstimationError(SpatialInnoError):
    """The optimiser failed or an estimate lies on the bound of the parameter space."""


class SpatialInnoWarning(UserWarning):
    """An estimate is valid only approximately (e.g. Lee-Yu time effects with islands in W)."""


def preview(items: Iterable, limit: int = 8) -> str:
    """Short printable list of offending items: ``a, b, c, ... (12 in all)``."""
    items = list(items)
    shown = ", ".join(repr(i) if isinstance(i, str) else str(i) for i in items[:limit])
    if len(items) > limit:
        shown += f", ... ({len(items)} in all)"
    return shown


def mismatch(left: str, left_only, right: str, right_only, limit: int = 8) -> str:
    """``"N in <left> only: a, b; M in <right> only: c"`` for two sets of ids that should be equal ("" if equal)."""
    parts = [f"{len(items)} {where}: {preview(list(items), limit)}"
             for where, items in ((left, left_only), (right, right_only)) if len(items)]
    return "; ".join(parts)


class SpecificationError(SpatialInnoError):
    """A model name, parameter set or option is unknown, incomplete or out of range (e.g. SDM without rho)."""
