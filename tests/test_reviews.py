"""Reviews kept: authors review a signed revision, an approver signs it, and its outcome
happens; the next statement gives an update on the previous assessment."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from markdown_it import MarkdownIt

from hiat import reviews, store, tracking, transfer, wizard
from hiat.exports import to_docx
from hiat.statement import build_statement, render_markdown
from tests.conftest import check_page, normalize, signed_in_client
from tests.test_statement import filled_values, make_assessment
from tests.test_workflow import signed_team, team  # noqa: F401 (fixtures)

TODAY = dt.date.today()
NEXT_YEAR = TODAY + dt.timedelta(days=365)
HOSTILE = "# Heading?\n- list | cell <script>alert(1)</script> [link](javascript:x) *em*"


@pytest.fixture
def signed(signed_team):  # noqa: F811 (signed_team is imported)
    """The worked example's copy, signed off by the ICB approver."""
    return signed_team


def get(client, path: str, status: int = 200):
    reply = client.get(path)
    assert reply.status_code == status, (path, reply.status_code)
    return check_page(reply.get_data(as_text=True))


def link(page, text: str):
    return page.find("a", string=lambda s: s is not None and normalize(s) == text)


def complete_answers(page, outcome: str, evidence: str = "Readings fell by a third.") -> dict:
    """Every question of the review form answered: the first choice of each finding."""
    data: dict[str, str] = {}
    for radio in page.select('input[type="radio"][name^="finding_"]'):
        data.setdefault(radio["name"], radio["value"])
    for box in page.select('textarea[name^="finding_"]'):
        data[box["name"]] = evidence
    data |= {
        "actions_done": "most",
        "actions_note": "Two actions slipped to next year.",
        "lessons": "Insulation reached the coldest homes first.",
        "outcome": outcome,
        "next_review_date": f"{NEXT_YEAR.day} {NEXT_YEAR.month} {NEXT_YEAR.year}",
        "action": "finish",
    }
    return data


def drafted(signed, outcome: str, evidence: str = "Readings fell by a third.") -> str:
    """The author finishes a review with this outcome; returns the review's address."""
    uid, author, _, _ = signed
    page = get(author, f"/assessments/{uid}/reviews/new")
    reply = author.post(
        f"/assessments/{uid}/reviews/new", data=complete_answers(page, outcome, evidence)
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)[:2000]
    return reply.headers["Location"]


def sign(approver, review_address: str):
    return approver.post(
        f"{review_address}/sign", data={"job_title": "Director of Public Health", "confirm": "y"}
    )


# ---------------------------------------------------------------- pure functions
def test_predictions_are_the_signed_ratings_in_words(app, signed):
    uid, *_ = signed
    with app.app_context():
        signoff = store.list_signoffs(store.get_db(), uid)[-1]
    signed_copy = transfer.snapshot_assessment(signoff.snapshot, uid)
    predicted = reviews.predictions(app.extensions["hiat"], signed_copy)
    assert predicted
    directions = {o.label for o in app.extensions["hiat"].scales["direction"]}
    assert all(p.direction in directions | {reviews.NOT_RATED} for p in predicted)
    assert any(p.direction != reviews.NOT_RATED for p in predicted)


def test_a_review_is_incomplete_until_every_part_is_answered():
    finding = reviews.Finding("early_years", "Best start", "Positive", "Narrows the gap")
    review = reviews.Review(number=1, revision=1, findings=(finding,))
    assert list(reviews.problems(review, TODAY)) == [
        "finding_early_years_direction",
        "finding_early_years_gap",
        "finding_early_years_evidence",
        "actions_done",
        "outcome",
        "lessons",
    ]


def test_continuing_unchanged_needs_a_future_review_date():
    def problem(typed: str) -> str | None:
        return reviews.next_date_problem(typed, dt.date(2027, 1, 10))

    assert problem("") == "Enter the date of the next review, for example 30 6 2027"
    assert problem("31 2 2027") == (
        "Enter the date of the next review as a real date, for example 30 6 2027"
    )
    assert problem("10 1 2027") == "The date of the next review must be in the future"
    assert problem("11 1 2027") is None


def test_actions_are_counted_in_words():
    counts = {**{s: 0 for s in tracking.STATUSES}, "done": 2, "at_risk": 1, "overdue": 1}
    assert reviews.actions_sentence(counts) == "3 actions: 1 at risk, 2 done; 1 overdue."
    assert reviews.actions_sentence({}) == "The signed revision planned no actions."


