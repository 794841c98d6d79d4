"""``dynamic_gmm``: Arellano-Bond difference and Blundell-Bond system GMM for dynamic (spatial) panels."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError, PanelError, SpatialInnoWarning, preview
from ..models.missing import handle_missing
from ..weights import Weights
from ..weights.convert import takes_weights
from .estimator import fit, sigma2_diff
from .instruments import GmmSource, build_design
from .panel import lag, panel_grid, parse_formula
from .results import GMMResults
from .specification_tests import ar_test, chi2_test, overid_statistic


def _spatial_lag(y: np.ndarray, observed: np.ndarray, entities: pd.Index, w: Weights) -> np.ndarray:
    if not observed.all():
        raise PanelError("w= needs a balanced panel (W y_t needs every region in every period); "
                         f"{int((~observed).sum())} (entity, period) cells are missing")
    pos = w.align(entities, what="data")
    order = np.empty(len(pos), dtype=int)
    order[pos] = np.arange(len(pos))
    wy = w.sparse @ y[pos]
    return np.asarray(wy)[order]


def _names_in_formula(kind: str, names: Sequence[str] | None, variables: list[str]) -> list[str]:
    names = [names] if isinstance(names, str) else list(names or [])
    unknown = [n for n in names if n not in variables]
    if unknown:
        raise DataError(f"{kind}= names {preview(unknown)} are not regressors of the formula (regressors: "
                        f"{preview(variables)}); add them to the formula or remove them from {kind}=")
    return names


@takes_weights
def dynamic_gmm(formula: str, data: pd.DataFrame, *, entity: str, time: str, w: Weights | None = None,
                lags: int = 1, gmm: Sequence[str] | None = None, predetermined: Sequence[str] | None = None,
                max_lag: int | None = None, collapse: bool = False, system: bool = True, two_step: bool = True,
                robust: bool = True, time_effects: bool = False, missing: str = "raise") -> GMMResults:
    """Arellano-Bond (difference) or Blundell-Bond (system) GMM for a dynamic panel, optionally spatial.

    Model: y_it = sum_{j=1..lags} a_j y_i,t-j [+ rho (W y_t)_i] + x_it' b [+ d_t] + mu_i + e_it.
    Difference GMM (Arellano & Bond 1991) removes mu_i by first differences and instruments Delta y_i,t-1 by
    y_i,t-2, y_i,t-3, ...; system GMM (Blundell & Bond 1998) adds the level equation, with a constant,
    instrumented by Delta y_i,t-1. Two-step GMM uses the one-step residuals in the weight matrix; its robust
    variance is the Windmeijer (2005) correction. The construction follows Roodman (2009, "How to do
    xtabond2") and reproduces R plm's ``pgmm`` (see the notes).

    Parameters
    ----------
    formula : str
        ``"y ~ x + L(z, 0:1) + L2.q"``: outcome, then regressors with optional lags (``L(x, a:b)``, ``L(x, k)``,
        ``Lk.x``). Transform variables (logs, ...) into columns beforehand.
    data : DataFrame
        Long panel, one row per (entity, period), no missing values in used columns; not modified.
        Unbalanced panels are accepted; gaps inside an entity's periods are not.
    entity, time : str
        Entity and period columns. Integer periods must be consecutive over the panel.
    w : Weights, optional
        Spatial weights on the entities: W y_t enters as the endogenous regressor ``W_<outcome>``,
        instrumented GMM-style by its lags from 2 (spatial dynamic GMM). Needs a balanced panel.
    lags : int
        Number of outcome lags (named ``L1.y``, ..., ``L<lags>.y``).
    gmm : list of str, optional
        Endogenous regressors (variables of the formula): instrumented GMM-style from lag 2.
    predetermined : list of str, optional
        Predetermined regressors: instrumented GMM-style from lag 1.
    max_lag : int, optional
        Deepest lag of every GMM-style instrument (None: all available).
    collapse : bool
        One instrument column per lag instead of one per lag and period (Roodman 2009, sec. 7).
    system : bool
        System GMM (True) or difference GMM (False).
    two_step : bool
        Report two-step (True) or one-step estimates.
    robust : bool
        Robust variance: Windmeijer-corrected for two-step, sandwich for one-step. False: B_2 for two-step,
        sigma^2 (S_ZX' A_1 S_ZX)^{-1} for one-step.
    time_effects : bool
        Period dummies (see :mod:`spatialinno.gmm.instruments` for their parametrisation).
    missing : {"raise", "drop"}
        Rows with a NaN in a used column: ``"raise"`` names them; ``"drop"`` drops and records them
        (``res.dropped``). A dropped row inside an entity's periods leaves a gap, which is refused.

    Returns
    -------
    GMMResults

    Notes
    -----
    Other regressors are strictly exogenous and instrument themselves IV-style (differenced in the
    differenced equation, in levels in the level equation). A warning (SpatialInnoWarning) is issued when
    instruments outnumber groups, as xtabond2 does. The AR tests and their variance follow Arellano & Bond
    (1991); with ``robust=True`` they use the robust coefficient variance (as plm's ``summary``).

    Correspondence with plm 2.6 ``pgmm`` (``effect="twoways"``): ``pgmm(y ~ lag(y, 1:p) + lag(x, 0:1) + k |
    lag(y, 2:99), model="onestep"|"twosteps")`` is ``dynamic_gmm("y ~ L(x, 0:1) + k", lags=p,
    system=False, time_effects=True, two_step=...)``; with ``transformation="ld"`` and ``lag(x, 2:99)`` in
    the instrument part it is ``system=True`` with ``gmm=["x", ...]``. plm's ``sargan()`` of a two-step fit is
    ``hansen``; plm's one-step non-robust variance and "onestep"-weighted Sargan are N times the
    sigma^2-free quadratic forms, ours are divided by sigma^2 instead (``sigma2``).

    References
    ----------
    Arellano, M. and Bond, S. (1991). Some tests of specification for panel data. Rev. Econ. Stud. 58, 277-297.
    Blundell, R. and Bond, S. (1998). Initial conditions and moment restrictions in dynamic panel data models.
    J. Econometrics 87, 115-143.
    Windmeijer, F. (2005). A finite sample correction for the variance of linear efficient two-step GMM
    estimators. J. Econometrics 126, 25-51.
    Roodman, D. (2009). How to do xtabond2. Stata Journal 9, 86-136.
    """
    if not isinstance(lags, (int, np.integer)) or lags < 1:
        raise DataError(f"lags={lags!r}: the number of outcome lags must be an integer >= 1")
    if max_lag is not None and (not isinstance(max_lag, (int, np.integer)) or max_lag < 2):
        raise DataError(f"max_lag={max_lag!r}: the deepest instrument lag must be an integer >= 2 (or None)")
    outcome, terms = parse_formula(formula)
    variables = list(dict.fromkeys(t.variable for t in terms))
    gmm_vars = _names_in_formula("gmm", gmm, variables)
    pre_vars = _names_in_formula("predetermined", predetermined, variables)
    both = set(gmm_vars) & set(pre_vars)
    if both:
        raise DataError(f"{preview(sorted(both))} listed both in gmm= and predetermined=; choose one")
    data, w, record = handle_missing(data, [outcome, *variables], w, entity=entity, time=time, missing=missing)
    grid = panel_grid(data, entity, time, [outcome, *variables])
    y = grid.values[outcome]
    regressors = {f"L{j}.{outcome}": lag(y, j) for j in range(1, lags + 1)}
    sources = [GmmSource(outcome, y, 2, max_lag)]
    if w is not None:
        wy = _spatial_lag(y, grid.observed, grid.entities, w)
        regressors[f"W_{outcome}"] = wy
        sources.append(GmmSource(f"W_{outcome}", wy, 2, max_lag))
    for t in terms:
        regressors[t.name] = lag(grid.values[t.variable], t.lag)
    sources += [GmmSource(v, grid.values[v], 2, max_lag) for v in gmm_vars]
    sources += [GmmSource(v, grid.values[v], 1, max_lag) for v in pre_vars]
    endogenous = set(gmm_vars) | set(pre_vars)
    exogenous = [t.name for t in terms if t.variable not in endogenous]
    design = build_design(y, regressors, exogenous, sources, max_regressor_lag=max([lags] + [t.lag for t in terms]),
                          system=system, collapse=collapse, time_effects=time_effects,
                          period_labels=[f"{time}[{p}]" for p in grid.periods])
    n_groups, nobs = int(design.used.any(axis=1).sum()), int(design.used.sum())
    flat = np.abs(design.X).sum(axis=(0, 1)) == 0
    if nobs and flat.any():
        gone = [nm for nm, f in zip(design.names, flat) if f]
        raise DataError(f"regressor(s) {preview(gone)} are zero in every equation used (time-invariant variables "
                        "vanish from difference GMM); drop them or use system=True")
    k, n_inst = len(design.names), design.Z.shape[2]
    if nobs == 0:
        raise PanelError(f"the lag structure leaves no estimation sample: no entity has the {lags + 2}+ consecutive "
                         "periods the lags and instruments need; reduce lags= or regressor lags")
    if nobs <= k or n_inst < k:
        raise PanelError(f"{nobs} equations and {n_inst} instruments for {k} coefficients: the model is not "
                         "identified; use fewer regressors/lags or a longer panel")
    if n_inst > n_groups:
        warnings.warn(f"{n_inst} instruments outnumber the {n_groups} groups: the two-step weight matrix is "
                      "singular and the Hansen test weak (Roodman 2009); use collapse=True or max_lag=",
                      SpatialInnoWarning, stacklevel=2)
    res = fit(design)
    sigma2 = sigma2_diff(design, res.u1)
    if two_step:
        b, u, weight = res.b2, res.u2, res.a2
        vcov = res.v2_windmeijer if robust else res.v2
    else:
        b, u, weight = res.b1, res.u1, res.a1
        vcov = res.v1_robust if robust else sigma2 * res.b1_bread
    names = pd.Index(design.names, name="variable")
    bse = np.sqrt(np.diag(vcov))
    ar = [ar_test(design, u, weight, vcov, m) for m in (1, 2)]
    df = n_inst - k
    sargan = chi2_test(overid_statistic(design, res.u1, res.a1) / sigma2, df)
    hansen = chi2_test(overid_statistic(design, res.u2, res.a2), df)
    test_index = ["statistic", "df", "p_value"]
    return GMMResults(
        params=pd.Series(b, index=names, name="params"), bse=pd.Series(bse, index=names, name="bse"),
        pvalues=pd.Series(2 * stats.norm.sf(np.abs(b / bse)), index=names, name="pvalues"),
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        ar_tests=pd.DataFrame(ar, index=["AR(1)", "AR(2)"], columns=["statistic", "p_value"]),
        sargan=pd.Series(sargan, index=test_index, name="sargan"),
        hansen=pd.Series(hansen, index=test_index, name="hansen"), n_instruments=n_inst, n_groups=n_groups,
        nobs=nobs, sigma2=sigma2, method="system" if system else "difference", two_step=two_step, robust=robust,
        collapse=collapse, time_effects=time_effects, formula=formula, outcome=outcome,
        instrument_names=tuple(design.instrument_names), weights=w, missing=record)
