"""Interactive maps (folium / Leaflet) that work offline.

:func:`explore` maps values, or the clusters of a local statistic, on the regions of a GeoDataFrame;
:func:`explore_results` maps what a fitted spatial model implies per region (effects, the spillovers
from one region, residuals). The saved HTML embeds Leaflet's JavaScript and CSS (Leaflet 1.9.3, BSD-2,
shipped in ``assets/``), so it opens without network access; there is no background tile layer unless
``tiles=`` is given (e.g. ``"OpenStreetMap"``, which then loads tiles from the web). The legend is plain
HTML (no further JavaScript).
"""

from __future__ import annotations

import html
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..datasets import load_prefectures, load_provinces
from ..errors import DataError, SpatialInnoError
from . import china
from .ids import map_ids, match_ids
from .layout import LISA_COLORS
from .maps import HOTSPOT_COLORS, HOTSPOT_LABELS, LISA_LABELS, NODATA_COLOR

ASSETS = Path(__file__).resolve().parent / "assets"
KINDS = ("effects", "spillover", "residuals")


def _folium() -> Any:
    try:
        import folium
    except ImportError:
        raise SpatialInnoError("interactive maps need folium: pip install 'spatialinno[explore]'") from None
    return folium


def _new_map(folium: Any, bounds: np.ndarray, tiles: str | None, width: Any, height: Any) -> Any:
    """A folium Map with Leaflet inlined instead of loaded from CDNs."""
    x0, y0, x1, y1 = bounds
    m = folium.Map(location=[(y0 + y1) / 2, (x0 + x1) / 2], tiles=tiles, width=width, height=height,
                   control_scale=True, zoom_control=True, prefer_canvas=False)
    m.default_js = []  # public attributes folium renders as <script src=...>/<link href=...>
    m.default_css = []
    js = (ASSETS / "leaflet.js").read_text(encoding="utf-8")
    css = (ASSETS / "leaflet.css").read_text(encoding="utf-8")
    head = m.get_root().header
    head.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css_inline", index=0)
    head.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet_js_inline", index=0)
    m.fit_bounds([[y0, x0], [y1, x1]])
    return m


def _legend_html(title: str | None, entries: list[tuple[str, str]], note: str | None = None) -> str:
    e = html.escape
    rows = "".join(f'<div><span style="display:inline-block;width:14px;height:12px;background:{c};'
                   f'border:1px solid #999;margin-right:6px;vertical-align:middle"></span>{e(t)}</div>'
                   for c, t in entries)
    head = f"<b>{e(title)}</b><br>" if title else ""
    tail = f'<div style="color:#555;margin-top:4px">{e(note)}</div>' if note else ""
    return ('<div style="position:fixed;bottom:40px;left:12px;z-index:9999;background:rgba(255,255,255,0.92);'
            'padding:6px 9px;border:1px solid #bbb;border-radius:4px;font:12px sans-serif;max-width:320px">'
            f"{head}{rows}{tail}</div>")


def _classes(vals: np.ndarray, has: np.ndarray, scheme: str, k: int, cmap: str) -> tuple[list[str], list]:
    import mapclassify
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    try:
        cls = mapclassify.classify(vals[has], scheme.lower().replace("_", ""), k=int(k))
    except Exception as exc:
        raise SpatialInnoError(f"cannot classify with scheme {scheme!r}: {exc}") from None
    kk = len(cls.bins)
    cm = colormaps[cmap]
    palette = [to_hex(cm(x)) for x in (np.linspace(0.12, 0.92, kk) if kk > 1 else [0.6])]
    colors = [NODATA_COLOR] * len(vals)
    for pos, c in zip(np.flatnonzero(has), cls.yb):
        colors[pos] = palette[c]
    lows = np.r_[vals[has].min(), cls.bins[:-1]]
    counts = np.bincount(cls.yb, minlength=kk)
    entries = [(palette[j], f"{'[' if j == 0 else '('}{lows[j]:.4g}, {cls.bins[j]:.4g}]  ({counts[j]})")
               for j in range(kk)]
    return colors, entries


