"""The branch manager's forms, checked by WTForms: an action for a failed standard (what
will change, who, by when), what was done (with a photo, if any), the actions list's
filters, and an appeal against a finding."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Form, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from shopper.domain.actions import FILTERS
from shopper.domain.vocabulary import MAX_ACTION, MAX_NOTE, MAX_OWNER
from shopper.web.forms import Day, stripped


class ActionForm(FlaskForm):
    description = TextAreaField("What will change", filters=[stripped], validators=[
        DataRequired("Say what will change."),
        Length(max=MAX_ACTION, message=f"Keep it under {MAX_ACTION:,} characters.")])
    owner = StringField("Who", filters=[stripped], validators=[
        DataRequired("Say who will do it."),
        Length(max=MAX_OWNER, message=f"Keep the name under {MAX_OWNER} characters.")])
    due_date = Day("By when", validators=[
        InputRequired("Give the date it will be done by, e.g. 2026-12-31.")],
        message="Give the date it will be done by, e.g. 2026-12-31.")

    def validate_due_date(self, field):
        today = date.today()
        if field.data is None:  # not a date: already said
            return
        if field.data < today:
            raise ValidationError("The due date cannot be in the past.")
        if field.data > today + timedelta(days=366):
            raise ValidationError("Choose a date within the next year.")

    @property
    def action(self) -> dict:
        return {"description": self.description.data, "owner": self.owner.data,
                "due_date": self.due_date.data.isoformat()}


class ActionDoneForm(FlaskForm):
    done_note = TextAreaField("What was done", filters=[stripped], validators=[
        DataRequired("Say what was done."),
        Length(max=MAX_ACTION, message=f"Keep it under {MAX_ACTION:,} characters.")])
    photo = FileField("Photo of it (optional)")

    @property
    def photo_bytes(self) -> bytes | None:
        """The photo's bytes, or None when no file was chosen."""
        upload = self.photo.data
        return upload.read() if upload and upload.filename else None


class ActionFilters(Form):
    """Which of a branch's actions to list, from the query string (a plain GET form, so a
    filtered list can be bookmarked and linked to). The touchpoints and owners offered are
    those of the branch's actions; one asked for that no action has simply lists none."""

    class Meta:
        csrf = False

    state = SelectField("Show", default="", choices=[
        SelectChoice("", "All actions"), *(SelectChoice(k, v) for k, v in FILTERS.items())])
    touchpoint = SelectField("Touchpoint", validate_choice=False, default="")
    owner = SelectField("Who", validate_choice=False, default="")

    def offer(self, actions: list[dict]) -> None:
        """Offer the touchpoints and owners of these actions (and keep one asked for)."""
        touchpoints = {a["touchpoint_key"]: a["touchpoint_name"] for a in actions}
        owners = {a["owner"]: a["owner"] for a in actions}
        for field, everything, found in ((self.touchpoint, "All touchpoints", touchpoints),
                                         (self.owner, "Everyone", owners)):
            if field.data:
                found.setdefault(field.data, field.data)
            field.choices = [SelectChoice("", everything), *(
                SelectChoice(value, label) for value, label
                in sorted(found.items(), key=lambda item: item[1].casefold()))]

    @property
    def asked(self) -> dict:
        """The filters as the query string names them, empty ones left out."""
        return {f.name: f.data for f in self if f.data}


class AppealForm(FlaskForm):
    """Why a finding is wrong, and an optional photo or PDF (which the appeals workflow
    checks by its content, not its name)."""

    reason = TextAreaField("Why the finding is wrong", filters=[stripped], validators=[
        DataRequired("Say why the finding is wrong."),
        Length(max=MAX_NOTE, message=f"Keep it under {MAX_NOTE:,} characters.")])
    attachment = FileField("Photo or PDF")

    @property
    def attachment_bytes(self) -> bytes:
        upload = self.attachment.data
        return upload.read() if upload and getattr(upload, "filename", "") else b""
