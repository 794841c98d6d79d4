"""Dynamic panel GMM: Arellano-Bond difference and Blundell-Bond system GMM, optionally with W y_t.

Modules: ``panel`` (formula lag terms, the entity x period grid), ``instruments`` (stacked equations and
instrument blocks), ``estimator`` (one/two-step GMM, Windmeijer variance), ``specification_tests``
(AR(m), Sargan, Hansen), ``results`` (``GMMResults``), ``api`` (``dynamic_gmm``).

Written directly in numpy rather than on linearmodels' ``IVGMM``: that estimator takes one instrument matrix
for independent rows, whereas dynamic panel GMM needs per-group block-diagonal instruments over stacked
differenced and level equations, the one-step kernel H, unbalanced groups as zero rows, the Windmeijer
correction and the Arellano-Bond AR tests -- none of which it provides; pydynpd is young and has no spatial
lag. The algebra is a few group sums (:mod:`spatialinno.gmm.estimator`).
"""

from .api import dynamic_gmm
from .results import GMMResults

__all__ = ["dynamic_gmm", "GMMResults"]
