"""The optional instrumental-variables step of the report: a GS2SLS SAR next to the ML models.

With ``--endog VAR --instruments Z1,Z2`` the report adds spatial two-stage least squares of the spatial lag
model (Kelejian & Prucha 1998; ``si.gs2sls(model="sar")``) with ``VAR`` instrumented by the excluded
instruments and their spatial lags (H = [X, Z, WX, WZ, W^2 X, W^2 Z]), under the main W and the run's fixed
effects, and its first-stage and over-identification tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import SpatialInnoError
from ..iv import gs2sls
from ..iv.results import IVResults
from .checks import iv_formula
from .inputs import Inputs
from .output import OutputDir
from .steps import WeightsStep

__all__ = ["IVStep", "iv_estimate"]


@dataclass(frozen=True)
class IVStep:
    """The GS2SLS fit of the run, or why there is none.

    Parameters
    ----------
    result : IVResults or None
        The GS2SLS SAR fit (None without ``--endog`` or when it failed).
    formula : str or None
        The formula given to ``si.gs2sls``.
    first_stage : DataFrame or None
        Partial F and partial R2 of the excluded instruments per endogenous regressor.
    overid : DataFrame or None
        Sargan test when over-identified.
    message : str or None
        Why the step was skipped or failed.
    """

    result: IVResults | None
    formula: str | None
    first_stage: pd.DataFrame | None
    overid: pd.DataFrame | None
    message: str | None


def iv_estimate(inp: Inputs, ws: WeightsStep, out: OutputDir) -> IVStep:
    """GS2SLS SAR with ``--endog`` instrumented by ``--instruments`` (``tables/iv_first_stage``).

    Parameters
    ----------
    inp : Inputs
    ws : WeightsStep
    out : OutputDir

    Returns
    -------
    IVStep
    """
    o = inp.opts
    if not o.get("endog"):
        return IVStep(None, None, None, None, None)
    formula = iv_formula(o["formula"], o["endog"], list(o["instruments"]))
    fe = o["fixed_effects"]
    if fe == "random":
        return IVStep(None, formula, None, None, "GS2SLS is estimated with fixed effects or pooled, not with "
                                                 "random effects; rerun with --fixed-effects twoway for it")
    try:
        res = gs2sls(formula, inp.data, ws.W[ws.main], model="sar", entity=o["entity"], time=o["time"],
                     fixed_effects=fe)
    except SpatialInnoError as exc:
        return IVStep(None, formula, None, None, f"GS2SLS could not be estimated: {exc}")
    out.table(res.first_stage, "iv_first_stage")
    if res.overid is not None:
        out.table(res.overid, "iv_overid")
    return IVStep(res, formula, res.first_stage, res.overid, None)
