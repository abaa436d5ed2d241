"""Every registered route × every kind of visitor, against a table of what each may reach.

A new route fails this test until it declares a policy (`@allow`) and gets a row below, so
no page can ship without someone deciding who may see it.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from shopper.domain import money
from shopper.domain.photos import process_photo
from shopper.store import appeals, comparisons, photo_files
from shopper.store import export_jobs as export_rows
from shopper.store import jobs as job_rows
from shopper.store.connection import connect
from shopper.store.visits import add_photo
from shopper.web.access import policy
from shopper.workflows import export_jobs, jobs, mail, quizzes
from shopper.workflows.scorecards import complete_action, record_action

from .support import (
    DEACTIVATED,
    MANAGER_A,
    MANAGER_B,
    OFFICE,
    OTHER_SHOPPER,
    SHOPPER,
    AuthActions,
    csrf_token,
)

VISITORS = ("anonymous", "shopper", "manager_a", "manager_b", "office", "deactivated")
LOGIN = "login"  # a redirect to the sign-in page

# endpoint -> (method, expected outcome per visitor, in VISITORS order)
EXPECTED = {
    "pages.static_file": ("GET", (200, 200, 200, 200, 200, 200)),
    "pages.index": ("GET", (LOGIN, 302, 302, 302, 302, LOGIN)),
    "pages.healthz": ("GET", (200, 200, 200, 200, 200, 200)),
    "pages.service_worker": ("GET", (200, 200, 200, 200, 200, 200)),
    "pages.company_logo": ("GET", (404, 404, 404, 404, 404, 404)),  # no logo set: the icon
    "auth.login": ("GET", (200, 302, 302, 302, 302, 200)),
    "auth.logout": ("POST", (LOGIN, 302, 302, 302, 302, LOGIN)),
    "auth.password": ("GET", (LOGIN, 200, 200, 200, 200, LOGIN)),
    "mail.preferences": ("GET", (LOGIN, 200, 200, 200, 200, LOGIN)),
    # The signed link is the key: it asks anyone holding it, and changes nothing on GET.
    "mail.unsubscribe": ("GET", (200, 200, 200, 200, 200, 200)),
    "field.home": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    "branch.home": ("GET", (LOGIN, 403, 200, 200, 403, LOGIN)),
    # Branch A (LDS01): its own manager and head office only; manager B gets "not found".
    "branch.branch": ("GET", (LOGIN, 403, 200, 404, 200, LOGIN)),
    "office.home": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.review_queue": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.league": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.heatmap": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.visits": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.trends": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.consistency": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.standards": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.moments": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.export": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.branches": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.people": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.person": ("POST", (LOGIN, 403, 403, 403, 303, LOGIN)),
    "office.assignments": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.checklists": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.import_checklist": ("POST", (LOGIN, 403, 403, 403, 303, LOGIN)),
    "office.edit_checklist": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.checklist_history": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.export_checklist": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.preview_checklist": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.cancel_assignment": ("POST", (LOGIN, 403, 403, 403, 303, LOGIN)),
    "office.review_visit": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    # The sample visit is published already: head office is told it is not in review.
    "office.review_action": ("POST", (LOGIN, 403, 403, 403, 422, LOGIN)),
    # A published visit of branch A with a failed standard, and an action on it.
    "branch.scorecard": ("GET", (LOGIN, 403, 200, 404, 200, LOGIN)),
    "branch.export": ("GET", (LOGIN, 403, 200, 404, 200, LOGIN)),
    "branch.acknowledge": ("POST", (LOGIN, 403, 303, 404, 403, LOGIN)),
    "branch.record_action": ("POST", (LOGIN, 403, 422, 404, 403, LOGIN)),  # reached: empty form
    "branch.action_done": ("POST", (LOGIN, 403, 422, 404, 403, LOGIN)),  # reached: no note
    "branch.action_list": ("GET", (LOGIN, 403, 200, 404, 200, LOGIN)),
    "branch.appeal": ("POST", (LOGIN, 403, 422, 404, 403, LOGIN)),  # reached: no reason
    # An appeal against that finding, with a photo: never shown to the shopper.
    "photos.appeal_attachment": ("GET", (LOGIN, 404, 200, 404, 200, LOGIN)),
    "office.appeals_waiting": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.appeal": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.decide_appeal": ("POST", (LOGIN, 403, 403, 403, 422, LOGIN)),  # reached: no comment
    # The shopper's own assignment and (published, so locked) visit at branch A.
    "field.start": ("POST", (LOGIN, 303, 403, 403, 403, LOGIN)),
    # An open job at branch A, which the shopper visited lately: they may not take it.
    "field.board": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    "field.job": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    "field.take": ("POST", (LOGIN, 422, 403, 403, 403, LOGIN)),  # reached: a recent visit
    "field.give_back": ("POST", (LOGIN, 404, 403, 403, 403, LOGIN)),  # not theirs
    "office.jobs_board": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.job": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    # Another shopper's application for that job, approved: it becomes their assignment.
    "office.approve_application": ("POST", (LOGIN, 403, 403, 403, 303, LOGIN)),
    "office.withdraw_job": ("POST", (LOGIN, 403, 403, 403, 303, LOGIN)),
    "office.quizzes_page": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "field.quiz": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    "field.rating": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    "field.money": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    "field.home_area": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    # The shopper's published visit at branch A: no job, so no expenses to claim.
    "field.claim_expense": ("POST", (LOGIN, 422, 403, 403, 403, LOGIN)),
    "office.payments_page": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.decide_expense": ("POST", (LOGIN, 403, 403, 403, 303, LOGIN)),  # none: refused
    "office.approve_lines": ("POST", (LOGIN, 403, 403, 403, 303, LOGIN)),
    "office.pay_lines": ("POST", (LOGIN, 403, 403, 403, 303, LOGIN)),
    "office.payments_csv": ("GET", (LOGIN, 403, 403, 403, 400, LOGIN)),  # reached: no month
    "office.exports_page": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    # Head office's own export, finished: only the person who asked sees it.
    "office.export_job": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "office.export_file": ("GET", (LOGIN, 403, 403, 403, 200, LOGIN)),
    "field.touchpoint": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    "field.review": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    "field.resume": ("GET", (LOGIN, 302, 403, 403, 403, LOGIN)),
    "field.shell": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    "field.shell_review": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    "field.submit": ("POST", (LOGIN, 303, 403, 403, 403, LOGIN)),  # locked: back to review
    "field.upload_photo": ("POST", (LOGIN, 303, 403, 403, 403, LOGIN)),
    "field.delete_photo": ("POST", (LOGIN, 303, 403, 403, 403, LOGIN)),
    "field.timing": ("POST", (LOGIN, 303, 403, 403, 403, LOGIN)),  # locked: back to review
    "field.follow_ups_page": ("GET", (LOGIN, 200, 403, 403, 403, LOGIN)),
    # A photo of that visit: its shopper, branch A's manager (published) and head office.
    "photos.show": ("GET", (LOGIN, 200, 200, 404, 200, LOGIN)),
    # The photo of what was done about the action: whoever may see branch A, no shopper.
    "photos.action": ("GET", (LOGIN, 404, 200, 404, 200, LOGIN)),
    # The sync API answers 401 (JSON) rather than redirecting to the sign-in page.
    "api.openapi": ("GET", (200, 200, 200, 200, 200, 200)),
    "api.session_info": ("GET", (401, 200, 200, 200, 200, 401)),
    "api.assignments": ("GET", (401, 200, 403, 403, 403, 401)),
    "api.checklist_version": ("GET", (401, 200, 403, 403, 200, 401)),
    "api.get_visit": ("GET", (401, 200, 403, 403, 403, 401)),
    "api.put_visit": ("PUT", (401, 400, 403, 403, 403, 401)),  # reached: the body is no JSON
    "api.put_photo": ("PUT", (401, 422, 403, 403, 403, 401)),  # reached: no sha256 given
    "api.put_follow_ups": ("PUT", (401, 400, 403, 403, 403, 401)),  # reached: no JSON
}


@pytest.fixture
def samples(app, db) -> dict:
    branch_a = db.execute("SELECT id FROM branches WHERE code = 'LDS01'").fetchone()[0]
    visit = next(db.query(
        """SELECT v.* FROM visits v JOIN users u ON u.id = v.shopper_id
           WHERE v.branch_id = ? AND v.status = 'published' AND u.email = ?
             AND EXISTS (SELECT 1 FROM answers a WHERE a.visit_id = v.id
                         AND a.outcome = 'not_met')
           ORDER BY v.id LIMIT 1""",
        [branch_a, SHOPPER]))
    failed = db.execute("SELECT question_id FROM answers WHERE visit_id = ? AND "
                        "outcome = 'not_met' ORDER BY question_id", [visit["id"]]).fetchone()[0]
    manager = db.execute("SELECT id FROM users WHERE email = ?", [MANAGER_A]).fetchone()[0]
    record_action(db, visit, failed, {"description": "Greet within 30 s", "owner": "Ana",
                                      "due_date": "2099-01-01"}, manager)
    action = db.execute("SELECT id FROM branch_actions WHERE visit_id = ?",
                        [visit["id"]]).fetchone()[0]
    assignment = db.execute(
        """SELECT a.id FROM assignments a JOIN users u ON u.id = a.shopper_id
           WHERE a.branch_id = ? AND a.status = 'open' AND u.email = ?""",
        [branch_a, SHOPPER]).fetchone()[0]
    photo = add_photo(db, app.config["PHOTO_FOLDER"], visit_id=visit["id"],
                      photo_uuid="5a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b",
                      processed=process_photo(photo_bytes()))
    complete_action(db, app.config["PHOTO_FOLDER"], action, "Rota changed", manager,
                    photo_bytes())
    action_photo = db.execute("SELECT photo_uuid FROM branch_actions WHERE id = ?",
                              [action]).fetchone()[0]
    thumb = photo_files.write(app.config["PHOTO_FOLDER"], photo_bytes(), "-t")
    appeal = appeals.add(db, visit=visit, question_id=failed, made_by=manager,
                         reason="The greeter was busy with a delivery.",
                         attachment={"kind": "photo", "name": thumb, "thumb": thumb,
                                     "bytes": 100})
    job = jobs.publish(db, jobs.Wave(
        [branch_a], 1, date.today(), date.today() + timedelta(days=7), "Ask about loans.",
        money.parse("20", "GBP"), money.parse("5", "GBP")), manager)[0]
    other = db.execute("SELECT id FROM users WHERE email = ?", [OTHER_SHOPPER]).fetchone()[0]
    quiz = quizzes.save(db, name="Loans", text="Q: Which?\n* a\n- b", pass_mark=100,
                        checklist_id=None, user_id=manager)
    application = job_rows.add_application(db, job, other, date.today())
    office = db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]
    export = export_rows.create(db, user_id=office, kind="visits", title="Visits",
                                scope=export_jobs.scope_text(comparisons.Scope(
                                    date(2026, 1, 1), date(2026, 12, 31))),
                                file_name="matrix.csv.gz", rows_expected=1)
    export_jobs.run(app.config["DATABASE"], app.config["EXPORT_FOLDER"], export)
    return {"appeal_id": appeal, "export_id": export, "branch_id": branch_a, "job_id": job,
            "application_id": application, "quiz_id": quiz, "expense_id": 1, "filename": "app.css",
            "visit_uuid": visit["uuid"], "action_photo_uuid": action_photo,
            "version_id": visit["version_id"], "question_id": failed, "action_id": action,
            "position": 1, "assignment_id": assignment, "photo_uuid": photo["uuid"],
            "size": "thumb", "action": "publish", "kind": "league",
            "user_id": manager, "checklist_id": 1,
            "token": mail.unsubscribe_token(mail.MailSettings.from_config(app.config),
                                            manager, "scorecard_published")}


def photo_bytes() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(image, "JPEG")
    return image.getvalue()


def url_values(samples, rule) -> dict:
    missing = rule.arguments - samples.keys()
    assert not missing, f"{rule.rule}: add sample values for {missing} to this test"
    return {name: samples[name] for name in rule.arguments}


def signed_in_client(app, visitor):
    client = app.test_client()
    email = {"shopper": SHOPPER, "manager_a": MANAGER_A, "manager_b": MANAGER_B,
             "office": OFFICE, "deactivated": DEACTIVATED}.get(visitor)
    if email is None:
        return client
    db = connect(app.config["DATABASE"])
    if visitor == "deactivated":  # signed in while active, then deactivated by head office
        db.execute("UPDATE users SET active = 1 WHERE email = ?", [email])
    assert AuthActions(client).login(email).status_code == 302
    if visitor == "deactivated":
        db.execute("UPDATE users SET active = 0 WHERE email = ?", [email])
    db.close()
    return client


def test_every_route_declares_a_policy_and_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    undeclared = sorted(e for e in endpoints if policy(app, e) is None)
    assert not undeclared, f"routes with no @allow policy: {undeclared}"
    assert endpoints == set(EXPECTED), (
        f"untested routes: {sorted(endpoints - set(EXPECTED))}; "
        f"stale rows: {sorted(set(EXPECTED) - endpoints)}")


@pytest.mark.parametrize("visitor", VISITORS)
def test_route_by_role(app, samples, visitor):
    client = signed_in_client(app, visitor)
    failures = []
    for rule in app.url_map.iter_rules():
        method, outcomes = EXPECTED[rule.endpoint]
        expected = outcomes[VISITORS.index(visitor)]
        url = rule.build(url_values(samples, rule), append_unknown=False)[1]
        data = {"csrf_token": csrf_token(client, "/login")} if method in ("POST", "PUT") \
            else None
        response = client.open(url, method=method, data=data)
        if expected == LOGIN:
            ok = response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{method} {url}: expected {expected}, got "
                            f"{response.status_code} {response.headers.get('Location', '')}")
        if method == "POST" and visitor not in ("anonymous", "deactivated"):
            client = signed_in_client(app, visitor)  # logout ended the session
    assert not failures, "\n".join(failures)


def test_a_guessed_branch_is_not_found(client, auth):
    auth.login(MANAGER_A)
    assert client.get("/branch/999999").status_code == 404
    auth.logout()
    auth.login(OFFICE)
    assert client.get("/branch/999999").status_code == 404
