"""The store: migrations, WAL, one transaction per save, and database problems in words."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from hiat import store
from hiat.store import NewAnswer


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    path = str(tmp_path / "data" / "hiat.db")
    store.migrate(path)
    return path


@pytest.fixture
def db(db_path: str):
    database = store.open_db(db_path)
    yield database
    database.close()


def answer(qid: str, value, label: str = "A question") -> NewAnswer:
    return NewAnswer(qid, value, label, {"yes": "Yes"})


def test_migrate_creates_the_folder_and_records_the_schema_version(db_path, db):
    assert Path(db_path).exists()
    assert store.schema_version(db) == "0014_reviews"
    assert {"assessments", "answers", "sections", "events"} <= set(db.table_names())


def test_database_uses_wal_and_a_busy_timeout(db):
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == store.BUSY_TIMEOUT_MS


def test_migrating_twice_changes_nothing(db_path):
    assert store.migrate(db_path) == "0014_reviews"


def test_saved_answers_come_back_with_their_labels(db):
    uid = store.create_assessment(
        db,
        "v1",
        {"title": "Green Plan"},
        [answer("details_title", "Green Plan", "What is it called?")],
        page="details",
    )
    store.save_answers(
        db,
        uid,
        [answer("p1_s1_settings", "yes"), answer("p1_s2_actions", [{"action": "Insulate"}])],
        page="early_years-step-1",
        bank_version="v2",
    )
    assessment = store.get_assessment(db, uid)
    assert assessment.title == "Green Plan"
    assert assessment.bank_version == "v2"
    assert assessment.value("p1_s1_settings") == "yes"
    assert assessment.answers["p1_s1_settings"].option_labels["yes"] == "Yes"
    assert assessment.value("p1_s2_actions") == [{"action": "Insulate"}]
    assert assessment.answers["details_title"].label == "What is it called?"


def test_an_empty_answer_removes_the_saved_one(db):
    uid = store.create_assessment(db, "v1", {}, [answer("q_one", "text")], page="details")
    store.save_answers(db, uid, [answer("q_one", "")], page="details", bank_version="v1")
    assert "q_one" not in store.get_assessment(db, uid).answers


def test_answers_not_on_the_page_are_kept(db):
    uid = store.create_assessment(
        db, "v1", {}, [answer("retired_question", "kept")], page="details"
    )
    store.save_answers(db, uid, [answer("other", "new")], page="x", bank_version="v1")
    assert store.get_assessment(db, uid).value("retired_question") == "kept"


def test_a_failed_save_changes_nothing(db, monkeypatch):
    uid = store.create_assessment(db, "v1", {}, [answer("q_one", "before")], page="details")
    original = store._event

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_event", broken)
    with pytest.raises(RuntimeError):
        store.save_answers(
            db,
            uid,
            [answer("q_one", "after"), answer("q_two", "new")],
            page="details",
            bank_version="v1",
        )
    monkeypatch.setattr(store, "_event", original)
    saved = store.get_assessment(db, uid)
    assert saved.value("q_one") == "before"
    assert "q_two" not in saved.answers


def test_sections_can_be_marked_complete_and_back(db):
    uid = store.create_assessment(db, "v1", {}, [], page="details")
    store.set_section_complete(db, uid, "details", True)
    assert store.get_assessment(db, uid).completed_sections == {"details"}
    store.set_section_complete(db, uid, "details", False)
    assert store.get_assessment(db, uid).completed_sections == frozenset()


def test_every_save_is_recorded_as_an_event(db_path, db):
    uid = store.create_assessment(db, "v1", {}, [], page="details")
    store.save_answers(db, uid, [answer("a", "b")], page="screening", bank_version="v1")
    raw = Database(db_path)
    kinds = [row["kind"] for row in raw["events"].rows]
    assert kinds == ["created", "answers_saved", "answers_saved"]


def test_unknown_assessment_is_not_found(db):
    with pytest.raises(store.AssessmentNotFound):
        store.get_assessment(db, "nope")


def test_list_shows_newest_first(db):
    first = store.create_assessment(db, "v1", {"title": "First"}, [], page="details")
    store.create_assessment(db, "v1", {"title": "Second"}, [], page="details")
    store.save_answers(
        db,
        first,
        [answer("a", "b")],
        page="x",
        bank_version="v1",
        summary={"title": "First, changed"},
    )
    assert [a.title for a in store.list_assessments(db)][0] == "First, changed"


def test_locked_database_is_reported_not_raised_raw(db_path):
    blocker = sqlite3.connect(db_path)
    blocker.execute("BEGIN IMMEDIATE")
    db = store.open_db(db_path)
    db.execute("PRAGMA busy_timeout = 50")
    try:
        with pytest.raises(store.DatabaseUnavailable, match="busy"):
            store.create_assessment(db, "v1", {}, [], page="details")
    finally:
        blocker.rollback()
        blocker.close()
        db.close()


def test_unwritable_database_location_is_reported(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(store.DatabaseUnavailable, match="Cannot"):
        store.migrate(str(blocker / "hiat.db"))


def test_an_older_database_is_upgraded_and_keeps_its_data(tmp_path):
    path = str(tmp_path / "old.db")
    old = Database(path)
    store.MIGRATIONS.apply(old, stop_before="0002_assessment_revision")
    old["assessments"].insert(
        {
            "uid": "abc",
            "title": "Old plan",
            "status": "draft",
            "bank_version": "v0",
            "created_at": "2026-01-01",
            "updated_at": "2026-01-01",
        }
    )
    old.close()
    assert store.migrate(path) == "0014_reviews"
    db = store.open_db(path)
    assessment = store.get_assessment(db, "abc")
    assert (assessment.title, assessment.revision) == ("Old plan", 1)
    db.close()
