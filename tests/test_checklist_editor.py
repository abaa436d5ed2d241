"""Head office edits checklists in the browser: the editor's form holds the whole
checklist, saving a change makes a new version (visits keep theirs), the history says what
changed, and files and editor stay interchangeable (TOML export and import)."""

from __future__ import annotations

import html
import io
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from shopper.domain import checklist_editor
from shopper.domain.checklist_format import checklist_from_data, parse_checklist
from shopper.store import checklists as checklist_store

from .support import OFFICE, signed_in


class FormFields(HTMLParser):
    """The values a browser would post from the page's editor form, and each select's
    options as (value, words, disabled)."""

    def __init__(self):
        super().__init__()
        self.fields, self.options = [], {}
        self._textarea, self._select, self._option = None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") != "file":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            else:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = (a["name"], "multiple" in a)
            self.options[a["name"]] = []
        elif tag == "option" and self._select:
            self._option = [a.get("value"), "", "disabled" in a, "selected" in a]
            self.options[self._select[0]].append(self._option)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            options = [(v if v is not None else w, w, off, on)
                       for v, w, off, on in self.options[name]]
            chosen = [v for v, _, _, on in options if on]
            if not chosen and not multiple:  # a browser posts the first it may
                chosen = [v for v, _, off, _ in options if not off][:1]
            self.fields += [(name, v) for v in chosen]
            self.options[name] = [(v, w, off) for v, w, off, _ in options]
            self._select = None


def parsed(response) -> FormFields:
    parser = FormFields()
    parser.feed(response.get_data(as_text=True))
    return parser


def editor_form(client, url) -> MultiDict:
    return MultiDict(parsed(client.get(url)).fields)


def press(client, url, form: MultiDict, op: str, changes: dict | None = None):
    """Press one of the editor's buttons (its op) after changing some fields."""
    data = form.copy()
    for name, value in (changes or {}).items():
        data.setlist(name, value if isinstance(value, list) else [value])
    data["op"] = op
    return client.post(url, data=data, follow_redirects=True)


def versions(db):
    return db.execute("SELECT COUNT(*) FROM checklist_versions").fetchone()[0]


def test_saving_unchanged_makes_no_version_and_a_change_makes_one(app, db):
    client = signed_in(app, OFFICE)
    form = editor_form(client, "/office/checklists/1/edit")
    assert form["tp-0-q-0-text"] == "Were you greeted within 30 seconds of coming in?"
    before = versions(db)
    unchanged = press(client, "/office/checklists/1/edit", form, "save")
    assert "No changes to save." in unchanged.get_data(as_text=True)
    assert versions(db) == before
    form["tp-0-q-0-text"] = "Were you greeted within 20 seconds of coming in?"
    saved = press(client, "/office/checklists/1/edit", form, "save")
    page = saved.get_data(as_text=True)
    assert f"Saved as version {before + 1}." in page
    assert "Reception: “Were you greeted within 20 seconds of coming in?”: changed text" in page
    assert versions(db) == before + 1
    old = db.execute("SELECT MIN(id) FROM checklist_versions").fetchone()[0]
    assert db.execute("SELECT COUNT(*) FROM visits WHERE version_id = ?", [old]).fetchone()[0]


def test_adding_moving_and_removing_questions(app):
    client = signed_in(app, OFFICE)
    form = editor_form(client, "/office/checklists/1/edit")
    count = sum(1 for k in form if k.startswith("tp-1-q-") and k.endswith("-kind"))
    fields = dict(parsed(press(client, "/office/checklists/1/edit", form, "add-q-1")).fields)
    assert sum(1 for k in fields if k.startswith("tp-1-q-") and k.endswith("-kind")) == count + 1
    moved = parsed(press(client, "/office/checklists/1/edit", form, "down-q-0-0"))
    assert dict(moved.fields)["tp-0-q-1-key"] == form["tp-0-q-0-key"]


def test_a_broken_checklist_is_refused_naming_the_field(app, db):
    client = signed_in(app, OFFICE)
    form = editor_form(client, "/office/checklists/1/edit")
    form["tp-2-q-1-target"] = "three"
    before = versions(db)
    response = press(client, "/office/checklists/1/edit", form, "save")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "touchpoints[2].questions[1].target: must be a number" in page
    assert 'href="#tp-2-q-1-target"' in page
    assert versions(db) == before


