"""Accounts: first-run set-up, sign in and out, and administrators managing users.

Passwords are hashed with argon2. Sign-in attempts are rate limited, and every
failure gives the same message, so no page reveals whether an account exists.
A password an administrator sets is temporary: until its owner chooses their
own, every page but a few sends them to "Change your password".
"""

from __future__ import annotations

import string
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Regexp, ValidationError

from hiat import store
from hiat.forms import HiatForm, TextRequired, choose_one, tidy_text

bp = Blueprint("accounts", __name__)
limiter = Limiter(get_remote_address, storage_uri="memory://")
SIGN_IN_LIMIT = "10 per minute;50 per hour"
WRONG_DETAILS = "Enter a correct email address and password"
MIN_PASSWORD = 12
MAX_PASSWORD = 200
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common_passwords.txt"
# What people add to a common word to pass a rule: "Password1234!" is still "password".
PADDING = string.digits + string.punctuation + string.whitespace
# The value of the "A new organisation" radio; an existing one's value is its name.
NEW_ORGANISATION = "_new"
# Pages a person with a temporary password may still reach; views.PUBLIC is added to these.
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


def hasher() -> PasswordHasher:
    return current_app.extensions["hiat_hasher"]


def hash_password(password: str) -> str:
    return hasher().hash(password)


def password_matches(account: store.User | None, password: str) -> bool:
    try:
        # An unknown email still costs one hash, so timing does not reveal accounts.
        hasher().verify(
            account.password_hash if account else current_app.extensions["hiat_dummy_hash"],
            password,
        )
    except (VerificationError, InvalidHashError):
        return False
    return account is not None


def account() -> store.User:
    return current_user.account


# ---------------------------------------------------------------- password rules
def load_common_passwords(path: Path = COMMON_PASSWORDS) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(_folded(line) for line in lines if line.strip() and not line.startswith("#"))


def _folded(text: str) -> str:
    return "".join(text.split()).casefold()


def is_common(password: str, common: frozenset[str]) -> bool:
    """On the list, ignoring case and spaces, even with digits or symbols at either end
    or repeated ("monkeymonkey")."""
    folded = _folded(password)
    candidates = {folded, folded.strip(PADDING)}
    return any(_is_listed(c, common) for c in candidates if c)


