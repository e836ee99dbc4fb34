"""Right offers, right errors: people see only what they can do, and errors say how to fix them."""

from __future__ import annotations

import pytest

from hiat import store
from hiat.example import load_example
from tests.conftest import (
    DETAILS,
    QUESTIONS,
    check_page,
    loaded_version,
    normalize,
    signed_in_client,
)

IMPACT = "/assessments/{uid}/pages/impact"
RATING = "decision_impact_early_years"


def error_summary(page) -> list[tuple[str, str]]:
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None, "expected an error summary"
    return [(normalize(a.text), a["href"]) for a in summary.select("a")]


def rows(page) -> dict[str, object]:
    """Each check-answers row: its question, and its value cell."""
    return {
        normalize(row.dt.text): row.select_one(".govuk-summary-list__value")
        for row in page.select(".govuk-summary-list__row")
    }


# ---------------------------------------------------------------- check answers
def test_check_answers_error_lists_every_missing_answer_each_linking_to_its_field(
    new_assessment, pages
):
    uid = new_assessment()
    page = pages.post(
        f"/assessments/{uid}/sections/decision/check", {"completed": "yes"}, status=200
    )
    summary = error_summary(page)
    assert (
        "Select what you recommend",
        f"/assessments/{uid}/pages/decision?return=check#decision_option",
    ) in summary
    assert (
        "Enter the date when this assessment should be reviewed, for example 31 3 2028",
        f"/assessments/{uid}/pages/decision?return=check#decision_review_date-day",
    ) in summary
    assert len(summary) >= 2
    message = normalize(page.select_one("#completed-error").text)
    assert "Answer the questions listed at the top of the page" in message


def test_check_answers_error_links_land_on_a_field_that_exists(new_assessment, pages):
    uid = new_assessment()
    page = pages.post(
        f"/assessments/{uid}/sections/decision/check", {"completed": "yes"}, status=200
    )
    for _, href in error_summary(page):
        url, _, field_id = href.partition("#")
        assert pages.get(url).find(id=field_id) is not None, href


def test_check_answers_shows_enter_links_for_unanswered_questions(new_assessment, pages):
    uid = new_assessment()
    page = pages.get(f"/assessments/{uid}/sections/decision/check")
    value = rows(page)["What do you recommend?"]
    link = value.find("a")
    assert normalize(link.text) == "Select what you recommend"
    assert link["href"].endswith("/pages/decision?return=check#decision_option")
    assert "Not answered" not in page.text
    row = value.parent
    assert row.select_one(".govuk-summary-list__actions") is None
    assert "govuk-summary-list__row--no-actions" in row["class"]


def test_check_answers_shows_change_links_only_for_answered_questions(new_assessment, pages):
    uid = new_assessment()
    page = pages.get(f"/assessments/{uid}/sections/details/check")
    answered = rows(page)["What is the policy called?"]
    assert answered.find("a") is None
    change = answered.parent.select_one(".govuk-summary-list__actions a")
    assert normalize(change.text).startswith("Change")
    unanswered = rows(page)["When will the decision be made?"]
    assert normalize(unanswered.find("a").text) == "Enter decision date"


def test_check_answers_shows_not_answered_without_links_to_a_reader(app, new_assessment):
    uid = new_assessment()
    reader = signed_in_client(app, email="rey@wirral.gov.uk", name="Rey Reviewer", role="reviewer")
    page = check_page(reader.get(f"/assessments/{uid}/sections/decision/check").get_data(True))
    assert "Not answered" in page.text
    assert not page.select(".govuk-summary-list a")


# ---------------------------------------------------------------- impact ratings
def rating(**parts: str) -> dict[str, str]:
    return {f"{RATING}-{part}": value for part, value in parts.items()} | {"save": "continue"}


def test_rating_with_only_a_direction_asks_for_each_missing_part(new_assessment, pages):
    uid = new_assessment()
    page = pages.post(IMPACT.format(uid=uid), rating(direction="positive"), status=200)
    assert error_summary(page) == [
        ("Select the effect on the gap for best start in life", f"#{RATING}-gap"),
        ("Select the size of impact for best start in life", f"#{RATING}-magnitude"),
        ("Select your confidence in the rating for best start in life", f"#{RATING}-confidence"),
    ]
    assert normalize(page.select_one(f"#{RATING}-gap-error").text) == (
        "Error: Select the effect on the gap for best start in life"
    )


