"""Mail: messages written to the outbox with the event that causes them, as each user
chose (at once, in a daily digest, or not at all); the daily run that writes digests and
reminders once a day; and `send_waiting`, which sends what is due (by SMTP, or as .eml
files with no server set) and retries failures with exponential backoff. docs/mail.md says
how to run it and what at-least-once means here."""

from __future__ import annotations

import email.policy
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer

from shopper.domain import messages
from shopper.domain.appeals import OVERTURNED
from shopper.domain.messages import DAILY, KINDS_BY_KEY, NOW, OFF, Item, Kind, Message
from shopper.store import appeals
from shopper.store import mail as outbox
from shopper.store.connection import Database

SMTP_PORTS = {"plain": 25, "starttls": 587, "ssl": 465}
# Headers are not folded short: a long List-Unsubscribe URL must stay one plain <URL>, not
# become RFC 2047 encoded words that mail programs will not follow. (998 is SMTP's limit.)
LONG_LINES = email.policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class MailSettings:
    secret_key: str  # signs unsubscribe links
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
    time_zone: str = "Europe/London"  # the day digests and reminders belong to
    digest_hour: int = 7  # local hour from which the day's digests and reminders go

    @classmethod
    def from_config(cls, config: Mapping) -> MailSettings:
        """From the app's settings (shopper/config.py, which has checked them)."""
        security = ("ssl" if config["MAIL_USE_SSL"]
                    else "starttls" if config["MAIL_USE_TLS"] else "plain")
        return cls(secret_key=config["SECRET_KEY"], base_url=config["BASE_URL"],
                   sender=config["MAIL_FROM"],
                   server=config["MAIL_SERVER"] or None, port=config["MAIL_PORT"],
                   username=config["MAIL_USERNAME"], password=config["MAIL_PASSWORD"],
                   security=security, folder=config["MAIL_FOLDER"],
                   max_attempts=config["MAIL_MAX_ATTEMPTS"],
                   retry_max_minutes=config["MAIL_RETRY_MAX_MINUTES"],
                   timeout_seconds=config["MAIL_TIMEOUT_SECONDS"],
                   time_zone=config["DEFAULT_TIME_ZONE"], digest_hour=config["DIGEST_HOUR"])

    @property
    def domain(self) -> str:
        """For Message-IDs: the sender's domain, else the site's host name."""
        address = parseaddr(self.sender)[1]
        return address.rpartition("@")[2] or urlsplit(self.base_url).hostname or "localhost"


# --- who gets what ------------------------------------------------------------------

def choice(db: Database, user_id: int, kind: Kind) -> str:
    """How the user takes this kind of message: their own choice, else the default."""
    return outbox.choices_of(db, user_id).get(kind.key, kind.default)


def preferences(db: Database, user: dict) -> list[tuple[Kind, str]]:
    """Every kind of message the user's role gets, with how they take it now."""
    chosen = outbox.choices_of(db, user["id"])
    return [(kind, chosen.get(kind.key, kind.default))
            for kind in messages.kinds_for(user["role"])]


def set_preferences(db: Database, user: dict, choices: dict[str, str]) -> None:
    """Keep the user's choices; a kind their role does not get, or a choice that kind does
    not offer, is refused (ValueError)."""
    allowed = {kind.key: kind for kind in messages.kinds_for(user["role"])}
    for key, value in choices.items():
        if key not in allowed or value not in allowed[key].choices:
            raise ValueError(f"{key}: {value} is not a choice here")
    outbox.set_choices(db, user["id"], choices, _stamp(datetime.now(UTC)))


def unsubscribe_token(settings: MailSettings, user_id: int, kind: str) -> str:
    return _signer(settings).dumps([user_id, kind])


def unsubscribe_target(settings: MailSettings, token: str) -> tuple[int, Kind] | None:
    """Whose and which kind of message a link stops; None for a link not ours."""
    try:
        user_id, key = _signer(settings).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    kind = KINDS_BY_KEY.get(key)
    return (user_id, kind) if kind and isinstance(user_id, int) else None


