"""Public estimators: ``ols, slx, sar, sem, sdm, sdem, sac`` for cross-sections and panels.

Each is the one likelihood engine (:mod:`.likelihood`) run with a :class:`~.spec.ModelSpec`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Literal, overload

import pandas as pd

from ..constants import BOOTSTRAP_REPS, DEFAULT_SEED
from ..errors import SpatialInnoError
from ..weights import PeriodWeights, Weights
from ..weights.convert import takes_weights
from .bootstrap import BootstrapCovariance
from .covariance import Covariance, CovarianceError, covariance_for, resolve_cov_type
from .data import Design, cross_section, durbin_columns, panel
from .dynamic import check_dynamic, dynamic_design, estimate_dynamic
from .estimate import Estimate, make_estimate
from .fe_formula import fe_in_formula
from .likelihood import Problem
from .missing import handle_missing
from .panel_correction import elhorst_correction
from .random_effects import fit_random
from .regime_results import RegimeSpatialResults
from .regimes import RegimeError, RegimeInfo, check_regime_sizes, interact, regime_labels
from .results import SpatialResults
from .spec import SPECS, ModelSpec, spec_for


@overload
def fit(model: str, formula: str, data: pd.DataFrame, w: Weights | PeriodWeights, *, id: Hashable | None = None,
        entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
        bias_correction: str = "lee-yu", durbin: Sequence[str] | None = None, method: str = "auto",
        cov_type: str | None = None, small_sample: bool = False, bootstrap_reps: int | None = None,
        seed: int = DEFAULT_SEED, n_jobs: int = 1, client=None, progress: bool = True,
        dynamic: str | None = None, regimes: pd.Series | Hashable | None = None,
        regime_spatial: Literal[False] = False, missing: str = "raise") -> SpatialResults: ...


@overload
def fit(model: str, formula: str, data: pd.DataFrame, w: Weights | PeriodWeights, *, id: Hashable | None = None,
        entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
        bias_correction: str = "lee-yu", durbin: Sequence[str] | None = None, method: str = "auto",
        cov_type: str | None = None, small_sample: bool = False, bootstrap_reps: int | None = None,
        seed: int = DEFAULT_SEED, n_jobs: int = 1, client=None, progress: bool = True,
        dynamic: str | None = None, regimes: pd.Series | Hashable | None = None,
        regime_spatial: Literal[True], missing: str = "raise") -> RegimeSpatialResults: ...


@overload
def fit(model: str, formula: str, data: pd.DataFrame, w: Weights | PeriodWeights, *, id: Hashable | None = None,
        entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
        bias_correction: str = "lee-yu", durbin: Sequence[str] | None = None, method: str = "auto",
        cov_type: str | None = None, small_sample: bool = False, bootstrap_reps: int | None = None,
        seed: int = DEFAULT_SEED, n_jobs: int = 1, client=None, progress: bool = True,
        dynamic: str | None = None, regimes: pd.Series | Hashable | None = None,
        regime_spatial: bool = False, missing: str = "raise") -> SpatialResults | RegimeSpatialResults: ...


@takes_weights
@fe_in_formula
def fit(model: str, formula: str, data: pd.DataFrame, w: Weights | PeriodWeights, *, id: Hashable | None = None,
        entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
        bias_correction: str = "lee-yu", durbin: Sequence[str] | None = None, method: str = "auto",
        cov_type: str | None = None, small_sample: bool = False, bootstrap_reps: int | None = None,
        seed: int = DEFAULT_SEED, n_jobs: int = 1, client=None, progress: bool = True,
        dynamic: str | None = None, regimes: pd.Series | Hashable | None = None,
        regime_spatial: bool = False, missing: str = "raise") -> SpatialResults | RegimeSpatialResults:
    """Estimate ``model`` (one of OLS, SLX, SAR, SEM, SDM, SDEM, SAC) by maximum likelihood.

    ``cov_type="small-sample"`` (alias ``small_sample=True``) scales the covariance of the ML estimates by
    n/(n - p) (p coefficients and spatial parameters) and uses t(n - p) for p-values, intervals and effect
    draws, offsetting the downward bias of sigma2 = e'e/n in small cross-sections (e.g. 31 provinces);
    estimates are unchanged. ``cov_type="qml"`` is Lee's (2004) sandwich for non-normal iid errors
    (:mod:`.qml`; not for heteroskedasticity, where spatial ML is inconsistent: use ``si.gs2sls(robust=True)``);
    ``cov_type="bootstrap"`` re-estimates the model on ``bootstrap_reps`` parametric draws from the fitted model
    (:mod:`.bootstrap`), serially, in ``n_jobs`` processes or on a Dask ``client``, bit-identical for one ``seed``.
    See :mod:`.covariance` for the estimators.

    Parameters
    ----------
    model : str
        OLS, SLX, SAR, SEM, SDM, SDEM or SAC.
    formula : str
        ``"y ~ x1 + x2"`` (formulaic syntax).
    data : DataFrame
    w : Weights or PeriodWeights
        Spatial weights; panels may pass time-varying weights (``si.weights.by_period``), which, like an
        unbalanced panel, use each period's W_t restricted to the regions observed in it (exact dummy-variable
        ML: ``bias_correction="none"`` with fixed effects; see :mod:`.period_layout`).
    id : hashable, optional
        Region id column of a cross-section (default: the index).
    entity, time : hashable, optional
        Panel id columns (both or neither).
    fixed_effects : str, optional
        ``"entity"`` (panel default), ``"time"``, ``"twoway"``, ``"none"``, ``"random"``.
    bias_correction : str
        ``"lee-yu"``, ``"none"`` or ``"elhorst"``.
    durbin : sequence of str, optional
        Regressors with W x terms (default all but the intercept).
    method : str
        Log-determinant: ``"auto"``, ``"eigen"``, ``"sparse"`` or ``"series"``.
    cov_type : str, optional
        A key of ``covariance.COV_TYPES``: ``"information"`` (default), ``"small-sample"``, ``"qml"`` or
        ``"bootstrap"``.
    small_sample : bool
        Alias of ``cov_type="small-sample"``.
    bootstrap_reps : int, optional
        Bootstrap replicates (default ``constants.BOOTSTRAP_REPS`` = 199); only with ``cov_type="bootstrap"``.
    seed : int, default ``DEFAULT_SEED``
        Root seed of the bootstrap replicates.
    n_jobs : int, default 1
        Local processes for the bootstrap (-1: all cores); results do not depend on it.
    client : dask.distributed.Client, optional
        Run the bootstrap replicates on this Dask cluster; only with ``cov_type="bootstrap"``.
    progress : bool, default True
        Progress bar of the bootstrap replicates.
    dynamic : str, optional
        SAR/SDM panels only: ``"time"`` (tau y_{t-1}), ``"spacetime"`` (eta W y_{t-1}) or ``"both"``; the first
        period is the initial condition and ``bias_correction="lee-yu"`` is the Yu, de Jong & Lee (2008)
        correction (see :mod:`.dynamic`).
    regimes : hashable or Series, optional
        A column of ``data`` (constant over time in a panel) or a Series indexed by region id: coefficients by
        regime, named ``x[g]`` (an intercept per regime where the model has one), W x terms ``W_x[g]`` =
        W (x 1[region in g]), a common spatial parameter; ``res.chow_test()`` and effects per regime. See
        :mod:`.regimes`. Cross-sections and fixed-effects or pooled panels.
    regime_spatial : bool, default False
        With ``regimes``: every regime estimated on its own regions with W restricted to them and normalised
        again (a spatial parameter and sigma2 per regime; spreg's ``regime_lag_sep=True``); returns a
        :class:`~.regime_results.RegimeSpatialResults`.
    missing : {"raise", "drop"}
        Rows with a NaN in a used column (formula variables, id / entity / time, the regimes column):
        ``"raise"`` (default) names them; ``"drop"`` drops them first and records them in ``res.dropped``
        (see :mod:`.missing`).

    Returns
    -------
    SpatialResults or RegimeSpatialResults

    Raises
    ------
    CovarianceError
        Unknown ``cov_type`` (the message lists the choices), ``bootstrap_reps`` < 2, or ``client`` /
        ``bootstrap_reps`` without ``cov_type="bootstrap"``.
    RegimeError
        ``regime_spatial`` without ``regimes``, regimes with random effects or a dynamic panel, missing regime
        labels, a regime with too few observations for its parameters (and ``IdError`` for regime ids that do
        not match the regions of ``w``).
    """
    kind = resolve_cov_type(cov_type, small_sample)
    if kind != "bootstrap" and (client is not None or bootstrap_reps is not None):
        given = "client=" if client is not None else "bootstrap_reps="
        raise CovarianceError(f"{given} applies only with cov_type='bootstrap' (got cov_type={kind!r})")
    boot = {"reps": BOOTSTRAP_REPS if bootstrap_reps is None else bootstrap_reps, "seed": seed, "n_jobs": n_jobs,
            "client": client, "progress": progress}
    base: Covariance
    spec = spec_for(model)
    if not isinstance(data, pd.DataFrame):
        raise SpatialInnoError("data must be a pandas DataFrame")
    if (entity is None) != (time is None):
        raise SpatialInnoError("panels need both entity= and time=; give neither for a cross-section")
    if regimes is None and regime_spatial:
        raise RegimeError("regime_spatial=True needs regimes= (a column of the data or a Series by region id)")
    if regimes is not None and (dynamic is not None or fixed_effects == "random"):
        raise RegimeError("regimes= is available for cross-sections and fixed-effects or pooled panels, not for "
                          "random effects or dynamic panels")
    if isinstance(w, PeriodWeights) and (entity is None or dynamic is not None or fixed_effects == "random"):
        raise SpatialInnoError("time-varying weights (PeriodWeights) need a static panel with fixed effects or pooled "
                               "data (entity=, time=, fixed_effects in 'entity', 'time', 'twoway', 'none'); pass one "
                               "Weights for cross-sections, dynamic and random-effects panels")
    if regimes is not None and isinstance(w, PeriodWeights):
        raise RegimeError("regimes= needs one Weights for all periods; time-varying weights (PeriodWeights) are not "
                          "available with regimes")
    # a missing regime label is dropped with missing='drop'; otherwise the regimes check names it (RegimeError)
    named = regimes is not None and not isinstance(regimes, pd.Series)
    regime_column = [regimes] if missing == "drop" and named else []
    data, w, record = handle_missing(data, formula, w, id=id, entity=entity, time=time, missing=missing,
                                     extra=regime_column)
    if entity is None:
        if dynamic is not None:
            check_dynamic(dynamic, spec.name, "none", False, bias_correction)
        if fixed_effects not in (None, "none"):
            raise SpatialInnoError(f"fixed_effects={fixed_effects!r} needs a panel: pass entity= and time=")
        assert isinstance(w, Weights)
        design = cross_section(formula, data, w, id)
    else:
        fe = "entity" if fixed_effects is None else fixed_effects
        if dynamic is not None:
            check_dynamic(dynamic, spec.name, fe, True, bias_correction)
            design, dyn = dynamic_design(panel(formula, data, w, entity, time, fe), dynamic)
            if kind in ("qml", "bootstrap"):
                raise CovarianceError(f"cov_type={kind!r} is not available for dynamic panels yet: its moment "
                                      f"terms / re-estimation do not cover the lagged outcome; use 'information' "
                                      f"or 'small-sample'")
            est, base = estimate_dynamic(design, dyn, spec, durbin, method, bias_correction)
            return SpatialResults(est, covariance_for(kind, est, base), est.weights, record)
        if fe == "random":
            assert isinstance(w, Weights)
            est, base = fit_random(spec, formula, data, w, entity=entity, time=time, durbin=durbin, method=method)
            return SpatialResults(est, _covariance(kind, est, base, boot), est.weights, record)
        design = panel(formula, data, w, entity, time, fe, unbalanced=True)
        if design.layout is not None and kind in ("qml", "bootstrap"):
            raise CovarianceError(f"cov_type={kind!r} is not available for unbalanced panels or time-varying "
                                  f"weights yet; use 'information' or 'small-sample'")
    info = None
    if regimes is not None:
        if design.layout is not None:
            raise RegimeError("regimes= needs a balanced panel: this one is unbalanced (regions missing in some "
                              "periods); fit the regimes on the balanced sub-panel or without regimes")
        assert isinstance(w, Weights)
        key = id if entity is None else entity
        info = RegimeInfo(_regime_name(regimes), regime_labels(regimes, data, w, key), regime_spatial)
        if regime_spatial:
            k = len(design.names) + (len(durbin_columns(design.names, durbin)) if spec.durbin else 0)
            check_regime_sizes(info, k, design.T, extra=len(spec.spatial_params) + 1)

            def one(sub: pd.DataFrame, wsub: Weights) -> SpatialResults:
                res = fit(model, formula, sub, wsub, id=id, entity=entity, time=time, fixed_effects=fixed_effects,
                          bias_correction=bias_correction, durbin=durbin, method=method, cov_type=cov_type,
                          small_sample=small_sample, bootstrap_reps=bootstrap_reps, seed=seed, n_jobs=n_jobs,
                          client=client, progress=progress)
                assert isinstance(res, SpatialResults)
                return res

            return RegimeSpatialResults.estimate(one, data, w, info, key)
        design, durbin = interact(design, info, spec, durbin)
    est, base = estimate_ml(design, spec, durbin, method, bias_correction)
    return SpatialResults(est, _covariance(kind, est, base, boot), est.weights, record, regimes=info)


def _regime_name(regimes: pd.Series | Hashable) -> str:
    if isinstance(regimes, pd.Series):
        return "regime" if regimes.name is None else str(regimes.name)
    return str(regimes)


def _covariance(kind: str, est: Estimate, base: Covariance, boot: dict) -> Covariance:
    """The chosen covariance; the bootstrap gets its replicate options."""
    if kind == BootstrapCovariance.cov_type:
        return BootstrapCovariance.for_estimate(est, base, **boot)
    return covariance_for(kind, est, base)


def estimate_ml(design: Design, spec: ModelSpec, durbin: Sequence[str] | None, method: str,
                bias_correction: str) -> tuple[Estimate, Covariance]:
    """The likelihood engine: maximise the concentrated likelihood and return the estimate with its ML covariance.

    Parameters
    ----------
    design : Design
        Aligned data.
    spec : ModelSpec
    durbin : sequence of str, optional
        Regressors with W x terms.
    method : str
        Log-determinant strategy.
    bias_correction : str
        ``"lee-yu"``, ``"none"`` or ``"elhorst"`` (then the corrected estimate and its covariance).

    Returns
    -------
    (Estimate, Covariance)
        The covariance is the information form (OLS form for models without spatial parameters).
    """
    dnames = durbin_columns(design.names, durbin) if spec.durbin else []
    problem = Problem(design, spec, dnames, method, bias_correction)
    rho, lam = problem.optimise()
    at = problem.at(rho, lam)
    est = make_estimate(problem, rho, lam, at["beta"], at["sigma2"], at["llf"], at["resid"])
    cov = covariance_for("information", est)
    if problem.scale.bias_correction == "elhorst":
        return elhorst_correction(est, cov)
    return est, cov


def _make(model: str):
    def estimator(formula: str, data: pd.DataFrame, w: Weights | PeriodWeights, *, id: Hashable | None = None,
                  entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
                  bias_correction: str = "lee-yu", durbin: Sequence[str] | None = None,
                  method: str = "auto", cov_type: str | None = None, small_sample: bool = False,
                  bootstrap_reps: int | None = None, seed: int = DEFAULT_SEED, n_jobs: int = 1, client=None,
                  progress: bool = True, dynamic: str | None = None, regimes: pd.Series | Hashable | None = None,
                  regime_spatial: bool = False, missing: str = "raise") -> SpatialResults | RegimeSpatialResults:
        return fit(model, formula, data, w, id=id, entity=entity, time=time, fixed_effects=fixed_effects,
                   bias_correction=bias_correction, durbin=durbin, method=method, cov_type=cov_type,
                   small_sample=small_sample, bootstrap_reps=bootstrap_reps, seed=seed, n_jobs=n_jobs,
                   client=client, progress=progress, dynamic=dynamic, regimes=regimes,
                   regime_spatial=regime_spatial, missing=missing)

    estimator.__name__ = model.lower()
    estimator.__qualname__ = model.lower()
    estimator.__doc__ = f"""{model} by maximum likelihood: {SPECS[model].name} (see :mod:`spatialinno.models.spec`).

    Cross-section when ``entity``/``time`` are None (rows aligned to ``w.ids`` through ``id`` or the
    index); panel otherwise, with ``fixed_effects`` in ``"entity"`` (default), ``"time"``, ``"twoway"``,
    ``"none"`` (pooled) or ``"random"``, and ``bias_correction`` in ``"lee-yu"`` (default), ``"none"``,
    ``"elhorst"`` (Elhorst's ``sar_panel_FE``/``sdm_panel_FE`` with bc=1: sigma2 scaled by T/(T-1) or N/(N-1);
    two-way p + T I^-1 (0, 1/(1 - rho), 1/(2 sigma2)) then sigma2 T/(T-1), with I his information matrix on the
    demeaned data; see :mod:`spatialinno.models.panel_correction`). ``durbin`` lists the regressors that get a
    W x term (default all but the intercept).
    ``method`` chooses the log-determinant: ``"auto"``, ``"eigen"`` or ``"sparse"``.
    ``cov_type``: ``"information"`` (default), ``"small-sample"`` (alias ``small_sample=True``): covariance
    scaled by n/(n - p) and t(n - p) inference (small cross-sections), ``"qml"`` (Lee 2004 sandwich, non-normal
    iid errors) or ``"bootstrap"`` (parametric re-estimation; ``bootstrap_reps``, ``seed``, ``n_jobs``,
    ``client``, ``progress``).
    ``dynamic`` (SAR and SDM panels): ``"time"``, ``"spacetime"`` or ``"both"`` adds tau y(t-1) and/or
    eta W y(t-1); see :mod:`spatialinno.models.dynamic`.
    ``regimes`` (a column or a Series by region id): coefficients by regime ``x[g]`` with a common spatial
    parameter, or one per regime with ``regime_spatial=True``; see :mod:`spatialinno.models.regimes`.

    Returns a :class:`~spatialinno.models.results.SpatialResults`; parameters as :func:`fit`.
    """
    return estimator


ols = _make("OLS")
slx = _make("SLX")
sar = _make("SAR")
sem = _make("SEM")
sdm = _make("SDM")
sdem = _make("SDEM")
sac = _make("SAC")
