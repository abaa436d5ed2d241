"""What every form of the app shares: refusals named by the field's label, and fields
whose refusals say what to type instead. The forms themselves live with their audience."""

from __future__ import annotations

from wtforms import DateField


def problems(form) -> list[tuple[str, str]]:
    """A refused form's errors, each under its field's human label ("Shopper", not
    "shopper_id"), in the order the form shows its fields."""
    found = []
    for field in form:
        found += [(field.label.text, message) for message in field.errors]
    return found


def field_errors(form) -> dict[str, str]:
    """The first refusal of each field, by the field's name (as the scorecard shows them
    beside the action's inputs)."""
    return {name: messages[0] for name, messages in form.errors.items()}


def stripped(value):
    """A filter: text without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


class Day(DateField):
    """A date as a browser's date picker sends it (2026-12-01); anything else is refused
    with `message` instead of WTForms' "Not a valid date value"."""

    def __init__(self, label=None, validators=None, message="Give a date such as 2026-12-01.",
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.message) from None
