"""Lee-Yu corrected estimates and standard errors of the dynamic SDM against a dense textbook computation.

On a simulated panel on the 31-province map (the Monte Carlo design of test_dynamic_montecarlo.py, T = 15 so
T' = 14 periods enter) the corrected estimates and the standard errors, sigma2's included, must equal the dense
formulas of tests/models/dynamic_textbook.py (Yu, de Jong & Lee 2008; Lee & Yu 2010): Sigma^-1 evaluated at the
corrected estimates with the corrected sigma2, over n = N - 1 units after F_N (two-way) or n = N (entity effects)
and T - 1 within-demeaned periods, with the lagged-outcome cross terms and the trace terms over W*. Negative
controls: the same Sigma with the uncorrected sigma2, with n = N instead of N - 1 (two-way), or with T instead of
T - 1 periods gives standard errors that differ, so the comparison can tell these choices apart.
"""

from __future__ import annotations

import numpy as np
import pytest

import spatialinno as si

from .dynamic_dgp import simulate_dynamic
from .dynamic_textbook import TextbookDynamicSDM

NAMES = ["tau", "eta", "x", "W_x", "rho"]


@pytest.fixture(scope="module")
def panel(province_w):
    return simulate_dynamic(province_w, 15, np.random.default_rng(20240614), tau=0.3, eta=-0.1, rho=0.3)


@pytest.mark.parametrize("effects", ["twoway", "entity"])
def test_corrected_fit_equals_textbook(province_w, panel, effects):
    res = si.sdm("y ~ x", panel, province_w, entity="id", time="year", fixed_effects=effects,
                 bias_correction="lee-yu", dynamic="both")
    tb = TextbookDynamicSDM(panel, province_w.ids, province_w.sparse.toarray(), effects)
    assert (tb.n, tb.T) == ((30 if effects == "twoway" else 31), 14)
    th1 = np.array([res.params[k] for k in NAMES] + [res.sigma2])
    expected = tb.corrected(tb.uncorrected())
    assert np.max(np.abs(th1 - expected)) < 1e-6, (th1, expected)  # optimisers' stopping points in rho
    se = np.sqrt(np.diag(np.linalg.inv(tb.sigma(th1))))
    got = np.append(res.bse[NAMES].to_numpy(), res.sigma2_se)
    assert np.max(np.abs(got - se)) < 1e-10, (got, se)
    # negative controls: each alternative choice moves the standard errors by far more than the tolerance
    th_unc_s2 = th1.copy()
    th_unc_s2[5] = tb.uncorrected()[5]
    alternatives = [tb.sigma(th_unc_s2), tb.sigma(th1, periods=15)]
    if effects == "twoway":
        alternatives.append(tb.sigma(th1, units=31))
    for alt in alternatives:
        alt_se = np.sqrt(np.diag(np.linalg.inv(alt)))
        assert np.max(np.abs(alt_se - got)) > 1e-4, (alt_se, got)
