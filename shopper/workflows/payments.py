"""Paying shoppers (docs/jobs.md, "Money"): a payable line written with each publication,
expense claims with a receipt photo decided by head office, lines approved and then paid
in batches, and the month's export for the bank. Amounts are Money (domain/money.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shopper.domain.money import Money
from shopper.store import payments, visits
from shopper.store.connection import Database

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
NO_FEE_CURRENCY = "GBP"  # a visit assigned by hand has no fee on record: a zero line


class PaymentError(ValueError):
    """A step refused; the message is for the person who tried."""


def line_for_published(db: Database, visit: dict) -> int | None:
    """The visit's payable line (call inside the publication's transaction): the job's
    fee plus its approved expenses. A visit published again keeps its one line."""
    terms = payments.job_terms(db, visit["id"])
    claim = payments.expense_of_visit(db, visit["id"])
    approved = claim["approved_minor"] if claim and claim["status"] != "claimed" else 0
    return payments.add_line(
        db, visit_id=visit["id"], shopper_id=visit["shopper_id"],
        fee_minor=terms["fee_minor"] if terms else 0, expenses_minor=approved or 0,
        currency=terms["currency"] if terms else NO_FEE_CURRENCY)


def claim_expense(db: Database, visit: dict, amount: Money, receipt_uuid: str,
                  note: str = "") -> int:
    """The shopper's expense for their visit, with a receipt photo taken on that visit, up
    to the job's cap. One claim per visit; none once its line is approved."""
    terms = payments.job_terms(db, visit["id"])
    if terms is None or not terms["expense_cap_minor"]:
        raise PaymentError("This visit has no expenses to claim.")
    cap = Money(terms["currency"], terms["expense_cap_minor"])
    if amount.currency != cap.currency:
        raise PaymentError(f"Claim in {cap.currency}, the visit's currency.")
    if amount.minor <= 0 or amount.minor > cap.minor:
        raise PaymentError(f"Claim an amount up to {cap}, this visit's cap.")
    photo = visits.photo_by_uuid(db, receipt_uuid)
    if photo is None or photo["visit_id"] != visit["id"] or photo["expired_at"]:
        raise PaymentError("Choose a receipt photo from this visit.")
    with db.atomic():
        if payments.expense_of_visit(db, visit["id"]):
            raise PaymentError("You have claimed this visit's expenses already.")
        line = payments.line_of_visit(db, visit["id"])
        if line and line["status"] != "unpaid":
            raise PaymentError("This visit's payment is approved: it is too late to claim.")
        return payments.add_expense(db, visit_id=visit["id"], shopper_id=visit["shopper_id"],
                                    claimed_minor=amount.minor, currency=amount.currency,
                                    receipt_photo_id=photo["id"], note=note.strip())


def decide_expense(db: Database, expense_id: int, actor_id: int, approved: Money,
                   reason: str = "") -> None:
    """Approve the claim as made, or trim it (less, with a reason the shopper reads)."""
    claim = payments.expense(db, expense_id)
    if claim is None or claim["status"] != "claimed":
        raise PaymentError("This expense has been decided already.")
    if approved.currency != claim["currency"]:
        raise PaymentError(f"Give the amount in {claim['currency']}.")
    if not 0 <= approved.minor <= claim["claimed_minor"]:
        raise PaymentError("Approve the amount claimed, or less.")
    trimmed = approved.minor < claim["claimed_minor"]
    if trimmed and not reason.strip():
        raise PaymentError("Say why the expense is trimmed: the shopper reads it.")
    with db.atomic():
        if not payments.decide_expense(db, expense_id, status="trimmed" if trimmed else
                                       "approved", approved_minor=approved.minor,
                                       reason=reason.strip(), actor_id=actor_id):
            raise PaymentError("This expense has been decided already.")
        payments.set_line_expenses(db, claim["visit_id"], approved.minor)


def approve(db: Database, line_ids: list[int], actor_id: int, at: str | None = None) -> int:
    """Approve unpaid lines (a line whose expense waits for a decision stays unpaid)."""
    with db.atomic():
        return payments.approve_lines(db, line_ids, actor_id, at) if line_ids else 0


def pay(db: Database, line_ids: list[int], actor_id: int, reference: str,
        at: str | None = None) -> int:
    """Mark approved lines paid, in one batch named by the bank's reference."""
    reference = (reference or "").strip()
    if not reference:
        raise PaymentError("Give the payment run's reference, as the bank shows it.")
    if not line_ids:
        raise PaymentError("Choose the approved lines that were paid.")
    with db.atomic():
        return payments.pay_lines(db, line_ids, actor_id, reference, at)


def month_csv(db: Database, month: str) -> Iterator[str]:
    """The approved (not yet paid) lines created in `month` (YYYY-MM), for the bank: CSV
    text in chunks, streamed from the database cursor."""
    return payments.payments_csv(payments.line_rows(db, status="approved", month=month),
                                 lambda minor, currency: Money(currency, minor).plain())


def owed_and_paid(db: Database, shopper_id: int) -> dict:
    """A shopper's money: totals owed (unpaid and approved) and paid, by currency, and the
    lines behind them."""
    rows = payments.lines(db, shopper_id=shopper_id, limit=1000)
    totals: dict[tuple[str, str], Money] = {}
    for row in rows:
        key = ("paid" if row["status"] == "paid" else "owed", row["currency"])
        totals[key] = totals.get(key, Money(row["currency"], 0)) + Money(
            row["currency"], row["amount_minor"])
    return {"lines": [{**r, "amount": Money(r["currency"], r["amount_minor"])} for r in rows],
            "owed": [m for (kind, _), m in sorted(totals.items()) if kind == "owed"],
            "paid": [m for (kind, _), m in sorted(totals.items()) if kind == "paid"]}


def check_month(text: str) -> str:
    """A month as YYYY-MM, or PaymentError."""
    if not MONTH.fullmatch(text or ""):
        raise PaymentError("Give the month as YYYY-MM, e.g. 2026-11.")
    return text
