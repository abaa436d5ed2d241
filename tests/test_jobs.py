"""The job board's workflows on a real database: publishing a wave, taking a job (and
two shoppers taking the same one at once, from two processes), applying and approval, and
giving a job back before the cut-off."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime

import pytest

from shopper.domain.jobs import TAKEN_ALREADY, Limits
from shopper.domain.money import parse
from shopper.store import jobs as job_rows
from shopper.store.connection import connect
from shopper.workflows import jobs

from . import factories
from .support import MAIL_SETTINGS, OFFICE, OTHER_SHOPPER, SHOPPER

TODAY = date(2026, 12, 1)
LIMITS = Limits(no_repeat_days=30, max_open_jobs=3, max_visits_per_day=2)


@pytest.fixture
def cast(small_db) -> dict:
    version = factories.a_checklist(small_db)
    return {"checklist_id": version.checklist_id,
            "leeds": factories.a_branch(small_db, "LDS01", "Leeds Briggate"),
            "york": factories.a_branch(small_db, "YRK01", "York Stonegate"),
            "shopper": factories.a_shopper(small_db, SHOPPER),
            "other": factories.a_shopper(small_db, OTHER_SHOPPER),
            "office": factories.a_person(small_db, OFFICE, "office")}


def wave(cast, *branches, mode="self") -> jobs.Wave:
    return jobs.Wave(branch_ids=[cast[b] for b in branches], checklist_id=cast["checklist_id"],
                     window_start=date(2026, 12, 1), window_end=date(2026, 12, 14),
                     scenario="Ask about a car loan.", fee=parse("25.00", "GBP"),
                     expense_cap=parse("8.50", "GBP"), mode=mode, name="December")


def test_a_wave_publishes_one_open_job_per_branch_with_money_in_minor_units(small_db, cast):
    ids = jobs.publish(small_db, wave(cast, "leeds", "york"), cast["office"])
    board = job_rows.open_jobs(small_db, TODAY)
    assert [j["id"] for j in board] == ids
    assert {(j["branch_name"], j["fee_minor"], j["expense_cap_minor"], j["currency"])
            for j in board} == {("Leeds Briggate", 2500, 850, "GBP"),
                                ("York Stonegate", 2500, 850, "GBP")}
    mixed = jobs.Wave(**{**wave(cast, "leeds").__dict__, "expense_cap": parse("8", "EUR")})
    with pytest.raises(jobs.JobError, match="one currency"):
        jobs.publish(small_db, mixed, cast["office"])


def test_taking_a_job_makes_the_shoppers_assignment_and_takes_it_off_the_board(small_db,
                                                                             cast):
    [job_id] = jobs.publish(small_db, wave(cast, "leeds"), cast["office"])
    assignment_id = jobs.take(small_db, job_id, cast["shopper"], date(2026, 12, 3), TODAY,
                              LIMITS)
    row = small_db.execute("SELECT shopper_id, branch_id, status, scenario FROM assignments "
                           "WHERE id = ?", [assignment_id]).fetchone()
    assert tuple(row) == (cast["shopper"], cast["leeds"], "open", "Ask about a car loan.")
    assert job_rows.open_jobs(small_db, TODAY) == []
    with pytest.raises(jobs.JobError, match="Someone else took this visit"):
        jobs.take(small_db, job_id, cast["other"], None, TODAY, LIMITS)


def test_a_shopper_who_fails_a_rule_is_told_every_reason_and_the_job_stays_open(small_db,
                                                                              cast):
    ids = jobs.publish(small_db, wave(cast, "leeds", "york"), cast["office"])
    jobs.take(small_db, ids[0], cast["shopper"], date(2026, 12, 3), TODAY,
              Limits(max_open_jobs=1))
    with pytest.raises(jobs.NotEligible) as refused:
        jobs.take(small_db, ids[1], cast["shopper"], date(2026, 12, 20), TODAY,
                  Limits(max_open_jobs=1))
    assert [r.code for r in refused.value.reasons] == ["day", "open_jobs"]
    assert [j["id"] for j in job_rows.open_jobs(small_db, TODAY)] == [ids[1]]


def test_no_repeat_visit_counts_the_visits_a_shopper_already_has_at_the_branch(small_db,
                                                                             cast):
    first, second = (jobs.publish(small_db, wave(cast, "leeds"), cast["office"])[0]
                     for _ in range(2))
    jobs.take(small_db, first, cast["shopper"], date(2026, 12, 2), TODAY, LIMITS)
    with pytest.raises(jobs.NotEligible) as refused:
        jobs.take(small_db, second, cast["shopper"], date(2026, 12, 9), TODAY, LIMITS)
    assert "visited Leeds Briggate too recently" in str(refused.value)
    jobs.take(small_db, second, cast["other"], date(2026, 12, 9), TODAY, LIMITS)


def _take_in_another_process(database: str, job_id: int, shopper_id: int, start, results):
    db = connect(database)
    start.wait()
    try:
        jobs.take(db, job_id, shopper_id, None, TODAY, LIMITS)
        results.put((shopper_id, "took it"))
    except jobs.JobError as err:
        results.put((shopper_id, str(err)))
    finally:
        db.close()


def test_two_shoppers_tapping_at_once_in_two_processes_one_gets_it(empty_app, small_db,
                                                                     cast):
    database = empty_app.config["DATABASE"]
    for _ in range(5):  # several rounds: the race must be won cleanly every time
        [job_id] = jobs.publish(small_db, wave(cast, "york"), cast["office"])
        context = multiprocessing.get_context("fork")
        start, results = context.Barrier(2), context.Queue()
        workers = [context.Process(target=_take_in_another_process,
                                   args=(database, job_id, cast[who], start, results))
                   for who in ("shopper", "other")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        outcomes = dict(results.get(timeout=5) for _ in workers)
        assert sorted(outcomes.values()) == sorted(["took it", TAKEN_ALREADY])
        winner = next(s for s, said in outcomes.items() if said == "took it")
        assert small_db.execute("SELECT COUNT(*), MIN(shopper_id) FROM assignments WHERE "
                                "id = (SELECT assignment_id FROM jobs WHERE id = ?)",
                                [job_id]).fetchone() == (1, winner)
        small_db.execute("UPDATE assignments SET status = 'done'")  # free both for the next


def test_applying_then_head_office_approves_one_and_the_others_are_declined(small_db, cast):
    [job_id] = jobs.publish(small_db, wave(cast, "leeds", mode="apply"), cast["office"])
    with pytest.raises(jobs.JobError, match="Apply for this visit"):
        jobs.take(small_db, job_id, cast["shopper"], None, TODAY, LIMITS)
    mine = jobs.apply(small_db, job_id, cast["shopper"], date(2026, 12, 5), TODAY, LIMITS)
    theirs = jobs.apply(small_db, job_id, cast["other"], None, TODAY, LIMITS)
    with pytest.raises(jobs.JobError, match="applied for this visit already"):
        jobs.apply(small_db, job_id, cast["shopper"], None, TODAY, LIMITS)
    assert job_rows.open_jobs(small_db, TODAY)[0]["id"] == job_id  # open until approved
    assignment_id = jobs.approve(small_db, theirs, cast["office"], TODAY, LIMITS,
                                 mail_settings=MAIL_SETTINGS)
    states = {a["shopper_id"]: a["status"] for a in job_rows.applications_of_job(small_db,
                                                                                 job_id)}
    assert states == {cast["shopper"]: "declined", cast["other"]: "approved"}
    assert small_db.execute("SELECT shopper_id FROM assignments WHERE id = ?",
                            [assignment_id]).fetchone()[0] == cast["other"]
    assert small_db.execute("SELECT kind FROM mail_outbox WHERE recipient = ?",
                            [OTHER_SHOPPER]).fetchone()[0] == "assignment_new"
    with pytest.raises(jobs.JobError, match="decided already"):
        jobs.approve(small_db, mine, cast["office"], TODAY, LIMITS, mail_settings=MAIL_SETTINGS)


def test_giving_a_job_back_before_the_cut_off_reopens_it_with_the_reason(small_db, cast):
    [job_id] = jobs.publish(small_db, wave(cast, "leeds"), cast["office"])
    assignment_id = jobs.take(small_db, job_id, cast["shopper"], date(2026, 12, 5), TODAY,
                              LIMITS)
    with pytest.raises(jobs.JobError, match="Say why"):
        jobs.cancel(small_db, job_id, cast["shopper"], "  ", datetime(2026, 12, 1, 9), 24)
    with pytest.raises(LookupError):  # someone else's job: not theirs to give back
        jobs.cancel(small_db, job_id, cast["other"], "Ill", datetime(2026, 12, 1, 9), 24)
    with pytest.raises(jobs.JobError, match="24 hours before the day"):
        jobs.cancel(small_db, job_id, cast["shopper"], "Ill",
                    datetime(2026, 12, 4, 0, 0, tzinfo=UTC), 24)
    jobs.cancel(small_db, job_id, cast["shopper"], "My car broke down.",
                datetime(2026, 12, 3, 23, 59), 24)
    assert small_db.execute("SELECT status FROM assignments WHERE id = ?",
                            [assignment_id]).fetchone()[0] == "cancelled"
    assert [j["id"] for j in job_rows.open_jobs(small_db, TODAY)] == [job_id]
    [given_back] = job_rows.cancellations(small_db, job_id)
    assert (given_back["shopper_id"], given_back["reason"]) == (cast["shopper"],
                                                                "My car broke down.")
    jobs.take(small_db, job_id, cast["other"], None, TODAY, LIMITS)  # open to others again
