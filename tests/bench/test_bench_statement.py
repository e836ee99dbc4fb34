"""Benchmarks, run by `make bench` and never by `make test`.

Times are reported as ratios to a trivial Flask request measured in the same run,
because these machines are shared and noisy. Nothing here asserts a time; every
timed response is checked for status 200 and its expected title first, so a fast
error page can never pass for a result. Aims: the large assessment's statement page
within 50 trivial requests, its Word file within 200, and a second download of any
document (served from the document cache) within 10.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import time
from collections.abc import Callable

import pytest
from docx import Document

from hiat import create_app, store
from hiat.example import load_example, unsaved_assessment
from hiat.exports import to_docx
from hiat.statement import build_statement, render_html, render_markdown
from tests.conftest import PRINCIPLES, QUESTIONS, make_user, sign_in

GENERATED = dt.date(2026, 11, 23)
TEXT = (
    "Retrofit goes first to fuel-poor private renters found through GP and housing referrals; "
    "we check bills after the first winter and attach rent conditions to every grant. "
) * 2
TITLE = "Large plan"


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


def large_values(banks, rows: int = 50) -> dict:
    """All eight principles, every question answered, `rows` actions and `rows` indicators."""
    values: dict = {"details_title": TITLE, "details_place": "liverpool", "screening_path": "full"}
    values |= {f"screening_{p}": "a_lot" for p in PRINCIPLES}
    tables: dict[str, list] = {"action_table": [], "indicator_table": []}
    for principle in banks.principles:
        for question in principle.questions:
            if question.type in tables:
                tables[question.type].append(question)
            elif (answer := sample_answer(question, banks)) is not None:
                values[question.id] = answer
    for questions in tables.values():
        for index in range(rows):
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


def saved(app, banks, rows: int, organisation_id: int) -> str:
    """The large assessment saved in the signed-in user's organisation, so they may open it."""
    large = unsaved_assessment(banks, large_values(banks, rows), uid="large", title=TITLE)
    with app.app_context():
        return store.create_assessment(
            store.get_db(),
            banks.version,
            {"title": TITLE},
            [
                store.NewAnswer(a.question_id, a.value, a.label, a.option_labels)
                for a in large.answers.values()
            ],
            page="bench",
            organisation_id=organisation_id,
        )


def checked(client, url: str, expect: bytes | str, content_type: str) -> Callable[[], None]:
    """A GET that must answer 200, of the right type, holding `expect`: else the bench fails."""

    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.content_type.startswith(content_type), (url, response.content_type)
        if isinstance(expect, bytes):
            assert response.data.startswith(expect), url
        else:
            assert expect in response.get_data(as_text=True), url

    return get


def word_title(data: bytes) -> str:
    return Document(io.BytesIO(data)).paragraphs[0].text


def test_statement_costs_compared_with_a_trivial_request(bench_app, capsys):
    banks = bench_app.extensions["hiat"]
    user = make_user(bench_app)
    client = sign_in(bench_app.test_client(), user)
    example = load_example(QUESTIONS, banks).assessment(banks)
    trivial = median_seconds(checked(client, "/bench-trivial", "ok", "text/html"), repeat=200)
    results: dict[str, float] = {}

    for name, assessment in (
        ("worked example", example),
        (
            "large assessment (50 rows)",
            unsaved_assessment(banks, large_values(banks), uid="l", title=TITLE),
        ),
    ):
        built = build_statement(assessment, banks, GENERATED)
        results[f"{name}: markdown"] = median_seconds(
            lambda a=assessment: render_markdown(build_statement(a, banks, GENERATED))
        )
        results[f"{name}: HTML"] = median_seconds(
            lambda a=assessment: render_html(build_statement(a, banks, GENERATED))
        )
        assert word_title(to_docx(built)).startswith("Equity impact statement: ")
        results[f"{name}: Word"] = median_seconds(lambda b=built: to_docx(b), repeat=7)

    for rows in (50, 1000):
        uid = saved(bench_app, banks, rows, user.organisation_id)
        base = f"/assessments/{uid}"
        heading = f"Equity impact statement: {TITLE}"
        cache = bench_app.extensions["hiat_documents"]
        for label, url, expect, kind in (
            ("statement page", f"{base}/statement", heading, "text/html"),
            ("markdown", f"{base}/statement.md", f"# {heading}", "text/markdown"),
            ("Word", f"{base}/statement.docx", b"PK", "application/vnd.openxml"),
            ("PDF", f"{base}/statement.pdf", b"%PDF", "application/pdf"),
            ("board summary PDF", f"{base}/summary.pdf", b"%PDF", "application/pdf"),
        ):
            get = checked(client, url, expect, kind)
            # First download: nothing cached, the document is made.
            cache._items.clear()
            start = time.perf_counter()
            get()
            results[f"{rows} rows: {label}, first"] = time.perf_counter() - start
            results[f"{rows} rows: {label}, again (cached)"] = median_seconds(get, repeat=25)
        results[f"{rows} rows: task list page (for comparison)"] = median_seconds(
            checked(client, base, TITLE, "text/html"), repeat=25
        )
        word = client.get(f"{base}/statement.docx")
        assert word_title(word.data) == heading

    with capsys.disabled():
        print(f"\ntrivial Flask request: {trivial * 1000:.3f} ms (ratio 1)")
        for name, seconds in results.items():
            print(f"{name}: {seconds * 1000:.1f} ms (ratio {seconds / trivial:.0f})")
    assert all(seconds > 0 for seconds in results.values())
