"""Two officers of one council and an approver at the ICB take an assessment to sign-off."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from hiat import store, wizard
from hiat.example import load_example
from tests.conftest import (
    QUESTIONS,
    check_page,
    loaded_version,
    normalize,
    signed_in_client,
    uid_from,
)


@pytest.fixture
def team(app):
    """An author and a reviewer at Wirral Council, an approver at the ICB, and an assessment
    copied from the worked example with every section marked complete."""
    author = signed_in_client(app)
    reviewer = signed_in_client(
        app, email="rey@wirral.gov.uk", name="Rey Reviewer", role="reviewer"
    )
    approver = signed_in_client(
        app,
        email="dee@cheshireandmerseyside.nhs.uk",
        name="Dee Director",
        role="approver",
        organisation="NHS Cheshire and Merseyside",
    )
    uid = uid_from(author.post("/worked-example/copy").headers["Location"])
    banks = app.extensions["hiat"]
    example = load_example(QUESTIONS, banks)
    for section in wizard.sections(banks, example.answers):
        author.post(f"/assessments/{uid}/sections/{section.id}/check", data={"completed": "yes"})
    author.post(
        f"/assessments/{uid}/share",
        data={"email": "dee@cheshireandmerseyside.nhs.uk", "role": "approver"},
    )
    return uid, author, reviewer, approver


@pytest.fixture
def signed_team(app, team):
    """The team's assessment sent for review and signed off by the ICB approver."""
    uid, author, reviewer, approver = team
    author.post(f"/assessments/{uid}/send-for-review")
    reply = approver.post(
        f"/assessments/{uid}/sign-off",
        data={"job_title": "Director of Public Health", "confirm": "y"},
    )
    assert reply.status_code == 302
    return uid, author, reviewer, approver


def status_of(client, uid) -> str:
    page = check_page(client.get(f"/assessments/{uid}").get_data(as_text=True))
    return normalize(page.select_one(".hiat-status").text)


def test_an_unfinished_assessment_cannot_be_sent_for_review(client, new_assessment):
    uid = new_assessment()
    client.post(f"/assessments/{uid}/send-for-review")
    page = check_page(client.get(f"/assessments/{uid}").get_data(as_text=True))
    assert "Mark every section as completed" in page.text
    assert status_of(client, uid) == "Draft"


def test_review_comments_and_sign_off_lock_the_assessment(app, team):
    uid, author, reviewer, approver = team
    assert author.post(f"/assessments/{uid}/send-for-review").status_code == 302
    assert status_of(author, uid) == "In review"
    # Answers are locked while in review.
    assert author.get(f"/assessments/{uid}/pages/details").status_code == 423

    reviewer.post(
        f"/assessments/{uid}/sections/details/comments",
        data={"text": "Name the decision body in full."},
    )
    check = check_page(
        author.get(f"/assessments/{uid}/sections/details/check").get_data(as_text=True)
    )
    assert "Name the decision body in full." in check.text and "Rey Reviewer" in check.text
    resolve = check.select_one("form[action*='/resolve']")["action"]
    assert reviewer.post(resolve).status_code == 403
    assert author.post(resolve).status_code == 302
    assert "Resolved by Alex Author" in author.get(
        f"/assessments/{uid}/sections/details/check"
    ).get_data(as_text=True)

    # Only the approver can sign off, and must confirm the statement.
    assert reviewer.get(f"/assessments/{uid}/sign-off").status_code == 403
    refused = check_page(
        approver.post(
            f"/assessments/{uid}/sign-off", data={"job_title": "Director of Public Health"}
        ).get_data(as_text=True)
    )
    assert "Confirm the statement to sign off the assessment" in refused.text
    done = approver.post(
        f"/assessments/{uid}/sign-off",
        data={"job_title": "Director of Public Health", "confirm": "y"},
    )
    assert done.headers["Location"] == f"/assessments/{uid}/approved"
    confirmation = check_page(approver.get(done.headers["Location"]).get_data(as_text=True))
    assert "Assessment approved" in confirmation.h1.text
    assert status_of(author, uid) == "Approved"
    assert author.post(f"/assessments/{uid}/pages/details", data={}).status_code == 423

    statement = author.get(f"/assessments/{uid}/statement.md").get_data(as_text=True)
    assert "| Approved by | Dee Director |" in statement
    assert "| Job title | Director of Public Health |" in statement


