"""Spatial models estimated by maximum likelihood, their effects and tests."""

from .model import fit, ols, sac, sar, sdem, sdm, sem, slx
from .results import SpatialResults

__all__ = ["fit", "ols", "slx", "sar", "sem", "sdm", "sdem", "sac", "SpatialResults"]
