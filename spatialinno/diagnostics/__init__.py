"""Exploratory spatial diagnostics: global and local spatial autocorrelation, LM specification tests."""

from .collinearity import vif
from .cross_dependence import CDTestResult, cd_test
from .lm_tests import lm_tests
from .local import local_bivariate_moran, local_getis_ord, local_moran
from .moran import (
    BivariateMoranResult,
    GearyResult,
    GetisOrdResult,
    MoranResult,
    bivariate_moran,
    geary,
    getis_ord,
    moran,
    moran_by_period,
)
from .residual_moran import ResidualMoranError, ResidualMoranResult, moran_residuals

__all__ = ["moran", "moran_by_period", "local_moran", "bivariate_moran", "local_bivariate_moran", "geary",
           "getis_ord", "local_getis_ord", "lm_tests", "MoranResult", "BivariateMoranResult", "GearyResult",
           "GetisOrdResult", "vif", "cd_test", "CDTestResult", "moran_residuals", "ResidualMoranResult",
           "ResidualMoranError"]
