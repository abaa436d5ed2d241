"""axe-core over every page a shopper, a branch manager and head office can reach (the
access matrix's GET pages), on a phone (390×844) and a desktop (1280×800): no serious or
critical violation, and exactly one <h1> per page."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..test_access_matrix import samples  # noqa: F401 (a fixture)
from .conftest import DESKTOP, PHONE, sign_in
from .site_pages import ROLES, reachable_pages

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
SIZES = {"phone": PHONE, "desktop": DESKTOP}
# The strict CSP forbids injected <script> tags; Playwright's evaluate is not subject to it.
RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
                    summary: (v.nodes[0] || {}).failureSummary || ""}));
}"""


def open_page(page, url: str) -> None:
    """Open a page and let its modules draw (the shopper's screens are drawn offline-first
    by JS, and their outbox keeps the network busy, so "network idle" never comes)."""
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)


def audit(page) -> list[str]:
    """What is wrong with the page now open, one line per problem."""
    problems = []
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE)
    for violation in page.evaluate(RUN_AXE):
        summary = " ".join(violation["summary"].split())[:200]
        problems.append(f"{violation['impact']} {violation['id']} ({violation['help']}): "
                        f"{', '.join(violation['targets'])} — {summary}")
    headings = page.locator("h1").count()
    if headings != 1:
        problems.append(f"{headings} <h1> elements, not one")
    return problems


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("visitor", ROLES)
def test_every_page_passes_axe(app, samples, live_server, browser, visitor, size):  # noqa: F811
    paths = reachable_pages(app, samples, visitor)
    assert len(paths) >= 5, paths
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    sign_in(page, live_server, ROLES[visitor])
    failures = []
    for path in paths:
        open_page(page, f"{live_server}{path}")
        failures += [f"{path}: {problem}" for problem in audit(page)]
    context.close()
    assert not failures, f"{visitor} at {size}:\n" + "\n".join(failures)
