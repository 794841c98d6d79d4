"""si.compare journal options (se/t/p/ci, stars, stats, rows, groups, labels, notes) checked against the
numbers of the fits themselves and of statsmodels / linearmodels / pyfixest, and the Word export read back."""

from __future__ import annotations

import warnings

import pytest

import spatialinno as si
from spatialinno.datasets import load_demo_panel, load_provinces

FORMULA = "innov ~ agglom + coagg + pgdp + rd"


@pytest.fixture(scope="module")
def fits():
    df = load_demo_panel()
    w = si.weights.contiguity(load_provinces(), id="code", islands="nearest", normalize="row")
    kw = dict(entity="code", time="year", fixed_effects="twoway")
    return {"df": df, "ols_fe": si.models.ols(FORMULA, df, w, **kw), "sdm": si.models.sdm(FORMULA, df, w, **kw),
            "sar20": si.models.sar(FORMULA, df[df.year == 2020], w, id="code")}


def _num(cell: str) -> float:
    return float(cell.strip("()[]*"))


def test_t_statistics_in_parentheses_equal_params_over_bse(fits):
    res = [fits["ols_fe"], fits["sdm"], fits["sar20"]]
    f = si.compare(res, se="t").frame
    for j, r in enumerate(res):
        for term in r.params.index:
            sec = "spatial" if term in ("rho", "lambda") else "coefficients"
            cell = f.loc[(sec, term, "se"), f.columns[j]]
            assert cell.startswith("(") and cell.endswith(")")
            assert _num(cell) == pytest.approx(r.params[term] / r.bse[term], abs=5e-4), (term, cell)
    assert "t statistics (estimate / standard error) in parentheses" in si.compare(res, se="t").notes


def test_p_values_and_intervals(fits):
    r = fits["sdm"]
    f = si.compare([r], se="p", digits=4).frame
    assert _num(f.loc[("coefficients", "coagg", "se"), "(1)"]) == pytest.approx(r.pvalues["coagg"], abs=5e-5)
    t = si.compare([r], se="ci", ci_level=0.9)
    ci = r.conf_int(alpha=0.1)
    lo, hi = t.frame.loc[("coefficients", "agglom", "se"), "(1)"].strip("[]").split(", ")
    assert float(lo) == pytest.approx(ci.loc["agglom", "lower"], abs=5e-4)
    assert float(hi) == pytest.approx(ci.loc["agglom", "upper"], abs=5e-4)
    assert "90% confidence intervals in brackets" in t.notes
    with pytest.raises(si.SpatialInnoError, match="se must be"):
        si.compare([r], se="sd")


def test_star_levels_configurable(fits):
    r = fits["sdm"]
    levels = (0.5, 0.2)
    f = si.compare([r], stars=levels).frame
    for term in ("coagg", "W_pgdp", "agglom"):
        p = r.pvalues[term]
        want = "*" * sum(p < a for a in levels)
        assert f.loc[("coefficients", term, "estimate"), "(1)"] == f"{r.params[term]:.3f}" + want
    assert "** p<0.2, * p<0.5" in si.compare([r], stars=levels).notes
    assert not si.compare([r], stars=False).frame.loc[("coefficients", "agglom", "estimate"), "(1)"].endswith("*")


def test_statsmodels_linearmodels_pyfixest_in_one_table(fits):
    smf = pytest.importorskip("statsmodels.formula.api")
    linearmodels = pytest.importorskip("linearmodels")
    df = fits["df"]
    sm = smf.ols(FORMULA, df).fit()
    lm = linearmodels.PanelOLS.from_formula(FORMULA + " + EntityEffects + TimeEffects",
                                            df.set_index(["code", "year"])).fit()
    t = si.compare([fits["ols_fe"], sm, lm], stats=["R2", "NOBS", "llf"], se="se")
    f = t.frame
    assert list(f.loc[("model", "Model", "stat")]) == ["OLS", "OLS", "PanelOLS"]
    assert "<statsmodels" not in str(t) and "object at" not in t.to_markdown()
    for term in ("agglom", "rd"):
        assert f.loc[("coefficients", term, "estimate"), "(2)"].rstrip("*") == f"{sm.params[term]:.3f}"
        assert f.loc[("coefficients", term, "se"), "(2)"] == f"({sm.bse[term]:.3f})"
        assert f.loc[("coefficients", term, "se"), "(3)"] == f"({lm.std_errors[term]:.3f})"
    assert f.loc[("coefficients", "Intercept", "estimate"), "(3)"] == ""
    # R2 = squared correlation of fitted and observed: statsmodels' R2 for OLS with a constant, and on the
    # within-transformed data of a two-way FE panel linearmodels' within R2 of the same regression
    assert float(f.loc[("statistics", "R2", "stat"), "(2)"]) == pytest.approx(sm.rsquared, abs=5e-4)
    assert float(f.loc[("statistics", "R2", "stat"), "(1)"]) == pytest.approx(lm.rsquared, abs=5e-4)
    assert f.loc[("statistics", "Observations", "stat"), "(2)"] == "465"
    assert "within-transformed (fixed-effects) data in (1), (3)" in t.notes
    with pytest.raises(si.SpatialInnoError, match="unknown statistic"):
        si.compare([sm], stats=["R3"])


