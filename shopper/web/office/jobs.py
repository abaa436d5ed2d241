"""Head office's job board: publish open visits (one branch, a region, every branch) with
their pay and conditions, see who took each, approve one applicant, withdraw a job
(docs/jobs.md)."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shopper.domain.jobs import MODES, Limits
from shopper.domain.money import Money
from shopper.domain.quizzes import QuizError
from shopper.store import branches as branch_store
from shopper.store import checklists as checklist_store
from shopper.store import jobs as job_rows
from shopper.store import quizzes as quiz_rows
from shopper.web import params
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.forms import problems
from shopper.web.mail import mail_settings
from shopper.web.office import bp
from shopper.web.office.admin import places_of
from shopper.web.office.forms import JobWaveForm, QuizForm
from shopper.web.pagination import fetched_page
from shopper.workflows import jobs, quizzes

STATUSES = {"": "Every job", "open": "Open", "taken": "Taken", "withdrawn": "Withdrawn"}


def _with_money(job: dict) -> dict:
    return {**job, "fee": Money(job["currency"], job["fee_minor"]),
            "expense_cap": Money(job["currency"], job["expense_cap_minor"])}


@bp.route("/jobs", methods=["GET", "POST"])
@allow("office")
def jobs_board():
    db = get_db()
    today = date.today()
    active = branch_store.active_branches(db)
    places = places_of(active)
    checklists = checklist_store.checklist_names(db)
    form = JobWaveForm(places=places, checklists={str(c["id"]) for c in checklists},
                       today=today)
    form.offer_quizzes(quiz_rows.all_quizzes(db))
    if form.validate_on_submit():
        made = jobs.publish(db, jobs.Wave(
            places[form.target.data], int(form.checklist_id.data), form.window_start.data,
            form.window_end.data, form.scenario.data, form.fee_money,
            form.expense_cap_money, form.mode.data,
            qualification_id=form.qualification,
            min_rating=float(form.min_rating.data) if form.min_rating.data else None,
            name=form.name.data), current_user.id)
        flash(f"{len(made)} job{'s' if len(made) != 1 else ''} published on the board.", "info")
        return redirect(url_for("office.jobs_board"), 303)
    status = params.one_of("status", STATUSES)
    page = fetched_page(lambda limit, offset: (
        job_rows.listing(db, status, limit, offset), job_rows.count(db, status)),
        *params.a_page(), current_app.config["LIST_PAGE_SIZE"])
    refused = problems(form)
    return render_template(
        "office/jobs.html", form=form, problems=refused, today=today,
        posted=request.form if refused else {}, status=status, statuses=STATUSES,
        rows=[_with_money(j) for j in page.items], page=page,
        regions=branch_store.regions(db), checklists=checklists, modes=MODES,
    ), (422 if refused else 200)


def _job_or_404(job_id: int) -> dict:
    job = job_rows.by_id(get_db(), job_id)
    if job is None:
        abort(404)
    return job


@bp.route("/jobs/<int:job_id>")
@allow("office")
def job(job_id: int):
    found = _job_or_404(job_id)
    applications = [{**a, "rating": jobs.rating_of(get_db(), a["shopper_id"]).value}
                    for a in job_rows.applications_of_job(get_db(), job_id)]
    return render_template("office/job.html", job=_with_money(found), modes=MODES,
                           applications=applications,
                           cancellations=job_rows.cancellations(get_db(), job_id))


@bp.route("/jobs/<int:job_id>/applications/<int:application_id>/approve", methods=["POST"])
@allow("office")
def approve_application(job_id: int, application_id: int):
    found = _job_or_404(job_id)
    application = job_rows.application(get_db(), application_id)
    if application is None or application["job_id"] != job_id:
        abort(404)
    try:
        jobs.approve(get_db(), application_id, current_user.id, date.today(),
                     Limits.from_config(current_app.config), mail_settings=mail_settings())
    except jobs.JobError as err:
        flash(f"Not approved: {err}", "error")
    else:
        flash(f"Approved: the visit to {found['branch_name']} is the shopper's, and they are "
              "told by email.", "info")
    return redirect(url_for("office.job", job_id=job_id), 303)


@bp.route("/jobs/<int:job_id>/withdraw", methods=["POST"])
@allow("office")
def withdraw_job(job_id: int):
    _job_or_404(job_id)
    try:
        jobs.withdraw(get_db(), job_id)
    except jobs.JobError as err:
        flash(str(err), "error")
    else:
        flash("Job withdrawn from the board.", "info")
    return redirect(url_for("office.job", job_id=job_id), 303)


@bp.route("/quizzes", methods=["GET", "POST"])
@bp.route("/quizzes/<int:quiz_id>", methods=["GET", "POST"])
@allow("office")
def quizzes_page(quiz_id: int | None = None):
    """The qualification quizzes, and one written or changed (a new one without an id)."""
    db = get_db()
    found = quiz_rows.by_id(db, quiz_id) if quiz_id is not None else None
    if quiz_id is not None and found is None:
        abort(404)
    form = QuizForm(data=None if request.method == "POST" or not found else {
        "name": found["name"], "pass_mark": found["pass_mark"], "text": found["text"],
        "checklist_id": str(found["checklist_id"] or "")})
    form.offer_checklists(checklist_store.checklist_names(db))
    refused = []
    if form.validate_on_submit():
        try:
            saved = quizzes.save(
                db, name=form.name.data, text=form.text.data, pass_mark=form.pass_mark.data,
                checklist_id=int(form.checklist_id.data) if form.checklist_id.data else None,
                user_id=current_user.id, quiz_id=quiz_id)
        except QuizError as err:
            refused = [("Questions", str(err))]
        else:
            flash(f"Quiz “{form.name.data}” saved.", "info")
            return redirect(url_for("office.quizzes_page", quiz_id=saved), 303)
    refused = refused or problems(form)
    return render_template("office/quizzes.html", form=form, quiz=found, problems=refused,
                           quizzes=quiz_rows.all_quizzes(db)), (422 if refused else 200)
