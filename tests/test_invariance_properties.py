"""Property-based invariances (hypothesis) of every estimator and diagnostic on the 31-province weights.

- Row order: shuffling the rows of the data gives identical estimates (rows are aligned by id).
- Id relabelling: renaming the regions consistently in the data and in W gives identical estimates.
- Scale equivariance: y * c gives coefficients * c, the same rho/lambda and sigma2 * c^2; Moran's I,
  Geary's C, Getis-Ord G (c > 0) and the LM statistics do not change.
- Same seed, same numbers (effect simulation, permutation inference); the caller's data are never changed.

Examples are few (the properties are exact, a failure shows on any example) so the suite stays fast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spatialinno as si

F = "innov ~ agglom + pgdp"
ESTIMATORS = ["ols", "slx", "sar", "sem", "sdm", "sdem", "sac"]
LAYOUTS = ["cross-section", "twoway panel"]
FEW = settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def few(model: str) -> settings:
    """Hypothesis settings: SAC cross-sections take seconds per fit, so they get two examples."""
    return settings(FEW, max_examples=2 if model == "sac" else 3)


@pytest.fixture(scope="module")
def setup(province_w):
    panel = si.datasets.load_demo_panel()
    years = sorted(panel["year"].unique())[-4:]
    panel = panel[panel["year"].isin(years)].reset_index(drop=True)
    xs = panel[panel["year"] == years[-1]].reset_index(drop=True)
    return {"w": province_w, "cross-section": xs, "twoway panel": panel}


def kwargs(layout: str) -> dict:
    if layout == "cross-section":
        return {"id": "code"}
    return {"entity": "code", "time": "year", "fixed_effects": "twoway"}


def fit(model: str, layout: str, data: pd.DataFrame, w: si.Weights):
    return getattr(si, model)(F, data, w, **kwargs(layout))


def relabelled(w: si.Weights, data: pd.DataFrame, perm: list[int]) -> tuple[si.Weights, pd.DataFrame]:
    """Region i becomes region perm[i] (a different, consistent name) in W and in the data."""
    new = {old: f"region-{w.ids[p]}" for old, p in zip(w.ids, perm, strict=True)}
    w2 = si.Weights(w.raw, [new[i] for i in w.ids], normalization=w.normalization)
    return w2, data.assign(code=data["code"].map(new))


_BASE: dict = {}


def base(model, layout, setup):
    key = (model, layout)
    if key not in _BASE:
        _BASE[key] = fit(model, layout, setup[layout], setup["w"])
    return _BASE[key]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("model", ESTIMATORS)
def test_estimates_do_not_depend_on_row_order(setup, model, layout):
    ref = base(model, layout, setup)
    n = len(setup[layout])

    @few(model)
    @given(st.permutations(range(n)))
    def check(order):
        res = fit(model, layout, setup[layout].iloc[list(order)], setup["w"])
        pd.testing.assert_series_equal(res.params, ref.params, rtol=1e-9, atol=1e-12)
        assert res.llf == pytest.approx(ref.llf, rel=1e-10)

    check()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("model", ESTIMATORS)
def test_estimates_do_not_depend_on_id_labels(setup, model, layout):
    ref = base(model, layout, setup)

    @few(model)
    @given(st.permutations(range(setup["w"].n)))
    def check(perm):
        w2, data2 = relabelled(setup["w"], setup[layout], list(perm))
        res = fit(model, layout, data2, w2)
        pd.testing.assert_series_equal(res.params, ref.params, rtol=1e-8, atol=1e-10)
        assert res.sigma2 == pytest.approx(ref.sigma2, rel=1e-8)

    check()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("model", ESTIMATORS)
def test_estimates_are_scale_equivariant(setup, model, layout):
    ref = base(model, layout, setup)
    spatial = [p for p in ("rho", "lambda") if p in ref.params.index]
    coefs = [p for p in ref.params.index if p not in spatial]

    @few(model)
    @given(st.floats(min_value=0.01, max_value=100.0))
    def check(c):
        data = setup[layout].assign(innov=setup[layout]["innov"] * c)
        res = fit(model, layout, data, setup["w"])
        np.testing.assert_allclose(res.params[coefs], ref.params[coefs] * c, rtol=1e-5,
                                   atol=1e-7 * c * np.abs(ref.params[coefs]).max())
        np.testing.assert_allclose(res.params[spatial], ref.params[spatial], atol=1e-6)
        assert res.sigma2 == pytest.approx(ref.sigma2 * c ** 2, rel=1e-5)

    check()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("model", ESTIMATORS)
def test_fit_leaves_data_unchanged_and_impacts_repeat(setup, model, layout):
    data = setup[layout]
    before = data.copy(deep=True)
    res = fit(model, layout, data, setup["w"])
    pd.testing.assert_frame_equal(data, before)
    if model in ("ols", "sem"):
        return
    a = res.impacts(draws=200, seed=7)
    pd.testing.assert_frame_equal(a, res.impacts(draws=200, seed=7))
    assert not a["std_error"].equals(res.impacts(draws=200, seed=8)["std_error"])


# -- diagnostics -------------------------------------------------------------------------------------------------
STATS = {
    "moran": lambda y, w, seed=1: si.moran(y, w, permutations=99, seed=seed),
    "geary": lambda y, w, seed=1: si.geary(y, w, permutations=99, seed=seed),
    "getis_ord": lambda y, w, seed=1: si.getis_ord(y, w, permutations=99, seed=seed),
}
GLOBAL_FIELDS = {"moran": "I", "geary": "C", "getis_ord": "G"}


@pytest.fixture(scope="module")
def y(setup):
    return setup["cross-section"].set_index("code")["innov"]


@pytest.mark.parametrize("name", list(STATS))
def test_global_statistics_invariances(setup, y, name):
    w, stat, field = setup["w"], STATS[name], GLOBAL_FIELDS[name]
    ref = stat(y, w)
    before = y.copy()

    @FEW
    @given(st.permutations(range(len(y))), st.floats(min_value=0.01, max_value=100.0),
           st.permutations(range(w.n)))
    def check(order, c, perm):
        shuffled = stat(y.iloc[list(order)], w)
        assert getattr(shuffled, field) == pytest.approx(getattr(ref, field), rel=1e-12)
        assert getattr(stat(y * c, w), field) == pytest.approx(getattr(ref, field), rel=1e-9)
        w2, d2 = relabelled(w, y.reset_index(), list(perm))
        assert getattr(stat(d2.set_index("code")["innov"], w2), field) == pytest.approx(getattr(ref, field),
                                                                                          rel=1e-12)

    check()
    pd.testing.assert_series_equal(y, before)
    assert stat(y, w, seed=5).p_sim == stat(y, w, seed=5).p_sim
    np.testing.assert_array_equal(stat(y, w, seed=5).sims, stat(y, w, seed=5).sims)


def test_local_moran_invariances(setup, y):
    w = setup["w"]
    ref = si.local_moran(y, w, permutations=99, seed=3)
    before = y.copy()

    @FEW
    @given(st.permutations(range(len(y))), st.floats(min_value=0.01, max_value=100.0))
    def check(order, c):
        res = si.local_moran(y.iloc[list(order)], w, permutations=99, seed=3)
        np.testing.assert_allclose(res.loc[ref.index, "Ii"], ref["Ii"], rtol=1e-10)
        res = si.local_moran(y * c, w, permutations=99, seed=3)
        np.testing.assert_allclose(res["Ii"], ref["Ii"], rtol=1e-8, atol=1e-12)
        pd.testing.assert_frame_equal(res, si.local_moran(y * c, w, permutations=99, seed=3))

    check()
    pd.testing.assert_series_equal(y, before)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_lm_tests_invariances(setup, layout):
    data, w = setup[layout], setup["w"]
    ref = si.lm_tests(F, data, w, **kwargs(layout))
    before = data.copy(deep=True)

    @FEW
    @given(st.permutations(range(len(data))), st.floats(min_value=0.01, max_value=100.0))
    def check(order, c):
        res = si.lm_tests(F, data.iloc[list(order)], w, **kwargs(layout))
        pd.testing.assert_frame_equal(res, ref, rtol=1e-9)
        res = si.lm_tests(F, data.assign(innov=data["innov"] * c), w, **kwargs(layout))
        pd.testing.assert_frame_equal(res, ref, rtol=1e-6)

    check()
    pd.testing.assert_frame_equal(data, before)
