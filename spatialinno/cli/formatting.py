"""Number formatting of the report and DataFrames as HTML tables (escaped, numbers right-aligned)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["fmt_num", "fmt_p", "fmt_ci", "df_to_html"]

esc = html.escape


def fmt_num(x: Any, digits: int = 3) -> str:
    """A number with fixed decimals for ordinary magnitudes, scientific notation for very small / large ones.

    Parameters
    ----------
    x : object
        The value (None and NaN give ``""``, non-numbers ``str(x)``).
    digits : int
        Decimals.

    Returns
    -------
    str
    """
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


def fmt_p(p: Any) -> str:
    """A p-value with three decimals, ``< 0.001`` below (``""`` when not a finite number).

    Parameters
    ----------
    p : object

    Returns
    -------
    str
    """
    try:
        v = float(p)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(v):
        return ""
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def fmt_ci(lo: object, hi: object, digits: int = 3) -> str:
    """An interval as ``[lo, hi]`` with :func:`fmt_num`.

    Parameters
    ----------
    lo, hi : object
    digits : int

    Returns
    -------
    str
    """
    return f"[{fmt_num(lo, digits)}, {fmt_num(hi, digits)}]"


#: Row marks of the report's tables: one style per meaning (CSS ``tr.mark-<key>``), each explained by a legend.
MARKS = {"sig": "significant", "miss": "interval misses the true value"}


def _is_p_column(name: object) -> bool:
    n = str(name).lower()
    return n in ("p", "p_value", "p-value", "pvalue", "p_norm", "p_rand", "p_sim", "p>|z|") or n.startswith("p_")


def df_to_html(df: pd.DataFrame, *, digits: int = 3, index: bool = True, formats: Mapping[str, Callable] | None = None,
               highlight: Callable[[pd.Series], bool] | None = None, mark: str = "sig", cls: str = "tbl") -> str:
    """A DataFrame as an HTML table with formatted numbers (p-value columns get :func:`fmt_p`).

    Parameters
    ----------
    df : DataFrame
    digits : int
        Decimals of numbers (:func:`fmt_num`).
    index : bool
        Show the index as the first column(s).
    formats : mapping of column name to callable, optional
        Formatting functions for particular columns.
    highlight : callable, optional
        ``highlight(row) -> bool`` marks rows with the style of ``mark``.
    mark : {"sig", "miss"}
        What a marked row means (one style per meaning, see :data:`MARKS`): ``"sig"`` significant,
        ``"miss"`` the interval misses the true value. Row class ``mark-<mark>``.
    cls : str
        CSS class of the table.

    Returns
    -------
    str
        The table; every cell is escaped.
    """
    if mark not in MARKS:
        raise ValueError(f"mark must be one of {', '.join(MARKS)} (got {mark!r})")
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
        rc = f' class="mark-{mark}"' if highlight is not None and highlight(row) else ""
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
