"""Right offers, right errors: people see only what they can do, and errors say how to fix them."""

from __future__ import annotations

from hiat import store
from tests.conftest import check_page, normalize, signed_in_client

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
