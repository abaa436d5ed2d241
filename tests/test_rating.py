"""The shopper's rating: points per visit for what head office had to do, the average
over recent visits, the reasons, its history, and jobs that ask for a minimum."""

from __future__ import annotations

from datetime import date, timedelta

from shopper.domain.money import parse as money
from shopper.domain.rating import VisitRecord, history, last_months, rating
from shopper.store import audit
from shopper.workflows import jobs

from .support import OFFICE, SHOPPER, signed_in


def test_a_visit_with_nothing_to_fix_keeps_full_marks_and_penalties_are_capped():
    assert VisitRecord(date(2026, 11, 1)).points() == 10
    assert VisitRecord(date(2026, 11, 1), returned=1, corrected=2).points() == 6
    assert VisitRecord(date(2026, 11, 1), returned=5).points() == 6  # at most 4 for returns
    worst = VisitRecord(date(2026, 11, 1), returned=3, corrected=9, late=True, overturned=3)
    assert worst.points() == 1  # 10 − 4 − 3 − 2 − 4 would be −3: a visit keeps 1


def test_the_rating_is_the_average_of_recent_visits_with_its_reasons():
    records = [VisitRecord(date(2026, 1, d)) for d in range(1, 21)]
    records[-1] = VisitRecord(date(2026, 1, 20), returned=1, late=True)  # 6 points
    found = rating(records)
    assert (found.value, found.visits) == (9.8, 20)  # (19 × 10 + 6) / 20
    assert [(r.times, r.what, r.points) for r in found.reasons] == [
        (1, "returned for changes", 2), (1, "sent after the window closed", 2)]
    older_bad = [VisitRecord(date(2025, 1, 1), returned=2)] + records[:-1]
    assert rating(older_bad, recent=19).value == 10.0  # only the last 19 count
    assert rating([]).value is None


def test_history_is_the_rating_at_the_end_of_each_month():
    records = [VisitRecord(date(2026, 10, 5)), VisitRecord(date(2026, 11, 5), returned=1)]
    assert history(records, [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]) == [
        (date(2026, 9, 1), None), (date(2026, 10, 1), 10.0), (date(2026, 11, 1), 9.0)]
    assert last_months(date(2026, 2, 10), 3) == [date(2025, 12, 1), date(2026, 1, 1),
                                                 date(2026, 2, 1)]


def test_review_steps_count_against_the_visit_and_a_minimum_rating_closes_jobs(
        empty_app, small_db, one_visit):
    office = small_db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]
    small_db.execute("UPDATE audit_log SET at = '2026-11-20T11:00:00Z' WHERE visit_id = ? AND "
                     "action = 'status:submitted'", [one_visit["id"]])  # in its window
    audit.record(small_db, one_visit["id"], office, "status:returned", comment="Add photos.")
    audit.record(small_db, one_visit["id"], office, "answer_corrected",
                 after={"question_id": 1, "value": "yes", "na": False})
    audit.record(small_db, one_visit["id"], office, "answer_corrected",  # by appeal: not here
                 after={"question_id": 2, "value": "yes", "na": False, "appeal_id": 1})
    found = jobs.rating_of(small_db, one_visit["shopper_id"])
    assert found.value == 7.0  # returned once (−2), one answer corrected (−1)
    today = date.today()
    [job_id] = jobs.publish(small_db, jobs.Wave(
        [one_visit["branch_id"]], 1, today + timedelta(days=40), today + timedelta(days=50),
        "Ask about savings.", money("20", "GBP"), money("0", "GBP"), min_rating=8), office)
    job = jobs.jobs.by_id(small_db, job_id)
    refused = jobs.check(small_db, job, one_visit["shopper_id"], today + timedelta(days=45),
                         today, jobs.Limits())
    assert [r.code for r in refused] == ["rating"]
    page = signed_in(empty_app, SHOPPER).get("/field/rating").get_data(as_text=True)
    assert "7.0" in page and "1 × returned for changes: −2 points" in page
    assert "1 × answer corrected by head office: −1 point over" in page


def test_a_visit_first_sent_after_its_window_is_late(small_db, one_visit):
    """The factories' visit was sent today, after its window in November."""
    found = jobs.rating_of(small_db, one_visit["shopper_id"])
    assert (found.value, [r.what for r in found.reasons]) == (8.0, [
        "sent after the window closed"])
