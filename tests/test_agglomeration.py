"""Agglomeration indices against values computed by hand (written out below as fractions).

Toy table (one period), value = output:

    region   x    y   | total
    A       10   30   |  40
    B       30   30   |  60
    C       20   30   |  50
    nation  60   90   | 150      national shares: x 0.4, y 0.6

LQ_Ax = (10/40)/(60/150) = 0.25/0.4 = 5/8      LQ_Ay = (30/40)/(90/150) = 0.75/0.6 = 5/4
LQ_Bx = (30/60)/0.4      = 5/4                 LQ_By = (30/60)/0.6             = 5/6
LQ_Cx = (20/50)/0.4      = 1  (C's share of x equals the national share)   LQ_Cy = 1
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.agglomeration import coagglomeration, diversity, location_quotient, specialisation
from spatialinno.errors import DataError, IdError


@pytest.fixture
def toy() -> pd.DataFrame:
    return pd.DataFrame({"region": ["A", "A", "B", "B", "C", "C"], "industry": ["x", "y"] * 3,
                         "q": [10.0, 30.0, 30.0, 30.0, 20.0, 30.0]})


HAND_LQ = {("A", "x"): 5 / 8, ("A", "y"): 5 / 4, ("B", "x"): 5 / 4, ("B", "y"): 5 / 6, ("C", "x"): 1.0, ("C", "y"): 1.0}


def test_lq_hand_values(toy):
    lq = location_quotient(toy, "region", "industry", "q")
    assert isinstance(lq, pd.Series) and lq.name == "lq"
    assert list(lq.index.names) == ["region", "industry"]
    assert len(lq) == 6
    for key, val in HAND_LQ.items():
        assert lq[key] == pytest.approx(val, rel=1e-14)


def test_lq_exactly_one_when_regional_share_equals_national(toy):
    lq = location_quotient(toy, "region", "industry", "q")
    assert lq[("C", "x")] == 1.0
    assert lq[("C", "y")] == 1.0


def test_lq_with_total_rows():
    # A: x=10, y=30, all=50; B: x=30, y=30, all=80; C: x=20, y=30, all=70; nation all = 200
    d = pd.DataFrame({"r": list("AAABBBCCC"), "i": ["x", "y", "all"] * 3,
                      "q": [10, 30, 50, 30, 30, 80, 20, 30, 70]})
    lq = location_quotient(d, "r", "i", "q", total="all")
    assert "all" not in lq.index.get_level_values("i")
    hand = {("A", "x"): (10 / 50) / (60 / 200), ("A", "y"): (30 / 50) / (90 / 200),
            ("B", "x"): (30 / 80) / (60 / 200), ("B", "y"): (30 / 80) / (90 / 200),
            ("C", "x"): (20 / 70) / (60 / 200), ("C", "y"): (30 / 70) / (90 / 200)}
    assert hand[("A", "x")] == pytest.approx(2 / 3)
    for key, val in hand.items():
        assert lq[key] == pytest.approx(val, rel=1e-14)


def test_lq_by_period_uses_period_totals(toy):
    p2 = toy.assign(q=[10.0, 10.0, 10.0, 30.0, 40.0, 0.0])  # period 2: x 60, y 40, total 100
    d = pd.concat([toy.assign(t=2019), p2.assign(t=2020)], ignore_index=True)
    lq = location_quotient(d, "region", "industry", "q", period="t")
    assert list(lq.index.names) == ["region", "t", "industry"]
    for (r, i), v in HAND_LQ.items():
        assert lq[(r, 2019, i)] == pytest.approx(v, rel=1e-14)
    # 2020: A (10/20)/(60/100) = 5/6; B x (10/40)/0.6 = 5/12; C x (40/40)/0.6 = 5/3; C y 0
    assert lq[("A", 2020, "x")] == pytest.approx(5 / 6)
    assert lq[("B", 2020, "x")] == pytest.approx(5 / 12)
    assert lq[("C", 2020, "x")] == pytest.approx(5 / 3)
    assert lq[("C", 2020, "y")] == 0.0


def test_lq_row_order_irrelevant_and_input_unchanged(toy):
    before = toy.copy(deep=True)
    shuffled = toy.sample(frac=1.0, random_state=3)
    a = location_quotient(toy, "region", "industry", "q")
    pd.testing.assert_frame_equal(toy, before)
    b = location_quotient(shuffled, "region", "industry", "q")
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index())


def test_synergy_hand_values(toy):
    lq = location_quotient(toy, "region", "industry", "q")
    c = coagglomeration(lq.xs("x", level="industry"), lq.xs("y", level="industry"))
    assert c.name == "coagg"
    # A: 1 - |5/8 - 5/4| / (15/8) + 15/8 = 1 - 1/3 + 15/8 = 61/24
    # B: 1 - (5/12)/(25/12) + 25/12 = 4/5 + 25/12 = 173/60
    # C: 1 - 0 + 2 = 3
    assert c["A"] == pytest.approx(61 / 24, rel=1e-14)
    assert c["B"] == pytest.approx(173 / 60, rel=1e-14)
    assert c["C"] == pytest.approx(3.0, rel=1e-14)
    # the industry level kept by drop_level=False is dropped before alignment
    c2 = coagglomeration(lq.xs("x", level="industry", drop_level=False), lq.xs("y", level="industry", drop_level=False))
    pd.testing.assert_series_equal(c, c2)


def test_synergy_aligns_by_index_not_position():
    a = pd.Series({"p": 1.0, "q": 2.0})
    b = pd.Series({"q": 2.0, "p": 3.0})  # other order
    c = coagglomeration(a, b)
    assert c["p"] == pytest.approx(1 - 2 / 4 + 4)  # 4.5
    assert c["q"] == pytest.approx(5.0)
    assert list(c.index) == ["p", "q"]


def test_synergy_id_mismatch_raises():
    a = pd.Series({"p": 1.0, "q": 2.0})
    b = pd.Series({"p": 1.0, "r": 2.0})
    with pytest.raises(IdError, match=r"'q'.*'r'|'r'.*'q'"):
        coagglomeration(a, b)


def test_synergy_bad_values():
    with pytest.raises(DataError, match="'q'"):
        coagglomeration(pd.Series({"p": 1.0, "q": np.nan}), pd.Series({"p": 1.0, "q": 1.0}))
    with pytest.raises(DataError, match="negative"):
        coagglomeration(pd.Series({"p": -1.0, "q": 1.0}), pd.Series({"p": 1.0, "q": 1.0}))
    with pytest.raises(DataError, match="both location quotients are zero"):
        coagglomeration(pd.Series({"p": 0.0, "q": 1.0}), pd.Series({"p": 0.0, "q": 1.0}))
    with pytest.raises(DataError, match="kind"):
        coagglomeration(pd.Series({"p": 1.0}), pd.Series({"p": 1.0}), kind="nope")


def test_ellison_glaeser_hand_value(toy):
    wide = toy.pivot(index="region", columns="industry", values="q")
    # shares: x-industry s1 = (1/6, 1/2, 1/3); y-industry s2 = (1/3, 1/3, 1/3); aggregate x = (4/15, 2/5, 1/3)
    # s1 - x = (-1/10, 1/10, 0); s2 - x = (1/15, -1/15, 0); sum of products = -2/150 = -1/75
    # 1 - sum x^2 = 1 - 77/225 = 148/225  ->  gamma_c = -(1/75) (225/148) = -3/148
    g = coagglomeration(wide["x"], wide["y"], kind="ellison_glaeser", aggregate=wide["x"] + wide["y"])
    assert g == pytest.approx(-3 / 148, rel=1e-12)
    # shares instead of levels give the same value
    g2 = coagglomeration(wide["x"] / 60, wide["y"] / 90, kind="ellison_glaeser",
                         aggregate=(wide["x"] + wide["y"]) / 150)
    assert g2 == pytest.approx(g, rel=1e-12)


def test_ellison_glaeser_by_period(toy):
    d = pd.concat([toy.assign(t=1), toy.assign(t=2)])
    wide = d.pivot_table(index=["region", "t"], columns="industry", values="q")
    g = coagglomeration(wide["x"], wide["y"], kind="ellison_glaeser", aggregate=wide.sum(axis=1), by="t")
    assert list(g.index) == [1, 2]
    assert g.to_numpy() == pytest.approx([-3 / 148, -3 / 148])
    with pytest.raises(DataError, match="aggregate"):
        coagglomeration(wide["x"], wide["y"], kind="ellison_glaeser")


def test_specialisation_and_diversity_hand_values(toy):
    s = specialisation(toy, "region", "industry", "q")
    # A: shares (1/4, 3/4); rest of country B+C: (50/110, 60/110) -> 2 |1/4 - 5/11| = 9/22
    # B: (1/2, 1/2); rest A+C: (30/90, 60/90) -> 2 |1/2 - 1/3| = 1/3;  C: rest A+B (40/100, 60/100) -> 0
    assert s.loc["A", "krugman"] == pytest.approx(9 / 22)
    assert s.loc["B", "krugman"] == pytest.approx(1 / 3)
    assert s.loc["C", "krugman"] == pytest.approx(0.0, abs=1e-15)
    assert s.loc["A", "herfindahl"] == pytest.approx(1 / 16 + 9 / 16)
    assert s.loc["C", "herfindahl"] == pytest.approx(0.16 + 0.36)
    nat = specialisation(toy, "region", "industry", "q", reference="national")
    assert nat.loc["A", "krugman"] == pytest.approx(2 * abs(0.25 - 0.4))
    dv = diversity(toy, "region", "industry", "q")
    assert dv.loc["A", "inverse_herfindahl"] == pytest.approx(1.6)
    assert dv.loc["B", "inverse_herfindahl"] == pytest.approx(2.0)
    assert dv.loc["A", "entropy"] == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)))
    assert dv.loc["B", "entropy"] == pytest.approx(math.log(2))


def test_diversity_zero_share_and_total_dropped():
    d = pd.DataFrame({"r": ["A"] * 3 + ["B"] * 3, "i": ["x", "y", "all"] * 2, "q": [0, 10, 10, 5, 5, 10]})
    dv = diversity(d, "r", "i", "q", total="all")
    assert dv.loc["A", "entropy"] == 0.0
    assert dv.loc["A", "inverse_herfindahl"] == 1.0
    assert dv.loc["B", "entropy"] == pytest.approx(math.log(2))


def test_specialisation_by_period(toy):
    d = pd.concat([toy.assign(t=1), toy.assign(t=2)], ignore_index=True)
    s = specialisation(d, "region", "industry", "q", period="t")
    assert list(s.index.names) == ["region", "t"]
    assert s.loc[("A", 2), "krugman"] == pytest.approx(9 / 22)


# ---- bad input ----------------------------------------------------------------------------------
def _panel():
    rows = [(r, t, i, 10.0 + k) for k, (r, t, i) in
            enumerate((r, t, i) for r in ("A", "B") for t in (2019, 2020) for i in ("x", "y"))]
    return pd.DataFrame(rows, columns=["region", "year", "industry", "q"])


@pytest.mark.parametrize("func", [location_quotient, specialisation, diversity])
def test_negative_value_named(func):
    d = _panel()
    d.loc[(d.region == "B") & (d.year == 2020) & (d.industry == "y"), "q"] = -1.0
    before = d.copy()
    with pytest.raises(DataError, match=r"negative.*region='B'.*year=2020.*industry='y'"):
        func(d, "region", "industry", "q", period="year")
    pd.testing.assert_frame_equal(d, before)


@pytest.mark.parametrize("func", [location_quotient, specialisation, diversity])
def test_nan_value_named(func):
    d = _panel()
    d.loc[(d.region == "A") & (d.year == 2019) & (d.industry == "x"), "q"] = np.nan
    with pytest.raises(DataError, match=r"missing.*region='A'.*year=2019.*industry='x'"):
        func(d, "region", "industry", "q", period="year")


def test_zero_region_total_named():
    d = _panel()
    d.loc[(d.region == "B") & (d.year == 2019), "q"] = 0.0
    with pytest.raises(DataError, match=r"zero.*region='B'.*year=2019"):
        location_quotient(d, "region", "industry", "q", period="year")
    with pytest.raises(DataError, match=r"zero.*region='B'.*year=2019"):
        diversity(d, "region", "industry", "q", period="year")


def test_zero_total_row_named():
    d = pd.DataFrame({"r": list("AAABBB"), "i": ["x", "y", "all"] * 2, "q": [0, 0, 0, 1, 1, 3]})
    with pytest.raises(DataError, match=r"zero total.*r='A'"):
        location_quotient(d, "r", "i", "q", total="all")


def test_missing_industry_for_region_period_named():
    d = _panel()
    d = d[~((d.region == "A") & (d.year == 2020) & (d.industry == "y"))]
    for func in (location_quotient, specialisation, diversity):
        with pytest.raises(IdError, match=r"missing.*region='A'.*year=2020.*industry='y'"):
            func(d, "region", "industry", "q", period="year")


def test_duplicated_rows_named():
    d = pd.concat([_panel(), _panel().iloc[[0]]], ignore_index=True)
    with pytest.raises(IdError, match=r"duplicated.*region='A'.*year=2019.*industry='x'"):
        location_quotient(d, "region", "industry", "q", period="year")


def test_industry_with_zero_national_total_named():
    d = _panel()
    d.loc[(d.industry == "y") & (d.year == 2020), "q"] = 0.0
    with pytest.raises(DataError, match=r"'y'.*zero national.*year=2020"):
        location_quotient(d, "region", "industry", "q", period="year")


def test_unknown_total_label_and_columns():
    d = _panel()
    with pytest.raises(IdError, match="total='all'"):
        location_quotient(d, "region", "industry", "q", total="all", period="year")
    with pytest.raises(DataError, match="'output'"):
        location_quotient(d, "region", "industry", "output")
    with pytest.raises(DataError, match="not numeric"):
        location_quotient(d.assign(q=d.q.astype(object).where(d.index != 2, "n/a")), "region", "industry", "q",
                          period="year")


def test_industry_exceeding_total_named():
    d = pd.DataFrame({"r": list("AAABBB"), "i": ["x", "y", "all"] * 2, "q": [5, 20, 10, 1, 1, 3]})
    with pytest.raises(DataError, match=r"r='A'.*i='y'.*exceeds"):
        location_quotient(d, "r", "i", "q", total="all")


def test_errors_are_spatialinno_errors():
    assert issubclass(DataError, si.SpatialInnoError) and issubclass(IdError, si.SpatialInnoError)
    assert issubclass(si.SpatialInnoError, ValueError)
