"""Benchmarks, run by `make bench` and never by `make test`.

Times are reported as ratios to a trivial Flask request measured in the same run,
because these machines are shared and noisy. Nothing here asserts a time. Aims:
the large assessment's statement page within 50 trivial requests, and its Word
file within 200.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

import pytest

from hiat import create_app, store
from hiat.example import load_example, unsaved_assessment
from hiat.exports import to_docx
from hiat.statement import build_statement, render_html, render_markdown
from tests.conftest import PRINCIPLES, QUESTIONS, signed_in_client

GENERATED = dt.date(2026, 11, 23)
TEXT = (
    "Retrofit goes first to fuel-poor private renters found through GP and housing referrals; "
    "we check bills after the first winter and attach rent conditions to every grant. "
) * 2


def median_seconds(action: Callable[[], object], repeat: int = 15) -> float:
    action()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def sample_answer(question, banks):
    """A plausible answer of the question's type, or None for the repeating rows."""
    samples = {
        "text": lambda: TEXT,
        "textarea": lambda: TEXT,
        "intersections": lambda: TEXT,
        "radios": lambda: question.options[0].value,
        "yes_no_unsure": lambda: question.options[0].value,
        "checkboxes": lambda: [o.value for o in question.options[:3]],
        "groups": lambda: [g.id for g in banks.groups[:6]],
        "impact_rating": lambda: {
            "direction": "positive",
            "gap": "narrows",
            "magnitude": "large",
            "confidence": "medium",
        },
    }
    return samples[question.type]() if question.type in samples else None


def large_values(banks) -> dict:
    """All eight principles, every question answered, 50 actions and 50 indicators."""
    values: dict = {
        "details_title": "Large plan",
        "details_place": "liverpool",
        "screening_path": "full",
    }
    values |= {f"screening_{p}": "a_lot" for p in PRINCIPLES}
    tables: dict[str, list] = {"action_table": [], "indicator_table": []}
    for principle in banks.principles:
        for question in principle.questions:
            if question.type in tables:
                tables[question.type].append(question)
            elif (answer := sample_answer(question, banks)) is not None:
                values[question.id] = answer
    for questions in tables.values():
        for index in range(50):
            question = questions[index % len(questions)]
            row = {
                c.id: f"{c.label} {index}: {TEXT[:80]}"
                for c in question.columns
                if c.type in ("text", "textarea")
            }
            values.setdefault(question.id, []).append(row)
    return values


@pytest.fixture(scope="module")
def bench_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "bench", "DATABASE": str(folder / "hiat.db")},
        instance_path=str(folder),
    )
    app.add_url_rule("/bench-trivial", "bench_trivial", lambda: "ok")
    return app


def test_statement_costs_compared_with_a_trivial_request(bench_app, capsys):
    banks = bench_app.extensions["hiat"]
    client = signed_in_client(bench_app)
    example = load_example(QUESTIONS, banks).assessment(banks)
    large = unsaved_assessment(banks, large_values(banks), uid="large", title="Large plan")
    with bench_app.app_context():
        db = store.get_db()
        uid = store.create_assessment(
            db,
            banks.version,
            {"title": "Large plan"},
            [
                store.NewAnswer(a.question_id, a.value, a.label, a.option_labels)
                for a in large.answers.values()
            ],
            page="bench",
        )

    trivial = median_seconds(lambda: client.get("/bench-trivial"), repeat=200)
    results = {}
    for name, assessment in (("worked example", example), ("large assessment", large)):
        built = build_statement(assessment, banks, GENERATED)
        results[f"{name}: markdown"] = median_seconds(
            lambda a=assessment: render_markdown(build_statement(a, banks, GENERATED))
        )
        results[f"{name}: HTML"] = median_seconds(
            lambda a=assessment: render_html(build_statement(a, banks, GENERATED))
        )
        results[f"{name}: Word"] = median_seconds(lambda b=built: to_docx(b), repeat=7)
    results["large assessment: statement page"] = median_seconds(
        lambda: client.get(f"/assessments/{uid}/statement")
    )
    results["large assessment: Word download"] = median_seconds(
        lambda: client.get(f"/assessments/{uid}/statement.docx"), repeat=7
    )

    with capsys.disabled():
        print(f"\ntrivial Flask request: {trivial * 1000:.3f} ms (ratio 1)")
        for name, seconds in results.items():
            print(f"{name}: {seconds * 1000:.1f} ms (ratio {seconds / trivial:.0f})")
    assert all(seconds > 0 for seconds in results.values())
