"""The register's rows keep in step with the answers, and its queries find what they should."""

from __future__ import annotations

import pytest
from flask import Flask

from hiat import store
from tests.conftest import make_user

FILTERED = store.RegisterFilter
EVERYTHING = FILTERED()


def answer(qid, value, label="Question"):
    return store.NewAnswer(qid, value, label)


def make(app: Flask, title: str, organisation_id: int | None = None, **values) -> str:
    """An assessment with just the answers the register reads."""
    base = {
        "details_title": title,
        "details_place": "liverpool",
        "details_kind": "cut_closure",
        "details_decision_body": "Cabinet",
        "details_decision_date": "2026-06-01",
        "details_summary": f"{title}: a summary.",
        "populations_groups": ["se_low_income", "pc_disability"],
        "screening_principles": ["living_standard", "healthy_places"],
        "decision_impact_living_standard": {"direction": "negative", "gap": "widens"},
        "decision_impact_healthy_places": {"direction": "positive", "gap": "narrows"},
        "p4_s1_groups": ["se_low_income"],
    }
    base.update(values)
    with app.app_context():
        return store.create_assessment(
            store.get_db(),
            "test",
            {"title": title, "place": "Liverpool"},
            [answer(k, v) for k, v in base.items() if v is not None],
            page="details",
            organisation_id=organisation_id,
        )


def page(app: Flask, f: store.RegisterFilter = EVERYTHING, **kw) -> store.RegisterPage:
    with app.app_context():
        return store.register_page(store.get_db(), f, None, **kw)


def titles(result) -> list[str]:
    return [row.title for row in result.rows]


def test_a_new_assessment_is_in_the_register_with_its_impacts(app):
    make(app, "Closing two libraries")
    with app.app_context():
        [row] = store.register_decisions(store.get_db(), FILTERED(), None)
    assert (row.title, row.kind, row.decision_body, row.decision_date) == (
        "Closing two libraries",
        "cut_closure",
        "Cabinet",
        "2026-06-01",
    )
    living = next(i for i in row.impacts if i.principle == "living_standard")
    assert (living.direction, living.gap, living.harmful, living.groups) == (
        "negative",
        "widens",
        True,
        ("se_low_income",),
    )
    assert row.groups == ("se_low_income", "pc_disability")


def test_a_saved_page_changes_what_the_register_finds(app):
    uid = make(app, "Closing two libraries")
    assert page(app, FILTERED(text="mobile")).total == 0
    with app.app_context():
        store.save_answers(
            store.get_db(),
            uid,
            [
                answer("details_summary", "A mobile library will visit each estate."),
                answer("decision_impact_living_standard", {"direction": "positive"}),
            ],
            page="details",
            bank_version="test",
        )
    assert page(app, FILTERED(text="mobile")).total == 1
    assert page(app, FILTERED(directions=("negative",))).total == 0


def test_search_ranks_matches_and_marks_the_words_found(app):
    make(app, "Bus pass changes", details_summary="Older people lose the free bus pass.")
    make(app, "Leisure centre fees", details_summary="Fees rise; the bus route is unchanged.")
    make(app, "Street lighting", details_summary="Lights dim after midnight.")
    result = page(app, FILTERED(text="bus pass"), sort="relevance")
    assert titles(result) == ["Bus pass changes"]
    assert f"{store.MATCH_START}bus{store.MATCH_END}" in result.rows[0].snippet.lower()
    make(app, "Libraries", details_summary="Two libraries close.")
    assert titles(page(app, FILTERED(text="library"))) == ["Libraries"]  # by the word's stem


@pytest.mark.parametrize("words", ['"', "NEAR(", "a OR", "*", "title:x", "-bus", "(AND)"])
def test_search_words_that_look_like_query_syntax_are_searched_as_words(app, words):
    make(app, "Bus pass changes")
    page(app, FILTERED(text=words))  # no error


def test_filters_combine_and_a_principle_with_a_direction_means_the_same_impact(app):
    make(app, "Libraries")
    make(app, "Parks", details_place="wirral", details_kind="new_service")
    make(
        app,
        "Undated",
        details_decision_date=None,
        decision_impact_living_standard={"direction": "positive"},
        decision_impact_healthy_places={"direction": "negative"},
    )
    assert titles(page(app, FILTERED(places=("wirral",)))) == ["Parks"]
    assert titles(page(app, FILTERED(kinds=("new_service",)))) == ["Parks"]
    both = FILTERED(principles=("living_standard",), directions=("negative",))
    assert sorted(titles(page(app, both))) == ["Libraries", "Parks"]
    dated = FILTERED(decided_from="2026-05-01", decided_to="2026-06-30")
    assert sorted(titles(page(app, dated))) == ["Libraries", "Parks"]
    assert page(app, FILTERED(groups=("pc_disability",))).total == 3
    assert page(app, FILTERED(groups=("ih_homeless",))).total == 0
    assert titles(page(app, FILTERED(bodies=("cabinet",), places=("wirral",)))) == ["Parks"]


