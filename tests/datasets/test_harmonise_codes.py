"""harmonise_codes on hand-made panels whose harmonised form is written out by hand."""

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.errors import DataError, IdError, MergedCodeError, SplitCodeError

harmonise = si.datasets.harmonise_codes


def test_recodes_forward_and_chained():
    panel = pd.DataFrame({"code": [522400, 522400, 520500, 460004, 652100, 110100],
                          "year": [2009, 2010, 2012, 2000, 2014, 2010], "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    out = harmonise(panel, "code", "year", 2020)
    # Bijie region -> Bijie city; Qiongshan 460004 -> 469004 (2001) -> Haikou (2002); Turpan; Beijing untouched
    assert out["code"].tolist() == [520500, 520500, 520500, 460100, 650400, 110100]
    assert out["x"].tolist() == panel["x"].tolist() and out["code"].dtype == np.int64


def test_to_year_before_the_change_keeps_the_old_code():
    panel = pd.DataFrame({"code": [652100, 652100], "year": [2010, 2014], "x": [1.0, 2.0]})
    assert harmonise(panel, "code", "year", 2014)["code"].tolist() == [652100, 652100]
    assert harmonise(panel, "code", "year", 2015)["code"].tolist() == [650400, 650400]


def test_stale_old_code_after_the_change_is_mapped():
    """A yearbook that still writes 522400 for 2011 (Bijie became a city in Oct 2011)."""
    panel = pd.DataFrame({"code": [522400], "year": [2011], "x": [1.0]})
    assert harmonise(panel, "code", "year", 2020)["code"].tolist() == [520500]


def test_caller_frame_untouched_and_string_codes():
    panel = pd.DataFrame({"code": ["522400", "520100"], "year": [2010, 2010], "x": [1.0, 2.0]}, index=[7, 3])
    before = panel.copy()
    out = harmonise(panel, "code", "year", 2020)
    pd.testing.assert_frame_equal(panel, before)
    assert out["code"].tolist() == [520500, 520100] and list(out.index) == [0, 1]


def test_split_unit_raises_naming_code_and_years():
    panel = pd.DataFrame({"code": [341400, 340100], "year": [2010, 2010], "gdp": [1.0, 2.0]})
    with pytest.raises(SplitCodeError, match=r"341400.*2011.*340100, 340200, 340500.*2010.*split=\{341400"):
        harmonise(panel, "code", "year", 2020)


def test_split_rule_assigns_then_aggregation_is_required():
    panel = pd.DataFrame({"code": [341400, 340100, 340200], "year": [2010, 2010, 2010],
                          "gdp": [1.0, 2.0, 4.0], "pop": [1.0, 3.0, 2.0], "pgdp": [1.0, 2.0 / 3.0, 2.0]})
    with pytest.raises(MergedCodeError, match=r"\(340100, 2010\) from 340100\+341400.*aggregate="):
        harmonise(panel, "code", "year", 2020, split={341400: 340100})
    out = harmonise(panel, "code", "year", 2020, split={341400: 340100},
                    aggregate={"gdp": "sum", "pop": "sum", "pgdp": ("mean", "pop")})
    expected = pd.DataFrame({"code": [340100, 340200], "year": [2010, 2010], "gdp": [3.0, 4.0], "pop": [4.0, 2.0],
                             "pgdp": [(1.0 * 1.0 + 2.0 / 3.0 * 3.0) / 4.0, 2.0]})
    pd.testing.assert_frame_equal(out, expected)


def test_split_rule_none_drops_the_rows():
    panel = pd.DataFrame({"code": [341400, 341400, 340100], "year": [2009, 2010, 2010], "gdp": [1.0, 2.0, 3.0]})
    out = harmonise(panel, "code", "year", 2020, split={341400: None})
    assert out.to_dict("list") == {"code": [340100], "year": [2010], "gdp": [3.0]}


def test_merged_unit_needs_an_aggregation_rule_for_every_column():
    panel = pd.DataFrame({"code": [371200, 370100, 371200, 370100, 370100], "year": [2017, 2017, 2018, 2018, 2019],
                          "gdp": [1.0, 10.0, 2.0, 20.0, 33.0], "rate": [0.1, 0.3, np.nan, 0.2, 0.25]})
    with pytest.raises(MergedCodeError, match=r"2 \(code, year\) pairs.*\(370100, 2017\) from 370100\+371200"):
        harmonise(panel, "code", "year", 2020)
    with pytest.raises(DataError, match="missing for 'rate'"):
        harmonise(panel, "code", "year", 2020, aggregate={"gdp": "sum"})
    with pytest.raises(DataError, match="not understood"):
        harmonise(panel, "code", "year", 2020, aggregate={"gdp": "sum", "rate": "median"})
    out = harmonise(panel, "code", "year", 2020, aggregate={"gdp": "sum", "rate": "mean"})
    assert out["code"].tolist() == [370100, 370100, 370100] and out["year"].tolist() == [2017, 2018, 2019]
    assert out["gdp"].tolist() == [11.0, 22.0, 33.0]
    assert out["rate"].iloc[0] == pytest.approx(0.2) and np.isnan(out["rate"].iloc[1]) and out["rate"].iloc[2] == 0.25


def test_backward_recode_and_merged_unit_going_back():
    panel = pd.DataFrame({"code": [520500, 370100, 460400], "year": [2015, 2020, 2016], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(SplitCodeError, match=r"370100 in year 2020 includes 371200 \(merged in 2019\)"):
        harmonise(panel, "code", "year", 2010)
    out = harmonise(panel, "code", "year", 2010, split={370100: 370100})
    assert out["code"].tolist() == [522400, 370100, 469003]


def test_successor_of_a_split_going_back():
    panel = pd.DataFrame({"code": [451400], "year": [2005], "x": [1.0]})
    with pytest.raises(SplitCodeError, match=r"451400 in year 2005 holds part of 452100 \(dissolved/split in 2003\)"):
        harmonise(panel, "code", "year", 2000)


def test_created_unit_has_no_code_before_its_creation():
    panel = pd.DataFrame({"code": [640500], "year": [2010], "x": [1.0]})
    with pytest.raises(SplitCodeError, match="640500 in year 2010 did not exist before 2004"):
        harmonise(panel, "code", "year", 2002)
    assert harmonise(panel, "code", "year", 2002, split={640500: 640300})["code"].tolist() == [640300]


def test_bad_input():
    panel = pd.DataFrame({"code": [522400, None], "year": [2010, 2011], "x": [1.0, 2.0]})
    with pytest.raises(IdError, match=r"\(nan, 2011\)"):
        harmonise(panel, "code", "year", 2020)
    with pytest.raises(DataError, match="'city'"):
        harmonise(panel, "city", "year", 2020)
