"""spatialinno: spatial econometrics of regional innovation.

Weights indexed by region ids, exploratory diagnostics, maximum-likelihood spatial models for
cross-sections and panels, LeSage-Pace effects with inference, and distance decay of spillovers.
"""

from . import datasets, models, weights
from .errors import SpatialInnoError
from .models import ols, sac, sar, sdem, sdm, sem, slx
from .models.tests import hausman
from .weights import Weights

__version__ = "0.1.0"

__all__ = ["SpatialInnoError", "Weights", "weights", "datasets", "models", "ols", "slx", "sar", "sem", "sdm", "sdem",
           "sac", "hausman", "__version__"]
