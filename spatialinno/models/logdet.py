"""log|I - rho W|, the admissible interval of rho, and trace moments of W.

Strategies:
- ``eigen`` (exact): log|I - rho W| = sum_i log(1 - rho lambda_i) from the eigenvalues of W (Ord 1975),
  computed once per W (symmetric eigen-solve when W is similar to a symmetric matrix).
- ``sparse`` (exact): sparse factorisation of I - rho S, where S = D^-1/2 C D^-1/2 is the symmetric form of
  a row-normalised symmetric C (or W itself otherwise): SuperLU, log|det| = sum log|U_ii| (Pace & Barry
  1997), or with the optional accelerator CHOLMOD's supernodal Cholesky, log|det| = 2 sum log L_ii (see
  :mod:`.factorisation`). The symbolic analysis is done once per W; the last factor also serves solves
  with I - rho W.
- ``series`` (approximate, on request): log|I - rho W| = -sum_j rho^j tr(W^j)/j with tr(W), tr(W^2)
  exact and tr(W^j), j >= 3, by Hutchinson's estimator with seeded Rademacher vectors (Barry & Pace
  1999), truncated at ``MAX_ORDER`` terms. Its error moves rho by ~1e-4 to 1e-3; the exact strategies
  are the default.
The interval is (1/lambda_min, 1/lambda_max) over the real eigenvalues of W (LeSage & Pace 2009, §4.1),
valid for any normalisation; above ``EIGEN_MAX`` regions a row-normalised W uses (-1, 1), which lies
inside that interval because its eigenvalues lie in [-1, 1].
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..constants import EIGEN_MAX
from ..errors import SpatialInnoError
from ..weights import Weights
from .factorisation import LABELS, factoriser, solver_backend
from .newton import local_expansion

#: Rademacher probes of the trace moments tr(W^j): 2e6/N, between 32 and 256 (the estimates'
#: relative error shrinks like 1/sqrt(N * probes), so large maps need fewer probes)
PROBES = (32, 256)
MAX_ORDER = 200
#: series terms and probes of the approximation that only guides the search before exact factorisations:
#: SEARCH_PROBES probes up to SEARCH_PROBE_N regions, fewer above (N x probes >= 1e5, at least SEARCH_MIN_PROBES);
#: tr(W^j), j <= 4, are exact (:func:`search_moments`)
SEARCH_ORDER = 100
SEARCH_PROBES = 16
SEARCH_PROBE_N = 6_250
SEARCH_MIN_PROBES = 1
#: exact tr(W^3), tr(W^4) in the search guide only while W^2 has at most this many non-zeros per region
EXACT_SQUARE_NNZ = 64
#: exact sparse log-determinants memoised per LogDet (the Newton stencils and the information traces share them)
MEMO = 32


def rademacher(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Rademacher probes (+-1 with probability 1/2 each), as ``rng.choice([-1.0, 1.0], size=shape)`` draws them
    (same stream, same values) without its indexing pass.

    Parameters
    ----------
    rng : Generator
    shape : tuple of int

    Returns
    -------
    ndarray
    """
    z = rng.integers(0, 2, size=shape).astype(float)
    z *= 2.0
    z -= 1.0
    return z


