"""Normalisations of a spatial weights matrix.

- ``row``: w_ij / sum_j w_ij (rows of islands stay zero). Eigenvalues of a row-normalised
  W lie in [-1, 1] with largest eigenvalue 1 (Anselin 1988).
- ``spectral``: W / max_i |lambda_i(W)|, so the spectral radius is 1 (Kelejian & Prucha 2010).
- ``minmax``: W / min(max_i sum_j w_ij, max_j sum_i w_ij) (Kelejian & Prucha 2010); keeps
  symmetry of a symmetric W.
- ``none``: unchanged.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..constants import DENSE_EIGEN_NORMALIZE_MAX
from ..errors import SpatialInnoError

KINDS = ("row", "spectral", "minmax", "none")


def spectral_radius(m: sp.csr_matrix) -> float:
    """Spectral radius ``max_i |lambda_i(m)|`` of a square sparse matrix.

    Dense eigenvalues up to :data:`spatialinno.constants.DENSE_EIGEN_NORMALIZE_MAX` rows, the largest-
    magnitude eigenvalue from ARPACK (``scipy.sparse.linalg.eigs``, tol 1e-12) above.

    Parameters
    ----------
    m : scipy.sparse.csr_matrix
        Square matrix.

    Returns
    -------
    float
        The largest absolute eigenvalue (0 for a matrix without entries).
    """
    n = m.shape[0]
    if m.nnz == 0:
        return 0.0
    if n <= DENSE_EIGEN_NORMALIZE_MAX:
        return float(np.max(np.abs(np.linalg.eigvals(m.toarray()))))
    vals = spla.eigs(m.astype(float), k=1, which="LM", return_eigenvectors=False, tol=1e-12)
    return float(np.abs(vals[0]))


def normalize_matrix(raw: sp.csr_matrix, kind: str) -> sp.csr_matrix:
    """Normalise a raw weights matrix (formulas in the module docstring).

    ``row``: w_ij / sum_j w_ij; ``spectral``: W / max_i |lambda_i(W)|; ``minmax``:
    W / min(max_i sum_j w_ij, max_j sum_i w_ij) (Kelejian & Prucha 2010); ``none``: a copy.

    Parameters
    ----------
    raw : scipy.sparse matrix
        Raw (unnormalised) weights; not modified.
    kind : str
        One of :data:`KINDS`.

    Returns
    -------
    scipy.sparse.csr_matrix
        A new float CSR matrix.

    Raises
    ------
    SpatialInnoError
        For an unknown ``kind``, or a spectral/minmax normalisation of a matrix without links.
    """
    if kind not in KINDS:
        raise SpatialInnoError(f"unknown normalisation {kind!r}; use one of {', '.join(KINDS)}")
    m = sp.csr_matrix(raw, dtype=float, copy=True)
    if kind == "none":
        return m
    if kind == "row":
        rs = np.asarray(m.sum(axis=1)).ravel()
        inv = np.divide(1.0, rs, out=np.zeros_like(rs), where=rs != 0)
        return sp.csr_matrix(sp.diags(inv) @ m)
    if kind == "spectral":
        scale = spectral_radius(m)
    else:
        scale = min(np.abs(m).sum(axis=1).max(), np.abs(m).sum(axis=0).max())
    if scale == 0:
        raise SpatialInnoError(f"cannot {kind}-normalise a weights matrix with no links")
    return m / scale
