"""Moran's I of regression residuals with its exact moments under normal errors (Cliff & Ord 1981).

For OLS residuals e = M y, M = I - X (X'X)^-1 X' of rank n - k, and weights W with S0 = sum_ij w_ij,

    I = (n / S0) e'W e / e'e,
    E[I] = (n / S0) tr(MW) / (n - k),
    Var[I] = (n / S0)^2 [tr(MWMW') + tr((MW)^2) + (tr MW)^2] / ((n - k)(n - k + 2)) - E[I]^2,
    z = (I - E[I]) / sqrt(Var[I])

(Cliff & Ord 1981, §8.3; Anselin 1988, §8.1.1; R ``spdep::lm.morantest``, spreg's ``MoranRes``). The moments
hold for any symmetric idempotent M: with iid normal errors u, e'We / e'e = u'MWMu / u'Mu is independent
of u'Mu (Pitman-Koopmans), so they are exact in finite samples.

Fixed-effects panels (stacked time-major, N entities, T periods; Q the within projection of the model's
fixed effects, X~ = Q X the within-transformed regressors, ``res.model_matrix()``):

- **pooled**: the model's own residuals e = M y with M = Q - X~(X~'X~)^-1 X~' (the residual maker of OLS
  on X and the fixed-effect dummies; rank tr(Q) - k) and the block-diagonal W_T = I_T (x) W. This is the
  formula above with n - k replaced by tr(Q) - k = NT - (absorbed effects) - k, and n/S0 = N/S0(W). It
  equals ``lm.morantest`` on the dummy-variable regression with a block-diagonal listw (tested).
- **per period**: for each t, OLS of the within-transformed outcome y~_t on an intercept and X~_t (one
  cross-section, coefficients free by period) and the Cliff-Ord test of its residuals with W. Under the
  model with iid normal errors the errors of y~_t are spherical after the intercept is projected out
  (entity demeaning makes them e_it - mean_s e_is, iid across i; time demeaning subtracts a common
  mean), so each period's test is exact too. Reusing the panel residuals e_t instead would not be:
  e_t'We_t / e_t'e_t has no closed-form moments because the rows of M for one period are not a projection.
  Regressors constant within a period (e.g. a trend) drop out of that period's regression (k_t = rank).

Only for OLS and SLX: residuals of SAR/SEM/SDM/SDEM/SAC depend on the estimated rho/lambda, are not M y
for a fixed projection, and Moran's I of them has no known reference distribution (Anselin 1988, §8.1);
use Lagrange multiplier tests on the OLS model (``si.lm_tests``) or a Wald/LR test of rho/lambda.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from ..errors import DataError, SpatialInnoError
from ..models import ols, slx
from ..models.results import SpatialResults
from ..summary import Summary
from ..weights import Weights

COLUMNS = ["I", "expected", "variance", "z", "p_value", "p_greater", "df_resid"]


class ResidualMoranError(SpatialInnoError):
    """Moran's I of residuals requested for a model whose residuals have no Cliff-Ord reference distribution."""


@dataclass(frozen=True)
class ResidualMoranResult:
    """Moran's I of regression residuals with its exact moments under normal errors.

    Attributes
    ----------
    I, expected, variance, z : float
        The statistic, E[I] = (n/S0) tr(MW)/(n-k), Var[I] (Cliff & Ord 1981) and (I - E[I]) / sqrt(Var[I]).
        For panels, the pooled statistic (module docstring).
    p_value : float
        Two-sided normal p-value.
    p_greater : float
        Upper-tail p-value (positive residual autocorrelation; spdep's default alternative).
    df_resid : int
        n - k: the rank of the residual maker M.
    model : str
        ``"OLS"`` or ``"SLX"``.
    by_period : pandas.DataFrame or None
        Panels: one row per period (columns ``I, expected, variance, z, p_value, p_greater, df_resid``)
        from each period's cross-sectional OLS on the within-transformed data; None for a cross-section.
    """

    I: float
    expected: float
    variance: float
    z: float
    p_value: float
    p_greater: float
    df_resid: int
    model: str
    by_period: pd.DataFrame | None = None

    def summary(self) -> Summary:
        """The pooled (or cross-section) test and, for panels, the per-period table.

        Returns
        -------
        Summary
            The statistic, its moments, z and p-values, and (panels) one row per period.
        """
        head = pd.DataFrame([[self.I, self.expected, self.variance, self.z, self.p_value, self.p_greater,
                              self.df_resid]], columns=COLUMNS, index=["pooled" if self.by_period is not None
                                                                    else "cross-section"])
        tables, captions = [head], ["Moran's I of residuals"]
        if self.by_period is not None:
            tables.append(self.by_period)
            captions.append("By period: cross-sectional OLS on the within-transformed data")
        return Summary(title=f"Moran's I of {self.model} residuals (Cliff-Ord moments under normality)",
                       header=[("Model", self.model), ("Residual df", str(self.df_resid))], tables=tables,
                       captions=captions,
                       notes=["E[I] = (n/S0) tr(MW)/(n-k); p_value two-sided, p_greater upper tail"])


