"""The register and the cumulative impact in a real browser, on demo data.

A director of public health signs in, filters the register by place and date, searches
it, opens the cumulative impact of what they found and downloads the report. axe-core
checks each page at 1280 px, and at 320 px no page scrolls sideways.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from docx import Document
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from hiat import create_app, demo, store
from hiat.passwords import hash_password
from tests.browser.conftest import axe_violations, new_page, screenshot

DEMO_PASSWORD = "a demo password for the browser"
DEMO_SIZE = 120


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("register")
    app = create_app(
        {"SECRET_KEY": "browser-tests", "DATABASE": str(folder / "hiat.db"), "TESTING": True},
        instance_path=str(folder),
    )
    with app.app_context():
        banks = app.extensions["hiat"]
        items = demo.generate(banks, DEMO_SIZE, seed=1)
        demo.write(store.get_db(), banks, items, hash_password(DEMO_PASSWORD))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def signed_in(browser: Browser, url: str, **options) -> Page:
    page = new_page(browser, url, **options)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(demo.ADMIN_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/assessments")
    return page


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_director_filters_searches_and_downloads_the_cumulative_report(
    browser, demo_url, javascript
):
    page = signed_in(browser, demo_url, java_script_enabled=javascript)
    results = page.locator("#results")
    expect(results).to_contain_text("Showing 1 to 25 of")
    if javascript:
        assert axe_violations(page) == []
    screenshot(page, f"register-{'js' if javascript else 'nojs'}")

    # Filter: Liverpool, decided in 2026-27.
    page.locator("summary", has_text="Place").click()
    page.get_by_label("Liverpool", exact=True).check()
    page.get_by_label("Decided on or after").fill("1 4 2025")
    page.get_by_label("Decided on or before").fill("31 3 2027")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert "place=liverpool" in page.url
    expect(page.locator(".hiat-applied")).to_contain_text("Liverpool")
    places = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert places and set(places) <= {"Liverpool"}

    # Then search within them.
    page.get_by_label("Search titles, summaries and answers").fill("library")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".hiat-register__snippet mark").first).to_be_visible()
    if javascript:
        assert axe_violations(page) == []

    # The cumulative impact of what was found, then the report for the board paper.
    page.get_by_label("Search titles, summaries and answers").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    with page.expect_navigation():
        page.get_by_role("link", name="See the cumulative impact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cumulative impact on health equity")
    expect(page.locator(".govuk-caption-l")).to_contain_text("Liverpool")
    if javascript:
        assert axe_violations(page) == []
    screenshot(page, f"cumulative-{'js' if javascript else 'nojs'}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report for a board paper (Word)").click()
    document = Document(str(download.value.path()))
    assert document.paragraphs[0].text.startswith("Cumulative equity impact report: Liverpool")
    page.context.close()


def test_register_and_cumulative_pages_reflow_at_320_px_and_pass_axe(browser, demo_url):
    page = signed_in(browser, demo_url, viewport={"width": 320, "height": 640})
    for name, path in (
        ("register", "/assessments"),
        ("register-filtered", "/assessments?place=wirral&status=approved&q=council"),
        ("register-error", "/assessments?from=31+2+2026"),
        ("cumulative", "/assessments/cumulative?place=wirral"),
        ("archived", "/assessments/archived"),
    ):
        page.goto(path)
        assert no_sideways_scroll(page), name
        assert axe_violations(page) == [], name
        screenshot(page, f"{name}-320")
    page.context.close()
