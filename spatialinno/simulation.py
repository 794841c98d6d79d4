"""Monte Carlo studies of the spatial estimators on a known data-generating process (bias, RMSE, coverage).

For a model, a weights matrix W and true parameters, each replicate r = 1..R draws regressors X (iid N(0, 1), or
a user generator), errors e ~ N(0, sigma2 I) and the outcome from the model's reduced form

    OLS/SLX : y = X b + W X t + e
    SAR/SDM : y = (I - rho W)^-1 (X b + W X t + e)
    SEM/SDEM: y = X b + W X t + (I - lambda W)^-1 e
    SAC     : y = (I - rho W)^-1 (X b + (I - lambda W)^-1 e)

(LeSage & Pace 2009, ch. 2; Elhorst 2014, ch. 2), always by sparse LU solves (no inverse is formed), then fits the
model with the public estimator and records estimates and nominal (1 - alpha) intervals. Cross-sections only.

The true LeSage-Pace effects of regressor k are exact functions of the true parameters,
S_k = (I - rho W)^-1 (I b_k + W t_k), direct = tr(S_k)/n, total = 1'S_k 1/n, indirect = total - direct
(LeSage & Pace 2009, §2.7): dense (I - rho W)^-1 up to ``EIGEN_MAX`` regions, above it sparse LU solves (the
totals from one solve each, the traces exactly from solves against blocks of unit vectors and of W's columns).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy import stats

from .constants import DEFAULT_SEED, EIGEN_MAX, MODEL_FAMILIES, SPILLOVER_FAMILIES
from .errors import DataError, EstimationError, IdError, SpatialInnoWarning, SpecificationError, preview
from .models import ols, sac, sar, sdem, sdm, sem, slx
from .parallel import resolve_n_jobs, run_tasks, spawn_seeds
from .weights import Weights

ESTIMATORS: dict[str, Callable] = {"OLS": ols, "SLX": slx, "SAR": sar, "SEM": sem, "SDM": sdm, "SDEM": sdem, "SAC": sac}
#: Parameters that are not regression coefficients.
SPATIAL = ("rho", "lambda")
#: Effects reported for each regressor, in this order.
EFFECTS = ("direct", "indirect", "total")
#: The ``effect`` label of parameter rows (coefficients, rho, lambda, sigma2).
COEF = "coef"
#: Keywords of the estimators that the study sets itself or that would make it a panel.
RESERVED_FIT_KWARGS = ("entity", "time", "fixed_effects", "durbin", "bias_correction")
#: Columns of the study table.
COLUMNS = ["true", "mean", "bias", "rmse", "sd", "mean_se", "coverage", "reject_zero"]
#: Columns of the effect blocks solved at once by the sparse exact traces.
TRACE_BLOCK = 256


@dataclass(frozen=True)
class Design:
    """What a study estimates, derived from the model name and the true parameters.

    Parameters
    ----------
    family : str
        Model family, one of ``MODEL_FAMILIES`` (``"SDM"``).
    regressors : tuple of str
        Regressors with a coefficient, in the order of ``params``.
    durbin : tuple of str
        Regressors with a W x term (their ``W_x`` coefficient is in ``params``).
    intercept : bool
        Whether the model has an intercept.
    params : dict
        The true parameters by result name, sigma2 included.
    """

    family: str
    regressors: tuple[str, ...]
    durbin: tuple[str, ...]
    intercept: bool
    params: dict

    @property
    def coefficients(self) -> list[str]:
        """Result names of the parameters in estimator order: Intercept, X, W_X, rho, lambda, sigma2."""
        out = (["Intercept"] if self.intercept else []) + list(self.regressors) + [f"W_{x}" for x in self.durbin]
        return out + [p for p in SPATIAL if p in self.params] + ["sigma2"]

    @property
    def with_effects(self) -> bool:
        """Whether effects are reported (models with spillovers: SLX, SAR, SDM, SDEM, SAC)."""
        return self.family in SPILLOVER_FAMILIES and bool(self.regressors)

    @property
    def rows(self) -> pd.MultiIndex:
        """Index (``parameter``, ``effect``) of the study table."""
        tuples = [(p, COEF) for p in self.coefficients]
        if self.with_effects:
            tuples += [(x, e) for x in self.regressors for e in EFFECTS]
        return pd.MultiIndex.from_tuples(tuples, names=["parameter", "effect"])

    def formula(self, outcome: str) -> str:
        """Estimation formula, e.g. ``"y ~ x1 + x2"`` (``- 1`` without intercept).

        Parameters
        ----------
        outcome : str
            Name of the simulated outcome column.

        Returns
        -------
        str
        """
        rhs = " + ".join(self.regressors) if self.regressors else "1"
        return f"{outcome} ~ {rhs}" + ("" if self.intercept else " - 1")


def study_design(model: str, params: Mapping[str, float]) -> Design:
    """Check a model name and its true parameters and derive what the study estimates.

    Parameters
    ----------
    model : str
        ``"ols"``, ``"slx"``, ``"sar"``, ``"sem"``, ``"sdm"``, ``"sdem"`` or ``"sac"`` (case-insensitive).
    params : mapping
        True parameters by result name: ``Intercept`` (optional), one coefficient per regressor, ``W_x`` for the
        Durbin terms (SLX, SDM, SDEM; at least one), ``rho`` (SAR, SDM, SAC), ``lambda`` (SEM, SDEM, SAC) and
        ``sigma2`` (> 0).

    Returns
    -------
    Design

    Raises
    ------
    SpecificationError
        Unknown model; a parameter the model needs is missing or one it does not have is given; a ``W_x`` without
        its ``x``; a non-finite value, sigma2 <= 0, or a name that is not a Python identifier.
    """
    family = str(model).upper()
    if family not in MODEL_FAMILIES:
        names = [m.lower() for m in MODEL_FAMILIES]
        raise SpecificationError(f"unknown model {model!r}; choose one of {preview(names)}")
    if not isinstance(params, Mapping) or not params:
        raise SpecificationError("params must be a non-empty dict of true values by result name, e.g. "
                                 "{'rho': 0.4, 'Intercept': 1, 'x1': 1, 'sigma2': 1}")
    values = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise SpecificationError(f"parameter name {name!r} is not a Python identifier; rename the regressor")
        try:
            values[name] = float(value)
        except (TypeError, ValueError):
            raise SpecificationError(f"params[{name!r}] = {value!r} is not a number") from None
        if not np.isfinite(values[name]):
            raise SpecificationError(f"params[{name!r}] = {value!r} is not finite")
    lag, error, durbin = family in ("SAR", "SDM", "SAC"), family in ("SEM", "SDEM", "SAC"), family in (
        "SLX", "SDM", "SDEM")
    needed = ["sigma2"] + (["rho"] if lag else []) + (["lambda"] if error else [])
    missing = [p for p in needed if p not in values]
    if missing:
        raise SpecificationError(f"{family} needs true value(s) for {preview(missing)} in params; add them "
                                 f"(e.g. {{'{missing[0]}': {1.0 if missing[0] == 'sigma2' else 0.4}}})")
    if values["sigma2"] <= 0:
        raise SpecificationError(f"sigma2 must be positive (got {values['sigma2']})")
    wx = [p for p in values if p.startswith("W_")]
    extra = [p for p, has in (("rho", lag), ("lambda", error)) if p in values and not has]
    extra += wx if not durbin else []
    if extra:
        raise SpecificationError(f"{family} has no parameter(s) {preview(extra)}; remove them or choose a model "
                                 "that has them (rho: sar/sdm/sac, lambda: sem/sdem/sac, W_x: slx/sdm/sdem)")
    regressors = tuple(p for p in values if p not in ("Intercept", "sigma2", *SPATIAL) and not p.startswith("W_"))
    orphans = [p for p in wx if p[2:] not in regressors]
    if orphans:
        bare = preview([p[2:] for p in orphans])
        raise SpecificationError(f"{preview(orphans)} given without the coefficient of {bare}; add it to params "
                                 "(0 if the regressor acts only through W x)")
    if durbin and not wx:
        raise SpecificationError(f"{family} needs at least one W_x coefficient in params (e.g. 'W_x1': 0.5); "
                                 "without W x terms use " + ("'sar'" if family == "SDM" else "'sem'" if
                                                             family == "SDEM" else "'ols'"))
    if not regressors and "Intercept" not in values:
        raise SpecificationError("params has neither regressors nor an Intercept: nothing to estimate")
    return Design(family, regressors, tuple(x for x in regressors if f"W_{x}" in values), "Intercept" in values, values)


def effect_kernel(w: Weights, rho: float) -> np.ndarray:
    """Exact [tr(A^-1)/n, tr(A^-1 W)/n, 1'A^-1 1/n, 1'A^-1 W 1/n] with A = I - rho W.

    Dense up to ``EIGEN_MAX`` regions (A^-1 by an LU solve); above, sparse LU of A: totals from the solves
    A x = 1 and A x = W 1, traces exactly from solves against blocks of unit vectors e_j and of W's columns W e_j
    (diagonal entries j of A^-1 and of A^-1 W).

    Parameters
    ----------
    w : Weights
        Spatial weights (any normalisation).
    rho : float
        Spatial lag parameter (0 for models without W y).

    Returns
    -------
    numpy.ndarray
        The four kernel values, shape (4,).
    """
    n, W = w.n, w.sparse
    one = np.ones(n)
    w_one = W @ one
    if rho == 0.0:
        return np.array([n, W.diagonal().sum(), n, w_one.sum()]) / n
    A = (sp.identity(n, format="csc") - rho * W.tocsc()).tocsc()
    if n <= EIGEN_MAX:
        Ainv = np.linalg.solve(A.toarray(), np.eye(n))
        return np.array([np.trace(Ainv), np.sum(Ainv * W.T.toarray()), Ainv.sum(), Ainv @ w_one @ one]) / n
    lu = spla.splu(A)
    tr = tr_w = 0.0
    Wc = W.tocsc()
    for start in range(0, n, TRACE_BLOCK):
        cols = np.arange(start, min(n, start + TRACE_BLOCK))
        rhs = np.zeros((n, len(cols)))
        rhs[cols, np.arange(len(cols))] = 1.0
        both = lu.solve(np.hstack([rhs, Wc[:, cols].toarray()]))
        tr += both[cols, np.arange(len(cols))].sum()
        tr_w += both[cols, len(cols) + np.arange(len(cols))].sum()
    return np.array([tr, tr_w, lu.solve(one).sum(), lu.solve(w_one).sum()]) / n


def true_effects(w: Weights, params: Mapping[str, float], variables: list[str] | None = None) -> pd.DataFrame:
    """Exact LeSage-Pace direct, indirect and total effects of the true parameters.

    S_k = (I - rho W)^-1 (I b_k + W t_k); direct = tr(S_k)/n, total = 1'S_k 1/n, indirect = total - direct
    (LeSage & Pace 2009, §2.7), with rho = ``params.get("rho", 0)`` and t_k = ``params.get("W_" + k, 0)``.

    Parameters
    ----------
    w : Weights
        Spatial weights.
    params : mapping
        True parameters by result name.
    variables : list of str, optional
        Regressors (default: every name that is not Intercept, sigma2, rho, lambda or a ``W_`` term).

    Returns
    -------
    pandas.DataFrame
        Indexed by (``variable``, ``effect``), column ``true``.
    """
    if variables is None:
        variables = [p for p in params if p not in ("Intercept", "sigma2", *SPATIAL) and not p.startswith("W_")]
    kern = effect_kernel(w, float(params.get("rho", 0.0)))
    rows = []
    for x in variables:
        b, t = float(params[x]), float(params.get(f"W_{x}", 0.0))
        direct, total = b * kern[0] + t * kern[1], b * kern[2] + t * kern[3]
        rows += [(x, "direct", direct), (x, "indirect", total - direct), (x, "total", total)]
    return pd.DataFrame(rows, columns=["variable", "effect", "true"]).set_index(["variable", "effect"])


def draw_outcome(w: Weights, design: Design, X: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Outcome of the reduced form (module docstring) for regressors ``X`` (columns ``design.regressors``).

    Parameters
    ----------
    w : Weights
        Spatial weights; rows of ``X`` and ``e`` follow ``w.ids``.
    design : Design
        Model and true parameters.
    X : numpy.ndarray
        Regressors, shape (n, len(design.regressors)).
    e : numpy.ndarray
        Innovations, shape (n,), already scaled by sqrt(sigma2).

    Returns
    -------
    numpy.ndarray
        y, shape (n,), in ``w.ids`` order.
    """
    p, W = design.params, w.sparse
    eye = sp.identity(w.n, format="csc")
    beta = np.array([p[x] for x in design.regressors])
    theta = np.array([p.get(f"W_{x}", 0.0) for x in design.regressors])
    mean = X @ beta + W @ (X @ theta) + p.get("Intercept", 0.0)
    u = spla.spsolve((eye - p["lambda"] * W).tocsc(), e) if "lambda" in p else e
    y = mean + u
    return spla.spsolve((eye - p["rho"] * W).tocsc(), y) if "rho" in p else y


