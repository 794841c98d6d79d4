"""The China frame of the maps: Albers metres, South China Sea inset, no-data regions, labels, CJK glyphs,
legends and boxes that cover no land (checked in display coordinates)."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import shapely  # noqa: E402
from pyproj import Transformer  # noqa: E402

import spatialinno as si  # noqa: E402
from spatialinno import plot as splot  # noqa: E402
from spatialinno.datasets import load_nodata_regions, load_prefectures, load_provinces  # noqa: E402
from spatialinno.plot import china  # noqa: E402


@pytest.fixture(scope="module")
def prov():
    g = load_provinces()
    y = pd.Series(g["capital_lat"].to_numpy(), index=g["code"].to_numpy(), name="lat")
    return g, y


def _land_display_boxes(ax, g):
    """Projected land polygons (regions + Taiwan/HK/Macao) as display-coordinate polygons."""
    geo = list(china.project(g)) + list(china.project(load_nodata_regions()))
    out = []
    for poly in geo:
        for part in shapely.get_parts(poly):
            xy = ax.transData.transform(np.asarray(part.exterior.coords))
            out.append(shapely.Polygon(xy))
    return shapely.union_all(out)


def _display_box(artist, ax):
    bb = artist.get_window_extent(ax.figure.canvas.get_renderer())
    return shapely.box(bb.x0, bb.y0, bb.x1, bb.y1)


def test_albers_metres_and_inset(prov, tmp_path):
    g, y = prov
    ax = splot.choropleth(g, y, id="code", scheme="quantiles", k=5)
    ax.figure.savefig(tmp_path / "m.png", dpi=60)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert 3e6 < x1 - x0 < 1e7 and 3e6 < y1 - y0 < 1e7  # metres, not degrees
    # the same transformation done here with pyproj from the textbook parameters: Beijing's projected point
    # lies inside the Beijing polygon drawn on the axes
    tr = Transformer.from_crs("EPSG:4326", "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m",
                              always_xy=True)
    bx, by = tr.transform(116.40, 39.90)
    paths = ax.collections[0].get_paths()
    i = int(np.flatnonzero(g["code"].to_numpy() == 110000)[0])
    assert paths[i].contains_point((bx, by))
    # the main map shows nothing south of 17.5 N (no Paracel/Spratly islands stretching it): every vertex
    # drawn there, projected back to longitude/latitude, lies north of 17.5 N; the inset holds the islands
    back = Transformer.from_crs(tr.target_crs, "EPSG:4326", always_xy=True)
    verts = np.concatenate([p.vertices for p in ax.collections[0].get_paths() if len(p.vertices) > 1])
    lat = back.transform(verts[:, 0], verts[:, 1])[1]
    assert lat.min() > 17.49
    sansha = int(np.flatnonzero(g["code"].to_numpy() == 460000)[0])  # Hainan, with its southern islands
    inset_lat = back.transform(*ax.child_axes[0].collections[0].get_paths()[sansha].vertices.T)[1]
    assert inset_lat.min() < 12
    insets = [a for a in ax.child_axes if a.get_gid() == "south-china-sea-inset"]
    assert len(insets) == 1
    ix0, ix1 = insets[0].get_xlim()
    iy0, iy1 = insets[0].get_ylim()
    _, spratly = tr.transform(114.0, 9.0)
    assert iy0 < spratly < iy1  # the inset shows the southern islands
    bbox = insets[0].get_position()
    assert bbox.x0 > ax.get_position().x0 + 0.5 * ax.get_position().width  # lower right
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-1] == china.NODATA_LABEL


def test_legend_and_inset_cover_no_land(prov):
    g, y = prov
    for kwargs in ({}, {"legend_loc": "lower right"}, {"scheme": "natural_breaks", "k": 7}):
        ax = splot.choropleth(g, y, id="code", **kwargs)
        ax.figure.draw_without_rendering()
        land = _land_display_boxes(ax, g)
        legend = _display_box(ax.get_legend(), ax)
        assert not legend.intersects(land), kwargs
        inset = _display_box(ax.child_axes[0], ax)
        main_land = _land_display_boxes(ax, g)
        # the inset covers no mainland: only the far-south islands it repeats may lie beneath it
        assert inset.intersection(main_land).area < 0.002 * inset.area, kwargs


def test_lisa_and_spillover_boxes_cover_no_land(prov):
    g, y = prov
    w = si.weights.contiguity(g, id="code", islands="nearest", normalize="row")
    lm = si.diagnostics.local_moran(y, w, permutations=99, seed=1)
    ax = splot.lisa_map(g, lm, id="code")
    ax.figure.draw_without_rendering()
    assert not _display_box(ax.get_legend(), ax).intersects(_land_display_boxes(ax, g))
    df = si.datasets.load_demo_panel()
    fit = si.models.sdm("innov ~ agglom", df[df.year == 2020], w, id="code")
    ax = splot.spillover_map(g, fit.spillover_from(440000, "agglom"), id="code")
    ax.figure.draw_without_rendering()
    boxes = [a for a in ax.artists if type(a).__name__ == "AnchoredText"]
    assert len(boxes) == 1
    assert not _display_box(boxes[0], ax).intersects(_land_display_boxes(ax, g))


@pytest.mark.parametrize("loader", [load_provinces, load_prefectures])
def test_chinese_labels_render_without_glyph_warnings(loader, tmp_path):
    g = loader()
    y = pd.Series(np.arange(len(g), dtype=float), index=g["code"].to_numpy(), name="v")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = splot.choropleth(g, y, id="code", labels="name_zh", legend=False)
        ax.figure.savefig(tmp_path / "zh.png", dpi=50)
        ax.figure.savefig(tmp_path / "zh.pdf")
    glyph = [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing from" in str(w.message)]
    assert not glyph, glyph[:3]
    texts = {t.get_text() for t in ax.texts}
    assert any("北京" in t for t in texts) and any("广" in t for t in texts)
    # every label inside its own region (representative point of its largest part)
    geo = china.project(g).reset_index(drop=True)
    by_name = dict(zip(g["name_zh"], geo))
    for t in ax.texts:
        assert by_name[t.get_text()].buffer(1.0).contains(shapely.Point(t.get_position()))


def test_glyph_check_can_fail(tmp_path):
    """Without the fallback list a CJK label in DejaVu Sans does warn (so the test above can fail)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "北京市", fontfamily=["DejaVu Sans"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(tmp_path / "x.png")
    assert any("Glyph" in str(w.message) for w in caught)


def test_shipped_font_covers_every_map_name():
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(china.CJK_FONT_FILE)).getBestCmap()
    names = "".join(load_provinces()["name_zh"]) + "".join(load_prefectures()["name_zh"]) + "".join(
        load_nodata_regions()["name_zh"])
    assert not sorted({c for c in names if ord(c) not in cmap})
    assert (china.FONT_DIR / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") >= 1


def test_labels_option_and_non_national_maps(prov):
    g, y = prov
    ax = splot.choropleth(g, y, id="code", labels=True, legend=False)
    assert {t.get_text() for t in ax.texts} >= {"Beijing", "Guangdong", "Xinjiang"}
    with pytest.raises(si.SpatialInnoError, match="no column"):
        splot.choropleth(g, y, id="code", labels="nope")
    gd = g[g["code"] == 440000]  # one province: no inset, no no-data regions
    ax = splot.choropleth(gd, y.loc[[440000]], id="code", bins=[100])
    assert not ax.child_axes
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] != china.NODATA_LABEL


def test_legends_clear_of_land_in_multi_panel_figures(prov, tmp_path):
    """As in the report: two maps side by side, then a third panel drawn after the maps (layout changes)."""
    import matplotlib.pyplot as plt

    g, y = prov
    fig, axes = plt.subplots(1, 3, figsize=(15, 5), layout="constrained", gridspec_kw={"width_ratios": [1.3, 1.3, 1]})
    splot.choropleth(g, y, id="code", ax=axes[0], legend_loc="lower right")
    splot.choropleth(g, -y, id="code", ax=axes[1], k=7)
    axes[2].plot([0, 1], [0, 1])
    axes[2].set_xlabel("a long axis label that makes constrained layout move things around")
    fig.savefig(tmp_path / "three.png", dpi=60)
    for ax in axes[:2]:
        assert not _display_box(ax.get_legend(), ax).intersects(_land_display_boxes(ax, g))
