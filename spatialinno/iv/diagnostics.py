"""Instrument diagnostics of spatial 2SLS: first-stage strength, over-identification, residual dependence.

- First stage (per instrumented regressor, including W y): the classic F of the excluded instruments in the
  regression of the regressor on all instruments, F = [(RSS_r - RSS_u)/q] / [RSS_u/(n - a - L)] (a the
  number of fixed effects absorbed, L the instruments), and the partial R^2 = 1 - RSS_u/RSS_r.
- Sargan (1958) with homoskedastic errors: S = e'P_H e / s2, s2 = e'e / divisor (n, or n minus the absorbed
  fixed effects for panels), chi2(L - p).
- Hansen (1982) J with heteroskedastic errors, at the two-step efficient GMM estimate:
  S = H' diag(e_1^2) H / n from the 2SLS residuals e_1, delta_2 = (Z'H S^-1 H'Z)^-1 Z'H S^-1 H'y,
  J = n gbar' S^-1 gbar with gbar = H'(y - Z delta_2)/n, chi2(L - p).
- Anselin & Kelejian (1997) test of remaining spatial error dependence after 2SLS with W y:
  AK = (e'We / s2)^2 / [tr(W'W + WW) + 4 e'W Z (Zhat'Zhat)^-1 Z'W'e / s2], s2 = e'e/n, chi2(1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from .instruments import SpatialIV


def _rss(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    if X.shape[1] == 0:
        return (y ** 2).sum(axis=0)
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    return ((y - X @ beta) ** 2).sum(axis=0)


def first_stage(siv: SpatialIV, absorbed: int = 0, robust: bool = False) -> pd.DataFrame:
    """Partial F and partial R^2 of the excluded instruments for each instrumented regressor.

    The classic partial F compares the first-stage residual sums of squares with and without the q excluded
    instruments: F = ((RSS_r - RSS_u) / q) / (RSS_u / (n - absorbed - L)). With ``robust=True`` the column
    ``robust_F`` adds the heteroskedasticity-robust Wald statistic of the excluded instruments' coefficients
    divided by q, W / q with W = pi' V_HC0^-1 pi and V_HC0 the White (1980) covariance of the first-stage
    coefficients: for one endogenous regressor it is the Kleibergen-Paap (2006) rk Wald F statistic (without a
    small-sample factor). The spatial lag W y is one of the instrumented regressors, so with an external
    endogenous regressor the joint rank statistic over both is not reported: each regressor's own F is.

    Parameters
    ----------
    siv : SpatialIV
        Regressors and instruments (within-transformed for panels).
    absorbed : int
        Number of fixed effects removed by the within transformation (0 for cross-sections).
    robust : bool
        Add ``robust_F`` and ``robust_p_value`` (chi2(q) / q reference).

    Returns
    -------
    DataFrame
        Indexed by regressor, columns ``partial_F``, ``df_num``, ``df_den``, ``p_value``, ``partial_R2`` (and
        ``robust_F``, ``robust_p_value`` with ``robust=True``).
    """
    included = [j for j, h in enumerate(siv.hnames) if h in siv.names]
    cols = [siv.names.index(e) for e in siv.endogenous]
    E = siv.Z[:, cols]
    n, L = siv.H.shape
    q = len(siv.excluded)
    rss_u = _rss(E, siv.H)
    rss_r = _rss(E, siv.H[:, included])
    df_den = n - absorbed - L
    F = ((rss_r - rss_u) / q) / (rss_u / df_den)
    out = pd.DataFrame({"partial_F": F, "df_num": q, "df_den": df_den, "p_value": stats.f.sf(F, q, df_den),
                        "partial_R2": 1 - rss_u / rss_r}, index=pd.Index(siv.endogenous, name="regressor"))
    if robust:
        excluded = [j for j in range(L) if j not in included]
        wald = np.array([_robust_wald(E[:, k], siv.H, excluded) for k in range(E.shape[1])])
        out["robust_F"] = wald / q
        out["robust_p_value"] = stats.chi2.sf(wald, q)
    return out


def _robust_wald(e: np.ndarray, H: np.ndarray, tested: list[int]) -> float:
    """White (HC0) Wald statistic of the coefficients ``tested`` in the OLS regression of ``e`` on ``H``."""
    HtH_inv = np.linalg.pinv(H.T @ H)
    coef = HtH_inv @ (H.T @ e)
    u = e - H @ coef
    meat = (H * (u ** 2)[:, None]).T @ H
    V = HtH_inv @ meat @ HtH_inv
    c = coef[tested]
    return float(c @ np.linalg.solve(V[np.ix_(tested, tested)], c))


#: partial F below which the summary warns of weak instruments (Staiger & Stock 1997 rule of thumb)
WEAK_F = 10.0


def weak_instrument_notes(table: pd.DataFrame) -> list[str]:
    """Sentences for the summary naming regressors whose first-stage F is below :data:`WEAK_F`.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`first_stage`.

    Returns
    -------
    list of str
        One sentence per weak regressor (empty when none is weak).
    """
    col = "robust_F" if "robust_F" in table.columns else "partial_F"
    return [f"Weak instruments: the first-stage {col} of {name} is {value:.2f} < {WEAK_F:g} (Staiger & Stock 1997 "
            f"rule of thumb; Stock & Yogo 2005 critical values); 2SLS estimates and their tests may be unreliable."
            for name, value in table[col].items() if np.isfinite(value) and value < WEAK_F]


def sargan(y: np.ndarray, Z: np.ndarray, H: np.ndarray, resid: np.ndarray,
           divisor: int | None = None) -> tuple[float, int, float]:
    """Sargan statistic e'P_H e / (e'e / divisor) of the 2SLS residuals ``resid``.

    Parameters
    ----------
    y, Z, H : ndarray
        Outcome, regressors, instruments (only the shapes of y and Z are used).
    resid : ndarray
        2SLS residuals.
    divisor : int, optional
        Divisor of sigma2 (default n; n minus the absorbed fixed effects for panels).

    Returns
    -------
    (statistic, df, p_value)
    """
    n, L = H.shape
    fitted = H @ np.linalg.lstsq(H, resid, rcond=None)[0]
    stat = float((n if divisor is None else divisor) * (resid @ fitted) / (resid @ resid))
    df = L - Z.shape[1]
    return stat, df, float(stats.chi2.sf(stat, df))


def hansen_j(y: np.ndarray, Z: np.ndarray, H: np.ndarray, resid: np.ndarray) -> tuple[float, int, float]:
    """Hansen J at the two-step efficient GMM estimate built from the 2SLS residuals ``resid``.

    Parameters
    ----------
    y, Z, H : ndarray
        Outcome, regressors, instruments.
    resid : ndarray
        2SLS (first-step) residuals.

    Returns
    -------
    (statistic, df, p_value)
    """
    n, L = H.shape
    S = (H.T * resid ** 2) @ H / n
    Si = np.linalg.inv(S)
    ZH = Z.T @ H
    delta = np.linalg.solve(ZH @ Si @ ZH.T, ZH @ Si @ (H.T @ y))
    gbar = H.T @ (y - Z @ delta) / n
    stat = float(n * gbar @ Si @ gbar)
    df = L - Z.shape[1]
    return stat, df, float(stats.chi2.sf(stat, df))


def overid_table(name: str, stat: tuple[float, int, float]) -> pd.DataFrame:
    """One-row DataFrame (``statistic``, ``df``, ``p_value``) indexed by the test's name.

    Parameters
    ----------
    name : str
    stat : (statistic, df, p_value)

    Returns
    -------
    DataFrame
    """
    return pd.DataFrame([stat], columns=["statistic", "df", "p_value"], index=pd.Index([name], name="test"))


def anselin_kelejian(resid: np.ndarray, Z: np.ndarray, Zhat: np.ndarray, W: sp.spmatrix) -> tuple[float, float]:
    """Anselin-Kelejian (1997) statistic and p-value of a cross-section (see the module docstring).

    Parameters
    ----------
    resid : ndarray
        2SLS residuals (n,).
    Z : ndarray
        Regressors including W y (n, p).
    Zhat : ndarray
        Their projections on the instruments.
    W : sparse matrix
        The N x N weights.

    Returns
    -------
    (statistic, p_value)
    """
    n = len(resid)
    s2 = resid @ resid / n
    eWZ = (W @ Z).T @ resid
    a = float(eWZ @ np.linalg.solve(Zhat.T @ Zhat, eWZ))
    t = float(W.multiply(W).sum() + W.multiply(W.T).sum())
    stat = float((resid @ (W @ resid) / s2) ** 2 / (t + 4 * a / s2))
    return stat, float(stats.chi2.sf(stat, 1))
