"""Lagrange multiplier tests for spatial dependence after OLS (Anselin 1988; Anselin et al. 1996).

With OLS residuals e, s2 = e'e/n (no degrees-of-freedom correction), T_W = tr(W'W + WW) and
J = ((W X b)' M (W X b) + T_W s2) / s2, M = I - X (X'X)^-1 X':

- ``LM_error``  = (e'We/s2)^2 / T_W                                        chi2(1)
- ``LM_lag``    = (e'Wy/s2)^2 / J                                          chi2(1)
- ``RLM_error`` = (e'We/s2 - T_W/J e'Wy/s2)^2 / (T_W (1 - T_W/J))          chi2(1)
- ``RLM_lag``   = (e'Wy/s2 - e'We/s2)^2 / (J - T_W)                        chi2(1)
- ``SARMA``     = RLM_lag + LM_error                                       chi2(2)

Panels (Elhorst 2014, §3.3; Anselin et al. 2008): the classic tests on the within-transformed data
(entity, time or two-way demeaning; pooled for ``"none"``) with the block-diagonal W = I_T (x) W_N,
so T_W = T tr(W_N'W_N + W_N W_N) and s2 = e'e/(NT) with no correction for the fixed effects. Unbalanced
panels use W_t restricted to each period's regions (:mod:`spatialinno.models.period_layout`), fixed effects
removed exactly, T_W = sum_t tr(W_t'W_t + W_t W_t) and s2 = e'e/n over the n observed rows. (spreg's
panel LM tests use tr(W)^2 in place of tr(W'W + WW), which is wrong; these are not Debarsy-Ertur or
Lee-Yu bias-corrected versions.) With time-varying weights (a :class:`~spatialinno.weights.PeriodWeights`,
one W_t per period) the block-diagonal W = diag(W_1, ..., W_T) replaces I_T (x) W_N in every formula, so
T_W = sum_t tr(W_t'W_t + W_t W_t) and W y, W e apply W_t within period t. p-values are upper tails
``chi2.sf`` (exact for tiny values).
Matches ``spdep::lm.LMtests`` (names LMerr, LMlag, RLMerr, RLMlag, SARMA) to 1e-10.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from ..errors import DataError, PeriodWeightsError, SpatialInnoError
from ..models.data import check_rank, cross_section, panel
from ..models.fe_formula import fe_in_formula
from ..models.missing import handle_missing
from ..weights import PeriodWeights, Weights
from ..weights.convert import takes_weights

TEST_NAMES = ["LM_error", "LM_lag", "RLM_error", "RLM_lag", "SARMA"]


def _trace_term(W: sp.csr_matrix) -> float:
    """tr(W'W + WW) = sum_ij w_ij^2 + sum_ij w_ij w_ji, without forming products."""
    return float(W.multiply(W).sum() + W.multiply(W.T).sum())


@takes_weights
@fe_in_formula
def lm_tests(formula: str, data: pd.DataFrame, w: Weights | PeriodWeights, *, id: Hashable | None = None,
             entity: Hashable | None = None, time: Hashable | None = None,
             fixed_effects: str | None = None, missing: str = "raise") -> pd.DataFrame:
    """LM tests of spatial error and spatial lag dependence (plain and robust, and SARMA) after OLS.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + x2"`` (formulaic syntax; an intercept is added in cross-sections and pooled
        panels).
    data : DataFrame
        Cross-section: one row per region, aligned to ``w.ids`` through column ``id`` or the index.
        Panel (``entity`` and ``time`` given): a long DataFrame, balanced or not.
    w : Weights or PeriodWeights
        N x N weights (applied period by period in panels), or one W_t per period (panels only; from
        :func:`spatialinno.weights.by_period` or ``economic_distance(..., by_period=True)``).
    fixed_effects : {"entity", "time", "twoway", "none"}
        Panels only (default ``"entity"``): the within transformation applied before OLS.
    missing : {"raise", "drop"}
        Rows with a NaN in a used column: ``"raise"`` names them; ``"drop"`` drops them first (their keys in
        ``.attrs["dropped"]``).

    Returns
    -------
    DataFrame indexed by ``LM_error, LM_lag, RLM_error, RLM_lag, SARMA`` with columns
    ``statistic``, ``df``, ``p_value``; ``.attrs`` holds n, N, T, fixed_effects, sigma2, T_W, J and
    the OLS coefficients.
    """
    if not isinstance(w, (Weights, PeriodWeights)):
        raise SpatialInnoError("w must be a spatialinno Weights (build one with si.weights.*)")
    if (entity is None) != (time is None):
        raise SpatialInnoError("give both entity= and time= for a panel, or neither for a cross-section")
    if isinstance(w, PeriodWeights) and entity is None:
        raise PeriodWeightsError("time-varying weights (PeriodWeights) need a panel: pass entity= and time=")
    data, w, record = handle_missing(data, formula, w, id=id, entity=entity, time=time, missing=missing)
    if entity is None:
        if fixed_effects not in (None, "none"):
            raise SpatialInnoError(f"fixed_effects={fixed_effects!r} needs a panel: pass entity= and time= "
                                   f"(cross-sections take no fixed effects)")
        assert isinstance(w, Weights)
        d = cross_section(formula, data, w, id)
        y, X = d.y, d.X
        panel_fe = "none"
    else:
        panel_fe = "entity" if fixed_effects is None else fixed_effects
        if panel_fe == "random":
            raise SpatialInnoError("fixed_effects='random' is not available for LM tests (they use OLS/within "
                                   "residuals); use 'entity', 'time', 'twoway' or 'none' (pooled)")
        d = panel(formula, data, w, entity, time, panel_fe, unbalanced=True)
        y, X = d.demean(d.y), d.demean(d.X)
    names = list(d.names)
    check_rank(X, names, " after the within transformation" if panel_fe not in ("none",) else "")
    n = y.shape[0]
    if X.shape[1]:
        b, *_ = np.linalg.lstsq(X, y, rcond=None)
        fitted = X @ b
    else:
        b, fitted = np.zeros(0), np.zeros(n)
    e = y - fitted
    ee = float(e @ e)
    if ee <= 1e-24 * max(1.0, float(y @ y)):
        raise DataError(f"the OLS residuals of {formula!r} are all zero (perfect fit); LM tests are undefined")
    s2 = ee / n
    T_W = d.T * _trace_term(d.w.sparse) if d.layout is None else d.layout.period_sum(lambda wt: _trace_term(wt.sparse))
    if T_W == 0:
        raise SpatialInnoError("the weights have no links; LM tests need neighbours")
    WXb = d.lag(fitted)
    if X.shape[1]:
        coef, *_ = np.linalg.lstsq(X, WXb, rcond=None)
        M_WXb = WXb - X @ coef
    else:
        M_WXb = WXb
    J = (float(WXb @ M_WXb) + T_W * s2) / s2
    r_lag = float(e @ d.lag(y)) / s2
    r_err = float(e @ d.lag(e)) / s2
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = {
            "LM_error": r_err ** 2 / T_W,
            "LM_lag": r_lag ** 2 / J,
            "RLM_error": (r_err - T_W / J * r_lag) ** 2 / (T_W * (1.0 - T_W / J)),
            "RLM_lag": (r_lag - r_err) ** 2 / (J - T_W),
        }
    stat["SARMA"] = stat["RLM_lag"] + stat["LM_error"]
    dfs = {k: (2 if k == "SARMA" else 1) for k in TEST_NAMES}
    out = pd.DataFrame({"statistic": [float(stat[k]) for k in TEST_NAMES],
                        "df": [dfs[k] for k in TEST_NAMES],
                        "p_value": [float(stats.chi2.sf(stat[k], dfs[k])) for k in TEST_NAMES]},
                       index=pd.Index(TEST_NAMES, name="test"))
    out.attrs.update(formula=formula, n=n, N=d.N, T=d.T, fixed_effects=panel_fe, sigma2=s2, T_W=T_W, J=J,
                     coefficients=dict(zip(names, map(float, b), strict=True)),
                     weights=w.describe(), dropped=record.dropped)
    return out
