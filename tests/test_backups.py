"""Backups an operator can trust: made while serving, checked, and restored in one command."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from hiat import create_app, store
from tests.conftest import DETAILS, make_user, normalize, signed_in_client, uid_from
from tests.test_storage import checkpoint, flask_command

CONFIG = {"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}


@pytest.fixture
def service(tmp_path):
    app = create_app({**CONFIG, "DATABASE": str(tmp_path / "live" / "hiat.db")})
    make_user(app)
    return app, signed_in_client(app)


def add_assessment(client, title: str) -> str:
    response = client.post("/assessments/new", data={**DETAILS, "details_title": title})
    assert response.status_code == 302
    return uid_from(response.headers["Location"])


def titles(path: Path | str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return sorted(row[0] for row in conn.execute("SELECT title FROM assessments"))


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_a_backup_holds_everything_and_says_so(service, tmp_path):
    app, client = service
    add_assessment(client, "Bus fares")
    add_assessment(client, "Library hours")
    target = tmp_path / "backups" / "monday.db"
    done = run(app, "backup", str(target))
    assert done.exit_code == 0, done.output
    assert f"to {target} (schema {store.known_schemas()[-1]}, checked)" in done.output
    assert titles(target) == ["Bus fares", "Library hours"]
    assert store.check_backup(str(target)) is None
    assert not list(target.parent.glob(".*partial"))


def test_a_backup_never_overwrites_another(service, tmp_path):
    app, _ = service
    target = tmp_path / "monday.db"
    target.write_text("last week's backup")
    refused = run(app, "backup", str(target))
    assert refused.exit_code != 0
    assert "exists already: choose a new file name" in refused.output
    assert target.read_text() == "last week's backup"


def test_backups_made_while_people_save_are_each_whole(service, tmp_path):
    """SQLite's online backup copies one moment: every copy passes the integrity check."""
    app, client = service
    stop = threading.Event()
    saved: list[str] = []

    def keep_saving():
        writer = signed_in_client(app)  # the same author, in a browser of their own
        while not stop.is_set():
            saved.append(add_assessment(writer, f"Decision {len(saved)}"))

    thread = threading.Thread(target=keep_saving)
    thread.start()
    try:
        counts = []
        for n in range(5):
            target = tmp_path / f"copy-{n}.db"
            assert run(app, "backup", str(target)).exit_code == 0
            assert store.check_backup(str(target)) is None
            counts.append(len(titles(target)))
    finally:
        stop.set()
        thread.join()
    assert counts == sorted(counts)
    assert counts[-1] <= len(saved)
    assert len(saved) > counts[0]


def test_restore_puts_the_backup_back_and_keeps_the_database_it_replaced(service, tmp_path):
    app, client = service
    add_assessment(client, "Bus fares")
    target = tmp_path / "monday.db"
    assert run(app, "backup", str(target)).exit_code == 0
    later = add_assessment(client, "Written after the backup")

    done = run(app, "restore", str(target))
    assert done.exit_code == 0, done.output
    live = Path(app.config["DATABASE"])
    kept = sorted(live.parent.glob("hiat.db.before-restore-*"))
    assert len(kept) == 1
    assert f"The database it replaced is kept at {kept[0]}" in done.output
    assert titles(live) == ["Bus fares"]
    assert titles(kept[0]) == ["Bus fares", "Written after the backup"]
    # The running service reads the restored data, not the file it had open before.
    assert client.get(f"/assessments/{later}").status_code == 404
    assert "Bus fares" in client.get("/assessments").get_data(as_text=True)


def test_a_damaged_backup_is_refused_and_nothing_changes(service, tmp_path):
    app, client = service
    add_assessment(client, "Bus fares")
    target = tmp_path / "monday.db"
    assert run(app, "backup", str(target)).exit_code == 0
    checkpoint(target)
    with target.open("r+b") as handle:
        handle.seek(4096 * 2)
        handle.write(b"\x00\xff" * 4096)
    add_assessment(client, "Kept")
    refused = run(app, "restore", str(target))
    assert refused.exit_code != 0
    assert "nothing was restored" in refused.output
    assert titles(app.config["DATABASE"]) == ["Bus fares", "Kept"]
    assert not list(Path(app.config["DATABASE"]).parent.glob("*before-restore*"))


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda path: path.write_text("not a database"), "is not a database hiat can read"),
        (lambda path: sqlite3.connect(path).execute("CREATE TABLE t (x)"), "not a hiat database"),
        (lambda path: None, "there is no file at"),
    ],
    ids=["text file", "another SQLite database", "no file"],
)
def test_a_file_that_is_not_a_hiat_backup_is_refused(service, tmp_path, make, said):
    app, _ = service
    target = tmp_path / "other.db"
    make(target)
    refused = run(app, "restore", str(target))
    assert refused.exit_code != 0
    assert said in refused.output


def test_a_backup_from_a_newer_version_is_refused(service, tmp_path):
    app, _ = service
    target = tmp_path / "future.db"
    assert run(app, "backup", str(target)).exit_code == 0
    with sqlite3.connect(target) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('hiat', '0099_from_the_future', '2030-01-01')"
        )
    refused = run(app, "restore", str(target))
    assert "made by a newer version of hiat (schema 0099_from_the_future)" in refused.output