def explore(gdf: Any, values: Any, id: Hashable | None = None, *, scheme: str = "quantiles", k: int = 5,
            cmap: str = "YlOrRd", tiles: str | None = None, name_column: str | None = "name",
            title: str | None = None, nodata: bool | None = None, path: str | Path | None = None,
            width: Any = "100%", height: Any = "100%") -> Any:
    """Interactive choropleth (folium) of values or of the clusters of a local statistic.

    Regions are matched to ``values`` by id. Hovering a region shows its id, name and value (or cluster).
    Leaflet's JavaScript and CSS are inlined, so the saved HTML works offline; no tile layer is added unless
    ``tiles`` is given.

    Parameters
    ----------
    gdf : GeoDataFrame
        The regions (any CRS; drawn in longitude/latitude).
    values : pd.Series, str or pd.DataFrame
        Values indexed by region id, a column of ``gdf``, or the DataFrame of
        :func:`si.local_moran` / ``local_getis_ord`` (its ``cluster`` column is mapped with the LISA colours).
    id : hashable, optional
        The map's id column (None: its index).
    scheme, k, cmap
        mapclassify scheme, number of classes and matplotlib colormap of numeric values.
    tiles : str, optional
        A folium tile layer (``"OpenStreetMap"``, ``"CartoDB positron"``, ...); loaded from the web when given.
    name_column : str or None
        Column of region names for the tooltips.
    title : str, optional
        Legend title.
    nodata : bool, optional
        Add Taiwan, Hong Kong and Macao as "no data" (default: for national maps of China).
    path : str or Path, optional
        Save the HTML there.
    width, height
        Size of the map element.

    Returns
    -------
    folium.Map
        The map (``.save(path)`` writes it; shows inline in Jupyter).
    """
    folium = _folium()
    ids = map_ids(gdf, id)
    geo = gdf.geometry if gdf.crs is None else gdf.geometry.to_crs("EPSG:4326")
    if isinstance(values, pd.DataFrame):
        if "cluster" not in values.columns:
            raise SpatialInnoError("a DataFrame of values must be a local statistic result with a 'cluster' column")
        pos = match_ids(ids, values["cluster"], "local statistic result")
        lab = np.array(["nodata"] * len(ids), dtype=object)
        lab[pos >= 0] = values["cluster"].astype(str).to_numpy()[pos[pos >= 0]]
        hot = bool(np.isin(lab, ["hot", "cold"]).any())
        colors_map, names = (HOTSPOT_COLORS, HOTSPOT_LABELS) if hot else (LISA_COLORS, LISA_LABELS)
        colors = [colors_map.get(c, NODATA_COLOR if c == "nodata" else "#ffffff") for c in lab]
        shown = [names.get(c, c) for c in lab]
        counts = pd.Series(lab).value_counts()
        entries = [(colors_map[c], f"{names[c]}  ({int(counts.get(c, 0))})") for c in colors_map]
        field, title = "cluster", title or "LISA clusters"
    else:
        if isinstance(values, str) and values in gdf.columns:
            values = pd.Series(gdf[values].to_numpy(), index=ids, name=values)
        if not isinstance(values, pd.Series):
            raise SpatialInnoError("values must be a pd.Series indexed by region id, a column of gdf, or a "
                                   "local statistic DataFrame")
        pos = match_ids(ids, values, "values")
        vals = np.full(len(ids), np.nan)
        try:
            vals[pos >= 0] = values.to_numpy(dtype=float, na_value=np.nan)[pos[pos >= 0]]
        except (TypeError, ValueError):
            raise DataError(f"values must be numeric (dtype {values.dtype})") from None
        has = np.isfinite(vals)
        if not has.any():
            raise DataError("no finite values to map")
        colors, entries = _classes(vals, has, scheme, k, cmap)
        shown = [f"{v:.6g}" if np.isfinite(v) else "no data" for v in vals]
        field, title = str(values.name or "value"), title or (str(values.name) if values.name is not None else None)
    names_col = (gdf[name_column].astype(str).to_numpy() if name_column and name_column in gdf.columns
                 else np.array([""] * len(ids)))
    features = []
    for i, g in enumerate(geo):
        if g is None or g.is_empty:
            continue
        features.append({"type": "Feature", "geometry": g.__geo_interface__,
                         "properties": {"id": str(ids[i]), "name": str(names_col[i]), field: shown[i],
                                        "fill": colors[i]}})
    national = china.is_national(geo) if nodata is None else bool(nodata)
    m = _new_map(folium, geo.total_bounds, tiles, width, height)
    style = {"color": "#ffffff", "weight": 0.8, "fillOpacity": 0.85}
    layer = folium.GeoJson({"type": "FeatureCollection", "features": features}, name=title or field,
                           style_function=lambda f: {**style, "fillColor": f["properties"]["fill"]},
                           highlight_function=lambda f: {"weight": 2.5, "color": "#333333"},
                           tooltip=folium.GeoJsonTooltip(fields=["id", "name", field], aliases=["id", "name", field]))
    layer.add_to(m)
    if national:
        extra = china.nodata_layer().to_crs("EPSG:4326")
        feats = [{"type": "Feature", "geometry": g.__geo_interface__, "properties": {"name": "no data"}}
                 for g in extra]
        folium.GeoJson({"type": "FeatureCollection", "features": feats}, name="No data",
                       style_function=lambda f: {"color": "#777777", "weight": 0.6, "fillColor": china.NODATA_FILL,
                                                 "fillOpacity": 0.9},
                       tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)).add_to(m)
        entries = entries + [(china.NODATA_FILL, china.NODATA_LABEL)]
    m.get_root().html.add_child(folium.Element(_legend_html(title, entries)))
    if path is not None:
        m.save(str(path))
    return m


