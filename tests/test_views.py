"""What the user sees on each page: structure, errors they can fix, and nothing lost."""

from __future__ import annotations

import os
import sqlite3

import pytest

from hiat import store, wizard
from tests.conftest import (
    DETAILS,
    POPULATIONS,
    PRINCIPLES,
    check_page,
    loaded_version,
    normalize,
    screening_data,
    uid_from,
)


def error_summary(page) -> list[tuple[str, str]]:
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None, "expected an error summary"
    return [(normalize(a.text), a["href"]) for a in summary.select("a")]


@pytest.mark.parametrize("url", ["/", "/about", "/assessments", "/assessments/new"])
def test_start_pages_have_one_h1_and_a_matching_title(pages, url):
    pages.get(url)


def test_start_page_names_the_service_without_gov_uk_branding(pages):
    page = pages.get("/")
    assert "Health equity impact assessment" in page.title.text
    assert "GOV.UK" not in page.text
    assert page.select_one(".govuk-header__logo") is None


def test_unknown_pages_say_not_found(pages):
    pages.get("/assessments/0123", status=404)
    pages.get("/nowhere", status=404)


def test_missing_required_details_show_an_error_summary_and_keep_the_input(pages):
    data = dict(DETAILS, details_title="", details_lead_officer="Public Health Consultant")
    page = pages.post("/assessments/new", data, status=200)
    assert page.title.text.startswith("Error: Assessment details")
    assert ("Enter the name of the policy", "#details_title") in error_summary(page)
    assert page.select_one("#details_organisation")["value"] == DETAILS["details_organisation"]
    assert page.select_one("#details_lead_officer")["value"] == "Public Health Consultant"
    assert page.select_one("#details_place-10").has_attr("checked")


def test_save_and_come_back_later_saves_without_required_answers(client, pages):
    location = pages.post("/assessments/new", {"details_lead_officer": "Officer", "save": "later"})
    page = pages.get(location)
    assert "Your answers have been saved" in page.text
    assert normalize(page.h1.text) == "Untitled policy"


def test_too_long_answer_says_the_limit(pages):
    data = dict(DETAILS, details_title="x" * 201)
    page = pages.post("/assessments/new", data, status=200)
    message = "Your answer must be 200 characters or fewer. It has 201: shorten it by 1"
    assert (message, "#details_title") in error_summary(page)


def test_impossible_date_says_how_to_fix_it_and_shows_the_input_back(pages):
    data = dict(DETAILS, details_decision_date=["31", "2", "2027"])
    page = pages.post("/assessments/new", data, status=200)
    assert (
        "Enter a real date, for example 27 3 2027",
        "#details_decision_date-day",
    ) in error_summary(page)
    assert page.select_one("#details_decision_date-day")["value"] == "31"
    assert page.select_one("#details_decision_date-month")["value"] == "2"


def test_new_assessment_goes_to_check_answers_and_then_task_list(client, pages):
    location = pages.post("/assessments/new", DETAILS)
    assert location.endswith("/sections/details/check")
    page = pages.get(location)
    assert "Cheshire and Merseyside Green Plan" in page.text
    assert "All of Cheshire and Merseyside" in page.text
    uid = uid_from(location)
    assert pages.post(location, {"completed": "yes"}) == f"/assessments/{uid}"
    task_list = pages.get(f"/assessments/{uid}")
    assert "You have completed 1 of 4 sections." in normalize(task_list.text)


def test_save_and_mark_completed_on_a_sections_last_page_goes_on_to_the_next_section(pages):
    location = pages.post("/assessments/new", {**DETAILS, "save": "complete"})
    assert location.endswith("/pages/proportionality")
    uid = uid_from(location)
    page = pages.get(location)
    assert "Assessment details: completed." in normalize(page.text)
    task_list = pages.get(f"/assessments/{uid}")
    assert "You have completed 1 of 4 sections." in normalize(task_list.text)


def test_marking_a_section_completed_with_answers_missing_lists_each_one(new_assessment, pages):
    uid = new_assessment()
    # The screening section's last page is filled in, but not its proportionality page.
    url = f"/assessments/{uid}/pages/screening"
    data = {**screening_data(("early_years",)), "save": "complete"}
    data["lock_version"] = loaded_version(pages.client, url)
    location = pages.post(url, data)
    assert location.endswith("/sections/screening/check?complete=yes")
    page = pages.get(location)
    href = f"/assessments/{uid}/pages/proportionality?return=check#screening_scale"
    assert ("Select how big the decision is", href) in error_summary(page)
    # The four proportionality answers and the path, each with its own link.
    assert len(error_summary(page)) == 5
    task_list = pages.get(f"/assessments/{uid}")
    assert "You have completed 0 of" in normalize(task_list.text)


def test_a_reason_is_required_for_the_principles_left_out(new_assessment, pages):
    uid = new_assessment()
    data = screening_data(("early_years",))
    del data["screening_left_out_reason"]
    page = pages.post(f"/assessments/{uid}/pages/screening", data, status=200)
    assert (
        "Explain why the policy will not affect the principles you did not select",
        "#screening_left_out_reason",
    ) in error_summary(page)


