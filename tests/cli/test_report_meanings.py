"""The report says each thing once and means one thing by each mark (issue 18, item 6).

(a) one row style per meaning, each with a legend next to its table; (b) the Moran scatter fills the regions the
LISA map calls significant; (c) one spillover boundary, with its definition; (d) no bias-correction label on
models without a spatial parameter; (e) island links named where they drive a spillover ranking.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

import spatialinno as si
from spatialinno.cli import figures, prose
from spatialinno.plot.layout import LISA_COLORS

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("meanings") / "report"
    proc = subprocess.run([sys.executable, "-m", "spatialinno", "demo", "--out", str(out)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    return html, json.loads((out / "run.json").read_text())


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace("&amp;", "&")


def _section(html: str, sid: str) -> str:
    return html[html.index(f'<section id="{sid}">'):].split("</section>", 1)[0]


# -- (a) --------------------------------------------------------------------------------------------
def test_a_each_mark_has_one_meaning_and_a_legend_next_to_its_table(demo):
    html, _ = demo
    assert 'class="hl"' not in html
    truth, others = _section(html, "truth"), html.replace(_section(html, "truth"), "")
    assert 'class="mark-miss"' in truth and 'class="mark-sig"' not in truth
    assert 'class="mark-sig"' in others and 'class="mark-miss"' not in others
    blocks = re.findall(r'<div class="block">(.*?)</table>', html, flags=re.S)
    marked = [b for b in blocks if 'class="mark-' in b]
    assert len(marked) >= 5
    for b in marked:
        kinds = set(re.findall(r'<tr class="mark-(\w+)"', b))
        assert len(kinds) == 1
        (kind,) = kinds
        legend = re.search(r'<div class="legend"><span class="swatch mark-(\w+)"></span>([^<]+)</div>', b)
        assert legend is not None and legend.group(1) == kind
        assert ("misses the true value" in legend.group(2)) == (kind == "miss")
        assert ("significant" in legend.group(2)) == (kind == "sig")


# -- (b) --------------------------------------------------------------------------------------------
def test_b_moran_scatter_fills_exactly_the_significant_lisa_regions(province_w):
    y = si.datasets.load_demo_panel().query("year == 2020").set_index("code")["innov"]
    lisa = si.local_moran(y, province_w, permutations=199, seed=3, alpha=0.05)
    gdf = si.datasets.load_provinces()
    fig = figures.lisa_figure(gdf, "code", lisa, y, province_w, "innov", 2020)
    ax = fig.axes[-1]
    by_gid = {c.get_gid(): c for c in ax.collections if c.get_gid()}
    filled, hollow = by_gid["lisa-significant"], by_gid["lisa-not-significant"]
    labels = ax.get_legend_handles_labels()[1]
    assert any(t.startswith("significant LISA (permutation p ≤ 0.05): filled") for t in labels)
    assert any(t.startswith("not significant: hollow") for t in labels)
    sig = lisa["cluster"].isin(["HH", "LL", "HL", "LH"])
    assert len(filled.get_offsets()) == int(sig.sum()) > 0
    assert len(hollow.get_offsets()) == int((~sig).sum()) > 0
    white = np.array(to_rgba("white"))
    assert np.allclose(hollow.get_facecolors(), white)
    got = {tuple(np.round(c, 4)) for c in filled.get_facecolors()}
    want = {tuple(np.round(to_rgba(LISA_COLORS[c]), 4)) for c in lisa.loc[sig, "cluster"]}
    assert got == want
    assert not any(np.allclose(c, white) for c in filled.get_facecolors())
    matplotlib.pyplot.close(fig)


def test_b_lisa_of_other_regions_is_refused(province_w):
    y = si.datasets.load_demo_panel().query("year == 2020").set_index("code")["innov"]
    lisa = si.local_moran(y, province_w, permutations=99, seed=3).iloc[1:]
    with pytest.raises(si.SpatialInnoError, match="lacks regions"):
        si.plot.moran_scatter(y, province_w, lisa=lisa)


# -- (c) --------------------------------------------------------------------------------------------
def test_c_one_boundary_statement_with_its_definition(demo):
    html, run = demo
    text = _text(html)
    b = run["results"]["decay_boundary_km"]
    assert b is not None
    said = {float(x.replace(",", "")) for x in re.findall(r"spillover boundary of agglom is ([\d,]+) km", text)}
    assert said == {b}
    assert text.count(f"spillover boundary of agglom is {b:,.0f} km") == 2  # findings and the decay section
    assert "up to about" not in text and "Spillover boundary of agglom:" not in text
    assert text.count("The spillover boundary is the first distance threshold after the first run") == 1


# -- (d) --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fe_fits(province_w):
    df = si.datasets.load_demo_panel()
    kw = dict(entity="code", time="year", fixed_effects="twoway", bias_correction="lee-yu")
    f = "innov ~ agglom + rd"
    return si.ols(f, df, province_w, **kw), si.slx(f, df, province_w, **kw), si.sar(f, df, province_w, **kw)


def test_d_no_bias_correction_label_without_a_spatial_parameter(fe_fits):
    ols, slx, sar = fe_fits
    for res in (ols, slx):
        header = dict(res.summary().header)
        assert header["Bias correction"] == "-" and "Lee-Yu" not in res.title
    assert dict(sar.summary().header)["Bias correction"] == "lee-yu" and "Lee-Yu" in sar.title
    s = prose.bias_sentence("lee-yu", [ols, sar, None, slx])
    assert s == "Bias correction lee-yu for SAR (the models with a spatial parameter); none for OLS, SLX."
    assert prose.bias_sentence("lee-yu", [ols]) == "No model carries a bias correction."
    md = si.compare({"OLS": ols, "SAR": sar}).to_markdown()
    row = next(line for line in md.splitlines() if line.startswith("| Bias correction"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] != "lee-yu" and cells[2] == "lee-yu", row


def test_d_demo_states_which_models_are_corrected(demo):
    html, _ = demo
    text = _text(_section(html, "models"))
    assert "Bias correction lee-yu for SAR, SEM, SDM (the models with a spatial parameter)" in text
    assert "All models: twoway fixed effects, bias correction" not in text


# -- (e) --------------------------------------------------------------------------------------------
def test_e_island_only_rows(province_w, provinces):
    assert prose.island_only_rows(province_w) == {460000: [440000]}
    kept = si.weights.contiguity(provinces, id="code", islands="keep")
    assert prose.island_only_rows(kept) == {}


def test_e_island_link_named_where_it_drives_the_spillover_ranking(demo):
    html, run = demo
    assert run["results"]["shock_entity"] == 440000
    findings, spill = _text(_section(html, "findings")), _text(_section(html, "spillover"))
    top = re.search(r"the largest effects are in ([^.]+?\d)\.", findings).group(1)
    assert top.startswith("Hainan (460000)")
    msg = "Hainan (460000) has no contiguous neighbour: its row of W is only the island link to Guangdong (440000)"
    assert msg in findings and msg in spill
    assert "only the added island link to Guangdong (440000)" in spill
    # no island sentence for rankings without such a region
    fake = pd.Index([350000, 450000])

    class _Inp:
        @staticmethod
        def label(i):
            return str(i)

    assert prose.island_sentence(_Inp(), si.weights.contiguity(si.datasets.load_provinces(), id="code",
                                                               islands="nearest"), fake) == ""
