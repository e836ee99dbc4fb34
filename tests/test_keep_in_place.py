"""After "Add another" or "Remove" the user is kept in place, and questions are headings.

The whole form posts back without JavaScript, so the page that returns must bring the
user back to the row they were working on: the button's formaction ends in the id of
that row's first box, the box has autofocus, and a status message says what changed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import normalize

ACTIONS = "p1_s2_actions"
ACTIONS_PAGE = "early_years-step-2"


@pytest.fixture
def actions_url(new_assessment) -> str:
    return f"/assessments/{new_assessment()}/pages/{ACTIONS_PAGE}"


def three_rows(button: tuple[str, str]) -> dict[str, str]:
    return {
        f"{ACTIONS}-0-action": "First",
        f"{ACTIONS}-1-action": "Second",
        f"{ACTIONS}-2-action": "Third",
        button[0]: button[1],
    }


def fragment_of(button) -> str:
    return urlsplit(button["formaction"]).fragment


def button(page, name: str, value: str):
    found = page.select_one(f'button[name="{name}"][value="{value}"]')
    assert found is not None, (name, value)
    return found


def status_text(page) -> str:
    return normalize(page.select_one("[role=status]").text)


def test_add_another_brings_the_user_to_the_new_row(actions_url, pages):
    before = pages.get(actions_url)
    add = button(before, "add", ACTIONS)
    assert fragment_of(add) == f"{ACTIONS}-1-cause"

    page = pages.post(actions_url, {f"{ACTIONS}-0-action": "First", "add": ACTIONS}, status=200)

    assert page.select_one(f"#{fragment_of(add)}") is not None
    assert [tag["id"] for tag in page.select("[autofocus]")] == [f"{ACTIONS}-1-cause"]
    assert status_text(page) == "Action 2 added"
    legends = [normalize(legend.text) for legend in page.select(".hiat-row > legend")]
    assert legends == ["Action 1", "Action 2"]


def test_remove_brings_the_user_to_the_row_now_in_its_place(actions_url, pages):
    page = pages.post(actions_url, three_rows(("add", ACTIONS)), status=200)
    remove_second = button(page, "remove", f"{ACTIONS}-1")
    assert fragment_of(remove_second) == f"{ACTIONS}-1-cause"

    page = pages.post(actions_url, three_rows(("remove", f"{ACTIONS}-1")), status=200)

    assert page.select_one(f"#{ACTIONS}-1-action").text == "Third"
    assert [tag["id"] for tag in page.select("[autofocus]")] == [f"{ACTIONS}-1-cause"]
    assert status_text(page) == "Action 2 removed"


def test_removing_the_last_row_brings_the_user_to_add_another(actions_url, pages):
    page = pages.post(actions_url, three_rows(("add", ACTIONS)), status=200)
    remove_last = button(page, "remove", f"{ACTIONS}-3")
    assert fragment_of(remove_last) == f"{ACTIONS}-add"

    page = pages.post(actions_url, three_rows(("remove", f"{ACTIONS}-2")), status=200)

    add = page.select_one(f"#{ACTIONS}-add")
    assert add["name"] == "add"
    assert [tag["id"] for tag in page.select("[autofocus]")] == [f"{ACTIONS}-add"]
    assert status_text(page) == "Action 3 removed"


def test_removing_the_only_row_leaves_an_empty_row_in_its_place(actions_url, pages):
    page = pages.get(actions_url)
    assert fragment_of(button(page, "remove", f"{ACTIONS}-0")) == f"{ACTIONS}-0-cause"

    page = pages.post(
        actions_url, {f"{ACTIONS}-0-action": "Only", "remove": f"{ACTIONS}-0"}, status=200
    )

    assert page.select_one(f"#{ACTIONS}-0-action").text == ""
    assert [tag["id"] for tag in page.select("[autofocus]")] == [f"{ACTIONS}-0-cause"]
    assert status_text(page) == "Action 1 removed"


def test_saving_the_page_keeps_the_user_at_the_top(actions_url, pages):
    page = pages.get(actions_url)
    form = page.select_one("main form")
    assert "#" not in form["action"]
    assert page.select("[autofocus]") == []
    assert status_text(page) == ""
    assert not form.has_attr("data-hiat-unsaved")


def test_a_page_shown_again_after_adding_a_row_is_marked_unsaved(actions_url, pages):
    page = pages.post(actions_url, {"add": ACTIONS}, status=200)
    assert page.select_one("main form").has_attr("data-hiat-unsaved")


def test_each_question_is_a_heading_on_a_page_of_several(actions_url, pages):
    page = pages.get(actions_url)
    questions = page.select("[id^=question-]")
    assert len(questions) > 1
    for block in questions:
        heading = block.find("h2")
        assert heading is not None, block["id"]
        # The heading is inside the legend, or wraps the label: GOV.UK's own pattern.
        assert heading.parent.name == "legend" or heading.find("label"), block["id"]
    assert len(page.find_all("h1")) == 1


def test_text_questions_are_headings_that_wrap_their_label(new_assessment, pages):
    page = pages.get(f"/assessments/{new_assessment()}/pages/details")
    wrapper = page.select_one("h2.govuk-label-wrapper")
    assert wrapper is not None
    label = wrapper.select_one("label.govuk-label--m")
    assert label["for"] == "details_title"
    assert normalize(label.text) == "What is the policy called?"


def test_rows_of_a_question_are_not_headings(actions_url, pages):
    page = pages.get(actions_url)
    row_legend = page.select_one(".hiat-row > legend")
    assert normalize(row_legend.text) == "Action 1"
    assert row_legend.find(["h2", "h3"]) is None


def test_enter_in_a_box_saves_and_continues_rather_than_removing_a_row(new_assessment, pages):
    uid = new_assessment(("living_standard",))
    page = pages.get(f"/assessments/{uid}/pages/living_standard-step-2")
    first = page.select_one("main form[data-hiat-form]").select(
        "button[type=submit], button:not([type])"
    )[0]
    assert (first["name"], first["value"]) == ("save", "continue")
    assert first["tabindex"] == "-1" and first["aria-hidden"] == "true"
