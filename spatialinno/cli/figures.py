"""The report's matplotlib figures, drawn with :mod:`spatialinno.plot` (each function returns the Figure)."""

from __future__ import annotations

from collections.abc import Hashable

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import plot
from ..decay import DecayResult
from ..weights import Weights

__all__ = ["data_maps", "moran_figure", "lisa_figure", "effects_figure", "truth_figure", "decay_figure",
           "spillover_figure"]


def data_maps(gdf: gpd.GeoDataFrame, idc: Hashable, y: pd.Series, x: pd.Series, outcome: str, var: str,
              period: object) -> Figure:
    """Quantile maps of the outcome and the traced regressor in one period.

    Parameters
    ----------
    gdf : GeoDataFrame
    idc : column name
        Region id column of ``gdf``.
    y, x : Series
        Outcome and regressor by region id.
    outcome, var : str
        Their names.
    period : object
        The period shown.

    Returns
    -------
    Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 5.0), layout="constrained")
    plot.choropleth(gdf, y, id=idc, ax=axes[0], title=f"{outcome} ({period})", legend_loc="lower right")
    plot.choropleth(gdf, x, id=idc, ax=axes[1], title=f"{var} ({period})", cmap="PuBu", legend_loc="lower right")
    return fig


def moran_figure(table: pd.DataFrame, alpha: float, title: str) -> Figure:
    """Moran's I by period (:func:`spatialinno.plot.moran_by_period`).

    Parameters
    ----------
    table : DataFrame
        :func:`spatialinno.moran_by_period` output.
    alpha : float
    title : str

    Returns
    -------
    Figure
    """
    fig, ax = plt.subplots(figsize=(8.5, 4.0), layout="constrained")
    plot.moran_by_period(table, ax=ax, alpha=alpha, title=title)
    return fig


def lisa_figure(gdf: gpd.GeoDataFrame, idc: Hashable, lisa: pd.DataFrame, y: pd.Series, w: Weights, outcome: str,
                period: object) -> Figure:
    """LISA cluster map next to the Moran scatterplot, whose filled points are the map's significant regions.

    Parameters
    ----------
    gdf : GeoDataFrame
    idc : column name
    lisa : DataFrame
        :func:`spatialinno.local_moran` output.
    y : Series
        The variable by region id.
    w : Weights
    outcome : str
    period : object

    Returns
    -------
    Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 5.0), layout="constrained", gridspec_kw={"width_ratios": [1.35, 1]})
    plot.lisa_map(gdf, lisa, id=idc, ax=axes[0], legend_loc="lower right",
                  title=f"LISA clusters of {outcome}, {period}")
    plot.moran_scatter(y, w, ax=axes[1], title=f"Moran scatterplot, {period}", lisa=lisa)
    return fig


def effects_figure(impacts: pd.DataFrame) -> Figure:
    """Direct, indirect and total effects with intervals (:func:`spatialinno.plot.effects_plot`).

    Parameters
    ----------
    impacts : DataFrame
        ``res.impacts()`` output.

    Returns
    -------
    Figure
    """
    ax = plot.effects_plot(impacts)
    return ax.figure if hasattr(ax, "figure") else ax


def truth_figure(t: pd.DataFrame, alpha: float, main_w: str) -> Figure:
    """Estimates with intervals against the true parameters of the simulated demo panel; intervals that miss the
    true value in red (the colour of the report's "misses the true value" rows).

    Parameters
    ----------
    t : DataFrame
        Indexed by parameter, columns ``true``, ``estimate``, ``ci_lower``, ``ci_upper``.
    alpha : float
    main_w : str
        Label of the weights.

    Returns
    -------
    Figure
    """
    fig, ax = plt.subplots(figsize=(9.5, 0.36 * len(t) + 1.4), layout="constrained")
    yy = np.arange(len(t))[::-1]
    lvl = f"{100 * (1 - alpha):g}%"
    miss = ((t["true"] < t["ci_lower"]) | (t["true"] > t["ci_upper"])).to_numpy()
    for sel, color, label in ((~miss, "#3b6ea5", f"estimate, {lvl} CI"),
                              (miss, "#b3261e", f"estimate, {lvl} CI missing the true value")):
        if sel.any():
            e = t[sel]
            ax.errorbar(e["estimate"], yy[sel], xerr=[e["estimate"] - e["ci_lower"], e["ci_upper"] - e["estimate"]],
                        fmt="o", color=color, capsize=3, label=label)
    ax.scatter(t["true"], yy, marker="x", color="black", s=60, zorder=5, label="true value")
    ax.axvline(0, color="0.7", lw=0.8, ls="--")
    ax.set_yticks(yy, list(t.index))
    ax.set_title(f"SDM under {main_w} W: estimates against the simulated truth")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.04), ncols=3, frameon=False, fontsize=9)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    return fig


def decay_figure(res: DecayResult, var: str) -> Figure:
    """The distance-decay curve of ``var`` (:func:`spatialinno.plot.decay_plot`).

    Parameters
    ----------
    res : DecayResult
    var : str

    Returns
    -------
    Figure
    """
    fig, ax = plt.subplots(figsize=(9, 4.4), layout="constrained")
    plot.decay_plot(res, var, ax=ax)
    return fig


def spillover_figure(gdf: gpd.GeoDataFrame, idc: Hashable, s: pd.Series, source: Hashable, title: str,
                     notes: dict[Hashable, str] | None = None) -> Figure:
    """Map of the effects of a unit shock in ``source`` (:func:`spatialinno.plot.spillover_map`).

    Parameters
    ----------
    gdf : GeoDataFrame
    idc : column name
    s : Series
        Effect on every region.
    source : id
    title : str
    notes : dict, optional
        Region id -> note shown beside it among the largest recipients (island-only W rows).

    Returns
    -------
    Figure
    """
    fig, ax = plt.subplots(figsize=(9.5, 7.0), layout="constrained")
    plot.spillover_map(gdf, s, source=source, id=idc, ax=ax, title=title, notes=notes)
    return fig
