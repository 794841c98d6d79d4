"""Plots: maps (choropleth, LISA clusters, spillovers; interactive ``explore``) and diagnostic charts.

Every function draws with matplotlib on ``ax=`` (a new figure when None), returns the Axes and
never calls ``plt.show()``.
"""

from .diagnostics import moran_by_period, moran_scatter
from .effects import decay_plot, effects_plot, spillover_map
from .explore import explore, explore_results
from .maps import choropleth, lisa_map

__all__ = ["choropleth", "lisa_map", "moran_scatter", "moran_by_period", "effects_plot", "decay_plot", "spillover_map",
           "explore", "explore_results"]
