"""The cumulative equity impact report: what a board reads when many assessments add up."""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import replace

import markdown
import pytest
from bs4 import BeautifulSoup
from docx import Document

from hiat.cumulative import (
    GROUP,
    NO_ACTION,
    NO_DATE,
    NOT_KNOWN,
    PLACE,
    REPORT_KIND,
    SYMBOLS,
    UNRATED,
    Decision,
    busy_periods,
    gaps_in_evidence,
    group_table,
    hotspots,
    matrix,
    report,
    twelve_months_after,
)
from hiat.exports import to_docx
from hiat.impacts import Impact
from hiat.statement import Heading, Table, render_markdown
from tests.conftest import md_headings, normalize
from tests.test_statement import (
    HOSTILE,
    parser,
    readable,
    rendered_tags,
    table_rows_have_header_width,
)

TODAY = dt.date(2026, 11, 23)
ABOUT = "Liverpool City Council, decisions from 1 April 2026 to 31 March 2027"
LOW_INCOME, FUEL_POOR, CARERS = "se_low_income", "se_fuel_poor", "own:Kinship carers"
SECTIONS = [
    "What was assessed",
    "The pattern",
    "Hotspots",
    "Gaps in the evidence",
    "Ratings by decision and principle",
    "Harmful impacts by group and principle",
    "How this report was made",
]


def decision(uid: str, day: str = "2026-06-01", *impacts: Impact, **fields) -> Decision:
    values = {
        "title": f"Decision {uid}",
        "organisation": "Liverpool City Council",
        "place": "Liverpool",
        "status": "approved",
        "groups": (LOW_INCOME,),
        **fields,
    }
    return Decision(uid=uid, decision_date=day, impacts=impacts, **values)


HARM = Impact("fair_work", "negative", "widens", actions=1)
BARE_HARM = Impact("fair_work", "negative", "widens")


def three(days: tuple[str, str, str], impact: Impact = HARM) -> list[Decision]:
    return [decision(f"d{n}", day, impact) for n, day in enumerate(days, 1)]


def markdown_of(decisions, banks, about: str = ABOUT) -> str:
    return render_markdown(report(decisions, banks, about, TODAY))


def visible(text: str) -> str:
    """What a reader sees: control characters and closing bidi marks carry no words."""
    return normalize(readable(text).replace("\u202c", "").replace("\u2069", ""))


def paragraph_after(text: str, heading: str) -> str:
    return text.split(f"## {heading}\n\n", 1)[1].split("\n\n", 1)[0]


# ---------------------------------------------------------------- the matrix
def test_matrix_shows_each_rating_in_words_led_by_a_symbol(banks):
    impacts = (
        Impact("early_years", "positive", "narrows"),
        Impact("fair_work", "negative", "widens"),
        Impact("prevention", "uncertain", "not_known"),
        Impact("living_standard", "major_negative", ""),
        Impact("healthy_places"),
    )
    (row,) = matrix([decision("a", "2026-05-01", *impacts)], banks).rows
    cells = dict(zip((p.id for p in banks.principles), (c.text for c in row.cells), strict=True))
    assert cells["early_years"] == "▲ Positive, narrows the gap"
    assert cells["fair_work"] == "▼ Negative, widens the gap"
    assert cells["prevention"] == "? Not known yet, effect on the gap not known"
    assert cells["living_standard"] == "▼▼ Major negative, gap not rated yet"
    assert cells["healthy_places"] == "… Not rated yet"
    assert cells["education_skills"] == "– Not screened in"
    assert [c.harmful for c in row.cells][:4] == [False, False, True, True]


def test_matrix_key_explains_every_symbol_in_words(banks):
    text = markdown_of([decision("a", "2026-05-01", HARM)], banks)
    for symbol in SYMBOLS.values():
        assert any(line.startswith(f"- {symbol} ") for line in text.splitlines()), symbol


# ---------------------------------------------------------------- the group table
def test_group_table_counts_negative_widening_and_actioned_harms_per_group(banks):
    decisions = [
        decision("a", "2026-05-01", Impact("fair_work", "negative", "no_change", 2, (FUEL_POOR,))),
        decision("b", "2026-06-01", Impact("fair_work", "positive", "widens", 0, (FUEL_POOR,))),
        decision("c", "2026-07-01", Impact("fair_work", "major_negative", "widens")),
        decision("d", "2026-08-01", Impact("fair_work", "positive", "narrows", 0, (FUEL_POOR,))),
    ]
    table = group_table(decisions, banks)
    column = [p.id for p in table.principles].index("fair_work")
    rows = {row.group: row for row in table.rows}
    assert set(rows) == {FUEL_POOR, LOW_INCOME}  # c has no groups of its own: the policy's count
    assert rows[FUEL_POOR].cells[column].text == "1 negative, 1 widening; 1 of 2 with an action"
    assert rows[LOW_INCOME].cells[column].text == "1 negative, 1 widening; 0 of 1 with an action"
    assert rows[FUEL_POOR].cells[0].text == "None"
    assert table.rows[0].group == FUEL_POOR  # the most harmed group first
    assert rows[FUEL_POOR].total.harmful == 2


