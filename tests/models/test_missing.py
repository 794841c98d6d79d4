"""missing="raise" | "drop" on every entry point that takes a data frame.

References: "drop" must equal the same estimator run on the data with those rows removed by hand and W restricted
by hand (a dense re-row-normalisation written here), so the only thing under test is the dropping itself; the
estimators are validated against R/spreg elsewhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.errors import DataError, SpatialInnoError
from spatialinno.models.missing import used_columns


@pytest.fixture()
def xs(columbus):
    return columbus[0].copy(), columbus[1]


def _dense_subset(w: si.Weights, keep) -> si.Weights:
    """W restricted to ``keep`` and re-row-normalised by hand (binary raw links as in the fixture)."""
    pos = [list(w.ids).index(i) for i in keep]
    raw = (w.sparse.toarray() > 0).astype(float)[np.ix_(pos, pos)]
    s = raw.sum(axis=1, keepdims=True)
    return si.Weights.from_sparse(np.divide(raw, s, out=np.zeros_like(raw), where=s > 0), keep, normalization="row")


def test_used_columns_whole_names_only():
    cols = ["y", "x", "x2", "log", "z", "unused"]
    assert used_columns("y ~ x + np.log(x2) + [z ~ log]", cols) == ["y", "x", "x2", "log", "z"]
    assert used_columns(["y ~ x", "x2 ~ y"], cols) == ["y", "x", "x2"]


def test_raise_names_rows_columns_and_the_fix(xs):
    data, w = xs
    data.loc[data["id"].isin([7, 12]), "INC"] = np.nan
    data.loc[data["id"] == 3, "HOVAL"] = np.nan
    with pytest.raises(DataError, match=r"'INC' is missing \(NaN\) for id 7, 12.*'HOVAL'.*id 3.*missing='drop'"):
        si.sar("CRIME ~ INC + HOVAL", data, w, id="id")
    with pytest.raises(SpatialInnoError, match="missing must be 'raise' or 'drop'"):
        si.sar("CRIME ~ INC + HOVAL", data, w, id="id", missing="ignore")


def test_drop_cross_section_equals_manual_subset(xs):
    data, w = xs
    data.loc[data["id"].isin([7, 12]), "INC"] = np.nan
    data.loc[data["id"] == 30, "OPEN_unused"] = np.nan  # a NaN in an unused column drops nothing
    before = data.copy()
    res = si.sdm("CRIME ~ INC + HOVAL", data, w, id="id", missing="drop")
    pd.testing.assert_frame_equal(data, before)  # caller's frame untouched
    keep = [i for i in w.ids if i not in (7, 12)]
    ref_w = _dense_subset(w, keep)
    assert np.abs(res.weights.sparse.toarray() - ref_w.sparse.toarray()).max() < 1e-14
    ref = si.sdm("CRIME ~ INC + HOVAL", data[data["id"].isin(keep)], ref_w, id="id")
    # W equal to rounding: the optimiser's tolerance (rho to ~1e-10) bounds the agreement of the estimates
    assert np.abs((res.params - ref.params) / ref.params).max() < 1e-8
    assert abs(res.llf - ref.llf) < 1e-9
    assert list(res.dropped["id"]) == [7, 12] and res.N == 47
    note = " ".join(res.summary().notes)
    assert "2 row(s)" in note and "res.dropped" in note
    clean = si.sdm("CRIME ~ INC + HOVAL", before.dropna(subset=["INC"]), ref_w, id="id")
    assert clean.dropped.empty


def test_drop_makes_islands_and_says_so():
    # a line a - b - c - d: dropping b and d leaves c without a neighbour
    ids = ["a", "b", "c", "d", "e"]
    raw = np.zeros((5, 5))
    for i, j in [(0, 1), (1, 2), (2, 3), (0, 4), (3, 4)]:
        raw[i, j] = raw[j, i] = 1
    w = si.Weights.from_sparse(raw, ids, normalization="row")
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"id": ids, "y": rng.normal(size=5), "x": rng.normal(size=5)})
    df.loc[df["id"].isin(["b", "d"]), "x"] = np.nan
    from spatialinno.models.missing import handle_missing
    kept, w2, rec = handle_missing(df, "y ~ x", w, id="id", missing="drop")
    assert list(kept["id"]) == ["a", "c", "e"] and list(w2.ids) == ["a", "c", "e"]
    assert rec.removed_regions == ("b", "d") and rec.new_islands == ("c",)
    assert "islands" in rec.note and "c" in rec.note
    assert np.array_equal(w2.sparse.toarray(), [[0, 0, 1], [0, 0, 0], [1, 0, 0]])


def test_drop_whole_regions_of_a_panel_equals_manual_subset(produc):
    data, w = produc
    data = data.copy()
    gone = sorted(data["state"].unique())[:2]
    data.loc[data["state"].isin(gone), "unemp"] = np.nan
    f = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"
    res = si.sdm(f, data, w, entity="state", time="year", fixed_effects="twoway", missing="drop")
    keep = [i for i in w.ids if i not in gone]
    ref_w = _dense_subset(w, keep)
    ref = si.sdm(f, data[data["state"].isin(keep)], ref_w, entity="state", time="year", fixed_effects="twoway")
    assert np.abs((res.params - ref.params) / ref.params).max() < 1e-8
    assert abs(res.llf - ref.llf) < 1e-9
    assert len(res.dropped) == 2 * data["year"].nunique()
    assert list(res.dropped.columns) == ["state", "year"]
    assert set(res.dropped["state"]) == set(gone)
    with pytest.raises(DataError, match=r"'unemp' is missing \(NaN\) for \(state, year\)"):
        si.sdm(f, data, w, entity="state", time="year", fixed_effects="twoway")


def test_drop_in_diagnostics_and_other_estimators(produc, xs):
    data, w = produc
    data = data.copy()
    gone = sorted(data["state"].unique())[-1]
    data.loc[data["state"] == gone, "unemp"] = np.nan
    keep = [i for i in w.ids if i != gone]
    sub, ref_w = data[data["state"] != gone], _dense_subset(w, keep)
    kw = {"entity": "state", "time": "year"}
    lm = si.lm_tests("unemp ~ np.log(pc)", data, w, **kw, missing="drop")
    lm_ref = si.lm_tests("unemp ~ np.log(pc)", sub, ref_w, **kw)
    assert np.abs(lm["statistic"] - lm_ref["statistic"]).max() < 1e-10
    assert len(lm.attrs["dropped"]) == data["year"].nunique()
    mb = si.moran_by_period(data, "unemp", w, "state", "year", permutations=0, missing="drop")
    mb_ref = si.moran_by_period(sub, "unemp", ref_w, "state", "year", permutations=0)
    assert np.abs(mb["I"] - mb_ref["I"]).max() < 1e-12
    with pytest.raises(DataError, match="missing='drop'"):
        si.moran_by_period(data, "unemp", w, "state", "year", permutations=0)
    gm = si.dynamic_gmm("unemp ~ pc", data, entity="state", time="year", collapse=True, max_lag=3, missing="drop")
    gm_ref = si.dynamic_gmm("unemp ~ pc", sub, entity="state", time="year", collapse=True, max_lag=3)
    assert np.abs(gm.params - gm_ref.params).max() < 1e-10 and len(gm.dropped) == data["year"].nunique()
    iv = si.gs2sls("unemp ~ pc + [emp ~ pcap]", data, w, **kw, missing="drop")
    iv_ref = si.gs2sls("unemp ~ pc + [emp ~ pcap]", sub, ref_w, **kw)
    assert np.abs(iv.params - iv_ref.params).max() < 1e-9
    assert any("missing='drop'" in n for n in iv.summary().notes)
    xdata, xw = xs
    xdata.loc[xdata["id"] == 5, "HOVAL"] = np.nan
    ch = si.select_model("CRIME ~ INC + HOVAL", xdata, xw, id="id", missing="drop")
    assert list(ch.dropped["id"]) == [5]
    assert ch.chosen.N == 48


def test_drop_in_distance_decay(provinces):
    demo = si.datasets.load_demo_panel()
    demo.loc[demo["code"] == 460000, "open"] = np.nan  # Hainan, every year
    kw = {"entity": "code", "time": "year", "fixed_effects": "twoway", "thresholds_km": [0, 600], "draws": 50,
          "variables": ["open"]}
    res = si.distance_decay("innov ~ open + pgdp", demo, provinces, missing="drop", **kw)
    ref = si.distance_decay("innov ~ open + pgdp", demo[demo["code"] != 460000],
                            provinces[provinces["code"] != 460000], **kw)
    pd.testing.assert_frame_equal(res.table, ref.table)
    assert set(res.dropped["code"]) == {460000}


def test_drop_in_vif_and_residual_moran(xs):
    data, w = xs
    data.loc[data["id"] == 9, "HOVAL"] = np.nan
    data.loc[data["id"] == 11, "CRIME"] = np.nan  # the outcome: vif ignores it
    v = si.vif("CRIME ~ INC + HOVAL", data, missing="drop")
    ref = si.vif("CRIME ~ INC + HOVAL", data[data["id"] != 9])
    pd.testing.assert_series_equal(v, ref)
    assert list(v.attrs["dropped"]["id"]) == [8]  # the index label of id 9's row
    with pytest.raises(DataError, match="missing='drop'"):
        si.moran_residuals("CRIME ~ INC + HOVAL", data, w, id="id")
    keep = [i for i in w.ids if i not in (9, 11)]
    m = si.moran_residuals("CRIME ~ INC + HOVAL", data, w, id="id", missing="drop")
    m_ref = si.moran_residuals("CRIME ~ INC + HOVAL", data[data["id"].isin(keep)], _dense_subset(w, keep), id="id")
    assert abs(m.I - m_ref.I) < 1e-12 and abs(m.variance - m_ref.variance) < 1e-12


def test_drop_in_gs3sls(province_w):
    demo = si.datasets.load_demo_panel()
    eqs = {"innov": "innov ~ agglom + pgdp + rd", "agglom": "agglom ~ innov + open + infr"}
    bad = demo.copy()
    bad.loc[bad["code"] == 650000, "infr"] = np.nan  # Xinjiang: a variable of the second equation only
    res = si.gs3sls(eqs, bad, province_w, entity="code", time="year", fixed_effects="entity", missing="drop")
    keep = [i for i in province_w.ids if i != 650000]
    ref = si.gs3sls(eqs, demo[demo["code"] != 650000], province_w.subset(keep), entity="code", time="year",
                    fixed_effects="entity")
    assert np.abs(res.params - ref.params).max() < 1e-9
    assert len(res.dropped) == 15 and any("missing='drop'" in n for n in res.summary().notes)