def test_a_new_revision_keeps_the_signed_statement_as_it_was(app, team):
    uid, author, _, approver = team
    author.post(f"/assessments/{uid}/send-for-review")
    approver.post(
        f"/assessments/{uid}/sign-off",
        data={"job_title": "Director of Public Health", "confirm": "y"},
    )
    assert author.post(f"/assessments/{uid}/start-revision").status_code == 302
    assert status_of(author, uid) == "Draft"
    author.post(
        f"/assessments/{uid}/pages/details",
        data={
            "details_title": "Green Plan, revised",
            "details_organisation": "NHS C&M",
            "details_place": "cheshire_and_merseyside",
            "details_summary": "Revised after a year.",
            "details_decision_body": "Integrated Care Board",
            "details_kind": "strategy_plan",
            "save": "continue",
        },
    )

    signed = author.get(f"/assessments/{uid}/revisions/1/statement.md").get_data(as_text=True)
    assert "Cheshire and Merseyside Green Plan 2026 to 2030" in signed
    assert "Green Plan, revised" not in signed and "| Approved by | Dee Director |" in signed
    word = Document(io.BytesIO(author.get(f"/assessments/{uid}/revisions/1/statement.docx").data))
    assert word.paragraphs[0].text.startswith("Equity impact statement: Cheshire and Merseyside")
    assert signed.split("\n\n")[1].startswith("Approved by Dee Director, Director of Public")
    summary = author.get(f"/assessments/{uid}/revisions/1/summary.md").get_data(as_text=True)
    assert summary.startswith("# Board summary: Cheshire and Merseyside Green Plan 2026 to 2030")
    assert "Approved by Dee Director" in summary and "Not yet approved" not in summary
    signed_pdf = author.get(f"/assessments/{uid}/revisions/1/summary.pdf")
    assert signed_pdf.status_code == 200 and signed_pdf.data.startswith(b"%PDF")
    assert author.get(f"/assessments/{uid}/revisions/1/other.md").status_code == 404
    assert author.get(f"/assessments/{uid}/revisions/1/statement.exe").status_code == 404

    compare = check_page(
        author.get(f"/assessments/{uid}/revisions/1/compare").get_data(as_text=True)
    )
    row = next(r for r in compare.select("tbody tr") if "What is the policy called?" in r.text)
    assert "Cheshire and Merseyside Green Plan 2026 to 2030" in row.text
    assert "Green Plan, revised" in row.text

    current = author.get(f"/assessments/{uid}/statement.md").get_data(as_text=True)
    assert "Not yet approved: draft" in current and "Approved by" not in current


def test_returning_to_draft_unlocks_the_answers(team):
    uid, author, reviewer, _ = team
    author.post(f"/assessments/{uid}/send-for-review")
    assert reviewer.post(f"/assessments/{uid}/return-to-draft").status_code == 302
    assert status_of(author, uid) == "Draft"
    assert author.get(f"/assessments/{uid}/pages/details").status_code == 200


def test_review_is_due_in_the_30_days_before_the_review_date_and_overdue_after_it():
    today = dt.date(2028, 4, 1)
    assert wizard.status_label("approved", "2028-03-31", today) == "Review overdue"
    assert wizard.status_label("approved", "2028-04-01", today) == "Review due"
    assert wizard.status_label("approved", "2028-05-01", today) == "Review due"
    assert wizard.status_label("approved", "2028-05-02", today) == "Approved"
    assert wizard.status_label("in_review", "2020-01-01", today) == "In review"
    assert wizard.status_label("draft", None, today) == "Draft"


def test_history_records_who_changed_each_answer(app, team):
    uid, author, _, _ = team
    with app.app_context():
        db = store.get_db()
        version = store.get_assessment(db, uid).page_version("details")
    author.post(
        f"/assessments/{uid}/pages/details",
        data={
            "details_title": "Renamed plan",
            "details_organisation": "NHS C&M",
            "details_place": "cheshire_and_merseyside",
            "details_summary": "Summary.",
            "details_decision_body": "Integrated Care Board",
            "details_kind": "strategy_plan",
            "lock_version": str(version),
            "save": "continue",
        },
    )
    page = check_page(author.get(f"/assessments/{uid}/history").get_data(as_text=True))
    first = normalize(page.select_one("tbody tr").text)
    assert "Alex Author" in first


def test_two_signed_revisions_can_be_compared(app, team):
    uid, author, _, approver = team
    for title in ("First approved title", "Second approved title"):
        if "Second" in title:
            author.post(f"/assessments/{uid}/start-revision")
            with app.app_context():
                banks = app.extensions["hiat"]
                for section in wizard.sections(
                    banks, store.get_assessment(store.get_db(), uid).values()
                ):
                    author.post(
                        f"/assessments/{uid}/sections/{section.id}/check", data={"completed": "yes"}
                    )
        author.post(
            f"/assessments/{uid}/pages/details",
            data={
                "lock_version": loaded_version(author, f"/assessments/{uid}/pages/details"),
                "details_title": title,
                "details_organisation": "NHS C&M",
                "details_place": "cheshire_and_merseyside",
                "details_summary": "Summary.",
                "details_decision_body": "Integrated Care Board",
                "details_kind": "strategy_plan",
                "save": "later",
            },
        )
        author.post(f"/assessments/{uid}/send-for-review")
        approver.post(
            f"/assessments/{uid}/sign-off",
            data={"job_title": "Director of Public Health", "confirm": "y"},
        )
    page = check_page(
        author.get(f"/assessments/{uid}/revisions/1/compare?with=2").get_data(as_text=True)
    )
    assert "Changes between revision 1 and revision 2" in page.h1.text
    row = next(r for r in page.select("tbody tr") if "What is the policy called?" in r.text)
    assert "First approved title" in row.text and "Second approved title" in row.text
    assert author.get(f"/assessments/{uid}/revisions/1/compare?with=9").status_code == 404


