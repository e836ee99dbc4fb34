"""The only module that talks to SQLite.

One connection per request, kept on `g` and closed at teardown. Schema changes
are versioned migrations. Every save is one transaction that takes the write
lock before it reads. Callers get dataclasses, never rows.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import click
from flask import Flask, current_app, g
from flask.cli import with_appcontext
from sqlite_utils import Database, Migrations

BUSY_TIMEOUT_MS = 5000
MIGRATIONS = Migrations("hiat")


class StoreError(Exception):
    """Base class for problems the user or operator should see in words."""


class DatabaseUnavailable(StoreError):
    """The database file is missing, unreadable or locked for too long."""


class AssessmentNotFound(StoreError):
    """No assessment has this id."""


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
class AssessmentSummary:
    uid: str
    title: str
    organisation: str
    place: str
    status: str
    updated_at: str


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


# ---------------------------------------------------------------- connection
def open_db(path: str) -> Database:
    """Open the database file with a busy timeout; report a failure in words."""
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
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
    db = open_db(path)
    try:
        db.enable_wal()
        MIGRATIONS.apply(db)
        return schema_version(db)
    except sqlite3.Error as err:
        raise DatabaseUnavailable(f"Cannot prepare the database at {path}: {err}") from err
    finally:
        db.close()


def get_db() -> Database:
    if "db" not in g:
        g.db = open_db(current_app.config["DATABASE"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def schema_version(db: Database) -> str:
    applied = MIGRATIONS.applied(db)
    return applied[-1].name if applied else ""


@contextmanager
def write_tx(db: Database) -> Iterator[Database]:
    """One transaction that holds the write lock from its first read."""
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as err:
        raise DatabaseUnavailable(f"The database is busy: {err}") from err
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    try:
        db.commit()
    except sqlite3.OperationalError as err:
        db.rollback()
        raise DatabaseUnavailable(f"The save could not be completed: {err}") from err


@contextmanager
def _reading() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as err:
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
) -> str:
    """Create an assessment with its first answers, in one transaction; return its id.

    A copy or an import also brings its completed sections and revision number.
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
            }
        )
        assessment_id = _id_for(db, uid)
        db["sections"].insert_all(
            {"assessment_id": assessment_id, "section_id": section_id, "completed_at": now}
            for section_id in completed
        )
        _event(db, assessment_id, "created", {"bank_version": bank_version})
        _write_answers(db, assessment_id, answers, now)
        _event(db, assessment_id, "answers_saved", {"page": page})
    return uid


def list_assessments(db: Database) -> list[AssessmentSummary]:
    with _reading():
        rows = db.query(
            "SELECT uid, title, organisation, place, status, updated_at FROM assessments "
            "WHERE archived = 0 ORDER BY updated_at DESC, id DESC"
        )
        return [AssessmentSummary(**row) for row in rows]


def get_assessment(db: Database, uid: str) -> Assessment:
    with _reading():
        row = _row(db, uid)
        answers = {
            r["question_id"]: Answer(
                question_id=r["question_id"],
                value=json.loads(r["value"]),
                label=r["label"],
                option_labels=MappingProxyType(json.loads(r["option_labels"] or "{}")),
                updated_at=r["updated_at"],
            )
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
        answers=MappingProxyType(answers),
        completed_sections=completed,
        revision=row["revision"],
    )


def save_answers(
    db: Database,
    uid: str,
    answers: list[NewAnswer],
    *,
    page: str,
    bank_version: str,
    summary: Mapping[str, str] | None = None,
) -> None:
    """Save one page of answers in one transaction.

    An empty value removes the answer. Answers to questions not on this page,
    including questions no longer in the bank, are left as they are.
    """
    now = _now()
    with write_tx(db):
        assessment_id = _id_for(db, uid)
        _write_answers(db, assessment_id, answers, now)
        changes = {"updated_at": now, "bank_version": bank_version, **(summary or {})}
        db["assessments"].update(assessment_id, changes)
        _event(db, assessment_id, "answers_saved", {"page": page})


def _write_answers(db: Database, assessment_id: int, answers: list[NewAnswer], now: str) -> None:
    for answer in answers:
        if _is_empty(answer.value):
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


def _row(db: Database, uid: str) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM assessments WHERE uid = ? AND archived = 0", [uid]))
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


# ---------------------------------------------------------------- Flask wiring
def init_app(app: Flask) -> None:
    """Bring the schema up to date at start-up and close connections after requests."""
    migrate(app.config["DATABASE"])
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database file if needed and apply pending migrations."""
    version = migrate(current_app.config["DATABASE"])
    click.echo(f"Database ready at {current_app.config['DATABASE']} (schema {version}).")
