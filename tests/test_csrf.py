"""Every form needs its CSRF token; a missing one is refused with a page a person can act on."""

from __future__ import annotations

import re

from tests.conftest import DETAILS, check_page, signed_in_client


def token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def test_post_without_a_token_is_refused_and_saves_nothing(csrf_app):
    client = signed_in_client(csrf_app)
    response = client.post("/assessments/new", data=DETAILS)
    assert response.status_code == 400
    page = check_page(response.get_data(as_text=True))
    assert "were not saved because the page had expired" in page.text
    assert "You have no assessments yet." in client.get("/assessments").get_data(as_text=True)


def test_expired_check_answers_form_says_the_page_expired(csrf_app):
    client = signed_in_client(csrf_app)
    token = token_from(client.get("/assessments/new").get_data(as_text=True))
    location = client.post("/assessments/new", data=dict(DETAILS, csrf_token=token))
    response = client.post(location.headers["Location"], data={"completed": "yes"})
    assert response.status_code == 400
    assert "Your page has expired" in check_page(response.get_data(as_text=True)).h1.text


def test_post_with_the_token_from_the_page_is_accepted(csrf_app):
    client = signed_in_client(csrf_app)
    token = token_from(client.get("/assessments/new").get_data(as_text=True))
    response = client.post("/assessments/new", data=dict(DETAILS, csrf_token=token))
    assert response.status_code == 302


def test_every_form_on_a_question_page_carries_a_token(csrf_app):
    client = signed_in_client(csrf_app)
    html = client.get("/assessments/new").get_data(as_text=True)
    assert html.count("<form") == html.count('name="csrf_token"') >= 1


def test_expired_question_page_keeps_what_was_typed_and_saves_nothing(csrf_app):
    client = signed_in_client(csrf_app)
    data = dict(DETAILS, csrf_token="stale-token")
    response = client.post("/assessments/new", data=data)
    assert response.status_code == 400
    page = check_page(response.get_data(as_text=True))
    assert "were not saved because the page had expired" in page.text
    assert page.select_one("#details_title")["value"] == DETAILS["details_title"]
    fresh = page.select_one("input[name=csrf_token]")["value"]
    assert client.post("/assessments/new", data=dict(DETAILS, csrf_token=fresh)).status_code == 302


def test_workflow_and_account_actions_need_a_token_too(csrf_app):
    client = signed_in_client(csrf_app)
    token = token_from(client.get("/assessments/new").get_data(as_text=True))
    uid = (
        client.post("/assessments/new", data=dict(DETAILS, csrf_token=token))
        .headers["Location"]
        .split("/")[2]
    )
    for url in (
        f"/assessments/{uid}/send-for-review",
        f"/assessments/{uid}/archive",
        f"/assessments/{uid}/share",
        "/sign-out",
    ):
        assert client.post(url).status_code == 400, url
