"""No 500s from input (issue 12 point 6): odd input gets a 4xx in words and changes nothing."""

from __future__ import annotations

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
