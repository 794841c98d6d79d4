"""The ``Summary`` object every result's ``summary()`` returns: text, HTML for Jupyter, and the tables.

Numbers are formatted once, here, so that every summary reads alike: coefficients and statistics with
four decimals (``format_number``), p-values with four decimals and ``<0.0001`` below that
(``format_pvalue``), counts as integers.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

PVALUE_FLOOR = 1e-4


def format_number(x: object, digits: int = 4) -> str:
    """Format one table entry: integers as integers, floats with ``digits`` decimals (scientific when tiny/huge).

    Parameters
    ----------
    x : object
        The value; non-numbers are returned as ``str(x)``, NaN as an empty string.
    digits : int
        Decimals of fixed-point output.

    Returns
    -------
    str
    """
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        v = float(x)
        if np.isnan(v):
            return ""
        if v != 0.0 and (abs(v) >= 1e7 or abs(v) < 10.0 ** -digits):
            return f"{v:.{digits - 1}e}"
        return f"{v:.{digits}f}"
    return str(x)


def format_pvalue(p: float) -> str:
    """Format a p-value with four decimals, ``<0.0001`` below that, empty for NaN.

    Parameters
    ----------
    p : float

    Returns
    -------
    str
    """
    if p is None or not np.isfinite(p):
        return ""
    return f"<{PVALUE_FLOOR:g}" if p < PVALUE_FLOOR else f"{p:.4f}"


def _formatted(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy().astype(object)
    for col in table.columns:
        fmt = format_pvalue if str(col).lower().startswith(("p>", "p_value", "p-value", "pvalue")) else format_number
        out[col] = [fmt(v) for v in table[col].to_numpy()]
    return out


@dataclass(frozen=True)
class Summary:
    """What a fitted model says about itself: a title, a header of facts, tables and notes.

    ``str(summary)`` is a fixed-width text table, ``summary._repr_html_()`` an HTML table that Jupyter
    renders, and ``summary.tables`` the underlying DataFrames (unformatted numbers) in display order.

    Parameters
    ----------
    title : str
        What was estimated, e.g. ``"SDM estimated by maximum likelihood"``.
    header : sequence of (str, str)
        Facts about the fit (model, outcome, N, T, fixed effects, covariance, ...).
    tables : sequence of DataFrame
        The coefficient table first, then any others (effects, first stages, tests).
    captions : sequence of str
        One caption per table (empty string for none).
    notes : sequence of str
        Sentences printed under the tables (warnings, conventions).
    """

    title: str
    header: Sequence[tuple[str, str]]
    tables: Sequence[pd.DataFrame] = field(default_factory=tuple)
    captions: Sequence[str] = field(default_factory=tuple)
    notes: Sequence[str] = field(default_factory=tuple)

    def _caption(self, i: int) -> str:
        return self.captions[i] if i < len(self.captions) else ""

    def as_text(self) -> str:
        """The summary as fixed-width text.

        Returns
        -------
        str
        """
        blocks = [_formatted(t).to_string() for t in self.tables]
        width = max([len(line) for b in blocks for line in b.splitlines()] + [len(self.title), 60])
        rule = "=" * width
        key_w = max([len(k) for k, _ in self.header] + [0]) + 2
        parts = [rule, self.title, rule]
        parts += [f"{k:<{key_w}}{v}" for k, v in self.header]
        for i, block in enumerate(blocks):
            parts.append(rule if i == 0 else "-" * width)
            if self._caption(i):
                parts.append(self._caption(i))
            parts.append(block)
        parts.append(rule)
        parts += list(self.notes)
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        """HTML rendering for Jupyter: a header table, then each table with its caption, then the notes.

        Returns
        -------
        str
        """
        esc = html.escape
        rows = "".join(f"<tr><th style='text-align:left'>{esc(k)}</th><td style='text-align:left'>{esc(v)}</td></tr>"
                       for k, v in self.header)
        out = [f"<div class='spatialinno-summary'><h4>{esc(self.title)}</h4><table>{rows}</table>"]
        for i, t in enumerate(self.tables):
            cap = f"<p><b>{esc(self._caption(i))}</b></p>" if self._caption(i) else ""
            out.append(cap + _formatted(t).to_html(escape=True, border=0))
        out += [f"<p><i>{esc(n)}</i></p>" for n in self.notes]
        out.append("</div>")
        return "".join(out)
