"""After sign-off, in a real browser: an author records how an action is going.

axe-core checks the actions pages at 1280 px; at 320 px none scrolls sideways.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, new_page, screenshot, signed_copy


@pytest.fixture(scope="module")
def signed_uid(live_app) -> str:
    """A copy of the worked example, signed off by an approver of another organisation."""
    # Its own title: signed off, it is in every signed-in person's register.
    title = "Warm homes action plan, signed"
    return signed_copy(live_app, title, ("ash@cheshireandmerseyside.nhs.uk", "Ash Approver"))


def test_an_author_records_that_an_action_was_dropped_and_why(page, signed_uid):
    page.goto(f"/assessments/{signed_uid}")
    page.get_by_role("link", name="Track the actions of revision 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions and their progress")
    assert axe_violations(page) == []
    page.locator("tbody th a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record progress on an action")
    page.get_by_role("radio", name="Dropped").check()
    page.get_by_role("button", name="Save progress").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the action was dropped")
    assert axe_violations(page) == []
    page.get_by_label("Why was it dropped?").fill("The grant ended in March.")
    page.get_by_role("button", name="Save progress").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is dropped")
    expect(page.locator("tbody tr").first).to_contain_text("Dropped")
    page.goto("/actions?show=all")
    assert axe_violations(page) == []
    screenshot(page, "actions-organisation")


def test_actions_pages_reflow_at_320_px(browser, base_url, signed_in_state, signed_uid):
    page = new_page(
        browser, base_url, storage_state=signed_in_state, viewport={"width": 320, "height": 640}
    )
    page.goto(f"/assessments/{signed_uid}/actions")
    first = page.locator("tbody th a").first.get_attribute("href")
    for name, path in (
        ("actions", f"/assessments/{signed_uid}/actions"),
        ("action-update", first),
        ("actions-organisation", "/actions?show=all"),
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        assert axe_violations(page) == [], name
        screenshot(page, f"{name}-320")
    page.context.close()
