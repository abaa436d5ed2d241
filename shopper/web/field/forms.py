"""The shopper's forms on the job board, checked by WTForms: the day they plan to go, why
they give a job back, and the board's filters."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from shopper.domain.vocabulary import MAX_NOTE
from shopper.web.forms import Day, stripped

SORTS = {"ending": "Window ends soonest", "distance": "Nearest first"}


class TakeForm(FlaskForm):
    day = Day("The day you will go", validators=[Optional()])


class GiveBackForm(FlaskForm):
    reason = TextAreaField("Why you cannot make it", filters=[stripped], validators=[
        DataRequired("Say why you cannot make this visit: head office reads it."),
        Length(max=MAX_NOTE, message=f"Keep it under {MAX_NOTE:,} characters.")])


class BoardFilters(Form):
    """The board's order and filters, from the query string (a plain GET form)."""

    class Meta:
        csrf = False

    sort = SelectField("Order", default="ending",
                       choices=[SelectChoice(k, v) for k, v in SORTS.items()])
    region = SelectField("Region", default="", validate_choice=False)
    show = SelectField("Show", default="", choices=[
        SelectChoice("", "Every open visit"), SelectChoice("mine", "Only visits I can take")])

    def offer(self, regions: list[str]) -> None:
        found = sorted({*regions, *([self.region.data] if self.region.data else [])})
        self.region.choices = [SelectChoice("", "All regions"),
                               *(SelectChoice(r, r) for r in found)]
