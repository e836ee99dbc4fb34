"""After sign-off, end to end in a real browser: an author records an action's progress and
two indicator readings, completes a review that starts revision 2, which is signed and
published; the public page, the Atom feed, the open data and the author's calendar all show
it, and `flask remind` delivers the author's digest to an SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import icalendar
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    EMAIL,
    axe_violations,
    new_page,
    screenshot,
    sign_in_page,
    signed_copy,
)
from tests.browser.test_sign_off import mark_every_section_complete
from tests.test_reminders import Inbox, body, free_port

APPROVER = "sam@cheshireandmerseyside.nhs.uk"
TITLE = "Warm homes for Halton, from sign-off to publication"
ATOM = "{http://www.w3.org/2005/Atom}"
LEARNT = "Landlords' consent slowed the works; ask them first next time."


def _signed_with_review_due(live_app) -> str:
    """A signed-off copy of the worked example whose review date passed five days ago."""
    overdue = (dt.date.today() - dt.timedelta(days=5)).isoformat()
    return signed_copy(
        live_app,
        TITLE,
        (APPROVER, "Sam Approver"),
        answers=(("decision_review_date", overdue),),
        share=True,
    )


def typed(day: dt.date) -> str:
    return f"{day.day} {day.month} {day.year}"


def _record_progress(page: Page, uid: str) -> None:
    page.goto(f"/assessments/{uid}")
    page.get_by_role("link", name="Track the actions of revision 1").click()
    page.locator("tbody th a").first.click()
    page.get_by_role("radio", name="On track").check()
    page.get_by_label("Due date").fill(typed(dt.date.today() + dt.timedelta(days=20)))
    page.get_by_label("Progress note").fill("Surveys booked for the first 40 homes.")
    page.get_by_role("button", name="Save progress").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is on track")


def _record_two_readings(page: Page, uid: str) -> None:
    page.goto(f"/assessments/{uid}")
    page.get_by_role("link", name="Record readings for the indicators of revision 1").click()
    page.locator("tbody th a").first.click()
    today = dt.date.today()
    for days_ago, value in ((30, "12%"), (2, "15%")):
        page.get_by_label("Date of the reading").fill(typed(today - dt.timedelta(days=days_ago)))
        page.get_by_label("Value", exact=True).fill(value)
        page.get_by_role("button", name="Save reading").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            f"Reading saved: {value}"
        )
    expect(page.get_by_role("img", name="Chart of the readings of")).to_be_visible()
    assert page.locator("svg[role=img] circle").count() == 2


def _complete_review(page: Page, uid: str) -> str:
    page.goto("/")
    page.locator(".hiat-reviews-due").get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review revision 1")
    names = page.eval_on_selector_all(
        'input[type="radio"][name^="finding_"]', "els => [...new Set(els.map(e => e.name))]"
    )
    for name in names:
        page.locator(f'input[name="{name}"]').first.check()
    for box in page.locator('textarea[name^="finding_"]').all():
        box.fill("Take-up among private renters was half the council average.")
    page.get_by_role("radio", name="Most of them").check()
    page.get_by_label("What did the review find, and what have you learnt?").fill(LEARNT)
    page.get_by_role("radio", name="Continue with changes").check()
    page.get_by_role("button", name="Finish the review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your review is finished")
    return page.url


def _sign(approver: Page, review_address: str, uid: str) -> None:
    approver.goto(review_address)
    approver.get_by_role("button", name="Sign the review").click()
    approver.get_by_label("Your job title").fill("Director of Public Health")
    approver.get_by_role("checkbox").check()
    approver.get_by_role("button", name="Sign the review").click()
    expect(approver.locator(".govuk-notification-banner")).to_contain_text(
        "Revision 2 has started as a draft"
    )


def test_from_sign_off_to_a_published_second_revision_with_its_feeds_and_digest(
    page, browser, base_url, live_app
):
    uid = _signed_with_review_due(live_app)
    _record_progress(page, uid)
    _record_two_readings(page, uid)
    review_address = _complete_review(page, uid)

    approver = sign_in_page(new_page(browser, base_url), APPROVER)
    _sign(approver, review_address, uid)

    # Revision 2 starts with what was learnt; the author checks each section and sends it,
    # and the approver signs it.
    page.goto(f"/assessments/{uid}")
    expect(page.locator(".hiat-status")).to_have_text("Draft")
    mark_every_section_complete(page)
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".hiat-status")).to_have_text("In review")
    approver.goto(f"/assessments/{uid}")
    approver.get_by_role("button", name="Sign off this assessment").click()
    approver.get_by_label("Your job title").fill("Director of Public Health")
    approver.locator("input[name=confirm]").check()
    approver.get_by_role("button", name="Sign off the assessment").click()
    expect(approver.locator("h1")).to_have_text("Assessment approved")
    approver.context.close()

    # The author, an administrator of Halton Council, publishes revision 2.
    page.goto(f"/assessments/{uid}")
    page.get_by_role("link", name="Publish in the public register").click()
    page.get_by_role("button", name="Publish revision 2").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("published")
    assert axe_violations(page) == []

    # Signed out, anyone finds it and reads the update on revision 1.
    address = f"/register/halton-council/{uid}/2"
    visitor = new_page(browser, base_url)
    visitor.goto("/register")
    visitor.get_by_role("link", name=TITLE).click()
    assert visitor.url.endswith(address)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    main = visitor.locator("main")
    expect(main).to_contain_text("Update on the previous assessment")
    expect(main).to_contain_text(LEARNT)
    assert axe_violations(visitor) == []
    screenshot(visitor, "after-sign-off-public-page")

    feed = ET.fromstring(visitor.request.get("/register/feed.atom").body())
    entry = next(e for e in feed.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id").endswith(address))
    assert entry.findtext(f"{ATOM}title") == f"{TITLE} (revision 2)"
    assert entry.findtext(f"{ATOM}updated")

    rows = list(csv.DictReader(io.StringIO(visitor.request.get("/register/published.csv").text())))
    assert any(address in " ".join(row.values()) and TITLE in row.values() for row in rows)
    data = json.loads(visitor.request.get("/register/published.json").text())
    assert "Open Government Licence" in json.dumps(data)
    assert any(record["id"].endswith(address) for record in data["records"])
    visitor.context.close()

    # The author's calendar has the new revision's review date and readings.
    page.goto("/account/notifications")
    page.get_by_role("button", name="Make a calendar link").click()
    calendar_url = page.get_by_label("Your calendar link").input_value()
    calendar = icalendar.Calendar.from_ical(page.request.get(calendar_url).body())
    uids = [str(event["UID"]) for event in calendar.walk("VEVENT")]
    assert f"review-{uid}-2@hiat" in uids
    assert any(u.startswith(f"reading-{uid}-2-") for u in uids)
    page.goto("/account/notifications")  # the browser tests share one author: leave no link
    page.get_by_role("button", name="Stop the calendar link").click()
    assert page.request.get(calendar_url).status == 404

    # `flask remind` emails the author a digest naming the assessment.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    keys = ("SMTP_HOST", "SMTP_PORT", "SMTP_FROM", "SMTP_STARTTLS", "BASE_URL")
    kept = {key: live_app.config.get(key) for key in keys}
    try:
        live_app.config.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=controller.port,
            SMTP_FROM="hiat@example.org",
            SMTP_STARTTLS=False,
            BASE_URL=base_url,
        )
        result = live_app.test_cli_runner().invoke(args=["remind"])
    finally:
        live_app.config.update(kept)
        controller.stop()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Sent ")
    digest = body(inbox.to(EMAIL))
    assert f"{TITLE}" in digest
    assert "The review of revision 2 was due on" in digest
    assert f"{base_url}/assessments/{uid}" in digest
