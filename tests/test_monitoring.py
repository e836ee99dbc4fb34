"""After sign-off: authors record readings of each signed indicator and see them against its
baseline and target, with the date the next reading is due."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiat import charts, monitoring, store, transfer
from tests.conftest import check_page, make_user, normalize
from tests.test_workflow import signed_team, team  # noqa: F401 (fixtures)

TODAY = dt.date.today()


# ---------------------------------------------------------------- how often, in words
@pytest.mark.parametrize(
    ("text", "understood"),
    [
        ("monthly", "every month"),
        ("Every month", "every month"),
        ("quarterly", "every 3 months"),
        ("Every quarter", "every 3 months"),
        ("every 3 months", "every 3 months"),
        ("Every six months", "every 6 months"),
        ("six-monthly", "every 6 months"),
        ("twice a year", "every 6 months"),
        ("3 times a year", "every 4 months"),
        ("annually", "every year"),
        ("Yearly", "every year"),
        ("every year", "every year"),
        ("Each year", "every year"),
        ("every 2 years", "every 2 years"),
        ("once every two years", "every 2 years"),
        ("weekly", "every week"),
        ("fortnightly", "every 2 weeks"),
        ("every other month", "every 2 months"),
        # The first interval named is the one that applies now.
        ("Every month for the first year, then every quarter", "every month"),
        ("Weekly during the consultation, then once at the end", "every week"),
        ("Every year, after each winter", "every year"),
    ],
)
def test_how_often_is_read_from_the_plans_words(text, understood):
    assert monitoring.frequency(text).words == understood


@pytest.mark.parametrize(
    "text", ["", "As needed", "when the data are published", "bi-monthly", "3 times a week"]
)
def test_words_that_do_not_say_how_often_are_not_guessed(text):
    assert not monitoring.frequency(text).understood
    assert monitoring.frequency(text).after(dt.date(2027, 1, 1)) is None


def test_a_month_later_keeps_the_day_or_takes_the_months_last():
    assert monitoring.add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert monitoring.add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert monitoring.add_months(dt.date(2027, 6, 30), 12) == dt.date(2028, 6, 30)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("27% in 2023", 27),
        ("27", 27),
        ("27.5%", 27.5),
        ("1,234", 1234),
        ("£12.50", 12.5),
        ("-3", -3),
        ("12 per cent of homes", 12),
        ("Well above 33% of homes retrofitted", 33),
        ("412 homes in 2025", 412),
        ("2027", 2027),  # a value that is only a number is that number
        ("All workers by March 2028", None),  # never a year
        ("Q1 2027: 31", None),
        ("New measure: counting starts when the scheme opens", None),
        ("Latest value for homes in deciles 1 and 2", None),
        ("9" * 400, None),
    ],
)
def test_the_number_in_a_baseline_target_or_reading(text, number):
    assert monitoring.number_in(text) == number


def test_group_values_are_read_one_a_line_and_a_bad_line_is_named():
    text = "Most deprived quintile: 31%\n\n Least deprived quintile : 12% \nWard: Bidston: 40"
    assert monitoring.parse_groups(text) == (
        ("Most deprived quintile", "31%"),
        ("Least deprived quintile", "12%"),
        ("Ward", "Bidston: 40"),
    )
    problems = {
        "Ward A 31%": "Line 1 (“Ward A 31%”) needs a colon between the group and its value",
        "A: 1\nB:": "Line 2 (“B:”) needs a value after the colon, or delete the line",
        ": 4": "Line 1 (“: 4”) needs the group’s name before the colon",
        "A: 1\na: 2": "Line 2 (“a: 2”) names “a” again: give each group one line",
    }
    for text, message in problems.items():
        with pytest.raises(monitoring.GroupLineError, match=re.escape(message)):
            monitoring.parse_groups(text)


def test_the_breakdown_is_split_into_the_ways_it_is_counted():
    assert monitoring.breakdown_parts("by deprivation quintile, ethnicity and ward") == (
        "deprivation quintile",
        "ethnicity",
        "ward",
    )


def indicator(frequency="every quarter", readings=(), baseline="27% in 2023", target="20%"):
    return monitoring.Indicator(
        "p1_s3_indicators", 0, "early_years", "Best start", "Smoking", "", "", baseline,
        target, "by ward", "Fingertips", frequency, "", dt.date(2027, 1, 15),
        tuple(reading(day, value) for day, value in readings),
    )  # fmt: skip


def reading(day: str, value: str) -> store.Reading:
    return store.Reading("p1_s3_indicators", 0, day, value, (), "", "", "2027-01-01", "")


def test_the_next_reading_is_due_one_interval_after_the_latest_or_after_sign_off():
    assert indicator().next_due == dt.date(2027, 4, 15)
    later = indicator(readings=[("2027-06-30", "25%"), ("2027-03-31", "26%")])
    assert later.latest.date == "2027-06-30"  # in date order, whatever order recorded
    assert later.next_due == dt.date(2027, 9, 30)
    assert not later.overdue(dt.date(2027, 9, 30))
    assert later.overdue(dt.date(2027, 10, 1))
    assert indicator("as needed").next_due is None


def test_due_readings_lists_the_overdue_and_those_due_soon_soonest_first():
    overdue = indicator("monthly")  # due 15 February 2027
    soon = indicator(readings=[("2027-01-20", "25")])  # due 20 April 2027
    later = indicator("every year")  # due 15 January 2028
    unknown = indicator("when published")
    today = dt.date(2027, 4, 1)
    assert monitoring.due_readings([later, soon, unknown, overdue], today) == (overdue, soon)
    assert monitoring.due_readings([later], today, within_days=300) == (later,)
    counts = monitoring.counts([later, soon, unknown, overdue], today)
    assert counts == {"overdue": 1, "due_soon": 1, "unknown": 1}


def test_the_chart_has_one_point_per_numeric_reading_and_baseline_and_target_lines():
    shown = indicator(
        readings=[("2027-03-31", "26%"), ("2027-06-30", "not published"), ("2027-09-30", "24%")]
    )
    chart = charts.indicator_chart(shown)
    assert [p.label for p in chart.points] == ["31 March 2027: 26%", "30 September 2027: 24%"]
    assert [(line.kind, line.label) for line in chart.lines] == [
        ("baseline", "Baseline 27%"),
        ("target", "Target 20%"),
    ]
    baseline, target = chart.lines
    assert target.y > chart.points[0].y > baseline.y  # lower values sit lower down
    assert chart.points[0].x < chart.points[1].x
    assert all(chart.top <= p.y <= chart.bottom for p in chart.points)
    assert chart.y_title == "Value (%)"
    assert "Baseline 27%. Target 20%. 1 reading is not a number, so not drawn." in chart.description
    labels = sorted([chart.last_label_y] + [line.label_y for line in chart.lines])
    assert all(b - a >= charts.LABEL_GAP for a, b in zip(labels, labels[1:], strict=False))


def test_no_chart_until_a_reading_is_a_number():
    assert charts.indicator_chart(indicator()) is None
    assert charts.indicator_chart(indicator(readings=[("2027-03-31", "not yet")])) is None
    alone = charts.indicator_chart(indicator(readings=[("2027-03-31", "5")], baseline="none"))
    assert len(alone.points) == 1 and [line.kind for line in alone.lines] == ["target"]


# ---------------------------------------------------------------- the pages
@pytest.fixture
def signed(signed_team):  # noqa: F811 (signed_team is imported)
    """The worked example's copy, signed off by the ICB approver."""
    return signed_team[:3]