def unsubscribe(db: Database, user_id: int, kind: Kind) -> dict | None:
    """Stop one kind of message to one user (the one-click link); None if the account is
    gone."""
    user = outbox.recipient(db, user_id)
    if user is None or user["role"] != kind.role:
        return None
    outbox.set_choices(db, user_id, {kind.key: OFF}, _stamp(datetime.now(UTC)))
    return user


def _signer(settings: MailSettings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="mail-unsubscribe")


def unsubscribe_path(token: str) -> str:
    return f"/mail/unsubscribe/{token}"


# --- writing messages, inside the transaction of the event ---------------------------

def queue(db: Database, settings: MailSettings, *, kind: str, user_id: int | None,
          recipient: str, message: Message, now: datetime | None = None,
          dedupe_key: str | None = None) -> int | None:
    """Write one message to the outbox, with the footer that says why it came and the
    one-click link that stops its kind."""
    unsubscribe_url = None
    if user_id is not None:
        unsubscribe_url = messages.link(
            settings.base_url, unsubscribe_path(unsubscribe_token(settings, user_id, kind)))
        message = messages.with_unsubscribe(
            message, KINDS_BY_KEY[kind], unsubscribe_url,
            messages.link(settings.base_url, messages.PREFERENCES_PATH))
    return outbox.queue(db, kind=kind, user_id=user_id, recipient=recipient, message=message,
                        message_id=make_msgid(domain=settings.domain),
                        at=_stamp(now or datetime.now(UTC)), unsubscribe_url=unsubscribe_url,
                        dedupe_key=dedupe_key)


def notify(db: Database, settings: MailSettings, user: dict, kind_key: str,
           message: Message, digest: Item | None = None, dedupe_key: str | None = None,
           now: datetime | None = None) -> str | None:
    """Tell one user as they chose: the message now, its digest line for later, or
    nothing. Returns what was written (NOW or DAILY), None for nothing (turned off, or
    written before under the same `dedupe_key`)."""
    how = choice(db, user["id"], KINDS_BY_KEY[kind_key])
    if how == NOW:
        return NOW if queue(db, settings, kind=kind_key, user_id=user["id"],
                            recipient=user["email"], message=message, now=now,
                            dedupe_key=dedupe_key) is not None else None
    if how == DAILY and digest is not None:
        outbox.add_digest_item(db, user["id"], kind_key, digest.text, digest.url,
                               _stamp(now or datetime.now(UTC)))
        return DAILY
    return None


def scorecard_published(db: Database, settings: MailSettings, visit_id: int) -> int:
    """Tell each manager of the visit's branch, as they chose; a critical failure at once
    (whatever they chose for scorecards, unless they turned critical failures off). Built
    from the branch and the scorecard only: nothing in it names the shopper. Returns the
    number of messages written now."""
    visit = outbox.visit_summary(db, visit_id)
    branch = outbox.visit_branch_and_shopper(db, visit_id)
    url = messages.link(settings.base_url, messages.scorecard_path(visit["uuid"]))
    critical = outbox.critical_standards(db, visit_id) if visit["critical_failed"] else []
    line = Item(_scorecard_line(visit), url)
    written = 0
    for manager in outbox.branch_managers(db, branch["branch_id"]):
        told = bool(critical) and notify(
            db, settings, manager, messages.CRITICAL_FAILURE,
            messages.critical_failure(visit["branch_name"], critical, url)) == NOW
        written += told
        if told and choice(db, manager["id"],
                           KINDS_BY_KEY[messages.SCORECARD_PUBLISHED]) == NOW:
            continue  # the critical failure's message links to the same scorecard
        written += notify(db, settings, manager, messages.SCORECARD_PUBLISHED,
                          messages.scorecard_published(visit["branch_name"], url),
                          digest=line) == NOW
    return written


def _scorecard_line(visit: dict) -> str:
    score = "no score" if visit["score"] is None else f"{visit['score']:.0f}%"
    critical = ", critical failure" if visit["critical_failed"] else ""
    return f"{visit['branch_name']}: {score}{critical} (visit of {visit['visit_date']})"


