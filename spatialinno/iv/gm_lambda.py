"""Generalised-moments estimation of the spatial error parameter lambda.

Homoskedastic errors (Kelejian & Prucha 1998, 1999): with u the residuals of a consistent first step,
ubar = W u, uubar = W W u, the three moments

    E[e'e]/n = sigma2,   E[ebar'ebar]/n = sigma2 tr(W'W)/n,   E[ebar'e]/n = 0,      e = u - lambda W u,

are written g = G [lambda, lambda^2, sigma2]' and solved by unweighted nonlinear least squares. sigma2 enters
linearly and is concentrated out, leaving a quartic polynomial in lambda whose global minimum on [-0.99, 0.99]
is found exactly from the roots of its derivative (no iterative optimiser). For entity fixed-effects panels the
residuals are within-demeaned: the sigma2 column uses the N(T - 1) degrees of freedom left by the demeaning.

Heteroskedastic errors (Kelejian & Prucha 2010; Arraiz, Drukker, Kelejian & Prucha 2010): the two moments
E[e'A1 e]/n = 0 with A1 = W'W - diag(W'W) and E[e'W e]/n = 0, weighted by the inverse of their estimated
covariance Psi; Psi, and the joint covariance Omega of (delta, lambda), follow Arraiz et al. (2010, eqs. 16-20,
Appendix B), including the a1/a2 terms for the estimated regression coefficients.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

LAMBDA_BOUND = 0.99




def minimise_quartic(G: np.ndarray, g: np.ndarray, weight: np.ndarray | None = None,
                     nuisance: np.ndarray | None = None) -> float:
    """Global minimiser on [-0.99, 0.99] of r' A r, r = g - G[:, 0] lambda - G[:, 1] lambda^2 - c s.

    The nuisance coefficient s of column c (sigma2) is concentrated out (A-weighted projection), which
    leaves a polynomial of degree four in lambda; its minimum is taken over the real roots of the
    derivative inside the interval and the two end points.

    Parameters
    ----------
    G : ndarray
        (m, 2) coefficients of lambda and lambda^2.
    g : ndarray
        (m,) sample moments.
    weight : ndarray, optional
        (m, m) positive definite weight A (identity when None).
    nuisance : ndarray, optional
        (m,) column c of a linear nuisance parameter.

    Returns
    -------
    float
    """
    A = np.eye(len(g)) if weight is None else weight
    if nuisance is not None:
        Ac = A @ nuisance
        A = A - np.outer(Ac, Ac) / float(nuisance @ Ac)
    a = [g, -G[:, 0], -G[:, 1]]
    coef = np.zeros(5)
    for i in range(3):
        for j in range(3):
            coef[i + j] += a[i] @ A @ a[j]
    poly = np.polynomial.Polynomial(coef)
    roots = poly.deriv().roots()
    cand = [LAMBDA_BOUND, -LAMBDA_BOUND] + [r.real for r in roots
                                            if abs(r.imag) < 1e-10 and abs(r.real) <= LAMBDA_BOUND]
    return float(min(cand, key=poly))


def kp_moments(u: np.ndarray, lag, n_sigma: float, tr_wtw: float) -> tuple[np.ndarray, np.ndarray]:
    """Kelejian-Prucha (1999) moments g (3,) and G (3, 3) in [lambda, lambda^2, sigma2].

    Parameters
    ----------
    u : ndarray
        Residuals of the first step (n,).
    lag : callable
        v -> W v (period by period for panels).
    n_sigma : float
        Degrees of freedom of e'e (n for a cross-section, N(T - 1) after entity demeaning).
    tr_wtw : float
        tr(W'W) summed over periods that carry information ((T - 1) tr(W'W) after entity demeaning).

    Returns
    -------
    (G, g)
    """
    n = len(u)
    ub = lag(u)
    ubb = lag(ub)
    G = np.array([[2 * u @ ub, -ub @ ub, n_sigma],
                  [2 * ubb @ ub, -ubb @ ubb, tr_wtw],
                  [u @ ubb + ub @ ub, -ub @ ubb, 0.0]]) / n
    g = np.array([u @ u, ub @ ub, u @ ub]) / n
    return G, g


def kp_lambda(u: np.ndarray, lag, n_sigma: float, tr_wtw: float) -> float:
    """Kelejian-Prucha (1999) lambda: unweighted nonlinear least squares of the three moments.

    Parameters
    ----------
    u, lag, n_sigma, tr_wtw
        As in :func:`kp_moments`.

    Returns
    -------
    float
    """
    G, g = kp_moments(u, lag, n_sigma, tr_wtw)
    return minimise_quartic(G[:, :2], g, nuisance=G[:, 2])


def het_a1(W: sp.spmatrix) -> sp.csr_matrix:
    """A1 = W'W - diag(W'W) of Arraiz et al. (2010).

    Parameters
    ----------
    W : sparse matrix

    Returns
    -------
    sparse matrix
    """
    WtW = (W.T @ W).tocsr()
    return (WtW - sp.diags(WtW.diagonal())).tocsr()


def het_moments(u: np.ndarray, W: sp.spmatrix, A1: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """Moments g (2,) and G (2, 2) in [lambda, lambda^2] of Arraiz et al. (2010, eq. 9).

    Parameters
    ----------
    u : ndarray
        Residuals (n,).
    W, A1 : sparse matrices

    Returns
    -------
    (G, g)
    """
    n = len(u)
    ub = W @ u
    G = np.array([[u @ ((A1 + A1.T) @ ub), -ub @ (A1 @ ub)],
                  [u @ ((W + W.T) @ ub), -ub @ (W @ ub)]]) / n
    g = np.array([u @ (A1 @ u), u @ ub]) / n
    return G, g


def het_psi(u: np.ndarray, lam: float, W: sp.spmatrix, A1: sp.spmatrix, a: np.ndarray | None = None) -> np.ndarray:
    """Psi, the covariance of the two heteroskedastic moments (Arraiz et al. 2010, eq. 16).

    psi_rs = tr[(A_r + A_r') S (A_s + A_s') S] / (2n) + a_r' S a_s / n with S = diag(e_i^2),
    e = u - lambda W u, A_2 = W; ``a`` (n, 2) holds a_1, a_2 (None: the terms are omitted).

    Parameters
    ----------
    u : ndarray
    lam : float
    W, A1 : sparse matrices
    a : ndarray, optional

    Returns
    -------
    ndarray (2, 2)
    """
    n = len(u)
    s = (u - lam * (W @ u)) ** 2
    S = sp.diags(s)
    B = [(2 * A1) @ S, (W + W.T) @ S]
    psi = np.array([[(B[r].multiply(B[q].T)).sum() for q in range(2)] for r in range(2)]) / (2.0 * n)
    if a is not None:
        psi = psi + (a.T * s) @ a / n
    return psi


def het_a_terms(us: np.ndarray, Zs: np.ndarray, H: np.ndarray, P: np.ndarray, W: sp.spmatrix,
                A1: sp.spmatrix) -> np.ndarray:
    """a_r = H P alpha_r with alpha_1 = -2 Zs'A1 us / n, alpha_2 = -Zs'(W + W')us / n (Arraiz et al. 2010, App. B).

    Parameters
    ----------
    us : ndarray
        Filtered residuals (n,).
    Zs : ndarray
        Filtered regressors (n, p).
    H : ndarray
        Instruments (n, L).
    P : ndarray
        (L, p) matrix of :func:`p_hat`.
    W, A1 : sparse matrices

    Returns
    -------
    ndarray (n, 2)
    """
    n = len(us)
    alpha1 = -2.0 / n * (Zs.T @ (A1 @ us))
    alpha2 = -1.0 / n * (Zs.T @ ((W + W.T) @ us))
    return H @ P @ np.column_stack([alpha1, alpha2])


def p_hat(H: np.ndarray, Zs: np.ndarray) -> np.ndarray:
    """P = n (H'H)^-1 H'Zs [Zs'H (H'H)^-1 H'Zs]^-1 (Arraiz et al. 2010, App. B).

    Parameters
    ----------
    H, Zs : ndarray

    Returns
    -------
    ndarray (L, p)
    """
    HZ = H.T @ Zs
    P1 = np.linalg.solve(H.T @ H, HZ)
    return len(H) * P1 @ np.linalg.inv(HZ.T @ P1)


def omega_gs2sls(u: np.ndarray, lam: float, H: np.ndarray, P: np.ndarray, G: np.ndarray, psi: np.ndarray,
                 a: np.ndarray, W: sp.spmatrix) -> np.ndarray:
    """Joint covariance of (delta, lambda) of the heteroskedastic GS2SLS (Arraiz et al. 2010, eq. 19).

    Omega = diag(P', (J'Psi^-1 J)^-1 J'Psi^-1) Psi_o diag(P, Psi^-1 J (J'Psi^-1 J)^-1) / n with
    J = G [1, 2 lambda]', Psi_o = [[H'SH/n, H'S a/n], [a'S H/n, Psi]].

    Parameters
    ----------
    u : ndarray
        Unfiltered residuals (n,).
    lam : float
    H, P, G, psi, a, W
        As above.

    Returns
    -------
    ndarray (p + 1, p + 1)
    """
    n = len(u)
    s = (u - lam * (W @ u)) ** 2
    HS = H.T * s
    psi_dd = HS @ H / n
    psi_dl = HS @ a / n
    psi_o = np.block([[psi_dd, psi_dl], [psi_dl.T, psi]])
    psii = np.linalg.inv(psi)
    J = G @ np.array([1.0, 2 * lam])
    jpj = float(J @ psii @ J)
    left_l = (J @ psii) / jpj
    L, p = P.shape
    left = np.zeros((p + 1, L + 2))
    left[:p, :L] = P.T
    left[p, L:] = left_l
    return left @ psi_o @ left.T / n


def omega_filtered_ols(u: np.ndarray, lam: float, X: np.ndarray, G: np.ndarray, psi: np.ndarray,
                       W: sp.spmatrix) -> np.ndarray:
    """Covariance of (beta, lambda) with exogenous regressors only, as spreg's ``GM_Error_Het``.

    Block diagonal: (Xs'Xs)^-1 Xs'S Xs (Xs'Xs)^-1 for beta (Xs = X - lambda W X) and (J'Psi^-1 J)^-1 / n for
    lambda, Psi without the a-terms.

    Parameters
    ----------
    u : ndarray
        Unfiltered residuals (n,).
    lam : float
    X : ndarray
        Regressors (n, k).
    G, psi : ndarray
    W : sparse matrix

    Returns
    -------
    ndarray (k + 1, k + 1)
    """
    n, k = X.shape
    s = (u - lam * (W @ u)) ** 2
    Xs = X - lam * (W @ X)
    bread = np.linalg.inv(Xs.T @ Xs)
    out = np.zeros((k + 1, k + 1))
    out[:k, :k] = bread @ ((Xs.T * s) @ Xs) @ bread
    J = G @ np.array([1.0, 2 * lam])
    out[k, k] = 1.0 / float(J @ np.linalg.solve(psi, J)) / n
    return out
