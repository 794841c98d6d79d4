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
    """The ids of ``df``: column ``id`` or (``id=None``) the index, checked for gaps and duplicates.

    Parameters
    ----------
    df : pd.DataFrame or GeoDataFrame
        The regions, one per row.
    id : hashable or None
        Column holding the ids; None uses the index.

    Returns
    -------
    pd.Index
        One id per row, in row order (named ``id`` when taken from a column).

    Raises
    ------
    IdError
        If the column is missing, or ids are missing or duplicated.
    """
    if id is None:
        ids = pd.Index(df.index)
        where = "index"
    else:
        if id not in df.columns:
            raise IdError(f"id column {id!r} not found; columns are {preview(df.columns)}")
        ids = pd.Index(df[id].to_numpy(), name=id)
        where = f"column {id!r}"
    if ids.hasnans:
        raise IdError(f"the id {where} has missing values at rows {preview(np.flatnonzero(ids.isna()))}; "
                      f"give every region an id")
    if ids.has_duplicates:
        raise IdError(f"the id {where} has duplicated values: {preview(ids[ids.duplicated()].unique())}; "
                      f"ids must be unique")
    return ids


def check_geometries(gdf, ids: pd.Index) -> None:
    """Raise an error naming the ids whose geometry is missing, empty or invalid.

    Parameters
    ----------
    gdf : GeoDataFrame
        The regions.
    ids : pd.Index
        Their ids, in row order (from :func:`region_ids`).

    Returns
    -------
    None
        Returns only when every geometry is present, non-empty and valid.

    Raises
    ------
    GeometryError
        Naming the ids with missing, empty or invalid geometries.
    """
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
    """The GeoDataFrame in EPSG:4326 (lon/lat degrees).

    Parameters
    ----------
    gdf : GeoDataFrame
        Regions with a CRS; not modified.

    Returns
    -------
    GeoDataFrame
        ``gdf`` itself when already in EPSG:4326, else a reprojected copy.

    Raises
    ------
    GeometryError
        If the CRS is missing, a projected CRS holds coordinates that look like degrees, or a geographic
        CRS (e.g. EPSG:4326) holds coordinates outside [-180, 180] x [-90, 90] (metres labelled as degrees).
    """
    if gdf.crs is None:
        raise GeometryError("the GeoDataFrame has no CRS; set it first, e.g. gdf.set_crs(4326) for lon/lat degrees")
    if gdf.crs.is_geographic and not _looks_like_degrees(gdf):
        raise GeometryError(
            f"the CRS {gdf.crs.name!r} is geographic (degrees) but the coordinates lie outside [-180, 180] x "
            f"[-90, 90] (bounds {np.round(gdf.total_bounds, 1).tolist()}): they look like projected metres; set "
            f"the CRS they were made in, e.g. gdf.set_crs(3857, allow_override=True)")
    if gdf.crs.is_projected and _looks_like_degrees(gdf) and (gdf.total_bounds[2] - gdf.total_bounds[0]) < 361:
        # metres in a projected CRS span far more than 361 units for any multi-region map
        span = max(gdf.total_bounds[2] - gdf.total_bounds[0], gdf.total_bounds[3] - gdf.total_bounds[1])
        if span < 200:
            raise GeometryError(
                f"coordinates look like degrees (bounds {np.round(gdf.total_bounds, 3).tolist()}) but the CRS "
                f"{gdf.crs.name!r} is projected (metres); set the right CRS, "
                f"e.g. gdf.set_crs(4326, allow_override=True)")
    return gdf if gdf.crs.equals("EPSG:4326") else gdf.to_crs(4326)


def equal_area_crs(geo_gdf) -> str:
    """Lambert azimuthal equal-area CRS centred on the layer.

    Parameters
    ----------
    geo_gdf : GeoDataFrame
        Regions in EPSG:4326.

    Returns
    -------
    str
        A PROJ string ``+proj=laea`` centred on the middle of the layer's bounds (WGS84, metres).
    """
    xmin, ymin, xmax, ymax = geo_gdf.total_bounds
    return f"+proj=laea +lat_0={(ymin + ymax) / 2:.6f} +lon_0={(xmin + xmax) / 2:.6f} +datum=WGS84 +units=m +no_defs"