def get(client, path: str):
    reply = client.get(path)
    assert reply.status_code == 200, (path, reply.status_code)
    return check_page(reply.get_data(as_text=True))


def quarterly_link(page) -> str:
    """The first indicator measured every quarter."""
    for row in page.select("tbody tr"):
        if "overdue" not in row.text and normalize(row.select("td")[-1].text) != "Not worked out":
            return row.th.a["href"]
    raise AssertionError("no indicator with a due date")


def test_the_task_list_leads_to_the_signed_revisions_indicators(signed):
    uid, author, _ = signed
    link = get(author, f"/assessments/{uid}").find(
        "a", string="Record readings for the indicators of revision 1"
    )
    page = get(author, link["href"])
    rows = page.select("tbody tr")
    assert len(rows) > 15  # every indicator row of the worked example's monitoring plans
    assert {normalize(r.select("td")[3].text) for r in rows} == {"None yet"}
    due = {normalize(r.select("td")[-1].text) for r in rows}
    assert "Not worked out" not in due  # the worked example says how often, every time


def test_an_author_records_two_readings_and_sees_them_in_the_table_and_chart(app, signed):
    uid, author, _ = signed
    link = quarterly_link(get(author, f"/assessments/{uid}/indicators"))
    form = get(author, link)
    assert form.select_one("svg") is None
    assert "No readings yet." in normalize(form.text)
    plan_source = form.select_one("#source")["value"]
    assert plan_source  # filled in from the plan
    first = (TODAY - dt.timedelta(days=40)).strftime("%d %m %Y")
    second = (TODAY - dt.timedelta(days=10)).isoformat()
    author.post(
        link,
        data={
            "date": first,
            "value": "31%",
            "groups": "Most deprived quintile: 38%\nLeast deprived quintile: 22%",
            "source": plan_source,
        },
    )
    get(author, link)  # shows the first reading's message
    reply = author.post(link, data={"date": second, "value": "29%", "note": "After the winter."})
    assert reply.status_code == 302
    page = get(author, link)
    assert "Reading saved: 29% on" in normalize(page.select_one(".govuk-notification-banner").text)
    rows = [[normalize(c.text) for c in r.select("th, td")] for r in page.select("tbody tr")]
    assert [row[1] for row in rows] == ["31%", "29%"]
    assert rows[0][2].startswith(
        f"Most deprived quintile: 38% Least deprived quintile: 22% Source: {plan_source} "
    )
    assert rows[1][2].startswith("Source: not given Note: After the winter. Recorded ")
    svg = page.select_one("svg[role=img]")
    assert len(svg.select("circle")) == 2
    names = [page.find(id=part).text for part in svg["aria-labelledby"].split()]
    assert names[0].startswith("Chart of the readings of ")
    assert "2 readings from" in names[1]
    due = TODAY - dt.timedelta(days=10)
    expected = monitoring.add_months(due, 3)
    assert normalize(page.select_one("#next-due").text).startswith(
        f"{expected.day} {expected:%B %Y}, every 3 months after the latest reading"
    )
    listing = get(author, f"/assessments/{uid}/indicators")
    chosen = listing.find("a", href=link).find_parent("tr")
    assert normalize(chosen.select("td")[3].text).startswith("29%, ")


