"""Sessions that end, administrators who manage only their own people, and the audit log."""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from hiat import create_app, store, wizard
from tests.conftest import PASSWORD, check_page, make_user, normalize, sign_in, signed_in_client

NEW_PASSWORD = "lantern orchard velvet pebble"


def sign_in_form(client, email=make_user.__defaults__[0], password=PASSWORD, url="/sign-in"):
    return client.post(url, data={"email": email, "password": password})


def copy_of_cookie(client, app: Flask):
    """A second browser holding the same session cookie, as an attacker's copy would."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def signed_in_for_real(app: Flask, email="alex@wirral.gov.uk", password=PASSWORD):
    client = app.test_client()
    assert sign_in_form(client, email, password).headers["Location"] == "/assessments"
    return client


def is_signed_out(client) -> bool:
    return client.get("/assessments").headers.get("Location", "").startswith("/sign-in")


# ---------------------------------------------------------------- sessions end
def test_a_cookie_copied_before_sign_out_does_not_work_after_it(app):
    make_user(app)
    client = signed_in_for_real(app)
    thief = copy_of_cookie(client, app)
    assert thief.get("/assessments").status_code == 200
    client.post("/sign-out")
    assert is_signed_out(client)
    assert is_signed_out(thief)


def test_a_password_reset_ends_every_session_of_that_person(app):
    make_user(app)
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    alex = signed_in_for_real(app)
    other_browser = signed_in_for_real(app)
    with app.app_context():
        alex_id = store.find_user(store.get_db(), "alex@wirral.gov.uk").id
    response = admin.post(f"/admin/users/{alex_id}/password", data={"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert is_signed_out(alex) and is_signed_out(other_browser)
    page = check_page(alex.get("/sign-in").text)
    assert "You have been signed out" in page.text


def test_changing_your_password_signs_you_out_everywhere_else_but_here(app):
    make_user(app)
    here = signed_in_for_real(app)
    elsewhere = signed_in_for_real(app)
    data = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = here.post("/account/password", data=data, follow_redirects=True)
    assert "You have been signed out everywhere else" in normalize(response.text)
    assert here.get("/assessments").status_code == 200
    assert is_signed_out(elsewhere)


def test_a_session_ends_after_thirty_minutes_without_a_request(app):
    make_user(app)
    client = signed_in_for_real(app)
    assert client.get("/assessments").status_code == 200
    _age_sessions(app, seen=timedelta(minutes=31))
    response = client.get("/assessments", follow_redirects=True)
    assert "You have been signed out" in normalize(response.text)
    assert "Answers you saved are kept" in normalize(response.text)


def test_a_session_that_is_used_lasts_at_most_twelve_hours(app):
    make_user(app)
    client = signed_in_for_real(app)
    _age_sessions(app, seen=timedelta(minutes=1), created=timedelta(hours=11, minutes=50))
    assert client.get("/assessments").status_code == 200
    _age_sessions(app, seen=timedelta(minutes=1), created=timedelta(hours=12, minutes=1))
    assert is_signed_out(client)


def test_session_limits_are_settings(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "hiat.db"),
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "SESSION_IDLE_MINUTES": "5",
        }
    )
    make_user(app)
    client = signed_in_for_real(app)
    _age_sessions(app, seen=timedelta(minutes=6))
    assert is_signed_out(client)


def test_an_unreadable_session_limit_stops_the_start(tmp_path):
    with pytest.raises(SystemExit, match="HIAT_SESSION_IDLE_MINUTES must be a whole number"):
        create_app({"DATABASE": str(tmp_path / "hiat.db"), "SESSION_IDLE_MINUTES": "half"})


def _age_sessions(app: Flask, seen: timedelta, created: timedelta | None = None) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        db = store.get_db()
        db.execute("UPDATE sessions SET last_seen_at = ?", [(now - seen).isoformat()])
        if created:
            db.execute("UPDATE sessions SET created_at = ?", [(now - created).isoformat()])
        db.conn.commit()


# ---------------------------------------------------------------- disabling
def test_a_disabled_person_is_signed_out_and_cannot_sign_in_until_enabled(app):
    make_user(app)
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    alex = signed_in_for_real(app)
    with app.app_context():
        alex_id = store.find_user(store.get_db(), "alex@wirral.gov.uk").id
    response = admin.post(f"/admin/users/{alex_id}/disable", follow_redirects=True)
    page = check_page(response.text)
    assert "Alex Author can no longer sign in" in normalize(page.text)
    row = next(r for r in page.select("tbody tr") if "Alex Author" in r.text)
    assert "Disabled" in row.text and row.select_one("button").text.startswith("Enable")
    assert is_signed_out(alex)
    refused = sign_in_form(app.test_client())
    assert refused.status_code == 403
    assert "Your account has been disabled" in check_page(refused.text).text
    # The same wrong-password message as anyone else's: disabling reveals nothing to a guesser.
    guess = check_page(sign_in_form(app.test_client(), password="not the password").text)
    assert "Enter a correct email address and password" in guess.text
    admin.post(f"/admin/users/{alex_id}/enable")
    assert sign_in_form(app.test_client()).headers["Location"] == "/assessments"


# ---------------------------------------------------------------- only their own organisation
def test_administrators_manage_only_their_own_organisations_people(app):
    icb = make_user(
        app, email="jo@cheshireandmerseyside.nhs.uk", organisation="NHS Cheshire and Merseyside"
    )
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    page = check_page(admin.get("/admin/users").text)
    assert "jo@cheshireandmerseyside.nhs.uk" not in page.text
    assert admin.get(f"/admin/users/{icb.id}/password").status_code == 404
    data = {"password": NEW_PASSWORD}
    assert admin.post(f"/admin/users/{icb.id}/password", data=data).status_code == 404
    assert admin.post(f"/admin/users/{icb.id}/disable").status_code == 404
    with app.app_context():
        jo = store.find_user(store.get_db(), icb.email)
    assert not jo.disabled and jo.password_hash == icb.password_hash


def test_administrators_cannot_reset_or_disable_themselves_from_the_users_page(app):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    with app.app_context():
        ada = store.find_user(store.get_db(), "ada@wirral.gov.uk")
    row = next(r for r in check_page(admin.get("/admin/users").text).select("tbody tr"))
    assert "You" in row.text and row.select_one("button") is None
    assert admin.post(f"/admin/users/{ada.id}/disable").status_code == 404
    assert admin.get(f"/admin/users/{ada.id}/password").status_code == 404


# ---------------------------------------------------------------- failed sign-ins
def test_failed_sign_ins_lock_the_account_and_say_how_long_to_wait(app):
    make_user(app)
    client = app.test_client()
    for _ in range(10):
        assert sign_in_form(client, password="a wrong guess").status_code == 200
    locked = sign_in_form(client)
    assert locked.status_code == 429
    message = normalize(check_page(locked.text).select_one(".govuk-error-summary").text)
    assert re.search(r"Wait 1[45] minutes, then try again", message), message
    # Another address cannot sign in as Alex either: the count is the account's.
    elsewhere = app.test_client()
    assert sign_in_form(elsewhere).status_code == 429


def test_successful_sign_ins_are_not_counted(app):
    make_user(app)
    for _ in range(15):
        signed_in_for_real(app)
    client = app.test_client()
    for _ in range(9):
        sign_in_form(client, password="a wrong guess")
    assert sign_in_form(client).headers["Location"] == "/assessments"


def test_failed_sign_ins_are_counted_by_every_worker(tmp_path):
    """Two app processes on one database file, as gunicorn's workers are, share the count."""
    config = {
        "TESTING": True,
        "DATABASE": str(tmp_path / "hiat.db"),
        "SECRET_KEY": "t",
        "WTF_CSRF_ENABLED": False,
    }
    first, second = create_app(dict(config)), create_app(dict(config))
    make_user(first)
    for attempt in range(10):
        worker = (first, second)[attempt % 2]
        sign_in_form(worker.test_client(), password="a wrong guess")
    assert sign_in_form(first.test_client()).status_code == 429
    assert sign_in_form(second.test_client()).status_code == 429


