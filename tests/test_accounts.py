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


def setup_code(app) -> str:
    """The one-time code `flask create-admin` prints, as the operator would copy it."""
    output = app.test_cli_runner().invoke(args=["create-admin"]).output
    match = re.search(r"/setup\?code=(\S+) ", output)
    assert match, output
    return match.group(1)


def test_first_run_asks_for_an_administrator_and_then_the_page_is_gone(fresh_app):
    client = fresh_app.test_client()
    assert client.get("/assessments").headers["Location"] == "/setup"
    code = setup_code(fresh_app)
    page = check_page(client.get(f"/setup?code={code}").get_data(as_text=True))
    assert "There are no accounts yet" in page.text
    assert page.select_one("input[name=code]")["value"] == code
    response = client.post(
        "/setup",
        data={
            "code": code,
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
            "organisation": "_new",
            "new_organisation": "NHS Cheshire and Merseyside",
            "role": "reviewer",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    page = check_page(admin.get("/admin/users").get_data(as_text=True))
    assert (
        "An account has been created for Ivy Reviewer, NHS Cheshire and Merseyside, "
        "as its administrator" in normalize(page.text)
    )
    duplicate = admin.post(
        "/admin/users",
        data={
            "name": "Ivy Again",
            "email": "IVY@cheshireandmerseyside.nhs.uk",
            "organisation": "Wirral Council",
            "role": "viewer",
            "password": PASSWORD,
        },
    )
    assert "An account with this email address already exists" in duplicate.get_data(as_text=True)
    with app.app_context():
        ivy = store.find_user(store.get_db(), "ivy@cheshireandmerseyside.nhs.uk")
    # The first person of a new organisation is its administrator: Ada does not manage them.
    assert ivy.is_admin and ivy.organisation == "NHS Cheshire and Merseyside"
    assert "Ivy Reviewer" not in check_page(admin.get("/admin/users").text).text
    assert (
        admin.post(f"/admin/users/{ivy.id}/password", data={"password": PASSWORD}).status_code
        == 404
    )
    assert admin.post("/admin/users", data=new_person("Wirral Council")).status_code == 302
    with app.app_context():
        ivy = store.find_user(store.get_db(), "ivy@example.org")
    new_password = "a brand new long password"
    reset = admin.post(f"/admin/users/{ivy.id}/password", data={"password": new_password})
    assert reset.status_code == 302
    fresh = app.test_client()
    assert sign_in_form(fresh, ivy.email, new_password).headers["Location"] == "/assessments"
    assert fresh.get("/assessments").headers["Location"].startswith("/account/password")


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
        "question_id": "p1_s2_actions",
        "row": "0",
        "reading_id": "1",
        "org": "wirral-council",
        "number": "1",
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "uid" not in rule.arguments:
            continue
        url = re.sub(r"<(?:[^:>]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule.rule)
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


def test_sharing_says_the_same_whether_or_not_the_email_has_an_account(app, two_organisations):
    uid, wirral, _ = two_organisations
    said = []
    for email in ("nobody@example.org", "jo@cheshireandmerseyside.nhs.uk"):
        response = wirral.post(f"/assessments/{uid}/share", data={"email": email, "role": "viewer"})
        assert response.status_code == 302
        page = check_page(wirral.get(response.headers["Location"]).get_data(as_text=True))
        banner = normalize(page.select_one(".govuk-notification-banner").text)
        said.append(banner.replace(email, "EMAIL"))
        assert "once your administrator adds them with this email address" in banner
    assert said[0] == said[1]
    listed = check_page(wirral.get(f"/assessments/{uid}/share").get_data(as_text=True)).text
    assert "nobody@example.org: viewer" in normalize(listed)
    assert "jo@cheshireandmerseyside.nhs.uk: viewer" in normalize(listed)
    assert "Jo ICB" not in listed


def test_a_share_made_before_the_account_exists_works_once_it_does(app, two_organisations):
    uid, wirral, _ = two_organisations
    wirral.post(f"/assessments/{uid}/share", data={"email": "Kim@Sefton.gov.uk", "role": "viewer"})
    kim = signed_in_client(app, email="kim@sefton.gov.uk", name="Kim", organisation="Sefton")
    assert kim.get(f"/assessments/{uid}").status_code == 200
    assert f"/assessments/{uid}" in kim.get("/assessments").get_data(as_text=True)


def test_a_viewer_in_the_same_organisation_cannot_start_an_assessment(app):
    viewer = signed_in_client(app, email="val@wirral.gov.uk", name="Val Viewer", role="viewer")
    assert viewer.get("/assessments/new").status_code == 403
    assert viewer.post("/worked-example/copy").status_code == 403


def test_a_deleted_account_ends_the_session(app):
    make_user(app)
    user = make_user(app, email="gone@wirral.gov.uk")
    client = sign_in(app.test_client(), user)
    with app.app_context():
        db = store.get_db()
        db.execute("DELETE FROM sessions WHERE user_id = ?", [user.id])
        db.execute("DELETE FROM users WHERE id = ?", [user.id])
    assert client.get("/assessments").headers["Location"].startswith("/sign-in")


# ---------------------------------------------------------------- adding people to organisations
def new_person(organisation: str, **extra) -> dict[str, str]:
    return {
        "name": "Ivy Reviewer",
        "email": "ivy@example.org",
        "organisation": organisation,
        "role": "reviewer",
        "password": PASSWORD,
        **extra,
    }


def organisation_names(app) -> list[str]:
    with app.app_context():
        return store.list_organisations(store.get_db())


def test_add_user_offers_the_administrators_own_organisation_or_a_new_one(app):
    make_user(app, email="jo@cheshireandmerseyside.nhs.uk", organisation="NHS Cheshire")
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    page = check_page(admin.get("/admin/users").get_data(as_text=True))
    radios = {r["value"]: r for r in page.select("input[name=organisation]")}
    assert list(radios) == ["Wirral Council", "_new"]
    assert radios["Wirral Council"].has_attr("checked")
    label = page.select_one(f"label[for={radios['_new']['id']}]")
    assert normalize(label.text) == "A new organisation"
    assert page.select_one("input[name=new_organisation]") is not None


def test_admin_chooses_an_existing_organisation_and_cannot_create_one_by_typo(app):
    make_user(app, email="jo@cheshireandmerseyside.nhs.uk", organisation="NHS Cheshire")
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    before = organisation_names(app)

    typo = check_page(admin.post("/admin/users", data=new_person("Wiral Council")).text)
    assert "Choose an organisation from the list" in typo.select_one(".govuk-error-summary").text
    for spelling in ("wirral council", "  WIRRAL   Council "):
        data = new_person("_new", new_organisation=spelling)
        page = check_page(admin.post("/admin/users", data=data).text)
        assert "“Wirral Council” already exists: choose it from the list" in normalize(
            page.select_one(".govuk-error-summary").text
        )
    blank = check_page(admin.post("/admin/users", data=new_person("_new")).text)
    assert "Enter the name of the new organisation" in blank.text
    assert organisation_names(app) == before

    # Another organisation's people are its administrators' to add.
    other = check_page(admin.post("/admin/users", data=new_person("NHS Cheshire")).text)
    assert "Choose an organisation from the list" in other.select_one(".govuk-error-summary").text
    page = check_page(
        admin.post("/admin/users", data=new_person("_new", new_organisation="nhs  cheshire")).text
    )
    assert "“NHS Cheshire” already exists: ask one of its administrators to add this person" in (
        normalize(page.select_one(".govuk-error-summary").text)
    )
    assert organisation_names(app) == before


def test_a_new_organisation_is_a_deliberate_choice(app):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    data = new_person("_new", new_organisation=" Knowsley Council ")
    response = admin.post("/admin/users", data=data, follow_redirects=True)
    assert "An account has been created for Ivy Reviewer, Knowsley Council" in normalize(
        response.get_data(as_text=True)
    )
    assert organisation_names(app) == ["Knowsley Council", "Wirral Council"]
    # Typing a name without choosing "A new organisation" makes nothing.
    other = new_person("Wirral Council", email="ed@example.org", new_organisation="Sefton")
    assert admin.post("/admin/users", data=other).status_code == 302
    assert organisation_names(app) == ["Knowsley Council", "Wirral Council"]


def test_first_run_set_up_prefills_the_organisation_the_database_already_names(fresh_app):
    client = fresh_app.test_client()
    page = check_page(client.get("/setup").get_data(as_text=True))
    assert page.select_one("input[name=organisation]").get("value", "") == ""
    with fresh_app.app_context():
        db = store.get_db()
        db.execute("INSERT INTO organisations (name) VALUES ('Knowsley Council')")
        db.conn.commit()
    page = check_page(client.get("/setup").get_data(as_text=True))
    assert page.select_one("input[name=organisation]")["value"] == "Knowsley Council"


# ---------------------------------------------------------------- passwords
NEW_PASSWORD = "lantern orchard velvet pebble"


def change(client, current: str, new: str, confirm: str | None = None, url="/account/password"):
    data = {"current": current, "password": new, "confirm": new if confirm is None else confirm}
    return client.post(url, data=data)


def test_new_user_must_change_a_temporary_password_before_anything_else(app):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    assert admin.post("/admin/users", data=new_person("Wirral Council")).status_code == 302
    ivy = app.test_client()
    assert sign_in_form(ivy, "ivy@example.org", PASSWORD).headers["Location"] == "/assessments"
    for url in ("/assessments", "/assessments/new", "/assessments/archived", "/admin/users"):
        location = ivy.get(url).headers["Location"]
        assert location.startswith("/account/password?next="), (url, location)
    assert ivy.post("/assessments/new", data=DETAILS).headers["Location"] == "/account/password"
    for url in ("/", "/about", "/accessibility", "/worked-example", "/static/css/hiat.css"):
        with ivy.get(url) as response:
            assert response.status_code == 200, url
    page = check_page(ivy.get("/account/password?next=/assessments/new").get_data(as_text=True))
    assert "Your administrator gave you a temporary password" in page.text

    response = change(ivy, PASSWORD, NEW_PASSWORD, url="/account/password?next=/assessments/new")
    assert response.headers["Location"] == "/assessments/new"
    assert ivy.get("/assessments").status_code == 200
    again = check_page(ivy.get("/account/password").get_data(as_text=True))
    assert "temporary password" not in again.text
    fresh = app.test_client()
    assert sign_in_form(fresh, "ivy@example.org", NEW_PASSWORD).status_code == 302
    assert fresh.get("/assessments").status_code == 200


def test_someone_with_a_temporary_password_can_still_sign_out(app):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    admin.post("/admin/users", data=new_person("Wirral Council"))
    ivy = app.test_client()
    sign_in_form(ivy, "ivy@example.org", PASSWORD)
    assert ivy.post("/sign-out").headers["Location"] == "/"
    assert ivy.get("/assessments").headers["Location"].startswith("/sign-in")


def test_anyone_can_change_their_own_password(app, client):
    page = check_page(client.get("/account/password").get_data(as_text=True))
    labels = [normalize(label.text) for label in page.select("form label")]
    assert labels == ["Current password", "New password", "Confirm the new password"]
    response = change(client, PASSWORD, NEW_PASSWORD)
    assert response.headers["Location"] == "/assessments"
    assert "Your password has been changed" in client.get("/assessments").get_data(as_text=True)
    fresh = app.test_client()
    assert "Enter a correct email" in sign_in_form(fresh, "alex@wirral.gov.uk", PASSWORD).text
    assert sign_in_form(fresh, "alex@wirral.gov.uk", NEW_PASSWORD).status_code == 302


def test_changing_a_password_needs_sign_in(app):
    response = app.test_client().get("/account/password")
    assert response.headers["Location"].startswith("/sign-in")


def error_for(response, field: str) -> str:
    page = check_page(response.get_data(as_text=True))
    message = page.select_one(f"#{field}-error")
    return normalize(message.text) if message else ""


def test_password_change_refuses_common_short_and_mismatched_passwords_with_messages(client):
    cases = [
        (("not my password", NEW_PASSWORD), "current", "Your current password is not right"),
        ((PASSWORD, "short one"), "password", "at least 12 characters"),
        ((PASSWORD, "   tiny    "), "password", "not counting spaces at the start or end"),
        ((PASSWORD, "            "), "password", "spaces on their own do not count"),
        ((PASSWORD, "Password1234!"), "password", "This password is too common"),
        ((PASSWORD, "ALEX@wirral.gov.uk"), "password", "must not be the email address"),
        ((PASSWORD, PASSWORD), "password", "must be different from your current one"),
        ((PASSWORD, NEW_PASSWORD, "lantern orchard"), "confirm", "The passwords do not match"),
    ]
    for args, field, message in cases:
        response = change(client, *args)
        assert response.status_code == 200, args
        assert message in error_for(response, field), (args, error_for(response, field))
    assert change(client, PASSWORD, NEW_PASSWORD).status_code == 302


def test_a_temporary_password_must_follow_the_same_rules(app):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    common = admin.post("/admin/users", data=new_person("Wirral Council", password="qwertyuiop12"))
    assert "This password is too common" in error_for(common, "password")
    colleague = make_user(app, email="bo@wirral.gov.uk", name="Bo Colleague")
    response = admin.post(
        f"/admin/users/{colleague.id}/password", data={"password": "bo@wirral.gov.uk"}
    )
    assert "must not be the email address" in error_for(response, "password")
