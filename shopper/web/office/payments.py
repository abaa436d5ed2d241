"""Head office's payments: expense claims to approve or trim, payable lines to approve,
approved lines marked paid in a batch, and the month's CSV for the bank (the same as
`shopper payments --month`)."""

from __future__ import annotations

from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shopper.domain.money import Money, MoneyError
from shopper.domain.money import parse as parse_money
from shopper.store import payments as payment_rows
from shopper.web import params
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.downloads import csv_response
from shopper.web.office import bp
from shopper.workflows import payments


def _money_rows(rows: list[dict]) -> list[dict]:
    return [{**r, "amount": Money(r["currency"], r["amount_minor"])} for r in rows]


def _ids(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.isdigit() and len(v) < 12]


@bp.route("/payments")
@allow("office")
def payments_page():
    db = get_db()
    claims = [{**c, "claimed": Money(c["currency"], c["claimed_minor"])}
              for c in payment_rows.waiting_expenses(db)]
    shown = current_app.config["LIST_PAGE_SIZE"]  # of each list, the newest: a work queue
    return render_template(
        "office/payments.html", claims=claims, counts=payment_rows.line_counts(db),
        shown=shown,
        unpaid=_money_rows(payment_rows.lines(db, status="unpaid", limit=shown)),
        approved=_money_rows(payment_rows.lines(db, status="approved", limit=shown)),
        paid=_money_rows(payment_rows.lines(db, status="paid", limit=50)),
        month=date.today().isoformat()[:7]), 200, {"Cache-Control": "private, no-store"}


@bp.route("/payments/expenses/<int:expense_id>", methods=["POST"])
@allow("office")
def decide_expense(expense_id: int):
    claim = payment_rows.expense(get_db(), expense_id)
    try:
        if claim is None:
            raise payments.PaymentError("That expense does not exist.")
        amount = parse_money(request.form.get("approved", ""), claim["currency"])
        payments.decide_expense(get_db(), expense_id, current_user.id, amount,
                                request.form.get("reason", "")[:500])
    except (MoneyError, payments.PaymentError) as err:
        flash(f"Not decided: {err}", "error")
    else:
        flash(f"Expense decided: {amount}.", "info")
    return redirect(url_for("office.payments_page"), 303)


@bp.route("/payments/approve", methods=["POST"])
@allow("office")
def approve_lines():
    count = payments.approve(get_db(), _ids("line"), current_user.id)
    flash(f"{count} line{'s' if count != 1 else ''} approved for payment (a line whose "
          "expense waits for a decision stays unpaid).", "info")
    return redirect(url_for("office.payments_page"), 303)


@bp.route("/payments/pay", methods=["POST"])
@allow("office")
def pay_lines():
    try:
        payments.pay(get_db(), _ids("line"), current_user.id, request.form.get("reference", ""))
    except payments.PaymentError as err:
        flash(str(err), "error")
    else:
        flash("Lines marked paid.", "info")
    return redirect(url_for("office.payments_page"), 303)


@bp.route("/payments.csv")
@allow("office")
def payments_csv():
    try:
        month = payments.check_month(params.some_text("month", 7))
    except payments.PaymentError as err:
        raise params.BadParameter("month", str(err)) from None
    return csv_response(payments.month_csv(get_db(), month), f"payments-{month}.csv")
