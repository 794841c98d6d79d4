"""Monte Carlo of the dynamic spatial panel estimators (issue 14; slow marker, fixed seed).

31-province map (queen contiguity, the island linked to its nearest province, row-normalised), two-way fixed
effects, T = 15 periods (the first is the initial condition, 14 enter), SDM
y_t = 0.3 y_{t-1} + 0.3 W y_t - 0.1 W y_{t-1} + x_t + 0.5 W x_t + mu + xi_t + e_t (tests/models/dynamic_dgp.py),
300 replications. Checks: the bias-corrected (Lee-Yu / Yu-de Jong-Lee) estimator's bias of tau and rho is within
0.02 and under half the uncorrected one; coverage of its 95% intervals for tau and rho lies in [93%, 97%] widened
by two binomial standard errors of a 300-replication share (sqrt(0.95 0.05 / 300) = 1.26 points).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

import spatialinno as si

from .dynamic_dgp import simulate_dynamic

TRUE = {"tau": 0.3, "eta": -0.1, "rho": 0.3, "x": 1.0, "W_x": 0.5}
REPS = 300
SEED = 20240614


def study(w: si.Weights) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for _ in range(REPS):
        data = simulate_dynamic(w, 15, rng, tau=TRUE["tau"], eta=TRUE["eta"], rho=TRUE["rho"])
        for bc in ("lee-yu", "none"):
            res = si.sdm("y ~ x", data, w, entity="id", time="year", fixed_effects="twoway", bias_correction=bc,
                         dynamic="both")
            ci = res.conf_int()
            rows += [(bc, k, res.params[k], ci.loc[k, "lower"] <= v <= ci.loc[k, "upper"]) for k, v in TRUE.items()]
    out = pd.DataFrame(rows, columns=["bias_correction", "parameter", "estimate", "covered"])
    table = out.groupby(["bias_correction", "parameter"]).agg(mean=("estimate", "mean"), sd=("estimate", "std"),
                                                              coverage=("covered", "mean"))
    table["bias"] = table["mean"] - table.index.get_level_values("parameter").map(TRUE)
    return table


@pytest.mark.slow
def test_bias_correction_removes_nickell_bias(province_w):
    with threadpool_limits(1):  # tiny dense algebra: BLAS threads only add overhead
        table = study(province_w)
    print(table.round(4).to_string())
    band = 2 * np.sqrt(0.95 * 0.05 / REPS)
    for p in ("tau", "rho"):
        corrected, uncorrected = table.loc[("lee-yu", p)], table.loc[("none", p)]
        assert abs(corrected["bias"]) < 0.02, (p, corrected["bias"])
        assert abs(corrected["bias"]) < 0.5 * abs(uncorrected["bias"]), (p, corrected["bias"], uncorrected["bias"])
        assert 0.93 - band <= corrected["coverage"] <= 0.97 + band, (p, corrected["coverage"])
