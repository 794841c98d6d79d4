"""Side-by-side tables of several fitted models, laid out as in applied journals.

``si.compare(results)`` returns a :class:`CompareTable`: one column per model; for every coefficient
its estimate with significance stars and, beneath, its standard error in parentheses; then the
spatial parameters (``rho``, ``lambda``); optionally the LeSage-Pace direct, indirect and total
effects of every variable (from ``res.impacts(method="simulation")``, stars from their p-values);
then model statistics (N, T, observations, fixed effects, bias correction, weights, log-likelihood,
AIC). Render it with :meth:`CompareTable.to_latex` (booktabs, compile-ready),
:meth:`CompareTable.to_markdown`, :meth:`CompareTable.to_html` or ``str()``; the cells are in
:attr:`CompareTable.frame`.

Stars: ``***`` if p < 0.01, ``**`` if p < 0.05, ``*`` if p < 0.10 (strict inequalities; a p-value of
exactly 0.05 gets one star).
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .constants import DEFAULT_SEED
from .errors import SpatialInnoError, preview

__all__ = ["compare", "CompareTable", "significance_stars"]

SPATIAL = ("rho", "lambda")
EFFECT_TITLES = {"direct": "Direct effects", "indirect": "Indirect effects", "total": "Total effects"}
STAT_ROWS = ("N", "T", "Observations", "Fixed effects", "Bias correction", "Weights", "Log-likelihood", "AIC")
DASH = "-"


def significance_stars(p: float, levels: Sequence[float] = (0.10, 0.05, 0.01)) -> str:
    """Significance stars: one per level in ``levels`` that ``p`` is strictly below.

    Parameters
    ----------
    p : float
        A p-value (None or NaN gives no stars).
    levels : sequence of float
        Significance levels, conventionally (0.10, 0.05, 0.01).

    Returns
    -------
    str
        ``"***"``, ``"**"``, ``"*"`` or ``""``.
    """
    if p is None or not np.isfinite(p):
        return ""
    return "*" * sum(1 for a in levels if p < a)


def _fmt(x: float, digits: int) -> str:
    if x is None or not np.isfinite(x):
        return ""
    s = f"{x:.{digits}f}"
    if s.startswith("-") and float(s) == 0.0:
        s = s[1:]
    return s


class CompareTable:
    """A comparison table of several models.

    Attributes
    ----------
    frame : DataFrame
        Cells as strings; one column per model (named by ``names``); a MultiIndex
        ``(section, term, kind)`` with ``section`` in ``"model", "coefficients", "spatial", "direct",
        "indirect", "total", "statistics"``, ``term`` the parameter / variable / statistic name and
        ``kind`` in ``"estimate"`` (estimate with stars), ``"se"`` (standard error in parentheses) or
        ``"stat"``. Missing entries (a term a model does not have) are empty strings.
    names : list of str
        Column names.
    notes : str
        The footnote (standard errors, star levels, effects method).
    labels : dict
        Display names of terms (``term -> label``).

    The attributes are read-only: assigning one raises ``AttributeError``.

    Parameters
    ----------
    frame : DataFrame
        The cells, as described under ``frame``.
    notes : str
        The footnote.
    labels : mapping, optional
        Display names of terms.
    """

    def __init__(self, frame: pd.DataFrame, notes: str, labels: Mapping[str, str] | None = None) -> None:
        self._frame = frame
        self._names = list(frame.columns)
        self._notes = notes
        self._labels = dict(labels or {})

    @property
    def frame(self) -> pd.DataFrame:
        """The cells of the table.

        Returns
        -------
        pd.DataFrame
            Strings, one column per model, MultiIndex ``(section, term, kind)``.
        """
        return self._frame

    @property
    def names(self) -> list:
        """Column (model) names.

        Returns
        -------
        list
            A new list, in column order.
        """
        return list(self._names)

    @property
    def notes(self) -> str:
        """The footnote (standard errors, star levels, effects method).

        Returns
        -------
        str
            The notes text.
        """
        return self._notes

    @property
    def labels(self) -> dict:
        """Display names of terms.

        Returns
        -------
        dict
            A new dict ``term -> label``.
        """
        return dict(self._labels)

    # -- shared row iteration ---------------------------------------------------------------
    def _label(self, term: str) -> str:
        return self._labels.get(term, term)

    def _rows(self):
        """Yield ('header', title) | ('rule', None) | ('row', label, cells, section) in display order."""
        prev = None
        for (section, term, kind), cells in self.frame.iterrows():
            if section != prev:
                both_effects = prev in EFFECT_TITLES and section in EFFECT_TITLES
                if prev is not None and section != "coefficients" and not both_effects:
                    yield ("rule", None)
                if section in EFFECT_TITLES:
                    yield ("header", EFFECT_TITLES[section])
                prev = section
            label = "" if kind == "se" else self._label(term)
            yield ("row", label, list(cells), section, term, kind)

    # -- renderers ----------------------------------------------------------------------------
    def to_latex(self, caption: str | None = None, label: str | None = None, env: str | None = "table",
                 notes: bool = True, position: str = "htbp") -> str:
        r"""LaTeX source (needs ``\usepackage{booktabs}``).

        Every body row has the same number of ``&``; text is escaped.

        Parameters
        ----------
        caption : str, optional
            Caption of the ``table`` float.
        label : str, optional
            ``\label`` of the ``table`` float.
        env : str or None
            ``"table"`` (default) wraps the tabular in a ``table`` float with ``\centering``, optional
            caption/label and the notes beneath; None returns the bare ``tabular`` (notes as LaTeX
            comments).
        notes : bool
            Include the notes (standard errors, stars, effect method).
        position : str
            Placement specifier of the float.

        Returns
        -------
        str
            The LaTeX source.
        """
        k = len(self.names)
        lines = [r"\begin{tabular}{l" + "c" * k + "}", r"\toprule"]
        lines.append(" & ".join([""] + [_tex(n) for n in self.names]) + r" \\")
        body_started = False
        for item in self._rows():
            if item[0] == "row" and item[3] == "model":
                lines.append(" & ".join([_tex(item[1])] + [_tex(c) for c in item[2]]) + r" \\")
                continue
            if not body_started:
                lines.append(r"\midrule")
                body_started = True
                if item[0] == "rule":
                    continue
            if item[0] == "rule":
                lines.append(r"\midrule")
            elif item[0] == "header":
                lines.append(" & ".join([r"\textit{" + _tex(item[1]) + "}"] + [""] * k) + r" \\")
            else:
                _, lab, cells, section, term, kind = item
                lab_tex = _TEX_SYMBOL.get(term, _tex(lab)) if kind != "se" else ""
                lines.append(" & ".join([lab_tex] + [_tex_cell(c) for c in cells]) + r" \\")
        lines.append(r"\bottomrule")
        lines.append(r"\end{tabular}")
        if env is None:
            out = "\n".join(lines)
            if notes and self.notes:
                out += "\n% " + self.notes.replace("\n", "\n% ")
            return out + "\n"
        if env != "table":
            raise SpatialInnoError(f"env must be 'table' or None (got {env!r})")
        wrap = [rf"\begin{{table}}[{position}]", r"\centering"]
        if caption:
            wrap.append(rf"\caption{{{_tex(caption)}}}")
        if label:
            wrap.append(rf"\label{{{label}}}")
        wrap += lines
        if notes and self.notes:
            wrap.append(r"\par\smallskip{\footnotesize " + _tex(self.notes) + "}")
        wrap.append(r"\end{table}")
        return "\n".join(wrap) + "\n"

    def to_markdown(self, notes: bool = True) -> str:
        """GitHub-flavoured Markdown pipe table (no extra dependency).

        Parameters
        ----------
        notes : bool
            Append the notes beneath the table.

        Returns
        -------
        str
            The Markdown source.
        """
        k = len(self.names)
        rows = [[""] + self.names]
        for item in self._rows():
            if item[0] == "rule":
                continue
            if item[0] == "header":
                rows.append([f"*{item[1]}*"] + [""] * k)
            else:
                rows.append([item[1]] + item[2])
        rows = [[_md(c) for c in r] for r in rows]
        widths = [max(3, *(len(r[j]) for r in rows)) for j in range(k + 1)]
        def line(r):
            cells = (c.ljust(widths[0]) if j == 0 else c.center(widths[j]) for j, c in enumerate(r))
            return "| " + " | ".join(cells) + " |"
        rule = [":" + "-" * (widths[0] - 1)] + [":" + "-" * (w - 2) + ":" for w in widths[1:]]
        out = [line(rows[0]), "| " + " | ".join(rule) + " |"]
        out += [line(r) for r in rows[1:]]
        text = "\n".join(out) + "\n"
        if notes and self.notes:
            text += "\n" + self.notes.replace("*", r"\*") + "\n"
        return text

    def to_html(self, notes: bool = True) -> str:
        """HTML ``<table>`` (class ``spatialinno-compare``), text escaped.

        Parameters
        ----------
        notes : bool
            Put the notes in the last row.

        Returns
        -------
        str
            The HTML source.
        """
        k = len(self.names)
        e = _html.escape
        out = ['<table class="spatialinno-compare" style="border-collapse:collapse">', "<thead>",
               '<tr style="border-top:2px solid black;border-bottom:1px solid black"><th></th>'
               + "".join(f'<th style="text-align:center;padding:0 0.8em">{e(n)}</th>' for n in self.names) + "</tr>",
               "</thead>", "<tbody>"]
        rule = False
        for item in self._rows():
            if item[0] == "rule":
                rule = True
                continue
            style = ' style="border-top:1px solid black"' if rule else ""
            rule = False
            if item[0] == "header":
                out.append(f'<tr{style}><td colspan="{k + 1}" style="text-align:left"><em>{e(item[1])}</em></td></tr>')
                continue
            _, lab, cells, section, term, kind = item
            out.append(f'<tr{style}><td style="text-align:left;padding-right:1em">{e(lab)}</td>'
                       + "".join(f'<td style="text-align:center;padding:0 0.8em">{e(c)}</td>' for c in cells) + "</tr>")
        out.append("</tbody>")
        foot = (f'<tr style="border-top:2px solid black"><td colspan="{k + 1}" '
                f'style="text-align:left;font-size:smaller">{e(self.notes) if notes else ""}</td></tr>')
        out += ["<tfoot>", foot, "</tfoot>", "</table>"]
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        k = len(self.names)
        rows: list[list[str] | None] = [[""] + self.names, None]
        for item in self._rows():
            if item[0] == "rule":
                rows.append(None)
            elif item[0] == "header":
                rows.append([item[1]] + [""] * k)
            else:
                rows.append([item[1]] + item[2])
        widths = [max(len(r[j]) for r in rows if r is not None) for j in range(k + 1)]
        total = sum(widths) + 2 * k
        lines = ["=" * total]
        for r in rows:
            if r is None:
                lines.append("-" * total)
            else:
                cells = "".join("  " + c.center(widths[j + 1]) for j, c in enumerate(r[1:]))
                lines.append(r[0].ljust(widths[0]) + cells)
        lines.append("=" * total)
        if self.notes:
            lines.append(self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CompareTable: {len(self.names)} models, {len(self.frame)} rows>\n{self}"


# --------------------------------------------------------------------------------------------
# escaping
# --------------------------------------------------------------------------------------------
_TEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_TEX_SYMBOL = {"rho": r"$\rho$", "lambda": r"$\lambda$"}


def _tex(s) -> str:
    return "".join(_TEX_ESCAPES.get(ch, ch) for ch in str(s))


def _tex_cell(c: str) -> str:
    """Escape a cell; trailing stars become a superscript."""
    stripped = c.rstrip("*")
    n = len(c) - len(stripped)
    return _tex(stripped) + (f"$^{{{'*' * n}}}$" if n else "")


def _md(s) -> str:
    return str(s).replace("|", r"\|").replace("\n", " ")


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------
def _get(res, name, default=None):
    try:
        v = getattr(res, name)
    except Exception:
        return default
    return default if v is None else v


def _series(res, name: str, i: int) -> pd.Series:
    v = _get(res, name)
    if v is None:
        raise SpatialInnoError(f"result {i + 1} has no {name!r}; si.compare needs fitted spatialinno results "
                               "(params, bse, pvalues as pandas Series)")
    return pd.Series(v, dtype=float)


def _weights_text(w) -> str:
    """Compact label for the table cell: the weights' kind without parenthetical detail (the full
    description goes into the notes)."""
    if w is None:
        return DASH
    kind = _get(w, "kind")
    if kind is None:
        return DASH
    short, previous = str(kind), None
    while short != previous:  # innermost parentheses first, so nested ones go too
        short, previous = re.sub(r"\s*\([^()]*\)", "", short), short
    return short.strip() or str(kind)


def _weights_note(results) -> str:
    descs: list[str] = []
    for r in results:
        w = _get(r, "weights")
        if w is None:
            continue
        try:
            d = str(w.describe())
        except Exception:
            continue
        if d not in descs:
            descs.append(d)
    if not descs:
        return ""
    return "Weights: " + "; ".join(descs) + "."


def _order_terms(all_terms: list[str], keep, drop) -> list[str]:
    if keep is not None:
        keep = list(keep)
        unknown = [t for t in keep if t not in all_terms and t not in SPATIAL]
        if unknown:
            raise SpatialInnoError(f"keep= names {preview(unknown)} that no model has; "
                                   f"terms are {preview(all_terms, 20)}")
        terms = [t for t in keep if t not in SPATIAL]
    else:
        base = [t for t in all_terms if not t.startswith("W_") and t != "Intercept" and t not in SPATIAL]
        lagged = [f"W_{t}" for t in base if f"W_{t}" in all_terms]
        lagged += [t for t in all_terms if t.startswith("W_") and t not in lagged]
        terms = base + lagged + (["Intercept"] if "Intercept" in all_terms else [])
    if drop is not None:
        terms = [t for t in terms if t not in set(drop)]
    return terms


def compare(results, stars: bool = True, effects: bool = False, names: Sequence[str] | None = None, *,
            digits: int = 3, draws: int = 1000, seed: int = DEFAULT_SEED, keep: Sequence[str] | None = None,
            drop: Sequence[str] | None = None, labels: Mapping[str, str] | None = None,
            stats: Sequence[str] | None = STAT_ROWS, star_levels: Sequence[float] = (0.10, 0.05, 0.01),
            impacts_method: str = "simulation") -> CompareTable:
    """Side-by-side table of fitted models (one column per model).

    Parameters
    ----------
    results : sequence of results, or a mapping ``{column name: result}``
        Fitted spatialinno models (anything with ``params``, ``bse``, ``pvalues`` Series; ``model``,
        ``N``, ``T``, ``nobs``, ``fixed_effects``, ``bias_correction``, ``weights``, ``llf``, ``aic``
        and ``impacts()`` are used when present).
    stars : bool
        Append ``***``/``**``/``*`` for p below 0.01/0.05/0.10 (``star_levels``), strict inequality.
    effects : bool
        Add direct, indirect and total effects per variable from
        ``res.impacts(method=impacts_method, draws=draws, seed=seed)`` (estimate with stars from the
        p-values, standard error beneath) for models with a spatial lag or W x terms; other models
        get empty cells.
    names : list of str
        Column names; default ``"(1)", "(2)", ...`` (or the mapping's keys).
    digits : int
        Decimals of estimates, standard errors, log-likelihood and AIC.
    keep, drop : lists of coefficient names
        Show only ``keep`` (in that order) / leave out ``drop``. Default order: the regressors, their
        ``W_x`` terms, the intercept; then ``rho`` and ``lambda``.
    labels : mapping
        Display labels for terms, e.g. ``{"W_agglom": "W x agglom"}``.
    stats : list of str
        Statistic rows, from ``"N", "T", "Observations", "Fixed effects", "Bias correction",
        "Weights", "Log-likelihood", "AIC", "BIC", "sigma2"``.

    Returns
    -------
    CompareTable
        With ``.frame`` (strings), ``.to_latex()``, ``.to_markdown()``, ``.to_html()``, ``str()``.
    """
    if isinstance(results, Mapping):
        if names is None:
            names = [str(k) for k in results.keys()]
        results = list(results.values())
    else:
        results = list(results) if isinstance(results, Sequence) else [results]
    if not results:
        raise SpatialInnoError("compare() needs at least one fitted model")
    if names is None:
        names = [f"({i + 1})" for i in range(len(results))]
    names = [str(n) for n in names]
    if len(names) != len(results):
        raise SpatialInnoError(f"names has {len(names)} entries for {len(results)} models")
    if len(set(names)) != len(names):
        raise SpatialInnoError(f"names must be unique (got {names})")
    levels = tuple(sorted(star_levels, reverse=True))

    P = [_series(r, "params", i) for i, r in enumerate(results)]
    S = [_series(r, "bse", i) for i, r in enumerate(results)]
    Pv = [_series(r, "pvalues", i) for i, r in enumerate(results)]
    all_terms: list[str] = []
    for p in P:
        all_terms += [t for t in p.index if t not in all_terms]
    terms = _order_terms(all_terms, keep, drop)
    spatial = [t for t in SPATIAL if t in all_terms and not (drop and t in drop)]

    def est_cell(x, p):
        s = _fmt(x, digits)
        return s + (significance_stars(p, levels) if stars and s else "")

    def se_cell(x):
        s = _fmt(x, digits)
        return f"({s})" if s else ""

    index: list[tuple[str, str, str]] = []
    rows: list[list[str]] = []
    index.append(("model", "Model", "stat"))
    rows.append([str(_get(r, "model", DASH)) for r in results])
    for section, group in (("coefficients", terms), ("spatial", spatial)):
        for t in group:
            index.append((section, t, "estimate"))
            rows.append([est_cell(P[m].get(t, np.nan), Pv[m].get(t, np.nan)) for m in range(len(results))])
            index.append((section, t, "se"))
            rows.append([se_cell(S[m].get(t, np.nan)) for m in range(len(results))])

    if effects:
        tables: list[pd.DataFrame | None] = []
        for r, p in zip(results, P, strict=True):
            has = "rho" in p.index or any(str(t).startswith("W_") for t in p.index)
            if not has or not hasattr(r, "impacts"):
                tables.append(None)
                continue
            tables.append(r.impacts(method=impacts_method, draws=draws, seed=seed))
        variables: list[str] = []
        for tab in tables:
            if tab is not None:
                variables += [v for v in tab.index.get_level_values(0).unique() if v not in variables]
        if keep is not None:
            variables = [v for v in keep if v in variables]
        if drop is not None:
            variables = [v for v in variables if v not in set(drop)]
        for eff in ("direct", "indirect", "total"):
            for v in variables:
                est, se = [], []
                for tab in tables:
                    if tab is None or (v, eff) not in tab.index:
                        est.append("")
                        se.append("")
                        continue
                    row = tab.loc[(v, eff)]
                    est.append(est_cell(row["estimate"], row["p_value"]))
                    se.append(se_cell(row["std_error"]))
                index.append((eff, v, "estimate"))
                rows.append(est)
                index.append((eff, v, "se"))
                rows.append(se)

    stat_funcs = {
        "N": lambda r: str(_get(r, "N", DASH)),
        "T": lambda r: str(_get(r, "T", DASH)),
        "Observations": lambda r: str(_get(r, "nobs", DASH)),
        "Fixed effects": lambda r: str(_get(r, "fixed_effects", DASH)),
        "Bias correction": lambda r: str(_get(r, "bias_correction", DASH)),
        "Weights": lambda r: _weights_text(_get(r, "weights")),
        "Log-likelihood": lambda r: _fmt(_get(r, "llf", np.nan), digits) or DASH,
        "AIC": lambda r: _fmt(_get(r, "aic", np.nan), digits) or DASH,
        "BIC": lambda r: _fmt(_get(r, "bic", np.nan), digits) or DASH,
        "sigma2": lambda r: _fmt(_get(r, "sigma2", np.nan), digits + 1) or DASH,
    }
    for s in stats or ():
        if s not in stat_funcs:
            raise SpatialInnoError(f"unknown statistic {s!r}; choose from {', '.join(stat_funcs)}")
        index.append(("statistics", s, "stat"))
        rows.append([stat_funcs[s](r) for r in results])

    frame = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["section", "term", "kind"]),
                         columns=pd.Index(names))
    parts = ["Standard errors in parentheses."]
    if stars:
        parts.append(", ".join(f"{'*' * (i + 1)} p<{a:g}" for i, a in reversed(list(enumerate(levels)))) + ".")
    if effects:
        parts.append(f"Effects: LeSage-Pace direct/indirect/total, {impacts_method} inference"
                     + (f" ({draws} draws, seed {seed})" if impacts_method == "simulation" else "") + ".")
    if stats and "Weights" in stats:
        note = _weights_note(results)
        if note:
            parts.append(note)
    return CompareTable(frame, " ".join(parts), labels)
