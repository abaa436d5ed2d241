"""The throughput benchmark's baseline: a bare Flask page, no database, no sign-in, no
extensions, whose template renders to exactly the number of bytes asked for
(`/bytes/<size>`), so that an app page is compared with plain Flask + Jinja serving the
same weight under the same gunicorn."""

from __future__ import annotations

from functools import cache

from flask import Flask, abort, render_template

app = Flask(__name__)
MAX_SIZE = 10 * 1024 * 1024


def _render(rows: int, filler: int) -> str:
    return render_template("bare.html", rows=range(rows), filler=" " * filler)


@cache
def layout(size: int) -> tuple[int, int]:
    """(rows, filler spaces) that render to `size` bytes: rows of fixed width, then padding."""
    with app.app_context():
        empty = len(_render(0, 0).encode())
        row = len(_render(1, 0).encode()) - empty
    if size < empty:
        abort(404)
    rows = (size - empty) // row
    return rows, size - empty - rows * row


@app.route("/bytes/<int:size>")
def page(size: int):
    if size > MAX_SIZE:
        abort(404)
    return _render(*layout(size))


@app.route("/healthz")
def healthz():
    return {"status": "ok"}
