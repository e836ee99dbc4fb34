"""Security headers, the Content-Security-Policy and request limits."""

from __future__ import annotations

import re

import pytest

from tests.conftest import signed_in_client

URLS = [
    "/",
    "/assessments",
    "/assessments/new",
    "/worked-example",
    "/nowhere",
    "/static/css/hiat.css",
]


@pytest.mark.parametrize("url", URLS)
def test_every_response_has_the_security_headers(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    response.close()


def test_the_only_inline_script_carries_this_responses_nonce(client):
    first = client.get("/")
    second = client.get("/")
    nonces = []
    for response in (first, second):
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
        html = response.get_data(as_text=True)
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert inline == [f' nonce="{nonce}"']
        nonces.append(nonce)
    assert nonces[0] != nonces[1], "a nonce is used once"


def test_session_cookie_cannot_be_read_by_scripts(csrf_app):
    client = signed_in_client(csrf_app)
    response = client.get("/assessments/new")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_when_served_over_https(csrf_app):
    client = signed_in_client(csrf_app)
    response = client.get("/assessments/new", base_url="https://localhost")
    assert "Secure" in response.headers.get("Set-Cookie", "")
    plain = signed_in_client(csrf_app).get("/assessments/new")
    assert "Secure" not in plain.headers.get("Set-Cookie", "")
