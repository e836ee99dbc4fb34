"""After sign-off: authors record how each signed action is going, and see them all in one list."""

from __future__ import annotations

import pytest

from hiat import store
from tests.conftest import check_page, normalize
from tests.test_workflow import signed_team, team  # noqa: F401 (fixtures)


@pytest.fixture
def signed(signed_team):  # noqa: F811 (signed_team is imported)
    """The worked example's copy, signed off by the ICB approver."""
    return signed_team[:3]


def get(client, path: str):
    reply = client.get(path)
    assert reply.status_code == 200, (path, reply.status_code)
    return check_page(reply.get_data(as_text=True))


def first_action_link(page) -> str:
    return page.select_one("tbody th a")["href"]


def test_the_task_list_leads_to_the_signed_revisions_actions(signed):
    uid, author, _ = signed
    task_list = get(author, f"/assessments/{uid}")
    link = task_list.find("a", string="Track the actions of revision 1")
    page = get(author, link["href"])
    rows = page.select("tbody tr")
    assert len(rows) > 20  # every action row of the worked example's tables
    assert {normalize(r.select("td")[-1].text) for r in rows} == {"Not started"}


def test_an_author_records_progress_and_the_history_is_kept(signed):
    uid, author, _ = signed
    link = first_action_link(get(author, f"/assessments/{uid}/actions"))
    form = get(author, link)
    assert form.select_one('input[name="status"][value="not_started"]').has_attr("checked")
    author.post(link, data={"status": "on_track", "due_date": "30 6 2027", "note": "Started."})
    reply = author.post(link, data={"status": "at_risk", "due_date": "", "note": "Staff off."})
    assert reply.status_code == 302
    listing = get(author, f"/assessments/{uid}/actions")
    first = listing.select_one("tbody tr")
    assert normalize(first.select("td")[-1].text) == "At risk"
    assert "Latest note: Staff off." in normalize(first.th.text)
    history = [normalize(li.text) for li in get(author, link).select("ol li")]
    assert history[0].startswith("At risk")
    assert history[1].startswith("On track, due 30 June 2027")
    # Nothing signed changed, and no new revision was started.
    assert "Approved" in normalize(
        get(author, f"/assessments/{uid}").select_one(".hiat-status").text
    )


def test_dropping_an_action_needs_a_reason_and_a_date_must_be_real(signed):
    uid, author, _ = signed
    link = first_action_link(get(author, f"/assessments/{uid}/actions"))
    reply = author.post(link, data={"status": "dropped", "due_date": "31 2 2027"})
    page = check_page(reply.get_data(as_text=True))
    errors = [normalize(a.text) for a in page.select(".govuk-error-summary a")]
    assert errors == [
        "Enter the due date as a real date, for example 30 6 2027",
        "Say why the action was dropped, so the board can see why",
    ]
    assert page.select_one("#due_date")["value"] == "31 2 2027"
    ok = author.post(link, data={"status": "dropped", "reason": "Funding ended."})
    assert ok.status_code == 302
    assert "Dropped because: Funding ended." in normalize(get(author, link).text)


def test_only_authors_record_progress(signed):
    uid, author, reviewer = signed
    link = first_action_link(get(author, f"/assessments/{uid}/actions"))
    page = get(reviewer, f"/assessments/{uid}/actions")
    assert page.select("tbody th a") == []
    assert "Only the assessment’s authors can record progress." in normalize(page.text)
    assert reviewer.post(link, data={"status": "done"}).status_code == 403


def test_an_assessment_not_signed_off_has_no_actions_to_track(app, team):  # noqa: F811
    uid, author, _, _ = team
    assert author.get(f"/assessments/{uid}/actions").status_code == 404


def test_the_organisations_list_shows_overdue_and_at_risk_actions_soonest_first(app, signed):
    uid, author, _ = signed
    listing = get(author, f"/assessments/{uid}/actions")
    links = [a["href"] for a in listing.select("tbody th a")][:3]
    author.post(links[0], data={"status": "on_track", "due_date": "1 1 2020"})
    author.post(links[1], data={"status": "at_risk", "due_date": "1 1 2030"})
    author.post(links[2], data={"status": "done", "due_date": "1 1 2019"})
    overdue = get(author, "/actions?show=overdue")
    assert normalize(overdue.select_one("#results").text) == "1 action"
    assert "overdue" in normalize(overdue.select_one("tbody tr").text)
    at_risk = get(author, "/actions?show=at_risk")
    assert normalize(at_risk.select_one("#results").text) == "1 action"
    everything = get(author, "/actions?show=all")
    due = [normalize(r.select("td")[3].text) for r in everything.select("tbody tr")][:3]
    assert due == ["1 January 2019", "1 January 2020", "1 January 2030"]
    with app.app_context():
        owner = store.action_updates(store.get_db(), uid, 1)
    assert len(owner) == 3
    by_owner = get(author, "/actions?show=all&owner=highways")
    owners = {normalize(r.select("td")[2].text) for r in by_owner.select("tbody tr")}
    assert owners and all("highways" in o.lower() for o in owners)


def test_an_action_is_overdue_the_day_after_its_due_date_unless_done_or_dropped():
    import datetime as dt

    from hiat import tracking

    def action(status: str, due: str) -> tracking.Action:
        update = store.ActionUpdate("q", 0, status, due, "", "", "2026-01-01", "")
        return tracking.Action("q", 0, "p", "P", 2, "", "", "", "", (update,))

    today = dt.date(2027, 6, 30)
    assert not action("on_track", "2027-06-30").overdue(today)
    assert action("on_track", "2027-06-29").overdue(today)
    assert not action("done", "2027-01-01").overdue(today)
    assert not action("dropped", "2027-01-01").overdue(today)
    assert not action("at_risk", "").overdue(today)
    counts = tracking.counts([action("at_risk", "2027-01-01"), action("done", "")], today)
    assert (counts["at_risk"], counts["done"], counts["overdue"]) == (1, 1, 1)
