"""The statement and its plans as files people open elsewhere: Word and CSV.

Both take the statement's blocks, which hold raw text, never the markdown-escaped
text. Both strip characters their formats cannot hold; CSV also neutralises cells
a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import io
import re

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from hiat.statement import Block, Bullets, Heading, Paragraph, Rule, Statement, Table

# XML 1.0 cannot hold most control characters, lone surrogates or U+FFFE/U+FFFF;
# python-docx raises on them, so they are removed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
NOT_CSV = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# OWASP CSV injection: a cell starting with one of these may run as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def xml_safe(text: str) -> str:
    return NOT_XML.sub("", text)


# ---------------------------------------------------------------- Word
def to_docx(statement: Statement) -> bytes:
    """A Word document with real headings (for the navigation pane) and real tables."""
    document = Document()
    document.core_properties.title = xml_safe(statement.title)[:255]
    document.core_properties.author = "Health equity impact assessment"
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(11)
    styles = _style_ids(document)
    for block in statement.blocks:
        _add_block(document, block, styles)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _style_ids(document) -> dict[str, str]:
    """Look each style up once: python-docx searches every style on each lookup by name."""
    names = [f"Heading {n}" for n in range(1, 10)] + ["List Bullet", "Table Grid"]
    return {name: document.styles[name].style_id for name in names}


def _styled(document, style_id: str, text: str = ""):
    paragraph = document.add_paragraph()
    paragraph._p.get_or_add_pPr().style = style_id
    _append_text(paragraph._p, text)
    return paragraph


def _append_text(p_element, text: str, bold: bool = False) -> None:
    """Add a run holding `text`, line breaks kept, built straight into the XML.

    python-docx's run.text setter walks the text a character at a time; building
    the w:r and w:t elements here is several times faster for long answers.
    """
    run = OxmlElement("w:r")
    if bold:
        properties = OxmlElement("w:rPr")
        properties.append(OxmlElement("w:b"))
        run.append(properties)
    for index, line in enumerate(text.split("\n")):
        if index:
            run.append(OxmlElement("w:br"))
        element = OxmlElement("w:t")
        element.text = line
        element.set(qn("xml:space"), "preserve")
        run.append(element)
    p_element.append(run)


def _add_block(document, block: Block, styles: dict[str, str]) -> None:
    match block:
        case Heading(level, text):
            _styled(document, styles[f"Heading {min(level, 9)}"], xml_safe(text))
        case Paragraph(text, strong):
            _append_text(document.add_paragraph()._p, xml_safe(text), strong)
        case Bullets(items):
            for item in items:
                _styled(document, styles["List Bullet"], xml_safe(item))
        case Table():
            _add_table(document, block, styles["Table Grid"])
        case Rule():
            document.add_paragraph()


def _add_table(document, table: Table, style_id: str) -> None:
    """A real Word table whose first row repeats as a header on every page."""
    grid = document.add_table(rows=0, cols=len(table.headers))
    grid._tbl.tblPr.style = style_id
    grid._tbl.append(_row(table.headers, header=True))
    for row in table.rows:
        grid._tbl.append(_row(row))


def _row(values, header: bool = False):
    # Built as XML: python-docx's add_row() recomputes cell widths on every call.
    row = OxmlElement("w:tr")
    if header:
        properties = OxmlElement("w:trPr")
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        properties.append(repeat)
        row.append(properties)
    for value in values:
        cell = OxmlElement("w:tc")
        paragraph = OxmlElement("w:p")
        _append_text(paragraph, xml_safe(value), bold=header)
        cell.append(paragraph)
        row.append(cell)
    return row


# ---------------------------------------------------------------- CSV
def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: formula starts get a leading apostrophe."""
    text = NOT_CSV.sub("", text)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark, so spreadsheets read Welsh and Urdu text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in table.headers])
    writer.writerows([csv_cell(cell) for cell in row] for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
