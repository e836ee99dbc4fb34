"""Benchmarks, run by `make bench` and never by `make test`.

Times are reported as ratios to a trivial request measured in the same run, because
these machines are shared and noisy. Nothing here asserts a time.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from tests.conftest import PRINCIPLES


def median_seconds(action: Callable[[], object], repeat: int = 30) -> float:
    action()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def test_statement_costs_compared_with_a_trivial_request(client, new_assessment, capsys):
    uid = new_assessment(PRINCIPLES)
    for principle_step in ("early_years-step-2", "fair_work-step-2", "prevention-step-3"):
        client.post(f"/assessments/{uid}/pages/{principle_step}", data={"save": "continue"})
    trivial = median_seconds(lambda: client.get("/static/images/favicon.svg").close())
    results = {
        "start page": median_seconds(lambda: client.get("/")),
        "task list (8 principles)": median_seconds(lambda: client.get(f"/assessments/{uid}")),
        "statement page (8 principles)": median_seconds(
            lambda: client.get(f"/assessments/{uid}/statement")
        ),
        "statement download (8 principles)": median_seconds(
            lambda: client.get(f"/assessments/{uid}/statement.md")
        ),
    }
    with capsys.disabled():
        print(f"\ntrivial request: {trivial * 1000:.2f} ms (ratio 1)")
        for name, seconds in results.items():
            print(f"{name}: {seconds * 1000:.2f} ms (ratio {seconds / trivial:.1f})")
    assert all(seconds > 0 for seconds in results.values())
