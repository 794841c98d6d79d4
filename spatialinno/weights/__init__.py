"""Spatial weights indexed by region ids: builders, normalisations, the Weights class and time-varying weights."""

from .contiguity import contiguity
from .distance import distance_band, inverse_distance, knn
from .economic import economic_distance, economic_distance_by_period, nested
from .geometry import great_circle_km
from .period import PeriodWeights, by_period
from .weights import Weights

__all__ = ["Weights", "contiguity", "inverse_distance", "distance_band", "knn", "economic_distance", "nested",
           "great_circle_km", "PeriodWeights", "by_period", "economic_distance_by_period"]
