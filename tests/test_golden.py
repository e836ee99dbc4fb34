"""Golden files: the statement's exact markdown for the worked example and a small fixture.

Any change to the statement's wording or layout shows up here as a diff to review.
When the change is intended, accept it with:  UPDATE_GOLDEN=1 make test
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from hiat.example import load_example
from hiat.statement import to_markdown
from tests.conftest import QUESTIONS, ROOT
from tests.test_statement import filled_values, make_assessment

GOLDEN = ROOT / "tests" / "golden"
GENERATED = dt.date(2026, 11, 23)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs; run UPDATE_GOLDEN=1 make test to accept it"


def test_worked_example_statement_matches_its_golden_file(banks):
    example = load_example(QUESTIONS, banks)
    check_golden("worked_example.md", to_markdown(example.assessment(banks), banks, GENERATED))


@pytest.mark.parametrize("text", ["Warm homes", "<script>alert(1)</script> | # heading"])
def test_small_fixture_statement_matches_its_golden_file(banks, text):
    name = "fixture.md" if text == "Warm homes" else "fixture_hostile.md"
    check_golden(name, to_markdown(make_assessment(banks, filled_values(text)), banks, GENERATED))
