"""A branch manager challenges a finding on a published scorecard, with a reason and
perhaps a photo or a PDF, until the appeal window closes; head office upholds it (the
finding stands) or overturns it (the answer is corrected on the record, the visit
rescored, and every comparison changes). The shopper learns the outcome, never who
appealed; the manager never learns who the shopper was."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

from shopper.store import comparisons, reports
from shopper.store.checklists import load_version
from shopper.workflows import mail, review

from . import factories
from .conftest import make_app
from .support import (
    MAIL_SETTINGS,
    MANAGER_A,
    MANAGER_B,
    OFFICE,
    SHOPPER,
    csrf_token,
    signed_in,
)

MANAGER_NAME = "Ana Branchley"
SHOPPER_NAME = "Sam Shopwell"
REASON = "Our greeter was wearing her badge: see the rota photo."
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def visit(small_db):
    """SHOPPER's published visit to LDS01: greeted (met), name badge (not met), score 50."""
    found = factories.one_visit(small_db, status="published")
    small_db.execute("UPDATE users SET name = ? WHERE email = ?", [MANAGER_NAME, MANAGER_A])
    small_db.execute("UPDATE users SET name = ? WHERE email = ?", [SHOPPER_NAME, SHOPPER])
    return found


def question(db, visit, key):
    return load_version(db, visit["version_id"]).question_ids[("reception", key)]


def scorecard(client, visit) -> str:
    return client.get(f"/branch/visits/{visit['uuid']}").get_data(as_text=True)


def send_appeal(client, visit, question_id, reason=REASON, file=None):
    data = {"csrf_token": csrf_token(client, f"/branch/visits/{visit['uuid']}"),
            "reason": reason}
    if file is not None:
        data["attachment"] = (io.BytesIO(file[1]), file[0])
    return client.post(f"/branch/visits/{visit['uuid']}/appeals/{question_id}", data=data,
                       content_type="multipart/form-data")


def decide(client, appeal_id, outcome, comment="Checked the rota photo.", **extra):
    token = csrf_token(client, f"/office/appeals/{appeal_id}")
    return client.post(f"/office/appeals/{appeal_id}/decide", data={
        "csrf_token": token, "outcome": outcome, "comment": comment, **extra})


def appeals_of(db, visit) -> list[dict]:
    return list(db.query("SELECT * FROM appeals WHERE visit_id = ? ORDER BY id", [visit["id"]]))


def score_of(db, visit) -> float:
    return db.execute("SELECT score FROM visits WHERE id = ?", [visit["id"]]).fetchone()[0]


def test_a_manager_appeals_a_failed_standard_once(empty_app, small_db, visit):
    manager = signed_in(empty_app, MANAGER_A)
    badge = question(small_db, visit, "name_badge")
    assert "Challenge this finding" in scorecard(manager, visit)
    response = send_appeal(manager, visit, badge)
    assert response.status_code == 303
    [appeal] = appeals_of(small_db, visit)
    assert (appeal["question_id"], appeal["reason"], appeal["status"]) == (badge, REASON, "open")
    page = scorecard(manager, visit)
    assert "Waiting for head office" in page and REASON in page
    assert "Challenge this finding" not in page  # one open appeal per standard
    again = send_appeal(manager, visit, badge, reason="And another thing.")
    assert again.status_code == 422
    assert "already has an appeal waiting" in again.get_data(as_text=True)
    assert len(appeals_of(small_db, visit)) == 1
    steps = [r[0] for r in small_db.execute(
        "SELECT action FROM audit_log WHERE visit_id = ? ORDER BY id", [visit["id"]])]
    assert steps[-1] == "appeal_made"


def test_a_met_standard_cannot_be_appealed(empty_app, small_db, visit):
    manager = signed_in(empty_app, MANAGER_A)
    assert send_appeal(manager, visit, question(small_db, visit, "greeted")).status_code == 404
    assert send_appeal(manager, visit, 999999).status_code == 404
    assert appeals_of(small_db, visit) == []