@dataclass(frozen=True)
class Study:
    """Everything a replicate needs (sent once per worker).

    Parameters
    ----------
    design : Design
        Model and true parameters.
    w : Weights
        Spatial weights.
    data_generator : callable or None
        ``data_generator(rng, w) -> DataFrame`` or None for iid N(0, 1) regressors.
    id : hashable or None
        Id column of the generated frames (None: their index).
    alpha : float
        Nominal level: (1 - alpha) intervals.
    fit_kwargs : dict
        Further keywords of the estimator.
    outcome : str
        Name of the simulated outcome column.
    """

    design: Design
    w: Weights
    data_generator: Callable | None
    id: Hashable | None
    alpha: float
    fit_kwargs: dict
    outcome: str


def replicate_data(study: Study, rng: np.random.Generator) -> pd.DataFrame:
    """One simulated data set: regressors (generated or iid N(0, 1)), then e ~ N(0, sigma2 I), then y.

    Parameters
    ----------
    study : Study
        The study.
    rng : numpy.random.Generator
        The replicate's generator.

    Returns
    -------
    pandas.DataFrame
        The frame given to the estimator (generated frame copied, with the outcome column added).

    Raises
    ------
    DataError, IdError
        The generated frame is not a DataFrame, misses a regressor, has non-finite regressor values, or its ids
        (index or ``id`` column) do not match ``w.ids``.
    """
    d, w = study.design, study.w
    names = list(d.regressors)
    if study.data_generator is None:
        frame = pd.DataFrame(rng.standard_normal((w.n, len(names))), columns=names, index=w.ids)
        keys = w.ids
    else:
        frame = study.data_generator(rng, w)
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"data_generator must return a DataFrame (got {type(frame).__name__})")
        missing = [x for x in names if x not in frame.columns]
        if missing:
            raise DataError(f"the frame of data_generator has no column(s) {preview(missing)} named in params; "
                            f"add them (columns: {preview(list(frame.columns))})")
        if study.id is not None and study.id not in frame.columns:
            raise IdError(f"the frame of data_generator has no id column {study.id!r}")
        keys = pd.Index(frame[study.id] if study.id is not None else frame.index)
        if keys.has_duplicates or len(keys) != w.n or not keys.isin(w.ids).all():
            raise IdError(f"the ids of the data_generator frame must be w.ids exactly once each: "
                          f"{preview(keys[~keys.isin(w.ids)].tolist() + w.ids[~w.ids.isin(keys)].tolist())} "
                          "unmatched or duplicated; index the frame by w.ids or pass id=<column>")
        frame = frame.copy()
    pos = keys.get_indexer(w.ids)  # row of each region of w in the frame
    X = frame[names].to_numpy(dtype=float)[pos]
    if not np.isfinite(X).all():
        raise DataError(f"the simulated regressors {preview(names)} contain NaN or infinite values")
    y = draw_outcome(w, d, X, np.sqrt(d.params["sigma2"]) * rng.standard_normal(w.n))
    frame[study.outcome] = y[w.ids.get_indexer(keys)]
    return frame


