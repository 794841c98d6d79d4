"""The optional dynamic step of the report: the dynamic spatial Durbin model with short- and long-run effects.

With ``--dynamic`` the report adds Y_t = tau Y_{t-1} + rho W Y_t + eta W Y_{t-1} + X_t b + W X_t theta + FE + e
(``si.sdm(..., dynamic="both")``; the first period is the initial condition; with fixed effects the default
bias correction is Yu, de Jong & Lee 2008) under the main W, its stability, and the direct, indirect and total
effects of the main variable in the short run, (I - rho W)^-1 (b I + theta W), and in the long run,
((1 - tau) I - (rho + eta) W)^-1 (b I + theta W) (Elhorst 2014, ch. 4; Debarsy, Ertur & LeSage 2012).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import SpatialInnoError
from ..models import SpatialResults, sdm
from .inputs import Inputs
from .output import OutputDir
from .steps import WeightsStep

__all__ = ["DynamicStep", "dynamic_estimate"]


@dataclass(frozen=True)
class DynamicStep:
    """The dynamic SDM of the run, or why there is none.

    Parameters
    ----------
    result : SpatialResults or None
        The dynamic SDM fit.
    params : DataFrame or None
        tau, eta and rho with standard errors.
    effects : DataFrame or None
        Short- and long-run effects of the main variable (MultiIndex horizon, effect).
    message : str or None
        Why the step was skipped, failed, or why long-run effects are missing.
    """

    result: SpatialResults | None
    params: pd.DataFrame | None
    effects: pd.DataFrame | None
    message: str | None


def dynamic_estimate(inp: Inputs, ws: WeightsStep, out: OutputDir) -> DynamicStep:
    """Fit the dynamic SDM and its short/long-run effects (``tables/dynamic_params``, ``tables/dynamic_effects``).

    Parameters
    ----------
    inp : Inputs
    ws : WeightsStep
    out : OutputDir

    Returns
    -------
    DynamicStep
    """
    o = inp.opts
    if o["fixed_effects"] == "random":
        return DynamicStep(None, None, None, "the dynamic SDM is estimated with fixed effects or pooled, not with "
                                             "random effects")
    try:
        res = sdm(o["formula"], inp.data, ws.W[ws.main], entity=o["entity"], time=o["time"],
                  fixed_effects=o["fixed_effects"], bias_correction=o["bias_correction"], dynamic="both")
    except SpatialInnoError as exc:
        return DynamicStep(None, None, None, f"the dynamic SDM could not be estimated: {exc}")
    keep = [p for p in ("tau", "eta", "rho") if p in res.params.index]
    params = pd.DataFrame({"estimate": res.params[keep], "std_error": res.bse[keep], "p_value": res.pvalues[keep]})
    out.table(params, "dynamic_params")
    blocks, message = [], None
    horizons = ("short", "long") if res.stable else ("short",)
    if not res.stable:
        message = "the fit is not stationary (stable is False): long-run effects do not exist"
    for h in horizons:
        imp = res.impacts(horizon=h, draws=o["draws"], seed=o["seed"], alpha=o["alpha"],
                          variables=[inp.main_var]).loc[inp.main_var]
        blocks.append(imp[["estimate", "ci_lower", "ci_upper"]].assign(horizon=h))
    effects = pd.concat(blocks).reset_index().set_index(["horizon", "effect"])
    out.table(effects, "dynamic_effects")
    return DynamicStep(res, params, effects, message)