def test_a_new_checklist_from_scratch(app, db):
    client = signed_in(app, OFFICE)
    token = editor_form(client, "/office/checklists/new")["csrf_token"]
    form = {"csrf_token": token, "slug": "quick-check", "name": "Quick check", "description": "",
            "tp-0-key": "desk", "tp-0-name": "Desk", "tp-0-weight": "1",
            "tp-0-q-0-key": "smile", "tp-0-q-0-kind": "yes_no", "tp-0-q-0-category": "basic",
            "tp-0-q-0-points": "1", "tp-0-q-0-text": "Did they smile?",
            "tp-0-q-0-standard": "Every customer gets a smile.", "tp-0-q-0-required": "1",
            "tp-0-q-0-expected": "yes", "op": "save"}
    response = client.post("/office/checklists/new", data=form, follow_redirects=True)
    assert "Saved as version 1." in response.get_data(as_text=True)
    assert db.execute("SELECT name FROM checklists WHERE slug = 'quick-check'"
                      ).fetchone()[0] == "Quick check"
    again = client.post("/office/checklists/new", data=form)
    assert again.status_code == 422
    assert "another checklist already uses this slug" in again.get_data(as_text=True)


def test_export_and_import_are_interchangeable(app, db):
    client = signed_in(app, OFFICE)
    latest = db.execute("SELECT MAX(id) FROM checklist_versions").fetchone()[0]
    exported = client.get(f"/office/checklist-versions/{latest}.toml")
    assert exported.status_code == 200
    text = exported.get_data(as_text=True)
    stored = checklist_store.load_version(db, latest).checklist
    assert any(tp.skip_if for tp in stored.touchpoints)  # the default checklist has rules
    assert parse_checklist(text) == stored
    before = versions(db)
    token = editor_form(client, "/office/checklists")["csrf_token"]
    reimported = client.post("/office/checklists/import", follow_redirects=True, data={
        "csrf_token": token, "file": (io.BytesIO(text.encode()), "mot.toml")})
    assert "is unchanged" in reimported.get_data(as_text=True)
    assert versions(db) == before
    broken = client.post("/office/checklists/import", follow_redirects=True, data={
        "csrf_token": token, "file": (io.BytesIO(b"[checklist]\nslug = 1\n"), "bad.toml")})
    assert "Nothing imported: bad.toml" in broken.get_data(as_text=True)


def test_the_preview_shows_a_screen_as_the_shopper_sees_it(app):
    client = signed_in(app, OFFICE)
    page = client.get("/office/checklist-versions/1/preview/3").get_data(as_text=True)
    assert "<strong>Phone</strong> 3/6" in page
    assert "as a shopper sees it on a phone" in page
    assert "local-visit.js" not in page


# -- checklist logic in the editor (docs/checklist-format.md#checklist-logic)

EVERY_RULE = """
[checklist]
slug = "rules-check"
name = "Rules check"

[[touchpoints]]
key = "desk"
name = "Desk"

[[touchpoints.questions]]
key = "greeted"
kind = "yes_no"
text = "Were you greeted?"
standard = "Everyone is greeted."

[[touchpoints.questions]]
key = "mood"
kind = "scale"
text = "How friendly was the greeting?"
standard = "Greetings are friendly."
show_if = { question = "desk.greeted", equals = "yes" }
require_note_if = { less_than = 3 }

[[touchpoints.questions]]
key = "extras"
kind = "multi_choice"
text = "What were you offered?"
standard = "Visitors are offered refreshments."
options = [{ label = "Leaflet", points = 1 }, { label = "Coffee", points = 2 },
           { label = "Biscuit", points = 1 }]
cap = 3
pass_points = 2
show_if = { any = [{ question = "desk.greeted", equals = "no" },
                   { question = "desk.mood", in = [4, 5] }] }
require_photo_if = "not_met"

[[touchpoints.questions]]
key = "wait"
kind = "duration"
text = "How long did you wait?"
standard = "Nobody waits more than a minute."
target = 60
min = 0
max = 600
range_message = "Up to ten minutes."
require_note_if = { question = "desk.extras", includes = "Coffee" }

[[touchpoints.questions]]
key = "chairs"
kind = "number"
text = "How many chairs were free?"
standard = "At least three chairs are free."
target = 3
compare = ">="
unit = "chairs"
min = 0
max = 30
show_if = { all = [{ question = "desk.wait", greater_than = 10 },
                   { question = "desk.extras", answered = true }] }
require_photo_if = { question = "desk.greeted", not_equals = "yes" }

[[touchpoints]]
key = "delivery"
name = "Delivery"
show_if = { question = "desk.chairs", answered = false }
skip_if = { question = "delivery.ordered", equals = "no" }
skip_reason = "Nothing was ordered"

[[touchpoints.questions]]
key = "ordered"
kind = "yes_no"
text = "Did you order anything?"

[[touchpoints.questions]]
key = "on_time"
kind = "yes_no"
text = "Did it come on time?"
standard = "Orders arrive on time."
"""


