"""si.vif against statsmodels' variance_inflation_factor (tests/reference/diagnostics2/reference_py.json)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.errors import DataError, SpatialInnoError, SpatialInnoWarning

from .reference2 import DATA, PY_REF, columbus, report


@pytest.mark.parametrize("ds", ["columbus", "boston"])
def test_vif_matches_statsmodels(ds):
    ref = PY_REF["vif"][ds]
    data = columbus() if ds == "columbus" else pd.read_csv(DATA / "boston_data.csv").set_index("id")
    v = si.vif(ref["formula"], data)
    assert list(v.index) == list(ref["values"]) and v.name == "vif"
    report(f"vif {ds} vs statsmodels", v.to_numpy(), list(ref["values"].values()))


def test_vif_is_diagonal_of_inverse_correlation_matrix():
    """Independent closed form: VIF_j = [R^-1]_jj, R the correlation matrix of the regressors."""
    bo = pd.read_csv(DATA / "boston_data.csv").set_index("id")
    cols = ["CRIM", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "LSTAT"]
    v = si.vif(" + ".join(cols), bo)
    np.testing.assert_allclose(v.to_numpy(), np.diag(np.linalg.inv(np.corrcoef(bo[cols].to_numpy().T))), rtol=1e-10)


def test_vif_ignores_outcome_and_intercept_choice():
    co = columbus()
    a = si.vif("CRIME ~ INC + HOVAL + X", co)
    pd.testing.assert_series_equal(a, si.vif("~ INC + HOVAL + X", co))
    pd.testing.assert_series_equal(a, si.vif("INC + HOVAL + X - 1", co))  # intercept always in the auxiliaries


def test_perfect_collinearity_gives_inf_with_warning_and_others_unchanged():
    co = columbus().assign(SUM=lambda d: d["INC"] + 2 * d["HOVAL"], CONST=3.0)
    with pytest.warns(SpatialInnoWarning, match="SUM"):
        v = si.vif("~ INC + HOVAL + SUM + X + Y", co)
    assert np.isinf(v[["INC", "HOVAL", "SUM"]]).all()
    base = si.vif("~ INC + HOVAL + X + Y", co)  # span of the other regressors unchanged by SUM
    np.testing.assert_allclose(v[["X", "Y"]], base[["X", "Y"]], rtol=1e-9)
    with pytest.warns(SpatialInnoWarning, match="CONST"):
        v = si.vif("~ INC + CONST + X", co)
    assert np.isinf(v["CONST"]) and np.isfinite(v[["INC", "X"]]).all()


def test_vif_single_regressor_is_one():
    assert si.vif("~ INC", columbus()).tolist() == [1.0]


def test_vif_bad_input_named_errors():
    co = columbus().assign(town=lambda d: np.where(d["INC"] > 15, "a", "b"))
    before = co.copy()
    with pytest.raises(DataError, match="town"):
        si.vif("~ INC + town", co)
    pd.testing.assert_frame_equal(co, before)
    holes = columbus().copy()
    holes.loc[5, "HOVAL"] = np.nan
    with pytest.raises(DataError, match="HOVAL.*5"):
        si.vif("~ INC + HOVAL", holes)
    with pytest.raises(SpatialInnoError, match="no regressor"):
        si.vif("CRIME ~ 1", co)
    with pytest.raises(SpatialInnoError, match="nosuch"):
        si.vif("~ INC + nosuch", co)
    with pytest.raises(DataError, match="more rows"):
        si.vif("~ INC + HOVAL + X", co.head(4))
