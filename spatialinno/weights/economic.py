"""Economic-distance and nested economic-geographic weights.

- Economic distance (e.g. Lin, Long & Wu 2005 style): w_ij = 1 / |v_i - v_j| for i != j, where v is
  a per-region level such as mean GDP per capita over the sample period.
- Nested: W = phi * W_geo + (1 - phi) * W_econ on the same ids, each component as normalised by
  its builder, then the result normalised again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import IdError, SpatialInnoError, preview
from .weights import Weights


def economic_distance(values: pd.Series, normalize: str = "row") -> Weights:
    """Economic-distance weights ``w_ij = 1 / |v_i - v_j|`` (i != j) from ``values`` indexed by region id.

    Parameters
    ----------
    values : pd.Series
        One numeric value per region (e.g. mean GDP per capita), indexed by region id.
    normalize : str
        ``"row"`` (default), ``"spectral"``, ``"minmax"`` or ``"none"`` (see :mod:`spatialinno.weights.normalize`).

    Returns
    -------
    Weights
        Dense inverse-difference weights with zero diagonal, normalised by ``normalize``.

    Raises
    ------
    SpatialInnoError
        For a non-Series, NaN/infinite values, or two regions with equal values.
    IdError
        For duplicated ids.
    """
    if not isinstance(values, pd.Series):
        raise SpatialInnoError("values must be a pandas Series indexed by region id (e.g. mean GDP per capita)")
    ids = pd.Index(values.index)
    if ids.has_duplicates:
        raise IdError(f"values has duplicated ids: {preview(ids[ids.duplicated()].unique())}")
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(v)
    if bad.any():
        raise SpatialInnoError(f"values are NaN or infinite for ids {preview(ids[bad])}; fill or drop them first")
    diff = np.abs(v[:, None] - v[None, :])
    np.fill_diagonal(diff, np.inf)
    zero = np.argwhere(diff == 0)
    if len(zero):
        a, b = zero[0]
        raise SpatialInnoError(f"regions {ids[a]!r} and {ids[b]!r} have equal values ({v[a]:g}), so 1/|v_i - v_j| is "
                               f"infinite; perturb, merge, or use another variable")
    w = 1.0 / diff
    name = values.name if values.name is not None else "values"
    return Weights(w, ids, normalization=normalize, kind=f"economic distance ({name})")


def nested(geo: Weights, econ: Weights, phi: float = 0.5, normalize: str = "row") -> Weights:
    """Nested weights ``phi * geo + (1 - phi) * econ`` on the same ids (aligned by id).

    Both parts enter as normalised (``geo.sparse``, ``econ.sparse`` reordered to ``geo.ids``); the
    sum is normalised again by ``normalize``.

    Parameters
    ----------
    geo : Weights
        Geographic weights.
    econ : Weights
        Economic weights on the same set of ids.
    phi : float
        Weight of the geographic part, in [0, 1].
    normalize : str
        ``"row"`` (default), ``"spectral"``, ``"minmax"`` or ``"none"`` (see :mod:`spatialinno.weights.normalize`).

    Returns
    -------
    Weights
        The combined weights, in ``geo.ids`` order.

    Raises
    ------
    SpatialInnoError
        If ``phi`` is outside [0, 1].
    IdError
        If the two weights have different ids.
    """
    if not 0.0 <= phi <= 1.0:
        raise SpatialInnoError(f"phi must be in [0, 1] (got {phi})")
    if set(geo.ids) != set(econ.ids):
        only_g = geo.ids.difference(econ.ids)
        only_e = econ.ids.difference(geo.ids)
        raise IdError(f"nested weights need the same ids; only in geo: {preview(only_g)}; only in econ: "
                      f"{preview(only_e)}. Build both on the same regions or use .subset(ids)")
    e = econ.subset(geo.ids, normalize=econ.normalization).sparse
    m = phi * geo.sparse + (1.0 - phi) * e
    return Weights(m, geo.ids, normalization=normalize, kind=f"nested (phi={phi:g}: {geo.kind} + {econ.kind})")
