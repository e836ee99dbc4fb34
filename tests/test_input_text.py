"""Text that cannot misbehave on the way in: blank is empty, unreadable bytes are refused,
line breaks are LF, and a wrong choice names its question."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest

from hiat import store
from tests.conftest import DETAILS, PASSWORD, check_page, normalize, signed_in_client, uid_from

# Spaces, non-breaking spaces and zero-width characters: nothing a reader can see.
INVISIBLE = " \u00a0\u200b\u2060\ufeff\u00a0 "
UNREADABLE = "contains characters that could not be read. Retype it or paste it as plain text"
FORM = "application/x-www-form-urlencoded"
LEAD_OFFICER = "Who is the lead officer for this assessment?"


def error_summary(page) -> list[str]:
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None, "expected an error summary"
    return [normalize(a.text) for a in summary.select("a")]


def saved(app, uid: str) -> store.Assessment:
    return store.get_assessment(store.open_db(app.config["DATABASE"]), uid)


def raw_body(data: dict, *extra: str) -> bytes:
    """A form body as a browser sends it, plus pairs already percent-encoded by hand."""
    return "&".join([urlencode(data, doseq=True), *extra]).encode("ascii")


def multipart_body(fields: dict[str, bytes], boundary: str = "hiatboundary") -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


# ---------------------------------------------------------------- blank is empty
def test_answer_of_only_spaces_counts_as_not_answered(app, client):
    response = client.post("/assessments/new", data=dict(DETAILS, details_lead_officer=INVISIBLE))
    assert response.status_code == 302
    assessment = saved(app, uid_from(response.headers["Location"]))
    assert assessment.value("details_lead_officer") is None
    assert assessment.value("details_title") == DETAILS["details_title"]


def test_required_answer_of_only_spaces_gets_its_required_message(pages):
    page = pages.post("/assessments/new", dict(DETAILS, details_title=INVISIBLE), status=200)
    assert "Enter the name of the policy" in error_summary(page)


def test_answers_are_trimmed_and_textarea_line_breaks_are_kept_as_lf(app, client):
    summary = "\u00a0 First line\r\nSecond line\rThird line\n\nLast  "
    data = dict(DETAILS, details_title="  Green Plan\u00a0", details_summary=summary)
    response = client.post("/assessments/new", data=data)
    assessment = saved(app, uid_from(response.headers["Location"]))
    assert assessment.value("details_title") == "Green Plan"
    assert assessment.value("details_summary") == "First line\nSecond line\nThird line\n\nLast"


def test_a_row_whose_cells_are_all_blank_is_no_row(app, client, new_assessment):
    uid = new_assessment()
    url = f"/assessments/{uid}/pages/early_years-step-2"
    response = client.post(
        url,
        data={
            "p1_s2_actions-0-action": "Insulate homes ",
            "p1_s2_actions-1-action": INVISIBLE,
            "p1_s2_actions-1-owner": "\u200b",
            "save": "continue",
        },
    )
    assert response.status_code == 302
    rows = saved(app, uid).value("p1_s2_actions")
    assert [row["action"] for row in rows] == ["Insulate homes"]


def test_a_date_of_invisible_characters_is_no_date(app, client):
    data = dict(DETAILS, details_decision_date=["\u200b", "\u00a0", " "])
    response = client.post("/assessments/new", data=data)
    assert response.status_code == 302
    assert saved(app, uid_from(response.headers["Location"])).value("details_decision_date") is None


def test_user_name_of_only_spaces_is_refused_with_a_message(app):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    data = {
        "name": INVISIBLE,
        "email": "ivy@wirral.gov.uk",
        "organisation": "\u00a0\u00a0",
        "role": "reviewer",
        "password": PASSWORD,
    }
    page = check_page(admin.post("/admin/users", data=data).get_data(as_text=True))
    assert "Enter the person's name" in error_summary(page)
    assert "Enter the organisation, for example Wirral Council" in error_summary(page)
    with app.app_context():
        assert store.find_user(store.get_db(), "ivy@wirral.gov.uk") is None


def test_user_name_is_stored_trimmed(app):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    data = {
        "name": "\u00a0Ivy Reviewer ",
        "email": " ivy@wirral.gov.uk\u00a0",
        "organisation": "Wirral Council ",
        "role": "reviewer",
        "password": PASSWORD,
    }
    assert admin.post("/admin/users", data=data).status_code == 302
    with app.app_context():
        ivy = store.find_user(store.get_db(), "ivy@wirral.gov.uk")
    assert (ivy.name, ivy.organisation) == ("Ivy Reviewer", "Wirral Council")


def test_first_run_set_up_refuses_a_name_of_only_spaces(tmp_path):
    from hiat import create_app

    fresh = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "hiat.db"),
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
        },
        instance_path=str(tmp_path / "instance"),
    )
    data = {
        "organisation": "Wirral Council",
        "name": "\u200b \u200b",
        "email": "\u00a0",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    page = check_page(fresh.test_client().post("/setup", data=data).get_data(as_text=True))
    assert "Enter your name" in error_summary(page)
    assert "Enter an email address" in error_summary(page)


@pytest.fixture
def in_review(app, client, new_assessment):
    """An assessment in review, shared with an approver at the ICB; returns (uid, approver)."""
    uid = new_assessment()
    approver = signed_in_client(
        app,
        email="dee@cheshireandmerseyside.nhs.uk",
        name="Dee Director",
        role="approver",
        organisation="NHS Cheshire and Merseyside",
    )
    with app.app_context():
        db = store.get_db()
        store.share(db, uid, "dee@cheshireandmerseyside.nhs.uk", "approver")
        store.set_status(db, uid, store.DRAFT, store.IN_REVIEW, "Alex Author")
    return uid, approver


def test_sign_off_job_title_of_only_spaces_is_refused_with_a_message(app, in_review):
    uid, approver = in_review
    response = approver.post(
        f"/assessments/{uid}/sign-off", data={"job_title": INVISIBLE, "confirm": "y"}
    )
    page = check_page(response.get_data(as_text=True))
    assert "Enter your job title, for example Director of Public Health" in error_summary(page)
    with app.app_context():
        assert store.list_signoffs(store.get_db(), uid) == []


def test_sign_off_job_title_is_stored_trimmed(app, in_review):
    uid, approver = in_review
    data = {"job_title": "\u00a0Director of Public Health ", "confirm": "y"}
    assert approver.post(f"/assessments/{uid}/sign-off", data=data).status_code == 302
    with app.app_context():
        [signoff] = store.list_signoffs(store.get_db(), uid)
    assert signoff.job_title == "Director of Public Health"


def test_comment_of_only_spaces_is_refused_and_a_comment_keeps_its_line_breaks(
    app, client, new_assessment
):
    uid = new_assessment()
    url = f"/assessments/{uid}/sections/details/comments"
    refused = client.post(url, data={"text": INVISIBLE}, follow_redirects=True)
    assert "Enter a comment" in refused.get_data(as_text=True)
    client.post(url, data={"text": "Check the date.\r\nAnd the place.\r"})
    with app.app_context():
        comments = store.list_comments(store.get_db(), uid)
    assert [c.text for c in comments] == ["Check the date.\nAnd the place."]


def test_share_email_of_only_spaces_is_refused_with_a_message(client, new_assessment):
    uid = new_assessment()
    response = client.post(
        f"/assessments/{uid}/share", data={"email": INVISIBLE, "role": "reviewer"}
    )
    page = check_page(response.get_data(as_text=True))
    assert "Enter the email address of the person to share with" in error_summary(page)


# ---------------------------------------------------------------- unreadable bytes
def test_invalid_utf8_in_a_form_is_refused_naming_the_field(app, client):
    # "Café" sent as Latin-1: %E9 is not UTF-8.
    body = raw_body(DETAILS, "details_lead_officer=Caf%E9+Officer")
    response = client.post("/assessments/new", data=body, content_type=FORM)
    page = check_page(response.get_data(as_text=True))
    assert response.status_code == 200
    assert f"“{LEAD_OFFICER}” {UNREADABLE}" in error_summary(page)
    # The other answers are kept, and the box shows where the unreadable bytes were.
    assert page.select_one("#details_title")["value"] == DETAILS["details_title"]
    assert page.select_one("#details_lead_officer")["value"] == "Caf\ufffd Officer"
    with app.app_context():
        assert store.list_assessments(store.get_db()) == []


def test_typed_percent_ff_is_kept_as_typed(app, client):
    # A user who types "%FF" sends %25FF: that is readable text and is stored as typed.
    body = raw_body(DETAILS, "details_lead_officer=100%25FF+%C3%A9")
    response = client.post("/assessments/new", data=body, content_type=FORM)
    assert response.status_code == 302
    assessment = saved(app, uid_from(response.headers["Location"]))
    assert assessment.value("details_lead_officer") == "100%FF é"


def test_invalid_utf8_in_a_table_cell_is_refused_naming_the_column(app, client, new_assessment):
    uid = new_assessment()
    body = raw_body(
        {"p1_s2_actions-0-action": "Insulate homes", "save": "continue"},
        "p1_s2_actions-0-owner=Housing%FF%FE",
    )
    response = client.post(
        f"/assessments/{uid}/pages/early_years-step-2", data=body, content_type=FORM
    )
    page = check_page(response.get_data(as_text=True))
    assert response.status_code == 200
    assert any(message.endswith(UNREADABLE) for message in error_summary(page))
    assert page.select_one("#p1_s2_actions-0-action").text.strip() == "Insulate homes"
    assert "p1_s2_actions" not in saved(app, uid).answers


def test_invalid_utf8_in_a_multipart_form_is_refused_naming_the_field(client):
    fields = {name: value.encode() for name, value in DETAILS.items()}
    fields["details_lead_officer"] = b"Caf\xe9"
    response = client.post(
        "/assessments/new",
        data=multipart_body(fields),
        content_type="multipart/form-data; boundary=hiatboundary",
    )
    page = check_page(response.get_data(as_text=True))
    assert response.status_code == 200
    assert f"“{LEAD_OFFICER}” {UNREADABLE}" in error_summary(page)


def test_an_uploaded_file_is_left_to_the_importer(client):
    response = client.post(
        "/assessments/import", data={"file": (io.BytesIO(b'{"title": "Caf\xe9"}'), "a.json")}
    )
    assert UNREADABLE not in response.get_data(as_text=True)


def test_invalid_utf8_is_refused_with_csrf_on_too(csrf_client):
    html = csrf_client.get("/assessments/new").get_data(as_text=True)
    token = check_page(html).select_one("input[name=csrf_token]")["value"]
    body = raw_body(dict(DETAILS, csrf_token=token), "details_lead_officer=%FF")
    response = csrf_client.post("/assessments/new", data=body, content_type=FORM)
    page = check_page(response.get_data(as_text=True))
    assert response.status_code == 200
    assert f"“{LEAD_OFFICER}” {UNREADABLE}" in error_summary(page)


def test_invalid_utf8_in_a_user_name_is_refused_naming_the_field(app):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    data = {
        "email": "ivy@wirral.gov.uk",
        "organisation": "Wirral Council",
        "role": "reviewer",
        "password": PASSWORD,
    }
    response = admin.post("/admin/users", data=raw_body(data, "name=Iv%FF"), content_type=FORM)
    page = check_page(response.get_data(as_text=True))
    assert f"“Full name” {UNREADABLE}" in error_summary(page)


# ---------------------------------------------------------------- choices
def test_invalid_choice_message_names_the_question(pages):
    page = pages.post("/assessments/new", dict(DETAILS, details_place="atlantis"), status=200)
    messages = error_summary(page)
    assert "Choose one of the options for “Which place does the policy cover?”" in messages
    assert "Not a valid choice." not in page.text


def test_invalid_checkbox_message_names_the_question(new_assessment, pages, banks):
    uid = new_assessment()
    label = banks.questions["p1_s1_causes"].label
    page = pages.post(
        f"/assessments/{uid}/pages/early_years-step-1",
        {"p1_s1_causes": "made_up", "save": "later"},
        status=200,
    )
    assert f"Choose only from the options for “{label}”" in error_summary(page)
    assert "not a valid choice" not in page.text


def test_invalid_role_message_names_the_question(app, client, new_assessment):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    data = {
        "name": "Ivy",
        "email": "ivy@wirral.gov.uk",
        "organisation": "Wirral Council",
        "role": "owner",
        "password": PASSWORD,
    }
    page = check_page(admin.post("/admin/users", data=data).get_data(as_text=True))
    assert "Choose one of the options for “Role”" in error_summary(page)
    uid = new_assessment()
    response = client.post(
        f"/assessments/{uid}/share", data={"email": "ivy@wirral.gov.uk", "role": "owner"}
    )
    page = check_page(response.get_data(as_text=True))
    assert "Choose one of the options for “What can they do?”" in error_summary(page)
