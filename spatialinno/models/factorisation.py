"""Sparse factorisations of I - r S for the exact log-determinant and solves: the backends.

- ``scipy`` (default, BSD): SuperLU (``scipy.sparse.linalg.splu``) of I - r S; log|det| = sum log|U_ii|
  (Pace & Barry 1997). Always available.
- ``cholmod`` (optional accelerator): CHOLMOD's supernodal Cholesky (Chen, Davis, Hager & Rajamanickam
  2008) through the ``cvxopt`` wheel, ``pip install "spatialinno[fast]"``. For a row-normalised W from a
  symmetric C, I - r W = D^-1/2 (I - r S) D^1/2 with S = D^-1/2 C D^-1/2, and I - r S is symmetric
  positive definite for r in the admissible interval (1/lambda_min, 1/lambda_max), so
  log|I - r W| = log|I - r S| = 2 sum log L_ii with P (I - r S) P' = L L'. The symbolic analysis (AMD
  ordering and supernodal structure) is done once per W; each r costs one numeric refactorisation.
  CHOLMOD's supernodal module and cvxopt are GPL: the accelerator is detected at run time, never
  required, and used only for W with a symmetric form (else SuperLU).

The backend is chosen by the environment variable ``SPATIALINNO_SOLVER``: ``auto`` (default: ``cholmod``
when cvxopt imports, else ``scipy``), ``scipy`` or ``cholmod`` (an error when cvxopt is missing).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import SpatialInnoError

#: environment variable naming the sparse backend (``auto``, ``scipy`` or ``cholmod``)
SOLVER_ENV = "SPATIALINNO_SOLVER"
BACKENDS = ("auto", "scipy", "cholmod")
#: human-readable backend names (shown in the summary's log-determinant line and the benchmark)
LABELS = {"scipy": "SuperLU (scipy)", "cholmod": "CHOLMOD supernodal (cvxopt)"}

Solve = Callable[[np.ndarray], np.ndarray]


def supernodal_available() -> bool:
    """Whether the optional CHOLMOD supernodal backend (the ``cvxopt`` package) is installed.

    Returns
    -------
    bool
    """
    return importlib.util.find_spec("cvxopt") is not None


def solver_backend(symmetric: bool = True) -> str:
    """The sparse backend the exact log-determinant uses: ``"cholmod"`` or ``"scipy"``.

    Read from ``SPATIALINNO_SOLVER`` (``auto`` when unset); CHOLMOD needs W's symmetric form, so
    ``symmetric=False`` always gives ``"scipy"``.

    Parameters
    ----------
    symmetric : bool
        Whether W is similar to a symmetric matrix (see :func:`.logdet.symmetric_form`).

    Returns
    -------
    str
    """
    choice = os.environ.get(SOLVER_ENV, "auto").strip().lower() or "auto"
    if choice not in BACKENDS:
        raise SpatialInnoError(f"{SOLVER_ENV}={choice!r} is not a solver backend; use one of {', '.join(BACKENDS)}")
    if choice == "cholmod" and not supernodal_available():
        raise SpatialInnoError(f"{SOLVER_ENV}=cholmod needs the optional accelerator: pip install "
                               f"\"spatialinno[fast]\" (cvxopt, GPL), or set {SOLVER_ENV}=scipy")
    if choice == "scipy" or not symmetric:
        return "scipy"
    return "cholmod" if supernodal_available() else "scipy"


class SuperLUFactoriser:
    """SuperLU of I - r M with the fill-reducing order found once (by the first factorisation).

    Parameters
    ----------
    m : csc_matrix
        S (symmetric form) or W.
    """

    backend = "scipy"

    def __init__(self, m: sp.csc_matrix) -> None:
        self._m = sp.csc_matrix(m)
        self._eye = sp.identity(m.shape[0], format="csc")
        self._order: tuple[np.ndarray, sp.csc_matrix] | None = None

    def factorise(self, r: float) -> tuple[float, Solve]:
        """(log|det(I - r M)|, Z -> (I - r M)^-1 Z).

        The first call orders by SuperLU's MMD on M'+M; later calls factorise P'MP in the natural order.

        Parameters
        ----------
        r : float

        Returns
        -------
        (float, callable)
        """
        perm: np.ndarray | None
        if self._order is None:
            lu = spla.splu(self._eye - r * self._m, permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True})
            inv = np.argsort(lu.perm_c)
            self._order = inv, sp.csc_matrix(self._m[inv][:, inv])
            perm = None
        else:
            perm, m_perm = self._order
            lu = spla.splu(self._eye - r * m_perm, permc_spec="NATURAL", options={"SymmetricMode": True})
        U = lu.U
        # SuperLU's U is CSC with sorted row indices: the diagonal is the last stored entry of each column
        value = float(np.sum(np.log(np.abs(U.data[U.indptr[1:] - 1]))))

        def solve(b: np.ndarray) -> np.ndarray:
            if perm is None:
                return lu.solve(b)
            x = np.empty_like(b)
            x[perm] = lu.solve(b[perm])
            return x

        return value, solve

    def pin(self, r: float) -> None:
        """No-op: every SuperLU factor is its own object.

        Parameters
        ----------
        r : float
        """


class CholmodFactoriser:
    """CHOLMOD supernodal Cholesky of I - r S (S symmetric) through cvxopt; symbolic analysis once.

    A factor object holds one numeric factorisation; the solvers handed out stay valid because each
    checks that its factor still holds its r and refactorises otherwise. Up to two values of r in use by
    solvers (rho and lambda) are kept in their own factor objects, so the log-determinant evaluations of a
    search do not overwrite them.

    Parameters
    ----------
    s : sparse matrix
        Symmetric S.
    fallback : SuperLUFactoriser
        Used when the Cholesky factorisation fails (I - r S not numerically positive definite).
    """

    backend = "cholmod"

    def __init__(self, s: sp.spmatrix, fallback: SuperLUFactoriser) -> None:
        from cvxopt import matrix, spmatrix  # noqa: PLC0415 (optional dependency)

        n = s.shape[0]
        # lower triangle of I - r S in CHOLMOD's column-major order: per column the diagonal, then the strictly
        # lower entries of S in row order; values split into the S part and the I part
        low = sp.csc_matrix(sp.tril(s, k=-1))
        low.sum_duplicates()                                # canonical: sorted rows, no duplicates
        indptr = np.concatenate([[0], np.cumsum(np.diff(low.indptr) + 1)])
        first = indptr[:-1]                                 # position of each column's diagonal
        rest = np.ones(indptr[-1], dtype=bool)
        rest[first] = False
        rows = np.empty(indptr[-1], dtype=np.int64)
        rows[first], rows[rest] = np.arange(n), low.indices
        self._s_vals, self._i_vals = np.zeros(indptr[-1]), np.zeros(indptr[-1])
        self._s_vals[first], self._s_vals[rest] = sp.csr_matrix(s).diagonal(), low.data
        self._i_vals[first] = 1.0
        cols = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        self._A = spmatrix(matrix(self._i_vals), matrix(rows), matrix(cols), (n, n))  # lower triangle
        self.n = n
        self._fallback = fallback
        self._reset()

    def _reset(self) -> None:
        self._slots: list[list[Any]] = []                    # [r, factor] per symbolic factor object
        self._pinned: list[float] = []                       # values of r handed to solvers (last two)
        self._lock = threading.RLock()                       # W (and this object) may be shared by threads

    def __getstate__(self) -> dict[str, Any]:
        # numeric factors are C objects bound to this process: a copy (e.g. W sent to a Dask worker) refactorises
        return {k: v for k, v in self.__dict__.items() if k not in ("_slots", "_pinned", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    def _matrix(self, r: float) -> Any:
        from cvxopt import matrix  # noqa: PLC0415

        self._A.V = matrix(self._i_vals - r * self._s_vals)  # values in CHOLMOD's column-major order
        return self._A

    def _ensure(self, r: float) -> Any:
        """A factor object holding the numeric factorisation of I - r S (None when Cholesky fails)."""
        from cvxopt import cholmod  # noqa: PLC0415

        for slot in self._slots:
            if slot[0] == r:
                return slot[1]
        free = [s for s in self._slots if s[0] not in self._pinned]
        saved = dict(cholmod.options)
        cholmod.options.clear()
        cholmod.options.update({"supernodal": 2, "postorder": True})
        try:
            A = self._matrix(r)
            if free:
                slot = free[0]
            else:
                slot = [None, cholmod.symbolic(A, uplo="L")]
                self._slots.append(slot)
            slot[0] = None
            try:
                cholmod.numeric(A, slot[1])
            except ArithmeticError:
                return None
            slot[0] = r
            return slot[1]
        finally:
            cholmod.options.clear()
            cholmod.options.update(saved)

    def factorise(self, r: float) -> tuple[float, Solve]:
        """(log|det(I - r S)| = 2 sum log L_ii, Z -> (I - r S)^-1 Z); SuperLU when Cholesky fails.

        Parameters
        ----------
        r : float

        Returns
        -------
        (float, callable)
        """
        from cvxopt import cholmod  # noqa: PLC0415

        with self._lock:
            F = self._ensure(r)
            if F is None:
                return self._fallback.factorise(r)
            value = 2.0 * float(np.sum(np.log(np.asarray(cholmod.diag(F)).ravel())))

        def solve(b: np.ndarray) -> np.ndarray:
            from cvxopt import matrix  # noqa: PLC0415

            B = matrix(np.asfortranarray(b.reshape(self.n, -1)))
            with self._lock:
                G = self._ensure(r)
                if G is None:
                    return self._fallback.factorise(r)[1](b)
                cholmod.solve(G, B, sys=0)
            return np.asarray(B).reshape(b.shape)

        return value, solve

    def pin(self, r: float) -> None:
        """Keep the factor of ``r`` (handed to a solver) out of reach of later evaluations (last two kept).

        Parameters
        ----------
        r : float
        """
        with self._lock:
            if r not in self._pinned:
                self._pinned = (self._pinned + [r])[-2:]


def factoriser(m: sp.spmatrix, symmetric: bool) -> SuperLUFactoriser | CholmodFactoriser:
    """The factoriser of I - r M for the backend :func:`solver_backend` selects.

    Parameters
    ----------
    m : sparse matrix
        S (symmetric form of W) or W itself.
    symmetric : bool
        Whether ``m`` is the symmetric form.

    Returns
    -------
    SuperLUFactoriser or CholmodFactoriser
    """
    lu = SuperLUFactoriser(sp.csc_matrix(m))
    return CholmodFactoriser(m, lu) if solver_backend(symmetric) == "cholmod" else lu