def test_a_lost_database_is_restored_from_the_command_line(service, tmp_path):
    """The service will not start without its database; `flask restore` still runs."""
    app, client = service
    add_assessment(client, "Bus fares")
    target = tmp_path / "monday.db"
    assert run(app, "backup", str(target)).exit_code == 0
    lost = tmp_path / "new-server" / "hiat.db"
    refused = flask_command(lost, "backup", str(tmp_path / "nothing.db"))
    assert "there is no database" in refused.stderr
    done = flask_command(lost, "restore", str(target))
    assert done.returncode == 0, done.stderr
    assert "Restored" in done.stdout and "kept" not in done.stdout
    assert titles(lost) == ["Bus fares"]


# ---------------------------------------------------------------- one assessment, whole
def signed_off_assessment(app, client) -> str:
    """An assessment changed twice, commented on, shared and signed off, as people would."""
    uid = add_assessment(client, "Bus fares")
    response = client.post(
        f"/assessments/{uid}/pages/details", data={**DETAILS, "details_title": "Bus fares, revised"}
    )
    assert response.status_code == 302
    reviewer = make_user(
        app,
        email="rae@halton.gov.uk",
        organisation="Halton Council",
        role="reviewer",
        name="Rae Reviewer",
    )
    approver = make_user(app, email="ade@wirral.gov.uk", role="approver", name="Ade Approver")
    with app.app_context():
        db = store.get_db()
        store.share(db, uid, reviewer.email, "reviewer")
        store.add_comment(db, uid, "details", reviewer, "Say which routes <b>change</b>.")
        store.set_status(db, uid, store.DRAFT, store.IN_REVIEW, "Alex Author")
        store.sign_off(
            db,
            uid,
            user=approver,
            job_title="Director of Public Health",
            attestation="I have read it.",
            snapshot={"format": "hiat-assessment", "answers": []},
        )
    return uid


def test_a_full_export_imports_back_with_history_comments_signoffs_and_shares(service):
    app, client = service
    uid = signed_off_assessment(app, client)
    exported = client.get(f"/assessments/{uid}/export.json")
    assert exported.status_code == 200
    document = exported.json
    record = document["record"]
    assert record["status"] == "approved"
    assert [c["new_value"] for c in record["changes"] if c["question_id"] == "details_title"] == [
        "Bus fares",
        "Bus fares, revised",
    ]
    assert record["comments"][0]["text"] == "Say which routes <b>change</b>."
    assert record["signoffs"][0]["name"] == "Ade Approver"
    assert record["shares"] == [{"email": "rae@halton.gov.uk", "role": "reviewer"}]

    imported = client.post(
        "/assessments/import",
        data={"file": (io.BytesIO(exported.data), "bus-fares.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert imported.status_code == 200
    text = normalize(imported.get_data(as_text=True))
    assert "It has not been signed off here" in text
    assert "Sign-offs in the service it was imported from" in text
    assert "approved by Ade Approver (Director of Public Health)" in text
    new_uid = uid_from(imported.request.path)
    with app.app_context():
        db = store.get_db()
        copy = store.get_assessment(db, new_uid)
        assert copy.status == store.DRAFT
        assert store.list_signoffs(db, new_uid) == []
        assert [s[0].email for s in store.list_shares(db, new_uid)] == ["rae@halton.gov.uk"]
        again = store.assessment_record(db, new_uid)
    # Everything but the status comes back as it was, and exports the same again.
    assert again["changes"] == record["changes"]
    assert again["comments"] == record["comments"]
    assert again["shares"] == record["shares"]
    assert [{**s, "imported": False} for s in again["signoffs"]] == record["signoffs"]
    assert all(s["imported"] for s in again["signoffs"])
    history = client.get(f"/assessments/{new_uid}/history").get_data(as_text=True)
    assert "Bus fares, revised" in history


def test_shares_to_people_with_no_account_here_wait_for_their_account(service):
    """As with the share form, an import never says which addresses have accounts."""
    app, client = service
    uid = signed_off_assessment(app, client)
    document = client.get(f"/assessments/{uid}/export.json").json
    document["record"]["shares"].append({"email": "new.person@sefton.gov.uk", "role": "viewer"})
    imported = client.post(
        "/assessments/import",
        data={"file": (io.BytesIO(json.dumps(document).encode()), "bus-fares.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    text = normalize(imported.get_data(as_text=True))
    assert "The assessment has been imported" in text
    assert "new.person@sefton.gov.uk" not in text and "no account" not in text
    new_uid = uid_from(imported.request.path)
    with app.app_context():
        shared = store.list_share_emails(store.get_db(), new_uid)
    assert ("new.person@sefton.gov.uk", "viewer") in [tuple(s) for s in shared]


def test_a_record_that_does_not_fit_the_format_changes_nothing(service):
    app, client = service
    uid = signed_off_assessment(app, client)
    document = client.get(f"/assessments/{uid}/export.json").json
    document["record"]["shares"][0]["role"] = "owner"
    before = titles(app.config["DATABASE"])
    refused = client.post(
        "/assessments/import",
        data={"file": (io.BytesIO(json.dumps(document).encode()), "bus-fares.json")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 200
    assert "The selected file is damaged: record/shares/0/role" in normalize(
        refused.get_data(as_text=True)
    )
    assert titles(app.config["DATABASE"]) == before