def visit_returned(db: Database, settings: MailSettings, visit_id: int, comment: str) -> int:
    visit = outbox.visit_branch_and_shopper(db, visit_id)
    shopper = outbox.recipient(db, visit["shopper_id"])
    if shopper is None:
        return 0
    url = messages.link(settings.base_url, messages.field_visit_path(visit["uuid"]))
    how = notify(db, settings, shopper, messages.VISIT_RETURNED,
                 messages.visit_returned(visit["branch_name"], comment, url))
    return int(how == NOW)


def assignments_made(db: Database, settings: MailSettings, assignment_ids: list[int]) -> int:
    """Tell each shopper of the visits just given to them, in one message each."""
    by_shopper: dict[int, list[dict]] = {}
    for row in outbox.assignments_by_id(db, assignment_ids) if assignment_ids else []:
        by_shopper.setdefault(row["shopper_id"], []).append(row)
    written = 0
    url = messages.link(settings.base_url, messages.FIELD_HOME_PATH)
    for shopper_id, rows in by_shopper.items():
        shopper = outbox.recipient(db, shopper_id)
        if shopper is None:
            continue
        branches = [f"{r['branch_name']}, between {r['window_start']} and {r['window_end']}"
                    for r in rows]
        written += notify(db, settings, shopper, messages.ASSIGNMENT_NEW,
                          messages.assignment_new(branches, url)) == NOW
    return written


def appeal_decided(db: Database, settings: MailSettings, appeal: dict) -> int:
    """Tell the branch's managers head office's decision on an appeal, and the visit's
    shopper that a finding of theirs was looked at again: what changed and head office's
    comment, never who appealed nor why. Call it once the decision (and any correction)
    is written, in the same transaction. Returns the number of messages written."""
    visit = outbox.visit_summary(db, appeal["visit_id"])
    branch = outbox.visit_branch_and_shopper(db, appeal["visit_id"])
    overturned = appeal["status"] == OVERTURNED
    standard = appeal["question_standard"] or appeal["question_text"]
    score = "no score" if visit["score"] is None else f"{visit['score']:.0f}%"
    manager_mail = messages.appeal_decided(
        visit["branch_name"], standard, overturned, appeal["decision_comment"], score,
        messages.link(settings.base_url, messages.scorecard_path(visit["uuid"])))
    written = sum(notify(db, settings, manager, messages.APPEAL_DECIDED, manager_mail) == NOW
                  for manager in outbox.branch_managers(db, branch["branch_id"]))
    shopper = outbox.recipient(db, branch["shopper_id"])
    if shopper is not None:
        written += notify(db, settings, shopper, messages.FINDING_REVIEWED,
                          messages.finding_reviewed(
                              visit["branch_name"], visit["visit_date"], standard, overturned,
                              appeal["decision_comment"],
                              messages.link(settings.base_url,
                                            messages.field_visit_path(visit["uuid"])))) == NOW
    return written


# --- once a day ------------------------------------------------------------------------

def local_day(settings: MailSettings, now: datetime) -> date | None:
    """The day whose digests and reminders are due at `now`, or None before the hour."""
    local = now.astimezone(ZoneInfo(settings.time_zone))
    return local.date() if local.hour >= settings.digest_hour else None


def queue_daily(db: Database, settings: MailSettings, day: date,
                now: datetime | None = None) -> int:
    """Write the day's digests and reminders. Each carries a key naming its day (or its
    action, assignment and due date), so running this again the same day writes nothing
    twice. Returns the number of messages written."""
    now = now or datetime.now(UTC)
    with db.atomic():
        return (_scorecard_digests(db, settings, day, now)
                + _office_digests(db, settings, day, now)
                + _action_reminders(db, settings, day, now)
                + _windows_closing(db, settings, day, now))


