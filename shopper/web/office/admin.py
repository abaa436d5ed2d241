"""Head office's administration: the branch list (CSV import, all or nothing), people and
their roles, and assignments."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shopper.domain.branch_list import BranchListError
from shopper.store import accounts as account_store
from shopper.store import assignments as assignment_store
from shopper.store import branches as branch_store
from shopper.store import checklists as checklist_store
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.office import bp


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
            added, updated = branch_store.import_branches(db, text)
        except BranchListError as err:
            problems = err.problems
        else:
            flash(f"Imported: {added} new branch(es), {updated} updated.", "info")
            return redirect(url_for("office.branches"), 303)
    return render_template("office/branches.html", branches=branch_store.all_branches(db),
                           problems=problems), (422 if problems else 200)


@bp.route("/people", methods=["GET", "POST"])
@allow("office")
def people():
    db = get_db()
    problems = []
    if request.method == "POST":
        form = request.form
        try:
            account_store.create_user(
                db, email=form.get("email", ""), name=form.get("name", ""),
                role=form.get("role", ""), password=form.get("password", ""),
                method=current_app.config["PASSWORD_HASH_METHOD"],
                branch_codes=tuple(c.strip() for c in form.get("branches", "").split(",")
                                   if c.strip()))
        except account_store.AccountError as err:
            problems = [("new account", str(err))]
        else:
            flash(f"Account created for {form.get('email', '').strip().lower()}.", "info")
            return redirect(url_for("office.people"), 303)
    return render_template("office/people.html", people=account_store.people(db),
                           problems=problems), (422 if problems else 200)


@bp.route("/people/<int:user_id>", methods=["POST"])
@allow("office")
def person(user_id: int):
    db = get_db()
    user = account_store.load_user(db, user_id)
    if user is None:
        abort(404)
    form = request.form
    if form.get("active") in ("0", "1"):
        if user_id == current_user.id and form["active"] == "0":
            flash("You cannot deactivate your own account.", "error")
        else:
            account_store.set_active(db, user_id, form["active"] == "1")
            flash(f"{user['email']} {'reactivated' if form['active'] == '1' else 'deactivated'}.",
                  "info")
    if form.get("role") in ("shopper", "manager", "office") and form["role"] != user["role"]:
        if user_id == current_user.id:
            flash("You cannot change your own role.", "error")
        else:
            account_store.set_role(db, user_id, form["role"])
            flash(f"{user['email']} is now {form['role']}.", "info")
    if "branches" in form and user["role"] == "manager":
        codes = [c.strip() for c in form["branches"].split(",") if c.strip()]
        ids = branch_store.ids_of_codes(db, codes)
        if len(ids) != len(set(codes)):
            flash("Some of those branch codes do not exist: nothing changed.", "error")
        else:
            account_store.set_manager_branches(db, user_id, list(ids.values()))
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
            wanted = assignment_store.parse_assignment_form(db, request.form, today)
        except assignment_store.AssignmentError as err:
            problems = err.problems
        else:
            created, skipped = assignment_store.create_assignments(db, wanted, current_user.id)
            message = f"{created} assignment(s) created."
            if skipped:
                message += (f" Skipped (the shopper is sent there within "
                            f"{wanted.min_gap_days} days): {', '.join(skipped)}.")
            flash(message, "info")
            return redirect(url_for("office.assignments"), 303)
    return render_template(
        "office/assignments.html", problems=problems, today=today,
        posted=request.form if problems else {},
        rows=assignment_store.assignments_overview(db, today),
        branches=branch_store.active_branches(db), regions=branch_store.regions(db),
        shoppers=account_store.active_shoppers(db),
        checklists=checklist_store.checklist_names(db),
    ), (422 if problems else 200)


@bp.route("/assignments/<int:assignment_id>/cancel", methods=["POST"])
@allow("office")
def cancel_assignment(assignment_id: int):
    if assignment_store.cancel_assignment(get_db(), assignment_id):
        flash("Assignment cancelled.", "info")
    else:
        flash("That assignment cannot be cancelled: its visit has started.", "error")
    return redirect(url_for("office.assignments"), 303)
