"""Scorecards and the branch manager's side: what a manager reads matches the scoring
engine, shows nothing of the shopper, and only ever their own branch's published visits;
acknowledgement, actions and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from shopper.domain.scoring import score_visit
from shopper.store import reports
from shopper.store.checklists import load_version
from shopper.store.visits import answers_of
from shopper.web import charts

from . import factories
from .support import MANAGER_A, MANAGER_B, OFFICE, SHOPPER, csrf_token, signed_in


def published(db, code="LDS01", with_gaps=True):
    return list(db.query(
        """SELECT v.* FROM visits v JOIN branches b ON b.id = v.branch_id
           WHERE b.code = ? AND v.status = 'published' AND (? = 0 OR EXISTS (
               SELECT 1 FROM answers a WHERE a.visit_id = v.id AND a.outcome = 'not_met'))
           ORDER BY v.visit_date DESC""", [code, int(with_gaps)]))



def test_the_scorecard_shows_the_engines_scores(app, db):
    client = signed_in(app, MANAGER_A)
    for visit in published(db)[:5]:
        version = load_version(db, visit["version_id"])
        result = score_visit(version.checklist, answers_of(db, visit["id"], version))
        page = client.get(f"/branch/visits/{visit['uuid']}").get_data(as_text=True)
        big = re.search(r'class="big-score[^"]*">(\d+)<small>', page)[1]
        assert int(big) == round(result.score)
        assert f"Gaps: standards not met ({len(result.gaps)})" in page
        for tp in result.touchpoints:
            if tp.score is not None:
                assert f"{tp.score:.0f}%" in page
        worst = min((t for t in result.touchpoints if t.score is not None),
                    key=lambda t: t.score)
        assert re.search(rf'Weakest moment</dt><dd><a href="#tp-{worst.key}">', page)


def test_critical_failures_are_called_out_first(app, db):
    visit = next(db.query("""SELECT v.uuid FROM visits v WHERE v.status = 'published'
                             AND v.critical_failed = 1 LIMIT 1"""))
    page = signed_in(app, OFFICE).get(f"/branch/visits/{visit['uuid']}").get_data(as_text=True)
    assert page.index("Critical failure") < page.index("Gaps: standards not met")
    assert page.index("Gaps: standards not met") < page.index("Moment by moment")


def test_managers_never_see_who_the_shopper_was(app, db):
    visit = published(db)[0]
    manager_page = signed_in(app, MANAGER_A).get(f"/branch/visits/{visit['uuid']}")
    office_page = signed_in(app, OFFICE).get(f"/branch/visits/{visit['uuid']}")
    shopper = next(db.query("SELECT name, email FROM users WHERE id = ?",
                            [visit["shopper_id"]]))
    for text in (shopper["name"], shopper["email"], "m from the branch"):
        assert text not in manager_page.get_data(as_text=True)
    assert shopper["email"] in office_page.get_data(as_text=True)
    assert "no-store" in manager_page.headers["Cache-Control"]


def test_other_branches_and_unpublished_visits_are_not_found(app, db):
    visit = published(db)[0]
    waiting = next(db.query("SELECT uuid, branch_id FROM visits WHERE status = 'submitted'"))
    manager_b = signed_in(app, MANAGER_B)
    assert manager_b.get(f"/branch/visits/{visit['uuid']}").status_code == 404
    assert manager_b.get(f"/branch/{visit['branch_id']}/answers.csv").status_code == 404
    manager_a = signed_in(app, MANAGER_A)
    assert manager_a.get(f"/branch/visits/{waiting['uuid']}").status_code == 404
    assert manager_a.get("/branch/visits/00000000-0000-4000-8000-000000000000"
                         ).status_code == 404
    assert signed_in(app, OFFICE).get(f"/branch/visits/{waiting['uuid']}").status_code == 200
    photo = db.execute("SELECT p.uuid FROM photos p JOIN visits v ON v.id = p.visit_id "
                       "WHERE v.uuid = ?", [visit["uuid"]]).fetchone()[0]
    assert manager_b.get(f"/photos/{photo}/thumb").status_code == 404
    assert manager_a.get(f"/photos/{photo}/thumb").status_code == 200


def test_acknowledging_is_recorded_for_head_office(app, db):
    visit = published(db)[0]
    client = signed_in(app, MANAGER_A)
    token = csrf_token(client, f"/branch/visits/{visit['uuid']}")
    client.post(f"/branch/visits/{visit['uuid']}/acknowledge", data={"csrf_token": token})
    row = next(db.query("SELECT acknowledged_at, acknowledged_by FROM visits WHERE id = ?",
                        [visit["id"]]))
    assert row["acknowledged_at"] and row["acknowledged_by"]
    office_page = signed_in(app, OFFICE).get(f"/branch/visits/{visit['uuid']}")
    assert "Acknowledged on" in office_page.get_data(as_text=True)


@pytest.fixture
def published_visit(small_db):
    """One published visit to LDS01, one standard met and one missed, in an otherwise empty
    database (tests/factories.py)."""
    return factories.one_visit(small_db, status="published")


def failed_question(db, visit):
    return db.execute("SELECT question_id FROM answers WHERE visit_id = ? AND outcome = "
                      "'not_met' ORDER BY question_id", [visit["id"]]).fetchone()[0]


@pytest.mark.parametrize(("form", "message"), [
    ({"description": "", "owner": "Ana", "due_date": "+7"}, "Say what will change."),
    ({"description": "   ", "owner": "Ana", "due_date": "+7"}, "Say what will change."),
    ({"description": "x", "owner": " ", "due_date": "+7"}, "Say who will do it."),
    ({"description": "x", "owner": "", "due_date": "+7"}, "Say who will do it."),
    ({"description": "x", "owner": "Ana", "due_date": "soon"}, "Give the date it will be done"),
    ({"description": "x", "owner": "Ana", "due_date": "-1"}, "cannot be in the past"),
    ({"description": "x" * 1001, "owner": "Ana", "due_date": "+7"}, "under 1,000 characters"),
])
def test_action_forms_say_what_is_wrong(empty_app, small_db, published_visit, form, message):
    db, visit = small_db, published_visit
    question = failed_question(db, visit)
    if form["due_date"][0] in "+-":
        form["due_date"] = (date.today() + timedelta(days=int(form["due_date"]))).isoformat()
    client = signed_in(empty_app, MANAGER_A)
    token = csrf_token(client, f"/branch/visits/{visit['uuid']}")
    response = client.post(f"/branch/visits/{visit['uuid']}/actions/{question}",
                           data={"csrf_token": token, **form})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.execute("SELECT COUNT(*) FROM branch_actions WHERE visit_id = ?",
                      [visit["id"]]).fetchone()[0] == 0


def test_an_action_is_recorded_then_done_and_head_office_sees_it(app, db):
    visit = published(db)[0]
    question = failed_question(db, visit)
    client = signed_in(app, MANAGER_A)
    token = csrf_token(client, f"/branch/visits/{visit['uuid']}")
    due = (date.today() + timedelta(days=14)).isoformat()
    response = client.post(f"/branch/visits/{visit['uuid']}/actions/{question}", data={
        "csrf_token": token, "description": "Second person on the desk at lunch",
        "owner": "Ana", "due_date": due})
    assert response.status_code == 303
    action = next(db.query("SELECT * FROM branch_actions WHERE visit_id = ?", [visit["id"]]))
    assert (action["status"], action["due_date"], action["owner"]) == ("open", due, "Ana")
    refused = client.post(f"/branch/actions/{action['id']}/done",
                          data={"csrf_token": token, "done_note": ""})
    assert refused.status_code == 422
    client.post(f"/branch/actions/{action['id']}/done",
                data={"csrf_token": token, "done_note": "Rota changed from 1 Dec"})
    assert db.execute("SELECT status FROM branch_actions WHERE id = ?",
                      [action["id"]]).fetchone()[0] == "done"
    office_page = signed_in(app, OFFICE).get(f"/branch/visits/{visit['uuid']}")
    assert "Rota changed from 1 Dec" in office_page.get_data(as_text=True)
    manager_b = signed_in(app, MANAGER_B)
    token_b = csrf_token(manager_b, "/branch/")
    assert manager_b.post(f"/branch/actions/{action['id']}/done", data={
        "csrf_token": token_b, "done_note": "x"}).status_code == 404


def test_an_action_only_for_a_standard_that_was_not_met(empty_app, small_db, published_visit):
    db, visit = small_db, published_visit
    met = db.execute("SELECT question_id FROM answers WHERE visit_id = ? AND outcome = 'met'",
                     [visit["id"]]).fetchone()[0]
    client = signed_in(empty_app, MANAGER_A)
    token = csrf_token(client, f"/branch/visits/{visit['uuid']}")
    response = client.post(f"/branch/visits/{visit['uuid']}/actions/{met}", data={
        "csrf_token": token, "description": "x", "owner": "y",
        "due_date": date.today().isoformat()})
    assert response.status_code == 404


def test_the_csv_export_is_the_branchs_published_answers_and_safe(app, db):
    visit = published(db)[0]
    db.execute("UPDATE answers SET note = '=HYPERLINK(\"http://evil\")' WHERE visit_id = ? "
               "AND question_id = (SELECT MIN(question_id) FROM answers WHERE visit_id = ?)",
               [visit["id"], visit["id"]])
    response = signed_in(app, MANAGER_A).get(f"/branch/{visit['branch_id']}/answers.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    expected = db.execute("""SELECT COUNT(*) FROM answers a JOIN visits v ON v.id = a.visit_id
                             WHERE v.branch_id = ? AND v.status = 'published'""",
                          [visit["branch_id"]]).fetchone()[0]
    assert len(rows) == expected
    assert {r["branch_code"] for r in rows} == {"LDS01"}
    assert "'=HYPERLINK(\"http://evil\")" in {r["note"] for r in rows}
    assert SHOPPER not in response.get_data(as_text=True)
    mine = [r for r in rows if r["visit_id"] == visit["uuid"]]
    assert float(mine[0]["visit_score"]) == visit["score"]


def test_monthly_trend_matches_a_direct_computation(db):
    branch = db.execute("SELECT id FROM branches WHERE code = 'LDS01'").fetchone()[0]
    today = date.today()
    months = reports.monthly_scores(db, branch, 12, today)
    assert len(months) == 12 and months[-1]["month"] == today.replace(day=1)
    for m in months:
        direct = db.execute(
            "SELECT AVG(score) FROM visits WHERE branch_id = ? AND status = 'published' "
            "AND visit_date LIKE ?", [branch, m["month"].isoformat()[:7] + "%"]).fetchone()[0]
        assert m["score"] == (None if direct is None else round(direct, 1))


def test_sparkline_geometry():
    line = charts.sparkline([0, None, 100, 50], width=100, height=20, pad=0)
    assert line["segments"] == ["0.0,20.0", "66.7,0.0 100.0,10.0"]
    assert line["last"] == (100.0, 10.0)
    assert charts.sparkline([])["segments"] == []


def test_the_branch_page_links_every_published_visit_to_its_scorecard(app, db):
    branch = db.execute("SELECT id FROM branches WHERE code = 'LDS01'").fetchone()[0]
    page = signed_in(app, MANAGER_A).get(f"/branch/{branch}").get_data(as_text=True)
    for visit in published(db, with_gaps=False)[:10]:
        assert f'/branch/visits/{visit["uuid"]}' in page
    assert "Trend, last 12 months" in page and "<polyline" in page


def test_a_manager_of_several_branches_sees_a_card_with_a_trend_for_each(app, db):
    from shopper.store import accounts

    from .support import FAST_HASH, PASSWORD
    accounts.create_user(db, email="area@demo.test", name="Area Manager", role="manager",
                         password=PASSWORD, method=FAST_HASH, branch_codes=("LDS01", "YRK01"))
    page = signed_in(app, "area@demo.test").get("/branch/").get_data(as_text=True)
    assert page.count('class="card-link"') == 2
    assert "Leeds Briggate" in page and "York Coney Street" in page
    assert page.count('class="sparkline"') == 2


def test_head_office_sees_how_branches_follow_up(app, db):
    visit = published(db)[0]
    question = failed_question(db, visit)
    before = signed_in(app, OFFICE).get("/office/").get_data(as_text=True)
    unacknowledged = db.execute("SELECT COUNT(*) FROM visits WHERE status = 'published' AND "
                                "acknowledged_at IS NULL").fetchone()[0]
    assert f"<dd>{unacknowledged}</dd>" in before
    manager = signed_in(app, MANAGER_A)
    token = csrf_token(manager, f"/branch/visits/{visit['uuid']}")
    manager.post(f"/branch/visits/{visit['uuid']}/acknowledge", data={"csrf_token": token})
    manager.post(f"/branch/visits/{visit['uuid']}/actions/{question}", data={
        "csrf_token": token, "description": "x", "owner": "y",
        "due_date": date.today().isoformat()})
    after = signed_in(app, OFFICE).get("/office/").get_data(as_text=True)
    assert f"<dd>{unacknowledged - 1}</dd>" in after
    assert db.execute("SELECT status FROM branch_actions WHERE visit_id = ? AND "
                      "question_id = ?", [visit["id"], question]).fetchone()[0] == "open"
    open_actions = db.execute("SELECT COUNT(*) FROM branch_actions WHERE status = 'open'"
                              ).fetchone()[0]  # with the demo's, in hand
    assert re.search(rf"Branch actions open</dt><dd>{open_actions}\D", after)


def test_a_touchpoint_the_checklists_rules_skipped_says_why_and_is_not_scored(app, db):
    visit = next(db.query(
        """SELECT v.* FROM visits v JOIN branches b ON b.id = v.branch_id
           JOIN answers a ON a.visit_id = v.id JOIN questions q ON q.id = a.question_id
           WHERE b.code = 'LDS01' AND v.status = 'published' AND q.key = 'ordered'
             AND a.value = '"no"' LIMIT 1"""))
    page = signed_in(app, MANAGER_A).get(f"/branch/visits/{visit['uuid']}").get_data(as_text=True)
    delivery = page[page.index('id="tp-delivery"'):]
    delivery = delivery[:delivery.index("</section>")]
    assert "<strong>Skipped:</strong> Nothing was ordered. Not part of the score." in delivery
    assert "✗ Not met" not in delivery


def test_a_printed_scorecard_is_headed_with_the_company_and_its_logo(app, db, instance):
    client = signed_in(app, MANAGER_A)
    visit = published(db)[0]
    page = client.get(f"/branch/visits/{visit['uuid']}").get_data(as_text=True)
    assert '<strong>Mystery Shopper</strong>' in page  # the default name, the app's icon
    assert "/static/icons/icon-192." in page and "/company-logo" not in page
    assert client.get("/company-logo").status_code == 404
    (instance / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    app.config.update(COMPANY_NAME="Northwind Bank plc", COMPANY_LOGO=str(instance / "logo.svg"))
    page = client.get(f"/branch/visits/{visit['uuid']}").get_data(as_text=True)
    assert '<strong>Northwind Bank plc</strong>' in page and 'src="/company-logo"' in page
    logo = client.get("/company-logo")
    assert logo.status_code == 200 and logo.mimetype == "image/svg+xml"
