"""Accounts: first-run set-up, sign in and out, and administrators managing users.

Passwords are hashed with argon2. Every failure to sign in gives the same message, so
no page reveals whether an account exists; failures are counted in the database, per
account and per address, so every worker refuses the same guesses. A session is a row
in the database: signing out, a new password and a disabled account end it at once,
as do 30 minutes without a request and 12 hours after signing in.
A password an administrator sets is temporary: until its owner chooses their
own, every page but a few sends them to "Change your password". Administrators
manage only their own organisation's people, and everything they do is in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import click
from argon2 import PasswordHasher
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import with_appcontext
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms import EmailField, Field, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Regexp, ValidationError

from hiat import store
from hiat.access import PUBLIC, account, address, log
from hiat.forms import HiatForm, TextRequired, choose_one, tidy_text
from hiat.passwords import (
    hash_password,
    load_common_passwords,
    password_matches,
    password_problem,
)

bp = Blueprint("accounts", __name__)
# Failed sign-ins allowed in the window before the account, or the address, must wait.
# An office can share one address, so it may fail more often than one account.
FAILURES_PER_ACCOUNT = 10
FAILURES_PER_ADDRESS = 50
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_KEY = "hiat_session"
# Form fields carried through the sign-in page after a session ended mid-page.
CARRY = "carry:"
WRONG_DETAILS = "Enter a correct email address and password"
# The value of the "A new organisation" radio; an existing one's value is its name.
NEW_ORGANISATION = "_new"
# Pages a person with a temporary password may still reach; access.PUBLIC is added to these.
WITHOUT_NEW_PASSWORD = frozenset({"static", "accounts.change_password", "accounts.sign_out"})
ROLE_CHOICES = [
    SelectChoice("author", "Author: writes and changes assessments"),
    SelectChoice("reviewer", "Reviewer: reads and comments"),
    SelectChoice("approver", "Approver: reads and signs off"),
    SelectChoice("viewer", "Viewer: reads only"),
]


class SignedInUser(UserMixin):
    """The account behind the session, as Flask-Login needs it."""

    def __init__(self, account: store.User):
        self.account = account
        self.id = str(account.id)


# ---------------------------------------------------------------- sessions
def begin_session(person: store.User) -> None:
    """Sign this browser in with a new session record (never one it brought with it)."""
    session.clear()
    # A new CSRF token now, in the sign-in reply: otherwise the first pages opened after
    # it each make their own, and the cookie that arrives last expires the other tab's form.
    g.pop("csrf_token", None)
    generate_csrf()
    session[SESSION_KEY] = store.start_session(store.get_db(), person.id, address())
    login_user(SignedInUser(person))


def end_session() -> None:
    token = session.get(SESSION_KEY)
    if token:
        store.end_session(store.get_db(), token)
    logout_user()
    session.clear()


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def lifetime_limit() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


# ---------------------------------------------------------------- failed sign-ins
def locked_until(email: str, now: datetime | None = None) -> datetime | None:
    """When this email, or this address, may try again; None if it may try now."""
    now = now or datetime.now(UTC)
    by_email, by_address = store.failed_sign_ins(
        store.get_db(), email=email, address=address(), since=now - FAILURE_WINDOW
    )
    waits = [
        datetime.fromisoformat(times[-limit]) + FAILURE_WINDOW
        for times, limit in ((by_email, FAILURES_PER_ACCOUNT), (by_address, FAILURES_PER_ADDRESS))
        if len(times) >= limit
    ]
    return max(waits) if waits else None


def lock_out_message(until: datetime) -> str:
    minutes = max(1, -(-int((until - datetime.now(UTC)).total_seconds()) // 60))
    return (
        "You have tried to sign in too many times. Wait "
        f"{minutes} minute{'s' if minutes != 1 else ''}, then try again. If you have "
        "forgotten your password, ask your administrator to reset it"
    )


class PasswordRules:
    """Checks a new password against password_problem, with the owner's email from the form."""

    def __call__(self, form: AccountForm, field: Field) -> None:
        common = current_app.extensions["hiat_common_passwords"]
        problem = password_problem(field.data or "", form.password_owner(), common)
        if problem:
            raise ValidationError(problem)


