"""Self-contained HTML report: sections of paragraphs, tables and figures embedded as base64 PNG.

The page has inline CSS only, no scripts and no external resources, so it opens offline in any
browser and can be mailed as one file. Plain Python string building (no template engine).

>>> rep = Report("My analysis", subtitle="spatialinno 0.1.0")
>>> sec = rep.section("data", "Data")
>>> sec.paragraph("Thirty-one provinces, 2006-2020.")
>>> html_text = rep.render()
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Report", "Section", "fmt_num", "fmt_p", "fmt_ci", "df_to_html", "CSS"]

esc = html.escape


# -- number formatting -------------------------------------------------------------------------------
def fmt_num(x, digits: int = 3) -> str:
    """Fixed decimals for ordinary magnitudes, scientific notation for very small / large ones."""
    if x is None:
        return ""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6 or a < 10 ** (-digits):
        s = f"{v:.{max(digits - 1, 1)}e}"
    else:
        s = f"{v:,.{digits}f}"
    if s.startswith("-") and float(s.replace(",", "")) == 0.0:
        s = s[1:]
    return s


def fmt_p(p) -> str:
    """p-values: three decimals, ``< 0.001`` below."""
    try:
        v = float(p)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(v):
        return ""
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def fmt_ci(lo, hi, digits: int = 3) -> str:
    return f"[{fmt_num(lo, digits)}, {fmt_num(hi, digits)}]"


def _is_p_column(name) -> bool:
    n = str(name).lower()
    return n in ("p", "p_value", "p-value", "pvalue", "p_norm", "p_rand", "p_sim", "p>|z|") or n.startswith("p_")


def df_to_html(df: pd.DataFrame, *, digits: int = 3, index: bool = True, formats: Mapping[str, Callable] | None = None,
               highlight: Callable[[pd.Series], bool] | None = None, cls: str = "tbl") -> str:
    """A DataFrame as an HTML table with formatted numbers (p-value columns get :func:`fmt_p`).

    ``formats`` maps column names to formatting functions; ``highlight(row) -> bool`` marks rows
    (class ``hl``). Everything is escaped.
    """
    formats = dict(formats or {})
    cols = list(df.columns)
    idx_names = [n for n in (df.index.names if index else [])]
    out = [f'<div class="tblwrap"><table class="{cls}">', "<thead><tr>"]
    if index:
        for n in idx_names:
            out.append(f'<th class="lft">{esc("" if n is None else str(n))}</th>')
    for c in cols:
        label = " / ".join(str(x) for x in c) if isinstance(c, tuple) else str(c)
        out.append(f"<th>{esc(label)}</th>")
    out.append("</tr></thead><tbody>")
    for key, row in df.iterrows():
        rc = ' class="hl"' if highlight is not None and highlight(row) else ""
        out.append(f"<tr{rc}>")
        if index:
            keys = key if isinstance(key, tuple) else (key,)
            for k in keys:
                out.append(f'<td class="lft">{esc(str(k))}</td>')
        for c in cols:
            v = row[c]
            if c in formats:
                s = formats[c](v)
            elif isinstance(v, (bool, np.bool_)):
                s = "yes" if v else "no"
            elif isinstance(v, (int, np.integer)):
                s = f"{int(v):,}" if abs(int(v)) >= 10000 else str(int(v))
            elif isinstance(v, (float, np.floating)):
                s = fmt_p(v) if _is_p_column(c if not isinstance(c, tuple) else c[-1]) else fmt_num(v, digits)
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                s = ""
            else:
                s = str(v)
            num = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
            out.append(f'<td class="{"num" if num else "lft"}">{esc(s)}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


# -- document model ----------------------------------------------------------------------------------
@dataclass
class Section:
    id: str
    title: str
    blocks: list[str] = field(default_factory=list)

    def paragraph(self, text: str, *, cls: str | None = None, raw: bool = False) -> None:
        """A paragraph; ``text`` is escaped unless ``raw``."""
        c = f' class="{cls}"' if cls else ""
        self.blocks.append(f"<p{c}>{text if raw else esc(text)}</p>")

    def html(self, raw: str) -> None:
        self.blocks.append(raw)

    def bullets(self, items: Sequence[str], raw: bool = False) -> None:
        self.blocks.append("<ul>" + "".join(f"<li>{i if raw else esc(i)}</li>" for i in items) + "</ul>")

    def heading(self, text: str) -> None:
        self.blocks.append(f"<h3>{esc(text)}</h3>")

    def table(self, df: pd.DataFrame, caption: str | None = None, *, note: str | None = None, **kw) -> None:
        cap = f'<div class="cap">{esc(caption)}</div>' if caption else ""
        nt = f'<div class="note">{esc(note)}</div>' if note else ""
        self.blocks.append(f'<div class="block">{cap}{df_to_html(df, **kw)}{nt}</div>')

    def raw_table(self, table_html: str, caption: str | None = None, note: str | None = None) -> None:
        cap = f'<div class="cap">{esc(caption)}</div>' if caption else ""
        nt = f'<div class="note">{esc(note)}</div>' if note else ""
        self.blocks.append(f'<div class="block">{cap}<div class="tblwrap">{table_html}</div>{nt}</div>')

    def figure(self, png: str | Path, caption: str | None = None, *, width: str = "100%", alt: str | None = None) -> None:
        """Embed a PNG file as a base64 data URI (the report stays a single file)."""
        data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
        alt = alt or caption or Path(png).stem
        cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
        self.blocks.append(f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}" '
                           f'style="max-width:{esc(width)}">{cap}</figure>')

    def callout(self, text: str, kind: str = "info", raw: bool = False) -> None:
        self.blocks.append(f'<div class="callout {esc(kind)}">{text if raw else esc(text)}</div>')


CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1d2430;font:15px/1.55 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
header.top{background:#1f3a5f;color:#fff;padding:26px 0 20px}
header.top h1{margin:0 0 6px;font-size:26px;font-weight:600}
header.top .sub{opacity:.85;font-size:13.5px}
.wrap{max-width:1120px;margin:0 auto;padding:0 24px}
nav.toc{background:#fff;border-bottom:1px solid #dde1e6;padding:10px 0;font-size:13.5px}
nav.toc a{color:#1f3a5f;text-decoration:none;margin-right:16px;white-space:nowrap;display:inline-block}
nav.toc a:hover{text-decoration:underline}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;margin:22px 0;padding:6px 26px 20px}
section h2{font-size:20px;margin:16px 0 10px;color:#1f3a5f;border-bottom:2px solid #e7ebf0;padding-bottom:6px}
section h3{font-size:16px;margin:18px 0 6px}
p{margin:8px 0}
figure{margin:14px 0;text-align:center}
figure img{width:auto;height:auto;border:1px solid #eceff3;border-radius:4px;background:#fff}
figcaption{font-size:13px;color:#555;margin-top:4px}
.block{margin:14px 0}
.cap{font-weight:600;margin-bottom:4px;font-size:14px}
.note{font-size:12.5px;color:#555;margin-top:4px}
.tblwrap{overflow-x:auto;max-width:100%}
table.tbl{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}
table.tbl th{background:#eef1f5;border-bottom:2px solid #c9d0da;padding:5px 9px;text-align:right;white-space:nowrap}
table.tbl th.lft{text-align:left}
table.tbl td{border-bottom:1px solid #edf0f3;padding:4px 9px;white-space:nowrap}
table.tbl td.num{text-align:right}
table.tbl td.lft{text-align:left}
table.tbl tr:nth-child(even) td{background:#fafbfc}
table.tbl tr.hl td{background:#fff4d6}
table.spatialinno-compare{font-size:12.5px;font-variant-numeric:tabular-nums;margin:4px 0}
table.spatialinno-compare td,table.spatialinno-compare th{padding:2px 10px !important;white-space:nowrap}
.callout{border-left:4px solid #3b6ea5;background:#eef4fb;padding:10px 14px;margin:12px 0;border-radius:0 6px 6px 0}
.callout.warn{border-color:#c7831a;background:#fdf5e6}
.callout.sim{border-color:#b3261e;background:#fdecea;font-weight:500}
.callout.ok{border-color:#2e7d32;background:#edf7ee}
.findings p{font-size:15.5px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px;align-items:start}
@media (max-width:900px){.grid2{grid-template-columns:1fr}}
code{background:#f0f2f5;padding:1px 4px;border-radius:3px;font-size:12.5px}
pre{background:#f6f8fa;border:1px solid #e3e7ec;padding:10px;overflow-x:auto;font-size:12.5px}
footer{color:#667;font-size:12.5px;padding:10px 0 40px}
"""


class Report:
    """An HTML report made of :class:`Section` objects, rendered to one self-contained page."""

    def __init__(self, title: str, subtitle: str = "", banner: str | None = None) -> None:
        self.title = title
        self.subtitle = subtitle
        self.banner = banner
        self.sections: list[Section] = []
        self.footer = ""

    def section(self, id: str, title: str) -> Section:
        s = Section(id, title)
        self.sections.append(s)
        return s

    def render(self) -> str:
        toc = "".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in self.sections)
        body = []
        for s in self.sections:
            body.append(f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>' + "\n".join(s.blocks) + "</section>")
        banner = f'<div class="callout sim">{self.banner}</div>' if self.banner else ""
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>{esc(self.title)}</title><style>{CSS}</style></head><body>"
                f'<header class="top"><div class="wrap"><h1>{esc(self.title)}</h1>'
                f'<div class="sub">{esc(self.subtitle)}</div></div></header>'
                f'<nav class="toc"><div class="wrap">{toc}</div></nav>'
                f'<main class="wrap">{banner}' + "\n".join(body) + "</main>"
                f'<footer><div class="wrap">{self.footer}</div></footer></body></html>\n')

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.render(), encoding="utf-8")
        return path
