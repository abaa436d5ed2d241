"""Pages that belong to no one audience: the front door, the health check and the
company's logo."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from shopper.config import PROJECT_ROOT
from shopper.store import connection
from shopper.web.access import PUBLIC, allow
from shopper.web.db import get_db
from shopper.web.static_assets import Assets

bp = Blueprint("pages", __name__)


@bp.route("/")
@allow(PUBLIC)
def index():
    if current_user.is_authenticated:
        return redirect(current_user.home)
    return redirect(url_for("auth.login"))


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    connection.ping(get_db())
    return {"status": "ok"}


@bp.route("/company-logo")
@allow(PUBLIC)
def company_logo():
    """The company's logo (SHOPPER_COMPANY_LOGO) for printed scorecards."""
    path = current_app.config["COMPANY_LOGO"]
    if path is None:
        abort(404)
    return send_file(path, max_age=24 * 60 * 60)


SW_RECHECK_SECONDS = 600


@bp.route("/sw.js")
@allow(PUBLIC)
def service_worker():
    """The service worker, at the site's root so that it controls every page."""
    assets = current_app.extensions["static_assets"]
    response = make_response(render_template(
        "pwa/sw.js", version=assets.version,
        assets=sorted(asset.url for asset in assets.by_name.values())))
    response.mimetype = "text/javascript"
    # The browser checks for a new worker after every navigation, and a shopper moves from
    # screen to screen all through a visit: the page registers the worker with
    # updateViaCache "all", so the browser's cache (never a proxy's) answers for
    # SW_RECHECK_SECONDS, then asks again (the same script answers 304). A release reaches
    # phones within that time; pages, network first, are new at once, and name their new
    # static files themselves.
    response.headers["Cache-Control"] = f"private, max-age={SW_RECHECK_SECONDS}"
    response.add_etag()  # from the script itself: a change to the template is a new one
    return response.make_conditional(request)


@bp.route("/static/<path:filename>")
@allow(PUBLIC)
def static_file(filename):
    """A static file: kept for a year under its hashed name, revalidated under its plain
    one (see static_assets.py); gzipped for browsers that accept it."""
    found = current_app.extensions["static_assets"].lookup(filename)
    if found is None:
        abort(404)
    asset, cache_control = found
    gzipped = asset.gzipped is not None and request.accept_encodings["gzip"] > 0
    response = make_response(asset.gzipped if gzipped else asset.body)
    response.mimetype = asset.mimetype
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    if asset.gzipped is not None:
        response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = cache_control
    response.set_etag(asset.hashed_name + ("-gz" if gzipped else ""))
    return response.make_conditional(request)


def kept_on_the_phone(response):
    """A screen the phone keeps for offline use, marked with the release it belongs to: the
    service worker opens it from its copy at once, and fetches it again only after a
    release (templates/pwa/sw.js)."""
    response = make_response(response)
    response.headers["X-Shopper-Release"] = current_app.extensions["static_assets"].version
    return response


def init_app(app):
    assets = Assets(PROJECT_ROOT / "static", PROJECT_ROOT / "templates")
    app.extensions["static_assets"] = assets
    app.jinja_env.globals["asset_url"] = assets.url
    app.jinja_env.globals["release"] = assets.version
