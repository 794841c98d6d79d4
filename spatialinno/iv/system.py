"""Simultaneous spatial equations: GS3SLS of Kelejian & Prucha (2004), :func:`gs3sls`.

Equation j: y_j = rho_j W y_j + Y_j g_j + X_j b_j + u_j, where Y_j are outcomes of the other equations. Every
outcome is endogenous; the instruments, common to all equations, are the exogenous variables of the whole
system and their spatial lags, H = [X, W X, ..., W^q X] (the constant never lagged).

1. 2SLS per equation. 2. With ``spatial_error=True``: a Kelejian-Prucha GM lambda_j from each equation's
residuals, then 2SLS of the filtered equation (y_j - lambda_j W y_j on Z_j - lambda_j W Z_j). 3. Sigma =
U'U / divisor from the (filtered) 2SLS residuals, and the system estimator
delta = [Zhat'(Sigma^-1 (x) I) Zhat]^-1 Zhat'(Sigma^-1 (x) I) y with Zhat_j = P_H Z_j (filtered), covariance
[Zhat'(Sigma^-1 (x) I) Zhat]^-1. The lambdas have no standard errors (NaN).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from ..errors import IdentificationError, SpatialInnoError, preview
from ..models.data import Design, cross_section, panel
from ..models.missing import handle_missing
from ..weights import Weights
from ..weights.convert import as_weights
from .diagnostics import first_stage, overid_table, sargan, weak_instrument_notes
from .gm_lambda import kp_lambda
from .instruments import SpatialIV, independent_columns
from .results import IVResults, SystemResults
from .twosls import absorbed_effects, two_sls


def _designs(equations: dict[str, str], data: pd.DataFrame, w: Weights, id, entity, time,
             fixed_effects) -> dict[str, Design]:
    if not isinstance(equations, dict) or len(equations) < 2:
        raise SpatialInnoError("equations must be a dict of at least two {name: formula}, e.g. "
                               "{'innov': 'innov ~ agglom + pgdp', 'agglom': 'agglom ~ innov + wage'}")
    if not isinstance(data, pd.DataFrame):
        raise SpatialInnoError("data must be a pandas DataFrame")
    if (entity is None) != (time is None):
        raise SpatialInnoError("panels need both entity= and time=; give neither for a cross-section")
    out = {}
    w = as_weights(w)
    for name, formula in equations.items():
        if "[" in formula:
            raise SpatialInnoError(f"equation {name!r}: gs3sls takes no bracket terms; the instruments are all "
                                   f"exogenous variables of the system and their spatial lags")
        if entity is None:
            out[name] = cross_section(formula, data, w, id)
        else:
            fe = "entity" if fixed_effects is None else fixed_effects
            if fe == "random":
                raise SpatialInnoError("gs3sls supports fixed_effects 'entity', 'time', 'twoway' or 'none'")
            out[name] = panel(formula, data, w, entity, time, fe)
    return out


def _system_instruments(designs: dict[str, Design], outcomes: list[str], w_lags: int) -> tuple[np.ndarray, list]:
    exog: dict[str, np.ndarray] = {}
    for d in designs.values():
        for j, c in enumerate(d.names):
            if c not in outcomes and c not in exog:
                exog[c] = d.X[:, j]
    d0 = next(iter(designs.values()))
    names = list(exog)
    cols = [np.column_stack(list(exog.values()))]
    lagged = [c for c in names if c != "Intercept"]
    cur = np.column_stack([exog[c] for c in lagged]) if lagged else np.empty((d0.n, 0))
    hnames = list(names)
    for order in range(1, w_lags + 1):
        cur = d0.lag(cur)
        cols.append(cur)
        hnames += [f"W_{c}" if order == 1 else f"W{order}_{c}" for c in lagged]
    H = d0.demean(np.column_stack(cols))
    ok = independent_columns(H)
    if not ok.all():
        raise IdentificationError(f"system instruments {preview([h for h, g in zip(hnames, ok) if not g])} are "
                                  f"linear combinations of earlier ones; lower w_lags or drop the variables")
    return H, hnames


def _equation_results(eq: str, d: Design, siv: SpatialIV, fit, y: np.ndarray, Z: np.ndarray, H: np.ndarray,
                      lam: float | None, absorbed: int, w: Weights, w_lags: int) -> IVResults:
    """The (G)S2SLS step of one equation as IVResults (Sargan on the possibly filtered equation)."""
    n_div = d.n - absorbed
    sigma2 = float(fit.resid @ fit.resid / n_div)
    names = list(siv.names)
    k = len(names)
    cov = sigma2 * fit.bread
    values = list(fit.delta)
    if lam is not None:
        names.append("lambda")
        values.append(lam)
        full = np.full((k + 1, k + 1), np.nan)
        full[:k, :k] = cov
        cov = full
    idx = (pd.Index(w.ids, name="id") if d.T == 1 else
           pd.MultiIndex.from_product([d.periods, w.ids], names=["time", "entity"]).swaplevel())
    overid = overid_table("Sargan", sargan(y, Z, H, fit.resid, n_div)) if H.shape[1] > Z.shape[1] else None
    fs_table = first_stage(siv, absorbed)
    return IVResults(model="sarar" if lam is not None else "sar", params=pd.Series(values, index=names, name="params"),
                     cov=pd.DataFrame(cov, index=names, columns=names), sigma2=sigma2,
                     sigma2_divisor=f"{n_div}" + (f" = n - {absorbed} fixed effects" if absorbed else " = n"),
                     nobs=d.n, N=d.N, T=d.T, fixed_effects=d.fixed_effects if d.T > 1 else None, robust=False,
                     w_lags=w_lags, instruments=list(siv.hnames), endogenous=list(siv.endogenous),
                     first_stage=fs_table, overid=overid, ak_test=None,
                     resid=pd.Series(fit.resid, index=idx, name="resid"), weights=w,
                     notes=(f"Equation {eq!r} of a GS3SLS system: its (generalised) spatial 2SLS step.",
                            *weak_instrument_notes(fs_table)),
                     outcome=d.yname)


def gs3sls(equations: dict[str, str], data: pd.DataFrame, w: Weights, *, id: Hashable | None = None,
           entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
           w_lags: int = 2, spatial_error: bool = False, robust: bool = False,
           missing: str = "raise") -> SystemResults:
    """Generalised spatial three-stage least squares for simultaneous equations (Kelejian & Prucha 2004).

    See the module docstring for the model and the estimator.

    Parameters
    ----------
    equations : dict of str to str
        ``{name: formula}``; each formula's outcome may appear as a regressor of the other equations.
    data : DataFrame
        Cross-section (aligned by ``id`` or the index) or long panel (``entity``, ``time``).
    w : Weights, libpysal W or Graph
    id, entity, time, fixed_effects
        As for :func:`spatialinno.gs2sls`.
    w_lags : int
        Highest power of W in the instruments (>= 1).
    spatial_error : bool
        Estimate a spatial error lambda per equation (KP GM) and filter before the system step.
    robust : bool
        Not available for the system estimator (raises); use gs2sls(robust=True) per equation.
    missing : {"raise", "drop"}
        Rows with a NaN in a variable of any equation: ``"raise"`` names them, ``"drop"`` drops them from every
        equation and records them (``res.dropped``).

    Returns
    -------
    SystemResults
    """
    if robust:
        raise SpatialInnoError("gs3sls(robust=True) is not implemented: the system step assumes homoskedastic "
                               "errors; estimate each equation with si.gs2sls(..., robust=True) instead")
    if not isinstance(w_lags, (int, np.integer)) or w_lags < 1:
        raise SpatialInnoError(f"w_lags must be an integer >= 1 (got {w_lags!r})")
    formulas = list(equations.values()) if isinstance(equations, dict) else []
    data, w, record = handle_missing(data, formulas, w, id=id, entity=entity, time=time, missing=missing)
    designs = _designs(equations, data, w, id, entity, time, fixed_effects)
    outcomes = [d.yname for d in designs.values()]
    d0 = next(iter(designs.values()))
    w = d0.w
    if spatial_error and d0.T > 1 and d0.fixed_effects not in ("none", "entity"):
        raise SpatialInnoError("gs3sls(spatial_error=True) on a panel supports fixed_effects 'entity' or 'none' "
                               f"(got {d0.fixed_effects!r})")
    H, hnames = _system_instruments(designs, outcomes, w_lags)
    absorbed = absorbed_effects(d0.fixed_effects, d0.N, d0.T)
    n_div = d0.n - absorbed
    t_eff = d0.T - 1 if absorbed else d0.T
    trww = float(w.sparse.multiply(w.sparse).sum())
    ys, Zs, us, names, per_eq, lams = [], [], [], [], {}, {}
    for eq, d in designs.items():
        endog = [c for c in d.names if c in outcomes]
        nm = list(d.names) + ["rho"]
        y = d.demean(d.y)
        Z = d.demean(np.column_stack([d.X, d.lag(d.y)]))
        if H.shape[1] < Z.shape[1]:
            raise IdentificationError(f"equation {eq!r}: {Z.shape[1]} regressors ({preview(nm)}) but only "
                                      f"{H.shape[1]} system instruments ({preview(hnames)}): the order condition "
                                      f"fails; exclude more exogenous variables of the other equations from it or "
                                      f"raise w_lags")
        siv = SpatialIV(y=y, Z=Z, names=nm, H=H, hnames=hnames, endogenous=endog + ["rho"],
                        excluded=[h for h in hnames if h not in nm])
        fit = two_sls(y, Z, H)
        if spatial_error:
            lam = kp_lambda(fit.resid, d.lag, n_div, t_eff * trww)
            y, Z = y - lam * d.lag(y), Z - lam * d.lag(Z)
            fit = two_sls(y, Z, H)
            lams[eq] = lam
        per_eq[eq] = _equation_results(eq, d, siv, fit, y, Z, H, lams.get(eq), absorbed, w, w_lags)
        ys.append(y)
        Zs.append(fit.Zhat)
        us.append(fit.resid)
        names += [(eq, c) for c in nm]
        if spatial_error:
            names.append((eq, "lambda"))
    U = np.column_stack(us)
    sigma = U.T @ U / n_div
    Si = np.linalg.inv(sigma)
    G = len(ys)
    A = np.block([[Si[i, j] * (Zs[i].T @ Zs[j]) for j in range(G)] for i in range(G)])
    b = np.concatenate([sum(Si[i, j] * (Zs[i].T @ ys[j]) for j in range(G)) for i in range(G)])
    cov3 = np.linalg.inv(A)
    delta = cov3 @ b
    values, rows, pos = [], [], 0
    for j, eq in enumerate(designs):
        k = Zs[j].shape[1]
        values += list(delta[pos:pos + k])
        rows += list(range(pos, pos + k))
        if spatial_error:
            values.append(lams[eq])
            rows.append(-1)
        pos += k
    index = pd.MultiIndex.from_tuples(names, names=["equation", "variable"])
    cov = np.full((len(values), len(values)), np.nan)
    real = [i for i, r in enumerate(rows) if r >= 0]
    cov[np.ix_(real, real)] = cov3
    notes = [f"Sigma and the equations' sigma2 use divisor {n_div}"
             + (f" (n minus {absorbed} absorbed fixed effects)." if absorbed else " (n)."),
             f"Instruments (all equations): {', '.join(hnames)}."]
    if spatial_error:
        notes.append("lambda: Kelejian-Prucha GM estimate per equation; it has no standard error (NaN).")
    return SystemResults(params=pd.Series(values, index=index, name="params", dtype=float),
                         cov=pd.DataFrame(cov, index=index, columns=index), equations=per_eq,
                         sigma=pd.DataFrame(sigma, index=list(designs), columns=list(designs)), nobs=d0.n, N=d0.N,
                         T=d0.T, spatial_error=spatial_error, notes=tuple(notes), missing=record)
