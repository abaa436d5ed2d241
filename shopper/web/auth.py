"""Signing in and out. The session remembers the user id *and* their session version, so
a password change or deactivation ends every existing session at its next request.
Sign-in attempts pass the login throttle (throttle.py) before any password is checked."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from shopper.domain.vocabulary import MAX_PASSWORD, MIN_PASSWORD, ROLES
from shopper.store import accounts, throttle
from shopper.web.access import PUBLIC, allow, wants_json
from shopper.web.db import get_db
from shopper.web.errors import error_code, json_error

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."

HOME_OF_ROLE = {"shopper": "field.home", "manager": "branch.home", "office": "office.home"}
assert set(HOME_OF_ROLE) == set(ROLES)


class User(UserMixin):
    def __init__(self, row: dict):
        self.id = row["id"]
        self.email = row["email"]
        self.name = row["name"]
        self.role = row["role"]
        self.session_version = row["session_version"]
        self._active = bool(row["active"])

    @property
    def is_active(self) -> bool:
        return self._active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def home(self) -> str:
        return url_for(HOME_OF_ROLE[self.role])


@login_manager.user_loader
def load_user(session_id: str):
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    row = accounts.load_user(get_db(), user_id)
    if row is None or not row["active"] or row["session_version"] != version:
        return None
    return User(row)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    keep = BooleanField("Keep me signed in on this phone", default=True)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to somebody else's."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(current_user.home)
    form = LoginForm()
    if form.validate_on_submit():
        db = get_db()
        attempt = throttle.admit_attempt(db, form.email.data, request.remote_addr or "",
                                         throttle.utc_now(),
                                         throttle.Limits.from_config(current_app.config))
        if attempt.wait is not None:
            return refuse(form, throttle.wait_message(attempt.wait), 429,
                          {"Retry-After": str(math.ceil(attempt.wait.total_seconds()))})
        row = accounts.authenticate(db, form.email.data, form.password.data,
                                    current_app.config["PASSWORD_HASH_METHOD"])
        if row is None:
            return refuse(form, "That email and password do not match an active account.", 401)
        throttle.record_success(db, attempt.attempt_id)
        session.clear()
        session.permanent = form.keep.data  # else it ends when the browser closes
        user = User(row)
        login_user(user)
        return redirect(safe_next(request.args.get("next")) or user.home)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


def refuse(form, message: str, status: int, headers: dict | None = None):
    """A refused sign-in: the form again with the message above it and the email as typed,
    or the error as JSON for a client that asks for JSON. The same for every reason a
    password did not open an account, so that nobody learns which emails exist."""
    if wants_json():
        return json_error(status, error_code(status), message, headers=headers)
    return render_template("auth/login.html", form=form, refusal=message), status, headers or {}


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[
        DataRequired("Give your current password."), Length(max=MAX_PASSWORD)])
    new = PasswordField("New password", validators=[
        DataRequired("Choose a new password."),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
               message=f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters.")])
    repeat = PasswordField("New password again", validators=[
        DataRequired("Type the new password again."),
        EqualTo("new", message="The two new passwords differ.")])


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*ROLES)
def password():
    """Change one's own password. Every other session of the account ends; this one goes
    on. A wrong current password counts as a failed sign-in (throttle.py), so a session
    left open on a shared computer cannot be used to guess the password."""
    form = PasswordForm()
    if form.validate_on_submit():
        db = get_db()
        attempt = throttle.admit_attempt(db, current_user.email, request.remote_addr or "",
                                         throttle.utc_now(),
                                         throttle.Limits.from_config(current_app.config))
        if attempt.wait is not None:
            form.current.errors.append(throttle.wait_message(attempt.wait))
            return render_template("auth/password.html", form=form), 429, {
                "Retry-After": str(math.ceil(attempt.wait.total_seconds()))}
        if not accounts.password_matches(db, current_user.id, form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            throttle.record_success(db, attempt.attempt_id)
            accounts.set_password(db, current_user.id, form.new.data,
                                  current_app.config["PASSWORD_HASH_METHOD"])
            login_user(User(accounts.load_user(db, current_user.id)))
            flash("Password changed. Any other device you were signed in on is signed out.",
                  "info")
            return redirect(current_user.home, 303)
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/logout", methods=["POST"])
@allow(*ROLES)
def logout():
    accounts.end_sessions(get_db(), current_user.id)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def tag_user(response):
    """Name the signed-in user on every page, so the service worker files cached pages
    per user and never shows one user's pages to another."""
    if request.endpoint == "pages.static_file":  # the same for everyone, cached publicly
        return response
    user = current_user._get_current_object()
    response.headers["X-Shopper-User"] = str(user.id) if user.is_authenticated else ""
    response.vary.add("Cookie")
    return response


def init_app(app):
    login_manager.init_app(app)
    app.after_request(tag_user)