def test_screening_adds_a_section_per_principle_to_the_task_list(new_assessment, pages):
    uid = new_assessment(("prevention", "fair_work"))
    page = pages.get(f"/assessments/{uid}")
    links = [normalize(a.text) for a in page.select(".govuk-task-list__link")]
    assert "Create fair employment and good work for all" in links
    assert "Strengthen the role and impact of ill health prevention" in links
    assert "Give every child the best start in life" not in links


def test_every_page_of_a_full_assessment_has_one_h1_and_a_matching_title(
    new_assessment, pages, banks
):
    uid = new_assessment(PRINCIPLES)
    values = {"screening_principles": list(PRINCIPLES), **POPULATIONS}
    all_sections = wizard.sections(banks, values)
    for section in all_sections:
        for page in section.pages:
            pages.get(f"/assessments/{uid}/pages/{page.id}")
        pages.get(f"/assessments/{uid}/sections/{section.id}/check")
    pages.get(f"/assessments/{uid}")
    pages.get(f"/assessments/{uid}/statement")


def test_page_titles_say_which_principle_a_step_belongs_to(new_assessment, pages):
    uid = new_assessment(("early_years", "fair_work"))
    first = pages.get(f"/assessments/{uid}/pages/early_years-step-1").title.text
    second = pages.get(f"/assessments/{uid}/pages/fair_work-step-1").title.text
    assert first != second
    assert "Best start in life" in first and "Fair work" in second


def test_question_pages_show_guidance_in_a_details_component(new_assessment, pages):
    uid = new_assessment()
    page = pages.get(f"/assessments/{uid}/pages/early_years-step-1")
    details = page.select("details.govuk-details")
    assert details and "Help with this question" in details[0].text
    assert "Why it matters." in details[0].text


def test_add_another_row_keeps_what_was_typed_and_saves_nothing(new_assessment, client, pages):
    uid = new_assessment()
    url = f"/assessments/{uid}/pages/early_years-step-2"
    page = pages.post(
        url,
        {
            "p1_s2_actions-0-action": "Insulate homes",
            "p1_s2_benefit_first": "By referral",
            "add": "p1_s2_actions",
        },
        status=200,
    )
    assert page.select_one("#p1_s2_actions-0-action").text == "Insulate homes"
    assert page.select_one("#p1_s2_actions-1-action") is not None
    assert page.select_one("#p1_s2_benefit_first").text == "By referral"
    saved = store.get_assessment(store.open_db(client.application.config["DATABASE"]), uid)
    assert "p1_s2_actions" not in saved.answers


def test_remove_row_drops_only_that_row(new_assessment, pages):
    uid = new_assessment()
    url = f"/assessments/{uid}/pages/early_years-step-2"
    page = pages.post(
        url,
        {
            "p1_s2_actions-0-action": "First",
            "p1_s2_actions-1-action": "Second",
            "p1_s2_actions-2-action": "Third",
            "remove": "p1_s2_actions-1",
        },
        status=200,
    )
    assert page.select_one("#p1_s2_actions-0-action").text == "First"
    assert page.select_one("#p1_s2_actions-1-action").text == "Third"
    assert page.select_one("#p1_s2_actions-2-action") is None


def test_rows_are_saved_and_empty_rows_dropped(new_assessment, client, pages):
    uid = new_assessment()
    url = f"/assessments/{uid}/pages/early_years-step-2"
    pages.post(
        url,
        {
            "p1_s2_actions-0-action": "Insulate",
            "p1_s2_actions-0-owner": "Housing",
            "p1_s2_actions-1-action": "",
            "save": "continue",
        },
    )
    page = pages.get(url)
    assert page.select_one("#p1_s2_actions-0-action").text == "Insulate"
    assert page.select_one("#p1_s2_actions-1-action") is None


def test_save_and_continue_moves_to_the_next_step_then_check_answers(new_assessment, pages):
    uid = new_assessment()
    base = f"/assessments/{uid}/pages/early_years-step-"
    assert pages.post(base + "1", {"save": "continue"}) == base + "2"
    assert pages.post(base + "4", {"save": "continue"}).endswith("/sections/early_years/check")


def test_enter_link_returns_to_check_answers(new_assessment, pages):
    uid = new_assessment()
    check = pages.get(f"/assessments/{uid}/sections/early_years/check")
    enter = check.select_one(".govuk-summary-list__value a")["href"]
    assert "return=check" in enter
    location = pages.post(enter.split("#")[0], {"p1_s1_settings": "yes", "save": "continue"})
    assert location == f"/assessments/{uid}/sections/early_years/check"
    page = pages.get(location)
    rows = {
        normalize(row.dt.text): normalize(row.select_one(".govuk-summary-list__value").text)
        for row in page.select(".govuk-summary-list__row")
    }
    assert rows["Does the policy touch places where young children spend time?"] == "Yes"


