"""Mail: messages written to the outbox with the event that causes them, and
`send_waiting`, which sends what is due (by SMTP, or as .eml files with no server set) and
retries failures with exponential backoff. docs/mail.md says how to run it and what
at-least-once means here."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from shopper.domain import messages
from shopper.domain.messages import Message
from shopper.store import mail as outbox
from shopper.store.connection import Database

SMTP_PORTS = {"plain": 25, "starttls": 587, "ssl": 465}


@dataclass(frozen=True)
class MailSettings:
    base_url: str = "http://127.0.0.1:5000"
    sender: str = "Mystery Shopper <shopper@localhost>"
    server: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None
    security: str = "plain"  # plain, starttls or ssl
    folder: str = "mail"  # for .eml files when there is no server
    max_attempts: int = 10
    retry_max_minutes: int = 60
    timeout_seconds: int = 30

    @classmethod
    def from_config(cls, config: Mapping) -> MailSettings:
        """From the app's settings (shopper/config.py, which has checked them)."""
        security = ("ssl" if config["MAIL_USE_SSL"]
                    else "starttls" if config["MAIL_USE_TLS"] else "plain")
        return cls(base_url=config["BASE_URL"], sender=config["MAIL_FROM"],
                   server=config["MAIL_SERVER"] or None, port=config["MAIL_PORT"],
                   username=config["MAIL_USERNAME"], password=config["MAIL_PASSWORD"],
                   security=security, folder=config["MAIL_FOLDER"],
                   max_attempts=config["MAIL_MAX_ATTEMPTS"],
                   retry_max_minutes=config["MAIL_RETRY_MAX_MINUTES"],
                   timeout_seconds=config["MAIL_TIMEOUT_SECONDS"])

    @property
    def domain(self) -> str:
        """For Message-IDs: the sender's domain, else the site's host name."""
        address = parseaddr(self.sender)[1]
        return address.rpartition("@")[2] or urlsplit(self.base_url).hostname or "localhost"


# Callers that pass no settings (commands and tests building data) get the defaults'.
DEFAULT_SETTINGS = MailSettings()


# --- writing messages, inside the transaction of the event ---------------------------

def queue(db: Database, settings: MailSettings, *, kind: str, user_id: int | None,
          recipient: str, message: Message, now: datetime | None = None) -> int:
    return outbox.queue(db, kind=kind, user_id=user_id, recipient=recipient, message=message,
                        message_id=make_msgid(domain=settings.domain),
                        at=_stamp(now or datetime.now(UTC)))


def scorecard_published(db: Database, settings: MailSettings, visit_id: int) -> int:
    """Tell each manager of the visit's branch. Built from the branch and the scorecard's
    link only: nothing in it names the shopper."""
    visit = outbox.visit_branch_and_shopper(db, visit_id)
    url = messages.link(settings.base_url, messages.scorecard_path(visit["uuid"]))
    message = messages.scorecard_published(visit["branch_name"], url)
    managers = outbox.branch_managers(db, visit["branch_id"])
    for manager in managers:
        queue(db, settings, kind=messages.SCORECARD_PUBLISHED, user_id=manager["id"],
              recipient=manager["email"], message=message)
    return len(managers)


def visit_returned(db: Database, settings: MailSettings, visit_id: int, comment: str) -> int:
    visit = outbox.visit_branch_and_shopper(db, visit_id)
    if not visit["shopper_active"]:
        return 0
    url = messages.link(settings.base_url, messages.field_visit_path(visit["uuid"]))
    queue(db, settings, kind=messages.VISIT_RETURNED, user_id=visit["shopper_id"],
          recipient=visit["shopper_email"],
          message=messages.visit_returned(visit["branch_name"], comment, url))
    return 1


# --- sending --------------------------------------------------------------------------

@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    retrying: int = 0
    gave_up: int = 0


class SendFailure(Exception):
    """One message could not be sent; `permanent` when trying again cannot help."""

    def __init__(self, error: str, permanent: bool = False):
        super().__init__(error)
        self.permanent = permanent


