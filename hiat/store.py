"""The only module that talks to SQLite.

One connection per request, kept on `g` and closed at teardown. Schema changes
are versioned migrations. Every save is one transaction that takes the write
lock before it reads. Callers get dataclasses, never rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlite_utils import Database, Migrations

from hiat.impacts import Entry, Impact
from hiat.settings import SettingError

BUSY_TIMEOUT_MS = 5000
MIGRATIONS = Migrations("hiat")


class StoreError(Exception):
    """Base class for problems the user or operator should see in words."""


class DatabaseUnavailable(StoreError):
    """The database file is missing, unreadable or locked for too long."""


class AssessmentNotFound(StoreError):
    """No assessment has this id."""


class EditConflict(StoreError):
    """Someone saved this page after it was loaded; nothing was written."""

    def __init__(self, theirs: Mapping[str, Answer], version: int):
        super().__init__("The page was changed by someone else")
        self.theirs = theirs
        self.version = version


@dataclass(frozen=True, slots=True)
class Answer:
    """A saved answer, with the wording it was given under.

    The label and option labels are copied when the answer is saved, so an
    answer still reads correctly after its question leaves the bank.
    """

    question_id: str
    value: Any
    label: str
    option_labels: Mapping[str, str]
    updated_at: str


@dataclass(frozen=True, slots=True)
class NewAnswer:
    question_id: str
    value: Any
    label: str
    option_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Change:
    """One answer changed: what it was, what it became, when and by whom."""

    id: int
    question_id: str
    label: str
    old_value: Any
    new_value: Any
    option_labels: Mapping[str, str]
    at: str
    by: str


@dataclass(frozen=True, slots=True)
class AssessmentSummary:
    uid: str
    title: str
    organisation: str
    place: str
    status: str
    updated_at: str
    revision: int = 1
    review_date: str | None = None
    role: str | None = None  # the listing user's role on it (see access_role)


@dataclass(frozen=True, slots=True)
class Assessment:
    id: int
    uid: str
    title: str
    organisation: str
    place: str
    status: str
    bank_version: str
    created_at: str
    updated_at: str
    answers: Mapping[str, Answer]
    completed_sections: frozenset[str]
    revision: int = 1
    page_versions: Mapping[str, int] = field(default_factory=dict)
    organisation_id: int | None = None
    # The signed review of the revision before this one (reviews.to_record's values), if any.
    previous_review: Mapping[str, Any] | None = None

    def page_version(self, page_id: str) -> int:
        return self.page_versions.get(page_id, 0)

    def value(self, question_id: str, default: Any = None) -> Any:
        answer = self.answers.get(question_id)
        return default if answer is None else answer.value

    def values(self) -> dict[str, Any]:
        return {qid: answer.value for qid, answer in self.answers.items()}


# ---------------------------------------------------------------- migrations
@MIGRATIONS(name="0001_create_tables")
def _create_tables(db: Database) -> None:
    db["assessments"].create(
        {
            "id": int,
            "uid": str,
            "title": str,
            "organisation": str,
            "place": str,
            "status": str,
            "bank_version": str,
            "created_at": str,
            "updated_at": str,
            "archived": int,
        },
        pk="id",
        not_null={"uid", "title", "status", "bank_version", "created_at", "updated_at"},
        defaults={"organisation": "", "place": "", "archived": 0},
        strict=True,
    )
    db["assessments"].create_index(["uid"], unique=True)
    db["answers"].create(
        {
            "assessment_id": int,
            "question_id": str,
            "value": str,
            "label": str,
            "option_labels": str,
            "updated_at": str,
        },
        pk=("assessment_id", "question_id"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"value", "label", "updated_at"},
        strict=True,
    )
    db["sections"].create(
        {"assessment_id": int, "section_id": str, "completed_at": str},
        pk=("assessment_id", "section_id"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        strict=True,
    )
    db["events"].create(
        {"id": int, "assessment_id": int, "at": str, "kind": str, "detail": str},
        pk="id",
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"assessment_id", "at", "kind"},
        strict=True,
    )
    db["events"].create_index(["assessment_id"])


@MIGRATIONS(name="0002_assessment_revision")
def _add_revision(db: Database) -> None:
    # Numbered revisions start at 1; "Start a revision" after sign-off will add more.
    db.execute("ALTER TABLE assessments ADD COLUMN revision INTEGER NOT NULL DEFAULT 1")


@MIGRATIONS(name="0003_page_versions_and_changes")
def _add_versions_and_changes(db: Database) -> None:
    # A version per page catches two people saving the same page (no silent overwrite).
    db["page_versions"].create(
        {"assessment_id": int, "page_id": str, "version": int},
        pk=("assessment_id", "page_id"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"version"},
        strict=True,
    )
    # Every changed answer, with its old and new value, for the history page.
    db["changes"].create(
        {
            "id": int,
            "assessment_id": int,
            "question_id": str,
            "label": str,
            "old_value": str,
            "new_value": str,
            "option_labels": str,
            "at": str,
            "by": str,
        },
        pk="id",
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"assessment_id", "question_id", "label", "at"},
        strict=True,
    )
    db["changes"].create_index(["assessment_id", "id"])


@MIGRATIONS(name="0004_accounts")
def _add_accounts(db: Database) -> None:
    db["organisations"].create({"id": int, "name": str}, pk="id", not_null={"name"}, strict=True)
    db["organisations"].create_index(["name"], unique=True)
    db["users"].create(
        {
            "id": int,
            "email": str,
            "name": str,
            "password_hash": str,
            "organisation_id": int,
            "role": str,
            "is_admin": int,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("organisation_id", "organisations", "id")],
        not_null={"email", "name", "password_hash", "organisation_id", "role", "created_at"},
        defaults={"is_admin": 0},
        strict=True,
    )
    db["users"].create_index(["email"], unique=True)
    db["shares"].create(
        {"assessment_id": int, "user_id": int, "role": str},
        pk=("assessment_id", "user_id"),
        foreign_keys=[("assessment_id", "assessments", "id"), ("user_id", "users", "id")],
        not_null={"role"},
        strict=True,
    )
    # Assessments made before accounts belong to no organisation until an admin assigns one.
    db.execute(
        "ALTER TABLE assessments ADD COLUMN organisation_id INTEGER REFERENCES organisations(id)"
    )


@MIGRATIONS(name="0005_workflow")
def _add_workflow(db: Database) -> None:
    # A sign-off keeps the assessment exactly as approved, so it stays downloadable.
    db["signoffs"].create(
        {
            "id": int,
            "assessment_id": int,
            "revision": int,
            "user_id": int,
            "name": str,
            "job_title": str,
            "attestation": str,
            "signed_at": str,
            "snapshot": str,
        },
        pk="id",
        foreign_keys=[("assessment_id", "assessments", "id"), ("user_id", "users", "id")],
        not_null={
            "assessment_id",
            "revision",
            "name",
            "job_title",
            "attestation",
            "signed_at",
            "snapshot",
        },
        strict=True,
    )
    db["comments"].create(
        {
            "id": int,
            "assessment_id": int,
            "section_id": str,
            "user_id": int,
            "author": str,
            "text": str,
            "created_at": str,
            "resolved_at": str,
            "resolved_by": str,
        },
        pk="id",
        foreign_keys=[("assessment_id", "assessments", "id"), ("user_id", "users", "id")],
        not_null={"assessment_id", "section_id", "author", "text", "created_at"},
        strict=True,
    )
    db["comments"].create_index(["assessment_id", "section_id"])


@MIGRATIONS(name="0006_temporary_passwords")
def _add_temporary_passwords(db: Database) -> None:
    # Accounts that exist already chose or were given their password before this rule.
    db.execute("ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0")


@MIGRATIONS(name="0007_editors")
def _add_editors(db: Database) -> None:
    # Who changed answers in which revision: nobody may sign off a revision they edited.
    db["editors"].create(
        {"assessment_id": int, "revision": int, "user_id": int},
        pk=("assessment_id", "revision", "user_id"),
        foreign_keys=[("assessment_id", "assessments", "id"), ("user_id", "users", "id")],
        strict=True,
    )


@MIGRATIONS(name="0008_sessions_and_audit")
def _add_sessions_and_audit(db: Database) -> None:
    # A signed-in browser holds a random token; only its hash is kept, so a copy of the
    # database cannot sign anyone in. Ending the row ends the session on every worker.
    db["sessions"].create(
        {
            "token_hash": str,
            "user_id": int,
            "created_at": str,
            "last_seen_at": str,
            "ended_at": str,
            "address": str,
        },
        pk="token_hash",
        foreign_keys=[("user_id", "users", "id")],
        not_null={"user_id", "created_at", "last_seen_at"},
        strict=True,
    )
    db["sessions"].create_index(["user_id"])
    db.execute("ALTER TABLE users ADD COLUMN disabled_at TEXT")
    # Failed sign-ins, kept in the database so every worker counts the same attempts.
    db["sign_in_failures"].create(
        {"id": int, "email": str, "address": str, "at": str},
        pk="id",
        not_null={"email", "address", "at"},
        strict=True,
    )
    db["sign_in_failures"].create_index(["email", "at"])
    db["sign_in_failures"].create_index(["address", "at"])
    # Who did what to accounts, access and sign-off, when, and from where.
    db["audit"].create(
        {
            "id": int,
            "at": str,
            "organisation_id": int,
            "actor_id": int,
            "actor": str,
            "action": str,
            "subject": str,
            "detail": str,
            "address": str,
        },
        pk="id",
        not_null={"at", "actor", "action", "subject", "address"},
        strict=True,
    )
    db["audit"].create_index(["organisation_id", "id"])
    # The one-time code that lets a person create the first administrator at /setup.
    db["setup_tokens"].create(
        {"token_hash": str, "created_at": str, "expires_at": str, "used_at": str},
        pk="token_hash",
        not_null={"created_at", "expires_at"},
        strict=True,
    )


@MIGRATIONS(name="0009_imported_signoffs")
def _add_imported_signoffs(db: Database) -> None:
    # Sign-offs that came in an imported file: kept with the record and exported again, but
    # never taken for a sign-off in this service (anyone can write a file).
    db["imported_signoffs"].create(
        {
            "id": int,
            "assessment_id": int,
            "revision": int,
            "name": str,
            "job_title": str,
            "attestation": str,
            "signed_at": str,
            "snapshot": str,
            "imported_at": str,
        },
        pk="id",
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"assessment_id", "revision", "name", "signed_at", "snapshot", "imported_at"},
        strict=True,
    )


@MIGRATIONS(name="0010_pending_shares")
def _add_pending_shares(db: Database) -> None:
    # A share with an email that has no account yet. It becomes a share when an account with
    # that email is made, so sharing never tells anyone which addresses have accounts.
    db["pending_shares"].create(
        {"assessment_id": int, "email": str, "role": str},
        pk=("assessment_id", "email"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"role"},
        strict=True,
    )


@MIGRATIONS(name="0011_register")
def _add_register(db: Database) -> None:
    # The register lists, filters and sorts across assessments: its own rows per assessment,
    # rebuilt from the answers on every save (see _index), so no query reads the answers.
    db["assessments"].create_index(["organisation_id"])
    db["assessments"].create_index(["archived", "updated_at"])
    # Counting what a person may see reads this index alone, not the table.
    db["assessments"].create_index(["archived", "status", "organisation_id"])
    db["register"].create(
        {
            "assessment_id": int,
            "indexed_with": str,
            "place": str,
            "kind": str,
            "decision_body": str,
            "decision_date": str,
            "review_date": str,
        },
        pk="assessment_id",
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"indexed_with", "place", "kind", "decision_body", "decision_date", "review_date"},
        strict=True,
    )
    db["register"].create_index(["decision_date"])
    db["register"].create_index(["decision_body"])
    db["register"].create_index(["place"])
    db["register_impacts"].create(
        {"assessment_id": int, "principle": str, "direction": str, "gap": str, "actions": int},
        pk=("assessment_id", "principle"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"direction", "gap", "actions"},
        strict=True,
    )
    # principle "" holds the policy's own groups; others, each principle's step 1 groups.
    db["register_groups"].create(
        {"assessment_id": int, "principle": str, "group_id": str},
        pk=("assessment_id", "principle", "group_id"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        strict=True,
    )
    db["register_groups"].create_index(["group_id"])
    db["search"].create(
        {"assessment_id": int, "title": str, "summary": str, "answers": str},
        pk="assessment_id",
        foreign_keys=[("assessment_id", "assessments", "id")],
    )
    db["search"].enable_fts(
        ["title", "summary", "answers"], create_triggers=True, tokenize="porter"
    )


@MIGRATIONS(name="0012_action_updates")
def _add_action_updates(db: Database) -> None:
    # How each action of a signed revision is going: appended, never changed, so the newest
    # row is where it stands and the others are its history. The action itself stays as
    # signed, in the sign-off's snapshot.
    db["action_updates"].create(
        {
            "id": int,
            "assessment_id": int,
            "revision": int,
            "question_id": str,
            "row": int,
            "status": str,
            "due_date": str,
            "note": str,
            "reason": str,
            "at": str,
            "by": str,
        },
        pk="id",
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"assessment_id", "revision", "question_id", "row", "status", "at"},
        defaults={"due_date": "", "note": "", "reason": "", "by": ""},
        strict=True,
    )
    db["action_updates"].create_index(["assessment_id", "revision", "question_id", "row", "id"])


@MIGRATIONS(name="0013_indicator_readings")
def _add_indicator_readings(db: Database) -> None:
    # The readings of each indicator of a signed revision: appended, and never changed but
    # once, to withdraw a mistaken one (it stays, marked, with who withdrew it and why). The
    # indicator itself (baseline, target, how often) stays as signed, in the snapshot.
    # `groups` holds the values per group of its breakdown as JSON [[group, value], ...].
    db["indicator_readings"].create(
        {
            "id": int,
            "assessment_id": int,
            "revision": int,
            "question_id": str,
            "row": int,
            "date": str,
            "value": str,
            "groups": str,
            "note": str,
            "source": str,
            "at": str,
            "by": str,
            "withdrawn_at": str,
            "withdrawn_by": str,
            "withdrawn_reason": str,
        },
        pk="id",
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"assessment_id", "revision", "question_id", "row", "date", "value", "at"},
        defaults={
            "groups": "[]",
            "note": "",
            "source": "",
            "by": "",
            "withdrawn_at": "",
            "withdrawn_by": "",
            "withdrawn_reason": "",
        },
        strict=True,
    )
    db["indicator_readings"].create_index(["assessment_id", "revision", "question_id", "row", "id"])


@MIGRATIONS(name="0014_reviews")
def _add_reviews(db: Database) -> None:
    # A review of a signed revision: drafted by authors, signed by an approver. `content`
    # holds the findings per principle, the actions summary, what was learnt and the outcome,
    # as JSON with their words, so it reads as written after the banks change.
    db["reviews"].create(
        {
            "id": int,
            "assessment_id": int,
            "number": int,
            "revision": int,
            "content": str,
            "outcome": str,
            "next_review_date": str,
            "drafted_by": str,
            "drafted_at": str,
            "updated_at": str,
            "editors": str,
            "signed_by": int,
            "signed_name": str,
            "signed_job_title": str,
            "attestation": str,
            "signed_at": str,
        },
        pk="id",
        foreign_keys=[("assessment_id", "assessments", "id"), ("signed_by", "users", "id")],
        not_null={
            "assessment_id",
            "number",
            "revision",
            "content",
            "outcome",
            "next_review_date",
            "drafted_by",
            "drafted_at",
            "updated_at",
            "editors",
        },
        defaults={"outcome": "", "next_review_date": "", "editors": "[]"},
        strict=True,
    )
    db["reviews"].create_index(["assessment_id", "number"], unique=True)


@MIGRATIONS(name="0015_publications")
def _add_publications(db: Database) -> None:
    # A signed revision an organisation's administrator has made public. The details are
    # copied from the signed snapshot when it is published, so the public list, search, feed
    # and open data never read drafts. A withdrawn row stays: its address shows a notice.
    db["publications"].create(
        {
            "id": int,
            "assessment_id": int,
            "revision": int,
            "organisation_id": int,
            "organisation_slug": str,
            "title": str,
            "organisation": str,
            "place": str,
            "summary": str,
            "decision_body": str,
            "decision_date": str,
            "signed_at": str,
            "published_at": str,
            "published_by": str,
            "withdrawn_at": str,
            "withdrawn_by": str,
            "withdrawn_reason": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[
            ("assessment_id", "assessments", "id"),
            ("organisation_id", "organisations", "id"),
        ],
        not_null={
            "assessment_id",
            "revision",
            "organisation_id",
            "organisation_slug",
            "signed_at",
            "published_at",
            "updated_at",
        },
        defaults={
            "title": "",
            "organisation": "",
            "place": "",
            "summary": "",
            "decision_body": "",
            "decision_date": "",
            "published_by": "",
            "withdrawn_at": "",
            "withdrawn_by": "",
            "withdrawn_reason": "",
        },
        strict=True,
    )
    db["publications"].create_index(["assessment_id", "revision"], unique=True)
    db["publications"].create_index(["updated_at"])
    db["publications"].enable_fts(
        ["title", "summary", "organisation", "place"], create_triggers=True, tokenize="porter"
    )
    # The organisation's part of its public addresses, fixed at its first publication so a
    # new name never breaks a link.
    db.execute("ALTER TABLE organisations ADD COLUMN public_slug TEXT")
    db["organisations"].create_index(["public_slug"], unique=True)


@MIGRATIONS(name="0016_notifications")
def _add_notifications(db: Database) -> None:
    # What each person wants by email; a person with no row gets the digest.
    db["notification_settings"].create(
        {"user_id": int, "digest": int, "updated_at": str},
        pk="user_id",
        foreign_keys=[("user_id", "users", "id")],
        not_null={"digest", "updated_at"},
        strict=True,
    )
    # A calendar feed's secret is in its URL; only its SHA-256 is kept, as for sessions, so
    # a copy of the database cannot read anyone's calendar. A revoked feed keeps its row.
    db["calendar_feeds"].create(
        {"token_hash": str, "user_id": int, "created_at": str, "revoked_at": str},
        pk="token_hash",
        foreign_keys=[("user_id", "users", "id")],
        not_null={"user_id", "created_at"},
        strict=True,
    )
    db["calendar_feeds"].create_index(["user_id"])


# ---------------------------------------------------------------- connection
def open_db(path: str, create: bool = False) -> Database:
    """Open the database file with a busy timeout; report a failure in words.

    Only `create=True` (init-db, migrations on a new database) makes a missing file: a
    database deleted while the service runs is reported, never silently replaced.
    """
    mode = "rwc" if create else "rw"
    try:
        conn = sqlite3.connect(
            f"{Path(path).absolute().as_uri()}?mode={mode}",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as err:
        raise DatabaseUnavailable(f"Cannot open the database at {path}: {err}") from err
    return db


def migrate(path: str) -> str:
    """Create the database if needed, turn on WAL and apply pending migrations.

    Returns the schema version: the name of the last migration applied.
    """
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DatabaseUnavailable(f"Cannot create the folder for {path}: {err}") from err
    db = open_db(path, create=True)
    try:
        db.enable_wal()
        MIGRATIONS.apply(db)
        return schema_version(db)
    except sqlite3.Error as err:
        raise DatabaseUnavailable(f"Cannot prepare the database at {path}: {err}") from err
    finally:
        db.close()


def is_new(path: str) -> bool:
    """True when there is no database yet: no file, or an empty one with no log beside it."""
    file, wal = Path(path), Path(f"{path}-wal")
    if not file.exists():
        return True
    return file.stat().st_size == 0 and not (wal.exists() and wal.stat().st_size > 0)


def known_schemas() -> list[str]:
    """Every schema version this code knows, oldest first."""
    return [m.name for m in MIGRATIONS.pending(Database(memory=True))]


def check_file(path: str) -> str | None:
    """What stops this database file being used, in one sentence; None when it can be.

    Reads only: SQLite's quick check of every page, and whether a newer version of hiat
    has changed the schema.
    """
    restore = "restore a backup with `flask --app app restore BACKUP`"
    try:
        db = open_db(path)
        try:
            result = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
            applied = [m.name for m in MIGRATIONS.applied(db)]
        finally:
            db.close()
    except (sqlite3.Error, DatabaseUnavailable) as err:
        return f"the database at {path} cannot be read ({err}); {restore}"
    if result != ["ok"]:
        return f"the database at {path} is damaged ({result[0]}); {restore}"
    known = known_schemas()
    newer = [name for name in applied if name not in known]
    if newer:
        return (
            f"the database at {path} was made by a newer version of hiat (schema {newer[-1]}); "
            f"this version knows schemas up to {known[-1]}. Install the newer version, or "
            f"{restore} made by this one"
        )
    return None


def get_db() -> Database:
    if "db" not in g:
        problem = current_app.extensions.get("hiat_database_problem")
        if problem:
            raise DatabaseUnavailable(problem)
        g.db = open_db(current_app.config["DATABASE"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def schema_version(db: Database) -> str:
    applied = MIGRATIONS.applied(db)
    return applied[-1].name if applied else ""


def health(db: Database) -> str:
    """The schema version, after reading and writing-locking the database; or an error.

    For /healthz: a database that is missing its tables, unreadable or locked too long
    raises DatabaseUnavailable.
    """
    with _reading():
        version = schema_version(db)
        db.execute("SELECT count(*) FROM assessments").fetchone()
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
    if not version:
        raise DatabaseUnavailable("The database has no schema: run `flask --app app init-db`")
    return version


# SQLite's words for a file that cannot take a write, or cannot be read at all.
STORAGE_FAILURES = (sqlite3.OperationalError, sqlite3.DatabaseError)
# Raised by any read or write the store did not wrap; the app answers it with a 503 page.
SQLiteError = sqlite3.DatabaseError


def storage_failure(err: BaseException) -> bool:
    # An IntegrityError is this code's own mistake or a rule working, not the disk.
    return isinstance(err, STORAGE_FAILURES) and not isinstance(err, sqlite3.IntegrityError)


@contextmanager
def write_tx(db: Database) -> Iterator[Database]:
    """One transaction that holds the write lock from its first read.

    A read-only, full or damaged file, or a lock held too long, raises DatabaseUnavailable
    with everything rolled back: nothing of the save is kept.
    """
    try:
        db.execute("BEGIN IMMEDIATE")
    except STORAGE_FAILURES as err:
        raise DatabaseUnavailable(f"The database is busy or cannot be written: {err}") from err
    try:
        yield db
    except BaseException as err:
        _rollback(db)
        if storage_failure(err):
            raise DatabaseUnavailable(f"The save could not be completed: {err}") from err
        raise
    try:
        db.commit()
    except STORAGE_FAILURES as err:
        _rollback(db)
        raise DatabaseUnavailable(f"The save could not be completed: {err}") from err


def _rollback(db: Database) -> None:
    # SQLite has rolled back already when a write hit a full or damaged file.
    with suppress(sqlite3.Error):
        db.rollback()


@contextmanager
def _reading() -> Iterator[None]:
    try:
        yield
    except STORAGE_FAILURES as err:
        if not storage_failure(err):
            raise
        raise DatabaseUnavailable(f"The database could not be read: {err}") from err


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# ---------------------------------------------------------------- assessments
def create_assessment(
    db: Database,
    bank_version: str,
    summary: Mapping[str, str],
    answers: list[NewAnswer],
    *,
    page: str,
    completed: Iterable[str] = (),
    revision: int = 1,
    organisation_id: int | None = None,
    editor: int | None = None,
) -> str:
    """Create an assessment with its first answers, in one transaction; return its id.

    A copy or an import also brings its completed sections and revision number.
    `editor` is the id of the user who made it, who may not sign this revision off.
    """
    now = _now()
    uid = uuid.uuid4().hex
    with write_tx(db):
        db["assessments"].insert(
            {
                "uid": uid,
                "title": summary.get("title", ""),
                "organisation": summary.get("organisation", ""),
                "place": summary.get("place", ""),
                "status": "draft",
                "bank_version": bank_version,
                "created_at": now,
                "updated_at": now,
                "revision": revision,
                "organisation_id": organisation_id,
            }
        )
        assessment_id = _id_for(db, uid)
        db["sections"].insert_all(
            {"assessment_id": assessment_id, "section_id": section_id, "completed_at": now}
            for section_id in completed
        )
        _event(db, assessment_id, "created", {"bank_version": bank_version})
        _write_answers(db, assessment_id, answers, now)
        _note_editor(db, assessment_id, revision, editor)
        _event(db, assessment_id, "answers_saved", {"page": page})
        _index(db, assessment_id)
    return uid


def _note_editor(db: Database, assessment_id: int, revision: int, user_id: int | None) -> None:
    if user_id is not None:
        db.execute(
            "INSERT OR IGNORE INTO editors (assessment_id, revision, user_id) VALUES (?, ?, ?)",
            [assessment_id, revision, user_id],
        )


def edited_this_revision(db: Database, uid: str, user_id: int) -> bool:
    """True if the user changed answers in the assessment's current revision."""
    with _reading():
        row = _row(db, uid)
        return bool(
            list(
                db.query(
                    "SELECT 1 FROM editors WHERE assessment_id = ? AND revision = ? "
                    "AND user_id = ?",
                    [row["id"], row["revision"], user_id],
                )
            )
        )


