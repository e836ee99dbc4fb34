"""The statement and its plans as files people open elsewhere: Word and CSV.

Both take the statement's blocks, which hold raw text, never the markdown-escaped
text. Both strip characters their formats cannot hold; CSV also neutralises cells
a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import io
import re
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml import parse_xml
from docx.shared import Pt

from hiat.statement import Block, Bullets, Heading, Paragraph, Statement, Table

# XML 1.0 cannot hold most control characters, lone surrogates or U+FFFE/U+FFFF;
# python-docx raises on them, so they are removed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
NOT_CSV = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# OWASP CSV injection: a cell starting with one of these may run as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def xml_safe(text: str) -> str:
    return NOT_XML.sub("", text)


# ---------------------------------------------------------------- Word
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TEXT_WIDTH_TWIPS = 8640  # the default template's page width less its margins


def to_docx(statement: Statement) -> bytes:
    """A Word document with real headings (for the navigation pane) and real tables.

    The body is written as WordprocessingML text and parsed once by lxml: building
    thousands of elements one by one through python-docx costs ten times as much.
    """
    document = Document()
    document.core_properties.title = xml_safe(statement.title)[:255]
    document.core_properties.author = "Health equity impact assessment"
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(11)
    styles = _style_ids(document)
    body_xml = "".join(_block_xml(block, styles) for block in statement.blocks)
    fragment = parse_xml(f'<w:body xmlns:w="{W_NS}">{body_xml}</w:body>')
    end_of_body = document.element.body.sectPr
    for element in list(fragment):
        end_of_body.addprevious(element)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _style_ids(document) -> dict[str, str]:
    """Style ids as the template names them, looked up once."""
    names = [f"Heading {n}" for n in range(1, 10)] + ["List Bullet", "Table Grid"]
    return {name: document.styles[name].style_id for name in names}


def _text_xml(text: str) -> str:
    return escape(xml_safe(text))


def _run_xml(text: str, bold: bool = False) -> str:
    """One run; the writer's own line breaks stay as line breaks."""
    lines = "<w:br/>".join(
        f'<w:t xml:space="preserve">{_text_xml(line)}</w:t>' for line in text.split("\n")
    )
    return f"<w:r>{'<w:rPr><w:b/></w:rPr>' if bold else ''}{lines}</w:r>"


def _paragraph_xml(text: str, style_id: str = "", bold: bool = False) -> str:
    style = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>' if style_id else ""
    return f"<w:p>{style}{_run_xml(text, bold) if text else ''}</w:p>"


def _block_xml(block: Block, styles: dict[str, str]) -> str:
    match block:
        case Heading(level, text):
            return _paragraph_xml(text, styles[f"Heading {min(level, 9)}"])
        case Paragraph(text, strong):
            return _paragraph_xml(text, bold=strong)
        case Bullets(items):
            return "".join(_paragraph_xml(item, styles["List Bullet"]) for item in items)
        case Table():
            return _table_xml(block, styles["Table Grid"])
        case _:
            return "<w:p/>"


def _table_xml(table: Table, style_id: str) -> str:
    """A real table; its first row is a header row, repeated at the top of each page."""
    width = TEXT_WIDTH_TWIPS // max(len(table.headers), 1)
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in table.headers)
    header = _row_xml(table.headers, width, header=True)
    rows = "".join(_row_xml(row, width) for row in table.rows)
    return (
        f'<w:tbl><w:tblPr><w:tblStyle w:val="{style_id}"/><w:tblW w:w="0" w:type="auto"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{header}{rows}</w:tbl>"
    )


def _row_xml(values, width: int, header: bool = False) -> str:
    properties = '<w:trPr><w:tblHeader w:val="true"/></w:trPr>' if header else ""
    cells = "".join(
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
        f"{_paragraph_xml(value, bold=header)}</w:tc>"
        for value in values
    )
    return f"<w:tr>{properties}{cells}</w:tr>"


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
