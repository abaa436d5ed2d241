"""Static files: hashed names kept for a year, plain names revalidated, modules importing
each other by hashed name, gzip for browsers that accept it; pages themselves never kept."""

from __future__ import annotations

import gzip
import hashlib
import re

import pytest

from shopper.web.static_assets import AssetError, Assets

from .support import SHOPPER, signed_in


def script_and_style_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_pages_name_scripts_and_styles_by_content_hash(client):
    urls = script_and_style_urls(client.get("/login").get_data(as_text=True))
    assert any(re.fullmatch(r"/static/app\.[0-9a-f]{10}\.css", url) for url in urls)
    assert any(re.fullmatch(r"/static/app\.[0-9a-f]{10}\.js", url) for url in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if url == "/static/manifest.webmanifest":
            # An installed app finds its manifest at one address from release to release.
            assert response.headers["Cache-Control"] == "no-cache"
        else:
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "/static/manifest.webmanifest" in urls


def test_pages_themselves_are_not_kept(client, app):
    assert "max-age=31536000" not in client.get("/login").headers.get("Cache-Control", "")
    phone = signed_in(app, SHOPPER)
    assert phone.get("/field/").headers["Cache-Control"] == "private, no-store"


def test_modules_import_each_other_by_hashed_name(client, app):
    assets = app.extensions["static_assets"]
    app_js = client.get(assets.url("app.js")).get_data(as_text=True)
    assert f'from "./{assets.by_name["outbox.js"].hashed_name}"' in app_js
    assert 'from "./outbox.js"' not in app_js
    assert client.get(assets.url("app.js")).mimetype == "text/javascript"


def test_plain_and_earlier_release_names_are_revalidated(client, app):
    current = client.get(app.extensions["static_assets"].url("app.css")).data
    for url in ("/static/app.css", "/static/app.0123456789.css"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.data == current
    assert client.get("/static/nothing-here.js").status_code == 404
    assert client.get("/static/../shopper/config.py").status_code == 404


def test_gzip_only_for_browsers_that_accept_it(client, app):
    url = app.extensions["static_assets"].url("app.js")
    plain = client.get(url)
    squeezed = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in plain.headers
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(squeezed.data) == plain.data
    assert len(squeezed.data) < len(plain.data) / 2
    assert "Accept-Encoding" in squeezed.headers["Vary"]
    icon = client.get("/static/icons/icon-192.png", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in icon.headers
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def test_static_files_are_the_same_for_everyone(app):
    """Nothing about the signed-in user on a file every user shares. (Flask still adds
    Vary: Cookie, because flask-login reads the session after every request.)"""
    phone = signed_in(app, SHOPPER)
    response = phone.get(app.extensions["static_assets"].url("app.js"))
    assert "X-Shopper-User" not in response.headers


def test_revalidation_answers_not_modified(client):
    first = client.get("/static/app.css")
    again = client.get("/static/app.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_a_changed_module_renames_every_module_that_imports_it(tmp_path):
    (tmp_path / "store.js").write_text("export const a = 1;\n")
    (tmp_path / "app.js").write_text('import { a } from "./store.js";\n')
    (tmp_path / "other.css").write_text("body {}\n")
    (tmp_path / ".app.js.swp").write_text("an editor's swap file")
    before = Assets(tmp_path)
    assert ".app.js.swp" not in before.by_name
    (tmp_path / "store.js").write_text("export const a = 2;\n")
    after = Assets(tmp_path)
    assert after.url("store.js") != before.url("store.js")
    assert after.url("app.js") != before.url("app.js")
    assert after.url("other.css") == before.url("other.css")
    assert after.version != before.version


@pytest.mark.parametrize("files, problem", [
    ({"app.js": 'import "./gone.js";'}, "gone.js"),
    ({"a.js": 'import "./b.js";', "b.js": 'import "./a.js";'}, "cycle"),
])
def test_a_broken_static_folder_stops_the_start(tmp_path, files, problem):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(AssetError, match=problem):
        Assets(tmp_path)


def test_the_service_worker_is_revalidated_cheaply(client):
    """Browsers check /sw.js after navigations: their cache answers for ten minutes (the page
    registers it with updateViaCache "all"), then the same script answers 304, no body; the
    validator comes from the script itself, so any change to it is a new worker."""
    first = client.get("/sw.js")
    assert first.headers["ETag"] == f'"{hashlib.sha1(first.data).hexdigest()}"'

    assert first.headers["Cache-Control"] == "private, max-age=600"
    assert 'updateViaCache: "all"' in client.get("/static/app.js").get_data(as_text=True)
    again = client.get("/sw.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_pages_name_their_icon(client):
    html = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html)[1]
    assert client.get(icon).status_code == 200
