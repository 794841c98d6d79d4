"""Joint significance of fixed effects (Elhorst 2014, §3.4): LR of the two-way dummy-variable model against
the time-only (entity effects, df N-1) and entity-only (time effects, df T-1) models, each re-estimated
with ``bias_correction="none"``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import pandas as pd
from scipy import stats

from ..weights import Weights
from .model import fit


def fixed_effects_lr(model: str, formula: str, data: pd.DataFrame, w: Weights, *, entity: Hashable, time: Hashable,
                     durbin: Sequence[str] | None = None, missing: str = "raise") -> pd.DataFrame:
    """LR tests that the entity effects and the time effects are jointly zero (dummy-variable ML fits).

    Parameters
    ----------
    model : str
        One of OLS, SLX, SAR, SEM, SDM, SDEM, SAC.
    formula : str
    data : DataFrame
    w : Weights
    entity, time : hashable
        Panel id columns.
    durbin : sequence of str, optional
        Regressors with W x terms.
    missing : {"raise", "drop"}
        Rows with a NaN in a used column: ``"raise"`` names them; ``"drop"`` drops them from the three fits
        (their keys in ``.attrs["dropped"]``).

    Returns
    -------
    DataFrame
        Rows ``entity effects`` (df N-1) and ``time effects`` (df T-1); columns statistic, df, p_value.
    """
    two, ent, tim = (fit(model, formula, data, w, entity=entity, time=time, fixed_effects=fe, bias_correction="none",
                         durbin=durbin, missing=missing) for fe in ("twoway", "entity", "time"))
    rows = {"entity effects": (2 * (two.llf - tim.llf), two.N - 1),
            "time effects": (2 * (two.llf - ent.llf), two.T - 1)}
    out = pd.DataFrame({k: {"statistic": v[0], "df": v[1], "p_value": stats.chi2.sf(v[0], v[1])}
                        for k, v in rows.items()}).T
    out["df"] = out["df"].astype(int)
    out.attrs["dropped"] = two.dropped
    return out
