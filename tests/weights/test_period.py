"""Time-varying weights: PeriodWeights and economic distance by period against a dense brute force."""

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.errors import DataError, IdError, PeriodWeightsError, SpatialInnoError
from spatialinno.weights import PeriodWeights, by_period, economic_distance, economic_distance_by_period


def brute_force(values: dict) -> np.ndarray:
    """Dense 1/|v_i - v_j| (i != j), each row divided by its sum, regions in the order of ``values``."""
    v = list(values.values())
    n = len(v)
    w = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                w[i, j] = 1.0 / abs(v[i] - v[j])
    for i in range(n):
        w[i] /= w[i].sum()
    return w


@pytest.fixture(scope="module")
def panel_series():
    """Unbalanced panel of GDP per capita: 2011 lacks region 130000, 2012 adds nothing new."""
    demo = si.datasets.load_demo_panel()
    demo = demo[demo["year"].between(2010, 2012)]
    demo = demo[~((demo["year"] == 2011) & (demo["code"] == 130000))]
    return demo.sample(frac=1.0, random_state=3).set_index(["code", "year"])["pgdp"]


def test_each_period_equals_dense_brute_force(panel_series):
    pw = economic_distance(panel_series, by_period=True)
    assert isinstance(pw, PeriodWeights) and list(pw) == [2010, 2011, 2012] and len(pw) == 3
    for year in pw.periods:
        sub = panel_series.xs(year, level="year")
        w = pw[year]
        assert set(w.ids) == set(sub.index)
        expected = brute_force({i: sub[i] for i in w.ids})  # in the weights' id order: alignment by id
        np.testing.assert_allclose(w.sparse.toarray(), expected, rtol=0, atol=1e-12)
    assert pw[2011].n == 30 and 130000 not in set(pw[2011].ids)
    assert pw.n_by_period.to_dict() == {2010: 31, 2011: 30, 2012: 31}
    assert set(pw.ids) == set(panel_series.index.get_level_values(0)) and pw.normalization == "row"
    assert pw == economic_distance_by_period(panel_series)


def test_other_normalisation_passes_through(panel_series):
    pw = economic_distance_by_period(panel_series, normalize="none")
    sub = panel_series.xs(2012, level="year")
    w = pw[2012]
    i, j = w.ids[0], w.ids[5]
    assert w.sparse[0, 5] == pytest.approx(1.0 / abs(sub[i] - sub[j]), rel=1e-14)
    assert pw.normalization == "none"


def test_economic_distance_errors():
    with pytest.raises(SpatialInnoError, match=r"indexed by \(id, period\)"):
        economic_distance(pd.Series([1.0, 2.0], index=["a", "b"]), by_period=True)
    idx = pd.MultiIndex.from_tuples([("a", 2010), ("b", 2010), ("a", 2011), ("b", 2011)], names=["id", "year"])
    with pytest.raises(DataError, match=r"\('b', 2011\)"):
        economic_distance(pd.Series([1.0, 2.0, 3.0, np.nan], index=idx), by_period=True)
    one = pd.MultiIndex.from_tuples([("a", 2010), ("b", 2010), ("a", 2011)])
    with pytest.raises(DataError, match=r"period 2011 has only 1 region \('a'\)"):
        economic_distance(pd.Series([1.0, 2.0, 3.0], index=one), by_period=True)
    dup = pd.MultiIndex.from_tuples([("a", 2010), ("a", 2010), ("b", 2010)])
    with pytest.raises(IdError, match=r"\('a', 2010\)"):
        economic_distance(pd.Series([1.0, 2.0, 3.0], index=dup), by_period=True)
    with pytest.raises(SpatialInnoError, match=r"period 2011: regions 'a' and 'b' have equal values"):
        economic_distance(pd.Series([1.0, 2.0, 3.0, 3.0], index=idx), by_period=True)


def test_by_period_validation_and_immutability():
    w_row = si.Weights(np.array([[0, 1], [1, 0]]), ["a", "b"])
    w_none = si.Weights(np.array([[0, 2, 1], [2, 0, 0], [1, 0, 0]]), ["a", "b", "c"], normalization="none")
    with pytest.raises(PeriodWeightsError, match=r"same normalization.*2010: row.*2011: none"):
        by_period({2010: w_row, 2011: w_none})
    with pytest.raises(PeriodWeightsError, match=r"not for periods 2011 \(ndarray\)"):
        by_period({2010: w_row, 2011: np.eye(2)})
    with pytest.raises(PeriodWeightsError, match="non-empty"):
        by_period({})
    pw = by_period({2011: w_none.normalize("row"), 2010: w_row})
    assert list(pw) == [2010, 2011] and list(pw.ids) == ["a", "b", "c"] and 2010 in pw and 2009 not in pw
    assert dict(pw.items())[2011] == w_none.normalize("row")
    with pytest.raises(PeriodWeightsError, match=r"no weights for period 2009; periods are 2010, 2011"):
        pw[2009]
    with pytest.raises(AttributeError):
        pw.periods = [1]
    with pytest.raises(AttributeError):
        pw.extra = 1
    source = {2010: w_row}
    pw2 = by_period(source)
    source[2011] = w_row
    assert len(pw2) == 1  # later changes to the caller's dict do not reach the object
    assert "PeriodWeights 2 periods (2010 .. 2011), 3 ids, row-normalised" in repr(pw)
