"""Endogeneity: spatial two- and three-stage least squares with generalised moments for spatial errors."""

from .results import IVResults, SystemResults
from .system import gs3sls
from .twosls import gs2sls

__all__ = ["gs2sls", "gs3sls", "IVResults", "SystemResults"]