def question(p, key, kind, text, standard="", **fields) -> dict:
    return {p + "key": key, p + "kind": kind, p + "text": text, p + "standard": standard,
            p + "category": "basic", p + "required": "1", p + "points": "1",
            **{p + name: value for name, value in fields.items()}}


def rule(name, *rows, join=None, when=None) -> dict:
    """A rule's fields as the editor posts them: (question, operator, value) a row."""
    fields = {} if when is None else {f"{name}-when": when}
    if join:
        fields[f"{name}-join"] = join
    for k, (asked, op, value) in enumerate(rows):
        fields.update({f"{name}-{k}-question": asked, f"{name}-{k}-op": op,
                       f"{name}-{k}-value": value})
    return fields


def every_rule_form(token) -> dict:
    """EVERY_RULE as head office fills in the editor's form, picking from its lists."""
    d, v = "tp-0-q-", "tp-1-q-"
    return {
        "csrf_token": token, "slug": "rules-check", "name": "Rules check", "description": "",
        "tp-0-key": "desk", "tp-0-name": "Desk", "tp-0-weight": "1",
        **question(d + "0-", "greeted", "yes_no", "Were you greeted?", "Everyone is greeted.",
                   expected="yes"),
        **question(d + "1-", "mood", "scale", "How friendly was the greeting?",
                   "Greetings are friendly.", pass_min="4"),
        **rule(d + "1-show_if", ("desk.greeted", "equals", "yes")),
        **rule(d + "1-require_note_if", ("", "less_than", "3"), when="condition"),
        **question(d + "2-", "extras", "multi_choice", "What were you offered?",
                   "Visitors are offered refreshments.", cap="3", pass_points="2",
                   options="Leaflet = 1\nCoffee = 2\nBiscuit = 1"),
        **rule(d + "2-show_if", ("desk.greeted", "equals", "no"),
               ("desk.mood", "in", ["4", "5"]), join="any"),
        **rule(d + "2-require_photo_if", when="not_met"),
        **question(d + "3-", "wait", "duration", "How long did you wait?",
                   "Nobody waits more than a minute.", target="60", compare="<=", min="0",
                   max="600", range_message="Up to ten minutes."),
        **rule(d + "3-require_note_if", ("desk.extras", "includes", "Coffee"),
               when="condition"),
        **question(d + "4-", "chairs", "number", "How many chairs were free?",
                   "At least three chairs are free.", target="3", compare=">=",
                   unit="chairs", min="0", max="30"),
        **rule(d + "4-show_if", ("desk.wait", "greater_than", "10"),
               ("desk.extras", "answered", ""), join="all"),
        **rule(d + "4-require_photo_if", ("desk.greeted", "not_equals", "yes"),
               when="condition"),
        "tp-1-key": "delivery", "tp-1-name": "Delivery", "tp-1-weight": "1",
        "tp-1-skip_reason": "Nothing was ordered",
        **rule("tp-1-show_if", ("desk.chairs", "not_answered", "")),
        **rule("tp-1-skip_if", ("delivery.ordered", "equals", "no")),
        **question(v + "0-", "ordered", "yes_no", "Did you order anything?", expected="yes"),
        **question(v + "1-", "on_time", "yes_no", "Did it come on time?",
                   "Orders arrive on time.", expected="yes"),
    }


