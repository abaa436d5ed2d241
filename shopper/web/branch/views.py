"""The branch manager's pages: their own branches' published visits only; head office may
read them too. Scorecards, acknowledgement, actions on failed standards, the list of a
branch's actions (marked done with a note and a photo), appeals against findings, CSV
export."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shopper.domain import actions as follow_through
from shopper.domain.appeals import AppealError
from shopper.domain.photos import PhotoError
from shopper.store import actions, exports, permissions, reports
from shopper.web import charts, params
from shopper.web.access import allow
from shopper.web.branch import bp
from shopper.web.branch.forms import ActionDoneForm, ActionFilters, ActionForm, AppealForm
from shopper.web.db import get_db
from shopper.web.downloads import csv_response
from shopper.web.forms import field_errors
from shopper.web.scorecard import scorecard_parts, scorecard_visit_or_404
from shopper.workflows import appeals, scorecards

TREND_MONTHS = 12


def _branch(branch_id: int) -> dict:
    found = permissions.branch_for_user(get_db(), current_user, branch_id)
    if found is None:
        abort(404)
    return found


def _trend(db, branch_id: int, today: date, width: int = 120, height: int = 32) -> dict:
    months = reports.monthly_scores(db, branch_id, TREND_MONTHS, today)
    return {"months": months,
            "line": charts.sparkline([m["score"] for m in months], width, height)}


@bp.route("/")
@allow("manager")
def home():
    """A manager of one branch lands on that branch; of several, on a card for each."""
    db = get_db()
    today = date.today()
    branches = permissions.visible_branches(db, current_user)
    if len(branches) == 1:
        return _branch_page(branches[0])
    for b in branches:
        b["trend"] = _trend(db, b["id"], today)
    return render_template("branch/home.html", branches=branches)


@bp.route("/<int:branch_id>")
@allow("manager", "office")
def branch(branch_id: int):
    return _branch_page(_branch(branch_id))


def _branch_page(found: dict):
    """The branch's trend and touchpoints, what is waiting for its manager (scorecards to
    acknowledge, actions open and overdue), and its published visits: with ?show=new,
    only those not yet acknowledged."""
    db = get_db()
    today = date.today()
    only_new = params.one_of("show", ("new",)) == "new"
    return render_template(
        "branch/branch.html", branch=found, trend=_trend(db, found["id"], today, 320, 72),
        visits=reports.published_visits(db, found["id"], unacknowledged=only_new),
        only_new=only_new, unacknowledged=reports.unacknowledged_count(db, found["id"]),
        action_counts=follow_through.counts(actions.of_branch(db, found["id"]), today),
        touchpoints=reports.touchpoint_changes(db, found["id"], today),
    )


@bp.route("/<int:branch_id>/answers.csv")
@allow("manager", "office")
def export(branch_id: int):
    found = _branch(branch_id)
    return csv_response(exports.branch_answers(get_db(), branch_id).chunks(),
                        f"{found['code']}-visits-answers.csv")


def _render_scorecard(visit: dict, errors: dict | None = None, status: int = 200, *,
                      appeal_errors: dict | None = None):
    """The scorecard; `errors` and `appeal_errors` hold a refused form's messages by
    question id, shown beside the form with what was typed."""
    refused = errors or appeal_errors
    response = render_template(
        "branch/scorecard.html", errors=errors or {}, appeal_errors=appeal_errors or {},
        posted=request.form if refused else {}, can_act=current_user.role == "manager",
        today=date.today(), appeals=appeals.of_visit(get_db(), visit, _appeal_rules()),
        **scorecard_parts(visit, with_shopper=current_user.role == "office"))
    return response, status, {"Cache-Control": "private, no-store"}


def _appeal_rules() -> appeals.Rules:
    return appeals.Rules.from_config(current_app.config)


@bp.route("/visits/<visit_uuid>")
@allow("manager", "office")
def scorecard(visit_uuid: str):
    return _render_scorecard(scorecard_visit_or_404(visit_uuid))


@bp.route("/visits/<visit_uuid>/acknowledge", methods=["POST"])
@allow("manager")
def acknowledge(visit_uuid: str):
    scorecards.acknowledge(get_db(), scorecard_visit_or_404(visit_uuid), current_user.id)
    flash("Scorecard acknowledged.", "info")
    return redirect(url_for("branch.scorecard", visit_uuid=visit_uuid), 303)


def _finding_or_404(visit_uuid: str, question_id: int, findings) -> dict:
    """The visit a form about one of its findings is for; 404 unless `question_id` is one
    of `findings(db, visit)` (the failed standards an action or an appeal may answer)."""
    visit = scorecard_visit_or_404(visit_uuid)
    if question_id not in findings(get_db(), visit):
        abort(404)
    return visit


@bp.route("/visits/<visit_uuid>/actions/<int:question_id>", methods=["POST"])
@allow("manager")
def record_action(visit_uuid: str, question_id: int):
    db = get_db()
    visit = _finding_or_404(visit_uuid, question_id, scorecards.failed_question_ids)
    form = ActionForm()
    if not form.validate():
        return _render_scorecard(visit, {question_id: field_errors(form)}, 422)
    scorecards.record_action(db, visit, question_id, form.action, current_user.id)
    flash("Action recorded.", "info")
    return redirect(url_for("branch.scorecard", visit_uuid=visit_uuid,
                            _anchor=f"gap-{question_id}"), 303)


@bp.route("/<int:branch_id>/actions")
@allow("manager", "office")
def action_list(branch_id: int):
    return _render_actions(_branch(branch_id))


def _render_actions(found: dict, errors: dict | None = None, status: int = 200):
    """The branch's actions by where they stand, filtered as the query string asks."""
    today = date.today()
    every = actions.of_branch(get_db(), found["id"])
    filters = ActionFilters(request.args)
    filters.offer(every)
    if not filters.validate():
        abort(400, description="Choose what to show from the list.")
    groups = follow_through.grouped(every, today, wanted=filters.state.data,
                                    touchpoint=filters.touchpoint.data,
                                    owner=filters.owner.data)
    response = render_template(
        "branch/actions.html", branch=found, filters=filters, groups=groups,
        group_names=follow_through.GROUPS, total=len(every), today=today,
        due_words=follow_through.due_words, can_act=current_user.role == "manager",
        errors=errors or {}, posted=request.form if errors else {})
    return response, status, {"Cache-Control": "private, no-store"}


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
@allow("manager")
def action_done(action_id: int):
    """Mark an action done, from the scorecard or (with ?back=actions and the list's
    filters) from the branch's actions list: refused, that page again with the reasons."""
    db = get_db()
    action = permissions.action_for_user(db, current_user, action_id)
    if action is None:
        abort(404)
    form = ActionDoneForm()
    errors = _mark_done(form, action_id)
    from_list = params.one_of("back", ("actions",)) == "actions"
    if errors and from_list:
        return _render_actions(_branch(action["branch_id"]), {action_id: errors}, 422)
    if errors:
        visit = scorecard_visit_or_404(action["visit_uuid"])
        return _render_scorecard(visit, {action["question_id"]: errors}, 422)
    flash("Action marked done.", "info")
    if from_list:
        return redirect(url_for("branch.action_list", branch_id=action["branch_id"],
                                **ActionFilters(request.args).asked,
                                _anchor=f"action-{action_id}"), 303)
    return redirect(url_for("branch.scorecard", visit_uuid=action["visit_uuid"],
                            _anchor=f"gap-{action['question_id']}"), 303)