def send_waiting(db: Database, settings: MailSettings, now: datetime) -> SendResult:
    """Send every message due at `now`. Each is marked sent in its own transaction as soon
    as the server has accepted it (or its .eml file is written); a failure is counted and
    the message tried again later, until `max_attempts`."""
    rows = outbox.due(db, _stamp(now))
    if not rows:
        return SendResult()
    sent = retrying = gave_up = 0
    transport = SmtpTransport(settings) if settings.server else FolderTransport(settings)
    try:
        transport.open()
    except SendFailure as failure:
        for row in rows:
            gave_up += _failed(db, settings, row, failure, now)
        return SendResult(0, len(rows) - gave_up, gave_up)
    try:
        for row in rows:
            try:
                transport.send(row, email_message(row, settings))
            except SendFailure as failure:
                if _failed(db, settings, row, failure, now):
                    gave_up += 1
                else:
                    retrying += 1
                continue
            with db.atomic():
                outbox.mark_sent(db, row["id"], _stamp(now))
            sent += 1
    finally:
        transport.close()
    return SendResult(sent, retrying, gave_up)


def email_message(row: dict, settings: MailSettings) -> EmailMessage:
    """The outbox row as a message: plain text, with the HTML as its alternative, under the
    Message-ID recorded when the row was written."""
    message = EmailMessage()
    message["Subject"] = row["subject"]
    message["From"] = settings.sender
    message["To"] = Address(addr_spec=row["recipient"])
    message["Date"] = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
    message["Message-ID"] = row["message_id"]
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row["text_body"])
    message.add_alternative(row["html_body"], subtype="html")
    return message


def retry_delay(attempts: int, cap_minutes: int) -> timedelta:
    """After the n-th failed attempt wait 2^(n-1) minutes (1, 2, 4 ...), at most the cap."""
    return timedelta(minutes=min(2 ** min(attempts - 1, 30), cap_minutes))


def _failed(db: Database, settings: MailSettings, row: dict, failure: SendFailure,
            now: datetime) -> bool:
    """Record a failed attempt; True when the message is now given up."""
    attempts = row["attempts"] + 1
    give_up = failure.permanent or attempts >= settings.max_attempts
    next_at = None if give_up else _stamp(now + retry_delay(attempts, settings.retry_max_minutes))
    with db.atomic():
        outbox.mark_attempt_failed(db, row["id"], str(failure)[:1000], next_at)
    return give_up


def _stamp(moment: datetime) -> str:
    """As the store keeps times: UTC ISO 8601, seconds precision."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SmtpTransport:
    """One SMTP connection for a run: STARTTLS or implicit TLS as set, then login if a
    user name is set."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        s = self.settings
        port = s.port or SMTP_PORTS[s.security]
        try:
            if s.security == "ssl":
                self.smtp = smtplib.SMTP_SSL(s.server, port, timeout=s.timeout_seconds,
                                             context=ssl.create_default_context())
            else:
                self.smtp = smtplib.SMTP(s.server, port, timeout=s.timeout_seconds)
                if s.security == "starttls":
                    self.smtp.starttls(context=ssl.create_default_context())
            if s.username:
                self.smtp.login(s.username, s.password or "")
        except (OSError, smtplib.SMTPException) as err:
            self.close()
            raise SendFailure(f"{s.server}:{port}: {_describe(err)}",
                              permanent=False) from err

    def send(self, row: dict, message: EmailMessage) -> None:
        try:
            self.smtp.send_message(message, to_addrs=[row["recipient"]])
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            raise SendFailure(_describe(err), permanent=all(c >= 500 for c in codes)) from err
        except (OSError, smtplib.SMTPException) as err:
            raise SendFailure(_describe(err)) from err

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


class FolderTransport:
    """No server set (the default and the demo): each message becomes an .eml file in the
    mail folder, named by its time and id so that the files sort as they were written.
    Writing one again (after a crash) replaces it."""

    def __init__(self, settings: MailSettings):
        self.folder = Path(settings.folder)

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise SendFailure(f"{self.folder}: {_describe(err)}") from err

    def send(self, row: dict, message: EmailMessage) -> None:
        name = f"{row['created_at'].replace('-', '').replace(':', '')}-{row['id']:06d}.eml"
        temporary = self.folder / f".{name}.tmp"
        try:
            temporary.write_bytes(bytes(message))
            os.replace(temporary, self.folder / name)
        except OSError as err:
            raise SendFailure(f"{self.folder / name}: {_describe(err)}") from err

    def close(self) -> None:
        pass


def _describe(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"