def latest(db, slug):
    checklist_id = checklist_store.checklist_id_of_slug(db, slug)
    return checklist_id, checklist_store.load_version(
        db, checklist_store.latest_version_id(db, checklist_id)).checklist


def test_every_rule_kind_built_in_the_editor_is_saved_as_written(app, db):
    client = signed_in(app, OFFICE)
    token = editor_form(client, "/office/checklists/new")["csrf_token"]
    response = client.post("/office/checklists/new", data={**every_rule_form(token),
                                                            "op": "save"},
                           follow_redirects=True)
    assert "Saved as version 1." in response.get_data(as_text=True)
    checklist_id, saved = latest(db, "rules-check")
    assert saved == parse_checklist(EVERY_RULE)
    assert saved.touchpoints[1].questions[0].gate

    # opened again, the editor shows every rule in its lists, and saving changes nothing
    url = f"/office/checklists/{checklist_id}/edit"
    form = editor_form(client, url)
    assert form["tp-0-q-2-show_if-join"] == "any"
    assert form.getlist("tp-0-q-2-show_if-1-value") == ["4", "5"]
    assert form["tp-0-q-1-require_note_if-0-question"] == ""  # "This question"
    assert form["tp-0-q-2-require_photo_if-when"] == "not_met"
    assert form["tp-1-show_if-0-op"] == "not_answered"
    assert form["tp-0-q-4-range_message"] == "" and form["tp-0-q-4-max"] == "30"
    data = checklist_editor.form_to_data(form)
    data["checklist"]["slug"] = "rules-check"  # not a field once saved: a checklist keeps it
    assert checklist_from_data(data) == saved
    unchanged = press(client, url, form, "save")
    assert "No changes to save." in unchanged.get_data(as_text=True)


def test_the_editor_speaks_plain_words(app):
    client = signed_in(app, OFFICE)
    page = parsed(client.get("/office/checklists/1/edit"))
    words = {v: w for v, w, _ in page.options["tp-0-q-0-kind"]}
    assert words["yes_no"] == "Yes / No" and words["duration"] == "Stopwatch"
    assert words["multi_choice"] == "Any of several options"
    operators = [w for _, w, _ in page.options["tp-2-q-1-show_if-0-op"]]
    assert operators == ["is", "is not", "is one of", "is less than", "is more than",
                         "includes", "is answered", "is not answered"]
    values = [(v, w) for v, w, _ in page.options["tp-2-q-1-show_if-0-value"]]
    assert values == [("", "Choose a value"), ("yes", "Yes"), ("no", "No")]


def test_a_condition_picks_from_the_questions_asked_before(app):
    client = signed_in(app, OFFICE)
    url = "/office/checklists/1/edit"
    form = editor_form(client, url)
    response = press(client, url, form, "add-cond-tp-1-q-1-show_if")
    page = parsed(response)
    listed = page.options["tp-1-q-1-show_if-0-question"]
    assert [v for v, _, _ in listed] == [
        "", "reception.greeted_within_30s", "reception.greeting_style",
        "reception.acknowledged_when_busy", "reception.wait_to_be_served",
        "reception.staff_appearance", "reception.offered_drink", "parking.signage_clear"]
    assert listed[1][1] == "Reception · Were you greeted within 30 seconds of coming in?"
    assert 'id="tp-1-q-1-show_if-0-question" name="tp-1-q-1-show_if-0-question" autofocus' in (
        response.get_data(as_text=True))

    # without the script, "Show the answers to pick from" fits the lists to the question
    form = MultiDict(page.fields)
    shown = parsed(press(client, url, form, "values-tp-1-q-1-show_if-0",
                         {"tp-1-q-1-show_if-0-question": "reception.staff_appearance"}))
    usable = [v for v, _, off in shown.options["tp-1-q-1-show_if-0-op"] if not off]
    assert usable == ["equals", "not_equals", "in", "less_than", "greater_than", "answered",
                      "not_answered"]
    assert [w for _, w, _ in shown.options["tp-1-q-1-show_if-0-value"]] == [
        "Choose a value", "1 · Untidy", "2", "3", "4", "5 · Spotless"]


