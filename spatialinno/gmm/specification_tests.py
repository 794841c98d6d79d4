"""Specification tests of dynamic panel GMM: Arellano-Bond AR(m), Sargan and Hansen over-identification.

* AR(m) (Arellano & Bond 1991, eq. 8; Roodman 2009, sec. 3.5): with e the differenced residuals and w their
  m-th lag within the group (zero where unavailable),

      z = sum_i w_i'e_i / sqrt( sum_i (w_i'e_i)^2 - 2 (sum_i w_i'X_i) B S_ZX' A (sum_i Z_i'e_i e_i'w_i)
                                + (sum_i w_i'X_i) V (sum_i X_i'w_i) ),

  B = (S_ZX' A S_ZX)^{-1}, A the weight matrix of the reported estimator and V its variance; N(0, 1)
  under no m-th order autocorrelation of the differenced errors.
* Sargan: (sum_i Z_i'e1_i)' (sum_i Z_i' H Z_i)^{-1} (sum_i Z_i'e1_i) / sigma^2 at the one-step estimate
  (not robust to heteroskedasticity, not weakened by many instruments).
* Hansen J: (sum_i Z_i'e2_i)' A_2 (sum_i Z_i'e2_i) at the two-step estimate (robust, weakened by many
  instruments). Both chi-squared with L - K degrees of freedom.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .estimator import cross
from .instruments import Design


def ar_test(design: Design, u: np.ndarray, weight: np.ndarray, vcov: np.ndarray, order: int) -> tuple[float, float]:
    """Arellano-Bond test of no order-``order`` autocorrelation in the differenced residuals.

    Parameters
    ----------
    design : Design
    u : ndarray
        (N, R) residuals of the reported estimator.
    weight : ndarray
        Its weight matrix A (A_1 one-step, A_2 two-step).
    vcov : ndarray
        Its coefficient variance.
    order : int
        m.

    Returns
    -------
    statistic, p_value : float
    """
    nd = design.n_diff
    e = np.zeros_like(u)
    e[:, :nd] = u[:, :nd]
    w = np.zeros_like(u)
    if order < nd:
        w[:, order:nd] = u[:, :nd - order]
    X, Z = design.X, design.Z
    we = np.einsum("nr,nr->n", w, e)
    ex = np.einsum("nr,nrk->k", w, X)
    szx = cross(Z, X)
    zve = np.einsum("nrl,n->l", Z * e[:, :, None], we)
    bread = np.linalg.inv(szx.T @ weight @ szx)
    denom = (we ** 2).sum() - 2.0 * ex @ bread @ szx.T @ weight @ zve + ex @ vcov @ ex
    stat = float(we.sum() / np.sqrt(denom))
    return stat, float(2.0 * stats.norm.sf(abs(stat)))


def overid_statistic(design: Design, u: np.ndarray, weight: np.ndarray) -> float:
    """Quadratic form (sum_i Z_i'u_i)' weight (sum_i Z_i'u_i).

    Parameters
    ----------
    design : Design
    u : ndarray
        (N, R) residuals.
    weight : ndarray
        (L, L) weight matrix.

    Returns
    -------
    float
    """
    g = cross(design.Z, u[:, :, None])[:, 0]
    return float(g @ weight @ g)


def chi2_test(statistic: float, df: int) -> tuple[float, int, float]:
    """``(statistic, df, p_value)`` of a chi-squared test (p NaN when df < 1).

    Parameters
    ----------
    statistic : float
    df : int

    Returns
    -------
    tuple
    """
    p = float(stats.chi2.sf(statistic, df)) if df >= 1 else float("nan")
    return statistic, df, p
