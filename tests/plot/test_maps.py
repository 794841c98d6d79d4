"""Plots render with Agg, return Axes, accept ax=, never call plt.show(), and align by id."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from shapely.geometry import box  # noqa: E402

import spatialinno as si  # noqa: E402
from spatialinno import plot as splot  # noqa: E402
from spatialinno.diagnostics import local_getis_ord, local_moran, moran_by_period  # noqa: E402
from spatialinno.errors import IdError, SpatialInnoError  # noqa: E402
from spatialinno.plot.layout import LISA_COLORS  # noqa: E402


def _grid_map():
    """6 x 6 grid of squares plus a detached island 'I'."""
    rows = [(f"c{r}{c}", box(100 + c, 30 + r, 101 + c, 31 + r)) for r in range(6) for c in range(6)]
    rows.append(("I", box(108, 38, 108.6, 38.6)))
    return gpd.GeoDataFrame({"code": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs="EPSG:4326")


@pytest.fixture(scope="module")
def geo():
    """China provinces if the bundled data load, else a synthetic grid (both with one island)."""
    try:
        from spatialinno.datasets import load_provinces

        g = load_provinces()
        w = si.weights.contiguity(g, id="code", islands="keep")
        x = g["capital_lon"].to_numpy() / 10
    except Exception:  # pragma: no cover - datasets helper not available
        g = _grid_map()
        w = si.weights.contiguity(g, id="code", islands="keep")
        x = np.array([(int(c[1]) + int(c[2])) if c != "I" else 5 for c in g["code"]], float)
    y = pd.Series(x + np.random.default_rng(3).normal(0, 0.8, len(g)), index=g["code"].to_numpy(), name="innovation")
    return g, w, y


def _saved(ax, path):
    assert isinstance(ax, matplotlib.axes.Axes)
    ax.figure.savefig(path, dpi=60)
    assert path.exists() and path.stat().st_size > 1000


def test_moran_scatter(geo, tmp_path):
    g, w, y = geo
    ax = splot.moran_scatter(y, w)
    _saved(ax, tmp_path / "scatter.png")
    line = [l for l in ax.get_lines() if l.get_label().startswith("slope")][0]
    xd, yd = line.get_data()
    slope = (yd[1] - yd[0]) / (xd[1] - xd[0])
    assert slope == pytest.approx(si.diagnostics.moran(y, w, permutations=0).I, rel=1e-10)
    texts = {t.get_text() for t in ax.texts}
    assert {"HH", "LL", "HL", "LH"} <= texts
    fig, ax2 = plt.subplots()
    assert splot.moran_scatter(y, w, ax=ax2, annotate=[y.index[0]]) is ax2


def test_moran_by_period_plot(geo, tmp_path):
    g, w, y = geo
    rng = np.random.default_rng(0)
    wc = si.weights.contiguity(g, id="code")  # islands linked to the nearest region
    df = pd.DataFrame([(c, t, v + rng.normal(0, 0.5 + t - 2010)) for t in range(2010, 2016)
                       for c, v in y.items()], columns=["code", "year", "x"])
    tab = moran_by_period(df, "x", wc, "code", "year", permutations=0)
    ax = splot.moran_by_period(tab)
    _saved(ax, tmp_path / "by_period.png")
    assert ax.get_title() == "Moran's I by period"
    assert len(ax.collections) >= 2  # band + markers
    fig, ax2 = plt.subplots()
    assert splot.moran_by_period(tab, ax=ax2, moments="normality", alpha=0.1) is ax2
    with pytest.raises(SpatialInnoError, match="moran_by_period"):
        splot.moran_by_period(tab.drop(columns="I"))


def test_lisa_map(geo, tmp_path):
    g, w, y = geo
    lm = local_moran(y, w, permutations=99)
    ax = splot.lisa_map(g, lm, id="code")
    _saved(ax, tmp_path / "lisa.png")
    assert not ax.axison
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    counts = lm["cluster"].value_counts()
    assert f"High-High  ({counts['HH']})" in labels
    assert f"Not significant  ({counts['ns']})" in labels
    assert f"No neighbours  ({counts['island']})" in labels and counts["island"] == 1
    assert ax.get_title().startswith("LISA clusters of innovation")
    # hot spots from local G, drawn on a given Axes
    fig, ax2 = plt.subplots()
    out = splot.lisa_map(g, local_getis_ord(y - y.min(), w, star=True, permutations=99), id="code", ax=ax2)
    assert out is ax2
    assert any(t.get_text().startswith("Hot spot") for t in ax2.get_legend().get_texts())


def test_lisa_map_ids(geo):
    g, w, y = geo
    lm = local_moran(y, w, permutations=0)
    with pytest.raises(IdError, match="not on the map"):
        splot.lisa_map(g, lm.rename(index={lm.index[0]: "nowhere"}), id="code")
    # map regions missing from the result are "no data", counted in the legend
    ax = splot.lisa_map(g, lm.iloc[1:], id="code")
    assert any(t.get_text() == "No data  (1)" for t in ax.get_legend().get_texts())
    # index of the GeoDataFrame as ids
    ax = splot.lisa_map(g.set_index("code"), lm)
    assert ax.get_legend() is not None
    with pytest.raises(SpatialInnoError, match="cluster"):
        splot.lisa_map(g, lm.drop(columns="cluster"), id="code")


def test_choropleth(geo, tmp_path):
    g, w, y = geo
    ax = splot.choropleth(g, y, id="code", title="Innovation")
    _saved(ax, tmp_path / "choropleth.png")
    assert not ax.axison and ax.get_title() == "Innovation"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[-1] == "No data (Taiwan, Hong Kong, Macao)"  # the national frame's no-data regions
    labels = labels[:-1]
    assert len(labels) == 5
    assert sum(int(lab.rsplit("(", 1)[1].rstrip(")")) for lab in labels) == len(g)
    assert labels[0].startswith("[") and labels[1].startswith("(")
    for scheme in ("equal_interval", "natural_breaks", "fisher_jenks", "box_plot", "std_mean"):
        fig, ax2 = plt.subplots()
        assert splot.choropleth(g, y, id="code", scheme=scheme, k=4, ax=ax2, legend=True, cmap="viridis") is ax2
    ax3 = splot.choropleth(g, y, id="code", bins=[8, 10, 12, 20])
    assert ax3.get_legend() is not None
    # values aligned by id: shuffled input gives the same colours
    a = splot.choropleth(g, y, id="code", legend=False)
    b = splot.choropleth(g, y.sample(frac=1, random_state=2), id="code", legend=False)
    np.testing.assert_allclose(a.collections[0].get_facecolor(), b.collections[0].get_facecolor())
    # column name of the map
    g2 = g.assign(v=y.loc[g["code"]].to_numpy())
    assert splot.choropleth(g2, "v", id="code").get_legend() is not None


def test_choropleth_bad_input(geo):
    g, w, y = geo
    with pytest.raises(IdError, match="nowhere"):
        splot.choropleth(g, pd.concat([y, pd.Series({"nowhere": 1.0})]), id="code")
    with pytest.raises(IdError, match="id column"):
        splot.choropleth(g, y, id="nope")
    with pytest.raises(SpatialInnoError, match="scheme"):
        splot.choropleth(g, y, id="code", scheme="astrology")
    with pytest.raises(SpatialInnoError, match="GeoDataFrame"):
        splot.choropleth(pd.DataFrame(g.drop(columns="geometry")), y, id="code")
    ax = splot.choropleth(g, y.iloc[2:], id="code")
    assert any(t.get_text() == "No data  (2)" for t in ax.get_legend().get_texts())


def test_synthetic_grid_map(tmp_path):
    """Every polygon is filled with the colour of its own region, looked up by id although the map rows
    are shuffled against the values: LISA clusters from the local Moran result, and quantile classes
    computed here with np.quantile (regions share a colour exactly when they share a class)."""
    g = _grid_map().sample(frac=1, random_state=7).reset_index(drop=True)
    w = si.weights.contiguity(g, id="code", islands="keep")
    codes = sorted(g["code"])
    y = pd.Series(np.arange(len(codes), dtype=float), index=codes, name="v")  # rises along the grid
    lm = local_moran(y, w, permutations=49)
    assert {"HH", "LL", "island"} <= set(lm["cluster"].astype(str))
    ax = splot.lisa_map(g, lm, id="code")
    _saved(ax, tmp_path / "grid_lisa.png")
    cluster = lm["cluster"].astype(str).loc[g["code"]]
    expected = [to_rgba(LISA_COLORS.get(c, "white")) for c in cluster]
    np.testing.assert_allclose(ax.collections[0].get_facecolor(), expected)

    ax = splot.choropleth(g, y, id="code", k=5, legend=False)
    _saved(ax, tmp_path / "grid_choro.png")
    v = y.loc[g["code"]].to_numpy()
    klass = np.searchsorted(np.quantile(y.to_numpy(), [0.2, 0.4, 0.6, 0.8, 1.0]), v, side="left")
    face = [tuple(np.round(f, 6)) for f in ax.collections[0].get_facecolor()]
    colour_id = pd.Series(face).map({f: k for k, f in enumerate(dict.fromkeys(face))}).to_numpy()
    table = pd.crosstab(colour_id, klass)
    assert table.shape == (5, 5) and ((table > 0).sum(axis=1) == 1).all() and ((table > 0).sum(axis=0) == 1).all()
