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
import hashlib
import html
import json
import math
import platform
import re
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SpatialInnoError, mismatch, preview

__all__ = ["Report", "Section", "Analysis", "run_analysis", "fmt_num", "fmt_p", "fmt_ci", "df_to_html", "CSS"]

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
        numeric = pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        th_cls = "" if numeric else ' class="lft"'
        out.append(f"<th{th_cls}>{esc(label)}</th>")
    out.append("</tr></thead><tbody>")
    for key, row in df.iterrows():
        rc = ' class="hl"' if highlight is not None and highlight(row) else ""
        out.append(f"<tr{rc}>")
        if index:
            keys = key if isinstance(key, tuple) else (key,)
            for k in keys:
                if isinstance(k, (float, np.floating)) and math.isfinite(k) and float(k).is_integer():
                    k = int(k)
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

    def side_by_side(self, items: Sequence[tuple[pd.DataFrame, str, dict]]) -> None:
        """Two (or more) tables next to each other: (frame, caption, df_to_html keywords) per table."""
        cells = "".join(f'<div class="block"><div class="cap">{esc(cap)}</div>{df_to_html(df, **kw)}</div>'
                        for df, cap, kw in items)
        self.blocks.append(f'<div class="grid2">{cells}</div>')

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
table.tbl td.lft{text-align:left;white-space:normal;max-width:460px}
table.tbl tr:nth-child(even) td{background:#fafbfc}
table.tbl tr.hl td{background:#fff4d6}
table.spatialinno-compare{font-size:12.5px;font-variant-numeric:tabular-nums;margin:4px 0}
table.spatialinno-compare td,table.spatialinno-compare th{padding:2px 10px !important;white-space:nowrap}
table.spatialinno-compare tfoot td{white-space:normal;color:#555;padding-top:4px !important}
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


# =====================================================================================================
# The analysis behind the report (shared by ``spatialinno demo`` and ``spatialinno analyze``)
# =====================================================================================================

MODEL_NAMES = {"ols": "OLS", "slx": "SLX", "sar": "SAR", "sem": "SEM", "sdm": "SDM", "sdem": "SDEM", "sac": "SAC"}
PACKAGES = ("spatialinno", "numpy", "scipy", "pandas", "geopandas", "shapely", "pyogrio", "pyproj", "libpysal",
            "esda", "spreg", "matplotlib", "mapclassify", "formulaic")
FIG_DPI = 110


def _input_error(msg: str) -> SpatialInnoError:
    from .main import InputError

    return InputError(msg)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict:
    from importlib import metadata

    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    return out


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(s)).strip("_").lower()


def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, (str, int, bool)) or v is None:
        return v
    return str(v)


def _harmonise_ids(map_ids: pd.Series, data_ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Bring map and data ids to one type: integral floats -> int; numeric strings -> numbers when the other
    side is numeric; otherwise both as stripped strings."""
    def integral(s: pd.Series) -> pd.Series:
        if pd.api.types.is_float_dtype(s) and s.notna().all() and np.all(np.mod(s.to_numpy(), 1) == 0):
            return s.astype("int64")
        return s

    a, b = integral(map_ids), integral(data_ids)
    na, nb = pd.api.types.is_numeric_dtype(a), pd.api.types.is_numeric_dtype(b)
    if na == nb:
        if not na:
            a, b = a.astype(str).str.strip(), b.astype(str).str.strip()
        return a, b
    try:
        if na:
            b2 = integral(pd.to_numeric(b.astype(str).str.strip()))
            return a, b2
        a2 = integral(pd.to_numeric(a.astype(str).str.strip()))
        return a2, b
    except (ValueError, TypeError):
        return a.astype(str).str.strip(), b.astype(str).str.strip()


def _nice_step(x: float) -> float:
    if x <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if x <= m * e:
            return m * e
    return 10 * e


class Analysis:
    """Runs the steps of the report and collects tables, figures and numbers."""

    def __init__(self, opts: dict, argv: list[str], progress) -> None:
        self.o = opts
        self.argv = argv
        self.p = progress
        self.out = Path(opts["out"])
        self.fig_dir = self.out / "figures"
        self.tab_dir = self.out / "tables"
        self.demo = opts["command"] == "demo"
        self.truth: dict | None = None
        self.files: dict[str, dict] = {}
        self.outputs: list[str] = []
        self.notes: list[str] = []
        self.failures: list[dict] = []
        self.results: dict = {}
        self.seed = opts["seed"]
        self.alpha = opts["alpha"]

    # -- output helpers ---------------------------------------------------------------------------
    def _rel(self, p: Path) -> str:
        return p.relative_to(self.out).as_posix()

    def save_table(self, df: pd.DataFrame, name: str, *, tex: bool = True, index: bool = True,
                   latex: str | None = None) -> None:
        path = self.tab_dir / f"{name}.csv"
        df.to_csv(path, index=index)
        self.outputs.append(self._rel(path))
        if tex:
            tpath = self.tab_dir / f"{name}.tex"
            if latex is None:
                d = df.copy()
                latex = d.to_latex(index=index, float_format=lambda x: f"{x:.4f}", na_rep="",
                                   escape=True)
            tpath.write_text(latex, encoding="utf-8")
            self.outputs.append(self._rel(tpath))

    def save_fig(self, fig, name: str) -> Path:
        import matplotlib.pyplot as plt

        path = self.fig_dir / f"{name}.png"
        fig.savefig(path, dpi=FIG_DPI, facecolor="white")
        plt.close(fig)
        self.outputs.append(self._rel(path))
        return path

    def label(self, i) -> str:
        nm = self.names.get(i) if self.names is not None else None
        return f"{nm} ({i})" if nm is not None and str(nm) != str(i) else str(i)

    # -- 1. inputs -------------------------------------------------------------------------------------
    def load(self) -> None:
        import geopandas as gpd

        from .. import datasets

        o = self.o
        if self.demo:
            self.gdf = datasets.load_provinces()
            self.data, self.truth = datasets.load_demo_panel(return_truth=True)
            self.files = {"map": {"source": "spatialinno.datasets.load_provinces()"},
                          "data": {"source": "spatialinno.datasets.load_demo_panel()"}}
        else:
            mp, dp = Path(o["map"]), Path(o["data"])
            for path, flag, kinds in ((mp, "--map", "shapefile (.shp), GeoPackage (.gpkg) or GeoJSON file"),
                                      (dp, "--data", "panel CSV file")):
                if not path.exists():
                    raise _input_error(f"{flag} file not found: {path}; pass {flag} with the path of an existing {kinds}")
                if path.is_dir():
                    raise _input_error(f"{flag} {path} is a directory; pass {flag} with the path of a {kinds}")
            try:
                gdf = gpd.read_file(mp)
            except Exception as exc:  # pyogrio raises DataSourceError etc.
                raise _input_error(f"cannot read the map {mp}: {' '.join(str(exc).split())[:200]}; "
                                   f"use a shapefile, GeoPackage or GeoJSON") from None
            if len(gdf) == 0 or "geometry" not in gdf:
                raise _input_error(f"the map {mp} has no regions (no features with geometry)")
            try:
                # exact round trip of the written floats (the default from pandas 3 on, where the option is deprecated)
                kw = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
                data = pd.read_csv(dp, **kw)
            except Exception as exc:
                raise _input_error(f"cannot read the data {dp} as CSV: {' '.join(str(exc).split())[:200]}") from None
            self.gdf, self.data = gdf, data
            self.files = {"map": {"path": str(mp.resolve()), "sha256": _sha256(mp), "bytes": mp.stat().st_size},
                          "data": {"path": str(dp.resolve()), "sha256": _sha256(dp), "bytes": dp.stat().st_size}}
        self.validate()

    def validate(self) -> None:
        o = self.o
        gdf, data = self.gdf, self.data
        ent, tim, idc = o["entity"], o["time"], o["id_column"]
        where = "the data" if self.demo else f"the data file {o.get('data')}"
        for col, flag in ((ent, "--entity"), (tim, "--time")):
            if col not in data.columns:
                raise _input_error(f"{flag} column {col!r} not in {where}; its columns are "
                                   f"{preview(list(data.columns))}. Pass {flag} NAME")
        if len(data) == 0:
            raise _input_error(f"{where} has no rows; give a long panel with one row per (entity, time)")
        if idc not in gdf.columns:
            hint = "" if o.get("id_column") != o.get("entity") else " (default: the --entity name)"
            raise _input_error(f"id column {idc!r}{hint} not in the map; its columns are "
                               f"{preview([c for c in gdf.columns if c != 'geometry'])}. Pass --id-column NAME")
        if gdf[idc].isna().any():
            raise _input_error(f"the map's id column {idc!r} has missing values; every region needs an id")
        if data[ent].isna().any() or data[tim].isna().any():
            raise _input_error(f"missing values in the {ent!r}/{tim!r} columns of the data; every row needs both")
        mids, dids = _harmonise_ids(gdf[idc], data[ent])
        gdf = gdf.copy()
        data = data.copy()
        gdf[idc] = mids.to_numpy()
        data[ent] = dids.to_numpy()
        dup = pd.Index(gdf[idc]).duplicated()
        if dup.any():
            raise _input_error(f"the map has duplicated ids in {idc!r}: {preview(pd.unique(gdf[idc][dup]))}; "
                               f"dissolve them into one region each")
        map_ids, data_ids = pd.Index(gdf[idc]), pd.Index(pd.unique(data[ent]))
        diff = mismatch("in the data but not on the map", sorted(data_ids.difference(map_ids, sort=False), key=str),
                        "on the map but not in the data", sorted(map_ids.difference(data_ids, sort=False), key=str),
                        limit=5)
        if diff:
            raise _input_error(f"map ids ({idc!r}) and data ids ({ent!r}) do not match: {diff}. "
                               f"Use the same region codes in both, or drop the extra regions")
        key = data[[ent, tim]]
        dups = key.duplicated(keep=False)
        if dups.any():
            pairs = list(key[dups].drop_duplicates().itertuples(index=False, name=None))
            raise _input_error(f"duplicated ({ent}, {tim}) rows in the data: {preview(pairs, 4)}; keep one row "
                               f"per region and period")
        periods = np.sort(pd.unique(data[tim]))
        full = pd.MultiIndex.from_product([map_ids, periods])
        have = pd.MultiIndex.from_frame(key)
        missing = full.difference(have, sort=False)
        if len(missing):
            raise _input_error(f"unbalanced panel: {len(missing)} (entity, time) rows missing, e.g. "
                               f"{preview(list(missing[:4]), 4)}; the spatial panel models need every region in "
                               f"every period: drop the incomplete regions or periods, or fill them")
        if len(periods) < 2:
            raise _input_error(f"the data have a single period ({periods[0]}) in {tim!r}; the analysis needs a panel "
                               f"with at least two periods")
        # formula
        formula = o["formula"]
        if "~" not in formula:
            raise _input_error(f"--formula {formula!r} needs an outcome, e.g. 'innov ~ agglom + pgdp'")
        from formulaic import Formula, model_matrix

        try:
            req = Formula(formula).required_variables
        except Exception as exc:
            raise _input_error(f"cannot parse --formula {formula!r}: {' '.join(str(exc).split())[:150]}") from None
        unknown = sorted(str(v) for v in req if str(v) not in data.columns)
        if unknown:
            raise _input_error(f"--formula names unknown column(s) {', '.join(map(repr, unknown))}; the data columns are "
                               f"{preview([c for c in data.columns if c not in (ent, tim)], 12)}")
        try:
            mm = model_matrix(formula, data, na_action="ignore")
        except Exception as exc:
            raise _input_error(f"cannot build the design of --formula {formula!r}: "
                               f"{' '.join(str(exc).split())[:150]}") from None
        if mm.lhs.shape[1] != 1:
            raise _input_error(f"--formula {formula!r} must have exactly one outcome variable")
        self.outcome = str(mm.lhs.columns[0])
        self.regressors = [str(c) for c in mm.rhs.columns if str(c) != "Intercept"]
        if not self.regressors:
            raise _input_error(f"--formula {formula!r} has no regressors; add some, e.g. 'y ~ x1 + x2'")
        y = pd.Series(np.asarray(mm.lhs, float).ravel(), index=data.index)
        if self.outcome not in data.columns:
            data[self.outcome] = y
        self.X = pd.DataFrame(np.asarray(mm.rhs, float), columns=[str(c) for c in mm.rhs.columns], index=data.index)
        bad = [c for c in [self.outcome] if not np.isfinite(data[c].to_numpy(float)).all()]
        if bad:
            raise _input_error(f"the outcome {self.outcome!r} has missing or infinite values for "
                               f"{preview(list(data.loc[~np.isfinite(data[self.outcome].to_numpy(float)), [ent, tim]].itertuples(index=False, name=None)), 4)}; "
                               f"drop those regions or impute the values")
        dv = o.get("decay_variable")
        if dv is None:
            dv = self.regressors[0]
        elif dv not in self.regressors:
            raise _input_error(f"--decay-variable {dv!r} is not a regressor of the formula; choose from "
                               f"{preview(self.regressors)}")
        self.main_var = dv
        for spec in o["wspecs"]:
            if spec.kind == "economic":
                self._econ_values(spec.args["column"], data, ent, map_ids)
        # names for labels
        ncol = o.get("name_column")
        if ncol is not None and ncol not in gdf.columns:
            raise _input_error(f"--name-column {ncol!r} not in the map; its columns are "
                               f"{preview([c for c in gdf.columns if c != 'geometry'])}")
        if ncol is None and "name" in gdf.columns and "name" != idc:
            ncol = "name"
        self.names = dict(zip(gdf[idc], gdf[ncol].astype(str))) if ncol else None
        self.ids = map_ids
        self.periods = periods
        self.gdf, self.data = gdf, data
        # the region whose shock is mapped
        se = o.get("shock_entity")
        if se is None:
            means = data.groupby(ent)[self.main_var].mean() if self.main_var in data.columns else \
                self.X[self.main_var].groupby(data[ent]).mean()
            self.shock = means.idxmax()
            self.shock_why = (f"the region with the largest mean of {self.main_var} over "
                              f"{periods[0]}-{periods[-1]}")
        else:
            cand = [i for i in map_ids if str(i) == str(se).strip()]
            if not cand:
                raise _input_error(f"--shock-entity {se!r} is not a region id; ids are e.g. {preview(list(map_ids), 5)}")
            self.shock = cand[0]
            self.shock_why = "chosen with --shock-entity" if not self.demo else "Guangdong, the demo's example"

    # -- 2. weights ---------------------------------------------------------------------------------
    def build_weights(self) -> None:
        from .. import weights as W

        o, gdf, idc = self.o, self.gdf, self.o["id_column"]
        built: dict[str, object] = {}
        for spec in o["wspecs"]:
            if spec.kind == "contiguity":
                w = W.contiguity(gdf, id=idc, rule=spec.args["rule"], islands="nearest")
            elif spec.kind == "inverse_distance":
                w = W.inverse_distance(gdf, id=idc, power=spec.args["power"])
            elif spec.kind == "band":
                w = W.distance_band(gdf, id=idc, lower_km=spec.args["lower_km"], upper_km=spec.args["upper_km"])
            elif spec.kind == "knn":
                w = W.knn(gdf, id=idc, k=spec.args["k"])
            elif spec.kind == "economic":
                w = self._econ(spec.args["column"])
            elif spec.kind == "nested":
                continue
            built[spec.label] = w
        for spec in o["wspecs"]:
            if spec.kind == "nested":
                econ_label = next(s.label for s in o["wspecs"] if s.kind == "economic")
                geo = built.get("contiguity") or W.contiguity(gdf, id=idc, islands="nearest")
                built[spec.label] = W.nested(geo, built[econ_label], phi=spec.args["phi"])
                spec.args["economic"] = econ_label
        self.W = {s.label: built[s.label] for s in o["wspecs"]}
        self.main_w = o["wspecs"][0].label
        rows = []
        for s in o["wspecs"]:
            w = self.W[s.label]
            sm = w.summary()
            rows.append({"weights": s.label, "description": w.describe(), "links": int(sm["links"]),
                         "mean_neighbors": float(sm["mean_neighbors"]), "min_neighbors": int(sm["min_neighbors"]),
                         "max_neighbors": int(sm["max_neighbors"]), "islands": len(sm["islands"]),
                         "added_links": "; ".join(f"{a}-{b}" for a, b in sm["added_links"]) if len(sm["added_links"]) else ""})
        self.w_table = pd.DataFrame(rows).set_index("weights")
        self.save_table(self.w_table, "weights")

    @staticmethod
    def _econ_values(col: str, data: pd.DataFrame, ent, ids: pd.Index) -> pd.Series:
        """Entity means of ``col`` in the order of the map ids (checked: present, numeric, not missing)."""
        if col not in data.columns:
            raise _input_error(f"weights economic:{col}: column {col!r} not in the data; columns are "
                               f"{preview([c for c in data.columns], 12)}")
        if not pd.api.types.is_numeric_dtype(data[col]):
            raise _input_error(f"weights economic:{col}: column {col!r} is not numeric")
        vals = data.groupby(ent)[col].mean().reindex(ids)
        if vals.isna().any():
            raise _input_error(f"weights economic:{col}: {col!r} is missing in every period for "
                               f"{preview(list(vals.index[vals.isna()]))}")
        vals.name = col
        return vals

    def _econ(self, col: str):
        from .. import weights as W

        return W.economic_distance(self._econ_values(col, self.data, self.o["entity"], self.ids))

    # -- 3. data summary -------------------------------------------------------------------------------
    def describe_data(self) -> None:
        import matplotlib.pyplot as plt

        from .. import plot

        d, ent, tim = self.data, self.o["entity"], self.o["time"]
        cols = {self.outcome: d[self.outcome].to_numpy(float)}
        for c in self.regressors:
            cols[c] = self.X[c].to_numpy(float)
        rows = []
        for c, v in cols.items():
            rows.append({"variable": c, "role": "outcome" if c == self.outcome else "regressor", "mean": np.nanmean(v),
                         "std": np.nanstd(v, ddof=1), "min": np.nanmin(v), "max": np.nanmax(v),
                         "missing": int(np.isnan(v).sum())})
        self.desc = pd.DataFrame(rows).set_index("variable")
        self.save_table(self.desc, "descriptives")
        last = self.periods[-1]
        dl = d[d[tim] == last]
        y_last = pd.Series(dl[self.outcome].to_numpy(float), index=dl[ent].to_numpy(), name=f"{self.outcome}, {last}")
        x_last = pd.Series(self.X.loc[dl.index, self.main_var].to_numpy(float), index=dl[ent].to_numpy(),
                           name=f"{self.main_var}, {last}")
        self.y_last = y_last
        fig, axes = plt.subplots(1, 2, figsize=(12.5, 5.0), layout="constrained")
        idc = self.o["id_column"]
        plot.choropleth(self.gdf, y_last, id=idc, ax=axes[0], title=f"{self.outcome} ({last})",
                        legend_loc="lower right")
        plot.choropleth(self.gdf, x_last, id=idc, ax=axes[1], title=f"{self.main_var} ({last})", cmap="PuBu",
                        legend_loc="lower right")
        self.fig_maps = self.save_fig(fig, "data_maps")

    # -- 4. spatial autocorrelation ----------------------------------------------------------------------
    def autocorrelation(self) -> None:
        import matplotlib.pyplot as plt

        from .. import local_moran, moran_by_period, plot

        w = self.W[self.main_w]
        o = self.o
        mt = moran_by_period(self.data, self.outcome, w, o["entity"], o["time"], permutations=o["permutations"],
                             seed=self.seed)
        self.moran = mt
        keep = ["I", "expected", "z_rand", "p_rand"] + (["p_sim"] if o["permutations"] > 0 else [])
        self.save_table(mt[keep], "moran_by_period")
        fig, ax = plt.subplots(figsize=(8.5, 4.0), layout="constrained")
        plot.moran_by_period(mt, ax=ax, alpha=self.alpha, title=f"Moran's I of {self.outcome} ({self.main_w} W)")
        self.fig_moran = self.save_fig(fig, "moran_by_period")
        lisa = local_moran(self.y_last, w, permutations=max(o["permutations"], 99), seed=self.seed, alpha=self.alpha)
        self.lisa = lisa
        self.save_table(lisa, f"local_moran_{_slug(self.periods[-1])}", tex=False)
        fig, axes = plt.subplots(1, 2, figsize=(12.5, 5.0), layout="constrained",
                                 gridspec_kw={"width_ratios": [1.35, 1]})
        plot.lisa_map(self.gdf, lisa, id=o["id_column"], ax=axes[0], legend_loc="lower right",
                      title=f"LISA clusters of {self.outcome}, {self.periods[-1]}")
        plot.moran_scatter(self.y_last, w, ax=axes[1], title=f"Moran scatterplot, {self.periods[-1]}")
        self.fig_lisa = self.save_fig(fig, "lisa_map")

    # -- 5. LM tests ----------------------------------------------------------------------------------------
    def lm(self) -> None:
        from .. import lm_tests

        o = self.o
        fe = o["fixed_effects"]
        self.lm_table = None
        if fe == "random":
            self.notes.append("LM tests skipped: they use OLS/within residuals and are not defined for random effects.")
            return
        frames = {}
        for label, w in self.W.items():
            t = lm_tests(o["formula"], self.data, w, entity=o["entity"], time=o["time"], fixed_effects=fe)
            frames[label] = t[["statistic", "p_value"]]
        tab = pd.concat(frames, axis=1)
        tab.columns = [f"{a} {b}" for a, b in tab.columns]
        self.lm_frames = frames
        self.lm_table = tab
        self.save_table(tab, "lm_tests")

    # -- 6. models ----------------------------------------------------------------------------------------------
    def _fit(self, model: str, wlabel: str):
        from .. import models as M

        o = self.o
        key = (model, wlabel)
        if key in self.fits:
            return self.fits[key]
        t = time.perf_counter()
        try:
            res = getattr(M, model)(o["formula"], self.data, self.W[wlabel], entity=o["entity"], time=o["time"],
                                    fixed_effects=o["fixed_effects"], bias_correction=o["bias_correction"])
        except SpatialInnoError as exc:
            msg = " ".join(str(exc).split())
            self.failures.append({"model": MODEL_NAMES[model], "weights": wlabel, "error": type(exc).__name__,
                                  "message": msg})
            res = None
        self.fit_times[f"{MODEL_NAMES[model]} | {wlabel}"] = round(time.perf_counter() - t, 3)
        self.fits[key] = res
        return res

    def estimate(self) -> None:
        o = self.o
        self.fits, self.fit_times = {}, {}
        models = o["models"]
        for m in models:
            self._fit(m, self.main_w)
        lagged = [m for m in LAG_ORDER if m in models]
        self.family = "sdm" if "sdm" in models else (lagged[0] if lagged else models[0])
        for wl in self.W:
            if wl != self.main_w:
                self._fit(self.family, wl)
        ok_main = {m: self.fits[(m, self.main_w)] for m in models if self.fits[(m, self.main_w)] is not None}
        if not ok_main:
            reasons = "; ".join(f"{f['model']}: {f['message']}" for f in self.failures if f["weights"] == self.main_w)
            raise _input_error(f"no model could be estimated under the main weights {self.main_w}: {reasons[:300]}")
        self.ok_main = ok_main
        rows = []
        for (m, wl), r in self.fits.items():
            if r is None:
                continue
            ci = r.conf_int(self.alpha)
            for term in r.params.index:
                rows.append({"model": MODEL_NAMES[m], "weights": wl, "term": term, "estimate": r.params[term],
                             "std_error": r.bse[term], "z": r.zvalues[term], "p_value": r.pvalues[term],
                             "ci_lower": ci.loc[term, "lower"], "ci_upper": ci.loc[term, "upper"]})
            rows.append({"model": MODEL_NAMES[m], "weights": wl, "term": "log_likelihood", "estimate": r.llf})
            rows.append({"model": MODEL_NAMES[m], "weights": wl, "term": "sigma2", "estimate": r.sigma2})
        self.estimates = pd.DataFrame(rows)
        self.save_table(self.estimates, "estimates", tex=False, index=False)

    def compare_tables(self) -> None:
        from .. import compare

        o = self.o
        self.cmp_w = None
        across = [(wl, self.fits[(self.family, wl)]) for wl in self.W if self.fits.get((self.family, wl)) is not None]
        if len(self.W) > 1 and across:
            names = [f"{MODEL_NAMES[self.family]} | {wl}" for wl, _ in across]
            self.cmp_w = compare([r for _, r in across], effects=True, names=names, draws=o["draws"], seed=self.seed)
            self._save_compare(self.cmp_w, "models_across_weights",
                               f"{MODEL_NAMES[self.family]} under each spatial weights matrix")
        names = [f"{MODEL_NAMES[m]} | {self.main_w}" for m in self.ok_main]
        self.cmp_m = compare(list(self.ok_main.values()), effects=True, names=names, draws=o["draws"], seed=self.seed)
        self._save_compare(self.cmp_m, "models_main_weights", f"Models under the main weights ({self.main_w})")

    def _save_compare(self, tab, name: str, caption: str) -> None:
        frame = tab.frame.copy()
        self.save_table(frame, name, latex=tab.to_latex(caption=caption, label=f"tab:{name}"))
        path = self.tab_dir / f"{name}.md"
        path.write_text(tab.to_markdown(), encoding="utf-8")
        self.outputs.append(self._rel(path))

    # -- 7. model choice and effects ---------------------------------------------------------------------
    def choose(self) -> None:
        a = self.alpha
        fits = self.ok_main
        tests = []
        self.choice_text: list[str] = []
        lm = self.lm_frames.get(self.main_w) if self.lm_table is not None else None
        lm_lag = lm_err = None
        if lm is not None:
            p_rl, p_re = lm.loc["RLM_lag", "p_value"], lm.loc["RLM_error", "p_value"]
            s_rl, s_re = lm.loc["RLM_lag", "statistic"], lm.loc["RLM_error", "statistic"]
            lm_lag = p_rl < a and (p_re >= a or s_rl > s_re)
            lm_err = p_re < a and (p_rl >= a or s_re > s_rl)
            self.choice_text.append(
                f"Robust LM tests on the non-spatial model ({self.main_w} W): RLM-lag = {s_rl:.2f} (p {fmt_p(p_rl)}), "
                f"RLM-error = {s_re:.2f} (p {fmt_p(p_re)}); they point to "
                + ("a spatial lag." if lm_lag else "spatial error dependence." if lm_err else
                   "both or neither, so they do not discriminate.") )
        if {"sdm", "sar", "sem"} <= set(fits):
            sdm, sar, sem = fits["sdm"], fits["sar"], fits["sem"]
            lr_sar, wd_sar = sdm.lr_test(sar), sdm.wald_test("theta=0")
            lr_sem, wd_sem = sdm.lr_test(sem), sdm.wald_test("common_factor")
            for name, t, h0 in (("LR SDM vs SAR", lr_sar, "theta = 0 (SDM reduces to SAR)"),
                                ("Wald theta = 0", wd_sar, "theta = 0 (SDM reduces to SAR)"),
                                ("LR SDM vs SEM", lr_sem, "theta + rho beta = 0 (SDM reduces to SEM)"),
                                ("Wald common factor", wd_sem, "theta + rho beta = 0 (SDM reduces to SEM)")):
                tests.append({"test": name, "null hypothesis": h0, "statistic": float(t["statistic"]),
                              "df": int(t["df"]), "p_value": float(t["p_value"])})
            rej_sar = lr_sar["p_value"] < a and wd_sar["p_value"] < a
            rej_sem = lr_sem["p_value"] < a and wd_sem["p_value"] < a
            mixed_sar = (lr_sar["p_value"] < a) != (wd_sar["p_value"] < a)
            mixed_sem = (lr_sem["p_value"] < a) != (wd_sem["p_value"] < a)
            self.choice_text.append(
                f"Starting from the SDM (Elhorst 2014): LR = {lr_sar['statistic']:.2f} (df {int(lr_sar['df'])}, "
                f"p {fmt_p(lr_sar['p_value'])}) and Wald = {wd_sar['statistic']:.2f} (p {fmt_p(wd_sar['p_value'])}) "
                f"test whether it reduces to the SAR (all theta = 0); LR = {lr_sem['statistic']:.2f} "
                f"(df {int(lr_sem['df'])}, p {fmt_p(lr_sem['p_value'])}) and Wald = {wd_sem['statistic']:.2f} "
                f"(p {fmt_p(wd_sem['p_value'])}) test whether it reduces to the SEM (common factor theta = -rho beta).")
            if rej_sar and rej_sem:
                chosen, why = "sdm", (f"Both reductions are rejected at {a:g}, so the SDM is retained: it describes "
                                      f"the data better than the SAR or the SEM.")
            elif not rej_sar and not mixed_sar and (lm_lag or not rej_sem and not lm_err):
                chosen, why = "sar", ("The SAR restriction is not rejected" + (" and the robust LM tests point to a "
                                      "spatial lag" if lm_lag else "") + ", so the simpler SAR is chosen.")
            elif not rej_sem and not mixed_sem and lm_err:
                chosen, why = "sem", ("The common-factor restriction is not rejected and the robust LM tests point to "
                                      "spatial error dependence, so the SEM is chosen.")
            else:
                chosen, why = "sdm", ("The evidence is mixed (a restriction is rejected by one test but not the other, "
                                      "or the LM tests point elsewhere), so the SDM is kept: it nests both and stays "
                                      "unbiased if the true model is a SAR or a SEM (LeSage and Pace 2009).")
            self.choice_text.append(why)
        else:
            aic = {m: r.aic for m, r in fits.items()}
            chosen = min(aic, key=aic.get)
            self.choice_text.append(
                "The SDM-to-SAR/SEM tests need all three of sar, sem and sdm in --models; the model with the "
                "lowest AIC is chosen instead: " + ", ".join(f"{MODEL_NAMES[m]} {v:.2f}" for m, v in aic.items()) + ".")
        for m, r in fits.items():
            tests.append({"test": f"AIC {MODEL_NAMES[m]}", "null hypothesis": "", "statistic": float(r.aic),
                          "df": int(r.df_model), "p_value": np.nan})
        self.tests = pd.DataFrame(tests).set_index("test")
        self.save_table(self.tests, "model_tests")
        self.chosen_key = chosen
        self.chosen = fits[chosen]
        o = self.o
        imp = self.chosen.impacts(method="simulation", draws=o["draws"], seed=self.seed, alpha=self.alpha)
        if chosen in ("sem", "ols"):
            # no spatial lag and no W x: the indirect effect is 0 by construction (the library returns
            # total - direct, i.e. rounding noise of order 1e-16 with spurious "significance")
            imp = imp.copy()
            ind = imp.index.get_level_values("effect") == "indirect"
            imp.loc[ind, "estimate"] = 0.0
            imp.loc[ind, ["std_error", "z", "p_value", "ci_lower", "ci_upper"]] = np.nan
            self.notes.append(f"The {MODEL_NAMES[chosen]} has no spillover channel: its indirect effects are 0 by "
                              f"construction and its direct effects equal the coefficients.")
        self.impacts = imp
        self.save_table(imp, f"effects_{chosen}")
        self.fig_effects = self._effects_fig(imp)

    def _effects_fig(self, imp: pd.DataFrame) -> Path:
        import matplotlib.pyplot as plt

        try:
            from ..plot.effects import effects_plot
        except ImportError:
            effects_plot = None
        ax = None
        if effects_plot is not None:
            try:
                ax = effects_plot(imp)
            except Exception as exc:  # fall back to the built-in chart below
                self.notes.append(f"si.plot.effects_plot failed ({type(exc).__name__}: {exc}); a simple chart is shown.")
                ax = None
        if ax is None:
            vars_ = list(dict.fromkeys(imp.index.get_level_values(0)))
            fig, axes = plt.subplots(1, 3, figsize=(12, 0.45 * len(vars_) + 1.6), sharey=True, layout="constrained")
            for k, (e, c) in enumerate(zip(("direct", "indirect", "total"), ("#3b6ea5", "#d7191c", "#444444"))):
                sub = imp.xs(e, level="effect").reindex(vars_)
                yy = np.arange(len(vars_))[::-1]
                axes[k].errorbar(sub["estimate"], yy, xerr=[sub["estimate"] - sub["ci_lower"], sub["ci_upper"] - sub["estimate"]],
                                 fmt="o", color=c, capsize=3)
                axes[k].axvline(0, color="0.6", lw=0.8, ls="--")
                axes[k].set_title(f"{e} effects")
                axes[k].set_yticks(yy, vars_)
            fig.suptitle(f"Effects with {100 * (1 - self.alpha):g}% intervals")
        else:
            fig = ax.figure if hasattr(ax, "figure") else ax
        return self.save_fig(fig, "effects")

    # -- 8. truth (demo) ----------------------------------------------------------------------------------
    def truth_table(self) -> None:
        tr = self.truth
        self.truth_tab = self.truth_eff = None
        if tr is None:
            return
        res = self.fits.get(("sdm", self.main_w))
        if res is None:
            self.notes.append("True vs estimated values need the SDM under contiguity (the data-generating model).")
            return
        true = {**tr["beta"], **tr["theta"], "rho": tr["rho"]}
        ci = res.conf_int(self.alpha)
        rows = []
        for k, v in true.items():
            if k in res.params.index:
                lo, hi = ci.loc[k, "lower"], ci.loc[k, "upper"]
                rows.append({"parameter": k, "true": v, "estimate": res.params[k], "std_error": res.bse[k],
                             "ci_lower": lo, "ci_upper": hi, "covered": bool(lo <= v <= hi)})
        self.truth_tab = pd.DataFrame(rows).set_index("parameter")
        self.save_table(self.truth_tab, "truth_vs_estimate")
        # true effects from the DGP on its own W
        w = self.W[self.main_w].sparse.toarray()
        n = w.shape[0]
        S = np.linalg.inv(np.eye(n) - tr["rho"] * w)
        imp = res.impacts(method="simulation", draws=self.o["draws"], seed=self.seed, alpha=self.alpha)
        rows = []
        for v, b in tr["beta"].items():
            th = tr["theta"].get(f"W_{v}", 0.0)
            Sk = S @ (b * np.eye(n) + th * w)
            direct, total = np.trace(Sk) / n, Sk.sum() / n
            for e, val in (("direct", direct), ("indirect", total - direct), ("total", total)):
                r = imp.loc[(v, e)]
                rows.append({"variable": v, "effect": e, "true": val, "estimate": r["estimate"],
                             "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"],
                             "covered": bool(r["ci_lower"] <= val <= r["ci_upper"])})
        self.truth_eff = pd.DataFrame(rows).set_index(["variable", "effect"])
        self.save_table(self.truth_eff, "truth_vs_estimate_effects")
        self.fig_truth = self._truth_fig()

    def _truth_fig(self) -> Path:
        import matplotlib.pyplot as plt

        t = self.truth_tab
        fig, ax = plt.subplots(figsize=(9.5, 0.36 * len(t) + 1.4), layout="constrained")
        yy = np.arange(len(t))[::-1]
        ax.errorbar(t["estimate"], yy, xerr=[t["estimate"] - t["ci_lower"], t["ci_upper"] - t["estimate"]], fmt="o",
                    color="#3b6ea5", capsize=3, label=f"estimate, {100 * (1 - self.alpha):g}% CI")
        ax.scatter(t["true"], yy, marker="x", color="#d7191c", s=60, zorder=5, label="true value")
        ax.axvline(0, color="0.7", lw=0.8, ls="--")
        ax.set_yticks(yy, list(t.index))
        ax.set_title(f"SDM under {self.main_w} W: estimates against the simulated truth")
        ax.legend(loc="lower right", fontsize=9)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
        return self.save_fig(fig, "truth_vs_estimate")

    # -- 9. distance decay --------------------------------------------------------------------------------
    def decay(self) -> None:
        import matplotlib.pyplot as plt

        o = self.o
        self.decay_res = None
        self.decay_msg = None
        if o["no_decay"]:
            self.decay_msg = "Distance decay skipped (--no-decay)."
            return
        try:
            from ..decay import distance_decay
        except ImportError:
            self.decay_msg = "Distance decay is not available in this installation (spatialinno.decay missing)."
            return
        model = self.chosen_key if self.chosen_key in LAG_ORDER else "sdm"
        if model != self.chosen_key:
            self.notes.append(f"The decay curve uses the SDM: the chosen {MODEL_NAMES[self.chosen_key]} has no spillover "
                              f"(indirect) effects to trace.")
        th = o["decay_thresholds"]
        scheme = o["decay_scheme"]
        if th is None:
            th = self._auto_thresholds(scheme)
        bw = o["decay_band_width"] if scheme == "band" else None
        if scheme != "band" and o["decay_band_width"] is not None:
            self.notes.append(f"--decay-band-width is ignored with scheme {scheme!r}.")
        try:
            res = distance_decay(o["formula"], self.data, self.gdf, model=model, entity=o["entity"], time=o["time"],
                                 fixed_effects=o["fixed_effects"], bias_correction=o["bias_correction"],
                                 thresholds_km=th, scheme=scheme, band_width_km=bw, gdf_id=o["id_column"],
                                 variables=[self.main_var], draws=o["draws"], seed=self.seed, alpha=self.alpha)
        except SpatialInnoError as exc:
            self.decay_msg = f"The distance-decay sweep could not be run: {' '.join(str(exc).split())}"
            self.p.say(f"  note: {self.decay_msg}")
            return
        self.decay_res = res
        self.decay_thresholds = list(map(float, th))
        self.save_table(res.table, "decay")
        self.boundary = res.boundary(self.main_var, alpha=self.alpha)
        sig = res.significant(self.main_var)
        sig = sig.dropna()
        self.decay_sig = [float(t) for t, f in zip(sig.index, sig.to_numpy(dtype=bool)) if f]
        try:
            try:
                from ..plot.effects import decay_plot
            except ImportError:
                decay_plot = None
            fig, ax = plt.subplots(figsize=(9, 4.4), layout="constrained")
            if decay_plot is not None:
                decay_plot(res, self.main_var, ax=ax)
            else:
                c = res.curve(self.main_var)
                x = c.index.to_numpy(float)
                ax.fill_between(x, c["ci_lower"], c["ci_upper"], color="#3b6ea5", alpha=0.2,
                                label=f"{100 * (1 - self.alpha):g}% interval")
                ax.plot(x, c["estimate"], "o-", color="#3b6ea5", label="indirect effect")
                ax.axhline(0, color="0.5", lw=0.8, ls="--")
                if self.boundary is not None:
                    ax.axvline(self.boundary, color="#d7191c", lw=1, ls=":", label=f"boundary {self.boundary:g} km")
                ax.set_xlabel("distance threshold (km)")
                ax.set_ylabel(f"indirect effect of {self.main_var}")
                ax.set_title(f"Distance decay of the spillovers of {self.main_var} ({res.model}, {scheme})")
                ax.legend(fontsize=9)
            self.fig_decay = self.save_fig(fig, "decay")
        except Exception as exc:  # a plotting problem must not lose the table
            plt.close("all")
            self.fig_decay = None
            self.notes.append(f"The decay plot failed ({type(exc).__name__}: {exc}); the table is shown.")

    def _auto_thresholds(self, scheme: str) -> list[float]:
        g = self.gdf
        try:
            cen = g.geometry.to_crs("+proj=cea +datum=WGS84").centroid.to_crs(4326) if g.crs is not None else g.geometry.centroid
        except Exception:
            cen = g.geometry.centroid
        lon, lat = np.radians(cen.x.to_numpy()), np.radians(cen.y.to_numpy())
        dlon, dlat = lon[:, None] - lon[None, :], lat[:, None] - lat[None, :]
        h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
        d = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
        med = float(np.median(d[np.triu_indices(len(d), 1)]))
        step = _nice_step(med / 8)
        th = [step * k for k in range(8)] if scheme != "within" else [step * k for k in range(1, 9)]
        self.notes.append(f"Decay thresholds chosen automatically: {th[0]:g} to {th[-1]:g} km in steps of {step:g} km "
                          f"(the median distance between regions is {med:,.0f} km); set them with --decay-thresholds.")
        return th

    # -- 10. spillover map ----------------------------------------------------------------------------
    def spillover(self) -> None:
        import matplotlib.pyplot as plt

        res = self.chosen
        if self.chosen_key not in ("sdm", "sar", "sdem", "slx", "sac"):
            sdm = self._fit("sdm", self.main_w)
            if sdm is not None:
                res = sdm
                self.notes.append(f"The spillover map uses the SDM under {self.main_w}: the chosen "
                                  f"{MODEL_NAMES[self.chosen_key]} has no spillover effects.")
            else:
                self.notes.append(f"The chosen {MODEL_NAMES[self.chosen_key]} has no spillover effects and the SDM "
                                  f"could not be estimated: the spillover map shows the own effect only.")
        self.spill_model = res
        s = res.spillover_from(self.shock, self.main_var)
        s.name = f"effect on {self.outcome}"
        self.spill = s
        tab = pd.DataFrame({"name": [self.names.get(i, "") if self.names else "" for i in s.index],
                            "effect": s.to_numpy()}, index=pd.Index(s.index, name="id"))
        tab = tab.sort_values("effect", ascending=False)
        self.save_table(tab, "spillover", tex=False)
        idc = self.o["id_column"]
        title = f"Effect on {self.outcome} of a 1-unit rise in {self.main_var} in {self.label(self.shock)}"
        try:
            from ..plot.effects import spillover_map
        except ImportError:
            spillover_map = None
        fig, ax = plt.subplots(figsize=(9.5, 7.0), layout="constrained")
        drawn = False
        if spillover_map is not None:
            try:
                spillover_map(self.gdf, s, source=self.shock, id=idc, ax=ax, title=title)
                drawn = True
            except TypeError:
                try:
                    ax.clear()
                    spillover_map(self.gdf, s, source=self.shock, id=idc, ax=ax)
                    drawn = True
                except Exception as exc:
                    self.notes.append(f"si.plot.spillover_map failed ({type(exc).__name__}: {exc}); a choropleth is shown.")
            except Exception as exc:
                self.notes.append(f"si.plot.spillover_map failed ({type(exc).__name__}: {exc}); a choropleth is shown.")
        if not drawn:
            ax.clear()
            from .. import plot

            others = s.drop(self.shock)
            plot.choropleth(self.gdf, others, id=idc, ax=ax, title=title, cmap="OrRd", legend_loc="lower right")
            src = self.gdf[self.gdf[idc] == self.shock]
            src.plot(ax=ax, facecolor="#1f3a5f", edgecolor="black", linewidth=1.2)
            ax.annotate(f"source\n(own effect {s[self.shock]:.3f})", xy=(src.geometry.iloc[0].representative_point().x,
                        src.geometry.iloc[0].representative_point().y), xytext=(20, -30), textcoords="offset points",
                        fontsize=9, arrowprops={"arrowstyle": "->"})
        self.fig_spill = self.save_fig(fig, "spillover_map")

    def decay_sentence(self) -> str:
        """The decay curve in words, following DecayResult.boundary: the end of the first run of significant
        thresholds (shorter thresholds that are not significant are skipped)."""
        v, sch, b, th = self.main_var, self.decay_res.scheme, self.boundary, self.decay_thresholds
        sig = self.decay_sig
        lst = ", ".join(f"{x:,.0f}" for x in sig) or "none"
        head = f"Along the distance-decay curve ({sch} scheme, {th[0]:,.0f} to {th[-1]:,.0f} km)"
        if not sig:
            return f"{head} the spillover of {v} is not significant at any threshold, so no spillover boundary is found."
        first = sig[0]
        skipped = (f"; the shorter threshold{'s' if sum(x < first for x in th) > 1 else ''} below {first:,.0f} km, "
                   f"with fewer linked regions, {'are' if sum(x < first for x in th) > 1 else 'is'} not significant"
                   if first > th[0] else "")
        if b is None:
            return (f"{head} the spillover of {v} is significant from {first:,.0f} km up to the largest threshold "
                    f"({th[-1]:,.0f} km), so its reach extends beyond the range examined{skipped} "
                    f"(significant at, km: {lst}).")
        run = [x for x in th if first <= x < b]
        if sch == "band":
            bw = self.decay_res.band_width_km or {}
            bands = ", ".join(f"{x:,.0f}-{x + bw.get(x, 0):,.0f}" if x in bw else f"{x:,.0f}" for x in run)
            many = len(run) > 1
            txt = (f"{head} the spillover of {v} is significant up to about {b:,.0f} km: the band{'s' if many else ''} "
                   f"{bands} km ha{'ve' if many else 's'} a significant indirect effect and the band starting at "
                   f"{b:,.0f} km has none")
        elif sch == "within":
            txt = (f"{head} the spillover of {v} is significant up to about {run[-1]:,.0f} km: significant when W "
                   f"links the regions within {first:,.0f} km and at every radius up to {run[-1]:,.0f} km, and no "
                   f"longer at {b:,.0f} km")
        else:
            txt = (f"{head} the spillover of {v} is significant for the regions beyond {first:,.0f} km, and the "
                   f"regions at least {b:,.0f} km away no longer carry a significant spillover")
        later = [x for x in sig if x > b]
        est = self.decay_res.curve(v)["estimate"]
        tail = ("; further out it is significant again at " + ", ".join(
            f"{x:,.0f} km ({'negative' if est[x] < 0 else 'positive'})" for x in later) if later else "")
        return f"{txt}{skipped}{tail} (significant at, km: {lst})."

    # -- 11. findings in words -----------------------------------------------------------------------------
    def findings(self) -> list[str]:
        a = self.alpha
        lvl = f"{100 * (1 - a):g}%"
        v, y = self.main_var, self.outcome
        out = []
        mt = self.moran
        sig_years = int(((mt["p_rand"] < a) & (mt["I"] > mt["expected"])).sum())
        out.append(
            f"{y} is spatially clustered: Moran's I under {self.main_w} W is positive and significant at {a:g} in "
            f"{sig_years} of {len(mt)} periods (I = {mt['I'].iloc[0]:.3f} in {mt.index[0]}, "
            f"{mt['I'].iloc[-1]:.3f} in {mt.index[-1]})."
            if sig_years else
            f"Moran's I of {y} under {self.main_w} W is not significantly positive in any period "
            f"(I = {mt['I'].iloc[0]:.3f} in {mt.index[0]}, {mt['I'].iloc[-1]:.3f} in {mt.index[-1]}).")
        cm = MODEL_NAMES[self.chosen_key]
        out.append(f"The chosen model is the {cm} with {self.o['fixed_effects']} fixed effects under {self.main_w} W "
                   f"(rho = {self.chosen.params['rho']:.3f})." if "rho" in self.chosen.params else
                   f"The chosen model is the {cm} with {self.o['fixed_effects']} fixed effects under {self.main_w} W.")
        imp = self.impacts
        if v in imp.index.get_level_values(0):
            d, i, t = (imp.loc[(v, e)] for e in ("direct", "indirect", "total"))

            def eff(r):
                sig = "significant" if (r["ci_lower"] > 0 or r["ci_upper"] < 0) else "not significant"
                return f"{r['estimate']:.3f} ({lvl} CI {r['ci_lower']:.3f} to {r['ci_upper']:.3f}; {sig})"

            verb = "raises" if d["estimate"] >= 0 else "lowers"
            if self.chosen_key in ("sem", "ols"):
                out.append(f"A 1-unit rise in {v} {verb} {y} in the region itself by {eff(d)}; the "
                           f"{MODEL_NAMES[self.chosen_key]} has no spillover (indirect) effects by construction.")
            else:
                out.append(f"A 1-unit rise in {v} {verb} {y} in the region itself by {eff(d)} and, summed over all "
                           f"other regions, by {eff(i)}: the spillover (indirect effect). The total effect is {eff(t)}.")
        if self.decay_res is not None:
            out.append(self.decay_sentence())
        s = self.spill
        others = s.drop(self.shock).sort_values(ascending=False)
        top = ", ".join(f"{self.label(i)} {others[i]:.3f}" for i in others.index[:3])
        src = "" if self.spill_model is self.chosen else f"According to the {self.spill_model.model}, a"
        verb = "raises" if s[self.shock] >= 0 else "changes"
        out.append(f"{src or 'A'} 1-unit rise in {v} in {self.label(self.shock)} alone {verb} {y} there by "
                   f"{s[self.shock]:.3f} and elsewhere by {others.sum():.3f} in all; the largest effects are in {top}.")
        if self.truth_tab is not None:
            t = self.truth_tab
            cov = int(t["covered"].sum())
            r = t.loc["rho"]
            te = self.truth_eff
            out.append(f"Simulated data: the true rho is {r['true']:.2f}, estimated {r['estimate']:.3f} ({lvl} CI "
                       f"{r['ci_lower']:.3f} to {r['ci_upper']:.3f}); {cov} of {len(t)} parameter intervals and "
                       f"{int(te['covered'].sum())} of {len(te)} effect intervals contain the true value. The true "
                       f"indirect effect of {v} is {te.loc[(v, 'indirect'), 'true']:.3f}." if v in te.index.get_level_values(0)
                       else f"Simulated data: {cov} of {len(t)} parameter intervals contain the true value.")
        self.findings_text = out
        return out

    # -- 12. the report --------------------------------------------------------------------------------------
    def build_report(self) -> Report:
        from .. import __version__

        o = self.o
        a = self.alpha
        lvl = f"{100 * (1 - a):g}%"
        title = o.get("title") or ("spatialinno demo: innovation spillovers across Chinese provinces (SIMULATED data)"
                                   if self.demo else f"Spatial analysis of {self.outcome}")
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        banner = None
        if self.demo:
            banner = ("<strong>Simulated data.</strong> The panel analysed here is SIMULATED by "
                      "<code>scripts/make_demo_data.py</code> (seed 31): the outcome <code>innov</code> is drawn from a "
                      "two-way fixed-effects spatial Durbin model on queen contiguity with known parameters (rho = 0.35). "
                      "The numbers illustrate the method and are not findings about China; section "
                      "<a href=\"#truth\">True vs estimated</a> compares the estimates with the truth.")
        rep = Report(title, subtitle=f"spatialinno {__version__} - {stamp} - {len(self.ids)} regions x "
                                     f"{len(self.periods)} periods - formula: {o['formula']}", banner=banner)

        # findings
        sec = rep.section("findings", "Findings")
        box = "".join(f"<p>{esc(t)}</p>" for t in self.findings_text)
        sec.html(f'<div class="findings">{box}</div>')
        sec.paragraph(f"Effects are LeSage-Pace average effects of the chosen model with {lvl} intervals from "
                      f"{o['draws']} simulation draws (seed {self.seed}). The sections below give the details.",
                      cls="note")

        # data
        sec = rep.section("data", "Data and weights")
        src = ("the bundled provinces map and SIMULATED demo panel" if self.demo else
               f"map {Path(o['map']).name} (id column {o['id_column']!r}) and panel {Path(o['data']).name}")
        sec.paragraph(f"Inputs: {src}. {len(self.ids)} regions observed in {len(self.periods)} periods "
                      f"({self.periods[0]} to {self.periods[-1]}), {len(self.data)} observations in a balanced panel. "
                      f"Outcome: {self.outcome}; regressors: {', '.join(self.regressors)}; the variable whose spillovers "
                      f"are traced: {self.main_var}.")
        sec.table(self.desc, "Descriptive statistics (all observations)")
        sec.figure(self.fig_maps, f"{self.outcome} and {self.main_var} in {self.periods[-1]} (quantile classes; "
                                  f"number of regions per class in the legend)")
        sec.table(self.w_table, "Spatial weights (row-normalised)",
                  note=f"The main W is {self.main_w}: it is used for Moran's I, LISA, LM tests, the model comparison "
                       f"and the effects. Islands of contiguity are linked to their nearest region (added links).",
                  formats={"mean_neighbors": lambda x: f"{x:.2f}"})

        # autocorrelation
        sec = rep.section("autocorrelation", "Spatial autocorrelation")
        mt = self.moran
        keep = ["I", "expected", "z_rand", "p_rand"] + (["p_sim"] if o["permutations"] > 0 else [])
        sec.figure(self.fig_moran, f"Global Moran's I of {self.outcome} per period; the grey band is the {lvl} range "
                                   f"expected without spatial autocorrelation (randomisation moments)")
        sec.table(mt[keep], f"Moran's I of {self.outcome} by period ({self.main_w} W, {o['permutations']} permutations)",
                  highlight=lambda r: r["p_rand"] < a)
        counts = self.lisa["cluster"].value_counts()
        cl = ", ".join(f"{k} {int(counts.get(k, 0))}" for k in ("HH", "LL", "HL", "LH", "ns"))
        hh = [self.label(i) for i in self.lisa.index[self.lisa["cluster"] == "HH"]]
        ll = [self.label(i) for i in self.lisa.index[self.lisa["cluster"] == "LL"]]
        sec.figure(self.fig_lisa, f"Local Moran clusters of {self.outcome} in {self.periods[-1]} (permutation p <= {a:g}) "
                                  f"and the Moran scatterplot")
        sec.paragraph(f"LISA clusters in {self.periods[-1]}: {cl}. High-high: {', '.join(hh) or 'none'}. "
                      f"Low-low: {', '.join(ll) or 'none'}.")

        # LM
        sec = rep.section("lm", "LM tests")
        if self.lm_table is not None:
            sec.paragraph(f"Lagrange multiplier tests on the non-spatial {o['fixed_effects']} fixed-effects model "
                          f"(Anselin et al. 1996; Elhorst 2014): LM-lag and LM-error test a spatial lag and a spatial "
                          f"error; the robust versions (RLM) are valid under the other alternative; SARMA tests both.")
            compact = pd.DataFrame({wl: [f"{f.loc[t, 'statistic']:.2f} (p {fmt_p(f.loc[t, 'p_value'])})"
                                         for t in f.index] for wl, f in self.lm_frames.items()},
                                   index=pd.Index(next(iter(self.lm_frames.values())).index, name="test"))
            sec.table(compact, "LM tests under each W: statistic (p-value)",
                      note="LM_error, LM_lag, RLM_error and RLM_lag have 1 degree of freedom, SARMA 2.")
        else:
            sec.paragraph("LM tests were skipped: " + "; ".join(n for n in self.notes if n.startswith("LM")))

        # models
        sec = rep.section("models", "Model estimates")
        sec.paragraph(f"All models: {o['fixed_effects']} fixed effects, bias correction {o['bias_correction']}, "
                      f"maximum likelihood. Standard errors in parentheses; stars *** p < 0.01, ** p < 0.05, * p < 0.10. "
                      f"Effects from {o['draws']} simulation draws.")
        if self.cmp_w is not None:
            sec.raw_table(self.cmp_w.to_html(), f"{MODEL_NAMES[self.family]} under each spatial weights matrix")
        sec.raw_table(self.cmp_m.to_html(), f"Models under the main weights ({self.main_w})")
        if self.failures:
            f = pd.DataFrame(self.failures).set_index(["model", "weights"])
            sec.table(f, "Models that could not be estimated", note="These fits failed and are left out of the tables.")

        # choice and effects
        sec = rep.section("choice", f"Chosen model: {MODEL_NAMES[self.chosen_key]}")
        for t in self.choice_text:
            sec.paragraph(t)
        sec.table(self.tests, "Specification tests (main W)",
                  formats={"df": lambda x: str(int(x)) if pd.notna(x) else ""})
        sec.table(self.impacts, f"Direct, indirect and total effects of the {MODEL_NAMES[self.chosen_key]} "
                                f"({lvl} simulation intervals)", highlight=lambda r: r["p_value"] < a)
        sec.figure(self.fig_effects, f"Effects of the {MODEL_NAMES[self.chosen_key]} with {lvl} intervals")

        # truth
        if self.demo:
            sec = rep.section("truth", "True vs estimated (simulated data)")
            if self.truth_tab is not None:
                sec.paragraph(f"The demo panel is simulated from {self.truth['dgp']}. The table compares the SDM "
                              f"estimated under the same W (queen contiguity) with the true parameters and the true "
                              f"LeSage-Pace effects (computed from the true parameters on that W).")
                sec.figure(self.fig_truth, "Estimates with intervals (blue) and true values (red crosses)")
                sec.side_by_side([(self.truth_tab.drop(columns="std_error"), "Parameters: true and estimated",
                                   {"highlight": lambda r: not r["covered"]}),
                                  (self.truth_eff, "Effects: true and estimated",
                                   {"highlight": lambda r: not r["covered"]})])
                sec.paragraph(f"Highlighted rows: the {lvl} interval misses the true value. With {len(self.truth_tab)} "
                              f"parameters about {0.05 * len(self.truth_tab):.1f} misses are expected by chance at "
                              f"{a:g}; the standard errors and all intervals are in tables/truth_vs_estimate*.csv.",
                              cls="note")
            else:
                sec.paragraph("Not available: " + "; ".join(self.notes))

        # decay
        sec = rep.section("decay", "Distance decay of spillovers")
        if self.decay_res is not None:
            r = self.decay_res
            sch = r.scheme
            desc = {"band": "regions whose distance lies in a band [d, d + width) are neighbours",
                    "within": "regions closer than d are neighbours",
                    "beyond": "regions at least d away are neighbours"}[sch]
            sec.paragraph(f"For each distance threshold d, W is rebuilt ({sch} scheme: {desc}; binary, row-normalised, "
                          f"great-circle km between region centroids) and the {r.model} is re-estimated; the curve shows "
                          f"the indirect (spillover) effect of {self.main_var} with its {lvl} simulation interval.")
            if self.fig_decay is not None:
                sec.figure(self.fig_decay, f"Indirect effect of {self.main_var} by distance threshold")
            b = self.boundary
            sec.callout(f"Spillover boundary of {self.main_var}: "
                        + (f"{b:,.0f} km, the end of the first run of thresholds with a significant indirect effect "
                           f"(the first threshold after it whose {lvl} interval includes zero). " if b is not None else
                           "none found (no threshold is significant, or the first significant run lasts to the "
                           "largest threshold). ") + self.decay_sentence(), kind="ok")
            c = r.curve(self.main_var)
            cols = [x for x in ("lower_km", "upper_km", "estimate", "std_error", "p_value", "ci_lower", "ci_upper",
                                "n_links", "n_islands", "rho", "note") if x in c.columns]
            sec.table(c[cols], f"Indirect effect of {self.main_var} by threshold",
                      formats={"lower_km": lambda x: f"{x:g}", "upper_km": lambda x: f"{x:g}" if np.isfinite(x) else "inf"},
                      highlight=lambda q: bool(q["ci_lower"] > 0 or q["ci_upper"] < 0))
        else:
            sec.paragraph(self.decay_msg or "Distance decay not run.")

        # spillover map
        sec = rep.section("spillover", "Spillover map")
        s = self.spill
        sec.paragraph(f"The map shows the effect on {self.outcome} in every region of a 1-unit rise in {self.main_var} "
                      f"in {self.label(self.shock)} only ({self.shock_why}): column {self.shock} of "
                      f"(I - rho W)^-1 (beta I + theta W) of the {self.spill_model.model} under {self.main_w} W. "
                      f"Own effect {s[self.shock]:.3f}; effects on all other regions sum to "
                      f"{s.drop(self.shock).sum():.3f}.")
        sec.figure(self.fig_spill, f"Spillovers of a unit shock to {self.main_var} in {self.label(self.shock)}")
        top = s.drop(self.shock).sort_values(ascending=False).head(8)
        sec.table(pd.DataFrame({"region": [self.label(i) for i in top.index], "effect": top.to_numpy()}).set_index("region"),
                  "Largest effects outside the source region", digits=4)

        # reproduce
        sec = rep.section("reproduce", "Reproducibility")
        cmd = "spatialinno " + " ".join(_quote(x) for x in self.argv)
        sec.paragraph(f"Command: <code>{esc(cmd)}</code>", raw=True)
        sec.paragraph(f"Seed {self.seed} (Moran and LISA permutations, effect draws; each decay threshold derives its "
                      f"own seed from it), {o['draws']} draws, {o['permutations']} permutations. Inputs, resolved options, "
                      f"package versions and timings are in <code>run.json</code>; tables in <code>tables/</code> "
                      f"(CSV and LaTeX), figures in <code>figures/</code>.", raw=True)
        if self.notes:
            sec.heading("Notes")
            sec.bullets(self.notes)
        if self.warn_msgs:
            sec.heading("Warnings raised during the run")
            sec.bullets(self.warn_msgs[:20])
        vers = _versions()
        sec.table(pd.DataFrame({"version": [str(v) for v in vers.values()]}, index=pd.Index(list(vers), name="package")),
                  "Software")
        rep.footer = (f"Generated by spatialinno {esc(__version__)} on {esc(stamp)}. Self-contained page: figures are "
                      f"embedded, no network access needed.")
        return rep

    def run_json(self) -> dict:
        from .. import __version__

        o = self.o
        opts = {k: v for k, v in o.items() if k not in ("wspecs", "quiet")}
        out = {
            "tool": "spatialinno",
            "version": __version__,
            "command": o["command"],
            "argv": self.argv,
            "command_line": "spatialinno " + " ".join(_quote(x) for x in self.argv),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "inputs": {"files": self.files, "options": opts,
                       "weights": {s.label: {"kind": s.kind, **s.args, "description": self.W[s.label].describe()}
                                   for s in o["wspecs"]},
                       "n_regions": len(self.ids), "periods": [self.periods[0], self.periods[-1]],
                       "n_periods": len(self.periods), "n_obs": len(self.data)},
            "seeds": {"seed": self.seed, "moran_permutations": o["permutations"], "effect_draws": o["draws"],
                      "decay_threshold_seeds": ({str(k): v for k, v in self.decay_res.seeds.items()}
                                                if self.decay_res is not None else None)},
            "versions": _versions(),
            "timings_seconds": {"steps": self.p.timings, "model_fits": self.fit_times},
            "results": {
                "outcome": self.outcome, "main_variable": self.main_var, "main_weights": self.main_w,
                "chosen_model": MODEL_NAMES[self.chosen_key],
                "chosen_params": self.chosen.params.to_dict(), "chosen_llf": self.chosen.llf,
                "effects": {f"{v}|{e}": row.to_dict() for (v, e), row in self.impacts.iterrows()},
                "decay_boundary_km": getattr(self, "boundary", None) if self.decay_res is not None else None,
                "decay_thresholds_km": self.decay_thresholds if self.decay_res is not None else None,
                "shock_entity": self.shock,
                "failed_fits": self.failures,
            },
            "notes": self.notes,
            "warnings": self.warn_msgs,
            "outputs": sorted(set(self.outputs + ["report.html", "run.json"])),
        }
        return _jsonable(out)


LAG_ORDER = ("sdm", "sar", "sac", "sdem", "slx")  # models with spillover effects, preferred first


def _quote(s: str) -> str:
    import shlex

    return shlex.quote(str(s))


def run_analysis(opts: dict, argv: list[str]) -> Path:
    """Run every step, write the outputs into ``opts["out"]`` and return the report path."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from .main import Progress

    prog = Progress(opts["quiet"])
    out = Path(opts["out"])
    A = Analysis(opts, argv, prog)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        # inputs are checked before anything is printed or written: bad input gives one line on stderr
        t0 = time.perf_counter()
        A.load()
        try:
            (out / "figures").mkdir(parents=True, exist_ok=True)
            (out / "tables").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _input_error(f"cannot create the output directory {out}: {exc.strerror or exc}; "
                               f"choose another --out") from None
        dt = time.perf_counter() - t0
        prog.timings["Reading and checking inputs"] = round(dt, 3)
        prog.say(f"spatialinno {opts['command']}: writing to {out}/")
        prog.say(f"[{prog.total - dt:5.1f}s] Reading and checking inputs ... done ({dt:.1f}s)")
        with prog.step("Building spatial weights (" + ", ".join(s.label for s in opts["wspecs"]) + ")"):
            A.build_weights()
        with prog.step("Data summary and maps"):
            A.describe_data()
        with prog.step("Moran's I by period and LISA"):
            A.autocorrelation()
        with prog.step("LM tests"):
            A.lm()
        with prog.step("Estimating models"):
            A.estimate()
        with prog.step("Comparison tables with effects"):
            A.compare_tables()
        with prog.step("Model choice and effects"):
            A.choose()
        if A.demo:
            with prog.step("True vs estimated"):
                A.truth_table()
        else:
            A.truth_tab = A.truth_eff = None
        with prog.step("Distance decay"):
            A.decay()
        with prog.step("Spillover map"):
            A.spillover()
        A.findings()
    msgs = []
    for w in caught:
        m = f"{w.category.__name__}: {' '.join(str(w.message).split())}"
        if m not in msgs:
            msgs.append(m)
    A.warn_msgs = msgs
    with prog.step("Writing report.html and run.json"):
        rep = A.build_report()
        path = rep.write(out / "report.html")
        A.outputs.append("report.html")
    prog.timings["total"] = round(prog.total, 3)
    (out / "run.json").write_text(json.dumps(A.run_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    for line in A.findings_text[2:3]:
        prog.say("  " + line)
    prog.say(f"Report: {path} ({prog.total:.1f}s){f'; {len(msgs)} warnings listed in the report' if msgs else ''}")
    return path