def test_many_failures_from_one_address_lock_that_address(app):
    for n in range(6):
        make_user(app, email=f"p{n}@wirral.gov.uk", name=f"Person {n}")
    client = app.test_client()
    for attempt in range(50):
        sign_in_form(client, email=f"p{attempt % 6}@wirral.gov.uk", password="wrong")
    assert sign_in_form(client, email="p5@wirral.gov.uk").status_code == 429


def test_a_wrong_current_password_counts_as_a_failed_sign_in(app):
    make_user(app)
    client = signed_in_for_real(app)
    data = {"current": "a wrong guess", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(10):
        assert client.post("/account/password", data=data).status_code == 200
    right = dict(data, current=PASSWORD)
    response = client.post("/account/password", data=right)
    assert response.status_code == 429
    assert "tried to sign in too many times" in response.text


# ---------------------------------------------------------------- where sign-in returns to
@pytest.mark.parametrize(
    "query",
    [
        "next=/%09/evil.example",  # a browser drops the tab: //evil.example
        "next=/%0d%0a/evil.example",
        "next=/%0D%0ASet-Cookie:x=1",
        "next=//evil.example",
        "next=/%5Cevil.example",
        "next=https://evil.example/",
        "next=/%00",
    ],
)
def test_sign_in_never_returns_to_another_site(app, query):
    make_user(app)
    response = app.test_client().post(
        f"/sign-in?{query}", data={"email": "alex@wirral.gov.uk", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/assessments"


def test_sign_in_returns_to_the_page_on_this_site_it_came_from(app):
    make_user(app)
    response = app.test_client().post(
        "/sign-in?next=/assessments/new%3Fx%3D1",
        data={"email": "alex@wirral.gov.uk", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/assessments/new?x=1"


# ---------------------------------------------------------------- first administrator
@pytest.fixture
def empty_app(tmp_path):
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "hiat.db"),
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
        }
    )


def issue_code(app) -> str:
    output = app.test_cli_runner().invoke(args=["create-admin"]).output
    return re.search(r"code=(\S+) ", output).group(1)


def first_admin(code: str, email: str = "kim@knowsley.gov.uk") -> dict[str, str]:
    return {
        "code": code,
        "organisation": "Knowsley Council",
        "name": "Kim Admin",
        "email": email,
        "password": PASSWORD,
        "confirm": PASSWORD,
    }


def test_setup_needs_the_code_that_create_admin_prints(empty_app):
    client = empty_app.test_client()
    page = check_page(client.post("/setup", data=first_admin("")).text)
    assert "Enter the set-up code" in page.select_one(".govuk-error-summary").text
    page = check_page(client.post("/setup", data=first_admin("guessed")).text)
    assert "The set-up code is not right" in page.select_one(".govuk-error-summary").text
    with empty_app.app_context():
        assert store.count_users(store.get_db()) == 0
    assert client.post("/setup", data=first_admin(issue_code(empty_app))).status_code == 302
    result = empty_app.test_cli_runner().invoke(args=["create-admin"])
    assert "There are accounts already" in result.output


def test_six_people_setting_up_at_once_make_one_administrator(empty_app):
    code = issue_code(empty_app)
    statuses = []

    def attempt(n: int) -> None:
        response = empty_app.test_client().post(
            "/setup", data=first_admin(code, email=f"admin{n}@knowsley.gov.uk")
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with empty_app.app_context():
        assert store.count_users(store.get_db()) == 1
    assert sorted(statuses).count(302) == 1


def test_a_setup_code_expires(empty_app):
    code = issue_code(empty_app)
    with empty_app.app_context():
        db = store.get_db()
        db.execute("UPDATE setup_tokens SET expires_at = ?", ["2000-01-01T00:00:00+00:00"])
        db.conn.commit()
    page = check_page(empty_app.test_client().post("/setup", data=first_admin(code)).text)
    assert "has expired" in page.text


# ---------------------------------------------------------------- audit log
def test_the_audit_log_shows_who_did_what_to_whom_and_from_where(app):
    make_user(app)
    sign_in_form(app.test_client(), password="a wrong guess")
    signed_in_for_real(app)
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    with app.app_context():
        alex_id = store.find_user(store.get_db(), "alex@wirral.gov.uk").id
    admin.post(f"/admin/users/{alex_id}/password", data={"password": NEW_PASSWORD})
    admin.post(f"/admin/users/{alex_id}/disable")
    page = check_page(admin.get("/admin/audit").text)
    rows = [[normalize(c.text) for c in r.select("td")] for r in page.select("tbody tr")]
    actions = [r[2] for r in rows]
    assert actions[:4] == ["User disabled", "Password reset", "Signed in", "Sign-in failed"]
    assert rows[0][1] == "ada@wirral.gov.uk" and rows[0][3] == "alex@wirral.gov.uk"
    assert rows[0][4] == "127.0.0.1"


def test_the_audit_log_shows_sharing_and_sign_off(app, example_for_approval):
    uid, approver = example_for_approval
    approver.post(f"/assessments/{uid}/sign-off", data={"job_title": "Director", "confirm": "yes"})
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    text = normalize(check_page(admin.get("/admin/audit").text).text)
    for action in ("Signed off", "Status changed from draft to in_review", "Shared"):
        assert action in text, action


def test_administrators_see_only_their_own_organisations_audit_log(app):
    make_user(app, email="jo@cheshireandmerseyside.nhs.uk", organisation="NHS Cheshire")
    sign_in_form(app.test_client(), email="jo@cheshireandmerseyside.nhs.uk", password="wrong")
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    page = check_page(admin.get("/admin/audit").text)
    assert "jo@cheshireandmerseyside.nhs.uk" not in page.text
    assert signed_in_client(app).get("/admin/audit").status_code == 404


@pytest.fixture
def example_for_approval(app):
    """The worked example, completed and in review, shared with an approver at the ICB."""
    author = signed_in_client(app)
    location = author.post("/worked-example/copy").headers["Location"]
    uid = re.search(r"/assessments/([0-9a-f]{32})", location).group(1)
    with app.app_context():
        db = store.get_db()
        assessment = store.get_assessment(db, uid)
        for section in wizard.sections(app.extensions["hiat"], assessment.values()):
            store.set_section_complete(db, uid, section.id, True)
    assert author.post(f"/assessments/{uid}/send-for-review").status_code == 302
    approver_user = make_user(
        app, email="dana@cheshireandmerseyside.nhs.uk", organisation="NHS C&M", role="approver"
    )
    author.post(
        f"/assessments/{uid}/share",
        data={"email": "dana@cheshireandmerseyside.nhs.uk", "role": "approver"},
    )
    return uid, sign_in(app.test_client(), approver_user)


# ---------------------------------------------------------------- request logs
def test_every_request_is_logged_as_one_json_line_with_its_request_id(client, caplog):
    logger = logging.getLogger("hiat.requests")
    logger.addHandler(caplog.handler)
    try:
        response = client.get("/assessments")
    finally:
        logger.removeHandler(caplog.handler)
    line = json.loads(caplog.records[-1].getMessage())
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert line["path"] == "/assessments" and line["status"] == 200
    assert line["method"] == "GET" and line["user"] is not None


def test_an_unexpected_error_shows_a_plain_page_with_a_reference(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "hiat.db"), "SECRET_KEY": "s" * 40})

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = check_page(response.text)
    assert "Sorry, there is a problem with the service" in page.text
    assert response.headers["X-Request-Id"] in page.select_one(".hiat-reference").text
    assert "RuntimeError" not in response.text


# ---------------------------------------------------------------- nothing typed is lost
def test_answers_typed_as_the_session_ended_are_saved_after_signing_in_again(app):
    make_user(app)
    client = signed_in_for_real(app)
    from tests.conftest import DETAILS, uid_from

    uid = uid_from(client.post("/assessments/new", data=DETAILS).headers["Location"])
    _age_sessions(app, seen=timedelta(minutes=45))
    typed = dict(DETAILS, details_summary="Forty minutes of careful writing.")
    ended = client.post(f"/assessments/{uid}/pages/details", data=typed)
    assert ended.status_code == 401
    page = check_page(ended.text)
    assert "Your answers are kept on this page" in normalize(page.text)
    form = page.select_one("main form")
    carried = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    assert carried["carry:details_summary"] == "Forty minutes of careful writing."

    # A wrong password first: the answers stay on the page.
    data = {**carried, "email": "alex@wirral.gov.uk", "password": "a wrong guess"}
    again = check_page(client.post(form["action"], data=data).text)
    assert again.select_one("input[name='carry:details_summary']") is not None

    data["password"] = PASSWORD
    resume = check_page(client.post(form["action"], data=data).text)
    assert normalize(resume.select_one("h1").text) == "Save the answers you typed"
    resume_form = resume.select_one("main form")
    assert resume_form["action"] == f"/assessments/{uid}/pages/details"
    fields = [(i["name"], i["value"]) for i in resume_form.select("input[type=hidden]")]
    assert client.post(resume_form["action"], data=dict(fields)).status_code == 302
    with app.app_context():
        saved = store.get_assessment(store.get_db(), uid)
    assert saved.values()["details_summary"] == "Forty minutes of careful writing."


def test_sessions_over_a_month_old_are_cleared_at_the_next_sign_in(app):
    make_user(app)
    signed_in_for_real(app).post("/sign-out")
    _age_sessions(app, seen=timedelta(days=31))
    signed_in_for_real(app)
    with app.app_context():
        assert store.get_db().execute("SELECT count(*) FROM sessions").fetchone()[0] == 1
