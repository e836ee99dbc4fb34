"""Sending email through the SMTP server the operator names in the HIAT_SMTP_ settings.

One job: turn `reminders.Email`s into messages and hand them to the server over one
connection. A failure comes back as MailError with a reason in words; the password is never
in a message or a log line.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from hiat.reminders import Email

TIMEOUT_SECONDS = 20


class MailError(Exception):
    """The email could not be sent; the message says why, in words. `sent` emails went
    before it failed."""

    def __init__(self, message: str, sent: int = 0):
        super().__init__(message)
        self.sent = sent


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = True


def smtp_settings(config: Mapping) -> SmtpSettings | None:
    """The server to send through, or None when HIAT_SMTP_HOST is not set."""
    host = (config.get("SMTP_HOST") or "").strip()
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=int(config.get("SMTP_PORT") or 587),
        sender=config["SMTP_FROM"],
        username=config.get("SMTP_USERNAME") or "",
        password=config.get("SMTP_PASSWORD") or "",
        starttls=bool(config.get("SMTP_STARTTLS", True)),
    )


def message(email: Email, sender: str) -> EmailMessage:
    built = EmailMessage()
    built["From"] = Address("Health equity impact assessment", addr_spec=sender)
    built["To"] = email.to
    built["Subject"] = email.subject
    built["Date"] = formatdate(localtime=False)
    built["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    built["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    built.set_content(email.body)
    return built


def send(settings: SmtpSettings, emails: Iterable[Email]) -> list[tuple[Email, str]]:
    """Send every email over one connection; return those the server refused, with why.

    Raises MailError when the server cannot be reached or refuses the connection or sign-in,
    so nothing was sent from that point on.
    """
    refused: list[tuple[Email, str]] = []
    sent = 0
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS) as server:
            _open(server, settings)
            for email in emails:
                try:
                    # The envelope names the one address, whatever the To header would parse to.
                    server.send_message(
                        message(email, settings.sender), settings.sender, [email.to]
                    )
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as err:
                    refused.append((email, _reason(err)))
                else:
                    sent += 1
    except MailError as err:
        raise MailError(str(err), sent) from None
    except smtplib.SMTPAuthenticationError:
        raise MailError(
            f"the mail server {settings.host} refused the user name and password in "
            "HIAT_SMTP_USERNAME and HIAT_SMTP_PASSWORD",
            sent,
        ) from None
    except (OSError, smtplib.SMTPException) as err:
        raise MailError(
            f"could not send email through {settings.host}:{settings.port}: {_reason(err)}", sent
        ) from None
    return refused


def _open(server: smtplib.SMTP, settings: SmtpSettings) -> None:
    server.ehlo()
    if settings.starttls:
        if not server.has_extn("starttls"):
            raise MailError(
                f"the mail server {settings.host} does not offer STARTTLS; set "
                "HIAT_SMTP_STARTTLS=off only if it is on this machine or a trusted network"
            )
        server.starttls(context=ssl.create_default_context())
        server.ehlo()
    if settings.username:
        server.login(settings.username, settings.password)


def _reason(err: BaseException) -> str:
    """What went wrong, in words, without anything the server echoed of our password."""
    if isinstance(err, ConnectionRefusedError):
        return "the connection was refused (is the mail server running, and is the port right?)"
    if isinstance(err, socket.timeout | TimeoutError):
        return f"the mail server did not answer within {TIMEOUT_SECONDS} seconds"
    if isinstance(err, socket.gaierror):
        return "there is no such mail server (check HIAT_SMTP_HOST)"
    if isinstance(err, ssl.SSLError):
        return f"the secure connection failed ({err.reason or err})"
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {_text(text)}" for code, text in err.recipients.values()]
        return "the server refused the address: " + "; ".join(codes)
    if isinstance(err, smtplib.SMTPResponseException):
        return f"the server said {err.smtp_code} {_text(err.smtp_error)}"
    return str(err) or type(err).__name__


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