def test_conditions_are_added_combined_and_removed(app, db):
    client = signed_in(app, OFFICE)
    url = "/office/checklists/1/edit"
    slot = "tp-0-q-1-require_note_if"
    form = MultiDict(parsed(press(client, url, editor_form(client, url),
                                  f"add-cond-{slot}")).fields)
    assert form[f"{slot}-when"] == "condition"
    assert form[f"{slot}-0-question"] == ""  # the question itself
    form = MultiDict(parsed(press(client, url, form, f"add-cond-{slot}",
                                  {f"{slot}-0-op": "equals",
                                   f"{slot}-0-value": "Polite but flat"})).fields)
    assert form[f"{slot}-join"] == "all"
    assert form[f"{slot}-1-question"] == ""
    saved = press(client, url, form, "save", {
        f"{slot}-join": "any", f"{slot}-1-question": "reception.greeted_within_30s",
        f"{slot}-1-op": "equals", f"{slot}-1-value": "no"})
    assert "changed require note if" in saved.get_data(as_text=True)
    assert latest(db, "moments-of-truth")[1].touchpoints[0].questions[1].require_note_if == {
        "any": [{"question": "reception.greeting_style", "equals": "Polite but flat"},
                {"question": "reception.greeted_within_30s", "equals": "no"}]}
    form = editor_form(client, url)
    form = MultiDict(parsed(press(client, url, form, f"del-cond-{slot}-0")).fields)
    assert f"{slot}-join" not in form and f"{slot}-1-question" not in form
    assert form[f"{slot}-0-question"] == "reception.greeted_within_30s"


DEEP = EVERY_RULE.replace(
    'show_if = { question = "desk.greeted", equals = "yes" }',
    'show_if = { any = [{ question = "desk.greeted", equals = "yes" }, { all = ['
    '{ question = "desk.greeted", answered = false }, '
    '{ question = "desk.greeted", not_equals = "no" }] }] }')


def test_a_rule_deeper_than_the_form_is_kept_and_edited_through_toml(app, db):
    client = signed_in(app, OFFICE)
    token = editor_form(client, "/office/checklists")["csrf_token"]
    client.post("/office/checklists/import", data={
        "csrf_token": token, "file": (io.BytesIO(DEEP.encode()), "deep.toml")})
    checklist_id, imported = latest(db, "rules-check")
    url = f"/office/checklists/{checklist_id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "edited in the TOML file" in page
    assert ("any of (Desk · Were you greeted? is yes; all of (Desk · Were you greeted? is not "
            "answered; Desk · Were you greeted? is not no))") in page
    form = editor_form(client, url)
    assert "tp-0-q-1-show_if-kept" in form
    assert "No changes to save." in press(client, url, form, "save").get_data(as_text=True)
    press(client, url, form, "save", {"tp-0-q-1-text": "How warm was the greeting?"})
    changed = latest(db, "rules-check")[1].touchpoints[0].questions[1]
    assert changed.text == "How warm was the greeting?"
    assert changed.show_if == imported.touchpoints[0].questions[1].show_if
    form = MultiDict(parsed(press(client, url, editor_form(client, url),
                                  "clear-tp-0-q-1-show_if")).fields)
    assert "tp-0-q-1-show_if-kept" not in form


