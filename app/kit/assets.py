"""Static files under names that carry their content's hash: ``css/site.css`` is linked as
``css/site.3f2a9c1d0b4e.css``.

A hashed name changes whenever the file does, so browsers and nginx may keep it for a year without asking
(``immutable``): a new release links new names and nobody sees an old stylesheet with a new page. The app serves
the hashed names too (development, tests, an app server reached directly); in the stack nginx serves them from the
disk (deploy/nginx.conf.template). A name with a hash that is not the file's current one (a page cached before a
release) still gets the file, with the short lifetime of an unhashed name.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask, Response, current_app, send_from_directory

# "name.<12 hex>.ext": the hash sits before the last extension.
HASHED_RE = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
HASH_LENGTH = 12
# A year: what "never changes" means to browsers and proxies.
LONG_LIFETIME = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    """Link static files by hashed names and serve those names."""
    app.extensions["asset_hashes"] = {}
    app.url_defaults(_hashed_filename)
    app.view_functions["static"] = _serve


def hashed_name(app: Flask, filename: str) -> str:
    """``filename`` with its content's hash before the extension (the name itself when the file is missing)."""
    known: dict[str, str] = app.extensions["asset_hashes"]
    found = known.get(filename)
    if found is None:
        path = Path(app.static_folder or "") / filename
        if not path.is_file() or "." not in path.name:
            return filename
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
        stem, _, ext = filename.rpartition(".")
        found = f"{stem}.{digest}.{ext}"
        # Files do not change under a running process (a release restarts it), so the hash is made once.
        known[filename] = found
    return found


def _hashed_filename(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values:
        values["filename"] = hashed_name(current_app, values["filename"])


def _serve(filename: str) -> Response:
    """A static file by its plain or hashed name; hashed and current: kept for a year."""
    app = current_app
    match = HASHED_RE.match(filename)
    plain = f"{match['stem']}{match['ext']}" if match else filename
    current = match is not None and hashed_name(app, plain) == filename
    response = send_from_directory(app.static_folder or "", plain,
                                   max_age=LONG_LIFETIME if current else app.get_send_file_max_age(plain))
    if current:
        response.cache_control.public = True
        response.cache_control.immutable = True
    return response
