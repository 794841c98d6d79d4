"""The frame of every map of China: projection, South China Sea inset, no-data regions, labels and fonts.

Maps are drawn in the Albers equal-area conic projection used for maps of China (WGS84, standard
parallels 25 N and 47 N, central meridian 105 E, latitude of origin 0; :data:`ALBERS_CHINA`). The main
map stops at :data:`MAIN_SOUTH` (17.5 N, just south of Hainan); the South China Sea islands are drawn in
an inset box in the lower right corner. Taiwan, Hong Kong and Macao, which the shipped data layers leave
out, are drawn from :func:`spatialinno.datasets.load_nodata_regions` as "no data" (neutral grey, with a
legend entry). Legends are placed in the lower left (over the sea and neighbouring countries) and moved
outside the map when they would cover Chinese land. Text falls back to a shipped subset of Noto Sans CJK
SC (SIL OFL 1.1, ``fonts/``) for Chinese region names, so they render without system CJK fonts.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ..datasets import load_nodata_regions
from ..errors import SpatialInnoError

#: proj string of the Albers equal-area conic projection for China
ALBERS_CHINA = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"
#: southern limit (degrees N) of the main map; everything south of it is shown only in the inset
MAIN_SOUTH = 17.5
#: lon/lat window of the South China Sea inset
INSET_WINDOW = (106.5, 3.0, 123.5, 24.5)
#: position of the inset in axes fractions (x0, y0, width, height), lower right
INSET_BOUNDS = (0.80, 0.0, 0.2, 0.34)
NODATA_FILL = "#b8b8b8"
NODATA_HATCH = "...."
NODATA_LABEL = "No data (Taiwan, Hong Kong, Macao)"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
CJK_FONT_FILE = FONT_DIR / "SpatialInnoCJKSubset-Regular.ttf"
CJK_FAMILY = "SpatialInno CJK Subset"
SYSTEM_CJK = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei",
              "PingFang SC", "Heiti SC", "Droid Sans Fallback")


def font_families() -> list[str]:
    """Font families for map text: DejaVu Sans, the shipped CJK subset, then installed system CJK fonts.

    Matplotlib (>= 3.6) takes each glyph from the first family that has it, so Latin text keeps the
    default font, the names of the shipped maps come from the subset and other Chinese text from a system
    font when one is installed. The shipped font is registered with matplotlib on first use.

    Returns
    -------
    list of str
        Family names, all known to matplotlib's font manager.
    """
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    if CJK_FAMILY not in known:
        font_manager.fontManager.addfont(str(CJK_FONT_FILE))
    return ["DejaVu Sans", CJK_FAMILY] + [f for f in SYSTEM_CJK if f in known]


def project(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The geometries of ``gdf`` in :data:`ALBERS_CHINA` (row order and index kept).

    Parameters
    ----------
    gdf : GeoDataFrame
        A map with a CRS (longitude/latitude assumed, EPSG:4326, when it has none).

    Returns
    -------
    GeoSeries
        Projected geometries, coordinates in metres.
    """
    geo = gdf.geometry
    if geo.crs is None:
        geo = geo.set_crs("EPSG:4326")
    return geo.to_crs(ALBERS_CHINA)


def _window(lon0: float, lat0: float, lon1: float, lat1: float) -> shapely.Polygon:
    """A lon/lat rectangle as a projected polygon (edges densified so they follow the projection)."""
    box = shapely.segmentize(shapely.box(lon0, lat0, lon1, lat1), 0.25)
    return gpd.GeoSeries([box], crs="EPSG:4326").to_crs(ALBERS_CHINA).iloc[0]


@lru_cache(maxsize=1)
def _nodata_projected() -> gpd.GeoSeries:
    return project(load_nodata_regions())


def nodata_layer() -> gpd.GeoSeries:
    """Taiwan, Hong Kong and Macao in :data:`ALBERS_CHINA`.

    Returns
    -------
    GeoSeries
        The three regions, projected (a new copy on every call).
    """
    return _nodata_projected().copy()


def is_national(geo: gpd.GeoSeries) -> bool:
    """True for a map of (most of) China: it spans more than 30 degrees of longitude within 70-140 E, 0-56 N.

    Such maps get the South China Sea inset and the no-data regions by default; maps of one province or
    of other places do not.

    Parameters
    ----------
    geo : GeoSeries
        The map's geometries (any CRS; compared in longitude/latitude).

    Returns
    -------
    bool
        Whether the national frame applies.
    """
    ll = geo if geo.crs is None else geo.to_crs("EPSG:4326")
    x0, y0, x1, y1 = ll.total_bounds
    return bool(x0 >= 70 and x1 <= 140 and y0 >= 0 and y1 <= 56 and x1 - x0 > 30)


