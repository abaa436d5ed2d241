"""Head office's long lists come a page at a time, with filters and a total (issue 20):
the review queue, visits, people, branches and assignments. The database pages them, so
a list of thousands costs one page of rows."""

from __future__ import annotations

import re

import pytest

from shopper.store.connection import connect

from .factories import a_branch, a_checklist, a_person, a_visit, an_assignment, one_visit
from .support import OFFICE, signed_in

MANY = 230  # over two pages of LIST_PAGE_SIZE (100)


@pytest.fixture
def crowded(empty_app):
    """An empty database with one usual visit, then MANY branches in two regions, a
    shopper each, an open assignment each and, for the first 120, a visit waiting."""
    db = connect(empty_app.config["DATABASE"])
    one_visit(db)
    office = db.execute("SELECT id FROM users WHERE email = ?", [OFFICE]).fetchone()[0]
    version = a_checklist(db)
    for n in range(MANY):
        branch = a_branch(db, f"B{n:04d}", f"Branch {n:04d}", "East" if n % 2 else "West")
        shopper = a_person(db, f"shopper{n:04d}@demo.test", "shopper")
        assignment = an_assignment(db, branch_id=branch, shopper_id=shopper,
                                   checklist_id=version.checklist_id, created_by=office)
        if n < 120:
            a_visit(db, assignment_id=an_assignment(
                db, branch_id=branch, shopper_id=shopper, checklist_id=version.checklist_id,
                created_by=office, status="done"), shopper_id=shopper, version=version,
                answers={}, status="submitted")
        del assignment
    db.close()
    return signed_in(empty_app, OFFICE)


def pager_text(page: str) -> str:
    found = re.search(r'<nav class="pager"[^>]*>\s*<span class="muted">([^<]+)</span>', page)
    return found[1] if found else ""


@pytest.mark.parametrize("path, noun, total", [
    ("/office/branches", "branches", MANY + 1),
    ("/office/people", "people", MANY + 3),
    ("/office/assignments", "assignments", MANY),
    ("/office/review", "visits", 121),
])
def test_each_list_shows_a_page_and_the_total(crowded, path, noun, total):
    first = crowded.get(path).get_data(as_text=True)
    assert pager_text(first) == f"1–100 of {total} {noun}"
    third = crowded.get(f"{path}?page=3").get_data(as_text=True)
    assert pager_text(third) == f"201–{total} of {total} {noun}" if total > 200 else \
        pager_text(third) == f"101–{total} of {total} {noun}"  # past the end: the last page
    everything = crowded.get(f"{path}?show=all").get_data(as_text=True)
    assert pager_text(everything) == f"All {total} {noun}"
    assert first.count("<tr") <= 101 < total < everything.count("<tr")  # header row aside


def test_branches_filter_by_region_and_by_code_or_name(crowded):
    east = crowded.get("/office/branches?region=East").get_data(as_text=True)
    assert pager_text(east) == "1–100 of 115 branches"
    assert "Branch 0001" in east and "Branch 0000" not in east
    one = crowded.get("/office/branches?q=B0042").get_data(as_text=True)
    assert "Branch 0042" in one and "Branch 0043" not in one
    assert '1 shown of 231' in one


def test_people_filter_by_role_name_and_status(crowded):
    office = crowded.get("/office/people?role=office").get_data(as_text=True)
    assert OFFICE in office and "shopper0001@demo.test" not in office
    found = crowded.get("/office/people?q=shopper0199").get_data(as_text=True)
    assert "shopper0199@demo.test" in found and "shopper0198@demo.test" not in found
    assert "No one matches" in crowded.get("/office/people?role=manager&active=0").get_data(
        as_text=True)


def test_assignments_filter_by_branch_and_lateness(crowded):
    page = crowded.get("/office/assignments?branch=b0007").get_data(as_text=True)
    listed = page[page.index("<h2>Open assignments"):]  # the form above offers every branch
    assert "Branch 0007" in listed and "Branch 0008" not in listed
    late = crowded.get("/office/assignments?due=overdue").get_data(as_text=True)
    assert pager_text(late) == "1–100 of 230 assignments"  # the factory's window is past


def test_the_review_queue_filters_by_region_flag_and_status(crowded):
    west = crowded.get("/office/review?region=West").get_data(as_text=True)
    assert "60 shown" in west  # the even-numbered 120 branches' visits, and no other
    flagged = crowded.get("/office/review?flag=photo").get_data(as_text=True)
    assert "no proof-of-visit photo" in flagged
    held = crowded.get("/office/review?status=on_hold").get_data(as_text=True)
    assert "No visit waiting for review matches these filters." in held


def test_a_bad_filter_is_a_400_not_a_page(crowded):
    assert crowded.get("/office/review?flag=everything").status_code == 400
    assert crowded.get("/office/people?role=king").status_code == 400
    assert crowded.get("/office/assignments?start=0001-01-01").status_code == 400
