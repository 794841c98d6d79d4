"""gs2sls results: immutability, summary contents, effects against a dense brute-force computation, bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import spatialinno as si
from spatialinno.errors import IdentificationError, SpatialInnoError
from spatialinno.summary import Summary

ENDOG = "HOVAL ~ INC + [CRIME ~ DISCBD]"


@pytest.fixture(scope="module")
def sdm_fit(columbus_iv):
    data, w = columbus_iv
    return si.gs2sls(ENDOG, data, w, model="sdm", id="id", w_lags=2)


def test_results_are_immutable(sdm_fit):
    with pytest.raises(dataclasses.FrozenInstanceError):
        sdm_fit.sigma2 = 0.0
    with pytest.raises(AttributeError):
        sdm_fit.bse = None


def test_summary_states_what_was_estimated(columbus_iv):
    data, w = columbus_iv
    res = si.gs2sls(ENDOG, data, w, model="sarar", id="id", w_lags=2)
    s = res.summary()
    assert isinstance(s, Summary)
    text = str(s)
    assert "SARAR" in text and "e'e / 49" in text and "no standard error (NaN)" in text
    assert np.isnan(res.bse["lambda"]) and np.isfinite(res.bse["rho"])
    assert list(res.first_stage.index) == ["CRIME", "rho"]
    assert res.overid.index[0] == "Sargan"
    ci = res.conf_int()
    assert ci.loc["INC", "lower"] < res.params["INC"] < ci.loc["INC", "upper"]


def test_row_order_does_not_matter(columbus_iv):
    data, w = columbus_iv
    a = si.gs2sls(ENDOG, data, w, model="sar", id="id")
    b = si.gs2sls(ENDOG, data.sample(frac=1.0, random_state=3), w, model="sar", id="id")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12)


def test_impacts_against_dense_brute_force(sdm_fit):
    w = sdm_fit.weights
    W = w.sparse.toarray()
    n = w.n
    rho = sdm_fit.rho
    A = np.linalg.inv(np.eye(n) - rho * W)
    imp = sdm_fit.impacts(draws=500, seed=1)
    diffs = []
    for var, theta in (("INC", sdm_fit.params["W_INC"]), ("CRIME", 0.0)):
        S = A @ (sdm_fit.params[var] * np.eye(n) + theta * W)
        direct, total = np.trace(S) / n, S.sum() / n
        got = imp.loc[var, "estimate"]
        diffs += [abs(got["direct"] - direct), abs(got["total"] - total),
                  abs(got["indirect"] - (total - direct))]
    print(f"impacts vs dense brute force: max abs diff = {max(diffs):.2e}")
    assert max(diffs) < 1e-10
    assert (imp["std_error"] > 0).all()
    with pytest.raises(SpatialInnoError, match="unknown variables"):
        sdm_fit.impacts(variables=["nope"])


def test_impacts_need_rho(columbus_iv):
    data, w = columbus_iv
    res = si.gs2sls(ENDOG, data, w, model="sem", id="id", w_lags=0)
    with pytest.raises(SpatialInnoError, match="spatial lag of the outcome"):
        res.impacts()


def test_collinear_instrument(columbus_iv):
    data, w = columbus_iv
    df = data.assign(Z2=2.0 * data.INC + 1.0)
    with pytest.raises(IdentificationError, match="'Z2' are collinear with the exogenous regressors"):
        si.gs2sls("HOVAL ~ INC + [CRIME ~ Z2]", df, w, id="id")


def test_endogenous_without_instruments(columbus_iv):
    data, w = columbus_iv
    with pytest.raises(IdentificationError, match="'CRIME' have no excluded instruments"):
        si.gs2sls("HOVAL ~ INC + [CRIME ~ ]", data, w, id="id")


def test_fewer_instruments_than_endogenous(columbus_iv):
    data, w = columbus_iv
    with pytest.raises(IdentificationError, match="2 endogenous regressors .* only 1 excluded instruments"):
        si.gs2sls("HOVAL ~ [CRIME + INC ~ DISCBD]", data, w, id="id")


def test_system_order_condition(columbus_iv):
    data, w = columbus_iv
    # one exogenous variable for the whole system: H = [1, INC, W INC] (w_lags=1) has 3 columns for the
    # 4 regressors [1, other outcome, INC, rho] of each equation
    eqs = {"hoval": "HOVAL ~ CRIME + INC", "crime": "CRIME ~ HOVAL + INC"}
    with pytest.raises(IdentificationError, match="equation 'hoval'.*order condition fails"):
        si.gs3sls(eqs, data, w, id="id", w_lags=1)


def test_bad_model_and_options(columbus_iv, produc):
    data, w = columbus_iv
    with pytest.raises(SpatialInnoError, match="model must be one of"):
        si.gs2sls(ENDOG, data, w, model="sac", id="id")
    with pytest.raises(SpatialInnoError, match="w_lags must be"):
        si.gs2sls(ENDOG, data, w, model="sar", id="id", w_lags=0)
    with pytest.raises(SpatialInnoError, match="2 bracket terms"):
        si.gs2sls("HOVAL ~ [INC ~ DISCBD] + [CRIME ~ DISCBD]", data, w, id="id")
    pdata, pw = produc
    with pytest.raises(SpatialInnoError, match="fixed_effects 'entity' or 'none'"):
        si.gs2sls("np.log(gsp) ~ np.log(pcap) + unemp", pdata, pw, model="sem", entity="state", time="year",
                  fixed_effects="twoway")


def test_libpysal_weights_accepted(columbus_iv):
    data, w = columbus_iv
    a = si.gs2sls(ENDOG, data, w, model="sarar", id="id")
    b = si.gs2sls(ENDOG, data, w.to_W(), model="sarar", id="id")
    c = si.gs2sls(ENDOG, data, w.to_graph(), model="sarar", id="id")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9)  # W round-trips through libpysal to ~1e-17
    np.testing.assert_allclose(a.params, c.params, rtol=1e-9)  # W round-trips through libpysal to ~1e-17
    with pytest.raises(SpatialInnoError, match="libpysal Graph"):
        si.gs2sls(ENDOG, data, w.sparse, id="id")
