"""Dynamic panel GMM: Arellano-Bond difference and Blundell-Bond system GMM, optionally with W y_t.

Modules: ``panel`` (formula lag terms, the entity x period grid), ``instruments`` (stacked equations and
instrument blocks), ``estimator`` (one/two-step GMM, Windmeijer variance), ``specification_tests``
(AR(m), Sargan, Hansen), ``results`` (``GMMResults``), ``api`` (``dynamic_gmm``).
"""

from .api import dynamic_gmm
from .results import GMMResults

__all__ = ["dynamic_gmm", "GMMResults"]