def list_assessments(
    db: Database, archived: bool = False, user: User | None = None
) -> list[AssessmentSummary]:
    """Assessments in use (or archived ones) that `user` may see, newest first.

    Without a user, every assessment: for operators' commands and tests only.
    """
    where, params = "archived = ?", [int(archived)]
    # The user's role on each, as access_role gives it: by organisation, else by a share.
    role, role_params = "NULL", []
    if user is not None:
        role = (
            "CASE WHEN organisation_id = ? THEN ? ELSE (SELECT role FROM shares WHERE "
            "shares.assessment_id = assessments.id AND shares.user_id = ?) END"
        )
        role_params = [user.organisation_id, user.role, user.id]
        where += (
            " AND (organisation_id = ? OR id IN "
            "(SELECT assessment_id FROM shares WHERE user_id = ?))"
        )
        params += [user.organisation_id, user.id]
    with _reading():
        rows = db.query(
            "SELECT uid, title, organisation, place, status, updated_at, revision, "
            f"{role} AS role, "
            # The review date is an answer; the list needs it to show "Review due".
            "(SELECT json_extract(value, '$') FROM answers WHERE answers.assessment_id = "
            "assessments.id AND question_id = 'decision_review_date') AS review_date "
            "FROM assessments "
            f"WHERE {where} ORDER BY updated_at DESC, id DESC",
            [*role_params, *params],
        )
        return [AssessmentSummary(**row) for row in rows]


def set_archived(db: Database, uid: str, archived: bool) -> None:
    """Archive an assessment (it leaves the list, nothing is deleted) or bring it back."""
    with write_tx(db):
        rows = list(
            db.query(
                "SELECT id FROM assessments WHERE uid = ? AND archived = ?",
                [uid, int(not archived)],
            )
        )
        if not rows:
            raise AssessmentNotFound(uid)
        db["assessments"].update(rows[0]["id"], {"archived": int(archived)})
        _event(db, rows[0]["id"], "archived" if archived else "restored", {})


def get_assessment(
    db: Database, uid: str, archived: bool = False, answers: bool = True
) -> Assessment:
    """An assessment in use (or, with archived=True, an archived one).

    answers=False reads only its row: enough to check access and to tell, from
    updated_at, status and revision, whether a document made earlier is still current.
    """
    if not answers:
        with _reading():
            return _header(_row(db, uid, archived))
    with _reading():
        row = _row(db, uid, archived)
        answers = {
            r["question_id"]: _answer(r)
            for r in db.query(
                "SELECT * FROM answers WHERE assessment_id = ? ORDER BY question_id", [row["id"]]
            )
        }
        completed = frozenset(
            r["section_id"]
            for r in db.query(
                "SELECT section_id FROM sections WHERE assessment_id = ?", [row["id"]]
            )
        )
        versions = {
            r["page_id"]: r["version"]
            for r in db.query(
                "SELECT page_id, version FROM page_versions WHERE assessment_id = ?", [row["id"]]
            )
        }
        previous = _previous_review(db, row["id"], row["revision"])
    return replace(
        _header(row),
        answers=MappingProxyType(answers),
        completed_sections=completed,
        page_versions=MappingProxyType(versions),
        previous_review=previous,
    )


