"""Every download opens in the program its user would use and shows the same assessment."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from bs4 import BeautifulSoup
from docx import Document
from docx.oxml.ns import qn

from hiat import store, transfer
from hiat.exports import csv_cell, to_csv, to_docx
from hiat.statement import Heading, Table, build_statement, plain_lines, plan_table
from hiat.transfer import TransferError, export_document, read_document, to_json
from tests.conftest import DETAILS, check_page, normalize, screening_data, uid_from
from tests.test_statement import GENERATED, HOSTILE, filled_values, make_assessment

CORPUS = HOSTILE


def docx_document(data: bytes):
    return Document(io.BytesIO(data))


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def visible(text: str) -> str:
    """What a reader sees once a format has dropped what it cannot hold."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return normalize("".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 32 and ch != "\x7f"))


# ---------------------------------------------------------------- Word
def test_word_document_has_real_headings_in_the_statement_order(banks):
    built = build_statement(make_assessment(banks, filled_values("Warm homes")), banks, GENERATED)
    document = docx_document(to_docx(built))
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    expected = [(f"Heading {b.level}", b.text) for b in built.blocks if isinstance(b, Heading)]
    assert headings == expected
    assert headings[0] == ("Heading 1", "Equity impact statement: Warm homes")


def test_word_tables_have_header_rows_that_repeat_on_each_page(banks):
    built = build_statement(make_assessment(banks, filled_values("Warm homes")), banks, GENERATED)
    document = docx_document(to_docx(built))
    tables = [b for b in built.blocks if isinstance(b, Table)]
    assert len(document.tables) == len(tables)
    for word_table, table in zip(document.tables, tables, strict=True):
        assert [c.text for c in word_table.rows[0].cells] == list(table.headers)
        assert word_table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert len(word_table.rows) == len(table.rows) + 1


def test_word_holds_the_same_content_as_the_markdown(banks):
    built = build_statement(make_assessment(banks, filled_values("Warm homes")), banks, GENERATED)
    text = visible(docx_text(docx_document(to_docx(built))))
    for line in plain_lines(built.blocks):
        assert visible(line) in text


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda t: repr(t[:24]))
def test_word_shows_hostile_text_literally_without_markdown_escapes(banks, hostile):
    built = build_statement(make_assessment(banks, filled_values(hostile)), banks, GENERATED)
    text = visible(docx_text(docx_document(to_docx(built))))
    assert visible(hostile) in text


def test_word_strips_characters_it_cannot_hold(banks):
    # python-docx raises on NUL and most control characters, so they are removed.
    built = build_statement(
        make_assessment(banks, filled_values("a\x00b\x0bc\ud800d")), banks, GENERATED
    )
    assert "abcd" in docx_text(docx_document(to_docx(built)))


# ---------------------------------------------------------------- CSV
def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cell):
    assert csv_cell(cell) == "'" + cell


def test_csv_leaves_ordinary_text_alone():
    assert csv_cell("Insulate 500 homes") == "Insulate 500 homes"


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda t: repr(t[:24]))
def test_action_and_monitoring_plans_keep_hostile_text_in_its_cell(banks, hostile):
    assessment = make_assessment(banks, filled_values(hostile))
    principles = [banks.principle("early_years"), banks.principle("environment_sustainability")]
    for table_type in ("action_table", "indicator_table"):
        table = plan_table(assessment.answers, banks, principles, table_type)
        rows = read_csv(to_csv(table))
        assert rows[0] == list(table.headers)
        assert all(len(row) == len(table.headers) for row in rows)
        cells = [cell for row in rows[1:] for cell in row]
        expected = csv_cell(hostile)
        assert (
            expected in cells
            or expected.replace("\x00", "") in cells
            or any(visible(expected) == visible(c) for c in cells)
        )


def test_empty_plan_downloads_with_its_headings(new_assessment, client):
    uid = new_assessment()
    response = client.get(f"/assessments/{uid}/action-plan.csv")
    assert response.mimetype == "text/csv"
    rows = read_csv(response.data)
    assert rows == [
        ["Principle", "Cause addressed", "Action", "Owner", "Timescale", "Resources needed"]
    ]


def test_unknown_plan_is_not_found(new_assessment, client):
    assert client.get(f"/assessments/{new_assessment()}/secret-plan.csv").status_code == 404


# ---------------------------------------------------------------- print view
def test_print_view_is_a_standalone_page_without_site_navigation(new_assessment, client):
    uid = new_assessment()
    client.post(
        f"/assessments/{uid}/pages/early_years-step-1",
        data={"p1_s1_causes_detail": "<script>alert(1)</script>", "save": "continue"},
    )
    html = client.get(f"/assessments/{uid}/statement/print").get_data(as_text=True)
    page = check_page(html)
    assert page.h1.text.startswith("Equity impact statement")
    assert page.find("header") is None and page.find("footer") is None
    assert page.find("nav") is None and page.find("form") is None
    assert page.find("link", rel="stylesheet")["href"].endswith("print.css")
    assert page.find("script") is None
    assert "<script>alert(1)</script>" in page.text


# ---------------------------------------------------------------- JSON
EXPORTED_AT = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def comparable(document: dict) -> dict:
    """An export without the parts that differ between services: ids and timestamps."""
    document = json.loads(json.dumps(document))
    for key in ("id", "created_at", "updated_at"):
        document["assessment"].pop(key)
    document.pop("exported_at")
    return document