def _scorecard_digests(db, settings, day, now) -> int:
    items = outbox.waiting_digest_items(db, messages.SCORECARD_PUBLISHED)
    written = 0
    for user_id in dict.fromkeys(item["user_id"] for item in items):
        mine = [item for item in items if item["user_id"] == user_id]
        user = outbox.recipient(db, user_id)
        if user is None:
            continue
        message = messages.scorecard_digest(
            [Item(item["text"], item["url"]) for item in mine], day.isoformat())
        row_id = queue(db, settings, kind=messages.SCORECARD_PUBLISHED, user_id=user_id,
                       recipient=user["email"], message=message, now=now,
                       dedupe_key=f"digest:{messages.SCORECARD_PUBLISHED}:{user_id}:{day}")
        if row_id is not None:
            outbox.mark_digested(db, [item["id"] for item in mine], row_id)
            written += 1
    return written


def _office_digests(db, settings, day, now) -> int:
    since = _stamp(now - timedelta(days=1))
    waiting = outbox.waiting_for_review_count(db)
    critical = [Item(f"{v['branch_name']} (visit of {v['visit_date']})",
                     messages.link(settings.base_url, f"/office/review/{v['uuid']}"))
                for v in outbox.critical_failures_sent_since(db, since)]
    review = messages.link(settings.base_url, messages.REVIEW_QUEUE_PATH)
    waiting_item = Item(f"{waiting} visit{'s' if waiting != 1 else ''} waiting for review",
                        review) if waiting else None
    appealed = appeals.waiting_count(db)
    appeals_item = Item(f"{appealed} appeal{'s' if appealed != 1 else ''} against a finding "
                        "waiting for a decision",
                        messages.link(settings.base_url, messages.APPEALS_PATH)
                        ) if appealed else None
    if not (waiting_item or critical or appeals_item):
        return 0
    message = messages.office_digest(day.isoformat(), waiting_item, critical, appeals_item)
    written = 0
    for user in outbox.active_users(db, "office"):
        if choice(db, user["id"], KINDS_BY_KEY[messages.OFFICE_DIGEST]) == DAILY:
            written += queue(db, settings, kind=messages.OFFICE_DIGEST, user_id=user["id"],
                             recipient=user["email"], message=message, now=now,
                             dedupe_key=f"digest:{messages.OFFICE_DIGEST}:{user['id']}:{day}"
                             ) is not None
    return written


def _action_reminders(db, settings, day, now) -> int:
    tomorrow = day + timedelta(days=1)
    written = 0
    for row in outbox.actions_to_remind(db, day.isoformat(), tomorrow.isoformat()):
        overdue = row["due_date"] < day.isoformat()
        message = messages.action_reminder(
            row["branch_name"], row["standard"], row["description"], row["due_date"],
            overdue, messages.link(settings.base_url, messages.actions_path(row["branch_id"])))
        stage = "overdue" if overdue else "due"
        user = {"id": row["user_id"], "email": row["email"], "role": "manager"}
        if notify(db, settings, user, messages.ACTION_REMINDER, message, now=now,
                  dedupe_key=f"action:{stage}:{row['id']}:{row['due_date']}:{row['user_id']}"
                  ) == NOW:
            written += 1
    return written


def _windows_closing(db, settings, day, now) -> int:
    url = messages.link(settings.base_url, messages.FIELD_HOME_PATH)
    written = 0
    for row in outbox.windows_closing(db, (day + timedelta(days=2)).isoformat()):
        user = {"id": row["user_id"], "email": row["email"], "role": "shopper"}
        if notify(db, settings, user, messages.WINDOW_CLOSING,
                  messages.window_closing(row["branch_name"], row["window_end"], url),
                  now=now, dedupe_key=f"window:{row['id']}:{row['window_end']}") == NOW:
            written += 1
    return written


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
    message = EmailMessage(policy=LONG_LINES)
    message["Subject"] = row["subject"]
    message["From"] = settings.sender
    message["To"] = Address(addr_spec=row["recipient"])
    message["Date"] = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
    message["Message-ID"] = row["message_id"]
    message["Auto-Submitted"] = "auto-generated"
    if row["unsubscribe_url"]:  # RFC 8058: mail programs offer their own one-click button
        message["List-Unsubscribe"] = f"<{row['unsubscribe_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
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
