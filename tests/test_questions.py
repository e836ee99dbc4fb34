"""A broken question bank stops the app with one message naming the file, question and problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hiat import create_app
from hiat.questions import BankError, load_banks
from tests.conftest import QUESTIONS

QUESTION = """
[[questions]]
id = "{id}"
step = {step}
type = "{type}"
label = "{label}"
hint = "A hint."
guidance = "Some guidance."
"""


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    target = tmp_path / "questions"
    shutil.copytree(QUESTIONS, target)
    return target


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def problems(bank_dir: Path) -> str:
    with pytest.raises(BankError) as caught:
        load_banks(bank_dir)
    return str(caught.value)


def add_question(bank_dir: Path, **fields) -> None:
    values = {"id": "p1_s1_extra", "step": 1, "type": "text", "label": "A label"} | fields
    append(bank_dir / "p1_early_years.toml", QUESTION.format(**values))


def test_bank_loads_when_every_file_is_valid(bank_dir):
    banks = load_banks(bank_dir)
    assert len(banks.principles) == 8


def test_toml_syntax_error_names_the_file_and_line(bank_dir):
    append(bank_dir / "p3_fair_work.toml", '\n[[questions]]\nid = "p3_broken\n')
    message = problems(bank_dir)
    assert "questions/p3_fair_work.toml: is not valid TOML" in message
    assert "line" in message


def test_a_bank_file_that_is_not_utf8_is_named_with_its_line(bank_dir):
    with (bank_dir / "p3_fair_work.toml").open("ab") as handle:
        handle.write(b"\n# Caf\xe9 opening hours\n")
    message = problems(bank_dir)
    assert "questions/p3_fair_work.toml: is not UTF-8 text" in message
    assert "byte 0xe9" in message and "save the file as UTF-8" in message


def test_duplicate_id_names_both_files(bank_dir):
    add_question(bank_dir, id="p1_s1_groups")
    message = problems(bank_dir)
    assert "questions/p1_early_years.toml: question 'p1_s1_groups': duplicate id" in message


def test_unknown_type_lists_the_types_allowed(bank_dir):
    add_question(bank_dir, type="slider")
    message = problems(bank_dir)
    assert "questions/p1_early_years.toml: question 'p1_s1_extra': unknown type 'slider'" in message
    assert "textarea" in message


def test_missing_label_is_reported(bank_dir):
    add_question(bank_dir, label="")
    assert "question 'p1_s1_extra': missing label" in problems(bank_dir)


def test_step_outside_one_to_four_is_reported(bank_dir):
    add_question(bank_dir, step=5)
    message = problems(bank_dir)
    assert "question 'p1_s1_extra': step is 5; it must be 1, 2, 3 or 4" in message


def test_choice_question_without_options_is_reported(bank_dir):
    add_question(bank_dir, type="radios")
    message = problems(bank_dir)
    assert (
        "questions/p1_early_years.toml: question 'p1_s1_extra': a radios question has no options"
        in message
    )


def test_option_value_must_be_lower_snake_case(bank_dir):
    append(
        bank_dir / "p1_early_years.toml",
        QUESTION.format(id="p1_s1_extra", step=1, type="checkboxes", label="Pick")
        + 'options = [{ value = "Yes please", label = "Yes" }]\n',
    )
    assert "option value 'Yes please' is not lower_snake_case" in problems(bank_dir)


def test_id_without_the_file_prefix_is_reported(bank_dir):
    add_question(bank_dir, id="early_thing")
    assert "question 'early_thing': id must start with 'p1_'" in problems(bank_dir)


def test_principle_without_a_step_is_reported(bank_dir):
    path = bank_dir / "p2_education_skills.toml"
    text = path.read_text(encoding="utf-8").replace("step = 3", "step = 2")
    path.write_text(text, encoding="utf-8")
    assert "questions/p2_education_skills.toml: has no questions for step 3" in problems(bank_dir)


def test_missing_principle_file_is_reported(bank_dir):
    (bank_dir / "p8_environment_sustainability.toml").unlink()
    assert "missing p8_<principle id>.toml" in problems(bank_dir)


def test_required_if_must_name_an_option_of_a_question_in_the_same_file(bank_dir):
    path = bank_dir / "screening.toml"
    text = path.read_text(encoding="utf-8").replace(
        'values = ["not_at_all"] }', 'values = ["never"] }', 1
    )
    path.write_text(text, encoding="utf-8")
    message = problems(bank_dir)
    assert "question 'screening_early_years_reason': required_if value 'never'" in message


def test_every_problem_is_listed_at_once(bank_dir):
    add_question(bank_dir, id="p1_s1_one", type="slider")
    add_question(bank_dir, id="p1_s1_two", label="")
    message = problems(bank_dir)
    assert "p1_s1_one" in message and "p1_s1_two" in message


def test_broken_bank_stops_the_app_from_starting(bank_dir, tmp_path):
    add_question(bank_dir, type="slider")
    with pytest.raises(BankError, match="unknown type 'slider'"):
        create_app(
            {"TESTING": True, "DATABASE": str(tmp_path / "x.db"), "QUESTIONS_DIR": str(bank_dir)},
            instance_path=str(tmp_path / "instance"),
        )


def test_missing_question_bank_folder_is_reported(tmp_path):
    with pytest.raises(BankError, match="does not exist"):
        load_banks(tmp_path / "nowhere")


def test_a_rapid_follow_up_of_a_question_the_rapid_path_skips_is_refused(bank_dir):
    path = bank_dir / "p5_healthy_places.toml"
    text = path.read_text(encoding="utf-8")
    follow_up = 'id = "p5_s2_worst_first_detail"\nstep = 2\ntype = "textarea"\n'
    assert follow_up in text
    path.write_text(text.replace(follow_up, follow_up + "rapid = true\n"), "utf-8")
    message = problems(bank_dir)
    assert "questions/p5_healthy_places.toml: question 'p5_s2_worst_first_detail'" in message
    assert "is rapid but the question it follows, 'p5_s2_worst_first', is not" in message


def test_a_follow_up_must_name_the_question_it_follows(bank_dir):
    path = bank_dir / "p5_healthy_places.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('follows = "p5_s2_worst_first"\n', ""), "utf-8")
    assert 'add follows = "p5_s2_worst_first"' in problems(bank_dir)


def test_a_follow_up_before_its_parent_is_refused(bank_dir):
    add_question(bank_dir, id="p1_s1_extra")
    path = bank_dir / "p1_early_years.toml"
    append(path, "")
    text = path.read_text(encoding="utf-8").replace(
        'id = "p1_s1_extra"', 'id = "p1_s1_extra"\nfollows = "p1_s2_actions"'
    )
    path.write_text(text, "utf-8")
    assert "follows 'p1_s2_actions', which must come before it in the same step" in problems(
        bank_dir
    )


def test_the_rapid_path_never_shows_a_follow_up_without_its_parent(banks):
    from hiat import wizard

    values = {"screening_principles": [p.id for p in banks.principles], "screening_path": "rapid"}
    for section in wizard.sections(banks, values):
        for page in section.pages:
            shown = {q.id for q in page.questions}
            for question in page.questions:
                assert question.follows is None or question.follows in shown, question.id


VARIANT = """
  [[questions.variants]]
  kinds = {kinds}
  label = "Who loses most from the closure?"
  statement = "Who loses most"
