"""A libpysal W or Graph gives identical results to the equivalent si.Weights wherever ``w`` is taken."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.errors import SpatialInnoError


@pytest.fixture(scope="module")
def setup():
    gdf = si.datasets.load_provinces()
    w = si.weights.contiguity(gdf, id="code", islands="nearest")
    panel = si.datasets.load_demo_panel()
    cross = panel[panel["year"] == panel["year"].max()].set_index("code")
    return w, panel, cross


def _variants(w):
    return {"W": w.to_W(), "Graph": w.to_graph()}


def test_sdm_panel_and_cross_section(setup):
    w, panel, cross = setup
    ref = si.sdm("innov ~ agglom + pgdp", panel, w, entity="code", time="year", fixed_effects="twoway")
    ref_cs = si.sdm("innov ~ agglom + pgdp", cross, w)
    for name, lw in _variants(w).items():
        res = si.sdm("innov ~ agglom + pgdp", panel, lw, entity="code", time="year", fixed_effects="twoway")
        pd.testing.assert_series_equal(res.params, ref.params, rtol=1e-12, obj=name)
        pd.testing.assert_series_equal(res.bse, ref.bse, rtol=1e-10, obj=name)
        res_cs = si.sdm("innov ~ agglom + pgdp", cross, lw)
        pd.testing.assert_series_equal(res_cs.params, ref_cs.params, rtol=1e-7, obj=name)  # W differs by 1e-17


def test_moran_local_moran_lm_tests(setup):
    w, panel, cross = setup
    y = cross["innov"]
    m0 = si.moran(y, w, permutations=99, seed=1)
    l0 = si.local_moran(y, w, permutations=99, seed=1)
    t0 = si.lm_tests("innov ~ agglom + pgdp", panel, w, entity="code", time="year", fixed_effects="twoway")
    for name, lw in _variants(w).items():
        m = si.moran(y, lw, permutations=99, seed=1)
        assert m.I == pytest.approx(m0.I, rel=1e-12) and m.p_sim == m0.p_sim, name
        pd.testing.assert_frame_equal(si.local_moran(y, lw, permutations=99, seed=1), l0, rtol=1e-12, obj=name)
        t = si.lm_tests("innov ~ agglom + pgdp", panel, lw, entity="code", time="year", fixed_effects="twoway")
        pd.testing.assert_frame_equal(t, t0, rtol=1e-12, obj=name)


def test_other_objects_are_refused_with_the_constructors_named(setup):
    w, _, cross = setup
    with pytest.raises(SpatialInnoError, match="from_W"):
        si.moran(cross["innov"], np.eye(31))
    with pytest.raises(SpatialInnoError, match="from_sparse"):
        si.sar("innov ~ agglom", cross, w.sparse)
