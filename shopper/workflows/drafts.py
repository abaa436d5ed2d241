"""Changing a visit the shopper still holds (a draft, or one head office returned): the
answers and moment of a touchpoint screen, and its photos. Each change checks, inside its
own write transaction, that the visit is still editable, so a save racing a submission or
a publication is refused (VisitLocked) instead of writing into a visit under review.

The visit's date, time in and time out are checked here too, the one rule for the review
page and the sync API (domain/visit_timing.py)."""

from __future__ import annotations

from datetime import datetime

from shopper.domain.answers import TouchpointEntry
from shopper.domain.photos import ProcessedPhoto
from shopper.domain.visit_timing import Timing, VisitRules, parse_timing
from shopper.domain.vocabulary import EDITABLE
from shopper.store import reports, visits
from shopper.store.connection import Database


def save_touchpoint(db: Database, visit_id: int, touchpoint_id: int,
                    entry: TouchpointEntry) -> None:
    """A touchpoint screen's valid answers, notes, moment and photo captions."""
    with db.atomic():
        visits.require_status(db, visit_id, EDITABLE)
        visits.record_answers(db, visit_id, entry.answers)
        visits.record_moment(db, visit_id, touchpoint_id, entry.moment, entry.reason,
                             entry.note)
        own = {p["uuid"]: p for p in reports.visit_photos(db, visit_id)}
        for photo_uuid, caption in entry.captions.items():
            if photo_uuid in own:
                visits.set_caption(db, own[photo_uuid]["id"], caption)


def add_photo(db: Database, folder: str, visit_id: int, photo_uuid: str,
              processed: ProcessedPhoto, *, question_id: int | None,
              touchpoint_id: int | None, caption: str) -> dict:
    with db.atomic():
        visits.require_status(db, visit_id, EDITABLE)
        return visits.add_photo(db, folder, visit_id=visit_id, photo_uuid=photo_uuid,
                                processed=processed, question_id=question_id,
                                touchpoint_id=touchpoint_id, caption=caption)


def remove_photo(db: Database, folder: str, visit_id: int, photo: dict) -> None:
    with db.atomic():
        visits.require_status(db, visit_id, EDITABLE)
        visits.remove_photo(db, folder, photo)


def check_timing(db: Database, assignment_id: int | None, raw, rules: VisitRules,
                 now: datetime | None = None) -> Timing:
    """The timing a shopper entered for an assignment's visit, in its branch's zone and
    within its window, or TimingError."""
    setting = reports.assignment_setting(db, assignment_id)
    return parse_timing(raw, zone=rules.zone_of(setting["time_zone"]),
                        window=(setting["window_start"], setting["window_end"]), now=now)


def save_timing(db: Database, visit_id: int, timing: Timing) -> None:
    with db.atomic():
        visits.require_status(db, visit_id, EDITABLE)
        visits.set_timing(db, visit_id, timing)
