"""Head office edits checklists in the browser: the editor's form holds the whole
checklist, saving a change makes a new version (visits keep theirs), the history says what
changed, and files and editor stay interchangeable (TOML export and import)."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from shopper.domain.checklist_format import parse_checklist

from .support import OFFICE, signed_in


class FormFields(HTMLParser):
    """The values a browser would post from the page's editor form."""

    def __init__(self):
        super().__init__()
        self.fields, self._textarea, self._select = [], None, None

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
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "__text__")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif self.fields and self.fields[-1][1] == "__text__":
            self.fields[-1] = (self.fields[-1][0], data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            if self._select and not any(n == self._select for n, _ in self.fields):
                self.fields.append((self._select, ""))
            self._select = None



def editor_form(client, url) -> dict:
    parser = FormFields()
    parser.feed(client.get(url).get_data(as_text=True))
    return dict(parser.fields)


def versions(db):
    return db.execute("SELECT COUNT(*) FROM checklist_versions").fetchone()[0]


def test_saving_unchanged_makes_no_version_and_a_change_makes_one(app, db):
    client = signed_in(app, OFFICE)
    form = editor_form(client, "/office/checklists/1/edit")
    assert form["tp-0-q-0-text"] == "Were you greeted within 30 seconds of coming in?"
    before = versions(db)
    unchanged = client.post("/office/checklists/1/edit", data={**form, "op": "save"},
                            follow_redirects=True)
    assert "No changes to save." in unchanged.get_data(as_text=True)
    assert versions(db) == before
    form["tp-0-q-0-text"] = "Were you greeted within 20 seconds of coming in?"
    saved = client.post("/office/checklists/1/edit", data={**form, "op": "save"},
                        follow_redirects=True)
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
    page = client.post("/office/checklists/1/edit", data={**form, "op": "add-q-1"})
    added = FormFields()
    added.feed(page.get_data(as_text=True))
    fields = dict(added.fields)
    assert sum(1 for k in fields if k.startswith("tp-1-q-") and k.endswith("-kind")) == count + 1
    moved = client.post("/office/checklists/1/edit", data={**form, "op": "down-q-0-0"})
    after = FormFields()
    after.feed(moved.get_data(as_text=True))
    assert dict(after.fields)["tp-0-q-1-key"] == form["tp-0-q-0-key"]


def test_a_broken_checklist_is_refused_naming_the_field(app, db):
    client = signed_in(app, OFFICE)
    form = editor_form(client, "/office/checklists/1/edit")
    form["tp-2-q-1-target"] = "three"
    before = versions(db)
    response = client.post("/office/checklists/1/edit", data={**form, "op": "save"})
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
    assert parse_checklist(text).name == "Moments of Truth"
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
