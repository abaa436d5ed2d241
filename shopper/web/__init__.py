"""The Flask app: its factory, and the pieces every audience shares (access, errors,
security headers, static assets). One package per audience: field (shoppers), branch
(managers), office (head office), api (the phones' sync). They never import each other."""

from __future__ import annotations

import os

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from shopper import config
from shopper.config import PROJECT_ROOT

csrf = CSRFProtect()


class BoundedInt(IntegerConverter):
    """Ids in URLs fit SQLite's integers: a longer number is "not found", never a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=config.instance_path(test_config),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=None,  # served by pages.static_file, under content-hashed names
    )
    app.url_map.converters["int"] = BoundedInt
    os.makedirs(app.instance_path, exist_ok=True)
    config.load(app, test_config)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:  # the client's address and scheme as the reverse proxy saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    os.makedirs(app.config["PHOTO_FOLDER"], exist_ok=True)

    from shopper.web import (
        access,
        api,
        auth,
        branch,
        db,
        errors,
        field,
        formatting,
        mail,
        office,
        pages,
        photos,
        security,
    )

    db.init_app(app)
    auth.init_app(app)
    security.init_app(app)  # before anything reads the body: its size limits
    access.init_app(app)  # before CSRF: an expired session answers 401, not a CSRF error
    csrf.init_app(app)
    errors.init_app(app)
    pages.init_app(app)
    formatting.init_app(app)
    mail.init_app(app)
    for blueprint in (auth.bp, pages.bp, field.bp, photos.bp, branch.bp, office.bp, api.bp):
        app.register_blueprint(blueprint)
    from shopper.cli import register_commands

    register_commands(app)
    return app
