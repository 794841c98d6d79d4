"""Exploratory spatial diagnostics: global and local spatial autocorrelation, LM specification tests."""

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

__all__ = ["moran", "moran_by_period", "local_moran", "bivariate_moran", "local_bivariate_moran", "geary",
           "getis_ord", "local_getis_ord", "lm_tests", "MoranResult", "BivariateMoranResult", "GearyResult",
           "GetisOrdResult"]
