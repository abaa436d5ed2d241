"""What shoppers are owed and paid: payable lines, expense claims and payment batches. The
one module that writes the payable_lines, expenses and payment_batches tables. Amounts
are whole minor units with a currency code (domain/money.py), never floats."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from shopper.store.connection import Database, now
from shopper.store.exports import csv_chunks

_LINE = """
    SELECT l.*, l.fee_minor + l.expenses_minor AS amount_minor, v.uuid AS visit_uuid,
           v.visit_date, b.name AS branch_name, b.code AS branch_code,
           u.name AS shopper_name, u.email AS shopper_email, pb.reference AS batch_reference,
           pb.paid_at, e.id AS expense_id, e.status AS expense_status
    FROM payable_lines l JOIN visits v ON v.id = l.visit_id
    JOIN branches b ON b.id = v.branch_id JOIN users u ON u.id = l.shopper_id
    LEFT JOIN payment_batches pb ON pb.id = l.batch_id
    LEFT JOIN expenses e ON e.visit_id = l.visit_id
"""


def job_terms(db: Database, visit_id: int) -> dict | None:
    """The fee and expense cap of the job a visit came from (None for a visit assigned by
    hand, which has no fee on record)."""
    return next(db.query(
        """SELECT j.fee_minor, j.expense_cap_minor, j.currency FROM visits v
           JOIN jobs j ON j.assignment_id = v.assignment_id WHERE v.id = ?""", [visit_id]),
        None)


def add_line(db: Database, *, visit_id: int, shopper_id: int, fee_minor: int,
             expenses_minor: int, currency: str) -> int | None:
    """A visit's payable line, dated by its publication; None if it has one already
    (published again after a correction never pays twice)."""
    cursor = db.execute(
        """INSERT INTO payable_lines (visit_id, shopper_id, fee_minor, expenses_minor,
               currency, status, created_at)
           SELECT ?, ?, ?, ?, ?, 'unpaid', COALESCE(published_at, ?) FROM visits WHERE id = ?
           ON CONFLICT (visit_id) DO NOTHING""",
        [visit_id, shopper_id, fee_minor, expenses_minor, currency, now(), visit_id])
    return cursor.lastrowid if cursor.rowcount else None


def line_of_visit(db: Database, visit_id: int) -> dict | None:
    return next(db.query(_LINE + " WHERE l.visit_id = ?", [visit_id]), None)


def lines(db: Database, *, status: str = "", shopper_id: int | None = None,
          month: str = "", limit: int = 500) -> list[dict]:
    """Lines, newest first: of one status, one shopper, one month of creation (YYYY-MM)."""
    return list(line_rows(db, status=status, shopper_id=shopper_id, month=month, limit=limit))


def line_counts(db: Database) -> dict[str, int]:
    """How many lines there are of each status."""
    return {"unpaid": 0, "approved": 0, "paid": 0, **dict(db.execute(
        "SELECT status, COUNT(*) FROM payable_lines GROUP BY status").fetchall())}


def line_rows(db: Database, *, status: str = "", shopper_id: int | None = None,
              month: str = "", limit: int = -1) -> Iterator[dict]:
    """The same lines one at a time from the database cursor (all of them with -1), for
    an export that streams."""
    where, args = [], []
    for clause, value in (("l.status = ?", status), ("l.shopper_id = ?", shopper_id),
                          ("substr(l.created_at, 1, 7) = ?", month)):
        if value:
            where.append(clause)
            args.append(value)
    return db.query(_LINE + (" WHERE " + " AND ".join(where) if where else "") +
                    " ORDER BY l.created_at DESC, l.id DESC LIMIT ?", [*args, limit])


def set_line_expenses(db: Database, visit_id: int, expenses_minor: int) -> None:
    """An expense decided after publication changes the line while it is unpaid."""
    db.execute("UPDATE payable_lines SET expenses_minor = ? WHERE visit_id = ? AND "
               "status = 'unpaid'", [expenses_minor, visit_id])


def approve_lines(db: Database, line_ids: list[int], actor_id: int,
                  at: str | None = None) -> int:
    """Unpaid lines with no expense waiting for a decision become approved."""
    marks = ",".join("?" * len(line_ids))
    return db.execute(
        f"""UPDATE payable_lines SET status = 'approved', approved_at = ?, approved_by = ?
            WHERE id IN ({marks}) AND status = 'unpaid' AND NOT EXISTS (
                SELECT 1 FROM expenses e WHERE e.visit_id = payable_lines.visit_id
                AND e.status = 'claimed')""", [at or now(), actor_id, *line_ids]).rowcount


def pay_lines(db: Database, line_ids: list[int], actor_id: int, reference: str,
              at: str | None = None) -> int:
    """Approved lines paid in one batch (now, or `at`); returns the batch's id."""
    batch = db["payment_batches"].insert({"reference": reference, "paid_at": at or now(),
                                          "created_by": actor_id}).last_pk
    marks = ",".join("?" * len(line_ids))
    db.execute(f"UPDATE payable_lines SET status = 'paid', batch_id = ? WHERE id IN ({marks}) "
               "AND status = 'approved'", [batch, *line_ids])
    return batch


