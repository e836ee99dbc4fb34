"""Two officers of one council and an approver at the ICB share, review and sign off."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    SAVE_AND_CONTINUE,
    axe_violations,
    new_page,
    screenshot,
    sign_in_page,
)
from tests.conftest import make_user

REVIEWER = "sky@halton.gov.uk"
APPROVER = "dana@cheshireandmerseyside.nhs.uk"


def mark_every_section_complete(page: Page) -> None:
    """Open each unfinished section, save through its pages, and mark it completed."""
    for _ in range(20):
        items = page.locator(".govuk-task-list__item").filter(has_not_text="Completed")
        if items.count() == 0:
            return
        with page.expect_navigation():
            items.first.locator("a").click()
        for _ in range(12):  # the example answers everything, so each page saves
            if "Check your answers" in page.locator("h1").inner_text():
                break
            with page.expect_navigation():
                page.get_by_role("button", name=SAVE_AND_CONTINUE).click()
        assert "Check your answers" in page.locator("h1").inner_text(), page.url
        page.locator("input[name=completed][value=yes]").check()
        with page.expect_navigation():
            page.get_by_role("button", name=SAVE_AND_CONTINUE).click()
        expect(page.locator(".govuk-task-list").first).to_be_visible()
    raise AssertionError("sections never all completed")


def test_council_officers_and_the_icb_take_an_assessment_to_sign_off(browser, base_url, live_app):
    make_user(
        live_app,
        email=REVIEWER,
        organisation="Halton Council",
        name="Sky Reviewer",
        role="reviewer",
    )
    make_user(
        live_app,
        email=APPROVER,
        organisation="NHS Cheshire and Merseyside",
        name="Dana Director",
        role="approver",
    )
    author = sign_in_page(new_page(browser, base_url))
    reviewer = sign_in_page(new_page(browser, base_url), REVIEWER)
    approver = sign_in_page(new_page(browser, base_url), APPROVER)

    # The author copies the worked example, completes it and shares it with the ICB.
    author.goto("/worked-example")
    author.get_by_role("button", name="Copy this example into a new assessment").click()
    task_list = author.url
    mark_every_section_complete(author)
    author.get_by_role("link", name=re.compile("Share this assessment")).click()
    assert axe_violations(author) == []
    author.get_by_label("Email address of the person to share with").fill(APPROVER)
    author.locator("input[name=role][value=approver]").check()
    author.get_by_role("button", name="Share the assessment").click()
    shared = f"now shared with {APPROVER} as an approver"
    expect(author.locator(".govuk-notification-banner")).to_contain_text(shared)
    author.get_by_role("button", name="Send for review").click()
    expect(author.locator(".hiat-status")).to_have_text("In review")

    # A reviewer in the same council comments on a section; the author resolves it.
    reviewer.goto(task_list)
    reviewer.get_by_role("link", name="Assessment details").click()
    reviewer.get_by_label("Add a comment on this section").fill("Spell out ICB in full.")
    reviewer.get_by_role("button", name="Add the comment").click()
    expect(reviewer.locator("#comments ~ .govuk-inset-text").first).to_contain_text(
        "Spell out ICB in full."
    )
    assert axe_violations(reviewer) == []
    author.goto(task_list)
    expect(author.locator("main")).to_contain_text("1 open review comment")
    author.get_by_role("link", name="Assessment details").click()
    author.get_by_role("button", name=re.compile("Mark the comment")).click()
    expect(author.locator("main")).to_contain_text("Resolved by Robin Officer")

    # The approver at the ICB signs off.
    approver.goto("/assessments")
    approver.get_by_role("link", name=re.compile("Green Plan")).click()
    approver.get_by_role("button", name="Sign off this assessment").click()
    assert axe_violations(approver) == []
    approver.get_by_label("Your job title").fill("Director of Population Health")
    approver.get_by_role("button", name="Sign off the assessment").click()
    expect(approver.locator(".govuk-error-summary")).to_contain_text("Confirm the statement")
    approver.locator("input[name=confirm]").check()
    approver.get_by_role("button", name="Sign off the assessment").click()
    expect(approver.locator("h1")).to_have_text("Assessment approved")
    screenshot(approver, "approved")
    assert axe_violations(approver) == []

    author.goto(task_list)
    expect(author.locator(".hiat-status")).to_have_text("Approved")
    author.get_by_role("link", name="See every change to this assessment").click()
    expect(author.locator("tbody tr").first).to_be_visible()
    assert axe_violations(author) == []
    for page in (author, reviewer, approver):
        page.context.close()
