"""Meta-tests over the shipped question banks: they load, and they stay consistent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hiat.forms import FIELD_BUILDERS
from hiat.questions import QUESTION_TYPES, load_banks
from tests.conftest import PRINCIPLES, QUESTIONS, ROOT

BANK_FILES = sorted(QUESTIONS.glob("*.toml"))
TEMPLATES = ROOT / "hiat" / "templates" / "questions"


def test_the_glob_finds_the_bank_files():
    assert len(BANK_FILES) >= 14


def test_every_bank_file_loads():
    banks = load_banks(QUESTIONS)
    assert banks.version
    assert [p.id for p in banks.principles] == list(PRINCIPLES)


def test_every_principle_has_questions_for_all_four_steps(banks):
    for principle in banks.principles:
        for step in (1, 2, 3, 4):
            assert principle.step_questions(step), (principle.id, step)


@pytest.mark.parametrize("question_type", sorted(QUESTION_TYPES))
def test_every_question_type_has_a_field_builder_and_a_partial(question_type):
    assert question_type in FIELD_BUILDERS
    assert (TEMPLATES / f"_{question_type}.html").exists()


def test_every_question_id_matches_its_file_prefix(banks):
    for question in banks.questions.values():
        prefix = (
            question.file.split("_")[0]
            if re.match(r"p[1-8]_", question.file)
            else question.file.removesuffix(".toml")
        )
        assert re.fullmatch(rf"{prefix}_[a-z0-9_]{{2,60}}", question.id), question.id


def test_labels_and_hints_have_no_stray_whitespace_or_html(banks):
    for question in banks.questions.values():
        for text in (question.label, question.hint):
            assert text == text.strip() and "  " not in text, question.id
            assert "<" not in text and ">" not in text, question.id


def test_every_question_has_label_hint_and_guidance(banks):
    for question in banks.questions.values():
        assert question.label and question.hint and question.guidance, question.id


def test_screening_covers_every_principle(banks):
    assert {q.screens for q in banks.screening if q.screens} == set(PRINCIPLES)


def test_decision_has_an_impact_rating_for_every_principle(banks):
    rated = {q.principle for q in banks.decision if q.type == "impact_rating"}
    assert rated == set(PRINCIPLES)


def test_questions_readme_documents_every_type_and_key():
    readme = (QUESTIONS / "README.md").read_text(encoding="utf-8")
    for question_type in QUESTION_TYPES:
        assert f"`{question_type}`" in readme, question_type
    keys = (
        "id",
        "step",
        "type",
        "label",
        "statement",
        "follows",
        "kinds",
        "rapid",
        "hint",
        "guidance",
        "options",
        "options_from",
        "required",
        "required_if",
        "required_message",
        "max_length",
        "retired",
        "screens",
        "principle",
        "screens_out",
        "bank_version",
    )
    for key in keys:
        assert f"`{key}`" in readme, key


def test_changelog_mentions_the_current_bank_version(banks):
    changelog = (QUESTIONS / "CHANGELOG.md").read_text(encoding="utf-8")
    assert banks.version in changelog


def test_bank_files_are_utf8_toml():
    for path in BANK_FILES:
        Path(path).read_text(encoding="utf-8")


def test_every_principle_asks_four_to_eight_questions_per_step(banks):
    for principle in banks.principles:
        for step in (1, 2, 3, 4):
            assert 4 <= len(principle.step_questions(step)) <= 8, (principle.id, step)


def test_a_rapid_assessment_still_asks_something_at_every_step(banks):
    for principle in banks.principles:
        for step in (1, 2, 3, 4):
            rapid = [q for q in principle.step_questions(step) if q.rapid]
            assert 1 <= len(rapid) < len(principle.step_questions(step)), (principle.id, step)


def test_a_rapid_assessment_asks_at_most_seven_questions_a_principle(banks):
    """Rapid means rapid: one page a principle, which a busy officer fills in minutes."""
    for principle in banks.principles:
        assert len([q for q in principle.questions if q.rapid]) <= 7, principle.id


def test_indicator_catalogue_has_at_least_forty_entries_covering_every_principle(banks):
    assert len(banks.indicators) >= 40
    for principle in banks.principles:
        assert len(banks.indicators_for(principle.id)) >= 6, principle.id
    for indicator in banks.indicators:
        assert indicator.definition and indicator.source and indicator.breakdowns, indicator.id


def test_catalogue_has_the_indicators_the_issue_names(banks):
    names = " ".join(i.name.lower() for i in banks.indicators)
    for words in (
        "school readiness",
        "low-income families",
        "fuel poverty",
        "not in education, employment or training",
        "healthy life expectancy",
        "particulate",
    ):
        assert words in names, words


def test_every_indicator_table_offers_the_catalogue(banks, app):
    from hiat.forms import form_class

    for question in banks.questions.values():
        if question.type == "indicator_table":
            with app.test_request_context():
                form = form_class([question], banks)(formdata=None)
            choices = [c.value for c in form[question.id][0].form["catalogue"].choices]
            assert len(choices) > 5, question.id