# ---------------------------------------------------------------- forms
class AccountForm(HiatForm):
    # Whose password the form sets, when it has no email field of its own.
    owner_email = ""

    def password_owner(self) -> str:
        email = self._fields.get("email")
        return (email.data or "") if email is not None else self.owner_email


def _password_field(label: str) -> PasswordField:
    return PasswordField(
        label, validators=[InputRequired(message="Enter a password"), PasswordRules()]
    )


def _confirm_field(label: str = "Confirm the password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            EqualTo("password", message="The passwords do not match: enter the same password twice")
        ],
    )


def _email_field() -> EmailField:
    return EmailField(
        "Email address",
        validators=[
            TextRequired(message="Enter an email address"),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message="Enter an email address in the correct format, like name@example.org",
            ),
            Length(max=254),
        ],
    )


class SignInForm(HiatForm):
    email = EmailField("Email address")
    password = PasswordField("Password")


class UserForm(AccountForm):
    # HiatForm trims every text field and turns text of only spaces into "".
    name = StringField(
        "Full name", validators=[TextRequired(message="Enter the person's name"), Length(max=200)]
    )
    email = _email_field()
    # Choices are the organisations that exist, set per request (see user_form).
    organisation = RadioField(
        "Organisation",
        filters=[tidy_text],
        validators=[TextRequired(message="Enter the organisation, for example Wirral Council")],
        invalid_choice_message=(
            "Choose an organisation from the list, "
            "or choose “A new organisation” and enter its name"
        ),
    )
    new_organisation = StringField("Name of the new organisation", validators=[Length(max=200)])
    role = RadioField(
        "Role",
        choices=ROLE_CHOICES,
        validators=[InputRequired(message="Select a role")],
        invalid_choice_message=choose_one("Role"),
    )
    password = _password_field("Temporary password")

    def validate_new_organisation(self, field: StringField) -> None:
        if self.organisation.data != NEW_ORGANISATION:
            return
        if not field.data:
            raise ValidationError("Enter the name of the new organisation")
        key = store.organisation_key(field.data)
        clash = next(
            (c.value for c in self.organisation.choices if store.organisation_key(c.value) == key),
            None,
        )
        if clash is not None and clash != NEW_ORGANISATION:
            raise ValidationError(_exists(clash))


def _exists(name: str) -> str:
    return f"“{name}” already exists: choose it from the list of organisations"


def _exists_elsewhere(name: str) -> str:
    return f"“{name}” already exists: ask one of its administrators to add this person"


def user_form(db: store.Database, own: str) -> UserForm:
    """The add-user form: the administrator's own organisation, or a new one.

    Other organisations' people are theirs to manage. The first person of a new
    organisation becomes its administrator, so that someone can.
    """
    form = UserForm(organisation=own)
    form.organisation.choices = [
        SelectChoice(own, own),
        SelectChoice(NEW_ORGANISATION, "A new organisation"),
    ]
    return form


class SetupForm(AccountForm):
    code = StringField(
        "Set-up code",
        validators=[TextRequired(message="Enter the set-up code"), Length(max=100)],
    )
    organisation = StringField(
        "Your organisation",
        validators=[
            TextRequired(message="Enter your organisation, for example Wirral Council"),
            Length(max=200),
        ],
    )
    name = StringField(
        "Your full name", validators=[TextRequired(message="Enter your name"), Length(max=200)]
    )
    email = _email_field()
    password = _password_field("Create a password")
    confirm = _confirm_field()


class PasswordForm(AccountForm):
    password = _password_field("New temporary password")


class ChangePasswordForm(AccountForm):
    current = PasswordField(
        "Current password", validators=[InputRequired(message="Enter your current password")]
    )
    password = _password_field("New password")
    confirm = _confirm_field("Confirm the new password")

    def validate_current(self, field: PasswordField) -> None:
        if not password_matches(account(), field.data or ""):
            raise ValidationError(
                "Your current password is not right: enter the one you signed in with"
            )

    def validate_password(self, field: PasswordField) -> None:
        if field.data and field.data == self.current.data:
            raise ValidationError("The new password must be different from your current one")


