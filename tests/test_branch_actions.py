"""The manager's follow-through: a branch's actions listed by where they stand (overdue,
due soon, open, done) and filtered by a plain GET form; an action marked done with a note
and, if wanted, a photo, which only those who may see the branch are shown; photos that
are not photos refused beside the field with the note kept; the branch page's counts of
scorecards to acknowledge and actions open and overdue."""

from __future__ import annotations

import io
import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image

from shopper.domain.actions import counts, due_words, group_of, grouped
from shopper.store import actions
from shopper.workflows import photo_retention
from shopper.workflows.scorecards import complete_action

from . import factories
from .support import MANAGER_A, MANAGER_B, OFFICE, SHOPPER, csrf_token, signed_in

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "photos"

# Four standards at two touchpoints, all missed: room for an action in each state.
FOUR_GAPS = factories.TINY_CHECKLIST + """
[[touchpoints]]
key = "phone"
name = "Phone"

[[touchpoints.questions]]
key = "rings"
kind = "yes_no"
text = "Was the phone answered within three rings?"
standard = "The phone is answered within three rings."

[[touchpoints.questions]]
key = "callback"
kind = "yes_no"
text = "Were you called back as promised?"
standard = "A promised call-back is made on the day."
"""

TODAY = date.today()
# description -> (question, owner, due in days from today, done)
ACTIONS = {
    "Greet at the door": (("reception", "greeted"), "Ana", -3, False),
    "Badges at the start of each shift": (("reception", "name_badge"), "Ben", 2, False),
    "Second person on the phones": (("phone", "rings"), "Ana", 30, False),
    "Call-back list checked at 4 pm": (("phone", "callback"), "Ben", 10, True),
}
OVERDUE, SOON, LATER, DONE = ACTIONS


def a_jpeg(colour: str = "teal") -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(image, "JPEG")
    return image.getvalue()


@pytest.fixture
def branch(small_db):
    """LDS01 with one published visit (four standards missed) and an action for each, one
    in every state; MAN01, managed by MANAGER_B; SHOPPER, MANAGER_A and OFFICE."""
    db = small_db
    version = factories.a_checklist(db, FOUR_GAPS)
    branch_id = factories.a_branch(db, "LDS01")
    factories.a_branch(db, "MAN01", "Manchester Deansgate")
    shopper_id = factories.a_shopper(db)
    manager_id = factories.a_person(db, MANAGER_A, "manager", branch_codes=("LDS01",))
    factories.a_person(db, MANAGER_B, "manager", branch_codes=("MAN01",))
    office_id = factories.a_person(db, OFFICE, "office")
    assignment_id = factories.an_assignment(
        db, branch_id=branch_id, shopper_id=shopper_id, checklist_id=version.checklist_id,
        created_by=office_id, status="done")
    visit = factories.a_visit(
        db, assignment_id=assignment_id, shopper_id=shopper_id, version=version,
        answers={key: "no" for key, *_ in ACTIONS.values()}, status="published",
        reviewer_id=office_id)
    ids = {}
    for description, (key, owner, days, done) in ACTIONS.items():
        question_id = version.question_ids[key]
        actions.record(db, visit, question_id, {
            "description": description, "owner": owner,
            # Today as the test runs, not as it was collected: the pages count days
            # from their own today, and a run may cross midnight.
            "due_date": (date.today() + timedelta(days=days)).isoformat()}, manager_id)
        ids[description] = actions.of_visit(db, visit["id"])[question_id]["id"]
        if done:
            complete_action(db, "", ids[description], "List pinned by the phone", manager_id)
    return {"id": branch_id, "visit": visit, "actions": ids, "version": version}


def listed(page: str) -> list[str]:
    """The descriptions of the actions on the page, in order."""
    return [d for _, d in sorted((page.index(d), d) for d in ACTIONS if d in page)]


def groups_on(page: str) -> list[str]:
    return re.findall(r'<h2 id="group-(\w+)"', page)