def test_a_review_reads_the_same_after_a_round_trip_through_its_record():
    finding = reviews.Finding(
        "p", "Title", "Positive", "Narrows the gap", "negative", "widens", "Negative", "Widens"
    )
    review = reviews.Review(
        number=2,
        revision=1,
        findings=(finding,),
        actions={"done": 1},
        actions_done="all",
        lessons="Learnt",
        outcome=reviews.CHANGES,
        signed_name="Dee",
        signed_at="2027-01-01T10:00:00+00:00",
    )
    assert reviews.from_record(reviews.to_record(review)) == review


def test_continue_with_changes_starts_from_what_happened(app):
    banks = app.extensions["hiat"]
    question = reviews.impact_question(banks, "early_years")
    values = {
        question: {"direction": "positive", "gap": "narrows", "magnitude": "large"},
        f"{question}_reason": "Nursery places.",
    }
    finding = reviews.Finding(
        "early_years",
        "Best start",
        "Positive",
        "Narrows the gap",
        "neutral",
        "no_change",
        "Neutral",
        "No change to the gap",
        "Take-up was low.",
    )
    review = reviews.Review(1, 1, (finding,), lessons="Reach families sooner.")
    answers = reviews.prefill(banks, values, review)
    assert answers[question] == {"direction": "neutral", "gap": "no_change", "magnitude": "large"}
    assert answers[f"{question}_reason"] == (
        "The review of revision 1 found: Neutral; no change to the gap. Take-up was low."
        "\n\nEarlier: Nursery places."
    )
    assert answers["decision_reasons"] == (
        "What the review of revision 1 found: Reach families sooner."
    )


def _with_review(banks, text: str):
    finding = reviews.Finding(
        "early_years", text, "Positive", "Narrows the gap", "negative", "widens", text, text, text
    )
    record = reviews.to_record(
        reviews.Review(
            1,
            1,
            (finding,),
            actions={"done": 1},
            actions_done="all",
            actions_note=text,
            lessons=text,
            outcome=reviews.CHANGES,
            signed_name=text,
            signed_job_title="Director",
            signed_at="2027-03-01T10:00:00+00:00",
        )
    )
    assessment = make_assessment(banks, filled_values("Warm homes"))
    return assessment.__class__(**{**_fields(assessment), "previous_review": record})


def _fields(assessment) -> dict:
    return {name: getattr(assessment, name) for name in assessment.__dataclass_fields__}


def test_the_update_on_the_previous_assessment_keeps_hostile_text_literal(app):
    banks = app.extensions["hiat"]
    text = render_markdown(build_statement(_with_review(banks, HOSTILE), banks, TODAY))
    update = text[text.index("## Update on the previous assessment") :]
    update = update[: update.index("\n## ", 5)]
    tokens = MarkdownIt("commonmark").enable("table").parse(update)
    tags = {t.tag for t in tokens if t.tag}
    assert tags <= {"h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td"}
    headings = [t for t in tokens if t.type == "heading_open"]
    assert len(headings) == 4  # the section and its three parts; none from the user's text
    assert "<script>" not in update and "&lt;script>" in update
    rows = [line for line in update.splitlines() if line.startswith("| ")]
    assert all(row.count(" | ") == 3 for row in rows)  # four cells in every row


def test_the_update_on_the_previous_assessment_is_in_the_word_file(app):
    banks = app.extensions["hiat"]
    document = Document(
        io.BytesIO(to_docx(build_statement(_with_review(banks, HOSTILE), banks, TODAY)))
    )
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Update on the previous assessment" in headings
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert HOSTILE in cells  # Word gets the raw text, never the markdown-escaped text
    assert HOSTILE in [p.text for p in document.paragraphs]


