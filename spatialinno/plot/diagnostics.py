"""Diagnostic plots: Moran scatterplot and Moran's I over time.

Every function draws on ``ax`` (a new figure when None), returns the Axes and never calls
``plt.show()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..diagnostics.inputs import values_by_id, variable_label
from ..diagnostics.moran import moran
from ..errors import SpatialInnoError, preview
from ..weights import Weights
from .layout import LISA_COLORS, new_axes, set_titles


def _fmt_p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def _significant(lisa: pd.DataFrame, w: Weights) -> tuple[np.ndarray, str]:
    """Which regions a local Moran result calls significant (its ``cluster`` column), aligned to ``w.ids``."""
    if not isinstance(lisa, pd.DataFrame) or "cluster" not in lisa.columns:
        raise SpatialInnoError("lisa must be the DataFrame returned by si.local_moran (with a 'cluster' column)")
    cl = lisa["cluster"].astype(object).reindex(w.ids)
    if cl.isna().any():
        raise SpatialInnoError(f"the LISA result lacks regions {preview(list(w.ids[cl.isna().to_numpy()]))} of the "
                               f"weights; compute it with the same weights")
    a = lisa.attrs
    p_used = {"p_sim": "permutation p", "p_norm": "normal p"}.get(str(a.get("cluster_p")), "p")
    rule = f"{p_used} ≤ {a['alpha']:g}" if a.get("alpha") is not None else "as in the LISA map"
    if a.get("fdr"):
        rule += " after FDR"
    return np.isin(cl.to_numpy(), ["HH", "LL", "HL", "LH"]), rule


def moran_scatter(y, w: Weights, ax=None, *, title: str | None = None, annotate=None, lisa=None):
    """Moran scatterplot: standardised values against their spatial lag (Anselin 1996).

    x-axis: z = (y - mean) / sd (population sd); y-axis: the spatial lag W z times n/S0 (1 for
    row-normalised W without islands), so that the slope of the least-squares line (red) is
    exactly Moran's I for any weights. Points are coloured by quadrant (HH, LH, LL, HL) with the
    GeoDa LISA colours, regions without neighbours white with a grey edge. With ``lisa`` (the
    :func:`si.local_moran` result drawn on the LISA map), the regions it calls significant are filled and
    the others hollow (edge in the quadrant colour), so the scatter and the map show the same clusters.
    The subtitle gives I, its randomisation z and two-sided p.

    Parameters
    ----------
    y : pd.Series
        Values indexed by region id, aligned to ``w`` by id as in :func:`si.moran`.
    w : Weights
        Spatial weights (as normalised).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title : str, optional
        Title (default ``"Moran scatterplot of <y>"``).
    annotate : bool or list, optional
        True labels every point with its id, a list labels those ids.
    lisa : DataFrame, optional
        Local Moran result (indexed by region id, with ``cluster``) whose significant regions are filled.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    v = values_by_id(y, w)
    label = variable_label(y)
    res = moran(y, w, permutations=0)
    z = (v - v.mean()) / v.std()
    W = w.sparse
    S0 = float(W.sum())
    lag = (W @ z) * (w.n / S0)
    ax = new_axes(ax, (6.4, 6.0))
    quad = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
    colors = np.array([LISA_COLORS[q] for q in quad], dtype=object)
    island = np.diff(W.indptr) == 0
    ax.axhline(0, color="0.55", lw=0.8, ls="--", zorder=1)
    ax.axvline(0, color="0.55", lw=0.8, ls="--", zorder=1)
    if lisa is None:
        ax.scatter(z[~island], lag[~island], c=list(colors[~island]), s=36, edgecolor="0.25", linewidth=0.5,
                   alpha=0.9, zorder=3)
    else:
        sig, rule = _significant(lisa, w)
        fill, hollow = sig & ~island, ~sig & ~island
        ax.scatter(z[fill], lag[fill], c=list(colors[fill]), s=44, edgecolor="0.2", linewidth=0.6, zorder=3,
                   gid="lisa-significant")
        ax.scatter(z[hollow], lag[hollow], s=36, facecolor="white", edgecolor=list(colors[hollow]), linewidth=1.3,
                   zorder=3, gid="lisa-not-significant")
        # legend entries in neutral grey: the colour of a point is its quadrant, the fill its significance
        ax.scatter([], [], s=44, facecolor="0.45", edgecolor="0.2", linewidth=0.6,
                   label=f"significant LISA ({rule}): filled ({int(fill.sum())})")
        ax.scatter([], [], s=36, facecolor="white", edgecolor="0.45", linewidth=1.3,
                   label=f"not significant: hollow ({int(hollow.sum())})")
    if island.any():
        ax.scatter(z[island], lag[island], s=36, facecolor="white", edgecolor="0.45", linewidth=0.9, zorder=3,
                   label=f"no neighbours ({int(island.sum())})")
    lim_x = max(np.abs(z).max(), 1.0) * 1.12
    lim_y = max(np.abs(lag).max(), 1.0) * 1.12
    xs = np.array([-lim_x, lim_x])
    ax.plot(xs, lag.mean() + res.I * xs, color="#b2182b", lw=1.8, zorder=4,
            label=f"slope = Moran's I = {res.I:.3f}")
    ax.set_xlim(-lim_x, lim_x)
    ax.set_ylim(-lim_y, lim_y)
    for text, (hx, hy) in {"HH": (1, 1), "LH": (-1, 1), "LL": (-1, -1), "HL": (1, -1)}.items():
        ax.text(0.97 if hx > 0 else 0.03, 0.97 if hy > 0 else 0.03, text, transform=ax.transAxes,
                ha="right" if hx > 0 else "left", va="top" if hy > 0 else "bottom", fontsize=13,
                fontweight="bold", color=LISA_COLORS[text] if text in ("HH", "LL") else "0.35", alpha=0.9)
    if annotate is not None and annotate is not False:
        ids = list(w.ids) if annotate is True else list(annotate)
        pos = w.ids.get_indexer(ids)
        if (pos < 0).any():
            missing = [i for i, p in zip(ids, pos, strict=True) if p < 0]
            raise SpatialInnoError(f"annotate ids not in the weights: {preview(missing)}; use ids from w.ids")
        for i, p in zip(ids, pos, strict=True):
            ax.annotate(str(i), (z[p], lag[p]), xytext=(3, 3), textcoords="offset points", fontsize=7, color="0.2")
    ax.set_xlabel(f"{label} (standardised)", fontsize=11)
    ax.set_ylabel(f"spatial lag of {label} (standardised)", fontsize=11)
    sub = f"I = {res.I:.3f}, z = {res.z_rand:.2f}, p = {_fmt_p(res.p_rand)} (randomisation), n = {res.n}"
    set_titles(ax, title or f"Moran scatterplot of {label}", sub)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, fontsize=9, ncols=2)
    ax.tick_params(labelsize=9)
    ax.set_aspect("auto")
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    return ax


