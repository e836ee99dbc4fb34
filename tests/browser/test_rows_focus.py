"""After "Add another" or "Remove" the user is where they were: focus and scroll follow the row.

Checked with JavaScript on and off, since the buttons post the whole form either way.
With JavaScript, leaving a question page with changes asks first.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

ROWS = "p4_s2_actions"

FOCUSED = """() => {
  const el = document.activeElement;
  const row = el.closest("fieldset.hiat-row");
  const box = el.getBoundingClientRect();
  return {
    id: el.id,
    row: row ? row.querySelector("legend").textContent.trim() : null,
    scrolled: window.scrollY > 0,
    inView: box.top >= 0 && box.bottom <= window.innerHeight,
  };
}"""


@pytest.fixture(params=["with JavaScript", "without JavaScript"])
def rows_page(request, page, page_without_js, assessment_uid) -> Page:
    chosen = page if request.param == "with JavaScript" else page_without_js
    chosen.goto(f"/assessments/{assessment_uid}/pages/living_standard-step-2")
    expect(chosen.locator(f"#{ROWS}-0-cause")).to_be_visible()
    return chosen


def press(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def focused(page: Page) -> dict:
    # Autofocus runs once the page has loaded, which on a busy machine can come a moment
    # after the navigation ends: wait for it rather than read focus at once.
    page.wait_for_function("() => document.activeElement && document.activeElement.id")
    return page.evaluate(FOCUSED)


def three_rows(page: Page) -> None:
    page.locator(f"#{ROWS}-0-action").fill("First action")
    press(page, "Add another action")
    page.locator(f"#{ROWS}-1-action").fill("Second action")
    press(page, "Add another action")
    page.locator(f"#{ROWS}-2-action").fill("Third action")


def test_focus_lands_on_the_new_row_after_add_another(rows_page):
    page = rows_page
    page.locator(f"#{ROWS}-0-action").fill("First action")
    press(page, "Add another action")

    # No Tab presses are needed: the new row's first box already has focus, in view.
    assert focused(page) == {
        "id": f"{ROWS}-1-cause",
        "row": "Action 2",
        "scrolled": True,
        "inView": True,
    }
    expect(page.locator(f"#{ROWS}-0-action")).to_have_value("First action")
    expect(page.get_by_role("status")).to_have_text("Action 2 added")
    expect(page.locator(f"#{ROWS}-1-cause")).to_be_in_viewport()
    expect(page.locator(".hiat-row > legend").nth(1)).to_be_in_viewport()


def test_focus_lands_on_the_row_in_the_removed_ones_place(rows_page):
    page = rows_page
    three_rows(page)
    press(page, "Remove action 2")

    assert focused(page) == {
        "id": f"{ROWS}-1-cause",
        "row": "Action 2",
        "scrolled": True,
        "inView": True,
    }
    expect(page.locator(f"#{ROWS}-1-action")).to_have_value("Third action")
    expect(page.get_by_role("status")).to_have_text("Action 2 removed")


def test_focus_lands_on_add_another_after_removing_the_last_row(rows_page):
    page = rows_page
    three_rows(page)
    press(page, "Remove action 3")

    state = focused(page)
    assert (state["id"], state["inView"]) == (f"{ROWS}-add", True)
    expect(page.get_by_role("button", name="Add another action")).to_be_focused()
    expect(page.locator(f"#{ROWS}-2-action")).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text("Action 3 removed")


def question_page(page: Page, assessment_uid: str) -> None:
    page.goto(f"/assessments/{assessment_uid}/pages/living_standard-step-2")


def type_into(page: Page, selector: str, text: str) -> None:
    # Typed keys, not fill(): Chromium asks "Leave site?" only after the person has
    # interacted with the page.
    page.locator(selector).click()
    page.keyboard.type(text)


def test_leaving_with_changes_asks_first(page, assessment_uid):
    question_page(page, assessment_uid)
    type_into(page, f"#{ROWS}-0-owner", "Head of Housing")
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("link", name="Back to task list").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page.locator(f"#{ROWS}-0-owner")).to_have_value("Head of Housing")

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("link", name="Back to task list").click()
    expect(page.locator("h1")).to_have_text("Warm homes and active travel")


def test_closing_the_tab_with_changes_asks_first(page, assessment_uid):
    question_page(page, assessment_uid)
    type_into(page, f"#{ROWS}-0-owner", "Head of Housing")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]


def test_leaving_without_changes_or_by_sending_the_form_does_not_ask(page, assessment_uid):
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    question_page(page, assessment_uid)
    page.locator(f"#{ROWS}-0-owner").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Back to task list").click()
    assert asked == []

    question_page(page, assessment_uid)
    type_into(page, f"#{ROWS}-0-owner", "Head of Housing")
    # Any button of the form sends it (saving too): that is not leaving the answers behind.
    press(page, "Add another action")
    expect(page.locator(f"#{ROWS}-0-owner")).to_have_value("Head of Housing")
    assert asked == []


def test_a_page_with_a_row_added_but_not_saved_asks_before_leaving(page, assessment_uid):
    question_page(page, assessment_uid)
    type_into(page, f"#{ROWS}-0-action", "Typed, not saved")
    press(page, "Add another action")
    page.locator(f"#{ROWS}-1-cause").click()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Back to task list").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]


def test_enter_in_a_row_box_saves_and_continues_and_keeps_every_row(rows_page):
    page = rows_page
    page.locator(f"#{ROWS}-0-action").fill("Kept by Enter")
    with page.expect_navigation():
        page.locator(f"#{ROWS}-0-owner").press("Enter")
    # Saved and moved on, not "Remove action 1".
    expect(page.locator("h1")).not_to_have_text("Step 2: Plan work to address the causes")
    page.go_back()
    page.reload()
    expect(page.locator(f"#{ROWS}-0-action")).to_have_value("Kept by Enter")
