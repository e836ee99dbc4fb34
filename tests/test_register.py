"""The register of assessments and the cumulative impact, as the people who use them see them."""

from __future__ import annotations

import csv
import io
import urllib.parse

import pytest
from docx import Document
from flask import Flask

from hiat import store
from tests.conftest import check_page, make_user, normalize, sign_in
from tests.test_register_store import answer, make


@pytest.fixture
def wirral(app: Flask):
    """A Wirral author, signed in, and their organisation's id."""
    user = make_user(app)
    return sign_in(app.test_client(), user), user.organisation_id


def rows(page) -> list[str]:
    return [normalize(a.text) for a in page.select("tbody tr td:first-child a, tbody tr th a")]


def get(client, path: str, status: int = 200):
    reply = client.get(path)
    assert reply.status_code == status, reply.status_code
    return check_page(reply.get_data(as_text=True))


def test_the_register_shows_25_a_page_with_pagination(app, wirral):
    client, org = wirral
    for n in range(30):
        make(app, f"Decision {n:02}", organisation_id=org)
    page = get(client, "/assessments?sort=title&order=asc")
    assert normalize(page.select_one("#results").text) == "Showing 1 to 25 of 30 assessments"
    assert rows(page)[0].startswith("Decision 00")
    nav = page.select_one("nav.govuk-pagination")
    assert nav["aria-label"] == "Pages of results"
    next_link = nav.select_one(".govuk-pagination__next a")["href"]
    assert "sort=title" in next_link and "page=2" in next_link
    second = get(client, next_link)
    assert [r.split(" ")[1] for r in rows(second)] == [f"{n}" for n in range(25, 30)]


def test_filters_are_in_the_address_and_are_summarised_with_a_way_to_clear_them(app, wirral):
    client, org = wirral
    make(app, "Libraries", organisation_id=org)
    make(app, "Parks", organisation_id=org, details_place="wirral", details_kind="new_service")
    page = get(client, "/assessments?place=wirral&place=nowhere&kind=new_service")
    assert [r for r in rows(page)] == ["Parks"]
    applied = normalize(page.select_one(".hiat-applied").text)
    assert applied == "Place Wirral Kind of decision A new or expanded service"
    assert page.select_one('input[name="place"][value="wirral"]').has_attr("checked")
    assert page.find("a", string="Clear filters")["href"] == "/assessments"
    # The chosen filter's box is open; the others are closed.
    opened = [normalize(d.summary.text) for d in page.select("details.hiat-filter[open]")]
    assert opened == ["Place (1 chosen)", "Kind of decision (1 chosen)"]


def test_a_search_shows_the_words_found_in_context_and_escapes_what_people_typed(app, wirral):
    client, org = wirral
    make(
        app,
        "<script>alert(1)</script> library",
        organisation_id=org,
        details_summary="The mobile library <b>visits</b> each estate.",
    )
    make(app, "Parks", organisation_id=org)
    reply = client.get("/assessments?q=library")
    html = reply.get_data(as_text=True)
    page = check_page(html)
    assert len(page.select("tbody tr")) == 1
    assert "<script>alert" not in html and "<b>visits" not in html
    marks = [m.text.lower() for m in page.select(".hiat-register__snippet mark")]
    assert marks and set(marks) == {"library"}
    assert "best matches first" in page.select_one("caption").text


def test_a_date_that_is_not_real_is_explained_and_the_other_filters_still_apply(app, wirral):
    client, org = wirral
    make(app, "Libraries", organisation_id=org)
    make(app, "Parks", organisation_id=org, details_place="wirral")
    page = get(client, "/assessments?place=wirral&from=31+2+2026")
    summary = page.select_one(".govuk-error-summary")
    assert "Enter ‘Decided on or after’ as a real date, for example 1 4 2026" in summary.text
    assert summary.select_one("a")["href"] == "#from"
    assert page.select_one("#from")["value"] == "31 2 2026"
    assert page.title.text.startswith("Error: ")
    assert rows(page) == ["Parks"]


def test_dates_can_be_typed_as_people_write_them(app, wirral):
    client, org = wirral
    make(app, "Early", organisation_id=org, details_decision_date="2026-01-10")
    make(app, "Late", organisation_id=org, details_decision_date="2026-09-10")
    for start, end in (("1 4 2026", "31/3/2027"), ("2026-04-01", "31-03-2027")):
        query = urllib.parse.urlencode({"from": start, "to": end})
        assert rows(get(client, f"/assessments?{query}")) == ["Late"]


def test_column_headings_sort_the_register_and_say_how_it_is_sorted(app, wirral):
    client, org = wirral
    make(app, "B", organisation_id=org, details_decision_date="2026-01-01")
    make(app, "A", organisation_id=org, details_decision_date="2027-01-01")
    page = get(client, "/assessments?sort=decision_date&order=asc")
    assert rows(page) == ["B", "A"]
    heading = page.find("a", string="Decision date").parent
    assert heading["aria-sort"] == "ascending"
    assert "order=desc" in heading.a["href"]
    assert rows(get(client, heading.a["href"])) == ["A", "B"]


def test_the_filtered_list_downloads_as_a_spreadsheet(app, wirral):
    client, org = wirral
    make(app, '=HYPERLINK("x")', organisation_id=org)
    make(app, "Parks", organisation_id=org, details_place="wirral")
    reply = client.get("/assessments/register.csv?place=liverpool")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:3] == ["Policy", "Organisation", "Place"]
    assert len(table) == 2
    assert table[1][0] == '\'=HYPERLINK("x")'
    assert table[1][9] == "Ensure a healthy standard of living for all"
    assert table[1][10] == "Ensure a healthy standard of living for all"  # harmful, with no action
    assert table[1][11].endswith("/assessments/" + table[1][11].rsplit("/", 1)[1])


