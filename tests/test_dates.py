"""People read dates as "2 December 2026" and times in UK local time; ISO is for files."""

from __future__ import annotations

import re

import pytest

from hiat import store, wizard
from hiat.dates import local_date, local_date_time, uk_date
from hiat.example import load_example
from tests.conftest import QUESTIONS, check_page, normalize, signed_in_client, uid_from

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
# Just before midnight in summer: 23:30 UTC is 00:30 BST on the next day.
LATE_SUMMER_NIGHT = "2026-07-01T23:30:00.000000+00:00"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-12-02T01:36:41.123456+00:00", "2 December 2026 at 1:36am"),
        ("2026-07-01T12:00:00+00:00", "1 July 2026 at 1pm"),
        (LATE_SUMMER_NIGHT, "2 July 2026 at 12:30am"),
        ("2026-12-02T13:05:00.000001+00:00", "2 December 2026 at 1:05pm"),
        ("2026-12-02T00:00:00.000000+00:00", "2 December 2026 at midnight"),
        ("2026-12-02T12:00:59.999999+00:00", "2 December 2026 at midday"),
        ("2026-06-30T23:00:00+00:00", "1 July 2026 at midnight"),
        ("2026-07-01T11:00:00+00:00", "1 July 2026 at midday"),
        ("2026-12-02T00:05:00+00:00", "2 December 2026 at 12:05am"),
        ("2026-12-02 09:15:00", "2 December 2026 at 9:15am"),
    ],
)
def test_times_read_in_uk_local_time(stored, shown):
    assert local_date_time(stored) == shown


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-12-02", "2 December 2026"),
        ("2026-12-02T23:59:00+00:00", "2 December 2026"),
        (LATE_SUMMER_NIGHT, "2 July 2026"),
        ("2026-03-29T00:30:00+00:00", "29 March 2026"),
    ],
)
def test_dates_read_as_day_month_year_on_the_uk_day(stored, shown):
    assert local_date(stored) == shown


def test_a_date_without_a_time_has_no_at():
    assert local_date_time("2026-12-02") == "2 December 2026"


@pytest.mark.parametrize(
    "given", [None, "", "   ", "soon", "2026-13-45", "2026-12-02T25:00:00", "2026-12", "20261202"]
)
def test_anything_that_is_not_a_date_is_shown_as_given(given):
    assert local_date(given) == given
    assert local_date_time(given) == given


def test_the_uk_day_of_a_late_summer_night_is_the_next_day():
    assert uk_date(LATE_SUMMER_NIGHT).isoformat() == "2026-07-02"
    assert uk_date("not a date") is None


def test_the_filters_are_there_for_templates(app):
    assert app.jinja_env.filters["local_date"] is local_date
    assert app.jinja_env.filters["local_date_time"] is local_date_time


# ---------------------------------------------------------------- pages


def set_column(app, table: str, column: str, value: str) -> None:
    with app.app_context():
        store.get_db().execute(f"UPDATE {table} SET {column} = ?", [value])


def test_the_assessments_list_shows_the_uk_day_it_last_changed(app, client, new_assessment):
    new_assessment()
    set_column(app, "assessments", "updated_at", LATE_SUMMER_NIGHT)
    row = check_page(client.get("/assessments").get_data(as_text=True)).select_one("tbody tr")
    assert "2 July 2026" in normalize(row.text)
    assert not ISO.search(row.text)


def test_the_archived_list_shows_the_day_in_words(app, client, new_assessment):
    uid = new_assessment()
    client.post(f"/assessments/{uid}/archive")
    set_column(app, "assessments", "updated_at", "2026-12-02T01:36:00.000000+00:00")
    page = check_page(client.get("/assessments/archived").get_data(as_text=True))
    assert "2 December 2026" in normalize(page.select_one("tbody tr").text)
    assert not ISO.search(page.text)


@pytest.fixture
def signed_off(app):
    """An author's copy of the worked example, signed off by an approver at the ICB."""
    author = signed_in_client(app)
    approver = signed_in_client(
        app,
        email="dee@cheshireandmerseyside.nhs.uk",
        name="Dee Director",
        role="approver",
        organisation="NHS Cheshire and Merseyside",
    )
    uid = uid_from(author.post("/worked-example/copy").headers["Location"])
    banks = app.extensions["hiat"]
    for section in wizard.sections(banks, load_example(QUESTIONS, banks).answers):
        author.post(f"/assessments/{uid}/sections/{section.id}/check", data={"completed": "yes"})
    author.post(
        f"/assessments/{uid}/share",
        data={"email": "dee@cheshireandmerseyside.nhs.uk", "role": "approver"},
    )
    author.post(f"/assessments/{uid}/send-for-review")
    approver.post(
        f"/assessments/{uid}/sign-off",
        data={"job_title": "Director of Public Health", "confirm": "y"},
    )
    set_column(app, "signoffs", "signed_at", LATE_SUMMER_NIGHT)
    return uid, author, approver


def test_the_signed_off_revision_line_shows_the_uk_day(signed_off):
    uid, author, _ = signed_off
    page = check_page(author.get(f"/assessments/{uid}").get_data(as_text=True))
    line = next(li for li in page.select("li") if "approved by Dee Director" in li.text)
    assert "Revision 1, approved by Dee Director (Director of Public Health) on 2 July 2026:" in (
        normalize(line.text)
    )
    assert not ISO.search(page.text)


def test_the_approved_page_and_the_comparison_say_when_in_words(signed_off):
    uid, author, approver = signed_off
    approved = check_page(approver.get(f"/assessments/{uid}/approved").get_data(as_text=True))
    assert "Signed off by Dee Director, Director of Public Health, on 2 July 2026." in (
        normalize(approved.text)
    )
    assert not ISO.search(approved.select_one("main").text)
    author.post(f"/assessments/{uid}/start-revision")
    compare = check_page(
        author.get(f"/assessments/{uid}/revisions/1/compare").get_data(as_text=True)
    )
    assert "Revision 1 was signed off by Dee Director on 2 July 2026." in normalize(compare.text)


def test_the_user_list_shows_no_iso_dates(app):
    admin = signed_in_client(app, email="ada@wirral.gov.uk", name="Ada Admin", is_admin=True)
    page = check_page(admin.get("/admin/users").get_data(as_text=True))
    assert "Ada Admin" in page.text
    assert not ISO.search(page.text)
