"""Latency under gunicorn, run by `make bench` and never by `make test`.

The real server (deploy/gunicorn.conf.py, four workers) on a throwaway database, used
over HTTP by 8 and then 32 signed-in people at once. Each repeats what an author does:
open a question page, save it, read the statement. Times are reported as p50/p95/p99 in
ms and as ratios to GET /healthz from a single client, measured in the same run, because
these machines are shared and noisy. Nothing here asserts a time; every timed response
is checked first (status, and the page's own content), so a fast error page can never
pass for a result.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.serving_client import (
    WRITABLE,
    Browser,
    Draft,
    Reply,
    is_saved,
    page_url,
    read_form,
    shows,
    signed_in,
    start_site,
)

CLIENTS = (8, 32)
LOOPS = {8: 12, 32: 4}  # each client's open-save-read loops, after one to warm up
ASSESSMENTS = 8
KINDS = ("question page", "save", "statement")
TRIVIAL_SAMPLES = 200


class Timings:
    """Seconds per kind of request, and every response that was not what it should be."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {kind: [] for kind in KINDS}
        self.wrong: list[str] = []

    def timed(self, kind: str, send: Callable[[], Reply], right: Callable[[Reply], bool]):
        start = time.perf_counter()
        try:
            reply = send()
        except OSError as err:
            self.wrong.append(f"{kind}: {err!r}")
            return None
        elapsed = time.perf_counter() - start
        if not right(reply):
            self.wrong.append(f"{kind}: {reply.status} {reply.location}")
            return None
        self.seconds[kind].append(elapsed)
        return reply


def author_loop(browser: Browser, client: int, draft: Draft, page: str, question_id: str):
    """One client's loop; with timings=None nothing is recorded (the warm-up)."""
    url = page_url(draft.uid, page)
    statement = f"/assessments/{draft.uid}/statement"

    def loop(timings: Timings, n: int) -> None:
        shown = timings.timed(
            "question page", lambda: browser.get(url), lambda r: shows(r, "data-hiat-form")
        )
        if shown is None:
            return
        form = read_form(shown.text)
        value = f"Saved in loop {n} by client {client}: homes in fuel poverty first"
        fields = form.filled({question_id: value}, ("save", "continue"))
        saved = timings.timed(
            "save", lambda: browser.post(form.action, fields), lambda r: is_saved(r, form)
        )
        if saved:
            # The statement must show the answer just saved, not only its heading.
            timings.timed(
                "statement",
                lambda: browser.get(statement),
                lambda r: shows(r, "Equity impact statement", draft.title, value),
            )

    return loop


def run_clients(loops: list, rounds: int) -> Timings:
    """Every client runs its loop `rounds` times, all starting together after a warm-up."""
    timings, warm_up = Timings(), Timings()
    start = threading.Barrier(len(loops))

    def client(loop) -> None:
        loop(warm_up, -1)
        start.wait()
        for n in range(rounds):
            loop(timings, n)

    threads = [threading.Thread(target=client, args=(loop,)) for loop in loops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not [t for t in threads if t.is_alive()], "a client never finished"
    timings.wrong += warm_up.wrong
    return timings


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def test_serving_latency_for_8_and_32_people_compared_with_a_health_check(tmp_path: Path, capsys):
    site, drafts = start_site(tmp_path, assessments=ASSESSMENTS)
    try:
        single = Browser(site.base)
        trivial_samples = Timings()
        trivial_samples.seconds["healthz"] = []
        for _ in range(TRIVIAL_SAMPLES):
            trivial_samples.timed(
                "healthz", lambda: single.get("/healthz"), lambda r: shows(r, '"status":"ok"')
            )
        assert trivial_samples.wrong == []
        trivial = statistics.median(trivial_samples.seconds["healthz"])

        results: dict[int, Timings] = {}
        for clients in CLIENTS:
            loops = []
            for n, browser in enumerate(signed_in(site, clients)):
                page, question_id = WRITABLE[n // ASSESSMENTS % len(WRITABLE)]
                loops.append(author_loop(browser, n, drafts[n % ASSESSMENTS], page, question_id))
            results[clients] = run_clients(loops, LOOPS[clients])
    finally:
        site.stop()

    with capsys.disabled():
        print(
            f"\ngunicorn, {site.workers} workers; GET /healthz from one client: "
            f"p50 {trivial * 1000:.2f} ms (ratio 1)"
        )
        print(
            f"{'clients':>7}  {'request':<14}{'n':>5}  {'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
            f"  {'p50 x':>7}{'p95 x':>7}{'p99 x':>7}"
        )
        for clients, timings in results.items():
            for kind, samples in timings.seconds.items():
                cuts = percentiles(samples)
                ms = "".join(f"{c * 1000:8.1f}" for c in cuts)
                ratios = "".join(f"{c / trivial:7.0f}" for c in cuts)
                print(f"{clients:>7}  {kind:<14}{len(samples):>5}  {ms}  {ratios}")
    for clients, timings in results.items():
        assert timings.wrong == [], (clients, timings.wrong[:10])
        assert all(len(s) == clients * LOOPS[clients] for s in timings.seconds.values())
    assert "Traceback" not in site.log_text(), site.log_text()[-3000:]
