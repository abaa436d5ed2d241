"""Photos are served only through here, after checking who is asking."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user

from shopper.domain.vocabulary import ROLES
from shopper.store import permissions, photo_files
from shopper.web.access import allow
from shopper.web.db import get_db

bp = Blueprint("photos", __name__, url_prefix="/photos")


@bp.route("/<photo_uuid>/<any(thumb, display):size>")
@allow(*ROLES)
def show(photo_uuid: str, size: str):
    photo = permissions.photo_for_user(get_db(), current_user, photo_uuid)
    if photo is None:
        abort(404)
    if photo["expired_at"]:
        abort(410, description=f"This photo was removed {photo['expired_after_days']} days "
                               "after the visit, under the photo retention policy.")
    return _send(photo["thumb_name"] if size == "thumb" else photo["stored_name"])


@bp.route("/actions/<action_photo_uuid>/<any(thumb, display):size>")
@allow(*ROLES)
def action(action_photo_uuid: str, size: str):
    """A photo of what a branch did about a failed standard: for whoever may see the
    branch (its managers, head office); anyone else is told it does not exist."""
    found = permissions.action_photo_for_user(get_db(), current_user, action_photo_uuid)
    if found is None:
        abort(404)
    return _send(found["photo_thumb_name"] if size == "thumb" else found["photo_name"])


def _send(name: str):
    try:
        path = photo_files.path_of(current_app.config["PHOTO_FOLDER"], name)
        response = send_file(path, mimetype="image/jpeg", max_age=0)
    except (FileNotFoundError, ValueError):
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    return response
