"""Login throttling: after too many failed sign-ins for one account or from one address,
further attempts are refused for a while, without checking the password.

Everything is counted from the `login_attempts` table at each attempt, so every worker
process sees the same counts. The rules:

- An account (the email as typed, case-insensitive, whether or not such an account
  exists) is locked once it has had `per_account` failures within the window. The
  lockout ends when enough of those failures have left the window.
- An address with `per_address` failures within the window is *suspect*: from it, an
  account it has already failed against (since that account's last success) is refused,
  as long as the address stays suspect. An account it has not failed against is still
  checked, so a burst of bad guesses from one address (or from everyone behind one proxy)
  never stops someone else typing their own right password; a sprayer there gets one
  guess per account per window instead of `per_account`. (Threat model: README,
  "Sign-in limits".)
- A successful sign-in resets its account's count (failures before it no longer count):
  the owner, who knows the password, is not punished for earlier typos. It never resets
  an address's count, so an attacker who owns one account cannot sign in with it now and
  then to keep guessing other people's passwords from the same address.
- A refused attempt is recorded (marked `refused`) but is not a failure: it checked no
  password, and retrying during a lockout does not make the lockout longer, so "try
  again in about N minutes" stays true.
- Rows older than a day are deleted as attempts are recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shopper.store.connection import Database

KEEP_ATTEMPTS_FOR = timedelta(days=1)
STAMP = "%Y-%m-%dT%H:%M:%SZ"  # as db.now(): UTC, seconds; sorts as text


@dataclass(frozen=True)
class Limits:
    window: timedelta
    per_account: int
    per_address: int

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(window=timedelta(minutes=float(config["LOGIN_FAILURE_WINDOW_MINUTES"])),
                   per_account=int(config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
                   per_address=int(config["LOGIN_MAX_FAILURES_PER_ADDRESS"]))


@dataclass(frozen=True)
class Admission:
    """A recorded attempt, and how long it must wait (None: check the password)."""

    attempt_id: int
    wait: timedelta | None


def utc_now() -> datetime:
    """The clock the sign-in page reads; tests replace it to move through the window."""
    return datetime.now(UTC)


def account_key(email: str) -> str:
    """The email as accounts.authenticate looks it up, so that no spelling of one account
    escapes its count."""
    return email.strip().lower()


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(STAMP)


def admit_attempt(db: Database, email: str, address: str, now: datetime,
                  limits: Limits) -> Admission:
    """Record a sign-in attempt and say whether its password may be checked.

    The counts are read and the attempt written under one write lock: as refused if the
    account or address is locked out, otherwise as a failure until `record_success` says
    it succeeded. So parallel attempts, in any number of processes, each count the ones
    before them, and no more passwords are checked than the limits allow."""
    with db.atomic():
        wait = time_until_allowed(db, email, address, now, limits)
        attempt_id = db["login_attempts"].insert({
            "at": stamp(now), "email": account_key(email), "address": address,
            "succeeded": 0, "refused": int(wait is not None),
        }).last_pk
        prune_old_attempts(db, now, keep=max(KEEP_ATTEMPTS_FOR, limits.window))
    return Admission(attempt_id, wait)


def record_success(db: Database, attempt_id: int) -> None:
    db.execute("UPDATE login_attempts SET succeeded = 1 WHERE id = ?", [attempt_id])


def time_until_allowed(db: Database, email: str, address: str, now: datetime,
                       limits: Limits) -> timedelta | None:
    """How long until this email and this address may try again; None if they may now."""
    email, since = account_key(email), stamp(now - limits.window)
    last_success = db.execute(
        "SELECT coalesce(max(id), 0) FROM login_attempts "
        "WHERE email = ? AND at > ? AND succeeded = 1", [email, since]).fetchone()[0]
    ends = [_lockout_end(db, "email", email, limits.per_account, since, last_success)]
    if _has_failed_against(db, address, email, since, last_success):
        ends.append(_lockout_end(db, "address", address, limits.per_address, since, 0))
    ends = [end for end in ends if end is not None]
    if not ends:
        return None
    return max(max(ends) + limits.window - now, timedelta(0))


def _has_failed_against(db: Database, address: str, email: str, since: str,
                        after_id: int) -> bool:
    """Whether this address has had a failure for this email in the window since the
    email's last success."""
    return db.execute(
        "SELECT 1 FROM login_attempts WHERE address = ? AND email = ? AND at > ? "
        "AND id > ? AND succeeded = 0 AND refused = 0 LIMIT 1",
        [address, email, since, after_id]).fetchone() is not None


def _lockout_end(db: Database, column: str, value: str, limit: int, since: str,
                 after_id: int) -> datetime | None:
    """With `limit` or more failures in the window, the time of the failure whose leaving
    the window brings the count under the limit (the limit-th most recent); else None."""
    row = db.execute(
        f"SELECT at FROM login_attempts WHERE {column} = ? AND at > ? AND id > ? "
        "AND succeeded = 0 AND refused = 0 ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?",
        [value, since, after_id, limit - 1]).fetchone()
    if row is None:
        return None
    return datetime.strptime(row[0], STAMP).replace(tzinfo=UTC)


def prune_old_attempts(db: Database, now: datetime,
                       keep: timedelta = KEEP_ATTEMPTS_FOR) -> int:
    """Forget attempts older than `keep` (a day, beyond any usual window), so that the
    table holds about a day of sign-ins however long the app runs."""
    return db.execute("DELETE FROM login_attempts WHERE at < ?",
                      [stamp(now - keep)]).rowcount


def wait_message(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed sign-ins. Try again in about {minutes} {unit}."

