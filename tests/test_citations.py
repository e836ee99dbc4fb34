"""Readers see citations of publications, never pointers into our development kit.

Guidance, local figures and the worked example once said "seed 004, lines 63-64": a
file and line numbers of the kit this service was built from, which mean nothing to a
board. Every page a user can reach, every question page with its guidance and local
figures for every place, and the worked example's statement and downloads are checked.
"""

from __future__ import annotations

import io
import re

import pytest
from docx import Document

from hiat import wizard
from tests.conftest import PRINCIPLES, screening_data, signed_in_client, uid_from

# A seed file or its number, a line reference, or a file of the kit's shared folder.
KIT_POINTER = re.compile(
    r"seed\s*\d|seeds/|SEED_FACTS|borough_context|DOMAIN\.md|shared/"
    r"|\b0\d\d_[0-9a-f]{16}|\blines? \d+|\(\d{3}:\d+",
    re.IGNORECASE,
)
PUBLIC_PAGES = ("/", "/about", "/accessibility", "/worked-example", "/indicators", "/sign-in")


def pointers(text: str) -> list[str]:
    return [text[max(m.start() - 40, 0) : m.end() + 20] for m in KIT_POINTER.finditer(text)]


def test_the_pattern_finds_the_old_kind_of_reference():
    assert pointers("(Institute of Health Equity, 2021: seed 004, lines 63-64)")
    assert pointers("see 004_78a6ad511746d084.txt")
    assert not pointers("(Institute of Health Equity (2021) Building Back Fairer, Figure 34)")


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_cite_publications_not_development_files(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert pointers(response.get_data(as_text=True)) == []


def full_assessment(client, place: str) -> str:
    details = {
        "details_title": "Green Plan",
        "details_organisation": "Wirral Council",
        "details_place": place,
        "details_summary": "Cut carbon.",
        "details_decision_body": "Wirral Cabinet",
        "details_kind": "strategy_plan",
        "save": "continue",
    }
    uid = uid_from(client.post("/assessments/new", data=details).headers["Location"])
    data = screening_data(PRINCIPLES) | {
        "screening_scale": "large",
        "screening_people": "everyone",
        "screening_reversible": "very_hard",
        "screening_evidence": "little",
        "screening_path": "full",
    }
    client.post(f"/assessments/{uid}/pages/screening", data=data)
    client.post(f"/assessments/{uid}/pages/proportionality", data=data)
    client.post(f"/assessments/{uid}/pages/path", data=data)
    return uid


def test_every_question_page_with_its_guidance_and_local_figures_cites_publications(app, banks):
    client = signed_in_client(app)
    values = {f"screening_{p}": "a_lot" for p in PRINCIPLES} | {"screening_path": "full"}
    page_ids = [page.id for s in wizard.sections(banks, values) for page in s.pages]
    assert len(page_ids) > 30
    shown = 0
    for place in (option.value for option in banks.places):
        uid = full_assessment(client, place)
        for page_id in page_ids:
            response = client.get(f"/assessments/{uid}/pages/{page_id}")
            assert response.status_code == 200, page_id
            text = response.get_data(as_text=True)
            assert pointers(text) == [], (place, page_id)
            shown += text.count("Building Back Fairer")
    assert shown > 100, "local figures and guidance cite the report by name"


def test_worked_example_statement_and_downloads_cite_publications(app):
    client = signed_in_client(app)
    form = client.get("/worked-example")
    assert pointers(form.get_data(as_text=True)) == []
    copied = client.post("/worked-example/copy")
    uid = uid_from(copied.headers["Location"])
    for name in ("statement", "statement/print", "statement.md", "export.json"):
        response = client.get(f"/assessments/{uid}/{name}")
        assert response.status_code == 200, name
        assert pointers(response.get_data(as_text=True)) == [], name
    for plan in ("action-plan", "monitoring-plan"):
        response = client.get(f"/assessments/{uid}/{plan}.csv")
        assert pointers(response.data.decode("utf-8-sig")) == [], plan
    word = Document(io.BytesIO(client.get(f"/assessments/{uid}/statement.docx").data))
    text = "\n".join(p.text for p in word.paragraphs) + "\n".join(
        cell.text for table in word.tables for row in table.rows for cell in row.cells
    )
    assert "Building Back Fairer" in text
    assert pointers(text) == []