def test_group_table_names_own_named_groups_by_their_own_name(banks):
    harm = Impact("prevention", "negative", "widens", 0, (CARERS,))
    table = group_table([decision("a", "2026-05-01", harm)], banks)
    assert [row.label for row in table.rows] == ["Kinship carers"]
    text = markdown_of([decision("a", "2026-05-01", harm)], banks)
    assert "| Kinship carers |" in text


def test_report_says_when_no_group_is_harmed(banks):
    good = Impact("fair_work", "positive", "narrows")
    assert group_table([decision("a", "2026-05-01", good)], banks).rows == ()
    text = markdown_of([decision("a", "2026-05-01", good)], banks)
    assert paragraph_after(text, "Harmful impacts by group and principle") == (
        "No group has a harmful impact in these decisions."
    )


# ---------------------------------------------------------------- hotspots
def test_hotspot_counts_three_decisions_exactly_twelve_months_apart(banks):
    spots = hotspots(three(("2026-04-01", "2026-10-01", "2027-04-01")), banks)
    (group,) = [s for s in spots if s.kind == GROUP]
    assert (group.subject, group.first, group.last) == (LOW_INCOME, "2026-04-01", "2027-04-01")
    assert [d.uid for d in group.decisions] == ["d1", "d2", "d3"]
    assert [s.label for s in spots if s.kind == PLACE] == ["Liverpool"]


def test_no_hotspot_for_three_decisions_twelve_months_and_a_day_apart(banks):
    assert hotspots(three(("2026-04-01", "2026-10-01", "2027-04-02")), banks) == ()


def test_twelve_months_from_29_february_ends_on_28_february():
    assert twelve_months_after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert busy_periods(three(("2028-02-29", "2028-06-01", "2029-03-01"))) == []


def test_overlapping_busy_windows_make_one_period_with_its_busiest_twelve_months(banks):
    days = ("2026-01-01", "2026-06-01", "2026-12-01", "2027-05-01", "2028-09-01")
    decisions = [decision(f"d{n}", day, HARM) for n, day in enumerate(days)]
    ((period, most),) = busy_periods(decisions)
    assert [d.uid for d in period] == ["d0", "d1", "d2", "d3"]
    assert most == 3
    text = markdown_of(decisions, banks)
    assert (
        "People on low incomes or benefits: harmed by 4 decisions between 1 January 2026 and "
        "1 May 2027, up to 3 of them within twelve months."
    ) in text


def test_undated_decisions_count_in_no_hotspot_and_show_as_gaps(banks):
    decisions = [*three(("2026-04-01", "2026-10-01", "")), decision("d4", "", HARM)]
    assert [s for s in hotspots(decisions, banks) if s.kind in (GROUP, PLACE)] == []
    undated = [g.decision.uid for g in gaps_in_evidence(decisions, banks) if g.kind == NO_DATE]
    assert undated == ["d3", "d4"]


def test_hotspots_show_harms_adding_up_first_then_unactioned_harms_major_negative_first(banks):
    decisions = [
        *three(("2026-04-01", "2026-05-01", "2026-06-01")),
        decision("e", "2026-01-01", BARE_HARM, place="Sefton", groups=(FUEL_POOR,)),
        decision(
            "f",
            "2026-09-01",
            Impact("fair_work", "major_negative", "widens"),
            place="Sefton",
            groups=(FUEL_POOR,),
        ),
        decision(
            "g",
            "2026-02-01",
            BARE_HARM,
            Impact("prevention", "positive", "widens"),
            place="Sefton",
            groups=(FUEL_POOR,),
        ),
    ]
    spots = hotspots(decisions, banks)
    assert [(s.kind, s.subject) for s in spots] == [
        (GROUP, FUEL_POOR),  # tied at 3 decisions: the earlier period first
        (GROUP, LOW_INCOME),
        (PLACE, "Sefton"),
        (PLACE, "Liverpool"),
        (NO_ACTION, "f"),  # major negative
        (NO_ACTION, "g"),  # two principles
        (NO_ACTION, "e"),
    ]
    assert spots[5].principles == ("fair_work", "prevention")
    assert hotspots(list(reversed(decisions)), banks) == spots


