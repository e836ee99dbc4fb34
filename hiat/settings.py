"""Settings an operator gives through HIAT_ variables, checked before the app starts.

A setting that cannot work stops the start with one line that says how to fix it, rather
than starting and failing on the first request.
"""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

MIN_SECRET_LENGTH = 32
# Settings read as yes or no, however they are written in the environment.
BOOLEANS = ("SESSION_COOKIE_SECURE", "PRODUCTION", "CREATE_DATABASE", "SMTP_STARTTLS")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class SettingError(SystemExit):
    """A setting that stops the app from starting; its message is the one line shown."""

    def __init__(self, message: str):
        super().__init__(f"hiat cannot start: {message}")


def apply(app: Flask) -> None:
    """Check the settings and switch on what production needs: Secure cookies, proxies."""
    for key in BOOLEANS:
        if key in app.config:
            app.config[key] = yes_or_no(key, app.config[key])
    secret = app.config.get("SECRET_KEY")
    # Test suites sign sessions with short keys of their own.
    short = not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH
    if secret is not None and short and not app.config.get("TESTING"):
        raise SettingError(
            f"HIAT_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters; make one with "
            "`python3 -c 'import secrets; print(secrets.token_hex(32))'`"
        )
    if app.config.get("PRODUCTION"):
        if not secret:
            raise SettingError(
                "set HIAT_SECRET_KEY (at least 32 characters) when HIAT_PRODUCTION is on"
            )
        app.config["SESSION_COOKIE_SECURE"] = True
    for key, most in (("SESSION_IDLE_MINUTES", 24 * 60), ("SESSION_MAX_HOURS", 24 * 7)):
        app.config[key] = whole_number(key, app.config.get(key), 1, most)
    check_mail(app.config)
    proxies = trusted_proxies(app.config.get("TRUSTED_PROXIES", 0))
    if proxies:
        # Each trusted proxy adds one hop to X-Forwarded-For, -Proto and -Host.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def check_mail(config: dict) -> None:
    """The address links in emails and calendars start with, and the mail server to use."""
    base = str(config.get("BASE_URL") or "").strip().rstrip("/")
    parts = urlsplit(base)
    if base and (parts.scheme not in ("http", "https") or not parts.netloc or parts.query):
        raise SettingError(
            f"HIAT_BASE_URL must be the address people open the service at, such as "
            f"https://hiat.example.org, not {base!r}"
        )
    config["BASE_URL"] = base
    if not str(config.get("SMTP_HOST") or "").strip():
        return
    config["SMTP_PORT"] = whole_number("SMTP_PORT", config.get("SMTP_PORT", 587), 1, 65535)
    sender = str(config.get("SMTP_FROM") or "").strip()
    if not _is_address(sender):
        raise SettingError(
            "set HIAT_SMTP_FROM to the address emails come from, such as hiat@example.org, "
            "when HIAT_SMTP_HOST is set"
        )
    config["SMTP_FROM"] = sender


def _is_address(text: str) -> bool:
    try:
        address = Address(addr_spec=text)
    except (ValueError, IndexError, HeaderParseError):
        return False
    return bool(address.username and address.domain) and address.addr_spec == text


def yes_or_no(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingError(f"HIAT_{key} must be on or off, not {value!r}")


def trusted_proxies(value: Any) -> int:
    """How many proxies in front of the app to believe; 0 believes none."""
    return whole_number("TRUSTED_PROXIES", value, 0, 5)


def whole_number(key: str, value: Any, least: int, most: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = least - 1
    if isinstance(value, bool) or not least <= number <= most:
        raise SettingError(
            f"HIAT_{key} must be a whole number from {least} to {most}, not {value!r}"
        )
    return number