def test_a_manager_of_another_branch_is_told_it_does_not_exist(empty_app, small_db, visit):
    factories.a_branch(small_db, "MAN01", "Manchester")
    factories.a_person(small_db, MANAGER_B, "manager", branch_codes=("MAN01",))
    other = signed_in(empty_app, MANAGER_B)
    assert other.get(f"/branch/visits/{visit['uuid']}").status_code == 404
    token = csrf_token(other, "/branch/")
    response = other.post(f"/branch/visits/{visit['uuid']}/appeals/"
                          f"{question(small_db, visit, 'name_badge')}",
                          data={"csrf_token": token, "reason": REASON})
    assert response.status_code == 404
    assert appeals_of(small_db, visit) == []


def published_days_ago(db, visit, days):
    at = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    db.execute("UPDATE visits SET published_at = ? WHERE id = ?", [at, visit["id"]])


def test_appeals_close_after_the_configured_window(empty_app, instance, small_db, visit):
    published_days_ago(small_db, visit, 15)
    manager = signed_in(empty_app, MANAGER_A)
    page = scorecard(manager, visit)
    assert "Challenge this finding" not in page and "Appeals closed on" in page
    response = send_appeal(manager, visit, question(small_db, visit, "name_badge"))
    assert response.status_code == 422
    assert "The time to appeal this scorecard is over" in response.get_data(as_text=True)
    assert appeals_of(small_db, visit) == []
    longer = signed_in(make_app(instance, APPEAL_WINDOW_DAYS=30), MANAGER_A)
    assert "Challenge this finding" in scorecard(longer, visit)
    assert send_appeal(longer, visit, question(small_db, visit, "name_badge")).status_code == 303


@pytest.mark.parametrize(("file", "message"), [
    (("notes.txt", b"Just some text."), "Attach a photo (JPEG, PNG, WebP or HEIC) or a PDF"),
    (("rota.pdf", b"GIF89a not a pdf at all"), "Attach a photo (JPEG, PNG, WebP or HEIC) or a PDF"),
    (("big.pdf", PDF + b"0" * 2_000), "send one of at most"),
])
def test_a_file_that_is_not_a_photo_or_small_pdf_is_refused_keeping_the_reason(
        instance, small_db, visit, file, message):
    app = make_app(instance, APPEAL_DOCUMENT_MAX_BYTES=1_000)
    manager = signed_in(app, MANAGER_A)
    response = send_appeal(manager, visit, question(small_db, visit, "name_badge"), file=file)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "Our greeter was wearing her badge: see the rota photo.</textarea>" in page
    assert appeals_of(small_db, visit) == []


def test_a_reason_is_required(empty_app, small_db, visit):
    manager = signed_in(empty_app, MANAGER_A)
    response = send_appeal(manager, visit, question(small_db, visit, "name_badge"), reason=" ")
    assert response.status_code == 422
    assert "Say why the finding is wrong." in response.get_data(as_text=True)


def test_a_pdf_is_served_only_to_the_branch_and_head_office(empty_app, small_db, visit):
    manager = signed_in(empty_app, MANAGER_A)
    assert send_appeal(manager, visit, question(small_db, visit, "name_badge"),
                       file=("Rota week 47.pdf", PDF)).status_code == 303
    [appeal] = appeals_of(small_db, visit)
    assert appeal["attachment_kind"] == "pdf" and "Rota" not in appeal["attachment_name"]
    url = f"/photos/appeals/{appeal['id']}/display"
    assert url in scorecard(manager, visit)
    for reader in (manager, signed_in(empty_app, OFFICE)):
        response = reader.get(url)
        assert response.status_code == 200
        assert response.mimetype == "application/pdf" and response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment")
    factories.a_branch(small_db, "MAN01", "Manchester")
    factories.a_person(small_db, MANAGER_B, "manager", branch_codes=("MAN01",))
    for outsider in (MANAGER_B, SHOPPER):
        assert signed_in(empty_app, outsider).get(url).status_code == 404


