"""si.compare(...).to_latex() compiles with pdflatex (booktabs), on real fits of four models with effects.

Needs ``pdflatex`` and ``booktabs.sty`` (Debian: ``texlive-latex-base texlive-latex-recommended``; in CI
``.ci/install_latex.sh``); skipped without them."""

from __future__ import annotations

import shutil
import subprocess

import pytest

import spatialinno as si
from spatialinno.datasets import load_demo_panel, load_provinces

PDFLATEX = shutil.which("pdflatex")
pytestmark = pytest.mark.skipif(
    PDFLATEX is None or shutil.which("kpsewhich") is None
    or subprocess.run(["kpsewhich", "booktabs.sty"], capture_output=True, text=True).stdout.strip() == "",
    reason="pdflatex with booktabs not installed (CI: run .ci/install_latex.sh)")

PREAMBLE = r"""\documentclass{article}
\usepackage[margin=1cm,paperheight=60cm]{geometry}
\usepackage{booktabs}
\begin{document}
"""


def _compile(tex: str, tmp_path) -> str:
    """pdflatex must exit 0 with -halt-on-error (any LaTeX error stops it) and write a PDF."""
    (tmp_path / "t.tex").write_text(PREAMBLE + tex + "\n\\end{document}\n", encoding="utf-8")
    proc = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    log = (tmp_path / "t.log").read_text(encoding="latin-1") if (tmp_path / "t.log").exists() else proc.stdout
    assert proc.returncode == 0, log[-3000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000
    return log


def test_four_models_with_effects_compile(tmp_path):
    df = load_demo_panel()
    w = si.weights.contiguity(load_provinces(), id="code", islands="nearest", normalize="row")
    f = "innov ~ agglom + coagg + pgdp + rd"
    kw = dict(entity="code", time="year", fixed_effects="twoway")
    fits = {"OLS 2020": si.models.ols(f, df[df.year == 2020], w, id="code"), "SAR_FE": si.models.sar(f, df, w, **kw),
            "SEM & FE": si.models.sem(f, df, w, **kw), "SDM (100%)": si.models.sdm(f, df, w, **kw)}
    table = si.compare(fits, effects=True, draws=200, seed=1)
    log = _compile(table.to_latex(caption="Spillovers: 95% intervals & stars", label="tab:main"), tmp_path)
    assert "Undefined control sequence" not in log and "Missing $ inserted" not in log
    # the bare tabular (env=None) compiles inside a user's own table environment
    _compile("\\begin{table}\n" + table.to_latex(env=None) + "\n\\end{table}", tmp_path)


def test_groups_rows_t_statistics_compile(tmp_path):
    df = load_demo_panel()
    w = si.weights.contiguity(load_provinces(), id="code", islands="nearest", normalize="row")
    f = "innov ~ agglom + coagg + pgdp + rd"
    kw = dict(entity="code", time="year", fixed_effects="twoway")
    fits = [si.models.sar(f, df[df.year == 2020], w, id="code"), si.models.sar(f, df, w, **kw),
            si.models.sdm(f, df, w, **kw)]
    table = si.compare(fits, se="t", groups={"Cross-section": 1, "Panel (two-way FE)": 2}, stats=["nobs", "R2", "llf"],
                       rows={"Province FE": ["No", "Yes", "Yes"]}, labels={"rd": "R&D_share"})
    log = _compile(table.to_latex(), tmp_path)
    assert "Undefined control sequence" not in log


XELATEX = shutil.which("xelatex")
HAS_CTEX = shutil.which("kpsewhich") is not None and subprocess.run(
    ["kpsewhich", "ctex.sty"], capture_output=True, text=True).stdout.strip() != ""


@pytest.mark.skipif(XELATEX is None or not HAS_CTEX, reason="xelatex with ctex not installed (Debian: texlive-xetex "
                                                             "texlive-lang-chinese)")
def test_chinese_labels_compile_with_xelatex(tmp_path):
    df = load_demo_panel()
    w = si.weights.contiguity(load_provinces(), id="code", islands="nearest", normalize="row")
    fit = si.models.sdm("innov ~ agglom + rd", df, w, entity="code", time="year", fixed_effects="twoway")
    table = si.compare({"空间杜宾模型": fit}, labels={"agglom": "产业集聚", "rd": "研发强度"},
                       rows={"省份固定效应": ["是"]}, notes="数据：演示面板。")
    src = table.to_latex(caption="空间溢出效应", document=True)
    assert r"\usepackage{ctex}" in src
    (tmp_path / "zh.tex").write_text(src, encoding="utf-8")
    proc = subprocess.run([XELATEX, "-interaction=nonstopmode", "-halt-on-error", "zh.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    log = (tmp_path / "zh.log").read_text(encoding="utf-8", errors="replace") if (tmp_path / "zh.log").exists() else ""
    assert proc.returncode == 0, (log or proc.stdout)[-3000:]
    assert (tmp_path / "zh.pdf").stat().st_size > 1000
    assert "Missing character" not in log
