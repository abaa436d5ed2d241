"""Qualification quizzes: the text head office writes, marking an attempt, and a pass
opening the jobs that ask for the quiz."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shopper.domain.money import parse as money
from shopper.domain.quizzes import QuizError, as_text, mark, parse
from shopper.store import quizzes as quiz_rows
from shopper.workflows import jobs, quizzes

from . import factories
from .support import OFFICE, SHOPPER, csrf_token, signed_in

QUIZ = """
Q: What do you do if staff recognise you?
- Carry on as if nothing happened
* Finish politely, leave, and tell head office

Q: When do you write your notes?
- The next day
* Straight after the visit, away from the branch
- Only if something went wrong
"""


def test_a_quiz_text_becomes_questions_with_one_right_option_each():
    [first, second] = parse(QUIZ)
    assert first.text == "What do you do if staff recognise you?"
    assert first.options[first.correct] == "Finish politely, leave, and tell head office"
    assert (len(second.options), second.correct) == (3, 1)
    assert parse(as_text(parse(QUIZ))) == parse(QUIZ)


@pytest.mark.parametrize(("text", "says"), [
    ("", "at least one question"),
    ("- an option first", "Line 1: an option comes before any question"),
    ("Q: One?\n- a\n- b", "Line 1: mark exactly one option right"),
    ("Q: One?\n* a\n* b", "mark exactly one option right"),
    ("Q: One?\n* only", "2 to 8 options"),
    ("Q: One?\n* a\n- b\nwhat is this", "Line 4: start it with"),
    ("Q:\n* a\n- b", "Line 1: it has no text"),
])
def test_a_wrong_quiz_text_is_refused_naming_the_line(text, says):
    with pytest.raises(QuizError, match=says):
        parse(text)


def test_marking_counts_right_answers_against_the_pass_mark():
    questions = parse(QUIZ)
    assert mark(questions, [1, 1], 100).passed
    half = mark(questions, [1, 0], 60)
    assert (half.right, half.percent, half.passed) == (1, 50, False)
    assert mark(questions, [1, None], 50).passed  # an unanswered question is wrong
    with pytest.raises(QuizError, match="changed while you had it open"):
        mark(questions, [1], 50)


@pytest.fixture
def quiz_job(small_db) -> dict:
    version = factories.a_checklist(small_db)
    branch = factories.a_branch(small_db, "LDS01", "Leeds Briggate")
    shopper = factories.a_shopper(small_db, SHOPPER)
    office = factories.a_person(small_db, OFFICE, "office")
    quiz_id = quizzes.save(small_db, name="Car loans", text=QUIZ, pass_mark=100,
                           checklist_id=None, user_id=office)
    today = date.today()
    [job_id] = jobs.publish(small_db, jobs.Wave(
        [branch], version.checklist_id, today, today + timedelta(days=7), "Ask about a loan.",
        money("20", "GBP"), money("0", "GBP"), qualification_id=quiz_id), office)
    return {"quiz": quiz_id, "job": job_id, "shopper": shopper}


def answer(client, quiz_id, *chosen):
    data = {"csrf_token": csrf_token(client, f"/field/quizzes/{quiz_id}")}
    data.update({f"q{i}": str(c) for i, c in enumerate(chosen) if c is not None})
    return client.post(f"/field/quizzes/{quiz_id}", data=data)


def test_a_shopper_passes_the_quiz_once_and_may_then_take_the_job(empty_app, small_db,
                                                                  quiz_job):
    client = signed_in(empty_app, SHOPPER)
    job_page = client.get(f"/field/jobs/{quiz_job['job']}").get_data(as_text=True)
    assert "Pass the quiz “Car loans”" in job_page
    assert f"/field/quizzes/{quiz_job['quiz']}" in job_page
    quiz_page = client.get(f"/field/quizzes/{quiz_job['quiz']}").get_data(as_text=True)
    assert "What do you do if staff recognise you?" in quiz_page
    assert "correct" not in quiz_page.lower()  # the page never gives the answers away
    failed = answer(client, quiz_job["quiz"], 1, 0)
    assert failed.status_code == 200
    assert "1 of 2 right (50%): the pass mark is 100%" in failed.get_data(as_text=True)
    assert take_refused(client, quiz_job["job"])
    passed = answer(client, quiz_job["quiz"], 1, 1)
    assert passed.status_code == 303 and passed.location.endswith("/field/jobs")
    assert not take_refused(client, quiz_job["job"])
    assert [a["passed"] for a in quiz_rows.attempts(small_db, quiz_job["quiz"],
                                                     quiz_job["shopper"])] == [1, 0]


def take_refused(client, job_id) -> bool:
    token = csrf_token(client, f"/field/jobs/{job_id}")
    return client.post(f"/field/jobs/{job_id}/take", data={"csrf_token": token}
                       ).status_code == 422


def test_an_unknown_option_is_refused_not_a_server_error(empty_app, quiz_job):
    client = signed_in(empty_app, SHOPPER)
    token = csrf_token(client, f"/field/quizzes/{quiz_job['quiz']}")
    response = client.post(f"/field/quizzes/{quiz_job['quiz']}",
                           data={"csrf_token": token, "q0": "9", "q1": "x"})
    assert response.status_code == 400


def test_head_office_writes_a_quiz_and_a_wrong_line_is_named_with_the_text_kept(
        empty_app, small_db):
    factories.a_person(small_db, OFFICE, "office")
    office = signed_in(empty_app, OFFICE)
    token = csrf_token(office, "/office/quizzes")
    wrong = office.post("/office/quizzes", data={
        "csrf_token": token, "name": "Car loans", "pass_mark": "80", "checklist_id": "",
        "text": "Q: One?\n- a\n- b"})
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "Line 1: mark exactly one option right" in page and "Q: One?" in page
    saved = office.post("/office/quizzes", data={
        "csrf_token": token, "name": "Car loans", "pass_mark": "80", "checklist_id": "",
        "text": QUIZ})
    assert saved.status_code == 303
    [quiz] = quiz_rows.all_quizzes(small_db)
    assert (quiz["name"], quiz["pass_mark"]) == ("Car loans", 80)
    again = office.post("/office/quizzes", data={
        "csrf_token": token, "name": "car loans", "pass_mark": "80", "checklist_id": "",
        "text": QUIZ})
    assert again.status_code == 422 and "already" in again.get_data(as_text=True)
    assert office.get("/office/quizzes/999").status_code == 404
