"""``CompareTable``: the cells of a model comparison and their renderings (LaTeX, Markdown, HTML, text, Word)."""

from __future__ import annotations

import html as _html
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..errors import SpatialInnoError
from . import docx_writer
from .format import TEX_SYMBOL, has_cjk, md, tex, tex_cell

EFFECT_TITLES = {"direct": "Direct effects", "indirect": "Indirect effects", "total": "Total effects"}


class CompareTable:
    """A comparison table of several models (made by :func:`spatialinno.compare`).

    Attributes
    ----------
    frame : DataFrame
        Cells as strings; one column per model (named by ``names``); a MultiIndex
        ``(section, term, kind)`` with ``section`` in ``"model", "coefficients", "spatial", "direct",
        "indirect", "total", "rows", "statistics"``, ``term`` the parameter / variable / row name and
        ``kind`` in ``"estimate"`` (estimate with stars), ``"se"`` (the statistic in parentheses beneath:
        standard error, t statistic, p-value or interval, as chosen by ``se=``) or ``"stat"``. Missing
        entries (a term a model does not have) are empty strings.
    names : list of str
        Column names.
    notes : str
        The footnote (what is in parentheses, star levels, R2 definition, effects method, user notes).
    labels : dict
        Display names of terms (``term -> label``); ``W_x`` terms without their own label show as
        ``W×<label of x>``.
    groups : list of (str, int)
        Column-group headers spanning consecutive columns.

    The attributes are read-only: assigning one raises ``AttributeError``.

    Parameters
    ----------
    frame : DataFrame
        The cells, as described under ``frame``.
    notes : str
        The footnote.
    labels : mapping, optional
        Display names of terms.
    groups : sequence of (str, int), optional
        Column groups (their widths sum to the number of columns).
    """

    def __init__(self, frame: pd.DataFrame, notes: str, labels: Mapping[str, str] | None = None,
                 groups: Sequence[tuple[str, int]] | None = None) -> None:
        self._frame = frame
        self._names = [str(c) for c in frame.columns]
        self._notes = notes
        self._labels = dict(labels or {})
        self._groups = [(str(g), int(n)) for g, n in (groups or [])]
        if self._groups and sum(n for _, n in self._groups) != len(self._names):
            raise SpatialInnoError(f"groups span {sum(n for _, n in self._groups)} columns but the table has "
                                   f"{len(self._names)}; give one width per group that sum to the number of models")

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
    def names(self) -> list[str]:
        """Column (model) names.

        Returns
        -------
        list of str
            A new list, in column order.
        """
        return list(self._names)

    @property
    def notes(self) -> str:
        """The footnote.

        Returns
        -------
        str
            The notes text.
        """
        return self._notes

    @property
    def labels(self) -> dict[str, str]:
        """Display names of terms.

        Returns
        -------
        dict
            A new dict ``term -> label``.
        """
        return dict(self._labels)

    @property
    def groups(self) -> list[tuple[str, int]]:
        """Column-group headers.

        Returns
        -------
        list of (str, int)
            Label and number of consecutive columns of each group.
        """
        return list(self._groups)

    # -- shared row iteration ---------------------------------------------------------------
    def label(self, term: str) -> str:
        """Display name of a term.

        Parameters
        ----------
        term : str
            A coefficient, variable or row name.

        Returns
        -------
        str
            ``labels[term]``; for an unlabelled ``W_x`` whose ``x`` is labelled ``"W×" + labels[x]``; else ``term``.
        """
        if term in self._labels:
            return self._labels[term]
        if term.startswith("W_") and term[2:] in self._labels:
            return "W×" + self._labels[term[2:]]
        return term

    def rows(self) -> Iterator[tuple]:
        """The body in display order.

        Returns
        -------
        iterator of tuple
            ``("rule",)``, ``("header", title)`` or ``("row", label, cells, section, term, kind)``.
        """
        prev = None
        for (section, term, kind), cells in self._frame.iterrows():
            if section != prev:
                both_effects = prev in EFFECT_TITLES and section in EFFECT_TITLES
                if prev not in (None, "model") and not both_effects:
                    yield ("rule",)
                if section in EFFECT_TITLES:
                    yield ("header", EFFECT_TITLES[section])
                prev = section
            label = "" if kind == "se" else self.label(term)
            yield ("row", label, [str(c) for c in cells], section, term, kind)

    def _text(self) -> str:
        return " ".join([*self._names, *(g for g, _ in self._groups), self._notes,
                         *(self.label(t) for t in self._frame.index.get_level_values("term"))])

    # -- renderers ----------------------------------------------------------------------------
    def to_latex(self, caption: str | None = None, label: str | None = None, env: str | None = "table",
                 notes: bool = True, position: str = "htbp", document: bool = False) -> str:
        r"""LaTeX source (``booktabs``; ``ctex`` and xelatex when the text holds Chinese).

        Every body row has the same number of ``&``; text is escaped; stars are superscripts.

        Parameters
        ----------
        caption : str, optional
            Caption of the ``table`` float.
        label : str, optional
            ``\label`` of the ``table`` float.
        env : str or None
            ``"table"`` (default) wraps the tabular in a ``table`` float with ``\centering``, optional
            caption/label and the notes beneath; None returns the bare ``tabular`` (notes as comments).
        notes : bool
            Include the notes.
        position : str
            Placement specifier of the float.
        document : bool
            Return a complete document (``article`` with ``booktabs``; plus ``ctex`` when any label, name
            or note holds Chinese, to be compiled with xelatex).

        Returns
        -------
        str
            The LaTeX source.
        """
        k = len(self._names)
        lines = [r"\begin{tabular}{l" + "c" * k + "}", r"\toprule"]
        if self._groups:
            cells, rules, start = [""], [], 2
            for g, n in self._groups:
                cells.append(rf"\multicolumn{{{n}}}{{c}}{{{tex(g)}}}" if n > 1 else tex(g))
                if g:
                    rules.append(rf"\cmidrule(lr){{{start}-{start + n - 1}}}")
                start += n
            lines.append(" & ".join(cells) + r" \\")
            lines.append(" ".join(rules))
        lines.append(" & ".join([""] + [tex(n) for n in self._names]) + r" \\")
        body_started = False
        for item in self.rows():
            if item[0] == "row" and item[3] == "model":
                lines.append(" & ".join([tex(item[1])] + [tex(c) for c in item[2]]) + r" \\")
                continue
            if not body_started:
                lines.append(r"\midrule")
                body_started = True
                if item[0] == "rule":
                    continue
            if item[0] == "rule":
                lines.append(r"\midrule")
            elif item[0] == "header":
                lines.append(" & ".join([r"\textit{" + tex(item[1]) + "}"] + [""] * k) + r" \\")
            else:
                _, lab, cells, _section, term, kind = item
                lab_tex = "" if kind == "se" else (TEX_SYMBOL[term] if term in TEX_SYMBOL and lab == term
                                                   else tex(lab))
                lines.append(" & ".join([lab_tex] + [tex_cell(c) for c in cells]) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        if env is None:
            out = "\n".join(lines)
            if notes and self._notes:
                out += "\n% " + self._notes.replace("\n", "\n% ")
            body = out + "\n"
        elif env == "table":
            wrap = [rf"\begin{{table}}[{position}]", r"\centering"]
            if caption:
                wrap.append(rf"\caption{{{tex(caption)}}}")
            if label:
                wrap.append(rf"\label{{{label}}}")
            wrap += lines
            if notes and self._notes:
                wrap.append(r"\par\smallskip{\footnotesize " + tex(self._notes) + "}")
            wrap.append(r"\end{table}")
            body = "\n".join(wrap) + "\n"
        else:
            raise SpatialInnoError(f"env must be 'table' or None (got {env!r})")
        if not document:
            return body
        cjk = has_cjk(self._text() + (caption or ""))
        head = [r"\documentclass{article}", r"\usepackage{booktabs}"]
        if cjk:
            head.insert(0, "% compile with xelatex (Chinese text through ctex)")
            head.append(r"\usepackage{ctex}")
        return "\n".join(head + [r"\begin{document}", body.rstrip("\n"), r"\end{document}"]) + "\n"

    def to_markdown(self, notes: bool = True) -> str:
        """GitHub-flavoured Markdown pipe table (no extra dependency).

        Column groups become a first header line with each group's label over its first column.

        Parameters
        ----------
        notes : bool
            Append the notes beneath the table.

        Returns
        -------
        str
            The Markdown source.
        """
        k = len(self._names)
        rows = [[""] + self._names]
        if self._groups:
            top = [""]
            for g, n in self._groups:
                top += [g] + [""] * (n - 1)
            rows.insert(0, top)
        for item in self.rows():
            if item[0] == "rule":
                continue
            if item[0] == "header":
                rows.append([f"*{item[1]}*"] + [""] * k)
            else:
                rows.append([item[1]] + item[2])
        rows = [[md(c) for c in r] for r in rows]
        widths = [max(3, *(len(r[j]) for r in rows)) for j in range(k + 1)]

        def line(r: list[str]) -> str:
            cells = (c.ljust(widths[0]) if j == 0 else c.center(widths[j]) for j, c in enumerate(r))
            return "| " + " | ".join(cells) + " |"
        rule = [":" + "-" * (widths[0] - 1)] + [":" + "-" * (w - 2) + ":" for w in widths[1:]]
        out = [line(rows[0]), "| " + " | ".join(rule) + " |"] + [line(r) for r in rows[1:]]
        text = "\n".join(out) + "\n"
        if notes and self._notes:
            text += "\n" + self._notes.replace("*", r"\*") + "\n"
        return text

    def to_html(self, notes: bool = True) -> str:
        """HTML ``<table>`` (class ``spatialinno-compare``), text escaped, column groups as ``colspan``.

        Parameters
        ----------
        notes : bool
            Put the notes in the last row.

        Returns
        -------
        str
            The HTML source.
        """
        k = len(self._names)
        e = _html.escape
        cell = '<th style="text-align:center;padding:0 0.8em"'
        out = ['<table class="spatialinno-compare" style="border-collapse:collapse">', "<thead>"]
        if self._groups:
            out.append('<tr style="border-top:2px solid black"><th></th>' + "".join(
                f'{cell} colspan="{n}"><span style="border-bottom:1px solid black">{e(g)}</span></th>'
                for g, n in self._groups) + "</tr>")
        top = "" if self._groups else "border-top:2px solid black;"
        out += [f'<tr style="{top}border-bottom:1px solid black"><th></th>'
                + "".join(f"{cell}>{e(n)}</th>" for n in self._names) + "</tr>", "</thead>", "<tbody>"]
        rule = False
        for item in self.rows():
            if item[0] == "rule":
                rule = True
                continue
            style = ' style="border-top:1px solid black"' if rule else ""
            rule = False
            if item[0] == "header":
                out.append(f'<tr{style}><td colspan="{k + 1}" style="text-align:left"><em>{e(item[1])}</em></td></tr>')
                continue
            _, lab, cells, *_ = item
            out.append(f'<tr{style}><td style="text-align:left;padding-right:1em">{e(lab)}</td>'
                       + "".join(f'<td style="text-align:center;padding:0 0.8em">{e(c)}</td>' for c in cells) + "</tr>")
        out.append("</tbody>")
        foot = (f'<tr style="border-top:2px solid black"><td colspan="{k + 1}" '
                f'style="text-align:left;font-size:smaller">{e(self._notes) if notes else ""}</td></tr>')
        out += ["<tfoot>", foot, "</tfoot>", "</table>"]
        return "\n".join(out) + "\n"

    def to_docx(self, path: str | Path, caption: str | None = None, notes: bool = True) -> Path:
        """Write the table as a Word document holding a real Word table (needs ``python-docx``).

        Three-line layout (rules above and below the header and at the bottom), column groups as merged
        cells, the notes in a paragraph beneath.

        Parameters
        ----------
        path : str or Path
            Output ``.docx`` file.
        caption : str, optional
            Paragraph above the table.
        notes : bool
            Write the notes beneath the table.

        Returns
        -------
        Path
            The file written.
        """
        return docx_writer.write(self, Path(path), caption, notes)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        k = len(self._names)
        rows: list[list[str] | None] = []
        if self._groups:
            top = [""]
            for g, n in self._groups:
                top += [g] + [""] * (n - 1)
            rows.append(top)
        rows += [[""] + self._names, None]
        for item in self.rows():
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
        if self._notes:
            lines.append(self._notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CompareTable: {len(self._names)} models, {len(self._frame)} rows>\n{self}"