def test_report_lists_each_harm_with_no_action_with_its_decision(banks):
    text = markdown_of([decision("e", "2026-01-01", BARE_HARM, title="Bus cuts")], banks)
    assert "| Bus cuts (Liverpool City Council, 1 January 2026, approved) | Fair work |" in text


# ---------------------------------------------------------------- gaps in the evidence
def test_gaps_list_ratings_not_known_principles_not_rated_and_undated_decisions(banks):
    decisions = [
        decision("a", "2026-05-01", Impact("prevention", "negative", "not_known")),
        decision("b", "", Impact("fair_work", "uncertain", "widens"), Impact("early_years")),
        decision("c", "2026-06-01", Impact("fair_work", "positive", "")),
    ]
    gaps = [(g.kind, g.decision.uid, g.principles) for g in gaps_in_evidence(decisions, banks)]
    assert gaps == [
        (NOT_KNOWN, "a", ("prevention",)),
        (NOT_KNOWN, "b", ("fair_work",)),
        (UNRATED, "c", ("fair_work",)),
        (UNRATED, "b", ("early_years",)),
        (NO_DATE, "b", ()),
    ]
    text = markdown_of(decisions, banks)
    assert (
        "| Decision a (Liverpool City Council, 1 May 2026, approved) | Effect not known yet: "
        in (text)
    )


# ---------------------------------------------------------------- the report
def test_report_has_its_sections_in_order(banks):
    text = markdown_of(three(("2026-04-01", "2026-05-01", "2026-06-01")), banks)
    headings = md_headings(text)
    assert headings[0] == ("h1", f"{REPORT_KIND}: {ABOUT}")
    assert [content for tag, content in headings if tag == "h2"] == SECTIONS


def test_report_of_no_decisions_says_there_is_nothing_to_add_up(banks):
    text = markdown_of([], banks)
    assert "No assessed decisions match, so there is nothing to add up yet." in text
    assert "There is no pattern to describe yet." in text
    assert "There are no decisions to show." in text
    assert "The report adds up only the 0 decisions in this selection." in text
    assert [content for tag, content in md_headings(text) if tag == "h2"] == SECTIONS


def test_report_of_one_decision_counts_it_in_the_singular(banks):
    text = markdown_of([decision("a", "2026-05-01", BARE_HARM, status="draft")], banks)
    assert "It brings together the assessments of 1 decision, in draft." in text
    assert "The assessors rated this decision as harmful under at least one principle." in text
    assert "The only principle rated harmful is fair work (1 decision)." in text
    assert "The assessors planned no action yet for the only harmful impact (" in text
    assert "Ratings may still change for the 1 decision not approved yet." in text
    assert "1 decisions" not in text


def test_report_pattern_names_the_principles_and_groups_hit_most_and_the_actions(banks):
    decisions = [
        *three(("2026-04-01", "2026-05-01", "2026-06-01")),
        decision("x", "2026-07-01", BARE_HARM, Impact("prevention", "negative", "", 0, (CARERS,))),
        decision("y", "2026-08-01", Impact("prevention", "positive", "narrows"), status="draft"),
    ]
    pattern = paragraph_after(markdown_of(decisions, banks), "The pattern")
    assert pattern.startswith(
        "The assessors rated 4 of the 5 decisions as harmful under at least one principle."
    )
    assert "most often rated harmful are fair work (4 decisions) and ill health prevention" in (
        pattern
    )
    assert "people on low incomes or benefits (4 decisions) and kinship carers (1 decision)" in (
        pattern
    )
    assert "at least one action for 3 of the 5 harmful impacts" in pattern
    assert "The other 2 have none yet." in pattern
    assert "Harms add up for 1 group and 1 place" in pattern
    assert "It brings together the assessments of 5 decisions: 4 approved and 1 in draft." in (
        markdown_of(decisions, banks)
    )


def test_report_is_the_same_whatever_order_the_decisions_come_in(banks):
    decisions = [
        *three(("2026-04-01", "2026-05-01", "2026-06-01"), BARE_HARM),
        decision("u", "", Impact("prevention", "uncertain", "")),
    ]
    shuffled = decisions[:]
    random.Random(4).shuffle(shuffled)
    assert markdown_of(shuffled, banks) == markdown_of(decisions, banks)