def save_answers(
    db: Database,
    uid: str,
    answers: list[NewAnswer],
    *,
    page: str,
    bank_version: str,
    summary: Mapping[str, str] | None = None,
    expected_version: int | None = None,
    by: str = "",
    editor: int | None = None,
) -> int:
    """Save one page of answers in one transaction; return the page's new version.

    If `expected_version` is given and someone has saved the page since it was
    loaded, nothing is written and EditConflict carries their answers. An empty
    value removes the answer. Answers to questions not on this page, including
    questions no longer in the bank, are left as they are.
    """
    now = _now()
    with write_tx(db):
        assessment_id = _id_for(db, uid)
        version = _page_version(db, assessment_id, page)
        if expected_version is not None and expected_version != version:
            theirs = _answers(db, assessment_id, [a.question_id for a in answers])
            raise EditConflict(MappingProxyType(theirs), version)
        _write_answers(db, assessment_id, answers, now, by)
        revision = db.execute(
            "SELECT revision FROM assessments WHERE id = ?", [assessment_id]
        ).fetchone()[0]
        _note_editor(db, assessment_id, revision, editor)
        db["page_versions"].upsert(
            {"assessment_id": assessment_id, "page_id": page, "version": version + 1},
            pk=("assessment_id", "page_id"),
        )
        changes = {"updated_at": now, "bank_version": bank_version, **(summary or {})}
        db["assessments"].update(assessment_id, changes)
        _event(db, assessment_id, "answers_saved", {"page": page})
        _index(db, assessment_id)
    return version + 1


def _page_version(db: Database, assessment_id: int, page: str) -> int:
    rows = list(
        db.query(
            "SELECT version FROM page_versions WHERE assessment_id = ? AND page_id = ?",
            [assessment_id, page],
        )
    )
    return rows[0]["version"] if rows else 0


def _answers(db: Database, assessment_id: int, question_ids: list[str]) -> dict[str, Answer]:
    marks = ", ".join("?" for _ in question_ids) or "''"
    rows = db.query(
        f"SELECT * FROM answers WHERE assessment_id = ? AND question_id IN ({marks})",
        [assessment_id, *question_ids],
    )
    return {r["question_id"]: _answer(r) for r in rows}


def _answer(row: Mapping[str, Any]) -> Answer:
    return Answer(
        question_id=row["question_id"],
        value=json.loads(row["value"]),
        label=row["label"],
        option_labels=MappingProxyType(json.loads(row["option_labels"] or "{}")),
        updated_at=row["updated_at"],
    )


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill, `per_page` a page: at least one, even when empty."""
    return max(1, -(-total // per_page))


@dataclass(frozen=True, slots=True)
class ChangesPage:
    changes: tuple[Change, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def list_changes(db: Database, uid: str) -> list[Change]:
    """Every recorded change to the assessment's answers, newest first."""
    with _reading():
        assessment_id = _id_for(db, uid)
        rows = db.query(
            "SELECT * FROM changes WHERE assessment_id = ? ORDER BY id DESC", [assessment_id]
        )
        return [_change(r) for r in rows]


def changes_page(db: Database, uid: str, page: int = 1, per_page: int = 50) -> ChangesPage:
    """One page of the assessment's changes, newest first; past the end, the last page."""
    with _reading():
        assessment_id = _id_for(db, uid)
        total = db.execute(
            "SELECT count(*) FROM changes WHERE assessment_id = ?", [assessment_id]
        ).fetchone()[0]
        page = min(max(page, 1), page_count(total, per_page))
        rows = db.query(
            "SELECT * FROM changes WHERE assessment_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            [assessment_id, per_page, (page - 1) * per_page],
        )
        return ChangesPage(tuple(_change(r) for r in rows), total, page, per_page)


def _change(r: Mapping[str, Any]) -> Change:
    return Change(
        r["id"],
        r["question_id"],
        r["label"],
        _loads(r["old_value"]),
        _loads(r["new_value"]),
        MappingProxyType(json.loads(r["option_labels"] or "{}")),
        r["at"],
        r["by"],
    )


def get_change(db: Database, uid: str, change_id: int) -> Change:
    """One change to this assessment's answers, read on its own."""
    with _reading():
        assessment_id = _id_for(db, uid)
        rows = list(
            db.query(
                "SELECT * FROM changes WHERE id = ? AND assessment_id = ?",
                [change_id, assessment_id],
            )
        )
    if not rows:
        raise AssessmentNotFound(f"{uid} change {change_id}")
    return _change(rows[0])


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _write_answers(
    db: Database, assessment_id: int, answers: list[NewAnswer], now: str, by: str = ""
) -> None:
    before = _answers(db, assessment_id, [a.question_id for a in answers])
    for answer in answers:
        old = before.get(answer.question_id)
        new_value = None if _is_empty(answer.value) else answer.value
        if (old.value if old else None) != new_value:
            _record_change(db, assessment_id, answer, old, new_value, now, by)
        if new_value is None:
            db.execute(
                "DELETE FROM answers WHERE assessment_id = ? AND question_id = ?",
                [assessment_id, answer.question_id],
            )
            continue
        db["answers"].upsert(
            {
                "assessment_id": assessment_id,
                "question_id": answer.question_id,
                "value": json.dumps(answer.value, ensure_ascii=False),
                "label": answer.label,
                "option_labels": json.dumps(dict(answer.option_labels), ensure_ascii=False),
                "updated_at": now,
            },
            pk=("assessment_id", "question_id"),
        )


def _record_change(
    db: Database,
    assessment_id: int,
    answer: NewAnswer,
    old: Answer | None,
    new_value: Any,
    now: str,
    by: str,
) -> None:
    labels = {**(old.option_labels if old else {}), **answer.option_labels}
    db["changes"].insert(
        {
            "assessment_id": assessment_id,
            "question_id": answer.question_id,
            "label": answer.label,
            "old_value": None if old is None else json.dumps(old.value, ensure_ascii=False),
            "new_value": None if new_value is None else json.dumps(new_value, ensure_ascii=False),
            "option_labels": json.dumps(labels, ensure_ascii=False),
            "at": now,
            "by": by,
        }
    )


def set_section_complete(db: Database, uid: str, section_id: str, complete: bool) -> None:
    with write_tx(db):
        assessment_id = _id_for(db, uid)
        db.execute(
            "DELETE FROM sections WHERE assessment_id = ? AND section_id = ?",
            [assessment_id, section_id],
        )
        if complete:
            db["sections"].insert(
                {"assessment_id": assessment_id, "section_id": section_id, "completed_at": _now()}
            )
        db["assessments"].update(assessment_id, {"updated_at": _now()})
        _event(db, assessment_id, "section_marked", {"section": section_id, "complete": complete})


