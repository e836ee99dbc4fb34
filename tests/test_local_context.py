"""Local figures appear beside the questions they inform, for the right place, with sources."""

from __future__ import annotations

from hiat.questions import REGION
from tests.conftest import DETAILS, normalize, screening_data, uid_from


def figures_on(page) -> list[str]:
    return [normalize(li.text) for li in page.select(".hiat-figures li")]


def test_every_figure_has_a_year_a_source_and_a_line_reference(banks):
    assert len(banks.figures) >= 50
    for figure in banks.figures:
        assert figure.year and figure.source and figure.reference.startswith("seed "), figure.id


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
    location = client.post("/assessments/new", data=dict(DETAILS, details_place=place))
    uid = uid_from(location.headers["Location"])
    client.post(f"/assessments/{uid}/pages/screening", data=screening_data(("prevention",)))
    page = pages.get(f"/assessments/{uid}/pages/prevention-step-1")
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
    assert "Source: Institute of Health Equity (2021)" in shown
