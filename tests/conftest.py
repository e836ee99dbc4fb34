"""Shared fixtures: an app on a throwaway database file, clients, and a page checker."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import html5lib
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from hiat import create_app, store
from hiat.passwords import hash_password
from hiat.questions import Banks, load_banks

ROOT = Path(__file__).resolve().parent.parent
# Every test starts on a throwaway database that does not exist yet: create it, as
# `flask init-db` would. Tests of the refusal to start take this away again.
os.environ["HIAT_CREATE_DATABASE"] = "on"
QUESTIONS = ROOT / "questions"
PRINCIPLES = (
    "early_years",
    "education_skills",
    "fair_work",
    "living_standard",
    "healthy_places",
    "prevention",
    "racism_discrimination",
    "environment_sustainability",
)


def normalize(text: str) -> str:
    """Visible text with whitespace collapsed, as a person reads it."""
    return " ".join(text.split())


PASSWORD = "correct horse battery staple"


def make_user(
    app: Flask,
    email: str = "alex@wirral.gov.uk",
    organisation: str = "Wirral Council",
    role: str = "author",
    is_admin: bool = False,
    name: str = "Alex Author",
):
    """An account saved straight to the app's database."""
    with app.app_context():
        return store.create_user(
            store.get_db(),
            organisation=organisation,
            email=email,
            name=name,
            role=role,
            is_admin=is_admin,
            password_hash=hash_password(PASSWORD),
        )


def sign_in(client: FlaskClient, user) -> FlaskClient:
    """Sign the client in as `user`, as the sign-in page would: a session record and cookie."""
    with client.application.app_context():
        token = store.start_session(store.get_db(), user.id, "127.0.0.1")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session["hiat_session"] = token
    return client


def signed_in_client(app: Flask, **user) -> FlaskClient:
    found = None
    with app.app_context():
        found = store.find_user(store.get_db(), user.get("email", "alex@wirral.gov.uk"))
    return sign_in(app.test_client(), found or make_user(app, **user))


@pytest.fixture(scope="module")
def example_copy(tmp_path_factory) -> tuple[Flask, FlaskClient, str]:
    """An app for a module, a signed-in author, and the id of their copy of the worked example.

    Module-wide because laying out the example's PDF takes seconds.
    """
    folder = tmp_path_factory.mktemp("example_copy")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(folder / "hiat.db"),
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
        },
        instance_path=str(folder / "instance"),
    )
    client = signed_in_client(app)
    uid = uid_from(client.post("/worked-example/copy").headers["Location"])
    return app, client, uid


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    yield create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "hiat.db"),
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
        }
    )


@pytest.fixture
def csrf_app(tmp_path: Path) -> Flask:
    return create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "hiat.db"), "SECRET_KEY": "test"}
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client signed in as an author of Wirral Council."""
    return signed_in_client(app)


@pytest.fixture
def csrf_client(csrf_app: Flask) -> FlaskClient:
    return signed_in_client(csrf_app)


@pytest.fixture(scope="session")
def banks() -> Banks:
    return load_banks(QUESTIONS)


class Pages:
    """Fetch pages and check what every page must have (cf. notifications-admin)."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def get(self, url: str, status: int = 200) -> BeautifulSoup:
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code)
        return check_page(response.get_data(as_text=True))

    def post(self, url: str, data: dict, status: int = 302) -> BeautifulSoup | str:
        response = self.client.post(url, data=data)
        assert response.status_code == status, (url, response.status_code)
        if status == 302:
            return response.headers["Location"]
        return check_page(response.get_data(as_text=True))


def check_page(text: str) -> BeautifulSoup:
    """One h1; a title that starts with it (after any 'Error: '); unique ids; valid HTML."""
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(text)
    assert not [e for e in parser.errors if e[1] != "unexpected-end-tag-before-html"], parser.errors
    page = BeautifulSoup(text, "html.parser")
    headings = page.find_all("h1")
    assert len(headings) == 1, [normalize(h.text) for h in headings]
    h1 = normalize(headings[0].text)
    title = normalize(page.title.text)
    has_errors = page.select_one(".govuk-error-summary") is not None
    expected = f"Error: {h1}" if has_errors else h1
    assert title.startswith(expected), (title, h1)
    ids = [tag["id"] for tag in page.find_all(id=True)]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for form in page.find_all("form"):
        assert form.get("action"), "every form needs an action"
    return page


@pytest.fixture
def pages(client: FlaskClient) -> Pages:
    return Pages(client)


def uid_from(location: str) -> str:
    match = re.search(r"/assessments/([0-9a-f]{32})", location)
    assert match, location
    return match.group(1)


DETAILS = {
    "details_title": "Cheshire and Merseyside Green Plan",
    "details_organisation": "NHS Cheshire and Merseyside",
    "details_place": "cheshire_and_merseyside",
    "details_summary": "Reach net zero carbon emissions by 2040 across NHS buildings and travel.",
    "details_decision_body": "Cheshire and Merseyside Integrated Care Board",
    "details_kind": "strategy_plan",
    "save": "continue",
}


# The groups a policy touches, chosen once; every principle then offers these.
POPULATIONS = {
    "populations_groups": ["se_imd_q1", "se_low_income", "se_fuel_poor", "pc_disability"],
    "save": "continue",
}


def screening_data(selected: tuple[str, ...]) -> dict[str, object]:
    """The screening page as posted: the principles ticked, and why the rest were left out."""
    data: dict[str, object] = {"save": "continue", "screening_principles": list(selected)}
    if len(selected) < len(PRINCIPLES):
        data["screening_left_out_reason"] = "The plan does not change this."
    return data


@pytest.fixture
def new_assessment(client: FlaskClient):
    """Create an assessment through the real form; return a function that screens it."""

    def make(selected: tuple[str, ...] = ("early_years", "environment_sustainability")) -> str:
        response = client.post("/assessments/new", data=DETAILS)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        uid = uid_from(response.headers["Location"])
        response = client.post(f"/assessments/{uid}/pages/screening", data=screening_data(selected))
        assert response.status_code == 302
        response = client.post(f"/assessments/{uid}/pages/populations", data=POPULATIONS)
        assert response.status_code == 302
        return uid

    return make


def md_headings(text: str) -> list[tuple[str, str]]:
    """Headings of a markdown document as a reader sees them, parsed by markdown-it-py."""
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").enable("table").render(text)
    page = BeautifulSoup(rendered, "html.parser")
    return [(h.name, normalize(h.text)) for h in page.find_all(["h1", "h2", "h3", "h4"])]


def loaded_version(client: FlaskClient, url: str) -> str:
    """The lock_version a browser sends back with a question page: its version when loaded."""
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return page.select_one("#lock_version")["value"]