def _mark_done(form: ActionDoneForm, action_id: int) -> dict:
    """Mark the action done as the form says; the refusals by field, if any."""
    photo = form.photo_bytes
    if not form.validate():
        errors = field_errors(form)
        if photo is not None:  # a page sent back cannot hold on to a chosen file
            errors["photo"] = "Choose the photo again once the rest is right."
        return errors
    try:
        scorecards.complete_action(get_db(), current_app.config["PHOTO_FOLDER"], action_id,
                                   form.done_note.data, current_user.id, photo)
    except PhotoError as err:
        return {"photo": err.message}
    return {}


@bp.route("/visits/<visit_uuid>/appeals/<int:question_id>", methods=["POST"])
@allow("manager")
def appeal(visit_uuid: str, question_id: int):
    """Challenge one finding of the scorecard; head office decides."""
    db = get_db()
    visit = _finding_or_404(visit_uuid, question_id, appeals.appealable_question_ids)
    form = AppealForm()
    if not form.validate():
        return _render_scorecard(visit, appeal_errors={question_id: field_errors(form)},
                                 status=422)
    try:
        appeals.make(db, current_app.config["PHOTO_FOLDER"], visit, question_id,
                     form.reason.data, current_user.id, attachment=form.attachment_bytes,
                     rules=_appeal_rules())
    except AppealError as err:
        return _render_scorecard(visit, appeal_errors={question_id: {"appeal": str(err)}},
                                 status=422)
    flash("Appeal sent: head office will decide, and the outcome will show here.", "info")
    return redirect(url_for("branch.scorecard", visit_uuid=visit_uuid,
                            _anchor=f"gap-{question_id}"), 303)
