"""Economic-distance and nested economic-geographic weights.

- Economic distance (e.g. Lin, Long & Wu 2005 style): w_ij = 1 / |v_i - v_j| for i != j, where v is
  a per-region level such as mean GDP per capita over the sample period.
- Nested: W = phi * W_geo + (1 - phi) * W_econ on the same ids, each component as normalised by
  its builder, then the result normalised again.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import cast

import numpy as np
import pandas as pd

from ..errors import DataError, IdError, SpatialInnoError, mismatch, preview
from .period import PeriodWeights
from .weights import Weights


def economic_distance(values: pd.Series, normalize: str = "row", by_period: bool = False) -> Weights | PeriodWeights:
    """Economic-distance weights ``w_ij = 1 / |v_i - v_j|`` (i != j) from ``values`` indexed by region id.

    Parameters
    ----------
    values : pd.Series
        One numeric value per region (e.g. mean GDP per capita), indexed by region id; with
        ``by_period=True`` indexed by (id, period), one value per region and period.
    normalize : str
        ``"row"`` (default), ``"spectral"``, ``"minmax"`` or ``"none"`` (see :mod:`spatialinno.weights.normalize`).
    by_period : bool
        Build one matrix per period (see :func:`economic_distance_by_period`). A W built from a regressor of
        the model is endogenous; the static W from sample means is the conventional choice.

    Returns
    -------
    Weights or PeriodWeights
        Dense inverse-difference weights with zero diagonal, normalised by ``normalize`` (one per period with
        ``by_period=True``).

    Raises
    ------
    SpatialInnoError
        For a non-Series or NaN/infinite values; :class:`~spatialinno.errors.DataError` for two regions with equal
        values (1/0: refused, naming the tied pairs).
    IdError
        For duplicated ids.
    """
    if by_period:
        return economic_distance_by_period(values, normalize=normalize)
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
    zero = np.argwhere(np.triu(diff == 0))
    if len(zero):
        a, b = zero[0]
        plain = [x.item() if isinstance(x, np.generic) else x for x in ids]
        pairs = preview([(plain[i], plain[j]) for i, j in zero])
        raise DataError(f"regions {plain[a]!r} and {plain[b]!r} have equal values ({v[a]:.17g}), so 1/|v_i - v_j| is "
                        f"infinite (tied pairs: {pairs}). A tie has no finite weight, and giving the tied region all "
                        f"of the row's weight (the limit) would turn on rounding, so it is refused: use the values "
                        f"at full precision, another variable, or (time-varying W) leave that period out or use "
                        f"the static W from sample means")
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
        diff = mismatch("ids only in geo", only_g, "ids only in econ", only_e)
        raise IdError(f"nested weights need the same ids; {diff}. Build both on the same regions or use .subset(ids)")
    e = econ.subset(geo.ids, normalize=econ.normalization).sparse
    m = phi * geo.sparse + (1.0 - phi) * e
    return Weights(m, geo.ids, normalization=normalize, kind=f"nested (phi={phi:g}: {geo.kind} + {econ.kind})")


def economic_distance_by_period(values: pd.Series, normalize: str = "row") -> PeriodWeights:
    """Economic-distance weights per period: ``w_ij(t) = 1/|v_it - v_jt|`` (i != j) among the regions of period t.

    Parameters
    ----------
    values : pandas.Series
        Indexed by a 2-level MultiIndex (id, period), e.g. ``panel.set_index(["code", "year"])["pgdp"]``;
        a period may lack some regions (unbalanced panel) but needs at least two.
    normalize : str
        Normalisation of every period's matrix (``"row"``: each row of each period sums to 1).

    Returns
    -------
    PeriodWeights
        ``pw[t]`` is ``economic_distance(values for period t, normalize)``.

    Raises
    ------
    SpatialInnoError
        ``values`` is not a Series with a 2-level index; IdError: a duplicated (id, period); DataError: NaN or
        infinite values (naming the (id, period) pairs), a period with fewer than two regions, or two regions
        with equal values in a period.
    """
    if not isinstance(values, pd.Series) or values.index.nlevels != 2:
        raise SpatialInnoError("economic_distance(..., by_period=True) needs a Series indexed by (id, period), "
                               "e.g. panel.set_index(['code', 'year'])['pgdp']")
    idx = values.index
    if idx.has_duplicates:
        raise IdError(f"values has duplicated (id, period) pairs: {preview(list(idx[idx.duplicated()].unique()))}")
    v = pd.to_numeric(values, errors="coerce").astype(float)
    bad = ~np.isfinite(v.to_numpy())
    if bad.any():
        raise DataError(f"values are NaN or infinite for (id, period) {preview(list(idx[bad]))}; fill them or "
                        f"drop those rows first")
    periods = idx.get_level_values(1)
    out: dict[Hashable, Weights] = {}
    for period in pd.unique(periods):
        sub = v[periods == period].droplevel(1)
        if len(sub) < 2:
            raise DataError(f"period {period!r} has only {len(sub)} region ({preview(list(sub.index))}); economic "
                            f"distance needs at least two regions per period")
        sub.name = values.name
        try:
            out[period] = cast(Weights, economic_distance(sub, normalize=normalize))
        except SpatialInnoError as exc:
            raise type(exc)(f"period {period!r}: {exc}") from exc
    return PeriodWeights(out)