def test_a_reading_needs_a_real_past_date_a_value_and_readable_group_lines(signed):
    uid, author, _ = signed
    link = quarterly_link(get(author, f"/assessments/{uid}/indicators"))
    tomorrow = (TODAY + dt.timedelta(days=1)).strftime("%d %m %Y")
    cases = [
        (
            {"date": "31 2 2026", "value": "5"},
            "Enter the date as a real date, for example 30 6 2027",
        ),
        ({"date": tomorrow, "value": "5"}, "The date of the reading must be today or in the past"),
        ({"date": "", "value": "5"}, "Enter the date the reading is for, for example 30 6 2027"),
        ({"date": "1 1 2026", "value": "  "}, "Enter the value of the reading, for example 27%"),
        (
            {"date": "1 1 2026", "value": "5", "groups": "Ward A: 4\nWard B 6"},
            "Line 2 (“Ward B 6”) needs a colon between the group and its value, "
            "for example Most deprived quintile: 31%",
        ),
    ]
    for data, message in cases:
        page = check_page(author.post(link, data=data).get_data(as_text=True))
        errors = [normalize(a.text) for a in page.select(".govuk-error-summary a")]
        assert errors == [message], data
        assert page.title.text.startswith("Error: ")
    assert page.select_one("#groups").text == "Ward A: 4\nWard B 6"  # nothing typed is lost
    with author.application.app_context():
        assert store.readings(store.get_db(), uid, 1) == {}


def test_only_authors_record_readings_and_others_can_see_them(signed):
    uid, author, reviewer = signed
    link = quarterly_link(get(author, f"/assessments/{uid}/indicators"))
    author.post(link, data={"date": "1 1 2026", "value": "12"})
    page = get(reviewer, link)
    assert page.select("form[method=post] #value") == []
    assert "Only the assessment’s authors can record readings." in normalize(page.text)
    assert len(page.select("tbody tr")) == 1
    assert reviewer.post(link, data={"date": "1 1 2026", "value": "13"}).status_code == 403


