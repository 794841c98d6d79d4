"""Tests for the bundled China boundary maps (spatialinno.datasets.maps).

Adjacency is computed here directly with shapely (not with spatialinno.weights)
and compared with ``fixtures/province_borders.csv``, a list of the 68 land
borders between the 31 provinces written from geographic knowledge,
independently of the shapefile.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from spatialinno.datasets import load_prefectures, load_provinces, maps

FIXTURE = Path(__file__).parent / "fixtures" / "province_borders.csv"

PROVINCE_COLUMNS = ["code", "name", "name_zh", "region", "capital_lon", "capital_lat", "geometry"]
PREFECTURE_COLUMNS = [
    "code",
    "name",
    "name_zh",
    "region",
    "capital_lon",
    "capital_lat",
    "province_code",
    "geometry",
]


@pytest.fixture(scope="module")
def provinces():
    return load_provinces()


@pytest.fixture(scope="module")
def prefectures():
    return load_prefectures()


@pytest.fixture(scope="module")
def borders():
    return pd.read_csv(FIXTURE)


def queen_pairs(gdf) -> set[tuple[int, int]]:
    """Pairs of codes whose closed polygons share at least one point."""
    geoms = np.asarray(gdf.geometry.values)
    codes = gdf["code"].to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    return {
        (int(min(codes[i], codes[j])), int(max(codes[i], codes[j])))
        for i, j in zip(left, right, strict=True)
        if i != j
    }


def haversine_km(lon1, lat1, lon2, lat2, radius=6371.0088):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


# ---------------------------------------------------------------- provinces
def test_provinces_structure(provinces):
    gdf = provinces
    assert len(gdf) == 31
    assert list(gdf.columns) == PROVINCE_COLUMNS
    assert gdf["code"].dtype == np.int64
    assert gdf["capital_lon"].dtype == np.float64
    assert gdf["capital_lat"].dtype == np.float64
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
    assert gdf["code"].is_monotonic_increasing and gdf["code"].is_unique
    assert isinstance(gdf.index, pd.RangeIndex) and gdf.index.start == 0 and gdf.index.step == 1
    assert gdf.geometry.name == "geometry"
    # Taiwan, Hong Kong, Macao excluded
    assert not set(gdf["code"]) & {710000, 810000, 820000}
    assert (gdf["code"] % 10000 == 0).all()


def test_provinces_names(provinces):
    by_code = provinces.set_index("code")
    assert by_code.loc[110000, "name"] == "Beijing"
    assert by_code.loc[150000, "name"] == "Inner Mongolia"
    assert by_code.loc[540000, "name"] == "Tibet"
    assert by_code.loc[610000, "name"] == "Shaanxi"
    assert by_code.loc[140000, "name"] == "Shanxi"
    assert by_code.loc[440000, "name_zh"] == "广东省"
    assert by_code.loc[650000, "name_zh"] == "新疆维吾尔自治区"
    assert provinces["name"].is_unique and provinces["name_zh"].is_unique


def test_regions(provinces):
    counts = provinces["region"].value_counts().to_dict()
    assert counts == {"east": 11, "central": 8, "west": 12}
    region = provinces.set_index("name")["region"]
    assert set(region[region == "central"].index) == {
        "Shanxi", "Jilin", "Heilongjiang", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan",
    }
    assert set(region[region == "east"].index) == {
        "Beijing", "Tianjin", "Hebei", "Liaoning", "Shanghai", "Jiangsu", "Zhejiang",
        "Fujian", "Shandong", "Guangdong", "Hainan",
    }


@pytest.mark.parametrize("loader", [load_provinces, load_prefectures])
def test_geometries_valid(loader):
    gdf = loader()
    geoms = np.asarray(gdf.geometry.values)
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    # a clean coverage: no overlaps between units
    assert shapely.coverage_is_valid(geoms)
    minx, miny, maxx, maxy = gdf.total_bounds
    assert 73 < minx and maxx < 136 and 3 < miny and maxy < 54


def test_fixture_is_well_formed(borders, provinces):
    assert list(borders.columns) == ["code_a", "code_b", "name_a", "name_b"]
    assert len(borders) == 68
    assert (borders["code_a"] < borders["code_b"]).all()
    assert not borders.duplicated(["code_a", "code_b"]).any()
    names = provinces.set_index("code")["name"]
    assert (borders["name_a"] == names.loc[borders["code_a"]].to_numpy()).all()
    assert (borders["name_b"] == names.loc[borders["code_b"]].to_numpy()).all()


def test_queen_adjacency_matches_known_borders(provinces, borders):
    truth = set(zip(borders["code_a"].astype(int), borders["code_b"].astype(int), strict=True))
    computed = queen_pairs(provinces)
    assert computed == truth, (
        f"extra in map: {sorted(computed - truth)}; missing in map: {sorted(truth - computed)}"
    )
    assert len(computed) == 68
    # Hainan is an island: no land neighbour
    assert not [p for p in computed if 460000 in p]
    # spot checks
    assert (150000, 230000) in computed  # Inner Mongolia - Heilongjiang
    assert sum(150000 in p for p in computed) == 8
    assert {p for p in computed if 310000 in p} == {(310000, 320000), (310000, 330000)}


def test_capital_distance_beijing_shanghai(provinces):
    by_name = provinces.set_index("name")
    bj, sh = by_name.loc["Beijing"], by_name.loc["Shanghai"]
    d = haversine_km(bj.capital_lon, bj.capital_lat, sh.capital_lon, sh.capital_lat)
    assert d == pytest.approx(1068.0, rel=0.005)


def test_capitals_inside_province(provinces):
    for row in provinces.itertuples():
        pt = shapely.Point(row.capital_lon, row.capital_lat)
        # 0.05 deg slack: GCJ-02 offset and simplification of the polygons
        assert row.geometry.distance(pt) < 0.05, row.name


def test_file_sizes():
    folder = maps.shapefile_dir()
    for stem, limit in [("china_provinces", 1_000_000), ("china_prefectures", 5_000_000)]:
        files = [folder / f"{stem}{ext}" for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
        assert all(f.is_file() for f in files), stem
        assert sum(f.stat().st_size for f in files) < limit, stem
        assert (folder / f"{stem}.cpg").read_text().strip().upper() == "UTF-8"


def test_returns_fresh_copy():
    a = load_provinces()
    a.loc[0, "name"] = "changed"
    a["extra"] = 1
    b = load_provinces()
    assert b.loc[0, "name"] == "Beijing"
    assert "extra" not in b.columns


def test_missing_shapefiles_raise(monkeypatch, tmp_path):
    fake = tmp_path / "a" / "b" / "datasets" / "maps.py"
    monkeypatch.setattr(maps, "__file__", str(fake))
    with pytest.raises(FileNotFoundError, match="shapefiles"):
        maps.load_provinces()


# -------------------------------------------------------------- prefectures
def test_prefectures_structure(prefectures, provinces):
    gdf = prefectures
    assert len(gdf) >= 300
    assert list(gdf.columns) == PREFECTURE_COLUMNS
    assert gdf["code"].dtype == np.int64
    assert gdf["province_code"].dtype == np.int64
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
    assert gdf["code"].is_monotonic_increasing and gdf["code"].is_unique
    assert isinstance(gdf.index, pd.RangeIndex) and gdf.index.start == 0
    assert set(gdf["province_code"]) == set(provinces["code"])
    assert (gdf["code"] // 10000 * 10000 == gdf["province_code"]).all()
    assert not set(gdf["code"]) & set(provinces["code"])
    region = provinces.set_index("code")["region"]
    assert (gdf["region"].to_numpy() == region.loc[gdf["province_code"]].to_numpy()).all()
    assert gdf["name"].notna().all() and (gdf["name"].str.len() > 0).all()
    assert gdf["name_zh"].notna().all()
    # municipalities are single units
    for pc in (110000, 120000, 310000, 500000):
        assert (gdf["province_code"] == pc).sum() == 1
    by_code = gdf.set_index("code")
    assert by_code.loc[440300, "name"] == "Shenzhen"
    assert by_code.loc[222400, "name_zh"] == "延边朝鲜族自治州"
    # 337 prefecture-level units + 30 province-administered county-level units
    direct = gdf["code"] // 100 % 100 == 90
    assert (~direct).sum() == 337


def test_prefectures_inside_their_province(prefectures, provinces):
    prov_geom = provinces.set_index("code").geometry
    for row in prefectures.itertuples():
        g = row.geometry
        share = shapely.intersection(g, prov_geom[row.province_code]).area / g.area
        # the two layers are simplified independently; archipelagos (Sansha,
        # Zhoushan) have the lowest shares, around 0.94
        assert share > 0.9, (row.code, share)


def test_prefecture_representative_points_inside(prefectures):
    for row in prefectures.itertuples():
        pt = shapely.Point(row.capital_lon, row.capital_lat)
        assert row.geometry.distance(pt) < 0.02, row.code


def test_prefecture_adjacency_consistent_with_provinces(prefectures, borders):
    """Cross-province prefecture contacts reproduce exactly the province borders."""
    prov_of = dict(zip(prefectures["code"], prefectures["province_code"], strict=True))
    pairs = queen_pairs(prefectures)
    cross = {
        (min(prov_of[a], prov_of[b]), max(prov_of[a], prov_of[b]))
        for a, b in pairs
        if prov_of[a] != prov_of[b]
    }
    truth = set(zip(borders["code_a"].astype(int), borders["code_b"].astype(int), strict=True))
    assert cross == truth
    # every unit except island-only ones has a neighbour
    codes_with_nb = {c for p in pairs for c in p}
    isolated = set(prefectures["code"]) - codes_with_nb
    assert isolated <= {460300}  # Sansha (South China Sea islands)
