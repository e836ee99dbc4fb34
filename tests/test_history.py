"""History: every change to an answer is listed, and an earlier answer can be restored."""

from __future__ import annotations

from tests.conftest import loaded_version, normalize

STEP = "/assessments/{uid}/pages/early_years-step-2"


def save(client, uid, text):
    url = STEP.format(uid=uid)
    data = {"p1_s2_benefit_first": text, "lock_version": loaded_version(client, url)}
    response = client.post(url, data={**data, "save": "continue"})
    assert response.status_code == 302


def rows(page):
    return [
        [normalize(cell.text) for cell in row.find_all(["th", "td"])][:4]
        for row in page.select("tbody tr")
    ]


def test_history_lists_each_change_with_before_and_after_newest_first(
    new_assessment, client, pages
):
    uid = new_assessment()
    save(client, uid, "First idea")
    save(client, uid, "Better idea")
    page = pages.get(f"/assessments/{uid}/history")
    question = "How will families on low incomes with young children benefit first, or most?"
    history = [row for row in rows(page) if row[1] == question]
    assert [row[2:] for row in history] == [
        ["First idea", "Better idea"],
        ["Not answered", "First idea"],
    ]


def test_restoring_an_earlier_answer_brings_it_back_and_is_recorded(new_assessment, client, pages):
    uid = new_assessment()
    save(client, uid, "First idea")
    save(client, uid, "Better idea")
    page = pages.get(f"/assessments/{uid}/history")
    restore = page.select("tbody tr form")[0]["action"]
    assert client.post(restore).status_code == 302
    after = pages.get(f"/assessments/{uid}/history")
    assert "has been restored" in after.text
    assert rows(after)[0][2:] == ["Better idea", "First idea"]
    form = pages.get(STEP.format(uid=uid))
    assert form.select_one("#p1_s2_benefit_first").text == "First idea"


def test_restoring_bumps_the_page_version_so_open_editors_see_a_conflict(
    new_assessment, client, pages
):
    uid = new_assessment()
    save(client, uid, "First idea")
    save(client, uid, "Better idea")
    loaded = pages.get(STEP.format(uid=uid)).select_one("#lock_version")["value"]
    restore = pages.get(f"/assessments/{uid}/history").select("tbody tr form")[0]["action"]
    client.post(restore)
    response = client.post(
        STEP.format(uid=uid),
        data={"p1_s2_benefit_first": "Stale edit", "lock_version": loaded, "save": "continue"},
    )
    assert response.status_code == 409


def test_history_of_an_unknown_assessment_is_not_found(pages):
    pages.get("/assessments/nope/history", status=404)
