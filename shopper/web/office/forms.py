"""Head office's fixed-shape forms, checked by WTForms: the branch list upload, a new
account, a change to a person, an assignment, the review steps and appeal decisions. Each
refusal names the field by the label the page shows."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from shopper.domain.appeals import OUTCOMES
from shopper.domain.jobs import MODES
from shopper.domain.money import CURRENCIES, Money, MoneyError
from shopper.domain.money import parse as parse_money
from shopper.domain.vocabulary import (
    MAX_EMAIL,
    MAX_NAME,
    MAX_NOTE,
    MAX_PASSWORD,
    MAX_SCENARIO,
    MIN_PASSWORD,
    ROLES,
)
from shopper.store import accounts
from shopper.web.forms import Day, stripped


def _codes(value) -> list[str]:
    """Branch codes as typed: "LDS01, YRK01"."""
    return [c.strip() for c in (value or "").split(",") if c.strip()]


class BranchListForm(FlaskForm):
    file = FileField("Branch list (CSV)", validators=[FileRequired("Choose a CSV file.")])


class AccountForm(FlaskForm):
    email = EmailField("Email", filters=[stripped], validators=[
        DataRequired("Give the email address."),
        Length(max=MAX_EMAIL, message=f"Keep it under {MAX_EMAIL} characters."),
        Regexp(accounts.EMAIL, message="That is not an email address.")])
    name = StringField("Name", default="", filters=[stripped], validators=[
        Length(max=MAX_NAME, message=f"Keep it under {MAX_NAME} characters.")])
    role = StringField("Role", validators=[
        AnyOf(ROLES, message="Choose shopper, branch manager or head office.")])
    branches = StringField("Branches (managers)", default="", filters=[stripped])
    password = PasswordField("First password", validators=[
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
               message=f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters.")])

    def validate_branches(self, field):
        if field.data and self.role.data != "manager":
            raise ValidationError("Only branch managers are linked to branches.")

    @property
    def branch_codes(self) -> tuple[str, ...]:
        return tuple(_codes(self.branches.data))


class PersonForm(FlaskForm):
    """One of the people page's small forms: (de)activate, change the role, or set a
    manager's branches. A field not sent is left as it is."""

    active = StringField("Active", validators=[Optional(), AnyOf(("0", "1"))])
    role = StringField("Role", validators=[Optional(), AnyOf(ROLES, message="Choose a role.")])
    branches = StringField("Branches", default="", filters=[stripped])

    @property
    def branch_codes(self) -> list[str]:
        return _codes(self.branches.data)