def test_the_cumulative_page_lists_hotspots_first_with_links(app, wirral):
    client, org = wirral
    uids = [
        make(app, f"Cut {n}", organisation_id=org, details_decision_date=f"2026-0{n}-01")
        for n in (4, 5, 6)
    ]
    page = get(client, "/assessments/cumulative?place=liverpool")
    headings = [normalize(h.text) for h in page.select("h2")]
    assert headings[:3] == ["The pattern", "Hotspots", "Harmful impacts by group and principle"]
    spots = page.select(".hiat-hotspot")
    labels = [normalize(s.h4.text) for s in spots]
    assert (
        "People on low incomes or benefits: 3 decisions between 1 April 2026 and 1 June 2026"
        in labels
    )
    assert any(s.h4.text.startswith("Liverpool: 3 decisions") for s in spots)
    links = {a["href"] for a in spots[0].select("a")}
    assert links == {f"/assessments/{uid}" for uid in uids}
    assert "Liverpool" in normalize(page.select_one(".govuk-caption-l").text)


def test_the_matrix_says_each_rating_in_words_and_hides_the_symbols_from_screen_readers(
    app, wirral
):
    client, org = wirral
    make(app, "Libraries", organisation_id=org)
    page = get(client, "/assessments/cumulative")
    table = page.select_one("#matrix ~ .hiat-table-scroll table")
    assert table.select("thead th")[0]["scope"] == "col"
    row = table.select_one("tbody tr")
    assert row.th["scope"] == "row"
    cells = [normalize(td.text) for td in row.select("td")]
    assert "▼ Negative, widens the gap" in cells
    assert all(span["aria-hidden"] == "true" for span in row.select("td span"))


def test_the_cumulative_report_downloads_as_word_and_markdown(app, wirral):
    client, org = wirral
    make(app, "Libraries", organisation_id=org)
    make(app, "Parks", organisation_id=org, details_place="wirral")
    query = "place=liverpool&from=1+4+2026&to=31+3+2027"
    md = client.get(f"/assessments/cumulative.md?{query}")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    text = md.get_data(as_text=True)
    title = text.splitlines()[0]
    assert title == (
        "# Cumulative equity impact report: Liverpool, decisions from 1 April 2026 to 31 March 2027"
    )
    assert "Libraries" in text and "Parks" not in text
    word = client.get(f"/assessments/cumulative.docx?{query}")
    assert word.status_code == 200
    assert "attachment" in word.headers["Content-Disposition"]
    document = Document(io.BytesIO(word.data))
    assert document.paragraphs[0].text.startswith("Cumulative equity impact report")


def test_the_archived_list_is_paged(app, wirral):
    client, org = wirral
    for n in range(27):
        uid = make(app, f"Old {n:02}", organisation_id=org)
        with app.app_context():
            store.set_archived(store.get_db(), uid, True)
    page = get(client, "/assessments/archived")
    assert len(page.select("tbody tr")) == 25
    assert page.select_one(".govuk-pagination__next a")["href"].endswith("page=2")
    assert len(get(client, "/assessments/archived?page=2").select("tbody tr")) == 2


def test_the_history_is_paged_and_a_restore_still_works(app, wirral):
    client, org = wirral
    uid = make(app, "Busy", organisation_id=org)
    with app.app_context():
        for n in range(60):
            store.save_answers(
                store.get_db(),
                uid,
                [answer("details_summary", f"Version {n}")],
                page="details",
                bank_version="test",
            )
    page = get(client, f"/assessments/{uid}/history")
    assert len(page.select("tbody tr")) == 50
    second = get(client, page.select_one(".govuk-pagination__next a")["href"])
    assert len(second.select("tbody tr")) == 60 + 11 - 50


def test_each_assessment_shows_other_decisions_that_harm_the_same_groups(app, wirral):
    client, org = wirral
    mine = make(app, "Mine", organisation_id=org)
    make(app, "Bus cuts", organisation_id=org)
    make(app, "Elsewhere", organisation_id=org, details_place="wirral")
    page = get(client, f"/assessments/{mine}")
    related = page.select_one("#related")
    assert related is not None
    text = normalize(related.text)
    assert "Bus cuts" in text and "Elsewhere" not in text and "Mine" not in text
    assert "harmful for people on low incomes or benefits, under: Ensure a healthy" in text


def test_another_organisations_signed_off_assessment_can_be_read_not_changed(app, wirral):
    client, _ = wirral
    halton = make_user(app, email="sam@halton.gov.uk", organisation="Halton Borough Council")
    signed = make(app, "Signed", organisation_id=halton.organisation_id)
    draft = make(app, "Draft", organisation_id=halton.organisation_id)
    with app.app_context():
        store.get_db().execute("UPDATE assessments SET status = 'approved' WHERE uid = ?", [signed])
        store.get_db().conn.commit()
    assert rows(get(client, "/assessments")) == ["Signed"]
    assert client.get(f"/assessments/{signed}/statement").status_code == 200
    assert client.post(f"/assessments/{signed}/start-revision").status_code == 403
    assert client.get(f"/assessments/{draft}").status_code == 404
