"""`flask seed-demo`: made-up assessments for development and benchmarks."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pytest

from hiat import demo, impacts, store, wizard
from hiat.example import check_value
from tests.conftest import PASSWORD, make_user

N = 30
NINE_PLACES = {
    "cheshire_east",
    "cheshire_west_and_chester",
    "halton",
    "knowsley",
    "liverpool",
    "sefton",
    "st_helens",
    "warrington",
    "wirral",
}


def seed(app, *args: str):
    return app.test_cli_runner().invoke(
        args=["seed-demo", "--n", str(N), "--password", PASSWORD, *args]
    )


def everything(app) -> list[store.AssessmentSummary]:
    with app.app_context():
        db = store.get_db()
        return store.list_assessments(db) + store.list_assessments(db, archived=True)


def test_seed_demo_makes_n_assessments_across_places_organisations_and_statuses(app):
    result = seed(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        f"Made {N} demo assessments for 11 organisations. Sign in as admin@example.org."
    )
    made = everything(app)
    assert len(made) == N
    assert len({a.organisation for a in made}) == 11
    assert {"Liverpool City Council", "Wirral Council", "NHS Cheshire and Merseyside"} <= {
        a.organisation for a in made
    }
    labels = {o.label: o.value for o in app.extensions["hiat"].places}
    assert {labels[a.place] for a in made} >= NINE_PLACES
    assert {a.status for a in made} == {"draft", "in_review", "approved"}
    with app.app_context():
        assert store.list_assessments(store.get_db(), archived=True)


def test_seed_demo_approved_ones_have_a_sign_off_and_some_reviews_are_overdue(app):
    seed(app)
    approved = [a for a in everything(app) if a.status == "approved"]
    with app.app_context():
        for assessment in approved:
            (signoff,) = store.list_signoffs(store.get_db(), assessment.uid)
            assert signoff.name == "Demo Approver"
    labels = {wizard.status_label(a.status, a.review_date, dt.date(2026, 12, 1)) for a in approved}
    assert {"Approved", "Review overdue"} <= labels <= {"Approved", "Review due", "Review overdue"}


def test_seed_demo_admin_can_sign_in_with_the_password(csrf_app):
    assert seed(csrf_app).exit_code == 0
    client = csrf_app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/sign-in",
        data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    listing = client.get("/assessments")
    assert listing.status_code == 200
    assert "NHS Cheshire and Merseyside" in listing.get_data(as_text=True)


def test_seed_demo_refuses_a_database_with_real_users_and_writes_nothing(app):
    make_user(app)
    result = seed(app)
    assert result.exit_code != 0
    assert result.output.count("\n") == 1
    assert "alex@wirral.gov.uk" in result.output
    assert "new database" in result.output
    assert everything(app) == []
    with app.app_context():
        assert [u.email for u in store.list_users(store.get_db())] == ["alex@wirral.gov.uk"]


def test_seed_demo_refuses_a_weak_password_and_writes_nothing(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--n", "3", "--password", "short"])
    assert result.exit_code != 0
    assert "--password" in result.output
    with app.app_context():
        assert store.count_users(store.get_db()) == 0


def test_seed_demo_runs_again_on_its_own_database_with_the_new_password(app):
    assert seed(app).exit_code == 0
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--n", "5", "--password", "another long demo password"]
    )
    assert result.exit_code == 0, result.output
    assert len(everything(app)) == N + 5
    with app.app_context():
        admin = store.find_user(store.get_db(), "admin@example.org")
    assert app.extensions["hiat_hasher"].verify(admin.password_hash, "another long demo password")


def test_seed_demo_same_seed_gives_same_data(banks, tmp_path):
    assert demo.generate(banks, N, seed=7) == demo.generate(banks, N, seed=7)
    assert demo.generate(banks, N, seed=7) != demo.generate(banks, N, seed=8)


def test_seed_demo_same_seed_gives_same_titles_and_statuses_in_the_database(app, csrf_app):
    assert seed(app, "--seed", "3").exit_code == 0
    assert seed(csrf_app, "--seed", "3").exit_code == 0

    def shown(made):
        return sorted((a.title, a.organisation, a.place, a.status) for a in made)

    assert shown(everything(app)) == shown(everything(csrf_app))


@pytest.fixture(scope="module")
def generated(banks) -> list[demo.DemoAssessment]:
    return demo.generate(banks, 300)


def test_seed_demo_every_answer_passes_the_bank_checks(banks, generated):
    for item in generated:
        kind = item.values["details_kind"]
        for qid, value in item.values.items():
            assert check_value(banks, qid, value) is None, (qid, value)
            question = banks.questions[qid].for_kind(kind)
            assert not question.retired, qid
            if question.options:
                chosen = value if isinstance(value, list) else [value]
                assert set(chosen) <= {o.value for o in question.options}, (qid, value)
            if question.max_length and isinstance(value, str):
                assert len(value) <= question.max_length, qid


def test_seed_demo_completed_sections_have_every_required_answer(banks, generated):
    for item in generated:
        for section in wizard.sections(banks, item.values):
            if section.id in item.completed:
                questions = tuple(q for page in section.pages for q in page.questions)
                assert wizard.missing_required(questions, item.values) == {}, section.id


def test_seed_demo_principle_groups_are_the_policys_groups(banks, generated):
    for item in generated:
        offered = set(item.values["populations_groups"])
        for principle in wizard.selected_principles(banks, item.values):
            for question in principle.step_questions(1):
                if question.type == "groups":
                    assert set(item.values[question.id]) <= offered


def test_seed_demo_fills_what_the_register_reads(banks, generated):
    entries = [impacts.entry(banks, item.values) for item in generated]
    for entry in entries:
        assert entry.place and entry.kind and entry.decision_body and entry.summary
        assert "2025-04-01" <= entry.decision_date <= "2027-03-31"
        assert entry.review_date > entry.decision_date
        assert entry.impacts and all(i.direction and i.gap and i.groups for i in entry.impacts)
    assert {e.kind for e in entries} == {o.value for o in banks.questions["details_kind"].options}
    harms = [i for e in entries for i in e.impacts if i.harmful]
    assert any(i.actions == 0 for i in harms) and any(i.actions > 0 for i in harms)
    assert {i.direction for i in harms} >= {"negative", "major_negative"}
    assert any(i.gap == "widens" for i in harms)


def test_seed_demo_hits_the_same_groups_again_in_one_place_within_a_year(banks, generated):
    harmed = defaultdict(list)
    for item in generated:
        entry = impacts.entry(banks, item.values)
        for impact in entry.impacts:
            for group in impact.groups if impact.harmful else ():
                harmed[(entry.place, group)].append(dt.date.fromisoformat(entry.decision_date))
    for group in ("se_low_income", "pc_disability"):
        repeats = [
            (place, first, second)
            for (place, hit), days in harmed.items()
            if hit == group
            for first, second in zip(sorted(days), sorted(days)[1:], strict=False)
            if (second - first).days <= 365
        ]
        assert repeats, group
