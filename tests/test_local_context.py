"""Local figures appear beside the questions they inform, for the right place, cited as a reader
can follow them (publication and section), with their year, and never with a development-kit
pointer."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from hiat import create_app
from hiat.questions import REGION, BankError, LocalFigure
from tests.conftest import (
    DETAILS,
    POPULATIONS,
    QUESTIONS,
    Pages,
    normalize,
    screening_data,
    signed_in_client,
    uid_from,
)

IHE = "Institute of Health Equity (2021) Building Back Fairer in Cheshire and Merseyside"
# What a pointer into the seeds looks like; users and boards must never see one.
POINTER = re.compile(r"seed\s*\d|seeds/|SEED_FACTS|borough_context|\.txt\b|\blines? \d", re.I)
SECTION = re.compile(
    r"^(Figure \d+|Box \d+|chapter \d|Figure \d+ and chapter \d"
    r"|news item, .+|programme web page, .+)$"
)
FIGURE = """
[[figures]]
id = "{id}"
place = "wirral"
questions = ["p6_s1_gap"]
text = "{text}"
year = "{year}"
source = "Institute of Health Equity (2021) Building Back Fairer in Cheshire and Merseyside"
{extra}
"""


def figures_on(page) -> list[str]:
    return [normalize(li.text) for li in page.select(".hiat-figures li")]


def prevention_page(client):
    location = client.post("/assessments/new", data=dict(DETAILS, details_place="wirral"))
    uid = uid_from(location.headers["Location"])
    client.post(f"/assessments/{uid}/pages/screening", data=screening_data(("prevention",)))
    client.post(f"/assessments/{uid}/pages/populations", data=POPULATIONS)
    return f"/assessments/{uid}/pages/prevention-step-1"


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    target = tmp_path / "questions"
    shutil.copytree(QUESTIONS, target)
    return target


def add_figure(bank_dir: Path, **fields: str) -> None:
    values = {"extra": 'section = "Figure 44"'} | fields
    with (bank_dir / "local_context.toml").open("a", encoding="utf-8") as handle:
        handle.write(FIGURE.format(**values))


def start_app(bank_dir: Path, tmp_path: Path):
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "hiat.db"),
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
            "QUESTIONS_DIR": str(bank_dir),
        }
    )


def test_every_figure_cites_a_publication_and_a_section_and_no_pointer(banks):
    assert len(banks.figures) >= 50
    for figure in banks.figures:
        assert figure.year and figure.source and SECTION.match(figure.section), figure.id
        assert re.match(r"^.+ \((\d{4}|undated)\) \S", figure.source), figure.id
        for shown in (figure.text, figure.source, figure.section):
            assert not POINTER.search(shown), (figure.id, shown)


def test_doubtful_figures_from_the_seed_digest_are_left_out(banks):
    texts = " ".join(figure.text for figure in banks.figures)
    assert "8.16" not in texts  # Wirral female life expectancy, garbled in the seed


def test_every_place_has_local_figures(banks):
    assert {figure.place for figure in banks.figures} == {p.value for p in banks.places}


def test_question_page_shows_figures_for_the_place_and_the_region_only(client, pages, banks):
    place = "wirral"
    question_id = next(
        q for f in banks.figures if f.place == place for q in f.questions if q.startswith("p6_s1")
    )
    page = pages.get(prevention_page(client))
    shown = " ".join(figures_on(page))
    for figure in banks.figures_for(question_id, place):
        assert normalize(figure.text) in shown
    expected = {
        f.id for f in banks.figures if f.place in (place, REGION) and question_id in f.questions
    }
    assert {f.id for f in banks.figures_for(question_id, place)} == expected
    elsewhere = [f for f in banks.figures if f.place == "liverpool" and question_id in f.questions]
    for figure in elsewhere:
        assert normalize(figure.text) not in shown


def test_question_page_shows_the_citation_with_section_and_year_never_a_pointer(
    client, pages, banks
):
    page = pages.get(prevention_page(client))
    shown = figures_on(page)
    figure = next(f for f in banks.figures_for("p6_s1_gap", "wirral") if f.place == "wirral")
    older = ", older figure" if figure.is_older(date.today()) else ""
    citation = f"(Wirral, {figure.year}{older}. {figure.source}, {figure.section}.)"
    assert f"{normalize(figure.text)} {citation}" in shown
    assert any(f"{IHE}, Figure 44.)" in item for item in shown)
    for item in shown:
        assert not POINTER.search(item), item
        assert "Source:" not in item


@pytest.mark.parametrize(
    ("year", "today", "older"),
    [
        ("2019/20", date(2025, 12, 31), False),
        ("2019/20", date(2026, 1, 1), True),
        ("2018-20", date(2025, 6, 1), False),
        ("2018-20", date(2026, 6, 1), True),
        ("2009/10 to 2020/21", date(2026, 6, 1), False),
        ("March 2020 to April 2021", date(2026, 12, 2), False),
        ("not stated (report 2021)", date(2027, 1, 1), True),
        ("2016", date(2022, 1, 1), True),
        ("1999/00", date(2005, 1, 1), False),
        ("not stated", date(2099, 1, 1), False),
    ],
)
def test_a_figure_is_an_older_figure_when_its_data_are_more_than_five_years_old(year, today, older):
    figure = LocalFigure("lc_x", REGION, (), "A fact.", year, IHE, "chapter 3")
    assert figure.is_older(today) is older


def test_question_page_says_older_figure_for_an_old_figure_only(bank_dir, tmp_path):
    add_figure(bank_dir, id="lc_test_old", text="An old fact.", year="2009/10")
    add_figure(bank_dir, id="lc_test_new", text="A new fact.", year=str(date.today().year))
    client = signed_in_client(start_app(bank_dir, tmp_path))
    shown = figures_on(Pages(client).get(prevention_page(client)))
    old = next(item for item in shown if item.startswith("An old fact."))
    new = next(item for item in shown if item.startswith("A new fact."))
    assert old == f"An old fact. (Wirral, 2009/10, older figure. {IHE}, Figure 44.)"
    assert new == f"A new fact. (Wirral, {date.today().year}. {IHE}, Figure 44.)"


def test_figure_with_a_reference_key_is_refused_at_start_up(bank_dir, tmp_path):
    add_figure(
        bank_dir,
        id="lc_test_reference",
        text="A fact.",
        year="2020",
        extra='section = "Figure 44"\nreference = "seed 004, lines 1164-1167"',
    )
    with pytest.raises(BankError) as caught:
        start_app(bank_dir, tmp_path)
    message = str(caught.value)
    assert "questions/local_context.toml: figure 'lc_test_reference': has a 'reference' key" in (
        message
    )
    assert "TOML comment" in message


@pytest.mark.parametrize(
    ("text", "extra", "key"),
    [
        ("A fact (seed 004, lines 944-946).", 'section = "Figure 35"', "text"),
        ("A fact.", 'section = "lines 944-946"', "section"),
        ("A fact from borough_context.csv.", 'section = "chapter 3"', "text"),
    ],
)
def test_figure_with_a_seed_pointer_is_refused_at_start_up(bank_dir, tmp_path, text, extra, key):
    add_figure(bank_dir, id="lc_test_pointer", text=text, year="2020", extra=extra)
    with pytest.raises(BankError) as caught:
        start_app(bank_dir, tmp_path)
    message = str(caught.value)
    assert f"questions/local_context.toml: figure 'lc_test_pointer': {key} contains" in message
    assert "TOML comment" in message


def test_figure_without_a_section_is_refused_at_start_up(bank_dir, tmp_path):
    add_figure(bank_dir, id="lc_test_no_section", text="A fact.", year="2020", extra="")
    with pytest.raises(BankError, match="figure 'lc_test_no_section': missing section"):
        start_app(bank_dir, tmp_path)


def test_a_figure_tagged_for_two_questions_on_one_page_shows_once(new_assessment, pages, banks):
    uid = new_assessment(("prevention",))
    page = pages.get(f"/assessments/{uid}/pages/prevention-step-1")
    figure = next(f for f in banks.figures if f.id == "lc_cm_life_expectancy_gap")
    assert {"p6_s1_gap", "p6_s1_groups"} <= set(figure.questions)
    assert page.text.count(figure.text) == 1


def test_figures_follow_the_place_as_chosen_before_it_is_saved(client, banks):
    chosen = next(f for f in banks.figures if f.id == "lc_ce_population")
    data = {"details_title": "", "details_place": "cheshire_east", "save": "continue"}
    response = client.post("/assessments/new", data=data)
    assert response.status_code == 200, "the title is missing, so the page comes back"
    assert chosen.text in response.get_data(as_text=True)