def _bundled_map(ids: pd.Index) -> Any:
    for loader in (load_provinces, load_prefectures):
        g = loader()
        if set(ids) <= set(g["code"]):
            return g
    raise SpatialInnoError("the results' region ids are not those of a bundled map; pass gdf= (a GeoDataFrame "
                           "with the ids in a column named by id=)")


def explore_results(res: Any, kind: str = "effects", gdf: Any = None, id: Hashable | None = None, *,
                    variable: str | None = None, effect: str = "total", source: Hashable | None = None,
                    **kwargs: Any) -> Any:
    """Interactive map of what a fitted spatial model implies for each region.

    ``kind="effects"``: region-specific LeSage-Pace effects of ``variable``: for region i, the direct effect
    is S_k[i, i], the total effect the row sum of S_k (the change in region i when ``variable`` rises by one
    everywhere) and the indirect effect their difference, S_k = (I - rho W)^-1 (I b_k + W t_k) (LeSage & Pace
    2009, §2.7; averaging them over regions gives the summary effects of ``res.impacts()``). Built from the
    columns ``res.spillover_from(j, variable)`` for every region j (n sparse solves).
    ``kind="spillover"``: the column of S_k for ``source``. ``kind="residuals"``: the residuals (the mean over
    periods in panels).

    Parameters
    ----------
    res : SpatialResults
        A fitted spatialinno model.
    kind : {"effects", "spillover", "residuals"}
        What to map.
    gdf : GeoDataFrame, optional
        The map; default the bundled province or prefecture map whose codes hold the results' ids.
    id : hashable, optional
        The map's id column (default ``"code"`` for the bundled maps).
    variable : str, optional
        Regressor for effects and spillovers (default: the first regressor with effects).
    effect : {"direct", "indirect", "total"}
        Which region-specific effect with ``kind="effects"``.
    source : hashable, optional
        Source region for ``kind="spillover"``.
    **kwargs
        Passed to :func:`explore` (``tiles``, ``scheme``, ``cmap``, ``path`` ...).

    Returns
    -------
    folium.Map
        The interactive map.
    """
    if kind not in KINDS:
        raise SpatialInnoError(f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
    ids = res.weights.ids
    if gdf is None:
        gdf, id = _bundled_map(ids), "code"
    if kind == "residuals":
        r = res.resid
        if isinstance(r.index, pd.MultiIndex):
            r = r.groupby(level=0).mean()
            r.name = "mean residual over periods"
        return explore(gdf, r.rename(r.name or "residual"), id=id, cmap=kwargs.pop("cmap", "RdBu_r"), **kwargs)
    if variable is None:
        candidates = [v for v in res.variables if f"W_{v}" in res.params.index or "rho" in res.params.index]
        if not candidates:
            raise SpatialInnoError("this model has no spatial lag or W x terms, so no spillovers to map")
        variable = candidates[0]
    if kind == "spillover":
        if source is None:
            raise SpatialInnoError("kind='spillover' needs source= (the id of the region whose change is traced)")
        s = res.spillover_from(source, variable)
        return explore(gdf, s, id=id, **kwargs)
    if effect not in ("direct", "indirect", "total"):
        raise SpatialInnoError(f"effect must be 'direct', 'indirect' or 'total' (got {effect!r})")
    S = np.column_stack([res.spillover_from(j, variable).to_numpy() for j in ids])
    direct, total = np.diag(S), S.sum(axis=1)
    out = {"direct": direct, "total": total, "indirect": total - direct}[effect]
    series = pd.Series(out, index=ids, name=f"{effect} effect of {variable}")
    return explore(gdf, series, id=id, **kwargs)

