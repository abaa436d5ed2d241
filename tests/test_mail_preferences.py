"""Who gets which mail (issue 16): each user's choices, the daily digests and reminders,
critical failures at once, new and closing assignments, and the one-click unsubscribe link
every message carries. Sent through a real SMTP server on 127.0.0.1 where delivery itself
is the point (tests/test_mail.py has the sender's own tests)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from shopper.store import accounts, assignments, branches
from shopper.store.checklists import load_version
from shopper.workflows import mail, review, scorecards

from . import factories
from .support import MAIL_SETTINGS, MANAGER_A, OFFICE, SHOPPER, csrf_token, signed_in
from .test_mail import inbox, smtp_port, smtp_settings  # noqa: F401  (fixtures)

CRITICAL_CHECKLIST = factories.TINY_CHECKLIST.replace(
    'standard = "Staff wear their name badge."',
    'standard = "Staff wear their name badge."\ncritical = true')
TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)


def outbox_rows(db) -> list[dict]:
    return list(db.query("SELECT * FROM mail_outbox ORDER BY id"))


def user_id(db, email: str) -> int:
    return db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()[0]


def choose(db, email: str, **choices: str) -> None:
    mail.set_preferences(db, {"id": user_id(db, email),
                              "role": db.execute("SELECT role FROM users WHERE email = ?",
                                                 [email]).fetchone()[0]}, choices)


def publish(db, visit) -> None:
    review.publish(db, visit, user_id(db, OFFICE), mail_settings=MAIL_SETTINGS)


def second_visit(db, first: dict, code: str = "LDS01", checklist=None) -> dict:
    """Another submitted visit by the same shopper (to another branch when `code` is new),
    managed by MANAGER_A too."""
    if code != "LDS01":
        factories.a_branch(db, code, f"Branch {code}")
        accounts.link_branches(db, user_id(db, MANAGER_A), [code])
    version = checklist or load_version(db, first["version_id"])
    branch_id = branches.ids_of_codes(db, [code])[code]
    assignment = factories.an_assignment(db, branch_id=branch_id,
                                         shopper_id=first["shopper_id"],
                                         checklist_id=version.checklist_id,
                                         created_by=user_id(db, OFFICE), status="done")
    return factories.a_visit(db, assignment_id=assignment, shopper_id=first["shopper_id"],
                             version=version, answers=factories.MET_AND_MISSED,
                             status="submitted", reviewer_id=user_id(db, OFFICE))


def shopper_secrets(db, visit) -> list[str]:
    """What would name the shopper: their email, and their name (the factories' shopper is
    called "shopper", which the app's own name contains, so the address stands for it)."""
    name, email = db.execute("SELECT name, email FROM users WHERE id = ?",
                             [visit["shopper_id"]]).fetchone()
    return [email.lower(), *(part for part in name.lower().split()
                             if part not in "mystery shopper")]


# --- the preferences page ------------------------------------------------------------

def test_each_role_sees_its_own_kinds_with_sensible_defaults(one_visit, empty_app):
    manager = signed_in(empty_app, MANAGER_A).get("/account/mail").get_data(as_text=True)
    assert "A scorecard is published for my branch" in manager
    assert "An action is due tomorrow, or overdue" in manager
    assert "Head office decides an appeal against a finding at my branch" in manager
    assert "In a daily digest" in manager
    assert "I am given a new visit" not in manager
    checked = [line for line in manager.splitlines() if "checked" in line]
    assert len(checked) == 4 and all('value="now"' in line for line in checked)

    shopper = signed_in(empty_app, SHOPPER).get("/account/mail").get_data(as_text=True)
    assert "I am given a new visit" in shopper and "scorecard" not in shopper
    assert "Head office reviews a finding of my visit again" in shopper
    office = signed_in(empty_app, OFFICE).get("/account/mail").get_data(as_text=True)
    assert "Visits waiting for review" in office
    assert re.search(r'<input checked[^>]*value="daily"', office)


def test_a_choice_is_saved_and_a_choice_the_kind_does_not_offer_is_refused(
        one_visit, empty_app, small_db):
    manager = signed_in(empty_app, MANAGER_A)
    token = csrf_token(manager, "/account/mail")
    form = {"csrf_token": token, "scorecard_published": "daily",
            "critical_failure": "now", "action_reminder": "off", "appeal_decided": "now"}
    response = manager.post("/account/mail", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "Your email choices are saved." in response.get_data(as_text=True)
    assert mail.preferences(small_db, {"id": user_id(small_db, MANAGER_A), "role": "manager"}
                            )[0][1] == "daily"

    refused = manager.post("/account/mail", data={**form, "critical_failure": "daily"})
    assert refused.status_code == 422
    assert "Not a valid choice" in refused.get_data(as_text=True)
    assert dict((k.key, c) for k, c in mail.preferences(
        small_db, {"id": user_id(small_db, MANAGER_A), "role": "manager"}))[
        "critical_failure"] == "now"


def test_the_preferences_page_needs_signing_in(empty_app):
    response = empty_app.test_client().get("/account/mail")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- digests -------------------------------------------------------------------------

def test_a_manager_who_chose_the_digest_gets_one_message_for_the_days_scorecards(
        small_db, one_visit, inbox, smtp_port, tmp_path):  # noqa: F811
    choose(small_db, MANAGER_A, scorecard_published="daily")
    other = second_visit(small_db, one_visit, code="MAN01")
    publish(small_db, one_visit)
    publish(small_db, other)
    assert outbox_rows(small_db) == []  # nothing at once

    settings = smtp_settings(smtp_port, tmp_path)
    assert mail.queue_daily(small_db, settings, TODAY, NOW) == 1
    assert mail.queue_daily(small_db, settings, TODAY, NOW) == 0  # run again: nothing twice
    assert mail.send_waiting(small_db, settings, NOW) == mail.SendResult(1)

    [message] = inbox.messages
    assert message["To"] == MANAGER_A
    assert message["Subject"] == "2 new scorecards for your branches (2026-12-01)"
    text = message.get_body(("plain",)).get_content()
    assert "Leeds Briggate: 50%" in text and "Branch MAN01: 50%" in text
    for visit in (one_visit, other):
        assert f"/branch/visits/{visit['uuid']}" in text
    for secret in shopper_secrets(small_db, one_visit):
        assert secret not in message.as_string().lower()

    # The next day's digest holds only what was published since.
    third = second_visit(small_db, one_visit)
    publish(small_db, third)
    assert mail.queue_daily(small_db, settings, TODAY + timedelta(days=1), NOW) == 1
    latest = outbox_rows(small_db)[-1]
    assert latest["subject"].startswith("1 new scorecard for your branch ")
    assert third["uuid"] in latest["text_body"] and one_visit["uuid"] not in latest["text_body"]


def test_head_office_gets_a_daily_digest_of_what_waits_unless_it_turned_it_off(
        small_db, one_visit):
    assert mail.queue_daily(small_db, MAIL_SETTINGS, TODAY, NOW) == 1
    [row] = outbox_rows(small_db)
    assert (row["recipient"], row["kind"]) == (OFFICE, "office_digest")
    assert "1 visit waiting for review" in row["text_body"]
    assert "/office/review" in row["text_body"]

    choose(small_db, OFFICE, office_digest="off")
    assert mail.queue_daily(small_db, MAIL_SETTINGS, TODAY + timedelta(days=1), NOW) == 0


def test_nothing_waiting_means_no_digest_for_head_office(small_db, one_visit):
    publish(small_db, one_visit)
    before = len(outbox_rows(small_db))
    assert mail.queue_daily(small_db, MAIL_SETTINGS, TODAY, NOW) == 0
    assert len(outbox_rows(small_db)) == before


# --- critical failures at once -------------------------------------------------------

@pytest.fixture
def critical_visit(small_db, one_visit):
    """A second visit to LDS01 on a checklist where the missed name badge is critical."""
    version = factories.a_checklist(small_db, CRITICAL_CHECKLIST.replace(
        'slug = "tiny"', 'slug = "tiny-critical"'))
    return second_visit(small_db, one_visit, checklist=version)


def test_a_critical_failure_reaches_the_manager_at_once_in_one_message(small_db,
                                                                         critical_visit):
    assert critical_visit["critical_failed"]
    publish(small_db, critical_visit)
    [row] = outbox_rows(small_db)
    assert (row["kind"], row["recipient"]) == ("critical_failure", MANAGER_A)
    assert row["subject"] == "Critical failure at Leeds Briggate"
    assert "Staff wear their name badge." not in row["text_body"]  # the question, not the rule
    assert "Did the person serving you wear a name badge?" in row["text_body"]
    assert f"/branch/visits/{critical_visit['uuid']}" in row["text_body"]


def test_a_critical_failure_comes_at_once_even_to_a_manager_reading_the_digest(
        small_db, critical_visit):
    choose(small_db, MANAGER_A, scorecard_published="daily")
    publish(small_db, critical_visit)
    assert [r["kind"] for r in outbox_rows(small_db)] == ["critical_failure"]
    mail.queue_daily(small_db, MAIL_SETTINGS, TODAY, NOW)
    digest = [r for r in outbox_rows(small_db) if r["recipient"] == MANAGER_A][-1]
    assert "Leeds Briggate: 0%, critical failure" in digest["text_body"]  # scored as failed


def test_head_office_digest_lists_critical_failures_sent_in(small_db, critical_visit):
    mail.queue_daily(small_db, MAIL_SETTINGS, TODAY, datetime.now(UTC))
    [row] = [r for r in outbox_rows(small_db) if r["kind"] == "office_digest"]
    assert "2 visits waiting for review" in row["text_body"]
    assert "Critical failure: Leeds Briggate" in row["text_body"]
    assert f"/office/review/{critical_visit['uuid']}" in row["text_body"]


# --- reminders -----------------------------------------------------------------------

def test_actions_due_tomorrow_and_overdue_are_each_reminded_once(small_db, one_visit):
    published_visit = dict(one_visit)
    publish(small_db, published_visit)
    [missed] = scorecards.failed_question_ids(small_db, published_visit)
    scorecards.record_action(small_db, published_visit, missed, {
        "description": "Badges on the hooks by the door", "owner": "Sam",
        "due_date": (TODAY + timedelta(days=1)).isoformat()}, user_id(small_db, MANAGER_A))
    start = len(outbox_rows(small_db))

    assert mail.queue_daily(small_db, MAIL_SETTINGS, TODAY, NOW) == 1
    assert mail.queue_daily(small_db, MAIL_SETTINGS, TODAY, NOW) == 0
    due = outbox_rows(small_db)[start]
    assert (due["kind"], due["recipient"]) == ("action_reminder", MANAGER_A)
    assert due["subject"] == "Action due tomorrow at Leeds Briggate"
    assert "Badges on the hooks by the door" in due["text_body"]
    assert "/branch/" in due["text_body"] and "/actions" in due["text_body"]

    later = TODAY + timedelta(days=3)
    assert mail.queue_daily(small_db, MAIL_SETTINGS, later, NOW) == 1
    assert mail.queue_daily(small_db, MAIL_SETTINGS, later + timedelta(days=1), NOW) == 0
    overdue = outbox_rows(small_db)[-1]
    assert overdue["subject"] == "Overdue action at Leeds Briggate"
    assert "was due on 2026-12-02" in overdue["text_body"]
    for secret in shopper_secrets(small_db, one_visit):
        assert secret not in (overdue["text_body"] + due["text_body"]).lower()

    choose(small_db, MANAGER_A, action_reminder="off")
    small_db.execute("UPDATE branch_actions SET due_date = ?",
                     [(later + timedelta(days=9)).isoformat()])
    assert mail.queue_daily(small_db, MAIL_SETTINGS, later + timedelta(days=8), NOW) == 0


def test_a_shopper_is_told_two_days_before_an_unsent_visits_window_closes(small_db):
    cast = factories.field_cast(small_db, window=("2026-11-20", "2026-12-03"))
    assert cast
    assert mail.queue_daily(small_db, MAIL_SETTINGS, TODAY - timedelta(days=1), NOW) == 0
    assert mail.queue_daily(small_db, MAIL_SETTINGS, TODAY, NOW) == 1
    assert mail.queue_daily(small_db, MAIL_SETTINGS, TODAY, NOW) == 0
    [row] = outbox_rows(small_db)
    assert (row["kind"], row["recipient"]) == ("window_closing", SHOPPER)
    assert row["subject"] == "2 days left to visit Leeds Briggate"
    assert "by 2026-12-03" in row["text_body"]


def test_a_shopper_given_visits_on_the_assignments_page_is_told_in_one_message(
        small_db, one_visit, empty_app):
    factories.a_branch(small_db, "MAN01", "Manchester Market St")
    office = signed_in(empty_app, OFFICE)
    token = csrf_token(office, "/office/assignments")
    checklist = small_db.execute("SELECT id FROM checklists").fetchone()[0]
    start = (date.today() + timedelta(days=1)).isoformat()
    end = (date.today() + timedelta(days=10)).isoformat()
    response = office.post("/office/assignments", data={
        "csrf_token": token, "target": "all", "shopper_id": one_visit["shopper_id"],
        "checklist_id": checklist, "window_start": start, "window_end": end,
        "scenario": "", "min_gap_days": "0"})
    assert response.status_code == 303, response.get_data(as_text=True)
    [row] = outbox_rows(small_db)
    assert (row["kind"], row["recipient"]) == ("assignment_new", SHOPPER)
    assert row["subject"] == "2 new visits to make"
    assert "Leeds Briggate" in row["text_body"] and "Manchester Market St" in row["text_body"]
    assert f"between {start} and {end}" in row["text_body"]
    assert assignments.has_open_assignment(small_db, one_visit["shopper_id"])


# --- unsubscribe ---------------------------------------------------------------------

def test_every_message_carries_a_one_click_unsubscribe_that_stops_only_its_kind(
        small_db, one_visit, empty_app, inbox, smtp_port, tmp_path):  # noqa: F811
    settings = smtp_settings(smtp_port, tmp_path)
    settings = type(settings)(**{**settings.__dict__,
                                 "secret_key": empty_app.config["SECRET_KEY"]})
    review.publish(small_db, one_visit, user_id(small_db, OFFICE), mail_settings=settings)
    mail.send_waiting(small_db, settings, datetime.now(UTC))
    [message] = inbox.messages
    header = message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header.strip("<>")
    assert url in message.get_body(("plain",)).get_content()
    assert f'href="{url}"' in message.get_body(("html",)).get_content()

    browser = empty_app.test_client()  # not signed in: the link is the key
    path = urlsplit(url).path
    page = browser.get(path)
    assert page.status_code == 200
    assert "Stop these emails?" in page.get_data(as_text=True)
    assert mail.choice(small_db, user_id(small_db, MANAGER_A),
                       mail.KINDS_BY_KEY["scorecard_published"]) == "now"  # a GET changes nothing

    # A mail program's own button: RFC 8058's POST, with no form token.
    done = browser.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You will get no more of these emails" in done.get_data(as_text=True)
    manager = user_id(small_db, MANAGER_A)
    assert mail.choice(small_db, manager, mail.KINDS_BY_KEY["scorecard_published"]) == "off"
    assert mail.choice(small_db, manager, mail.KINDS_BY_KEY["critical_failure"]) == "now"

    publish(small_db, second_visit(small_db, one_visit))
    assert len(outbox_rows(small_db)) == 1  # the second scorecard told nobody


def test_a_forged_or_changed_unsubscribe_link_is_not_found(small_db, one_visit, empty_app):
    settings = type(MAIL_SETTINGS)(secret_key=empty_app.config["SECRET_KEY"])
    token = mail.unsubscribe_token(settings, user_id(small_db, MANAGER_A), "critical_failure")
    client = empty_app.test_client()
    assert client.get(f"/mail/unsubscribe/{token[:-2]}xx").status_code == 404
    forged = mail.unsubscribe_token(MAIL_SETTINGS, user_id(small_db, MANAGER_A),
                                    "critical_failure")
    assert client.post(f"/mail/unsubscribe/{forged}").status_code == 404
    # A kind the account's role does not get changes nothing.
    wrong = mail.unsubscribe_token(settings, user_id(small_db, SHOPPER), "critical_failure")
    assert client.post(f"/mail/unsubscribe/{wrong}").status_code == 404
