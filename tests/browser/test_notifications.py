"""In a real browser: a person turns the email digest off, and makes and stops a calendar link.

axe-core checks the page at 1280 px, before and with a new link shown; at 320 px it
does not scroll sideways.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, new_page, screenshot

PAGE = "/account/notifications"


def test_a_person_turns_the_digest_off_and_makes_and_stops_a_calendar_link(page):
    page.goto("/")
    page.get_by_role("link", name="Reminders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email reminders and calendar")
    assert axe_violations(page) == []
    page.get_by_role("radio", name="No, do not email me a digest").check()
    page.get_by_role("button", name="Save your choice").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You will not get the email digest"
    )
    expect(page.get_by_role("radio", name="No, do not email me a digest")).to_be_checked()

    page.get_by_role("button", name="Make a calendar link").click()
    link = page.get_by_label("Your calendar link")
    expect(link).to_have_attribute("readonly", "readonly")
    url = link.input_value()
    assert "/calendar/" in url and url.endswith(".ics")
    assert axe_violations(page) == []
    screenshot(page, "notifications-new-link")
    feed = page.request.get(url)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in feed.text()

    page.goto(PAGE)
    expect(page.get_by_label("Your calendar link")).to_have_count(0)
    expect(page.locator("#calendar-status")).to_contain_text("You have a calendar link, made on")
    page.get_by_role("button", name="Stop the calendar link").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your calendar link has stopped working"
    )
    assert page.request.get(url).status == 404
    expect(page.locator("#calendar-status")).to_have_text("You do not have a calendar link.")

    page.get_by_role("radio", name="Yes, email me when something is overdue or due soon").check()
    page.get_by_role("button", name="Save your choice").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You will get an email")
    assert axe_violations(page) == []


def test_the_reminders_page_reflows_at_320_px(browser, base_url, signed_in_state):
    page = new_page(
        browser, base_url, storage_state=signed_in_state, viewport={"width": 320, "height": 640}
    )
    page.goto(PAGE)
    page.get_by_role("button", name="Make a calendar link").click()
    expect(page.get_by_label("Your calendar link")).to_be_visible()
    for name in ("notifications-320", "notifications-stop-320"):
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        assert axe_violations(page) == [], name
        screenshot(page, name)
        page.goto(PAGE)
    page.get_by_role("button", name="Stop the calendar link").click()
    page.context.close()
