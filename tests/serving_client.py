"""hiat served as deployed, and a client that uses it as a browser would.

`Site` runs the real gunicorn (deploy/gunicorn.conf.py) on a throwaway database that
`flask init-db` made, with two authors and some assessments already in it. `Browser`
keeps cookies, reads forms from the pages it is given (CSRF token, lock_version and
every answer already there) and posts them back with one button pressed. Shared by
tests/test_load.py and tests/bench/test_bench_serving.py.
"""

from __future__ import annotations

import http.cookiejar
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup
from flask import Flask

from hiat import create_app, store, wizard
from tests.conftest import PASSWORD, PRINCIPLES, ROOT, make_user
from tests.test_serving import children, free_port, wait_for

SECRET = "a-load-test-secret-key-of-forty-chars!!!"
BIN = Path(sys.executable).parent
AUTHORS = ("alex@wirral.gov.uk", "sam@wirral.gov.uk")
# Pages with no required question, each with a box a writer fills with a new value on
# every save. Two writers on one assessment never share a page, so neither meets the
# other's edit as a conflict.
WRITABLE = (
    ("early_years-step-2", "p1_s2_benefit_first"),
    ("early_years-step-3", "p1_s3_gap_not_average"),
    ("fair_work-step-1-part-2", "p3_s1_local_jobs"),
    ("fair_work-step-3", "p3_s3_warning_sign"),
)
TITLE = "Load plan"


