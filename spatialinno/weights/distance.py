"""Distance-based weights on great-circle kilometres.

d_ij is the haversine distance between region points (equal-area centroids by default, or
given lon/lat columns), whatever the input CRS.

- inverse distance: w_ij = d_ij^-power for i != j (and d_ij < cutoff_km if given);
- distance band: w_ij = 1 (binary) or d_ij^-power (inverse) for lower_km <= d_ij < upper_km;
- k nearest neighbours: w_ij = 1 for the k regions closest to i (not symmetric in general).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from ..constants import DENSE_DISTANCE_MAX
from ..errors import IslandError, SpatialInnoError
from .geometry import check_distinct, chord_to_km, great_circle_km, km_to_chord, lonlat_points, region_ids, unit_vectors
from .validation import warn_islands
from .weights import Weights


def _check_power(power: float) -> None:
    if not np.isfinite(power) or power <= 0:
        raise SpatialInnoError(f"power must be a positive number (got {power}); use e.g. power=1 or power=2")


def _pairs_within(lonlat: np.ndarray, upper_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, d_ij km) for i != j with d_ij < upper_km."""
    n = len(lonlat)
    if n <= DENSE_DISTANCE_MAX:
        d = great_circle_km(lonlat)
        np.fill_diagonal(d, np.inf)
        i, j = np.nonzero(d < upper_km)
        return i, j, d[i, j]
    tree = cKDTree(unit_vectors(lonlat))
    pairs = tree.query_pairs(km_to_chord(upper_km), output_type="ndarray")
    i = np.concatenate([pairs[:, 0], pairs[:, 1]])
    j = np.concatenate([pairs[:, 1], pairs[:, 0]])
    u = unit_vectors(lonlat)
    d = chord_to_km(np.linalg.norm(u[i] - u[j], axis=1))
    keep = d < upper_km
    return i[keep], j[keep], d[keep]


def _build(ids, i, j, vals, normalize: str, kind: str, meta: dict | None = None) -> Weights:
    n = len(ids)
    m = sp.csr_matrix((vals, (i, j)), shape=(n, n))
    return Weights(m, ids, normalization=normalize, kind=kind, meta=meta)


def inverse_distance(gdf, id: Hashable | None = None, power: float = 1.0, cutoff_km: float | None = None,
                     points="centroid", normalize: str = "row") -> Weights:
    """Inverse-distance weights ``w_ij = d_ij^-power`` on great-circle km, optionally only for d_ij < cutoff_km.

    Distances are great-circle (haversine) km between the regions' points (:func:`great_circle_km`).

    Parameters
    ----------
    gdf : GeoDataFrame or pd.DataFrame
        One row per region (a plain DataFrame only with ``points=(lon_col, lat_col)``); not modified.
    id : hashable, optional
        Column holding the region ids; None uses the index.
    power : float
        Positive exponent of the distance decay.
    cutoff_km : float, optional
        Keep only pairs closer than this (km). Without it W is dense, refused above
        :data:`spatialinno.constants.DENSE_DISTANCE_MAX` regions.
    points : "centroid" or (str, str)
        Location of each region: equal-area centroids, or a (lon_col, lat_col) pair of columns in degrees.
    normalize : str
        ``"row"`` (default), ``"spectral"``, ``"minmax"`` or ``"none"`` (see :mod:`spatialinno.weights.normalize`).

    Returns
    -------
    Weights
        Raw weights ``d_ij^-power`` (zero diagonal), normalised by ``normalize``.

    Raises
    ------
    SpatialInnoError
        For a non-positive ``power`` or ``cutoff_km``, or no cutoff on a large map.
    IslandError
        If no pair of regions is closer than ``cutoff_km``.

    Warns
    -----
    SpatialInnoWarning
        When the cutoff leaves some regions without neighbours (their count and ids).
    GeometryError
        If two regions sit at the same point.
    """
    _check_power(power)
    ids = region_ids(gdf, id)
    ll = lonlat_points(gdf, ids, points)
    check_distinct(ll, ids)
    if cutoff_km is None:
        if len(ids) > DENSE_DISTANCE_MAX:
            raise SpatialInnoError(f"an inverse-distance W without cutoff on {len(ids)} regions is dense; "
                                   f"give cutoff_km")
        i, j, d = _pairs_within(ll, np.inf)
    else:
        if cutoff_km <= 0:
            raise SpatialInnoError(f"cutoff_km must be positive (got {cutoff_km})")
        i, j, d = _pairs_within(ll, cutoff_km)
        if len(i) == 0:
            smallest = np.sort(great_circle_km(ll[:2000]).ravel())[min(len(ids), 2000)]
            raise IslandError(f"no pair of regions is closer than cutoff_km={cutoff_km}: every region would be an "
                              f"island; raise the cutoff (smallest distance is {smallest:.0f} km or more)")
    kind = f"inverse distance (power {power:g}" + (f", cutoff {cutoff_km:g} km)" if cutoff_km else ")")
    w = _build(ids, i, j, d ** -power, normalize, kind, {"points": points, "power": power, "cutoff_km": cutoff_km})
    if cutoff_km is not None:
        warn_islands(w.islands, w.n, f"inverse_distance(cutoff_km={cutoff_km:g})")
    return w


