"""Head office's review before release: the queue, one visit's review page, and the steps
(publish, return, hold, correct an answer)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from shopper.store import audit
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.forms import problems
from shopper.web.mail import mail_settings
from shopper.web.office import bp
from shopper.web.office.forms import CorrectionForm, ReviewStepForm
from shopper.web.scorecard import scorecard_parts, scorecard_visit_or_404
from shopper.workflows import follow_ups, review


@bp.route("/review")
@allow("office")
def review_queue():
    return render_template("office/review_queue.html", visits=review.queue(get_db()))


def _review_page(visit: dict, error: str | None = None, correcting: bool = False):
    db = get_db()
    waiting = review.queue(db, visit["id"])
    still_open = follow_ups.open_of_visit(db, visit["id"])
    page = render_template(
        "office/review_visit.html", **scorecard_parts(visit, with_shopper=True),
        errors={}, posted={}, can_act=False, today=date.today(),
        flags=waiting[0]["flags"] if waiting else [], history=audit.history(db, visit["id"]),
        review_error=error, correct_error=correcting and error,
        open_follow_ups=review.open_follow_ups_sentence(still_open) if still_open else "")
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