def _limits(ax: Any, geoms: gpd.GeoSeries, inset: bool, pad: float = 0.02) -> None:
    """Axis limits around ``geoms``, widened to the east until the inset's corner holds no land."""
    x0, y0, x1, y1 = geoms.total_bounds
    dx, dy = (x1 - x0) * pad, (y1 - y0) * pad
    x0, y0, x1, y1 = x0 - dx, y0 - dy, x1 + dx, y1 + dy
    if inset:
        land_geom = shapely.GeometryCollection(list(geoms))
        fx, fy, fw, fh = INSET_BOUNDS
        for _ in range(100):
            w, h = x1 - x0, y1 - y0
            corner = shapely.box(x0 + (fx - 0.01) * w, y0 + fy * h, x0 + (fx + fw) * w, y0 + (fy + fh + 0.01) * h)
            if not corner.intersects(land_geom):
                break
            x1 += 0.02 * w
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")


def _path(geom: shapely.Geometry) -> Any:
    from matplotlib.path import Path as MplPath

    rings = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings += [np.asarray(poly.exterior.coords)[:, :2]] + [np.asarray(r.coords)[:, :2] for r in poly.interiors]
    if not rings:
        return MplPath(np.zeros((1, 2)), [MplPath.MOVETO])
    verts = np.concatenate(rings)
    codes = np.concatenate([[MplPath.MOVETO] + [MplPath.LINETO] * (len(r) - 2) + [MplPath.CLOSEPOLY] for r in rings])
    return MplPath(verts, codes)


def polygons(ax: Any, geo: gpd.GeoSeries, **style: Any) -> Any:
    """Add polygons to ``ax`` as one ``PathCollection`` (one path per region, in row order).

    Unlike ``GeoSeries.plot`` it does not redraw the figure, which keeps multi-layer maps fast.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Target axes.
    geo : GeoSeries
        Polygons or multipolygons.
    **style
        ``facecolor`` (one colour or one per region), ``edgecolor``, ``linewidth``, ``hatch``, ``zorder``.

    Returns
    -------
    matplotlib.collections.PathCollection
        The collection added.
    """
    from matplotlib.collections import PathCollection

    coll = PathCollection([_path(g) for g in geo], **style)
    ax.add_collection(coll, autolim=True)
    ax.autoscale_view()
    return coll


def clip_north(geo: gpd.GeoSeries) -> gpd.GeoSeries:
    """The parts of projected regions north of :data:`MAIN_SOUTH` (what the main map shows).

    Parameters
    ----------
    geo : GeoSeries
        Regions in :data:`ALBERS_CHINA`.

    Returns
    -------
    GeoSeries
        Same index; regions wholly south of the limit become empty.
    """
    return geo.intersection(_window(60.0, MAIN_SOUTH, 150.0, 56.0))


