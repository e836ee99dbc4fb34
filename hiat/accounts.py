"""Accounts: first-run set-up, sign in and out, and administrators managing users.

Passwords are hashed with argon2. Sign-in attempts are rate limited, and every
failure gives the same message, so no page reveals whether an account exists.
"""

from __future__ import annotations

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
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Regexp

from hiat import store
from hiat.forms import HiatForm, TextRequired, choose_one

bp = Blueprint("accounts", __name__)
limiter = Limiter(get_remote_address, storage_uri="memory://")
SIGN_IN_LIMIT = "10 per minute;50 per hour"
WRONG_DETAILS = "Enter a correct email address and password"
MIN_PASSWORD = 12
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


# ---------------------------------------------------------------- forms
def _password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(message="Enter a password"),
            Length(
                min=MIN_PASSWORD,
                max=200,
                message=f"The password must be at least {MIN_PASSWORD} characters",
            ),
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


class UserForm(HiatForm):
    # HiatForm trims every text field and turns text of only spaces into "".
    name = StringField(
        "Full name", validators=[TextRequired(message="Enter the person's name"), Length(max=200)]
    )
    email = _email_field()
    organisation = StringField(
        "Organisation",
        validators=[
            TextRequired(message="Enter the organisation, for example Wirral Council"),
            Length(max=200),
        ],
    )
    role = RadioField(
        "Role",
        choices=ROLE_CHOICES,
        validators=[InputRequired(message="Select a role")],
        invalid_choice_message=choose_one("Role"),
    )
    password = _password_field("Temporary password")


class SetupForm(HiatForm):
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
    confirm = PasswordField(
        "Confirm the password",
        validators=[
            EqualTo("password", message="The passwords do not match: enter the same password twice")
        ],
    )


class PasswordForm(HiatForm):
    password = _password_field("New password")


# ---------------------------------------------------------------- routes
@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the first administrator. The page exists only while there are no accounts."""
    db = store.get_db()
    if store.count_users(db):
        abort(404)
    form = SetupForm()
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
    form = UserForm()
    if form.validate_on_submit():
        try:
            store.create_user(
                db,
                organisation=form.organisation.data,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password_hash=hash_password(form.password.data),
            )
        except store.DuplicateEmail:
            form.email.errors = ["An account with this email address already exists"]
        else:
            flash(
                f"An account has been created for {form.name.data}. Give them the "
                "temporary password in person or by phone.",
                "success",
            )
            return redirect(url_for("accounts.users"))
    return render_template("accounts/users.html", form=form, users=store.list_users(db))


@bp.route("/admin/users/<int:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    _require_admin()
    db = store.get_db()
    person = store.get_user(db, user_id)
    if person is None:
        abort(404)
    form = PasswordForm()
    if form.validate_on_submit():
        store.set_password(db, user_id, hash_password(form.password.data))
        flash(f"The password for {person.name} has been reset.", "success")
        return redirect(url_for("accounts.users"))
    return render_template("accounts/password.html", form=form, person=person)


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

    limiter.init_app(app)
    app.register_blueprint(bp)

    @app.errorhandler(RateLimitExceeded)
    def too_many_attempts(_err: RateLimitExceeded):
        form = SignInForm(formdata=None)
        form.email.errors = [
            "You have tried to sign in too many times. Wait a few minutes, then try again"
        ]
        return render_template("accounts/sign_in.html", form=form), 429