# ---------------------------------------------------------------- routes
@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the first administrator, with the one-time code `flask create-admin` prints.

    The page exists only while there are no accounts.
    """
    db = store.get_db()
    if store.count_users(db):
        abort(404)
    form = SetupForm(organisation=store.known_organisation(db), code=request.args.get("code", ""))
    if form.validate_on_submit():
        try:
            created = store.create_first_admin(
                db,
                code=form.code.data,
                organisation=form.organisation.data,
                email=form.email.data,
                name=form.name.data,
                password_hash=hash_password(form.password.data),
            )
        except store.SetupDone:
            abort(404)
        except store.SetupCodeWrong:
            form.code.errors = [
                "The set-up code is not right, has been used or has expired. Get a new one "
                "by running `flask --app app create-admin` on the server"
            ]
        else:
            begin_session(created)
            log("administrator created at set-up", created.email, created.organisation_id)
            flash("Your administrator account is ready. Add your colleagues from Users.", "success")
            return redirect(url_for("register.register"))
    return render_template("accounts/setup.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    db = store.get_db()
    if store.count_users(db) == 0:
        return redirect(url_for("accounts.setup"))
    form = SignInForm()
    carried = _carried()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        until = locked_until(email)
        if until is not None:
            log("sign-in refused: locked out", email, _organisation_of_email(email), actor=email)
            form.email.errors = [lock_out_message(until)]
            return render_template("accounts/sign_in.html", form=form, carried=carried), 429
        found = store.find_user(db, email)
        if password_matches(found, form.password.data or ""):
            if found.disabled:
                log("sign-in refused: account disabled", email, found.organisation_id, actor=email)
                form.email.errors = [
                    "Your account has been disabled. Ask your administrator if you need it again"
                ]
                return render_template("accounts/sign_in.html", form=form, carried=carried), 403
            begin_session(found)
            log("signed in", found.email, found.organisation_id)
            if carried and safe_path(request.args.get("next", "")):
                return render_template("accounts/resume.html", carried=carried, action=_safe_next())
            return redirect(_safe_next())
        store.note_failed_sign_in(db, email, address())
        log("sign-in failed", email, found.organisation_id if found else None, actor=email)
        form.email.errors = [WRONG_DETAILS]
    return render_template("accounts/sign_in.html", form=form, carried=carried)


def _carried() -> list[tuple[str, str]]:
    if request.method != "POST":
        return []
    return [
        (key.removeprefix(CARRY), value)
        for key, value in request.form.items(multi=True)
        if key.startswith(CARRY)
    ]


def carry_through_sign_in(path: str, fields: Iterable[tuple[str, str]]):
    """The sign-in page for someone whose session ended as they saved: their answers are
    kept in it, and offered for saving once they are signed in again."""
    carried = [(key, value) for key, value in fields if key != "csrf_token"]
    form = SignInForm(formdata=None)
    return render_template("accounts/sign_in.html", form=form, carried=carried, resume_to=path), 401


def _organisation_of_email(email: str) -> int | None:
    found = store.find_user(store.get_db(), email)
    return found.organisation_id if found else None


def _safe_next() -> str:
    return safe_path(request.args.get("next", "")) or url_for("register.register")


def safe_path(target: str) -> str | None:
    """The target if it is a path on this site; None for anything a browser could send elsewhere.

    Browsers drop tabs and line breaks inside a URL, so "/\t/evil.example" is "//evil.example".
    """
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return None
    return target


@bp.post("/sign-out")
def sign_out():
    form = FlaskForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            log("signed out", account().email, account().organisation_id)
        end_session()
        flash("You have signed out.", "success")
    return redirect(url_for("site.start"))


@bp.route("/admin/users", methods=["GET", "POST"])
def users():
    _require_admin()
    db = store.get_db()
    form = user_form(db, account().organisation)
    if form.validate_on_submit() and _add_user(db, form):
        new = form.organisation.data == NEW_ORGANISATION
        flash(
            f"An account has been created for {form.name.data}, {_organisation_of(form)}"
            + (", as its administrator" if new else "")
            + ". Give them the temporary password in person or by phone; they will choose "
            "their own when they first sign in.",
            "success",
        )
        return redirect(url_for("accounts.users"))
    return render_template(
        "accounts/users.html",
        form=form,
        users=store.list_users(db, account().organisation_id),
        new_organisation=NEW_ORGANISATION,
        me=account(),
        action_form=FlaskForm(),
    )


def _organisation_of(form: UserForm) -> str:
    new = form.organisation.data == NEW_ORGANISATION
    return form.new_organisation.data if new else form.organisation.data


def _add_user(db: store.Database, form: UserForm) -> bool:
    """Save the new account; on a clash found at save time, put the message on its field."""
    new = form.organisation.data == NEW_ORGANISATION
    try:
        added = store.add_user(
            db,
            organisation=_organisation_of(form),
            new_organisation=new,
            email=form.email.data,
            name=form.name.data,
            role=form.role.data,
            password_hash=hash_password(form.password.data),
            is_admin=new,
        )
    except store.DuplicateEmail:
        form.email.errors = ["An account with this email address already exists"]
    except store.DuplicateOrganisation as clash:
        own = clash.existing == account().organisation
        form.new_organisation.errors = [
            _exists(clash.existing) if own else _exists_elsewhere(clash.existing)
        ]
    except store.OrganisationNotFound:
        form.organisation.errors = [form.organisation.invalid_choice_message]
    else:
        log(
            "user created",
            added.email,
            account().organisation_id,
            organisation=added.organisation,
            role=added.role,
            administrator=added.is_admin,
        )
        if new:
            log("user created", added.email, added.organisation_id, by=account().email)
        return True
    return False


def _colleague(user_id: int) -> store.User:
    """A person in the administrator's own organisation, other than themselves; else 404."""
    _require_admin()
    person = store.get_user(store.get_db(), user_id)
    if person is None or person.organisation_id != account().organisation_id:
        abort(404)
    if person.id == account().id:
        abort(404)
    return person


