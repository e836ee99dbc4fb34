"""Running for real: settings checked at start, HTTPS behind a proxy, health, and gunicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hiat import create_app
from hiat.settings import SettingError
from tests.conftest import ROOT, make_user, signed_in_client

SECRET = "x" * 40
GUNICORN_CONF = "deploy/gunicorn.conf.py"


def make(tmp_path: Path, **config):
    return create_app({"DATABASE": str(tmp_path / "hiat.db"), **config})


# ---------------------------------------------------------------- settings
def test_a_short_secret_key_is_refused_with_one_line_that_says_how_to_fix_it(tmp_path):
    with pytest.raises(SettingError) as refused:
        make(tmp_path, SECRET_KEY="short")
    assert str(refused.value).startswith(
        "hiat cannot start: HIAT_SECRET_KEY must be at least 32 characters"
    )
    assert "\n" not in str(refused.value)


def test_production_needs_a_secret_key_of_its_own(tmp_path):
    with pytest.raises(SettingError) as refused:
        make(tmp_path, PRODUCTION=True)
    assert "set HIAT_SECRET_KEY" in str(refused.value)
    app = make(tmp_path, PRODUCTION=True, SECRET_KEY=SECRET)
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("written", "meant"), [("off", False), ("false", False), ("0", False), ("on", True)]
)
def test_secure_cookie_setting_means_what_it_says(tmp_path, monkeypatch, written, meant):
    monkeypatch.setenv("HIAT_SESSION_COOKIE_SECURE", written)
    monkeypatch.setenv("HIAT_SECRET_KEY", SECRET)
    monkeypatch.setenv("HIAT_DATABASE", str(tmp_path / "hiat.db"))
    assert create_app().config["SESSION_COOKIE_SECURE"] is meant


def test_an_unreadable_setting_is_refused(tmp_path):
    with pytest.raises(SettingError, match="HIAT_SESSION_COOKIE_SECURE must be on or off"):
        make(tmp_path, SECRET_KEY=SECRET, SESSION_COOKIE_SECURE="perhaps")
    with pytest.raises(SettingError, match="HIAT_TRUSTED_PROXIES must be a whole number"):
        make(tmp_path, SECRET_KEY=SECRET, TRUSTED_PROXIES="lots")


# ---------------------------------------------------------------- behind a TLS proxy
def test_behind_a_trusted_proxy_https_gives_secure_cookies_and_hsts(tmp_path):
    app = make(tmp_path, SECRET_KEY=SECRET, TRUSTED_PROXIES=1)
    make_user(app)
    client = app.test_client()
    response = client.get(
        "/sign-in", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    )
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(tmp_path):
    app = make(tmp_path, SECRET_KEY=SECRET)
    make_user(app)
    response = app.test_client().get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "Set-Cookie" in response.headers
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers.get("Set-Cookie", "")


def test_signed_in_pages_and_downloads_are_never_stored(app, new_assessment, client):
    uid = new_assessment()
    for url in (f"/assessments/{uid}", f"/assessments/{uid}/statement.md", "/assessments"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    assert "no-store" not in app.test_client().get("/about").headers.get("Cache-Control", "")


# ---------------------------------------------------------------- health
def test_health_check_says_ok_with_the_schema_version(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["schema"].startswith("00")


def test_health_check_says_unavailable_when_the_database_is_gone(app, tmp_path):
    Path(app.config["DATABASE"]).unlink()
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    # What went wrong goes to the operator's log, never to whoever asked.
    assert response.json == {"status": "unavailable"}


def test_health_check_needs_no_sign_in(app):
    signed_out = app.test_client()
    assert signed_out.get("/healthz").status_code == 200
    assert signed_in_client(app).get("/healthz").status_code == 200


# ---------------------------------------------------------------- gunicorn
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 20) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def gunicorn(database: Path, workers: int, errors=subprocess.DEVNULL):
    """The app under gunicorn as `make run` starts it, on a free port; and its address."""
    port = free_port()
    env = {
        **os.environ,
        "HIAT_DATABASE": str(database),
        "HIAT_SECRET_KEY": SECRET,
        "HIAT_BIND": f"127.0.0.1:{port}",
        "HIAT_WORKERS": str(workers),
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", GUNICORN_CONF, "app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    return server, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("round_", range(3))
def test_six_gunicorn_workers_start_together_on_a_new_database(tmp_path, round_):
    """The master migrates once before forking, so no worker races another to migrate."""
    server, base = gunicorn(tmp_path / "new" / "hiat.db", 6, errors=subprocess.PIPE)
    try:
        body = wait_for(f"{base}/healthz")
        assert b'"status":"ok"' in body
        # Every worker answers; none died migrating.
        for _ in range(12):
            assert b'"status":"ok"' in wait_for(f"{base}/healthz")
        assert server.poll() is None
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=20)
    assert b"Traceback" not in errors, errors.decode()[-2000:]
    assert b"duplicate column" not in errors and b"database is locked" not in errors


def test_failed_sign_ins_are_counted_across_gunicorn_workers(tmp_path):
    """Four workers, one count: the eleventh guess is refused whichever worker takes it."""
    import http.cookiejar
    import re
    import urllib.parse

    from hiat import store

    database = tmp_path / "hiat.db"
    store.migrate(str(database))
    make_user(make(tmp_path, SECRET_KEY=SECRET, TESTING=True))
    server, base = gunicorn(database, 4)

    def attempt(password: str) -> tuple[int, str]:
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        form = browser.open(f"{base}/sign-in", timeout=10).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode(
            {"csrf_token": token, "email": "alex@wirral.gov.uk", "password": password}
        ).encode()
        try:
            with browser.open(f"{base}/sign-in", data=data, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode()

    try:
        wait_for(f"{base}/healthz")
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as health:
            assert health.headers["Server"] == "hiat"
        for _ in range(10):
            status, page = attempt("a wrong guess")
            assert status == 200 and "Enter a correct email address and password" in page
        assert len(children(server.pid)) == 4
        status, page = attempt("correct horse battery staple")
        assert status == 429 and "tried to sign in too many times" in page
    finally:
        server.terminate()
        server.wait(timeout=20)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, read from /proc (no procps needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