def _is_listed(text: str, common: frozenset[str]) -> bool:
    if text in common:
        return True
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            # "aaaaaaaaaaaa" is refused because "aaaaaa" is listed.
            return any(text[:size] * times in common for times in range(1, len(text) // size))
    return False


def password_problem(password: str, email: str, common: frozenset[str]) -> str | None:
    """Why this password will not do, in words for the person choosing it; None if it will."""
    typed = password.strip()
    if not typed:
        return "Enter a password: spaces on their own do not count"
    if len(typed) < MIN_PASSWORD:
        return (
            f"The password must be at least {MIN_PASSWORD} characters, not counting spaces "
            "at the start or end"
        )
    if len(password) > MAX_PASSWORD:
        return f"The password must be {MAX_PASSWORD} characters or fewer"
    if email and _folded(typed) == _folded(email):
        return "The password must not be the email address"
    if is_common(typed, common):
        return (
            "This password is too common: it is on a list of the passwords most often "
            "used and tried first. Choose one that is harder to guess, such as three or "
            "four unrelated words"
        )
    return None


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


def user_form(db: store.Database, own: str) -> UserForm:
    """The add-user form: existing organisations to choose from, the administrator's first."""
    form = UserForm(organisation=own)
    names = store.list_organisations(db)
    form.organisation.choices = [SelectChoice(n, n) for n in names] + [
        SelectChoice(NEW_ORGANISATION, "A new organisation")
    ]
    return form


class SetupForm(AccountForm):
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
    """Create the first administrator. The page exists only while there are no accounts."""
    db = store.get_db()
    if store.count_users(db):
        abort(404)
    form = SetupForm(organisation=store.known_organisation(db))
    if form.validate_on_submit():
        created = store.create_user(
            db,
            organisation=form.organisation.data,
            email=form.email.data,
            name=form.name.data,
            role="author",
            password_hash=hash_password(form.password.data),
            is_admin=True,
        )
        login_user(SignedInUser(created))
        flash("Your administrator account is ready. Add your colleagues from Users.", "success")
        return redirect(url_for("main.assessment_list"))
    return render_template("accounts/setup.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def sign_in():
    if store.count_users(store.get_db()) == 0:
        return redirect(url_for("accounts.setup"))
    form = SignInForm()
    if form.validate_on_submit():
        found = store.find_user(store.get_db(), form.email.data or "")
        if password_matches(found, form.password.data or ""):
            login_user(SignedInUser(found))
            return redirect(_safe_next())
        form.email.errors = [WRONG_DETAILS]
    return render_template("accounts/sign_in.html", form=form)


def _safe_next() -> str:
    target = request.args.get("next", "")
    # Only paths on this site, never another host.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.assessment_list")


@bp.post("/sign-out")
def sign_out():
    form = FlaskForm()
    if form.validate_on_submit():
        logout_user()
        flash("You have signed out.", "success")
    return redirect(url_for("main.start"))


@bp.route("/admin/users", methods=["GET", "POST"])
def users():
    _require_admin()
    db = store.get_db()
    form = user_form(db, account().organisation)
    if form.validate_on_submit() and _add_user(db, form):
        flash(
            f"An account has been created for {form.name.data}, {_organisation_of(form)}. "
            "Give them the temporary password in person or by phone; they will choose "
            "their own when they first sign in.",
            "success",
        )
        return redirect(url_for("accounts.users"))
    return render_template(
        "accounts/users.html",
        form=form,
        users=store.list_users(db),
        new_organisation=NEW_ORGANISATION,
    )


def _organisation_of(form: UserForm) -> str:
    new = form.organisation.data == NEW_ORGANISATION
    return form.new_organisation.data if new else form.organisation.data


def _add_user(db: store.Database, form: UserForm) -> bool:
    """Save the new account; on a clash found at save time, put the message on its field."""
    try:
        store.add_user(
            db,
            organisation=_organisation_of(form),
            new_organisation=form.organisation.data == NEW_ORGANISATION,
            email=form.email.data,
            name=form.name.data,
            role=form.role.data,
            password_hash=hash_password(form.password.data),
        )
    except store.DuplicateEmail:
        form.email.errors = ["An account with this email address already exists"]
    except store.DuplicateOrganisation as clash:
        form.new_organisation.errors = [_exists(clash.existing)]
    except store.OrganisationNotFound:
        form.organisation.errors = [form.organisation.invalid_choice_message]
    else:
        return True
    return False


@bp.route("/admin/users/<int:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    _require_admin()
    db = store.get_db()
    person = store.get_user(db, user_id)
    if person is None:
        abort(404)
    form = PasswordForm()
    form.owner_email = person.email
    if form.validate_on_submit():
        store.set_temporary_password(db, user_id, hash_password(form.password.data))
        flash(
            f"The password for {person.name} has been reset. They will choose their own "
            "when they next sign in.",
            "success",
        )
        return redirect(url_for("accounts.users"))
    return render_template("accounts/password.html", form=form, person=person)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def change_password():
    """Anyone signed in chooses a new password; someone with a temporary one must."""
    db = store.get_db()
    temporary = store.password_change_due(db, account().id)
    form = ChangePasswordForm()
    form.owner_email = account().email
    if form.validate_on_submit():
        store.change_password(db, account().id, hash_password(form.password.data))
        flash("Your password has been changed.", "success")
        return redirect(_safe_next())
    return render_template("accounts/change_password.html", form=form, temporary=temporary)


def require_new_password():
    """Until a temporary password is replaced, every other page leads to the change page."""
    # Imported here: views imports this module.
    from hiat.views import PUBLIC

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
        try:
            found = store.get_user(store.get_db(), int(user_id)) if user_id.isdigit() else None
        except store.DatabaseUnavailable:
            # The error page that follows must still render; it shows nobody signed in.
            return None
        return SignedInUser(found) if found else None

    app.extensions["hiat_common_passwords"] = load_common_passwords()
    limiter.init_app(app)
    app.register_blueprint(bp)
    app.before_request(require_new_password)

    @app.errorhandler(RateLimitExceeded)
    def too_many_attempts(_err: RateLimitExceeded):
        form = SignInForm(formdata=None)
        form.email.errors = [
            "You have tried to sign in too many times. Wait a few minutes, then try again"
        ]
        return render_template("accounts/sign_in.html", form=form), 429
