"""spatialinno: spatial econometrics of regional innovation.

Weights indexed by region ids, exploratory diagnostics, maximum-likelihood spatial models for
cross-sections and panels, LeSage-Pace effects with inference, and distance decay of spillovers.
"""

from . import agglomeration, datasets, models, plot, weights
from .diagnostics import (bivariate_moran, geary, getis_ord, lm_tests, local_bivariate_moran, local_getis_ord,
                          local_moran, moran, moran_by_period)
from .diagnostics import cd_test, moran_residuals, vif
from .errors import SpatialInnoError
from .models import ols, sac, sar, sdem, sdm, sem, slx
from .decay import distance_decay
from .models.tests import fixed_effects_lr, hausman
from .tables import compare
from .weights import Weights

__version__ = "0.1.0"

__all__ = ["SpatialInnoError", "Weights", "weights", "datasets", "models", "ols", "slx", "sar", "sem", "sdm", "sdem",
           "sac", "agglomeration", "compare", "distance_decay", "hausman", "fixed_effects_lr", "plot", "moran", "moran_by_period", "local_moran", "bivariate_moran",
           "local_bivariate_moran", "geary", "getis_ord", "local_getis_ord", "lm_tests", "vif", "cd_test",
           "moran_residuals", "__version__"]
