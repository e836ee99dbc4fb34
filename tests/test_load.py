"""Many people at once, and servers killed mid-save: a save the user was told about is kept.

Both tests run the real gunicorn with four workers (tests/serving_client.py) and use it
over HTTP as browsers would: signed in, with the CSRF token and lock_version of each page.
A save counts as acknowledged when the server redirects onward; every acknowledged save
is then looked for in the answers' history in the database. Nothing here asserts a time.
"""

from __future__ import annotations

import http.client
import itertools
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.datastructures import MultiDict

from hiat import store
from tests.conftest import PASSWORD, make_user
from tests.serving_client import (
    WRITABLE,
    Browser,
    Draft,
    Site,
    add_drafts,
    integrity,
    is_saved,
    page_url,
    read_form,
    reading_pages,
    saved_values,
    shows,
    signed_in,
    start_site,
)

WRITERS = 8
READERS = 16
LOAD_SECONDS = 12
KILL_ROUNDS = 5
# Rounds that kill the master with its workers, and restart it; the others kill one worker.
WHOLE_SERVER_ROUNDS = frozenset({2, 4})
SECONDS_BETWEEN_KILLS = 1.5
DROPPED = (OSError, http.client.HTTPException)


@dataclass(frozen=True, slots=True)
class Save:
    uid: str
    page: str
    question_id: str
    value: str


@dataclass
class Tally:
    """What every thread saw, in one place. list.append is atomic; counts take the lock."""

    saves: list[Save] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    dropped: int = 0
    reads: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int | None = None, dropped: int = 0, reads: int = 0) -> None:
        with self.lock:
            if status is not None:
                self.statuses[status] += 1
            self.dropped += dropped
            self.reads += reads

    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


@dataclass(frozen=True, slots=True)
class Writer:
    """One person saving one page of one assessment, again and again."""

    name: str
    draft: Draft
    page: str
    question_id: str