def _w_traces(W: sp.csr_matrix, centred: bool) -> tuple[float, float, float]:
    """tr(BW), tr(BWBW), tr(BWBW') with B = I - 11'/N (``centred``) or B = I."""
    N = W.shape[0]
    trW = float(W.diagonal().sum())
    trWW = float(W.multiply(W.T).sum())
    trWWt = float(W.multiply(W).sum())
    if not centred:
        return trW, trWW, trWWt
    one = np.ones(N)
    r, c = W @ one, W.T @ one   # row sums W1, column sums W'1
    s = float(one @ r)
    return (trW - s / N, trWW - 2 * float(c @ r) / N + s ** 2 / N ** 2,
            trWWt - (float(c @ c) + float(r @ r)) / N + s ** 2 / N ** 2)


def _moments(W: sp.csr_matrix, T: int, entity_fe: bool, time_fe: bool, X: np.ndarray) -> tuple[float, float, int]:
    """E[e'W_T e / e'e] and its variance for M = Q - X(X'X)^-1 X', Q = A (x) B, W_T = I_T (x) W.

    A = I_T - 11'/T with entity effects (else I_T), B = I_N - 11'/N with time effects (else I_N); X
    (stacked time-major) must lie in the range of Q. Traces use tr(QW_T) = tr(A) tr(BW) and the
    orthonormal basis U of X: tr(MW_T) = tr(QW_T) - tr(U'W_T U), and likewise for the quadratic terms.
    """
    N = W.shape[0]
    U, sv, _ = np.linalg.svd(X, full_matrices=False)
    U = U[:, sv > sv.max() * max(X.shape) * np.finfo(float).eps] if sv.size and sv.max() > 0 else U[:, :0]
    m = U.shape[1]
    cA = T - 1 if entity_fe else T
    df = cA * (N - 1 if time_fe else N) - m
    if df <= 2:
        raise DataError(f"{df} residual degrees of freedom; Moran's I of residuals needs more observations")
    tBW, tBWBW, tBWBWt = _w_traces(W, time_fe)
    U3 = U.reshape(T, N, m)
    PU = np.stack([W @ U3[t] for t in range(T)])
    PtU = np.stack([W.T @ U3[t] for t in range(T)])

    def q(v: np.ndarray) -> np.ndarray:
        out = v - v.mean(axis=0, keepdims=True) if entity_fe else v
        return out - out.mean(axis=1, keepdims=True) if time_fe else out

    a = np.einsum("tim,tin->mn", U3, PU)       # U' W_T U
    tr_MP = cA * tBW - np.trace(a)
    tr_MPMP = cA * tBWBW - 2 * float(np.sum(PtU * q(PU))) + float(np.sum(a * a.T))
    tr_MPMPt = cA * tBWBWt - float(np.sum(PtU * q(PtU))) - float(np.sum(PU * q(PU))) + float(np.sum(a * a))
    mean = tr_MP / df
    var = (tr_MPMPt + tr_MPMP + tr_MP ** 2) / (df * (df + 2)) - mean ** 2
    return mean, var, df


def _result_row(e: np.ndarray, W: sp.csr_matrix, T: int, mean: float, var: float, df: int) -> list[float]:
    N = W.shape[0]
    scale = N / float(W.sum())
    E = e.reshape(T, N)
    num = sum(float(E[t] @ (W @ E[t])) for t in range(T))
    I = scale * num / float(e @ e)
    ex, v = scale * mean, scale ** 2 * var
    z = (I - ex) / np.sqrt(v)
    return [I, ex, v, z, float(2 * stats.norm.sf(abs(z))), float(stats.norm.sf(z)), df]