def test_the_list_shows_each_action_under_where_it_stands(empty_app, branch):
    page = signed_in(empty_app, MANAGER_A).get(f"/branch/{branch['id']}/actions")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert groups_on(text) == ["overdue", "due_soon", "later", "done"]
    assert listed(text) == [OVERDUE, SOON, LATER, DONE]
    overdue = text[text.index('id="group-overdue"'):text.index('id="group-due_soon"')]
    assert "3 days overdue" in overdue and 'class="due-words due-overdue"' in overdue
    assert "due in 2 days" in text
    assert "List pinned by the phone" in text  # the done one's note
    visit = branch["visit"]
    assert f'href="/branch/visits/{visit["uuid"]}#gap-' in text
    assert "no-store" in page.headers["Cache-Control"]


@pytest.mark.parametrize(("query", "expected"), [
    ("state=open", [OVERDUE, SOON, LATER]),
    ("state=overdue", [OVERDUE]),
    ("state=due_soon", [SOON]),
    ("state=done", [DONE]),
    ("touchpoint=phone", [LATER, DONE]),
    ("owner=Ben", [SOON, DONE]),
    ("state=open&owner=Ana", [OVERDUE, LATER]),
    ("state=overdue&touchpoint=phone", []),
    ("owner=Nobody", []),
])
def test_filters_list_only_the_matching_actions(empty_app, branch, query, expected):
    page = signed_in(empty_app, MANAGER_A).get(f"/branch/{branch['id']}/actions?{query}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert listed(text) == expected
    if not expected:
        assert "No actions match." in text
    for name, value in (pair.split("=") for pair in query.split("&")):
        assert re.search(rf'<option selected value="{value}">|<option value="{value}" '
                         rf'selected>', text), f"{name}={value} not shown as chosen"


def test_the_filter_is_a_plain_get_form_offering_the_branchs_touchpoints_and_owners(
        empty_app, branch):
    text = signed_in(empty_app, OFFICE).get(f"/branch/{branch['id']}/actions"
                                            ).get_data(as_text=True)
    form = re.search(r'<form method="get"[^>]*>.*?</form>', text, re.S)[0]
    assert f'action="/branch/{branch["id"]}/actions"' in form
    assert re.findall(r'name="(\w+)"', form) == ["state", "touchpoint", "owner"]
    assert '<option value="phone">Phone</option>' in form
    assert '<option value="Ben">Ben</option>' in form


def test_an_unknown_state_is_a_bad_request(empty_app, branch):
    client = signed_in(empty_app, MANAGER_A)
    assert client.get(f"/branch/{branch['id']}/actions?state=lost").status_code == 400


def mark_done(client, action_id, *, note="New rota on the wall", photo=None,
              name="rota.jpg", query="?back=actions"):
    data = {"csrf_token": csrf_token(client, "/branch/"), "done_note": note}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), name)
    return client.post(f"/branch/actions/{action_id}/done{query}", data=data,
                       content_type="multipart/form-data")


def test_done_with_a_note_and_a_photo_from_the_list(empty_app, small_db, branch):
    client = signed_in(empty_app, MANAGER_A)
    action_id = branch["actions"][OVERDUE]
    response = mark_done(client, action_id, photo=a_jpeg(),
                         query="?back=actions&state=overdue")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/branch/{branch['id']}/actions?state=overdue#action-{action_id}")
    row = next(small_db.query("SELECT * FROM branch_actions WHERE id = ?", [action_id]))
    assert (row["status"], row["done_note"]) == ("done", "New rota on the wall")
    assert row["photo_uuid"]

    text = client.get(f"/branch/{branch['id']}/actions?state=done").get_data(as_text=True)
    assert listed(text) == [OVERDUE, DONE]
    assert "New rota on the wall" in text
    assert f"/photos/actions/{row['photo_uuid']}/thumb" in text
    scorecard = client.get(f"/branch/visits/{branch['visit']['uuid']}").get_data(as_text=True)
    assert f"/photos/actions/{row['photo_uuid']}/thumb" in scorecard

    for who, status in ((MANAGER_A, 200), (OFFICE, 200), (MANAGER_B, 404), (SHOPPER, 404)):
        for size in ("thumb", "display"):
            got = signed_in(empty_app, who).get(f"/photos/actions/{row['photo_uuid']}/{size}")
            assert got.status_code == status, (who, size)
            if status == 200:
                assert got.mimetype == "image/jpeg"
                assert Image.open(io.BytesIO(got.data)).format == "JPEG"


