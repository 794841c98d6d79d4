"""Elhorst's analytic bias correction after direct estimation of FE spatial panels (``bias_correction="elhorst"``).

Reproduces Elhorst's MATLAB ``sar_panel_FE`` / ``sdm_panel_FE`` (SDM: the SAR code on [X, W X]) with ``bc=1``
(Elhorst 2014, §3.4, after Lee & Yu 2010); SEM and SAC get the same corrections with their information
matrices. (Elhorst's ``sem_panel_FE`` applies W to the already demeaned data; with time effects that is
not the same as demeaning W y and W x, which this package does for every model, so SEM and SAC with time
effects are not his numbers; with entity effects the two coincide.) The estimates
p = (b, r, sigma2), r the spatial parameter(s), are the ML estimates on the within-transformed data
(y~, (W y)~, X~) with the concentrated likelihood -NT/2 log(e'e) + T log|I - r W|, and I(p) is Elhorst's
information matrix ``xpx`` on those data (see :mod:`.information`; for SAR/SDM)

    I_bb = X~'X~ / s2,   I_br = X~'(I_T (x) G) X~ b / s2,   G = W (I - r W)^-1,
    I_rr = T tr(G G + G'G) + ||(I_T (x) G) X~ b||^2 / s2,   I_rs = T tr(G) / s2,   I_ss = NT / (2 s2^2).

- entity effects: sigma2 <- T/(T-1) sigma2;  time effects: sigma2 <- N/(N-1) sigma2; b and r unchanged;
- two-way effects: p_bc = p + (I(p)/(NT))^-1 c / N = p + T I(p)^-1 c with c = (0, ..., 0, 1/(1 - r),
  1/(2 sigma2)) (one 1/(1 - r) per spatial parameter), then sigma2 <- T/(T-1) sigma2_bc;
- the covariance is I^-1 re-evaluated at the corrected values (corrected sigma2 included).

The log-likelihood reported is that of the uncorrected estimates (Elhorst's ``results.lik``).
"""

from __future__ import annotations

import numpy as np

from ..errors import SpatialInnoError
from .covariance import Covariance, InformationCovariance
from .estimate import Estimate, make_estimate


def elhorst_correction(est: Estimate, cov: Covariance) -> tuple[Estimate, InformationCovariance]:
    """Elhorst's bias-corrected estimates and the inverse of his information matrix at them (module docstring).

    Parameters
    ----------
    est : Estimate
        Uncorrected ML estimate (``bias_correction="elhorst"`` problem, i.e. without the Lee-Yu scaling).
    cov : Covariance
        Inverse of Elhorst's information matrix at ``est`` (the two-way correction uses the full matrix,
        sigma2 row included).

    Returns
    -------
    (Estimate, InformationCovariance)

    Raises
    ------
    SpatialInnoError
        Two-way effects in a model without spatial parameters (OLS, SLX).
    """
    p = est.problem
    d = p.design
    N, T, fe = d.N, d.T, d.fixed_effects
    k = p.k
    rho, lam = est.rho, est.lam
    beta = np.array(est.beta, dtype=float)
    sigma2 = est.sigma2
    V = cov.matrix
    if fe == "entity":
        sigma2 = T / (T - 1) * sigma2
    elif fe == "time":
        sigma2 = N / (N - 1) * sigma2
    elif not (p.spec.lag or p.spec.error):
        raise SpatialInnoError(f"Elhorst's two-way correction adjusts a spatial parameter; {p.spec.name} has none: "
                               f"use bias_correction='lee-yu' or 'none'")
    else:
        spatial = ([rho] if p.spec.lag else []) + ([lam] if p.spec.error else [])
        c = np.concatenate([np.zeros(k), [1.0 / (1.0 - r) for r in spatial], [1.0 / (2.0 * sigma2)]])
        full = np.concatenate([beta, spatial, [sigma2]]) + T * V @ c
        beta = full[:k]
        corrected = iter(full[k:-1])
        rho = float(next(corrected)) if p.spec.lag else rho
        lam = float(next(corrected)) if p.spec.error else lam
        sigma2 = T / (T - 1) * full[-1]
    at = p.at(rho, lam)
    out = make_estimate(p, rho, lam, beta, sigma2, est.llf, at["resid"], bias_correction="elhorst")
    return out, InformationCovariance(out)
