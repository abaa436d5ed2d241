"""The job board's workflows (rules: domain/jobs.py): head office publishes open visits;
a shopper takes one (self-assign) or applies and head office approves; a shopper gives a
job back before the cut-off, with a reason, and it re-opens.

Taking is race-free: the eligibility check and the taking are one transaction begun with
BEGIN IMMEDIATE (store.connection.Database.atomic), so two shoppers tapping at once, in
two server processes, are served one after the other; the second finds the job taken and
is told so kindly (TAKEN_ALREADY). The job's update is conditional on it being open too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shopper.domain.jobs import (
    APPLY,
    SELF_ASSIGN,
    TAKEN_ALREADY,
    Job,
    Limits,
    Refusal,
    Shopper,
    default_day,
    distance_km,
    first_open_day,
    refusals,
)
from shopper.domain.money import Money
from shopper.domain.rating import Rating, VisitRecord, history, rating
from shopper.store import assignments, jobs, quizzes, ratings
from shopper.store.connection import Database, now
from shopper.workflows import mail
from shopper.workflows.mail import MailSettings


class JobError(ValueError):
    """A step refused; the message is for the person who tried."""


class NotEligible(JobError):
    def __init__(self, reasons: list[Refusal]):
        super().__init__(" ".join(r.message for r in reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Wave:
    """Jobs head office publishes at once: one per branch, the same terms for each."""
    branch_ids: list[int]
    checklist_id: int
    window_start: date
    window_end: date
    scenario: str
    fee: Money
    expense_cap: Money
    mode: str = SELF_ASSIGN
    qualification_id: int | None = None
    min_rating: float | None = None
    name: str = ""


def publish(db: Database, wave: Wave, created_by: int) -> list[int]:
    """One open job per branch of the wave, in one transaction."""
    if wave.fee.currency != wave.expense_cap.currency:
        raise JobError("The fee and the expense cap must be in one currency.")
    with db.atomic():
        return [jobs.add(db, {
            "branch_id": branch_id, "checklist_id": wave.checklist_id,
            "window_start": wave.window_start.isoformat(),
            "window_end": wave.window_end.isoformat(), "scenario": wave.scenario,
            "fee_minor": wave.fee.minor, "expense_cap_minor": wave.expense_cap.minor,
            "currency": wave.fee.currency, "mode": wave.mode,
            "qualification_id": wave.qualification_id, "min_rating": wave.min_rating,
            "wave": wave.name}, created_by) for branch_id in wave.branch_ids]


def rating_of(db: Database, shopper_id: int) -> Rating:
    """The shopper's rating now, with its reasons (domain/rating.py)."""
    return rating(_records(db, shopper_id))


def rating_history(db: Database, shopper_id: int, months: list[date]) -> list[tuple]:
    """The shopper's rating at the end of each month given (each a month's first day)."""
    return history(_records(db, shopper_id), months)


def _records(db: Database, shopper_id: int) -> list[VisitRecord]:
    return [VisitRecord(date.fromisoformat(r["visit_date"]), r["returned"], r["corrected"],
                        bool(r["late"]), r["overturned"])
            for r in ratings.visit_records(db, shopper_id)]


def shopper_of(db: Database, shopper_id: int, branch_id: int) -> Shopper:
    """What the rules need to know of the shopper for a job at this branch, as of now."""
    facts = jobs.shopper_facts(db, shopper_id, branch_id)
    return Shopper(
        rating=rating_of(db, shopper_id).value,
        passed=frozenset(quizzes.passed_by(db, shopper_id)),
        home_latitude=facts["home_latitude"], home_longitude=facts["home_longitude"],
        max_distance_km=facts["max_distance_km"], open_jobs=facts["open_jobs"],
        planned_days=tuple(date.fromisoformat(d) for d in facts["planned_days"]),
        days_at_branch=tuple(date.fromisoformat(d) for d in facts["days_at_branch"]))


def check(db: Database, job: dict, shopper_id: int, planned: date, today: date,
          limits: Limits) -> list[Refusal]:
    """Every rule the shopper fails for the job on the planned day, from the database as
    it is now (call inside the transaction that acts on the answer)."""
    return refusals(as_job(job), shopper_of(db, shopper_id, job["branch_id"]), planned,
                    today, limits)


def as_seen_by(db: Database, job: dict, shopper_id: int, today: date, limits: Limits) -> dict:
    """A job as the board shows it to this shopper: its money, how far it is, the first day
    they may take it for, or (when no day of the window will do) why not."""
    shopper = shopper_of(db, shopper_id, job["branch_id"])
    rules_job = as_job(job)
    day = first_open_day(rules_job, shopper, today, limits)
    first = day or default_day(rules_job, today)
    return {**job, "fee": Money(job["currency"], job["fee_minor"]),
            "expense_cap": Money(job["currency"], job["expense_cap_minor"]),
            "first_day": first, "applies": job["mode"] == APPLY,
            "refusals": [] if day else refusals(rules_job, shopper, first, today, limits),
            "distance_km": distance_km(rules_job, Shopper(
                home_latitude=shopper.home_latitude, home_longitude=shopper.home_longitude,
                max_distance_km=shopper.max_distance_km or float("inf")))}


