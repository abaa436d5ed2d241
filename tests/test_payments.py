"""Paying shoppers: a payable line with each publication (the job's fee), expenses claimed
with a receipt photo up to the cap and approved or trimmed, lines approved and paid in a
batch, the shopper's own view, and the month's CSV for the bank, equal to the screen."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from PIL import Image

from shopper.domain.money import Money
from shopper.domain.money import parse as money
from shopper.domain.photos import process_photo
from shopper.store import payments as payment_rows
from shopper.store.checklists import load_version
from shopper.store.visits import add_photo
from shopper.workflows import jobs, payments, review

from . import factories
from .support import MAIL_SETTINGS, MANAGER_A, OFFICE, SHOPPER, csrf_token, signed_in


def photo(db, app, visit_id: int, name: str) -> str:
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(image, "JPEG")
    return add_photo(db, app.config["PHOTO_FOLDER"], visit_id=visit_id,
                     photo_uuid=name, processed=process_photo(image.getvalue()))["uuid"]


@pytest.fixture
def paid_visit(empty_app, small_db) -> dict:
    """SHOPPER's submitted visit to LDS01, made from a job paying £25 with expenses up to
    £8.50, with a receipt photo; and a second visit of theirs assigned by hand."""
    first = factories.one_visit(small_db)  # by hand, submitted
    office = small_db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]
    small_db.execute("UPDATE users SET name = '=HYPERLINK(\"x\")' WHERE email = ?", [SHOPPER])
    today = date.today()
    [job_id] = jobs.publish(small_db, jobs.Wave(
        [first["branch_id"]], load_version(small_db, first["version_id"]).checklist_id,
        today, today + timedelta(days=7), "Ask about loans.", money("25", "GBP"),
        money("8.50", "GBP")), office)
    assignment = jobs.take(small_db, job_id, first["shopper_id"], None, today,
                           jobs.Limits(no_repeat_days=0))
    visit = factories.a_visit(small_db, assignment_id=assignment,
                              shopper_id=first["shopper_id"],
                              version=load_version(small_db, first["version_id"]),
                              answers=factories.MET_AND_MISSED, status="submitted",
                              reviewer_id=office)
    receipt = photo(small_db, empty_app, visit["id"], "0a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b")
    other = photo(small_db, empty_app, first["id"], "1a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b")
    return {"visit": visit, "by_hand": first, "office": office, "receipt": receipt,
            "other_photo": other}


def test_publishing_writes_one_line_with_the_jobs_fee(small_db, paid_visit):
    review.publish(small_db, paid_visit["visit"], paid_visit["office"],
                   mail_settings=MAIL_SETTINGS)
    review.publish(small_db, paid_visit["by_hand"], paid_visit["office"],
                   mail_settings=MAIL_SETTINGS)
    line = payment_rows.line_of_visit(small_db, paid_visit["visit"]["id"])
    assert (line["fee_minor"], line["expenses_minor"], line["currency"], line["status"]) == (
        2500, 0, "GBP", "unpaid")
    assert payment_rows.line_of_visit(small_db, paid_visit["by_hand"]["id"])["fee_minor"] == 0
    assert payments.line_for_published(small_db, paid_visit["visit"]) is None  # never twice


def test_an_expense_is_claimed_with_a_receipt_from_the_visit_up_to_the_cap(small_db,
                                                                             paid_visit):
    visit = paid_visit["visit"]
    with pytest.raises(payments.PaymentError, match="up to £8.50"):
        payments.claim_expense(small_db, visit, money("8.51", "GBP"), paid_visit["receipt"])
    with pytest.raises(payments.PaymentError, match="receipt photo from this visit"):
        payments.claim_expense(small_db, visit, money("6", "GBP"), paid_visit["other_photo"])
    with pytest.raises(payments.PaymentError, match="no expenses to claim"):
        payments.claim_expense(small_db, paid_visit["by_hand"], money("6", "GBP"),
                               paid_visit["other_photo"])
    claim = payments.claim_expense(small_db, visit, money("7.20", "GBP"),
                                   paid_visit["receipt"], "Parking")
    with pytest.raises(payments.PaymentError, match="claimed this visit's expenses already"):
        payments.claim_expense(small_db, visit, money("1", "GBP"), paid_visit["receipt"])
    review.publish(small_db, visit, paid_visit["office"], mail_settings=MAIL_SETTINGS)
    with pytest.raises(payments.PaymentError, match="Say why the expense is trimmed"):
        payments.decide_expense(small_db, claim, paid_visit["office"], money("5", "GBP"))
    payments.decide_expense(small_db, claim, paid_visit["office"], money("5.00", "GBP"),
                            "The receipt shows £5.00 for parking.")
    line = payment_rows.line_of_visit(small_db, visit["id"])
    assert (line["fee_minor"], line["expenses_minor"], line["amount_minor"]) == (2500, 500, 3000)


def test_lines_are_approved_then_paid_in_a_batch_and_a_waiting_expense_holds_one_back(
        small_db, paid_visit):
    visit = paid_visit["visit"]
    claim = payments.claim_expense(small_db, visit, money("4", "GBP"), paid_visit["receipt"])
    for v in (visit, paid_visit["by_hand"]):
        review.publish(small_db, v, paid_visit["office"], mail_settings=MAIL_SETTINGS)
    ids = [row["id"] for row in payment_rows.lines(small_db)]
    assert payments.approve(small_db, ids, paid_visit["office"]) == 1  # the claim waits
    payments.decide_expense(small_db, claim, paid_visit["office"], money("4", "GBP"))
    assert payments.approve(small_db, ids, paid_visit["office"]) == 1
    with pytest.raises(payments.PaymentError, match="reference"):
        payments.pay(small_db, ids, paid_visit["office"], " ")
    payments.pay(small_db, ids, paid_visit["office"], "BACS 2026-12-05")
    assert {r["status"] for r in payment_rows.lines(small_db)} == {"paid"}
    owed = payments.owed_and_paid(small_db, visit["shopper_id"])
    assert (owed["owed"], owed["paid"]) == ([], [Money("GBP", 2900)])


def test_the_months_csv_is_the_approved_lines_formula_guarded_and_equal_to_the_screen(
        empty_app, small_db, paid_visit, tmp_path):
    review.publish(small_db, paid_visit["visit"], paid_visit["office"],
                   mail_settings=MAIL_SETTINGS)
    payments.approve(small_db, [r["id"] for r in payment_rows.lines(small_db)],
                     paid_visit["office"])
    month = date.today().isoformat()[:7]
    office = signed_in(empty_app, OFFICE)
    page = office.get("/office/payments").get_data(as_text=True)
    response = office.get(f"/office/payments.csv?month={month}")
    assert response.status_code == 200
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert (row["amount"], row["fee"], row["expenses"], row["currency"], row["status"]) == (
        "25.00", "25.00", "0.00", "GBP", "approved")
    assert row["shopper_name"] == "'=HYPERLINK(\"x\")"  # shown as text, never run
    assert "£25.00" in page  # the same amount on the screen
    out = tmp_path / "payments.csv"
    result = empty_app.test_cli_runner().invoke(args=["payments", "--month", month,
                                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == response.get_data()
    assert "Wrote 1 approved line(s)" in result.output
    bad = empty_app.test_cli_runner().invoke(args=["payments", "--month", "2026-13",
                                                   "--out", str(out)])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
    assert office.get("/office/payments.csv?month=last").status_code == 400


def test_the_shopper_claims_on_their_money_page_and_sees_what_is_owed(empty_app, small_db,
                                                                     paid_visit):
    review.publish(small_db, paid_visit["visit"], paid_visit["office"],
                   mail_settings=MAIL_SETTINGS)
    client = signed_in(empty_app, SHOPPER)
    page = client.get("/field/money").get_data(as_text=True)
    assert "Owed to you:" in page and "£25.00" in page and "Amount (up to £8.50)" in page
    path = f"/field/money/expenses/{paid_visit['visit']['uuid']}"
    token = csrf_token(client, "/field/money")
    refused = client.post(path, data={"csrf_token": token, "amount": "9",
                                      "receipt": paid_visit["receipt"]})
    assert refused.status_code == 422 and "up to £8.50" in refused.get_data(as_text=True)
    claimed = client.post(path, data={"csrf_token": token, "amount": "6.40",
                                      "receipt": paid_visit["receipt"], "note": "Parking"})
    assert claimed.status_code == 303
    assert "£6.40 claimed · waiting for head office" in client.get("/field/money").get_data(
        as_text=True)
    assert signed_in(empty_app, MANAGER_A).get("/field/money").status_code == 403
