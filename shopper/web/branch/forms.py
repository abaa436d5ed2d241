"""The branch manager's forms, checked by WTForms: an action for a failed standard (what
will change, who, by when), what was done, and an appeal against a finding."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from shopper.domain.vocabulary import MAX_ACTION, MAX_NOTE, MAX_OWNER
from shopper.web.forms import Day, stripped


class ActionForm(FlaskForm):
    description = TextAreaField("What will change", filters=[stripped], validators=[
        InputRequired("Say what will change."),
        Length(max=MAX_ACTION, message=f"Keep it under {MAX_ACTION:,} characters.")])
    owner = StringField("Who", filters=[stripped], validators=[
        InputRequired("Say who will do it."),
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
        InputRequired("Say what was done."),
        Length(max=MAX_ACTION, message=f"Keep it under {MAX_ACTION:,} characters.")])


class AppealForm(FlaskForm):
    """Why a finding is wrong, and an optional photo or PDF (which the appeals workflow
    checks by its content, not its name)."""

    reason = TextAreaField("Why the finding is wrong", filters=[stripped], validators=[
        InputRequired("Say why the finding is wrong."),
        Length(max=MAX_NOTE, message=f"Keep it under {MAX_NOTE:,} characters.")])
    attachment = FileField("Photo or PDF")

    @property
    def attachment_bytes(self) -> bytes:
        upload = self.attachment.data
        return upload.read() if upload and getattr(upload, "filename", "") else b""