def as_job(job: dict) -> Job:
    return Job(job["branch_name"], date.fromisoformat(job["window_start"]),
               date.fromisoformat(job["window_end"]), job["branch_latitude"],
               job["branch_longitude"], job["qualification_id"],
               job["qualification_name"] or "", job["min_rating"])


def take(db: Database, job_id: int, shopper_id: int, planned: date | None, today: date,
         limits: Limits) -> int:
    """The shopper takes a self-assign job for the planned day (the window's first open
    day if None): their assignment's id. Refused with TAKEN_ALREADY when someone was
    quicker, or NotEligible naming every rule that fails."""
    with db.atomic():
        job = _open_job(db, job_id)
        if job["mode"] != SELF_ASSIGN:
            raise JobError("Apply for this visit: head office chooses who makes it.")
        planned = planned or default_day(as_job(job), today)
        failed = check(db, job, shopper_id, planned, today, limits)
        if failed:
            raise NotEligible(failed)
        return _give(db, job, shopper_id, planned)


def apply(db: Database, job_id: int, shopper_id: int, planned: date | None, today: date,
          limits: Limits) -> int:
    """The shopper applies for an apply-then-approve job: the application's id."""
    with db.atomic():
        job = _open_job(db, job_id)
        if job["mode"] != APPLY:
            raise JobError("This visit is not applied for: take it.")
        if jobs.waiting_application(db, job_id, shopper_id):
            raise JobError("You have applied for this visit already: head office will "
                           "decide.")
        planned = planned or default_day(as_job(job), today)
        failed = check(db, job, shopper_id, planned, today, limits)
        if failed:
            raise NotEligible(failed)
        return jobs.add_application(db, job_id, shopper_id, planned)


def approve(db: Database, application_id: int, actor_id: int, today: date, limits: Limits,
            *, mail_settings: MailSettings) -> int:
    """Head office gives the job to one applicant (the rules checked again, as things may
    have changed since they applied); the others' applications are declined and the
    shopper is told. Returns the assignment's id."""
    with db.atomic():
        found = jobs.application(db, application_id)
        if found is None or found["status"] != "waiting":
            raise JobError("This application has been decided already.")
        job = _open_job(db, found["job_id"])
        planned = date.fromisoformat(found["planned_day"])
        failed = check(db, job, found["shopper_id"], planned, today, limits)
        if failed:
            raise NotEligible(failed)
        assignment_id = _give(db, job, found["shopper_id"], planned)
        jobs.decide_applications(db, job["id"], application_id, actor_id)
        mail.assignments_made(db, mail_settings, [assignment_id])
        return assignment_id


def withdraw(db: Database, job_id: int) -> None:
    """Head office takes an open job off the board."""
    with db.atomic():
        if not jobs.withdraw(db, job_id):
            raise JobError("Only an open job can be withdrawn: this one has been taken.")


def cancel(db: Database, job_id: int, shopper_id: int, reason: str, at: datetime,
           cutoff_hours: int) -> None:
    """The shopper gives a job back, with a reason, until `cutoff_hours` before the start
    of the planned day and before starting the visit: their assignment is cancelled and
    the job is open again for others. `at` is the local time where the day is reckoned
    (the app's DEFAULT_TIME_ZONE)."""
    reason = (reason or "").strip()
    if not reason:
        raise JobError("Say why you cannot make this visit: head office reads it.")
    with db.atomic():
        job = jobs.by_id(db, job_id)
        if job is None or job["status"] != "taken" or job["taken_by"] != shopper_id:
            raise LookupError(job_id)
        cutoff = datetime.combine(date.fromisoformat(job["planned_day"]),
                                  datetime.min.time()) - timedelta(hours=cutoff_hours)
        if at.replace(tzinfo=None) >= cutoff:
            raise JobError(f"Visits can be given back until {cutoff_hours} hours before the "
                           "day: this one is too close. Tell head office instead.")
        if not assignments.cancel_assignment(db, job["assignment_id"]):
            raise JobError("You have started this visit: send it, or tell head office.")
        jobs.reopen(db, job, reason)


def _open_job(db: Database, job_id: int) -> dict:
    job = jobs.by_id(db, job_id)
    if job is None or job["status"] == "withdrawn":
        raise LookupError(job_id)
    if job["status"] != "open":
        raise JobError(TAKEN_ALREADY)
    return job


def _give(db: Database, job: dict, shopper_id: int, planned: date) -> int:
    assignment_id = assignments.add_assignment(db, {
        "branch_id": job["branch_id"], "shopper_id": shopper_id,
        "checklist_id": job["checklist_id"], "window_start": job["window_start"],
        "window_end": job["window_end"], "scenario": job["scenario"], "status": "open",
        "created_by": job["created_by"], "created_at": now()})
    if not jobs.mark_taken(db, job["id"], shopper_id, planned, assignment_id):
        raise JobError(TAKEN_ALREADY)
    return assignment_id
