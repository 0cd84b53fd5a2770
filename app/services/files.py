"""Uploaded files: checked by content (not by name), stored outside static/ under random names."""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from flask_babel import gettext as _

from app.errors import Invalid

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 5

# Leading bytes ("magic numbers") of the accepted formats.
SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
]


@dataclass
class CheckedFile:
    """An upload that passed the checks, not yet written to disk."""

    original_name: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (PDF, PNG, JPEG), or None."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def check_uploads(files, field: str = "attachments") -> list[CheckedFile]:
    """Read and check uploads (werkzeug FileStorage); raise ``Invalid`` naming the first bad file."""
    uploads = [f for f in (files or []) if f is not None and getattr(f, "filename", "")]
    if len(uploads) > MAX_FILES:
        raise Invalid({field: _("Attach at most %(n)d files.", n=MAX_FILES)})
    checked = []
    for upload in uploads:
        name = os.path.basename(upload.filename)[:255] or "file"
        data = upload.stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise Invalid({field: _("%(name)s is larger than 10 MB.", name=name)})
        if not data:
            raise Invalid({field: _("%(name)s is empty.", name=name)})
        content_type = sniff(data)
        if content_type is None:
            raise Invalid({field: _("%(name)s is not a PDF, JPEG or PNG file.", name=name)})
        checked.append(CheckedFile(name, content_type, data))
    return checked


def storage_dir() -> Path:
    """Where attachments live: ``instance/attachments`` unless ``ATTACHMENTS_DIR`` says otherwise."""
    path = Path(current_app.config.get("ATTACHMENTS_DIR") or Path(current_app.instance_path) / "attachments")
    path.mkdir(parents=True, exist_ok=True)
    return path


def write(checked: CheckedFile) -> str:
    """Write the bytes under a new random name and return that name."""
    stored_name = secrets.token_hex(24)
    with open(storage_dir() / stored_name, "xb") as fh:
        fh.write(checked.data)
    return stored_name


def remove(stored_names: list[str]) -> None:
    """Delete stored files (used when the transaction that referenced them fails)."""
    for name in stored_names:
        try:
            (storage_dir() / name).unlink()
        except FileNotFoundError:
            pass


def path_of(stored_name: str) -> Path:
    """The full path of a stored file."""
    return storage_dir() / stored_name


def send(attachment):
    """The attachment as a download under its original name; the caller has checked the policy."""
    return send_file(path_of(attachment.stored_name), mimetype=attachment.content_type,
                     as_attachment=True, download_name=attachment.original_name)
