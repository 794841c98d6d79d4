"""Diagnostics with time-varying weights (PeriodWeights): Moran by period against R spdep and a dense textbook
computation, panel LM tests against a dense block-diagonal computation written here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spatialinno as si
from spatialinno.errors import PeriodWeightsError

REF = Path(__file__).parents[1] / "reference" / "period_weights"


@pytest.fixture(scope="module")
def demo():
    d = si.datasets.load_demo_panel()
    return d[d["year"].between(2007, 2012)].reset_index(drop=True)


@pytest.fixture(scope="module")
def pw(demo):
    return si.weights.economic_distance(demo.set_index(["code", "year"])["pgdp"], by_period=True)


def dense_economic(values: np.ndarray) -> np.ndarray:
    """Row-normalised 1/|v_i - v_j| (i != j), written out."""
    n = len(values)
    w = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                w[i, j] = 1.0 / abs(values[i] - values[j])
        w[i] /= w[i].sum()
    return w


def test_moran_by_period_matches_spdep(demo, pw):
    ref = json.loads((REF / "reference.json").read_text())["moran_by_period"]
    out = si.moran_by_period(demo, "innov", pw, "code", "year", permutations=0)
    for year, r in ref.items():
        row = out.loc[int(year)]
        for k in ("I", "expected", "variance_norm", "variance_rand", "z_norm", "z_rand"):
            assert row[k] == pytest.approx(r[k], rel=1e-9, abs=1e-12), (year, k)
    print("max |I - spdep| =", max(abs(out.loc[int(y), "I"] - r["I"]) for y, r in ref.items()))


def test_moran_by_period_uses_each_periods_w(demo, pw):
    shuffled = demo.sample(frac=1.0, random_state=5)  # row order must not matter
    out = si.moran_by_period(shuffled, "innov", pw, "code", "year", permutations=0)
    for year in sorted(demo["year"].unique()):
        s = demo[demo["year"] == year].sort_values("code")
        w = dense_economic(s["pgdp"].to_numpy())
        z = s["innov"].to_numpy() - s["innov"].mean()
        n = len(z)
        s0, s1 = w.sum(), 0.5 * ((w + w.T) ** 2).sum()
        s2 = ((w.sum(axis=0) + w.sum(axis=1)) ** 2).sum()
        i_val = n / s0 * (z @ w @ z) / (z @ z)
        var_n = (n * n * s1 - n * s2 + 3 * s0 ** 2) / ((n * n - 1) * s0 ** 2) - 1.0 / (n - 1) ** 2
        assert out.loc[year, "I"] == pytest.approx(i_val, rel=1e-12)
        assert out.loc[year, "variance_norm"] == pytest.approx(var_n, rel=1e-12)
    static = si.weights.economic_distance(demo.groupby("code")["pgdp"].mean())
    assert not np.allclose(out["I"], si.moran_by_period(demo, "innov", static, "code", "year", permutations=0)["I"])


def dense_lm(demo: pd.DataFrame, formula_x: list[str], y: str, mats: dict, fe: str) -> dict:
    """LM tests after OLS on the within-transformed panel with W = diag(W_1, ..., W_T), from the formulas."""
    years = sorted(mats)
    codes = sorted(demo["code"].unique())
    d = demo.set_index(["year", "code"]).loc[[(t, c) for t in years for c in codes]]
    T, N = len(years), len(codes)
    Y = d[y].to_numpy().reshape(T, N)
    X = np.stack([d[x].to_numpy().reshape(T, N) for x in formula_x], axis=2)

    def within(a):
        out = a.copy()
        if fe in ("entity", "twoway"):
            out = out - a.mean(axis=0, keepdims=True)
        if fe in ("time", "twoway"):
            out = out - a.mean(axis=1, keepdims=True)
        if fe == "twoway":
            out = out + a.mean(axis=(0, 1), keepdims=True)
        return out

    yv = within(Y).ravel()
    Xm = within(X).reshape(T * N, -1)
    if fe == "none":
        Xm = np.column_stack([np.ones(T * N), Xm])
    W = np.zeros((T * N, T * N))
    for k, t in enumerate(years):
        W[k * N:(k + 1) * N, k * N:(k + 1) * N] = mats[t]
    b = np.linalg.solve(Xm.T @ Xm, Xm.T @ yv)
    e = yv - Xm @ b
    n = T * N
    s2 = e @ e / n
    tw = np.trace(W.T @ W + W @ W)
    M = np.eye(n) - Xm @ np.linalg.solve(Xm.T @ Xm, Xm.T)
    wxb = W @ Xm @ b
    J = (wxb @ M @ wxb + tw * s2) / s2
    r_err, r_lag = e @ W @ e / s2, e @ W @ yv / s2
    lm = {"LM_error": r_err ** 2 / tw, "LM_lag": r_lag ** 2 / J,
          "RLM_error": (r_err - tw / J * r_lag) ** 2 / (tw * (1 - tw / J)),
          "RLM_lag": (r_lag - r_err) ** 2 / (J - tw)}
    lm["SARMA"] = lm["RLM_lag"] + lm["LM_error"]
    return {"stat": lm, "T_W": tw}


@pytest.mark.parametrize("fe", ["entity", "twoway", "none"])
def test_panel_lm_tests_with_period_weights_match_dense(demo, pw, fe):
    mats = {t: dense_economic(demo[demo["year"] == t].sort_values("code")["pgdp"].to_numpy())
            for t in sorted(demo["year"].unique())}
    ref = dense_lm(demo, ["agglom", "open"], "innov", mats, fe)
    out = si.lm_tests("innov ~ agglom + open", demo, pw, entity="code", time="year", fixed_effects=fe)
    assert out.attrs["T_W"] == pytest.approx(ref["T_W"], rel=1e-12)
    for k, v in ref["stat"].items():
        assert out.loc[k, "statistic"] == pytest.approx(v, rel=1e-9), k
        assert out.loc[k, "p_value"] == pytest.approx(stats.chi2.sf(v, 2 if k == "SARMA" else 1), rel=1e-7)
    print(fe, "max rel diff", max(abs(out.loc[k, "statistic"] / v - 1) for k, v in ref["stat"].items()))


def test_constant_period_weights_equal_static(demo, province_w):
    pw = si.weights.by_period({t: province_w for t in demo["year"].unique()})
    a = si.lm_tests("innov ~ agglom + open", demo, pw, entity="code", time="year", fixed_effects="twoway")
    b = si.lm_tests("innov ~ agglom + open", demo, province_w, entity="code", time="year", fixed_effects="twoway")
    assert np.abs(a["statistic"] - b["statistic"]).max() < 1e-10
    m1 = si.moran_by_period(demo, "innov", pw, "code", "year", permutations=99, seed=4)
    m2 = si.moran_by_period(demo, "innov", province_w, "code", "year", permutations=99, seed=4)
    pd.testing.assert_frame_equal(m1, m2)


def test_period_weights_errors(demo, pw):
    short = si.weights.by_period({t: pw[t] for t in list(pw.periods)[:3]})
    with pytest.raises(PeriodWeightsError, match="2010"):
        si.lm_tests("innov ~ agglom", demo, short, entity="code", time="year")
    with pytest.raises(PeriodWeightsError, match="2010"):
        si.moran_by_period(demo, "innov", short, "code", "year", permutations=0)
    with pytest.raises(PeriodWeightsError, match="need a panel"):
        si.lm_tests("innov ~ agglom", demo[demo["year"] == 2007], pw, id="code")
    fewer = si.weights.by_period({t: (pw[t].subset(pw[t].ids[1:]) if t == 2009 else pw[t]) for t in pw.periods})
    with pytest.raises(PeriodWeightsError, match="2009"):
        si.lm_tests("innov ~ agglom", demo, fewer, entity="code", time="year")
    with pytest.raises(si.errors.IdError, match="2009"):
        si.moran_by_period(demo, "innov", fewer, "code", "year", permutations=0)


def test_ties_are_refused_naming_period_and_pairs():
    demo = si.datasets.load_demo_panel()  # 2006: two pairs of provinces with exactly equal pgdp
    with pytest.raises(si.errors.DataError, match=r"period 2006: regions 410000 and 420000 have equal values.*"
                                                  r"\(410000, 420000\), \(630000, 640000\).*static W"):
        si.weights.economic_distance(demo.set_index(["code", "year"])["pgdp"], by_period=True)


def test_period_weights_with_dropped_region(demo, pw):
    bad = demo.copy()
    bad.loc[bad["code"] == 110000, "agglom"] = np.nan  # Beijing, every year
    keep = demo[demo["code"] != 110000]
    sub = si.weights.by_period({t: pw[t].subset([i for i in pw[t].ids if i != 110000]) for t in pw.periods})
    a = si.lm_tests("innov ~ agglom + open", bad, pw, entity="code", time="year", missing="drop")
    b = si.lm_tests("innov ~ agglom + open", keep, sub, entity="code", time="year")
    assert np.abs(a["statistic"] - b["statistic"]).max() < 1e-10 and len(a.attrs["dropped"]) == 6
    m = si.moran_by_period(bad.assign(innov=bad["innov"].where(bad["code"] != 110000)), "innov", pw, "code", "year",
                           permutations=0, missing="drop")
    assert np.abs(m["I"] - si.moran_by_period(keep, "innov", sub, "code", "year", permutations=0)["I"]).max() < 1e-12
