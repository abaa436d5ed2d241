"""Static files under content-hashed names, so browsers may keep them for a year.

`/static/app.3f2a9c1b0d.js` never changes: it is served with a far-future, immutable
Cache-Control. Pages name their scripts and styles through `asset_url("app.js")`. The ES
modules import each other by relative name, so their import specifiers are rewritten to
the hashed names, and a module's hash covers the hashes of what it imports: a change in
store.js gives every module that imports it a new name too.

The plain name (`/static/app.js`) still answers, revalidated on every use (no-cache): the
manifest's icons and anything that cannot know the hash use it. A hashed name from an
earlier release (a page a phone cached before an update) gets today's file, not cached for
long. Text files are kept gzipped as well, for browsers that accept it.

Everything is read once, when the app starts: a release is a restart.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HASH_LENGTH = 10
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = {".js", ".css", ".json", ".webmanifest", ".svg", ".txt", ".html"}
# `import ... from "./x.js"`, `import "./x.js"`, `import("./x.js")`: relative specifiers.
IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])(\./[^"']+\.js)\2""")
HASHED = re.compile(rf"^(?P<stem>.+)\.[0-9a-f]{{{HASH_LENGTH}}}(?P<suffix>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Asset:
    name: str  # as in the static folder: "icons/icon-192.png"
    hashed_name: str  # "icons/icon-192.1a2b3c4d5e.png"
    body: bytes
    gzipped: bytes | None
    mimetype: str

    @property
    def url(self) -> str:
        return f"/static/{self.hashed_name}"


class AssetError(Exception):
    """The static folder cannot be served: a module imports a missing file, or a cycle."""


def build(folder: Path) -> dict[str, Asset]:
    """Every file under folder, by its plain name, with its hashed name and served body."""
    sources = {p.relative_to(folder).as_posix(): p.read_bytes()
               for p in sorted(folder.rglob("*")) if p.is_file()
               and not any(part.startswith(".") for part in p.relative_to(folder).parts)}
    assets: dict[str, Asset] = {}

    def visit(name: str, chain: tuple[str, ...]) -> Asset:
        if name in assets:
            return assets[name]
        if name in chain:
            raise AssetError(f"import cycle: {' -> '.join((*chain, name))}")
        if name not in sources:
            raise AssetError(f"{chain[-1]} imports {name}, which is not in {folder}")
        body = sources[name]
        if name.endswith(".js"):
            body = _rewrite_imports(name, body, lambda dep: visit(dep, (*chain, name)))
        assets[name] = _asset(name, body)
        return assets[name]

    for name in sources:
        visit(name, ())
    return assets


def _rewrite_imports(name: str, body: bytes, resolve) -> bytes:
    here = PurePosixPath(name).parent

    def hashed(match: re.Match) -> str:
        target = (here / match.group(3)).as_posix()
        dep = resolve(target)
        relative = "./" + PurePosixPath(dep.hashed_name).relative_to(here).as_posix()
        return f"{match.group(1)}{match.group(2)}{relative}{match.group(2)}"

    return IMPORT.sub(hashed, body.decode("utf-8")).encode("utf-8")


def _asset(name: str, body: bytes) -> Asset:
    path = PurePosixPath(name)
    digest = hashlib.sha256(body).hexdigest()[:HASH_LENGTH]
    hashed_name = str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if path.suffix == ".webmanifest":
        mimetype = "application/manifest+json"
    if path.suffix == ".js":
        mimetype = "text/javascript"
    gzipped = gzip.compress(body, 9, mtime=0) if path.suffix in COMPRESSIBLE else None
    return Asset(name, hashed_name, body, gzipped, mimetype)


class Assets:
    """The static folder as served: lookups by plain or hashed name, and the release."""

    def __init__(self, folder: Path, templates: Path | None = None):
        self.by_name = build(folder)
        self.by_hashed = {asset.hashed_name: asset for asset in self.by_name.values()}
        digest = hashlib.sha256()
        for hashed_name in sorted(self.by_hashed):
            digest.update(hashed_name.encode())
        # The templates too: the phone keeps rendered screens, and must fetch them again
        # when their markup changes, not only when a script or the stylesheet does.
        for path in sorted(templates.rglob("*")) if templates else ():
            if path.is_file():
                digest.update(path.relative_to(templates).as_posix().encode())
                digest.update(path.read_bytes())
        # One hash for the whole set: a new release gets a new service worker and cache.
        self.version = digest.hexdigest()[:16]

    def url(self, name: str) -> str:
        """The hashed URL of a file in the static folder (KeyError for a missing one)."""
        return self.by_name[name].url

    def lookup(self, requested: str) -> tuple[Asset, str] | None:
        """The asset a /static/ path names and how long it may be kept, or None."""
        if requested in self.by_hashed:
            return self.by_hashed[requested], FOREVER
        if requested in self.by_name:
            return self.by_name[requested], REVALIDATE
        match = HASHED.match(requested)
        if match and (plain := match["stem"] + match["suffix"]) in self.by_name:
            return self.by_name[plain], REVALIDATE  # a name from an earlier release
        return None
