"""When the database file is missing, damaged, newer, read-only or full: said in words.

The service refuses to start on a database it cannot trust, and a save that cannot be
written gives the "Nothing was saved" page with everything typed still on it.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hiat import create_app, store
from tests.conftest import DETAILS, ROOT, make_user, signed_in_client, uid_from

CONFIG = {"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}


def start(path: Path):
    return create_app({**CONFIG, "DATABASE": str(path)})


@pytest.fixture
def no_creating(monkeypatch):
    """As a real service starts: a missing database is not made without being asked."""
    monkeypatch.delenv("HIAT_CREATE_DATABASE", raising=False)


def refusal(path: Path) -> str:
    with pytest.raises(store.DatabaseRefused) as refused:
        start(path)
    message = str(refused.value)
    assert message.startswith("hiat cannot start: ")
    assert "\n" not in message
    return message


def made_database(path: Path) -> None:
    app = create_app({**CONFIG, "DATABASE": str(path), "CREATE_DATABASE": True})
    make_user(app)
    client = signed_in_client(app)
    assert client.post("/assessments/new", data=DETAILS).status_code == 302


def checkpoint(path: Path) -> None:
    """Move everything written into the main file, as a backup or restart would."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def flask_command(path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HIAT_CREATE_DATABASE"}
    env |= {"HIAT_DATABASE": str(path), "HIAT_SECRET_KEY": "s" * 40}
    flask = Path(sys.executable).parent / "flask"
    return subprocess.run(
        [str(flask), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


# ---------------------------------------------------------------- at start-up
def test_a_missing_database_stops_the_start_and_says_how_to_make_one(tmp_path, no_creating):
    path = tmp_path / "hiat.db"
    message = refusal(path)
    assert f"there is no database at {path}" in message
    assert "flask --app app init-db" in message and "flask --app app restore" in message
    assert not path.exists()


def test_an_empty_database_file_is_treated_as_missing(tmp_path, no_creating):
    path = tmp_path / "hiat.db"
    path.touch()
    assert "there is no database" in refusal(path)


def test_init_db_creates_the_database_and_then_the_service_starts(tmp_path, no_creating):
    path = tmp_path / "data" / "hiat.db"
    made = flask_command(path, "init-db")
    assert made.returncode == 0, made.stderr
    assert "Created a new, empty database" in made.stdout
    again = flask_command(path, "init-db")
    assert "Database ready" in again.stdout
    assert start(path).config["DATABASE"] == str(path)


def test_a_damaged_database_is_refused_at_start_up(tmp_path, no_creating):
    path = tmp_path / "hiat.db"
    made_database(path)
    checkpoint(path)
    page_size = 4096
    with path.open("r+b") as handle:
        handle.seek(3 * page_size)
        handle.write(b"\xff" * page_size * 2)
    message = refusal(path)
    assert "is damaged" in message or "cannot be read" in message
    assert "restore a backup" in message


def test_a_file_that_is_not_a_database_is_refused(tmp_path, no_creating):
    path = tmp_path / "hiat.db"
    path.write_text("These are not the tables you are looking for.\n" * 100)
    assert "cannot be read" in refusal(path)


def test_a_database_from_a_newer_version_is_refused(tmp_path, no_creating):
    path = tmp_path / "hiat.db"
    made_database(path)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('hiat', '0099_from_the_future', '2030-01-01')"
        )
    message = refusal(path)
    assert "made by a newer version of hiat (schema 0099_from_the_future)" in message
    assert f"knows schemas up to {store.known_schemas()[-1]}" in message


def test_the_flask_command_still_runs_to_mend_a_refused_database(tmp_path):
    made = flask_command(tmp_path / "gone.db", "create-admin")
    assert made.returncode != 0
    assert "there is no database" in made.stderr
    assert "Traceback" not in made.stderr


# ---------------------------------------------------------------- while serving
@pytest.fixture
def serving(tmp_path):
    """A service with one author and one assessment, and the author's client."""
    path = tmp_path / "hiat.db"
    app = start(path)
    make_user(app)
    client = signed_in_client(app)
    uid = uid_from(client.post("/assessments/new", data=DETAILS).headers["Location"])
    return app, client, uid, path


def saved_title(app, uid: str) -> str:
    db = store.open_db(app.config["DATABASE"])
    try:
        return store.get_assessment(db, uid).title
    finally:
        db.close()


def changed_details(title: str) -> dict[str, str]:
    return {**DETAILS, "details_title": title, "details_summary": "Longer. " * 600}


def assert_nothing_was_saved(response, typed: str) -> None:
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "Nothing was saved" in text
    assert "Your answers are still on this page" in text
    # What the user typed comes back in the form.
    assert f'value="{typed}"' in text


def test_a_database_deleted_while_serving_is_reported_not_replaced(serving):
    app, client, uid, path = serving
    path.unlink()
    response = client.get("/assessments")
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.get_data(as_text=True)
    assert not path.exists()


def read_only(db) -> None:
    # What SQLite does with a file it may not write: SQLITE_READONLY on every write.
    db.execute("PRAGMA query_only = ON")


def full_disk(db) -> None:
    # SQLite's own "database or disk is full", with no room for one more page.
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


@pytest.mark.parametrize("failure", [read_only, full_disk], ids=["read-only", "full disk"])
def test_a_database_that_cannot_be_written_says_nothing_was_saved_and_keeps_reading(
    serving, monkeypatch, failure
):
    app, client, uid, _ = serving
    opened = store.open_db

    def failing(path, create=False):
        db = opened(path, create)
        failure(db)
        return db

    monkeypatch.setattr(store, "open_db", failing)
    response = client.post(
        f"/assessments/{uid}/pages/details", data=changed_details("Bus fares, revised")
    )
    assert_nothing_was_saved(response, "Bus fares, revised")
    assert client.get(f"/assessments/{uid}").status_code == 200
    monkeypatch.setattr(store, "open_db", opened)
    assert saved_title(app, uid) == DETAILS["details_title"]


def test_a_database_damaged_while_serving_gives_the_unavailable_page(serving):
    app, client, uid, path = serving
    checkpoint(path)
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(4096)
        handle.write(b"\xff" * (size - 4096))
    page = client.get(f"/assessments/{uid}")
    assert page.status_code == 503
    assert "Sorry, the service is unavailable" in page.get_data(as_text=True)
    response = client.post(f"/assessments/{uid}/pages/details", data=changed_details("Revised"))
    assert response.status_code == 503


# ---------------------------------------------------------------- upgrades
def test_assessments_made_before_accounts_are_given_to_an_organisation(tmp_path, caplog):
    path = tmp_path / "hiat.db"
    app = start(path)
    author = make_user(app)
    client = signed_in_client(app)
    uid = uid_from(client.post("/assessments/new", data=DETAILS).headers["Location"])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE assessments SET organisation_id = NULL")
    assert client.get(f"/assessments/{uid}").status_code == 404

    with caplog.at_level("WARNING"):
        app = start(path)
    assert "1 assessments made before accounts belong to no organisation" in caplog.text
    assert "flask --app app assign-orphans" in caplog.text

    unknown = app.test_cli_runner().invoke(args=["assign-orphans", "Nowhere Council"])
    assert unknown.exit_code != 0
    assert "There is no organisation called 'Nowhere Council'" in unknown.output
    assert "Wirral Council" in unknown.output

    done = app.test_cli_runner().invoke(args=["assign-orphans", "wirral council"])
    assert done.exit_code == 0, done.output
    assert "1 assessments now belong to wirral council" in done.output
    client = signed_in_client(app, email=author.email)
    assert client.get(f"/assessments/{uid}").status_code == 200
