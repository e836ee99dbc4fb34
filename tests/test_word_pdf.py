"""Word and PDF downloads a board secretary can attach as they are: accessible and readable.

Word files are reopened with python-docx, PDFs with pypdf. The worked example is
downloaded once per module: its PDF takes seconds to lay out.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from flask import render_template
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from hiat import store
from hiat.downloads import download_name
from hiat.exports import to_docx
from hiat.pdf import LocalFiles, to_pdf
from hiat.statement import Heading, Table, build_statement, render_html
from tests.conftest import ROOT, signed_in_client
from tests.test_statement import filled_values, make_assessment

GENERATED = dt.date(2026, 11, 23)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
STATIC = ROOT / "static"
# Hostile text in one value: control characters, a lone CR, an unclosed right-to-left
# override, markup and right-to-left script.
HOSTILE = (
    "null\x00byte, \x07bell and \x1bescape; line one\rline two\r\nline three "
    "<script>alert(1)</script> یہ پالیسی שלום \u202eoverride left open"
)
FONT_FILES = {
    False: "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    True: "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
}


@pytest.fixture(scope="module")
def example(example_copy):
    """The worked example copied into a new assessment, its statement, Word file and PDF."""
    app, client, uid = example_copy
    with app.app_context():
        assessment = store.get_assessment(store.get_db(), uid)
    built = build_statement(assessment, app.extensions["hiat"], dt.date.today())
    downloads = {
        kind: client.get(f"/assessments/{uid}/statement.{kind}") for kind in ("docx", "pdf")
    }
    for response in downloads.values():
        assert response.status_code == 200
    return {"uid": uid, "assessment": assessment, "statement": built, **downloads}


def word(data: bytes):
    return Document(io.BytesIO(data))


def pdf_reader(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def attachment_name(response) -> str:
    match = re.fullmatch(r'attachment; filename="([^"]+)"', response.headers["Content-Disposition"])
    assert match, response.headers["Content-Disposition"]
    return match.group(1)


# ---------------------------------------------------------------- Word
def test_word_download_has_real_headings_and_language(example):
    document = word(example["docx"].data)
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    blocks = [b for b in example["statement"].blocks if isinstance(b, Heading)]
    assert headings == [(f"Heading {b.level}", b.text) for b in blocks]
    assert {"Heading 1", "Heading 2", "Heading 3"} <= {style for style, _ in headings}
    (language,) = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang")
    assert language.get(qn("w:val")) == "en-GB"
    assert document.core_properties.language == "en-GB"


def contrast_with_white(rgb) -> float:
    """WCAG contrast ratio of a text colour on white."""
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_word_headings_are_arial_with_enough_contrast(example):
    document = word(example["docx"].data)
    for level in range(1, 7):
        style = document.styles[f"Heading {level}"]
        assert style.font.name == "Arial"
        fonts = style.element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:asciiTheme")) is None, "a theme font would win over Arial"
        assert contrast_with_white(style.font.color.rgb) >= 4.5


def test_word_download_names_its_title_and_author_in_the_properties(example):
    properties = word(example["docx"].data).core_properties
    built = example["statement"]
    assert properties.title == built.document_title == f"{built.kind}: {built.title}"
    assert built.title == example["assessment"].title
    assert properties.author == example["statement"].author
    assert properties.author


def test_word_download_is_a4_with_a_header_row_on_every_table(example):
    document = word(example["docx"].data)
    for section in document.sections:
        size = sorted((round(section.page_width.mm), round(section.page_height.mm)))
        assert size == [210, 297]
    tables = [b for b in example["statement"].blocks if isinstance(b, Table)]
    assert len(document.tables) == len(tables)
    for word_table, table in zip(document.tables, tables, strict=True):
        first = word_table.rows[0]
        assert [c.text for c in first.cells] == list(table.headers)
        assert first._tr.trPr.find(qn("w:tblHeader")) is not None
        look = word_table._tbl.tblPr.find(qn("w:tblLook"))
        assert look.get(qn("w:firstRow")) == "1"
        assert word_table._tbl.tblPr.find(qn("w:tblCaption")).get(qn("w:val"))


def section_of_each_table(document) -> list[tuple[int, bool]]:
    """(column count, landscape?) for each table, from the section that follows it."""
    body = document.element.body
    found, waiting = [], []
    for child in body.iterchildren():
        if child.tag == f"{W}tbl":
            waiting.append(len(child.findall(f"{W}tblGrid/{W}gridCol")))
        section = child if child.tag == f"{W}sectPr" else child.find(f"{W}pPr/{W}sectPr")
        if section is not None:
            size = section.find(f"{W}pgSz")
            landscape = int(size.get(f"{W}w")) > int(size.get(f"{W}h"))
            assert (size.get(f"{W}orient") == "landscape") == landscape
            found += [(columns, landscape) for columns in waiting]
            waiting = []
    assert not waiting, "every table ends up in a section"
    return found


def test_word_wide_plan_tables_sit_in_landscape_sections(example):
    document = word(example["docx"].data)
    placed = section_of_each_table(document)
    assert all(landscape == (columns > 5) for columns, landscape in placed), placed
    tables = [b for b in example["statement"].blocks if isinstance(b, Table)]
    assert any(len(t.headers) > 5 for t in tables), "the worked example has a wide plan"
    assert any(landscape for _, landscape in placed)
    # The heading just before a wide table is on its landscape page, not left behind.
    for word_table in document.tables:
        if len(word_table.columns) > 5:
            before = word_table._tbl.getprevious()
            assert before.find(f"{W}pPr/{W}sectPr") is None
            assert before.find(f"{W}pPr/{W}pStyle").get(f"{W}val").startswith("Heading")


@pytest.fixture(scope="module")
def fonts():
    """Arial's metric twin, as the fonts target of the Makefile installs it."""
    loaded = {}
    for bold, path in FONT_FILES.items():
        assert Path(path).exists(), f"{path} is missing: run make fonts"
        font = TTFont(path)
        loaded[bold] = (font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm)
    return loaded