def writers(drafts: list[Draft]) -> list[Writer]:
    """Two writers per assessment, each on a page of their own."""
    return [
        Writer(f"writer {n}", drafts[n // 2], *WRITABLE[n % len(WRITABLE)]) for n in range(WRITERS)
    ]


def keep_saving(
    browser: Browser, writer: Writer, tally: Tally, stop: threading.Event, drops_expected: bool
) -> None:
    """Open the page, check it shows the last save, type a new answer, save and continue."""
    url = page_url(writer.draft.uid, writer.page)
    # What the page may show: the last acknowledged save, or a later one whose reply was lost.
    shown_may_be = {None}
    for attempt in itertools.count():
        if stop.is_set():
            return
        value = f"{writer.name}, save {attempt}: fuel-poor homes first — £{attempt} a week"
        try:
            page = browser.get(url)
            tally.count(page.status)
            if not shows(page, "data-hiat-form"):
                tally.problems.append(f"{writer.name}: GET {url} gave {page.status}")
                continue
            form = read_form(page.text)
            if (shown := form.value(writer.question_id) or None) not in shown_may_be:
                tally.problems.append(f"{writer.name}: page shows {shown!r}")
            shown_may_be.add(value)
            reply = browser.post(
                form.action, form.filled({writer.question_id: value}, ("save", "continue"))
            )
        except DROPPED as err:
            tally.count(dropped=1)
            if not drops_expected:
                tally.problems.append(f"{writer.name}: {err!r}")
            time.sleep(0.05)
            continue
        tally.count(reply.status)
        if is_saved(reply, form):
            tally.saves.append(Save(writer.draft.uid, writer.page, writer.question_id, value))
            shown_may_be = {value}
        else:
            tally.problems.append(f"{writer.name}: save answered {reply.status}")


def keep_reading(
    browser: Browser, drafts: list[Draft], tally: Tally, stop: threading.Event, seed: int
) -> None:
    pages = [page for draft in drafts for page in reading_pages(draft)]
    rng = random.Random(seed)
    while not stop.is_set():
        url, expected = rng.choice(pages)
        try:
            page = browser.get(url)
        except DROPPED as err:
            tally.count(dropped=1)
            tally.problems.append(f"reader: GET {url}: {err!r}")
            continue
        tally.count(page.status, reads=1)
        if not shows(page, *expected):
            tally.problems.append(f"reader: GET {url} gave {page.status} without {expected}")


def run_threads(
    site: Site, drafts: list[Draft], tally: Tally, readers: int, drops_expected: bool
) -> tuple[threading.Event, list[threading.Thread]]:
    """Each writer signs in; each reader is another tab of a writer's browser."""
    stop = threading.Event()
    browsers = signed_in(site, WRITERS)
    jobs = [
        (keep_saving, (browser, writer, tally, stop, drops_expected))
        for browser, writer in zip(browsers, writers(drafts), strict=True)
    ] + [
        (keep_reading, (browsers[n % WRITERS].tab(), drafts, tally, stop, n))
        for n in range(readers)
    ]
    threads = [threading.Thread(target=job, args=args, daemon=True) for job, args in jobs]
    for thread in threads:
        thread.start()
    return stop, threads


def finish(stop: threading.Event, threads: list[threading.Thread]) -> None:
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    assert not [t for t in threads if t.is_alive()], "a client thread never finished"


def lost(site: Site, drafts: list[Draft], saves: list[Save]) -> list[Save]:
    kept = saved_values(site.database, [d.uid for d in drafts])
    return [s for s in saves if (s.uid, s.question_id, s.value) not in kept]


def last_saves(saves: list[Save]) -> dict[tuple[str, str], tuple[Save, int]]:
    """For each page written, its last acknowledged save and how many there were."""
    found: dict[tuple[str, str], tuple[Save, int]] = {}
    for save in saves:
        _, count = found.get((save.uid, save.page), (save, 0))
        found[(save.uid, save.page)] = (save, count + 1)
    return found


def test_eight_people_saving_while_sixteen_read_lose_no_save_and_see_no_error(tmp_path: Path):
    site, drafts = start_site(tmp_path, assessments=WRITERS // 2)
    tally = Tally()
    try:
        stop, threads = run_threads(site, drafts, tally, READERS, drops_expected=False)
        time.sleep(LOAD_SECONDS)
        finish(stop, threads)
    finally:
        site.stop()

    print(
        f"\nload: {len(tally.saves)} saves acknowledged, {tally.reads} pages read, "
        f"statuses {dict(tally.statuses)}, {tally.dropped} connection errors"
    )
    assert tally.problems == []
    assert tally.server_errors() == 0 and tally.dropped == 0
    assert lost(site, drafts, tally.saves) == []
    db = store.open_db(str(site.database))
    try:
        for (uid, page), (last, count) in last_saves(tally.saves).items():
            assessment = store.get_assessment(db, uid)
            # The last save is the answer now, and no save was applied without being told.
            assert assessment.value(last.question_id) == last.value
            assert assessment.page_version(page) == count
    finally:
        db.close()
    assert len(last_saves(tally.saves)) == WRITERS
    assert integrity(site.database) == "ok"
    assert "Traceback" not in site.log_text(), site.log_text()[-3000:]


def kill(site: Site, round_: int) -> str:
    """Kill one worker, or the whole server and start it again; say which."""
    if round_ in WHOLE_SERVER_ROUNDS:
        site.kill_all()
        # Down: the database alone must already hold every acknowledged save.
        assert integrity(site.database) == "ok"
        site.start()
        return "master and workers"
    victim = random.choice(site.worker_pids())
    site.kill_worker(victim)
    deadline = time.monotonic() + 60
    while victim in site.worker_pids():
        assert time.monotonic() < deadline, f"worker {victim} outlived SIGKILL"
        time.sleep(0.05)
    site.wait_for_workers()
    return "one worker"


def test_saves_acknowledged_before_a_kill_9_are_all_kept(tmp_path: Path):
    site, drafts = start_site(tmp_path, assessments=WRITERS // 2)
    tally = Tally()
    rounds = []
    try:
        stop, threads = run_threads(site, drafts, tally, readers=0, drops_expected=True)
        for round_ in range(KILL_ROUNDS):
            time.sleep(SECONDS_BETWEEN_KILLS)
            before, dropped = list(tally.saves), tally.dropped
            killed = kill(site, round_)
            assert integrity(site.database) == "ok"
            cut_off = tally.dropped - dropped
            rounds.append((killed, cut_off, len(before), len(lost(site, drafts, before))))
        time.sleep(SECONDS_BETWEEN_KILLS)
        finish(stop, threads)
    finally:
        site.stop()

    print(f"\nkill -9: {len(tally.saves)} saves acknowledged, {tally.dropped} requests cut off")
    for n, (killed, cut_off, acknowledged, missing) in enumerate(rounds, 1):
        print(
            f"  round {n}: killed {killed}, {cut_off} requests cut off; "
            f"{acknowledged} saves acknowledged before, {missing} lost"
        )
    assert [missing for *_, missing in rounds] == [0] * KILL_ROUNDS
    assert lost(site, drafts, tally.saves) == []
    assert tally.problems == []
    assert tally.server_errors() == 0
    assert integrity(site.database) == "ok"
    assert "Traceback" not in site.log_text(), site.log_text()[-3000:]


def test_two_tabs_opened_together_just_after_sign_in_can_both_save(csrf_app):
    """The two first pages are in flight together: both left with the sign-in's cookie."""
    author = make_user(csrf_app)
    (draft,) = add_drafts(csrf_app, author.organisation_id, 1)
    client = csrf_app.test_client()
    sign_in = read_form(client.get("/sign-in").get_data(as_text=True), 'form[action^="/sign-in"]')
    fields = sign_in.filled({"email": author.email, "password": PASSWORD}, press=None)
    assert client.post("/sign-in", data=MultiDict(fields)).status_code == 302
    after_sign_in = client.get_cookie("session").value

    (first_page, question_id), (second_page, _) = WRITABLE[:2]
    first = read_form(client.get(page_url(draft.uid, first_page)).get_data(as_text=True))
    client.set_cookie("session", after_sign_in)  # the second tab's request left before
    assert client.get(page_url(draft.uid, second_page)).status_code == 200

    typed = first.filled({question_id: "Typed in the first tab"}, ("save", "continue"))
    assert client.post(first.action, data=MultiDict(typed)).status_code == 302
