"""Browser tests: Debian's Chromium, driven by Playwright, against the app on 127.0.0.1.

The app runs in a thread of the test process with its own temporary database and
CSRF protection on, as in production. `make test` installs Chromium when it is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from hiat import create_app, store, transfer, wizard
from hiat.forms import option_labels
from tests.conftest import PASSWORD, ROOT, make_user

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Without these, Chromium as root will not start, and on a machine with no internet
# it keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    return path


EMAIL = "robin@halton.gov.uk"
# "Save and continue"; on a section's last page its twin "Save and check your answers" (the
# other button there marks the section completed at once).
SAVE_AND_CONTINUE = re.compile(r"^Save and (continue|check your answers)$")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {"SECRET_KEY": "browser-tests", "DATABASE": str(folder / "hiat.db"), "TESTING": True},
        instance_path=str(folder),
    )
    make_user(app, email=EMAIL, organisation="Halton Council", name="Robin Officer", is_admin=True)
    return app


def copy_worked_example(live_app, email: str = EMAIL) -> str:
    """A copy of the worked example, saved in the organisation of the person with `email`."""
    with live_app.app_context():
        db = store.get_db()
        author = store.find_user(db, email)
        banks = live_app.extensions["hiat"]
        example = live_app.extensions["hiat_example"]
        return store.create_assessment(
            db,
            banks.version,
            wizard.summary_fields(example.answers, banks),
            example.new_answers(banks),
            page="worked_example",
            organisation_id=author.organisation_id,
        )


def signed_copy(
    live_app,
    title: str,
    approver: tuple[str, str],
    answers: tuple[tuple[str, object], ...] = (),
    share: bool = False,
) -> str:
    """A copy of the worked example with its own title (and any other answers), sent for
    review and signed off by `approver` (email, name) at the ICB, straight through the store.

    `share` also shares it with the approver, who then has a role on it (start page, review).
    """
    uid = copy_worked_example(live_app)
    email, name = approver
    with live_app.app_context():
        db = store.get_db()
        signer = store.find_user(db, email) or make_user(
            live_app,
            email=email,
            organisation="NHS Cheshire and Merseyside",
            role="approver",
            name=name,
        )
        banks = live_app.extensions["hiat"]
        store.save_answers(
            db,
            uid,
            [
                store.NewAnswer("details_title", title, "Title"),
                *(
                    store.NewAnswer(qid, value, banks.questions[qid].label)
                    for qid, value in answers
                ),
            ],
            page="details",
            bank_version=banks.version,
            summary={"title": title},
        )
        store.set_status(db, uid, store.DRAFT, store.IN_REVIEW, by="Robin Officer")
        if share:
            store.share(db, uid, email, "approver")
        store.sign_off(
            db,
            uid,
            user=signer,
            job_title="Director of Public Health",
            attestation="I approve it.",
            snapshot=transfer.signed_snapshot(
                store.get_assessment(db, uid), dt.datetime.now(dt.UTC)
            ),
        )
    return uid


def sign_in_page(page: Page, email: str = EMAIL) -> Page:
    """Sign in through the real sign-in page, as a person would."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/assessments")
    return page


@pytest.fixture(scope="session")
def base_url(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


def new_page(browser: Browser, base_url: str, **options) -> Page:
    context = browser.new_context(
        base_url=base_url, bypass_csp=True, accept_downloads=True, **options
    )
    # Generous: CI machines are shared, and a slow page is not a failure of the app.
    context.set_default_timeout(20_000)
    return context.new_page()


@pytest.fixture(scope="session")
def signed_in_state(browser: Browser, base_url: str) -> dict:
    """Cookies of one real sign-in, reused so the sign-in rate limit is not hit."""
    page = sign_in_page(new_page(browser, base_url))
    state = page.context.storage_state()
    page.context.close()
    return state


@pytest.fixture
def page(browser: Browser, base_url: str, signed_in_state: dict) -> Iterator[Page]:
    page = new_page(browser, base_url, storage_state=signed_in_state)
    yield page
    page.context.close()


@pytest.fixture
def anonymous_page(browser: Browser, base_url: str) -> Iterator[Page]:
    page = new_page(browser, base_url)
    yield page
    page.context.close()


@pytest.fixture
def page_without_js(browser: Browser, base_url: str, signed_in_state: dict) -> Iterator[Page]:
    page = new_page(browser, base_url, java_script_enabled=False, storage_state=signed_in_state)
    yield page
    page.context.close()


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page for people to look at (test-artifacts/ is not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page: Page) -> list[str]:
    """Run axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def _saved_assessment(live_app, **extra) -> str:
    """An assessment with two principles screened in and its groups chosen, saved straight
    to the database."""
    banks = live_app.extensions["hiat"]
    values = {
        "details_title": "Warm homes and active travel",
        "details_organisation": "Halton Council",
        "details_place": "halton",
        "details_summary": "Insulate homes and build cycle routes.",
        "screening_scale": "large",
        "screening_people": "many",
        "screening_reversible": "hard",
        "screening_evidence": "some",
        "screening_principles": ["living_standard", "healthy_places"],
        "screening_left_out_reason": "No effect expected.",
        "populations_groups": ["se_imd_q1", "se_fuel_poor", "se_private_renters", "pc_disability"],
        "populations_own_groups": "Tenants whose landlord must agree to works",
        **extra,
    }
    # Saved as the pages save them, with the labels of the options chosen.
    answers = [
        store.NewAnswer(
            qid,
            value,
            banks.questions[qid].label,
            option_labels(banks.questions[qid], banks, value),
        )
        for qid, value in values.items()
    ]
    with live_app.app_context():
        return store.create_assessment(
            store.get_db(),
            banks.version,
            wizard.summary_fields(values, banks),
            answers,
            page="test",
            completed=["details"],
            organisation_id=store.find_user(store.get_db(), EMAIL).organisation_id,
        )


@pytest.fixture(scope="session")
def assessment_uid(live_app) -> str:
    """A full assessment of two principles."""
    return _saved_assessment(live_app, screening_path="full")


@pytest.fixture(scope="session")
def rapid_uid(live_app) -> str:
    """The same, as a rapid assessment: one page a principle."""
    return _saved_assessment(
        live_app, screening_path="rapid", screening_path_reason="Decided by the board in May."
    )


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