"""


def add_variant(bank_dir: Path, kinds: str = '["cut_closure"]', extra: str = "") -> None:
    path = bank_dir / "p5_healthy_places.toml"
    text = path.read_text(encoding="utf-8")
    anchor = 'statement = "Groups with least access to safe places"\n'
    assert anchor in text
    # A variant table must follow its question's own keys: put it after the options.
    head, tail = text.split(anchor, 1)
    end = tail.index("\n[[questions]]")
    variant = VARIANT.format(kinds=kinds) + extra
    path.write_text(head + anchor + tail[:end] + "\n" + variant + tail[end:], "utf-8")


def test_a_wording_variant_for_a_kind_of_decision_loads_and_is_used(bank_dir):
    add_variant(bank_dir)
    banks = load_banks(bank_dir)
    question = banks.questions["p5_s1_groups"]
    assert question.for_kind("cut_closure").label == "Who loses most from the closure?"
    assert question.for_kind("cut_closure").statement == "Who loses most"
    assert question.for_kind("cut_closure").hint == question.hint
    assert question.for_kind("new_service") is question
    assert question.for_kind(None) is question


def test_a_variant_for_an_unknown_kind_names_the_kinds_allowed(bank_dir):
    add_variant(bank_dir, kinds='["closures"]')
    message = problems(bank_dir)
    assert "questions/p5_healthy_places.toml: question 'p5_s1_groups'" in message
    assert "variant kind 'closures' is not an option of 'details_kind'" in message
    assert "cut_closure" in message


def test_a_variant_may_change_only_wording(bank_dir):
    add_variant(bank_dir, extra="  rapid = false\n")
    assert "a variant may change only guidance, hint, label, options, statement, not rapid" in (
        problems(bank_dir)
    )


def test_two_variants_for_one_kind_are_refused(bank_dir):
    add_variant(bank_dir, extra=VARIANT.format(kinds='["cut_closure"]'))
    assert "two variants for the kind 'cut_closure'" in problems(bank_dir)


def test_pages_and_statement_use_the_wording_for_the_kind_of_decision(bank_dir):
    from hiat import wizard
    from hiat.example import unsaved_assessment
    from hiat.statement import to_markdown

    add_variant(bank_dir)
    banks = load_banks(bank_dir)
    values = {f"screening_{p.id}": "not_at_all" for p in banks.principles}
    values |= {"screening_healthy_places": "a_lot", "details_kind": "cut_closure"}
    page = wizard.find_page(wizard.sections(banks, values), "healthy_places-step-1")
    assert page.questions[0].label == "Who loses most from the closure?"
    assessment = unsaved_assessment(banks, values, uid="u", title="Close two libraries")
    import datetime as dt

    assert "#### Who loses most\n" in to_markdown(assessment, banks, dt.date(2026, 12, 2))


def test_a_group_that_repeats_an_unknown_group_is_refused(bank_dir):
    path = bank_dir / "groups.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('same_as = "geo_coastal"', 'same_as = "geo_seaside"'), "utf-8")
    assert (
        "questions/groups.toml: group 'plus_coastal' has same_as 'geo_seaside': use the id of "
        "a group that is offered (one without same_as)"
    ) in problems(bank_dir)


def test_a_scale_column_must_name_a_scale(bank_dir):
    path = bank_dir / "bank.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('scale = "direction"', 'scale = "colour"'), "utf-8")
    assert (
        "questions/bank.toml: table 'determinant_table': column 'direction' needs `scale`, one "
        "of yes_no_unsure, direction, gap, magnitude, confidence"
    ) in problems(bank_dir)


def test_options_from_an_unknown_source_names_both_sources(bank_dir):
    path = bank_dir / "screening.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('options_from = "principles"', 'options_from = "topics"'), "utf-8")
    assert "options_from = 'topics' is unknown; use 'places' or 'principles'" in problems(bank_dir)


def test_the_principles_question_lets_the_old_screening_radios_be_retired(bank_dir):
    banks = load_banks(bank_dir)
    assert all(q.retired for q in banks.screening if q.screens)
    chooser = banks.questions["screening_principles"]
    assert [o.value for o in chooser.options] == [p.id for p in banks.principles]
