"""The report document and its jinja2 templates: escaping, raw HTML, tables, figures, inline CSS."""

from __future__ import annotations

import base64
import re
from importlib import resources

import pandas as pd
import pytest

from spatialinno.cli.document import Document

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/"
                       "PchI7wAAAABJRU5ErkJggg==")


def test_render_escapes_text_and_keeps_raw_html(tmp_path):
    png = tmp_path / "f.png"
    png.write_bytes(PNG)
    doc = Document("A <b> title", subtitle="sub & co", banner="<strong>Simulated</strong>", footer="<i>foot</i>")
    sec = doc.section("one", "Section <1>")
    sec.paragraph("x < 1 & y > 2", cls="note")
    sec.paragraph("<code>raw</code>", raw=True)
    sec.bullets(["a < b"])
    sec.table(pd.DataFrame({"estimate": [1.23456], "p_value": [0.0001]}, index=pd.Index(["rho"], name="term")),
              "Caption <c>", note="n & m", highlight=lambda r: True, legend="significant: p < 0.05")
    sec.figure(png, "Figure \"1\"")
    sec.callout("careful & quick", kind="warn")
    page = doc.render()
    assert "<title>A &lt;b&gt; title</title>" in page
    assert "x &lt; 1 &amp; y &gt; 2" in page and '<p class="note">' in page
    assert "<code>raw</code>" in page and "<strong>Simulated</strong>" in page and "<i>foot</i>" in page
    assert "<li>a &lt; b</li>" in page
    assert '<div class="cap">Caption &lt;c&gt;</div>' in page and '<div class="note">n &amp; m</div>' in page
    assert '<tr class="mark-sig">' in page and ">1.235<" in page and ">&lt; 0.001<" in page
    assert '<span class="swatch mark-sig"></span>significant: p &lt; 0.05</div>' in page
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in page
    assert '<div class="callout warn">careful &amp; quick</div>' in page
    assert '<section id="one"><h2>Section &lt;1&gt;</h2>' in page
    assert '<a href="#one">Section &lt;1&gt;</a>' in page


def test_css_file_is_embedded_verbatim():
    css = (resources.files("spatialinno.cli") / "templates" / "report.css").read_text(encoding="utf-8")
    page = Document("t").render()
    assert css in page  # not escaped: quotes in font names survive
    assert '"Segoe UI"' in page
    for bad in ("<script", "<link", "@import", "http://", "https://"):
        assert bad not in page


def test_each_mark_has_its_own_style_and_a_legend():
    """One meaning per row style: 'significant' and 'interval misses the truth' look different and are explained."""
    doc = Document("t")
    sec = doc.section("s", "S")
    df = pd.DataFrame({"estimate": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="term"))
    sec.table(df, "sig", highlight=lambda r: r["estimate"] > 1, legend="significant: p < 0.05")
    sec.side_by_side([(df, "truth", {"highlight": lambda r: r["estimate"] < 2, "mark": "miss",
                                     "legend": "the 95% interval misses the true value"})])
    page = doc.render()
    assert page.count('<tr class="mark-sig">') == 1 and page.count('<tr class="mark-miss">') == 1
    assert '<span class="swatch mark-miss"></span>the 95% interval misses the true value' in page
    css = (resources.files("spatialinno.cli") / "templates" / "report.css").read_text(encoding="utf-8")
    styles = {m: re.search(r"tr\.mark-" + m + r" td\{background:(#[0-9a-f]+)", css).group(1) for m in ("sig", "miss")}
    assert styles["sig"] != styles["miss"]
    assert "tr.hl" not in css
    with pytest.raises(ValueError, match="legend"):
        sec.table(df, "no legend", highlight=lambda r: True)
    with pytest.raises(ValueError, match="mark must be one of"):
        sec.table(df, "bad mark", highlight=lambda r: True, mark="yellow", legend="x")
