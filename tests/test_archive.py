"""Archiving takes an assessment out of the list without deleting it; it can be restored."""

from __future__ import annotations

from hiat import store
from tests.conftest import DETAILS, normalize, signed_in_client, uid_from


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


def test_restore_is_offered_only_where_the_user_is_an_author_of_the_assessment(
    app, new_assessment, client, pages
):
    own = new_assessment()
    pages.post(f"/assessments/{own}/archive", {})
    other = signed_in_client(
        app, email="sam@sefton.gov.uk", organisation="Sefton Council", name="Sam Author"
    )
    shared = uid_from(
        other.post(
            "/assessments/new", data={**DETAILS, "details_title": "Sefton libraries"}
        ).headers["Location"]
    )
    with app.app_context():
        store.share(store.get_db(), shared, "alex@wirral.gov.uk", "viewer")
    assert other.post(f"/assessments/{shared}/archive").status_code == 302

    archived = pages.get("/assessments/archived")
    rows = {
        normalize(row.th.text): row.select_one("form") is not None
        for row in archived.select("tbody tr")
    }
    # An author at Wirral, but only a viewer of Sefton's assessment shared with them.
    assert rows == {DETAILS["details_title"]: True, "Sefton libraries": False}
    assert "You can restore only the assessments you are an author of." in normalize(archived.text)
    assert client.post(f"/assessments/{shared}/restore").status_code == 403