def distance_band(gdf, id: Hashable | None = None, lower_km: float = 0.0, upper_km: float = np.inf,
                  weight: str = "binary", power: float = 1.0, points="centroid", normalize: str = "row") -> Weights:
    """Band weights for ``lower_km <= d_ij < upper_km``: binary, or inverse distance ``d_ij^-power``.

    Parameters
    ----------
    gdf : GeoDataFrame or pd.DataFrame
        One row per region (a plain DataFrame only with ``points=(lon_col, lat_col)``); not modified.
    id : hashable, optional
        Column holding the region ids; None uses the index.
    lower_km, upper_km : float
        The band in great-circle km, ``0 <= lower_km < upper_km``.
    weight : str
        ``"binary"`` (w_ij = 1 in the band) or ``"inverse"`` (w_ij = d_ij^-power in the band).
    power : float
        Positive exponent for ``weight="inverse"``.
    points : "centroid" or (str, str)
        Location of each region: equal-area centroids, or a (lon_col, lat_col) pair of columns in degrees.
    normalize : str
        ``"row"`` (default), ``"spectral"``, ``"minmax"`` or ``"none"`` (see :mod:`spatialinno.weights.normalize`).

    Returns
    -------
    Weights
        Weights linking the pairs in the band (regions without such a pair are islands).

    Raises
    ------
    SpatialInnoError
        For an invalid band, ``weight`` or ``power``.
    IslandError
        If no pair of regions lies in the band.

    Warns
    -----
    SpatialInnoWarning
        When the band leaves some regions without neighbours (their count and ids).
    """
    if weight not in ("binary", "inverse"):
        raise SpatialInnoError(f"weight must be 'binary' or 'inverse' (got {weight!r})")
    _check_power(power)
    if not (0 <= lower_km < upper_km):
        raise SpatialInnoError(f"need 0 <= lower_km < upper_km (got {lower_km}, {upper_km})")
    ids = region_ids(gdf, id)
    ll = lonlat_points(gdf, ids, points)
    if weight == "inverse":
        check_distinct(ll, ids)
    i, j, d = _pairs_within(ll, upper_km)
    keep = d >= lower_km
    i, j, d = i[keep], j[keep], d[keep]
    if len(i) == 0:
        raise IslandError(f"no pair of regions lies in [{lower_km:g}, {upper_km:g}) km: every region would be an "
                          f"island; widen the band")
    vals = np.ones_like(d) if weight == "binary" else d ** -power
    kind = f"distance band [{lower_km:g}, {upper_km:g}) km, {weight}"
    w = _build(ids, i, j, vals, normalize, kind, {"lower_km": lower_km, "upper_km": upper_km, "weight": weight})
    warn_islands(w.islands, w.n, f"distance_band(lower_km={lower_km:g}, upper_km={upper_km:g})")
    return w


def knn(gdf, id: Hashable | None = None, k: int = 4, points="centroid", normalize: str = "row") -> Weights:
    """k-nearest-neighbour weights on great-circle distance (``w_ij = 1`` for the k closest j).

    Parameters
    ----------
    gdf : GeoDataFrame or pd.DataFrame
        One row per region (a plain DataFrame only with ``points=(lon_col, lat_col)``); not modified.
    id : hashable, optional
        Column holding the region ids; None uses the index.
    k : int
        Number of neighbours, ``1 <= k < n``.
    points : "centroid" or (str, str)
        Location of each region: equal-area centroids, or a (lon_col, lat_col) pair of columns in degrees.
    normalize : str
        ``"row"`` (default), ``"spectral"``, ``"minmax"`` or ``"none"`` (see :mod:`spatialinno.weights.normalize`).

    Returns
    -------
    Weights
        Binary k-nearest-neighbour weights before normalisation (not symmetric in general).

    Raises
    ------
    SpatialInnoError
        If ``k`` is not an integer in ``[1, n)``.
    """
    ids = region_ids(gdf, id)
    n = len(ids)
    if int(k) != k or k < 1 or k >= n:
        raise SpatialInnoError(f"k must be an integer with 1 <= k < n = {n} (got {k})")
    ll = lonlat_points(gdf, ids, points)
    u = unit_vectors(ll)
    _, nn = cKDTree(u).query(u, k=k + 1)
    i = np.repeat(np.arange(n), k + 1)
    j = nn.ravel()
    keep = i != j
    i, j = i[keep], j[keep]
    # with coincident points the query may return i itself beyond position 0: keep k per row
    rows = np.split(j, np.cumsum(np.bincount(i, minlength=n))[:-1])
    jj = np.concatenate([r[:k] for r in rows])
    ii = np.repeat(np.arange(n), k)
    return _build(ids, ii, jj, np.ones(len(ii)), normalize, f"{k}-nearest neighbours", {"k": k})

