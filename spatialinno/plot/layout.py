"""Axes, titles and colours shared by every plot of :mod:`spatialinno.plot`."""

from __future__ import annotations

from typing import Any

#: GeoDa LISA colours, used by the Moran scatterplot and the LISA cluster map
LISA_COLORS = {"HH": "#d7191c", "LL": "#2c7bb6", "LH": "#abd9e9", "HL": "#fdae61", "ns": "#d3d3d3"}


def new_axes(ax: Any, figsize: tuple[float, float]) -> Any:
    """The Axes to draw on: ``ax`` itself, or the Axes of a new figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        Axes given by the caller.
    figsize : tuple of float
        Size (inches) of the new figure when ``ax`` is None.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, or a new Axes in a figure with constrained layout.
    """
    if ax is not None:
        return ax
    # imported when a plot is drawn: matplotlib adds ~1.5 s to ``import spatialinno`` and picks a backend
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def set_titles(ax: Any, title: str | None, subtitle: str | None = None) -> None:
    """Title with an optional smaller grey subtitle line beneath it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to title.
    title : str or None
        Main title (none when empty).
    subtitle : str or None
        Smaller grey line between the title and the axes.

    Returns
    -------
    None
        The Axes is modified in place.
    """
    if subtitle:
        ax.set_title(title or "", fontsize=13, pad=20)
        ax.text(0.5, 1.012, subtitle, transform=ax.transAxes, ha="center", va="bottom", fontsize=9, color="0.35")
    elif title:
        ax.set_title(title, fontsize=13)
