"""Fixed effects of an error model concentrated out exactly when demeaning does not commute with B_t.

In the dummy-variable error model (SEM, SDEM; SAC with A = I - rho W_t)

    B (A y - X b - D a) = e,   B = blockdiag_t(I - lambda W_t),   e ~ N(0, sigma2 I_n),

the fixed effects a enter through the *transformed* dummies B D. When every B_t maps the dummies into their
own span (one W in every period with every region observed, for entity dummies; a row-normalised W_t without
islands, for time dummies) demeaning before applying B is exact; on an unbalanced panel or with time-varying
W_t it is not. Then, for each lambda, a is concentrated out by the least-squares projection on the columns
of B D (Frisch-Waugh; Anselin 1988, ch. 6, with the dummies among the regressors):

    M(lambda) v = v - B D [(B D)'(B D)]^-1 (B D)' v,

with (B D)'(B D) = D'D - lambda (D'W D + D'W'D) + lambda^2 D'W'W D a sparse (N + T - 1)-square matrix (the
products are formed once; each lambda costs one sparse LU) and D the entity dummies of the observed regions,
the time dummies, or both less the first time dummy (two-way). The concentrated log-likelihood is

    l(rho, lambda) = -n/2 (log(2 pi sigma2(rho, lambda)) + 1) + sum_t [log|A_t| + log|B_t|],
    sigma2 = |M(lambda) (B A y - B X b)|^2 / n.

Projections are applied to explicit residuals (with one step of iterative refinement), never by subtracting
Gram matrices, so the sums of squares keep full precision.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .period_layout import PeriodLayout


class GLSFixedEffects:
    """Exact projection off the B-transformed fixed-effect dummies of a :class:`~.period_layout.PeriodLayout`.

    Parameters
    ----------
    layout : PeriodLayout
        The observed rows and each period's W_t.
    effects : str
        ``"entity"``, ``"time"`` or ``"twoway"``.
    """

    def __init__(self, layout: PeriodLayout, effects: str) -> None:
        self.layout, self.effects = layout, effects
        n, cols = layout.n, []
        if effects in ("entity", "twoway"):
            _, codes = np.unique(layout.entity, return_inverse=True)
            cols.append(sp.csr_matrix((np.ones(n), (np.arange(n), codes))))
        if effects in ("time", "twoway"):
            tim = sp.csr_matrix((np.ones(n), (np.arange(n), layout.time)), shape=(n, layout.T))
            cols.append(tim[:, 1:] if effects == "twoway" else tim)
        self.D = sp.hstack(cols, format="csr")
        self.W = sp.block_diag([layout.weights(t).sparse for t in range(layout.T)], format="csr")
        self.WD = (self.W @ self.D).tocsr()
        cross = (self.D.T @ self.WD).tocsc()
        self._dd, self._cross, self._ww = (self.D.T @ self.D).tocsc(), (cross + cross.T).tocsc(), \
            (self.WD.T @ self.WD).tocsc()
        self._lam: float | None = None
        self._lu: spla.SuperLU | None = None

    @property
    def n_dummies(self) -> int:
        """Number of dummy columns (entities observed + periods, less one for two-way)."""
        return int(self.D.shape[1])

    def _factor(self, lam: float) -> spla.SuperLU:
        if self._lam != lam or self._lu is None:
            self._lu = spla.splu((self._dd - lam * self._cross + lam * lam * self._ww).tocsc())
            self._lam = lam
        return self._lu

    def transform(self, v: np.ndarray, lam: float) -> np.ndarray:
        """B v = v - lambda W_t v period by period.

        Parameters
        ----------
        v : ndarray
            (n,) or (n, k) stacked array.
        lam : float

        Returns
        -------
        ndarray
        """
        return v - lam * (self.W @ v)

    def coef(self, v: np.ndarray, lam: float) -> np.ndarray:
        """Least-squares coefficients c of (already B-transformed) ``v`` on B D, refined once.

        Parameters
        ----------
        v : ndarray
            (n,) or (n, k).
        lam : float

        Returns
        -------
        ndarray
        """
        lu = self._factor(lam)
        bd = self.D - lam * self.WD
        c = lu.solve(np.asarray(bd.T @ v))
        c = c + lu.solve(np.asarray(bd.T @ (v - bd @ c)))
        return c

    def residual(self, v: np.ndarray, lam: float) -> np.ndarray:
        """M(lambda) v: ``v`` (already B-transformed) less its projection on B D.

        Parameters
        ----------
        v : ndarray
            (n,) or (n, k).
        lam : float

        Returns
        -------
        ndarray
        """
        return v - (self.D - lam * self.WD) @ self.coef(v, lam)

    def fitted(self, r: np.ndarray, lam: float) -> np.ndarray:
        """D a: the fixed effects' part of the structural residual ``r`` = A y - X b (GLS, a from B r on B D).

        Parameters
        ----------
        r : ndarray
            (n,) stacked array.
        lam : float

        Returns
        -------
        ndarray
        """
        return self.D @ self.coef(self.transform(r, lam), lam)
