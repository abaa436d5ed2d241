"""User accounts: creating them, checking passwords, and the manager↔branch links."""

from __future__ import annotations

import re

from werkzeug.security import check_password_hash, generate_password_hash

from shopper.domain.vocabulary import MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MIN_PASSWORD, ROLES
from shopper.store.connection import Database, now

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    pass


def create_user(db: Database, *, email: str, name: str, role: str, password: str,
                method: str, branch_codes: tuple[str, ...] = ()) -> int:
    """Create an account (or raise AccountError saying what is wrong). Managers are
    linked to the branches whose codes are given."""
    email = email.strip().lower()
    if len(email) > MAX_EMAIL or len(name) > MAX_NAME:
        raise AccountError(f"keep the email under {MAX_EMAIL} and the name under "
                           f"{MAX_NAME} characters")
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    check_password_rules(password)
    if role != "manager" and branch_codes:
        raise AccountError("only managers are linked to branches")
    with db.atomic():
        if db.execute("SELECT 1 FROM users WHERE email = ?", [email]).fetchone():
            raise AccountError(f"an account for {email} already exists")
        user_id = db["users"].insert({
            "email": email,
            "name": name.strip() or email,
            "role": role,
            "password_hash": generate_password_hash(password, method=method),
            "created_at": now(),
        }).last_pk
        link_branches(db, user_id, branch_codes)
    return user_id


def link_branches(db: Database, user_id: int, branch_codes) -> None:
    for code in branch_codes:
        row = db.execute("SELECT id FROM branches WHERE code = ?", [code]).fetchone()
        if row is None:
            raise AccountError(f"no branch with code {code!r}")
        db.execute(
            "INSERT OR IGNORE INTO manager_branches (user_id, branch_id) VALUES (?, ?)",
            [user_id, row[0]],
        )


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def set_password(db: Database, user_id: int, password: str, method: str) -> None:
    """Change a password; bumping the session version signs out every existing session."""
    check_password_rules(password)
    db.execute(
        "UPDATE users SET password_hash = ?, session_version = session_version + 1 WHERE id = ?",
        [generate_password_hash(password, method=method), user_id],
    )


def password_matches(db: Database, user_id: int, password: str) -> bool:
    row = db.execute("SELECT password_hash FROM users WHERE id = ?", [user_id]).fetchone()
    return row is not None and check_password_hash(row[0], password)


def end_sessions(db: Database, user_id: int) -> None:
    """Sign out every session of this user, everywhere, at its next request: a session
    lives in a signed cookie, so signing out one browser cannot otherwise stop a copy of its
    cookie."""
    with db.atomic():
        db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?",
                   [user_id])


# Checked when the email is unknown, so that an unknown email and a wrong password take
# the same time and give the same answer.
_DUMMY_HASH: dict[str, str] = {}


def authenticate(db: Database, email: str, password: str, method: str) -> dict | None:
    """The active user with this email and password, or None (whatever the reason)."""
    row = next(db.query(
        "SELECT * FROM users WHERE email = ?", [email.strip().lower()]
    ), None)
    if row is None:
        dummy = _DUMMY_HASH.setdefault(method, generate_password_hash("x" * 16, method=method))
        check_password_hash(dummy, password)
        return None
    if not check_password_hash(row["password_hash"], password) or not row["active"]:
        return None
    db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [now(), row["id"]])
    return row


def load_user(db: Database, user_id: int) -> dict | None:
    return next(db.query("SELECT * FROM users WHERE id = ?", [user_id]), None)


def set_active(db: Database, user_id: int, active: bool) -> None:
    """Deactivating ends the user's sessions at their next request (the session version)."""
    db.execute("UPDATE users SET active = ?, session_version = session_version + 1 "
               "WHERE id = ?", [int(active), user_id])


def set_role(db: Database, user_id: int, role: str) -> None:
    """A new role ends the user's sessions; a manager's branch links go with the role."""
    with db.atomic():
        db.execute("UPDATE users SET role = ?, session_version = session_version + 1 "
                   "WHERE id = ?", [role, user_id])
        if role != "manager":
            db.execute("DELETE FROM manager_branches WHERE user_id = ?", [user_id])


def set_manager_branches(db: Database, user_id: int, branch_ids: list[int]) -> None:
    with db.atomic():
        db.execute("DELETE FROM manager_branches WHERE user_id = ?", [user_id])
        for branch_id in branch_ids:
            db.execute("INSERT INTO manager_branches (user_id, branch_id) VALUES (?, ?)",
                       [user_id, branch_id])


def people(db: Database, *, role: str = "", active: str = "", search: str = "",
           limit: int = -1, offset: int = 0) -> tuple[list[dict], int]:
    """Accounts by role and name, optionally of one role, active ("1") or not ("0"), or
    whose name or email contains `search`: `limit` of them from `offset` (-1: all), and
    how many in all."""
    where = ("(:role = '' OR u.role = :role) AND (:active = '' OR u.active = :active) "
             "AND (:search = '' OR u.name LIKE :like OR u.email LIKE :like)")
    args = {"role": role, "active": active, "search": search, "like": f"%{search}%",
            "limit": limit, "offset": offset}
    total = db.execute(f"SELECT COUNT(*) FROM users u WHERE {where}", args).fetchone()[0]
    return list(db.query(
        f"""SELECT u.id, u.email, u.name, u.role, u.active, u.last_login_at,
                  (SELECT group_concat(b.code, ', ') FROM manager_branches m
                     JOIN branches b ON b.id = m.branch_id WHERE m.user_id = u.id) AS branches
           FROM users u WHERE {where} ORDER BY u.role, u.name
           LIMIT :limit OFFSET :offset""", args)), total


def active_shoppers(db: Database) -> list[dict]:
    return list(db.query("SELECT id, name, email FROM users WHERE role = 'shopper' "
                         "AND active = 1 ORDER BY name"))


def name_and_email(db: Database, user_id: int) -> dict:
    return next(db.query("SELECT name, email FROM users WHERE id = ?", [user_id]))


def user_id_of_email(db: Database, email: str) -> int | None:
    row = db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()
    return row[0] if row else None
