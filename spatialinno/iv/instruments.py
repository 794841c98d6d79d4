"""Regressors and instruments of spatial 2SLS: W y, Durbin terms W X and H = [X, Z, WX, WZ, ..., W^q X, W^q Z].

Kelejian & Prucha (1998) instrument the spatial lag W y (and any endogenous regressor) by the exogenous
regressors X, the excluded instruments Z and their spatial lags up to order q (``w_lags``); the constant is never
lagged. For the SDM the regressors already hold W X, so the lags of X continue at W^2 X .. W^(q+1) X (spreg's
``slx_lags=1`` convention); Z is lagged W Z .. W^q Z. For panels W acts period by period on the raw variables,
and the within transformation of the fixed effects is applied afterwards to every column (y, regressors, H).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import IdentificationError, SpatialInnoError, preview
from .formula import IVDesign

MODELS = ("sar", "sem", "sarar", "sdm")


@dataclass(frozen=True)
class SpatialIV:
    """Within-transformed outcome, regressors and instruments of one spatial IV equation.

    Parameters
    ----------
    y : ndarray
        Outcome (n,).
    Z : ndarray
        Regressors (n, p): exogenous, Durbin W X (SDM), endogenous, then W y (SAR/SDM/SARAR).
    names : list of str
        Regressor names (``W_x`` for Durbin terms, ``rho`` for W y).
    H : ndarray
        Instruments (n, L).
    hnames : list of str
        Instrument names (``W2_x`` for W^2 x).
    endogenous : list of str
        Names in ``names`` that are instrumented (the endogenous regressors and ``rho``).
    excluded : list of str
        Names in ``hnames`` that are not regressors (the excluded instruments).
    """

    y: np.ndarray
    Z: np.ndarray
    names: list[str]
    H: np.ndarray
    hnames: list[str]
    endogenous: list[str]
    excluded: list[str]


def _lag_name(name: str, order: int) -> str:
    return f"W_{name}" if order == 1 else f"W{order}_{name}"


def independent_columns(M: np.ndarray) -> np.ndarray:
    """Boolean mask of the columns of M that are not linear combinations of the columns before them.

    Parameters
    ----------
    M : ndarray
        (n, k) matrix.

    Returns
    -------
    ndarray of bool
    """
    if M.shape[1] == 0:
        return np.ones(0, dtype=bool)
    scale = np.sqrt((M ** 2).sum(axis=0))
    Ms = M / np.where(scale > 0, scale, 1.0)
    _, r = np.linalg.qr(Ms)
    d = np.abs(np.diag(r))
    tol = max(M.shape) * np.finfo(float).eps * 1e3 * max(d.max(), 1.0)
    ok = d > tol
    ok[scale == 0] = False
    return ok


def check_identification(ivd: IVDesign) -> None:
    """Errors for an endogenous regressor without excluded instruments, fewer instruments than endogenous
    regressors, and excluded instruments collinear with the exogenous regressors.

    Parameters
    ----------
    ivd : IVDesign
    """
    if ivd.endogenous and not ivd.znames:
        raise IdentificationError(f"endogenous regressors {preview(ivd.endogenous)} have no excluded instruments; "
                                  f"name them after '~' in the bracket: [{' + '.join(ivd.endogenous)} ~ z1 + z2]")
    if len(ivd.znames) < len(ivd.endogenous):
        raise IdentificationError(f"{len(ivd.endogenous)} endogenous regressors ({preview(ivd.endogenous)}) but only "
                                  f"{len(ivd.znames)} excluded instruments ({preview(ivd.znames)}); add instruments "
                                  f"(at least one per endogenous regressor)")
    X = ivd.columns(ivd.exogenous)
    ok = independent_columns(np.column_stack([X, ivd.Z]))
    bad = [nm for nm, good in zip(ivd.znames, ok[X.shape[1]:]) if not good]
    if bad:
        raise IdentificationError(f"excluded instruments {preview(bad)} are collinear with the exogenous regressors "
                                  f"{preview(ivd.exogenous)} (or with earlier instruments): they add no information; "
                                  f"drop them or use other instruments")


def spatial_iv(ivd: IVDesign, model: str, w_lags: int) -> SpatialIV:
    """Regressors and instruments of ``model`` (see the module docstring), within-transformed for panels.

    Parameters
    ----------
    ivd : IVDesign
        Aligned design.
    model : {"sar", "sem", "sarar", "sdm"}
    w_lags : int
        Highest power q of W in the instruments (0 allowed only for ``"sem"``: H = [X, Z]).

    Returns
    -------
    SpatialIV
    """
    if model not in MODELS:
        raise SpatialInnoError(f"model must be one of {', '.join(MODELS)} (got {model!r})")
    lag_model = model != "sem"
    if not isinstance(w_lags, (int, np.integer)) or w_lags < (1 if lag_model else 0):
        raise SpatialInnoError(f"w_lags must be an integer >= {1 if lag_model else 0} for model={model!r} "
                               f"(got {w_lags!r})")
    check_identification(ivd)
    d = ivd.design
    exog = ivd.exogenous
    lagged = [c for c in exog if c != "Intercept"]
    X, XL, E = ivd.columns(exog), ivd.columns(lagged), ivd.columns(ivd.endogenous)
    cols, names = [X], list(exog)
    hcols, hnames = [X], list(exog)
    first = 1
    if model == "sdm":
        cols.append(d.lag(XL))
        names += [_lag_name(c, 1) for c in lagged]
        hcols.append(cols[-1])
        hnames += names[-len(lagged):]
        first = 2
    cols.append(E)
    names += ivd.endogenous
    hcols.append(ivd.Z)
    hnames += ivd.znames
    endogenous = list(ivd.endogenous)
    if lag_model:
        cols.append(d.lag(d.y)[:, None])
        names.append("rho")
        endogenous.append("rho")
    xl, zl = XL, ivd.Z
    for order in range(1, w_lags + 1):
        zl = d.lag(zl)
        xl = d.lag(xl)
        if order == 1 and model == "sdm":
            xl = d.lag(xl)
        hcols += [xl, zl]
        hnames += [_lag_name(c, order + first - 1) for c in lagged] + [_lag_name(c, order) for c in ivd.znames]
    Z = d.demean(np.column_stack(cols))
    H = d.demean(np.column_stack(hcols))
    ok = independent_columns(H)
    if not ok.all():
        bad = [nm for nm, good in zip(hnames, ok) if not good]
        raise IdentificationError(f"instrument columns {preview(bad)} are linear combinations of earlier instruments "
                                  f"(or absorbed by the fixed effects); lower w_lags or drop the variables behind them")
    if H.shape[1] < Z.shape[1]:
        raise IdentificationError(f"{H.shape[1]} instruments for {Z.shape[1]} regressors: the order condition fails; "
                                  f"raise w_lags or add excluded instruments")
    excluded = [h for h in hnames if h not in names]
    return SpatialIV(y=d.demean(d.y), Z=Z, names=names, H=H, hnames=hnames, endogenous=endogenous,
                     excluded=excluded)
