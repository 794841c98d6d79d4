"""LeSage-Pace direct, indirect and total effects (LeSage & Pace 2009, §2.7; Elhorst 2014, §2.7).

For regressor k with coefficient b_k and (Durbin) coefficient t_k,

    S_k(W) = (I - rho W)^-1 (I b_k + W t_k)
    direct = tr(S_k)/n = b_k tr(A^-1)/n + t_k tr(A^-1 W)/n
    total  = 1'S_k 1/n = b_k 1'A^-1 1/n + t_k 1'A^-1 W 1/n,      indirect = total - direct.

These four scalar functions of rho ("kernel") are exact for any normalisation of W (no assumption
that rows sum to one). With W = D^-1/2 S D^1/2, S = Q L Q' symmetric (or W = V L V^-1 in general),
they are sums over eigenvalues, e.g. 1'A^-1 1 = sum_i a_i b_i / (1 - rho l_i) with a = Q'D^-1/2 1,
b = Q'D^1/2 1, so each simulation draw costs O(N). Above ``EIGEN_MAX`` regions the kernel uses the
power series A^-1 = sum_j rho^j W^j with exact 1'W^j 1 and tr(W), tr(W^2), and Hutchinson estimates of
tr(W^j), j >= 3 (LeSage & Pace 2009, §4.5), truncated when |rho|^j < 1e-12.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..weights import Weights
from .logdet import EIGEN_MAX, series_order, symmetric_form, trace_moments


class EffectsKernel:
    """rho -> [tr(A^-1)/n, tr(A^-1 W)/n, 1'A^-1 1/n, 1'A^-1 W 1/n] for an array of rho.

    Modes (chosen once per W and cached on it):
    - ``eigen``: W similar to a symmetric matrix: all four from its eigen-decomposition, O(N) per rho.
    - ``schur``: other W up to ``EIGEN_MAX`` regions: traces from the eigenvalues (exact for any
      matrix), totals n/(1 - rho) when every row sums to one, else from the complex Schur form
      W = Q T Q* by a triangular solve, O(N^2) per rho.
    - ``series``: above ``EIGEN_MAX`` regions, power series with trace moments (see module docstring).
    """

    def __init__(self, w: Weights, rho_max: float = 0.99) -> None:
        self.w, self.n = w, w.n
        cached = w._cache.get("effects_kernel")
        if cached is None:
            cached = self._prepare()
            w._cache["effects_kernel"] = cached
        self._mode, self._data = cached
        if self._mode == "series":
            self._data = trace_moments(w, series_order(rho_max))

    def _prepare(self):
        n = self.n
        one = np.ones(n)
        if n > EIGEN_MAX:
            return "series", None
        sym = symmetric_form(self.w)
        if sym is not None:
            lam, Q = np.linalg.eigh(sym[0].toarray())
            dh = np.sqrt(sym[1])
            a = Q.T @ (one / dh)
            b = Q.T @ (dh * one)
            return "eigen", (lam, a * b)
        Wd = self.w.sparse.toarray()
        if np.allclose(Wd.sum(axis=1), 1.0, rtol=0, atol=1e-12):
            return "schur", (np.linalg.eigvals(Wd), None, None, None)
        T, Q = sla.schur(Wd, output="complex")
        return "schur", (np.diag(T).copy(), T, Q.conj().T @ one, Q.conj().T @ (Wd @ one))

    def __call__(self, rho) -> np.ndarray:
        rho = np.atleast_1d(np.asarray(rho, dtype=float))
        n = self.n
        if self._mode == "eigen":
            lam, ab = self._data
            inv = 1.0 / (1.0 - rho[:, None] * lam[None, :])
            out = np.column_stack([inv.sum(1), (inv * lam).sum(1), (inv * ab).sum(1), (inv * lam * ab).sum(1)])
            return np.real(out) / n
        if self._mode == "schur":
            lam, T, c, d = self._data
            inv = 1.0 / (1.0 - rho[:, None] * lam[None, :])
            out = np.empty((len(rho), 4))
            out[:, 0] = np.real(inv.sum(1))
            out[:, 1] = np.real((inv * lam).sum(1))
            if T is None:  # rows sum to one: 1'A^-1 1 = 1'A^-1 W 1 = n / (1 - rho)
                out[:, 2] = out[:, 3] = n / (1.0 - rho)
            else:
                eye = np.eye(n)
                for i, r in enumerate(rho):
                    M = eye - r * T
                    out[i, 2] = np.real(c.conj() @ sla.solve_triangular(M, c))
                    out[i, 3] = np.real(c.conj() @ sla.solve_triangular(M, d))
            return out / n
        tr, tot = self._data
        J = len(tr) - 1
        pw = rho[:, None] ** np.arange(J)[None, :]
        return np.column_stack([pw @ tr[:J], pw @ tr[1:J + 1], pw @ tot[:J], pw @ tot[1:J + 1]]) / n

    def by_order(self, rho: float, orders: int) -> np.ndarray:
        """(orders+1, 4) matrix: the j-th power-series term rho^j [tr(W^j), tr(W^j+1), 1'W^j 1, 1'W^j+1 1]/n.

        Traces from the eigenvalues where they are known (else trace moments); totals exact by products."""
        Wm = self.w.sparse
        tot = np.zeros(orders + 2)
        v = np.ones(self.n)
        for j in range(orders + 2):
            tot[j] = v.sum()
            v = Wm @ v
        if self._mode == "series":
            tr = trace_moments(self.w, orders + 1)[0]
        else:
            lam = self._data[0]
            tr = np.array([np.real(np.sum(lam ** j)) for j in range(orders + 2)])
        j = np.arange(orders + 1)
        out = np.column_stack([tr[j], tr[j + 1], tot[j], tot[j + 1]]) * (rho ** j)[:, None]
        return out / self.n


def effect_values(kern: np.ndarray, beta: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """(..., 3) direct, indirect, total from kernel rows and coefficient arrays."""
    direct = beta * kern[..., 0] + theta * kern[..., 1]
    total = beta * kern[..., 2] + theta * kern[..., 3]
    return np.stack([direct, total - direct, total], axis=-1)