def test_a_photo_goes_through_the_photo_pipeline(empty_app, small_db, visit):
    image = io.BytesIO()
    Image.new("RGB", (800, 600), "teal").save(image, "PNG")
    manager = signed_in(empty_app, MANAGER_A)
    assert send_appeal(manager, visit, question(small_db, visit, "name_badge"),
                       file=("badge.png", image.getvalue())).status_code == 303
    [appeal] = appeals_of(small_db, visit)
    thumb = manager.get(f"/photos/appeals/{appeal['id']}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.data)).format == "JPEG"


def appealed(app, db, visit) -> int:
    assert send_appeal(signed_in(app, MANAGER_A), visit,
                       question(db, visit, "name_badge")).status_code == 303
    return appeals_of(db, visit)[-1]["id"]


def test_upholding_leaves_the_finding_and_the_score(empty_app, small_db, visit):
    appeal_id = appealed(empty_app, small_db, visit)
    office = signed_in(empty_app, OFFICE)
    assert str(appeal_id) in office.get("/office/appeals").get_data(as_text=True)
    refused = decide(office, appeal_id, "upheld", comment="")
    assert refused.status_code == 422
    assert decide(office, appeal_id, "upheld",
                  comment="The photo shows another day.").status_code == 303
    assert score_of(small_db, visit) == 50
    assert appeals_of(small_db, visit)[0]["status"] == "upheld"
    page = scorecard(signed_in(empty_app, MANAGER_A), visit)
    assert "Finding stands" in page and "The photo shows another day." in page
    assert decide(office, appeal_id, "overturned").status_code == 422  # decided already


def league_page(client) -> str:
    return client.get("/office/league?start=2026-11-01&end=2026-11-30").get_data(as_text=True)


def test_overturning_corrects_the_answer_on_the_record_and_rescores(empty_app, small_db, visit):
    """... and the league table (a kept page), heat map and branch trend follow."""
    appeal_id = appealed(empty_app, small_db, visit)
    office = signed_in(empty_app, OFFICE)
    assert ">50%<" in league_page(office)  # kept (page cache) before the decision
    decision = office.get(f"/office/appeals/{appeal_id}").get_data(as_text=True)
    assert '<option value="yes" selected>' in decision  # the answer that meets the standard
    assert decide(office, appeal_id, "overturned", comment="Badge visible on the rota photo.",
                  value="yes").status_code == 303
    badge = question(small_db, visit, "name_badge")
    assert score_of(small_db, visit) == 100
    assert small_db.execute("SELECT outcome FROM answers WHERE visit_id = ? AND "
                            "question_id = ?", [visit["id"], badge]).fetchone()[0] == "met"
    entry = next(small_db.query("SELECT * FROM audit_log WHERE visit_id = ? AND "
                                "action = 'answer_corrected'", [visit["id"]]))
    assert json.loads(entry["before"])["value"] == "no"
    assert json.loads(entry["after"]) == {"question_id": badge, "value": "yes", "na": False,
                                          "appeal_id": appeal_id}
    assert "Badge visible on the rota photo." in entry["comment"]
    league = league_page(office)
    assert ">100%<" in league and ">50%<" not in league
    november = comparisons.Scope(date(2026, 11, 1), date(2026, 11, 30))
    [row] = [r for r in comparisons.heat_map(small_db, november)["rows"] if not r["rollup"]]
    assert row["cells"]["reception"]["score"] == 100
    trend = reports.monthly_scores(small_db, visit["branch_id"], 1, date(2026, 11, 30))
    assert trend == [{"month": date(2026, 11, 1), "score": 100}]
    manager_page = scorecard(signed_in(empty_app, MANAGER_A), visit)
    assert ">100<small>" in manager_page and "Overturned" in manager_page
    assert "Badge visible on the rota photo." in manager_page
    assert SHOPPER_NAME not in manager_page and SHOPPER not in manager_page


def test_a_published_answer_is_corrected_only_by_overturning_an_appeal(small_db, visit):
    with pytest.raises(review.ReviewError):
        review.correct_answer(small_db, visit, question(small_db, visit, "name_badge"), "yes",
                              False, "Looks wrong.", visit["shopper_id"])
    assert score_of(small_db, visit) == 50


def test_the_shopper_sees_the_outcome_but_not_who_appealed(empty_app, small_db, visit):
    appeal_id = appealed(empty_app, small_db, visit)
    shopper = signed_in(empty_app, SHOPPER)
    review_page = f"/field/visits/{visit['uuid']}/review"
    assert "reviewed after the visit was published" not in shopper.get(review_page).get_data(
        as_text=True)  # nothing until head office decides
    assert decide(signed_in(empty_app, OFFICE), appeal_id, "overturned", value="yes",
                  comment="The badge was there.").status_code == 303
    page = shopper.get(review_page).get_data(as_text=True)
    assert "This finding was reviewed after the visit was published." in page
    assert "The badge was there." in page
    for secret in (MANAGER_NAME, MANAGER_A, REASON):
        assert secret not in page


def test_consistency_counts_appeals_per_branch_and_shopper(empty_app, small_db, visit):
    first = appealed(empty_app, small_db, visit)
    office = signed_in(empty_app, OFFICE)
    assert decide(office, first, "upheld").status_code == 303
    second = appealed(empty_app, small_db, visit)  # the same finding again, once decided
    assert decide(office, second, "overturned", value="yes").status_code == 303
    page = office.get("/office/consistency?start=2026-11-01&end=2026-11-30").get_data(
        as_text=True)
    counts = '<td class="num">2</td><td class="num">1</td><td class="num">0</td>'
    assert page.count(counts) == 2  # Leeds Briggate, and the shopper
    assert SHOPPER_NAME in page


# --- who is told ----------------------------------------------------------------------

def mail_to(db, recipient) -> list[dict]:
    return list(db.query("SELECT * FROM mail_outbox WHERE recipient = ? ORDER BY id",
                         [recipient]))


@pytest.mark.parametrize(("outcome", "extra", "says"), [
    ("overturned", {"value": "yes"}, "it now scores 100%"),
    ("upheld", {}, "The finding stands."),
])
def test_the_decision_is_mailed_to_the_manager_and_the_shopper_without_naming_either(
        empty_app, small_db, visit, outcome, extra, says):
    appeal_id = appealed(empty_app, small_db, visit)
    assert decide(signed_in(empty_app, OFFICE), appeal_id, outcome,
                  comment="Checked against the rota photo.", **extra).status_code == 303
    [to_manager] = mail_to(small_db, MANAGER_A)
    assert to_manager["kind"] == "appeal_decided"
    assert says in to_manager["text_body"]
    assert "Checked against the rota photo." in to_manager["text_body"]
    assert f"/branch/visits/{visit['uuid']}" in to_manager["text_body"]
    [to_shopper] = mail_to(small_db, SHOPPER)
    assert to_shopper["kind"] == "finding_reviewed"
    assert "Checked against the rota photo." in to_shopper["text_body"]
    assert f"/field/visits/{visit['uuid']}" in to_shopper["text_body"]
    for message, secrets in ((to_manager, (SHOPPER_NAME, SHOPPER)),
                             (to_shopper, (MANAGER_NAME, MANAGER_A, REASON))):
        whole = message["subject"] + message["text_body"] + message["html_body"]
        assert not [secret for secret in secrets if secret.lower() in whole.lower()]


def test_a_shopper_who_turned_these_off_is_not_mailed(empty_app, small_db, visit):
    appeal_id = appealed(empty_app, small_db, visit)
    small_db.execute("INSERT INTO mail_preferences VALUES (?, 'finding_reviewed', 'off', "
                     "'2026-12-01T00:00:00Z')", [visit["shopper_id"]])
    assert decide(signed_in(empty_app, OFFICE), appeal_id, "upheld").status_code == 303
    assert mail_to(small_db, SHOPPER) == [] and len(mail_to(small_db, MANAGER_A)) == 1


def test_head_office_digest_counts_the_appeals_waiting(empty_app, small_db, visit):
    appealed(empty_app, small_db, visit)
    assert mail.queue_daily(small_db, MAIL_SETTINGS, date(2026, 12, 1),
                            datetime(2026, 12, 1, 7, 30, tzinfo=UTC)) == 1
    [digest] = mail_to(small_db, OFFICE)
    assert "1 appeal against a finding waiting for a decision" in digest["text_body"]
    assert "/office/appeals" in digest["text_body"]
