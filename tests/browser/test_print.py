"""A scorecard printed on paper: a visit of the default checklist, with photos, fits on at
most three A4 pages, headed with the company's name and logo and numbered at the foot;
page 1 holds the score, the target, critical failures, gaps and each moment's bar."""

from __future__ import annotations

import re
import shutil

import pytest
from pypdf import PdfReader

from shopper.config import PROJECT_ROOT
from shopper.store.connection import connect

from ..support import MANAGER_A, OFFICE
from .conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser

COMPANY = "Northwind Bank plc"


def busiest_visit(app, code: str | None = None, most: str = "photos"):
    """The published visit of the default checklist with the most photos (or gaps), then
    gaps (or photos): the longest scorecards to print."""
    db = connect(app.config["DATABASE"])
    try:
        return next(db.query(
            """SELECT v.uuid, v.score, b.code,
                      (SELECT COUNT(*) FROM photos p WHERE p.visit_id = v.id) AS photos,
                      (SELECT COUNT(*) FROM answers a WHERE a.visit_id = v.id
                         AND a.outcome = 'not_met') AS gaps
               FROM visits v JOIN branches b ON b.id = v.branch_id
               WHERE v.status = 'published' AND (:code IS NULL OR b.code = :code)
               ORDER BY {most} DESC, {other} DESC LIMIT 1""".format(
                most=most, other="gaps" if most == "photos" else "photos"), {"code": code}))
    finally:
        db.close()


def printed(page, name: str) -> PdfReader:
    """The page as Chromium prints it to A4, saved in tests/artifacts/ to look at."""
    page.emulate_media(media="print")
    # Thumbnails load lazily: load them all (as the browser does for its print dialog)
    # before page.pdf, which does not wait for them.
    page.evaluate("""() => Promise.all([...document.images].map(img => {
        img.loading = "eager";
        return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
    }))""")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    page.pdf(path=str(path), format="A4")
    return PdfReader(path)


def with_company(app, instance):
    logo = instance / "logo.png"
    shutil.copy(PROJECT_ROOT / "static" / "icons" / "icon-192.png", logo)
    app.config.update(COMPANY_NAME=COMPANY, COMPANY_LOGO=str(logo))


@pytest.mark.parametrize("who", [MANAGER_A, OFFICE])
def test_a_scorecard_prints_on_at_most_three_numbered_a4_pages(app, instance, live_server,
                                                                desktop, who):
    with_company(app, instance)
    visit = (busiest_visit(app, "LDS01") if who == MANAGER_A
             else busiest_visit(app, most="gaps"))  # head office sees every branch
    assert visit["photos"] and visit["gaps"], visit
    sign_in(desktop, live_server, who)
    where = "branch/visits" if who == MANAGER_A else "office/review"  # head office's view
    desktop.goto(f"{live_server}/{where}/{visit['uuid']}")
    pdf = printed(desktop, f"scorecard-print-{'manager' if who == MANAGER_A else 'office'}")
    pages = [p.extract_text() for p in pdf.pages]
    assert len(pages) <= 3, len(pages)
    assert COMPANY in pages[0]
    for number, text in enumerate(pages, 1):  # @page's margin box, at the foot
        assert re.search(rf"\bPage {number} of {len(pages)}\b", text), text[:200]
    first = pages[0]
    assert f"{visit['score']:.0f}%" in first.replace(" ", "") or f"{visit['score']:.0f}" in first
    for words in ("Target", "Gaps", "Moments"):
        assert words in first, words
    logo = desktop.locator(".print-brand img")
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    thumbs = desktop.locator(".photo-strip img")
    assert thumbs.count() and thumbs.first.bounding_box()["width"] <= 100  # thumbnails
