"""The public register in a real browser: an administrator publishes and withdraws a signed
revision; signed out, anyone finds and reads it, with JavaScript on and off.

axe-core checks every public page and the publishing pages at 1280 px; at 320 px none
scrolls sideways.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hiat import publications, store, transfer
from tests.browser.conftest import axe_violations, new_page, screenshot, signed_copy


def _signed(live_app, title: str) -> str:
    """A copy of the worked example with its own title, signed off at the ICB."""
    return signed_copy(live_app, title, ("bo@cheshireandmerseyside.nhs.uk", "Bo Approver"))


def _publish(live_app, uid: str, withdraw_reason: str = "") -> str:
    """Publish revision 1 as the service would (and withdraw it); return its public path."""
    with live_app.app_context():
        db = store.get_db()
        signoff = store.list_signoffs(db, uid)[0]
        details = publications.details(
            live_app.extensions["hiat"], transfer.snapshot_assessment(signoff.snapshot, uid)
        )
        done = store.publish(
            db,
            uid,
            1,
            by="Robin Officer",
            details=details,
            slug=publications.slug("Halton Council"),
        )
        if withdraw_reason:
            store.withdraw(db, uid, 1, by="Robin Officer", reason=withdraw_reason)
    return f"/register/{done.organisation_slug}/{uid}/1"


@pytest.fixture(scope="module")
def shown(live_app) -> dict[str, str]:
    """One published revision and one withdrawn, for the pages to be looked at."""
    published = _signed(live_app, "Halton leisure centre prices")
    withdrawn = _signed(live_app, "Halton bus shelters")
    return {
        "uid": published,
        "page": _publish(live_app, published),
        "withdrawn": _publish(live_app, withdrawn, "The scheme was stopped in March 2027."),
    }


def test_an_administrator_publishes_then_anyone_finds_and_reads_it(page, anonymous_page, live_app):
    uid = _signed(live_app, "Halton library opening hours")
    page.goto(f"/assessments/{uid}")
    page.get_by_role("link", name="Publish in the public register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish in the public register")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Publish revision 1").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Revision 1 is published in the public register"
    )
    assert axe_violations(page) == []
    screenshot(page, "publishing")

    visitor = anonymous_page
    visitor.goto("/register")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Published equity impact statements"
    )
    assert axe_violations(visitor) == []
    visitor.get_by_label("Search published statements").fill("library")
    visitor.get_by_role("button", name="Search").click()
    expect(visitor.locator("#results")).to_have_text("1 statement match “library”")
    assert axe_violations(visitor) == []
    visitor.get_by_role("link", name="Halton library opening hours").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Halton library opening hours")
    expect(visitor.locator(".hiat-statement")).to_contain_text("Bo Approver")
    assert axe_violations(visitor) == []
    with visitor.expect_download() as download:
        visitor.get_by_role("link", name="Download the statement as signed (Word)").click()
    assert download.value.suggested_filename.endswith("-revision-1.docx")
    screenshot(visitor, "public-statement")


def test_the_public_list_search_and_page_work_without_javascript(browser, base_url, shown):
    visitor = new_page(browser, base_url, java_script_enabled=False)
    visitor.goto("/register")
    visitor.get_by_label("Search published statements").fill("leisure")
    visitor.get_by_role("button", name="Search").click()
    expect(visitor.locator("#results")).to_have_text("1 statement match “leisure”")
    visitor.get_by_role("link", name="Halton leisure centre prices").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Halton leisure centre prices")
    expect(visitor.locator(".hiat-statement")).to_contain_text("Director of Public Health")
    # axe needs JavaScript: the same pages are checked with it on, above and below.
    visitor.context.close()


def test_an_administrator_withdraws_a_revision_and_its_address_says_why(
    page, anonymous_page, live_app
):
    uid = _signed(live_app, "Halton park lighting")
    address = _publish(live_app, uid)
    page.goto(f"/assessments/{uid}/publishing")
    page.get_by_role("link", name="Withdraw revision 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to withdraw revision 1?"
    )
    assert axe_violations(page) == []
    page.get_by_role("button", name="Withdraw revision 1").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Say why the statement is being withdrawn"
    )
    assert axe_violations(page) == []
    page.get_by_label("Why is it being withdrawn?").fill("A later plan replaces it.")
    page.get_by_role("button", name="Withdraw revision 1").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been withdrawn")

    reply = anonymous_page.goto(address)
    assert reply.status == 410
    expect(anonymous_page.get_by_role("heading", level=1)).to_have_text(
        "This statement has been withdrawn"
    )
    expect(anonymous_page.locator("main")).to_contain_text("A later plan replaces it.")
    expect(anonymous_page.locator(".hiat-statement")).to_have_count(0)
    assert axe_violations(anonymous_page) == []


def test_public_and_publishing_pages_reflow_at_320_px(browser, base_url, signed_in_state, shown):
    small = {"width": 320, "height": 640}
    visitor = new_page(browser, base_url, viewport=small)
    for name, path in (
        ("public-register", "/register"),
        ("public-search", "/register?q=halton"),
        ("public-statement", shown["page"]),
        ("public-withdrawn", shown["withdrawn"]),
    ):
        visitor.goto(path)
        assert visitor.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        assert axe_violations(visitor) == [], name
        screenshot(visitor, f"{name}-320")
    visitor.context.close()
    admin = new_page(browser, base_url, storage_state=signed_in_state, viewport=small)
    for name, path in (
        ("publishing", f"/assessments/{shown['uid']}/publishing"),
        ("publishing-withdraw", f"/assessments/{shown['uid']}/revisions/1/withdraw"),
    ):
        admin.goto(path)
        assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        assert axe_violations(admin) == [], name
        screenshot(admin, f"{name}-320")
    admin.context.close()
