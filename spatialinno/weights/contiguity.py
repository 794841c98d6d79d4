"""Contiguity weights (queen: any shared boundary point; rook: a shared boundary of positive length).

Islands (regions with no contiguous neighbour, e.g. Hainan among China's 31 provinces) follow an
explicit policy: ``"nearest"`` links each island, symmetrically, to the region at the smallest
boundary-to-boundary distance (measured in an equal-area projection) and records the added links
in ``meta["island_links"]``; ``"keep"`` leaves them without neighbours; ``"error"`` refuses them.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import scipy.sparse as sp
import shapely

from ..errors import IslandError, SpatialInnoError, preview
from .geometry import check_geometries, equal_area_crs, region_ids, to_geographic
from .weights import Weights

#: tolerance (in the units of an equal-area projection: metres) for a rook shared edge
_ROOK_MIN_LENGTH_M = 1.0


def contiguity(gdf, id: Hashable | None = None, rule: str = "queen", islands: str = "nearest",
               normalize: str = "row") -> Weights:
    """Queen or rook contiguity weights, binary before normalisation.

    Two regions are queen neighbours when their geometries intersect (share a point), rook neighbours
    when their shared boundary is longer than 1 m in a Lambert equal-area projection of the layer.

    Parameters
    ----------
    gdf : GeoDataFrame
        Regions with polygon geometries and a CRS; not modified.
    id : hashable, optional
        Column holding the region ids; None uses the index.
    rule : str
        ``"queen"`` or ``"rook"``.
    islands : str
        Regions without a contiguous neighbour: ``"nearest"`` links each to its nearest region
        (recorded in ``w.meta["island_links"]`` and ``w.meta["island_link_km"]``), ``"keep"`` leaves
        them as islands, ``"error"`` raises :class:`IslandError`.
    normalize : str
        ``"row"`` (default), ``"spectral"``, ``"minmax"`` or ``"none"`` (see :mod:`spatialinno.weights.normalize`).

    Returns
    -------
    Weights
        Symmetric binary contiguity weights, normalised by ``normalize``.

    Raises
    ------
    SpatialInnoError
        For an unknown ``rule`` or ``islands``.
    GeometryError
        For missing, empty or invalid geometries or an unusable CRS.
    IslandError
        With ``islands="error"`` when a region has no contiguous neighbour.
    """
    if rule not in ("queen", "rook"):
        raise SpatialInnoError(f"rule must be 'queen' or 'rook' (got {rule!r})")
    if islands not in ("nearest", "keep", "error"):
        raise SpatialInnoError(f"islands must be 'nearest', 'keep' or 'error' (got {islands!r})")
    ids = region_ids(gdf, id)
    check_geometries(gdf, ids)
    geo = to_geographic(gdf)
    geoms = geo.geometry.to_crs(equal_area_crs(geo)).to_numpy()
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    if rule == "rook" and len(i):
        shared = shapely.intersection(shapely.boundary(geoms[i]), shapely.boundary(geoms[j]))
        keep = shapely.length(shared) > _ROOK_MIN_LENGTH_M
        i, j = i[keep], j[keep]
    n = len(ids)
    links = np.zeros(n, int)
    np.add.at(links, i, 1)
    np.add.at(links, j, 1)
    isl = np.flatnonzero(links == 0)
    added: list[tuple] = []
    if len(isl) and islands == "error":
        raise IslandError(f"regions without a contiguous neighbour: {preview(ids[isl])}; use islands='nearest' to link "
                          f"each to its nearest region, or islands='keep'")
    if len(isl) and islands == "nearest":
        if n < 2:
            raise IslandError("a single region cannot be linked to a nearest neighbour")
        ii, jj = list(i), list(j)
        for a in isl:
            d = shapely.distance(geoms[a], geoms)
            d[a] = np.inf
            b = int(np.argmin(d))
            ii.append(min(a, b))
            jj.append(max(a, b))
            added.append((ids[a], ids[b], float(d[b] / 1000.0)))
        i, j = np.array(ii), np.array(jj)
    pairs = np.unique(np.column_stack([i, j]), axis=0) if len(i) else np.zeros((0, 2), int)
    r = np.concatenate([pairs[:, 0], pairs[:, 1]])
    c = np.concatenate([pairs[:, 1], pairs[:, 0]])
    m = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    meta = {"rule": rule, "islands": islands,
            "island_links": [(a, b) for a, b, _ in added],
            "island_link_km": {(a, b): km for a, b, km in added}}
    kind = f"{rule} contiguity" + (f" (+{len(added)} island link{'s' * (len(added) > 1)})" if added else "")
    return Weights(m, ids, normalization=normalize, kind=kind, meta=meta)
