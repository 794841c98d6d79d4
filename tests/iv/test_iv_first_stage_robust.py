"""Heteroskedasticity-robust first-stage F (the Kleibergen-Paap rk Wald F for one endogenous regressor) and the
weak-instrument notes of gs2sls, checked against linearmodels' first-stage diagnostics on the same instrument
matrix (Columbus: HOVAL ~ INC + [CRIME ~ DISCBD], SAR with w_lags = 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si

linearmodels = pytest.importorskip("linearmodels")


def test_robust_first_stage_f_equals_linearmodels(columbus_iv):
    data, w = columbus_iv
    res = si.gs2sls("HOVAL ~ INC + [CRIME ~ DISCBD]", data, w, model="sar", id="id", robust=True)
    d = data.set_index("id").loc[w.ids]
    W = w.sparse
    X = d[["INC"]].to_numpy(float)
    Z = d[["DISCBD"]].to_numpy(float)
    XZ = np.column_stack([X, Z])
    excluded = np.column_stack([Z, W @ XZ, W @ (W @ XZ)])          # H = [1, X, Z, WX, WZ, W2X, W2Z]
    exog = pd.DataFrame({"const": 1.0, "INC": X[:, 0]}, index=d.index)
    endog = pd.DataFrame({"CRIME": d["CRIME"].to_numpy(float), "W_HOVAL": W @ d["HOVAL"].to_numpy(float)},
                         index=d.index)
    inst = pd.DataFrame(excluded, index=d.index, columns=[f"z{j}" for j in range(excluded.shape[1])])
    lm = linearmodels.IV2SLS(d["HOVAL"], exog, endog, inst).fit(cov_type="robust", debiased=False)
    diag = lm.first_stage.diagnostics
    q = excluded.shape[1]
    ours = res.first_stage["robust_F"].to_numpy() * q
    theirs = diag.loc[["CRIME", "W_HOVAL"], "f.stat"].to_numpy()
    print("robust Wald (ours, linearmodels):", ours, theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)
    # the classic partial F is unchanged by robust=True
    classic = si.gs2sls("HOVAL ~ INC + [CRIME ~ DISCBD]", data, w, model="sar", id="id").first_stage
    np.testing.assert_allclose(res.first_stage["partial_F"], classic["partial_F"], rtol=1e-12)


def test_weak_instruments_are_named_in_the_summary(columbus_iv):
    """Exactly the regressors whose first-stage F is below 10 are named in a weak-instrument note."""
    data, w = columbus_iv
    rng = np.random.default_rng(7)
    noise = data.assign(NOISE=rng.normal(size=len(data)))  # an instrument unrelated to CRIME
    for formula in ("HOVAL ~ INC + [CRIME ~ NOISE]", "HOVAL ~ INC + [CRIME ~ DISCBD]"):
        res = si.gs2sls(formula, noise, w, model="sar", id="id")
        fs = res.first_stage["partial_F"]
        weak = {name for name, f in fs.items() if f < 10}
        named = {name for name in fs.index if any(n.startswith("Weak") and f" {name} " in n for n in res.notes)}
        assert named == weak
        assert ("Weak instruments" in str(res.summary())) == bool(weak)
    assert si.gs2sls("HOVAL ~ INC + [CRIME ~ NOISE]", noise, w, model="sar", id="id").first_stage.loc[
        "CRIME", "partial_F"] < 10
