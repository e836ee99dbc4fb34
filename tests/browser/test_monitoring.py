"""After sign-off, in a real browser: an author records two readings of an indicator.

axe-core checks the monitoring pages at 1280 px; at 320 px none scrolls sideways.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from hiat import store
from tests.browser.conftest import axe_violations, new_page, screenshot, signed_copy


@pytest.fixture(scope="module")
def signed_uid(live_app) -> str:
    """A copy of the worked example, signed off by an approver of another organisation."""
    title = "Warm homes monitoring, signed"
    return signed_copy(live_app, title, ("ari@cheshireandmerseyside.nhs.uk", "Ari Approver"))


def typed(day: dt.date) -> str:
    return f"{day.day} {day.month} {day.year}"


def test_an_author_records_two_readings_and_sees_them_drawn(page, signed_uid):
    today = dt.date.today()
    page.goto(f"/assessments/{signed_uid}")
    page.get_by_role("link", name="Record readings for the indicators of revision 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators and their readings")
    assert axe_violations(page) == []
    page.locator("tbody th a").first.click()
    expect(page.get_by_role("heading", level=2, name="Record a reading")).to_be_visible()
    page.get_by_label("Date of the reading").fill(typed(today + dt.timedelta(days=3)))
    page.get_by_label("Value", exact=True).fill("31%")
    page.get_by_label("Values for each group (optional)").fill("Most deprived quintile 38%")
    page.get_by_role("button", name="Save reading").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The date of the reading must be today or in the past")
    expect(summary).to_contain_text("Line 1 (“Most deprived quintile 38%”) needs a colon")
    assert axe_violations(page) == []
    summary.get_by_role("link", name="The date of the reading must be").click()
    expect(page.get_by_label("Date of the reading")).to_be_focused()
    page.get_by_label("Date of the reading").fill(typed(today - dt.timedelta(days=60)))
    page.get_by_label("Values for each group (optional)").fill("Most deprived quintile: 38%")
    page.get_by_role("button", name="Save reading").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Reading saved: 31%")
    page.get_by_label("Date of the reading").fill(typed(today - dt.timedelta(days=5)))
    page.get_by_label("Value", exact=True).fill("29%")
    page.get_by_label("Note (optional)").fill("After the winter.")
    page.get_by_role("button", name="Save reading").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Reading saved: 29%")
    expect(page.locator("tbody tr")).to_have_count(2)
    chart = page.get_by_role("img", name="Chart of the readings of")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(2)
    expect(page.locator("#next-due")).to_contain_text("after the latest reading")
    assert axe_violations(page) == []
    screenshot(page, "indicator-readings")
    page.get_by_role("link", name="Withdraw the reading of").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw a reading")
    page.get_by_role("button", name="Withdraw reading").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the reading is withdrawn")
    assert axe_violations(page) == []
    page.get_by_label("Why are you withdrawing this reading?").fill("Mistyped: it is 28%.")
    page.get_by_role("button", name="Withdraw reading").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Reading withdrawn: 29%")
    expect(page.locator("tbody tr").last).to_contain_text("Mistyped: it is 28%.")
    expect(
        page.get_by_role("img", name="Chart of the readings of").locator("circle")
    ).to_have_count(1)


def test_monitoring_pages_reflow_at_320_px(
    browser, base_url, signed_in_state, signed_uid, live_app
):
    page = new_page(
        browser, base_url, storage_state=signed_in_state, viewport={"width": 320, "height": 640}
    )
    page.goto(f"/assessments/{signed_uid}/indicators")
    first = page.locator("tbody th a").first.get_attribute("href")
    question_id, row = first.split("/")[-2:]
    with live_app.app_context():  # a reading with groups, so the chart and table are shown
        store.add_reading(
            store.get_db(),
            signed_uid,
            1,
            question_id,
            int(row),
            date=(dt.date.today() - dt.timedelta(days=1)).isoformat(),
            value="1,234",
            groups=[("Least deprived quintile, in the whole of the region", "1,000")],
            note="A long note " * 20,
        )
    page.goto(first)
    withdraw = page.get_by_role("link", name="Withdraw the reading of").last.get_attribute("href")
    for name, path in (
        ("indicators", f"/assessments/{signed_uid}/indicators"),
        ("indicator", first),
        ("withdraw-reading", withdraw),
    ):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        assert axe_violations(page) == [], name
        screenshot(page, f"{name}-320")
    page.context.close()