def test_recording_a_reading_changes_nothing_signed_and_is_in_the_audit_log(app, signed):
    uid, author, _ = signed
    with app.app_context():
        before = store.list_signoffs(store.get_db(), uid)
    link = quarterly_link(get(author, f"/assessments/{uid}/indicators"))
    author.post(link, data={"date": "1 1 2026", "value": "12"})
    with app.app_context():
        db = store.get_db()
        assert store.list_signoffs(db, uid) == before
        logged = [row["action"] for row in db.query("SELECT action FROM audit")]
    assert "reading_recorded" in logged
    assert "Approved" in normalize(
        get(author, f"/assessments/{uid}").select_one(".hiat-status").text
    )


def test_a_mistaken_reading_is_withdrawn_with_a_reason_and_stays_in_the_table(signed):
    uid, author, reviewer = signed
    link = quarterly_link(get(author, f"/assessments/{uid}/indicators"))
    author.post(link, data={"date": "1 6 2026", "value": "30%"})
    author.post(link, data={"date": "1 9 2026", "value": "290%"})
    page = get(author, link)
    links = [a for a in page.select("tbody tr a") if normalize(a.text).startswith("Withdraw")]
    assert [normalize(a.text) for a in links] == [
        "Withdraw the reading of 1 June 2026",
        "Withdraw the reading of 1 September 2026",
    ]
    withdraw = links[1]["href"]
    form = get(author, withdraw)
    assert "290%" in normalize(form.select_one(".govuk-summary-list").text)
    refused = check_page(author.post(withdraw, data={"reason": " "}).get_data(as_text=True))
    assert [normalize(a.text) for a in refused.select(".govuk-error-summary a")] == [
        "Say why the reading is withdrawn, for example it was mistyped"
    ]
    assert reviewer.post(withdraw, data={"reason": "Wrong."}).status_code == 403
    assert author.post(withdraw, data={"reason": "Mistyped: it is 29%."}).status_code == 302
    page = get(author, link)
    rows = [normalize(r.text) for r in page.select("tbody tr")]
    assert len(rows) == 2
    assert "Withdrawn" in rows[1] and "Mistyped: it is 29%." in rows[1]
    assert len(page.select("svg circle")) == 1
    assert "after the latest reading" in normalize(page.select_one("#next-due").text)
    expected = monitoring.add_months(dt.date(2026, 6, 1), 3)
    assert normalize(page.select_one("#next-due").text).startswith(
        f"Overdue: it was due on {expected.day} {expected:%B %Y}, every 3 months after the latest"
    )
    assert author.post(withdraw, data={"reason": "Again."}).status_code == 404
    assert author.get(link + "/readings/999999/withdraw").status_code == 404


def test_an_assessment_not_signed_off_has_no_indicators_to_monitor(app, team):  # noqa: F811
    uid, author, _, _ = team
    assert author.get(f"/assessments/{uid}/indicators").status_code == 404
    assert author.get(f"/assessments/{uid}/indicators/p1_s3_indicators/0").status_code == 404


def test_an_indicator_the_plan_does_not_have_is_not_found(signed):
    uid, author, _ = signed
    assert author.get(f"/assessments/{uid}/indicators/p1_s3_indicators/999").status_code == 404
    assert author.get(f"/assessments/{uid}/indicators/details_title/0").status_code == 404


HOSTILE = "<script>alert(1)</script> & <b>bold</b>"


@pytest.fixture
def hostile(app, team):  # noqa: F811
    """A signed-off assessment whose first indicator's every word is hostile text."""
    uid, author, _, approver = team
    row = {
        "indicator": HOSTILE,
        "baseline": f"27% {HOSTILE}",
        "target": HOSTILE,
        "breakdown": f"by {HOSTILE}",
        "source": HOSTILE,
        "frequency": "every quarter",
    }
    with app.app_context():
        store.save_answers(
            store.get_db(),
            uid,
            [store.NewAnswer("p1_s3_indicators", [row], "Measures")],
            page="early_years_s3",
            bank_version=app.extensions["hiat"].version,
        )
    author.post(f"/assessments/{uid}/send-for-review")
    approver.post(
        f"/assessments/{uid}/sign-off",
        data={"job_title": "Director of Public Health", "confirm": "y"},
    )
    return uid, author


