"""Small factories: the few rows a test needs, made with the store's own public functions,
instead of the whole demo data set. Each returns what a test goes on to use (an id, or the
row as the app reads it). See `one_visit` for the usual cast, and the `small_db` and
`one_visit` fixtures in conftest.py."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shopper.domain.checklist_format import parse_checklist
from shopper.domain.scoring import Answer
from shopper.store import accounts, assignments, branches, visits
from shopper.store.checklists import StoredVersion, import_checklist, load_version

from .support import FAST_HASH, MANAGER_A, OFFICE, OTHER_SHOPPER, PASSWORD, SHOPPER

# Two yes/no standards at one touchpoint: enough for one met and one missed.
TINY_CHECKLIST = """\
[checklist]
slug = "tiny"
name = "Tiny checklist"

[[touchpoints]]
key = "reception"
name = "Reception"

[[touchpoints.questions]]
key = "greeted"
kind = "yes_no"
text = "Were you greeted?"
standard = "Every visitor is greeted."

[[touchpoints.questions]]
key = "name_badge"
kind = "yes_no"
text = "Did the person serving you wear a name badge?"
standard = "Staff wear their name badge."
"""

# One standard met, one missed: the visit scores 50 and has one gap.
MET_AND_MISSED = {("reception", "greeted"): "yes", ("reception", "name_badge"): "no"}

# The steps change_status takes to each status a visit can be given here.
STEPS = {"draft": [], "submitted": ["submitted"],
         "published": ["submitted", "approved", "published"]}


def a_checklist(db, text: str = TINY_CHECKLIST) -> StoredVersion:
    """`text` (a checklist file) imported as its first version."""
    version_id, _, _ = import_checklist(db, parse_checklist(text), text)
    return load_version(db, version_id)


def a_branch(db, code: str = "LDS01", name: str = "Leeds Briggate",
             region: str = "North") -> int:
    branches.add_branch(db, code=code, name=name, region=region)
    return branches.ids_of_codes(db, [code])[code]


def a_person(db, email: str, role: str, branch_codes: tuple[str, ...] = ()) -> int:
    """An account that signs in with the tests' PASSWORD (hashed the tests' fast way)."""
    return accounts.create_user(db, email=email, name=email.split("@")[0], role=role,
                                password=PASSWORD, method=FAST_HASH,
                                branch_codes=branch_codes)


def a_shopper(db, email: str = SHOPPER) -> int:
    return a_person(db, email, "shopper")


def an_assignment(db, *, branch_id: int, shopper_id: int, checklist_id: int,
                  created_by: int, status: str = "open") -> int:
    return assignments.add_assignment(db, {
        "branch_id": branch_id, "shopper_id": shopper_id, "checklist_id": checklist_id,
        "window_start": "2026-11-16", "window_end": "2026-11-27",
        "scenario": "Ask about opening hours.", "status": status, "created_by": created_by,
        "created_at": "2026-11-13T09:00:00Z"})


def a_visit(db, *, assignment_id: int, shopper_id: int, version: StoredVersion,
            answers: dict[tuple[str, str], str], status: str = "draft",
            reviewer_id: int | None = None) -> dict:
    """A visit with `answers` ((touchpoint key, question key) -> value), scored, then taken
    to `status` along its usual path (head office's steps by `reviewer_id`). Returns the
    visit's row."""
    visit_id = visits.start_visit(db, uuid=str(uuid.uuid4()), assignment_id=assignment_id,
                                  shopper_id=shopper_id, started_at="2026-11-20T10:00:00Z",
                                  version_id=version.id)
    visits.record_answers(db, visit_id, {version.question_ids[key]: (Answer(value), "")
                                         for key, value in answers.items()})
    visits.score_and_store(db, visit_id)
    visits.set_ended_at(db, visit_id, "2026-11-20T10:30:00Z")
    for step in STEPS[status]:
        actor = shopper_id if step == "submitted" else reviewer_id
        visits.change_status(db, visit_id, step, actor_id=actor)
    return visits.visit_by_id(db, visit_id)


def one_visit(db, status: str = "submitted") -> dict:
    """The usual cast on an empty database: SHOPPER's visit to LDS01 (one standard met,
    one missed), MANAGER_A managing LDS01 and OFFICE in head office, all signing in with
    PASSWORD like the demo's accounts. Returns the visit's row."""
    version = a_checklist(db)
    branch_id = a_branch(db, "LDS01")
    shopper_id = a_shopper(db)
    a_person(db, MANAGER_A, "manager", branch_codes=("LDS01",))
    office_id = a_person(db, OFFICE, "office")
    assignment_id = an_assignment(db, branch_id=branch_id, shopper_id=shopper_id,
                                  checklist_id=version.checklist_id, created_by=office_id,
                                  status="done")
    return a_visit(db, assignment_id=assignment_id, shopper_id=shopper_id, version=version,
                   answers=MET_AND_MISSED, status=status, reviewer_id=office_id)


def visit_timing(days_ago: int = 1, time_in: str = "10:00", time_out: str = "10:30",
                 zone: str = "Europe/London") -> dict:
    """A visit's date and times as a shopper enters them (the sync API's `timing`, the
    review page's form): by default yesterday at the branch, 10:00 to 10:30, which the
    demo's open assignments' windows hold."""
    day = datetime.now(ZoneInfo(zone)).date() - timedelta(days=days_ago)
    return {"date": day.isoformat(), "time_in": time_in, "time_out": time_out}


def field_cast(db, checklist: str = TINY_CHECKLIST,
               window: tuple[str, str] = ("2026-01-01", "2099-12-31")) -> dict:
    """SHOPPER's open assignment to LDS01 (the configured default zone, Europe/London) with
    `checklist` over `window`, OTHER_SHOPPER, MANAGER_A of LDS01 and OFFICE: for tests of
    what shoppers send. Returns the version, the assignment's id and the people's ids."""
    version = a_checklist(db, checklist)
    branch_id = a_branch(db, "LDS01")
    shopper_id = a_shopper(db)
    a_shopper(db, OTHER_SHOPPER)
    a_person(db, MANAGER_A, "manager", branch_codes=("LDS01",))
    office_id = a_person(db, OFFICE, "office")
    assignment_id = assignments.add_assignment(db, {
        "branch_id": branch_id, "shopper_id": shopper_id, "checklist_id": version.checklist_id,
        "window_start": window[0], "window_end": window[1], "scenario": "", "status": "open",
        "created_by": office_id, "created_at": "2026-01-01T09:00:00Z"})
    return {"version": version, "assignment_id": assignment_id, "shopper_id": shopper_id,
            "office_id": office_id}
