"""Weights builders on the real province map, normalisations, conversions and bad input."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from shapely.geometry import Point, Polygon, box

import spatialinno as si
from spatialinno.errors import GeometryError, IdError, IslandError

BORDERS = pd.read_csv(__import__("pathlib").Path(__file__).parents[1] / "fixtures" / "province_borders.csv")


def haversine_km(lon1, lat1, lon2, lat2, r=6371.0088):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def pairs(w: si.Weights) -> set:
    c = w.raw.tocoo()
    return {(min(w.ids[i], w.ids[j]), max(w.ids[i], w.ids[j])) for i, j in zip(c.row, c.col, strict=True)}


def test_queen_contiguity_equals_true_borders(provinces):
    w = si.weights.contiguity(provinces, id="code", islands="keep")
    truth = {(min(a, b), max(a, b)) for a, b in zip(BORDERS.code_a, BORDERS.code_b, strict=True)}
    assert len(truth) == 68
    assert pairs(w) == truth
    assert list(w.islands) == [460000]
    assert w.is_symmetric


def test_hainan_linked_to_guangdong(provinces):
    w = si.weights.contiguity(provinces, id="code", islands="nearest")
    assert list(w.neighbors(460000).index) == [440000]
    assert 460000 in w.neighbors(440000).index
    assert w.meta["island_links"] == [(460000, 440000)]
    assert len(w.islands) == 0
    with pytest.raises(IslandError, match="460000"):
        si.weights.contiguity(provinces, id="code", islands="error")


def test_rook_is_subset_of_queen(provinces):
    q = si.weights.contiguity(provinces, id="code", islands="keep")
    r = si.weights.contiguity(provinces, id="code", rule="rook", islands="keep")
    assert pairs(r) <= pairs(q)


def test_inverse_distance_matches_haversine(provinces):
    w = si.weights.inverse_distance(provinces, id="code", points=("capital_lon", "capital_lat"), normalize="none")
    p = provinces.set_index("code")
    for a, b, approx in [(110000, 310000, 1068), (440000, 510000, None), (650000, 230000, None)]:
        d = haversine_km(p.loc[a, "capital_lon"], p.loc[a, "capital_lat"], p.loc[b, "capital_lon"],
                         p.loc[b, "capital_lat"])
        got = 1.0 / w.neighbors(a)[b]
        assert abs(got / d - 1) < 0.005
        if approx:
            assert abs(got / approx - 1) < 0.005
    w2 = si.weights.inverse_distance(provinces, id="code", power=2, points=("capital_lon", "capital_lat"),
                                     normalize="none")
    assert abs(w2.neighbors(110000)[310000] - w.neighbors(110000)[310000] ** 2) < 1e-15


def test_distance_in_projected_crs_is_still_great_circle(provinces):
    a = si.weights.inverse_distance(provinces, id="code", normalize="none")
    b = si.weights.inverse_distance(provinces.to_crs(3857), id="code", normalize="none")
    assert np.allclose(a.sparse.toarray(), b.sparse.toarray(), rtol=1e-6)


def test_cutoff_and_bands(provinces):
    w = si.weights.inverse_distance(provinces, id="code", cutoff_km=800, normalize="none")
    assert np.all(1.0 / w.sparse.data < 800)
    band = si.weights.distance_band(provinces, id="code", lower_km=500, upper_km=1000)
    full = si.weights.inverse_distance(provinces, id="code", normalize="none")
    d = 1.0 / full.sparse.toarray()
    np.fill_diagonal(d, np.inf)
    expected = (d >= 500) & (d < 1000)
    assert np.array_equal(band.raw.toarray() > 0, expected)
    with pytest.raises(IslandError, match="every region"):
        si.weights.inverse_distance(provinces, id="code", cutoff_km=1)


def test_knn(provinces):
    w = si.weights.knn(provinces, id="code", k=4)
    assert (w.cardinalities == 4).all()
    with pytest.raises(si.SpatialInnoError, match="k must"):
        si.weights.knn(provinces, id="code", k=31)


@pytest.mark.parametrize("kind", ["row", "spectral", "minmax", "none"])
def test_normalisations(provinces, kind):
    w = si.weights.inverse_distance(provinces, id="code", normalize=kind)
    W = w.sparse.toarray()
    if kind == "row":
        assert np.allclose(W.sum(axis=1), 1.0)
    if kind == "spectral":
        assert abs(np.max(np.abs(np.linalg.eigvals(W))) - 1) < 1e-10
    if kind == "minmax":
        assert abs(min(W.sum(axis=1).max(), W.sum(axis=0).max()) - 1) < 1e-12
    assert w.normalization == kind


def test_row_normalised_islands_stay_zero(provinces):
    w = si.weights.contiguity(provinces, id="code", islands="keep")
    rs = np.asarray(w.sparse.sum(axis=1)).ravel()
    isl = w.ids.get_indexer(w.islands)
    assert np.allclose(np.delete(rs, isl), 1.0) and np.all(rs[isl] == 0)


def test_subset_east_belt(provinces):
    w = si.weights.contiguity(provinces, id="code", islands="keep")
    east = provinces.loc[provinces.region == "east", "code"]
    s = w.subset(east)
    assert s.n == 11 and list(s.ids) == list(east)
    full = w.raw.toarray()
    pos = w.ids.get_indexer(east)
    assert np.array_equal(s.raw.toarray(), full[np.ix_(pos, pos)])
    assert np.allclose(s.sparse.sum(axis=1)[np.asarray(s.raw.sum(axis=1)).ravel() > 0], 1.0)


def test_economic_and_nested(provinces):
    v = pd.Series(np.linspace(1, 3, 31) ** 2, index=provinces.code, name="pgdp")
    e = si.weights.economic_distance(v, normalize="none")
    assert abs(e.neighbors(provinces.code[0])[provinces.code[1]] - 1 / abs(v.iloc[0] - v.iloc[1])) < 1e-12
    g = si.weights.contiguity(provinces, id="code")
    n = si.weights.nested(g, si.weights.economic_distance(v), phi=0.3)
    expected = 0.3 * g.sparse.toarray() + 0.7 * si.weights.economic_distance(v).sparse.toarray()
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(n.sparse.toarray(), expected)
    with pytest.raises(si.SpatialInnoError, match="NaN"):
        si.weights.economic_distance(v.where(v.index != 110000))
    with pytest.raises(si.SpatialInnoError, match=r"110000.*120000|120000.*110000"):
        si.weights.economic_distance(v.where(v.index != 120000, v[110000]))
    with pytest.raises(IdError, match="same ids"):
        si.weights.nested(g.subset(g.ids[:20]), si.weights.economic_distance(v))


def test_round_trips_with_libpysal(provinces):
    w = si.weights.inverse_distance(provinces, id="code", cutoff_km=1200)
    for back in (si.Weights.from_graph(w.to_graph()), si.Weights.from_W(w.to_W())):
        assert back.ids.equals(w.ids)
        assert np.allclose(back.sparse.toarray(), w.sparse.toarray())
        assert back.normalization == "row"
    m = sp.random(5, 5, density=0.5, random_state=1, format="csr")
    m.setdiag(0)
    f = si.Weights.from_sparse(m, list("abcde"))
    assert f.normalization == "none" and list(f.ids) == list("abcde")


def test_summary_and_immutability(provinces):
    w = si.weights.contiguity(provinces, id="code")
    s = w.summary()
    assert s["n"] == 31 and s["links"] == 138 and s["islands"] == [] and s["symmetric"]
    assert s["added_links"] == [(460000, 440000)]
    with pytest.raises(ValueError):
        w.sparse.data[0] = 5.0


def test_bad_input(provinces):
    dup = provinces.copy()
    dup.loc[1, "code"] = dup.loc[0, "code"]
    with pytest.raises(IdError, match="duplicated"):
        si.weights.contiguity(dup, id="code")
    miss = provinces.copy()
    miss["code"] = miss["code"].astype("float").where(miss.index != 3)
    with pytest.raises(IdError, match="missing"):
        si.weights.knn(miss, id="code")
    with pytest.raises(IdError, match="nosuch"):
        si.weights.knn(provinces, id="nosuch")
    empty = provinces.copy()
    empty.loc[2, "geometry"] = Polygon()
    with pytest.raises(GeometryError, match="empty.*130000"):
        si.weights.contiguity(empty, id="code")
    bow = provinces.copy()
    bow.loc[4, "geometry"] = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    with pytest.raises(GeometryError, match="invalid.*150000"):
        si.weights.contiguity(bow, id="code")
    pts = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, geometry=[Point(100, 30), Point(100, 30), Point(101, 31)],
                           crs=4326)
    with pytest.raises(GeometryError, match=r"'a'.*'b'"):
        si.weights.inverse_distance(pts, id="id")
    for power in (0, -1):
        with pytest.raises(si.SpatialInnoError, match="power"):
            si.weights.inverse_distance(provinces, id="code", power=power)
    nocrs = gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)])
    with pytest.raises(GeometryError, match="no CRS"):
        si.weights.contiguity(nocrs, id="id")
    wrong = nocrs.set_crs(3857)
    with pytest.raises(GeometryError, match="look like degrees"):
        si.weights.inverse_distance(wrong, id="id")


def test_builders_do_not_mutate_input(provinces):
    before = provinces.copy()
    si.weights.contiguity(provinces, id="code")
    si.weights.inverse_distance(provinces, id="code", cutoff_km=900)
    si.weights.distance_band(provinces, id="code", upper_km=900)
    si.weights.knn(provinces, id="code", k=3)
    si.weights.inverse_distance(provinces.to_crs(3857), id="code")
    pd.testing.assert_frame_equal(before.drop(columns="geometry"), provinces.drop(columns="geometry"))
    assert before.geometry.geom_equals(provinces.geometry).all() and before.crs == provinces.crs


def test_round_trips_through_libpysal_are_equal_and_labelled():
    """Weights -> W/Graph -> Weights compares equal (tolerance for rounding), and to_W() labels row weights 'R'."""
    gdf = si.datasets.load_provinces()
    for w in (si.weights.contiguity(gdf, id="code", islands="nearest"),
              si.weights.inverse_distance(gdf, id="code", power=2.0),
              si.weights.contiguity(gdf, id="code", islands="nearest", normalize="none")):
        assert si.Weights.from_graph(w.to_graph()) == w
        assert si.Weights.from_W(w.to_W()) == w
        assert w.to_W().transform == ("R" if w.normalization == "row" else "O")
    binary = si.weights.contiguity(gdf, id="code", islands="nearest", normalize="none")
    m = binary.sparse.copy()
    m.data[0] *= 1 + 1e-9
    assert si.Weights.from_sparse(m, binary.ids) != binary  # a real difference is not hidden by the tolerance
