"""The simulated prefecture panel: yearbook codes, holes and missing values as documented, and an outcome that
follows the stated unbalanced two-way FE SDM (residuals recomputed here from the truth)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si


@pytest.fixture(scope="module")
def loaded():
    return si.datasets.load_prefecture_panel(return_truth=True)


@pytest.fixture(scope="module")
def harmonised(loaded):
    raw, truth = loaded
    h = truth["harmonise"]
    return si.datasets.harmonise_codes(raw, "code", "year", h["to_year"], split=h["split"], aggregate=h["aggregate"])


def test_raw_codes_follow_the_documented_changes(loaded):
    raw, truth = loaded
    assert list(raw.columns) == ["code", "year", "pop", "innov", "agglom", "open", "educ", "rd", "pgdp"]
    years = lambda code: sorted(raw.loc[raw["code"] == code, "year"].unique())  # noqa: E731
    assert years(371200) == list(range(2004, 2019))  # Laiwu until its merger into Jinan
    assert years(341400) == list(range(2004, 2011))  # Chaohu until its dissolution
    ch = si.datasets.prefecture_changes()
    for new, rec in truth["recoded"].items():
        row = ch[(ch["new_code"] == int(new)) & (ch["old_code"] == rec["old_code"])]
        assert len(row) == 1 and int(row["year"].iloc[0]) == rec["year"]
        assert max(years(rec["old_code"])) == rec["year"] - 1 and min(years(int(new))) == rec["year"]
    assert {"520500", "460400", "630200"} <= set(truth["recoded"])


def test_harmonised_panel_matches_map_holes_and_missing(loaded, harmonised):
    _, truth = loaded
    pref = si.datasets.load_prefectures()
    assert harmonised["code"].isin(pref["code"]).all()
    units = pref.loc[(pref["code"] % 100 == 0) & (pref["code"] != 460300), "code"]
    assert set(harmonised["code"]) == set(units) and len(units) == truth["N"] == 336
    full = pd.MultiIndex.from_product([sorted(units), range(2004, 2020)])
    have = pd.MultiIndex.from_frame(harmonised[["code", "year"]])
    assert sorted(map(list, full.difference(have))) == truth["holes"]
    na = harmonised[harmonised.isna().any(axis=1)]
    assert sorted(map(list, na[["code", "year"]].itertuples(index=False))) == truth["missing_rd"]
    assert na.columns[na.isna().any()].tolist() == ["rd"]


def test_outcome_follows_the_unbalanced_twoway_sdm(loaded, harmonised):
    _, truth = loaded
    pref = si.datasets.load_prefectures()
    pref = pref[(pref["code"] % 100 == 0) & (pref["code"] != 460300)]
    raw_w = si.weights.contiguity(pref, id="code", islands="nearest", normalize="none")
    A = (raw_w.sparse.toarray() > 0).astype(float)
    ids = list(raw_w.ids)
    data = harmonised.dropna().set_index(["year", "code"])
    b = np.array([truth["beta"][c] for c in ("agglom", "open", "educ", "rd")])
    th = np.array([truth["theta"][f"W_{c}"] for c in ("agglom", "open", "educ", "rd")])
    resid = []
    for year in range(2004, 2020):
        d = data.loc[year]
        keep = [i for i, c in enumerate(ids) if c in d.index]
        sub = A[np.ix_(keep, keep)]
        W = sub / sub.sum(axis=1, keepdims=True)  # no unit loses every neighbour (documented rule)
        d = d.loc[[ids[i] for i in keep]]
        X = d[["agglom", "open", "educ", "rd"]].to_numpy()
        mu = np.array([truth["entity_effects"][str(ids[i])] for i in keep])
        y = d["innov"].to_numpy()
        r = y - truth["rho"] * W @ y - X @ b - W @ X @ th - mu - truth["time_effects"][str(year)]
        resid.append(pd.Series(r, index=d.index))
    r = pd.concat(resid)
    n = len(r)
    assert n == 336 * 16 - len(truth["holes"]) - len(truth["missing_rd"])
    assert abs(r.mean()) < 4 * np.sqrt(truth["sigma2"] / n)
    assert 0.9 < r.var() / truth["sigma2"] < 1.1
    assert r.abs().max() < 5 * np.sqrt(truth["sigma2"])  # Jinan (Laiwu merged back) included
    print(f"residual mean {r.mean():.2e}, variance / sigma2 = {r.var() / truth['sigma2']:.4f}, n = {n}")