def draw_regions(ax: Any, geo: gpd.GeoSeries, colors: Any, *, edgecolor: str = "white", linewidth: float = 0.4,
                 hatch_mask: np.ndarray | None = None, inset: bool = True, nodata: bool = True) -> Any:
    """Draw projected regions on ``ax`` with the China frame: clipped extent, no-data regions, inset.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The main map.
    geo : GeoSeries
        Regions in :data:`ALBERS_CHINA` (from :func:`project`).
    colors : array-like
        One RGBA colour per region.
    edgecolor, linewidth
        Region borders.
    hatch_mask : array of bool, optional
        Regions to hatch (regions without a value).
    inset : bool
        Draw the South China Sea inset.
    nodata : bool
        Draw Taiwan, Hong Kong and Macao as no data.

    Returns
    -------
    matplotlib.axes.Axes or None
        The inset axes (None without an inset). The main map shows the regions clipped by
        :func:`clip_north`; the inset shows them whole.
    """
    extra = nodata_layer() if nodata else None
    north = _window(60.0, MAIN_SOUTH, 150.0, 56.0)
    main = clip_north(geo) if inset else geo
    polygons(ax, main, facecolor=colors, edgecolor=edgecolor, linewidth=linewidth)
    if hatch_mask is not None and np.any(hatch_mask):
        polygons(ax, main[np.asarray(hatch_mask)], facecolor="none", edgecolor="0.6", hatch="////", linewidth=0.3)
    if extra is not None:
        polygons(ax, extra, facecolor=NODATA_FILL, edgecolor="0.45", hatch=NODATA_HATCH, linewidth=0.3)
    inset_ax = None
    if inset:
        inset_ax = ax.inset_axes(INSET_BOUNDS)
        # dark outlines keep the small islands visible at the inset's scale
        polygons(inset_ax, geo, facecolor=colors, edgecolor="0.35", linewidth=0.25)
        if extra is not None:
            polygons(inset_ax, extra, facecolor=NODATA_FILL, edgecolor="0.45", hatch=NODATA_HATCH, linewidth=0.3)
    frame = main if extra is None else gpd.GeoSeries(list(main) + list(extra.intersection(north)), crs=geo.crs)
    _limits(ax, frame[~frame.is_empty], inset_ax is not None)
    ax.set_axis_off()
    if inset_ax is not None:
        win = _window(*INSET_WINDOW)
        x0, y0, x1, y1 = win.bounds
        inset_ax.set_xlim(x0, x1)
        inset_ax.set_ylim(y0, y1)
        inset_ax.set_aspect("equal", adjustable="box", anchor="SE")
        inset_ax.set_xticks([])
        inset_ax.set_yticks([])
        inset_ax.set_xlabel("")
        inset_ax.set_ylabel("")
        for s in inset_ax.spines.values():
            s.set_edgecolor("0.3")
            s.set_linewidth(0.8)
        inset_ax.set_facecolor("white")
        inset_ax.set_zorder(ax.get_zorder() + 1)
        inset_ax.set_gid("south-china-sea-inset")
    return inset_ax


def draw_labels(ax: Any, gdf: gpd.GeoDataFrame, geo: gpd.GeoSeries, labels: bool | str | None, *,
                fontsize: float = 7.0) -> list[Any]:
    """Write region names inside the regions of the main map (at ``representative_point``).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The main map.
    gdf : GeoDataFrame
        The map with its name columns.
    geo : GeoSeries
        Its projected geometries as drawn on the main map (regions clipped away are not labelled).
    labels : bool, str or None
        False/None: none; True: the English ``name`` column; a column name (e.g. ``"name_zh"``).
    fontsize : float
        Size of the labels.

    Returns
    -------
    list of matplotlib.text.Text
        The labels drawn.
    """
    import matplotlib.patheffects as pe

    if labels is None or labels is False:
        return []
    column = "name" if labels is True else str(labels)
    if column not in gdf.columns:
        raise SpatialInnoError(f"labels={labels!r}: the map has no column {column!r}; columns are {list(gdf.columns)}")
    stroke = [pe.withStroke(linewidth=1.8, foreground="white")]
    out = []
    families = font_families()
    for text, g in zip(gdf[column].astype(str), geo):
        if g is None or g.is_empty:
            continue
        largest = max(shapely.get_parts(g), key=lambda p: p.area)
        pt = largest.representative_point()
        out.append(ax.text(pt.x, pt.y, text, ha="center", va="center", fontsize=fontsize, fontfamily=families,
                           path_effects=stroke, zorder=5, clip_on=True))
    return out


def land(geo: gpd.GeoSeries, nodata: bool = True) -> shapely.Geometry:
    """The land drawn on a map (its regions and the no-data regions) as one projected geometry.

    Parameters
    ----------
    geo : GeoSeries
        Projected regions.
    nodata : bool
        Include Taiwan, Hong Kong and Macao.

    Returns
    -------
    shapely.Geometry
        The union.
    """
    parts = list(geo[~geo.is_empty])
    if nodata:
        parts += list(nodata_layer())
    return shapely.GeometryCollection(parts)


#: safety factor on a legend's size when checking it against land: later panels of the same figure may
#: shrink the map (constrained layout) while the legend keeps its size in points
GROW = 1.3


def _covers_land(ax: Any, artist: Any, land_geom: shapely.Geometry) -> bool:
    """Whether the artist's box, grown by :data:`GROW` from its lower left corner, covers land or an inset."""
    renderer = ax.figure.canvas.get_renderer()
    bb = artist.get_window_extent(renderer)
    for child in ax.child_axes:
        if bb.overlaps(child.get_window_extent(renderer)):
            return True
    inv = ax.transData.inverted()
    (x0, y0), (x1, y1) = inv.transform([(bb.x0, bb.y0), (bb.x0 + GROW * bb.width, bb.y0 + GROW * bb.height)])
    return bool(shapely.box(x0, y0, x1, y1).intersects(land_geom))


