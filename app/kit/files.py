"""Uploaded files: checked by content (not by name), then kept in the storage under random names.

This is the facade the use cases and views call: ``check_uploads`` reads each upload once, in chunks (its size,
hash and first bytes), without holding it in memory, and re-encodes each picture without its metadata (EXIF GPS
position, camera; see ``images``); ``write``, ``open_stored``, ``remove`` and ``stream`` go
to the application's storage (``app.kit.storage``: a local directory or S3), whichever it is.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import quote

from flask import Response, abort, request
from flask_babel import gettext as _

from app.kit import images, storage
from app.kit.errors import Invalid
from app.kit.storage import StorageUnavailable, StoredFile, StoredFileMissing

__all__ = ["CheckedFile", "StorageUnavailable", "check_uploads", "open_stored", "remove", "send", "sniff",
           "storage_failed", "stream", "write"]

log = logging.getLogger("reqemsal.files")

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 5

# Leading bytes ("magic numbers") of the accepted formats.
SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
]


# What every access-checked response says to caches: keep no copy, neither a proxy's nor the browser's (a shared
# computer's next user, a back button after signing out).
PRIVATE = "private, no-store"

# Pictures, which are re-encoded without their metadata; PDFs are kept as they came.
IMAGE_TYPES = ("image/jpeg", "image/png")

# Enough leading bytes to recognise every format above.
HEAD_BYTES = 16
# An upload stream that cannot seek (rare: werkzeug spools uploads) is copied here first; past this size, to disk.
SPOOL_BYTES = 1024 * 1024


@dataclass
class CheckedFile:
    """A file that passed the checks, not yet stored.

    Its bytes are either in memory (``data``: a document the portal made, such as a result PDF) or in the
    upload's own seekable stream from ``start`` (an upload, which werkzeug spools to disk when large).
    """

    original_name: str
    content_type: str
    data: bytes | None = None
    size: int = 0
    sha256: str = ""
    stream: IO[bytes] | None = field(default=None, repr=False)
    start: int = 0

    def __post_init__(self) -> None:
        if self.data is not None:
            self.size = len(self.data)
            self.sha256 = hashlib.sha256(self.data).hexdigest()

    def open(self) -> IO[bytes]:
        """The bytes from their beginning, as a binary file to store in chunks."""
        if self.data is not None:
            return io.BytesIO(self.data)
        if self.stream is None:
            raise ValueError(f"{self.original_name}: a checked file without bytes")
        self.stream.seek(self.start)
        return self.stream


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (PDF, PNG, JPEG), or None."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def _seekable(stream: IO[bytes]) -> IO[bytes]:
    """``stream`` itself when it can go back to its start, else a copy of it (at most one byte over the limit)."""
    seekable = getattr(stream, "seekable", None)
    if seekable is not None and seekable():
        return stream
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # lives as long as the request
    left = MAX_FILE_BYTES + 1
    while left > 0 and (chunk := stream.read(min(storage.CHUNK_SIZE, left))):
        copy.write(chunk)
        left -= len(chunk)
    copy.seek(0)
    return copy


def check_uploads(files, field: str = "attachments") -> list[CheckedFile]:
    """Check uploads (werkzeug FileStorage), reading each once in chunks; raise ``Invalid`` naming the first bad
    file."""
    uploads = [f for f in (files or []) if f is not None and getattr(f, "filename", "")]
    if len(uploads) > MAX_FILES:
        raise Invalid({field: _("Attach at most %(n)d files.", n=MAX_FILES)})
    checked = []
    for upload in uploads:
        name = os.path.basename(upload.filename)[:255] or "file"
        stream = _seekable(upload.stream)
        start = stream.tell()
        digest, size, head = hashlib.sha256(), 0, b""
        while chunk := stream.read(storage.CHUNK_SIZE):
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise Invalid({field: _("%(name)s is larger than 10 MB.", name=name)})
            if len(head) < HEAD_BYTES:
                head += chunk[:HEAD_BYTES - len(head)]
            digest.update(chunk)
        if not size:
            raise Invalid({field: _("%(name)s is empty.", name=name)})
        content_type = sniff(head)
        if content_type is None:
            raise Invalid({field: _("%(name)s is not a PDF, JPEG or PNG file.", name=name)})
        if content_type in IMAGE_TYPES:
            # Officials, the applicant or the public see it: the picture is kept re-encoded, without its place,
            # camera or time (``images``); its recorded size and checksum are those of the bytes kept.
            stream.seek(start)
            checked.append(CheckedFile(name, content_type, data=images.strip_metadata(stream.read(), content_type,
                                                                                      name, field)))
            continue
        checked.append(CheckedFile(name, content_type, size=size, sha256=digest.hexdigest(), stream=stream,
                                   start=start))
    return checked


def storage_failed(field: str) -> Invalid:
    """The form error for a file the storage could not keep: nothing of the request was saved."""
    return Invalid({field: _("The file could not be stored right now. Nothing was saved; try again in a few "
                             "minutes.")})


def write(checked: CheckedFile) -> str:
    """Store the file under a new random name and return that name.

    Raises ``StorageUnavailable`` when the storage fails; nothing is then kept under the name.
    """
    stored_name = secrets.token_hex(24)
    storage.current().put(stored_name, checked.open(), content_type=checked.content_type)
    return stored_name


def write_each(checked: Mapping[str, list[CheckedFile]], stored: list[str]) -> Iterator[tuple[str, CheckedFile, str]]:
    """Store checked uploads one by one, yielding (field, upload, stored name) for the caller's row.

    Each name is appended to ``stored`` as soon as it is written, so a caller that fails later (or here: a storage
    that is away ends the loop with the form's message beside that field) can ``remove(stored)`` all of them.
    """
    for key, items in checked.items():
        for item in items:
            try:
                name = write(item)
            except StorageUnavailable:
                raise storage_failed(key) from None
            stored.append(name)
            yield key, item, name


def remove(stored_names: Iterable[str]) -> None:
    """Delete stored files (a failed transaction's, or ones no row names any more), as far as the storage lets us.

    Never raises for the storage: this runs while another outcome is being reported (a rollback, a committed
    change), and a file left behind names no record; it is logged for an operator to clear.
    """
    store = storage.current()
    left = []
    for name in stored_names:
        try:
            store.delete(name)
        except StorageUnavailable:
            left.append(name)
    if left:
        log.warning("the storage is unavailable; these stored files were not deleted: %s", ", ".join(left))


def open_stored(stored_name: str) -> StoredFile:
    """A stored file, open for reading in chunks (``StoredFileMissing``, ``StorageUnavailable``)."""
    return storage.current().open(stored_name)


def stream(stored_name: str, mimetype: str, *, download_name: str | None = None, as_attachment: bool = False,
           public_max_age: int | None = None) -> Response:
    """A response that streams a stored file in chunks, with the headers ``send_file`` gave it: the type, the
    length, ``Content-Disposition`` with the name (``filename*`` when it is not ASCII), ``Last-Modified`` and an
    ``ETag`` (answered with 304 when unchanged).

    Caching: a file is ``private, no-store`` (no browser or proxy keeps a copy) unless the caller says it is public
    (``public_max_age``: anyone, signed in or not, may fetch it), and only then ``public, max-age`` and ``Expires``.
    Every access-checked file (an attachment, a document, a draft's or hidden proposal's picture) is private.

    The body only reads the storage, never the database, so it may run after the request's session is gone.
    A file that the row names but the storage has not is a 404 (and an error in the log); a storage that
    cannot answer raises ``StorageUnavailable`` before any byte is sent (the 503 page).
    """
    try:
        handle = open_stored(stored_name)
    except StoredFileMissing:
        log.error("stored file %s is missing from the storage", stored_name)
        abort(404)
    response = Response(handle, mimetype=mimetype, direct_passthrough=True)
    response.content_length = handle.size
    name = download_name or stored_name
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        names = {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+-.^_`|~')}"}
    else:
        names = {"filename": name}
    response.headers.set("Content-Disposition", "attachment" if as_attachment else "inline", **names)
    if handle.last_modified is not None:
        response.last_modified = handle.last_modified
    if public_max_age is not None and public_max_age > 0:
        response.cache_control.public = True
        response.cache_control.max_age = public_max_age
        response.expires = int(time.time() + public_max_age)
    else:
        response.headers["Cache-Control"] = PRIVATE
    if handle.etag:
        response.set_etag(handle.etag)
    # A 304 sends no body: werkzeug then closes the handle without reading it.
    return response.make_conditional(request)


def send(attachment) -> Response:
    """The attachment (any row with ``stored_name``, ``content_type``, ``original_name``) as a download under
    its original name, streamed, ``private, no-store``; the caller has checked the policy."""
    return stream(attachment.stored_name, attachment.content_type, download_name=attachment.original_name,
                  as_attachment=True)
