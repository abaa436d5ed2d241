"""Head office's pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from . import (
    accounts,
    administration,
    charts,
    checklist_editor,
    checklist_format,
    checklist_store,
    comparisons,
    exports,
    page_cache,
    reports,
    review,
)
from .access import allow
from .branch import scorecard_parts, scorecard_visit_or_404
from .db import get_db
from .field import SHELL_VISIT, empty_screen
from .pages import change_html, score_band
from .pagination import page_of

bp = Blueprint("office", __name__, url_prefix="/office")


DEFAULT_DAYS = 90
HOME_LEAGUE = 10  # branches shown at each end of the league on the overview


def _scope() -> comparisons.Scope:
    """The comparison asked for in the query string; the last 90 days by default."""
    args = request.args
    try:
        end = date.fromisoformat(args["end"]) if args.get("end") else date.today()
        start = (date.fromisoformat(args["start"]) if args.get("start")
                 else end - timedelta(days=DEFAULT_DAYS - 1))
        checklist = int(args["checklist"]) if args.get("checklist") else None
    except ValueError:
        abort(400, "Dates look like 2026-11-25, and the checklist is chosen from the list.")
    if start > end:
        abort(400, "The start date is after the end date.")
    if (end - start).days > 3660:
        abort(400, "Choose a period of ten years or less.")
    return comparisons.Scope(start, end, args.get("region") or None, checklist)


def _page_asked() -> tuple[int, bool]:
    """The page of a long list that ?page=N (or ?show=all) asks for."""
    number = request.args.get("page") or "1"
    if not number.isdecimal() or len(number) > 6:
        abort(400, "The page is a number: 1, 2, 3…")
    return int(number), request.args.get("show") == "all"


def league_display(rows: list[dict]) -> list[dict]:
    """Bands and labels for each league row, worked out once here rather than in the
    template (a league of 2,000 branches is 2,000 rows)."""
    for r in rows:
        r["band"], r["label"] = score_band(r["average"]), f"{r['average']:.0f}%"
        r["worst_band"] = score_band(r["worst_score"])
        r["worst_label"] = "" if r["worst_score"] is None else f"{r['worst_score']:.0f}%"
        r["change_html"] = change_html(r["change"])
    return rows


def _filters(scope: comparisons.Scope) -> dict:
    db = get_db()
    return {"scope": scope, "regions": reports.regions(db),
            "checklists": list(db.query("SELECT id, name FROM checklists ORDER BY name"))}


@bp.route("/")
@allow("office")
def home():
    db = get_db()
    scope = comparisons.Scope(date.today() - timedelta(days=DEFAULT_DAYS - 1), date.today())
    league = comparisons.league_table(db, scope, weakest=False)
    # The best and the weakest at a glance; the whole league is a click away.
    top, bottom = (league, []) if len(league) <= 2 * HOME_LEAGUE else (
        league[:HOME_LEAGUE], league[-HOME_LEAGUE:])
    comparisons.add_weakest_touchpoints(db, scope, top + bottom)
    return render_template(
        "office/home.html",
        counts=reports.visits_by_status(db),
        follow_up=reports.follow_up_counts(db, scope.end),
        top=league_display(top), bottom=league_display(bottom),
        hidden=len(league) - len(top) - len(bottom), **_filters(scope),
    )


@bp.route("/league")
@allow("office")
def league():
    scope = _scope()
    sort = request.args.get("sort", "rank")
    descending = request.args.get("order") == "desc"
    number, show_all = _page_asked()

    def build() -> Markup:
        db = get_db()
        page = page_of(comparisons.league_table(db, scope, sort, descending, weakest=False),
                       number, show_all, current_app.config["LIST_PAGE_SIZE"])
        comparisons.add_weakest_touchpoints(db, scope, page.items)
        return Markup(render_template(
            "office/league_content.html", sort=sort, descending=descending,
            league=league_display(page.items), page=page, **_filters(scope)))

    content = page_cache.remember(
        get_db(), ("league", scope, sort, descending, number, show_all), build)
    return render_template("office/league.html", content=content)


@bp.route("/heatmap")
@allow("office")
def heatmap():
    scope = _scope()
    number, show_all = _page_asked()

    def build() -> Markup:
        heat = comparisons.heat_map(get_db(), scope)
        page = page_of([row for row in heat["rows"] if not row["rollup"]], number, show_all,
                       current_app.config["LIST_PAGE_SIZE"])
        rows = comparisons.with_region_rollups(heat["rows"], page.items)
        for row in rows:  # bands and labels here rather than in the template: cells are many
            for cell in row["cells"].values():
                cell["band"] = score_band(cell["score"])
                cell["label"] = f"{cell['score']:.0f}"
        return Markup(render_template(
            "office/heatmap_content.html", touchpoints=heat["touchpoints"], rows=rows,
            page=page, **_filters(scope)))

    content = page_cache.remember(get_db(), ("heatmap", scope, number, show_all), build)
    return render_template("office/heatmap.html", content=content)


@bp.route("/visits")
@allow("office")
def visits():
    """The published visits behind a heat-map cell or a league-table row."""
    scope = _scope()
    db = get_db()
    branch_id = request.args.get("branch", "")
    branch = None
    if branch_id:
        branch = reports.branch_for_user(db, current_user,
                                         int(branch_id) if branch_id.isdecimal() else -1)
        if branch is None:
            abort(404)
    touchpoint = request.args.get("touchpoint") or None
    return render_template(
        "office/visits.html", branch=branch, touchpoint=touchpoint,
        touchpoint_name=comparisons.touchpoint_names(db).get(touchpoint or "", touchpoint),
        visits=comparisons.touchpoint_visits(db, scope, branch and branch["id"], touchpoint),
        **_filters(scope))


@bp.route("/trends")
@allow("office")
def trends():
    scope = _scope()
    db = get_db()
    trend = comparisons.monthly_trend(db, scope)
    lines = {"Network": charts.sparkline([trend["network"].get(m) for m in trend["months"]],
                                         480, 80)}
    for region, values in trend["regions"].items():
        lines[region] = charts.sparkline([values.get(m) for m in trend["months"]], 480, 80)
    return render_template("office/trends.html", trend=trend, lines=lines,
                           names=comparisons.touchpoint_names(db), **_filters(scope))


@bp.route("/consistency")
@allow("office")
def consistency():
    scope = _scope()
    return render_template("office/consistency.html",
                           spread=comparisons.consistency(get_db(), scope), **_filters(scope))


@bp.route("/standards")
@allow("office")
def standards():
    scope = _scope()
    return render_template("office/standards.html",
                           standards=comparisons.weakest_standards(get_db(), scope),
                           **_filters(scope))


@bp.route("/moments")
@allow("office")
def moments():
    scope = _scope()
    search = request.args.get("q", "")[:200]
    return render_template("office/moments.html", search=search,
                           moments=comparisons.moments(get_db(), scope, search),
                           **_filters(scope))


@bp.route("/export/<any(visits, answers, league):kind>.csv")
@allow("office")
def export(kind: str):
    scope = _scope()
    body = {"visits": exports.visits, "answers": exports.answers,
            "league": exports.league}[kind](get_db(), scope)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{kind}-{scope.start}-to-{scope.end}.csv"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/review")
@allow("office")
def review_queue():
    return render_template("office/review_queue.html", visits=review.queue(get_db()))


def _review_page(visit: dict, error: str | None = None, correcting: bool = False):
    db = get_db()
    waiting = review.queue(db, visit["id"])
    page = render_template(
        "office/review_visit.html", **scorecard_parts(visit, with_shopper=True),
        errors={}, posted={}, can_act=False, today=date.today(),
        flags=waiting[0]["flags"] if waiting else [], history=review.history(db, visit["id"]),
        review_error=error, correct_error=correcting and error)
    return page, 422 if error else 200, {"Cache-Control": "private, no-store"}


@bp.route("/review/<visit_uuid>")
@allow("office")
def review_visit(visit_uuid: str):
    return _review_page(scorecard_visit_or_404(visit_uuid))


@bp.route("/review/<visit_uuid>/<any(publish, return, hold, correct):action>",
          methods=["POST"])
@allow("office")
def review_action(visit_uuid: str, action: str):
    db = get_db()
    visit = scorecard_visit_or_404(visit_uuid)
    form = request.form
    try:
        if action == "publish":
            review.publish(db, visit, current_user.id)
            flash(f"Published: {visit['branch_name']} can now read the scorecard.", "info")
            return redirect(url_for("office.review_queue"), 303)
        if action == "return":
            review.return_to_shopper(db, visit, current_user.id, form.get("comment", ""))
            flash("Returned to the shopper with your comment.", "info")
            return redirect(url_for("office.review_queue"), 303)
        if action == "hold":
            review.hold(db, visit, current_user.id, form.get("comment", ""))
            flash("Put on hold.", "info")
            return redirect(url_for("office.review_queue"), 303)
        question = form.get("question_id", "")
        review.correct_answer(db, visit, int(question) if re.fullmatch(r"\d{1,18}", question)
                              else -1,
                              form.get("value", ""), form.get("na") == "1",
                              form.get("reason", ""), current_user.id)
    except review.ReviewError as err:
        return _review_page(visit, str(err), correcting=action == "correct")
    flash("Answer corrected and the visit rescored.", "info")
    return redirect(url_for("office.review_visit", visit_uuid=visit_uuid), 303)


@bp.route("/branches", methods=["GET", "POST"])
@allow("office")
def branches():
    """The branch list, and a CSV import of it (nothing imported if any row is wrong)."""
    db = get_db()
    problems = []
    if request.method == "POST":
        upload = request.files.get("file")
        text = upload.read().decode("utf-8", errors="replace") if upload else ""
        try:
            added, updated = administration.import_branches(db, text)
        except administration.AdminError as err:
            problems = err.problems
        else:
            flash(f"Imported: {added} new branch(es), {updated} updated.", "info")
            return redirect(url_for("office.branches"), 303)
    rows = list(db.query("SELECT * FROM branches ORDER BY region, name"))
    return render_template("office/branches.html", branches=rows, problems=problems), \
        (422 if problems else 200)


@bp.route("/people", methods=["GET", "POST"])
@allow("office")
def people():
    db = get_db()
    problems = []
    if request.method == "POST":
        form = request.form
        try:
            accounts.create_user(
                db, email=form.get("email", ""), name=form.get("name", ""),
                role=form.get("role", ""), password=form.get("password", ""),
                method=current_app.config["PASSWORD_HASH_METHOD"],
                branch_codes=tuple(c.strip() for c in form.get("branches", "").split(",")
                                   if c.strip()))
        except accounts.AccountError as err:
            problems = [("new account", str(err))]
        else:
            flash(f"Account created for {form.get('email', '').strip().lower()}.", "info")
            return redirect(url_for("office.people"), 303)
    return render_template("office/people.html", people=administration.people(db),
                           problems=problems), (422 if problems else 200)


@bp.route("/people/<int:user_id>", methods=["POST"])
@allow("office")
def person(user_id: int):
    db = get_db()
    user = accounts.load_user(db, user_id)
    if user is None:
        abort(404)
    form = request.form
    if form.get("active") in ("0", "1"):
        if user_id == current_user.id and form["active"] == "0":
            flash("You cannot deactivate your own account.", "error")
        else:
            administration.set_active(db, user_id, form["active"] == "1")
            flash(f"{user['email']} {'reactivated' if form['active'] == '1' else 'deactivated'}.",
                  "info")
    if form.get("role") in ("shopper", "manager", "office") and form["role"] != user["role"]:
        if user_id == current_user.id:
            flash("You cannot change your own role.", "error")
        else:
            administration.set_role(db, user_id, form["role"])
            flash(f"{user['email']} is now {form['role']}.", "info")
    if "branches" in form and user["role"] == "manager":
        codes = [c.strip() for c in form["branches"].split(",") if c.strip()]
        ids = [r[0] for r in db.execute(
            f"SELECT id FROM branches WHERE code IN ({','.join('?' * len(codes))})", codes)]
        if len(ids) != len(set(codes)):
            flash("Some of those branch codes do not exist: nothing changed.", "error")
        else:
            administration.set_manager_branches(db, user_id, ids)
            flash(f"Branches of {user['email']} saved.", "info")
    return redirect(url_for("office.people"), 303)


@bp.route("/assignments", methods=["GET", "POST"])
@allow("office")
def assignments():
    db = get_db()
    problems = []
    today = date.today()
    if request.method == "POST":
        try:
            wanted = administration.parse_assignment_form(db, request.form, today)
        except administration.AdminError as err:
            problems = err.problems
        else:
            created, skipped = administration.create_assignments(db, wanted, current_user.id)
            message = f"{created} assignment(s) created."
            if skipped:
                message += (f" Skipped (the shopper is sent there within "
                            f"{wanted.min_gap_days} days): {', '.join(skipped)}.")
            flash(message, "info")
            return redirect(url_for("office.assignments"), 303)
    return render_template(
        "office/assignments.html", problems=problems, today=today,
        posted=request.form if problems else {},
        rows=administration.assignments_overview(db, today),
        branches=list(db.query("SELECT id, name, region FROM branches WHERE active = 1 "
                               "ORDER BY region, name")),
        regions=reports.regions(db),
        shoppers=list(db.query("SELECT id, name, email FROM users WHERE role = 'shopper' "
                               "AND active = 1 ORDER BY name")),
        checklists=list(db.query("SELECT id, name FROM checklists ORDER BY name")),
    ), (422 if problems else 200)


@bp.route("/assignments/<int:assignment_id>/cancel", methods=["POST"])
@allow("office")
def cancel_assignment(assignment_id: int):
    if administration.cancel_assignment(get_db(), assignment_id):
        flash("Assignment cancelled.", "info")
    else:
        flash("That assignment cannot be cancelled: its visit has started.", "error")
    return redirect(url_for("office.assignments"), 303)


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
        return _editor(checklist_editor.apply(data, op), current)
    try:
        checklist = checklist_format.checklist_from_data(data)
    except checklist_format.ChecklistError as err:
        return _editor(data, current, err), 422
    if current is None and db.execute("SELECT 1 FROM checklists WHERE slug = ?",
                                      [checklist.slug]).fetchone():
        error = checklist_format.ChecklistError("editor", "checklist.slug",
                                                "another checklist already uses this slug")
        return _editor(data, current, error), 422
    _, number, created = checklist_store.import_checklist(
        db, checklist, checklist_format.to_toml(checklist), current_user.id)
    flash(f"Saved as version {number}." if created else "No changes to save.", "info")
    saved = db.execute("SELECT id FROM checklists WHERE slug = ?", [checklist.slug]).fetchone()[0]
    return redirect(url_for("office.checklist_history", checklist_id=saved), 303)


def _editor(data: dict, current, error=None):
    return render_template(
        "office/checklist_edit.html", data=data, current=current, error=error,
        error_field=checklist_editor.field_of(error) if error else None,
        choices=checklist_editor.CHOICES, extra=checklist_editor.EXTRA,
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
