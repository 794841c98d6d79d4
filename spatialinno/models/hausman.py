"""The Hausman contrast statistic, defined also when V_FE - V_RE is not positive definite.

Hausman (1978): with d = b_FE - b_RE over the coefficients common to both fits and D = V_FE - V_RE,

    H = d' D^-1 d ~ chi2(k)      under H0 (random effects consistent and efficient).

In finite samples D need not be positive definite, and d' D^-1 d can then be negative (a statistic with no
chi2 reading; the demo SDM gives -34.3). Following Hausman & Taylor (1981) and Cameron & Trivedi (2005,
§8.3.3) the statistic is formed with the generalised inverse of D on its positive-eigenvalue subspace:
with D = Q diag(l) Q' and P = {i : l_i > rtol * max_j l_j},

    H = sum_{i in P} (q_i' d)^2 / l_i ~ chi2(|P|),

so df is the rank of the retained part. Eigenvalues below the relative tolerance (default ``RTOL`` = 1e-6
of the largest eigenvalue), zero or negative, are dropped and the result says how many. When no eigenvalue
is positive the contrast identifies nothing and :class:`HausmanError` is raised; the regression-based
alternative :func:`spatialinno.models.mundlak.mundlak_test` is always defined.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..errors import SpatialInnoError

#: eigenvalues of V_FE - V_RE at or below RTOL times the largest are treated as zero
RTOL = 1e-6


class HausmanError(SpatialInnoError):
    """The Hausman contrast is not identified: V_FE - V_RE has no positive eigenvalue."""


def hausman_contrast(b_fe: np.ndarray, b_re: np.ndarray, v_fe: np.ndarray, v_re: np.ndarray,
                     names: list[str] | None = None, rtol: float = RTOL) -> dict:
    """Hausman statistic over the positive-eigenvalue subspace of V_FE - V_RE (module docstring).

    Parameters
    ----------
    b_fe, b_re : ndarray
        Fixed- and random-effects estimates of the same k coefficients.
    v_fe, v_re : ndarray
        Their (k, k) covariance matrices.
    names : list of str, optional
        Coefficient names, used in messages.
    rtol : float
        Relative eigenvalue tolerance: eigenvalues <= rtol * max eigenvalue are dropped.

    Returns
    -------
    dict
        ``statistic``, ``df`` (rank used), ``p_value``, ``method`` (``"contrast"`` or
        ``"contrast, generalised inverse"``), ``note``, ``eigenvalues`` (of V_FE - V_RE, ascending) and
        ``dropped`` (how many were dropped).

    Raises
    ------
    HausmanError
        When V_FE - V_RE has no eigenvalue above the tolerance.
    """
    d = np.asarray(b_fe, float) - np.asarray(b_re, float)
    D = np.asarray(v_fe, float) - np.asarray(v_re, float)
    D = (D + D.T) / 2.0
    lam, Q = np.linalg.eigh(D)
    top = lam.max()
    names = names or [f"b{i}" for i in range(len(d))]
    if top <= 0:
        raise HausmanError(f"V_FE - V_RE has no positive eigenvalue (largest {top:.3g}) over {', '.join(names)}: "
                           f"the contrast does not identify a test; use si.mundlak_test (regression-based)")
    keep = lam > rtol * top
    proj = Q[:, keep].T @ d
    stat = float(np.sum(proj ** 2 / lam[keep]))
    df = int(keep.sum())
    dropped = len(d) - df
    if dropped:
        method = "contrast, generalised inverse"
        note = (f"V_FE - V_RE is not positive definite ({dropped} of {len(d)} eigenvalues <= {rtol:g} x the "
                f"largest, smallest {lam.min():.3g}): statistic from its generalised inverse on the "
                f"{df}-dimensional positive-eigenvalue subspace, df = {df}")
    else:
        method = "contrast"
        note = f"V_FE - V_RE is positive definite: the classical statistic, df = {df}"
    return {"statistic": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df)), "method": method,
            "note": note, "eigenvalues": lam, "dropped": dropped}
