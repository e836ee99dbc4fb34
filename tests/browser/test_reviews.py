"""Reviews, in a real browser: from an overdue review on the start page, an author drafts
a review, an approver signs it, and revision 2 starts with what was learnt.

axe-core checks each review page at 1280 px; at 320 px none scrolls sideways.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    axe_violations,
    new_page,
    screenshot,
    sign_in_page,
    signed_copy,
)
from tests.conftest import make_user

APPROVER = "kai@cheshireandmerseyside.nhs.uk"


def _signed_with_review_overdue(live_app, title: str) -> str:
    """A signed-off copy of the worked example whose review date has passed."""
    overdue = (dt.date.today() - dt.timedelta(days=5)).isoformat()
    return signed_copy(
        live_app,
        title,
        (APPROVER, "Kai Approver"),
        answers=(("decision_review_date", overdue),),
        share=True,
    )


@pytest.fixture(scope="module")
def approver_state(live_app, browser, base_url) -> dict:
    make_user(
        live_app,
        email=APPROVER,
        organisation="NHS Cheshire and Merseyside",
        role="approver",
        name="Kai Approver",
    )
    page = sign_in_page(new_page(browser, base_url), APPROVER)
    state = page.context.storage_state()
    page.context.close()
    return state


def _fill_review(page: Page, outcome: str) -> None:
    names = page.eval_on_selector_all(
        'input[type="radio"][name^="finding_"]', "els => [...new Set(els.map(e => e.name))]"
    )
    assert names
    for name in names:
        page.locator(f'input[name="{name}"]').first.check()
    for box in page.locator('textarea[name^="finding_"]').all():
        box.fill("Fuel poverty fell by a tenth among private renters.")
    page.get_by_role("radio", name="Most of them").check()
    page.get_by_label("What did the review find, and what have you learnt?").fill(
        "Landlords' consent slowed the works; ask them first next time."
    )
    page.get_by_role("radio", name=outcome).check()


def test_a_review_from_the_start_page_to_a_new_revision(
    page, browser, base_url, live_app, approver_state
):
    uid = _signed_with_review_overdue(live_app, "Warm homes, review overdue")
    page.goto("/")
    panel = page.locator(".hiat-reviews-due")
    expect(panel).to_contain_text("review overdue")
    assert axe_violations(page) == []
    panel.get_by_role("link", name="Warm homes, review overdue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review revision 1")
    assert axe_violations(page) == []
    screenshot(page, "review-form")
    page.get_by_role("button", name="Finish the review").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select what should happen to the policy now"
    )
    assert axe_violations(page) == []
    _fill_review(page, "Continue with changes")
    page.get_by_role("button", name="Finish the review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your review is finished")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review of revision 1")
    assert axe_violations(page) == []
    review_address = page.url

    approver = new_page(browser, base_url, storage_state=approver_state)
    approver.goto(review_address)
    approver.get_by_role("button", name="Sign the review").click()
    expect(approver.get_by_role("heading", level=1)).to_have_text("Sign the review of revision 1")
    assert axe_violations(approver) == []
    approver.get_by_label("Your job title").fill("Director of Public Health")
    approver.get_by_role("checkbox").check()
    approver.get_by_role("button", name="Sign the review").click()
    expect(approver.locator(".govuk-notification-banner")).to_contain_text(
        "Revision 2 has started as a draft"
    )
    expect(approver.locator(".hiat-status")).to_have_text("Draft")
    screenshot(approver, "review-signed-task-list")
    approver.context.close()

    page.goto(f"/assessments/{uid}/statement")
    expect(page.locator("main")).to_contain_text("Update on the previous assessment")
    expect(page.locator("main")).to_contain_text("Landlords' consent slowed the works")


def test_review_pages_reflow_at_320_px(
    browser, base_url, signed_in_state, live_app, approver_state
):
    uid = _signed_with_review_overdue(live_app, "Warm homes, narrow screen")
    size = {"width": 320, "height": 640}
    page = new_page(browser, base_url, storage_state=signed_in_state, viewport=size)
    page.goto(f"/assessments/{uid}/reviews/new")
    _fill_review(page, "Continue unchanged")
    next_year = dt.date.today() + dt.timedelta(days=365)
    page.get_by_label("Date of the next review").fill(
        f"{next_year.day} {next_year.month} {next_year.year}"
    )
    page.get_by_role("button", name="Finish the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review of revision 1")
    review_address = page.url
    approver = new_page(browser, base_url, storage_state=approver_state, viewport=size)
    for who, name, path in (
        (page, "start", "/"),
        (page, "review-form", f"/assessments/{uid}/reviews/new"),
        (page, "review", review_address),
        (approver, "review-sign", f"{review_address}/sign"),
    ):
        who.goto(path)
        assert who.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        assert axe_violations(who) == [], name
        screenshot(who, f"{name}-320")
    approver.context.close()
    page.context.close()