# --- expenses -------------------------------------------------------------------------

def add_expense(db: Database, *, visit_id: int, shopper_id: int, claimed_minor: int,
                currency: str, receipt_photo_id: int, note: str) -> int:
    return db["expenses"].insert({
        "visit_id": visit_id, "shopper_id": shopper_id, "claimed_minor": claimed_minor,
        "currency": currency, "receipt_photo_id": receipt_photo_id, "note": note,
        "claimed_at": now(), "status": "claimed"}).last_pk


def expense_of_visit(db: Database, visit_id: int) -> dict | None:
    return next(db.query(
        """SELECT e.*, p.uuid AS receipt_uuid FROM expenses e
           JOIN photos p ON p.id = e.receipt_photo_id WHERE e.visit_id = ?""", [visit_id]),
        None)


def expense(db: Database, expense_id: int) -> dict | None:
    return next(db.query("SELECT * FROM expenses WHERE id = ?", [expense_id]), None)


def waiting_expenses(db: Database) -> list[dict]:
    return list(db.query(
        """SELECT e.*, p.uuid AS receipt_uuid, v.uuid AS visit_uuid, v.visit_date,
                  b.name AS branch_name, u.name AS shopper_name
           FROM expenses e JOIN photos p ON p.id = e.receipt_photo_id
           JOIN visits v ON v.id = e.visit_id JOIN branches b ON b.id = v.branch_id
           JOIN users u ON u.id = e.shopper_id
           WHERE e.status = 'claimed' ORDER BY e.claimed_at"""))


def decide_expense(db: Database, expense_id: int, *, status: str, approved_minor: int,
                   reason: str, actor_id: int) -> bool:
    return db.execute(
        """UPDATE expenses SET status = ?, approved_minor = ?, decision_reason = ?,
               decided_by = ?, decided_at = ? WHERE id = ? AND status = 'claimed'""",
        [status, approved_minor, reason, actor_id, now(), expense_id]).rowcount == 1


# --- export ---------------------------------------------------------------------------

PAYMENTS_HEADER = ["line_id", "shopper_name", "shopper_email", "visit_date", "branch_code",
                   "fee", "expenses", "amount", "currency", "status", "batch_reference"]


def payments_csv(rows: Iterable[dict], plain) -> Iterator[str]:
    """Lines as a bank or payroll upload wants them, as chunks of CSV text streamed from
    `rows`: `plain(minor, currency)` writes each amount as digits and a point ("27.50");
    every cell a person wrote is formula-guarded."""
    return csv_chunks(PAYMENTS_HEADER, (
        [r["id"], r["shopper_name"], r["shopper_email"], r["visit_date"], r["branch_code"],
         plain(r["fee_minor"], r["currency"]), plain(r["expenses_minor"], r["currency"]),
         plain(r["amount_minor"], r["currency"]), r["currency"], r["status"],
         r["batch_reference"] or ""] for r in rows))


def claimable_visits(db: Database, shopper_id: int) -> list[dict]:
    """The shopper's sent visits from jobs with an expense cap, not claimed yet and not
    approved for payment, each with its photos to pick the receipt from."""
    found = list(db.query(
        """SELECT v.id, v.uuid, v.visit_date, b.name AS branch_name, j.expense_cap_minor,
                  j.currency
           FROM visits v JOIN jobs j ON j.assignment_id = v.assignment_id
           JOIN branches b ON b.id = v.branch_id
           WHERE v.shopper_id = ? AND j.expense_cap_minor > 0
             AND v.status NOT IN ('draft', 'incomplete')
             AND NOT EXISTS (SELECT 1 FROM expenses e WHERE e.visit_id = v.id)
             AND NOT EXISTS (SELECT 1 FROM payable_lines l WHERE l.visit_id = v.id
                             AND l.status != 'unpaid')
           ORDER BY v.visit_date DESC""", [shopper_id]))
    for visit in found:
        visit["photos"] = list(db.query(
            "SELECT uuid, caption FROM photos WHERE visit_id = ? AND expired_at IS NULL "
            "ORDER BY id", [visit["id"]]))
    return found


def claims_of_shopper(db: Database, shopper_id: int) -> list[dict]:
    return list(db.query(
        """SELECT e.*, v.visit_date, b.name AS branch_name FROM expenses e
           JOIN visits v ON v.id = e.visit_id JOIN branches b ON b.id = v.branch_id
           WHERE e.shopper_id = ? ORDER BY e.claimed_at DESC""", [shopper_id]))
