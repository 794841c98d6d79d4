"""Word output of a comparison table: a real Word table (python-docx) in the three-line layout of journals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import SpatialInnoError

RULE_HEAVY, RULE_LIGHT = 12, 6  # border widths in eighths of a point (1.5 pt, 0.75 pt)


def _border(tc: Any, edge: str, size: int) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    el = OxmlElement(f"w:{edge}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size))
    el.set(qn("w:color"), "000000")
    borders.append(el)


def write(table: Any, path: Path, caption: str | None, notes: bool) -> Path:
    """Write ``table`` (a :class:`~spatialinno.tables.table.CompareTable`) to a ``.docx`` file.

    Parameters
    ----------
    table : CompareTable
        The table.
    path : Path
        Output file.
    caption : str or None
        Paragraph above the table.
    notes : bool
        Write the notes beneath.

    Returns
    -------
    Path
        ``path``.
    """
    try:
        import docx
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml.ns import qn
        from docx.shared import Pt
    except ImportError:
        raise SpatialInnoError("to_docx needs python-docx: pip install 'spatialinno[docx]' "
                               "(or pip install python-docx)") from None
    names, groups = table.names, table.groups
    k = len(names)
    body: list[tuple[str, list[str], bool]] = []  # label, cells, rule above
    rule = False
    for item in table.rows():
        if item[0] == "rule":
            rule = True
            continue
        if item[0] == "header":
            body.append((item[1], [""] * k, rule))
        else:
            body.append((item[1], item[2], rule))
        rule = False
    head = [("", [g for g, n in groups for _ in range(n)])] if groups else []
    head.append(("", names))
    doc = docx.Document()
    if caption:
        doc.add_paragraph(caption)
    t = doc.add_table(rows=len(head) + len(body), cols=k + 1)
    for r, (lab, cells) in enumerate(head):
        t.cell(r, 0).text = lab
        for j, c in enumerate(cells):
            t.cell(r, j + 1).text = c
    if groups:
        start = 1
        for g, n in groups:
            if n > 1:
                merged = t.cell(0, start).merge(t.cell(0, start + n - 1))
                merged.text = g
            start += n
    for r, (lab, cells, _) in enumerate(body, start=len(head)):
        t.cell(r, 0).text = lab
        for j, c in enumerate(cells):
            t.cell(r, j + 1).text = c
    for row in t.rows:
        for j, cell in enumerate(row.cells):
            for p in cell.paragraphs:
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.CENTER
                for run in p.runs:
                    run.font.size = Pt(9)
    # rules: through the document's XML (python-docx has no border API); the table is the last w:tbl
    tr_all = doc.element.body.findall(qn("w:tbl"))[-1].findall(qn("w:tr"))
    for r, tr in enumerate(tr_all):
        for tc in tr.findall(qn("w:tc")):
            if r == 0:
                _border(tc, "top", RULE_HEAVY)
            if r == len(head) - 1:
                _border(tc, "bottom", RULE_LIGHT)
            if r >= len(head) and body[r - len(head)][2]:
                _border(tc, "top", RULE_LIGHT)
            if r == len(tr_all) - 1:
                _border(tc, "bottom", RULE_HEAVY)
    if notes and table.notes:
        p = doc.add_paragraph(table.notes)
        for run in p.runs:
            run.font.size = Pt(8)
    doc.save(str(path))
    return path