def test_done_without_a_photo_from_the_scorecard(empty_app, small_db, branch):
    client = signed_in(empty_app, MANAGER_A)
    action_id = branch["actions"][SOON]
    response = mark_done(client, action_id, query="")
    assert response.status_code == 303
    assert f"/branch/visits/{branch['visit']['uuid']}#gap-" in response.headers["Location"]
    row = next(small_db.query("SELECT * FROM branch_actions WHERE id = ?", [action_id]))
    assert row["status"] == "done" and row["photo_uuid"] is None


def photo_files_in(app) -> set[Path]:
    return {p for p in Path(app.config["PHOTO_FOLDER"]).rglob("*") if p.is_file()}


@pytest.mark.parametrize(("photo", "message"), [
    (b"%PDF-1.4 not a photo at all", "This file is not a photo we can read"),
    ((SAMPLES / "truncated_jpeg.jpg").read_bytes(), "This photo is damaged or incomplete"),
    (b"", "The photo arrived empty"),
])
@pytest.mark.parametrize("query", ["?back=actions", ""])
def test_a_refused_photo_says_why_beside_the_field_and_keeps_the_note(
        empty_app, small_db, branch, photo, message, query):
    client = signed_in(empty_app, MANAGER_A)
    action_id = branch["actions"][OVERDUE]
    before = photo_files_in(empty_app)
    response = mark_done(client, action_id, note="Rota & sign changed", photo=photo,
                         query=query)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="done-photo-{action_id}-error">([^<]*)</p>', text)
    assert error and message in error[1]
    assert re.search(r'<textarea name="done_note"[^>]*>Rota &amp; sign changed</textarea>',
                     text)
    assert 'enctype="multipart/form-data"' in text
    row = next(small_db.query("SELECT * FROM branch_actions WHERE id = ?", [action_id]))
    assert (row["status"], row["photo_uuid"]) == ("open", None)
    assert photo_files_in(empty_app) == before


def test_a_missing_note_is_refused_and_asks_for_the_photo_again(empty_app, small_db, branch):
    client = signed_in(empty_app, MANAGER_A)
    response = mark_done(client, branch["actions"][LATER], note="  ", photo=a_jpeg())
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Say what was done." in text and "Choose the photo again" in text
    assert small_db.execute("SELECT status FROM branch_actions WHERE id = ?",
                            [branch["actions"][LATER]]).fetchone()[0] == "open"


def test_another_branchs_actions_are_not_found(empty_app, small_db, branch):
    manager_b = signed_in(empty_app, MANAGER_B)
    assert manager_b.get(f"/branch/{branch['id']}/actions").status_code == 404
    response = mark_done(manager_b, branch["actions"][OVERDUE], photo=a_jpeg())
    assert response.status_code == 404
    assert small_db.execute("SELECT status FROM branch_actions WHERE id = ?",
                            [branch["actions"][OVERDUE]]).fetchone()[0] == "open"
    other = small_db.execute("SELECT id FROM branches WHERE code = 'MAN01'").fetchone()[0]
    assert signed_in(empty_app, MANAGER_A).get(f"/branch/{other}/actions").status_code == 404
    assert mark_done(signed_in(empty_app, MANAGER_A), 999_999).status_code == 404


def test_head_office_reads_the_list_but_cannot_mark_done(empty_app, branch):
    office = signed_in(empty_app, OFFICE)
    text = office.get(f"/branch/{branch['id']}/actions").get_data(as_text=True)
    assert listed(text) == [OVERDUE, SOON, LATER, DONE]
    assert "Mark done" not in text and 'name="done_note"' not in text
    assert mark_done(office, branch["actions"][OVERDUE]).status_code == 403


