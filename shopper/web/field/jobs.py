"""The shopper's job board: open visits to take or apply for, a job's details (its
scenario only once it is theirs), giving a job back before the cut-off, and the
qualification quizzes some jobs ask for. The rules are
domain/jobs.py's, checked on the server by workflows/jobs.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shopper.domain.jobs import APPLY, Limits
from shopper.domain.money import Money
from shopper.domain.quizzes import parse as parse_quiz
from shopper.domain.rating import PENALTIES, RECENT, last_months
from shopper.domain.visit_timing import local_today
from shopper.store import jobs as job_rows
from shopper.store import quizzes as quiz_rows
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.field import bp
from shopper.web.field.forms import BoardFilters, GiveBackForm, HomeAreaForm, TakeForm
from shopper.web.forms import field_errors
from shopper.workflows import jobs, quizzes


def _limits() -> Limits:
    return Limits.from_config(current_app.config)


def _today():
    return local_today(current_app.config["DEFAULT_TIME_ZONE"])


def _shown(job: dict, today) -> dict:
    return jobs.as_seen_by(get_db(), job, current_user.id, today, _limits())


@bp.route("/jobs")
@allow("shopper")
def board():
    db = get_db()
    today = _today()
    filters = BoardFilters(request.args)
    every = job_rows.open_jobs(db, today)
    filters.offer([j["region"] for j in every if j["region"]])
    if not filters.validate():
        abort(400, description="Choose the order and the filters from the lists.")
    shown = [_shown(j, today) for j in every
             if not filters.region.data or j["region"] == filters.region.data]
    if filters.show.data == "mine":
        shown = [j for j in shown if not j["refusals"]]
    if filters.sort.data == "distance":
        shown.sort(key=lambda j: (j["distance_km"] is None, j["distance_km"] or 0))
    mine = [{**j, "fee": Money(j["currency"], j["fee_minor"])}
            for j in job_rows.of_shopper(db, current_user.id) if j["assignment_status"] == "open"]
    return render_template("field/jobs.html", jobs=shown, mine=mine, filters=filters,
                           total=len(every), today=today,
                           rating=jobs.rating_of(db, current_user.id))


def _job_or_404(job_id: int, *, taken_by_others: bool = False) -> dict:
    """An open job, or one this shopper has taken (or, with `taken_by_others`, one someone
    else took: the shopper who tapped a moment too late is told so, kindly); anything else
    does not exist for them."""
    job = job_rows.by_id(get_db(), job_id)
    if job is None or job["status"] == "withdrawn":
        abort(404)
    if job["status"] == "taken" and job["taken_by"] != current_user.id and not taken_by_others:
        abort(404)
    return job


def _job_page(job: dict, *, form=None, errors: dict | None = None, status: int = 200):
    today = _today()
    shown = _shown(job, today)
    waiting = job_rows.waiting_application(get_db(), job["id"], current_user.id)
    page = render_template(
        "field/job.html", job=shown, mine=job["taken_by"] == current_user.id,
        waiting=waiting, errors=errors or {}, posted=request.form if errors else {},
        today=today, cutoff_hours=current_app.config["JOB_CANCEL_CUTOFF_HOURS"])
    return page, status, {"Cache-Control": "private, no-store"}


@bp.route("/jobs/<int:job_id>")
@allow("shopper")
def job(job_id: int):
    return _job_page(_job_or_404(job_id))


@bp.route("/jobs/<int:job_id>/take", methods=["POST"])
@allow("shopper")
def take(job_id: int):
    """Take a self-assign job, or apply for one head office approves, for the chosen day."""
    job = _job_or_404(job_id, taken_by_others=True)
    if job["taken_by"] == current_user.id:  # a double tap: it is theirs already
        return redirect(url_for("field.job", job_id=job_id), 303)
    form = TakeForm()
    if not form.validate():
        return _job_page(job, errors=field_errors(form), status=422)
    act = jobs.apply if job["mode"] == APPLY else jobs.take
    try:
        act(get_db(), job_id, current_user.id, form.day.data, _today(), _limits())
    except jobs.NotEligible as refused:
        return _job_page(job, errors={"take": [r.message for r in refused.reasons]},
                         status=422)
    except jobs.JobError as err:
        return _job_page(job_rows.by_id(get_db(), job_id), errors={"take": [str(err)]},
                         status=409)
    if job["mode"] == APPLY:
        flash("Applied: head office will choose, and you will hear by email.", "info")
        return redirect(url_for("field.job", job_id=job_id), 303)
    flash(f"The visit to {job['branch_name']} is yours: it is on your list now.", "info")
    return redirect(url_for("field.job", job_id=job_id), 303)


@bp.route("/jobs/<int:job_id>/give-back", methods=["POST"])
@allow("shopper")
def give_back(job_id: int):
    job = _job_or_404(job_id)
    if job["taken_by"] != current_user.id:
        abort(404)
    form = GiveBackForm()
    if not form.validate():
        return _job_page(job, errors=field_errors(form), status=422)
    try:
        jobs.cancel(get_db(), job_id, current_user.id, form.reason.data,
                    datetime.now(ZoneInfo(current_app.config["DEFAULT_TIME_ZONE"])),
                    current_app.config["JOB_CANCEL_CUTOFF_HOURS"])
    except jobs.JobError as err:
        return _job_page(job, errors={"reason": str(err)}, status=409)
    flash(f"You gave back the visit to {job['branch_name']}: it is open to others again.",
          "info")
    return redirect(url_for("field.board"), 303)


@bp.route("/quizzes/<int:quiz_id>", methods=["GET", "POST"])
@allow("shopper")
def quiz(quiz_id: int):
    """A qualification quiz: its questions (never which option is right), marked on the
    server; a pass opens the jobs that ask for it."""
    db = get_db()
    found = quiz_rows.by_id(db, quiz_id)
    if found is None:
        abort(404)
    questions = parse_quiz(found["text"])
    result = None
    if request.method == "POST":
        chosen = [_option(request.form.get(f"q{i}"), len(q.options))
                  for i, q in enumerate(questions)]
        result = quizzes.attempt(db, found, current_user.id, chosen)
        if result.passed:
            flash(f"Passed “{found['name']}” ({result.percent}%): the visits that ask for it "
                  "are open to you now.", "info")
            return redirect(url_for("field.board"), 303)
    return render_template("field/quiz.html", quiz=found, questions=questions, result=result,
                           passed=quiz_id in quiz_rows.passed_by(db, current_user.id),
                           posted=request.form), 200, {"Cache-Control": "private, no-store"}


def _option(value: str | None, count: int) -> int | None:
    """The index of a chosen option; an answer that is no option is a bad request."""
    if value is None or value == "":
        return None
    if not value.isdigit() or int(value) >= count:
        abort(400, description="Choose one of the options given.")
    return int(value)


@bp.route("/rating")
@allow("shopper")
def rating():
    """The shopper's rating, what cost points, and how it moved month by month."""
    return render_template(
        "field/rating.html", rating=jobs.rating_of(get_db(), current_user.id),
        history=jobs.rating_history(get_db(), current_user.id, last_months(_today())),
        penalties=PENALTIES, recent=RECENT)


@bp.route("/home-area", methods=["GET", "POST"])
@allow("shopper")
def home_area():
    """Where the shopper lives and how far they will travel (the board's distances)."""
    db = get_db()
    home = job_rows.profile(db, current_user.id)
    form = HomeAreaForm(data=None if request.method == "POST" else {
        "home_area": home["home_area"], "latitude": home["home_latitude"],
        "longitude": home["home_longitude"], "max_distance_km": home["max_distance_km"]})
    if form.validate_on_submit():
        job_rows.set_profile(db, current_user.id, home_area=form.home_area.data or "",
                             latitude=form.latitude.data, longitude=form.longitude.data,
                             max_distance_km=form.max_distance_km.data)
        flash("Home area saved: the board shows how far each visit is.", "info")
        return redirect(url_for("field.board", sort="distance"), 303)
    status = 422 if form.errors else 200
    return render_template("field/home_area.html", form=form,
                           errors=field_errors(form)), status
