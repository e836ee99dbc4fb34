"""No 500s from input (issue 12 point 6): odd input gets a 4xx in words and changes nothing."""

from __future__ import annotations

import io
import json
import re
import sqlite3

import pytest

from tests.conftest import check_page, make_user, normalize, sign_in

# Tables that change on every request, whatever it asks for.
BOOKKEEPING = {"sessions", "audit", "failed_sign_ins"}


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
