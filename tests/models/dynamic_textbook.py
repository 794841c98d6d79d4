"""Dense textbook form of the bias-corrected dynamic spatial panel QML (no spatialinno code).

Model Y_t = tau Y_{t-1} + rho W Y_t + eta W Y_{t-1} + b x_t + theta W x_t + FE + e_t, t = 2..T, on a long panel
with columns id, year, y, x (tests/models/dynamic_dgp.py). Following Yu, de Jong & Lee (2008, J. Econometrics
146: 118-134) and, with time effects, Lee & Yu (2010, Econometric Theory 26: 564-597):

- two-way effects: every period is multiplied by F_N' (N x (N - 1), orthonormal eigenvectors of I - 11'/N with
  eigenvalue 1), so n = N - 1 units and W* = F_N' W F_N; entity effects only: n = N, W* = W;
- the n-vectors of the T' = T - 1 periods used are demeaned over time (within transformation);
- Sigma over (tau, eta, b, theta, rho, sigma2), total (not divided by n T'), with Z the transformed regressors
  (the lagged outcomes included), G = W* (I - rho W*)^-1 and delta the coefficients:
      Z'Z / s2,   Z'(I (x) G) Z delta / s2,
      |(I (x) G) Z delta|^2 / s2 + T' tr(G'G + G G),   T' tr(G) / s2,   n T' / (2 s2^2);
- bias vector c: tr M, tr W* M, 0, 0, tau tr(G M) + eta tr(G W* M) + tr G, n / (2 s2) with
  M = ((1 - tau) I - (rho + eta) W*)^-1 (S^-1 (I - A)^-1 in the paper's notation); theta_1 = theta_hat + Sigma^-1 c.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar


class TextbookDynamicSDM:
    """Transformed data, concentrated ML, Sigma and the bias correction of the dynamic SDM, all dense.

    Parameters
    ----------
    data : DataFrame
        Long panel with columns id, year, y, x.
    ids : sequence
        Region ids in the order of W.
    W : ndarray
        Dense row-normalised N x N weights.
    effects : str
        ``"twoway"`` or ``"entity"``.
    """

    def __init__(self, data: pd.DataFrame, ids, W: np.ndarray, effects: str) -> None:
        N = W.shape[0]
        wide = data.set_index(["year", "id"]).sort_index()
        Y = wide["y"].unstack().loc[:, list(ids)].to_numpy()            # T x N, row = period
        X = wide["x"].unstack().loc[:, list(ids)].to_numpy()
        if effects == "twoway":
            ev, vec = np.linalg.eigh(np.eye(N) - np.ones((N, N)) / N)
            F = vec[:, ev > 0.5]
        else:
            F = np.eye(N)
        self.n, self.T = F.shape[1], Y.shape[0] - 1
        self.Ws = F.T @ W @ F
        self.eig = np.linalg.eigvals(self.Ws)

        def transform(M: np.ndarray) -> np.ndarray:
            M = M @ F
            return (M - M.mean(axis=0, keepdims=True)).ravel()

        self.Z = np.column_stack([transform(c) for c in (Y[:-1], Y[:-1] @ W.T, X[1:], X[1:] @ W.T)])
        self.y = transform(Y[1:])

    def sigma(self, th: np.ndarray, units: int | None = None, periods: int | None = None) -> np.ndarray:
        """Sigma at th = (tau, eta, b, theta, rho, sigma2).

        ``units`` and ``periods`` replace n and T' in the scalar multipliers only (negative controls).
        """
        b, rho, s2 = th[:4], th[4], th[5]
        n, T, Z = self.n, self.T, self.Z
        G = self.Ws @ np.linalg.inv(np.eye(n) - rho * self.Ws)
        GZb = ((Z @ b).reshape(T, n) @ G.T).ravel()
        n, T = units or n, periods or T
        S = np.zeros((6, 6))
        S[:4, :4] = Z.T @ Z / s2
        S[:4, 4] = S[4, :4] = Z.T @ GZb / s2
        S[4, 4] = GZb @ GZb / s2 + T * np.trace(G.T @ G + G @ G)
        S[4, 5] = S[5, 4] = T * np.trace(G) / s2
        S[5, 5] = n * T / (2 * s2 ** 2)
        return S

    def corrected(self, th: np.ndarray) -> np.ndarray:
        """theta_hat + Sigma(theta_hat)^-1 c(theta_hat)."""
        tau, eta, rho, s2 = th[0], th[1], th[4], th[5]
        om = self.eig
        m = 1.0 / ((1 - tau) - (rho + eta) * om)
        g = om / (1 - rho * om)
        c = np.zeros(6)
        c[0], c[1] = np.real(m.sum()), np.real((om * m).sum())
        c[4] = np.real((tau * g * m + eta * g * om * m + g).sum())
        c[5] = self.n / (2 * s2)
        return th + np.linalg.solve(self.sigma(th), c)

    def uncorrected(self) -> np.ndarray:
        """Concentrated ML over rho (exact log-determinant over W*): (tau, eta, b, theta, rho, e'e / (n T'))."""
        n, T, Z, y = self.n, self.T, self.Z, self.y
        Wy = (y.reshape(T, n) @ self.Ws.T).ravel()
        bo, bd = np.linalg.lstsq(Z, y, rcond=None)[0], np.linalg.lstsq(Z, Wy, rcond=None)[0]
        eo, ed = y - Z @ bo, Wy - Z @ bd
        lam = self.eig.astype(complex)

        def nll(r: float) -> float:
            e = eo - r * ed
            return n * T / 2 * np.log(e @ e / (n * T)) - T * float(np.real(np.log(1 - r * lam).sum()))

        rho = minimize_scalar(nll, bounds=(-0.99, 0.99), method="bounded", options={"xatol": 1e-12}).x
        e = eo - rho * ed
        return np.concatenate([bo - rho * bd, [rho, e @ e / (n * T)]])