def moran_by_period(table: pd.DataFrame, ax=None, *, moments: str = "randomisation", alpha: float = 0.05,
                    title: str | None = None, label: str = "Moran's I"):
    """Moran's I over time with the (1 - alpha) band expected without spatial autocorrelation.

    The grey band is ``expected +/- z_{1-alpha/2} sqrt(variance)`` with the randomisation (default) or
    normality moments: points outside it are significant at ``alpha`` (filled markers), points inside
    are hollow.

    Parameters
    ----------
    table : pd.DataFrame
        Output of :func:`si.moran_by_period` (index: periods; columns ``I``, ``expected``,
        ``variance_rand``/``variance_norm``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    moments : str
        ``"randomisation"`` or ``"normality"``.
    alpha : float
        Significance level of the band, in (0, 1).
    title : str, optional
        Title (default ``"<label> by period"``).
    label : str
        Name of the statistic on the axis and legend.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    if moments not in ("randomisation", "normality"):
        raise SpatialInnoError(f"moments must be 'randomisation' or 'normality' (got {moments!r})")
    if not 0 < alpha < 1:
        raise SpatialInnoError(f"alpha must lie strictly between 0 and 1 (got {alpha!r})")
    var = "variance_rand" if moments == "randomisation" else "variance_norm"
    need = ["I", "expected", var]
    if not isinstance(table, pd.DataFrame) or any(c not in table.columns for c in need):
        raise SpatialInnoError(f"table must be the DataFrame from si.moran_by_period (columns {', '.join(need)})")
    if len(table) == 0:
        raise SpatialInnoError("table has no periods to plot")
    t = table.sort_index()
    x = t.index.to_numpy()
    I = t["I"].to_numpy(float)
    E = t["expected"].to_numpy(float)
    half = stats.norm.ppf(1 - alpha / 2) * np.sqrt(t[var].to_numpy(float))
    ax = new_axes(ax, (7.5, 4.2))
    level = f"{100 * (1 - alpha):g}%"
    ax.fill_between(x, E - half, E + half, color="0.85", lw=0, zorder=1,
                    label=f"{level} band under no autocorrelation ({moments})")
    ax.plot(x, E, color="0.5", lw=0.9, ls="--", zorder=2, label="E[I] = -1/(n-1)")
    ax.plot(x, I, color="#2c7bb6", lw=2.0, zorder=3)
    sig = np.abs(I - E) > half
    ax.scatter(x[sig], I[sig], s=42, color="#2c7bb6", edgecolor="white", linewidth=0.8, zorder=4,
               label=f"{label} (significant at {alpha:g})")
    ax.scatter(x[~sig], I[~sig], s=42, facecolor="white", edgecolor="#2c7bb6", linewidth=1.5, zorder=4,
               label=f"{label} (not significant)")
    if np.issubdtype(np.asarray(x).dtype, np.integer):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(len(x), 10)))
    ax.set_xlabel(str(t.index.name or "period"), fontsize=11)
    ax.set_ylabel(label, fontsize=11)
    ax.set_title(title or f"{label} by period", fontsize=13)
    ax.legend(fontsize=8.5, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2)
    ax.tick_params(labelsize=9)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    return ax