# ---------------------------------------------------------------- the server
class Site:
    """gunicorn with its workers, on `folder`/hiat.db, logging to `folder`/server.log."""

    def __init__(self, folder: Path, workers: int = 4):
        self.database = folder / "hiat.db"
        self.log = folder / "server.log"
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HIAT_DATABASE": str(self.database),
            "HIAT_SECRET_KEY": SECRET,
            "HIAT_BIND": f"127.0.0.1:{self.port}",
            "HIAT_WORKERS": str(self.workers),
            "HIAT_CREATE_DATABASE": "on",
        }

    def init_db(self) -> None:
        """As an operator would before the first start: `flask --app app init-db`."""
        subprocess.run(
            [str(BIN / "flask"), "--app", "app", "init-db"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        # stderr to a file: one log line per request would fill a pipe and block the workers.
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "app:app"],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                # Its own process group, so the master and its workers can be killed together.
                start_new_session=True,
            )
        wait_for(f"{self.base}/healthz", seconds=60)
        self.wait_for_workers()

    def wait_for_workers(self, seconds: float = 60) -> list[int]:
        deadline = time.monotonic() + seconds
        while len(found := self.worker_pids()) != self.workers:
            assert time.monotonic() < deadline, f"{len(found)} of {self.workers} workers running"
            time.sleep(0.1)
        return found

    def worker_pids(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker, as the out-of-memory killer would; the master starts another."""
        os.kill(pid, signal.SIGKILL)

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once, as a power cut would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass(frozen=True, slots=True)
class Draft:
    uid: str
    title: str


def seed(site: Site, assessments: int) -> list[Draft]:
    """Two authors of one council, and `assessments` drafts of theirs."""
    app = create_app(
        {"DATABASE": str(site.database), "SECRET_KEY": SECRET},
        instance_path=str(site.folder / "instance"),
    )
    users = [make_user(app, email=email, name=email.split("@")[0].title()) for email in AUTHORS]
    return add_drafts(app, users[0].organisation_id, assessments)


def add_drafts(app: Flask, organisation_id: int, count: int) -> list[Draft]:
    """Drafts that cover three principles, so the pages in WRITABLE are on their way."""
    banks = app.extensions["hiat"]
    drafts = []
    with app.app_context():
        for n in range(count):
            values = {
                "details_title": f"{TITLE} {n + 1}",
                "details_organisation": "Wirral Council",
                "screening_principles": list(PRINCIPLES[:3]),
            }
            answers = [
                store.NewAnswer(qid, value, banks.questions[qid].label)
                for qid, value in values.items()
            ]
            uid = store.create_assessment(
                store.get_db(),
                banks.version,
                wizard.summary_fields(values, banks),
                answers,
                page="details",
                organisation_id=organisation_id,
            )
            drafts.append(Draft(uid, values["details_title"]))
    return drafts


def start_site(folder: Path, assessments: int, workers: int = 4) -> tuple[Site, list[Draft]]:
    site = Site(folder, workers)
    site.init_db()
    drafts = seed(site, assessments)
    site.start()
    return site, drafts


def integrity(database: Path) -> str:
    db = store.open_db(str(database))
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def saved_values(database: Path, uids: list[str]) -> set[tuple[str, str, str]]:
    """Every text each answer has ever been given, read from the answers' history."""
    db = store.open_db(str(database))
    try:
        return {
            (uid, change.question_id, change.new_value)
            for uid in uids
            for change in store.list_changes(db, uid)
            if isinstance(change.new_value, str)
        }
    finally:
        db.close()


# ---------------------------------------------------------------- the browser
@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    location: str
    text: str


class _StayPut(urllib.request.HTTPRedirectHandler):
    """Redirects come back as replies: a save's 302 is what says it was saved."""

    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: a cookie jar, and forms posted back as they were shown."""

    def __init__(self, base: str, timeout: float = 60, jar: http.cookiejar.CookieJar | None = None):
        self.base = base
        self.timeout = timeout
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _StayPut()
        )

    def tab(self) -> Browser:
        """Another tab of this browser: the same cookies, so the same session."""
        return Browser(self.base, self.timeout, self.jar)

    def get(self, path: str) -> Reply:
        return self._send(path, None)

    def post(self, path: str, fields: list[tuple[str, str]]) -> Reply:
        return self._send(path, urllib.parse.urlencode(fields).encode())

    def _send(self, path: str, data: bytes | None) -> Reply:
        """Connection errors are raised (OSError): they are never a reply."""
        try:
            with self.opener.open(self.base + path, data=data, timeout=self.timeout) as got:
                return Reply(got.status, got.headers.get("Location", ""), got.read().decode())
        except urllib.error.HTTPError as err:
            with err:
                return Reply(err.code, err.headers.get("Location", ""), err.read().decode())

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        page = self.get("/sign-in")
        assert page.status == 200, page.status
        form = read_form(page.text, 'form[action^="/sign-in"]')
        reply = self.post(
            form.action, form.filled({"email": email, "password": password}, press=None)
        )
        assert reply.status == 302 and "/sign-in" not in reply.location, (reply.status, email)
        # Then, as a browser does, the page it leads to: the first page after signing in
        # gives the new session its CSRF token, before any other tab is opened.
        landing = self.get(local(reply.location))
        assert landing.status == 200, (landing.status, reply.location)


def signed_in(site: Site, count: int) -> list[Browser]:
    """`count` browsers, signed in side by side as the authors in turn.

    Side by side because each sign-in checks a password hash, which takes a while.
    """

    def sign_in(n: int) -> Browser:
        browser = Browser(site.base)
        browser.sign_in(AUTHORS[n % len(AUTHORS)])
        return browser

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(sign_in, range(count)))


@dataclass(frozen=True, slots=True)
class Form:
    action: str
    fields: tuple[tuple[str, str], ...]

    def value(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def filled(
        self, changes: dict[str, str], press: tuple[str, str] | None
    ) -> list[tuple[str, str]]:
        """What the browser sends: the fields as shown, with `changes` typed in, and the
        one button pressed (buttons not pressed send nothing)."""
        kept = [(key, changes.get(key, value)) for key, value in self.fields]
        added = [(key, value) for key, value in changes.items() if self.value(key) is None]
        return kept + added + ([press] if press else [])


def read_form(html: str, selector: str = "form[data-hiat-form]") -> Form:
    """The form's fields as a browser would submit them, in page order."""
    form = BeautifulSoup(html, "html.parser").select_one(selector)
    assert form is not None, f"no {selector} on the page"
    fields = []
    for tag in form.find_all(["input", "textarea", "select"]):
        name = tag.get("name")
        if not name or tag.has_attr("disabled"):
            continue
        if tag.name == "textarea":
            # A browser drops one newline straight after <textarea>.
            fields.append((name, tag.text.removeprefix("\r\n").removeprefix("\n")))
        elif tag.name == "select":
            chosen = tag.find("option", selected=True) or tag.find("option")
            fields.append((name, chosen.get("value", chosen.text) if chosen else ""))
        elif tag.get("type", "text") in ("checkbox", "radio"):
            if tag.has_attr("checked"):
                fields.append((name, tag.get("value", "on")))
        elif tag.get("type", "text") not in ("submit", "button", "image", "file", "reset"):
            fields.append((name, tag.get("value", "")))
    return Form(form["action"], tuple(fields))


def local(location: str) -> str:
    """The path (and query) of a Location, which may be written with or without the host."""
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_url(uid: str, page: str) -> str:
    return f"/assessments/{uid}/pages/{page}"


def is_saved(reply: Reply, form: Form) -> bool:
    """A save is acknowledged by a redirect onward; a page shown again saved nothing."""
    onward = reply.location not in ("", form.action) and "/sign-in" not in reply.location
    return reply.status == 302 and onward


def shows(reply: Reply, *texts: str) -> bool:
    """A page worth timing or counting: 200, holding what that page must hold."""
    return reply.status == 200 and all(text in reply.text for text in texts)


def reading_pages(draft: Draft) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What a colleague reads, and what each page must show."""
    base = f"/assessments/{draft.uid}"
    return (
        (base, (f'<h1 class="govuk-heading-xl">{draft.title}</h1>',)),
        (f"{base}/statement", ("Equity impact statement", draft.title)),
        (page_url(draft.uid, WRITABLE[0][0]), ("data-hiat-form", draft.title)),
        ("/assessments", (draft.title,)),
    )