def test_report_names_the_kinds_of_decision_when_known(banks):
    decisions = [
        decision("a", "2026-05-01", HARM, kind="cut_closure"),
        decision("b", "2026-06-01", HARM, kind="cut_closure"),
        decision("c", "2026-07-01", HARM),
    ]
    text = markdown_of(decisions, banks)
    assert "| A cut, closure or reduction | 2 |\n| Not given | 1 |" in text


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_report_shows_hostile_titles_and_organisations_literally(banks, text):
    decisions = [
        replace(d, title=text, organisation=text, place=text)
        for d in three(("2026-04-01", "2026-05-01", "2026-06-01"), BARE_HARM)
    ]
    written = markdown_of(decisions, banks, about=text)
    tokens = parser().parse(written)
    table_rows_have_header_width(tokens)
    allowed = {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "ul", "li"}
    assert rendered_tags(parser().render(written)) <= allowed | {"br"}
    assert rendered_tags(markdown.markdown(written, extensions=["tables"])) <= allowed | {"br"}
    headings = md_headings(written)
    assert [content for tag, content in headings if tag == "h2"] == SECTIONS
    page = BeautifulSoup(parser().render(written), "html.parser")
    first_cells = [row.find("td") for row in page.select("table")[-2].select("tbody tr")]
    assert [visible(cell.get_text()) for cell in first_cells] == [visible(text)] * 3


def test_report_renders_to_word_with_its_headings_and_tables(banks):
    decisions = [
        *three(("2026-04-01", "2026-05-01", "2026-06-01"), BARE_HARM),
        decision("k", "2026-07-01", Impact("prevention", "negative", "", 0, (CARERS,))),
    ]
    built = report(decisions, banks, ABOUT, TODAY)
    document = Document(io.BytesIO(to_docx(built)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [b.text for b in built.blocks if isinstance(b, Heading)]
    assert document.core_properties.title == f"{REPORT_KIND}: {ABOUT}"
    tables = [b for b in built.blocks if isinstance(b, Table)]
    assert len(document.tables) == len(tables)
    grid = document.tables[-2]
    assert [c.text for c in grid.rows[0].cells] == [
        "Decision",
        *(p.short_label for p in banks.principles),
    ]
    assert "▼ Negative, widens the gap" in [c.text for c in grid.rows[1].cells]
    groups = [row.cells[0].text for row in document.tables[-1].rows]
    assert groups == ["Group", "People on low incomes or benefits", "Kinship carers"]


def test_a_report_on_many_decisions_keeps_its_tables_to_100_rows_most_harmful_first(banks):
    harm = Impact("living_standard", "negative", "widens", 0, (LOW_INCOME,))
    calm = Impact("living_standard", "positive", "narrows", 1, (LOW_INCOME,))
    decisions = [
        decision(f"{n:03}", "", harm if n >= 140 else calm, title=f"Decision {n:03}")
        for n in range(150)
    ]
    tables = {}
    text = render_markdown(report(decisions, banks, ABOUT, TODAY))
    for block in report(decisions, banks, ABOUT, TODAY).blocks:
        if isinstance(block, Table):
            tables[block.headers[0], block.headers[1]] = block
    grid = next(t for (first, _), t in tables.items() if first == "Decision" and len(t.headers) > 3)
    assert len(grid.rows) == 100
    assert [row[0] for row in grid.rows[:10]] == [f"Decision {n}" for n in range(140, 150)]
    assert "This table shows the first 100 of 150 decisions, those rated harmful most" in text
    gaps = tables["Decision", "What is missing"]
    assert len(gaps.rows) == 100
    assert "This table shows the first 100 of 150 gaps." in normalize(text)


def test_a_long_hotspot_names_five_decisions_and_the_appendix_lists_them_all(banks):
    days = [f"2026-{month:02}-01" for month in range(4, 12)]  # eight decisions in a year
    decisions = [decision(f"d{n}", day, HARM, place="Wirral") for n, day in enumerate(days, 1)]
    text = markdown_of(decisions, banks)
    headings = md_headings(text)
    assert [content for tag, content in headings if tag == "h2"] == [
        *SECTIONS,
        "Appendix: the decisions behind each hotspot",
    ]
    body, appendix = text.split("## Appendix: the decisions behind each hotspot\n", 1)
    hotspots_part = body.split("## Hotspots\n", 1)[1].split("## Gaps in the evidence", 1)[0]
    for label in ("People on low incomes or benefits", "Wirral"):
        listed = hotspots_part.split(f"{label}: harmed by 8 decisions", 1)[1].split("\n\n", 2)[1]
        assert len(listed.splitlines()) == 5, label
    assert hotspots_part.count("And 3 more decisions: the appendix lists them all.") == 2
    assert ("h3", "Place: Wirral") in md_headings(appendix)
    for n in range(1, 9):
        assert appendix.count(f"- Decision d{n} (") == 2  # under the group and under the place


def test_a_report_with_short_hotspots_has_no_appendix(banks):
    text = markdown_of(three(("2026-04-01", "2026-05-01", "2026-06-01")), banks)
    assert "Appendix" not in text
