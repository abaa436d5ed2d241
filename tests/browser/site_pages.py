"""Every HTML page a signed-in shopper, manager or head-office user can reach, derived from
the access matrix (tests/test_access_matrix.py) with its sample ids filled in, so a new page
is walked by the accessibility and phone-layout tests without anyone listing it."""

from __future__ import annotations

from ..support import MANAGER_A, OFFICE, SHOPPER
from ..test_access_matrix import EXPECTED, VISITORS, signed_in_client, url_values

ROLES = {"shopper": SHOPPER, "manager_a": MANAGER_A, "office": OFFICE}


def reachable_pages(app, samples, visitor: str) -> list[str]:
    """The paths of the GET routes that answer `visitor` with an HTML page (200)."""
    client = signed_in_client(app, visitor)
    paths = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        method, outcomes = EXPECTED[rule.endpoint]
        if method != "GET" or outcomes[VISITORS.index(visitor)] != 200:
            continue
        path = rule.build(url_values(samples, rule), append_unknown=False)[1]
        response = client.get(path)
        if response.status_code == 200 and response.mimetype == "text/html":
            paths.append(path)
    return paths
