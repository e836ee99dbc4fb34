"""The public pages: start, about, accessibility, the worked example, indicators, health.

Everything here is in access.PUBLIC: anyone may read it, signed in or not.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from hiat import forms, statement, store, wizard
from hiat.access import account, banks, example_assessment, worked_example

bp = Blueprint("site", __name__)


# ---------------------------------------------------------------- for operators
@bp.get("/healthz")
def healthz():
    """For a load balancer or monitor: 200 when the database can be read and written."""
    try:
        version = store.health(store.get_db())
    except store.DatabaseUnavailable as err:
        # The reason goes to the operator's log, not to whoever asked.
        current_app.logger.error("Health check failed: %s", err)
        return {"status": "unavailable"}, 503
    return {"status": "ok", "schema": version}


# ---------------------------------------------------------------- start, about and the example
@bp.get("/")
def start():
    """The start page; a signed-in person also sees the reviews due on their assessments."""
    if not current_user.is_authenticated:
        return render_template("start.html")
    today = dt.date.today()
    due = store.reviews_due(store.get_db(), account(), (today + wizard.REVIEW_WARNING).isoformat())
    return render_template(
        "start.html",
        overdue=[d for d in due if d.review_date < today.isoformat()],
        due_soon=[d for d in due if d.review_date >= today.isoformat()],
    )


@bp.get("/about")
def about():
    return render_template("about.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("accessibility.html")


@bp.get("/worked-example")
def example_page():
    example = worked_example()
    if example is None:
        abort(404)
    today = dt.date.today()
    html = current_app.extensions["hiat_documents"].get_or_make(
        ("worked example", today),
        lambda: statement.render_html(
            statement.build_statement(example_assessment(), banks(), today)
        ),
    )
    return render_template(
        "example.html", example=example, form=forms.HiatForm(), statement_html=html
    )


@bp.get("/indicators")
def indicator_catalogue():
    return render_template("indicators.html")
