"""Dynamic spatial panels (Produc, 48 states, 1970-1986) against R (tests/reference/dynamic/make_reference.R).

- bias_correction="none": R spatialreg lagsarlm on explicit state/year dummies over 1971-1986 with y(t-1) and
  W y(t-1) as regressors (exact ML of the dummy-variable model): coefficients, rho, standard errors, sigma2 and
  log-likelihood to 1e-6 (absolute; R's optimiser tolerance is 1e-12 in rho).
- bias_correction="lee-yu": SDPDmod's algorithm (Yu, de Jong & Lee 2008; Lee & Yu 2010 F_N for time effects)
  re-implemented in the R script with an exact log-determinant and dense matrices: corrected coefficients, rho,
  sigma2 and information-matrix standard errors to 1e-6. Both sides are exact formulas (no grid, no series), so the
  only difference is the optimisers' stopping point in rho (~1e-8).
"""

from __future__ import annotations

import json

import pytest

import spatialinno as si

from ..conftest import REF
from .dynamic_reference_checks import assert_matches, case_id

REFERENCE = json.loads((REF / "dynamic" / "reference.json").read_text())
FORMULA = REFERENCE["meta"]["formula"]
EST = {"SAR": si.sar, "SDM": si.sdm}


def fit(produc, case, bias_correction):
    data, w = produc
    return EST[case["model"]](FORMULA, data, w, entity="state", time="year", fixed_effects=case["fixed_effects"],
                              bias_correction=bias_correction, dynamic=case["dynamic"])


@pytest.mark.parametrize("case", REFERENCE["none"], ids=case_id)
def test_uncorrected_equals_dummy_variable_ml(produc, case):
    res = fit(produc, case, "none")
    assert res.nobs == case["nobs"] == 48 * 16
    assert_matches(res, case)


@pytest.mark.parametrize("case", REFERENCE["lee_yu"], ids=case_id)
def test_bias_corrected_equals_sdpdmod_algorithm(produc, case):
    res = fit(produc, case, "lee-yu")
    assert_matches(res, case, sigma2_in_coefficients=True, llf=True)
    if case["fixed_effects"] != "time":  # the correction moved the estimates (Nickell bias of tau is negative)
        assert res.params["tau"] - case["uncorrected"]["tau"] > 0.01


def test_summary_states_initial_condition(produc):
    data, w = produc
    res = si.sdm(FORMULA, data, w, entity="state", time="year", fixed_effects="twoway", dynamic="both")
    text = str(res.summary())
    assert "1970" in text and "16 of 17" in text and "N(T-1) = 768" in text
    assert "Yu, de Jong & Lee (2008)" in text and res.title.startswith("SDM, dynamic")
    assert list(res.params.index[:2]) == ["tau", "eta"] and res.params.index[-1] == "rho"
    assert res.variables == ["np.log(pcap)", "np.log(pc)", "np.log(emp)", "unemp"]
    assert res.dynamic == "both" and res.nobs == 768 and res.T == 16
    with pytest.raises(AttributeError):
        res.stable = False