def word_width_twips(word_text: str, points: float, font) -> float:
    cmap, metrics, units = font
    advance = sum(metrics[cmap[ord(c)]][0] if ord(c) in cmap else units for c in word_text)
    return advance / units * points * 20


def assert_no_short_word_breaks(document, fonts) -> None:
    """Each column is as wide as its longest word at the table's own font size, measured
    with the font's real widths, plus the cell margins: Word then breaks only at spaces."""
    for word_table in document.tables:
        grid = [int(c.get(qn("w:w"))) for c in word_table._tbl.findall(f"{W}tblGrid/{W}gridCol")]
        assert word_table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        cells = [
            (n, column, cell)
            for n, row in enumerate(word_table.rows)
            for column, cell in enumerate(row.cells)
        ]
        sizes = {
            r.font.size.pt for _, _, c in cells for p in c.paragraphs for r in p.runs if r.font.size
        }
        points = min(sizes) if sizes else 11
        for row, column, cell in cells:
            for piece in re.findall(r"[^\s-]+-?", cell.text):
                needed = word_width_twips(piece, points, fonts[row == 0]) + 2 * 108
                assert grid[column] >= needed, (piece, points, grid)


def test_word_tables_never_split_a_short_word(example, fonts):
    document = word(example["docx"].data)
    assert max(len(t.columns) for t in document.tables) > 5, "the example has a wide plan"
    assert_no_short_word_breaks(document, fonts)


MONITORING_HEADERS = (
    "Principle", "Indicator", "Other indicator", "Baseline", "Target",
    "Breakdown by group", "Data source", "How often", "Review date",
)  # fmt: skip
MONITORING_ROW = (
    "Skills, capabilities and control", "Attainment 8 score for disadvantaged pupils",
    "Apprenticeships started by care leavers", "2019/20: every borough below the average",
    "Gap between the most deprived neighbourhoods, and others, smaller", "Deprivation quintile, "
    "disabilities", "Health-and-housing participation survey", "Every quarter (survey)",
    "31 December 2028",
)  # fmt: skip


def test_word_nine_column_table_keeps_short_words_whole(banks, fonts):
    built = build_statement(make_assessment(banks, filled_values("Warm homes")), banks, GENERATED)
    table = Table(MONITORING_HEADERS, (MONITORING_ROW,) * 3)
    document = word(to_docx(replace(built, blocks=(Heading(2, "Monitoring plan"), table))))
    (word_table,) = document.tables
    assert len(word_table.columns) == 9
    assert_no_short_word_breaks(document, fonts)
    assert section_of_each_table(document) == [(9, True)]


