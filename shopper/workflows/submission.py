"""Sending a visit for review: one rule, whether the shopper taps "Send" on the review
page or the phone's outbox asks through the sync API.

A visit may be sent once its date, time in and time out are given, every required answer
is given and every required photo is there (or, from the phone, listed and on its way),
and, if head office returned it, once the shopper has answered head office's comment.
Follow-up questions (answered later) are not required: sending schedules them
(workflows/follow_ups.py). Then:

- with every photo held, it is scored and enters review ("submitted");
- with photos still on their way, it waits as "incomplete", and is scored and enters
  review when the last one arrives (`finish_if_complete`, called as each photo lands).
"""

from __future__ import annotations

import json

from shopper.domain.answers import Missing, missing_items
from shopper.domain.visit_timing import DEFAULT_RULES, VisitRules
from shopper.domain.vocabulary import EDITABLE
from shopper.store import audit, visits
from shopper.store.checklists import StoredVersion, load_version
from shopper.store.connection import Database
from shopper.workflows import follow_ups


class NotReady(ValueError):
    """What stops a visit being sent: its timing, required answers or photos not given, or
    no reply to head office's comment on a returned visit."""

    def __init__(self, missing: list[Missing], reply_required: bool = False):
        super().__init__("the visit's times, required answers or photos are missing" if missing
                         else "a returned visit needs a reply")
        self.missing, self.reply_required = missing, reply_required


def missing(db: Database, visit: dict, photos_listed: dict | None = None) -> list[Missing]:
    """What the visit still lacks, in journey order. Photos count as held ones, or, from a
    phone, as the photos its payload lists (uuid -> question_id, ...)."""
    version = load_version(db, visit["version_id"])
    counts = (visits.photo_counts(db, visit["id"], version) if photos_listed is None
              else _listed_photo_counts(version, photos_listed))
    return missing_items(version.checklist, visits.answers_of(db, visit["id"], version), counts,
                         timing_given=visit["time_in"] is not None,
                         notes=visits.notes_of(db, visit["id"], version))


def submit(db: Database, visit: dict, *, actor_id: int, reply: str = "",
           photos_listed: dict | None = None, rules: VisitRules = DEFAULT_RULES) -> None:
    """Send the visit for review, or raise NotReady, or VisitLocked if it has been sent
    already (nothing is written then). `photos_listed` is the phone's photo list when
    photos may still be on their way (the sync API), None when every photo is held (the
    review page)."""
    with db.atomic():
        # The status as this write transaction sees it: a second tap, another tab or a
        # publication may have moved the visit on since the caller read it.
        status = visits.require_status(db, visit["id"], (*EDITABLE, "incomplete"))
        visit = visits.visit_by_id(db, visit["id"])  # with what this request just saved
        lacking = missing(db, visit, photos_listed)
        if lacking:
            raise NotReady(lacking)
        if status == "returned" and not reply:
            raise NotReady([], reply_required=True)
        if status == "returned":
            audit.record(db, visit["id"], actor_id, "shopper_replied", comment=reply)
        follow_ups.schedule(db, visit, rules)
        if photos_listed is None:
            visits.score_and_store(db, visit["id"])
            visits.change_status(db, visit["id"], "submitted", actor_id=actor_id)
            return
        if status != "incomplete":
            visits.change_status(db, visit["id"], "incomplete", actor_id=actor_id)
        finish_if_complete(db, visit["id"], actor_id)


def finish_if_complete(db: Database, visit_id: int, actor_id: int) -> None:
    """An incomplete visit whose photos have all arrived is scored and enters review."""
    visit = visits.visit_by_id(db, visit_id)
    if visit["status"] != "incomplete" or photos_on_their_way(db, visit):
        return
    visits.score_and_store(db, visit_id)
    visits.change_status(db, visit_id, "submitted", actor_id=actor_id)


def photos_on_their_way(db: Database, visit: dict) -> list[str]:
    """The uuids of photos the phone listed that have not arrived (or arrived different)."""
    expected = json.loads(visit["expected_photos"] or "{}")
    held = {p["uuid"]: p["sha256"] for p in visits.photo_hashes(db, visit["id"])}
    return sorted(u for u, p in expected.items() if held.get(u) != p["sha256"])


def _listed_photo_counts(version: StoredVersion, photos: dict) -> dict:
    by_id = {qid: key for key, qid in version.question_ids.items()}
    counts: dict = {}
    for photo in photos.values():
        if photo["question_id"] in by_id:
            key = by_id[photo["question_id"]]
            counts[key] = counts.get(key, 0) + 1
    return counts
