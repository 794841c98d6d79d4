"""si.plot.explore / explore_results: offline HTML (Leaflet inlined, no remote script or stylesheet, no tiles
unless asked) holding the region ids and values; region-specific effects checked against a dense S_k."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno import plot as splot
from spatialinno.datasets import load_demo_panel, load_provinces

pytest.importorskip("folium")

REMOTE = re.compile(r"<(?:script|link|img)\b[^>]*(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def prov():
    g = load_provinces()
    y = pd.Series(g["capital_lat"].to_numpy(), index=g["code"].to_numpy(), name="lat")
    return g, y


def _features(html: str) -> list[dict]:
    """The GeoJSON features folium embeds: the argument of every ``geo_json_<id>_add(...)`` call."""
    out = []
    dec = json.JSONDecoder()
    for m in re.finditer(r"geo_json_\w+_add\(", html):
        obj, _ = dec.raw_decode(html, m.end())
        if isinstance(obj, dict):
            out += obj.get("features", [])
    return out


def test_offline_html_with_ids_and_values(prov, tmp_path):
    g, y = prov
    path = tmp_path / "m.html"
    splot.explore(g, y, id="code", path=path)
    html = path.read_text(encoding="utf-8")
    assert not REMOTE.search(html), REMOTE.search(html).group(0)
    assert "tile.openstreetmap" not in html and "tileLayer(" not in html.replace("L.tileLayer = ", "")
    assert "L.geoJson" in html or "L.geoJSON" in html
    assert "Leaflet 1.9.3" in html or "version = \"1.9.3\"" in html or '"1.9.3"' in html  # inlined library
    feats = [f for f in _features(html) if "id" in f["properties"]]
    got = {int(f["properties"]["id"]): float(f["properties"]["lat"]) for f in feats}
    assert set(got) == set(y.index)
    for code, v in y.items():
        assert got[code] == pytest.approx(v, rel=1e-5)
    assert "No data (Taiwan, Hong Kong, Macao)" in html


def test_remote_check_can_fail_and_tiles_on_request(prov, tmp_path):
    g, y = prov
    folium = pytest.importorskip("folium")
    plain = folium.Map(location=[30, 110], zoom_start=4)
    plain.save(str(tmp_path / "plain.html"))
    assert REMOTE.search((tmp_path / "plain.html").read_text(encoding="utf-8"))  # folium's default: CDN scripts
    m = splot.explore(g, y, id="code", tiles="OpenStreetMap", path=tmp_path / "tiles.html")
    html = (tmp_path / "tiles.html").read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" in html and not REMOTE.search(html)
    assert m is not None


def test_lisa_clusters(prov, tmp_path):
    g, y = prov
    w = si.weights.contiguity(g, id="code", islands="nearest", normalize="row")
    lm = si.diagnostics.local_moran(y, w, permutations=99, seed=2)
    splot.explore(g, lm, id="code", path=tmp_path / "lisa.html")
    html = (tmp_path / "lisa.html").read_text(encoding="utf-8")
    feats = {int(f["properties"]["id"]): f["properties"] for f in _features(html) if "id" in f["properties"]}
    names = {"HH": "High-High", "LL": "Low-Low", "LH": "Low-High", "HL": "High-Low", "ns": "Not significant"}
    for code, c in lm["cluster"].astype(str).items():
        assert feats[code]["cluster"] == names.get(c, c)
    with pytest.raises(si.SpatialInnoError):
        splot.explore(g, lm.drop(columns="cluster"), id="code")


def test_explore_results_effects_match_dense_formula(prov, tmp_path):
    g, _ = prov
    df = load_demo_panel()
    w = si.weights.contiguity(g, id="code", islands="nearest", normalize="row")
    fit = si.models.sdm("innov ~ agglom + rd", df[df.year == 2020], w, id="code")
    # S = (I - rho W)^-1 (b I + t W), dense, from the textbook formula
    W = w.sparse.toarray()
    n = W.shape[0]
    b, t, rho = fit.params["agglom"], fit.params["W_agglom"], fit.params["rho"]
    S = np.linalg.solve(np.eye(n) - rho * W, b * np.eye(n) + t * W)
    want = {"direct": np.diag(S), "total": S.sum(axis=1), "indirect": S.sum(axis=1) - np.diag(S)}
    for effect, values in want.items():
        path = tmp_path / f"{effect}.html"
        splot.explore_results(fit, "effects", variable="agglom", effect=effect, path=path)
        feats = {int(f["properties"]["id"]): f["properties"] for f in _features(path.read_text(encoding="utf-8"))
                 if "id" in f["properties"]}
        got = np.array([float(feats[c][f"{effect} effect of agglom"]) for c in w.ids])
        np.testing.assert_allclose(got, values, rtol=1e-5)
        # averaged over regions: the summary effect of res.impacts()
        summary = fit.impacts(method="delta").loc[("agglom", effect), "estimate"]
        assert np.mean(values) == pytest.approx(summary, rel=1e-6)
    path = tmp_path / "spill.html"
    splot.explore_results(fit, "spillover", variable="agglom", source=440000, path=path)
    feats = {int(f["properties"]["id"]): f["properties"] for f in _features(path.read_text(encoding="utf-8"))
             if "id" in f["properties"]}
    j = list(w.ids).index(440000)
    got = np.array([float(feats[c]["spillover of agglom from 440000"]) for c in w.ids])
    np.testing.assert_allclose(got, S[:, j], rtol=1e-5)
    splot.explore_results(fit, "residuals", path=tmp_path / "resid.html")
    with pytest.raises(si.SpatialInnoError, match="kind"):
        splot.explore_results(fit, "nonsense")