def test_partly_filled_rating_keeps_what_was_chosen(new_assessment, pages):
    uid = new_assessment()
    page = pages.post(
        IMPACT.format(uid=uid), rating(direction="negative", magnitude="large"), status=200
    )
    checked = {box["name"]: box["value"] for box in page.select("input[checked]")}
    assert checked[f"{RATING}-direction"] == "negative"
    assert checked[f"{RATING}-magnitude"] == "large"
    assert f"{RATING}-gap" not in checked


def test_whole_rating_is_saved(new_assessment, client, pages):
    uid = new_assessment()
    data = rating(direction="positive", gap="narrows", magnitude="small", confidence="high")
    pages.post(IMPACT.format(uid=uid), data)
    with client.application.app_context():
        saved = store.get_assessment(store.get_db(), uid).value(RATING)
    assert saved == {
        "direction": "positive",
        "gap": "narrows",
        "magnitude": "small",
        "confidence": "high",
    }


def test_rating_in_a_step_names_what_it_rates(new_assessment, pages):
    uid = new_assessment()
    page = pages.post(
        f"/assessments/{uid}/pages/early_years-step-4",
        {"p1_s4_wider_effects-gap": "widens", "save": "continue"},
        status=200,
    )
    texts = [text for text, _ in error_summary(page)]
    assert "Select the direction of impact for wider effects on children" in texts


def test_partial_rating_saved_for_later_is_listed_on_check_answers(new_assessment, pages):
    uid = new_assessment()
    data = rating(direction="positive") | {"save": "later"}
    pages.post(IMPACT.format(uid=uid), data)
    page = pages.post(f"/assessments/{uid}/sections/impact/check", {"completed": "yes"}, 200)
    assert (
        "Select the effect on the gap for best start in life",
        f"/assessments/{uid}/pages/impact?return=check#{RATING}-gap",
    ) in error_summary(page)


# ---------------------------------------------------------------- offers by role
def person(app, role: str):
    names = {"reviewer": "Rey Reviewer", "approver": "Abi Approver", "viewer": "Val Viewer"}
    return signed_in_client(app, email=f"{role}@wirral.gov.uk", name=names[role], role=role)


def text_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return normalize(check_page(response.get_data(as_text=True)).text)


@pytest.mark.parametrize("role", ["reviewer", "approver", "viewer"])
def test_people_who_are_not_authors_are_not_offered_author_actions(app, role):
    client = person(app, role)
    article = "an" if role == "approver" else "a"
    for url, what in (
        ("/", "start a new assessment"),
        ("/assessments", "start or import an assessment"),
        ("/worked-example", "copy this example into a new assessment"),
    ):
        text = text_of(client, url)
        assert "Start a new assessment" not in text, url
        assert "Import an assessment" not in text, url
        assert "Copy this example" not in text, url
        assert f"Only authors can {what}. You are {article} {role}" in text, url


def test_authors_are_offered_start_import_and_copy(client):
    assert "Start a new assessment" in text_of(client, "/")
    listing = text_of(client, "/assessments")
    assert "Start a new assessment" in listing and "Import an assessment from a file" in listing
    assert "Copy this example into a new assessment" in text_of(client, "/worked-example")
    assert "Only authors" not in listing


def test_signed_out_visitors_are_asked_to_sign_in_to_copy_the_example(app):
    page = check_page(app.test_client().get("/worked-example").get_data(as_text=True))
    assert page.find("button", string=lambda s: s and "Copy this example" in s) is None
    link = page.find("a", string="sign in")
    assert link["href"] == "/sign-in?next=/worked-example"


@pytest.mark.parametrize(
    ("role", "words"),
    [
        ("reviewer", "You are a reviewer"),
        ("approver", "You are an approver"),
        ("viewer", "You are a viewer"),
    ],
)
def test_task_list_names_the_role_with_the_right_article(app, new_assessment, role, words):
    uid = new_assessment()
    text = text_of(person(app, role), f"/assessments/{uid}")
    assert f"{words} on this assessment" in text
    assert "Share this assessment" not in text and "Archive this assessment" not in text