def run_replicate(study: Study, seed: np.random.SeedSequence) -> tuple[np.ndarray | None, str | None]:
    """Simulate and fit one replicate.

    Parameters
    ----------
    study : Study
        The study.
    seed : numpy.random.SeedSequence
        The replicate's seed (a child of the study seed).

    Returns
    -------
    (numpy.ndarray or None, str or None)
        Array (4, rows) of estimates, standard errors, interval lower and upper bounds in the order of
        ``study.design.rows``, and None; or None and the error message when the fit raised.
    """
    d = study.design
    data = replicate_data(study, np.random.default_rng(seed))
    kwargs = dict(study.fit_kwargs)
    if d.family in ("SLX", "SDM", "SDEM"):
        kwargs["durbin"] = list(d.durbin)
    try:
        res = ESTIMATORS[d.family](d.formula(study.outcome), data, study.w, id=study.id, **kwargs)
        names = d.coefficients[:-1]
        ci = res.conf_int(alpha=study.alpha).loc[names]
        z = stats.norm.ppf(1 - study.alpha / 2)
        s2, s2_se = float(res.sigma2), float(res.sigma2_se)
        parts = [np.column_stack([res.params.loc[names], res.bse.loc[names], ci["lower"], ci["upper"]]),
                 np.array([[s2, s2_se, s2 - z * s2_se, s2 + z * s2_se]])]
        if d.with_effects:
            imp = res.impacts(method="delta", alpha=study.alpha, variables=list(d.regressors))
            imp = imp.loc[[(x, e) for x in d.regressors for e in EFFECTS]]
            parts.append(imp[["estimate", "std_error", "ci_lower", "ci_upper"]].to_numpy(dtype=float))
    except Exception as exc:  # counted and reported as a failed replicate, never dropped silently
        return None, f"{type(exc).__name__}: {exc}"
    return np.vstack(parts).T, None


