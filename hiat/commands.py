"""Commands for whoever runs the service: `flask --app app <command>`.

Each says what it did in one line, and a problem as one line with no traceback.
"""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from hiat import demo, mail, store, upcoming
from hiat.links import link_maker
from hiat.passwords import hash_password, password_problem


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database if there is none, and apply pending migrations."""
    path = current_app.config["DATABASE"]
    new = store.is_new(path)
    if not new and (problem := store.check_file(path)):
        raise click.ClickException(problem)
    try:
        version = store.migrate(path)
    except store.DatabaseUnavailable as err:
        raise click.ClickException(str(err)) from None
    store.clear_problem(current_app)
    if new:
        click.echo(f"Created a new, empty database at {path} (schema {version}).")
    else:
        click.echo(f"Database ready at {path} (schema {version}).")


@click.command("assign-orphans")
@click.argument("organisation")
@with_appcontext
def assign_orphans_command(organisation: str) -> None:
    """Give assessments made before accounts existed to ORGANISATION, so its people see them."""
    try:
        db = store.get_db()
        moved = store.assign_orphans(db, organisation)
    except store.DatabaseUnavailable as err:
        raise click.ClickException(str(err)) from None
    except store.OrganisationNotFound:
        names = ", ".join(store.list_organisations(db)) or "none yet"
        raise click.ClickException(
            f"There is no organisation called {organisation!r}. Organisations: {names}"
        ) from None
    click.echo(f"{moved} assessments now belong to {organisation}.")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(target: str) -> None:
    """Copy the database to TARGET, consistently, while the service goes on serving."""
    path = current_app.config["DATABASE"]
    if problem := current_app.extensions.get("hiat_database_problem"):
        raise click.ClickException(problem)
    try:
        version = store.backup(path, target)
    except (store.BackupError, store.DatabaseUnavailable) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Backed up {path} to {target} (schema {version}, checked).")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False))
@with_appcontext
def restore_command(source: str) -> None:
    """Replace the database with the backup SOURCE, after checking it; the old one is kept."""
    path = current_app.config["DATABASE"]
    try:
        kept = store.restore(path, source)
    except store.BackupError as err:
        raise click.ClickException(str(err)) from None
    store.clear_problem(current_app)
    click.echo(f"Restored {source} into {path}.")
    if kept:
        click.echo(f"The database it replaced is kept at {kept}.")
    click.echo("Restart the service so every worker starts from the restored database.")


@click.command("seed-demo")
@click.option("--n", "count", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--password", required=True, help="Password of every demo account.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@with_appcontext
def seed_demo_command(count: int, password: str, seed: int) -> None:
    """Fill a new database with N made-up assessments: for development and benchmarks only."""
    common = current_app.extensions["hiat_common_passwords"]
    if problem := password_problem(password, demo.ADMIN_EMAIL, common):
        raise click.ClickException(f"--password: {problem}.")
    banks = current_app.extensions["hiat"]
    try:
        db = store.get_db()
        if problem := demo.refusal(db):
            raise click.ClickException(problem)
        items = demo.generate(banks, count, seed)
        demo.write(
            db,
            banks,
            items,
            hash_password(password),
            progress=lambda done: click.echo(f"{done} of {count} made"),
        )
    except store.DatabaseUnavailable as err:
        raise click.ClickException(str(err)) from None
    organisations = len({item.organisation for item in items})
    click.echo(
        f"Made {count} demo assessments for {organisations} organisations. "
        f"Sign in as {demo.ADMIN_EMAIL}."
    )


@click.command("remind")
@click.option("--dry-run", is_flag=True, help="Print each digest instead of sending it.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Work out what is due as if today were this day (YYYY-MM-DD), to try it out.",
)
@with_appcontext
def remind_command(dry_run: bool, today: dt.datetime | None) -> None:
    """Email each person one digest of what is overdue or due in the next 30 days.

    Run it from cron or a systemd timer, once a week or once a day. Without HIAT_SMTP_HOST
    it prints the digests instead.
    """
    smtp = mail.smtp_settings(current_app.config)
    if smtp and not dry_run and not current_app.config.get("BASE_URL"):
        raise click.ClickException(
            "set HIAT_BASE_URL to the address people open the service at, such as "
            "https://hiat.example.org, so the links in the emails work"
        )
    day = today.date() if today else dt.date.today()
    try:
        emails, nothing_due, turned_off = upcoming.digests(
            store.get_db(), current_app.extensions["hiat"], link_maker(current_app), day
        )
    except store.DatabaseUnavailable as err:
        raise click.ClickException(str(err)) from None
    if smtp is None or dry_run:
        if not dry_run:
            click.echo("Email is not set up (no HIAT_SMTP_HOST), so the digests are printed.")
        for email in emails:
            click.echo(f"To: {email.to}\nSubject: {email.subject}\n\n{email.body}{'-' * 72}")
        click.echo(_remind_summary("Printed", len(emails), nothing_due, turned_off))
        return
    try:
        refused = mail.send(smtp, emails)
    except mail.MailError as err:
        raise click.ClickException(
            f"Sent {_count(err.sent, 'digest', 'digests')} of {len(emails)}, then stopped: {err}"
        ) from None
    click.echo(_remind_summary("Sent", len(emails) - len(refused), nothing_due, turned_off))
    if refused:
        for email, reason in refused:
            click.echo(f"Not sent to {email.to}: {reason}", err=True)
        raise click.ClickException(
            f"{_count(len(refused), 'digest was', 'digests were')} not sent (above)"
        )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _remind_summary(verb: str, sent: int, nothing_due: int, turned_off: int) -> str:
    return (
        f"{verb} {_count(sent, 'digest', 'digests')}, "
        f"{_count(nothing_due, 'person', 'people')} had nothing due, "
        f"{turned_off} {'has' if turned_off == 1 else 'have'} digests turned off."
    )


def init_app(app: Flask) -> None:
    commands = (
        init_db_command,
        assign_orphans_command,
        backup_command,
        restore_command,
        seed_demo_command,
        remind_command,
    )
    for command in commands:
        app.cli.add_command(command)
