"""The statement and its plans as files people open elsewhere: Word and CSV.

Both take the statement's blocks, which hold raw text, never the markdown-escaped
text. Both strip characters their formats cannot hold; CSV also neutralises cells
a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from hiat.statement import WIDE_COLUMNS, Block, Bullets, Heading, Paragraph, Statement, Table
from hiat.text import clean, close_bidi_lines, newlines

# XML 1.0 cannot hold most control characters, lone surrogates or U+FFFE/U+FFFF;
# python-docx raises on them, so they are removed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
NOT_CSV = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# OWASP CSV injection: a cell starting with one of these may run as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
QUOTE = {'"': "&quot;"}


def xml_safe(text: str) -> str:
    return NOT_XML.sub("", text)


# ---------------------------------------------------------------- Word
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
LANGUAGE = "en-GB"
# Right-to-left runs (Urdu, Arabic, Hebrew answers) need a bidi language; Word's own default.
BIDI_LANGUAGE = "ar-SA"
# A4 in twips (1/20 pt), with 2 cm margins all round as in the PDF.
A4_SHORT, A4_LONG, MARGIN = 11906, 16838, 1134
# Table text is 10 pt, as in the PDF (0.9 em), and 9 pt for a table that needs it to fit.
TABLE_HALF_POINTS, SMALL_HALF_POINTS = 20, 18
CELL_PADDING = 2 * 108 + 40  # Table Grid's cell margins (0.19 cm each side), and some slack
# Words longer than this (web addresses, pasted codes) may break; shorter ones never do.
LONGEST_KEPT_EM = 10.0
# A word breaks at a space and after a hyphen or dash, as Word breaks it.
WORD = re.compile(r"[^\s\-\u2010-\u2014]+[\-\u2010-\u2014]?|[\-\u2010-\u2014]")
# Advance widths of Arial (the same as its metric twin Liberation Sans) for U+0020 to
# U+007E, in thousandths of an em: a column is made as wide as the longest word it holds.
ARIAL = dict(zip(map(chr, range(32, 127)), (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
    722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
    556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
    500, 334, 260, 334, 584,
), strict=True))  # fmt: skip
ARIAL_BOLD = dict(zip(map(chr, range(32, 127)), (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722,
    722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611,
    611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556,
    500, 389, 280, 389, 584,
), strict=True))  # fmt: skip
AVERAGE_EM = 0.5  # of running text, for sharing out the space a table has left
HEADING_POINTS = (18, 15, 13, 11, 11, 11)  # Heading 1 to 6
HEADING_SPACE_BEFORE = (0, 18, 12, 10, 10, 10)  # points; the document opens with Heading 1
PARAGRAPH_SPACE_AFTER = 6  # points, between paragraphs (the template's 10 pt spreads a summary)
# The board summary (Statement.compact) is set smaller and tighter, to fit two A4 pages.
COMPACT_POINTS, COMPACT_SCALE = 9.5, 0.7
TEXT_COLOUR = RGBColor(0x0B, 0x0C, 0x0C)  # GOV.UK text colour, as in print.css


def to_docx(statement: Statement) -> bytes:
    """A Word document with real headings (for the navigation pane) and real tables.

    The body is written as WordprocessingML text, parsed once by lxml and put in the
    document in one move: building or moving thousands of elements one by one through
    python-docx costs ten times as much, and moving them one by one grows with the
    square of the table size.
    """
    document = Document()
    properties = document.core_properties
    properties.title = xml_safe(clean(statement.document_title))[:255]
    properties.author = xml_safe(clean(statement.author))[:255]
    properties.language = LANGUAGE
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(COMPACT_POINTS if statement.compact else 11)
    _style_headings(document, COMPACT_SCALE if statement.compact else 1.0)
    _set_language(document)
    body = parse_xml(
        f'<w:body xmlns:w="{W_NS}">{_body_xml(statement.blocks, _style_ids(document))}</w:body>'
    )
    document.element.replace(document.element.body, body)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_language(document) -> None:
    """British English for every run unless a run says otherwise; the template says US."""
    (defaults,) = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr")
    language = defaults.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        defaults.append(language)
    language.set(qn("w:val"), LANGUAGE)
    language.set(qn("w:eastAsia"), LANGUAGE)
    language.set(qn("w:bidi"), BIDI_LANGUAGE)
    for theme_language in document.settings.element.findall(qn("w:themeFontLang")):
        theme_language.set(qn("w:val"), LANGUAGE)


def _style_headings(document, scale: float = 1.0) -> None:
    """Arial headings in near-black, as in the PDF: the template's pale blue on white is about
    4:1, under the 4.5:1 that WCAG asks of headings this size; its theme fonts would win over
    an explicit font, so they go."""
    for level, points in enumerate(HEADING_POINTS, start=1):
        font = document.styles[f"Heading {level}"].font
        fonts = font.element.get_or_add_rPr().get_or_add_rFonts()
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
        font.name = "Arial"
        fonts.set(qn("w:cs"), "Arial")
        font.size = Pt(round(points * scale * 2) / 2)
        font.bold, font.italic = True, False
        font.color.rgb = TEXT_COLOUR
        spacing = document.styles[f"Heading {level}"].paragraph_format
        spacing.space_before = Pt(HEADING_SPACE_BEFORE[level - 1] * scale)
        spacing.space_after = Pt(PARAGRAPH_SPACE_AFTER * scale / 2)
    (paragraphs,) = document.styles.element.xpath("w:docDefaults/w:pPrDefault/w:pPr/w:spacing")
    paragraphs.set(qn("w:after"), str(round(PARAGRAPH_SPACE_AFTER * scale * 20)))


def _style_ids(document) -> dict[str, str]:
    """Style ids as the template names them, looked up once."""
    names = [f"Heading {n}" for n in range(1, 10)] + ["List Bullet", "Table Grid"]
    return {name: document.styles[name].style_id for name in names}


def _body_xml(blocks: Sequence[Block], styles: dict[str, str]) -> str:
    """Every block, in portrait and landscape sections, ending with the last section's sectPr.

    A section ends with a paragraph holding its sectPr, except the last, whose sectPr
    closes the body.
    """
    sections = _sections(blocks)
    parts: list[str] = []
    heading = ""
    for number, (landscape, section) in enumerate(sections, start=1):
        for block in section:
            if isinstance(block, Heading):
                heading = block.text
            parts.append(_block_xml(block, styles, landscape, heading))
        if number < len(sections):
            parts.append(
                f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/>{_section_xml(landscape)}'
                "</w:pPr></w:p>"
            )
    parts.append(_section_xml(bool(sections) and sections[-1][0]))
    return "".join(parts)


def _sections(blocks: Sequence[Block]) -> list[tuple[bool, list[Block]]]:
    """Blocks grouped into runs of portrait and landscape pages.

    A wide table is set landscape, and takes the headings (or question label) just
    before it along, so a heading is never left alone at the foot of a portrait page.
    """
    landscape = [isinstance(b, Table) and len(b.headers) > WIDE_COLUMNS for b in blocks]
    for index in range(len(blocks) - 1, 0, -1):
        if landscape[index] and _leads_in(blocks[index - 1]):
            landscape[index - 1] = True
    sections: list[tuple[bool, list[Block]]] = []
    for wide, block in zip(landscape, blocks, strict=True):
        if sections and sections[-1][0] == wide:
            sections[-1][1].append(block)
        else:
            sections.append((wide, [block]))
    return sections


def _leads_in(block: Block) -> bool:
    return isinstance(block, Heading) or (isinstance(block, Paragraph) and block.strong)


def _section_xml(landscape: bool) -> str:
    width, height, orient = (
        (A4_LONG, A4_SHORT, ' w:orient="landscape"') if landscape else (A4_SHORT, A4_LONG, "")
    )
    return (
        f'<w:sectPr><w:pgSz w:w="{width}" w:h="{height}"{orient}/>'
        f'<w:pgMar w:top="{MARGIN}" w:right="{MARGIN}" w:bottom="{MARGIN}" w:left="{MARGIN}" '
        'w:header="709" w:footer="709" w:gutter="0"/><w:cols w:space="708"/>'
        '<w:docGrid w:linePitch="360"/></w:sectPr>'
    )


def text_width(landscape: bool) -> int:
    return (A4_LONG if landscape else A4_SHORT) - 2 * MARGIN


def _text_xml(text: str) -> str:
    return escape(xml_safe(text))


def _run_xml(text: str, bold: bool = False, half_points: int = 0) -> str:
    """One run; the writer's own line breaks stay as line breaks."""
    lines = "<w:br/>".join(
        f'<w:t xml:space="preserve">{_text_xml(line)}</w:t>' for line in text.split("\n")
    )
    size = f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>' if half_points else ""
    properties = f"<w:rPr>{'<w:b/><w:bCs/>' if bold else ''}{size}</w:rPr>" if bold or size else ""
    return f"<w:r>{properties}{lines}</w:r>"