def test_word_download_with_5000_action_rows_opens_with_every_row(banks):
    """The body is written once and put in place in one move (the bench times it)."""
    built = build_statement(make_assessment(banks, filled_values("Warm homes")), banks, GENERATED)
    rows = tuple((f"Cause {n}", f"Action {n}", "Housing", "2027") for n in range(5000))
    table = Table(("Cause addressed", "Action", "Owner", "Timescale"), rows)
    document = word(to_docx(replace(built, blocks=(*built.blocks, table))))
    assert len(document.tables[-1].rows) == 5001
    assert document.element.body[-1].tag == f"{W}sectPr"


def test_word_download_file_name_is_whole_words_and_the_id(example):
    name = attachment_name(example["docx"])
    uid = example["uid"]
    assert name == (
        f"equity-impact-statement-cheshire-and-merseyside-green-plan-2026-to-2030-{uid[:8]}.docx"
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Green Plan: net zero", "equity-impact-statement-green-plan-net-zero-01234567"),
        ("Council's plan for Ŵyr", "equity-impact-statement-councils-plan-for-wyr-01234567"),
        ("یہ پالیسی", "equity-impact-statement-01234567"),
        ("x" * 200, "equity-impact-statement-01234567"),
    ],
)
def test_download_names_are_whole_words_of_the_title(banks, title, expected):
    assert download_name(make_assessment(banks, {"details_title": title})) == expected


def test_download_name_of_a_long_title_stops_at_a_whole_word(banks):
    title = "Cheshire and Merseyside integrated care partnership all together fairer plan"
    name = download_name(make_assessment(banks, {"details_title": title}))
    words = name.removeprefix("equity-impact-statement-").split("-")
    assert words[-1] == "01234567"
    assert "-".join(words[:-1]) == "cheshire-and-merseyside-integrated-care-partnership-all"
    assert all(w in title.lower().split() for w in words[:-1])
    assert len("-".join(words[:-1])) <= 60


def test_word_download_keeps_hostile_text_and_closes_an_override(banks):
    built = build_statement(make_assessment(banks, filled_values(HOSTILE)), banks, GENERATED)
    document = word(to_docx(built))
    assert "\x00" not in document.core_properties.title
    texts = [p.text for p in document.paragraphs]
    texts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    found = [t for t in texts if "<script>alert(1)</script>" in t]
    assert found
    for text in found:
        assert "\x00" not in text and "\x07" not in text and "\r" not in text
        assert "null" in text and "byte" in text
        # Answers keep their line breaks; the title is one line, as it is in the properties.
        if not text.startswith("Equity impact statement: "):
            assert "line one\nline two\nline three" in text
        # The override is closed on its own line, so what follows reads left to right.
        for line in text.split("\n"):
            assert line.count("\u202e") <= line.count("\u202c")


# ---------------------------------------------------------------- PDF
def structure_types(reader: PdfReader) -> list[str]:
    """Every structure element's type, walking the tree from /StructTreeRoot."""
    seen: set[int] = set()
    types: list[str] = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
            node = node.get_object()
        if isinstance(node, ArrayObject):
            stack.extend(node)
        elif isinstance(node, DictionaryObject):
            if "/S" in node:
                types.append(str(node["/S"]))
            if "/K" in node:
                stack.append(node["/K"])
    return types


def test_pdf_download_is_tagged_with_language_title_headings_and_table_headers(example):
    response = example["pdf"]
    assert response.mimetype == "application/pdf"
    reader = pdf_reader(response.data)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "en-GB"
    h1 = next(b.text for b in example["statement"].blocks if isinstance(b, Heading))
    assert reader.metadata.title == h1 == word(example["docx"].data).core_properties.title
    assert reader.metadata.author == example["statement"].author
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp, "identified as PDF/UA-1 in its XMP metadata"
    types = set(structure_types(reader))
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD"} <= types, types