def test_hostile_text_in_the_plan_and_the_readings_shows_literally(hostile):
    uid, author = hostile
    link = f"/assessments/{uid}/indicators/p1_s3_indicators/0"
    reply = author.post(
        link, data={"date": "1 6 2026", "value": "30", "groups": f"{HOSTILE}: 2", "note": HOSTILE}
    )
    assert reply.status_code == 302
    for path in (link, f"/assessments/{uid}/indicators"):
        html = author.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<b>bold" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    page = get(author, link)
    assert normalize(page.h1.text) == HOSTILE
    assert page.select_one("svg title").text == f"Chart of the readings of {HOSTILE}"
    assert HOSTILE in normalize(page.select_one("#groups-hint").text)


def test_readings_due_across_the_organisation_come_from_its_latest_sign_offs(app, signed):
    uid, author, _ = signed
    link = quarterly_link(get(author, f"/assessments/{uid}/indicators"))
    _, question_id, row = link.rsplit("/", 2)
    with app.app_context():
        db = store.get_db()
        owner = store.get_assessment(db, uid).organisation_id
        banks = app.extensions["hiat"]
        store.add_reading(db, uid, 1, question_id, int(row), date="2025-01-01", value="3")

        def due(today, days=30):
            found = []
            for each, signoff in store.latest_signoffs(db, owner):
                signed_copy = transfer.snapshot_assessment(signoff.snapshot, each)
                taken = store.readings(db, each, signoff.revision)
                indicators = monitoring.from_signoff(banks, signed_copy, signoff, taken)
                found += monitoring.due_readings(indicators, today, within_days=days)
            return found

        overdue = due(TODAY, days=0)  # a quarter after 1 January 2025 is long gone
        soon = due(TODAY, days=366)  # the rest are due within a year of sign-off
    assert [(i.question_id, i.row) for i in overdue] == [(question_id, int(row))]
    assert overdue[0].next_due == dt.date(2025, 4, 1)
    assert len(soon) == len(get(author, f"/assessments/{uid}/indicators").select("tbody tr"))


# ---------------------------------------------------------------- any input at all
@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=200))
def test_any_words_give_a_frequency_a_number_or_none_and_never_fail(text):
    often = monitoring.frequency(text)
    assert often.understood == (often.after(dt.date(2027, 1, 31)) is not None)
    number = monitoring.number_in(text)
    assert number is None or abs(number) < monitoring.LARGEST
    try:
        pairs = monitoring.parse_groups(text)
    except monitoring.GroupLineError as err:
        assert str(err)
    else:
        assert all(group and value for group, value in pairs)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.tuples(
            st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
            st.floats(-1e12, 1e12, allow_nan=False) | st.integers(-(10**6), 10**6),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(["27%", "", "-4", "1,000,000", "0"]),
)
def test_any_numeric_readings_are_drawn_inside_the_chart(values, baseline):
    shown = indicator(
        readings=[(day.isoformat(), f"{value:f}") for day, value in values], baseline=baseline
    )
    chart = charts.indicator_chart(shown)
    assert len(chart.points) == len(values)
    for point in chart.points:
        assert chart.left <= point.x <= chart.right
        assert chart.top - 0.01 <= point.y <= chart.bottom + 0.01
    for line in chart.lines:
        assert chart.top - 0.01 <= line.y <= chart.bottom + 0.01
    assert 2 <= len(chart.y_ticks) <= 12


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    st.fixed_dictionaries(
        {name: st.text(max_size=80) for name in ("date", "value", "groups", "note", "source")}
    )
)
def test_any_posted_reading_is_saved_or_refused_in_words(signed_once, data):
    author, link = signed_once
    reply = author.post(link, data=data)
    assert reply.status_code in (200, 302)
    if reply.status_code == 200:
        page = check_page(reply.get_data(as_text=True))
        assert page.select(".govuk-error-summary a")


@pytest.fixture(scope="module")
def signed_once(example_copy):
    """The worked example's copy, signed off once for the module: for tests that post a lot."""
    app, author, uid = example_copy
    approver = make_user(
        app,
        email="dee@cheshireandmerseyside.nhs.uk",
        organisation="NHS Cheshire and Merseyside",
        role="approver",
        name="Dee Director",
    )
    with app.app_context():
        db = store.get_db()
        store.set_status(db, uid, store.DRAFT, store.IN_REVIEW, by="Robin Officer")
        store.sign_off(
            db,
            uid,
            user=approver,
            job_title="Director of Public Health",
            attestation="I approve it.",
            snapshot=transfer.export_document(
                store.get_assessment(db, uid), dt.datetime.now(dt.UTC)
            ),
        )
    return author, f"/assessments/{uid}/indicators/p1_s3_indicators/0"
