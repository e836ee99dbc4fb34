"""No 500s from input (issue 12 point 6): odd input gets a 4xx in words and changes nothing."""

from __future__ import annotations

import io
import json
import re
import sqlite3

import pytest

from hiat import forms, store, transfer
from tests.conftest import (
    check_page,
    loaded_version,
    make_user,
    normalize,
    sign_in,
    signed_in_client,
    uid_from,
)
from tests.test_workflow import team  # noqa: F401  (a fixture)

# Tables that change on every request, whatever it asks for.
BOOKKEEPING = {"sessions", "audit", "sign_in_failures"}


def database_content(app) -> dict[str, list[tuple]]:
    """Every row of every table that holds people's work or access."""
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        tables = [
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if row[0] not in BOOKKEEPING
        ]
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }
    finally:
        conn.close()


def box(page, box_id: str) -> str:
    """What a text box or textarea shows."""
    tag = page.select_one(f"#{box_id}")
    return tag.get("value", tag.text).strip()


def heading(response) -> str:
    return normalize(check_page(response.get_data(as_text=True)).h1.text)


# ---------------------------------------------------------------- ids in URLs
def int_routes(app, value: str) -> list[tuple[str, str]]:
    """Every route with a number in it, filled with `value` (and a real-looking uid)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "int:" not in rule.rule:
            continue
        url = re.sub(r"<int:\w+>", value, rule.rule)
        url = re.sub(
            r"<(?:[^<>]*:)?(\w+)>",
            lambda m: {"kind": "statement", "fmt": "md"}.get(m.group(1), "x"),
            url,
        )
        urls.extend((method, url) for method in sorted(rule.methods & {"GET", "POST"}))
    return urls


@pytest.mark.parametrize("value", [str(2**63), "99999999999999999999", "9" * 5000, "٣"])
def test_an_id_too_big_for_the_database_is_not_found(app, new_assessment, value):
    admin = make_user(app, email="ash@wirral.gov.uk", name="Ash Admin", is_admin=True)
    client = sign_in(app.test_client(), admin)
    uid = new_assessment()
    before = database_content(app)
    urls = [
        (m, u.replace("/assessments/x/", f"/assessments/{uid}/")) for m, u in int_routes(app, value)
    ]
    assert len(urls) >= 6, urls
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 404, (method, url[:80], response.status_code)
        assert heading(response) == "Page not found"
    assert database_content(app) == before


def test_the_largest_id_the_database_holds_is_still_looked_up(app, new_assessment, client):
    uid = new_assessment()
    response = client.post(f"/assessments/{uid}/comments/{2**63 - 1}/resolve")
    assert response.status_code == 404


# ---------------------------------------------------------------- the import
def import_file(client, raw: bytes):
    return client.post("/assessments/import", data={"file": (io.BytesIO(raw), "x.json")})


def import_error(response) -> str:
    assert response.status_code == 200, response.status_code
    page = check_page(response.get_data(as_text=True))
    assert page.title.text.startswith("Error: Import an assessment")
    return normalize(page.select_one(".govuk-error-summary").text)


def exported(client, uid: str) -> dict:
    return json.loads(client.get(f"/assessments/{uid}/export.json").data)


@pytest.mark.parametrize("depth", [100_000, 2_000])
def test_a_deeply_nested_import_file_is_refused_with_a_message(app, client, depth):
    before = database_content(app)
    response = import_file(client, b"[" * depth + b"]" * depth)
    assert "nested too deeply" in import_error(response)
    assert database_content(app) == before


def test_an_answer_nested_deeply_inside_a_real_export_is_refused(app, client, new_assessment):
    document = exported(client, new_assessment())
    deep = "x"
    for _ in range(500):
        deep = [deep]
    document["answers"][0]["value"] = deep
    before = database_content(app)
    assert "nested too deeply" in import_error(import_file(client, json.dumps(document).encode()))
    assert database_content(app) == before


@pytest.mark.parametrize("where", ["label", "value", "option key", "question id", "extra key"])
def test_an_import_file_with_a_lone_surrogate_is_refused_with_a_message(
    app, client, new_assessment, where
):
    document = exported(client, new_assessment())
    answer = next(a for a in document["answers"] if a["question_id"] == "details_place")
    if where == "label":
        answer["label"] = "Place \ud800"
    elif where == "value":
        answer["value"] = "wirral\udfff"
    elif where == "option key":
        answer["option_labels"] = {"\ud800": "Wirral"}
    elif where == "question id":
        answer["question_id"] = "details_\ud800"
    else:
        answer["\udc00"] = "x"
    raw = json.dumps(document).encode()  # ASCII escapes, as any JSON writer may send them
    assert b"\\ud" in raw
    before = database_content(app)
    summary = import_error(import_file(client, raw))
    assert "has characters that cannot be read" in summary
    assert database_content(app) == before


@pytest.mark.parametrize("value", [[{}], {"a": "b"}, [["x"]]])
def test_an_import_file_with_a_table_where_a_choice_belongs_is_refused(
    app, client, new_assessment, value
):
    document = exported(client, new_assessment())
    for answer in document["answers"]:
        if answer["question_id"] in ("screening_principles", "details_place"):
            answer["value"] = value
    before = database_content(app)
    summary = import_error(import_file(client, json.dumps(document).encode()))
    assert "does not fit this service's questions" in summary or "is damaged" in summary
    assert database_content(app) == before


# ---------------------------------------------------------------- row numbers and versions
STEP_2 = "/assessments/{uid}/pages/early_years-step-2"
ODD_NUMBERS = ["²", "٣", "9" * 5000, "-1", ""]


@pytest.mark.parametrize("row", ODD_NUMBERS)
def test_a_table_row_number_the_app_never_writes_is_ignored(app, client, new_assessment, row):
    uid = new_assessment()
    url = STEP_2.format(uid=uid)
    data = {
        "p1_s2_actions-0-action": "Insulate homes",
        f"p1_s2_actions-{row}-action": "Odd row",
        "lock_version": loaded_version(client, url),
    }
    shown = client.post(url, data={**data, "add": "p1_s2_actions"})
    assert shown.status_code == 200
    page = check_page(shown.get_data(as_text=True))
    assert "Odd row" not in page.text
    assert box(page, "p1_s2_actions-0-action") == "Insulate homes"
    assert client.post(url, data={**data, "save": "later"}).status_code == 302
    with app.app_context():
        saved = store.get_assessment(store.get_db(), uid).value("p1_s2_actions")
    assert [row["action"] for row in saved] == ["Insulate homes"]


@pytest.mark.parametrize("row", ODD_NUMBERS)
def test_a_remove_button_with_an_odd_row_number_shows_the_page_again(
    app, client, new_assessment, row
):
    uid = new_assessment()
    before = database_content(app)
    response = client.post(
        STEP_2.format(uid=uid),
        data={"p1_s2_actions-0-action": "Insulate homes", "remove": f"p1_s2_actions-{row}"},
    )
    assert response.status_code == 200
    page = check_page(response.get_data(as_text=True))
    assert box(page, "p1_s2_actions-0-action") == "Insulate homes"
    assert database_content(app) == before


@pytest.mark.parametrize("version", [None, "²", "junk", "9" * 30, "-1"])
def test_a_save_without_a_readable_page_version_shows_the_conflict_page(
    app, client, new_assessment, version
):
    """Never a silent overwrite: the page has been saved, and when this copy was loaded is
    unknown, so the user sees both versions and chooses."""
    uid = new_assessment()
    url = STEP_2.format(uid=uid)
    first = {"p1_s2_benefit_first": "Saved by someone", "save": "continue"}
    assert client.post(url, data={**first, "lock_version": "0"}).status_code == 302
    before = database_content(app)
    data = {"p1_s2_benefit_first": "Sent without a version", "save": "continue"}
    if version is not None:
        data["lock_version"] = version
    response = client.post(url, data=data)
    assert response.status_code == 409
    assert heading(response) == "Someone else changed this page while you were working on it"
    assert database_content(app) == before


def test_a_first_save_of_a_page_needs_no_version(app, client, new_assessment):
    uid = new_assessment()
    data = {"p1_s2_benefit_first": "First answer", "save": "continue"}
    assert client.post(STEP_2.format(uid=uid), data=data).status_code == 302


@pytest.mark.parametrize("other", ["²", "9" * 5000, "1x"])
def test_comparing_with_an_odd_revision_number_compares_with_now(app, team, other):  # noqa: F811
    uid, author, _, approver = team
    approver_signs = {"job_title": "Director of Public Health", "confirm": "y"}
    author.post(f"/assessments/{uid}/send-for-review")
    assert approver.post(f"/assessments/{uid}/sign-off", data=approver_signs).status_code == 302
    response = author.get(f"/assessments/{uid}/revisions/1/compare?with={other}")
    assert response.status_code == 200


# ---------------------------------------------------------------- limits
ACTIONS = "p1_s2_actions"


def action_rows(count: int, start: int = 0) -> dict[str, str]:
    return {f"{ACTIONS}-{n}-action": f"Action number {n + 1}" for n in range(start, count)}


def saved_values(app, uid: str) -> dict:
    with app.app_context():
        return store.get_assessment(store.get_db(), uid).values()


def summary_links(page) -> list[tuple[str, str]]:
    return [(normalize(a.text), a["href"]) for a in page.select(".govuk-error-summary a")]


def test_a_plan_of_500_rows_is_saved_exported_and_imported_again(app, client, new_assessment):
    uid = new_assessment()
    url = STEP_2.format(uid=uid)
    data = {**action_rows(500), "lock_version": loaded_version(client, url), "save": "later"}
    assert client.post(url, data=data).status_code == 302
    assert len(saved_values(app, uid)[ACTIONS]) == 500
    first = client.get(f"/assessments/{uid}/export.json").data
    response = import_file(client, first)
    assert response.status_code == 302, import_error(response)
    new_uid = uid_from(response.headers["Location"])
    assert len(saved_values(app, new_uid)[ACTIONS]) == 500


def test_a_table_of_more_than_500_rows_says_how_many_to_remove_and_keeps_every_row(
    app, client, new_assessment
):
    uid = new_assessment()
    url = STEP_2.format(uid=uid)
    before = database_content(app)
    data = {
        **action_rows(503),
        "p1_s2_benefit_first": "Typed on the same page",
        "lock_version": loaded_version(client, url),
        "save": "continue",
    }
    response = client.post(url, data=data)
    assert response.status_code == 200
    page = check_page(response.get_data(as_text=True))
    message = normalize(page.select_one(f"#{ACTIONS}-error").text)
    assert "can have up to 500 rows. Remove 3 rows you do not need, then save again" in message
    assert (message.removeprefix("Error: "), f"#{ACTIONS}-error") in summary_links(page)
    assert box(page, f"{ACTIONS}-502-action") == "Action number 503"
    assert box(page, "p1_s2_benefit_first") == "Typed on the same page"
    assert database_content(app) == before


def test_add_another_on_a_full_table_says_it_is_full_and_keeps_every_row(
    app, client, new_assessment
):
    uid = new_assessment()
    url = STEP_2.format(uid=uid)
    before = database_content(app)
    data = {**action_rows(500), "p1_s2_benefit_first": "Kept", "add": ACTIONS}
    response = client.post(url, data=data)
    assert response.status_code == 200
    page = check_page(response.get_data(as_text=True))
    assert page.title.text.startswith("Error: ")
    message = normalize(page.select_one(f"#{ACTIONS}-error").text)
    assert "already has 500 rows, the most it can have. Remove a row you do not need" in message
    assert page.select_one(f"#{ACTIONS}-500-action") is None
    assert box(page, f"{ACTIONS}-499-action") == "Action number 500"
    assert box(page, "p1_s2_benefit_first") == "Kept"
    assert database_content(app) == before


def test_add_another_below_the_limit_still_adds_a_row(client, new_assessment):
    uid = new_assessment()
    response = client.post(STEP_2.format(uid=uid), data={**action_rows(499), "add": ACTIONS})
    page = check_page(response.get_data(as_text=True))
    assert page.select_one(f"#{ACTIONS}-499-action") is not None
    assert page.select_one(".govuk-error-summary") is None


def test_an_answer_too_long_says_how_much_to_shorten_it_and_keeps_the_rest(
    app, client, new_assessment
):
    uid = new_assessment()
    url = STEP_2.format(uid=uid)
    before = database_content(app)
    data = {
        "p1_s2_benefit_first": "x" * 5_005,
        f"{ACTIONS}-0-action": "Kept action",
        "lock_version": loaded_version(client, url),
        "save": "continue",
    }
    page = check_page(client.post(url, data=data).get_data(as_text=True))
    assert (
        "Your answer must be 5,000 characters or fewer. It has 5,005: shorten it by 5",
        "#p1_s2_benefit_first",
    ) in summary_links(page)
    assert box(page, "p1_s2_benefit_first") == "x" * 5_005
    assert box(page, f"{ACTIONS}-0-action") == "Kept action"
    assert database_content(app) == before


def test_an_own_group_as_long_as_allowed_is_exported_and_imported_again(
    app, client, new_assessment
):
    uid = new_assessment()
    url = f"/assessments/{uid}/pages/early_years-step-1"
    name = "G" * 200
    data = {"p1_s1_groups": "se_low_income", "p1_s1_groups-own": name, "save": "later"}
    data["lock_version"] = loaded_version(client, url)
    assert client.post(url, data=data).status_code == 302
    assert f"own:{name}" in saved_values(app, uid)["p1_s1_groups"]
    response = import_file(client, client.get(f"/assessments/{uid}/export.json").data)
    assert response.status_code == 302, import_error(response)


def test_a_partly_rated_impact_is_exported_and_imported_again(app, client, new_assessment):
    uid = new_assessment()
    url = f"/assessments/{uid}/pages/impact"
    data = {"decision_impact_early_years-direction": "positive", "save": "later"}
    data["lock_version"] = loaded_version(client, url)
    assert client.post(url, data=data).status_code == 302
    assert saved_values(app, uid)["decision_impact_early_years"]["gap"] == ""
    response = import_file(client, client.get(f"/assessments/{uid}/export.json").data)
    assert response.status_code == 302, import_error(response)


def test_the_export_schema_allows_as_many_rows_as_a_page_saves():
    schema = json.loads(transfer.SCHEMA_PATH.read_text(encoding="utf-8"))
    lists = [
        branch["maxItems"]
        for branch in schema["$defs"]["value"]["anyOf"]
        if branch.get("type") == "array"
    ]
    assert lists and min(lists) >= forms.MAX_ROWS


# ---------------------------------------------------------------- who may comment
def test_a_viewer_is_not_offered_comments_and_cannot_add_one(app, client, new_assessment):
    uid = new_assessment()
    viewer = signed_in_client(app, email="val@wirral.gov.uk", name="Val Viewer", role="viewer")
    check = f"/assessments/{uid}/sections/details/check"
    page = check_page(viewer.get(check).get_data(as_text=True))
    assert "Add the comment" not in page.text
    before = database_content(app)
    response = viewer.post(f"/assessments/{uid}/sections/details/comments", data={"text": "Hi"})
    assert response.status_code == 403
    assert heading(response) == "You can read this assessment but not change it"
    assert database_content(app) == before


@pytest.mark.parametrize("role", ["author", "reviewer", "approver"])
def test_authors_reviewers_and_approvers_can_comment(app, client, new_assessment, role):
    uid = new_assessment()
    person = (
        client
        if role == "author"
        else signed_in_client(app, email=f"{role}@wirral.gov.uk", name="Pat", role=role)
    )
    check = f"/assessments/{uid}/sections/details/check"
    assert "Add the comment" in person.get(check).get_data(as_text=True)
    response = person.post(f"/assessments/{uid}/sections/details/comments", data={"text": "Hi"})
    assert response.status_code == 302
    assert "Your comment has been added" in person.get(check).get_data(as_text=True)


def test_a_comment_on_a_section_that_does_not_exist_is_not_found(app, client, new_assessment):
    uid = new_assessment()
    before = database_content(app)
    response = client.post(f"/assessments/{uid}/sections/nonsense/comments", data={"text": "x"})
    assert response.status_code == 404
    assert database_content(app) == before


# ---------------------------------------------------------------- add= naming another question
@pytest.mark.parametrize(
    "named", ["p1_s2_benefit_first", "p1_s2_parents_involved", "details_title", "nonsense", ""]
)
def test_add_another_naming_a_question_without_rows_shows_the_page_again(
    app, client, new_assessment, named
):
    uid = new_assessment()
    before = database_content(app)
    data = {"p1_s2_benefit_first": "Kept", "add": named or " "}
    response = client.post(STEP_2.format(uid=uid), data=data)
    assert response.status_code == 200
    page = check_page(response.get_data(as_text=True))
    assert box(page, "p1_s2_benefit_first") == "Kept"
    assert database_content(app) == before
