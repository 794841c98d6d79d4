"""spatialinno: spatial econometrics of regional innovation.

Weights indexed by region ids, exploratory diagnostics, maximum-likelihood spatial models for
cross-sections and panels, LeSage-Pace effects with inference, distance decay of spillovers,
spatial IV/GMM, dynamic panel GMM and Monte Carlo studies.
"""

from . import agglomeration, datasets, io, models, parallel, plot, weights
from .decay import distance_decay
from .diagnostics import (
    bivariate_moran,
    cd_test,
    geary,
    getis_ord,
    lm_tests,
    local_bivariate_moran,
    local_getis_ord,
    local_moran,
    moran,
    moran_by_period,
    moran_residuals,
    vif,
)
from .errors import SpatialInnoError, SpatialInnoWarning
from .gmm import dynamic_gmm
from .iv import gs2sls, gs3sls
from .models import fixed_effects_lr, hausman, mundlak_test, ols, sac, sar, sdem, sdm, sem, slx
from .selection import ModelChoice, select_model
from .simulation import simulate_study
from .tables import compare
from .weights import Weights

__version__ = "0.2.0.dev0"

__all__ = [
    "SpatialInnoError", "SpatialInnoWarning", "Weights", "__version__",
    # subpackages and modules
    "agglomeration", "datasets", "io", "models", "parallel", "plot", "weights",
    # diagnostics
    "moran", "moran_by_period", "bivariate_moran", "geary", "getis_ord", "local_moran", "local_bivariate_moran",
    "local_getis_ord", "lm_tests", "vif", "cd_test", "moran_residuals",
    # models
    "ols", "slx", "sar", "sem", "sdm", "sdem", "sac", "gs2sls", "gs3sls", "dynamic_gmm",
    "select_model", "ModelChoice", "hausman", "mundlak_test", "fixed_effects_lr",
    # studies and output
    "distance_decay", "simulate_study", "compare",
]
