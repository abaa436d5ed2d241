"""Giving shoppers visits: the assignments and the message that tells the shopper, written
together."""

from __future__ import annotations

from shopper.store import assignments
from shopper.store.connection import Database
from shopper.workflows import mail
from shopper.workflows.mail import MailSettings


def assign(db: Database, request: assignments.AssignmentRequest, created_by: int, *,
           mail_settings: MailSettings) -> tuple[int, list[str]]:
    """Create the assignments (store/assignments.create_assignments says which are
    skipped) and tell the shopper in the same transaction. Returns (created, skipped
    branches)."""
    with db.atomic():
        created, skipped = assignments.create_assignments(db, request, created_by)
        mail.assignments_made(db, mail_settings, created)
    return len(created), skipped