# ---------------------------------------------------------------- as a user would
def test_an_author_drafts_a_review_with_an_error_first_and_nothing_is_lost(signed):
    uid, author, _, _ = signed
    task_list = get(author, f"/assessments/{uid}")
    form = get(author, link(task_list, "Start the review of revision 1")["href"])
    assert form.h1.text == "Review revision 1"
    data = complete_answers(form, reviews.CONTINUE)
    data["next_review_date"] = "31 2 2030"
    first_evidence = next(k for k in data if k.endswith("_evidence"))
    data[first_evidence] = ""
    reply = author.post(f"/assessments/{uid}/reviews/new", data=data)
    page = check_page(reply.get_data(as_text=True))
    assert page.title.text.startswith("Error: ")
    errors = [normalize(a.text) for a in page.select(".govuk-error-summary a")]
    assert len(errors) == 2
    assert errors[0].startswith("Say what evidence shows what happened for")
    assert errors[1] == "Enter the date of the next review as a real date, for example 30 6 2027"
    assert page.select_one(".govuk-error-summary a")["href"] == f"#{first_evidence}"
    # Saved as typed, even with the mistakes.
    again = get(author, f"/assessments/{uid}/reviews/new")
    assert again.select_one("#next_review_date")["value"] == "31 2 2030"
    assert again.select_one('input[name="outcome"][value="continue"]').has_attr("checked")
    data[first_evidence] = "Fuel poverty fell."
    data["next_review_date"] = "1 1 2020"
    page = check_page(author.post(f"/assessments/{uid}/reviews/new", data=data).text)
    assert [normalize(a.text) for a in page.select(".govuk-error-summary a")] == [
        "The date of the next review must be in the future"
    ]
    data["next_review_date"] = complete_answers(form, "continue")["next_review_date"]
    reply = author.post(f"/assessments/{uid}/reviews/new", data=data)
    assert reply.status_code == 302
    shown = get(author, reply.headers["Location"])
    assert "The review is finished" in normalize(shown.text)
    assert "Fuel poverty fell." in normalize(shown.text)


def test_save_and_come_back_later_keeps_a_half_done_review(signed):
    uid, author, _, _ = signed
    reply = author.post(
        f"/assessments/{uid}/reviews/new", data={"lessons": "So far so good.", "action": "save"}
    )
    assert reply.status_code == 302
    shown = get(author, reply.headers["Location"])
    assert "Before an approver can sign it, the review needs:" in normalize(shown.text)
    form = get(author, f"/assessments/{uid}/reviews/new")
    assert form.select_one("#lessons").text.strip() == "So far so good."


def test_only_authors_draft_reviews(signed):
    uid, _, reviewer, approver = signed
    assert reviewer.get(f"/assessments/{uid}/reviews/new").status_code == 403
    assert approver.get(f"/assessments/{uid}/reviews/new").status_code == 403


def test_a_review_waits_for_an_approver_and_a_reviewer_cannot_sign(signed):
    uid, _, reviewer, approver = signed
    address = drafted(signed, reviews.CONTINUE)
    assert sign(reviewer, address).status_code == 403
    page = get(approver, address)
    assert link(page, "Sign the review")


def test_continue_unchanged_keeps_it_approved_with_the_new_review_date(app, signed):
    uid, author, _, approver = signed
    address = drafted(signed, reviews.CONTINUE)
    form = get(approver, f"{address}/sign")
    assert "continue unchanged" in normalize(form.text)
    reply = sign(approver, address)
    assert reply.status_code == 302
    page = get(approver, reply.headers["Location"])
    assert f"its next review is due on {NEXT_YEAR.day} {NEXT_YEAR:%B %Y}" in normalize(page.text)
    assert "Signed by Dee Director (Director of Public Health)" in normalize(page.text)
    task_list = get(author, f"/assessments/{uid}")
    assert normalize(task_list.select_one(".hiat-status").text) == "Approved"
    assert "(revision 1)" in normalize(task_list.text)
    with app.app_context():
        assessment = store.get_assessment(store.get_db(), uid)
    assert assessment.value("decision_review_date") == NEXT_YEAR.isoformat()
    # Signed: it cannot be signed again or changed.
    assert sign(approver, address).status_code == 423
    assert "Sign the review" not in normalize(get(approver, address).text)