def _paragraph_xml(text: str, style_id: str = "", bold: bool = False, half_points: int = 0) -> str:
    style = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>' if style_id else ""
    text = clean(text)
    return f"<w:p>{style}{_run_xml(text, bold, half_points) if text else ''}</w:p>"


def _block_xml(block: Block, styles: dict[str, str], landscape: bool, heading: str) -> str:
    match block:
        case Heading(level, text):
            return _paragraph_xml(text, styles[f"Heading {min(max(level, 1), 9)}"])
        case Paragraph(text, strong=True):
            return _paragraph_xml(text, bold=True)
        case Paragraph(text):
            # A blank line starts a new paragraph, as in the HTML; a screen reader pauses there.
            paragraphs = [p for p in PARAGRAPH_BREAK.split(newlines(text).strip()) if p]
            return "".join(_paragraph_xml(p) for p in paragraphs) or "<w:p/>"
        case Bullets(items):
            return "".join(_paragraph_xml(item, styles["List Bullet"]) for item in items)
        case Table():
            return _table_xml(block, styles["Table Grid"], text_width(landscape), heading)
        case _:
            return "<w:p/>"


def _table_xml(table: Table, style_id: str, available: int, caption: str) -> str:
    """A real table at a fixed layout that fits the page without splitting a short word.

    Its first row is a header row: repeated at the top of each page and announced as
    column headers by screen readers. The caption is the table's alternative text. A
    table without columns has nothing to show (and a row without cells is not valid).
    """
    if not table.headers:
        return ""
    widths, half_points = column_widths(table, available)
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    cells = [f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>' for w in widths]
    header = _row_xml(table.headers, cells, half_points, header=True)
    rows = "".join(_row_xml(row, cells, half_points) for row in table.rows)
    return (
        f'<w:tbl><w:tblPr><w:tblStyle w:val="{style_id}"/><w:tblW w:w="{available}" w:type="dxa"/>'
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblLook w:val="0420" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
        f'<w:tblCaption w:val="{escape(xml_safe(clean(caption)), QUOTE)}"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{header}{rows}</w:tbl>"
    )


def _row_xml(values, cells: list[str], half_points: int, header: bool = False) -> str:
    properties = '<w:trPr><w:tblHeader w:val="true"/></w:trPr>' if header else ""
    return (
        f"<w:tr>{properties}"
        + "".join(
            f"{cell}{_paragraph_xml(value, bold=header, half_points=half_points)}</w:tc>"
            for cell, value in zip(cells, values, strict=False)
        )
        + "</w:tr>"
    )


def column_widths(table: Table, available: int) -> tuple[list[int], int]:
    """Column widths in twips summing to `available`, and the font size in half-points.

    Each column is at least as wide as its longest word (up to LONGEST_KEPT_EM), and
    the space left is shared by how much text each column holds, as a browser shares
    it. A table that cannot fit at 10 pt is set at 9 pt; one that cannot fit at 9 pt
    either is squeezed in proportion, and only then may a long word break.
    """
    words, texts = _longest(table)
    for half_points in (TABLE_HALF_POINTS, SMALL_HALF_POINTS):
        twips = half_points * 10  # one em at this size
        least = [round(min(em, LONGEST_KEPT_EM) * twips) + CELL_PADDING for em in words]
        most = [
            max(round(n * AVERAGE_EM * twips) + CELL_PADDING, low)
            for n, low in zip(texts, least, strict=True)
        ]
        if sum(least) <= available:
            return _share(least, most, available), half_points
    return _fill([w * available / sum(least) for w in least], available), SMALL_HALF_POINTS


def _longest(table: Table) -> tuple[list[float], list[int]]:
    """Per column: the width of its longest word in ems, and its longest text in characters."""
    columns = range(len(table.headers))
    words: list[set[str]] = [set() for _ in columns]
    texts = [0] * len(table.headers)
    for row in table.rows:
        for index, value in zip(columns, row, strict=False):
            words[index].update(WORD.findall(value))
            texts[index] = max(texts[index], len(value))
    longest = []
    for index, header in zip(columns, table.headers, strict=True):
        header_em = max((word_em(w, bold=True) for w in WORD.findall(header)), default=0.0)
        longest.append(max(header_em, max(map(word_em, words[index]), default=0.0)))
        texts[index] = max(texts[index], len(header))
    return longest, texts


def word_em(word: str, bold: bool = False) -> float:
    """How wide a word is in Arial, in ems."""
    widths = ARIAL_BOLD if bold else ARIAL
    return sum(widths.get(char) or _glyph_width(char, widths) for char in word) / 1000


def _glyph_width(char: str, widths: dict[str, int]) -> int:
    """A character outside printable ASCII: its base letter, nothing, or a generous guess."""
    base = unicodedata.normalize("NFKD", char)[:1]
    if base in widths:
        return widths[base]
    if unicodedata.combining(char) or unicodedata.category(char) == "Cf":
        return 0  # combining accents, zero-width and bidi controls take no room
    return 1000 if unicodedata.east_asian_width(char) in "WF" else 600


def _share(least: list[int], most: list[int], available: int) -> list[int]:
    spare = available - sum(least)
    wanted = [high - low for low, high in zip(least, most, strict=True)]
    if sum(most) <= available or not sum(wanted):
        return _fill([high * available / sum(most) for high in most], available)
    return _fill(
        [low + spare * w / sum(wanted) for low, w in zip(least, wanted, strict=True)], available
    )


def _fill(widths: list[float], available: int) -> list[int]:
    """Whole twips that add up to exactly `available` (the last column takes the rounding)."""
    whole = [int(w) for w in widths]
    if whole:
        whole[-1] += available - sum(whole)
    return whole


# ---------------------------------------------------------------- CSV
def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: formula starts get a leading apostrophe.

    Bidi controls the cell leaves open are closed, so the next cell is not reversed.
    """
    text = close_bidi_lines(NOT_CSV.sub("", text))
    return f"'{text}" if text.startswith(FORMULA_START) else text


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark, so spreadsheets read Welsh and Urdu text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in table.headers])
    writer.writerows([csv_cell(cell) for cell in row] for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
