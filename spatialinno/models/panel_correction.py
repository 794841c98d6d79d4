"""Elhorst's analytic bias correction after direct (dummy-variable) estimation of FE spatial panels.

Following Elhorst's sar_panel_FE / sem_panel_FE with ``bc=1`` (Elhorst 2014, §3.4, after Lee & Yu 2010):

- entity effects: sigma2 <- T/(T-1) sigma2;  time effects: sigma2 <- N/(N-1) sigma2;
- two-way effects: p_bc = p + (I/(NT))^-1 b / N with b = (0, ..., 0, 1/(1 - r), 1/(2 sigma2)) over
  (coefficients, spatial parameter r, sigma2), i.e. p_bc = p + T V b with V = I^-1; then
  sigma2 <- T/(T-1) sigma2_bc, and the information matrix is re-evaluated at the corrected values.
The log-likelihood reported is that of the uncorrected (dummy-variable ML) estimates.
"""

from __future__ import annotations

import numpy as np

from ..errors import SpatialInnoError
from .covariance import Covariance, InformationCovariance
from .estimate import Estimate, make_estimate


def elhorst_correction(est: Estimate, cov: Covariance) -> tuple[Estimate, InformationCovariance]:
    """Elhorst's bias-corrected estimates of a dummy-variable fit and the information covariance at them.

    Parameters
    ----------
    est : Estimate
        Uncorrected ML estimate (``bias_correction="elhorst"`` problem, i.e. without the Lee-Yu scaling).
    cov : Covariance
        Its ML covariance (the two-way correction uses the full matrix, sigma2 row included).

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
        r = rho if p.spec.lag else lam
        b = np.zeros(V.shape[0])
        b[k] = 1.0 / (1.0 - r)
        b[-1] = 1.0 / (2.0 * sigma2)
        full = np.concatenate([beta, [v for v in (rho if p.spec.lag else None, lam if p.spec.error else None)
                                      if v is not None], [sigma2]])
        full = full + T * V @ b
        beta = full[:k]
        if p.spec.lag:
            rho = float(full[k])
        else:
            lam = float(full[k])
        sigma2 = T / (T - 1) * full[-1]
    at = p.at(rho, lam)
    out = make_estimate(p, rho, lam, beta, sigma2, est.llf, at["resid"], bias_correction="elhorst")
    return out, InformationCovariance(out)
