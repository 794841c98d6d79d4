"""Spatial models estimated by maximum likelihood, their covariance, effects and tests."""

from .bootstrap import BootstrapCovariance
from .covariance import COV_TYPES, Covariance, CovarianceError, covariance_for
from .estimate import Estimate
from .fe_tests import fixed_effects_lr
from .hausman import HausmanError
from .hypotheses import hausman, lr_test, wald_test
from .model import fit, ols, sac, sar, sdem, sdm, sem, slx
from .mundlak import mundlak_test
from .qml import QMLCovariance
from .regime_results import RegimeSpatialResults
from .regimes import RegimeError
from .results import SpatialResults

__all__ = ["fit", "ols", "slx", "sar", "sem", "sdm", "sdem", "sac", "SpatialResults", "Estimate", "Covariance",
           "CovarianceError", "COV_TYPES", "covariance_for", "fixed_effects_lr", "hausman", "HausmanError",
           "mundlak_test", "lr_test", "wald_test", "QMLCovariance", "BootstrapCovariance", "RegimeError",
           "RegimeSpatialResults"]