def test_pages_hold_25_and_a_page_past_the_end_shows_the_last(app):
    for n in range(30):
        make(app, f"Decision {n:02}")
    first = page(app, sort="title", descending=False)
    assert (first.total, first.pages, len(first.rows), first.rows[0].title) == (
        30,
        2,
        25,
        "Decision 00",
    )
    last = page(app, sort="title", descending=False, page=99)
    assert (last.page, titles(last)) == (2, [f"Decision {n}" for n in range(25, 30)])


def test_sorting_by_decision_date_puts_undated_decisions_last(app):
    make(app, "Later", details_decision_date="2027-01-01")
    make(app, "Undated", details_decision_date=None)
    make(app, "Sooner", details_decision_date="2026-01-01")
    assert titles(page(app, sort="decision_date", descending=False)) == [
        "Sooner",
        "Later",
        "Undated",
    ]


def test_people_see_their_organisations_shared_and_every_signed_off_assessment(app):
    wirral = make_user(app)
    other = make_user(app, email="sam@halton.gov.uk", organisation="Halton Borough Council")
    make(app, "Wirral's", organisation_id=wirral.organisation_id)
    shared = make(app, "Halton's shared", organisation_id=other.organisation_id)
    make(app, "Halton's own", organisation_id=other.organisation_id)
    signed = make(app, "Halton's signed off", organisation_id=other.organisation_id)
    with app.app_context():
        db = store.get_db()
        db.execute("UPDATE assessments SET status = 'approved' WHERE uid = ?", [signed])
        db.conn.commit()
        store.share(db, shared, wirral.email, "author")
        result = store.register_page(db, FILTERED(), wirral, sort="title", descending=False)
        choices = store.register_choices(db, wirral)
    assert [(row.title, row.role) for row in result.rows] == [
        ("Halton's shared", "author"),
        ("Halton's signed off", "viewer"),
        ("Wirral's", "author"),
    ]
    assert [name for _, name in choices["organisations"]] == [
        "Halton Borough Council",
        "Wirral Council",
    ]


def test_review_due_and_overdue_are_worked_out_from_today(app):
    for title, review in (
        ("Due", "2026-12-20"),
        ("Overdue", "2026-11-01"),
        ("Later", "2027-06-01"),
    ):
        uid = make(app, title, decision_review_date=review)
        with app.app_context():
            store.get_db().execute(
                "UPDATE assessments SET status = 'approved' WHERE uid = ?", [uid]
            )
            store.get_db().conn.commit()
    today = {"today": "2026-12-03", "due_by": "2027-01-02"}
    assert titles(page(app, FILTERED(statuses=("review_due",), **today))) == ["Due"]
    assert titles(page(app, FILTERED(statuses=("review_overdue",), **today))) == ["Overdue"]


def test_other_decisions_harming_the_same_groups_in_the_same_place_are_related(app):
    user = make_user(app)
    org = user.organisation_id
    mine = make(app, "Mine", organisation_id=org)
    make(app, "Same place, same group", organisation_id=org)
    make(app, "Other place", organisation_id=org, details_place="wirral")
    make(app, "Whole region", organisation_id=org, details_place="cheshire_and_merseyside")
    make(
        app,
        "Helps only",
        organisation_id=org,
        decision_impact_living_standard={"direction": "positive", "gap": "narrows"},
    )
    make(
        app,
        "Other groups",
        organisation_id=org,
        populations_groups=["ih_homeless"],
        p4_s1_groups=["ih_homeless"],
    )
    with app.app_context():
        related = store.related_decisions(store.get_db(), mine, user)
    assert sorted(r.title for r in related) == ["Same place, same group", "Whole region"]
    assert related[0].shared_groups == ("se_low_income",)
    assert related[0].principles == ("living_standard",)


def test_an_assessment_saved_without_the_app_is_indexed_when_the_app_next_starts(app):
    uid = make(app, "Made by a script")
    with app.app_context():
        db = store.get_db()
        db.execute("UPDATE register SET indexed_with = 'old'")
        db.conn.commit()
        assert store.reindex(db) == 1
        assert store.reindex(db) == 0
    assert titles(page(app)) == ["Made by a script"]
    assert uid


def test_history_comes_in_pages_and_one_change_is_read_on_its_own(app):
    uid = make(app, "Busy")
    with app.app_context():
        db = store.get_db()
        for n in range(120):
            store.save_answers(
                db,
                uid,
                [answer("details_summary", f"Version {n}")],
                page="details",
                bank_version="test",
            )
        first = store.changes_page(db, uid, 1, 50)
        last = store.changes_page(db, uid, 99, 50)
        statements: list[str] = []
        db.conn.set_trace_callback(statements.append)
        change = store.get_change(db, uid, first.changes[-1].id)
        db.conn.set_trace_callback(None)
    assert (first.total, first.pages, len(first.changes), last.page) == (131, 3, 50, 3)
    assert change.new_value == first.changes[-1].new_value
    reads = [s for s in statements if "FROM changes" in s]
    assert reads and all("id = " in s for s in reads)
