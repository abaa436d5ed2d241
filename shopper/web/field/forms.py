"""The shopper's forms on the job board, checked by WTForms: the day they plan to go, why
they give a job back, the board's filters, and their home area."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField, Form, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

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


class HomeAreaForm(FlaskForm):
    """Where the shopper lives and how far they will travel: the board then sorts by
    distance and leaves out branches too far away. Empty fields clear it."""

    home_area = StringField("Home area", filters=[stripped], validators=[
        Length(max=120, message="Keep it under 120 characters.")])
    latitude = FloatField("Latitude", validators=[
        Optional(), NumberRange(-90, 90, "Give a latitude from -90 to 90.")])
    longitude = FloatField("Longitude", validators=[
        Optional(), NumberRange(-180, 180, "Give a longitude from -180 to 180.")])
    max_distance_km = FloatField("Farthest I will travel (km)", validators=[
        Optional(), NumberRange(1, 2000, "Give a distance from 1 to 2,000 km.")])

    def validate_longitude(self, field):
        if (self.latitude.data is None) != (field.data is None):
            raise ValidationError("Give both latitude and longitude, or use your location.")

    def validate_max_distance_km(self, field):
        if field.data is not None and self.latitude.data is None:
            raise ValidationError("Say where home is first (use your location), then how "
                                  "far you will travel.")
