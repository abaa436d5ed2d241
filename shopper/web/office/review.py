"""Head office's review: the queue, one visit's review page, and the steps (publish,
return, hold, correct an answer); and branch managers' appeals against published findings,
each upheld or overturned on the record."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shopper.domain.appeals import OVERTURNED, AppealError
from shopper.store import appeals as appeal_rows
from shopper.store import audit, permissions
from shopper.store import branches as branch_rows
from shopper.web import params
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.forms import problems
from shopper.web.mail import mail_settings
from shopper.web.office import bp
from shopper.web.office.forms import AppealDecisionForm, CorrectionForm, ReviewStepForm
from shopper.web.pagination import page_of
from shopper.web.scorecard import scorecard_parts, scorecard_visit_or_404
from shopper.workflows import appeals, follow_ups, review


@bp.route("/review")
@allow("office")
def review_queue():
    """The visits waiting for review, a page at a time, narrowed by status, region, branch,
    the dates they were sent and a kind of flag."""
    db = get_db()
    asked = {"status": params.one_of("status", QUEUE_STATUSES),
             "region": params.some_text("region"),
             "branch_code": params.some_text("branch", 20).strip(),
             "sent_from": str(params.a_date("start") or ""),
             "sent_to": str(params.a_date("end") or ""),
             "flag": params.one_of("flag", review.FLAG_KINDS)}
    number, show_all = params.a_page()
    page = page_of(review.queue(db, **asked), number, show_all,
                   current_app.config["LIST_PAGE_SIZE"])
    shown = {"status": asked["status"], "region": asked["region"],
             "branch": asked["branch_code"], "start": asked["sent_from"],
             "end": asked["sent_to"], "flag": asked["flag"]}
    return render_template(
        "office/review_queue.html", visits=page.items, page=page, asked=shown,
        query=urlencode({k: v for k, v in shown.items() if v}),
        statuses=QUEUE_STATUSES, flag_kinds={k: v[0] for k, v in review.FLAG_KINDS.items()},
        regions=branch_rows.regions(db),
        appeals_waiting=appeal_rows.waiting_count(db))


QUEUE_STATUSES = {"submitted": "Waiting", "on_hold": "On hold"}


def _review_page(visit: dict, error: str | None = None, correcting: bool = False):
    db = get_db()
    waiting = review.queue(db, visit["id"])
    still_open = follow_ups.open_of_visit(db, visit["id"])
    page = render_template(
        "office/review_visit.html", **scorecard_parts(visit, with_shopper=True),
        errors={}, posted={}, can_act=False, today=date.today(),
        flags=waiting[0]["flags"] if waiting else [], history=audit.history(db, visit["id"]),
        review_error=error, correct_error=correcting and error,
        open_follow_ups=review.open_follow_ups_sentence(still_open) if still_open else "",
        appeals=appeals.of_visit(db, visit, appeals.Rules.from_config(current_app.config)),
        appeal_errors={})
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
    correcting = action == "correct"
    form = CorrectionForm() if correcting else ReviewStepForm()
    if not form.validate():
        return _review_page(visit, problems(form)[0][1], correcting)
    try:
        if correcting:
            review.correct_answer(db, visit, int(form.question_id.data), form.value.data,
                                  form.na.data, form.reason.data, current_user.id)
            flash("Answer corrected and the visit rescored.", "info")
            return redirect(url_for("office.review_visit", visit_uuid=visit_uuid), 303)
        if action == "publish":
            review.publish(db, visit, current_user.id, mail_settings=mail_settings(),
                           with_open_follow_ups=form.with_open_follow_ups.data)
        elif action == "return":
            review.return_to_shopper(db, visit, current_user.id, form.comment.data,
                                     mail_settings=mail_settings())
        else:
            review.hold(db, visit, current_user.id, form.comment.data)
    except review.ReviewError as err:
        return _review_page(visit, str(err), correcting)
    flash(STEP_DONE[action].format(branch=visit["branch_name"]), "info")
    return redirect(url_for("office.review_queue"), 303)


STEP_DONE = {"publish": "Published: {branch} can now read the scorecard.",
             "return": "Returned to the shopper with your comment.", "hold": "Put on hold."}


@bp.route("/appeals")
@allow("office")
def appeals_waiting():
    db = get_db()
    return render_template("office/appeals.html", waiting=appeal_rows.waiting(db),
                           decided=appeal_rows.recently_decided(db))


def _appeal_or_404(appeal_id: int) -> dict:
    appeal = permissions.appeal_for_user(get_db(), current_user, appeal_id)
    if appeal is None:
        abort(404)
    return appeal


def _appeal_page(appeal: dict, error: str | None = None):
    page = render_template(
        "office/appeal.html", appeal=appeal, error=error,
        posted=request.form if error else {},
        choices=appeals.corrected_answer_choices(get_db(), appeal))
    return page, 422 if error else 200, {"Cache-Control": "private, no-store"}


@bp.route("/appeals/<int:appeal_id>")
@allow("office")
def appeal(appeal_id: int):
    return _appeal_page(_appeal_or_404(appeal_id))


@bp.route("/appeals/<int:appeal_id>/decide", methods=["POST"])
@allow("office")
def decide_appeal(appeal_id: int):
    appeal = _appeal_or_404(appeal_id)
    form = AppealDecisionForm()
    if not form.validate():
        return _appeal_page(appeal, problems(form)[0][1])
    try:
        appeals.decide(get_db(), appeal, current_user.id, form.outcome.data,
                       form.comment.data, mail_settings=mail_settings(),
                       value=form.value.data, na=form.na.data)
    except AppealError as err:
        return _appeal_page(appeal, str(err))
    flash(APPEAL_DECIDED[form.outcome.data].format(branch=appeal["branch_name"]), "info")
    return redirect(url_for("office.appeals_waiting"), 303)


APPEAL_DECIDED = {
    "upheld": "Appeal upheld: the finding stands. {branch} sees your decision on the scorecard.",
    OVERTURNED: "Appeal overturned: the answer is corrected and the visit rescored. {branch} "
                "sees your decision on the scorecard."}
