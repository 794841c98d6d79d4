"""Spatial two-stage least squares and generalised spatial 2SLS: :func:`gs2sls`.

SAR/SDM: 2SLS of y on Z = [X, (W X), Y_endog, W y] with instruments H (Kelejian & Prucha 1998, step 1),
sigma2 = e'e / divisor, Cov = sigma2 (Zhat'Zhat)^-1 (``robust=True``: White's sandwich
(Zhat'Zhat)^-1 Zhat' diag(e^2) Zhat (Zhat'Zhat)^-1), Zhat = P_H Z.

SEM/SARAR (Kelejian & Prucha 1998, 1999): 2SLS residuals -> GM lambda -> 2SLS of the spatially filtered
y - lambda W y on Z - lambda W Z with the same H; Cov = sigma2 (Zhat_s'Zhat_s)^-1 with sigma2 from the filtered
residuals; lambda has no standard error (NaN). With ``robust=True`` lambda and the joint covariance follow
Arraiz, Drukker, Kelejian & Prucha (2010) (one iteration, as spreg's ``GM_*_Het``). A SEM with only exogenous
regressors uses X as its own instruments, i.e. feasible GLS (spreg's ``GM_Error``/``GM_Error_Het``).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SpatialInnoError
from ..models.fe_formula import fe_in_formula
from ..models.missing import handle_missing
from ..weights import Weights
from .diagnostics import anselin_kelejian, first_stage, hansen_j, overid_table, sargan, weak_instrument_notes
from .formula import IVDesign, build
from .gm_lambda import (
    het_a1,
    het_a_terms,
    het_moments,
    het_psi,
    kp_lambda,
    minimise_quartic,
    omega_filtered_ols,
    omega_gs2sls,
    p_hat,
)
from .instruments import spatial_iv
from .results import IVResults


@dataclass(frozen=True)
class TwoSLS:
    """2SLS fit: coefficients, residuals, Zhat = P_H Z and (Zhat'Zhat)^-1.

    Parameters
    ----------
    delta, resid, Zhat, bread : ndarray
    """

    delta: np.ndarray
    resid: np.ndarray
    Zhat: np.ndarray
    bread: np.ndarray


def two_sls(y: np.ndarray, Z: np.ndarray, H: np.ndarray) -> TwoSLS:
    """delta = (Zhat'Zhat)^-1 Zhat'y with Zhat = H (H'H)^-1 H'Z.

    Parameters
    ----------
    y : ndarray (n,)
    Z : ndarray (n, p)
    H : ndarray (n, L), L >= p

    Returns
    -------
    TwoSLS
    """
    Q, _ = np.linalg.qr(H)
    Zhat = Q @ (Q.T @ Z)
    bread = np.linalg.inv(Zhat.T @ Zhat)
    delta = bread @ (Zhat.T @ y)
    return TwoSLS(delta=delta, resid=y - Z @ delta, Zhat=Zhat, bread=bread)


def absorbed_effects(fixed_effects: str, N: int, T: int) -> int:
    """Number of fixed effects a within transformation removes (0, N, T or N + T - 1).

    Parameters
    ----------
    fixed_effects : str
    N, T : int

    Returns
    -------
    int
    """
    if T == 1:
        return 0
    return {"none": 0, "entity": N, "time": T, "twoway": N + T - 1}[fixed_effects]


def _check_error_panel(ivd: IVDesign, model: str, robust: bool) -> None:
    d = ivd.design
    if model in ("sem", "sarar") and d.T > 1 and (d.fixed_effects not in ("none", "entity") or robust):
        raise SpatialInnoError(f"model={model!r} on a panel supports fixed_effects 'entity' or 'none' with "
                               f"robust=False (the within transformation of time effects does not commute with "
                               f"W unless W is doubly stochastic, and the heteroskedastic moments assume no "
                               f"demeaning); got fixed_effects={d.fixed_effects!r}, robust={robust}")


def _lambda_het(y, Z, H, first: TwoSLS, W, exog_only: bool):
    """Arraiz et al. (2010) two steps; returns (delta, lambda, covariance, filtered fit)."""
    A1 = het_a1(W)
    G, g = het_moments(first.resid, W, A1)
    lam1 = minimise_quartic(G, g)
    Zs1 = Z - lam1 * (W @ Z)
    H2 = Zs1 if exog_only else H
    fit = two_sls(y - lam1 * (W @ y), Zs1, H2)
    u1 = y - Z @ fit.delta
    a = None if exog_only else het_a_terms(u1 - lam1 * (W @ u1), Zs1, H, p_hat(H, Zs1), W, A1)
    G1, g1 = het_moments(u1, W, A1)
    lam = minimise_quartic(G1, g1, weight=np.linalg.inv(het_psi(u1, lam1, W, A1, a)))
    if exog_only:
        cov = omega_filtered_ols(u1, lam, Z, G1, het_psi(u1, lam, W, A1), W)
    else:
        Zs = Z - lam * (W @ Z)
        P = p_hat(H, Zs)
        a3 = het_a_terms(u1 - lam * (W @ u1), Zs, H, P, W, A1)
        cov = omega_gs2sls(u1, lam, H, P, G1, het_psi(u1, lam, W, A1, a3), a3, W)
    return fit.delta, lam, cov, fit


@fe_in_formula
def gs2sls(formula: str, data: pd.DataFrame, w: Weights, *, model: str = "sar", id: Hashable | None = None,
           entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
           w_lags: int = 2, robust: bool = False, missing: str = "raise") -> IVResults:
    """Spatial two-stage least squares / generalised spatial 2SLS (Kelejian & Prucha 1998, 1999; Arraiz et al. 2010).

    y = rho W y + X b + (W X t) + Y g + u,  u = lambda W u + e (SEM/SARAR), with the endogenous regressors Y
    written ``[Y ~ z1 + z2]`` in the formula and instruments H = [X, Z, W X, W Z, ..., W^q X, W^q Z] (q =
    ``w_lags``; the constant never lagged; SDM: X lags continue at W^2 X). See the module docstring for the
    estimators and covariances.

    Parameters
    ----------
    formula : str
        e.g. ``"innov ~ pgdp + [agglom ~ z1 + z2]"``.
    data : DataFrame
        Cross-section (rows aligned to ``w.ids`` by ``id`` or the index) or long panel (``entity``, ``time``).
    w : Weights, libpysal W or Graph
        Spatial weights (libpysal objects used as given, in their current transform).
    model : {"sar", "sem", "sarar", "sdm"}
        ``"sdm"`` adds W x for every exogenous regressor but the constant (not for endogenous ones).
    id, entity, time, fixed_effects
        As for the ML estimators (panel fixed effects ``"entity"`` (default), ``"time"``, ``"twoway"``, ``"none"``;
        W applied per period before the within transformation).
    w_lags : int
        Highest power of W in the instruments (``0`` allowed for ``"sem"``: H = [X, Z], spreg's ``GM_Endog_Error``).
    robust : bool
        Heteroskedasticity-robust covariance; for SEM/SARAR the Arraiz et al. (2010) moments.
    missing : {"raise", "drop"}
        Rows with a NaN in a used column: ``"raise"`` names them, ``"drop"`` drops and records them
        (``res.dropped``; see :mod:`spatialinno.models.missing`).

    Returns
    -------
    IVResults
    """
    data, w, record = handle_missing(data, formula, w, id=id, entity=entity, time=time, missing=missing)
    ivd = build(formula, data, w, id=id, entity=entity, time=time, fixed_effects=fixed_effects)
    siv = spatial_iv(ivd, model, w_lags)
    _check_error_panel(ivd, model, robust)
    d = ivd.design
    w = d.w
    absorbed = absorbed_effects(d.fixed_effects, d.N, d.T)
    n = d.n
    n_div = n - absorbed
    y, Z, H = siv.y, siv.Z, siv.H
    exog_only = model == "sem" and not ivd.endogenous
    if exog_only:
        H = Z
    first = two_sls(y, Z, H)
    names = list(siv.names)
    notes = [f"sigma2 = e'e / {n_div}" + (f" (n = {n} minus {absorbed} absorbed fixed effects)" if absorbed else
                                          " (n, no small-sample correction)") + "."]
    ak = None
    stat_fit = (y, Z, H, first)
    if model in ("sar", "sdm"):
        delta, e = first.delta, first.resid
        sigma2 = float(e @ e / n_div)
        if robust:
            meat = (first.Zhat.T * e ** 2) @ first.Zhat
            cov = first.bread @ meat @ first.bread
        else:
            cov = sigma2 * first.bread
        if d.T == 1 and not robust:
            stat, pval = anselin_kelejian(e, Z, first.Zhat, w.sparse)
            ak = overid_table("Anselin-Kelejian", (stat, 1, pval))
    else:
        names.append("lambda")
        if robust:
            delta, lam, cov, fit = _lambda_het(y, Z, H, first, w.sparse, exog_only)
            notes.append("lambda and the covariance: Arraiz, Drukker, Kelejian & Prucha (2010), one iteration"
                         + (" (Psi without the a-terms, as spreg's GM_Error_Het)." if exog_only else "."))
        else:
            trww = float(w.sparse.multiply(w.sparse).sum())
            t_eff = d.T - 1 if absorbed else d.T
            lam = kp_lambda(first.resid, d.lag, n_div, t_eff * trww)
            fit = two_sls(y - lam * d.lag(y), Z - lam * d.lag(Z), Z - lam * d.lag(Z) if exog_only else H)
            delta = fit.delta
            k = len(delta)
            cov = np.full((k + 1, k + 1), np.nan)
            cov[:k, :k] = float(fit.resid @ fit.resid / n_div) * fit.bread
            notes.append("lambda: Kelejian-Prucha (1999) GM estimate; it has no standard error (NaN).")
        delta = np.append(delta, lam)
        sigma2 = float(fit.resid @ fit.resid / n_div)
        stat_fit = (y - lam * d.lag(y), Z - lam * d.lag(Z), H, fit)
    params = pd.Series(delta, index=names, name="params", dtype=float)
    cov_df = pd.DataFrame(cov, index=names, columns=names)
    ys, Zs, Hs, fs = stat_fit
    overid = None
    if Hs.shape[1] > Zs.shape[1]:
        overid = (overid_table("Hansen J", hansen_j(ys, Zs, Hs, fs.resid)) if robust
                  else overid_table("Sargan", sargan(ys, Zs, Hs, fs.resid, n_div)))
    idx = (pd.Index(w.ids, name="id") if d.T == 1 else
           pd.MultiIndex.from_product([d.periods, w.ids], names=["time", "entity"]).swaplevel())
    resid = pd.Series(y - Z @ params.to_numpy()[:Z.shape[1]], index=idx, name="resid")
    fs_table = first_stage(siv, absorbed, robust=robust)
    return IVResults(model=model, params=params, cov=cov_df, sigma2=sigma2,
                     sigma2_divisor=f"{n_div}" + (f" = n - {absorbed} fixed effects" if absorbed else " = n"),
                     nobs=n, N=d.N, T=d.T, fixed_effects=d.fixed_effects if d.T > 1 else None, robust=robust,
                     w_lags=w_lags, instruments=list(names[:-1] if exog_only else siv.hnames),
                     endogenous=list(siv.endogenous),
                     first_stage=fs_table, overid=overid, ak_test=ak, resid=resid, weights=w,
                     notes=tuple(notes) + tuple(weak_instrument_notes(fs_table)), outcome=d.yname, missing=record)
