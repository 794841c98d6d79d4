"""si.compare / CompareTable: layout, stars at the exact 10/5/1% boundaries, LaTeX and Markdown structure."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.tables import CompareTable, compare, significance_stars


# ---- small fake results -------------------------------------------------------------------------
class FakeWeights:
    kind = "queen contiguity (+1 island link)"
    normalization = "row"

    def describe(self):
        return "queen contiguity (+1 island link), row-normalised, n=31, links=138"


class FakeResult:
    def __init__(self, params, bse, pvalues, model="SDM", impacts=None, T=15, fe="twoway"):
        self.params = pd.Series(params, dtype=float)
        self.bse = pd.Series(bse, dtype=float)
        self.pvalues = pd.Series(pvalues, dtype=float)
        self.model = model
        self.N, self.T, self.nobs = 31, T, 31 * T
        self.fixed_effects = fe
        self.bias_correction = "lee-yu" if fe else None
        self.weights = FakeWeights()
        self.llf = 123.4567
        self.aic = -220.9134
        self._impacts = impacts
        self.impacts_calls = []

    def impacts(self, method="simulation", draws=1000, seed=0):
        self.impacts_calls.append((method, draws, seed))
        return self._impacts


BOUNDARY_P = {"a": 0.0099, "b": 0.01, "c": 0.0499, "d": 0.05, "e": 0.0999, "f": 0.1, "g": 0.5}
BOUNDARY_STARS = {"a": "***", "b": "**", "c": "**", "d": "*", "e": "*", "f": "", "g": ""}


def test_significance_stars_boundaries():
    for k, p in BOUNDARY_P.items():
        assert significance_stars(p) == BOUNDARY_STARS[k], (k, p)
    assert significance_stars(0.0) == "***"
    assert significance_stars(float("nan")) == ""


def test_stars_in_table_at_boundaries():
    terms = list(BOUNDARY_P)
    r = FakeResult({t: 1.0 for t in terms} | {"rho": 0.3}, {t: 0.5 for t in terms} | {"rho": 0.1},
                   BOUNDARY_P | {"rho": 0.001})
    f = compare([r]).frame
    for t in terms:
        assert f.loc[("coefficients", t, "estimate"), "(1)"] == "1.000" + BOUNDARY_STARS[t]
        assert f.loc[("coefficients", t, "se"), "(1)"] == "(0.500)"
    assert f.loc[("spatial", "rho", "estimate"), "(1)"] == "0.300***"
    nostars = compare([r], stars=False).frame
    assert nostars.loc[("coefficients", "a", "estimate"), "(1)"] == "1.000"


def _impacts_frame(pvals):
    rows = []
    for v, p in pvals.items():
        for e, (est, pv) in zip(("direct", "indirect", "total"), ((0.3, p), (0.2, 0.05), (0.5, 0.2)), strict=True):
            rows.append((v, e, est, 0.1, est / 0.1, pv, est - 0.2, est + 0.2))
    return pd.DataFrame(rows, columns=["variable", "effect", "estimate", "std_error", "z", "p_value", "ci_lower",
                                       "ci_upper"]).set_index(["variable", "effect"])


@pytest.fixture
def four():
    sar = FakeResult({"x1": 0.5, "x2": -0.2, "rho": 0.4}, {"x1": 0.1, "x2": 0.1, "rho": 0.05},
                     {"x1": 0.001, "x2": 0.07, "rho": 0.0}, model="SAR",
                     impacts=_impacts_frame({"x1": 0.001, "x2": 0.06}))
    sem = FakeResult({"x1": 0.45, "x2": -0.1, "lambda": 0.3}, {"x1": 0.1, "x2": 0.1, "lambda": 0.05},
                     {"x1": 0.002, "x2": 0.3, "lambda": 0.0}, model="SEM")
    sdm = FakeResult({"x1": 0.5, "x2": -0.2, "W_x1": 0.3, "W_x2": 0.0, "rho": 0.35},
                     {"x1": 0.1, "x2": 0.1, "W_x1": 0.1, "W_x2": 0.2, "rho": 0.05},
                     {"x1": 0.001, "x2": 0.04, "W_x1": 0.003, "W_x2": 1.0, "rho": 0.0}, model="SDM",
                     impacts=_impacts_frame({"x1": 0.009, "x2": 0.011}))
    ols = FakeResult({"Intercept": 1.0, "x1": 0.6, "x2": -0.3}, {"Intercept": 0.2, "x1": 0.1, "x2": 0.1},
                     {"Intercept": 0.0, "x1": 0.0, "x2": 0.01}, model="OLS", T=1, fe=None)
    return [sar, sem, sdm, ols]


def test_layout(four):
    t = compare(four, effects=True, draws=50, seed=7)
    assert isinstance(t, CompareTable)
    for attr in ("frame", "names", "notes", "labels"):  # read-only
        with pytest.raises(AttributeError):
            setattr(t, attr, None)
    f = t.frame
    assert list(f.columns) == ["(1)", "(2)", "(3)", "(4)"]
    assert list(f.index.names) == ["section", "term", "kind"]
    sections = list(dict.fromkeys(f.index.get_level_values("section")))
    assert sections == ["model", "coefficients", "spatial", "direct", "indirect", "total", "statistics"]
    assert list(f.loc["model"].iloc[0]) == ["SAR", "SEM", "SDM", "OLS"]
    coef_terms = list(dict.fromkeys(f.loc["coefficients"].index.get_level_values("term")))
    assert coef_terms == ["x1", "x2", "W_x1", "W_x2", "Intercept"]
    # estimate row followed by its SE row
    kinds = list(f.loc["coefficients"].index.get_level_values("kind"))
    assert kinds == ["estimate", "se"] * 5
    assert f.loc[("coefficients", "W_x1", "estimate"), "(1)"] == ""  # SAR has no W_x1
    assert f.loc[("coefficients", "W_x1", "estimate"), "(3)"] == "0.300***"
    assert f.loc[("coefficients", "W_x2", "estimate"), "(3)"] == "0.000"
    assert f.loc[("coefficients", "x2", "estimate"), "(1)"] == "-0.200*"
    assert f.loc[("coefficients", "x2", "estimate"), "(3)"] == "-0.200**"
    assert f.loc[("spatial", "rho", "estimate"), "(2)"] == ""
    assert f.loc[("spatial", "lambda", "estimate"), "(2)"] == "0.300***"
    # effects: stars from the impacts p-values; SEM and OLS have no effects column entries
    assert f.loc[("direct", "x1", "estimate"), "(3)"] == "0.300***"  # p = 0.009
    assert f.loc[("direct", "x2", "estimate"), "(3)"] == "0.300**"  # p = 0.011
    assert f.loc[("direct", "x2", "estimate"), "(1)"] == "0.300*"  # p = 0.06
    assert f.loc[("indirect", "x1", "estimate"), "(1)"] == "0.200*"  # p = 0.05 exactly -> one star
    assert f.loc[("total", "x1", "estimate"), "(1)"] == "0.500"
    assert f.loc[("total", "x1", "se"), "(1)"] == "(0.100)"
    assert f.loc[("direct", "x1", "estimate"), "(2)"] == "" and f.loc[("direct", "x1", "estimate"), "(4)"] == ""
    assert four[0].impacts_calls == [("simulation", 50, 7)]
    assert four[1].impacts_calls == [] and four[3].impacts_calls == []
    stats = list(f.loc["statistics"].index.get_level_values("term"))
    assert stats == ["N", "T", "Observations", "Fixed effects", "Bias correction", "Weights", "Log-likelihood", "AIC"]
    assert list(f.loc[("statistics", "T", "stat")]) == ["15", "15", "15", "1"]
    assert f.loc[("statistics", "Fixed effects", "stat"), "(4)"] == "-"
    assert f.loc[("statistics", "Log-likelihood", "stat"), "(1)"] == "123.457"
    assert f.loc[("statistics", "Weights", "stat"), "(1)"] == "queen contiguity"
    assert "n=31, links=138" in t.notes


def test_no_effects_by_default(four):
    f = compare(four).frame
    assert not set(f.index.get_level_values("section")) & {"direct", "indirect", "total"}
    assert four[0].impacts_calls == []


def _latex_rows(tex):
    body = tex[tex.index(r"\toprule"):tex.index(r"\bottomrule")]
    return [l for l in body.splitlines() if l.rstrip().endswith(r"\\")]


def _check_latex(tex, k):
    rows = _latex_rows(tex)
    assert rows
    for l in rows:
        amp = len(re.findall(r"(?<!\\)&", l))
        assert amp == k, l
    # balanced braces and environments; no unescaped specials in text
    stripped = re.sub(r"\\[{}]", "", tex)
    assert stripped.count("{") == stripped.count("}")
    for env in ("tabular", "table"):
        assert tex.count(rf"\begin{{{env}}}") == tex.count(rf"\end{{{env}}}")
    assert not re.search(r"(?<!\\)_", tex), "unescaped underscore"
    assert not re.search(r"(?<!\\)%", tex.split(r"\end{tabular}")[0]), "unescaped percent"
    assert tex.count("$") % 2 == 0
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert rule in tex
    assert re.search(r"\\begin\{tabular\}\{l" + "c" * k + r"\}", tex)


def test_latex_structure_fake(four):
    t = compare(four, effects=True, names=["SAR & co", "SEM 5%", "sdm_1", "OLS #4"])
    tex = t.to_latex(caption="Results: 95% & more", label="tab:x")
    _check_latex(tex, 4)
    assert r"SAR \& co" in tex and r"SEM 5\%" in tex and r"sdm\_1" in tex and r"OLS \#4" in tex
    assert r"W\_x1" in tex and r"$\rho$" in tex and r"$\lambda$" in tex
    assert r"0.300$^{***}$" in tex and r"-0.200$^{*}$" in tex
    assert r"\textit{Direct effects}" in tex
    assert r"\caption{Results: 95\% \& more}" in tex and r"\label{tab:x}" in tex
    bare = t.to_latex(env=None)
    assert r"\begin{table}" not in bare
    _check_latex(bare, 4)


def test_markdown_structure_fake(four):
    md = compare(four, effects=True).to_markdown()
    lines = [l for l in md.splitlines() if l.startswith("|")]
    pipes = {len(re.findall(r"(?<!\\)\|", l)) for l in lines}
    assert pipes == {6}  # 5 columns -> 6 pipes on every line
    assert re.fullmatch(r"\| :-+ \| (:-+: \| ){4}", lines[1] + " ") or set(lines[1]) <= set("|:- ")
    assert "W_x1" in md and "0.300***" in md and "*Direct effects*" in md
    assert "| (0.100)" in md.replace("  ", " ") or "(0.100)" in md
    assert r"\*\*\* p<0.01" in md


def test_html_and_str(four):
    t = compare(four, effects=True)
    h = t.to_html()
    assert h.startswith("<table") and h.count("<tr") == h.count("</tr>")
    assert "0.300***" in h and "Direct effects" in h
    assert t._repr_html_() == h
    s = str(t)
    assert "SDM" in s and "(0.100)" in s and "Log-likelihood" in s


def test_names_mapping_keep_labels_errors(four):
    t = compare({"A": four[0], "B": four[2]}, keep=["x1", "W_x1"], labels={"W_x1": "W x1"})
    assert list(t.frame.columns) == ["A", "B"]
    assert list(dict.fromkeys(t.frame.loc["coefficients"].index.get_level_values("term"))) == ["x1", "W_x1"]
    assert "W x1" in t.to_markdown()
    with pytest.raises(si.SpatialInnoError, match="names"):
        compare(four, names=["a"])
    with pytest.raises(si.SpatialInnoError, match="statistic"):
        compare(four, stats=["R3"])
    with pytest.raises(si.SpatialInnoError, match="at least one"):
        compare([])


# ---- real fits ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_fits():
    from spatialinno.datasets import load_demo_panel, load_provinces

    df = load_demo_panel()
    w = si.weights.contiguity(load_provinces(), id="code", islands="nearest", normalize="row")
    f = "innov ~ agglom + coagg + pgdp + rd"
    kw = dict(entity="code", time="year")
    return [
        si.models.sar(f, df, w, fixed_effects="twoway", **kw),
        si.models.sem(f, df, w, fixed_effects="twoway", **kw),
        si.models.sdm(f, df, w, fixed_effects="twoway", **kw),
        si.models.sar(f, df[df.year == 2020], w, id="code"),
    ]


def test_compare_four_real_models(demo_fits):
    t = compare(demo_fits, effects=True, draws=200, seed=3)
    f = t.frame
    assert list(f.loc["model"].iloc[0]) == ["SAR", "SEM", "SDM", "SAR"]
    sdm = demo_fits[2]
    for term in ("agglom", "W_agglom", "rho"):
        sec = "spatial" if term == "rho" else "coefficients"
        cell = f.loc[(sec, term, "estimate"), "(3)"]
        assert cell == f"{sdm.params[term]:.3f}" + significance_stars(sdm.pvalues[term])
        assert f.loc[(sec, term, "se"), "(3)"] == f"({sdm.bse[term]:.3f})"
    imp = sdm.impacts(method="simulation", draws=200, seed=3)
    cell = f.loc[("indirect", "agglom", "estimate"), "(3)"]
    assert cell == f"{imp.loc[('agglom', 'indirect'), 'estimate']:.3f}" + significance_stars(
        imp.loc[("agglom", "indirect"), "p_value"])
    assert f.loc[("statistics", "T", "stat"), "(4)"] == "1"
    assert f.loc[("statistics", "Fixed effects", "stat"), "(3)"] == "twoway"
    assert f.loc[("statistics", "Bias correction", "stat"), "(3)"] == "lee-yu"
    assert f.loc[("statistics", "Fixed effects", "stat"), "(4)"] == "-"
    tex = t.to_latex()
    _check_latex(tex, 4)
    md = t.to_markdown()
    assert len({len(re.findall(r"(?<!\\)\|", l)) for l in md.splitlines() if l.startswith("|")}) == 1
    assert np.isfinite(sdm.llf) and f"{sdm.llf:.3f}" in md


def test_weights_row_strips_nested_parentheses(demo_fits):
    """The table cell names the kind only; nested descriptions (e.g. nested W's) keep no stray brackets."""
    from spatialinno.datasets import load_demo_panel, load_provinces

    prov = load_provinces()
    df = load_demo_panel()
    cont = si.weights.contiguity(prov, id="code", islands="nearest")
    econ = si.weights.economic_distance(df.groupby("code")["pgdp"].mean())
    nested = si.weights.nested(cont, econ, phi=0.5)
    assert "(" in nested.kind and nested.kind.count("(") >= 2
    fit = si.models.sar("innov ~ agglom", df[df.year == 2020], nested, id="code")
    f = compare([demo_fits[3], fit]).frame
    assert f.loc[("statistics", "Weights", "stat"), "(1)"] == "queen contiguity"
    assert f.loc[("statistics", "Weights", "stat"), "(2)"] == "nested"