def _make_room(ax: Any, artist: Any, land_geom: shapely.Geometry, rounds: int = 4) -> bool:
    """Widen the map to the west and south until ``artist`` (anchored lower left) covers no land.

    Each round measures the artist once (a layout pass), then searches in data space for the smallest
    widening that clears the land at that size, and checks again after the new layout.

    Returns
    -------
    bool
        True if the artist is clear of land and insets; False if it still covers them.
    """
    for _ in range(rounds):
        ax.figure.draw_without_rendering()
        if not _covers_land(ax, artist, land_geom):
            return True
        renderer = ax.figure.canvas.get_renderer()
        bb, box = artist.get_window_extent(renderer), ax.get_window_extent(renderer)
        fw, fh = GROW * bb.width / box.width, GROW * bb.height / box.height
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        for step in range(1, 60):
            nx0, ny0 = x0 - 0.04 * step * (x1 - x0), y0 - 0.04 * step * (y1 - y0)
            corner = shapely.box(nx0, ny0, nx0 + fw * (x1 - nx0), ny0 + fh * (y1 - ny0))
            if not corner.intersects(land_geom):
                break
        ax.set_xlim(nx0, x1)
        ax.set_ylim(ny0, y1)
    ax.figure.draw_without_rendering()
    return not _covers_land(ax, artist, land_geom)


def place_legend(ax: Any, handles: list[Any], title: str | None, land_geom: shapely.Geometry, loc: str = "lower left",
                 **style: Any) -> Any:
    """Legend over the sea in the lower left of the map (widening the map there), never over land.

    The map's extent grows to the west and south until the legend covers no land; a legend asked for
    elsewhere (``loc``) stays there when it covers neither land nor the inset. Failing both, the legend
    goes outside the map on the left.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The main map.
    handles : list
        Legend handles.
    title : str or None
        Legend title.
    land_geom : shapely.Geometry
        Projected land (:func:`land`).
    loc : str
        Preferred matplotlib location inside the map.
    **style
        Passed to ``ax.legend``.

    Returns
    -------
    matplotlib.legend.Legend
        The legend.
    """
    leg = ax.legend(handles=handles, title=title, loc=loc, **style)
    ax.figure.draw_without_rendering()
    if not _covers_land(ax, leg, land_geom):
        return leg
    if loc != "lower left":
        leg.remove()
        leg = ax.legend(handles=handles, title=title, loc="lower left", **style)
    if not _make_room(ax, leg, land_geom):
        leg.remove()
        leg = ax.legend(handles=handles, title=title, loc="lower right", bbox_to_anchor=(0.0, 0.0), **style)
    return leg


def place_box(ax: Any, text: str, land_geom: shapely.Geometry, fontsize: float = 8.5) -> Any:
    """A text box over the sea in the lower left of the map (widening the map there), never over land.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The main map.
    text : str
        The text.
    land_geom : shapely.Geometry
        Projected land (:func:`land`).
    fontsize : float
        Size of the text.

    Returns
    -------
    matplotlib.offsetbox.AnchoredText
        The box.
    """
    from matplotlib.offsetbox import AnchoredText

    def make(loc: str) -> AnchoredText:
        box = AnchoredText(text, loc=loc, bbox_to_anchor=(0.0, 0.0), bbox_transform=ax.transAxes, frameon=True,
                           prop={"fontsize": fontsize, "family": font_families()}, borderpad=0.4)
        box.patch.set_boxstyle("round,pad=0.3")
        box.patch.set_facecolor("white")
        box.patch.set_edgecolor("0.75")
        box.set_zorder(7)
        ax.add_artist(box)
        return box

    box = make("lower left")
    if not _make_room(ax, box, land_geom):
        box.remove()
        box = make("lower right")
    return box


def map_context() -> Any:
    """A matplotlib ``rc_context`` whose font list falls back to the CJK fonts (see :func:`font_families`).

    Returns
    -------
    contextlib.AbstractContextManager
        Use as ``with map_context(): ...`` around the drawing.
    """
    import matplotlib as mpl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        families = font_families()
    return mpl.rc_context({"font.family": families})