def test_authors_can_share_while_the_assessment_is_in_review(app, team):
    uid, author, _, _ = team
    author.post(f"/assessments/{uid}/send-for-review")
    signed_in_client(app, email="pat@knowsley.gov.uk", name="Pat", organisation="Knowsley")
    response = author.post(
        f"/assessments/{uid}/share", data={"email": "pat@knowsley.gov.uk", "role": "viewer"}
    )
    assert response.status_code == 302


def test_the_list_shows_each_assessments_status_and_when_review_is_due(app, team):
    uid, author, _, approver = team
    author.post(f"/assessments/{uid}/send-for-review")
    approver.post(
        f"/assessments/{uid}/sign-off",
        data={"job_title": "Director of Public Health", "confirm": "y"},
    )
    for review_date, shown in (("9999-12-31", "Approved"), ("2000-01-01", "Review overdue")):
        with app.app_context():
            # Saved as a new revision's answers would be, so the register reads it too.
            store.save_answers(
                store.get_db(),
                uid,
                [store.NewAnswer("decision_review_date", review_date, "Review date")],
                page="decision",
                bank_version="test",
            )
        page = check_page(author.get("/assessments").get_data(as_text=True))
        assert shown in page.select_one("tbody tr").text


# ---------------------------------------------------------------- roles that hold
def test_a_shared_author_cannot_make_themselves_approver_and_sign_off(app, team):
    """The path a security tester found: an author from another organisation, shared in,
    re-shares the assessment to themselves as approver, then signs it off."""
    uid, author, _reviewer, _approver = team
    outsider = signed_in_client(
        app, email="oli@sefton.gov.uk", name="Oli Outsider", organisation="Sefton Council"
    )
    author.post(f"/assessments/{uid}/share", data={"email": "oli@sefton.gov.uk", "role": "author"})
    # Not to themselves, in any role.
    page = check_page(
        outsider.post(
            f"/assessments/{uid}/share", data={"email": "oli@sefton.gov.uk", "role": "approver"}
        ).get_data(as_text=True)
    )
    assert "You cannot change your own access" in page.text
    # Nor approver for anyone: only the owning organisation grants that.
    page = check_page(
        outsider.post(
            f"/assessments/{uid}/share",
            data={"email": "rey@wirral.gov.uk", "role": "approver"},
        ).get_data(as_text=True)
    )
    assert "Only an author or administrator of the organisation that owns" in page.text
    with app.app_context():
        roles = {user.email: role for user, role in store.list_shares(store.get_db(), uid)}
    assert roles["oli@sefton.gov.uk"] == "author"
    assert outsider.post(f"/assessments/{uid}/send-for-review").status_code == 302
    assert outsider.get(f"/assessments/{uid}/sign-off").status_code == 403


def test_an_approver_who_changed_answers_in_this_revision_cannot_sign_it_off(app, team):
    uid, author, _reviewer, _approver = team
    # An author at the ICB, shared in as author, edits; then the owner makes them approver.
    editor = signed_in_client(
        app,
        email="eve@cheshireandmerseyside.nhs.uk",
        name="Eve Editor",
        organisation="NHS Cheshire and Merseyside",
    )
    author.post(
        f"/assessments/{uid}/share",
        data={"email": "eve@cheshireandmerseyside.nhs.uk", "role": "author"},
    )
    editor.post(
        f"/assessments/{uid}/pages/details",
        data={**_details(app, uid), "details_lead_officer": "Eve Editor", "save": "later"},
    )
    author.post(
        f"/assessments/{uid}/share",
        data={"email": "eve@cheshireandmerseyside.nhs.uk", "role": "approver"},
    )
    assert author.post(f"/assessments/{uid}/send-for-review").status_code == 302
    response = editor.get(f"/assessments/{uid}/sign-off")
    assert response.status_code == 403
    page = check_page(response.get_data(as_text=True))
    assert "You cannot sign off this revision because you changed its answers" in page.text
    refused = editor.post(
        f"/assessments/{uid}/sign-off", data={"job_title": "Head of Estates", "confirm": "y"}
    )
    assert refused.status_code == 403
    assert status_of(author, uid) == "In review"


def _details(app, uid) -> dict:
    with app.app_context():
        assessment = store.get_assessment(store.get_db(), uid)
    keys = ("details_title", "details_organisation", "details_place", "details_summary")
    keys += ("details_kind", "details_decision_body")
    return {key: assessment.value(key) for key in keys}
