"""si.cd_test against R plm::pcdtest(test = "cd") (tests/reference/diagnostics2/reference_r.json)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spatialinno as si
from spatialinno.errors import DataError, PanelError, SpatialInnoError, SpatialInnoWarning

from .reference2 import R_REF, REF2, plm_resid, produc, report, weights

CD = R_REF["cd"]
FORMULA = "lgsp ~ lpcap + lpc + lemp + unemp"


def check(label: str, res, key: str) -> None:
    report(f"CD {label} statistic vs plm", res.statistic, CD[key]["statistic"])
    np.testing.assert_allclose(res.p_value, CD[key]["p_value"], rtol=1e-8, atol=1e-300)


def indexed() -> pd.DataFrame:
    return produc().set_index(["state", "year"])


def test_raw_variable_matches_plm():
    check("raw unemp", si.cd_test(indexed()["unemp"]), "raw_unemp")
    check("raw log gsp", si.cd_test(indexed()["lgsp"]), "raw_log_gsp")


def test_entity_time_series_form_and_level_names_give_the_same():
    pr = produc()
    a = si.cd_test(pr["unemp"], entity=pr["state"], time=pr["year"])
    swapped = indexed()["unemp"].swaplevel()
    b = si.cd_test(swapped, entity="state", time="year")
    shuffled = pr.sample(frac=1.0, random_state=3)  # rows in any order: aligned by label, not position
    c = si.cd_test(shuffled["unemp"], entity=shuffled["state"], time=shuffled["year"])
    for r in (a, b, c):
        check("raw unemp (other input forms)", r, "raw_unemp")


@pytest.mark.parametrize("key", ["within_individual", "within_twoways"])
def test_plm_residuals_match_plm(key):
    check(f"plm residuals {key}", si.cd_test(plm_resid(key)), key)


@pytest.mark.parametrize("fe,key", [("entity", "within_individual"), ("twoway", "within_twoways")])
def test_residuals_of_spatialinno_fe_model_match_plm(fe, key):
    res = si.ols(FORMULA, produc(), weights("produc", "W"), entity="state", time="year", fixed_effects=fe)
    report(f"within residuals ({fe}) vs plm", res.resid.sort_index(), plm_resid(key).sort_index())
    check(f"spatialinno {fe} OLS residuals", si.cd_test(res), key)


def test_within_coefficients_match_plm():
    res = si.ols(FORMULA, produc(), weights("produc", "W"), entity="state", time="year", fixed_effects="entity")
    report("within coefficients vs plm", res.params[["lpcap", "lpc", "lemp", "unemp"]],
           list(CD["within_individual_coef"].values()))


def test_unbalanced_panel_matches_plm_and_warns_about_omitted_pairs():
    dropped = pd.read_csv(REF2 / "unbalanced_dropped.csv")
    x = indexed().drop(index=pd.MultiIndex.from_frame(dropped))["unemp"]
    with pytest.warns(SpatialInnoWarning, match="47 pair"):
        r = si.cd_test(x)
    check("unbalanced raw unemp", r, "unbalanced_raw_unemp")
    assert (r.n_entities, r.omitted_pairs, r.n_pairs) == (48, 47, 48 * 47 // 2 - 47)
    with pytest.warns(SpatialInnoWarning, match="pair"):
        r = si.cd_test(plm_resid("within_individual_unbalanced"))
    check("unbalanced within residuals", r, "unbalanced_within_individual")


def test_nan_is_an_unobserved_cell():
    x = indexed()["unemp"].copy()
    dropped = pd.read_csv(REF2 / "unbalanced_dropped.csv")
    x.loc[pd.MultiIndex.from_frame(dropped)] = np.nan
    with pytest.warns(SpatialInnoWarning) as rec:
        check("unbalanced via NaN", si.cd_test(x), "unbalanced_raw_unemp")
    messages = " ".join(str(r.message) for r in rec)
    assert "71 missing" in messages and "47 pair" in messages


def test_local_cd_with_weights_matches_plm():
    w = weights("produc", "B")
    check("local CD raw unemp", si.cd_test(indexed()["unemp"], w=w), "local_raw_unemp")
    check("local CD within residuals", si.cd_test(plm_resid("within_individual"), w=w), "local_within_individual")


def test_balanced_cd_equals_pesaran_formula_written_out():
    """Pesaran (2004): CD = sqrt(2T / (N(N-1))) sum_{i<j} rho_ij on a seeded panel with a common factor."""
    rng = np.random.default_rng(2004)
    N, T = 9, 12
    E = rng.normal(size=(T, N)) + 0.3 * rng.normal(size=(T, 1))
    s = pd.Series(E.ravel(), index=pd.MultiIndex.from_product([range(T), [f"r{i}" for i in range(N)]],
                                                               names=["t", "e"]))
    C = np.corrcoef(E.T)
    cd = np.sqrt(2 * T / (N * (N - 1))) * C[np.triu_indices(N, 1)].sum()
    stat, p = si.cd_test(s, entity="e", time="t")
    np.testing.assert_allclose([stat, p], [cd, 2 * stats.norm.sf(abs(cd))], rtol=1e-10)
    assert abs(cd) > 1.0  # the common factor shows


def test_result_is_frozen_and_unpacks():
    r = si.cd_test(indexed()["unemp"])
    stat, p = r
    assert (stat, p) == (r.statistic, r.p_value)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.statistic = 0.0


def test_cd_bad_input_named_errors():
    x = indexed()["unemp"]
    with pytest.raises(PanelError, match="at least 2 periods"):
        si.cd_test(x[x.index.get_level_values("year") == 1970])
    with pytest.raises(PanelError, match="at least 2 entities"):
        si.cd_test(x[x.index.get_level_values("state") == "ALABAMA"])
    with pytest.raises(PanelError, match="duplicated"):
        si.cd_test(pd.concat([x, x.head(2)]))
    with pytest.raises(PanelError, match="region"):
        si.cd_test(x, entity="region")
    with pytest.raises(DataError, match="numeric"):
        si.cd_test(x.astype(str))
    flat = x.copy()
    flat.loc["ALABAMA"] = 1.0
    with pytest.raises(DataError, match="ALABAMA"):
        si.cd_test(flat)
    with pytest.raises(SpatialInnoError, match="one column"):
        si.cd_test(indexed())
    with pytest.raises(PanelError, match="MultiIndex"):
        si.cd_test(produc()["unemp"])
    cross = si.ols("lgsp ~ lpcap", produc()[produc()["year"] == 1970], weights("produc", "W"), id="state")
    with pytest.raises(PanelError, match="cross-section"):
        si.cd_test(cross)
