"""Head office's administration: the branch list (CSV import, all or nothing), people and
their roles, and assignments."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shopper.domain.branch_list import BranchListError
from shopper.domain.vocabulary import ROLES
from shopper.store import accounts as account_store
from shopper.store import assignments as assignment_store
from shopper.store import branches as branch_store
from shopper.store import checklists as checklist_store
from shopper.web import params
from shopper.web.access import allow
from shopper.web.db import get_db
from shopper.web.forms import problems
from shopper.web.mail import mail_settings
from shopper.web.office import bp
from shopper.web.office.forms import AccountForm, AssignmentForm, BranchListForm, PersonForm
from shopper.web.pagination import fetched_page
from shopper.workflows import assignments as assignment_workflow


@bp.route("/branches", methods=["GET", "POST"])
@allow("office")
def branches():
    """The branch list, and a CSV import of it (nothing imported if any row is wrong)."""
    db = get_db()
    form = BranchListForm()
    refused = []
    if form.validate_on_submit():
        text = form.file.data.read().decode("utf-8", errors="replace")
        try:
            added, updated = branch_store.import_branches(db, text)
        except BranchListError as err:
            refused = err.problems
        else:
            flash(f"Imported: {added} new branch(es), {updated} updated.", "info")
            return redirect(url_for("office.branches"), 303)
    refused = refused or problems(form)
    asked = {"region": params.some_text("region"), "q": params.some_text("q", 100).strip()}
    page = fetched_page(lambda limit, offset: branch_store.branch_page(
        db, region=asked["region"], search=asked["q"], limit=limit, offset=offset),
        *params.a_page(), current_app.config["LIST_PAGE_SIZE"])
    return render_template("office/branches.html", branches=page.items, page=page,
                           asked=asked, query=_query(asked), regions=branch_store.regions(db),
                           all_count=branch_store.count(db),
                           problems=refused), (422 if refused else 200)


def _query(asked: dict) -> str:
    """The filters asked for, as a query string (empty ones left out)."""
    return urlencode({k: v for k, v in asked.items() if v})


@bp.route("/people", methods=["GET", "POST"])
@allow("office")
def people():
    db = get_db()
    form = AccountForm()
    refused = []
    if form.validate_on_submit():
        try:
            account_store.create_user(
                db, email=form.email.data, name=form.name.data, role=form.role.data,
                password=form.password.data, method=current_app.config["PASSWORD_HASH_METHOD"],
                branch_codes=form.branch_codes)
        except account_store.AccountError as err:
            refused = [("New account", str(err))]
        else:
            flash(f"Account created for {form.email.data.lower()}.", "info")
            return redirect(url_for("office.people"), 303)
    refused = refused or problems(form)
    asked = {"role": params.one_of("role", ROLES), "active": params.one_of("active", ("1", "0")),
             "q": params.some_text("q", 100).strip()}
    page = fetched_page(lambda limit, offset: account_store.people(
        db, role=asked["role"], active=asked["active"], search=asked["q"], limit=limit,
        offset=offset), *params.a_page(), current_app.config["LIST_PAGE_SIZE"])
    return render_template("office/people.html", people=page.items, page=page, asked=asked,
                           query=_query(asked), roles=ROLES,
                           problems=refused), (422 if refused else 200)


@bp.route("/people/<int:user_id>", methods=["POST"])
@allow("office")
def person(user_id: int):
    db = get_db()
    user = account_store.load_user(db, user_id)
    if user is None:
        abort(404)
    form = PersonForm()
    if not form.validate():
        for where, what in problems(form):
            flash(f"{where}: {what}", "error")
        return redirect(url_for("office.people"), 303)
    if form.active.data:
        if user_id == current_user.id and form.active.data == "0":
            flash("You cannot deactivate your own account.", "error")
        else:
            account_store.set_active(db, user_id, form.active.data == "1")
            flash(f"{user['email']} {'reactivated' if form.active.data == '1' else 'deactivated'}.",
                  "info")
    if form.role.data and form.role.data != user["role"]:
        if user_id == current_user.id:
            flash("You cannot change your own role.", "error")
        else:
            account_store.set_role(db, user_id, form.role.data)
            flash(f"{user['email']} is now {form.role.data}.", "info")
    if "branches" in request.form and user["role"] == "manager":
        codes = form.branch_codes
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
    today = date.today()
    branches = branch_store.active_branches(db)
    shoppers = account_store.active_shoppers(db)
    checklists = checklist_store.checklist_names(db)
    places = places_of(branches)
    form = AssignmentForm(places=places, shoppers={str(s["id"]) for s in shoppers},
                          checklists={str(c["id"]) for c in checklists}, today=today)
    if form.validate_on_submit():
        wanted = assignment_store.AssignmentRequest(
            places[form.target.data], int(form.shopper_id.data), int(form.checklist_id.data),
            form.window_start.data, form.window_end.data, form.scenario.data,
            form.min_gap_days.data or 0)
        created, skipped = assignment_workflow.assign(
            db, wanted, current_user.id,
            mail_settings=mail_settings())
        message = f"{created} assignment(s) created."
        if skipped:
            message += (f" Skipped (the shopper is sent there within "
                        f"{wanted.min_gap_days} days): {', '.join(skipped)}.")
        flash(message, "info")
        return redirect(url_for("office.assignments"), 303)
    refused = problems(form)
    asked = {"region": params.some_text("region"),
             "branch": params.some_text("branch", 20).strip(),
             "start": str(params.a_date("start") or ""), "end": str(params.a_date("end") or ""),
             "due": params.one_of("due", ("overdue",))}
    page = fetched_page(lambda limit, offset: assignment_store.assignments_overview(
        db, today, region=asked["region"], branch_code=asked["branch"],
        due_from=asked["start"], due_to=asked["end"], overdue_only=asked["due"] == "overdue",
        limit=limit, offset=offset), *params.a_page(), current_app.config["LIST_PAGE_SIZE"])
    return render_template(
        "office/assignments.html", problems=refused, today=today,
        posted=request.form if refused else {}, page=page, asked=asked, query=_query(asked),
        overdue=assignment_store.overdue_count(db, today),
        rows=page.items,
        regions=branch_store.regions(db), shoppers=shoppers, checklists=checklists,
    ), (422 if refused else 200)


def places_of(branches: list[dict]) -> dict[str, list[int]]:
    """Each "Where" of the assignment and job forms (every branch, a region, one branch by
    its code, upper case) and the active branches it stands for."""
    places = {"all": [b["id"] for b in branches]}
    for b in branches:
        places.setdefault(f"region:{b['region']}", []).append(b["id"])
        places[f"branch:{b['code'].upper()}"] = [b["id"]]
    return places


@bp.route("/assignments/<int:assignment_id>/cancel", methods=["POST"])
@allow("office")
def cancel_assignment(assignment_id: int):
    if assignment_store.cancel_assignment(get_db(), assignment_id):
        flash("Assignment cancelled.", "info")
    else:
        flash("That assignment cannot be cancelled: its visit has started.", "error")
    return redirect(url_for("office.assignments"), 303)