def lonlat_points(gdf, ids: pd.Index, points: str | tuple[str, str] = "centroid") -> np.ndarray:
    """Longitude/latitude (degrees) of one point per region: equal-area centroids or two named columns.

    Parameters
    ----------
    gdf : GeoDataFrame or pd.DataFrame
        The regions (a plain DataFrame only with ``points`` naming columns).
    ids : pd.Index
        Their ids, in row order, for error messages.
    points : "centroid" or (str, str)
        ``"centroid"``: centroids computed in an equal-area projection (:func:`equal_area_crs`) and
        returned in EPSG:4326; a pair ``(lon_col, lat_col)``: columns in degrees.

    Returns
    -------
    np.ndarray
        Shape (n, 2): longitude, latitude.

    Raises
    ------
    GeometryError
        For missing or out-of-range coordinates or unusable geometries.
    IdError
        If a named column is missing.
    """
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
            raise GeometryError(f"columns {points} must be longitude/latitude in degrees; "
                                f"got values outside [-180, 180] x [-90, 90]")
        return xy
    if points != "centroid":
        raise GeometryError(f"points must be 'centroid' or a (lon_col, lat_col) pair, got {points!r}")
    check_geometries(gdf, ids)
    geo = to_geographic(gdf)
    cent = geo.geometry.to_crs(equal_area_crs(geo)).centroid.to_crs(4326)
    return np.column_stack([cent.x.to_numpy(), cent.y.to_numpy()])


def unit_vectors(lonlat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, ``(cos(lat) cos(lon), cos(lat) sin(lon), sin(lat))``.

    The chord distance between two such points is monotone in their great-circle distance, so a
    KD-tree over them finds neighbours within a great-circle radius (:func:`km_to_chord`).

    Parameters
    ----------
    lonlat : np.ndarray
        Shape (n, 2), longitude and latitude in degrees.

    Returns
    -------
    np.ndarray
        Shape (n, 3) unit vectors.
    """
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) of a chord of the unit sphere: ``d = 2 R arcsin(c / 2)``.

    Parameters
    ----------
    chord : np.ndarray
        Chord lengths between unit vectors (clipped to [0, 2]).

    Returns
    -------
    np.ndarray
        Distances in km on a sphere of radius :data:`EARTH_RADIUS_KM`.
    """
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))


def km_to_chord(km: float) -> float:
    """Chord of the unit sphere for a great-circle distance: ``c = 2 sin(min(d / R, pi) / 2)``.

    Parameters
    ----------
    km : float
        Great-circle distance in km.

    Returns
    -------
    float
        The chord length (inverse of :func:`chord_to_km`; 2 for distances beyond half the circumference).
    """
    return float(2.0 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2.0))


def great_circle_km(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Great-circle (haversine) distances in km between lon/lat rows of ``a`` and ``b``.

    ``d = 2 R arcsin(sqrt(sin^2((phi2 - phi1)/2) + cos(phi1) cos(phi2) sin^2((l2 - l1)/2)))`` with
    R = :data:`EARTH_RADIUS_KM` (IUGG mean radius, 6371.0088 km) and latitudes phi, longitudes l in
    radians (Sinnott 1984, "Virtues of the haversine", Sky & Telescope 68(2): 159).

    Parameters
    ----------
    a : np.ndarray
        Shape (n, 2), longitude and latitude in degrees.
    b : np.ndarray, optional
        Shape (m, 2); defaults to ``a``.

    Returns
    -------
    np.ndarray
        Shape (n, m) distances in km.
    """
    b = a if b is None else b
    lon1, lat1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
    lon2, lat2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def check_distinct(lonlat: np.ndarray, ids: pd.Index) -> None:
    """Raise an error naming regions that sit at the same point.

    Parameters
    ----------
    lonlat : np.ndarray
        Shape (n, 2) points in degrees (compared after rounding to 9 decimals).
    ids : pd.Index
        Region ids in the same order.

    Returns
    -------
    None
        Returns only when all points are distinct.

    Raises
    ------
    GeometryError
        Naming the first group of regions at one point.
    """
    key = pd.DataFrame(np.round(lonlat, 9)).duplicated(keep=False).to_numpy()
    if key.any():
        dup = pd.DataFrame(np.round(lonlat, 9), index=ids)[key]
        first = dup.groupby([0, 1]).groups
        pair = next(iter(first.values()))
        raise GeometryError(
            f"regions {preview(list(pair))} are at the same point, so their distance is zero and inverse-distance "
            f"weights are undefined; drop or merge duplicates, or use other points")