def test_viewer_is_not_offered_return_to_draft(app, new_assessment, client):
    uid = new_assessment()
    with app.app_context():
        store.set_status(store.get_db(), uid, store.DRAFT, store.IN_REVIEW, "Alex Author")
    assert "Return to draft" not in text_of(person(app, "viewer"), f"/assessments/{uid}")
    assert "Return to draft" in text_of(person(app, "reviewer"), f"/assessments/{uid}")
    assert "Return to draft" in text_of(client, f"/assessments/{uid}")


def test_archive_is_offered_only_for_a_draft(app, new_assessment, client):
    uid = new_assessment()
    assert "Archive this assessment" in text_of(client, f"/assessments/{uid}")
    with app.app_context():
        store.set_status(store.get_db(), uid, store.DRAFT, store.IN_REVIEW, "Alex Author")
    text = text_of(client, f"/assessments/{uid}")
    assert "Archive this assessment" not in text
    assert "Share this assessment" in text


def test_archived_assessments_offer_restore_only_to_authors(app, new_assessment, client):
    uid = new_assessment()
    client.post(f"/assessments/{uid}/archive")
    assert "Restore" in text_of(client, "/assessments/archived")
    text = text_of(person(app, "reviewer"), "/assessments/archived")
    assert "Restore" not in text
    assert "Only authors can restore an archived assessment. You are a reviewer" in text


# ---------------------------------------------------------------- history
STEP = "/assessments/{uid}/pages/early_years-step-2"


def save_idea(client, uid: str, text: str) -> None:
    url = STEP.format(uid=uid)
    data = {"p1_s2_benefit_first": text, "save": "continue"}
    data["lock_version"] = loaded_version(client, url)
    assert client.post(url, data=data).status_code == 302


def history_rows(client, uid: str) -> list[tuple[str, bool]]:
    page = check_page(client.get(f"/assessments/{uid}/history").get_data(as_text=True))
    return [
        (normalize(row.find_all("td")[1].text), row.find("form") is not None)
        for row in page.select("tbody tr")
        if "benefit first" in normalize(row.th.text)
    ]


def test_history_offers_restore_only_where_there_was_an_earlier_answer(new_assessment, client):
    uid = new_assessment()
    save_idea(client, uid, "First idea")
    assert history_rows(client, uid) == [("Not answered", False)]
    save_idea(client, uid, "Better idea")
    assert history_rows(client, uid) == [("First idea", True), ("Not answered", False)]


def test_restoring_a_first_save_is_refused(app, new_assessment, client):
    uid = new_assessment()
    save_idea(client, uid, "First idea")
    with app.app_context():
        change = store.list_changes(store.get_db(), uid)[0]
    assert client.post(f"/assessments/{uid}/history/{change.id}/restore").status_code == 404
    with app.app_context():
        kept = store.get_assessment(store.get_db(), uid).value("p1_s2_benefit_first")
    assert kept == "First idea"


def test_history_offers_no_restore_to_readers(app, new_assessment, client):
    uid = new_assessment()
    save_idea(client, uid, "First idea")
    save_idea(client, uid, "Better idea")
    assert [offered for _, offered in history_rows(person(app, "reviewer"), uid)] == [False, False]


# ---------------------------------------------------------------- decision-making body
def test_details_ask_for_the_decision_making_body_and_say_how(pages):
    data = dict(DETAILS, details_decision_body="  ")
    page = pages.post("/assessments/new", data, status=200)
    assert (
        "Enter the name of the board or committee that makes the final decision",
        "#details_decision_body",
    ) in error_summary(page)


def test_worked_example_names_its_decision_making_body(banks):
    example = load_example(QUESTIONS, banks)
    assert example.answers["details_decision_body"].strip()
    assert banks.questions["details_decision_body"].required


def test_check_answers_warns_of_a_negative_impact_with_no_action(new_assessment, client, pages):
    uid = new_assessment(("early_years",))
    client.post(
        f"/assessments/{uid}/pages/impact",
        data={
            "decision_impact_early_years-direction": "negative",
            "decision_impact_early_years-gap": "widens",
            "decision_impact_early_years-magnitude": "small",
            "decision_impact_early_years-confidence": "low",
            "save": "later",
        },
    )
    page = pages.get(f"/assessments/{uid}/sections/impact/check")
    warning = page.select_one(".govuk-warning-text")
    assert warning is not None
    assert "No action yet for a negative impact: Give every child the best start in life" in (
        " ".join(warning.text.split())
    )
