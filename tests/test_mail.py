"""Mail (issue 16): messages written to the outbox with the event that causes them, and
sent by `shopper send-mail` to a real SMTP server on 127.0.0.1 (aiosmtpd, started and
stopped by each test), or as .eml files with no server set."""

from __future__ import annotations

import email
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller

from shopper.store import mail as outbox
from shopper.store import visits
from shopper.store.connection import connect
from shopper.workflows import mail, review

from . import factories
from .conftest import make_app
from .support import MAIL_SETTINGS, MANAGER_A, OFFICE, SHOPPER, csrf_token, signed_in

BASE_URL = MAIL_SETTINGS.base_url
SETTINGS = MAIL_SETTINGS


def free_port() -> int:
    """A port nothing listens on (until a test starts its server there)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message the server accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def inbox(smtp_port):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


def smtp_settings(port: int, tmp_path) -> mail.MailSettings:
    return replace(MAIL_SETTINGS, sender="Shopper <mail@shopper.example.com>",
                   server="127.0.0.1", port=port, folder=str(tmp_path / "mail"),
                   timeout_seconds=5)


def office_id(db) -> int:
    return db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]


def outbox_rows(db) -> list[dict]:
    return list(db.query("SELECT * FROM mail_outbox ORDER BY id"))


def published(db, visit, settings) -> dict:
    review.publish(db, visit, office_id(db), mail_settings=settings)
    [row] = outbox_rows(db)
    return row


def test_a_published_scorecard_reaches_the_manager_with_text_html_and_its_message_id(
        small_db, one_visit, inbox, smtp_port, tmp_path, empty_app):
    settings = smtp_settings(smtp_port, tmp_path)
    row = published(small_db, one_visit, settings)
    assert row["message_id"].endswith("@shopper.example.com>")

    result = mail.send_waiting(small_db, settings, datetime.now(UTC))

    assert result == mail.SendResult(sent=1)
    [message] = inbox.messages
    assert inbox.recipients == [[MANAGER_A]]
    assert message["Subject"] == "New scorecard for Leeds Briggate"
    assert message["Message-ID"] == row["message_id"]
    link = f"{BASE_URL}/branch/visits/{one_visit['uuid']}"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert link in text.get_content()
    assert f'href="{link}"' in html.get_content()
    sent = outbox_rows(small_db)[0]
    assert (sent["status"], sent["attempts"], sent["next_attempt_at"]) == ("sent", 1, None)
    # The link's path is the manager's scorecard.
    manager = signed_in(empty_app, MANAGER_A)
    assert manager.get(link.removeprefix(BASE_URL)).status_code == 200


def test_a_refused_connection_is_retried_later_and_delivered_once(
        small_db, one_visit, inbox, smtp_port, tmp_path):
    closed = smtp_settings(free_port(), tmp_path)
    published(small_db, one_visit, closed)
    now = datetime.now(UTC).replace(microsecond=0)

    assert mail.send_waiting(small_db, closed, now) == mail.SendResult(retrying=1)
    [row] = outbox_rows(small_db)
    assert (row["status"], row["attempts"]) == ("waiting", 1)
    assert row["next_attempt_at"] == (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "ConnectionRefusedError" in row["last_error"]

    up = smtp_settings(smtp_port, tmp_path)
    assert mail.send_waiting(small_db, up, now + timedelta(seconds=30)) == mail.SendResult()
    assert inbox.messages == []
    assert mail.send_waiting(small_db, up, now + timedelta(minutes=1)) == mail.SendResult(1)
    assert mail.send_waiting(small_db, up, now + timedelta(minutes=5)) == mail.SendResult()
    assert len(inbox.messages) == 1
    assert outbox_rows(small_db)[0]["status"] == "sent"


def test_failures_back_off_exponentially_then_the_message_is_kept_as_failed(
        small_db, one_visit, tmp_path):
    settings = replace(smtp_settings(free_port(), tmp_path), max_attempts=4,
                       retry_max_minutes=3)
    published(small_db, one_visit, settings)
    now = datetime.now(UTC).replace(microsecond=0)
    waits = []
    for _ in range(3):
        assert mail.send_waiting(small_db, settings, now) == mail.SendResult(retrying=1)
        due = datetime.fromisoformat(outbox_rows(small_db)[0]["next_attempt_at"])
        waits.append(due - now)
        now = due
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=3)]
    assert mail.send_waiting(small_db, settings, now) == mail.SendResult(gave_up=1)
    row = outbox_rows(small_db)[0]
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 4, None)
    assert mail.send_waiting(small_db, settings, now + timedelta(days=1)) == mail.SendResult()


def test_a_crash_between_send_and_mark_sends_again_with_the_same_message_id(
        small_db, one_visit, inbox, smtp_port, tmp_path, monkeypatch):
    """The edge docs/mail.md documents: accepted by the server, then the process dies
    before the row is marked sent. The next run sends it again, under the same Message-ID
    (which mail clients use to show it once)."""
    settings = smtp_settings(smtp_port, tmp_path)
    row = published(small_db, one_visit, settings)

    def crash(*args, **kwargs):
        raise RuntimeError("killed between send and commit")

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "mark_sent", crash)
        with pytest.raises(RuntimeError):
            mail.send_waiting(small_db, settings, datetime.now(UTC))
    assert len(inbox.messages) == 1
    assert outbox_rows(small_db)[0]["status"] == "waiting"

    assert mail.send_waiting(small_db, settings, datetime.now(UTC)) == mail.SendResult(1)
    assert [m["Message-ID"] for m in inbox.messages] == [row["message_id"]] * 2
    assert mail.send_waiting(small_db, settings, datetime.now(UTC)) == mail.SendResult()
    assert len(inbox.messages) == 2


def test_with_no_server_each_message_is_an_eml_file_in_the_instance_mail_folder(
        small_db, one_visit, empty_app, instance):
    settings = mail.MailSettings.from_config(empty_app.config)
    assert settings.server is None
    review.return_to_shopper(small_db, one_visit, office_id(small_db), "Add the receipt.",
                             mail_settings=settings)
    with small_db.atomic():  # the shopper sends it again
        visits.change_status(small_db, one_visit["id"], "submitted",
                             actor_id=one_visit["shopper_id"])
    review.publish(small_db, one_visit, office_id(small_db), mail_settings=settings)

    assert mail.send_waiting(small_db, settings, datetime.now(UTC)) == mail.SendResult(2)

    files = sorted((instance / "mail").glob("*.eml"))
    assert len(files) == 2
    assert [f.name for f in files] == sorted(f.name for f in files)
    parsed = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert [m["To"] for m in parsed] == [SHOPPER, MANAGER_A]
    assert parsed[0]["Subject"] == "Your visit to Leeds Briggate was returned"
    assert "Add the receipt." in parsed[0].get_body(("plain",)).get_content()
    assert "Add the receipt." in parsed[0].get_body(("html",)).get_content()
    ids = [r["message_id"] for r in outbox_rows(small_db)]
    assert [m["Message-ID"] for m in parsed] == ids
    assert mail.send_waiting(small_db, settings, datetime.now(UTC)) == mail.SendResult()


def test_publishing_tells_each_manager_of_the_branch_and_never_names_the_shopper(app, db):
    visit = next(v for v in review.queue(db) if outbox.branch_managers(db, v["branch_id"]))
    code = db.execute("SELECT code FROM branches WHERE id = ?",
                      [visit["branch_id"]]).fetchone()[0]
    factories.a_person(db, "second.manager@example.com", "manager", branch_codes=(code,))
    managers = outbox.branch_managers(db, visit["branch_id"])
    assert len(managers) >= 2
    shopper = db.execute("SELECT name, email FROM users WHERE id = ?",
                         [visit["shopper_id"]]).fetchone()
    before = len(outbox_rows(db))

    review.publish(db, visit, office_id(db), with_open_follow_ups=True,
                   mail_settings=SETTINGS)

    rows = outbox_rows(db)[before:]
    assert sorted(r["user_id"] for r in rows) == [m["id"] for m in managers]
    assert sorted(r["recipient"] for r in rows) == sorted(m["email"] for m in managers)
    for row in rows:
        assert row["kind"] == "scorecard_published"
        assert row["subject"] == f"New scorecard for {visit['branch_name']}"
        for part in (row["subject"], row["text_body"], row["html_body"]):
            for secret in (*shopper[0].split(), shopper[1]):
                assert secret.lower() not in part.lower()
    assert len({r["message_id"] for r in rows}) == len(rows)


def test_returning_a_visit_tells_its_shopper_with_the_comment_and_a_link(small_db, one_visit):
    settings = replace(SETTINGS, base_url=BASE_URL + "/")
    review.return_to_shopper(small_db, one_visit, office_id(small_db),
                             "Which <b>desk</b> was it?", mail_settings=settings)
    [row] = outbox_rows(small_db)
    assert (row["kind"], row["recipient"]) == ("visit_returned", SHOPPER)
    assert row["subject"] == "Your visit to Leeds Briggate was returned"
    link = f"{BASE_URL}/field/visits/{one_visit['uuid']}"
    assert "Which <b>desk</b> was it?" in row["text_body"] and link in row["text_body"]
    assert "Which &lt;b&gt;desk&lt;/b&gt; was it?" in row["html_body"]


def test_the_message_is_written_in_the_transaction_of_the_publication(small_db, one_visit):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), small_db.atomic():
        review.publish(small_db, one_visit, office_id(small_db), mail_settings=SETTINGS)
        assert len(outbox_rows(small_db)) == 1
        raise Boom
    assert outbox_rows(small_db) == []
    assert small_db.execute("SELECT status FROM visits WHERE id = ?",
                            [one_visit["id"]]).fetchone()[0] == "submitted"


def test_head_office_publishing_on_the_web_links_from_the_configured_base_url(instance):
    app = make_app(instance, BASE_URL="https://results.example.org")
    db = connect(app.config["DATABASE"])
    visit = factories.one_visit(db)
    office = signed_in(app, OFFICE)
    token = csrf_token(office, f"/office/review/{visit['uuid']}")
    response = office.post(f"/office/review/{visit['uuid']}/publish",
                           data={"csrf_token": token})
    assert response.status_code == 303
    [row] = outbox_rows(db)
    assert f"https://results.example.org/branch/visits/{visit['uuid']}" in row["text_body"]
    db.close()


def test_send_mail_command_sends_what_is_waiting(small_db, one_visit, empty_app, instance):
    review.publish(small_db, one_visit, office_id(small_db), mail_settings=SETTINGS)
    runner = empty_app.test_cli_runner()

    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 message(s) as .eml files" in result.output
    assert "0 will be retried" in result.output
    assert len(list((instance / "mail").glob("*.eml"))) == 1
    assert "Sent 0 message(s)" in runner.invoke(args=["send-mail"]).output


def test_send_mail_command_counts_retries(small_db, one_visit, instance):
    app = make_app(instance, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    review.publish(small_db, one_visit, office_id(small_db), mail_settings=SETTINGS)
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 0 message(s) to 127.0.0.1; 1 will be retried; 0 given up." in result.output


@pytest.mark.parametrize(("overrides", "security", "port"), [
    ({}, "plain", 25),
    ({"MAIL_USE_TLS": True}, "starttls", 587),
    ({"MAIL_USE_SSL": True}, "ssl", 465),
    ({"MAIL_USE_SSL": True, "MAIL_PORT": "2465"}, "ssl", 2465),
])
def test_settings_choose_starttls_or_implicit_tls_and_their_usual_port(instance, overrides,
                                                                        security, port):
    settings = mail.MailSettings.from_config(make_app(instance, **overrides).config)
    assert settings.security == security
    assert (settings.port or mail.SMTP_PORTS[settings.security]) == port


def test_starttls_and_implicit_tls_together_are_refused_at_start_up(instance):
    with pytest.raises(ValueError, match="cannot both be on"):
        make_app(instance, MAIL_USE_TLS=True, MAIL_USE_SSL=True)
