"""The words the whole app shares, defined once: roles, visit statuses and the steps
between them, and how long a piece of text may be."""

from __future__ import annotations

ROLES = ("shopper", "manager", "office")

# A visit's life. A new status also needs a migration: the visits table checks its status
# against this list (store/schema.py).
VISIT_STATUSES = (
    "draft", "incomplete", "submitted", "on_hold", "returned", "approved", "published")
EDITABLE = ("draft", "returned")  # the shopper may still change it
ON_THE_PHONE = ("draft", "incomplete")  # nobody but its shopper sees it yet
IN_REVIEW = ("submitted", "on_hold")  # waiting for head office
# Which status may follow which (change_status refuses any other step).
TRANSITIONS = {
    "draft": {"incomplete", "submitted"},
    "returned": {"incomplete", "submitted"},
    "incomplete": {"submitted"},  # the last photo arrived
    "submitted": {"approved", "on_hold", "returned"},
    "on_hold": {"approved", "on_hold", "returned"},
    "approved": {"published"},
    "published": set(),
}

# Text limits, in characters.
MAX_NOTE = 2000  # a note on an answer or a touchpoint; a reply; a reviewer's comment
MAX_REASON = 200  # why a moment was golden or dull
MAX_CAPTION = 200
MAX_TEXT_ANSWER = 2000
MAX_SCENARIO = 2000
MAX_ACTION = 1000  # what a branch will change, and what it did
MAX_OWNER = 120  # who will do it
MAX_EMAIL = 254  # the longest address SMTP carries
MAX_NAME = 120
MIN_PASSWORD = 10
MAX_PASSWORD = 200
