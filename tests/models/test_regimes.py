"""Regimes (``regimes=``, ``regime_spatial=``, ``chow_test()``, effects per regime).

References: spreg 1.9 ``ML_Lag_Regimes`` on Baltimore (tests/reference/regimes/reference.json, written by
make_reference.py there) with a common rho and with ``regime_lag_sep=True``; for the other models and FE panels the
same estimator run on explicit regime-interacted columns (brute force: x * 1[region in g] built in the test); effects
per regime against dense (I - rho W)^-1 (D_g b_g + W D_g t_g).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.errors import IdError
from spatialinno.models.regimes import RegimeError

from ..conftest import weights_from_edges

HERE = Path(__file__).parent.parent / "reference" / "regimes"
REF = json.loads((HERE / "reference.json").read_text())


@pytest.fixture(scope="module")
def baltimore():
    data = pd.read_csv(HERE / "baltimore_data.csv")
    ws = {name: weights_from_edges(data["STATION"].tolist(), pd.read_csv(HERE / f"baltimore_{name}.csv"))
          for name in ("queen", "knn4")}
    return data, ws


def rel(a, b, floor=0.0):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), floor)))


@pytest.mark.parametrize("case", ["spreg_test", "knn4"])
@pytest.mark.parametrize("key", ["common", "separate"])
def test_ml_lag_regimes_against_spreg(baltimore, case, key):
    data, ws = baltimore
    r, ref = REF[case], REF[case][key]
    res = si.sar("PRICE ~ " + " + ".join(r["x"]), data, ws[r["w"]], id="STATION", regimes="CITCOU",
                 regime_spatial=key == "separate")
    names = ref["names"]
    assert sorted(res.params.index) == sorted(names)
    coef = rel(res.params[names], ref["betas"], 1.0)
    se = rel(res.bse[names], ref["se"])
    chow = res.chow_test()
    assert list(chow.index) == ref["chow_rows"] + ["joint"]
    stat = rel(chow["statistic"].to_numpy(), [row[0] for row in ref["chow_regi"]] + [ref["chow_joint"][0]])
    pval = rel(chow["p_value"].to_numpy(), [row[1] for row in ref["chow_regi"]] + [ref["chow_joint"][1]], 1e-3)
    print(f"{case}/{key}: coef {coef:.2e} (abs, relative beyond 1), se {se:.2e}, Chow statistics {stat:.2e}, "
          f"p {pval:.2e}")
    assert coef < 1e-6
    assert se < 1e-4
    assert stat < 1e-6
    assert (chow["df"] == [1] * len(ref["chow_rows"]) + [len(ref["chow_rows"])]).all()
    if key == "common":
        assert abs(res.llf - ref["llf"]) < 1e-6


def explicit_regime_columns(data, xs, labels, groups, intercept=True):
    """Brute force: columns x_g = x * 1[regime == g] and dummies c_g, with the formula that uses them."""
    out = data.copy()
    terms = []
    if intercept:
        for g in groups:
            out[f"c_{g}"] = (labels == g).astype(float)
            terms.append(f"c_{g}")
    for x in xs:
        for g in groups:
            out[f"{x}_{g}"] = data[x] * (labels == g)
            terms.append(f"{x}_{g}")
    return out, terms


@pytest.mark.parametrize("model,cov_type,durbin", [
    ("SAR", "information", None), ("SEM", "information", None), ("SDM", "information", None),
    ("SLX", "information", None), ("SDM", "information", ["AGE"]), ("SAR", "qml", None), ("SDM", "small-sample", None),
    ("SAC", "information", None), ("SDEM", "information", None)])
def test_cross_section_equals_explicit_columns(baltimore, model, cov_type, durbin):
    data, ws = baltimore
    xs = ["NROOM", "AGE", "SQFT"]
    est = getattr(si, model.lower())
    res = est("PRICE ~ NROOM + AGE + SQFT", data, ws["knn4"], id="STATION", regimes="CITCOU", cov_type=cov_type,
              durbin=durbin)
    wide, terms = explicit_regime_columns(data, xs, data["CITCOU"], [0, 1])
    lagged = [t for t in terms if not t.startswith("c_") and (durbin is None or t.rsplit("_", 1)[0] in durbin)]
    kw = {"durbin": lagged} if model in ("SDM", "SLX", "SDEM") else {}
    brute = est("PRICE ~ 0 + " + " + ".join(terms), wide, ws["knn4"], id="STATION", cov_type=cov_type, **kw)
    mapping = {f"{x}_{g}": f"{x}[{g}]" for x in xs + [""] for g in (0, 1)}
    mapping.update({f"c_{g}": f"Intercept[{g}]" for g in (0, 1)})

    def ours(n):
        return ("W_" + mapping[n[2:]]) if n.startswith("W_") else mapping.get(n, n)

    names = [ours(n) for n in brute.params.index]
    d_coef = rel(res.params[names], brute.params, 1.0)
    d_se = rel(res.bse[names], brute.bse)
    print(f"{model} ({cov_type}, durbin={durbin}): explicit columns: coef {d_coef:.2e}, se {d_se:.2e}, "
          f"llf {abs(res.llf - brute.llf):.2e}")
    assert d_coef < 1e-8 and d_se < 1e-6 and abs(res.llf - brute.llf) < 1e-8


@pytest.fixture(scope="module")
def demo(province_w):
    panel = si.datasets.load_demo_panel()
    region = panel.drop_duplicates("code").set_index("code")["region"]
    return panel, province_w, region


def test_fe_panel_sdm_equals_explicit_columns(demo):
    panel, w, region = demo
    res = si.sdm("innov ~ agglom + open", panel, w, entity="code", time="year", fixed_effects="twoway",
                 regimes="region")
    groups = sorted(region.unique())
    labels = panel["code"].map(region)
    wide, terms = explicit_regime_columns(panel, ["agglom", "open"], labels, groups, intercept=False)
    brute = si.sdm("innov ~ " + " + ".join(terms), wide, w, entity="code", time="year", fixed_effects="twoway")
    names = [("W_" if n.startswith("W_") else "") + "{}[{}]".format(*n.removeprefix("W_").rsplit("_", 1))
             for n in brute.params.index[:-1]] + ["rho"]
    d_coef = rel(res.params[names], brute.params, 1.0)
    d_se = rel(res.bse[names], brute.bse)
    print(f"FE SDM panel: explicit columns: coef {d_coef:.2e}, se {d_se:.2e}, llf {abs(res.llf - brute.llf):.2e}")
    assert d_coef < 1e-8 and d_se < 1e-6 and abs(res.llf - brute.llf) < 1e-8
    assert abs(res.sigma2_se - brute.sigma2_se) < 1e-8 * brute.sigma2_se
    chow = res.chow_test()
    assert list(chow.index) == ["agglom", "open", "W_agglom", "W_open", "joint"]
    assert (chow["df"] == [2, 2, 2, 2, 8]).all()
    text = str(res.summary())
    assert "region: central (" in text and "rho  " in text and "common to all regimes" in text


def test_fe_panel_separate_regimes_are_separate_fits(demo):
    panel, w, region = demo
    res = si.sdm("innov ~ agglom + open", panel, w, entity="code", time="year", fixed_effects="twoway",
                 regimes="region", regime_spatial=True)
    for g in sorted(region.unique()):
        ids = region.index[region == g]
        alone = si.sdm("innov ~ agglom + open", panel[panel["code"].isin(ids)], w.subset(ids), entity="code",
                       time="year", fixed_effects="twoway")
        mine = res.params[[f"{n}[{g}]" for n in alone.params.index]].to_numpy()
        assert np.array_equal(mine, alone.params.to_numpy())
        assert res.sigma2[g] == alone.sigma2
    assert list(res.chow_test().index) == ["agglom", "open", "W_agglom", "W_open", "rho", "joint"]
    assert res.nobs == len(panel) and abs(res.llf - sum(f.llf for f in res.fits.values())) < 1e-9


def test_time_effects_panel_has_regime_shifts(demo):
    panel, w, region = demo
    res = si.sar("innov ~ agglom + open", panel, w, entity="code", time="year", fixed_effects="time", regimes="region",
                 bias_correction="none")
    groups = sorted(region.unique())
    labels = panel["code"].map(region)
    wide, terms = explicit_regime_columns(panel, ["agglom", "open"], labels, groups)
    terms = [t for t in terms if t != f"c_{groups[0]}"]
    brute = si.sar("innov ~ " + " + ".join(terms), wide, w, entity="code", time="year", fixed_effects="time",
                   bias_correction="none")
    names = [f"Intercept[{n[2:]}]" if n.startswith("c_") else "{}[{}]".format(*n.rsplit("_", 1))
             for n in brute.params.index[:-1]] + ["rho"]
    assert rel(res.params[names], brute.params, 1.0) < 1e-10 and rel(res.bse[names], brute.bse) < 1e-8
    chow = res.chow_test()
    shifts = [f"c_{g}" for g in groups[1:]]
    expected = brute.wald_test(shifts)
    print("time effects: Chow test of the regime shifts", chow.loc["Intercept"].to_dict(), "Wald", expected.to_dict())
    assert abs(chow.loc["Intercept", "statistic"] - expected["statistic"]) < 1e-8 * expected["statistic"]
    assert chow.loc["Intercept", "df"] == len(groups) - 1


def dense_regime_effects(params, W, labels, var, g):
    n = W.shape[0]
    D = np.diag((labels == g).astype(float))
    Ainv = np.linalg.inv(np.eye(n) - params.get("rho", 0.0) * W)
    S = Ainv @ (D * params[f"{var}[{g}]"] + W @ D * params.get(f"W_{var}[{g}]", 0.0))
    ng = D.sum()
    direct, total = np.trace(S) / ng, S.sum() / ng
    return np.array([direct, total - direct, total])


def test_effects_per_regime_against_dense(demo):
    panel, w, region = demo
    res = si.sdm("innov ~ agglom + open", panel, w, entity="code", time="year", regimes=region)
    eff = res.impacts(method="exact")
    labels = region.reindex(w.ids).to_numpy()
    W = w.sparse.toarray()
    worst = 0.0
    for var in ("agglom", "open"):
        for g in sorted(region.unique()):
            ours = eff.loc[f"{var}[{g}]"].loc[["direct", "indirect", "total"], "estimate"].to_numpy()
            worst = max(worst, float(np.abs(ours - dense_regime_effects(res.params, W, labels, var, g)).max()))
    print(f"effects per regime vs dense S_g: max abs difference {worst:.2e}")
    assert worst < 1e-8
    delta = res.impacts(method="delta", variables=["agglom"])
    sim = res.impacts(method="simulation", draws=2000, seed=11, variables=["agglom"])
    ratio = (sim["std_error"] / delta["std_error"]).to_numpy()
    print("effects per regime: simulated/delta SE ratios", ratio.min(), ratio.max())
    assert list(delta.index.get_level_values(0).unique()) == [f"agglom[{g}]" for g in sorted(region.unique())]
    assert np.all((ratio > 0.85) & (ratio < 1.15))


def test_effects_of_separate_regimes_are_their_own_fits(baltimore):
    data, ws = baltimore
    res = si.sar("PRICE ~ NROOM + AGE + SQFT", data, ws["queen"], id="STATION", regimes="CITCOU",
                 regime_spatial=True)
    eff = res.impacts(method="exact")
    ids = data.loc[data["CITCOU"] == 1, "STATION"]
    alone = si.sar("PRICE ~ NROOM + AGE + SQFT", data[data["CITCOU"] == 1], ws["queen"].subset(ids), id="STATION")
    own = alone.impacts(method="exact")
    assert np.allclose(eff.loc["NROOM[1]", "estimate"].to_numpy(), own.loc["NROOM", "estimate"].to_numpy(),
                       rtol=1e-12, atol=0)
    text = str(res.summary())
    assert "CITCOU: 0 (" in text and "one per regime" in text and "Chow" in text


def test_series_by_id_not_by_position(baltimore):
    data, ws = baltimore
    a = si.sdm("PRICE ~ NROOM + AGE", data, ws["knn4"], id="STATION", regimes="CITCOU")
    series = data.set_index("STATION")["CITCOU"].sample(frac=1.0, random_state=3)
    b = si.sdm("PRICE ~ NROOM + AGE", data.iloc[::-1], ws["knn4"], id="STATION", regimes=series)
    pd.testing.assert_series_equal(a.params, b.params, rtol=1e-10)
    assert data["CITCOU"].tolist() == pd.read_csv(HERE / "baltimore_data.csv")["CITCOU"].tolist()  # not mutated


def test_bad_input(baltimore, demo):
    data, ws = baltimore
    w = ws["knn4"]
    f = "PRICE ~ NROOM + AGE + SQFT"
    nan = data.copy()
    nan.loc[nan["STATION"] == 5, "CITCOU"] = np.nan
    with pytest.raises(RegimeError, match="NaN.*5"):
        si.sar(f, nan, w, id="STATION", regimes="CITCOU")
    series = data.set_index("STATION")["CITCOU"]
    with pytest.raises(IdError, match="9999"):
        si.sar(f, data, w, id="STATION", regimes=pd.concat([series, pd.Series({9999: 1})]))
    with pytest.raises(IdError, match="without a regime 7"):
        si.sar(f, data, w, id="STATION", regimes=series.drop(7))
    tiny = series.copy()
    tiny[series.index[:3]] = 2
    with pytest.raises(RegimeError, match="2 \\(3 regions\\)"):
        si.sar(f, data, w, id="STATION", regimes=tiny)
    with pytest.raises(RegimeError, match="2 \\(3 regions\\)"):
        si.sar(f, data, w, id="STATION", regimes=tiny, regime_spatial=True)
    with pytest.raises(RegimeError, match="single regime"):
        si.sar(f, data, w, id="STATION", regimes=series * 0)
    with pytest.raises(RegimeError, match="'nope'"):
        si.sar(f, data, w, id="STATION", regimes="nope")
    with pytest.raises(RegimeError, match="needs regimes="):
        si.sar(f, data, w, id="STATION", regime_spatial=True)
    with pytest.raises(si.SpatialInnoError, match="regimes="):
        si.sar(f, data, w, id="STATION").chow_test()
    panel, pw, _ = demo
    with pytest.raises(RegimeError, match="several values"):
        si.sdm("innov ~ agglom", panel, pw, entity="code", time="year", regimes="year")
    with pytest.raises(RegimeError, match="random effects"):
        si.sdm("innov ~ agglom", panel, pw, entity="code", time="year", fixed_effects="random", regimes="region")
