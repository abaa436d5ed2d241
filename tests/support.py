"""What tests share besides fixtures: who is who in the seeded data, and signing in."""

from __future__ import annotations

import re

from shopper.workflows import demo
from shopper.workflows.mail import MailSettings

FAST_HASH = "pbkdf2:sha256:1000"  # tests only: the real default is checked in test_auth
PASSWORD = demo.PASSWORD

# Who is who in the seeded data: one account per role the access tests walk.
SHOPPER = "shopper@demo.test"
OTHER_SHOPPER = "jo.shopper@demo.test"
MANAGER_A = "manager@demo.test"  # manager of LDS01
MANAGER_B = "manager.b@demo.test"  # manager of MAN01, created here
OFFICE = "office@demo.test"
DEACTIVATED = "gone@demo.test"

# What tests that publish, return or assign outside a request pass for mail.
MAIL_SETTINGS = MailSettings(secret_key="tests' secret", base_url="https://shopper.example.com")



CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD, follow=False):
        token = csrf_token(self.client, "/login")
        return self.client.post("/login", data={"email": email, "password": password,
                                                "csrf_token": token},
                                follow_redirects=follow)

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


def signed_in(app, email, password=PASSWORD):
    """A new test client of `app`, signed in as `email`."""
    client = app.test_client()
    AuthActions(client).login(email, password)
    return client


def visit_groups(visits) -> list[tuple]:
    """(shopper, branch, score) visits summed per shopper and branch, as
    comparisons.shopper_calibration hands them to stats.shopper_tendencies."""
    groups: dict = {}
    for shopper, branch, score in visits:
        found = groups.setdefault((shopper, branch), [0, 0.0, 0.0])
        found[0] += 1
        found[1] += score
        found[2] += score * score
    return [(shopper, branch, *sums) for (shopper, branch), sums in groups.items()]
