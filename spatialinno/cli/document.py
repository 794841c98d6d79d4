"""The report as a document of sections and blocks, rendered to one self-contained HTML page by jinja2.

The templates live in ``spatialinno/cli/templates/`` (``report.html.j2``, ``partials/``); the style sheet
``report.css`` is embedded inline, figures are embedded as base64 PNG, and the page has no scripts and no
external resources, so it opens offline and can be mailed as one file.

>>> doc = Document("My analysis", subtitle="spatialinno 0.1.0")
>>> sec = doc.section("data", "Data")
>>> sec.paragraph("Thirty-one provinces, 2006-2020.")
>>> page = doc.render()
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from .formatting import df_to_html

__all__ = ["Block", "Section", "Document"]

TEMPLATES = resources.files("spatialinno.cli") / "templates"


@dataclass(frozen=True)
class Block:
    """One piece of a section: its kind (the template macro that renders it) and the macro's fields.

    Parameters
    ----------
    kind : str
        ``paragraph``, ``html``, ``bullets``, ``heading``, ``table``, ``grid``, ``figure`` or ``callout``.
    fields : dict
        The values the macro uses (text is escaped by the template unless it is :class:`markupsafe.Markup`).
    """

    kind: str
    fields: dict

    def __getattr__(self, name: str) -> object:
        try:
            return self.fields[name]
        except KeyError:
            raise AttributeError(name) from None


def _legend(kw: dict, text: str | None) -> dict | None:
    """The legend of a table with marked rows: the row style's CSS class and what it means."""
    if kw.get("highlight") is None:
        return None
    if not text:
        raise ValueError("a table with marked rows needs a legend saying what the mark means")
    return {"cls": "mark-" + str(kw.get("mark", "sig")), "text": text}


def _text(text: str, raw: bool) -> str:
    return Markup(text) if raw else text


@dataclass
class Section:
    """A titled section of the report; the methods append blocks in display order.

    Parameters
    ----------
    id : str
        Anchor of the section (``<section id=...>``).
    title : str
    blocks : list of Block
    """

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def _add(self, kind: str, **fields: object) -> None:
        self.blocks.append(Block(kind, fields))

    def paragraph(self, text: str, *, cls: str | None = None, raw: bool = False) -> None:
        """A paragraph; ``text`` is escaped unless ``raw``.

        Parameters
        ----------
        text : str
        cls : str, optional
            CSS class of the paragraph.
        raw : bool
            Insert ``text`` as HTML, unescaped.
        """
        self._add("paragraph", text=_text(text, raw), cls=cls)

    def html(self, raw: str) -> None:
        """Raw HTML, inserted as it is.

        Parameters
        ----------
        raw : str
        """
        self._add("html", text=Markup(raw))

    def bullets(self, items: Sequence[str], raw: bool = False) -> None:
        """A bullet list.

        Parameters
        ----------
        items : sequence of str
        raw : bool
            Insert the items as HTML, unescaped.
        """
        self._add("bullets", items=[_text(i, raw) for i in items])

    def heading(self, text: str) -> None:
        """A sub-heading.

        Parameters
        ----------
        text : str
        """
        self._add("heading", text=text)

    def table(self, df: pd.DataFrame, caption: str | None = None, *, note: str | None = None,
              legend: str | None = None, **kw: Any) -> None:
        """A DataFrame as a table; marked rows (``highlight=``) are explained by ``legend`` next to it.

        Parameters
        ----------
        df : DataFrame
        caption : str, optional
        note : str, optional
            Text under the table.
        legend : str, optional
            What a marked row means (required with ``highlight``), shown with a swatch of the row style.
        **kw
            Passed to :func:`spatialinno.cli.formatting.df_to_html` (``highlight``, ``mark``, ...).
        """
        self._add("table", caption=caption, table=Markup(df_to_html(df, **kw)), note=note,
                  legend=_legend(kw, legend))

    def side_by_side(self, items: Sequence[tuple[pd.DataFrame, str, dict]]) -> None:
        """Tables next to each other.

        Parameters
        ----------
        items : sequence of (DataFrame, str, dict)
            Frame, caption and :func:`~spatialinno.cli.formatting.df_to_html` keywords per table (plus
            ``legend``, as in :meth:`table`).
        """
        cells = []
        for df, cap, kw in items:
            kw = dict(kw)
            legend = kw.pop("legend", None)
            cells.append({"caption": cap, "table": Markup(df_to_html(df, **kw)), "legend": _legend(kw, legend)})
        self._add("grid", cells=cells)

    def raw_table(self, table_html: str, caption: str | None = None, note: str | None = None) -> None:
        """A table given as HTML (e.g. ``si.compare(...).to_html()``).

        Parameters
        ----------
        table_html : str
        caption : str, optional
        note : str, optional
            Text under the table.
        """
        self._add("table", caption=caption, table=Markup(f'<div class="tblwrap">{table_html}</div>'), note=note,
                  legend=None)

    def figure(self, png: str | Path, caption: str | None = None, *, width: str = "100%",
               alt: str | None = None) -> None:
        """Embed a PNG file as a base64 data URI (the report stays a single file).

        Parameters
        ----------
        png : str or Path
            The PNG file.
        caption : str, optional
        width : str
            CSS width of the image.
        alt : str, optional
            Alternative text (default: the caption or the file name).
        """
        data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
        self._add("figure", data=data, alt=alt or caption or Path(png).stem, caption=caption, width=width)

    def callout(self, text: str, kind: str = "info", raw: bool = False) -> None:
        """A highlighted box.

        Parameters
        ----------
        text : str
        kind : str
            ``info``, ``warn``, ``ok`` or ``sim`` (its CSS class).
        raw : bool
            Insert ``text`` as HTML, unescaped.
        """
        self._add("callout", text=_text(text, raw), cls=kind)


@dataclass
class Document:
    """An HTML report made of :class:`Section` objects, rendered to one self-contained page.

    Parameters
    ----------
    title : str
    subtitle : str
    banner : str, optional
        Raw HTML of a warning box above the first section.
    footer : str
        Raw HTML of the footer.
    """

    title: str
    subtitle: str = ""
    banner: str | None = None
    footer: str = ""
    sections: list[Section] = field(default_factory=list)

    def section(self, id: str, title: str) -> Section:
        """Append and return a new section.

        Parameters
        ----------
        id : str
            Anchor of the section.
        title : str

        Returns
        -------
        Section
        """
        s = Section(id, title)
        self.sections.append(s)
        return s

    def render(self) -> str:
        """The page: ``templates/report.html.j2`` with ``templates/report.css`` inline.

        Returns
        -------
        str
        """
        env = jinja2.Environment(loader=jinja2.FunctionLoader(_load_template), autoescape=True,
                                 undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
        return env.get_template("report.html.j2").render(
            title=self.title, subtitle=self.subtitle, css=Markup(css), sections=self.sections,
            banner=Markup(self.banner) if self.banner else None, footer=Markup(self.footer))

    def write(self, path: str | Path) -> Path:
        """Write :meth:`render` to ``path`` (UTF-8).

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        Path
        """
        path = Path(path)
        path.write_text(self.render(), encoding="utf-8")
        return path


def _load_template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")
