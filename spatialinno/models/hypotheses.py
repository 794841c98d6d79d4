"""Tests between spatial models: likelihood ratio, Wald (incl. the common-factor restriction) and Hausman.

- LR = 2 (l_unrestricted - l_restricted) ~ chi2(df), df = difference in free parameters.
- Wald for R p = q: W = (R p - q)' (R V R')^-1 (R p - q) ~ chi2(rank R).
- Common factor (SDM -> SEM, Burridge 1981; Elhorst 2014 §2.3): theta_k + rho b_k = 0 for every k with
  a W x term, by the delta method with Jacobian d/dp (theta + rho b).
- Hausman (FE vs RE): H = d' (V_FE - V_RE)^+ d over the parameters common to both fits (slopes and the
  shared spatial parameter, as in Elhorst's panel code; never the constant), with the generalised inverse
  on the positive-eigenvalue subspace and df = its rank (:mod:`.hausman`).

Each reads results only through their public attributes (``params``, ``cov_params()``, ``llf``,
``df_model``, ``nobs``, ``fixed_effects``, ``model``). The LR test of fixed effects, which re-estimates,
lives in :mod:`.fe_tests`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SpatialInnoError, preview
from .comparison import check_comparable
from .hausman import RTOL, hausman_contrast


def _series(name: str, stat: float, df: int, extra: dict | None = None) -> pd.Series:
    out = {"statistic": float(stat), "df": int(df), "p_value": float(stats.chi2.sf(stat, df))}
    out.update(extra or {})
    return pd.Series(out, name=name)


def lr_test(a, b) -> pd.Series:
    """LR test of the smaller of two nested fits against the larger one.

    Parameters
    ----------
    a, b : SpatialResults
        Fits of the same outcome values on the same ids, periods, weights and fixed effects, one nested in
        the other (else :class:`~spatialinno.errors.ComparisonError` naming what differs).

    Returns
    -------
    Series
        statistic, df, p_value, the two model names and log-likelihoods.
    """
    check_comparable(a, b, "LR test", nested=True)
    big, small = (a, b) if a.df_model >= b.df_model else (b, a)
    df = big.df_model - small.df_model
    if df == 0:
        raise SpatialInnoError(f"{big.model} and {small.model} have the same number of parameters; not nested")
    stat = 2.0 * (big.llf - small.llf)
    return _series(f"LR {big.model} vs {small.model}", stat, df,
                   {"unrestricted": big.model, "restricted": small.model, "llf_unrestricted": big.llf,
                    "llf_restricted": small.llf})


def wald_test(res, restriction) -> pd.Series:
    """Wald test of a restriction on ``res.params`` with covariance ``res.cov_params()``.

    Parameters
    ----------
    res : SpatialResults
    restriction : str, list of str or (array, array)
        ``"theta=0"``, ``"rho=0"``, ``"lambda=0"``, ``"common_factor"``, one parameter name, a list of names
        jointly zero, or (R, q) for R params = q.

    Returns
    -------
    Series
        statistic, df, p_value.
    """
    p, V = res.params, res.cov_params()
    names = list(p.index)
    if isinstance(restriction, str) and restriction == "common_factor":
        pairs = [(n[2:], n) for n in names if n.startswith("W_") and n[2:] in names]
        if "rho" not in names or not pairs:
            raise SpatialInnoError("the common-factor test needs an SDM fit (rho and W_x terms)")
        rho = p["rho"]
        g = np.array([p[t] + rho * p[b] for b, t in pairs])
        J = np.zeros((len(pairs), len(names)))
        for r, (b, t) in enumerate(pairs):
            J[r, names.index(t)] = 1.0
            J[r, names.index(b)] = rho
            J[r, names.index("rho")] = p[b]
        S = J @ V.to_numpy() @ J.T
        stat = float(g @ np.linalg.solve(S, g))
        return _series("Wald common factor (theta + rho*beta = 0)", stat, len(pairs))
    if isinstance(restriction, str):
        if restriction == "theta=0":
            zero = [n for n in names if n.startswith("W_")]
        elif restriction in ("rho=0", "lambda=0"):
            zero = [restriction.split("=")[0]]
        else:
            zero = [restriction]
        restriction = zero
    if isinstance(restriction, tuple):
        R, q = (np.atleast_2d(np.asarray(restriction[0], float)), np.atleast_1d(np.asarray(restriction[1], float)))
        label = "Wald R p = q"
    else:
        unknown = [r for r in restriction if r not in names]
        if unknown or not restriction:
            raise SpatialInnoError(f"unknown parameters {preview(unknown)} in the restriction; have {preview(names)}")
        R = np.zeros((len(restriction), len(names)))
        for r, nm in enumerate(restriction):
            R[r, names.index(nm)] = 1.0
        q = np.zeros(len(restriction))
        label = f"Wald {', '.join(restriction)} = 0"
    d = R @ p.to_numpy() - q
    stat = float(d @ np.linalg.solve(R @ V.to_numpy() @ R.T, d))
    return _series(label, stat, np.linalg.matrix_rank(R))


def hausman(fe, re, *, rtol: float = RTOL) -> pd.Series:
    """Hausman test of random against fixed effects over the common slope coefficients.

    H = d' D^+ d with d = b_FE - b_RE and D^+ the generalised inverse of D = V_FE - V_RE on its
    positive-eigenvalue subspace, df = its rank (the classical d' D^-1 d, df = k, when D is positive
    definite); see :mod:`.hausman`. A statistic is never formed from a negative quadratic form: when D has
    no positive eigenvalue :class:`~.hausman.HausmanError` is raised. The regression-based (Mundlak)
    alternative, always defined, is :func:`spatialinno.mundlak_test`.

    Parameters
    ----------
    fe, re : SpatialResults
        Fixed- and random-effects fits of the same model, outcome values, ids, periods and weights
        (else :class:`~spatialinno.errors.ComparisonError` naming what differs).
    rtol : float
        Eigenvalues of D at or below ``rtol`` times the largest are treated as zero (default 1e-6).

    Returns
    -------
    Series
        statistic, df, p_value, method (``"contrast"`` or ``"contrast, generalised inverse"``), note, the
        coefficients compared, the number of eigenvalues dropped and whether D is positive definite.

    Raises
    ------
    HausmanError
        When V_FE - V_RE has no positive eigenvalue.
    """
    check_comparable(fe, re, "Hausman test", same_effects=False)
    common = [n for n in fe.params.index if n in re.params.index and n != "Intercept"]
    if not common:
        raise SpatialInnoError("the two fits share no slope coefficients")
    out = hausman_contrast(fe.params[common].to_numpy(), re.params[common].to_numpy(),
                           fe.cov_params().loc[common, common].to_numpy(),
                           re.cov_params().loc[common, common].to_numpy(), common, rtol)
    return pd.Series({"statistic": out["statistic"], "df": out["df"], "p_value": out["p_value"],
                      "method": out["method"], "note": out["note"], "coefficients": common,
                      "dropped": out["dropped"], "V_diff_positive_definite": bool(out["eigenvalues"].min() > 0)},
                     name="Hausman FE vs RE")
