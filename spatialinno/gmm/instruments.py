"""Per-group stacked equations and block-diagonal instrument matrices of difference and system GMM.

For group i the estimating equations are stacked as rows: first the first-differenced equation for the
periods t = TL1, ..., T-1 (0-based), then, for system GMM, the level equation for t = TL2, ..., T-1, with

    TL1 = max(p + 1, m_min),   TL2 = max(p, m_min - 1),

p the deepest lag among the regressors (outcome lags included) and m_min the smallest first instrument lag
(2 for the outcome and ``gmm=`` variables, 1 for ``predetermined=``) -- the windows of plm's ``pgmm``.
Every group has the same rows; a row whose variables are missing (before an entity's first period, after
its last) is set to zero in y, X and Z, so it contributes nothing (Roodman 2009, sec. 4).

Instruments (Arellano & Bond 1991; Blundell & Bond 1998; Roodman 2009 "How to do xtabond2"):

* GMM-style, differenced equation: for a variable v with lags a..b, row t has v_{t-a}, ..., v_{max(0, t-b)}
  in its own columns (block-diagonal), or, collapsed, one column per lag l holding v_{t-l}.
* GMM-style, level equation (system): row t has Delta v_{t-a+1} in a column of its own, or, collapsed, one
  common column.
* IV-style: exogenous regressors instrument themselves, differenced in the differenced equation and in
  levels in the level equation.
* Period dummies (``time_effects``): difference GMM uses dummies for every differenced period (the period
  before the first one is the base), differenced, as regressors and as their own instruments; system GMM
  has a constant plus dummies for all level periods but the first in the level equation (instrumenting
  themselves there), entering the differenced equation differenced. Without period dummies system GMM
  still has the constant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import PanelError
from .panel import difference

INTERCEPT = "Intercept"


@dataclass(frozen=True)
class GmmSource:
    """A variable instrumenting GMM-style with its lags ``first``..``last`` (``last`` None = all available).

    Parameters
    ----------
    name : str
        Label (the variable name).
    levels : ndarray
        (N, T) values on the panel grid, NaN where unobserved.
    first : int
        First lag used in the differenced equation (2 endogenous, 1 predetermined).
    last : int or None
        Deepest lag, None for every available lag.
    """

    name: str
    levels: np.ndarray
    first: int
    last: int | None


@dataclass(frozen=True)
class Design:
    """Stacked per-group equations: ``y[i] = X[i] @ beta + u[i]`` with instruments ``Z[i]`` and H.

    Parameters
    ----------
    y : ndarray
        (N, R) outcome rows (differenced rows first, then level rows), zero where unused.
    X : ndarray
        (N, R, K) regressors.
    Z : ndarray
        (N, R, L) instruments; all-zero columns have been removed.
    H : ndarray
        (R, R) one-step weighting kernel: Var(u_i) up to sigma^2 under iid errors.
    names : list of str
        Regressor names (K).
    used : ndarray of bool
        (N, R) rows that enter the estimation.
    n_diff : int
        Number of differenced rows (the first ``n_diff`` of R).
    instrument_names : list of str
        One label per column of Z.
    """

    y: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    H: np.ndarray
    names: list
    used: np.ndarray
    n_diff: int
    instrument_names: list


def _gmm_diff_columns(src: GmmSource, rows: np.ndarray, collapse: bool, periods: list) -> tuple[np.ndarray, list]:
    n, t_all = src.levels.shape
    last = t_all - 1 if src.last is None else src.last
    cols, labels = [], []
    if collapse:
        for lag_ in range(src.first, min(last, t_all - 1) + 1):
            col = np.zeros((n, len(rows)))
            for r, t in enumerate(rows):
                if t - lag_ >= 0:
                    col[:, r] = src.levels[:, t - lag_]
            cols.append(col)
            labels.append(f"L{lag_}.{src.name} (diff. eq., collapsed)")
    else:
        for r, t in enumerate(rows):
            for s in range(t - src.first, max(0, t - last) - 1, -1):
                col = np.zeros((n, len(rows)))
                col[:, r] = src.levels[:, s]
                cols.append(col)
                labels.append(f"{src.name} of {periods[s]} (diff. eq. of {periods[t]})")
    return (np.stack(cols, axis=2) if cols else np.zeros((n, len(rows), 0))), labels


def _gmm_level_columns(src: GmmSource, rows: np.ndarray, collapse: bool, periods: list) -> tuple[np.ndarray, list]:
    n = src.levels.shape[0]
    d = difference(src.levels)
    shift = src.first - 1
    cols, labels = [], []
    common = np.zeros((n, len(rows)))
    for r, t in enumerate(rows):
        s = t - shift
        if s < 1:
            continue
        if collapse:
            common[:, r] = d[:, s]
        else:
            col = np.zeros((n, len(rows)))
            col[:, r] = d[:, s]
            cols.append(col)
            labels.append(f"D.{src.name} of {periods[s]} (level eq. of {periods[t]})")
    if collapse:
        cols, labels = [common], [f"L{shift}.D.{src.name} (level eq., collapsed)"]
    return np.stack(cols, axis=2) if cols else np.zeros((n, len(rows), 0)), labels


def _kernel(diff_rows: np.ndarray, level_rows: np.ndarray) -> np.ndarray:
    """H of the one-step estimator: Cov of (Delta e_t, e_s) / sigma^2 under iid e (Blundell & Bond 1998)."""
    r1, r2 = len(diff_rows), len(level_rows)
    h = np.zeros((r1 + r2, r1 + r2))
    td, tl = diff_rows[:, None], level_rows[None, :]
    h[:r1, :r1] = 2.0 * (td == diff_rows[None, :]) - 1.0 * (np.abs(td - diff_rows[None, :]) == 1)
    h[r1:, r1:] = np.eye(r2)
    cross = 1.0 * (td == tl) - 1.0 * (td - 1 == tl)
    h[:r1, r1:] = cross
    h[r1:, :r1] = cross.T
    return h


def build_design(y: np.ndarray, regressors: dict, exogenous: list, sources: list, *, max_regressor_lag: int,
                 system: bool, collapse: bool, time_effects: bool, period_labels: list) -> Design:
    """Stack the differenced (and, for system GMM, level) equations of every group with their instruments.

    Parameters
    ----------
    y : ndarray
        (N, T) outcome on the panel grid.
    regressors : dict of str to ndarray
        Regressor name -> (N, T) values (already lagged), in coefficient order.
    exogenous : list of str
        Regressors that instrument themselves (IV-style).
    sources : list of GmmSource
        GMM-style instrument sources.
    max_regressor_lag : int
        Deepest lag among the regressors (p).
    system : bool
        Add the level equation (Blundell-Bond) with its constant.
    collapse : bool
        Collapse GMM-style instruments (Roodman 2009, sec. 7).
    time_effects : bool
        Add period dummies.
    period_labels : list of str
        Name of each period's dummy (length T).

    Returns
    -------
    Design
    """
    n, t_all = y.shape
    m_min = min(s.first for s in sources)
    tl1, tl2 = max(max_regressor_lag + 1, m_min), max(max_regressor_lag, m_min - 1)
    if tl1 > t_all - 1:
        raise PanelError(f"too few periods for the lag structure: {t_all} period(s), but regressor lags up to "
                         f"{max_regressor_lag} and instruments from lag {m_min} need at least {tl1 + 1}; "
                         "reduce lags= or the lags in the formula, or use a longer panel")
    diff_rows, level_rows = np.arange(tl1, t_all), (np.arange(tl2, t_all) if system else np.arange(0))
    names = list(regressors)
    dy = difference(y)[:, diff_rows]
    dx = [difference(regressors[k])[:, diff_rows] for k in names]
    z_diff, z_diff_names = [], []
    for src in sources:
        block, labels = _gmm_diff_columns(src, diff_rows, collapse, period_labels)
        z_diff.append(block)
        z_diff_names += labels
    for k in exogenous:
        z_diff.append(difference(regressors[k])[:, diff_rows, None])
        z_diff_names.append(f"D.{k} (diff. eq.)")
    blocks_y, blocks_x, blocks_z = [dy], [np.stack(dx, axis=2)], [np.concatenate(z_diff, axis=2)]
    extra_x_diff = np.zeros((len(diff_rows), 0))
    if time_effects and not system:
        dummy_periods = diff_rows
        extra_x_diff = (diff_rows[:, None] == dummy_periods[None, :]) - 1.0 * (diff_rows[:, None] - 1
                                                                                == dummy_periods[None, :])
        names += [period_labels[t] for t in dummy_periods]
        blocks_z[0] = np.concatenate([blocks_z[0], np.broadcast_to(extra_x_diff, (n, *extra_x_diff.shape))], axis=2)
        z_diff_names += [f"D.{period_labels[t]} (diff. eq.)" for t in dummy_periods]
    if system:
        dummy_periods = level_rows[1:] if time_effects else level_rows[:0]
        v2 = np.column_stack([np.ones(len(level_rows)), level_rows[:, None] == dummy_periods[None, :]]).astype(float)
        v2_lag = np.column_stack([np.ones(len(diff_rows)), diff_rows[:, None] - 1 == dummy_periods[None, :]])
        v2_now = np.column_stack([np.ones(len(diff_rows)), diff_rows[:, None] == dummy_periods[None, :]])
        extra_x_diff = (v2_now - v2_lag).astype(float)
        names += [INTERCEPT] + [period_labels[t] for t in dummy_periods]
        z_lev, z_lev_names = [], []
        for src in sources:
            block, labels = _gmm_level_columns(src, level_rows, collapse, period_labels)
            z_lev.append(block)
            z_lev_names += labels
        for k in exogenous:
            z_lev.append(regressors[k][:, level_rows, None])
            z_lev_names.append(f"{k} (level eq.)")
        z_lev.append(np.broadcast_to(v2, (n, *v2.shape)))
        z_lev_names += [f"{c} (level eq.)" for c in [INTERCEPT] + [period_labels[t] for t in dummy_periods]]
        blocks_y.append(y[:, level_rows])
        x_lev = np.stack([regressors[k][:, level_rows] for k in regressors], axis=2)
        blocks_x.append(np.concatenate([x_lev, np.broadcast_to(v2, (n, *v2.shape))], axis=2))
        blocks_z.append(np.concatenate(z_lev, axis=2))
        z_diff_names += z_lev_names
    blocks_x[0] = np.concatenate([blocks_x[0], np.broadcast_to(extra_x_diff, (n, *extra_x_diff.shape))], axis=2)
    used = [np.isfinite(b_y) & np.isfinite(b_x).all(axis=2) for b_y, b_x in zip(blocks_y, blocks_x)]
    if system:
        l1, l2 = blocks_z[0].shape[2], blocks_z[1].shape[2]
        blocks_z = [np.concatenate([blocks_z[0], np.zeros((n, len(diff_rows), l2))], axis=2),
                    np.concatenate([np.zeros((n, len(level_rows), l1)), blocks_z[1]], axis=2)]
    yy = np.where(np.concatenate(used, axis=1), np.concatenate(blocks_y, axis=1), 0.0)
    use = np.concatenate(used, axis=1)
    xx = np.where(use[:, :, None], np.concatenate(blocks_x, axis=1), 0.0)
    zz = np.nan_to_num(np.where(use[:, :, None], np.concatenate(blocks_z, axis=1), 0.0), nan=0.0)
    keep = np.abs(zz).sum(axis=(0, 1)) > 0
    return Design(yy, xx, zz[:, :, keep], _kernel(diff_rows, level_rows), names, use, len(diff_rows),
                  [nm for nm, k in zip(z_diff_names, keep) if k])
