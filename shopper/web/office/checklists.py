"""Head office's checklists: the list, import of a TOML file, the editor, each
checklist's history of versions, export, and a preview of a screen as a shopper sees it."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shopper.domain import checklist_editor, checklist_format
from shopper.store import checklists as checklist_store
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.office import bp
from shopper.web.touchpoint_screen import SHELL_VISIT, empty_screen


@bp.route("/checklists")
@allow("office")
def checklists():
    return render_template("office/checklists.html",
                           checklists=checklist_store.checklist_summaries(get_db()))


@bp.route("/checklists/import", methods=["POST"])
@allow("office")
def import_checklist():
    upload = request.files.get("file")
    text = upload.read().decode("utf-8", errors="replace") if upload else ""
    try:
        checklist = checklist_format.parse_checklist(text, upload.filename if upload else "file")
    except checklist_format.ChecklistError as err:
        flash(f"Nothing imported: {err}", "error")
        return redirect(url_for("office.checklists"), 303)
    _, number, created = checklist_store.import_checklist(get_db(), checklist, text,
                                                         current_user.id)
    flash(f"Imported {checklist.name} as version {number}." if created
          else f"{checklist.name} is unchanged (still version {number}).", "info")
    return redirect(url_for("office.checklists"), 303)


@bp.route("/checklists/new", methods=["GET", "POST"])
@bp.route("/checklists/<int:checklist_id>/edit", methods=["GET", "POST"])
@allow("office")
def edit_checklist(checklist_id: int | None = None):
    """The whole checklist in one form. Saving a changed checklist makes a new version;
    visits keep the version they were made with."""
    db = get_db()
    current = None
    if checklist_id is not None:
        version_id = checklist_store.latest_version_id(db, checklist_id)
        if version_id is None:
            abort(404)
        current = checklist_store.load_version(db, version_id)
    if request.method == "GET":
        data = (checklist_format.to_data(current.checklist) if current else
                checklist_editor.apply({"checklist": {"slug": "", "name": "",
                                                      "description": ""},
                                        "touchpoints": []}, "add-tp"))
        return _editor(data, current)
    data = checklist_editor.form_to_data(request.form)
    if current:
        data["checklist"]["slug"] = current.checklist.slug  # a checklist keeps its identity
    op = request.form.get("op", "save")
    if op != "save":
        data = checklist_editor.apply(data, op)
        return _editor(data, current, focus=checklist_editor.focus_of(op, data),
                       announce=checklist_editor.move_announcement(op, data))
    try:
        checklist = checklist_format.checklist_from_data(data)
    except checklist_format.ChecklistError as err:
        return _editor(data, current, err), 422
    if current is None and checklist_store.checklist_id_of_slug(db, checklist.slug):
        error = checklist_format.ChecklistError("editor", "checklist.slug",
                                                "another checklist already uses this slug")
        return _editor(data, current, error), 422
    _, number, created = checklist_store.import_checklist(
        db, checklist, checklist_format.to_toml(checklist), current_user.id)
    flash(f"Saved as version {number}." if created else "No changes to save.", "info")
    saved = checklist_store.checklist_id_of_slug(db, checklist.slug)
    return redirect(url_for("office.checklist_history", checklist_id=saved), 303)


def _editor(data: dict, current, error=None, focus=None, announce=""):
    """The editor's page; after an error, the cursor waits in the field it names. Any page
    answering a post holds changes not saved yet (`dirty`): leaving it warns."""
    error_field = checklist_editor.field_of(error, data) if error else None
    return render_template(
        "office/checklist_edit.html", data=data, current=current, error=error,
        error_field=error_field, focus=error_field or focus, announce=announce,
        dirty=request.method == "POST", editor=checklist_editor,
        rules=checklist_editor.rule_forms(data), operators=checklist_editor.OPERATOR_CHOICES,
        choices=checklist_editor.CHOICES, extra=checklist_format.KIND_FIELDS,
        options_text=checklist_editor.options_text)


@bp.route("/checklists/<int:checklist_id>/history")
@allow("office")
def checklist_history(checklist_id: int):
    db = get_db()
    versions = checklist_store.versions_of(db, checklist_id)
    if not versions:
        abort(404)
    loaded = [checklist_store.load_version(db, v["id"]).checklist for v in versions]
    for i, version in enumerate(versions):
        version["changes"] = (checklist_format.diff(loaded[i + 1], loaded[i])
                              if i + 1 < len(loaded) else ["First version"])
    return render_template("office/checklist_history.html", versions=versions,
                           checklist_id=checklist_id, name=loaded[0].name)


@bp.route("/checklist-versions/<int:version_id>.toml")
@allow("office")
def export_checklist(version_id: int):
    db = get_db()
    try:
        version = checklist_store.load_version(db, version_id)
    except LookupError:
        abort(404)
    response = Response(checklist_format.to_toml(version.checklist), mimetype="text/plain")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{version.checklist.slug}-v{version.version}.toml"')
    return response


@bp.route("/checklist-versions/<int:version_id>/preview/<int:position>")
@allow("office")
def preview_checklist(version_id: int, position: int):
    """A touchpoint screen as the shopper will see it on a phone."""
    db = get_db()
    try:
        version = checklist_store.load_version(db, version_id)
    except LookupError:
        abort(404)
    return empty_screen(version, position, {**SHELL_VISIT, "branch_name": "Preview"},
                        preview=True)
