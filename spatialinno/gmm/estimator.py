"""One- and two-step linear GMM on stacked group equations, with Windmeijer-corrected variance.

With per-group sums S_ZX = sum_i Z_i' X_i, S_Zy = sum_i Z_i' y_i (Hansen 1982; Arellano & Bond 1991):

* one step:  A_1 = (sum_i Z_i' H Z_i)^{-1},  b_1 = (S_ZX' A_1 S_ZX)^{-1} S_ZX' A_1 S_Zy;
* two step:  A_2 = (sum_i Z_i' u1_i u1_i' Z_i)^{-1} (u1 the one-step residuals),
  b_2 = (S_ZX' A_2 S_ZX)^{-1} S_ZX' A_2 S_Zy.

Variances: one-step robust (sandwich) B_1 S_ZX' A_1 A_2^{-1} A_1 S_ZX B_1 with B_1 = (S_ZX' A_1 S_ZX)^{-1};
one-step non-robust sigma^2 B_1 (sigma^2 from the differenced residuals, see :func:`sigma2_diff`); two-step
non-robust B_2 = (S_ZX' A_2 S_ZX)^{-1}; two-step robust the Windmeijer (2005) finite-sample correction

    V_W = B_2 + D B_2 + B_2 D' + D V_1 D',
    D_k = -B_2 S_ZX' A_2 (dA_2^{-1}/db_k) A_2 S_Ze2,  dA_2^{-1}/db_k = -sum_i Z_i'(x_ik u1_i' + u1_i x_ik') Z_i,

V_1 the robust one-step variance and e2 the two-step residuals (Windmeijer 2005, eq. 3.6; Roodman 2009,
sec. 3.4).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import EstimationError, SpatialInnoWarning
from .instruments import Design


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum_i a_i' b_i`` for stacks of (R, p) and (R, q) group matrices (arrays (N, R, p), (N, R, q)).

    Parameters
    ----------
    a, b : ndarray

    Returns
    -------
    ndarray
        (p, q).
    """
    return a.reshape(-1, a.shape[2]).T @ b.reshape(-1, b.shape[2])


def inverse(m: np.ndarray, what: str) -> np.ndarray:
    """Inverse of a symmetric positive semi-definite matrix; Moore-Penrose with a warning when singular.

    Parameters
    ----------
    m : ndarray
        Square symmetric matrix.
    what : str
        Its name in the warning.

    Returns
    -------
    ndarray
    """
    eig = np.linalg.eigvalsh(m)
    if eig.min() <= 1e-12 * max(eig.max(), 1e-300):
        warnings.warn(f"the {what} is singular (rank {int((eig > 1e-12 * eig.max()).sum())} of {len(eig)}); "
                      "a generalised inverse is used (Roodman 2009, sec. 5). Fewer instruments (collapse=True, "
                      "max_lag=) usually cure it", SpatialInnoWarning, stacklevel=4)
        return np.linalg.pinv(m, rcond=1e-12, hermitian=True)
    return np.linalg.inv(m)


@dataclass(frozen=True)
class GMMFit:
    """Estimates and variances of one- and two-step GMM on a :class:`Design`.

    Parameters
    ----------
    b1, b2 : ndarray
        One- and two-step coefficients.
    u1, u2 : ndarray
        (N, R) residuals (zero in unused rows).
    a1 : ndarray
        (sum_i Z_i' H Z_i)^{-1}.
    a2 : ndarray
        (sum_i Z_i' u1_i u1_i' Z_i)^{-1}.
    v1_robust, v2, v2_windmeijer : ndarray
        Robust one-step, plain two-step and Windmeijer-corrected two-step variances.
    b1_bread : ndarray
        (S_ZX' A_1 S_ZX)^{-1}.
    """

    b1: np.ndarray
    b2: np.ndarray
    u1: np.ndarray
    u2: np.ndarray
    a1: np.ndarray
    a2: np.ndarray
    v1_robust: np.ndarray
    v2: np.ndarray
    v2_windmeijer: np.ndarray
    b1_bread: np.ndarray


def _solve_gmm(szx: np.ndarray, szy: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xax = szx.T @ a @ szx
    eig = np.linalg.eigvalsh(xax)
    if eig.min() <= 1e-12 * max(eig.max(), 1e-300):
        raise EstimationError("the regressors are not identified by the instruments (X'Z A Z'X is singular): a "
                              "regressor is collinear with others or has no variation in the estimation sample")
    bread = np.linalg.inv(xax)
    return bread @ (szx.T @ a @ szy), bread


def fit(design: Design) -> GMMFit:
    """Run one- and two-step GMM on the stacked equations.

    Parameters
    ----------
    design : Design

    Returns
    -------
    GMMFit
    """
    y, X, Z, H = design.y, design.X, design.Z, design.H
    szx = cross(Z, X)
    szy = cross(Z, y[:, :, None])[:, 0]
    a1 = inverse(cross(Z, H @ Z), "one-step weight matrix sum_i Z_i' H Z_i")
    b1, bread1 = _solve_gmm(szx, szy, a1)
    u1 = y - X @ b1
    g1 = np.einsum("nrl,nr->nl", Z, u1)
    s1 = g1.T @ g1
    a2 = inverse(s1, "two-step weight matrix sum_i Z_i' u_i u_i' Z_i")
    b2, bread2 = _solve_gmm(szx, szy, a2)
    u2 = y - X @ b2
    v1_robust = bread1 @ szx.T @ a1 @ s1 @ a1 @ szx @ bread1
    a = a2 @ cross(Z, u2[:, :, None])[:, 0]
    q = np.einsum("nrl,nrk->nlk", Z, X)
    dsa = -(np.einsum("nlk,n->lk", q, g1 @ a) + np.einsum("nl,nk->lk", g1, np.einsum("nlk,l->nk", q, a)))
    d = -bread2 @ szx.T @ a2 @ dsa
    v_w = bread2 + d @ bread2 + bread2 @ d.T + d @ v1_robust @ d.T
    return GMMFit(b1, b2, u1, u2, a1, a2, v1_robust, bread2, (v_w + v_w.T) / 2, bread1)


def sigma2_diff(design: Design, u: np.ndarray) -> float:
    """Variance of the idiosyncratic error from differenced residuals: sum (Delta e)^2 / (2 n_diff).

    Under serially uncorrelated e_it, Var(Delta e_it) = 2 sigma^2; n_diff counts the differenced rows used.

    Parameters
    ----------
    design : Design
    u : ndarray
        (N, R) residuals.

    Returns
    -------
    float
    """
    nd = design.n_diff
    return float((u[:, :nd] ** 2).sum() / (2.0 * design.used[:, :nd].sum()))
