"""Plots of spatial effects: effect estimates with intervals, distance-decay curves, spillover maps.

Every function draws with matplotlib on ``ax=`` (a new figure when None), returns the Axes (or the
Figure for multi-panel plots) and never calls ``plt.show()``.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpatialInnoError, preview
from . import china
from .ids import map_ids, match_ids
from .layout import new_axes, set_titles
from .maps import draw_map

EFFECTS = ("direct", "indirect", "total")
EFFECT_COLORS = {"direct": "#1b7837", "indirect": "#d95f02", "total": "#3b528b"}
MODEL_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
SCHEME_LABELS = {
    "band": "Distance band (km): links with d ≤ distance < d + {width}",
    "beyond": "Minimum distance d (km): links with distance ≥ d",
    "within": "Maximum distance d (km): links with distance < d",
}


def _check_impacts(imp, what: str = "impacts") -> pd.DataFrame:
    cols = {"estimate", "ci_lower", "ci_upper"}
    if not isinstance(imp, pd.DataFrame) or not cols <= set(imp.columns) or imp.index.nlevels != 2:
        raise SpatialInnoError(f"{what} must be the DataFrame returned by result.impacts() (MultiIndex variable, "
                               f"effect; columns estimate, ci_lower, ci_upper)")
    return imp


def _level(imp: pd.DataFrame) -> str:
    alpha = imp.attrs.get("alpha")
    return f"{100 * (1 - alpha):g}% intervals" if alpha else "intervals"


def _significant(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.isfinite(lo) & np.isfinite(hi) & ((lo > 0) | (hi < 0))


def _draw_points(ax, x, y, lo, hi, color, label, marker="o", size=7.0):
    """Points with horizontal interval whiskers; filled when the interval excludes 0, hollow otherwise."""
    x, y, lo, hi = map(np.asarray, (x, y, lo, hi))
    ok = np.isfinite(x)
    err = np.vstack([x - lo, hi - x])
    err = np.where(np.isfinite(err), err, 0.0)
    ax.errorbar(x[ok], y[ok], xerr=err[:, ok], fmt="none", ecolor=color, elinewidth=1.6, capsize=3, zorder=2)
    sig = _significant(lo, hi) & ok
    ax.plot(x[sig], y[sig], marker, color=color, ms=size, mec=color, ls="none", zorder=3, label=label)
    ax.plot(x[~sig & ok], y[~sig & ok], marker, color=color, mfc="white", ms=size, mec=color, mew=1.6, ls="none",
            zorder=3, label=None if sig.any() else label)


def _style_legend_markers(ax, handles, labels, loc, title=None):
    from matplotlib.lines import Line2D

    handles = list(handles) + [Line2D([], [], marker="o", color="0.3", ls="none", ms=6),
                               Line2D([], [], marker="o", color="0.3", mfc="white", ls="none", ms=6)]
    labels = list(labels) + ["interval excludes 0", "interval includes 0"]
    return ax.legend(handles, labels, loc=loc, fontsize=9, title=title, title_fontsize=9, framealpha=0.9,
                     edgecolor="0.8")


def effects_plot(impacts_or_dict, ax=None, *, effects: Sequence[str] = EFFECTS, variables: Sequence[str] | None = None,
                 labels: Mapping[str, str] | None = None, title: str | None = None, xlabel: str | None = None):
    """Direct, indirect and total effects with their intervals, for several variables (or models).

    One frame: one row per variable, the effects side by side in colour. Several models: one panel per
    effect, the models side by side in colour. Points are the estimates at the ML point, whiskers the
    intervals the frames carry (simulation or delta method); filled points mark intervals excluding 0.

    Parameters
    ----------
    impacts_or_dict : DataFrame or dict
        ``result.impacts(...)`` (MultiIndex ``variable``, ``effect``), or a dict ``name -> impacts`` to
        compare models (e.g. the same SDM under several weights).
    ax : Axes or sequence of Axes, optional
        One impacts frame: a single Axes. A dict: one Axes per effect (a sequence), or a single Axes when
        ``effects`` has one element. New figure when None.
    effects : sequence
        Which of ``"direct"``, ``"indirect"``, ``"total"`` to show.
    variables : sequence, optional
        Variables to show, top to bottom (default: all, in the frame's order).
    labels : dict, optional
        Display names of variables, e.g. ``{"agglom": "Agglomeration (LQ)"}``.
    title : str, optional
        Title (a default names the effects and the model).
    xlabel : str, optional
        Label of the effect axis (one frame).

    Returns
    -------
    matplotlib.axes.Axes or matplotlib.figure.Figure
        The Axes (one panel) or the Figure (several panels).
    """
    effects = list(effects)
    bad = [e for e in effects if e not in EFFECTS]
    if bad or not effects:
        raise SpatialInnoError(f"effects must be among {', '.join(EFFECTS)} (got {preview(bad or effects)})")
    labels = dict(labels or {})
    if isinstance(impacts_or_dict, Mapping):
        frames = {str(k): _check_impacts(v, f"impacts of {k!r}") for k, v in impacts_or_dict.items()}
        if not frames:
            raise SpatialInnoError("the dict of impacts is empty")
    else:
        frames = {"": _check_impacts(impacts_or_dict)}
    first = next(iter(frames.values()))
    if variables is None:
        seen: list = []
        for f in frames.values():
            seen += [v for v in pd.unique(f.index.get_level_values(0)) if v not in seen]
        variables = seen
    variables = list(variables)
    for f in frames.values():
        missing = [v for v in variables if v not in set(f.index.get_level_values(0))]
        if missing and len(frames) == 1:
            raise SpatialInnoError(f"variables {preview(missing)} not in the impacts; it has "
                                   f"{preview(list(pd.unique(f.index.get_level_values(0))))}")
    ypos = np.arange(len(variables))[::-1].astype(float)
    ylabels = [labels.get(v, v) for v in variables]
    xlabel = xlabel or "Effect on the outcome of a unit increase in the regressor"

    def values(f, e):
        rows = [(v, e) for v in variables]
        sub = f.reindex(pd.MultiIndex.from_tuples(rows))
        return (sub["estimate"].to_numpy(float), sub["ci_lower"].to_numpy(float), sub["ci_upper"].to_numpy(float))

    def finish(a):
        a.axvline(0, color="0.35", lw=0.9, ls="--", zorder=1)
        a.set_yticks(ypos, ylabels)
        a.set_ylim(ypos.min() - 0.6, ypos.max() + 0.6)
        a.grid(axis="x", color="0.9", lw=0.6)
        a.set_axisbelow(True)
        for y in ypos[:-1]:
            a.axhline(y - 0.5, color="0.88", lw=0.6)

    if len(frames) == 1 and "" in frames:
        f = frames[""]
        ax = new_axes(ax, (7.6, 1.0 + 0.75 * len(variables)))
        k = len(effects)
        offs = (np.arange(k) - (k - 1) / 2) * (0.62 / max(k, 2))
        for off, e in zip(offs[::-1], effects, strict=True):
            est, lo, hi = values(f, e)
            _draw_points(ax, est, ypos + off, lo, hi, EFFECT_COLORS[e], e)
        finish(ax)
        ax.set_xlabel(xlabel)
        handles, texts = ax.get_legend_handles_labels()
        _style_legend_markers(ax, handles, texts, "best", title=None)
        model = f.attrs.get("model")
        set_titles(ax, title or ("Direct, indirect and total effects" + (f" ({model})" if model else "")),
                   f"points: estimates; whiskers: {_level(f)}"
                   + (f" ({f.attrs['method']})" if f.attrs.get("method") else ""))
        return ax

    import matplotlib.pyplot as plt

    if ax is None:
        fig, grid = plt.subplots(1, len(effects), figsize=(3.6 * len(effects) + 1.6, 1.4 + 0.8 * len(variables)),
                                 sharey=True, layout="constrained", squeeze=False)
        axes: list[Any] = list(grid[0])
    else:
        axes = [ax] if not isinstance(ax, np.ndarray | list | tuple) else list(np.ravel(ax))
        if len(axes) != len(effects):
            raise SpatialInnoError(f"give one Axes per effect ({len(effects)}), or effects=('indirect',) with one Axes")
        fig = axes[0].figure
    m = len(frames)
    offs = (np.arange(m) - (m - 1) / 2) * (0.7 / max(m, 2))
    for a, e in zip(axes, effects, strict=True):
        for (name, f), off, col in zip(frames.items(), offs[::-1], MODEL_COLORS * 4, strict=False):
            est, lo, hi = values(f, e)
            _draw_points(a, est, ypos + off, lo, hi, col, name, size=6.0)
        finish(a)
        a.set_title(f"{e.capitalize()} effect", fontsize=11)
        a.set_xlabel("Effect")
    handles, texts = axes[0].get_legend_handles_labels()
    from matplotlib.lines import Line2D

    handles += [Line2D([], [], marker="o", color="0.3", ls="none", ms=6),
                Line2D([], [], marker="o", color="0.3", mfc="white", ls="none", ms=6)]
    texts += ["interval excludes 0", "interval includes 0"]
    fig.legend(handles, texts, loc="outside lower center", ncol=min(len(texts), 4), fontsize=9, frameon=False)
    fig.suptitle(title or f"Effects by model (points: estimates; whiskers: {_level(first)})", fontsize=13)
    return axes[0] if len(axes) == 1 else fig


def decay_plot(decay_result, variable, effect: str = "indirect", ax=None, *, alpha: float | None = None,
               title: str | None = None, label: str | None = None, show_boundary: bool = True,
               reference: pd.Series | Mapping[str, pd.Series] | None = None, clip: bool = True):
    """Distance-decay curve of an effect from :func:`spatialinno.distance_decay`.

    Estimate (line and points) against the threshold in km, with the simulation interval shaded, a zero
    line, and the spillover boundary (:meth:`DecayResult.boundary`) as a vertical dashed line with its
    distance in the legend. Filled points: interval excludes 0; hollow: includes 0; grey crosses on the
    zero line: thresholds whose fit failed (see ``decay_result.table["note"]``).

    Parameters
    ----------
    decay_result : DecayResult
        The output of :func:`spatialinno.distance_decay`.
    variable : str or list of str
        Regressor(s) whose effect is drawn; a list overlays several variables.
    effect : str
        ``"direct"``, ``"indirect"`` (default) or ``"total"``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    alpha : float, optional
        Level of the intervals (default: the run's).
    title : str, optional
        Title (a default names the effect and variable).
    label : str, optional
        Legend name of a single variable.
    show_boundary : bool
        Draw the spillover boundary.
    reference : pd.Series or dict, optional
        A Series indexed by threshold (km), or a dict ``label -> Series``, drawn as black dashed lines
        for comparison, e.g. the true spillover by distance band of a simulated process (legend label:
        the dict key, else the Series' name, else "reference").
    clip : bool
        When a few intervals are far wider than the others (e.g. poorly identified thresholds), limit
        the y axis to the estimates plus twice the median half-width of the intervals and say so in the
        plot, so that the rest of the curve stays legible.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    variables = [variable] if isinstance(variable, str) else list(variable)
    if not variables:
        raise SpatialInnoError("give at least one variable")
    ax = new_axes(ax, (8.4, 4.8))
    colors = ["#d95f02", "#1f78b4", "#33a02c", "#6a3d9a", "#e31a1c", "#b15928"]
    a = decay_result.alpha if alpha is None else alpha
    handles: list[Any] = []
    labels_: list[str] = []
    failed_any = False
    ests, los, his = [], [], []
    for v, col in zip(variables, colors * 4, strict=False):
        c = decay_result.curve(v, effect, alpha)
        ests.append(c["estimate"].to_numpy(float))
        los.append(c["ci_lower"].to_numpy(float))
        his.append(c["ci_upper"].to_numpy(float))
        x = c.index.to_numpy(float)
        est, lo, hi = (c[k].to_numpy(float) for k in ("estimate", "ci_lower", "ci_upper"))
        ok = np.isfinite(est)
        name = label if (label and len(variables) == 1) else v
        ax.fill_between(x, lo, hi, where=np.isfinite(lo) & np.isfinite(hi), color=col, alpha=0.18, lw=0,
                        interpolate=False)
        ax.plot(x[ok], est[ok], "-", color=col, lw=1.8, zorder=3)
        sig = _significant(lo, hi)
        ax.plot(x[sig], est[sig], "o", color=col, ms=6.5, zorder=4)
        ax.plot(x[ok & ~sig], est[ok & ~sig], "o", color=col, mfc="white", mew=1.6, ms=6.5, zorder=4)
        handles.append((Patch(color=col, alpha=0.18, lw=0), Line2D([], [], color=col, lw=1.8, marker="o", ms=6.5)))
        labels_.append(f"{name}: estimate and {100 * (1 - a):g}% interval")
        if (~ok).any():
            failed_any = True
            ax.plot(x[~ok], np.zeros((~ok).sum()), "x", color="0.45", ms=8, mew=1.8, zorder=4)
        if show_boundary:
            b = decay_result.boundary(v, alpha=a, effect=effect)
            if b is not None:
                ax.axvline(b, color=col if len(variables) > 1 else "0.15", ls="--", lw=1.4, zorder=2)
                handles.append(Line2D([], [], color=col if len(variables) > 1 else "0.15", ls="--", lw=1.4))
                labels_.append(f"spillover boundary{'' if len(variables) == 1 else ' (' + v + ')'}: {b:,.0f} km")
                ax.annotate(f"{b:,.0f} km", (b, 1.0), xycoords=("data", "axes fraction"), xytext=(4, -14),
                            textcoords="offset points", fontsize=9, color="0.15", ha="left")
    if reference is not None:
        refs = reference if isinstance(reference, Mapping) else {reference.name or "reference": reference}
        for (name, ref), ls in zip(refs.items(), ["--", ":", "-."] * 4, strict=False):
            if not isinstance(ref, pd.Series):
                raise SpatialInnoError("reference must be a pd.Series indexed by threshold (km) or a dict of them")
            ref = ref.sort_index()
            ax.plot(ref.index.to_numpy(float), ref.to_numpy(float), ls=ls, color="black", lw=1.4, marker="s",
                    ms=3.5, zorder=3)
            handles.append(Line2D([], [], ls=ls, color="black", lw=1.4, marker="s", ms=3.5))
            labels_.append(str(name))
    ax.axhline(0, color="0.35", lw=0.9, zorder=1)
    handles += [Line2D([], [], marker="o", color="0.3", ls="none", ms=6),
                Line2D([], [], marker="o", color="0.3", mfc="white", mew=1.4, ls="none", ms=6)]
    labels_ += ["interval excludes 0", "interval includes 0"]
    est_all, lo_all, hi_all = (np.concatenate(x) for x in (ests, los, his))
    ok = np.isfinite(est_all) & np.isfinite(lo_all) & np.isfinite(hi_all)
    clipped = False
    if clip and ok.sum() >= 3:
        half = np.median((hi_all[ok] - lo_all[ok]) / 2)
        keep = [est_all[ok].min() - 2 * half, est_all[ok].max() + 2 * half]
        if reference is not None:
            for ref in (reference.values() if isinstance(reference, Mapping) else [reference]):
                keep = [min(keep[0], float(np.nanmin(ref))), max(keep[1], float(np.nanmax(ref)))]
        keep = [min(keep[0], 0.0), max(keep[1], 0.0)]
        if lo_all[ok].min() < keep[0] or hi_all[ok].max() > keep[1]:
            pad = 0.04 * (keep[1] - keep[0])
            ax.set_ylim(keep[0] - pad, keep[1] + pad)
            clipped = True
    if failed_any:
        handles.append(Line2D([], [], marker="x", color="0.45", ls="none", ms=7, mew=1.8))
        labels_.append("no estimate (see table note)")
    if clipped:  # in the legend, so it cannot collide with it
        handles.append(Line2D([], [], marker=r"$\updownarrow$", color="0.35", ls="none", ms=7))
        labels_.append("some intervals extend beyond the plot")
    ax.legend(handles, labels_, fontsize=8.5, loc="best", framealpha=0.9, edgecolor="0.8")
    scheme = decay_result.scheme
    xl = SCHEME_LABELS.get(scheme, "Distance (km)")
    if scheme == "band":
        widths = set(np.round(list((decay_result.band_width_km or {}).values()), 6))
        xl = xl.format(width=f"{widths.pop():g} km" if len(widths) == 1 else "the band width")
    ax.set_xlabel(xl)
    outcome = decay_result.info.get("outcome")
    ax.set_ylabel(f"{effect.capitalize()} effect" + (f" on {outcome}" if outcome else ""))
    th = np.asarray(decay_result.thresholds, float)
    if len(th) > 1:
        pad = 0.03 * (th.max() - th.min())
        ax.set_xlim(th.min() - pad, th.max() + pad)
    ax.grid(color="0.92", lw=0.6)
    ax.set_axisbelow(True)
    what = variables[0] if len(variables) == 1 else ", ".join(variables)
    set_titles(ax, title or f"Distance decay of the {effect} effect of {what}",
            f"{decay_result.model}, one model per threshold, scheme '{scheme}', {decay_result.weight} weights, "
            f"row-normalised")
    return ax


def _source_from_name(series: pd.Series, ids: pd.Index):
    m = re.search(r"from (\S+)\s*$", str(series.name or ""))
    if m:
        hit = [i for i in ids if str(i) == m.group(1)]
        if hit:
            return hit[0]
    return None


def _largest_parts(geo: Any) -> Any:
    """The largest polygon of every (multi)polygon."""
    return geo.apply(lambda g: max(getattr(g, "geoms", [g]), key=lambda part: part.area))


def spillover_map(gdf, series: pd.Series, source: Hashable | None = None, id: Hashable | None = None, ax=None,
                  title: str | None = None, *, label_col: str | None = "name", top: int = 5, cmap: str | None = None,
                  legend_label: str | None = None, source_offset: tuple[float, float] = (45, 30),
                  labels: bool | str = False, inset: bool | None = None, nodata: bool | None = None,
                  notes: Mapping[Hashable, str] | None = None):
    """Map of the spillovers from one region (``result.spillover_from(source, variable)``).

    Regions are coloured by the effect they receive from a unit change of the variable in ``source``
    (a continuous scale: sequential when all effects share a sign, diverging around 0 otherwise); the
    source itself, whose own (much larger) effect would swamp the scale, is drawn dark grey with a thick
    outline and labelled. The ``top`` largest recipients are outlined and listed with their values, with
    the source's own effect and the sum over the other regions, in a box in the lower left corner (the map
    widens there so that the box covers no land).

    Parameters
    ----------
    gdf : GeoDataFrame
        The map.
    series : pd.Series
        Effects indexed by region id, matched to the map by id.
    source : hashable, optional
        Id of the source region; defaults to the id named in the Series' name ("... from <id>"), else
        the region with the largest absolute value.
    id : hashable, optional
        The map's id column (None: its index).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title : str, optional
        Title (a default names the variable and the source).
    label_col : str or None
        Column of ``gdf`` with region names (ids if absent).
    top : int
        Number of largest recipients outlined and listed.
    cmap : str, optional
        Colormap (default by the signs of the effects: ``RdBu_r``, ``Blues_r`` or ``YlOrRd``).
    legend_label : str, optional
        Label of the colour bar.
    source_offset : (float, float)
        Offset of the source's label in points (mirrored to the left for sources in the east of a map with
        the South China Sea inset).
    labels : bool or str
        Region names inside the regions: False, True (``name``), ``"name_zh"`` or any column.
    inset, nodata : bool, optional
        South China Sea inset / Taiwan, Hong Kong and Macao as no data (default: for national maps).
    notes : mapping, optional
        Region id -> a short note appended to its line in the box of largest recipients (e.g.
        ``{460000: "island link only"}`` where a region's W row is only a link added by the island policy).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    import matplotlib.patheffects as pe
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize, TwoSlopeNorm

    if not isinstance(series, pd.Series):
        raise SpatialInnoError("series must be a pd.Series indexed by region id, e.g. result.spillover_from(id, 'x')")
    ids = map_ids(gdf, id)
    pos = match_ids(ids, series, "spillover series")
    vals = np.full(len(ids), np.nan)
    vals[pos >= 0] = series.to_numpy(dtype=float)[pos[pos >= 0]]
    if not np.isfinite(vals).any():
        raise SpatialInnoError("no finite spillover values to map")
    if source is None:
        source = _source_from_name(series, ids)
        if source is None:
            source = ids[int(np.nanargmax(np.abs(vals)))]
    if source not in set(ids):
        raise SpatialInnoError(f"source {source!r} is not a region of the map; ids are e.g. {preview(list(ids))}")
    s = int(ids.get_loc(source))
    names = (gdf[label_col].astype(str).to_numpy() if label_col and label_col in gdf.columns
             else np.array([str(i) for i in ids]))
    others = np.isfinite(vals) & (np.arange(len(ids)) != s)
    ov = vals[others]
    lo, hi = (float(ov.min()), float(ov.max())) if ov.size else (0.0, 1.0)
    if lo < 0 < hi:
        m = max(-lo, hi)
        norm: Normalize = TwoSlopeNorm(0.0, -m, m)
        cm = colormaps[cmap or "RdBu_r"]
    elif hi <= 0:
        norm, cm = Normalize(lo, 0.0 if lo < 0 else 1.0), colormaps[cmap or "Blues_r"]
    else:
        norm, cm = Normalize(0.0, hi if hi > 0 else 1.0), colormaps[cmap or "YlOrRd"]
    with china.map_context():
        ax = new_axes(ax, (8.4, 6.6))
        colors = [cm(norm(v)) if others[i] else (0.97, 0.97, 0.97, 1.0) for i, v in enumerate(vals)]
        geo, land, _ = draw_map(ax, gdf, colors, ~np.isfinite(vals), labels=labels, inset=inset, nodata=nodata,
                                edgecolor="white", linewidth=0.5)
        # thick outlines on each region's largest polygon only: drawn round small offshore islands they would
        # turn them into black dots
        china.polygons(ax, geo.iloc[[s]], facecolor="0.3", edgecolor="0.3", linewidth=0.4, zorder=3)
        china.polygons(ax, _largest_parts(geo.iloc[[s]]), facecolor="none", edgecolor="black", linewidth=2.4,
                       zorder=3)
        lines = [f"Source: {names[s]}, own effect {vals[s]:.3g}"]
        if top and ov.size:
            idx = np.flatnonzero(others)
            order = idx[np.argsort(-np.abs(vals[idx]))][: int(top)]
            china.polygons(ax, _largest_parts(geo.iloc[order]), facecolor="none", edgecolor="0.15", linewidth=1.0,
                           zorder=4)
            lines.append("Largest spillovers (outlined):")
            notes = dict(notes or {})
            lines += [f"  {names[i]}: {vals[i]:.3g}" + (f" ({notes[ids[i]]})" if ids[i] in notes else "")
                      for i in order]
            rest = np.setdiff1d(idx, order)
            if rest.size:
                lines.append(f"  other {rest.size} regions: {np.sum(vals[rest]):.3g} in all")
        found = re.search(r"spillover of (.+) from ", str(series.name or ""))
        var = found.group(1) if found else None
        # the colour bar gets its own axes beneath the map before the box is placed over the sea
        cb = ax.figure.colorbar(ScalarMappable(norm=norm, cmap=cm), ax=ax, orientation="horizontal", shrink=0.6,
                                pad=0.02, aspect=35)
        cb.set_label(legend_label or ("Effect received from a unit increase" + (f" in {var}" if var else "")
                                      + f" in {names[s]}"), fontsize=9.5)
        cb.ax.tick_params(labelsize=8.5)
        china.place_box(ax, "\n".join(lines), land)
        pt = geo.iloc[s].representative_point()
        x0, x1 = ax.get_xlim()
        dx, dy = source_offset
        if (pt.x - x0) / (x1 - x0) > 0.6 and ax.child_axes:  # keep the label off the inset in the lower right
            dx = -abs(dx)
        ax.annotate(f"{names[s]} (source)", (pt.x, pt.y), xytext=(dx, dy), textcoords="offset points",
                    ha="left" if dx >= 0 else "right", va="center", fontsize=10.5, zorder=6,
                    path_effects=[pe.withStroke(linewidth=3, foreground="white")],
                    arrowprops={"arrowstyle": "-", "color": "black", "lw": 1.0})
    ax.set_axis_off()
    set_titles(ax, title or (f"Spillovers of {var} from {names[s]}" if var else f"Spillovers from {names[s]}"),
            r"column of $S(W) = (I - \rho W)^{-1}(I\beta + W\theta)$ for the source region")
    return ax
