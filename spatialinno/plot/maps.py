"""Maps: classified choropleths and LISA cluster maps.

Values are matched to the geometries **by id** (a column of the GeoDataFrame given by ``id=``,
or its index). Values whose id is not on the map are an :class:`IdError`; map regions without a
value are drawn as "no data" (light hatching) and counted in the legend. Maps are drawn in the Albers
equal-area projection for China with, for national maps, the South China Sea islands in an inset and
Taiwan, Hong Kong and Macao as no data (:mod:`spatialinno.plot.china`). Every function returns the
Axes and never calls ``plt.show()``.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable

import numpy as np
import pandas as pd

from ..errors import DataError, SpatialInnoError, preview
from . import china
from .ids import map_ids, match_ids
from .layout import LISA_COLORS, new_axes, set_titles

NODATA_COLOR = "#f7f7f7"
ISLAND_STYLE = {"facecolor": "white", "edgecolor": "0.45"}
LISA_LABELS = {"HH": "High-High", "LL": "Low-Low", "LH": "Low-High", "HL": "High-Low", "ns": "Not significant",
               "island": "No neighbours", "nodata": "No data"}
HOTSPOT_COLORS = {"hot": "#d7191c", "cold": "#2c7bb6", "ns": "#d3d3d3"}
HOTSPOT_LABELS = {"hot": "Hot spot", "cold": "Cold spot", "ns": "Not significant", "island": "No neighbours",
                  "nodata": "No data"}


def _style_map(ax, title):
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=13)


def _legend(ax, handles, title, loc, land, national):
    from matplotlib.patches import Patch

    if not handles:
        return
    if national:
        handles = handles + [Patch(facecolor=china.NODATA_FILL, edgecolor="0.45", hatch=china.NODATA_HATCH,
                                   linewidth=0.3, label=china.NODATA_LABEL)]
    china.place_legend(ax, handles, title, land, loc=loc, fontsize=8.5, title_fontsize=9, frameon=True,
                       framealpha=0.9, edgecolor="0.8", handlelength=1.6, handleheight=1.1)


def draw_map(ax, gdf, colors, hatch, *, labels, inset, nodata, edgecolor, linewidth):
    """Project ``gdf`` and draw it with the China frame (see :mod:`spatialinno.plot.china`).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The main map.
    gdf : GeoDataFrame
        The regions (any CRS; longitude/latitude when none).
    colors : array-like
        One RGBA colour per region.
    hatch : array of bool
        Regions to hatch as "no data".
    labels : bool or str
        Region labels (False, True for ``name``, or a column).
    inset, nodata : bool or None
        South China Sea inset / Taiwan, Hong Kong, Macao as no data; None: for national maps only.
    edgecolor, linewidth
        Region borders.

    Returns
    -------
    tuple
        ``(projected geometries as drawn on the main map, land geometry, national flag)``.
    """
    geo = china.project(gdf).reset_index(drop=True)
    national = china.is_national(geo)
    inset = national if inset is None else bool(inset)
    nodata = national if nodata is None else bool(nodata)
    china.draw_regions(ax, geo, colors, edgecolor=edgecolor, linewidth=linewidth, hatch_mask=hatch, inset=inset,
                       nodata=nodata)
    main = china.clip_north(geo) if inset else geo
    china.draw_labels(ax, gdf, main, labels)
    return main, china.land(main, nodata), nodata


def _fmt(v: float, digits: int) -> str:
    if not np.isfinite(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:,.{digits}f}"


def _digits(bounds: np.ndarray) -> int:
    """Decimals that tell all class bounds apart (at most 6)."""
    b = np.asarray(bounds, float)
    b = b[np.isfinite(b)]
    span = np.ptp(b) if b.size else 1.0
    d = 0 if span == 0 else max(0, int(np.ceil(-np.log10(span))) + 2)
    while d < 6 and len({_fmt(x, d) for x in b}) < len(set(b.tolist())):
        d += 1
    return min(d, 6)


def choropleth(gdf, values, id: Hashable | None = None, scheme: str = "quantiles", k: int = 5, ax=None,
               legend: bool = True, title: str | None = None, cmap: str = "YlOrRd", *, bins=None,
               labels: bool | str = False, inset: bool | None = None, nodata: bool | None = None,
               legend_loc: str = "lower left", edgecolor: str = "white", linewidth: float = 0.4):
    """Classified choropleth of ``values`` on the regions of ``gdf``.

    The legend lists each class's bounds and number of regions; regions without a value are
    "no data". Axis ticks are removed.

    Parameters
    ----------
    gdf : GeoDataFrame
        The map; its regions are identified by column ``id`` (or the index when None).
    values : pd.Series or str
        Values indexed by region id (aligned by id), or the name of a column of ``gdf``.
    id : hashable, optional
        The map's id column.
    scheme : str
        A mapclassify scheme: ``"quantiles"``, ``"equal_interval"``, ``"natural_breaks"``,
        ``"fisher_jenks"``, ``"box_plot"``, ``"std_mean"``, ``"user_defined"`` (with ``bins``) ...
    k : int
        Number of classes (schemes that take one).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    legend : bool
        Draw the legend.
    title : str, optional
        Title (default: the variable, scheme and number of classes).
    cmap : str
        Matplotlib colormap for the classes.
    bins : sequence of float, optional
        Upper class bounds; implies ``scheme="user_defined"``.
    labels : bool or str
        Region names inside the regions: False (none), True (English ``name``), ``"name_zh"`` (Chinese,
        rendered with the shipped CJK font) or any column of ``gdf``.
    inset : bool, optional
        Draw the South China Sea islands in an inset (default: for national maps).
    nodata : bool, optional
        Draw Taiwan, Hong Kong and Macao as no data (default: for national maps).
    legend_loc : str
        Preferred legend location; the legend moves outside the map when it would cover land or the inset.
    edgecolor, linewidth
        Style of the region borders.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    import mapclassify
    from matplotlib import colormaps
    from matplotlib.colors import to_rgba

    ids = map_ids(gdf, id)
    name = None
    if isinstance(values, str) and values in gdf.columns:
        name = values
        values = pd.Series(gdf[values].to_numpy(), index=ids, name=values)
    if not isinstance(values, pd.Series):
        raise SpatialInnoError("values must be a pd.Series indexed by region id (or a column name of gdf)")
    name = name or (str(values.name) if values.name is not None else None)
    pos = match_ids(ids, values, "values")
    try:
        vals = np.full(len(ids), np.nan)
        vals[pos >= 0] = values.to_numpy(dtype=float, na_value=np.nan)[pos[pos >= 0]]
    except (TypeError, ValueError):
        raise DataError(f"values must be numeric (dtype {values.dtype})") from None
    has = np.isfinite(vals)
    if not has.any():
        raise DataError("no finite values to map")
    if int(k) < 1:
        raise SpatialInnoError(f"k must be a positive number of classes (got {k!r})")
    key = scheme.lower().replace("_", "").replace(" ", "")
    if bins is not None:
        key = "userdefined"
    kw = {"bins": list(bins)} if bins is not None else {}
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Numba not installed")
            cls = mapclassify.classify(vals[has], key, k=int(k), **kw)
    except Exception as exc:
        raise SpatialInnoError(f"cannot classify with scheme {scheme!r}: {exc}. Use e.g. 'quantiles', "
                               f"'equal_interval', 'natural_breaks', 'fisher_jenks', 'box_plot', 'std_mean'") from None
    kk = len(cls.bins)
    cm = colormaps[cmap]
    palette = [cm(x) for x in (np.linspace(0.12, 0.92, kk) if kk > 1 else [0.6])]
    with china.map_context():
        ax = new_axes(ax, (8.0, 6.4))
        cls_of = np.full(len(ids), -1)
        cls_of[has] = cls.yb
        colors = np.array([to_rgba(palette[c]) if c >= 0 else to_rgba(NODATA_COLOR) for c in cls_of])
        _, land, national = draw_map(ax, gdf, colors, ~has, labels=labels, inset=inset, nodata=nodata,
                                     edgecolor=edgecolor, linewidth=linewidth)
        _choropleth_legend(ax, name, scheme, kk, title, legend, vals, has, cls, palette, legend_loc, land, national)
    return ax