@bp.route("/admin/users/<int:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    person = _colleague(user_id)
    db = store.get_db()
    form = PasswordForm()
    form.owner_email = person.email
    if form.validate_on_submit():
        store.set_temporary_password(db, user_id, hash_password(form.password.data))
        log("password reset", person.email, person.organisation_id)
        flash(
            f"The password for {person.name} has been reset. They will choose their own "
            "when they next sign in.",
            "success",
        )
        return redirect(url_for("accounts.users"))
    return render_template("accounts/password.html", form=form, person=person)


@bp.post("/admin/users/<int:user_id>/disable")
def disable_user(user_id: int):
    return _set_disabled(user_id, True)


@bp.post("/admin/users/<int:user_id>/enable")
def enable_user(user_id: int):
    return _set_disabled(user_id, False)


def _set_disabled(user_id: int, disabled: bool):
    person = _colleague(user_id)
    if FlaskForm().validate_on_submit():
        store.set_disabled(store.get_db(), person.id, disabled)
        log("user disabled" if disabled else "user enabled", person.email, person.organisation_id)
        flash(
            f"{person.name} can no longer sign in, and has been signed out everywhere."
            if disabled
            else f"{person.name} can sign in again.",
            "success",
        )
    return redirect(url_for("accounts.users"))


@bp.get("/admin/audit")
def audit_log():
    """What happened to the organisation's accounts, access and sign-offs, newest first."""
    _require_admin()
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before < 2**63:
        abort(404)
    entries = store.list_audit(
        store.get_db(), account().organisation_id, before=before, limit=AUDIT_PAGE + 1
    )
    older = entries[AUDIT_PAGE - 1].id if len(entries) > AUDIT_PAGE else None
    return render_template(
        "accounts/audit.html", entries=entries[:AUDIT_PAGE], older=older, me=account()
    )


AUDIT_PAGE = 50


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Anyone signed in chooses a new password; someone with a temporary one must.

    A wrong current password counts as a failed sign-in, so this page is no way round
    the limit. The new password ends every session, this one included; this browser
    then gets a fresh one.
    """
    db = store.get_db()
    me = account()
    temporary = store.password_change_due(db, me.id)
    form = ChangePasswordForm()
    form.owner_email = me.email
    if request.method == "POST":
        until = locked_until(me.email)
        if until is not None:
            form.current.errors = [lock_out_message(until)]
            return render_template(
                "accounts/change_password.html", form=form, temporary=temporary
            ), 429
    if form.validate_on_submit():
        store.change_password(db, me.id, hash_password(form.password.data))
        log("password changed", me.email, me.organisation_id)
        begin_session(store.get_user(db, me.id))
        flash(
            "Your password has been changed. You have been signed out everywhere else.", "success"
        )
        return redirect(_safe_next())
    if form.current.errors and request.method == "POST" and form.current.data:
        store.note_failed_sign_in(db, me.email, address())
    return render_template("accounts/change_password.html", form=form, temporary=temporary)


SESSION_ENDED = (
    "You have been signed out: you were away for a while, signed out elsewhere, or your "
    "password was changed. Sign in again to continue. Answers you saved are kept."
)


def require_sign_in():
    """Every page outside this blueprint, except those in PUBLIC, needs someone signed in."""
    # No blueprint: static files, and URLs that match no route (they get "not found").
    if request.blueprint in (None, bp.name):
        return None
    if request.endpoint in PUBLIC or current_user.is_authenticated:
        return None
    if store.count_users(store.get_db()) == 0:
        return redirect(url_for("accounts.setup"))
    if request.method == "POST" and g.get("hiat_session_ended"):
        # What they typed rides along with the sign-in form, to be saved after it.
        return carry_through_sign_in(request.path, request.form.items(multi=True))
    flash(SESSION_ENDED if g.get("hiat_session_ended") else "Sign in to continue.", "important")
    return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))


def require_new_password():
    """Until a temporary password is replaced, every other page leads to the change page."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in WITHOUT_NEW_PASSWORD or endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        return None
    if not store.password_change_due(store.get_db(), account().id):
        return None
    # A GET can be resumed afterwards; a POST's page cannot be fetched again.
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.change_password", next=target))


def _require_admin() -> None:
    # "Not found" rather than "forbidden", so the page does not announce itself.
    if not current_user.is_authenticated or not account().is_admin:
        abort(404)


# ---------------------------------------------------------------- wiring
def init_app(app: Flask) -> None:
    # Tests use a cheap hash; real accounts use argon2's recommended defaults.
    app.extensions["hiat_hasher"] = (
        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        if app.config.get("TESTING")
        else PasswordHasher()
    )
    app.extensions["hiat_dummy_hash"] = app.extensions["hiat_hasher"].hash("no such account")
    manager = LoginManager(app)
    manager.login_view = "accounts.sign_in"
    manager.login_message = "Sign in to continue."
    manager.login_message_category = "important"

    @manager.user_loader
    def load_user(user_id: str) -> SignedInUser | None:
        token = session.get(SESSION_KEY)
        if not isinstance(token, str):
            return None
        try:
            found = store.session_user(
                store.get_db(), token, idle=idle_limit(), lifetime=lifetime_limit()
            )
        except store.DatabaseUnavailable:
            # The error page that follows must still render; it shows nobody signed in.
            return None
        if found is None or str(found.id) != user_id:
            # require_sign_in says why: the session ended, not "sign in to continue".
            g.hiat_session_ended = True
            session.clear()
            return None
        return SignedInUser(found)

    app.extensions["hiat_common_passwords"] = load_common_passwords()
    app.register_blueprint(bp)
    app.cli.add_command(create_admin_command)
    app.before_request(require_new_password)
    app.before_request(require_sign_in)


SETUP_CODE_HOURS = 24


@click.command("create-admin")
@with_appcontext
def create_admin_command() -> None:
    """Print a one-time link to create the first administrator at /setup."""
    try:
        code = store.issue_setup_code(store.get_db(), timedelta(hours=SETUP_CODE_HOURS))
    except store.SetupDone:
        click.echo("There are accounts already: an administrator adds people from Users.")
        return
    except store.DatabaseUnavailable as err:
        raise click.ClickException(str(err)) from None
    click.echo(
        f"To create the first administrator, open /setup?code={code} on this service "
        f"within {SETUP_CODE_HOURS} hours, for example http://127.0.0.1:5000/setup?code={code}"
    )