def trace_moments(w: Weights, order: int, probes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(tr(W^j), 1'W^j 1) for j = 0..order, cached on W (per probe count and order).

    tr(W^0) = n, tr(W) and tr(W^2) exact, tr(W^j), j >= 3, Hutchinson estimates with ``probes`` seeded
    Rademacher vectors (default 2e6/N between 32 and 256; LeSage & Pace 2009, §4.5); 1'W^j 1 exact. When W is
    similar to a symmetric S (:func:`symmetric_form`) the estimates are z'S^j z = (S^a z)'(S^b z), a + b = j,
    from the products S^k Z, k <= ceil(order/2): half the sparse products of z'W^j z.
    Shared by the series log-determinant and the effects.

    Parameters
    ----------
    w : Weights
    order : int
        Highest power j.
    probes : int, optional
        Number of Rademacher probes (default 2e6/N clipped to ``PROBES``).

    Returns
    -------
    (ndarray, ndarray)
        tr(W^j) and 1'W^j 1 for j = 0..order.
    """
    per_probe, tot = probe_moments(w, order, probes)
    return w.memo(("trace_moments", per_probe.shape[0], order), lambda: _read_only(per_probe.mean(axis=0))), tot


def probe_moments(w: Weights, order: int, probes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-probe trace moments: row i holds z_i'W^j z_i, j = 0..order (their mean is :func:`trace_moments`).

    Columns j = 0, 1, 2 hold the exact n, tr(W), tr(W^2) in every row, so the spread of a column over the rows
    is the Monte Carlo spread of one probe's estimate of tr(W^j) (zero where exact); the standard error of
    the mean over m probes is that spread / sqrt(m) (Hutchinson 1990). Cached on W.

    Parameters
    ----------
    w : Weights
    order : int
        Highest power j.
    probes : int, optional
        Number of Rademacher probes (default 2e6/N clipped to ``PROBES``).

    Returns
    -------
    (ndarray, ndarray)
        (probes, order + 1) per-probe moments and the exact 1'W^j 1, j = 0..order.
    """
    m = probes or default_probes(w.n)
    return w.memo(("probe_moments", m, order), lambda: _probe_moments(w, order, m))


def default_probes(n: int) -> int:
    """Default number of Rademacher probes of the trace moments: 2e6/n clipped to ``PROBES``.

    Parameters
    ----------
    n : int
        Number of regions.

    Returns
    -------
    int
    """
    return int(np.clip(2e6 / max(n, 1), *PROBES))


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _probe_moments(w: Weights, order: int, m: int, totals: bool = True) -> tuple[np.ndarray, np.ndarray]:
    n = w.n
    Wm = w.sparse
    Z = rademacher(np.random.default_rng(7), (n, m))
    tr, tot = np.zeros((m, order + 1)), np.zeros(order + 1)
    tr[:, 0], tot[0] = n, n
    v = np.ones(n)
    for j in range(1, order + 1 if totals else 1):
        v = Wm @ v
        tot[j] = v.sum()
    sym = symmetric_form(w)
    if sym is not None:
        # W = D^-1/2 S D^1/2 with S symmetric: tr(W^j) = tr(S^j), and z'S^(a+b)z = (S^a z)'(S^b z), so the
        # products P_k = S^k Z up to k = ceil(order / 2) give every moment (half the sparse products)
        S = sym[0]
        prev, cur = Z, S @ Z
        for k in range(1, order // 2 + 1):
            tr[:, 2 * k - 1] = np.einsum("ij,ij->j", prev, cur)
            tr[:, 2 * k] = np.einsum("ij,ij->j", cur, cur)
            if 2 * k + 1 <= order:
                prev, cur = cur, S @ cur
        if order % 2 == 1:
            tr[:, order] = np.einsum("ij,ij->j", prev, cur)
    else:
        Zk = Z.copy()
        for j in range(1, order + 1):
            Zk = Wm @ Zk
            tr[:, j] = np.einsum("ij,ij->j", Z, Zk)
    tr[:, 1] = Wm.diagonal().sum()
    if order >= 2:       # tr(W^2) = sum_ij w_ij w_ji, = sum_ij s_ij^2 for the symmetric form (no transpose)
        tr[:, 2] = float(np.sum(sym[0].data ** 2)) if sym is not None else Wm.multiply(Wm.T).sum()
    return _read_only(tr), _read_only(tot)


def search_moments(w: Weights, order: int, probes: int) -> np.ndarray:
    """tr(W^j), j = 0..order, for the search guide: exact up to j = 4, Hutchinson estimates beyond; cached on W.

    tr(W^0) = n, tr(W) = sum_i w_ii, tr(W^2) = sum_ij w_ij w_ji, tr(W^3) = sum_ij (W^2)_ij w_ji and
    tr(W^4) = sum_ij (W^2)_ij (W^2)_ji (tr(AB) = sum_ij a_ij b_ji) from the sparse W^2, formed only when it
    has at most ``EXACT_SQUARE_NNZ`` non-zeros per region (else j = 3, 4 are estimated too); j >= 5 as in
    :func:`probe_moments` with ``probes`` seeded Rademacher vectors (1'W^j 1 is not formed). The error of
    the guide's log-determinant derivative, -sum_j rho^(j-1) (tr^(W^j) - tr(W^j)), then starts at the
    rho^4 term: its standard deviation is at most sqrt(2 / probes) sum_(j>=5) |rho|^(j-1) ||W^j||_F
    (Hutchinson 1990), 1/16 of the j >= 3 sum at rho = 0.5, which is what lets the guide use few probes.

    Parameters
    ----------
    w : Weights
    order : int
        Highest power j (>= 4).
    probes : int
        Number of Rademacher probes.

    Returns
    -------
    ndarray
        (order + 1,) tr(W^j).
    """
    return w.memo(("search_moments", probes, order), lambda: _read_only(_search_moments(w, order, probes)))


def _search_moments(w: Weights, order: int, m: int) -> np.ndarray:
    tr = _probe_moments(w, order, m, totals=False)[0].mean(axis=0)
    sym = symmetric_form(w)
    A = sp.csr_matrix(sym[0] if sym is not None else w.sparse)   # tr(S^j) = tr(W^j) for the symmetric form
    if float(np.diff(A.indptr) @ np.bincount(A.indices, minlength=w.n)) <= EXACT_SQUARE_NNZ * w.n:
        A2 = A @ A                                                 # (the bound above is an upper bound on nnz)
        if sym is not None:
            tr[3], tr[4] = A2.multiply(A).sum(), float(np.sum(A2.data ** 2))
        else:
            tr[3], tr[4] = A2.multiply(A.T).sum(), A2.multiply(A2.T).sum()
    return tr


def search_probes(n: int) -> int:
    """Rademacher probes of the trace moments that guide the exact search: ``SEARCH_PROBES`` up to
    ``SEARCH_PROBE_N`` regions, then SEARCH_PROBES x SEARCH_PROBE_N / n (at least ``SEARCH_MIN_PROBES``).

    A Hutchinson estimate of tr(W^j) with m probes has variance 2 (||W^j||_F^2 - sum_i (W^j)_ii^2) / m
    (Hutchinson 1990), relative error ~ sqrt(2 / (n m)) for a row-normalised W with bounded degrees, so
    n m held fixed keeps the guide equally accurate; with tr(W^3), tr(W^4) exact (:func:`search_moments`)
    the guide's error starts at the rho^4 term, and n m >= 1e5 (16x fewer probes than before those were
    exact) lands the search ~1e-4 from the optimum on lattices up to 10^6 regions, inside the basin in which
    two exact Newton steps converge. The estimate itself does not depend on the guide: it is the root of the
    exact central-difference score, and a start outside the basin only costs a full exact search.

    Parameters
    ----------
    n : int
        Number of regions.

    Returns
    -------
    int
    """
    return int(max(SEARCH_MIN_PROBES, min(SEARCH_PROBES, SEARCH_PROBES * SEARCH_PROBE_N // max(n, 1))))


def series_order(rho_max: float, tol: float = 1e-12) -> int:
    """Number of power-series terms for |rho|^j below ``tol`` (capped at MAX_ORDER).

    Parameters
    ----------
    rho_max : float
    tol : float

    Returns
    -------
    int
    """
    r = min(abs(rho_max), 0.999)
    return int(min(MAX_ORDER, max(20, np.ceil(np.log(tol) / np.log(r)) if r > 0 else 20)))


def symmetric_form(w: Weights) -> tuple[sp.csr_matrix, np.ndarray] | None:
    """(S, d) with W = D^-1/2 S D^1/2 and S symmetric, when such a similarity is known; else None.

    For W = c * C (C symmetric) S = W and d = 1; for a row-normalised symmetric C, W = D^-1 C with
    D = diag(row sums) and S = D^-1/2 C D^-1/2, d = row sums.

    Parameters
    ----------
    w : Weights

    Returns
    -------
    (csr_matrix, ndarray) or None
        Cached on W: the caller must not modify it.
    """
    return w.memo("symmetric_form", lambda: _symmetric_form(w))


def _symmetric_form(w: Weights) -> tuple[sp.csr_matrix, np.ndarray] | None:
    if not w.is_symmetric:
        return None
    if w.normalization == "row":
        rs = np.asarray(w.raw.sum(axis=1)).ravel()
        d = np.where(rs > 0, rs, 1.0)  # islands: zero rows and columns of C, any d_i keeps the similarity
        inv = 1.0 / np.sqrt(d)
        s = sp.diags(inv) @ w.raw @ sp.diags(inv)
        return sp.csr_matrix(s), d
    return w.sparse, np.ones(w.n)


def eigenvalues(w: Weights) -> np.ndarray:
    """Eigenvalues of W (real array when W is similar to a symmetric matrix, else complex); cached on W.

    Parameters
    ----------
    w : Weights

    Returns
    -------
    ndarray
    """
    def compute() -> np.ndarray:
        sym = symmetric_form(w)
        if sym is not None:
            return np.linalg.eigvalsh(sym[0].toarray())
        vals = np.linalg.eigvals(w.sparse.toarray())
        return vals.real if np.abs(vals.imag).max(initial=0) < 1e-10 else vals

    return w.memo("eigenvalues", compute)


def _extreme_real_eigs(w: Weights) -> tuple[float, float]:
    return w.memo("extreme_eigs", lambda: _compute_extreme_real_eigs(w))


def _compute_extreme_real_eigs(w: Weights) -> tuple[float, float]:
    sym = symmetric_form(w)
    if w.n <= EIGEN_MAX:
        ev = eigenvalues(w)
        re = ev.real[np.abs(np.imag(ev)) < 1e-10] if np.iscomplexobj(ev) else ev
        lo, hi = float(re.min()), float(re.max())
    elif w.normalization == "row":
        lo, hi = -1.0, 1.0
    elif sym is not None:
        s = sym[0]
        hi = float(spla.eigsh(s, k=1, which="LA", return_eigenvectors=False, tol=1e-10)[0])
        lo = float(spla.eigsh(s, k=1, which="SA", return_eigenvectors=False, tol=1e-10)[0])
    else:
        m = w.sparse
        hi = float(spla.eigs(m, k=1, which="LR", return_eigenvectors=False, tol=1e-10)[0].real)
        lo = float(spla.eigs(m, k=1, which="SR", return_eigenvectors=False, tol=1e-10)[0].real)
    return lo, hi


def rho_bounds(w: Weights) -> tuple[float, float]:
    """Open interval (1/lambda_min, 1/lambda_max) on which I - rho W is non-singular.

    Parameters
    ----------
    w : Weights

    Returns
    -------
    (float, float)
    """
    lo, hi = _extreme_real_eigs(w)
    if hi <= 0 or lo >= 0:
        raise SpatialInnoError("W has no positive or no negative real eigenvalue; a spatial parameter is not "
                               "identified")
    return 1.0 / lo, 1.0 / hi


class LogDet:
    """Callable rho -> log|I - rho W| with a named strategy (``exact`` says whether it is exact).

    Parameters
    ----------
    w : Weights
    method : str
        ``"auto"``, ``"eigen"``, ``"sparse"`` or ``"series"``.
    """

    def __init__(self, w: Weights, method: str = "auto") -> None:
        if method == "auto":
            method = "eigen" if w.n <= EIGEN_MAX else "sparse"
        if method not in ("eigen", "sparse", "series"):
            raise SpatialInnoError(f"unknown log-determinant method {method!r}; use 'auto', 'eigen', 'sparse' or "
                                   f"'series' (approximate)")
        self.method = method
        self.exact = method != "series"
        self.w = w
        self.bounds = rho_bounds(w)
        self._memo: dict[float, float] = {}
        if method == "eigen":
            self._ev = eigenvalues(w)
        elif method == "sparse":
            sym = symmetric_form(w)
            self._sqrt_d = np.sqrt(sym[1]) if sym is not None else np.ones(w.n)
            self._m = sym[0] if sym is not None else w.sparse       # the matrix factorised: S or W
            self._factoriser = w.memo(("logdet_factoriser", solver_backend(sym is not None)),
                                      lambda: factoriser(sym[0] if sym is not None else w.sparse, sym is not None))
            self._lu: tuple | None = None

    @property
    def backend(self) -> str | None:
        """Sparse backend of the exact evaluations (``"scipy"`` or ``"cholmod"``; None for eigen/series)."""
        return self._factoriser.backend if self.method == "sparse" else None

    @property
    def label(self) -> str:
        """The strategy with its backend, e.g. ``"sparse (CHOLMOD supernodal (cvxopt))"``."""
        return f"sparse ({LABELS[self._factoriser.backend]})" if self.method == "sparse" else self.method

    def __call__(self, rho: float) -> float:
        """log|I - rho W| by the object's strategy (sparse: memoised for the last ``MEMO`` values of rho)."""
        if rho == 0.0:
            return 0.0
        if self.method == "eigen":
            ev = self._ev
            if np.iscomplexobj(ev):
                return float(np.sum(np.log(1.0 - rho * ev)).real)
            return float(np.sum(np.log1p(-rho * ev)))
        if self.method == "series":
            return self.approx(rho)
        if rho not in self._memo:
            self._factorise(rho)
        return self._memo[rho]

    def memoised(self) -> list[float]:
        """The values of rho whose exact log-determinant is memoised (sparse strategy; oldest first).

        Returns
        -------
        list of float
        """
        return list(self._memo)

    def local(self, rho: float) -> tuple[float, float, float] | None:
        """(log|I - rho W|, -tr(M), -tr(M^2)), M = W (I - rho W)^-1, from memoised exact values next to rho.

        The value and its first two derivatives by :func:`.newton.local_expansion` from the stencils the
        Newton polish left (sparse strategy; third derivative from the series guide); None when no
        memoised stencil lies within ``NEWTON_TOL`` of rho (then an exact evaluation is needed).

        Parameters
        ----------
        rho : float

        Returns
        -------
        (float, float, float) or None
        """
        if self.method != "sparse":
            return None
        return local_expansion(self._memo, rho, self.approx_third)

    def cached(self, rho: float) -> bool:
        """Whether the exact value at ``rho`` is memoised (no factorisation needed).

        Parameters
        ----------
        rho : float

        Returns
        -------
        bool
        """
        return rho == 0.0 or self.method == "eigen" or rho in self._memo

    def _factorise(self, rho: float) -> None:
        """Factorise I - rho S by the backend; memoise log|det| and keep the factor for :meth:`solver`.

        The backend object lives on W (``Weights.memo``), so its symbolic analysis (fill-reducing order,
        supernodal structure) is done once per W and shared by every fit on it.
        """
        self._lu = None                        # release the previous factor before making the next one
        value, solve = self._factoriser.factorise(rho)
        self._memo[rho] = value
        while len(self._memo) > MEMO:
            self._memo.pop(next(iter(self._memo)))
        self._lu = (rho, solve)

    def solver(self, rho: float, within: float = 0.0, refine: bool = True) -> Callable[[np.ndarray], np.ndarray]:
        """Z -> (I - rho W)^-1 Z from the sparse factor of the last exact evaluation r, with r = ``rho`` or,
        when ``within`` > 0, any last r with |r - rho| <= ``within`` (factorising at ``rho`` otherwise).

        With W = D^-1/2 S D^1/2, (I - r W)^-1 = D^-1/2 (I - r S)^-1 D^1/2. A factor at r instead of rho
        leaves a relative error e ~ |r - rho| ||S (I - r S)^-1|| in X0 = (I - r S)^-1 Z; with ``refine`` one
        step of iterative refinement, X = X0 + (I - r S)^-1 (Z - (I - rho S) X0), brings it to ~e^2 (Golub &
        Van Loan 2013, §3.5.3) at the cost of a second solve.

        Parameters
        ----------
        rho : float
        within : float
            Largest accepted |r - rho| (0: exactly rho).
        refine : bool
            Refine once when r differs from rho.

        Returns
        -------
        callable
            Maps an (N,) or (N, m) array to the solution of (I - rho W) X = Z.
        """
        if self.method != "sparse":
            raise SpatialInnoError(f"solver() needs the sparse log-determinant, not {self.method!r}")
        if self._lu is None or abs(self._lu[0] - rho) > within or (within == 0.0 and self._lu[0] != rho):
            self._factorise(rho)
        assert self._lu is not None
        r, lu_solve = self._lu
        self._factoriser.pin(r)
        sd, m = self._sqrt_d, self._m
        refine = refine and r != rho

        def solve(Z: np.ndarray) -> np.ndarray:
            scale = sd if np.ndim(Z) == 1 else sd[:, None]
            Zs = np.asarray(Z, dtype=float) * scale
            X = lu_solve(Zs)
            if refine:
                X = X + lu_solve(Zs - X + rho * (m @ X))
            return X / scale

        return solve

    def approx(self, rho: float) -> float:
        """Series approximation -sum_j rho^j tr(W^j)/j (exact tr(W), tr(W^2); Hutchinson beyond).

        With ``method="series"`` it is the log-determinant (``MAX_ORDER`` terms, default probes); for the
        exact sparse method it only guides the search (``SEARCH_ORDER`` terms, :func:`search_probes` probes).

        Parameters
        ----------
        rho : float

        Returns
        -------
        float
        """
        tr = self._series_moments()
        j = np.arange(1, len(tr))
        return float(-np.sum(rho ** j * tr[1:] / j))

    def approx_third(self, rho: float) -> float:
        """Third derivative of the series of :meth:`approx`: -sum_j (j - 1)(j - 2) rho^(j-3) tr(W^j).

        It only corrects a secant curvature by a term of order |c - c'| (:func:`.newton.local_expansion`), so
        the approximation's relative error (~1e-3) enters that curvature at ~1e-7.

        Parameters
        ----------
        rho : float

        Returns
        -------
        float
        """
        tr = self._series_moments()
        j = np.arange(3, len(tr))
        return float(-np.sum((j - 1) * (j - 2) * rho ** (j - 3) * tr[3:]))

    def _series_moments(self) -> np.ndarray:
        if self.method == "series":
            return trace_moments(self.w, MAX_ORDER)[0]
        return search_moments(self.w, SEARCH_ORDER, search_probes(self.w.n))
