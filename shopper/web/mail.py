"""Mail for every role: the settings a view passes to the workflows that write messages,
the page where each user chooses which messages they get, and the one-click unsubscribe
link every message carries (which works without signing in: the signed link is the key)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from shopper.domain.messages import CHOICE_LABELS
from shopper.domain.vocabulary import ROLES
from shopper.web.access import PUBLIC, allow
from shopper.web.db import get_db
from shopper.workflows import mail
from shopper.workflows.mail import MailSettings

bp = Blueprint("mail", __name__)


def mail_settings() -> MailSettings:
    """The app's mail settings (shopper/config.py), made once per app."""
    settings = current_app.extensions.get("shopper_mail")
    if settings is None:
        settings = current_app.extensions["shopper_mail"] = MailSettings.from_config(
            current_app.config)
    return settings


def _preferences_form(preferences):
    class PreferencesForm(FlaskForm):
        pass

    for kind, current in preferences:
        setattr(PreferencesForm, kind.key, RadioField(
            kind.label, choices=[SelectChoice(c, CHOICE_LABELS[c]) for c in kind.choices],
            default=current, validators=[InputRequired("Choose one.")]))
    return PreferencesForm()


@bp.route("/account/mail", methods=["GET", "POST"])
@allow(*ROLES)
def preferences():
    db = get_db()
    user = {"id": current_user.id, "role": current_user.role}
    kinds = mail.preferences(db, user)
    form = _preferences_form(kinds)
    if form.validate_on_submit():
        mail.set_preferences(db, user, {kind.key: form[kind.key].data for kind, _ in kinds})
        flash("Your email choices are saved.", "info")
        return redirect(url_for("mail.preferences"), 303)
    return render_template("mail/preferences.html", form=form, kinds=kinds,
                           email=current_user.email), 422 if form.errors else 200


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def unsubscribe(token: str):
    """GET asks (a link scanner opening it changes nothing); POST stops the messages:
    the page's button, or a mail program's own button (RFC 8058 one-click, which sends
    no form token, hence exempt from CSRF: the signed link is the key)."""
    target = mail.unsubscribe_target(mail_settings(), token)
    if target is None:
        abort(404)
    user_id, kind = target
    if request.method == "POST":
        user = mail.unsubscribe(get_db(), user_id, kind)
        if user is None:
            abort(404)
        return render_template("mail/unsubscribe.html", kind=kind, done=True, email=user["email"])
    return render_template("mail/unsubscribe.html", kind=kind, done=False, token=token)


def init_app(app) -> None:
    from shopper.web import csrf

    csrf.exempt(unsubscribe)
    app.register_blueprint(bp)