def test_export_import_export_gives_the_same_document(new_assessment, client, banks):
    uid = new_assessment()
    client.post(
        f"/assessments/{uid}/pages/early_years-step-2",
        data={
            "p1_s2_actions-0-action": "Insulate",
            "p1_s2_benefit_first": "By need",
            "save": "continue",
        },
    )
    client.post(f"/assessments/{uid}/sections/details/check", data={"completed": "yes"})
    first = client.get(f"/assessments/{uid}/export.json")
    assert first.mimetype == "application/json"
    response = client.post(
        "/assessments/import", data={"file": (io.BytesIO(first.data), "assessment.json")}
    )
    assert response.status_code == 302
    new_uid = uid_from(response.headers["Location"])
    assert new_uid != uid
    second = client.get(f"/assessments/{new_uid}/export.json")
    assert comparable(json.loads(second.data)) == comparable(json.loads(first.data))


def test_import_keeps_answers_to_questions_the_bank_no_longer_has(banks):
    assessment = make_assessment(banks, filled_values("x"))
    document = export_document(assessment, EXPORTED_AT)
    document["answers"].append(
        {
            "question_id": "p1_s1_gone",
            "value": "Kept",
            "label": "An old question",
            "option_labels": {},
        }
    )
    checked = read_document(json.dumps(document).encode(), banks)
    assert checked["answers"][-1]["value"] == "Kept"


def count_assessments(client) -> int:
    db = store.open_db(client.application.config["DATABASE"])
    try:
        return len(store.list_assessments(db))
    finally:
        db.close()


def good_document(banks) -> dict:
    return export_document(make_assessment(banks, filled_values("x")), EXPORTED_AT)


BAD_FILES = {
    "not JSON": (b"this is not json", "not a JSON file exported from this service"),
    "not UTF-8": (b"\xff\xfe\x00garbage", "not a JSON file exported from this service"),
    "another format": (b'{"format": "something-else"}', "not an assessment exported"),
    "a list": (b"[1, 2, 3]", "not an assessment exported"),
    "too new": (None, "uses version 2 of the export format"),
    "damaged": (None, "is damaged"),
    "bad option": (None, "does not fit this service's questions"),
    # Kept under the test client's 500 KB spill-to-disk point; the limit is lowered to match.
    "oversized": (b"{" + b" " * (200 * 1024) + b"}", "smaller than 1 MB"),
    "hostile value type": (None, "is damaged"),
    "duplicate answers": (None, "twice"),
}


def bad_file(name: str, banks) -> bytes:
    raw, _ = BAD_FILES[name]
    if raw is not None:
        return raw
    document = good_document(banks)
    if name == "too new":
        document["format_version"] = 2
    elif name == "damaged":
        del document["answers"][0]["label"]
    elif name == "bad option":
        for answer in document["answers"]:
            if answer["question_id"] == "details_place":
                answer["value"] = "atlantis"
    elif name == "hostile value type":
        document["answers"][0]["value"] = {"nested": {"deep": ["<script>"]}}
    elif name == "duplicate answers":
        document["answers"].append(document["answers"][0])
    return json.dumps(document).encode()


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_import_file_gets_a_clear_error_and_changes_nothing(name, client, banks, monkeypatch):
    monkeypatch.setattr(transfer, "MAX_BYTES", 100 * 1024)
    before = count_assessments(client)
    response = client.post(
        "/assessments/import", data={"file": (io.BytesIO(bad_file(name, banks)), "x.json")}
    )
    assert response.status_code == 200
    page = check_page(response.get_data(as_text=True))
    assert page.title.text.startswith("Error: Import an assessment")
    summary = normalize(page.select_one(".govuk-error-summary").text)
    assert BAD_FILES[name][1] in summary
    assert page.select_one(".govuk-error-summary a")["href"] == "#file"
    assert count_assessments(client) == before


def test_import_without_a_file_says_what_to_do(client):
    page = check_page(client.post("/assessments/import", data={}).get_data(as_text=True))
    assert "Select a JSON file exported from this service" in page.text


def test_import_reports_any_problem_before_writing(banks):
    with pytest.raises(TransferError):
        read_document(bad_file("bad option", banks), banks)


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda t: repr(t[:24]))
def test_json_round_trips_hostile_text_exactly(banks, hostile):
    assessment = make_assessment(banks, filled_values(hostile))
    data = to_json(assessment, EXPORTED_AT)
    document = read_document(data, banks)
    values = {a["question_id"]: a["value"] for a in document["answers"]}
    assert values["p1_s1_causes_detail"] == hostile
    assert values["p1_s2_actions"][0]["action"] == hostile


# ---------------------------------------------------------------- the statement page
def test_statement_page_offers_every_download(new_assessment, pages):
    uid = new_assessment()
    links = {a["href"] for a in pages.get(f"/assessments/{uid}/statement").find_all("a")}
    for suffix in (
        "statement.docx",
        "statement/print",
        "statement.md",
        "action-plan.csv",
        "monitoring-plan.csv",
        "export.json",
    ):
        assert f"/assessments/{uid}/{suffix}" in links, suffix


def test_word_download_opens_with_the_assessment_title(client):
    location = client.post("/assessments/new", data=DETAILS).headers["Location"]
    uid = uid_from(location)
    client.post(f"/assessments/{uid}/pages/screening", data=screening_data(("early_years",)))
    response = client.get(f"/assessments/{uid}/statement.docx")
    assert response.headers["Content-Disposition"].endswith('.docx"')
    document = docx_document(response.data)
    assert document.paragraphs[0].text == ("Equity impact statement: " + DETAILS["details_title"])


def test_print_view_and_preview_show_the_same_text(new_assessment, client):
    uid = new_assessment()
    preview = BeautifulSoup(client.get(f"/assessments/{uid}/statement").data, "html.parser")
    printed = BeautifulSoup(client.get(f"/assessments/{uid}/statement/print").data, "html.parser")
    assert normalize(preview.select_one(".hiat-statement").text) == normalize(printed.main.text)