def test_section_cannot_be_marked_complete_with_a_required_answer_missing(new_assessment, pages):
    uid = new_assessment()
    page = pages.post(
        f"/assessments/{uid}/sections/decision/check", {"completed": "yes"}, status=200
    )
    assert error_summary(page)[0][0] == "Select what you recommend"


def test_check_answers_needs_a_choice(new_assessment, pages):
    uid = new_assessment()
    page = pages.post(f"/assessments/{uid}/sections/details/check", {}, status=200)
    assert error_summary(page) == [("Select whether you have completed this section", "#completed")]


def test_answers_to_retired_questions_are_shown_on_the_task_list(new_assessment, client, pages):
    uid = new_assessment()
    db = store.open_db(client.application.config["DATABASE"])
    store.save_answers(
        db,
        uid,
        [store.NewAnswer("p1_s1_retired", "Still here", "A question we stopped asking")],
        page="x",
        bank_version="old",
    )
    page = pages.get(f"/assessments/{uid}")
    assert "Answers to retired questions" in page.text
    assert "A question we stopped asking" in page.text and "Still here" in page.text


def test_statement_preview_and_download(new_assessment, client, pages):
    uid = new_assessment()
    pages.post(
        f"/assessments/{uid}/pages/early_years-step-1",
        {"p1_s1_causes_detail": "<script>alert(1)</script>", "save": "continue"},
    )
    page = pages.get(f"/assessments/{uid}/statement")
    preview = page.select_one(".hiat-statement")
    assert preview.find("script") is None
    assert "<script>alert(1)</script>" in preview.text
    assert preview.find("h2").text.startswith("Equity impact statement")
    assert "Not yet approved: draft" in preview.text
    response = client.get(f"/assessments/{uid}/statement.md")
    assert response.mimetype == "text/markdown"
    assert (
        f"equity-impact-statement-cheshire-and-merseyside-green-plan-{uid[:8]}.md"
        in response.headers["Content-Disposition"]
    )
    assert "&lt;script>alert(1)&lt;/script>" in response.get_data(as_text=True)


def test_list_of_assessments_links_to_each_task_list(new_assessment, pages):
    uid = new_assessment()
    page = pages.get("/assessments")
    link = page.select_one("tbody a")
    assert link["href"] == f"/assessments/{uid}"
    assert normalize(link.text) == DETAILS["details_title"]


def test_a_locked_database_says_nothing_was_saved_and_keeps_the_answers(
    new_assessment, client, monkeypatch
):
    uid = new_assessment()
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 50)
    blocker = sqlite3.connect(client.application.config["DATABASE"])
    blocker.execute("BEGIN IMMEDIATE")
    try:
        response = client.post(
            f"/assessments/{uid}/pages/early_years-step-1",
            data={"p1_s1_settings": "yes", "save": "continue"},
        )
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503
    page = check_page(response.get_data(as_text=True))
    assert normalize(page.select_one(".govuk-error-summary__title").text) == "Nothing was saved"
    assert page.select_one('input[name="p1_s1_settings"][value="yes"]').has_attr("checked")
    assert "Traceback" not in response.get_data(as_text=True)


def test_missing_database_shows_a_plain_error_page(client):
    os.remove(client.application.config["DATABASE"])
    response = client.get("/assessments")
    assert response.status_code == 503
    assert "nothing was saved" in response.get_data(as_text=True)


def test_oversized_request_is_refused_in_words(client):
    response = client.post("/assessments/new", data={"details_summary": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in check_page(response.get_data(as_text=True)).h1.text


def test_hostile_answers_are_shown_back_as_text_on_every_page(new_assessment, pages):
    uid = new_assessment()
    hostile = '<script>alert(1)</script> "quoted" <img src=x onerror=alert(1)>'
    pages.post(
        f"/assessments/{uid}/pages/early_years-step-2",
        {"p1_s2_benefit_first": hostile, "p1_s2_actions-0-action": hostile, "save": "continue"},
    )
    for url in (
        f"/assessments/{uid}/pages/early_years-step-2",
        f"/assessments/{uid}/sections/early_years/check",
        f"/assessments/{uid}/statement",
    ):
        page = pages.get(url)
        assert page.find("script", string="alert(1)") is None, url
        assert page.find("img") is None, url
        assert hostile in page.text, url


def test_no_page_of_a_full_assessment_has_more_than_about_forty_controls(
    new_assessment, pages, banks
):
    """Long pages are split into parts; a follow-up stays with its question."""
    uid = new_assessment(PRINCIPLES)
    values = {"screening_principles": list(PRINCIPLES), **POPULATIONS}
    for section in wizard.sections(banks, values):
        for page in section.pages:
            form = pages.get(f"/assessments/{uid}/pages/{page.id}").select_one(
                "form[data-hiat-form]"
            )
            controls = [
                tag
                for tag in form.find_all(["input", "select", "textarea", "button"])
                if tag.get("type") != "hidden" and "hiat-default-submit" not in tag.get("class", [])
            ]
            # The two or three buttons that save the page are not counted.
            assert len(controls) - 3 <= wizard.CONTROL_LIMIT + 2, (page.id, len(controls))