def _choropleth_legend(ax, name, scheme, kk, title, legend, vals, has, cls, palette, legend_loc, land, national):
    from matplotlib.patches import Patch

    _style_map(ax, title or (f"{name} ({scheme.replace('_', ' ')}, {kk} classes)" if name else None))
    if legend:
        lows = np.r_[min(vals[has].min(), cls.bins[0]), cls.bins[:-1]]
        d = _digits(np.r_[lows, cls.bins])
        counts = np.bincount(cls.yb, minlength=kk)
        handles = []
        for j in range(kk):
            lo = "[" if j == 0 else "("
            text = f"{lo}{_fmt(lows[j], d)}, {_fmt(cls.bins[j], d)}]  ({counts[j]})"
            handles.append(Patch(facecolor=palette[j], edgecolor="0.6", linewidth=0.4, label=text))
        if (~has).any():
            handles.append(Patch(facecolor=NODATA_COLOR, edgecolor="0.6", hatch="////", linewidth=0.4,
                                 label=f"No data  ({int((~has).sum())})"))
        _legend(ax, handles, name, legend_loc, land, national)


def lisa_map(gdf, local_moran_result: pd.DataFrame, id: Hashable | None = None, ax=None, *,
             title: str | None = None, legend: bool = True, labels: bool | str = False, inset: bool | None = None,
             nodata: bool | None = None, legend_loc: str = "lower left", edgecolor: str = "white",
             linewidth: float = 0.4):
    """LISA cluster map of a :func:`si.local_moran` (or ``local_bivariate_moran`` / ``local_getis_ord``) result.

    GeoDa's colours: High-High red ``#d7191c``, Low-Low blue ``#2c7bb6``, Low-High light blue
    ``#abd9e9``, High-Low light red ``#fdae61``, not significant light grey ``#d3d3d3``, regions
    without neighbours white with a grey edge, regions missing from the result hatched "no data". For
    local G results: hot spots red, cold spots blue.

    Parameters
    ----------
    gdf : GeoDataFrame
        The map.
    local_moran_result : pd.DataFrame
        Output of a local statistic, indexed by region id (matched to the map by id).
    id : hashable, optional
        The map's id column (None: its index).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title : str, optional
        Title (default: the statistic and variable; the subtitle states the p-value used and alpha).
    legend : bool
        Draw the legend (number of regions in each class).
    labels : bool or str
        Region names: False, True (``name``), ``"name_zh"`` or any column of ``gdf``.
    inset, nodata : bool, optional
        South China Sea inset / Taiwan, Hong Kong and Macao as no data (default: for national maps).
    legend_loc : str
        Preferred legend location; moved outside the map when it would cover land or the inset.
    edgecolor, linewidth
        Style of the region borders.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    from matplotlib.colors import to_rgba

    if not isinstance(local_moran_result, pd.DataFrame) or "cluster" not in local_moran_result.columns:
        raise SpatialInnoError("local_moran_result must be the DataFrame returned by si.local_moran "
                               "(with a 'cluster' column)")
    ids = map_ids(gdf, id)
    res = local_moran_result
    pos = match_ids(ids, res["cluster"], "local Moran result")
    lab = np.array(["nodata"] * len(ids), dtype=object)
    lab[pos >= 0] = res["cluster"].astype(str).to_numpy()[pos[pos >= 0]]
    hot = bool(np.isin(lab, ["hot", "cold"]).any()) or "Getis" in str(res.attrs.get("statistic", ""))
    colors_map, names = (HOTSPOT_COLORS, HOTSPOT_LABELS) if hot else (LISA_COLORS, LISA_LABELS)
    unknown = sorted(set(lab) - set(colors_map) - {"island", "nodata"})
    if unknown:
        raise SpatialInnoError(f"unknown cluster labels {preview(unknown)}; expected {', '.join(colors_map)}")
    with china.map_context():
        ax = new_axes(ax, (8.0, 6.4))
        face = np.array([to_rgba(colors_map.get(c, NODATA_COLOR if c == "nodata" else ISLAND_STYLE["facecolor"]))
                         for c in lab])
        geo, land, national = draw_map(ax, gdf, face, lab == "nodata", labels=labels, inset=inset, nodata=nodata,
                                       edgecolor=edgecolor, linewidth=linewidth)
        isl = lab == "island"
        if isl.any():
            geo[isl].plot(ax=ax, facecolor="white", edgecolor=ISLAND_STYLE["edgecolor"], linewidth=0.9)
        _lisa_legend(ax, res, lab, hot, colors_map, labels_of=names, title=title, legend=legend, loc=legend_loc,
                     land=land, national=national)
    return ax


def _lisa_legend(ax, res, lab, hot, colors_map, *, labels_of, title, legend, loc, land, national):
    from matplotlib.patches import Patch

    a = res.attrs
    if title is None:
        var = a.get("variable") or (f"{a.get('x')} / lag of {a.get('y')}" if a.get("x") else None)
        kind = "Hot and cold spots" if hot else "LISA clusters"
        title = f"{kind} of {var}" if var else kind
    note = None
    if a.get("alpha") is not None:
        p_used = {"p_sim": "permutation p", "p_norm": "normal p"}.get(a.get("cluster_p"), "p")
        note = f"significant: {p_used} ≤ {a['alpha']:g}" + (" after FDR (Benjamini-Hochberg)" if a.get("fdr") else "")
        if a.get("permutations"):
            note += f", {a['permutations']:,} permutations"
    _style_map(ax, None)
    set_titles(ax, title, note)
    if legend:
        counts = pd.Series(lab).value_counts()
        handles = []
        for c in list(colors_map) + ["island", "nodata"]:
            nc = int(counts.get(c, 0))
            if c in ("island", "nodata") and nc == 0:
                continue
            if c == "island":
                h = Patch(facecolor="white", edgecolor=ISLAND_STYLE["edgecolor"], linewidth=0.9)
            elif c == "nodata":
                h = Patch(facecolor=NODATA_COLOR, edgecolor="0.6", hatch="////", linewidth=0.4)
            else:
                h = Patch(facecolor=colors_map[c], edgecolor="0.6", linewidth=0.4)
            h.set_label(f"{labels_of[c]}  ({nc})")
            handles.append(h)
        _legend(ax, handles, None, loc, land, national)
