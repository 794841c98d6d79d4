"""gs2sls against linearmodels/statsmodels (fixture tests/reference/iv/linearmodels_reference.json, written by
make_linearmodels_reference.py from instrument matrices, lags and fixed-effect dummies that script builds itself).

The package's alignment, lagging and within transformation are thereby checked against a dummy-variable 2SLS
that shares none of that code. Produc rows are shuffled first: alignment must be by (entity, time).
"""

from __future__ import annotations

import numpy as np
import pytest

import spatialinno as si


@pytest.mark.parametrize("fe", ["entity", "time", "twoway"])
def test_fe_panel_sar_against_dummy_variable_iv2sls(produc, lm_ref, fe):
    data, w = produc
    df = data.assign(lgsp=np.log(data.gsp), lpcap=np.log(data.pcap), lpc=np.log(data.pc), lemp=np.log(data.emp))
    df = df.sample(frac=1.0, random_state=7).reset_index(drop=True)
    res = si.gs2sls("lgsp ~ lpcap + lpc + [lemp ~ unemp]", df, w, model="sar", entity="state", time="year",
                    fixed_effects=fe, w_lags=2)
    ref = lm_ref["panel_sar"][fe]
    n, absorbed = ref["n"], ref["absorbed"]
    # linearmodels (debiased=False) divides e'e by n; gs2sls by n - absorbed fixed effects (stated in the summary)
    se = np.array(ref["se_unadjusted_n"]) * np.sqrt(n / (n - absorbed))
    db = np.abs(res.params.to_numpy() - ref["params"]).max()
    dse = np.abs(res.bse.to_numpy() - se).max()
    print(f"FE panel ({fe}) vs dummy-variable IV2SLS: max|d coef| = {db:.2e}, max|d se| = {dse:.2e}")
    assert list(res.params.index) == ref["names"]
    assert db < 1e-6 and dse < 1e-6
    assert res.sigma2 == pytest.approx(ref["ssr"] / (n - absorbed), rel=1e-9)
    assert f"e'e / {n - absorbed}" in str(res.summary())
    # Sargan e'P_H e / s2: linearmodels' s2 = e'e/n, ours e'e/(n - absorbed)
    sargan, df = ref["sargan_n"]
    assert res.overid.loc["Sargan", "df"] == df
    assert res.overid.loc["Sargan", "statistic"] == pytest.approx(sargan * (n - absorbed) / n, abs=1e-6)


def test_first_stage_against_statsmodels(baltimore_iv, lm_ref):
    data, w = baltimore_iv
    res = si.gs2sls("PRICE ~ NROOM + [AGE ~ SQFT + LOTSZ]", data, w, model="sar", id="id", w_lags=2)
    diffs = []
    for name, ref in lm_ref["baltimore_sar"]["first_stage"].items():
        row = res.first_stage.loc[name]
        diffs += [abs(row[c] - ref[c]) for c in ("partial_F", "partial_R2", "p_value")]
        assert row.df_num == ref["df_num"]
    print(f"first stage vs statsmodels: max abs diff = {max(diffs):.2e}")
    assert max(diffs) < 1e-6


def test_sargan_hansen_white_against_linearmodels(baltimore_iv, lm_ref):
    data, w = baltimore_iv
    ref = lm_ref["baltimore_sar"]
    res = si.gs2sls("PRICE ~ NROOM + [AGE ~ SQFT + LOTSZ]", data, w, model="sar", id="id", w_lags=2)
    rob = si.gs2sls("PRICE ~ NROOM + [AGE ~ SQFT + LOTSZ]", data, w, model="sar", id="id", w_lags=2, robust=True)
    d_s = np.abs(res.overid.loc["Sargan"].to_numpy() - ref["sargan"]).max()
    d_j = np.abs(rob.overid.loc["Hansen J"].to_numpy() - ref["hansen_j"]).max()
    d_w = np.abs(rob.bse.to_numpy() - ref["white_se"]).max()
    print(f"Sargan vs linearmodels: {d_s:.2e}; Hansen J vs linearmodels IVGMM: {d_j:.2e}; White SE: {d_w:.2e}")
    assert d_s < 1e-6 and d_j < 1e-6 and d_w < 1e-6
    assert rob.overid is not None and "Sargan" not in rob.overid.index