def test_pdf_download_is_a4_with_landscape_pages_for_wide_tables(example):
    reader = pdf_reader(example["pdf"].data)
    # The full worked example runs to some dozens of pages (the board summary is shorter).
    assert 10 <= len(reader.pages) <= 150, len(reader.pages)
    sizes = {
        tuple(sorted((round(p.mediabox.width), round(p.mediabox.height)))) for p in reader.pages
    }
    assert sizes == {(595, 842)}, sizes
    orientations = [
        "landscape" if p.mediabox.width > p.mediabox.height else "portrait" for p in reader.pages
    ]
    assert orientations[0] == "portrait" and "landscape" in orientations
    first_page = " ".join(reader.pages[0].extract_text().split())
    assert example["statement"].title in first_page


def test_pdf_wide_table_starts_its_landscape_page_with_its_heading(example):
    reader = pdf_reader(example["pdf"].data)
    pages = [(" ".join(p.extract_text().split()), p.mediabox) for p in reader.pages]
    blocks = example["statement"].blocks
    pairs = [
        (heading, table)
        for heading, table in zip(blocks, blocks[1:], strict=False)
        if isinstance(heading, Heading) and isinstance(table, Table) and len(table.headers) > 5
    ]
    assert pairs, "the worked example has a heading just before a wide table"
    for heading, table in pairs:
        start = f"{heading.text} {table.headers[0]}"
        found = [box for text, box in pages if start in text]
        assert len(found) == 1, f"{heading.text} is not on the page where its table starts"
        assert found[0].width > found[0].height, f"{heading.text} is on a portrait page"


def test_pdf_download_file_name_matches_the_word_one(example):
    assert attachment_name(example["pdf"]) == attachment_name(example["docx"]).replace(
        ".docx", ".pdf"
    )


def print_html(app, statement) -> str:
    with app.test_request_context():
        return render_template(
            "print.html",
            statement=statement,
            statement_html=render_html(statement, baselevel=1),
            pdf=True,
        )


def test_pdf_keeps_hostile_text_and_stays_tagged(app, banks):
    built = build_statement(make_assessment(banks, filled_values(HOSTILE)), banks, GENERATED)
    reader = pdf_reader(to_pdf(print_html(app, built), STATIC.as_uri() + "/"))
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    title = reader.metadata.title
    assert "statement: null" in title
    assert not re.search("[\x00-\x1f]", title) and title.endswith("open\u202c")
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    # A narrow cell may wrap the one long token, so spaces and line ends are ignored.
    assert "<script>alert(1)</script>" in re.sub(r"\s", "", text)
    assert "Head of Housing" in text, "text after the open override still reads forwards"
    assert {"/H1", "/TH"} <= set(structure_types(reader))


def test_pdf_reads_only_the_static_folder(tmp_path):
    fetcher = LocalFiles(STATIC.resolve())
    assert fetcher.fetch((STATIC / "print.css").resolve().as_uri()).read()
    for url in ("https://example.com/x.css", "http://127.0.0.1/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    outside = tmp_path / "evil.css"
    outside.write_text("h1 { color: red }")
    links = "".join(
        f'<link rel="stylesheet" href="{href}">'
        for href in (outside.as_uri(), "https://example.com/evil.css")
    )
    html = f'<html lang="en-GB"><head><title>T</title>{links}</head><body><h1>T</h1></body></html>'

    assert to_pdf(html, STATIC.as_uri() + "/").startswith(b"%PDF-")


def test_pdf_of_a_new_assessment_downloads_with_its_name(new_assessment, client):
    uid = new_assessment()
    response = client.get(f"/assessments/{uid}/statement.pdf")
    assert response.status_code == 200
    assert attachment_name(response) == (
        f"equity-impact-statement-cheshire-and-merseyside-green-plan-{uid[:8]}.pdf"
    )
    reader = pdf_reader(response.data)
    assert reader.metadata.title.endswith("statement: Cheshire and Merseyside Green Plan")
    assert " ".join(reader.pages[0].extract_text().split()).startswith(reader.metadata.title)


def test_pdf_of_another_organisations_assessment_is_not_found(new_assessment, app):
    uid = new_assessment()
    stranger = signed_in_client(app, email="sam@halton.gov.uk", organisation="Halton Council")
    assert stranger.get(f"/assessments/{uid}/statement.pdf").status_code == 404
