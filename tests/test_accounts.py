"""Accounts, organisations, roles and sharing: who can see and change what."""

from __future__ import annotations

import re

import pytest

from hiat import create_app, store
from tests.conftest import (
    DETAILS,
    PASSWORD,
    check_page,
    make_user,
    normalize,
    sign_in,
    signed_in_client,
    uid_from,
)

WRONG = "Enter a correct email address and password"


@pytest.fixture
def fresh_app(tmp_path):
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "hiat.db"),
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
        },
        instance_path=str(tmp_path / "instance"),
    )


def test_first_run_asks_for_an_administrator_and_then_the_page_is_gone(fresh_app):
    client = fresh_app.test_client()
    assert client.get("/assessments").headers["Location"] == "/setup"
    page = check_page(client.get("/setup").get_data(as_text=True))
    assert "There are no accounts yet" in page.text
    response = client.post(
        "/setup",
        data={
            "organisation": "Knowsley Council",
            "name": "Kim Admin",
            "email": "Kim@Knowsley.gov.uk",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.headers["Location"] == "/assessments"
    with fresh_app.app_context():
        admin = store.find_user(store.get_db(), "kim@knowsley.gov.uk")
    assert admin.is_admin and admin.organisation == "Knowsley Council"
    assert admin.password_hash.startswith("$argon2")
    assert client.get("/setup").status_code == 404
    assert fresh_app.test_client().get("/setup").status_code == 404


def test_setup_checks_the_password(fresh_app):
    client = fresh_app.test_client()
    page = check_page(
        client.post(
            "/setup",
            data={
                "organisation": "Knowsley Council",
                "name": "Kim",
                "email": "kim@knowsley.gov.uk",
                "password": "short",
                "confirm": "other",
            },
        ).get_data(as_text=True)
    )
    assert "The password must be at least 12 characters" in page.text
    assert "The passwords do not match" in page.text


def sign_in_form(client, email, password):
    return client.post("/sign-in", data={"email": email, "password": password})


def test_sign_in_with_the_right_password_goes_to_the_assessments(app):
    make_user(app)
    client = app.test_client()
    response = sign_in_form(client, "ALEX@wirral.gov.uk ", PASSWORD)
    assert response.headers["Location"] == "/assessments"
    assert "Signed in as Alex Author, Wirral Council" in client.get("/assessments").get_data(
        as_text=True
    )


def test_wrong_password_and_unknown_email_get_the_same_message(app):
    make_user(app)
    client = app.test_client()
    wrong = check_page(sign_in_form(client, "alex@wirral.gov.uk", "not it").get_data(as_text=True))
    unknown = check_page(
        sign_in_form(client, "nobody@wirral.gov.uk", PASSWORD).get_data(as_text=True)
    )
    assert normalize(wrong.select_one(".govuk-error-summary").text) == normalize(
        unknown.select_one(".govuk-error-summary").text
    )
    assert WRONG in wrong.text


def test_repeated_failed_sign_ins_are_rate_limited(app):
    make_user(app)
    client = app.test_client()
    codes = [sign_in_form(client, "alex@wirral.gov.uk", "guess").status_code for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    page = check_page(sign_in_form(client, "alex@wirral.gov.uk", PASSWORD).get_data(as_text=True))
    assert "tried to sign in too many times" in page.text


def test_sign_in_only_returns_to_pages_on_this_site(app):
    make_user(app)
    client = app.test_client()
    response = client.post(
        "/sign-in?next=//evil.example/x", data={"email": "alex@wirral.gov.uk", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/assessments"
    response = client.post(
        "/sign-in?next=/accessibility", data={"email": "alex@wirral.gov.uk", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/accessibility"


def test_signing_out_ends_the_session(client):
    assert client.post("/sign-out").headers["Location"] == "/"
    assert client.get("/assessments").headers["Location"].startswith("/sign-in")


def test_public_pages_need_no_sign_in(app):
    make_user(app)
    client = app.test_client()
    for url in ("/", "/about", "/accessibility", "/worked-example", "/indicators"):
        assert client.get(url).status_code == 200, url
    for url in ("/assessments", "/assessments/new", "/assessments/import"):
        assert client.get(url).headers["Location"].startswith("/sign-in"), url


def test_administrators_add_users_and_reset_passwords(app):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    response = admin.post(
        "/admin/users",
        data={
            "name": "Ivy Reviewer",
            "email": "ivy@cheshireandmerseyside.nhs.uk",
            "organisation": "NHS Cheshire and Merseyside",
            "role": "reviewer",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    page = check_page(admin.get("/admin/users").get_data(as_text=True))
    assert "Ivy Reviewer" in page.text and "NHS Cheshire and Merseyside" in page.text
    duplicate = admin.post(
        "/admin/users",
        data={
            "name": "Ivy Again",
            "email": "IVY@cheshireandmerseyside.nhs.uk",
            "organisation": "NHS Cheshire and Merseyside",
            "role": "viewer",
            "password": PASSWORD,
        },
    )
    assert "An account with this email address already exists" in duplicate.get_data(as_text=True)
    with app.app_context():
        ivy = store.find_user(store.get_db(), "ivy@cheshireandmerseyside.nhs.uk")
    new_password = "a brand new long password"
    reset = admin.post(f"/admin/users/{ivy.id}/password", data={"password": new_password})
    assert reset.status_code == 302
    fresh = app.test_client()
    assert sign_in_form(fresh, ivy.email, new_password).headers["Location"] == "/assessments"


def test_people_who_are_not_administrators_cannot_find_the_user_pages(client, app):
    assert client.get("/admin/users").status_code == 404
    with app.app_context():
        someone = store.find_user(store.get_db(), "alex@wirral.gov.uk")
    assert client.get(f"/admin/users/{someone.id}/password").status_code == 404


# ---------------------------------------------------------------- organisations
@pytest.fixture
def two_organisations(app):
    """An assessment of Wirral Council's, and a signed-in author from the ICB."""
    wirral = signed_in_client(app)
    uid = uid_from(wirral.post("/assessments/new", data=DETAILS).headers["Location"])
    icb = signed_in_client(
        app,
        email="jo@cheshireandmerseyside.nhs.uk",
        name="Jo ICB",
        organisation="NHS Cheshire and Merseyside",
    )
    return uid, wirral, icb


def assessment_urls(app, uid: str) -> list[tuple[str, str]]:
    """Every route that names an assessment, filled in with `uid`."""
    values = {
        "uid": uid,
        "page_id": "details",
        "section_id": "details",
        "change_id": "1",
        "plan": "action-plan",
        "revision": "1",
        "fmt": "md",
        "kind": "statement",
        "comment_id": "1",
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "uid" not in rule.arguments:
            continue
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule.rule)
        urls.extend((method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return urls


def test_every_route_says_not_found_to_another_organisation(app, two_organisations):
    uid, _, icb = two_organisations
    urls = assessment_urls(app, uid)
    assert len(urls) >= 15, urls
    for method, url in urls:
        response = icb.open(url, method=method, data={"save": "continue"})
        assert response.status_code == 404, (method, url, response.status_code)


def test_made_up_ids_are_not_found_either(app, two_organisations):
    _, wirral, _ = two_organisations
    for method, url in assessment_urls(app, "0" * 32):
        assert wirral.open(url, method=method).status_code == 404, (method, url)


def test_the_list_shows_only_your_organisations_and_shared_assessments(two_organisations):
    uid, wirral, icb = two_organisations
    assert f"/assessments/{uid}" in wirral.get("/assessments").get_data(as_text=True)
    assert f"/assessments/{uid}" not in icb.get("/assessments").get_data(as_text=True)


def test_a_shared_reviewer_can_read_but_not_change(app, two_organisations):
    uid, wirral, icb = two_organisations
    response = wirral.post(
        f"/assessments/{uid}/share",
        data={"email": "jo@cheshireandmerseyside.nhs.uk", "role": "reviewer"},
    )
    assert response.status_code == 302
    assert f"/assessments/{uid}" in icb.get("/assessments").get_data(as_text=True)
    for url in (
        f"/assessments/{uid}",
        f"/assessments/{uid}/statement",
        f"/assessments/{uid}/sections/details/check",
        f"/assessments/{uid}/history",
    ):
        assert icb.get(url).status_code == 200, url
    page = check_page(icb.get(f"/assessments/{uid}").get_data(as_text=True))
    assert "You are a reviewer on this assessment" in page.text
    assert icb.get(f"/assessments/{uid}/pages/details").status_code == 403
    refused = icb.post(
        f"/assessments/{uid}/pages/details",
        data=dict(DETAILS, details_title="Changed by a reviewer"),
    )
    assert refused.status_code == 403
    assert "You can read this assessment but not change it" in refused.get_data(as_text=True)
    assert "Changed by a reviewer" not in wirral.get(f"/assessments/{uid}").get_data(as_text=True)


def test_sharing_with_an_unknown_email_says_what_to_do(two_organisations):
    uid, wirral, _ = two_organisations
    page = check_page(
        wirral.post(
            f"/assessments/{uid}/share", data={"email": "nobody@example.org", "role": "viewer"}
        ).get_data(as_text=True)
    )
    assert "Ask your administrator to add them" in page.text


def test_a_viewer_in_the_same_organisation_cannot_start_an_assessment(app):
    viewer = signed_in_client(app, email="val@wirral.gov.uk", name="Val Viewer", role="viewer")
    assert viewer.get("/assessments/new").status_code == 403
    assert viewer.post("/worked-example/copy").status_code == 403


def test_a_deleted_account_ends_the_session(app):
    make_user(app)
    user = make_user(app, email="gone@wirral.gov.uk")
    client = sign_in(app.test_client(), user)
    with app.app_context():
        store.get_db().execute("DELETE FROM users WHERE id = ?", [user.id])
    assert client.get("/assessments").headers["Location"].startswith("/sign-in")
