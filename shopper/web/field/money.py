"""The shopper's money: what they are owed and were paid, line by line, and expense claims
with a receipt photo from the visit (workflows/payments.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shopper.domain.money import Money, MoneyError
from shopper.domain.money import parse as parse_money
from shopper.store import payments as payment_rows
from shopper.store import permissions
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.field import bp
from shopper.workflows import payments


def _page(errors: dict | None = None, status: int = 200):
    db = get_db()
    claimable = [{**v, "cap": Money(v["currency"], v["expense_cap_minor"])}
                 for v in payment_rows.claimable_visits(db, current_user.id)]
    claims = [{**c, "claimed": Money(c["currency"], c["claimed_minor"]),
               "approved": None if c["approved_minor"] is None
               else Money(c["currency"], c["approved_minor"])}
              for c in payment_rows.claims_of_shopper(db, current_user.id)]
    page = render_template("field/money.html", money=payments.owed_and_paid(db, current_user.id),
                           claimable=claimable, claims=claims, errors=errors or {},
                           posted=request.form if errors else {})
    return page, status, {"Cache-Control": "private, no-store"}


@bp.route("/money")
@allow("shopper")
def money():
    return _page()


@bp.route("/money/expenses/<visit_uuid>", methods=["POST"])
@allow("shopper")
def claim_expense(visit_uuid: str):
    visit = permissions.visit_for_shopper(get_db(), current_user, visit_uuid)
    if visit is None:
        abort(404)
    terms = payment_rows.job_terms(get_db(), visit["id"])
    try:
        amount = parse_money(request.form.get("amount", ""),
                             terms["currency"] if terms else "GBP")
        payments.claim_expense(get_db(), visit, amount, request.form.get("receipt", ""),
                               request.form.get("note", "")[:500])
    except (MoneyError, payments.PaymentError) as err:
        return _page({visit_uuid: str(err)}, 422)
    flash(f"Expenses of {amount} claimed: head office will approve them.", "info")
    return redirect(url_for("field.money"), 303)
