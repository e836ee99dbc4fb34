"""The worked example: complete, readable without an account, shown beside questions, copyable."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from hiat import wizard
from hiat.example import load_example
from hiat.questions import BankError
from hiat.statement import to_markdown
from tests.conftest import (
    QUESTIONS,
    check_page,
    md_headings,
    normalize,
    signed_in_client,
    uid_from,
)
from tests.test_csrf import token_from


@pytest.fixture(scope="module")
def example(banks):
    return load_example(QUESTIONS, banks)


def test_worked_example_loads_with_a_title_and_summary(example):
    assert example.title.startswith("Cheshire and Merseyside Green Plan")
    assert "illustrative" in example.summary


def test_worked_example_answers_every_question_it_reaches(example, banks):
    for section in wizard.sections(banks, example.answers):
        for page in section.pages:
            for question in page.questions:
                if question.id == wizard.PATH_REASON:
                    # Asked only against the suggestion; the example follows it.
                    assert not wizard.chose_against_suggestion(example.answers)
                    continue
                if question.id == wizard.LEFT_OUT_REASON:
                    # Asked only when a principle is left out; the example keeps all eight.
                    assert not wizard.missing_required((question,), example.answers)
                    continue
                assert question.id in example.answers, question.id


def test_worked_example_statement_covers_each_principle_it_screens_in(example, banks):
    text = to_markdown(example.assessment(banks), banks, dt.date(2026, 11, 23))
    headings = md_headings(text)
    assert headings[0][1].startswith("Equity impact statement: Cheshire and Merseyside Green")
    h3 = [content for tag, content in headings if tag == "h3"]
    for principle in wizard.selected_principles(banks, example.answers):
        # Once in each of the four steps, and once with its rating and reasons.
        assert h3.count(principle.short_label) == 5, principle.id
    assert "Not rated yet" not in text and "Not answered" not in text


def test_worked_example_page_is_readable_and_copyable(csrf_app):
    client = signed_in_client(csrf_app)
    response = client.get("/worked-example")
    page = check_page(response.get_data(as_text=True))
    assert "Copy this example into a new assessment" in page.text
    assert page.select_one(".hiat-statement h3") is not None
    token = token_from(response.get_data(as_text=True))
    copied = client.post("/worked-example/copy", data={"csrf_token": token})
    assert copied.status_code == 302
    uid = uid_from(copied.headers["Location"])
    task_list = check_page(client.get(copied.headers["Location"]).get_data(as_text=True))
    assert "starts as a copy of the worked example" in normalize(task_list.text)
    statement = client.get(f"/assessments/{uid}/statement.md").get_data(as_text=True)
    assert md_headings(statement)[0][1].startswith(
        "Equity impact statement: Cheshire and Merseyside"
    )
    assert "Not yet approved: draft" in statement


def test_start_page_links_to_the_worked_example(pages):
    link = pages.get("/").find("a", href="/worked-example")
    assert link is not None


def test_question_pages_show_the_worked_example_answer(new_assessment, pages):
    uid = new_assessment(("living_standard",))
    page = pages.get(f"/assessments/{uid}/pages/living_standard-step-2")
    help_texts = [normalize(d.text) for d in page.select("details.govuk-details")]
    assert any("In the worked example" in text for text in help_texts)


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    target = tmp_path / "questions"
    shutil.copytree(QUESTIONS, target)
    return target


def test_example_answer_with_an_unknown_option_names_the_file_and_question(example_dir, banks):
    path = example_dir / "worked_example" / "core.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'decision_option = "proceed_with_changes"', 'decision_option = "maybe"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(BankError) as caught:
        load_example(example_dir, banks)
    assert (
        "questions/worked_example/core.toml: question 'decision_option': 'maybe' is not one of"
    ) in str(caught.value)


def test_example_answer_to_a_question_not_in_the_bank_is_reported(example_dir, banks):
    with (example_dir / "worked_example" / "extra.toml").open("w", encoding="utf-8") as handle:
        handle.write('[answers]\np1_s1_nonexistent = "text"\n')
    with pytest.raises(
        BankError, match="extra.toml: question 'p1_s1_nonexistent': is not a question in the bank"
    ):
        load_example(example_dir, banks)


def test_every_worked_example_answer_fits_its_box(example, banks):
    """Copied and saved as it is, no answer is refused as too long."""
    for qid, value in example.answers.items():
        limit = banks.questions[qid].max_length
        if limit and isinstance(value, str):
            assert len(value) <= limit, (qid, len(value), limit)
