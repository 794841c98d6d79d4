"""Random effects against a plain-R ML fit, LR tests of fixed effects, panel bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.errors import IdError, PanelError

FORMULA = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"


@pytest.mark.parametrize("model", ["SAR", "SEM"])
def test_random_effects_match_r(produc, panel_ref, model):
    data, w = produc
    r = panel_ref["random"][model]
    res = (si.sar if model == "SAR" else si.sem)(FORMULA, data, w, entity="state", time="year",
                                                fixed_effects="random")
    par = "rho" if model == "SAR" else "lambda"
    assert abs(res.params[par] - r[par]) < 1e-6
    for name, value in r["coefficients"].items():
        assert abs(res.params[name] / value - 1) < 1e-5
    # both sides use numerical Hessians for the random-effects model (R: numDeriv Richardson)
    for name, value in r["std_errors"].items():
        assert abs(res.bse[name] / value - 1) < 1e-3
    assert abs(res.bse[par] / r[f"{par}_se"] - 1) < 1e-3
    assert abs(res.llf - r["loglik"]) < 1e-6
    assert abs(res.extra["sigma2_mu"] / r["sigma2_mu"] - 1) < 1e-5
    assert 0 < res.extra["random-effect share"] < 1
    assert res.fixed_effects == "random" and "Intercept" in res.params


def test_fixed_effects_lr(produc, panel_ref):
    data, w = produc
    lr = si.fixed_effects_lr("SAR", FORMULA, data, w, entity="state", time="year")
    two = panel_ref["fixed"]["twoway"]["SAR"]["loglik"]
    ent = panel_ref["fixed"]["entity"]["SAR"]["loglik"]
    assert lr.loc["time effects", "statistic"] == pytest.approx(2 * (two - ent), abs=1e-5)
    assert lr.loc["time effects", "df"] == 16 and lr.loc["entity effects", "df"] == 47
    lower = si.fixed_effects_lr("sar", FORMULA, data, w, entity="state", time="year")
    assert lower["statistic"].tolist() == lr["statistic"].tolist()


def test_unknown_model_name_is_named(produc):
    data, w = produc
    with pytest.raises(si.SpatialInnoError, match="unknown model 'spatial'.*SDM"):
        si.fixed_effects_lr("spatial", FORMULA, data, w, entity="state", time="year")


def test_panel_rows_aligned_by_id_not_order(produc):
    data, w = produc
    a = si.sdm(FORMULA, data, w, entity="state", time="year", fixed_effects="twoway")
    b = si.sdm(FORMULA, data.sample(frac=1.0, random_state=3), w, entity="state", time="year",
               fixed_effects="twoway")
    assert np.allclose(a.params, b.params, rtol=1e-10)


def test_panel_bad_input(produc):
    data, w = produc
    kw = dict(entity="state", time="year")
    with pytest.raises(PanelError, match=r"lee-yu.*unbalanced panel.*bias_correction=.none."):
        si.sar(FORMULA, data[~((data.state == "ALABAMA") & (data.year == 1975))], w, **kw)
    with pytest.raises(PanelError, match="duplicated"):
        si.sar(FORMULA, pd.concat([data, data.iloc[:2]]), w, **kw)
    with pytest.raises(IdError, match="missing from the data"):
        si.sar(FORMULA, data[data.state != "ALABAMA"], w, **kw)
    extra = data.copy()
    extra.loc[extra.state == "ALABAMA", "state"] = "ATLANTIS"
    with pytest.raises(IdError, match="ATLANTIS"):
        si.sar(FORMULA, extra, w, **kw)
    const = data.assign(region_code=data.state.str.len())
    with pytest.raises(si.SpatialInnoError, match="region_code"):
        si.sar(FORMULA + " + region_code", const, w, fixed_effects="entity", **kw)
    wb = w.normalize("none")
    with pytest.raises(si.SpatialInnoError, match="row-normalised"):
        si.sar(FORMULA, data, wb, fixed_effects="twoway", **kw)
    before = data.copy()
    si.sdm(FORMULA, data, w, fixed_effects="twoway", **kw)
    pd.testing.assert_frame_equal(before, data)


def test_panel_effects_use_the_n_by_n_w(produc):
    data, w = produc
    res = si.sdm(FORMULA, data, w, entity="state", time="year", fixed_effects="twoway")
    W = w.sparse.toarray()
    b, t = res.params["np.log(emp)"], res.params["W_np.log(emp)"]
    S = np.linalg.inv(np.eye(w.n) - res.rho * W) @ (b * np.eye(w.n) + t * W)
    imp = res.impacts(method="exact")
    assert abs(imp.loc[("np.log(emp)", "direct"), "estimate"] - np.trace(S) / w.n) < 1e-12
    assert abs(imp.loc[("np.log(emp)", "total"), "estimate"] - S.sum() / w.n) < 1e-12
    s = res.spillover_from("OHIO", "np.log(emp)")
    assert np.allclose(s.to_numpy(), S[:, list(w.ids).index("OHIO")], atol=1e-12)