def moran_residuals(res: SpatialResults | str, data: pd.DataFrame | None = None, w: Weights | None = None, *,
                    id: Hashable | None = None, entity: Hashable | None = None, time: Hashable | None = None,
                    fixed_effects: str | None = None, durbin: Sequence[str] | None = None,
                    model: str = "OLS", missing: str = "raise") -> ResidualMoranResult:
    """Moran's I of OLS/SLX residuals with Cliff & Ord's exact moments under normality.

    I = (n/S0) e'We/e'e, E[I] = (n/S0) tr(MW)/(n-k),
    Var[I] = (n/S0)^2 [tr(MWMW') + tr((MW)^2) + (tr MW)^2] / ((n-k)(n-k+2)) - E[I]^2, with M the
    residual maker (Cliff & Ord 1981, §8.3; Anselin 1988, §8.1.1). Matches R ``spdep::lm.morantest`` and
    spreg's ``MoranRes``. Panels: a pooled test with the model's own residuals and I_T (x) W, and one test
    per period from that period's cross-sectional OLS on the within-transformed data (module docstring).

    Parameters
    ----------
    res : SpatialResults or str
        A fitted ``si.ols`` or ``si.slx`` model (W is the model's weights), or a formula: the model is
        then fitted here with ``data``, ``w`` and the other keywords (``model="OLS"`` or ``"SLX"``).
    data, w, id, entity, time, fixed_effects, durbin : optional
        As in ``si.ols`` / ``si.slx``; only with a formula.
    model : {"OLS", "SLX"}
        Estimator used with a formula.
    missing : {"raise", "drop"}
        With a formula: rows with a NaN in a used column raise (default) or are dropped before the fit
        (``res.dropped`` of the fit; see :mod:`spatialinno.models.missing`).

    Returns
    -------
    ResidualMoranResult
        ``I, expected, variance, z, p_value`` (two-sided), ``p_greater``, ``df_resid``; for panels the
        pooled statistic plus ``by_period``.

    Raises
    ------
    ResidualMoranError
        ``res`` is a spatial lag/error model (SAR, SEM, SDM, SDEM, SAC) or a random-effects panel.
    SpatialInnoError
        Formula keywords given together with results, or an unknown ``model``.
    """
    if isinstance(res, str):
        if model not in ("OLS", "SLX"):
            raise SpatialInnoError(f"model must be 'OLS' or 'SLX' (got {model!r})")
        est = ols if model == "OLS" else slx
        extra = {"durbin": durbin} if model == "SLX" else {}
        # OLS/SLX residuals do not depend on the panel bias correction; "none" also accepts a non-row-normalised W
        res = est(res, data, w, id=id, entity=entity, time=time, fixed_effects=fixed_effects, bias_correction="none",
                  missing=missing, **extra)
    elif any(v is not None for v in (data, w, id, entity, time, fixed_effects, durbin)):
        raise SpatialInnoError("data, w, id, entity, time, fixed_effects and durbin are for the formula form; "
                               "with fitted results they are taken from the results")
    if not isinstance(res, SpatialResults):
        raise SpatialInnoError(f"res must be fitted results of si.ols/si.slx or a formula (got {type(res).__name__})")
    if res.model not in ("OLS", "SLX"):
        raise ResidualMoranError(
            f"Moran's I of {res.model} residuals has no Cliff-Ord reference distribution: they depend on the "
            f"estimated {' and '.join(p for p in ('rho', 'lambda') if p in res.params)}, so they are not M y for a "
            f"fixed projection M and E[I] = tr(MW)/(n-k) does not apply. Test for spatial dependence with "
            f"si.lm_tests on the OLS model, or res.wald_test(...) / res.lr_test(...) on the spatial parameters")
    if res.fixed_effects == "random":
        raise ResidualMoranError("random-effects residuals are GLS residuals, not OLS residuals M y; the Cliff-Ord "
                                 "moments do not apply. Use fixed_effects='entity' or a pooled panel")
    W = sp.csr_matrix(res.weights.sparse)
    ids = res.weights.ids
    T = res.T
    if T == 1:
        order = ids
    else:
        periods = res.resid.index.get_level_values("time").unique().sort_values()
        order = pd.MultiIndex.from_product([periods, ids]).swaplevel()
    X = res.model_matrix().reindex(order).to_numpy()
    e = res.resid.reindex(order).to_numpy()
    fe = res.fixed_effects or "none"
    entity_fe, time_fe = fe in ("entity", "twoway"), fe in ("time", "twoway")
    mean, var, df = _moments(W, T, entity_fe, time_fe, X)
    row = _result_row(e, W, T, mean, var, df)
    by_period = None
    if T > 1:
        ytil = (res.fitted + res.resid).reindex(order).to_numpy().reshape(T, -1)
        X3 = X.reshape(T, len(ids), -1)
        rows = []
        for t in range(T):
            Z = np.column_stack([np.ones(len(ids)), X3[t]])
            m_t, v_t, df_t = _moments(W, 1, False, False, Z)
            coef, *_ = np.linalg.lstsq(Z, ytil[t], rcond=None)
            rows.append(_result_row(ytil[t] - Z @ coef, W, 1, m_t, v_t, df_t))
        by_period = pd.DataFrame(rows, columns=COLUMNS, index=pd.Index(periods, name="time"))
        by_period["df_resid"] = by_period["df_resid"].astype(int)
    return ResidualMoranResult(I=row[0], expected=row[1], variance=row[2], z=row[3], p_value=row[4],
                               p_greater=row[5], df_resid=int(df), model=res.model, by_period=by_period)