class _VisitsForm(FlaskForm):
    """Where (every branch, a region, or one branch by its code), which checklist, when,
    and the scenario: what an assignment and a job have in common. `places` maps each
    "Where" (admin.places_of) to its active branches' ids; `checklists` are the ids that
    may be chosen."""

    target = StringField("Where")
    branch_code = StringField("Or one branch, by its code", filters=[stripped],
                              validators=[Length(max=40)])
    checklist_id = StringField("Checklist")
    window_start = Day("From", validators=[InputRequired(
        "Give the window as two dates, e.g. 2026-12-01.")],
        message="Give the window as two dates, e.g. 2026-12-01.")
    window_end = Day("To", validators=[InputRequired(
        "Give the window as two dates, e.g. 2026-12-01.")],
        message="Give the window as two dates, e.g. 2026-12-01.")
    scenario = TextAreaField("Scenario for the shopper", filters=[stripped], validators=[
        Length(max=MAX_SCENARIO, message=f"Keep the scenario under {MAX_SCENARIO:,} characters.")])

    def __init__(self, *args, places: dict, checklists: set, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.places, self.checklists, self.today = places, checklists, today

    def validate_target(self, field):
        code = self.branch_code.data or ""
        if code:  # one branch, typed: a select of thousands of branches is no way to pick
            field.data = f"branch:{code.upper()}"
            if not self.places.get(field.data):
                raise ValidationError(f"No active branch has the code {code}.")
        elif not self.places.get(field.data):
            raise ValidationError("Choose all branches or a region, or give a branch code.")

    def validate_checklist_id(self, field):
        if field.data not in self.checklists:
            raise ValidationError("Choose a checklist.")

    def validate_window_end(self, field):
        start, end = self.window_start.data, field.data
        if start is None or end is None:
            return
        if end < start:
            raise ValidationError("The window ends before it starts.")
        if end < self.today:
            raise ValidationError("The window is already over.")
        if (end - start).days > 366:
            raise ValidationError("Keep the window within a year.")


class AssignmentForm(_VisitsForm):
    """A shopper sent by hand (`shoppers`: the ids that may be chosen)."""

    shopper_id = StringField("Shopper")
    min_gap_days = IntegerField("Not to the same branch within (days)", default=0, validators=[
        Optional(), NumberRange(0, 3650, "Give a number of days from 0 to 3650.")])

    def __init__(self, *args, shoppers: set, **kwargs):
        super().__init__(*args, **kwargs)
        self.shoppers = shoppers

    def validate_shopper_id(self, field):
        if field.data not in self.shoppers:
            raise ValidationError("Choose an active shopper.")


class JobWaveForm(_VisitsForm):
    """Open visits for the job board, one per branch of "Where": the pay and who may take
    them. Amounts are parsed exactly into minor units (domain/money.py)."""

    currency = SelectField("Currency", choices=[SelectChoice(c, c) for c in CURRENCIES])
    fee = StringField("Fee", filters=[stripped])
    expense_cap = StringField("Expenses up to", default="0", filters=[stripped])
    mode = SelectField("Who gets it", choices=[SelectChoice(k, v) for k, v in MODES.items()])
    min_rating = DecimalField("Lowest shopper rating (1–10, optional)", places=None,
                              validators=[Optional(), NumberRange(
                                  1, 10, "Give a rating from 1 to 10, or leave it empty.")])
    name = StringField("Name of the wave (optional)", filters=[stripped],
                       validators=[Length(max=MAX_NAME)])
    qualification_id = SelectField("Quiz to pass first", default="", validate_choice=True)

    def offer_quizzes(self, quizzes: list[dict]) -> None:
        self.qualification_id.choices = [SelectChoice("", "None"), *(
            SelectChoice(str(q["id"]), q["name"]) for q in quizzes)]

    @property
    def qualification(self) -> int | None:
        return int(self.qualification_id.data) if self.qualification_id.data else None

    def validate_fee(self, field):
        self.fee_money = self._money(field)

    def validate_expense_cap(self, field):
        self.expense_cap_money = self._money(field)

    def _money(self, field) -> Money:
        try:
            return parse_money(field.data, self.currency.data)
        except MoneyError as err:
            raise ValidationError(str(err)) from None


class QuizForm(FlaskForm):
    """A qualification quiz: its name, pass mark, checklist (optional) and its text, which
    the quizzes workflow checks line by line."""

    name = StringField("Name", filters=[stripped], validators=[
        DataRequired("Give the quiz a name."), Length(max=MAX_NAME)])
    pass_mark = IntegerField("Pass mark (%)", default=80, validators=[
        InputRequired("Give a pass mark from 1 to 100."),
        NumberRange(1, 100, "Give a pass mark from 1 to 100.")])
    checklist_id = SelectField("For the checklist (optional)", default="")
    text = TextAreaField("Questions", filters=[stripped], validators=[
        DataRequired("Write the questions."), Length(max=20_000)])

    def offer_checklists(self, checklists: list[dict]) -> None:
        self.checklist_id.choices = [SelectChoice("", "Any"), *(
            SelectChoice(str(c["id"]), c["name"]) for c in checklists)]


class ReviewStepForm(FlaskForm):
    """Publish, hold or return: a comment, required to return (the workflow says so)."""

    comment = TextAreaField("Comment", filters=[stripped], validators=[
        Length(max=MAX_NOTE, message=f"Keep the comment under {MAX_NOTE:,} characters.")])
    # Publish although follow-up questions are still open (the workflow asks for it).
    with_open_follow_ups = BooleanField("Publish now")


class CorrectionForm(FlaskForm):
    """Correct one answer: the question, its corrected answer (checked against the
    question's kind by the review workflow), and the reason, which the workflow requires."""

    question_id = StringField("Question", validators=[
        Regexp(r"^\d{1,18}$", message="Choose the question to correct.")])
    value = StringField("Corrected answer", filters=[stripped], validators=[
        Length(max=MAX_NOTE, message=f"Keep the answer under {MAX_NOTE:,} characters.")])
    na = BooleanField("Not applicable", false_values=("", "0", "false"))
    reason = TextAreaField("Reason", filters=[stripped], validators=[
        Length(max=MAX_NOTE, message=f"Keep the reason under {MAX_NOTE:,} characters.")])


class AppealDecisionForm(FlaskForm):
    """Head office's decision on an appeal: the finding stands or is overturned, the
    corrected answer when it is (checked against the question by the review workflow), and
    a comment, which the branch manager and the shopper read."""

    outcome = StringField("Decision", validators=[
        AnyOf(OUTCOMES, message="Choose whether the finding stands or is overturned.")])
    value = StringField("Corrected answer", filters=[stripped], validators=[
        Length(max=MAX_NOTE, message=f"Keep the answer under {MAX_NOTE:,} characters.")])
    na = BooleanField("Not applicable", false_values=("", "0", "false"))
    comment = TextAreaField("Comment", filters=[stripped], validators=[
        InputRequired("Say why: the branch manager and the shopper read it."),
        Length(max=MAX_NOTE, message=f"Keep the comment under {MAX_NOTE:,} characters.")])
