"""Input checks for the weights builders: region ids, geometries, CRS and points.

Nothing here modifies the caller's (Geo)DataFrame.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from ..errors import GeometryError, IdError, preview

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def region_ids(df: pd.DataFrame, id: Hashable | None) -> pd.Index:
    """The ids of ``df``: column ``id`` or (``id=None``) the index; checked for gaps and duplicates."""
    if id is None:
        ids = pd.Index(df.index)
        where = "index"
    else:
        if id not in df.columns:
            raise IdError(f"id column {id!r} not found; columns are {preview(df.columns)}")
        ids = pd.Index(df[id].to_numpy(), name=id)
        where = f"column {id!r}"
    if ids.hasnans:
        raise IdError(f"the id {where} has missing values at rows {preview(np.flatnonzero(ids.isna()))}; give every region an id")
    if ids.has_duplicates:
        raise IdError(f"the id {where} has duplicated values: {preview(ids[ids.duplicated()].unique())}; ids must be unique")
    return ids


def check_geometries(gdf, ids: pd.Index) -> None:
    """Error naming the ids whose geometry is missing, empty or invalid."""
    if not hasattr(gdf, "geometry"):
        raise GeometryError("expected a GeoDataFrame with a geometry column")
    geom = gdf.geometry
    missing = geom.isna().to_numpy()
    empty = np.zeros(len(geom), bool)
    invalid = np.zeros(len(geom), bool)
    ok = ~missing
    empty[ok] = geom[ok].is_empty.to_numpy()
    ok &= ~empty
    invalid[ok] = ~geom[ok].is_valid.to_numpy()
    for mask, what, fix in ((missing, "missing", "drop those rows or supply geometries"),
                            (empty, "empty", "drop those rows or supply geometries"),
                            (invalid, "invalid", "repair them, e.g. gdf.geometry.make_valid()")):
        if mask.any():
            raise GeometryError(f"{what} geometries for ids {preview(ids[mask])}; {fix}")


def _looks_like_degrees(gdf) -> bool:
    xmin, ymin, xmax, ymax = gdf.total_bounds
    return -180.5 <= xmin and xmax <= 180.5 and -90.5 <= ymin and ymax <= 90.5


def to_geographic(gdf):
    """The GeoDataFrame in EPSG:4326 (lon/lat degrees); errors for a missing or implausible CRS."""
    if gdf.crs is None:
        raise GeometryError("the GeoDataFrame has no CRS; set it first, e.g. gdf.set_crs(4326) for lon/lat degrees")
    if gdf.crs.is_projected and _looks_like_degrees(gdf) and (gdf.total_bounds[2] - gdf.total_bounds[0]) < 361:
        # metres in a projected CRS span far more than 361 units for any multi-region map
        span = max(gdf.total_bounds[2] - gdf.total_bounds[0], gdf.total_bounds[3] - gdf.total_bounds[1])
        if span < 200:
            raise GeometryError(
                f"coordinates look like degrees (bounds {np.round(gdf.total_bounds, 3).tolist()}) but the CRS "
                f"{gdf.crs.name!r} is projected (metres); set the right CRS, e.g. gdf.set_crs(4326, allow_override=True)")
    return gdf if gdf.crs.equals("EPSG:4326") else gdf.to_crs(4326)


def equal_area_crs(geo_gdf) -> str:
    """Lambert azimuthal equal-area CRS centred on the layer (input in EPSG:4326)."""
    xmin, ymin, xmax, ymax = geo_gdf.total_bounds
    return f"+proj=laea +lat_0={(ymin + ymax) / 2:.6f} +lon_0={(xmin + xmax) / 2:.6f} +datum=WGS84 +units=m +no_defs"


def lonlat_points(gdf, ids: pd.Index, points: str | tuple[str, str] = "centroid") -> np.ndarray:
    """(n, 2) lon/lat degrees of each region: equal-area centroids or two named columns."""
    if isinstance(points, tuple | list):
        if len(points) != 2:
            raise GeometryError("points must be 'centroid' or a (lon_col, lat_col) pair")
        for c in points:
            if c not in gdf.columns:
                raise IdError(f"points column {c!r} not found; columns are {preview(gdf.columns)}")
        xy = gdf[list(points)].to_numpy(dtype=float)
        if not np.isfinite(xy).all():
            bad = ids[~np.isfinite(xy).all(axis=1)]
            raise GeometryError(f"missing coordinates in {points} for ids {preview(bad)}")
        if (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
            raise GeometryError(f"columns {points} must be longitude/latitude in degrees; got values outside [-180, 180] x [-90, 90]")
        return xy
    if points != "centroid":
        raise GeometryError(f"points must be 'centroid' or a (lon_col, lat_col) pair, got {points!r}")
    check_geometries(gdf, ids)
    geo = to_geographic(gdf)
    cent = geo.geometry.to_crs(equal_area_crs(geo)).centroid.to_crs(4326)
    return np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])


def unit_vectors(lonlat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere; chord distance is monotone in great-circle distance."""
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))


def km_to_chord(km: float) -> float:
    return float(2.0 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2.0))


def great_circle_km(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Haversine distances in km between lon/lat rows of ``a`` and ``b`` (default ``a``)."""
    b = a if b is None else b
    lon1, lat1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
    lon2, lat2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def check_distinct(lonlat: np.ndarray, ids: pd.Index) -> None:
    """Error naming two regions that sit at the same point."""
    key = pd.DataFrame(np.round(lonlat, 9)).duplicated(keep=False).to_numpy()
    if key.any():
        dup = pd.DataFrame(np.round(lonlat, 9), index=ids)[key]
        first = dup.groupby([0, 1]).groups
        pair = next(iter(first.values()))
        raise GeometryError(
            f"regions {preview(list(pair))} are at the same point, so their distance is zero and inverse-distance "
            f"weights are undefined; drop or merge duplicates, or use other points")
