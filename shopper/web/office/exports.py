"""Head office's CSV exports: streamed as they are read (gzipped where the browser takes
it), or, beyond EXPORT_BACKGROUND_ROWS rows, prepared in the background with a progress
bar and a download link kept for the person who asked (workflows/export_jobs.py)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from shopper.store import export_jobs as job_rows
from shopper.store import exports
from shopper.web import params
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.downloads import accepts_gzip, csv_response
from shopper.web.office import bp
from shopper.web.office.filters import minimum_visits, scope_asked, scope_query
from shopper.workflows import export_jobs

TITLES = {"visits": "Visits", "answers": "Answers", "league": "League table"}


@bp.route("/export/<any(visits, answers, league):kind>.csv")
@allow("office")
def export(kind: str):
    scope = scope_asked()
    db = get_db()
    filename = f"{kind}-{scope.start}-to-{scope.end}.csv"
    if kind == "league":
        return csv_response(exports.league(db, scope, minimum_visits()).chunks(), filename)
    found = export_jobs.KINDS[kind](db, scope)
    rows = found.count()
    if rows > current_app.config["EXPORT_BACKGROUND_ROWS"]:
        return render_template("office/export_prepare.html", kind=kind, title=TITLES[kind],
                               rows=rows, scope=scope, query=scope_query(scope))
    return csv_response(found.chunks(), filename)


@bp.route("/exports", methods=["GET", "POST"])
@allow("office")
def exports_page():
    """POST (from the prepare page): start the export its query string describes. GET:
    the exports this person asked for in the last EXPORT_KEEP_HOURS."""
    db, config = get_db(), current_app.config
    keep = timedelta(hours=config["EXPORT_KEEP_HOURS"])
    export_jobs.clean_up(db, config["EXPORT_FOLDER"], keep)
    if request.method == "POST":
        kind = params.one_of("kind", export_jobs.KINDS)
        if not kind:
            raise params.BadParameter("kind", "Choose visits or answers.")
        scope = scope_asked()
        job_id, _ = export_jobs.start(
            db, config["DATABASE"], config["EXPORT_FOLDER"], user_id=current_user.id,
            kind=kind, scope=scope, rows_expected=export_jobs.KINDS[kind](db, scope).count(),
            title=f"{TITLES[kind]}, {scope.start:%-d %b %Y} to {scope.end:%-d %b %Y}"
                  + (f", {scope.region}" if scope.region else ""))
        return redirect(url_for("office.export_job", export_id=job_id), 303)
    export_jobs.fail_interrupted(db)
    since = datetime.now(UTC) - keep
    return render_template("office/exports.html",
                           jobs=job_rows.recent_of_user(db, current_user.id, since),
                           keep_hours=config["EXPORT_KEEP_HOURS"])


@bp.route("/exports/<int:export_id>")
@allow("office")
def export_job(export_id: int):
    db = get_db()
    export_jobs.fail_interrupted(db)
    job = job_rows.of_user(db, export_id, current_user.id)
    if job is None:
        abort(404)
    return render_template("office/export_job.html", job=job,
                           ready=export_jobs.file_of(current_app.config["EXPORT_FOLDER"], job),
                           keep_hours=current_app.config["EXPORT_KEEP_HOURS"])


@bp.route("/exports/<int:export_id>/file")
@allow("office")
def export_file(export_id: int):
    job = job_rows.of_user(get_db(), export_id, current_user.id)
    path = job and export_jobs.file_of(current_app.config["EXPORT_FOLDER"], job)
    if not path:
        abort(404)
    name = f"{job['kind']}-{job['id']}.csv"
    if accepts_gzip():  # the file is gzip already: sent as it is, the browser unpacks it
        response = send_file(path, mimetype="text/csv", as_attachment=True, download_name=name)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["Cache-Control"] = "private, no-store"
        return response
    return csv_response(_unpacked(path), name)


def _unpacked(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as packed:
        while chunk := packed.read(256 * 1024):
            yield chunk
