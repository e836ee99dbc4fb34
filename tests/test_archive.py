"""Archiving takes an assessment out of the list without deleting it; it can be restored."""

from __future__ import annotations

from tests.conftest import DETAILS


def test_archived_assessment_leaves_the_list_and_can_be_restored(new_assessment, client, pages):
    uid = new_assessment()
    confirm = pages.get(f"/assessments/{uid}/archive")
    assert "Nothing is deleted" in confirm.text
    assert pages.post(f"/assessments/{uid}/archive", {}) == "/assessments"
    listing = pages.get("/assessments")
    assert "has been archived" in listing.text
    assert listing.find("a", href=f"/assessments/{uid}") is None
    pages.get(f"/assessments/{uid}", status=404)

    archived = pages.get("/assessments/archived")
    assert DETAILS["details_title"] in archived.text
    restore = archived.select_one("tbody form")["action"]
    assert pages.post(restore, {}) == f"/assessments/{uid}"
    assert "has been restored" in pages.get(f"/assessments/{uid}").text
    assert "There are no archived assessments." in pages.get("/assessments/archived").text


def test_restoring_an_assessment_that_is_not_archived_is_not_found(new_assessment, client):
    uid = new_assessment()
    assert client.post(f"/assessments/{uid}/restore").status_code == 404
