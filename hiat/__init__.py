"""hiat: Health equity impact assessment, a Flask app built on the HIAT's four steps."""

from __future__ import annotations

import secrets
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from hiat import (
    accounts,
    actions,
    assessments,
    commands,
    documents,
    errors,
    forms,
    impacts,
    logs,
    notifications,
    pages,
    public,
    publishing,
    readings,
    register,
    review,
    reviewing,
    security,
    settings,
    site,
    store,
    ui,
)
from hiat.cache import DocumentCache
from hiat.example import load_example
from hiat.questions import load_banks
from hiat.routing import IdConverter

ROOT = Path(__file__).resolve().parent.parent


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Put the app together: config, question banks, database, templates, routes."""
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
    )
    app.config.from_mapping(
        DATABASE=str(Path(app.instance_path) / "hiat.db"),
        QUESTIONS_DIR=str(ROOT / "questions"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # Tokens last as long as the browser session, so a form left open for
        # hours still saves: losing someone's typing is worse than the risk.
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        PRODUCTION=False,
        # A missing database is created only when asked: `flask init-db`, or this on.
        CREATE_DATABASE=False,
        TRUSTED_PROXIES=0,
        # A session ends after this long without a request, and this long after sign-in.
        SESSION_IDLE_MINUTES=30,
        SESSION_MAX_HOURS=12,
        # Where emails and calendar feeds link to, and the mail server (off until HOST is set).
        BASE_URL="",
        SMTP_HOST="",
        SMTP_PORT=587,
        SMTP_USERNAME="",
        SMTP_PASSWORD="",
        SMTP_FROM="",
        SMTP_STARTTLS=True,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(prefix="HIAT")
    if test_config:
        app.config.update(test_config)
    settings.apply(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    banks = load_banks(app.config["QUESTIONS_DIR"])
    app.extensions["hiat"] = banks
    # The store reads answers into register rows with this, on every save.
    app.extensions[store.INDEXER] = (
        f"{impacts.INDEX_VERSION}/{banks.version}",
        partial(impacts.entry, banks),
    )
    example = load_example(app.config["QUESTIONS_DIR"], banks)
    app.extensions["hiat_example"] = example
    # Built once: every question page shows the example's answer beside its guidance.
    app.extensions["hiat_example_assessment"] = example.assessment(banks) if example else None
    app.extensions["hiat_documents"] = DocumentCache(
        app.config.get("DOCUMENT_CACHE_BYTES", 0) or 64 << 20
    )
    # Before any blueprint adds its routes: a rule takes its converter when it is added.
    app.url_map.converters["int"] = IdConverter
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("hiat"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    logs.init_app(app)
    # Reads the raw body for bytes that are not UTF-8, so it must run before CSRFProtect
    # parses the form.
    app.before_request(forms.note_unreadable_text)
    CSRFProtect(app)
    security.init_app(app)
    ui.init_app(app)
    store.init_app(app)
    commands.init_app(app)
    accounts.init_app(app)
    for area in (
        site,
        assessments,
        pages,
        documents,
        review,
        register,
        actions,
        readings,
        notifications,
        public,
        publishing,
        reviewing,
    ):
        app.register_blueprint(area.bp)
    errors.init_app(app)
    return app


def _instance_secret(instance: Path) -> str:
    """A random key kept in the instance folder, made on first run; never in the repo."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