def test_continue_with_changes_starts_a_prefilled_revision_and_the_next_statement_says_so(
    app, signed
):
    uid, author, _, approver = signed
    address = drafted(signed, reviews.CHANGES, evidence="Cold homes <b>fell</b> | by 10%")
    reply = sign(approver, address)
    assert reply.headers["Location"].endswith(f"/assessments/{uid}")
    task_list = get(approver, reply.headers["Location"])
    assert normalize(task_list.select_one(".hiat-status").text) == "Draft"
    assert "(revision 2)" in normalize(task_list.text)
    assert "Revision 2 has started as a draft, filled in with what the review found" in (
        normalize(task_list.text)
    )
    with app.app_context():
        assessment = store.get_assessment(store.get_db(), uid)
    assert "Insulation reached the coldest homes first." in assessment.value("decision_reasons")
    markdown = author.get(f"/assessments/{uid}/statement.md").get_data(as_text=True)
    assert "## Update on the previous assessment" in markdown
    assert "Review of revision 1 signed by Dee Director, Director of Public Health" in markdown
    assert "Outcome of the review: Continue with changes." in markdown
    assert "Cold homes &lt;b>fell&lt;/b> \\| by 10%" in markdown
    document = Document(io.BytesIO(author.get(f"/assessments/{uid}/statement.docx").data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Update on the previous assessment" in headings
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "Cold homes <b>fell</b> | by 10%" in cells


def test_the_signed_next_revision_keeps_the_update_in_its_downloads(app, signed):
    uid, author, _, approver = signed
    sign(approver, drafted(signed, reviews.CHANGES))
    with app.app_context():
        banks = app.extensions["hiat"]
        assessment = store.get_assessment(store.get_db(), uid)
        for section in wizard.sections(banks, assessment.values()):
            store.set_section_complete(store.get_db(), uid, section.id, True)
    author.post(f"/assessments/{uid}/send-for-review")
    reply = approver.post(
        f"/assessments/{uid}/sign-off", data={"job_title": "Director", "confirm": "y"}
    )
    assert reply.status_code == 302
    markdown = author.get(f"/assessments/{uid}/revisions/2/statement.md").get_data(as_text=True)
    assert "## Update on the previous assessment" in markdown
    first = author.get(f"/assessments/{uid}/revisions/1/statement.md").get_data(as_text=True)
    assert "Update on the previous assessment" not in first


def test_stop_the_policy_records_it_as_stopped_and_deletes_nothing(app, signed):
    uid, author, reviewer, approver = signed
    address = drafted(signed, reviews.STOP)
    reply = sign(approver, address)
    assert reply.status_code == 302
    page = get(approver, reply.headers["Location"])
    assert "The policy is recorded as stopped. Nothing has been deleted." in normalize(page.text)
    task_list = get(author, f"/assessments/{uid}")
    assert normalize(task_list.select_one(".hiat-status").text) == "Stopped"
    assert link(task_list, "Track the actions of revision 1")
    assert not link(task_list, "Start the review of revision 1")
    assert link(task_list, "Review of revision 1")  # the signed review, kept
    assert author.get(f"/assessments/{uid}/revisions/1/statement.md").status_code == 200
    assert author.get(f"/assessments/{uid}/reviews/new").status_code == 423
    register = get(author, "/assessments?status=stopped")
    rows = [normalize(r.text) for r in register.select("tbody tr")]
    assert len(rows) == 1 and "Stopped" in rows[0]
    # Still a signed record that others read, as before, with its signed review.
    other = signed_in_client(
        app, email="sam@halton.gov.uk", organisation="Halton Council", name="Sam"
    )
    assert other.get(f"/assessments/{uid}").status_code == 200
    assert other.get(address).status_code == 200


def test_a_draft_review_is_not_shown_outside_those_working_on_it(app, signed):
    uid, author, reviewer, approver = signed
    address = drafted(signed, reviews.CONTINUE)
    other = signed_in_client(
        app, email="sam@halton.gov.uk", organisation="Halton Council", name="Sam"
    )
    assert other.get(f"/assessments/{uid}").status_code == 200  # signed off: a public record
    assert other.get(address).status_code == 404
    assert other.get(f"{address}/sign").status_code == 403
    for person in (author, reviewer, approver):
        assert person.get(address).status_code == 200


def test_the_drafter_cannot_sign_their_own_review(signed):
    uid, author, _, approver = signed
    # The approver drafts it while shared as an author, then is made an approver again.
    author.post(
        f"/assessments/{uid}/share",
        data={"email": "dee@cheshireandmerseyside.nhs.uk", "role": "author"},
    )
    form = get(approver, f"/assessments/{uid}/reviews/new")
    reply = approver.post(
        f"/assessments/{uid}/reviews/new", data=complete_answers(form, reviews.CONTINUE)
    )
    address = reply.headers["Location"]
    author.post(
        f"/assessments/{uid}/share",
        data={"email": "dee@cheshireandmerseyside.nhs.uk", "role": "approver"},
    )
    page = get(approver, f"{address}/sign", status=403)
    assert "You cannot sign this review because you drafted or changed it" in normalize(page.text)
    assert sign(approver, address).status_code == 403
    assert normalize(get(author, f"/assessments/{uid}").select_one(".hiat-status").text) in (
        "Approved",
        "Review due",
    )


def test_an_unfinished_review_cannot_be_signed(signed):
    uid, author, _, approver = signed
    reply = author.post(f"/assessments/{uid}/reviews/new", data={"action": "save"})
    page = get(approver, f"{reply.headers['Location']}/sign", status=409)
    assert "This review is not finished yet" in normalize(page.text)


# ---------------------------------------------------------------- overdue reviews
def _review_due_on(app, uid: str, day: dt.date) -> None:
    with app.app_context():
        banks = app.extensions["hiat"]
        question = banks.questions["decision_review_date"]
        store.save_answers(
            store.get_db(),
            uid,
            [store.NewAnswer(question.id, day.isoformat(), question.label)],
            page="test",
            bank_version=banks.version,
        )


def test_overdue_reviews_show_on_the_start_page_of_people_with_a_role(app, signed):
    uid, author, reviewer, approver = signed
    _review_due_on(app, uid, TODAY - dt.timedelta(days=3))
    for person in (author, reviewer, approver):
        page = get(person, "/")
        panel = page.select_one(".hiat-reviews-due")
        assert panel is not None
        assert "1 review overdue" in normalize(panel.text)
        assert panel.find("a", string=lambda s: s and "Green" in s) or panel.select("a")
    link = get(author, "/").select_one(".hiat-reviews-due a")["href"]
    assert link == f"/assessments/{uid}/reviews/new"
    # Someone in another organisation may read the signed assessment but has no role on it.
    other = signed_in_client(
        app, email="sam@halton.gov.uk", organisation="Halton Council", name="Sam"
    )
    assert get(other, "/").select_one(".hiat-reviews-due") is None


def test_reviews_due_soon_show_apart_from_overdue_ones(app, signed):
    uid, author, _, _ = signed
    _review_due_on(app, uid, TODAY + dt.timedelta(days=10))
    panel = get(author, "/").select_one(".hiat-reviews-due")
    assert "Due in the next 30 days" in normalize(panel.text)
    assert "overdue" not in normalize(panel.text)


def test_the_register_counts_overdue_reviews_and_links_to_them(app, signed):
    uid, author, _, _ = signed
    assert get(author, "/assessments").select_one(".hiat-overdue") is None
    _review_due_on(app, uid, TODAY - dt.timedelta(days=3))
    panel = get(author, "/assessments").select_one(".hiat-overdue")
    assert normalize(panel.h2.text) == "1 review overdue"
    listing = get(author, panel.a["href"])
    rows = [normalize(r.text) for r in listing.select("tbody tr")]
    assert len(rows) == 1 and "Review overdue" in rows[0]
    # Someone who cannot see the assessment is not told about it.
    stranger = signed_in_client(
        app, email="sam@halton.gov.uk", organisation="Halton Council", name="Sam"
    )
    with app.app_context():
        store.start_revision(store.get_db(), uid, "test")  # a draft: no longer public
    assert get(stranger, "/assessments").select_one(".hiat-overdue") is None


def test_the_start_page_still_works_signed_out(client):
    page = get(client, "/")
    assert page.select_one(".hiat-reviews-due") is None


def test_the_cumulative_report_counts_a_stopped_policy_as_signed_off(signed):
    uid, author, _, approver = signed
    sign(approver, drafted(signed, reviews.STOP))
    report = author.get("/assessments/cumulative.md?status=stopped").get_data(as_text=True)
    assert "1 decision, stopped after review" in report
    assert "Every decision in it is approved." in report


def test_a_review_shows_its_next_review_date_as_people_read_it():
    review = reviews.Review(number=1, revision=1, outcome="continue", next_review_date="3 12 2027")
    assert review.next_review_words == "3 December 2027"
    signed = reviews.Review(number=1, revision=1, next_review_date="2027-12-03")
    assert signed.next_review_words == "3 December 2027"
    assert reviews.Review(number=1, revision=1).next_review_words == ""
