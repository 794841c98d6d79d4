"""Bad input to the estimators: each a SpatialInnoError naming the problem; data never mutated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.errors import DataError, EstimationError, IdError


@pytest.fixture()
def data(columbus):
    return columbus[0].copy()


def test_nan_names_the_ids(columbus, data):
    data.loc[data["id"] == 7, "INC"] = np.nan
    with pytest.raises(DataError, match=r"'INC'.*id 7"):
        si.sar("CRIME ~ INC + HOVAL", data, columbus[1], id="id")
    data.loc[data["id"] == 9, "CRIME"] = np.inf
    with pytest.raises(DataError, match="CRIME"):
        si.sar("CRIME ~ HOVAL", data, columbus[1], id="id")


def test_ids_not_in_weights_and_missing(columbus, data):
    w = columbus[1]
    bad = data.copy()
    bad.loc[0, "id"] = 999
    with pytest.raises(IdError, match=r"999.*missing from the data: 1"):
        si.sem("CRIME ~ INC", bad, w, id="id")
    with pytest.raises(IdError, match="missing from the data"):
        si.sem("CRIME ~ INC", data.iloc[1:], w, id="id")
    with pytest.raises(IdError, match="duplicated"):
        si.sem("CRIME ~ INC", pd.concat([data, data.iloc[:1]]), w, id="id")


def test_rows_aligned_by_id_not_position(columbus, data):
    shuffled = data.sample(frac=1.0, random_state=1)
    a = si.sdm("CRIME ~ INC + HOVAL", data, columbus[1], id="id")
    b = si.sdm("CRIME ~ INC + HOVAL", shuffled, columbus[1], id="id")
    assert np.allclose(a.params, b.params, rtol=1e-10)
    assert b.resid.index.equals(columbus[1].ids)


def test_constant_and_collinear_columns(columbus, data):
    data["const"] = 3.0
    data["INC2"] = 2 * data["INC"] - data["HOVAL"]
    with pytest.raises(DataError, match="'const' is constant"):
        si.sar("CRIME ~ INC + const", data, columbus[1], id="id")
    with pytest.raises(DataError, match="collinear.*INC2"):
        si.sar("CRIME ~ INC + HOVAL + INC2", data, columbus[1], id="id")


def test_too_few_observations(columbus, data):
    w = columbus[1].subset(columbus[1].ids[:4])
    small = data[data["id"].isin(w.ids)]
    with pytest.raises(si.SpatialInnoError, match="observations"):
        si.sdm("CRIME ~ INC + HOVAL", small, w, id="id")


def test_unknown_column_in_formula(columbus, data):
    with pytest.raises(si.SpatialInnoError, match="nosuch"):
        si.sar("CRIME ~ nosuch", data, columbus[1], id="id")


def test_estimate_at_bound_is_refused(columbus):
    w = columbus[1]
    rng = np.random.default_rng(0)
    x = rng.normal(size=w.n)
    # without an intercept, a level of 100 is best "explained" by W y = y: rho runs to its bound 1
    y = 100 + 1e-6 * rng.normal(size=w.n)
    with pytest.raises(EstimationError, match="bound"):
        si.sar("y ~ x - 1", pd.DataFrame({"id": w.ids, "y": y, "x": x}), w, id="id")


def test_data_not_mutated(columbus, data):
    before = data.copy()
    si.sac("CRIME ~ INC + np.log(HOVAL)", data, columbus[1], id="id").impacts(draws=50)
    pd.testing.assert_frame_equal(before, data)
