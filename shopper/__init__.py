"""Mystery Shopper: the field app for mystery shoppers, branch managers and head office.

The package is in layers (see the README's "Where things live"): `domain` (pure rules),
`store` (the only SQL), `workflows` (what a user does that spans tables) and `web` (Flask,
one package per audience). Importing a rule loads no web code: the app is built only when
`create_app` is called.
"""

from __future__ import annotations


def create_app(test_config: dict | None = None):
    """The Flask app (see shopper.web.create_app); `flask --app shopper` and gunicorn's
    `shopper:create_app()` find it here."""
    from shopper.web import create_app as build

    return build(test_config)
