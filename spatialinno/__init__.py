"""spatialinno: spatial econometrics of regional innovation.

Weights indexed by region ids, exploratory diagnostics, maximum-likelihood spatial models for
cross-sections and panels, LeSage-Pace effects with inference, and distance decay of spillovers.
"""

from . import agglomeration, datasets, io, models, plot, weights
from .decay import distance_decay
from .diagnostics import (
                          bivariate_moran,
                          geary,
                          getis_ord,
                          lm_tests,
                          local_bivariate_moran,
                          local_getis_ord,
                          local_moran,
                          moran,
                          moran_by_period,
)
from .errors import SpatialInnoError
from .gmm import dynamic_gmm
from .iv import gs2sls, gs3sls
from .models import fixed_effects_lr, hausman, ols, sac, sar, sdem, sdm, sem, slx
from .selection import ModelChoice, select_model
from .tables import compare
from .weights import Weights

__version__ = "0.1.0"

__all__ = ["SpatialInnoError", "Weights", "weights", "datasets", "models", "io", "ols", "slx", "sar", "sem", "sdm",
           "sdem", "sac", "agglomeration", "compare", "select_model", "ModelChoice", "distance_decay", "dynamic_gmm",
           "gs2sls", "gs3sls",
           "hausman", "fixed_effects_lr", "plot", "moran", "moran_by_period", "local_moran", "bivariate_moran",
           "local_bivariate_moran", "geary", "getis_ord", "local_getis_ord", "lm_tests", "__version__"]
