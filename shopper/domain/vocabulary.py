"""The words the whole app shares, defined once: roles, visit statuses and the steps
between them, and how long a piece of text may be."""

from __future__ import annotations

ROLES = ("shopper", "manager", "office")
