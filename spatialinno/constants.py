"""Constants shared across spatialinno: one home for defaults that several modules use.

Changing a value here changes every place that uses it; nothing else in the package defines a seed,
a model list or a dense/sparse threshold of its own.
"""

from __future__ import annotations

from typing import Final

#: Default seed of every random draw of estimation output (effect simulation, bootstrap, decay sweeps, CLI).
DEFAULT_SEED: Final[int] = 20240601
#: Default seed of permutation inference (global and local Moran, Geary, Getis-Ord).
PERMUTATION_SEED: Final[int] = 12345

#: Every maximum-likelihood model family, in the order tables and reports list them.
MODEL_FAMILIES: Final[tuple[str, ...]] = ("OLS", "SLX", "SAR", "SEM", "SDM", "SDEM", "SAC")
#: Families with a spatially lagged outcome (rho W y): their effects need (I - rho W)^-1.
LAG_FAMILIES: Final[tuple[str, ...]] = ("SAR", "SDM", "SAC")
#: Families with spillovers through W y or W X (non-zero indirect effects).
SPILLOVER_FAMILIES: Final[tuple[str, ...]] = ("SLX", "SAR", "SDM", "SDEM", "SAC")

#: Up to this many regions the log-determinant uses all eigenvalues of W (dense); above, sparse LU.
EIGEN_MAX: Final[int] = 1500
#: Up to this many regions information-matrix traces are exact (dense LU with identity probes).
DENSE_INFORMATION_MAX: Final[int] = 1500
#: Random-effects panels use dense N x N algebra up to this many regions (refused above).
DENSE_RANDOM_EFFECTS_MAX: Final[int] = 3000
#: Distance-based weights build a dense N x N distance matrix up to this many regions (a KD-tree above).
DENSE_DISTANCE_MAX: Final[int] = 5000
#: Spectral normalisation computes all eigenvalues densely up to this many regions (ARPACK above).
DENSE_EIGEN_NORMALIZE_MAX: Final[int] = 2000

#: n_jobs > 1 starts local worker processes only when the estimated serial run time of the remaining tasks is at
#: least this many seconds: about the start-up of the first process pool of a session (1.6 s: fork server started,
#: spatialinno imported, measured on an idle 2-core machine; later pools start in 0.1 s). See parallel.py.
PROCESS_POOL_MIN_SECONDS: Final[float] = 2.0