@pytest.mark.parametrize("changes, where, field", [
    ({"tp-2-q-1-show_if-0-question": "phone.hold_time"},
     "touchpoints[2].questions[1].show_if.question: 'phone.hold_time' is a later question",
     "tp-2-q-1-show_if-0-question"),
    ({"tp-2-q-1-show_if-0-value": ""}, "touchpoints[2].questions[1].show_if.equals: must be",
     "tp-2-q-1-show_if-0-value"),
    ({"tp-2-q-1-show_if-0-op": "less_than", "tp-2-q-1-show_if-0-value": "4"},
     "show_if.less_than: does not fit a yes_no question", "tp-2-q-1-show_if-0-value"),
    ({"tp-2-q-1-min": "10", "tp-2-q-1-max": "5"},
     "touchpoints[2].questions[1].max: must not be less than min", "tp-2-q-1-max"),
    ({"tp-4-skip_if-0-question": "reception.greeted_within_30s"},
     "touchpoints[4].skip_if: must name this touchpoint's first question", "tp-4-skip_if"),
    ({"tp-3-q-5-cap": "9"}, "touchpoints[3].questions[5].cap: is more than all the options",
     "tp-3-q-5-cap"),
    ({"tp-4-q-2-require_note_if-0-value": "ten"},
     "touchpoints[4].questions[2].require_note_if.greater_than: must be a number",
     "tp-4-q-2-require_note_if-0-value"),
])
def test_a_broken_rule_is_refused_next_to_its_field_keeping_what_was_typed(
        app, db, changes, where, field):
    client = signed_in(app, OFFICE)
    url = "/office/checklists/1/edit"
    before = versions(db)
    response = press(client, url, editor_form(client, url), "save", changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert where in html.unescape(page)
    assert f'<span class="error" id="{field}-error">' in page
    assert f'href="#{field}"' in page and f'id="{field}"' in page
    back = MultiDict(parsed(response).fields)
    for name, value in changes.items():
        assert back[name] == value, name
    assert versions(db) == before


def test_folded_lines_name_the_touchpoint_and_the_question_and_its_kind():
    tp = {"name": "Reception", "questions": [
        {"key": "greeted", "kind": "yes_no", "text": "Were you greeted?"},
        {"key": "wait", "kind": "duration", "text": ""}]}
    assert checklist_editor.touchpoint_summary(tp) == "Reception — 2 questions"
    assert checklist_editor.touchpoint_summary({"key": "k", "questions": [{}]}) == (
        "k — 1 question")
    assert checklist_editor.question_summary(tp["questions"][0]) == (
        "Were you greeted? — Yes / No")
    assert checklist_editor.question_summary(tp["questions"][1]) == "wait — Stopwatch"
    assert checklist_editor.kind_name("made_up") == "made_up"


def test_a_fold_opens_around_the_cursor_or_an_error_but_not_for_its_own_move():
    opens = checklist_editor.opens
    assert opens("tp-0-", "tp-0-q-3-key", None)
    assert opens("tp-0-q-3-", None, "tp-0-q-3-show_if-0-value")
    assert not opens("tp-0-", "tp-0-up", None)
    assert not opens("tp-0-q-3-", "tp-0-q-3-down", None)
    assert opens("tp-0-", "tp-0-q-3-down", None)  # the question's button is inside
    assert not opens("tp-1-", "tp-0-q-3-key", None) and not opens("tp-1-", None, None)


def test_after_a_move_the_cursor_stays_on_the_moved_item_and_it_is_announced():
    data = {"touchpoints": [
        {"name": "Reception", "questions": [{"text": "A"}, {"text": "B"}, {"text": "C"}]},
        {"name": "Parking", "questions": []}]}
    moved = checklist_editor.apply(data, "down-q-0-0")
    assert [q["text"] for q in moved["touchpoints"][0]["questions"]] == ["B", "A", "C"]
    assert checklist_editor.focus_of("down-q-0-0", moved) == "tp-0-q-1-down"
    assert checklist_editor.move_announcement("down-q-0-0", moved) == "Moved “A” to 2 of 3."
    checklist_editor.apply(moved, "down-q-0-1")  # now last: its "up" button is the one left
    assert checklist_editor.focus_of("down-q-0-1", moved) == "tp-0-q-2-up"
    checklist_editor.apply(moved, "up-tp-1")
    assert checklist_editor.focus_of("up-tp-1", moved) == "tp-0-down"
    assert checklist_editor.move_announcement("up-tp-1", moved) == "Moved “Parking” to 1 of 2."
    assert checklist_editor.move_announcement("add-tp", moved) == ""


def test_the_editor_folds_and_a_moved_question_keeps_the_cursor(app):
    client = signed_in(app, OFFICE)
    url = "/office/checklists/1/edit"
    page = client.get(url).get_data(as_text=True)
    assert "Reception — " in page and " questions</span></summary>" in page
    assert "Were you greeted within 30 seconds of coming in? — Yes / No" in page
    assert "<details class=\"editor-fold\" open>" not in page
    assert 'data-unsaved-warning>' in page  # clean until typed into
    moved = press(client, url, editor_form(client, url), "down-q-0-0")
    text = moved.get_data(as_text=True)
    assert 'id="tp-0-q-1-down"' in text and 'data-move="down" autofocus' in text
    assert "Moved “Were you greeted within 30 seconds of coming in?” to 2 of" in text
    assert 'data-unsaved-warning="dirty"' in text  # the move is not saved yet
