"""Public estimators: ``ols, slx, sar, sem, sdm, sdem, sac`` for cross-sections and panels.

Each is the one likelihood engine (:mod:`.likelihood`) run with a :class:`~.spec.ModelSpec`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from ..errors import SpatialInnoError
from ..weights import Weights
from .data import cross_section, durbin_columns, panel
from .information import information_matrix
from .likelihood import Problem
from .results import SpatialResults
from .spec import SPECS


def fit(model: str, formula: str, data: pd.DataFrame, w: Weights, *, id: Hashable | None = None,
        entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
        bias_correction: str = "lee-yu", durbin: Sequence[str] | None = None, method: str = "auto",
        small_sample: bool = False) -> SpatialResults:
    """Estimate ``model`` (one of OLS, SLX, SAR, SEM, SDM, SDEM, SAC) by maximum likelihood.

    ``small_sample=True`` scales the covariance of the ML estimates by n/(n - p) (p coefficients and
    spatial parameters) and uses t(n - p) for p-values, intervals and effect draws, offsetting the
    downward bias of sigma2 = e'e/n in small cross-sections (e.g. 31 provinces); estimates are unchanged.
    """
    spec = SPECS[model]
    if not isinstance(data, pd.DataFrame):
        raise SpatialInnoError("data must be a pandas DataFrame")
    if (entity is None) != (time is None):
        raise SpatialInnoError("panels need both entity= and time=; give neither for a cross-section")
    if entity is None:
        if fixed_effects not in (None, "none"):
            raise SpatialInnoError(f"fixed_effects={fixed_effects!r} needs a panel: pass entity= and time=")
        design = cross_section(formula, data, w, id)
    else:
        fe = "entity" if fixed_effects is None else fixed_effects
        if fe == "random":
            from .random_effects import fit_random

            res = fit_random(spec, formula, data, w, entity=entity, time=time, durbin=durbin, method=method)
            return _small_sample(res) if small_sample else res
        design = panel(formula, data, w, entity, time, fe)
    dnames = durbin_columns(design.names, durbin) if spec.durbin else []
    problem = Problem(design, spec, dnames, method, bias_correction)
    rho, lam = problem.optimise()
    at = problem.at(rho, lam)
    info = information_matrix(problem, rho, lam, at["beta"], at["sigma2"])
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise SpatialInnoError("the information matrix is singular; the model is not identified on these data") from None
    if not (spec.lag or spec.error):
        # OLS/SLX: conventional unbiased s2 = e'e / (n - absorbed fixed effects - k) for the coefficients
        k = problem.k
        cov[:k, :k] *= problem.scale.n_eff / problem.resid_dof
    res = SpatialResults(problem, rho, lam, at, cov)
    if problem.scale.bias_correction == "elhorst":
        from .panel_correction import elhorst_correction

        res = elhorst_correction(res)
    return _small_sample(res) if small_sample else res


def _small_sample(res: SpatialResults) -> SpatialResults:
    n, p = res._p.scale.n_eff, len(res.params)
    if res._p.spec.lag or res._p.spec.error:
        res.small_sample(n - p)
    return res


def _make(model: str):
    def estimator(formula: str, data: pd.DataFrame, w: Weights, *, id: Hashable | None = None,
                  entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
                  bias_correction: str = "lee-yu", durbin: Sequence[str] | None = None,
                  method: str = "auto", small_sample: bool = False) -> SpatialResults:
        return fit(model, formula, data, w, id=id, entity=entity, time=time, fixed_effects=fixed_effects,
                   bias_correction=bias_correction, durbin=durbin, method=method, small_sample=small_sample)

    estimator.__name__ = model.lower()
    estimator.__qualname__ = model.lower()
    estimator.__doc__ = f"""{model} by maximum likelihood: {SPECS[model].name} (see :mod:`spatialinno.models.spec`).

    Cross-section when ``entity``/``time`` are None (rows aligned to ``w.ids`` through ``id`` or the
    index); panel otherwise, with ``fixed_effects`` in ``"entity"`` (default), ``"time"``, ``"twoway"``,
    ``"none"`` (pooled) or ``"random"``, and ``bias_correction`` in ``"lee-yu"`` (default), ``"none"``,
    ``"elhorst"``. ``durbin`` lists the regressors that get a W x term (default all but the intercept).
    ``method`` chooses the log-determinant: ``"auto"``, ``"eigen"`` or ``"sparse"``.
    ``small_sample=True``: covariance scaled by n/(n - p) and t(n - p) inference (small cross-sections).
    """
    return estimator


ols = _make("OLS")
slx = _make("SLX")
sar = _make("SAR")
sem = _make("SEM")
sdm = _make("SDM")
sdem = _make("SDEM")
sac = _make("SAC")
