"""Monte Carlo of the dynamic spatial panel estimators (issue 14; slow marker, fixed seed).

31-province map (queen contiguity, the island linked to its nearest province, row-normalised), two-way fixed
effects, T = 15 periods (the first is the initial condition, 14 enter), SDM
y_t = 0.3 y_{t-1} + 0.3 W y_t - 0.1 W y_{t-1} + x_t + 0.5 W x_t + mu + xi_t + e_t (tests/models/dynamic_dgp.py),
300 replications. Checks: the bias-corrected (Lee-Yu / Yu-de Jong-Lee) estimator's bias of tau and rho is within
0.02 and under half the uncorrected one; coverage of its 95% intervals for tau and rho lies in [93%, 97%] widened
by two binomial standard errors of a 300-replication share (sqrt(0.95 0.05 / 300) = 1.26 points).

What the coverage of the Lee-Yu intervals is (tests/reference/dynamic/coverage_study.py, 2 x 3000 replications
of this design, seeds 20240614 and 777; its .md has the tables): tau 93.75% (+- 0.31), rho 93.63% (+- 0.32),
eta 94.42%, b 94.73%, theta 94.70%; uncorrected tau 68.95%, rho 73.73%. The standard errors equal the dense
Sigma^-1 of Yu, de Jong & Lee (2008) / Lee & Yu (2010) at the corrected estimates (2e-16); the shortfall is
finite-sample: the Monte Carlo sd of tau is 4.9% above the root-mean-square SE (0.0379 vs 0.0361). Of that,
1.4% is the plug-in (SE at the true parameters: 0.0366; the corrected sigma2 is still 2.2% low) and the rest the
O(1/T) Jacobian of the correction map (d tau_1 / d tau_hat = 1.063; sd of tau_hat 0.0362 = the asymptotic SE),
which the asymptotic variance omits; the delta method over the correction gives 95.35%. For rho the sd is 4.2%
above the SE at the true values too (Jacobian 1.001): the usual finite-sample spread of the spatial parameter.
The first 300 replications of seed 20240614, used here, cover tau in 92.33%, 1.0 binomial standard error below
the 93.75% of the long runs.
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
            rows += [(bc, k, res.params[k], res.bse[k], ci.loc[k, "lower"] <= v <= ci.loc[k, "upper"])
                     for k, v in TRUE.items()]
    out = pd.DataFrame(rows, columns=["bias_correction", "parameter", "estimate", "se", "covered"])
    out["se2"] = out["se"] ** 2
    table = out.groupby(["bias_correction", "parameter"]).agg(mean=("estimate", "mean"), sd=("estimate", "std"),
                                                              se2=("se2", "mean"), coverage=("covered", "mean"))
    table["bias"] = table["mean"] - table.index.get_level_values("parameter").map(TRUE)
    table["rms_se"] = np.sqrt(table.pop("se2"))
    table["sd/se"] = table["sd"] / table["rms_se"]
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
