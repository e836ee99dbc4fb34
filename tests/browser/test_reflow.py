"""No page scrolls sideways at 320 CSS px, the width of a 1280 px screen at 400% zoom.

WCAG 2.2 success criterion 1.4.10 (Reflow). A data table may keep its columns, but then
it scrolls inside its own region, which a keyboard user can reach (tabindex) and a screen
reader user can name (aria-label). Every page is filled with the worked example, the
longest real content the service has, plus the long unbroken strings people paste in:
web addresses, reference numbers and email addresses.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page

from hiat import store, transfer, wizard
from tests.browser.conftest import (
    EMAIL,
    SAVE_AND_CONTINUE,
    axe_violations,
    copy_worked_example,
    new_page,
    screenshot,
)
from tests.conftest import make_user

WIDTH = 320
VIEWPORT = {"width": WIDTH, "height": 640}
LONG_URL = (
    "https://www.cheshireandmerseyside.nhs.uk/media/publications/"
    "green-plan-2026-to-2030-health-inequalities-impact-assessment-final-version.pdf"
)
LONG_REFERENCE = "CMICB_GREENPLAN_2026_EHIA_000417_REVISION_2_APPROVED"
LONG_EMAIL = "alexandra.featherstonehaugh-whittingham@cheshireandmerseyside.nhs.uk"
LONG_TITLE = f"Archived {LONG_REFERENCE}"
FOCUS_YELLOW = "rgb(255, 221, 0)"

SIGNED_OUT_PAGES = {"sign-in": "/sign-in", "worked-example-signed-out": "/worked-example"}
PAGES = {
    "start": "/",
    "about": "/about",
    "accessibility-statement": "/accessibility",
    "worked-example": "/worked-example",
    "indicator-catalogue": "/indicators",
    "assessments-list": "/assessments",
    "archived-list": "/assessments/archived",
    "new-assessment": "/assessments/new",
    "import": "/assessments/import",
    "admin-users": "/admin/users",
    "admin-reset-password": "/admin/users/{user_id}/password",
    "admin-audit": "/admin/audit",
    "error-page": "/assessments/no-such-assessment",
}
# Pages of one assessment, after its id.
ASSESSMENT_PAGES = {
    "task-list": "",
    "question-page-proportionality": "/pages/proportionality",
    "question-page-path": "/pages/path",
    "question-page-screening": "/pages/screening",
    "question-page-populations": "/pages/populations",
    "question-page-indicator-rows": "/pages/living_standard-step-1",
    "question-page-action-rows": "/pages/living_standard-step-2",
    "question-page-monitoring-rows": "/pages/living_standard-step-3",
    "question-page-impact-ratings": "/pages/healthy_places-step-4",
    "question-page-determinant-rows": "/pages/healthy_places-step-4-part-2",
    "question-page-overall-impact": "/pages/impact",
    "question-page-decision": "/pages/decision",
    "check-answers": "/sections/living_standard/check",
    "check-answers-details": "/sections/details/check",
    "check-answers-missing": "/sections/screening/check?complete=yes",
    "statement": "/statement",
    "print-view": "/statement/print",
    "board-summary-print-view": "/summary/print",
    "history": "/history",
    "compare": "/revisions/1/compare",
    "share": "/share",
    "archive": "/archive",
}

# How wide the page is, and the widest elements that stick out, to name in a failure.
MEASURE = """width => {
    const inRegion = el => el.closest('.hiat-table-scroll') !== null;
    const overflows = el => el.getBoundingClientRect().right > width + 1
        || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible';
    const wide = [...document.querySelectorAll('body *')]
        .filter(el => overflows(el) && !inRegion(el))
        .map(el => `${el.tagName.toLowerCase()}.${el.className}`.slice(0, 80));
    return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(-5)};
}"""
# Every element that scrolls sideways, with what a keyboard and a screen reader need.
SCROLLERS = """() => [...document.querySelectorAll('body *')]
    .filter(el => !['TEXTAREA', 'SELECT', 'INPUT'].includes(el.tagName))
    .filter(el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => ({
        label: el.getAttribute('aria-label') || '',
        role: el.getAttribute('role') || '',
        focusable: el.tabIndex >= 0,
        html: el.outerHTML.slice(0, 80),
    }))"""


@pytest.fixture(scope="module")
def reflow_assessment(live_app) -> tuple[str, int]:
    """A copy of the worked example, signed off once, then changed with long strings;
    and the id of a user whose name and email address are long."""
    uid = copy_worked_example(live_app)
    with live_app.app_context():
        db = store.get_db()
        author = store.find_user(db, EMAIL)
        banks = live_app.extensions["hiat"]
        example = live_app.extensions["hiat_example"]
        _sign_off_and_start_revision_2(db, uid, author)
        _add_long_strings(db, uid, banks, {**example.answers}, author.name)
        store.add_comment(db, uid, "details", author, f"Link the final version: {LONG_URL}")
        _archive_one_with_a_long_title(db, banks, author)
    long_named = make_user(
        live_app,
        email=LONG_EMAIL,
        # In the administrator's organisation: only its own people are theirs to manage.
        organisation="Halton Council",
        name="Alexandra Featherstonehaugh-Whittingham",
        role="reviewer",
    )
    return uid, long_named.id


def _sign_off_and_start_revision_2(db, uid: str, author: store.User) -> None:
    """So that the page comparing revision 1 with now can be reached."""
    store.set_status(db, uid, store.DRAFT, store.IN_REVIEW, author.name)
    snapshot = transfer.export_document(store.get_assessment(db, uid), dt.datetime.now(dt.UTC))
    store.sign_off(
        db, uid, user=author, job_title="Director", attestation="Checked.", snapshot=snapshot
    )
    store.start_revision(db, uid, author.name)


def _add_long_strings(db, uid: str, banks, values: dict, by: str) -> None:
    values["details_title"] += f" ({LONG_REFERENCE})"
    values["details_summary"] += f"\n\nPublished at {LONG_URL} as {LONG_REFERENCE}."
    store.save_answers(
        db,
        uid,
        [
            store.NewAnswer(qid, values[qid], banks.questions[qid].label)
            for qid in ("details_title", "details_summary")
        ],
        page="details",
        bank_version=banks.version,
        summary=wizard.summary_fields(values, banks),
        by=by,
    )


def _archive_one_with_a_long_title(db, banks, author: store.User) -> None:
    archived = store.create_assessment(
        db,
        banks.version,
        {"title": LONG_TITLE, "organisation": author.organisation},
        [],
        page="details",
        organisation_id=author.organisation_id,
    )
    store.set_archived(db, archived, True)


def _at_320_px(page: Page, path: str, name: str) -> dict:
    page.set_viewport_size(VIEWPORT)
    response = page.goto(path)
    # A server error page is narrow too: measure the page that was asked for.
    expected = 404 if name == "error-page" else 200
    assert response.status == expected, f"{path} answered {response.status}"
    screenshot(page, f"reflow-{name}")
    return page.evaluate(MEASURE, WIDTH)


def _assert_reflows(page: Page, measured: dict) -> None:
    assert measured["scrollWidth"] <= WIDTH + 1, (
        f"{page.url} is {measured['scrollWidth']} px wide; sticking out: {measured['wide']}"
    )


def _assert_scrolling_regions_are_usable(page: Page) -> None:
    for scroller in page.evaluate(SCROLLERS):
        assert scroller["focusable"], f"keyboard users cannot scroll {scroller['html']}"
        assert scroller["role"] == "region", f"no region role on {scroller['html']}"
        assert scroller["label"].strip(), f"screen readers cannot name {scroller['html']}"


@pytest.mark.parametrize("name", sorted(SIGNED_OUT_PAGES))
def test_signed_out_page_does_not_scroll_sideways_at_320_px(anonymous_page, name):
    measured = _at_320_px(anonymous_page, SIGNED_OUT_PAGES[name], name)
    _assert_reflows(anonymous_page, measured)
    _assert_scrolling_regions_are_usable(anonymous_page)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_does_not_scroll_sideways_at_320_px(page, reflow_assessment, name):
    measured = _at_320_px(page, PAGES[name].format(user_id=reflow_assessment[1]), name)
    _assert_reflows(page, measured)
    _assert_scrolling_regions_are_usable(page)


@pytest.mark.parametrize("name", sorted(ASSESSMENT_PAGES))
def test_assessment_page_does_not_scroll_sideways_at_320_px(page, reflow_assessment, name):
    uid = reflow_assessment[0]
    measured = _at_320_px(page, f"/assessments/{uid}{ASSESSMENT_PAGES[name]}", name)
    _assert_reflows(page, measured)
    _assert_scrolling_regions_are_usable(page)


def test_rapid_page_does_not_scroll_sideways_at_320_px(page, rapid_uid):
    url = f"/assessments/{rapid_uid}/pages/living_standard-rapid"
    measured = _at_320_px(page, url, "question-page-rapid")
    _assert_reflows(page, measured)
    _assert_scrolling_regions_are_usable(page)


def test_page_showing_errors_does_not_scroll_sideways_at_320_px(page):
    page.set_viewport_size(VIEWPORT)
    page.goto("/assessments/new")
    with page.expect_navigation():
        page.get_by_role("button", name=SAVE_AND_CONTINUE).click()
    assert page.locator(".govuk-error-summary").is_visible()
    screenshot(page, "reflow-errors")
    _assert_reflows(page, page.evaluate(MEASURE, WIDTH))


def test_wide_statement_tables_scroll_in_a_labelled_region_a_keyboard_can_reach(
    browser, base_url, signed_in_state, reflow_assessment
):
    page = new_page(browser, base_url, storage_state=signed_in_state, viewport=VIEWPORT)
    page.goto(f"/assessments/{reflow_assessment[0]}/statement")
    regions = page.locator(".hiat-table-scroll")
    assert regions.count() > 0
    wide = page.evaluate(
        "() => [...document.querySelectorAll('.hiat-table-scroll')]"
        ".filter(el => el.scrollWidth > el.clientWidth + 1).length"
    )
    assert wide > 0, "at 320 px some statement table should need its own scroll"
    region = regions.first
    region.focus()
    assert region.evaluate("el => el === document.activeElement")
    # GOV.UK's focus style: a yellow ring (#ffdd00) inside a black one.
    assert FOCUS_YELLOW in region.evaluate("el => getComputedStyle(el).boxShadow")
    page.context.close()


def test_compare_page_has_no_accessibility_violations(page, reflow_assessment):
    # test_accessibility.py has no signed revision to compare with; this module has one.
    page.goto(f"/assessments/{reflow_assessment[0]}/revisions/1/compare")
    assert axe_violations(page) == []