def summarise(truth: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Study statistics of successful replicates.

    Parameters
    ----------
    truth : numpy.ndarray
        True values, shape (rows,).
    draws : numpy.ndarray
        Shape (reps_ok, 4, rows): estimate, standard error, lower and upper interval bound.

    Returns
    -------
    numpy.ndarray
        Shape (rows, 8), columns ``COLUMNS``: true, mean, bias = mean - true, rmse = sqrt(mean((est - true)^2)),
        sd (ddof=1), mean_se, coverage = share of finite intervals containing the truth, reject_zero = share of
        finite intervals excluding 0 (power, or size when the truth is 0). NaN where undefined.
    """
    est, se, lo, hi = draws[:, 0], draws[:, 1], draws[:, 2], draws[:, 3]
    mean = est.mean(axis=0)
    finite = np.isfinite(lo) & np.isfinite(hi)
    n_fin = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cover = np.where(finite & (lo <= truth) & (truth <= hi), 1.0, 0.0).sum(axis=0) / n_fin
        reject = np.where(finite & ((lo > 0) | (hi < 0)), 1.0, 0.0).sum(axis=0) / n_fin
    sd = est.std(axis=0, ddof=1) if len(est) > 1 else np.full_like(mean, np.nan)
    mean_se = np.array([np.mean(c[np.isfinite(c)]) if np.isfinite(c).any() else np.nan for c in se.T])
    rmse = np.sqrt(np.mean((est - truth) ** 2, axis=0))
    return np.column_stack([truth, mean, mean - truth, rmse, sd, mean_se, cover, reject])


def simulate_study(model: str, w: Weights, params: Mapping[str, float], *, reps: int, seed: int = DEFAULT_SEED,
                   data_generator: Callable[[np.random.Generator, Weights], pd.DataFrame] | None = None,
                   alpha: float = 0.05, client=None, n_jobs: int = 1, progress: bool = True,
                   id: Hashable | None = None, **fit_kwargs) -> pd.DataFrame:
    """Monte Carlo study of an estimator on a known data-generating process: bias, RMSE, coverage, power.

    Each replicate draws data from the model's reduced form (module docstring) with the true ``params`` and fits
    the model with the public estimator (``si.sdm`` etc.). Replicate r uses the generator
    ``numpy.random.default_rng(SeedSequence(seed).spawn(reps)[r])``: results do not depend on ``n_jobs``,
    ``client`` or completion order, and are bit-identical across them (every fit runs with one BLAS thread).

    Parameters
    ----------
    model : str
        ``"ols"``, ``"slx"``, ``"sar"``, ``"sem"``, ``"sdm"``, ``"sdem"`` or ``"sac"``.
    w : Weights or libpysal W / Graph
        Spatial weights of the n regions (used as given: the same matrix generates and estimates).
    params : dict
        True parameters by result name, e.g. ``{"rho": 0.4, "Intercept": 1, "x1": 1, "W_x1": 0.5, "sigma2": 1}``.
        Regressors are the names other than Intercept, sigma2, rho, lambda and ``W_`` terms; W_x terms define
        the Durbin regressors.
    reps : int
        Number of replicates (>= 1).
    seed : int, default ``DEFAULT_SEED``
        Root seed of the study.
    data_generator : callable, optional
        ``data_generator(rng, w) -> DataFrame`` with a column per regressor, indexed by ``w.ids`` (or with the
        column named by ``id``); default iid N(0, 1) regressors. It must draw only from ``rng``.
    alpha : float, default 0.05
        Intervals have nominal level 1 - alpha: coefficient intervals from ``res.conf_int(alpha)``, sigma2
        from sigma2 +- z sigma2_se, effect intervals from ``res.impacts(method="delta")`` (delta method, chosen
        for speed).
    client : dask.distributed.Client, optional
        Fit the replicates on this Dask cluster (needs ``pip install 'spatialinno[dask]'``).
    n_jobs : int, default 1
        Local worker processes (-1: all cores); see :func:`spatialinno.parallel.run_tasks`.
    progress : bool, default True
        Show a tqdm progress bar.
    id : hashable, optional
        Id column of the frames of ``data_generator`` (default their index).
    **fit_kwargs
        Passed to the estimator (e.g. ``method="sparse"``, ``small_sample=True``); not ``entity``, ``time``,
        ``fixed_effects``, ``bias_correction`` (cross-sections only) or ``durbin`` (set by the ``W_`` terms).

    Returns
    -------
    pandas.DataFrame
        Indexed by (``parameter``, ``effect``): ``effect`` is ``"coef"`` for coefficients, rho, lambda and sigma2,
        and ``"direct"``, ``"indirect"``, ``"total"`` for the effects of each regressor (models with
        spillovers). Columns: ``true``; ``mean``; ``bias`` = mean - true; ``rmse``; ``sd`` (Monte Carlo standard
        deviation); ``mean_se`` (mean reported standard error); ``coverage`` (share in [0, 1] of intervals that
        contain the truth); ``reject_zero`` (share of intervals excluding 0: power, or size if the truth is 0).
        True effects are exact (:func:`true_effects`). ``.attrs``: ``model``, ``reps``, ``seed``, ``alpha``,
        ``n``, ``formula``, ``effects_method`` (``"delta"``), ``failures`` (number of replicates whose fit
        raised; statistics use the others) and ``failure_messages`` (list of (replicate, message)).

    Raises
    ------
    SpecificationError
        Unknown model, parameters missing or foreign to the model, reps < 1, alpha outside (0, 1), reserved
        keywords in ``fit_kwargs``.
    DataError, IdError
        A generated frame misses a regressor or does not match ``w.ids``.
    EstimationError
        Every replicate failed.
    """
    design = study_design(model, params)
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise SpecificationError(f"reps must be an integer >= 1 (got {reps!r})")
    if not isinstance(alpha, (float, int)) or not 0.0 < alpha < 1.0:
        raise SpecificationError(f"alpha must lie in (0, 1) (got {alpha!r}); e.g. 0.05 for 95% intervals")
    bad = [k for k in RESERVED_FIT_KWARGS if k in fit_kwargs]
    if bad:
        raise SpecificationError(f"simulate_study sets {preview(bad)} itself (cross-sections; Durbin terms from the "
                                 "W_ entries of params): remove them from the keywords")
    resolve_n_jobs(n_jobs)
    if not isinstance(w, Weights):
        w = Weights.from_graph(w) if hasattr(w, "unique_ids") else Weights.from_W(w)
    outcome = next(name for name in ("y", "y_sim", "y_simulated_outcome") if name not in design.params)
    study = Study(design, w, data_generator, id, float(alpha), dict(fit_kwargs), outcome)
    truth = pd.Series(design.params).reindex(design.coefficients).to_numpy()
    if design.with_effects:
        truth = np.concatenate([truth, true_effects(w, design.params, list(design.regressors))["true"].to_numpy()])
    outputs = run_tasks(run_replicate, spawn_seeds(seed, reps), shared=study, n_jobs=n_jobs, client=client,
                        progress=progress, desc=f"simulate_study {design.family}")
    ok = [draw for draw, _ in outputs if draw is not None]
    failures = [(r, msg) for r, (_, msg) in enumerate(outputs) if msg is not None]
    if not ok:
        raise EstimationError(f"all {reps} replicates failed; first error: {failures[0][1]}")
    if failures:
        warnings.warn(f"{len(failures)} of {reps} replicates failed and are excluded from the statistics (first: "
                      f"{failures[0][1]}); see .attrs['failure_messages']", SpatialInnoWarning, stacklevel=2)
    table = pd.DataFrame(summarise(truth, np.stack(ok)), index=design.rows, columns=COLUMNS)
    table.attrs.update({"model": design.family, "reps": int(reps), "seed": seed, "alpha": float(alpha), "n": w.n,
                        "formula": design.formula(outcome), "effects_method": "delta", "failures": len(failures),
                        "failure_messages": failures})
    return table
