"""The board summary and the implications paragraph: what a board reads in five minutes.

The summary is built from the same blocks and renderers as the statement, so each
format is checked only for what is the summary's own: its order, its length (at most
two A4 pages for the worked example) and that it names the statement it summarises.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace
from types import MappingProxyType

import pytest
from docx import Document
from pypdf import PdfReader

from hiat import downloads, statement
from hiat.board import build_summary
from hiat.example import load_example
from hiat.statement import implications, render_markdown
from tests.conftest import QUESTIONS, check_page, md_headings, normalize
from tests.test_statement import filled_values, make_assessment

GENERATED = dt.date(2026, 12, 2)
SUMMARY_H2 = [
    "Implications for health equity",
    "The policy",
    "Recommendation",
    "Impact on each Marmot principle",
    "Main risks and how they will be reduced",
    "Conditions",
    "Review and monitoring",
    "Sign-off",
]


@pytest.fixture(scope="module")
def copied(example_copy):
    return example_copy


def test_board_summary_follows_the_board_order_and_names_the_full_statement(banks):
    example = load_example(QUESTIONS, banks).assessment(banks)
    text = render_markdown(build_summary(example, banks, GENERATED))
    headings = md_headings(text)
    assert headings[0] == ("h1", "Board summary: Cheshire and Merseyside Green Plan 2026 to 2030")
    assert [h for tag, h in headings if tag == "h2"] == SUMMARY_H2
    assert "equity impact statement for assessment worked-example, revision 1" in text
    assert "| Give every child the best start in life | Positive | Narrows the gap |" in text
    assert "31 March 2028" in text and "Proceed with changes" in text
    assert "Not yet approved: draft" in text


def test_board_summary_lists_screened_out_principles_with_their_reason(banks):
    text = render_markdown(
        build_summary(make_assessment(banks, filled_values("Not our remit")), banks, GENERATED)
    )
    assert "## Principles not assessed" in text
    assert "| Create fair employment and good work for all | Screened out: Not our remit |" in text


def test_without_written_conditions_the_summary_shows_the_first_actions(banks):
    example = load_example(QUESTIONS, banks).assessment(banks)
    answers = {k: v for k, v in example.answers.items() if k != "decision_conditions"}
    example = replace(example, answers=MappingProxyType(answers))
    text = render_markdown(build_summary(example, banks, GENERATED))
    conditions = text[text.index("## Conditions") : text.index("## Review and monitoring")]
    assert conditions.count("\n| Best start in life |") == 3
    assert re.search(r"These are the first 3 of \d+ actions\.", conditions)


def test_implications_paragraph_is_about_150_plain_words(banks):
    example = load_example(QUESTIONS, banks).assessment(banks)
    paragraph = implications(example, banks)
    words = paragraph.split()
    assert 100 <= len(words) <= 200, len(words)
    assert not re.search(r"\byou(r)?\b", paragraph, re.IGNORECASE)
    assert "all 8 Marmot principles" in paragraph
    assert "proceed with changes" in paragraph
    assert "31 March 2028" in paragraph


def test_implications_of_an_empty_assessment_say_what_is_missing(banks):
    paragraph = implications(make_assessment(banks, {"details_title": "Empty"}), banks)
    assert "looked at 0 of the 8 Marmot principles" in paragraph
    assert "No actions or monitoring have been planned yet." in paragraph
    assert "No recommendation yet." in paragraph


def test_statement_page_offers_the_implications_paragraph_to_copy(copied):
    _, client, uid = copied
    page = check_page(client.get(f"/assessments/{uid}/statement").get_data(as_text=True))
    paragraph = page.select_one("#implications")
    assert "Marmot principles" in paragraph.text
    button = page.select_one("button[data-hiat-copy='implications']")
    # Without JavaScript the button stays hidden and the paragraph is plain, selectable text.
    assert button.has_attr("hidden") and button["type"] == "button"
    assert page.select_one("#implications-status")["role"] == "status"
    assert "Not yet approved" in normalize(page.select_one("main").text)


@pytest.mark.parametrize(
    ("path", "mimetype", "name"),
    [
        ("summary.md", "text/markdown", "md"),
        ("summary.docx", downloads.DOCX_TYPE, "docx"),
        ("summary.pdf", "application/pdf", "pdf"),
    ],
)
def test_board_summary_downloads_in_every_format(copied, path, mimetype, name):
    _, client, uid = copied
    response = client.get(f"/assessments/{uid}/{path}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    disposition = response.headers["Content-Disposition"]
    assert re.search(
        rf'filename="board-summary-cheshire-and-merseyside-green-plan-[a-z0-9-]+\.{name}"',
        disposition,
    )


def test_board_summary_print_view_is_titled_board_summary(copied):
    _, client, uid = copied
    page = check_page(client.get(f"/assessments/{uid}/summary/print").get_data(as_text=True))
    assert page.title.text.startswith("Board summary: Cheshire and Merseyside Green Plan")
    assert page.h1.text.startswith("Board summary")


def test_worked_example_board_summary_fits_on_two_a4_pages(copied):
    _, client, uid = copied
    reader = PdfReader(io.BytesIO(client.get(f"/assessments/{uid}/summary.pdf").data))
    assert len(reader.pages) <= 2
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith("Board summary: ")


def test_worked_example_board_summary_in_word_has_real_headings(copied):
    _, client, uid = copied
    document = Document(io.BytesIO(client.get(f"/assessments/{uid}/summary.docx").data))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert headings[: len(SUMMARY_H2)] == SUMMARY_H2


# ---------------------------------------------------------------- made once per state
def test_a_second_download_is_served_without_building_the_statement_again(copied, monkeypatch):
    app, client, uid = copied
    calls = []
    original = downloads.BUILDERS["statement"]
    monkeypatch.setitem(
        downloads.BUILDERS, "statement", lambda *args: calls.append(1) or original(*args)
    )
    first = client.get(f"/assessments/{uid}/statement.docx")
    second = client.get(f"/assessments/{uid}/statement.docx")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert len(calls) <= 1


def test_a_change_to_an_answer_gives_a_new_document(copied):
    _, client, uid = copied
    before = client.get(f"/assessments/{uid}/statement.md").get_data(as_text=True)
    saved = client.post(
        f"/assessments/{uid}/pages/details",
        data={
            "details_title": "Green Plan, changed",
            "details_organisation": "Wirral Council",
            "details_place": "wirral",
            "details_summary": "Cut carbon.",
            "details_decision_body": "Wirral Cabinet",
            "details_kind": "strategy_plan",
            "save": "continue",
        },
    )
    assert saved.status_code == 302
    after = client.get(f"/assessments/{uid}/statement.md").get_data(as_text=True)
    assert "Green Plan, changed" in after and "Green Plan, changed" not in before
    page = client.get(f"/assessments/{uid}/statement").get_data(as_text=True)
    assert "Green Plan, changed" in page


def test_the_cache_keeps_within_its_size_by_dropping_the_oldest():
    from hiat.cache import DocumentCache

    cache = DocumentCache(limit=10)
    cache.get_or_make("a", lambda: "12345")
    cache.get_or_make("b", lambda: "12345")
    cache.get_or_make("c", lambda: "12345")
    assert len(cache) == 2
    assert cache.get_or_make("a", lambda: "again") == "again"
    assert statement.NOT_GIVEN == "Not given"


def test_board_summary_lists_the_conditions_the_author_wrote(banks):
    example = load_example(QUESTIONS, banks).assessment(banks)
    text = render_markdown(build_summary(example, banks, GENERATED))
    conditions = text[text.index("## Conditions") : text.index("## Review and monitoring")]
    assert "The assessment asks the board to attach these conditions:" in conditions
    assert "- Every landlord grant carries rent and tenancy conditions." in conditions
    assert conditions.count("\n- ") == 4
    assert re.search(r"The full statement's action plan has \d+ actions\.", conditions)