def test_the_branch_page_counts_what_waits_and_links_to_it(empty_app, small_db, branch):
    client = signed_in(empty_app, MANAGER_A)
    text = client.get(f"/branch/{branch['id']}").get_data(as_text=True)
    tally = re.search(r'<ul class="tally">.*?</ul>', text, re.S)[0]
    assert re.search(rf'href="/branch/{branch["id"]}\?show=new#visits"><strong>1</strong> '
                     r"scorecard to acknowledge", tally)
    assert re.search(rf'href="/branch/{branch["id"]}/actions\?state=open"><strong>3</strong> '
                     r"actions open", tally)
    assert re.search(rf'class="tally-overdue" href="/branch/{branch["id"]}/actions\?'
                     r'state=overdue"><strong>1</strong> overdue', tally)
    assert f'href="/branch/{branch["id"]}/actions"' in text

    visit = branch["visit"]
    new = client.get(f"/branch/{branch['id']}?show=new").get_data(as_text=True)
    assert "Scorecards to acknowledge" in new and visit["uuid"] in new
    client.post(f"/branch/visits/{visit['uuid']}/acknowledge",
                data={"csrf_token": csrf_token(client, "/branch/")})
    after = client.get(f"/branch/{branch['id']}?show=new").get_data(as_text=True)
    assert "<strong>0</strong> scorecards to acknowledge" in after
    assert visit["uuid"] not in after
    assert "Every published scorecard has been acknowledged." in after


def test_clearing_orphaned_photos_keeps_the_photos_of_actions(empty_app, small_db, branch):
    folder = empty_app.config["PHOTO_FOLDER"]
    manager = small_db.execute("SELECT id FROM users WHERE email = ?", [MANAGER_A]).fetchone()[0]
    complete_action(small_db, folder, branch["actions"][SOON], "Done", manager, a_jpeg())
    kept = photo_files_in(empty_app)
    assert len(kept) == 2
    cleanup = photo_retention.clean_orphans(small_db, folder, older_than=timedelta(0),
                                            at=time.time() + 60)
    assert cleanup.orphans == [] and photo_files_in(empty_app) == kept


def test_a_new_photo_replaces_the_one_before_and_its_files_go(empty_app, small_db, branch):
    folder = empty_app.config["PHOTO_FOLDER"]
    action_id = branch["actions"][LATER]
    complete_action(small_db, folder, action_id, "Done", None, a_jpeg("teal"))
    first = photo_files_in(empty_app)
    complete_action(small_db, folder, action_id, "Done again", None, a_jpeg("navy"))
    second = photo_files_in(empty_app)
    assert len(second) == 2 and not first & second


# The rule itself


@pytest.mark.parametrize(("days", "group", "words"), [
    (-8, "overdue", "8 days overdue"),
    (-1, "overdue", "1 day overdue"),
    (0, "due_soon", "due today"),
    (1, "due_soon", "due tomorrow"),
    (7, "due_soon", "due in 7 days"),
    (8, "later", "due in 8 days"),
])
def test_where_an_open_action_stands_by_its_due_date(days, group, words):
    due = (TODAY + timedelta(days=days)).isoformat()
    assert group_of({"status": "open", "due_date": due}, TODAY) == group
    assert group_of({"status": "done", "due_date": due}, TODAY) == "done"
    assert due_words(due, TODAY) == words


def test_counts_and_groups_agree():
    rows = [{"id": i, "status": status, "due_date": (TODAY + timedelta(days=d)).isoformat(),
             "done_at": None, "touchpoint_key": "phone", "owner": "Ana"}
            for i, (status, d) in enumerate([("open", -2), ("open", -1), ("open", 3),
                                             ("open", 40), ("done", -5)])]
    found = counts(rows, TODAY)
    assert found == {"open": 4, "overdue": 2, "due_soon": 1, "later": 1, "done": 1}
    assert {k: len(v) for k, v in grouped(rows, TODAY).items()} == {
        "overdue": 2, "due_soon": 1, "later": 1, "done": 1}
    assert [a["id"] for a in grouped(rows, TODAY)["overdue"]] == [0, 1]  # most overdue first
