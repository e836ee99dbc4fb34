"""The error pages, and the handlers that show them for the whole app."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from hiat import store

ERRORS = {
    "not_found": (
        "Page not found",
        (
            "If you typed the web address, check it is correct.",
            "If you followed a link to an assessment, it may have been removed.",
        ),
    ),
    "csrf": (
        "Your page has expired",
        (
            "For your security, we could not save that page.",
            "Go back, reload the page and try again. If this keeps happening, check that your "
            "browser accepts cookies.",
        ),
    ),
    "database": (
        "Sorry, the service is unavailable",
        (
            "The service cannot reach its database at the moment, so nothing was saved.",
            "Try again in a few minutes. If the problem continues, contact whoever runs this "
            "service for you.",
        ),
    ),
    "locked": (
        "This assessment is locked",
        (
            "It is in review or has been approved, so its answers cannot change.",
            "To change it, return it to draft from the task list, or start a new revision "
            "if it has been approved.",
        ),
    ),
    "forbidden": (
        "You can read this assessment but not change it",
        (
            "Your role on this assessment lets you read it, not change it.",
            "Ask an author in the organisation that owns it if something needs to change.",
        ),
    ),
    "too_large": (
        "The information you sent is too large",
        (
            "Nothing was saved. Each page can hold up to 2 megabytes of text.",
            "Shorten your answers and try again.",
        ),
    ),
}


def error(kind: str, status: int):
    title, paragraphs = ERRORS[kind]
    return render_template("errors/error.html", title=title, paragraphs=paragraphs), status


def _database_failed(err: Exception):
    """A read or write the store did not wrap, on a damaged or unwritable file."""
    if not store.storage_failure(err):
        raise err
    current_app.logger.error("Database failed: %s", err)
    return error("database", 503)


def init_app(app: Flask) -> None:
    # A question page shows its unsaved answers instead: see pages.csrf_error.
    @app.errorhandler(CSRFError)
    def csrf_error(_err: CSRFError):
        return error("csrf", 400)

    @app.errorhandler(store.DatabaseUnavailable)
    def database_unavailable(err: store.DatabaseUnavailable):
        app.logger.error("Database unavailable: %s", err)
        return error("database", 503)

    app.register_error_handler(store.SQLiteError, _database_failed)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.code == 404:
            return error("not_found", 404)
        if err.code == 403:
            return error("forbidden", 403)
        if err.code == 423:
            return error("locked", 423)
        if err.code == 413:
            return error("too_large", 413)
        return err