def _header(row: dict[str, Any]) -> Assessment:
    return Assessment(
        id=row["id"],
        uid=row["uid"],
        title=row["title"],
        organisation=row["organisation"],
        place=row["place"],
        status=row["status"],
        bank_version=row["bank_version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        answers=MappingProxyType({}),
        completed_sections=frozenset(),
        revision=row["revision"],
        organisation_id=row["organisation_id"],
    )


def _row(db: Database, uid: str, archived: bool = False) -> dict[str, Any]:
    rows = list(
        db.query("SELECT * FROM assessments WHERE uid = ? AND archived = ?", [uid, int(archived)])
    )
    if not rows:
        raise AssessmentNotFound(uid)
    return rows[0]


def _id_for(db: Database, uid: str) -> int:
    return _row(db, uid)["id"]


def _event(db: Database, assessment_id: int, kind: str, detail: dict[str, Any]) -> None:
    db["events"].insert(
        {
            "assessment_id": assessment_id,
            "at": _now(),
            "kind": kind,
            "detail": json.dumps(detail, ensure_ascii=False),
        }
    )


def _is_empty(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    if isinstance(value, dict):
        return all(_is_empty(v) for v in value.values())
    return False


# ---------------------------------------------------------------- accounts
ROLES = ("author", "reviewer", "approver", "viewer")


class DuplicateEmail(StoreError):
    """Another account already uses this email address."""


class UserNotFound(StoreError):
    """No account has this email address."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    name: str
    organisation_id: int
    organisation: str
    role: str
    is_admin: bool
    password_hash: str = field(repr=False)
    disabled: bool = False


USER_SELECT = (
    "SELECT users.*, organisations.name AS organisation FROM users "
    "JOIN organisations ON organisations.id = users.organisation_id"
)


def _user(row: Mapping[str, Any]) -> User:
    return User(
        row["id"],
        row["email"],
        row["name"],
        row["organisation_id"],
        row["organisation"],
        row["role"],
        bool(row["is_admin"]),
        row["password_hash"],
        bool(row.get("disabled_at")),
    )


def count_users(db: Database) -> int:
    with _reading():
        return db.execute("SELECT count(*) FROM users").fetchone()[0]


def get_user(db: Database, user_id: int) -> User | None:
    with _reading():
        rows = list(db.query(f"{USER_SELECT} WHERE users.id = ?", [user_id]))
    return _user(rows[0]) if rows else None


def find_user(db: Database, email: str) -> User | None:
    with _reading():
        rows = list(db.query(f"{USER_SELECT} WHERE users.email = ?", [email.strip().lower()]))
    return _user(rows[0]) if rows else None


def list_users(db: Database, organisation_id: int | None = None) -> list[User]:
    """Every account, or one organisation's."""
    where, params = (
        ("WHERE users.organisation_id = ? ", [organisation_id]) if organisation_id else ("", [])
    )
    with _reading():
        return [
            _user(r)
            for r in db.query(f"{USER_SELECT} {where}ORDER BY organisation, users.name", params)
        ]


def create_user(
    db: Database,
    *,
    organisation: str,
    email: str,
    name: str,
    role: str,
    password_hash: str,
    is_admin: bool = False,
) -> User:
    """Create an account, and its organisation if it is new, in one transaction."""
    email = email.strip().lower()
    with write_tx(db):
        _refuse_taken(db, email)
        found = list(db.query("SELECT id FROM organisations WHERE name = ?", [organisation]))
        org_id = (
            found[0]["id"] if found else db["organisations"].insert({"name": organisation}).last_pk
        )
        _insert_user(db, email, name, password_hash, org_id, role, is_admin=is_admin)
    return find_user(db, email)


def _refuse_taken(db: Database, email: str) -> None:
    if list(db.query("SELECT id FROM users WHERE email = ?", [email])):
        raise DuplicateEmail(email)


def _insert_user(
    db: Database,
    email: str,
    name: str,
    password_hash: str,
    organisation_id: int,
    role: str,
    *,
    is_admin: bool = False,
    temporary: bool = False,
) -> None:
    row = {
        "email": email,
        "name": name,
        "password_hash": password_hash,
        "organisation_id": organisation_id,
        "role": role,
        "is_admin": int(is_admin),
        "created_at": _now(),
    }
    if temporary:
        row["must_change_password"] = 1
    user_id = db["users"].insert(row).last_pk
    # Shares made before the account existed take effect now.
    db.execute(
        "INSERT OR REPLACE INTO shares (assessment_id, user_id, role) "
        "SELECT assessment_id, ?, role FROM pending_shares WHERE email = ?",
        [user_id, email],
    )
    db.execute("DELETE FROM pending_shares WHERE email = ?", [email])


def set_password(db: Database, user_id: int, password_hash: str) -> None:
    with write_tx(db):
        db["users"].update(user_id, {"password_hash": password_hash})
        _end_sessions(db, user_id)


class DuplicateOrganisation(StoreError):
    """An organisation of this name exists already, perhaps in other capitals."""

    def __init__(self, existing: str):
        super().__init__(existing)
        self.existing = existing


class OrganisationNotFound(StoreError):
    """No organisation has exactly this name."""


def organisation_key(name: str) -> str:
    """What makes two organisation names the same: case and runs of spaces do not count."""
    return " ".join(name.split()).casefold()


def list_organisations(db: Database) -> list[str]:
    with _reading():
        names = [r["name"] for r in db.query("SELECT name FROM organisations")]
    return sorted(names, key=organisation_key)


def matching_organisation(db: Database, name: str) -> str | None:
    """The existing organisation whose name matches, ignoring case and spacing."""
    key = organisation_key(name)
    return next((found for found in list_organisations(db) if organisation_key(found) == key), None)


def known_organisation(db: Database) -> str:
    """The one organisation this database already names, if there is exactly one; else ""."""
    with _reading():
        names = {r["name"] for r in db.query("SELECT name FROM organisations")}
        if not names:
            names = {
                r["organisation"].strip()
                for r in db.query("SELECT DISTINCT organisation FROM assessments")
                if r["organisation"].strip()
            }
    return next(iter(names)) if len(names) == 1 else ""


def add_user(
    db: Database,
    *,
    organisation: str,
    new_organisation: bool,
    email: str,
    name: str,
    role: str,
    password_hash: str,
    is_admin: bool = False,
) -> User:
    """An administrator's new colleague, with a temporary password, in one transaction.

    The organisation must exist, unless new_organisation is set; then no existing
    name may match it in other capitals, so a typo cannot split an organisation.
    """
    email = email.strip().lower()
    with write_tx(db):
        _refuse_taken(db, email)
        org_id = _organisation_id(db, organisation, new_organisation)
        _insert_user(
            db, email, name, password_hash, org_id, role, is_admin=is_admin, temporary=True
        )
    return find_user(db, email)


def _organisation_id(db: Database, name: str, new: bool) -> int:
    rows = list(db.query("SELECT id, name FROM organisations"))
    if new:
        key = organisation_key(name)
        clash = next((r["name"] for r in rows if organisation_key(r["name"]) == key), None)
        if clash is not None:
            raise DuplicateOrganisation(clash)
        return db["organisations"].insert({"name": name}).last_pk
    found = next((r["id"] for r in rows if r["name"] == name), None)
    if found is None:
        raise OrganisationNotFound(name)
    return found


def set_temporary_password(db: Database, user_id: int, password_hash: str) -> None:
    """An administrator's reset: the person must choose their own at next sign-in."""
    with write_tx(db):
        db["users"].update(user_id, {"password_hash": password_hash, "must_change_password": 1})
        _end_sessions(db, user_id)


def change_password(db: Database, user_id: int, password_hash: str) -> None:
    """The person's own choice, which ends any temporary password and every session."""
    with write_tx(db):
        db["users"].update(user_id, {"password_hash": password_hash, "must_change_password": 0})
        _end_sessions(db, user_id)


def password_change_due(db: Database, user_id: int) -> bool:
    with _reading():
        row = db.execute(
            "SELECT must_change_password FROM users WHERE id = ?", [user_id]
        ).fetchone()
    return bool(row and row[0])


# ---------------------------------------------------------------- sessions
# A session's token is in the signed cookie; only its SHA-256 is stored. Ending a row
# ends that browser's session at once, on every worker.
SEEN_EVERY_SECONDS = 60  # last_seen_at is rewritten at most this often, to spare writes


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(db: Database, user_id: int, address: str) -> str:
    """A new session for the user; returns the token for their cookie."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with write_tx(db):
        # Sessions that ended, or that could not be live, a month ago are no longer needed.
        month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat()
        db.execute(
            "DELETE FROM sessions WHERE (ended_at IS NOT NULL AND ended_at < ?) "
            "OR last_seen_at < ?",
            [month_ago, month_ago],
        )
        db["sessions"].insert(
            {
                "token_hash": _token_hash(token),
                "user_id": user_id,
                "created_at": now,
                "last_seen_at": now,
                "address": address[:64],
            }
        )
    return token


def session_user(
    db: Database, token: str, *, idle: timedelta, lifetime: timedelta, now: datetime | None = None
) -> User | None:
    """The user a live session belongs to, noting the visit; None if it has ended.

    A session ends when signed out or ended by a password change, reset or disabled
    account, after `idle` without a request, and `lifetime` after it began.
    """
    now = now or datetime.now(UTC)
    key = _token_hash(token)
    with _reading():
        rows = list(
            db.query(
                "SELECT sessions.created_at, sessions.last_seen_at, users.disabled_at, "
                "sessions.user_id FROM sessions JOIN users ON users.id = sessions.user_id "
                "WHERE sessions.token_hash = ? AND sessions.ended_at IS NULL",
                [key],
            )
        )
    if not rows:
        return None
    row = rows[0]
    created = datetime.fromisoformat(row["created_at"])
    seen = datetime.fromisoformat(row["last_seen_at"])
    if row["disabled_at"] or now - seen > idle or now - created > lifetime:
        with write_tx(db):
            db.execute("UPDATE sessions SET ended_at = ? WHERE token_hash = ?", [_now(), key])
        return None
    if (now - seen).total_seconds() >= SEEN_EVERY_SECONDS:
        try:
            with write_tx(db):
                db.execute(
                    "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
                    [now.isoformat(timespec="seconds"), key],
                )
        except DatabaseUnavailable:
            # A database that cannot take writes can still be read: let the visit go on.
            # The session stays as it was, so it can only end sooner, never later.
            pass
    return get_user(db, row["user_id"])


def end_session(db: Database, token: str) -> None:
    with write_tx(db):
        db.execute(
            "UPDATE sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
            [_now(), _token_hash(token)],
        )


def _end_sessions(db: Database, user_id: int) -> None:
    # Inside the caller's transaction, so the change and the sign-out happen together.
    db.execute(
        "UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL",
        [_now(), user_id],
    )


def live_sessions(db: Database, user_id: int) -> int:
    with _reading():
        return db.execute(
            "SELECT count(*) FROM sessions WHERE user_id = ? AND ended_at IS NULL", [user_id]
        ).fetchone()[0]


def set_disabled(db: Database, user_id: int, disabled: bool) -> None:
    """Disable an account, which ends its sessions, or enable it again."""
    with write_tx(db):
        db["users"].update(user_id, {"disabled_at": _now() if disabled else None})
        if disabled:
            _end_sessions(db, user_id)


# ---------------------------------------------------------------- failed sign-ins
def note_failed_sign_in(db: Database, email: str, address: str) -> None:
    """Count a failed sign-in; forget those older than a day."""
    now = datetime.now(UTC)
    with write_tx(db):
        db["sign_in_failures"].insert(
            {"email": email.strip().lower()[:254], "address": address[:64], "at": now.isoformat()}
        )
        db.execute(
            "DELETE FROM sign_in_failures WHERE at < ?", [(now - timedelta(days=1)).isoformat()]
        )


def failed_sign_ins(
    db: Database, *, email: str, address: str, since: datetime
) -> tuple[list[str], list[str]]:
    """The times of failed sign-ins since `since`: for this email, and from this address."""
    after = since.isoformat()
    with _reading():
        by_email = [
            r["at"]
            for r in db.query(
                "SELECT at FROM sign_in_failures WHERE email = ? AND at >= ? ORDER BY at",
                [email.strip().lower(), after],
            )
        ]
        by_address = [
            r["at"]
            for r in db.query(
                "SELECT at FROM sign_in_failures WHERE address = ? AND at >= ? ORDER BY at",
                [address, after],
            )
        ]
    return by_email, by_address


# ---------------------------------------------------------------- setup
class SetupDone(StoreError):
    """There are accounts already: the first administrator exists."""


class SetupCodeWrong(StoreError):
    """The set-up code is not one that was issued, has been used or has expired."""


def issue_setup_code(db: Database, valid_for: timedelta) -> str:
    """A one-time code to create the first administrator at /setup, while there are no accounts."""
    code = secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    with write_tx(db):
        if db.execute("SELECT count(*) FROM users").fetchone()[0]:
            raise SetupDone()
        db["setup_tokens"].insert(
            {
                "token_hash": _token_hash(code),
                "created_at": now.isoformat(),
                "expires_at": (now + valid_for).isoformat(),
            }
        )
    return code


def setup_code_valid(db: Database, code: str) -> bool:
    with _reading():
        return _live_setup_code(db, code)


def _live_setup_code(db: Database, code: str) -> bool:
    row = db.execute(
        "SELECT expires_at FROM setup_tokens WHERE token_hash = ? AND used_at IS NULL",
        [_token_hash(code)],
    ).fetchone()
    return bool(row) and datetime.fromisoformat(row[0]) > datetime.now(UTC)


def create_first_admin(
    db: Database, *, code: str, organisation: str, email: str, name: str, password_hash: str
) -> User:
    """The first administrator, once: under the write lock, so two at once make one."""
    email = email.strip().lower()
    with write_tx(db):
        if db.execute("SELECT count(*) FROM users").fetchone()[0]:
            raise SetupDone()
        if not _live_setup_code(db, code):
            raise SetupCodeWrong()
        db.execute(
            "UPDATE setup_tokens SET used_at = ? WHERE token_hash = ?", [_now(), _token_hash(code)]
        )
        found = list(db.query("SELECT id FROM organisations WHERE name = ?", [organisation]))
        org_id = (
            found[0]["id"] if found else db["organisations"].insert({"name": organisation}).last_pk
        )
        _insert_user(db, email, name, password_hash, org_id, "author", is_admin=True)
    return find_user(db, email)


# ---------------------------------------------------------------- audit log
@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    subject: str
    detail: Mapping[str, Any]
    address: str


def audit(
    db: Database,
    *,
    action: str,
    actor: str,
    subject: str,
    address: str,
    organisation_id: int | None,
    actor_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Record who did what to accounts, access or sign-off, and from where."""
    with write_tx(db):
        db["audit"].insert(
            {
                "at": _now(),
                "organisation_id": organisation_id,
                "actor_id": actor_id,
                "actor": actor[:254],
                "action": action,
                "subject": subject[:500],
                "detail": json.dumps(dict(detail or {}), ensure_ascii=False),
                "address": address[:64],
            }
        )


def list_audit(
    db: Database, organisation_id: int, *, before: int | None = None, limit: int = 50
) -> list[AuditEntry]:
    """An organisation's log, newest first, a page at a time (entries older than `before`)."""
    params: list[Any] = [organisation_id]
    older = ""
    if before is not None:
        older, params = " AND id < ?", [organisation_id, before]
    with _reading():
        rows = db.query(
            f"SELECT * FROM audit WHERE organisation_id = ?{older} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [
            AuditEntry(
                r["id"],
                r["at"],
                r["actor"],
                r["action"],
                r["subject"],
                _loads(r["detail"]) or {},
                r["address"],
            )
            for r in rows
        ]


def access_role(db: Database, assessment: Assessment, user: User) -> str | None:
    """The user's role on this assessment: by organisation, or by a share; else None.

    A signed-off assessment is a public record (its statement goes with the board
    papers), so anyone signed in may read it: as a viewer, unless they have a role.
    """
    if assessment.organisation_id == user.organisation_id:
        return user.role
    with _reading():
        rows = list(
            db.query(
                "SELECT role FROM shares WHERE assessment_id = ? AND user_id = ?",
                [assessment.id, user.id],
            )
        )
    if rows:
        return rows[0]["role"]
    return "viewer" if assessment.status in SIGNED_STATUSES else None


def share(db: Database, uid: str, email: str, role: str) -> User:
    """Share an assessment with a named user of any organisation, with a role."""
    user = find_user(db, email)
    if user is None:
        raise UserNotFound(email)
    with write_tx(db):
        assessment_id = _id_for(db, uid)
        db["shares"].upsert(
            {"assessment_id": assessment_id, "user_id": user.id, "role": role},
            pk=("assessment_id", "user_id"),
        )
        _event(db, assessment_id, "shared", {"user": user.email, "role": role})
    return user


def share_with_email(db: Database, uid: str, email: str, role: str) -> None:
    """Share with whoever has, or will have, an account with this email address.

    Says nothing about whether the account exists: an address with none is kept until
    one is made (see _insert_user).
    """
    email = email.strip().lower()
    user = find_user(db, email)
    with write_tx(db):
        assessment_id = _id_for(db, uid)
        if user is None:
            db["pending_shares"].upsert(
                {"assessment_id": assessment_id, "email": email, "role": role},
                pk=("assessment_id", "email"),
            )
        else:
            db["shares"].upsert(
                {"assessment_id": assessment_id, "user_id": user.id, "role": role},
                pk=("assessment_id", "user_id"),
            )
        _event(db, assessment_id, "shared", {"email": email, "role": role})


def list_share_emails(db: Database, uid: str) -> list[tuple[str, str]]:
    """Every email the assessment is shared with, and its role, with or without an account."""
    with _reading():
        assessment_id = _id_for(db, uid)
        rows = db.query(
            "SELECT users.email AS email, shares.role AS role FROM shares "
            "JOIN users ON users.id = shares.user_id WHERE shares.assessment_id = ? "
            "UNION SELECT email, role FROM pending_shares WHERE assessment_id = ? "
            "ORDER BY email",
            [assessment_id, assessment_id],
        )
        return [(r["email"], r["role"]) for r in rows]


def list_shares(db: Database, uid: str) -> list[tuple[User, str]]:
    with _reading():
        assessment_id = _id_for(db, uid)
        rows = db.query(
            f"{USER_SELECT} JOIN shares ON shares.user_id = users.id "
            "WHERE shares.assessment_id = ? ORDER BY users.name",
            [assessment_id],
        )
        return [(_user(r), r["role"]) for r in rows]


# ---------------------------------------------------------------- workflow
DRAFT, IN_REVIEW, APPROVED = "draft", "in_review", "approved"
# A review decided to stop the policy: still a signed record, read as approved ones are.
STOPPED = "stopped"
SIGNED_STATUSES = (APPROVED, STOPPED)


@dataclass(frozen=True, slots=True)
class Signoff:
    id: int
    revision: int
    name: str
    job_title: str
    attestation: str
    signed_at: str
    snapshot: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    section_id: str
    author: str
    text: str
    created_at: str
    resolved_at: str | None
    resolved_by: str | None


class WrongStatus(StoreError):
    """The assessment is not in the status this step needs (someone else moved it on)."""


class OwnWork(StoreError):
    """The approver changed answers in this revision, so cannot sign it off."""


def set_status(db: Database, uid: str, expected: str, status: str, by: str) -> None:
    """Move an assessment from one workflow status to the next, or fail if it has moved."""
    with write_tx(db):
        row = _row(db, uid)
        if row["status"] != expected:
            raise WrongStatus(row["status"])
        db["assessments"].update(row["id"], {"status": status, "updated_at": _now()})
        _event(db, row["id"], "status", {"from": expected, "to": status, "by": by})


def sign_off(
    db: Database,
    uid: str,
    *,
    user: User,
    job_title: str,
    attestation: str,
    snapshot: Mapping[str, Any],
) -> None:
    """Approve an assessment that is in review, keeping a snapshot of it as signed."""
    with write_tx(db):
        row = _row(db, uid)
        if row["status"] != IN_REVIEW:
            raise WrongStatus(row["status"])
        if edited_this_revision(db, uid, user.id):
            raise OwnWork(uid)
        db["signoffs"].insert(
            {
                "assessment_id": row["id"],
                "revision": row["revision"],
                "user_id": user.id,
                "name": user.name,
                "job_title": job_title,
                "attestation": attestation,
                "signed_at": _now(),
                "snapshot": json.dumps(snapshot, ensure_ascii=False),
            }
        )
        db["assessments"].update(row["id"], {"status": APPROVED, "updated_at": _now()})
        _event(db, row["id"], "approved", {"by": user.name, "revision": row["revision"]})


def start_revision(db: Database, uid: str, by: str) -> int:
    """Open the next revision of an approved assessment as a draft; return its number."""
    with write_tx(db):
        row = _row(db, uid)
        if row["status"] != APPROVED:
            raise WrongStatus(row["status"])
        revision = row["revision"] + 1
        db["assessments"].update(
            row["id"], {"status": DRAFT, "revision": revision, "updated_at": _now()}
        )
        db.execute("DELETE FROM sections WHERE assessment_id = ?", [row["id"]])
        _event(db, row["id"], "revision_started", {"revision": revision, "by": by})
    return revision


def list_signoffs(db: Database, uid: str) -> list[Signoff]:
    with _reading():
        rows = db.query(
            "SELECT * FROM signoffs WHERE assessment_id = ? ORDER BY revision", [_id_for(db, uid)]
        )
        return [_signoff(r) for r in rows]


def _signoff(r: Mapping[str, Any]) -> Signoff:
    return Signoff(
        r["id"],
        r["revision"],
        r["name"],
        r["job_title"],
        r["attestation"],
        r["signed_at"],
        json.loads(r["snapshot"]),
    )


def add_comment(db: Database, uid: str, section_id: str, user: User, text: str) -> None:
    with write_tx(db):
        assessment_id = _id_for(db, uid)
        db["comments"].insert(
            {
                "assessment_id": assessment_id,
                "section_id": section_id,
                "user_id": user.id,
                "author": f"{user.name}, {user.organisation}",
                "text": text,
                "created_at": _now(),
            }
        )


def resolve_comment(db: Database, uid: str, comment_id: int, by: str) -> None:
    with write_tx(db):
        assessment_id = _id_for(db, uid)
        cursor = db.execute(
            "UPDATE comments SET resolved_at = ?, resolved_by = ? WHERE id = ? "
            "AND assessment_id = ? AND resolved_at IS NULL",
            [_now(), by, comment_id, assessment_id],
        )
        if cursor.rowcount != 1:
            raise AssessmentNotFound(f"{uid} comment {comment_id}")


def list_comments(db: Database, uid: str, section_id: str | None = None) -> list[Comment]:
    where, params = "assessment_id = ?", [_id_for(db, uid)]
    if section_id is not None:
        where += " AND section_id = ?"
        params.append(section_id)
    with _reading():
        rows = db.query(f"SELECT * FROM comments WHERE {where} ORDER BY id", params)
        return [
            Comment(
                r["id"],
                r["section_id"],
                r["author"],
                r["text"],
                r["created_at"],
                r["resolved_at"],
                r["resolved_by"],
            )
            for r in rows
        ]


# ---------------------------------------------------------------- Flask wiring
class DatabaseRefused(SettingError):
    """The database file cannot be used; the service does not start."""


def init_app(app: Flask) -> None:
    """Check the database and bring its schema up to date before the first request.

    A missing or empty file is a new service only when the operator says so (`flask
    init-db`, or HIAT_CREATE_DATABASE=on); otherwise it may be a lost database, and the
    service refuses to start rather than open an empty one. Under the `flask` command the
    refusal waits, so `init-db` and `restore` can still run.
    """
    path = app.config["DATABASE"]
    problem = start_problem(path, app.config.get("CREATE_DATABASE", False))
    if problem is None:
        problem = _prepare(app, path)
    if problem and os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        app.extensions["hiat_database_problem"] = problem
    elif problem:
        raise DatabaseRefused(problem)
    app.teardown_appcontext(close_db)


def clear_problem(app: Flask) -> None:
    """After init-db or restore has mended the database, the app may use it."""
    app.extensions.pop("hiat_database_problem", None)


def _prepare(app: Flask, path: str) -> str | None:
    try:
        migrate(path)
        _warn_of_orphans(app, path)
        _bring_register_up_to_date(app, path)
    except DatabaseUnavailable as err:
        return f"{err}; check that the file and its folder can be written"
    return None


def start_problem(path: str, create: bool) -> str | None:
    if is_new(path):
        if create:
            return None
        return (
            f"there is no database at {path}. To start a new, empty service run "
            "`flask --app app init-db`; if the database was lost, restore a backup with "
            "`flask --app app restore BACKUP`"
        )
    return check_file(path)


def _bring_register_up_to_date(app: Flask, path: str) -> None:
    """Rebuild the register rows that another version of hiat or its banks made."""
    db = open_db(path)
    try:
        with app.app_context():
            count = reindex(db)
    finally:
        db.close()
    if count:
        app.logger.info("Brought %d assessments' register entries up to date", count)


def _warn_of_orphans(app: Flask, path: str) -> None:
    db = open_db(path)
    try:
        count = orphan_count(db)
    finally:
        db.close()
    if count:
        app.logger.warning(
            "%d assessments made before accounts belong to no organisation, so nobody can "
            "see them: run `flask --app app assign-orphans 'Organisation name'`",
            count,
        )


def orphan_count(db: Database) -> int:
    return db.execute("SELECT count(*) FROM assessments WHERE organisation_id IS NULL").fetchone()[
        0
    ]


def assign_orphans(db: Database, organisation: str) -> int:
    """Give every assessment with no organisation to this one; returns how many moved."""
    with write_tx(db):
        row = db.execute(
            "SELECT id FROM organisations WHERE lower(name) = lower(?)", [organisation.strip()]
        ).fetchone()
        if row is None:
            raise OrganisationNotFound(organisation)
        moved = db.execute(
            "UPDATE assessments SET organisation_id = ? WHERE organisation_id IS NULL", [row[0]]
        ).rowcount
    return moved


# ---------------------------------------------------------------- register
# The app gives the store a way to read answers into a register entry (hiat.impacts.entry
# with the question banks) and a key that changes when that reading changes.
INDEXER = "hiat_indexer"
REGISTER_SORTS = {
    "title": "a.title COLLATE NOCASE",
    "place": "a.place COLLATE NOCASE",
    "decision_date": "r.decision_date = '', r.decision_date",
    "status": "a.status",
    "updated": "a.updated_at",
}
REGISTER_STATUSES = (
    "draft",
    "in_review",
    "approved",
    "review_due",
    "review_overdue",
    "stopped",
)


@dataclass(frozen=True, slots=True)
class RegisterFilter:
    """What the register shows: every field empty shows everything the user may see."""

    text: str = ""
    places: tuple[str, ...] = ()
    organisations: tuple[int, ...] = ()
    principles: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # values of REGISTER_STATUSES
    bodies: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    decided_from: str = ""  # ISO dates, inclusive
    decided_to: str = ""
    directions: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    archived: bool = False
    today: str = ""  # ISO date: review due and overdue are worked out from it
    due_by: str = ""  # ISO date: a review date from today to this is "due"


@dataclass(frozen=True, slots=True)
class RegisterRow:
    uid: str
    title: str
    organisation: str  # the owning organisation's name
    place: str  # the place's label
    status: str
    updated_at: str
    revision: int
    review_date: str
    decision_date: str
    kind: str
    decision_body: str
    role: str | None = None
    snippet: str = ""  # matching words in context, marked by MATCH_START and MATCH_END
    groups: tuple[str, ...] = ()
    impacts: tuple[Impact, ...] = ()


@dataclass(frozen=True, slots=True)
class RegisterPage:
    rows: tuple[RegisterRow, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


# Private-use characters: they cannot come from anyone's typing through the form filter,
# and the page turns them into <mark> after escaping the text around them.
MATCH_START, MATCH_END = "\ue000", "\ue001"


def _indexer() -> tuple[str, Callable[[Mapping[str, Any]], Entry]] | None:
    return current_app.extensions.get(INDEXER) if has_app_context() else None


def _index(db: Database, assessment_id: int) -> None:
    """Bring the assessment's register rows and search text in step with its answers.

    Called inside the save's transaction. Without the app's indexer (a bare script), the
    rows are removed and the next start of the app rebuilds them.
    """
    indexer = _indexer()
    if indexer is None:
        for table in ("register", "register_impacts", "register_groups", "search"):
            db.execute(f"DELETE FROM {table} WHERE assessment_id = ?", [assessment_id])
        return
    key, derive = indexer
    values = {
        qid: json.loads(value)
        for qid, value in db.execute(
            "SELECT question_id, value FROM answers WHERE assessment_id = ?", [assessment_id]
        )
    }
    title = db.execute("SELECT title FROM assessments WHERE id = ?", [assessment_id]).fetchone()
    _write_entry(db, assessment_id, key, title[0], derive(values))


def _write_entry(db: Database, assessment_id: int, key: str, title: str, entry: Entry) -> None:
    for table in ("register_impacts", "register_groups"):
        db.execute(f"DELETE FROM {table} WHERE assessment_id = ?", [assessment_id])
    db["register"].upsert(
        {
            "assessment_id": assessment_id,
            "indexed_with": key,
            "place": entry.place,
            "kind": entry.kind,
            "decision_body": entry.decision_body,
            "decision_date": entry.decision_date,
            "review_date": entry.review_date,
        },
        pk="assessment_id",
    )
    db["register_impacts"].insert_all(
        {
            "assessment_id": assessment_id,
            "principle": i.principle,
            "direction": i.direction,
            "gap": i.gap,
            "actions": i.actions,
        }
        for i in entry.impacts
    )
    groups = [("", g) for g in entry.groups]
    groups += [(i.principle, g) for i in entry.impacts for g in i.groups]
    db["register_groups"].insert_all(
        ({"assessment_id": assessment_id, "principle": p, "group_id": g} for p, g in groups),
        ignore=True,
    )
    # Rewriting the search row re-tokenises every word of the assessment: skip it when a
    # save changed no words (a choice, a date, or the same text saved again).
    words = (title, entry.summary, entry.text)
    kept = db.execute(
        "SELECT title, summary, answers FROM search WHERE assessment_id = ?", [assessment_id]
    ).fetchone()
    if kept != words:
        db["search"].upsert(
            {
                "assessment_id": assessment_id,
                "title": title,
                "summary": entry.summary,
                "answers": entry.text,
            },
            pk="assessment_id",
        )


def reindex(db: Database, batch: int = 200) -> int:
    """Rebuild the register rows of every assessment indexed another way; returns how many."""
    indexer = _indexer()
    if indexer is None:
        return 0
    stale = (
        "SELECT a.id FROM assessments a LEFT JOIN register r ON r.assessment_id = a.id "
        "WHERE r.indexed_with IS NULL OR r.indexed_with != ? LIMIT ?"
    )
    done = 0
    # Looked for before any write, so a read-only database that is up to date still opens.
    while db.execute(stale, [indexer[0], 1]).fetchone():
        with write_tx(db):
            ids = [r[0] for r in db.execute(stale, [indexer[0], batch])]
            for assessment_id in ids:
                _index(db, assessment_id)
        done += len(ids)
    return done


class _Where:
    """SQL conditions joined by AND, with their parameters in order."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def among(self, column: str, values: Iterable[Any]) -> None:
        values = list(values)
        if values:
            self.add(f"{column} IN ({_marks(values)})", *values)


def _marks(values: list[Any] | tuple[Any, ...]) -> str:
    return ", ".join("?" for _ in values)


REGISTER_STATUS_SQL = {
    "draft": "a.status = 'draft'",
    "in_review": "a.status = 'in_review'",
    "approved": "a.status = 'approved'",
    "review_due": "(a.status = 'approved' AND r.review_date BETWEEN ? AND ?)",
    "review_overdue": "(a.status = 'approved' AND r.review_date != '' AND r.review_date < ?)",
    "stopped": "a.status = 'stopped'",
}


def _register_where(
    f: RegisterFilter, user: User | None, joined: bool = False
) -> tuple[str, list[Any]]:
    """The conditions for `f`; `joined` when the query joins search_fts (for rank, snippet)."""
    where = _Where()
    where.add("a.archived = ?", int(f.archived))
    _visible_where(where, user)
    where.among("r.place", f.places)
    where.among("a.organisation_id", f.organisations)
    where.among("r.kind", f.kinds)
    where.among("lower(r.decision_body)", (b.lower() for b in f.bodies))
    _status_where(where, f)
    if f.decided_from:
        where.add("r.decision_date >= ?", f.decided_from)
    if f.decided_to:
        where.add("r.decision_date != '' AND r.decision_date <= ?", f.decided_to)
    _impact_where(where, f)
    if f.groups:
        where.add(
            "EXISTS (SELECT 1 FROM register_groups gr WHERE gr.assessment_id = a.id AND "
            f"gr.group_id IN ({_marks(f.groups)}))",
            *f.groups,
        )
    if f.text and fts_query(f.text) and joined:
        where.add("search_fts MATCH ?", fts_query(f.text))
    elif f.text and fts_query(f.text):
        # A subquery, not a join: SQLite then reads the index once, not once a row.
        where.add(
            "a.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", fts_query(f.text)
        )
    elif f.text:
        where.add("0")  # only quote marks: no words to find
    return " AND ".join(where.clauses), where.params


def _visible_where(where: _Where, user: User | None) -> None:
    """What `user` may see: their organisation's, shared with them, or signed off."""
    if user is not None:
        where.add(
            "(a.organisation_id = ? OR a.status IN ('approved', 'stopped') OR a.id IN "
            "(SELECT assessment_id FROM shares WHERE user_id = ?))",
            user.organisation_id,
            user.id,
        )


def _status_where(where: _Where, f: RegisterFilter) -> None:
    chosen = [s for s in REGISTER_STATUSES if s in f.statuses]
    if not chosen:
        return
    params: list[Any] = []
    for status in chosen:
        params += {"review_due": [f.today, f.due_by], "review_overdue": [f.today]}.get(status, [])
    where.add("(" + " OR ".join(REGISTER_STATUS_SQL[s] for s in chosen) + ")", *params)


def _impact_where(where: _Where, f: RegisterFilter) -> None:
    """A principle and a direction chosen together must be the same impact."""
    if not (f.principles or f.directions):
        return
    inner = _Where()
    inner.add("i.assessment_id = a.id")
    inner.among("i.principle", f.principles)
    inner.among("i.direction", f.directions)
    where.add(
        f"EXISTS (SELECT 1 FROM register_impacts i WHERE {' AND '.join(inner.clauses)})",
        *inner.params,
    )


def fts_query(text: str) -> str:
    """The words typed, each quoted, so search finds them all and FTS syntax is never run."""
    words = ["".join(ch for ch in word if ch != '"') for word in text.split()]
    return " ".join(f'"{word}"' for word in words if word)


def _register_from(joined: bool = False) -> str:
    joins = "assessments a JOIN register r ON r.assessment_id = a.id "
    joins += "LEFT JOIN organisations o ON o.id = a.organisation_id "
    if joined:
        joins += "JOIN search_fts ON search_fts.rowid = a.id "
    return joins


def _role_sql(user: User | None) -> tuple[str, list[Any]]:
    if user is None:
        return "NULL", []
    return (
        "CASE WHEN a.organisation_id = ? THEN ? ELSE coalesce((SELECT role FROM shares WHERE "
        "shares.assessment_id = a.id AND shares.user_id = ?), "
        "CASE WHEN a.status IN ('approved', 'stopped') THEN 'viewer' END) END",
        [user.organisation_id, user.role, user.id],
    )


def register_page(
    db: Database,
    f: RegisterFilter,
    user: User | None,
    *,
    sort: str = "updated",
    descending: bool = True,
    page: int = 1,
    per_page: int = 25,
) -> RegisterPage:
    """One page of the register: the assessments `user` may see that match `f`.

    With search words and no sort chosen (sort="relevance"), the best matches come first.
    A page past the end gives the last page.
    """
    where, params = _register_where(f, user)
    words = fts_query(f.text) if f.text else ""
    # Joined to the index only to rank by it; the words in context come after, for 25 rows.
    ranked = bool(words) and sort == "relevance"
    with _reading():
        # Joined to the register's rows only when a filter reads them: the count then
        # comes from an index alone.
        counted = _register_from() if "r." in where else "assessments a "
        total = db.execute(f"SELECT count(*) FROM {counted} WHERE {where}", params).fetchone()[0]
        pages = page_count(total, per_page)
        page = min(max(page, 1), pages)
        if ranked:
            where, params = _register_where(f, user, joined=True)
            order = "search_fts.rank"
        else:
            way = "DESC" if descending else "ASC"
            order = ", ".join(
                f"{part} {way}" for part in REGISTER_SORTS.get(sort, "a.updated_at").split(", ")
            )
        role, role_params = _role_sql(user)
        rows = db.execute(
            "SELECT a.id, a.uid, a.title, coalesce(o.name, a.organisation), a.place, a.status, "
            "a.updated_at, a.revision, r.review_date, r.decision_date, r.kind, "
            f"r.decision_body, {role} FROM {_register_from(ranked)} WHERE {where} "
            f"ORDER BY {order}, a.id DESC LIMIT ? OFFSET ?",
            [*role_params, *params, per_page, (page - 1) * per_page],
        ).fetchall()
        snippets = _snippets(db, words, [row[0] for row in rows]) if words else {}
    return RegisterPage(
        rows=tuple(RegisterRow(*row[1:], snippet=snippets.get(row[0], "")) for row in rows),
        total=total,
        page=page,
        per_page=per_page,
    )


def _snippets(db: Database, words: str, ids: list[int]) -> dict[int, str]:
    """The matching words in context, for these assessments only."""
    if not ids:
        return {}
    return dict(
        db.execute(
            f"SELECT rowid, snippet(search_fts, -1, '{MATCH_START}', '{MATCH_END}', ' … ', 16) "
            f"FROM search_fts WHERE search_fts MATCH ? AND rowid IN ({_marks(ids)})",
            [words, *ids],
        ).fetchall()
    )


def register_decisions(
    db: Database, f: RegisterFilter, user: User | None, limit: int | None = None
) -> list[RegisterRow]:
    """Every assessment matching `f` that `user` may see, with its groups and impacts.

    In decision-date order (undated last); for the cumulative impact and the CSV export.
    """
    where, params = _register_where(f, user)
    source = _register_from()
    role, role_params = _role_sql(user)
    cap = "" if limit is None else f" LIMIT {int(limit)}"
    with _reading():
        rows = db.execute(
            "SELECT a.id, a.uid, a.title, coalesce(o.name, a.organisation), a.place, a.status, "
            "a.updated_at, a.revision, r.review_date, r.decision_date, r.kind, "
            f"r.decision_body, {role} FROM {source} WHERE {where} "
            f"ORDER BY r.decision_date = '', r.decision_date, a.id{cap}",
            [*role_params, *params],
        ).fetchall()
        ids = [row[0] for row in rows]
        impacts: dict[int, list[tuple[str, str, str, int]]] = {}
        groups: dict[tuple[int, str], list[str]] = {}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            marks = ", ".join("?" for _ in part)
            for aid, principle, direction, gap, actions in db.execute(
                "SELECT assessment_id, principle, direction, gap, actions FROM register_impacts "
                f"WHERE assessment_id IN ({marks}) ORDER BY rowid",
                part,
            ):
                impacts.setdefault(aid, []).append((principle, direction, gap, actions))
            for aid, principle, group in db.execute(
                "SELECT assessment_id, principle, group_id FROM register_groups "
                f"WHERE assessment_id IN ({marks}) ORDER BY rowid",
                part,
            ):
                groups.setdefault((aid, principle), []).append(group)
    return [
        RegisterRow(
            *row[1:],
            groups=tuple(groups.get((row[0], ""), ())),
            impacts=tuple(
                Impact(p, d, gap, n, tuple(groups.get((row[0], p), ())))
                for p, d, gap, n in impacts.get(row[0], ())
            ),
        )
        for row in rows
    ]


def register_choices(db: Database, user: User | None) -> dict[str, list[tuple[str, str]]]:
    """The organisations and decision bodies among the assessments `user` may see.

    Each is looked up once with EXISTS, so the cost follows the number of organisations
    and bodies, not of assessments.
    """
    visible = _Where()
    visible.add("1")  # archived ones too: their organisations and bodies are still choices
    _visible_where(visible, user)
    where, params = " AND ".join(visible.clauses), visible.params
    with _reading():
        organisations = db.execute(
            "SELECT o.id, o.name FROM organisations o WHERE EXISTS (SELECT 1 FROM assessments a "
            f"WHERE a.organisation_id = o.id AND {where}) ORDER BY o.name COLLATE NOCASE",
            params,
        ).fetchall()
        bodies = db.execute(
            "SELECT b.decision_body FROM (SELECT DISTINCT decision_body FROM register "
            "WHERE decision_body != '') b WHERE EXISTS (SELECT 1 FROM register r JOIN "
            "assessments a ON a.id = r.assessment_id WHERE r.decision_body = b.decision_body "
            f"AND {where}) ORDER BY lower(b.decision_body) LIMIT 500",
            params,
        ).fetchall()
    # One entry for "Cabinet" and "cabinet": the filter matches either way.
    folded = {b.lower(): b for (b,) in reversed(bodies)}
    return {
        "organisations": [(str(i), name) for i, name in organisations],
        "bodies": [(b, b) for b in sorted(folded.values(), key=str.lower)][:200],
    }


@dataclass(frozen=True, slots=True)
class RelatedDecision:
    uid: str
    title: str
    organisation: str
    place: str
    decision_date: str
    status: str
    review_date: str
    shared_groups: tuple[str, ...]  # group ids it has in common with the assessment
    principles: tuple[str, ...]  # principles on which it harms those groups


HARMFUL_SQL = "(i.direction IN ('negative', 'major_negative') OR i.gap = 'widens')"
WHOLE_REGION = "cheshire_and_merseyside"


def related_decisions(db: Database, uid: str, user: User, limit: int = 10) -> list[RelatedDecision]:
    """Other decisions that harm the same groups in the same place, most groups in common first.

    Same place means the same council area, or either decision covering the whole region.
    A harm counts for the groups its principle names; a principle naming none, for the
    policy's groups.
    """
    where, params = _register_where(RegisterFilter(), user)
    with _reading():
        me = _row(db, uid)
        mine = db.execute(
            "SELECT place FROM register WHERE assessment_id = ?", [me["id"]]
        ).fetchone()
        place = mine[0] if mine else ""
        same_place = "1" if place in ("", WHOLE_REGION) else "r.place IN (?, ?)"
        place_params = [] if same_place == "1" else [place, WHOLE_REGION]
        rows = db.execute(
            "SELECT a.uid, a.title, coalesce(o.name, a.organisation), a.place, r.decision_date, "
            "a.status, r.review_date, group_concat(g.group_id, char(31)), "
            "group_concat(i.principle, char(31)) "
            "FROM register_impacts i JOIN assessments a ON a.id = i.assessment_id "
            "JOIN register r ON r.assessment_id = a.id "
            "LEFT JOIN organisations o ON o.id = a.organisation_id "
            "JOIN register_groups g ON g.assessment_id = i.assessment_id AND "
            "(g.principle = i.principle OR (g.principle = '' AND NOT EXISTS (SELECT 1 FROM "
            "register_groups own WHERE own.assessment_id = i.assessment_id AND "
            "own.principle = i.principle))) "
            f"WHERE {HARMFUL_SQL} AND a.id != ? AND {same_place} AND {where} "
            "AND g.group_id IN (SELECT group_id FROM register_groups WHERE assessment_id = ?) "
            "GROUP BY a.id ORDER BY count(DISTINCT g.group_id) DESC, r.decision_date DESC, "
            "a.id DESC LIMIT ?",
            [me["id"], *place_params, *params, me["id"], limit],
        ).fetchall()
    return [
        RelatedDecision(
            *row[:7],
            tuple(sorted(set(row[7].split("\x1f")))),
            tuple(dict.fromkeys(row[8].split("\x1f"))),
        )
        for row in rows
    ]


# ---------------------------------------------------------------- action progress
@dataclass(frozen=True, slots=True)
class ActionUpdate:
    question_id: str
    row: int
    status: str
    due_date: str
    note: str
    reason: str
    at: str
    by: str


def add_action_update(
    db: Database,
    uid: str,
    revision: int,
    question_id: str,
    row: int,
    *,
    status: str,
    due_date: str = "",
    note: str = "",
    reason: str = "",
    by: str = "",
) -> None:
    """Record how a signed revision's action is going; earlier updates stay as its history."""
    with write_tx(db):
        assessment_id = _id_for(db, uid)
        signed = db.execute(
            "SELECT 1 FROM signoffs WHERE assessment_id = ? AND revision = ?",
            [assessment_id, revision],
        ).fetchone()
        if signed is None:
            raise AssessmentNotFound(f"{uid} revision {revision} is not signed off")
        db["action_updates"].insert(
            {
                "assessment_id": assessment_id,
                "revision": revision,
                "question_id": question_id,
                "row": row,
                "status": status,
                "due_date": due_date,
                "note": note,
                "reason": reason,
                "at": _now(),
                "by": by,
            }
        )
        _event(db, assessment_id, "action_updated", {"question": question_id, "row": row})


def action_updates(db: Database, uid: str, revision: int) -> dict[tuple[str, int], list]:
    """Every update of the revision's actions, oldest first, by (question id, row)."""
    with _reading():
        rows = db.query(
            "SELECT * FROM action_updates WHERE assessment_id = ? AND revision = ? ORDER BY id",
            [_id_for(db, uid), revision],
        )
        found: dict[tuple[str, int], list[ActionUpdate]] = {}
        for r in rows:
            found.setdefault((r["question_id"], r["row"]), []).append(
                ActionUpdate(
                    r["question_id"],
                    r["row"],
                    r["status"],
                    r["due_date"],
                    r["note"],
                    r["reason"],
                    r["at"],
                    r["by"],
                )
            )
        return found


def latest_signoffs(db: Database, organisation_id: int) -> list[tuple[str, Signoff]]:
    """The newest sign-off of each of the organisation's assessments in use, with its uid."""
    with _reading():
        rows = db.query(
            "SELECT a.uid, s.* FROM signoffs s JOIN assessments a ON a.id = s.assessment_id "
            "WHERE a.organisation_id = ? AND a.archived = 0 AND s.revision = (SELECT "
            "max(revision) FROM signoffs WHERE assessment_id = s.assessment_id) "
            "ORDER BY a.title COLLATE NOCASE, a.id",
            [organisation_id],
        )
        return [(r["uid"], _signoff(r)) for r in rows]


# ---------------------------------------------------------------- indicator readings
@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of a signed revision's indicator, as recorded."""

    question_id: str
    row: int
    date: str  # ISO date the value is for
    value: str
    groups: tuple[tuple[str, str], ...]  # (group, value) in the order typed
    note: str
    source: str
    at: str  # when it was recorded
    by: str
    id: int = 0
    withdrawn_at: str = ""  # set once, when someone withdraws a mistaken reading
    withdrawn_by: str = ""
    withdrawn_reason: str = ""


def add_reading(
    db: Database,
    uid: str,
    revision: int,
    question_id: str,
    row: int,
    *,
    date: str,
    value: str,
    groups: Sequence[tuple[str, str]] = (),
    note: str = "",
    source: str = "",
    by: str = "",
) -> int:
    """Record a reading of a signed revision's indicator; earlier readings stay as they were.

    Returns the new reading's id.
    """
    with write_tx(db):
        assessment_id = _id_for(db, uid)
        signed = db.execute(
            "SELECT 1 FROM signoffs WHERE assessment_id = ? AND revision = ?",
            [assessment_id, revision],
        ).fetchone()
        if signed is None:
            raise AssessmentNotFound(f"{uid} revision {revision} is not signed off")
        table = db["indicator_readings"]
        table.insert(
            {
                "assessment_id": assessment_id,
                "revision": revision,
                "question_id": question_id,
                "row": row,
                "date": date,
                "value": value,
                "groups": json.dumps([list(pair) for pair in groups], ensure_ascii=False),
                "note": note,
                "source": source,
                "at": _now(),
                "by": by,
            }
        )
        return table.last_pk


def readings(db: Database, uid: str, revision: int) -> dict[tuple[str, int], list[Reading]]:
    """Every reading of the revision's indicators, in the order recorded, by (question id, row)."""
    with _reading():
        rows = db.query(
            "SELECT * FROM indicator_readings WHERE assessment_id = ? AND revision = ? ORDER BY id",
            [_id_for(db, uid), revision],
        )
        found: dict[tuple[str, int], list[Reading]] = {}
        for r in rows:
            found.setdefault((r["question_id"], r["row"]), []).append(
                Reading(
                    r["question_id"],
                    r["row"],
                    r["date"],
                    r["value"],
                    tuple((str(g), str(v)) for g, v in json.loads(r["groups"])),
                    r["note"],
                    r["source"],
                    r["at"],
                    r["by"],
                    r["id"],
                    r["withdrawn_at"],
                    r["withdrawn_by"],
                    r["withdrawn_reason"],
                )
            )
        return found


class ReadingNotFound(StoreError):
    """No reading of this revision has this id, or it was withdrawn already."""


def withdraw_reading(
    db: Database, uid: str, revision: int, reading_id: int, *, reason: str, by: str
) -> None:
    """Mark a mistaken reading withdrawn: it stays in the record, but counts no more."""
    with write_tx(db):
        done = db.execute(
            "UPDATE indicator_readings SET withdrawn_at = ?, withdrawn_by = ?, "
            "withdrawn_reason = ? WHERE id = ? AND assessment_id = ? AND revision = ? "
            "AND withdrawn_at = ''",
            [_now(), by, reason, reading_id, _id_for(db, uid), revision],
        )
        if done.rowcount != 1:
            raise ReadingNotFound(
                f"{uid} revision {revision} has no reading {reading_id} to withdraw"
            )


# ---------------------------------------------------------------- public register
class NotSignedOff(StoreError):
    """This revision was never signed off, so there is nothing to publish."""


class NotPublished(StoreError):
    """This revision is not published (or is withdrawn already)."""


@dataclass(frozen=True, slots=True)
class Publication:
    """A signed revision in the public register, with its details as signed."""

    uid: str
    revision: int
    organisation_slug: str
    title: str
    organisation: str
    place: str
    summary: str
    decision_body: str
    decision_date: str
    signed_at: str
    published_at: str
    published_by: str
    withdrawn_at: str
    withdrawn_by: str
    withdrawn_reason: str
    updated_at: str

    @property
    def withdrawn(self) -> bool:
        return bool(self.withdrawn_at)


@dataclass(frozen=True, slots=True)
class PublicationsPage:
    rows: tuple[Publication, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


PUBLICATION_DETAILS = (
    "title",
    "organisation",
    "place",
    "summary",
    "decision_body",
    "decision_date",
)
PUBLICATION_SELECT = (
    "SELECT a.uid, p.revision, p.organisation_slug, p.title, p.organisation, p.place, p.summary, "
    "p.decision_body, p.decision_date, p.signed_at, p.published_at, p.published_by, "
    "p.withdrawn_at, p.withdrawn_by, p.withdrawn_reason, p.updated_at "
    "FROM publications p JOIN assessments a ON a.id = p.assessment_id"
)
# The newest revision of each assessment that is published and not withdrawn.
LATEST_PUBLISHED = (
    "p.withdrawn_at = '' AND p.revision = (SELECT max(q.revision) FROM publications q "
    "WHERE q.assessment_id = p.assessment_id AND q.withdrawn_at = '')"
)


def publish(
    db: Database,
    uid: str,
    revision: int,
    *,
    by: str,
    details: Mapping[str, str],
    slug: str,
) -> Publication:
    """Put a signed revision in the public register (again, if it was withdrawn).

    `details` are the PUBLICATION_DETAILS as the signed statement shows them. `slug` is
    the organisation's address part if it has none yet; it is never changed afterwards.
    """
    with write_tx(db):
        row = _row(db, uid)
        signed = db.execute(
            "SELECT signed_at FROM signoffs WHERE assessment_id = ? AND revision = ?",
            [row["id"], revision],
        ).fetchone()
        if signed is None or row["organisation_id"] is None:
            raise NotSignedOff(f"{uid} revision {revision}")
        now = _now()
        found = db.execute(
            "SELECT id, withdrawn_at FROM publications WHERE assessment_id = ? AND revision = ?",
            [row["id"], revision],
        ).fetchone()
        if found is None:
            values = {k: str(details.get(k, "")) for k in PUBLICATION_DETAILS}
            db["publications"].insert(
                {
                    "assessment_id": row["id"],
                    "revision": revision,
                    "organisation_id": row["organisation_id"],
                    "organisation_slug": _public_slug(db, row["organisation_id"], slug),
                    **values,
                    "signed_at": signed[0],
                    "published_at": now,
                    "published_by": by,
                    "updated_at": now,
                }
            )
        elif found[1]:
            db["publications"].update(
                found[0],
                {
                    "published_at": now,
                    "published_by": by,
                    "withdrawn_at": "",
                    "withdrawn_by": "",
                    "withdrawn_reason": "",
                    "updated_at": now,
                },
            )
        if found is None or found[1]:
            _event(db, row["id"], "published", {"revision": revision, "by": by})
    return get_publication(db, uid, revision)


def _public_slug(db: Database, organisation_id: int, wanted: str) -> str:
    """The organisation's fixed address part; the first time, `wanted` made unique."""
    kept = db.execute(
        "SELECT public_slug FROM organisations WHERE id = ?", [organisation_id]
    ).fetchone()
    if kept and kept[0]:
        return kept[0]
    taken = {r[0] for r in db.execute("SELECT public_slug FROM organisations").fetchall()}
    slug, number = wanted, 1
    while slug in taken:
        number += 1
        slug = f"{wanted}-{number}"
    db["organisations"].update(organisation_id, {"public_slug": slug})
    return slug


def withdraw(db: Database, uid: str, revision: int, *, by: str, reason: str) -> Publication:
    """Take a published revision out of the register; its address then says when and why."""
    with write_tx(db):
        row = _row(db, uid)
        now = _now()
        changed = db.execute(
            "UPDATE publications SET withdrawn_at = ?, withdrawn_by = ?, withdrawn_reason = ?, "
            "updated_at = ? WHERE assessment_id = ? AND revision = ? AND withdrawn_at = ''",
            [now, by, reason, now, row["id"], revision],
        )
        if changed.rowcount != 1:
            raise NotPublished(f"{uid} revision {revision}")
        _event(db, row["id"], "withdrawn", {"revision": revision, "by": by})
    return get_publication(db, uid, revision)


def get_publication(db: Database, uid: str, revision: int) -> Publication | None:
    """The revision's publication, withdrawn or not; None if it was never published."""
    with _reading():
        row = db.execute(
            f"{PUBLICATION_SELECT} WHERE a.uid = ? AND p.revision = ?", [uid, revision]
        ).fetchone()
    return Publication(*row) if row else None


def publications_of(db: Database, uid: str) -> dict[int, Publication]:
    """Every publication of the assessment, by revision."""
    with _reading():
        rows = db.execute(
            f"{PUBLICATION_SELECT} WHERE a.uid = ? ORDER BY p.revision", [uid]
        ).fetchall()
    return {row[1]: Publication(*row) for row in rows}


def published_page(
    db: Database, text: str = "", page: int = 1, per_page: int = 25
) -> PublicationsPage:
    """One page of the public list: each assessment's newest published revision, newest first.

    `text` finds words in the published titles, summaries, organisations and places.
    """
    where, params = LATEST_PUBLISHED, []
    words = fts_query(text) if text else ""
    if words:
        where += " AND p.id IN (SELECT rowid FROM publications_fts WHERE publications_fts MATCH ?)"
        params.append(words)
    elif text:
        where += " AND 0"  # only quote marks: no words to find
    with _reading():
        total = db.execute(f"SELECT count(*) FROM publications p WHERE {where}", params).fetchone()[
            0
        ]
        page = min(max(page, 1), page_count(total, per_page))
        rows = db.execute(
            f"{PUBLICATION_SELECT} WHERE {where} ORDER BY p.published_at DESC, p.id DESC "
            "LIMIT ? OFFSET ?",
            [*params, per_page, (page - 1) * per_page],
        ).fetchall()
    return PublicationsPage(tuple(Publication(*r) for r in rows), total, page, per_page)


def all_publications(db: Database, limit: int | None = None) -> list[Publication]:
    """Every publication ever made, withdrawn ones too: the newest change first with `limit`
    (for the feed), otherwise in the order they were first published (for open data)."""
    order = "p.updated_at DESC, p.id DESC" if limit else "p.id"
    cap = f" LIMIT {int(limit)}" if limit else ""
    with _reading():
        rows = db.execute(f"{PUBLICATION_SELECT} ORDER BY {order}{cap}").fetchall()
    return [Publication(*r) for r in rows]


# ---------------------------------------------------------------- reviews
@dataclass(frozen=True, slots=True)
class StoredReview:
    """A review as saved: `content` is what reviews.to_record gives, less the signature."""

    number: int
    revision: int
    content: Mapping[str, Any]
    drafted_by: str
    drafted_at: str
    updated_at: str
    editors: tuple[int, ...]
    signed_name: str = ""
    signed_job_title: str = ""
    attestation: str = ""
    signed_at: str = ""


@dataclass(frozen=True, slots=True)
class DueReview:
    """An approved assessment whose review is due soon or overdue, for someone with a role."""

    uid: str
    title: str
    revision: int
    review_date: str  # ISO date
    role: str
    draft: int | None  # the number of a review being drafted, if one is


REVIEW_COLUMNS = (
    "number, revision, content, drafted_by, drafted_at, updated_at, editors, "
    "coalesce(signed_name, ''), coalesce(signed_job_title, ''), coalesce(attestation, ''), "
    "coalesce(signed_at, '')"
)


def _stored_review(row: tuple) -> StoredReview:
    return StoredReview(
        row[0],
        row[1],
        MappingProxyType(json.loads(row[2])),
        row[3],
        row[4],
        row[5],
        tuple(json.loads(row[6])),
        *row[7:11],
    )


def list_reviews(db: Database, uid: str) -> list[StoredReview]:
    """Every review of the assessment, signed or not, oldest first."""
    with _reading():
        rows = db.execute(
            f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE assessment_id = ? ORDER BY number",
            [_id_for(db, uid)],
        ).fetchall()
    return [_stored_review(r) for r in rows]


def get_review(db: Database, uid: str, number: int) -> StoredReview:
    with _reading():
        row = db.execute(
            f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE assessment_id = ? AND number = ?",
            [_id_for(db, uid), number],
        ).fetchone()
    if row is None:
        raise AssessmentNotFound(f"{uid} review {number}")
    return _stored_review(row)


def draft_review(db: Database, uid: str) -> StoredReview | None:
    """The unsigned review of the assessment's current, approved revision, if one is begun."""
    with _reading():
        row = db.execute(
            f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE signed_at IS NULL AND "
            "(assessment_id, revision) = (SELECT id, revision FROM assessments WHERE uid = ?)",
            [uid],
        ).fetchone()
    return None if row is None else _stored_review(row)


def save_review(
    db: Database, uid: str, content: Mapping[str, Any], *, user: User, revision: int
) -> int:
    """Save the draft review of `revision` (begun on the first save); return its number.

    The revision must be the assessment's current one and approved: a review of an older
    revision, or of one moved on since the form was loaded, is refused with WrongStatus.
    """
    now = _now()
    with write_tx(db):
        row = _row(db, uid)
        if row["status"] != APPROVED or row["revision"] != revision:
            raise WrongStatus(row["status"])
        found = db.execute(
            "SELECT id, number, editors FROM reviews WHERE assessment_id = ? AND revision = ? "
            "AND signed_at IS NULL",
            [row["id"], revision],
        ).fetchone()
        values = {
            "content": json.dumps(content, ensure_ascii=False),
            "outcome": str(content.get("outcome", "")),
            "next_review_date": str(content.get("next_review_date", "")),
            "updated_at": now,
        }
        if found is not None:
            editors = sorted({*json.loads(found[2]), user.id})
            db["reviews"].update(found[0], {**values, "editors": json.dumps(editors)})
            return found[1]
        number = db.execute(
            "SELECT coalesce(max(number), 0) + 1 FROM reviews WHERE assessment_id = ?",
            [row["id"]],
        ).fetchone()[0]
        db["reviews"].insert(
            {
                **values,
                "assessment_id": row["id"],
                "number": number,
                "revision": revision,
                "drafted_by": user.name,
                "drafted_at": now,
                "editors": json.dumps([user.id]),
            }
        )
        _event(db, row["id"], "review_drafted", {"review": number, "by": user.name})
    return number


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What signing a review does to the assessment, worked out by the caller.

    `answers` are written as the outcome's changes: the new review date when continuing
    unchanged, or the new revision's pre-filled answers when continuing with changes.
    """

    outcome: str  # "continue", "changes" or "stop" (reviews.OUTCOMES)
    answers: tuple[NewAnswer, ...] = ()


def sign_review(
    db: Database,
    uid: str,
    number: int,
    *,
    user: User,
    job_title: str,
    attestation: str,
    content: Mapping[str, Any],
    outcome: ReviewOutcome,
) -> int:
    """Sign a drafted review and carry out its outcome in one go; return the revision now.

    Nobody signs a review they drafted or changed (OwnWork). The assessment must still be
    approved at the revision reviewed (WrongStatus).
    """
    now = _now()
    with write_tx(db):
        row = _row(db, uid)
        found = db.execute(
            "SELECT id, revision, editors, signed_at FROM reviews "
            "WHERE assessment_id = ? AND number = ?",
            [row["id"], number],
        ).fetchone()
        if found is None:
            raise AssessmentNotFound(f"{uid} review {number}")
        if found[3] is not None or row["status"] != APPROVED or row["revision"] != found[1]:
            raise WrongStatus(row["status"])
        if user.id in json.loads(found[2]):
            raise OwnWork(uid)
        db["reviews"].update(
            found[0],
            {
                "content": json.dumps(content, ensure_ascii=False),
                "outcome": outcome.outcome,
                "next_review_date": str(content.get("next_review_date", "")),
                "updated_at": now,
                "signed_by": user.id,
                "signed_name": user.name,
                "signed_job_title": job_title,
                "attestation": attestation,
                "signed_at": now,
            },
        )
        revision = _carry_out(db, row, outcome, user.name, now)
        _event(
            db,
            row["id"],
            "review_signed",
            {"review": number, "outcome": outcome.outcome, "by": user.name},
        )
    return revision


def _carry_out(
    db: Database, row: Mapping[str, Any], outcome: ReviewOutcome, by: str, now: str
) -> int:
    revision = row["revision"]
    changes: dict[str, Any] = {"updated_at": now}
    if outcome.outcome == "stop":
        changes["status"] = STOPPED
    elif outcome.outcome == "changes":
        revision += 1
        changes |= {"status": DRAFT, "revision": revision}
        db.execute("DELETE FROM sections WHERE assessment_id = ?", [row["id"]])
        _event(db, row["id"], "revision_started", {"revision": revision, "by": by})
    db["assessments"].update(row["id"], changes)
    # Not noted as an editor: these answers come from the signed review, not a person's typing.
    _write_answers(db, row["id"], list(outcome.answers), now, by)
    _index(db, row["id"])
    return revision


def _previous_review(db: Database, assessment_id: int, revision: int) -> Mapping[str, Any] | None:
    """The newest signed review of the revision before `revision`, as a record."""
    row = db.execute(
        f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE assessment_id = ? AND revision = ? "
        "AND signed_at IS NOT NULL ORDER BY number DESC LIMIT 1",
        [assessment_id, revision - 1],
    ).fetchone()
    if row is None:
        return None
    review = _stored_review(row)
    return MappingProxyType(
        {
            **review.content,
            "number": review.number,
            "revision": review.revision,
            "signed_name": review.signed_name,
            "signed_job_title": review.signed_job_title,
            "attestation": review.attestation,
            "signed_at": review.signed_at,
        }
    )


def reviews_due(db: Database, user: User, due_by: str) -> list[DueReview]:
    """Approved assessments of the user's organisation or shared with them, whose review
    date is on or before `due_by` (ISO): soonest, and so most overdue, first.

    Signed-off assessments are readable by everyone, but only those with a role through
    their organisation or a share are asked to review them.
    """
    with _reading():
        rows = db.execute(
            "SELECT a.uid, a.title, a.revision, r.review_date, CASE WHEN a.organisation_id = ? "
            "THEN ? ELSE (SELECT role FROM shares s WHERE s.assessment_id = a.id AND "
            "s.user_id = ?) END AS role, (SELECT number FROM reviews v WHERE "
            "v.assessment_id = a.id AND v.revision = a.revision AND v.signed_at IS NULL) "
            "FROM assessments a JOIN register r ON r.assessment_id = a.id "
            "WHERE a.archived = 0 AND a.status = 'approved' AND r.review_date != '' "
            "AND r.review_date <= ? AND (a.organisation_id = ? OR a.id IN "
            "(SELECT assessment_id FROM shares WHERE user_id = ?)) "
            "ORDER BY r.review_date, a.title COLLATE NOCASE",
            [user.organisation_id, user.role, user.id, due_by, user.organisation_id, user.id],
        ).fetchall()
    return [DueReview(*r) for r in rows]


# ---------------------------------------------------------------- backups
class BackupError(StoreError):
    """A backup that cannot be made, or a file that cannot be restored; nothing changed."""


def backup(path: str, target: str) -> str:
    """Copy the database to `target` with SQLite's online backup API; return its schema.

    The copy is one consistent moment even while people save: readers and writers go on.
    It is written beside `target` first and renamed when complete and checked, so a
    half-made backup never has the backup's name.
    """
    destination = Path(target)
    if destination.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        _copy(open_db(path), partial)
        if problem := check_backup(str(partial)):
            raise BackupError(f"the copy failed its check ({problem}); nothing was kept")
        os.replace(partial, destination)
    except (OSError, sqlite3.Error) as err:
        raise BackupError(f"cannot write the backup to {target}: {err}") from err
    finally:
        partial.unlink(missing_ok=True)
    return _schema_of(target)


def _copy(source: Database, target: Path) -> None:
    """The whole of `source` into the file `target`, in one step, then closed."""
    copy = sqlite3.connect(target)
    try:
        source.conn.backup(copy)
    finally:
        copy.close()
        source.close()


def _schema_of(path: str) -> str:
    db = open_db(path)
    try:
        return schema_version(db)
    finally:
        db.close()


def check_backup(path: str) -> str | None:
    """Why this file cannot be restored, in words; None when it can.

    A full integrity check of every page and index, then: a hiat database, of a schema
    this version knows (an older one is migrated after the restore).
    """
    if not Path(path).is_file():
        return f"there is no file at {path}"
    try:
        db = open_db(path)
        try:
            result = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
            applied = [m.name for m in MIGRATIONS.applied(db)]
        finally:
            db.close()
    except (sqlite3.Error, DatabaseUnavailable) as err:
        return f"{path} is not a database hiat can read ({err})"
    if result != ["ok"]:
        return f"{path} is damaged ({result[0]})"
    if not applied:
        return f"{path} is not a hiat database"
    known = known_schemas()
    if newer := [name for name in applied if name not in known]:
        return f"{path} was made by a newer version of hiat (schema {newer[-1]})"
    return None


def restore(path: str, source: str, now: datetime | None = None) -> str | None:
    """Replace the database with the backup at `source`; return where the old one is kept.

    The backup is checked in full first: if it fails, nothing changes. The database in
    use is copied aside (`<name>.before-restore-<time>`), then the backup is copied into
    it through SQLite's backup API, so connections already open see the restored data
    rather than a file pulled from under them. Older schemas are migrated afterwards.
    """
    if problem := check_backup(source):
        raise BackupError(f"nothing was restored: {problem}")
    live = Path(path)
    kept = None
    if not is_new(path):
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        kept = live.with_name(f"{live.name}.before-restore-{stamp}")
        try:
            _copy(open_db(path), kept)
        except (OSError, sqlite3.Error) as err:
            raise BackupError(f"nothing was restored: cannot keep the old database: {err}") from err
    try:
        live.parent.mkdir(parents=True, exist_ok=True)
        backup_file, target = open_db(source), open_db(path, create=True)
        try:
            backup_file.conn.backup(target.conn)
        finally:
            backup_file.close()
            target.close()
        migrate(path)
    except (OSError, sqlite3.Error, DatabaseUnavailable) as err:
        where = f"; the old database is kept at {kept}" if kept else ""
        raise BackupError(f"the restore failed: {err}{where}") from err
    return str(kept) if kept else None


# ---------------------------------------------------------------- the whole record
def assessment_record(db: Database, uid: str) -> dict[str, Any]:
    """Everything around the answers, JSON-ready, for a full export: status, every change,
    comments, sign-offs (made here or imported) and shares by email."""
    with _reading():
        assessment_id = _id_for(db, uid)
        status = db.execute("SELECT status FROM assessments WHERE id = ?", [assessment_id])
        changes = db.query(
            "SELECT * FROM changes WHERE assessment_id = ? ORDER BY id", [assessment_id]
        )
        comments = db.query(
            "SELECT * FROM comments WHERE assessment_id = ? ORDER BY id", [assessment_id]
        )
        signed = db.query(
            "SELECT revision, name, job_title, attestation, signed_at, snapshot, 0 AS imported "
            "FROM signoffs WHERE assessment_id = :id UNION ALL "
            "SELECT revision, name, job_title, attestation, signed_at, snapshot, 1 "
            "FROM imported_signoffs WHERE assessment_id = :id ORDER BY signed_at",
            {"id": assessment_id},
        )
        shares = db.query(
            "SELECT users.email, shares.role FROM shares JOIN users ON users.id = shares.user_id "
            "WHERE shares.assessment_id = ? ORDER BY users.email",
            [assessment_id],
        )
        return {
            "status": status.fetchone()[0],
            "changes": [
                {
                    "question_id": r["question_id"],
                    "label": r["label"],
                    "old_value": _loads(r["old_value"]),
                    "new_value": _loads(r["new_value"]),
                    "option_labels": json.loads(r["option_labels"] or "{}"),
                    "at": r["at"],
                    "by": r["by"] or "",
                }
                for r in changes
            ],
            "comments": [
                {
                    "section_id": r["section_id"],
                    "author": r["author"],
                    "text": r["text"],
                    "created_at": r["created_at"],
                    "resolved_at": r["resolved_at"] or "",
                    "resolved_by": r["resolved_by"] or "",
                }
                for r in comments
            ],
            "signoffs": [
                {
                    "revision": r["revision"],
                    "name": r["name"],
                    "job_title": r["job_title"] or "",
                    "attestation": r["attestation"] or "",
                    "signed_at": r["signed_at"],
                    "snapshot": json.loads(r["snapshot"]),
                    "imported": bool(r["imported"]),
                }
                for r in signed
            ],
            "shares": [{"email": r["email"], "role": r["role"]} for r in shares],
        }


@dataclass(frozen=True, slots=True)
class ImportedSignoff:
    revision: int
    name: str
    job_title: str
    signed_at: str
    imported_at: str


def list_imported_signoffs(db: Database, uid: str) -> list[ImportedSignoff]:
    with _reading():
        rows = db.query(
            "SELECT * FROM imported_signoffs WHERE assessment_id = ? ORDER BY revision, id",
            [_id_for(db, uid)],
        )
        return [
            ImportedSignoff(
                r["revision"], r["name"], r["job_title"] or "", r["signed_at"], r["imported_at"]
            )
            for r in rows
        ]


def add_record(db: Database, uid: str, record: Mapping[str, Any], by: User) -> None:
    """Put an imported record with a just-imported assessment, in one transaction.

    Its history replaces the changes the import itself recorded; comments keep their
    authors' names; sign-offs are kept as imported ones, never as sign-offs made here;
    shares go to the accounts here with the same email, or wait for one to be made (never
    to the importer, whose role comes from their organisation).
    """
    now = _now()
    with write_tx(db):
        assessment_id = _id_for(db, uid)
        db.execute("DELETE FROM changes WHERE assessment_id = ?", [assessment_id])
        db["changes"].insert_all(
            {
                "assessment_id": assessment_id,
                "question_id": c["question_id"],
                "label": c["label"],
                "old_value": _dumps(c["old_value"]),
                "new_value": _dumps(c["new_value"]),
                "option_labels": json.dumps(c["option_labels"], ensure_ascii=False),
                "at": c["at"],
                "by": c["by"],
            }
            for c in record["changes"]
        )
        db["comments"].insert_all(
            {
                "assessment_id": assessment_id,
                "section_id": c["section_id"],
                "user_id": None,
                "author": c["author"],
                "text": c["text"],
                "created_at": c["created_at"],
                "resolved_at": c["resolved_at"] or None,
                "resolved_by": c["resolved_by"] or None,
            }
            for c in record["comments"]
        )
        db["imported_signoffs"].insert_all(
            {
                "assessment_id": assessment_id,
                "revision": s["revision"],
                "name": s["name"],
                "job_title": s["job_title"],
                "attestation": s["attestation"],
                "signed_at": s["signed_at"],
                "snapshot": json.dumps(s["snapshot"], ensure_ascii=False),
                "imported_at": now,
            }
            for s in record["signoffs"]
        )
        for share in record["shares"]:
            found = db.execute(
                "SELECT id FROM users WHERE lower(email) = lower(?) AND disabled_at IS NULL",
                [share["email"]],
            ).fetchone()
            if found is None:
                # Kept until an account with that email is made, as the share form does.
                db["pending_shares"].upsert(
                    {
                        "assessment_id": assessment_id,
                        "email": share["email"].strip().lower(),
                        "role": share["role"],
                    },
                    pk=("assessment_id", "email"),
                )
            elif found[0] != by.id:
                db["shares"].upsert(
                    {"assessment_id": assessment_id, "user_id": found[0], "role": share["role"]},
                    pk=("assessment_id", "user_id"),
                )
        _event(db, assessment_id, "record_imported", {"shares": len(record["shares"])})


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------- reminders and calendars
@dataclass(frozen=True, slots=True)
class HeldAssessment:
    """An assessment in use that a person has a role on, with the dates reminders need."""

    uid: str
    title: str
    status: str
    revision: int
    review_date: str  # ISO date, or "" when none was given
    role: str
    signed_revision: int | None  # the newest signed revision, if any


def _role_on_sql(user_table: str) -> str:
    # The same rule as access_role: the organisation's own people by their role there,
    # anyone else by a share.
    return (
        f"CASE WHEN a.organisation_id = {user_table}.organisation_id THEN {user_table}.role "
        "ELSE s.role END"
    )


def held_assessments(db: Database, user: User) -> list[HeldAssessment]:
    """Assessments in use that the user has a role on: their organisation's, or shared."""
    with _reading():
        rows = db.query(
            "SELECT a.uid, a.title, a.status, a.revision, coalesce(r.review_date, '') AS "
            "review_date, CASE WHEN a.organisation_id = :org THEN :role ELSE s.role END AS role, "
            "(SELECT max(revision) FROM signoffs WHERE assessment_id = a.id) AS signed "
            "FROM assessments a LEFT JOIN register r ON r.assessment_id = a.id "
            "LEFT JOIN shares s ON s.assessment_id = a.id AND s.user_id = :user "
            "WHERE a.archived = 0 AND (a.organisation_id = :org OR s.user_id IS NOT NULL) "
            "ORDER BY a.title COLLATE NOCASE, a.id",
            {"org": user.organisation_id, "role": user.role, "user": user.id},
        )
        return [
            HeldAssessment(
                r["uid"],
                r["title"],
                r["status"],
                r["revision"],
                r["review_date"],
                r["role"],
                r["signed"],
            )
            for r in rows
        ]


def people_on(db: Database, uid: str, roles: Iterable[str]) -> list[User]:
    """The people whose accounts are in use and whose role on the assessment is one of `roles`."""
    roles = tuple(roles)
    if not roles:
        return []
    with _reading():
        assessment_id = _id_for(db, uid)
        rows = db.query(
            f"{USER_SELECT} JOIN assessments a ON a.id = ? "
            "LEFT JOIN shares s ON s.assessment_id = a.id AND s.user_id = users.id "
            "WHERE users.disabled_at IS NULL "
            "AND (users.organisation_id = a.organisation_id OR s.user_id IS NOT NULL) "
            f"AND {_role_on_sql('users')} IN ({_marks(roles)}) ORDER BY users.name",
            [assessment_id, *roles],
        )
        return [_user(r) for r in rows]


def digest_choices(db: Database) -> list[tuple[User, bool]]:
    """Every account in use, and whether its owner wants the email digest (yes unless they
    said no)."""
    with _reading():
        rows = db.query(
            "SELECT users.*, organisations.name AS organisation, coalesce(n.digest, 1) AS digest "
            "FROM users JOIN organisations ON organisations.id = users.organisation_id "
            "LEFT JOIN notification_settings n ON n.user_id = users.id "
            "WHERE users.disabled_at IS NULL ORDER BY users.email"
        )
        return [(_user(r), r["digest"] != 0) for r in rows]


def wants_digest(db: Database, user_id: int) -> bool:
    with _reading():
        row = db.execute(
            "SELECT digest FROM notification_settings WHERE user_id = ?", [user_id]
        ).fetchone()
    return row is None or bool(row[0])


def set_digest(db: Database, user_id: int, wanted: bool) -> None:
    with write_tx(db):
        db["notification_settings"].upsert(
            {"user_id": user_id, "digest": int(wanted), "updated_at": _now()}, pk="user_id"
        )


def calendar_feed_since(db: Database, user_id: int) -> str | None:
    """When the user's calendar feed was made, if they have one that is not revoked."""
    with _reading():
        row = db.execute(
            "SELECT created_at FROM calendar_feeds WHERE user_id = ? AND revoked_at IS NULL "
            "ORDER BY created_at DESC LIMIT 1",
            [user_id],
        ).fetchone()
    return row[0] if row else None


def new_calendar_feed(db: Database, user_id: int) -> str:
    """A new secret for the user's calendar feed; any earlier one stops working."""
    token = secrets.token_urlsafe(32)
    with write_tx(db):
        _revoke_feeds(db, user_id)
        db["calendar_feeds"].insert(
            {"token_hash": _token_hash(token), "user_id": user_id, "created_at": _now()}
        )
    return token


def revoke_calendar_feed(db: Database, user_id: int) -> None:
    with write_tx(db):
        _revoke_feeds(db, user_id)


def _revoke_feeds(db: Database, user_id: int) -> None:
    db.execute(
        "UPDATE calendar_feeds SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        [_now(), user_id],
    )


def calendar_feed_user(db: Database, token: str) -> User | None:
    """Whose calendar this secret opens; None if it is wrong, revoked or the account is off."""
    with _reading():
        rows = list(
            db.query(
                f"{USER_SELECT} JOIN calendar_feeds f ON f.user_id = users.id "
                "WHERE f.token_hash = ? AND f.revoked_at IS NULL AND users.disabled_at IS NULL",
                [_token_hash(token)],
            )
        )
    return _user(rows[0]) if rows else None
