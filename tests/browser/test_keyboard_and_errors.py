"""Keyboard-only use, visible focus, no JavaScript, 400% zoom, and errors people can fix."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import SAVE_AND_CONTINUE, screenshot

# True when the focused control shows a focus indicator. GOV.UK radios and checkboxes
# hide the input itself and draw the focus ring on the label's ::before box.
VISIBLE_FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const shown = (style) => (style.outlineStyle !== 'none' && style.outlineWidth !== '0px'
        && style.outlineColor !== 'rgba(0, 0, 0, 0)') || style.boxShadow !== 'none';
    if (el.matches('input[type=radio], input[type=checkbox]')) {
        const label = el.parentElement.querySelector('label');
        return shown(getComputedStyle(label, '::before'));
    }
    return shown(getComputedStyle(el));
}"""
ACTIVE = "() => document.activeElement.id || document.activeElement.textContent.trim()"


def tab_to(page: Page, selector: str, limit: int = 60, key: str = "Tab") -> list[str]:
    """Press Tab until `selector` has focus, checking every stop shows where focus is."""
    stops = []
    for _ in range(limit):
        page.keyboard.press(key)
        stops.append(page.evaluate(ACTIVE))
        assert page.evaluate(VISIBLE_FOCUS), f"no visible focus on {stops[-1]!r}"
        if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
            return stops
    raise AssertionError(f"{selector} never received focus; stops: {stops}")


def test_skip_link_is_first_and_moves_focus_to_the_main_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    assert (
        page.evaluate("() => document.activeElement.textContent.trim()") == "Skip to main content"
    )
    assert page.evaluate(VISIBLE_FOCUS)
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"


def test_every_control_on_the_start_page_shows_focus(page):
    page.goto("/")
    tab_to(page, "footer a:last-of-type", limit=40)


def test_details_section_completed_with_the_keyboard_alone(page):
    page.goto("/assessments/new")
    tab_to(page, "#details_title")
    page.keyboard.type("Keyboard plan")
    tab_to(page, "#details_organisation")
    page.keyboard.type("St Helens Council")
    # Shift+Tab goes back through the help link to the title.
    tab_to(page, "#details_title", key="Shift+Tab")
    tab_to(page, "#details_organisation")
    tab_to(page, "#details_place")
    page.keyboard.press("Space")
    tab_to(page, "#details_summary")
    page.keyboard.type("A plan written without a mouse.")
    tab_to(page, "#details_kind")
    page.keyboard.press("Space")
    tab_to(page, "#details_decision_body")
    page.keyboard.type("St Helens Cabinet")
    tab_to(page, "button[value=continue]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Check your answers")
    tab_to(page, "#completed")
    page.keyboard.press("Space")
    tab_to(page, "main button")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Keyboard plan")
    expect(page.locator(".govuk-task-list").first).to_contain_text("Completed")


def test_details_section_and_repeating_rows_work_without_javascript(page_without_js):
    page = page_without_js
    page.goto("/assessments/new")
    page.get_by_label("What is the policy called?").fill("No script plan")
    page.get_by_label("Which organisation is making this assessment?").fill("Sefton Council")
    page.get_by_label("Sefton", exact=True).check()
    page.get_by_label("What is the policy for?").fill("Works with JavaScript off.")
    page.get_by_label("A cut, closure or reduction").check()
    page.get_by_label("Which board or committee makes the final decision?").fill("Sefton Cabinet")
    page.get_by_role("button", name=SAVE_AND_CONTINUE).click()
    page.locator("input[name=completed][value=yes]").check()
    page.get_by_role("button", name=SAVE_AND_CONTINUE).click()
    expect(page.locator("h1")).to_have_text("No script plan")

    page.get_by_role("link", name=re.compile("Screening")).click()
    for name, value in (
        ("screening_scale", "small"),
        ("screening_people", "few"),
        ("screening_reversible", "easy"),
        ("screening_evidence", "good"),
    ):
        page.locator(f"input[name={name}][value={value}]").check()
    page.get_by_role("button", name=SAVE_AND_CONTINUE).click()
    expect(page.locator("h1")).to_have_text("Rapid or full assessment?")
    page.locator("input[name=screening_path][value=rapid]").check()
    page.get_by_role("button", name=SAVE_AND_CONTINUE).click()
    page.locator("input[name=screening_principles][value=fair_work]").check()
    page.get_by_role("button", name="Save and come back later").click()
    # A rapid assessment asks a principle's four steps on one page.
    page.get_by_role("link", name="Create fair employment and good work for all").click()
    expect(page.locator("h1")).to_have_text("Rapid assessment: Fair work")
    page.locator("#p3_s2_actions-0-action").fill("First action")
    page.locator("#p3_s2_actions-add").click()
    page.locator("#p3_s2_actions-1-action").fill("Second action")
    page.locator("button[value='p3_s2_actions-0']").click()
    expect(page.locator("#p3_s2_actions-0-action")).to_have_value("Second action")
    screenshot(page, "no-javascript-rows")
    page.get_by_role("button", name=SAVE_AND_CONTINUE).click()
    expect(page.locator("h1")).to_contain_text("Check your answers")


def test_question_pages_do_not_scroll_sideways_at_320_pixels(
    browser, base_url, assessment_uid, signed_in_state
):
    context = browser.new_context(
        base_url=base_url, viewport={"width": 320, "height": 640}, storage_state=signed_in_state
    )
    page = context.new_page()
    for path in (
        "/assessments/new",
        "pages/proportionality",
        "pages/path",
        "pages/screening",
        "pages/living_standard-step-1",
        "pages/living_standard-step-2",
        "pages/living_standard-step-3",
        "pages/healthy_places-step-4",
        "pages/decision",
        "sections/details/check",
    ):
        url = path if path.startswith("/") else f"/assessments/{assessment_uid}/{path}"
        page.goto(url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"{url} is {width} pixels wide"
    screenshot(page, "zoom-320-check-answers")
    context.close()


def test_error_summary_takes_focus_and_links_move_focus_to_each_field(page):
    page.goto("/assessments/new")
    # The organisation comes filled in from the account; cleared, it is missing too.
    page.locator("#details_organisation").fill("")
    page.locator("#details_decision_date-day").fill("31")
    page.locator("#details_decision_date-month").fill("2")
    page.locator("#details_decision_date-year").fill("2027")
    page.get_by_role("button", name=SAVE_AND_CONTINUE).click()
    expect(page).to_have_title(re.compile(r"^Error: Assessment details"))
    page.wait_for_function("() => document.activeElement.classList.contains('govuk-error-summary')")
    links = page.locator(".govuk-error-summary a")
    expected = {
        "Enter the name of the policy": "details_title",
        "Enter the name of your organisation": "details_organisation",
        "Select the place the policy covers": "details_place",
        "Enter what the policy is for": "details_summary",
        "Select what kind of decision this is": "details_kind",
        "Enter the name of the board or committee that makes the final decision": (
            "details_decision_body"
        ),
        "Enter a real date, for example 27 3 2027": "details_decision_date-day",
    }
    assert [links.nth(i).inner_text() for i in range(links.count())] == list(expected)
    for text, field_id in expected.items():
        page.locator(".govuk-error-summary a", has_text=text).click()
        assert page.evaluate("() => document.activeElement.id") == field_id
    # Messages say how to fix the problem, and the input is kept.
    expect(page.locator("#details_decision_date-day")).to_have_value("31")
