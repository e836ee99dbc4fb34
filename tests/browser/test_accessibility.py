"""Every page type has zero WCAG 2.0/2.1/2.2 A and AA violations under axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SAVE_AND_CONTINUE, axe_violations, screenshot

SIGNED_OUT_PAGES = {
    "sign-in": "/sign-in",
    "worked-example-signed-out": "/worked-example",
}
STATIC_PAGES = {
    "users": "/admin/users",
    "audit-log": "/admin/audit",
    "change-password": "/account/password",
    "start": "/",
    "about": "/about",
    "accessibility-statement": "/accessibility",
    "assessments-list": "/assessments",
    "new-assessment": "/assessments/new",
    "worked-example": "/worked-example",
    "indicator-catalogue": "/indicators",
    "import": "/assessments/import",
    "archived-list": "/assessments/archived",
}
# Page ids, and the question types each one shows.
ASSESSMENT_PAGES = {
    "task-list": "",
    "proportionality": "/pages/proportionality",  # radios with hints
    "path": "/pages/path",  # the suggestion, a choice and a reason
    "screening": "/pages/screening",  # principles as checkboxes with hints, reasons
    "populations": "/pages/populations",  # every group, and own-named groups
    "step-1": "/pages/living_standard-step-1",  # chosen groups and own box, finding rows
    "step-2": "/pages/living_standard-step-2",  # textarea, yes/no, radios, action rows
    "step-3": "/pages/living_standard-step-3",  # indicator rows, checkboxes
    "step-4": "/pages/healthy_places-step-4",  # impact ratings
    "step-4-part-2": "/pages/healthy_places-step-4-part-2",  # determinant rows, a split page
    "impact": "/pages/impact",
    "decision": "/pages/decision",  # date input
    "details": "/pages/details",  # text, textarea, radios, date
    "check-answers": "/sections/details/check",
    "check-answers-missing": "/sections/screening/check?complete=yes",  # every gap listed
    "statement": "/statement",
    "print-view": "/statement/print",
    "history": "/history",
    "archive": "/archive",
    "share": "/share",
}


@pytest.mark.parametrize("name", sorted(SIGNED_OUT_PAGES))
def test_signed_out_page_has_no_accessibility_violations(anonymous_page, name):
    anonymous_page.goto(SIGNED_OUT_PAGES[name])
    screenshot(anonymous_page, name)
    assert axe_violations(anonymous_page) == []


@pytest.mark.parametrize("name", sorted(STATIC_PAGES))
def test_page_has_no_accessibility_violations(page, name):
    page.goto(STATIC_PAGES[name])
    screenshot(page, name)
    assert axe_violations(page) == []


@pytest.mark.parametrize("name", sorted(ASSESSMENT_PAGES))
def test_assessment_page_has_no_accessibility_violations(page, assessment_uid, name):
    page.goto(f"/assessments/{assessment_uid}{ASSESSMENT_PAGES[name]}")
    screenshot(page, name)
    assert axe_violations(page) == []


def test_rapid_page_of_all_four_steps_has_no_accessibility_violations(page, rapid_uid):
    page.goto(f"/assessments/{rapid_uid}/pages/living_standard-rapid")
    expect(page.locator("h2", has_text="Step 4: ")).to_have_count(1)
    screenshot(page, "rapid-page")
    assert axe_violations(page) == []


def test_page_showing_errors_has_no_accessibility_violations(page):
    page.goto("/assessments/new")
    page.get_by_role("button", name=SAVE_AND_CONTINUE).click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    screenshot(page, "validation-errors")
    assert axe_violations(page) == []


def test_not_found_page_has_no_accessibility_violations(page):
    response = page.goto("/assessments/no-such-assessment")
    assert response.status == 404
    screenshot(page, "not-found")
    assert axe_violations(page) == []


def test_every_page_links_to_the_accessibility_statement(page):
    for path in ("/", "/assessments", "/assessments/new", "/no-such-page"):
        page.goto(path)
        link = page.locator("footer").get_by_role("link", name="Accessibility statement")
        assert link.get_attribute("href") == "/accessibility"


def test_the_accessibility_check_does_find_real_problems(page):
    # Guards against a check that cannot fail: a page with known faults must fail it.
    page.goto("/")
    page.evaluate("""() => {
        const img = document.createElement('img'); img.src = '/static/images/favicon.svg';
        document.querySelector('main').appendChild(img);
        const input = document.createElement('input'); input.type = 'text';
        document.querySelector('main').appendChild(input);
    }""")
    found = " ".join(axe_violations(page))
    assert "image-alt" in found and "label" in found


def test_pages_run_under_the_content_security_policy_without_violations(
    browser, base_url, signed_in_state
):
    # No bypass_csp here: the policy is enforced.
    context = browser.new_context(base_url=base_url, storage_state=signed_in_state)
    page = context.new_page()
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    for path in ("/", "/assessments/new", "/worked-example"):
        page.goto(path)
        assert "js-enabled" in page.evaluate("() => document.body.className")
    context.close()
    assert [p for p in problems if "Content Security Policy" in p] == []
