"""Predictions of a fitted spatial model: reduced form and naive predictor (Kelejian & Prucha 2007).

For the general model y = rho W y + X b + W X theta + a + u, u = lambda W u + e (a the recovered fixed
effects of a panel, alpha + mu_i + xi_t, Elhorst 2014, §3.2), with s = X b + W X theta + a the signal:

* ``"reduced"`` (trend-corrected, the default): E[y | X] = (I - rho W)^-1 s, period by period for panels.
  This is spreg's ``predy_e`` of ``ML_Lag``/``GM_Lag`` and ``predy`` (= X b) of ``ML_Error``.
* ``"naive"``: rho W y + s + lambda W (y - rho W y - s), the prediction that conditions on the observed
  neighbouring outcomes; y minus it is the innovation e. This is spreg's ``predy`` of ``ML_Lag`` (y - u) and
  ``y - e_filtered`` of ``ML_Error``.

The fixed effects are the recovered ones (means of y - rho W y - X b, Elhorst 2014, §3.2). In-sample, y minus
the naive prediction equals the model's residuals, except with lambda and time effects: there the maximum-likelihood
time effects are not plain means (W acts on them through (I - lambda W)), so the two differ slightly.

Kelejian & Prucha's best (BP) predictor, which also conditions on the covariance of u, is not implemented.

New data are aligned to the weights by id (cross-sections) or by (entity, time) (panels), never by position;
every region must be present (W X and (I - rho W)^-1 involve all of them). Reference: Kelejian, H. H. and
Prucha, I. R. (2007), "The relative efficiencies of various predictors in spatial econometric models containing
spatial lags", Regional Science and Urban Economics 37(3), 363-374.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import DataError, IdError, PanelError, SpatialInnoError, preview
from .checks import RowLabels, check_ids_match_weights, check_key_types
from .data import panel_positions, regressors_for
from .estimate import Estimate

KINDS = ("reduced", "naive")


def _lag(w: sp.spmatrix, v: np.ndarray, T: int) -> np.ndarray:
    """W applied period by period to an array stacked time-major."""
    v3 = v.reshape(T, w.shape[0], -1)
    return np.stack([w @ v3[t] for t in range(T)]).reshape(v.shape)


def signal_values(X: np.ndarray, y: np.ndarray | None, w: sp.spmatrix, beta: np.ndarray, rho: float, lam: float,
                  kind: str, effects: np.ndarray | None = None, T: int = 1) -> np.ndarray:
    """Predicted values from a regressor matrix (Durbin columns included) and the estimates.

    Parameters
    ----------
    X : ndarray
        (N T, k) regressors in coefficient order (``W_x`` columns included), stacked time-major.
    y : ndarray or None
        Observed outcome (needed by ``"naive"``).
    w : sparse matrix
        N x N weights.
    beta : ndarray
        Coefficients.
    rho, lam : float
        Spatial lag and error parameters (0 where absent).
    kind : {"reduced", "naive"}
        (I - rho W)^-1 s, or rho W y + s + lambda W (y - rho W y - s), with s = X beta + effects.
    effects : ndarray, optional
        Fixed effects alpha + mu_i + xi_t per row.
    T : int
        Number of periods.

    Returns
    -------
    ndarray
    """
    s = X @ beta + (0.0 if effects is None else effects)
    if kind == "reduced":
        if rho == 0.0:
            return s
        A = sp.csc_matrix(sp.identity(w.shape[0]) - rho * w)
        solve = spla.factorized(A)
        return np.concatenate([solve(part) for part in s.reshape(T, -1)])
    if y is None:
        raise SpatialInnoError("kind='naive' needs the observed outcome")
    wy = _lag(w, y, T)
    return rho * wy + s + lam * _lag(w, y - rho * wy - s, T)


def _effects(estimate: Estimate, ids: pd.Index, periods: pd.Index) -> np.ndarray | None:
    """alpha + mu_i + xi_t stacked time-major, or None without recovered fixed effects."""
    if estimate.intercept is None:
        return None
    a = np.full((len(periods), len(ids)), estimate.intercept)
    if estimate.entity_effects is not None:
        a += estimate.entity_effects.reindex(ids).to_numpy()[None, :]
    if estimate.time_effects is not None:
        xi = estimate.time_effects.reindex(periods)
        if xi.isna().any():
            raise PanelError(f"periods {preview(list(periods[xi.isna().to_numpy()]))} were not in the fit, so their "
                             f"time effects are unknown; predict periods {preview(list(estimate.time_effects.index))}")
        a += xi.to_numpy()[:, None]
    return a.ravel()


def _with_durbin(estimate: Estimate, X: np.ndarray, T: int) -> np.ndarray:
    """Append the W x columns the fit used (names ``W_<regressor>``)."""
    names = list(estimate.problem.design.names)
    extra = [n[2:] for n in estimate.names[len(names):]]
    if not extra:
        return X
    idx = [names.index(c) for c in extra]
    return np.column_stack([X, _lag(estimate.weights.sparse, X[:, idx], T)])


def _outcome(estimate: Estimate, df: pd.DataFrame, kind: str) -> np.ndarray | None:
    yname = estimate.outcome
    if kind != "naive":
        return None
    if yname not in df.columns:
        raise DataError(f"kind='naive' conditions on the observed outcome, but column {yname!r} is not in the new "
                        f"data; add it or use kind='reduced'")
    y = pd.to_numeric(df[yname], errors="coerce").to_numpy(float)
    if not np.isfinite(y).all():
        raise DataError(f"{yname!r} is missing or not numeric in {int((~np.isfinite(y)).sum())} rows of the new data")
    return y


def predict(estimate: Estimate, newdata: pd.DataFrame | None = None, kind: str = "reduced", *,
            id: Hashable | None = None, entity: Hashable | None = None, time: Hashable | None = None) -> pd.Series:
    """Reduced-form or naive predictions, in-sample or for new values of the regressors on the same regions.

    See the module docstring for the formulas.

    Parameters
    ----------
    estimate : Estimate
        The fit.
    newdata : DataFrame, optional
        New regressor values for every region (cross-section: one row per id; panel: one row per
        (entity, time) for a balanced set of periods, each a period of the fit when it has time effects).
        None: the estimation sample.
    kind : {"reduced", "naive"}
    id : hashable, optional
        Id column of a cross-section ``newdata`` (default: its index).
    entity, time : hashable, optional
        Panel columns of ``newdata`` (``time`` defaults to the fit's time column).

    Returns
    -------
    Series
        In-sample: indexed by id, or (entity, time). New data: indexed like ``newdata``'s rows.

    Raises
    ------
    SpatialInnoError
        Unknown ``kind``; ids or (entity, time) pairs that do not match the weights; columns missing.
    """
    if kind not in KINDS:
        raise SpatialInnoError(f"kind must be one of {', '.join(KINDS)} (got {kind!r}); the best predictor of "
                               f"Kelejian & Prucha (2007) is not implemented")
    d = estimate.problem.design
    w = estimate.weights
    beta, rho, lam = estimate.beta, estimate.rho, estimate.lam
    name = f"predicted ({kind})"
    if newdata is None:
        eff = _effects(estimate, pd.Index(w.ids), d.periods)
        v = signal_values(estimate.problem.X_raw, d.y, w.sparse, beta, rho, lam, kind, eff, d.T)
        return pd.Series(v, index=estimate.index, name=name)
    if not isinstance(newdata, pd.DataFrame):
        raise SpatialInnoError("newdata must be a pandas DataFrame")
    if estimate.dynamic is not None:
        raise SpatialInnoError("predictions from new data are not available for dynamic panels (the lagged "
                               "outcome would have to be simulated); use newdata=None")
    if d.T == 1 and estimate.fixed_effects is None:
        if entity is not None or time is not None:
            raise SpatialInnoError("entity=/time= are for panels; this is a cross-section fit (use id=)")
        if id is not None and id not in newdata.columns:
            raise IdError(f"id column {id!r} not in the new data; columns are {preview(newdata.columns)}")
        ids = pd.Index(newdata.index if id is None else newdata[id].to_numpy())
        check_key_types(ids, id, "ids")
        check_ids_match_weights(ids, w.ids, id)
        pos = w.align(ids, "new data")
        periods, T = pd.Index([0]), 1
        labels = RowLabels(w.ids, "id {}".format)
    else:
        time = d.periods.name if time is None else time
        if entity is None or time is None:
            raise PanelError("panel predictions from new data need entity= and time= (the new data's panel columns)")
        periods, pos = panel_positions(newdata, w, entity, time)
        T = len(periods)
        labels = RowLabels(pd.MultiIndex.from_product([periods, w.ids]), lambda te: f"({te[1]}, {te[0]})")
    df = newdata.iloc[pos]
    X = _with_durbin(estimate, regressors_for(d, df, labels), T)
    eff = _effects(estimate, pd.Index(w.ids), periods)
    v = signal_values(X, _outcome(estimate, df, kind), w.sparse, beta, rho, lam, kind, eff, T)
    out = np.empty(len(v))
    out[pos] = v
    return pd.Series(out, index=newdata.index, name=name)
