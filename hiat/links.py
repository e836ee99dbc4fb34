"""Full links to the service's pages, for what people read away from it: emails, calendars.

The address comes from HIAT_BASE_URL. Without it, a page being served links to the address
it was asked for, and a command (which has no request) to where `make run` serves.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, has_request_context, request

LOCAL = "http://127.0.0.1:5000"


def base_url(app: Flask) -> str:
    configured = app.config.get("BASE_URL") or ""
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/")
    return LOCAL


def link_maker(app: Flask) -> Callable[..., str]:
    """`link(endpoint, **values)`: the page's full URL, built without needing a request."""
    parts = urlsplit(base_url(app))
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)

    def link(endpoint: str, **values) -> str:
        return adapter.build(endpoint, values, force_external=True)

    return link
