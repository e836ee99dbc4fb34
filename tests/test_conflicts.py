"""No lost edits: two people saving the same page get a choice, never a silent overwrite."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from tests.conftest import (
    DETAILS,
    check_page,
    normalize,
    screening_data,
    signed_in_client,
    uid_from,
)
from tests.test_walkthrough import current_values

PAGE = "/assessments/{uid}/pages/early_years-step-2"


def loaded_form(client, url):
    html = client.get(url).get_data(as_text=True)
    return current_values(BeautifulSoup(html, "html.parser").select_one("main form"))


def setup_assessment(csrf_app) -> tuple[str, object, object]:
    first = signed_in_client(csrf_app)
    second = signed_in_client(csrf_app, email="sam@wirral.gov.uk", name="Sam Second")
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        first.get("/assessments/new").get_data(as_text=True),
    )[1]
    uid = uid_from(
        first.post("/assessments/new", data=dict(DETAILS, csrf_token=token)).headers["Location"]
    )
    form = loaded_form(first, f"/assessments/{uid}/pages/screening")
    for key, value in screening_data(("early_years",)).items():
        form.setlist(key, value if isinstance(value, list) else [value])
    assert first.post(f"/assessments/{uid}/pages/screening", data=form).status_code == 302
    return uid, first, second


def test_second_save_of_the_same_page_shows_both_versions(csrf_app):
    uid, first, second = setup_assessment(csrf_app)
    url = PAGE.format(uid=uid)
    mine, theirs = loaded_form(first, url), loaded_form(second, url)
    mine.setlist("p1_s2_benefit_first", ["Families on free school meals first"])
    mine.setlist("save", ["continue"])
    assert first.post(url, data=mine).status_code == 302

    theirs.setlist("p1_s2_benefit_first", ["Everyone at once"])
    theirs.setlist("save", ["continue"])
    response = second.post(url, data=theirs)
    assert response.status_code == 409
    page = check_page(response.get_data(as_text=True))
    assert "Someone else changed this page" in page.h1.text
    row = normalize(page.select_one("tbody tr").text)
    assert "Everyone at once" in row and "Families on free school meals first" in row
    saved = loaded_form(first, url)
    assert saved["p1_s2_benefit_first"] == "Families on free school meals first"

    # Choosing "Keep my answers" saves the second person's version, knowingly.
    keep = current_values(page.select_one("main form"))
    keep.setlist("save", ["continue"])
    assert second.post(url, data=keep).status_code == 302
    assert loaded_form(first, url)["p1_s2_benefit_first"] == "Everyone at once"


def test_people_on_different_pages_never_conflict(csrf_app):
    uid, first, second = setup_assessment(csrf_app)
    step1 = f"/assessments/{uid}/pages/early_years-step-1"
    step2 = PAGE.format(uid=uid)
    one, two = loaded_form(first, step1), loaded_form(second, step2)
    one.setlist("p1_s1_settings", ["yes"])
    one.setlist("save", ["continue"])
    two.setlist("p1_s2_benefit_first", ["By need"])
    two.setlist("save", ["continue"])
    assert first.post(step1, data=one).status_code == 302
    assert second.post(step2, data=two).status_code == 302


def test_saving_the_same_page_twice_in_turn_is_not_a_conflict(csrf_app):
    uid, first, _ = setup_assessment(csrf_app)
    url = PAGE.format(uid=uid)
    for text in ("First draft", "Second draft"):
        form = loaded_form(first, url)
        form.setlist("p1_s2_benefit_first", [text])
        form.setlist("save", ["continue"])
        assert first.post(url, data=form).status_code == 302
    assert loaded_form(first, url)["p1_s2_benefit_first"] == "Second draft"


def test_keep_my_answers_keeps_only_mine_and_the_other_persons_other_changes(csrf_app):
    uid, first, second = setup_assessment(csrf_app)
    url = PAGE.format(uid=uid)
    mine, theirs = loaded_form(second, url), loaded_form(first, url)
    theirs.setlist("p1_s2_benefit_first", ["Families on free school meals first"])
    theirs.setlist("p1_s2_parents_involved", ["consulted"])
    theirs.setlist("save", ["continue"])
    assert first.post(url, data=theirs).status_code == 302

    mine.setlist("p1_s2_benefit_first", ["Everyone at once"])
    mine.setlist("save", ["continue"])
    response = second.post(url, data=mine)
    assert response.status_code == 409
    page = check_page(response.get_data(as_text=True))
    # Only the answer this person changed is in question; the radio they left alone is not.
    assert len(page.select("tbody tr")) == 1
    assert "Everyone at once" in normalize(page.select_one("tbody tr").text)

    keep = current_values(page.select_one("main form"))
    keep.setlist("save", ["continue"])
    assert second.post(url, data=keep).status_code == 302
    saved = loaded_form(first, url)
    assert saved["p1_s2_benefit_first"] == "Everyone at once"
    assert saved["p1_s2_parents_involved"] == "consulted"