def test_pyfixest_result(fits):
    pf = pytest.importorskip("pyfixest")
    df = fits["df"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fx = pf.feols(FORMULA + " | code + year", df)
    f = si.compare([fits["ols_fe"], fx], stats=["nobs"]).frame
    assert list(f.loc[("model", "Model", "stat")]) == ["OLS", "Feols"]
    # the same two-way FE regression: identical coefficients from both packages
    for term in ("agglom", "coagg", "pgdp", "rd"):
        assert f.loc[("coefficients", term, "estimate"), "(2)"] == f.loc[("coefficients", term, "estimate"), "(1)"]
        assert f.loc[("coefficients", term, "estimate"), "(2)"].rstrip("*") == f"{fx.coef()[term]:.3f}"
    assert f.loc[("statistics", "Observations", "stat"), "(2)"] == "465"


def test_rows_groups_labels_notes_and_model_row(fits):
    res = {"SAR": fits["sar20"], "OLS": fits["ols_fe"], "SDM": fits["sdm"]}
    t = si.compare(res, rows={"Province FE": ["No", "Yes", "Yes"]}, groups={"Cross-section": 1, "Panel": 2},
                   labels={"agglom": "产业集聚", "rd": "R&D 强度"}, notes="Source: demo panel.")
    f = t.frame
    assert "model" not in f.index.get_level_values("section")  # names already say the model
    assert list(f.loc[("rows", "Province FE", "stat")]) == ["No", "Yes", "Yes"]
    assert t.groups == [("Cross-section", 1), ("Panel", 2)]
    assert t.notes.endswith("Source: demo panel.")
    md = t.to_markdown()
    assert "产业集聚" in md and "W×产业集聚" in md and "R&D 强度" in md and "Province FE" in md
    assert md.splitlines()[0].split("|")[2].strip() == "Cross-section"
    html = t.to_html()
    assert 'colspan="2"' in html and "Panel" in html
    tex = t.to_latex()
    assert r"\multicolumn{2}{c}{Panel}" in tex and r"\cmidrule(lr){3-4}" in tex and r"R\&D 强度" in tex
    assert r"\usepackage{ctex}" in t.to_latex(document=True)
    with pytest.raises(si.SpatialInnoError, match="groups span"):
        si.compare(res, groups={"a": 2})
    with pytest.raises(si.SpatialInnoError, match="one per model"):
        si.compare(res, rows={"FE": ["Yes"]})


def test_iv_and_gmm_results_in_the_same_table(fits):
    df = fits["df"]
    w = si.weights.contiguity(load_provinces(), id="code", islands="nearest", normalize="row")
    iv = si.gs2sls(FORMULA, df[df.year == 2020], w, model="sar", id="code")
    gmm = si.dynamic_gmm("innov ~ agglom + rd", df, entity="code", time="year", collapse=True)
    t = si.compare([fits["sar20"], iv, gmm], se="t")
    f = t.frame
    assert list(f.loc[("model", "Model", "stat")])[:2] == ["SAR", "GS2SLS SAR"]
    assert "GMM" in f.loc[("model", "Model", "stat"), "(3)"]
    assert _num(f.loc[("spatial", "rho", "se"), "(2)"]) == pytest.approx(iv.params["rho"] / iv.bse["rho"], abs=5e-4)
    lag = [t for t in gmm.params.index if t.startswith("L1.")][0]
    assert f.loc[("coefficients", lag, "estimate"), "(3)"].rstrip("*") == f"{gmm.params[lag]:.3f}"


def test_docx_read_back(fits, tmp_path):
    docx = pytest.importorskip("docx")
    r = fits["sdm"]
    t = si.compare({"SAR": fits["sar20"], "SDM": r}, labels={"agglom": "产业集聚"}, groups={"Cross": 1, "Panel": 1},
                   rows={"Province FE": ["No", "Yes"]})
    path = t.to_docx(tmp_path / "t.docx", caption="Table 1")
    doc = docx.Document(str(path))
    assert len(doc.tables) == 1
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells[0][1:] == ["Cross", "Panel"] and cells[1][1:] == ["SAR", "SDM"]
    first = [row[0] for row in cells]
    assert "产业集聚" in first and "W×产业集聚" in first and "Province FE" in first
    i = first.index("产业集聚")
    assert cells[i][2].rstrip("*") == f"{r.params['agglom']:.3f}"
    assert cells[i + 1][2] == f"({r.bse['agglom']:.3f})"
    assert any("Standard errors in parentheses" in p.text for p in doc.paragraphs)
    xml = doc.element.xml
    assert xml.count("<w:top ") >= 3 and "<w:bottom " in xml  # three-line rules


def test_bias_correction_only_where_there_is_one(fits):
    f = si.compare([fits["ols_fe"], fits["sdm"], fits["sar20"]], stats=["bias_correction", "fixed_effects"]).frame
    row = list(f.loc[("statistics", "Bias correction", "stat")])
    assert row[0] == "-" and row[2] == "-"  # OLS with FE, cross-section SAR: nothing corrected
    assert row[1] == str(fits["sdm"].bias_correction) and row[1] != "-"


def test_keep_leaves_the_spatial_parameters_in_their_block():
    """``keep=`` selects regressors; rho and lambda stay in the spatial block as the docstring says."""
    w = si.weights.contiguity(si.datasets.load_provinces(), id="code", islands="nearest")
    panel = si.datasets.load_demo_panel()
    cross = panel[panel["year"] == panel["year"].max()].set_index("code")
    sar = si.sar("innov ~ agglom + pgdp", cross, w)
    sem = si.sem("innov ~ agglom + pgdp", cross, w)
    md = si.compare([sar, sem], keep=["agglom"]).to_markdown()
    assert "rho" in md and "lambda" in md and "pgdp" not in md
