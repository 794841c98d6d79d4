"""Spatial weights indexed by region ids: builders, normalisations and the Weights class."""

from .contiguity import contiguity
from .distance import distance_band, inverse_distance, knn
from .economic import economic_distance, nested
from .geometry import great_circle_km
from .weights import Weights

__all__ = ["Weights", "contiguity", "inverse_distance", "distance_band", "knn", "economic_distance", "nested",
           "great_circle_km"]
