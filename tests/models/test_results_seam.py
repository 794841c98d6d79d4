"""The estimate / covariance / results seam: immutability, cov_type choices, SmallSample, Summary, model_matrix.

SmallSample is checked against two independent computations written here: the textbook dense SAR
information matrix (Anselin 1988, ch. 6) scaled by n/(n - p) with t(n - p) p-values, and spreg's OLS
(unbiased s2) for a model without spatial parameters.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import spreg
from scipy import stats

import spatialinno as si
from spatialinno.errors import SpatialInnoError
from spatialinno.models.covariance import (
    COV_TYPES,
    Covariance,
    CovarianceError,
    InformationCovariance,
    SmallSample,
    covariance_for,
)
from spatialinno.summary import Summary

XS = "CRIME ~ INC + HOVAL"
PANEL = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"


@pytest.fixture(scope="module")
def sar_xs(columbus):
    data, w = columbus
    return si.sar(XS, data, w, id="id")


@pytest.mark.parametrize("name", ["aic", "bic", "llf", "params", "bse", "pvalues", "zvalues", "sigma2", "rho",
                                  "cov_type", "covariance", "estimate", "weights", "resid", "fixed_effects",
                                  "not_an_attribute"])
def test_results_are_immutable(sar_xs, name):
    with pytest.raises(AttributeError):
        setattr(sar_xs, name, 0)


def test_cached_values_survive_access_and_assignment_attempts(sar_xs):
    before = sar_xs.bse.copy()
    with pytest.raises(AttributeError):
        sar_xs.bse = before * 2
    pd.testing.assert_series_equal(sar_xs.bse, before)
    assert sar_xs.aic == -2 * sar_xs.llf + 2 * sar_xs.df_model


def test_estimate_and_covariance_are_frozen(sar_xs):
    est = sar_xs.estimate
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.rho = 0.0
    with pytest.raises(ValueError):
        est.beta[0] = 1.0  # read-only array
    with pytest.raises(AttributeError):
        sar_xs.covariance.df = 3.0
    with pytest.raises(ValueError):
        sar_xs.covariance.matrix[0, 0] = 1.0


@pytest.mark.parametrize("model", ["SAR", "SEM", "SDM", "OLS"])
def test_cov_type_small_sample_equals_alias(columbus, model):
    data, w = columbus
    a = si.models.fit(model, XS, data, w, id="id", cov_type="small-sample")
    b = si.models.fit(model, XS, data, w, id="id", small_sample=True)
    assert a.cov_type == b.cov_type == "small-sample"
    assert np.array_equal(a.covariance.matrix, b.covariance.matrix)
    pd.testing.assert_series_equal(a.pvalues, b.pvalues, check_exact=True)
    assert a.df_resid == b.df_resid
    pd.testing.assert_frame_equal(a.impacts(draws=200), b.impacts(draws=200), check_exact=True)


def test_small_sample_is_idempotent(sar_xs):
    once = SmallSample(sar_xs.covariance)
    twice = SmallSample(once)
    assert twice == once
    assert twice.base is sar_xs.covariance
    assert np.array_equal(twice.matrix, once.matrix) and twice.df == once.df
    # the registry path gives the same matrix as wrapping the ML covariance
    via_registry = covariance_for("small-sample", sar_xs.estimate)
    assert np.array_equal(via_registry.matrix, once.matrix)


def test_small_sample_sar_against_dense_information_formula(columbus):
    """Anselin (1988) SAR information, written densely here, inverted, scaled by n/(n-p), t(n-p) p-values."""
    data, w = columbus
    res = si.sar(XS, data, w, id="id", cov_type="small-sample")
    d = data.set_index("id").loc[w.ids]
    X = np.column_stack([np.ones(w.n), d["INC"], d["HOVAL"]])
    y = d["CRIME"].to_numpy()
    W = w.sparse.toarray()
    n, k = X.shape
    rho, b, s2 = res.rho, res.params.to_numpy()[:k], res.sigma2
    G = W @ np.linalg.inv(np.eye(n) - rho * W)
    GXb = G @ X @ b
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = X.T @ X / s2
    info[:k, k] = info[k, :k] = X.T @ GXb / s2
    info[k, k] = np.trace(G @ G) + np.trace(G.T @ G) + GXb @ GXb / s2
    info[k, k + 1] = info[k + 1, k] = np.trace(G) / s2
    info[k + 1, k + 1] = n / (2 * s2 ** 2)
    p = k + 1
    cov = np.linalg.inv(info) * n / (n - p)
    bse = np.sqrt(np.diag(cov))[:p]
    assert np.max(np.abs(res.bse.to_numpy() / bse - 1)) < 1e-8
    assert res.sigma2_se == pytest.approx(np.sqrt(cov[-1, -1]), rel=1e-8)
    assert res.df_resid == n - p
    expected_p = 2 * stats.t(n - p).sf(np.abs(res.params.to_numpy() / bse))
    assert np.max(np.abs(res.pvalues.to_numpy() - expected_p)) < 1e-8
    # the ML fit of the same data: exactly the unscaled matrix
    ml = si.sar(XS, data, w, id="id")
    assert np.allclose(ml.covariance.matrix * n / (n - p), res.covariance.matrix, rtol=1e-12, atol=0)
    assert np.allclose(y - res.resid.to_numpy(), res.fitted.to_numpy())


def test_small_sample_leaves_ols_as_spreg_ols(columbus):
    """OLS already uses the unbiased s2 (as spreg's OLS): the small-sample option changes nothing."""
    data, w = columbus
    ml = si.ols(XS, data, w, id="id")
    ss = si.ols(XS, data, w, id="id", cov_type="small-sample")
    d = data.set_index("id").loc[w.ids]
    ref = spreg.OLS(d[["CRIME"]].to_numpy(), d[["INC", "HOVAL"]].to_numpy())
    assert np.max(np.abs(ml.bse.to_numpy() / ref.std_err - 1)) < 1e-10
    assert np.array_equal(ss.covariance.matrix, ml.covariance.matrix)
    assert ss.df_resid is None and ss.covariance.dist is stats.norm
    assert "no small-sample scaling" in ss.covariance.name


def test_unknown_and_conflicting_cov_type(columbus):
    data, w = columbus
    with pytest.raises(SpatialInnoError, match="unknown cov_type 'robust'.*'information'.*'small-sample'"):
        si.sar(XS, data, w, id="id", cov_type="robust")
    with pytest.raises(CovarianceError, match="small_sample=True.*contradicts"):
        si.sar(XS, data, w, id="id", cov_type="information", small_sample=True)


def test_registry_is_the_seam(columbus, monkeypatch):
    """A new covariance is one registered class; estimators and results pick it up unchanged."""

    class Doubled(Covariance):
        cov_type = "doubled-se"
        label = "information matrix times four"

        @classmethod
        def for_estimate(cls, estimate, base=None):
            return cls(estimate, InformationCovariance.for_estimate(estimate, base).matrix * 4.0)

    monkeypatch.setitem(COV_TYPES, Doubled.cov_type, Doubled)
    data, w = columbus
    res = si.sar(XS, data, w, id="id", cov_type="doubled-se")
    ml = si.sar(XS, data, w, id="id")
    assert res.cov_type == "doubled-se"
    assert np.allclose(res.bse, 2 * ml.bse, rtol=1e-12, atol=0)
    assert "information matrix times four" in str(res.summary())


def test_summary_object(sar_xs):
    s = sar_xs.summary()
    assert isinstance(s, Summary)
    text = str(s)
    assert "SAR" in text and sar_xs.covariance.name in text and "cross-section" in s.title
    html = s._repr_html_()
    assert html.startswith("<div") and "<table" in html and "rho" in html
    pd.testing.assert_frame_equal(s.tables[0], sar_xs.coef_table())


def test_panel_summary_title_states_effects_and_correction(produc):
    data, w = produc
    res = si.sdm(PANEL, data, w, entity="state", time="year", fixed_effects="twoway")
    assert res.summary().title == "SDM, two-way fixed effects (Lee-Yu), estimated by maximum likelihood"
    assert res.tvalues is res.zvalues


def test_model_matrix_is_the_within_transformed_design(produc):
    data, w = produc
    res = si.sar(PANEL, data, w, entity="state", time="year", fixed_effects="twoway")
    mm = res.model_matrix()
    assert list(mm.columns) == [c for c in res.params.index if c not in ("rho", "lambda")]
    assert mm.index.equals(res.resid.index)
    # two-way within transformation: every entity mean and every period mean is zero
    assert np.abs(mm.groupby(level="entity").mean().to_numpy()).max() < 1e-10
    assert np.abs(mm.groupby(level="time").mean().to_numpy()).max() < 1e-10
    # independent: demean the raw regressors of the data by hand
    d = data.set_index(["state", "year"]).sort_index()
    x = np.log(d["pcap"])
    within = x - x.groupby(level="state").transform("mean") - x.groupby(level="year").transform("mean") + x.mean()
    got = mm["np.log(pcap)"]
    got.index = got.index.set_names(["state", "year"])
    assert np.abs(got.sort_index().to_numpy() - within.to_numpy()).max() < 1e-10


def test_random_effects_small_sample_degrees_of_freedom(produc):
    data, w = produc
    res = si.sar(PANEL, data, w, entity="state", time="year", fixed_effects="random", cov_type="small-sample")
    ml = si.sar(PANEL, data, w, entity="state", time="year", fixed_effects="random")
    n, p = res.nobs, len(res.params)
    assert res.df_resid == n - p
    assert np.allclose(res.covariance.matrix, ml.covariance.matrix * n / (n - p), rtol=1e-12, atol=0)
    assert "numerical Hessian" in ml.covariance.name
    assert ml.df_model == len(ml.params) + 2  # sigma2 and phi


@pytest.mark.parametrize("model", ["OLS", "SLX"])
def test_elhorst_two_way_without_spatial_parameter_is_a_named_error(produc, model):
    """Used to fail with a TypeError deep in the log-determinant (the sigma2 slot was taken for rho)."""
    data, w = produc
    with pytest.raises(SpatialInnoError, match="Elhorst's two-way correction.*lee-yu"):
        si.models.fit(model, PANEL, data, w, entity="state", time="year", fixed_effects="twoway",
                      bias_correction="elhorst")
