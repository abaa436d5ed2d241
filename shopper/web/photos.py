"""Photos (a visit's, and a branch action's) and the files attached to appeals are served
only through here, after checking who is asking."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user

from shopper.domain.appeals import PDF
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
    return _send(photo["thumb_name"] if size == "thumb" else photo["stored_name"],
                 "image/jpeg")


@bp.route("/actions/<action_photo_uuid>/<any(thumb, display):size>")
@allow(*ROLES)
def action(action_photo_uuid: str, size: str):
    """A photo of what a branch did about a failed standard: for whoever may see the
    branch (its managers, head office); anyone else is told it does not exist."""
    found = permissions.action_photo_for_user(get_db(), current_user, action_photo_uuid)
    if found is None:
        abort(404)
    return _send(found["photo_thumb_name"] if size == "thumb" else found["photo_name"],
                 "image/jpeg")


@bp.route("/appeals/<int:appeal_id>/<any(thumb, display):size>")
@allow(*ROLES)
def appeal_attachment(appeal_id: int, size: str):
    """An appeal's photo or PDF: for its branch's managers and head office; anyone else
    (the shopper included) is told it does not exist."""
    appeal = permissions.appeal_for_user(get_db(), current_user, appeal_id)
    if appeal is None or not appeal["attachment_name"]:
        abort(404)
    if appeal["attachment_kind"] == PDF:
        if size == "thumb":
            abort(404)
        return _send(appeal["attachment_name"], "application/pdf",
                     download_name=f"appeal-{appeal_id}.pdf")
    return _send(appeal["attachment_thumb"] if size == "thumb" else appeal["attachment_name"],
                 "image/jpeg")


def _send(name: str, mimetype: str, download_name: str | None = None):
    """A stored file; a document is downloaded rather than opened in the app's origin."""
    try:
        path = photo_files.path_of(current_app.config["PHOTO_FOLDER"], name)
        response = send_file(path, mimetype=mimetype, max_age=0,
                             as_attachment=download_name is not None,
                             download_name=download_name)
    except (FileNotFoundError, ValueError):
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    return response
