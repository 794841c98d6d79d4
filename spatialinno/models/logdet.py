"""log|I - rho W| and the admissible interval of rho.

Strategies (all exact):
- ``eigen``: log|I - rho W| = sum_i log(1 - rho lambda_i) from the eigenvalues of W (Ord 1975),
  computed once per W (symmetric eigen-solve when W is similar to a symmetric matrix).
- ``sparse``: sparse LU of I - rho S, where S = D^1/2 W D^-1/2 is the symmetric form of a
  row-normalised symmetric-raw W (or W itself otherwise); log|det| = sum log|U_ii| (Pace & Barry 1997).
The interval is (1/lambda_min, 1/lambda_max) over the real eigenvalues of W (LeSage & Pace 2009, §4.1),
valid for any normalisation.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import SpatialInnoError
from ..weights import Weights

#: ``method="auto"`` uses dense eigenvalues up to this many regions, sparse LU above
EIGEN_MAX = 1500


def symmetric_form(w: Weights) -> tuple[sp.csr_matrix, np.ndarray] | None:
    """(S, d) with W = D^-1/2 S D^1/2 and S symmetric, when such a similarity is known; else None.

    For W = c * C (C symmetric) S = W and d = 1; for a row-normalised symmetric C, W = D^-1 C with
    D = diag(row sums) and S = D^-1/2 C D^-1/2, d = row sums.
    """
    if not w.is_symmetric:
        return None
    if w.normalization == "row":
        rs = np.asarray(w.raw.sum(axis=1)).ravel()
        inv = np.divide(1.0, np.sqrt(rs), out=np.zeros_like(rs), where=rs > 0)
        s = sp.diags(inv) @ w.raw @ sp.diags(inv)
        return sp.csr_matrix(s), rs
    return w.sparse, np.ones(w.n)


def eigenvalues(w: Weights) -> np.ndarray:
    """Eigenvalues of W (real array when W is similar to a symmetric matrix, else complex); cached on W."""
    if "eigenvalues" not in w._cache:
        sym = symmetric_form(w)
        if sym is not None:
            vals = np.linalg.eigvalsh(sym[0].toarray())
        else:
            vals = np.linalg.eigvals(w.sparse.toarray())
            if np.abs(vals.imag).max(initial=0) < 1e-10:
                vals = vals.real
        w._cache["eigenvalues"] = vals
    return w._cache["eigenvalues"]


def _extreme_real_eigs(w: Weights) -> tuple[float, float]:
    if "extreme_eigs" not in w._cache:
        sym = symmetric_form(w)
        if w.n <= EIGEN_MAX:
            ev = eigenvalues(w)
            re = ev.real[np.abs(np.imag(ev)) < 1e-10] if np.iscomplexobj(ev) else ev
            lo, hi = float(re.min()), float(re.max())
        elif sym is not None:
            s = sym[0]
            hi = float(spla.eigsh(s, k=1, which="LA", return_eigenvectors=False, tol=1e-10)[0])
            lo = float(spla.eigsh(s, k=1, which="SA", return_eigenvectors=False, tol=1e-10)[0])
        else:
            m = w.sparse
            hi = float(spla.eigs(m, k=1, which="LR", return_eigenvectors=False, tol=1e-10)[0].real)
            lo = float(spla.eigs(m, k=1, which="SR", return_eigenvectors=False, tol=1e-10)[0].real)
        w._cache["extreme_eigs"] = (lo, hi)
    return w._cache["extreme_eigs"]


def rho_bounds(w: Weights) -> tuple[float, float]:
    """Open interval (1/lambda_min, 1/lambda_max) on which I - rho W is non-singular."""
    lo, hi = _extreme_real_eigs(w)
    if hi <= 0 or lo >= 0:
        raise SpatialInnoError("W has no positive or no negative real eigenvalue; a spatial parameter is not identified")
    return 1.0 / lo, 1.0 / hi


class LogDet:
    """Callable rho -> log|I - rho W| with a named strategy."""

    def __init__(self, w: Weights, method: str = "auto") -> None:
        if method == "auto":
            method = "eigen" if w.n <= EIGEN_MAX else "sparse"
        if method not in ("eigen", "sparse"):
            raise SpatialInnoError(f"unknown log-determinant method {method!r}; use 'auto', 'eigen' or 'sparse'")
        self.method = method
        self.w = w
        self.bounds = rho_bounds(w)
        if method == "eigen":
            self._ev = eigenvalues(w)
        else:
            sym = symmetric_form(w)
            self._m = sp.csc_matrix(sym[0] if sym is not None else w.sparse)
            self._eye = sp.identity(w.n, format="csc")

    def __call__(self, rho: float) -> float:
        if rho == 0.0:
            return 0.0
        if self.method == "eigen":
            ev = self._ev
            if np.iscomplexobj(ev):
                return float(np.sum(np.log(1.0 - rho * ev)).real)
            return float(np.sum(np.log1p(-rho * ev)))
        lu = spla.splu(self._eye - rho * self._m, permc_spec="MMD_AT_PLUS_A",
                       options={"SymmetricMode": True})
        return float(np.sum(np.log(np.abs(lu.U.diagonal()))))
