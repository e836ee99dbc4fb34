"""Request logs for operators: one JSON line per request on stderr, each with a request id.

The id is also sent back as X-Request-Id and shown on the "problem with the service" page,
so a user can quote it and an operator can find the request, and its traceback, in the log.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, render_template, request
from flask_login import current_user

REQUESTS = logging.getLogger("hiat.requests")
# Routes whose path holds a secret: the log names the route, never the secret.
SECRET_PATHS = frozenset({"notifications.calendar_feed"})
SERVER_ERROR = (
    "Sorry, there is a problem with the service",
    (
        "Nothing you did caused this. Answers you saved before are kept; the page you were "
        "saving may not have been saved, so check it when you try again.",
        "Try again in a few minutes. If it happens again, tell your administrator and quote "
        "the reference below.",
    ),
)


def request_id() -> str:
    return g.get("request_id", "")


def _start() -> None:
    g.request_id = uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers["X-Request-Id"] = request_id()
    started = g.get("request_started")
    user = current_user.get_id() if current_user and current_user.is_authenticated else None
    REQUESTS.info(
        json.dumps(
            {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "request_id": request_id(),
                "method": request.method,
                "path": _logged_path(),
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "user": user,
                "address": request.remote_addr,
            }
        )
    )
    return response


def _logged_path() -> str:
    """The path asked for, but a secret in it (a calendar feed's) as its route's pattern."""
    if request.endpoint in SECRET_PATHS and request.url_rule is not None:
        return request.url_rule.rule
    return request.path


def _server_error(err: Exception):
    logging.getLogger("hiat").error(
        json.dumps({"request_id": request_id(), "error": "unhandled", "path": _logged_path()}),
        exc_info=getattr(err, "original_exception", None) or err,
    )
    title, paragraphs = SERVER_ERROR
    return render_template(
        "errors/error.html", title=title, paragraphs=paragraphs, reference=request_id()
    ), 500


def init_app(app: Flask) -> None:
    if not REQUESTS.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        REQUESTS.addHandler(handler)
        REQUESTS.setLevel(logging.INFO)
        REQUESTS.propagate = False
    app.before_request(_start)
    app.after_request(_finish)
    app.register_error_handler(500, _server_error)
