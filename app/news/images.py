"""Cover images of articles: checked by content, re-encoded with Pillow in a few widths, metadata stripped.

An upload is recognised by its first bytes (JPEG or PNG), then fully decoded:
a file that only looks like an image, is too large, or is a decompression bomb
is refused with a message for the form's field. What is stored is never the
uploaded file itself: each width is a fresh JPEG written from the pixels alone,
so EXIF (camera, GPS position), ICC and comments are gone.
"""
from __future__ import annotations

import hashlib
import io
import os
import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from PIL import Image

from app.kit import files, images, storage
from app.kit.errors import Invalid

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MIN_SIDE = 200
WIDTHS = (480, 960, 1600)
JPEG_QUALITY = 82


@dataclass
class PreparedImage:
    """A checked cover, encoded in every width, not yet stored."""

    original_name: str
    width: int
    height: int
    sha256: str
    variants: dict[int, bytes] = field(default_factory=dict)

    @property
    def widths(self) -> str:
        return ",".join(str(w) for w in sorted(self.variants))


def prepare(upload, field_name: str = "cover") -> PreparedImage | None:
    """Check an upload (werkzeug ``FileStorage``) and encode its widths; None when no file was sent.

    Raises ``Invalid({field_name: ...})`` for a file that is not a JPEG or PNG picture, is larger
    than 8 MB, or is smaller than 200 pixels on a side.
    """
    if upload is None or not getattr(upload, "filename", ""):
        return None
    name = os.path.basename(upload.filename).replace("\x00", "")[:255] or "image"
    data = upload.stream.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise Invalid({field_name: _("%(name)s is larger than 8 MB.", name=name)})
    if not data:
        raise Invalid({field_name: _("%(name)s is empty.", name=name)})
    if files.sniff(data) not in ("image/jpeg", "image/png"):
        raise Invalid({field_name: _("%(name)s is not a JPEG or PNG picture.", name=name)})
    image, picture = images.open_upright(data, name, field_name)
    image.close()
    if min(picture.width, picture.height) < MIN_SIDE:
        raise Invalid({field_name: _("%(name)s is too small: use a picture at least %(min)d pixels on each side.",
                                     name=name, min=MIN_SIDE)})
    if picture.mode != "RGB":
        # Transparent PNGs are laid on white: JPEG has no transparency.
        background = Image.new("RGB", picture.size, (255, 255, 255))
        rgba = picture.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        picture = background
    prepared = PreparedImage(name, picture.width, picture.height, hashlib.sha256(data).hexdigest())
    targets = [w for w in WIDTHS if w < picture.width] + [min(picture.width, WIDTHS[-1])]
    for width in sorted(set(targets)):
        height = max(1, round(picture.height * width / picture.width))
        resized = picture if width == picture.width else picture.resize((width, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # A fresh image from the pixels alone: no exif, icc_profile or comment is passed, so none is written.
        resized.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        prepared.variants[width] = out.getvalue()
    return prepared


def variant_name(stored_name: str, width: int) -> str:
    """The file name of one width of a stored image."""
    return f"{stored_name}-{width}.jpg"


def write(prepared: PreparedImage) -> tuple[str, list[str]]:
    """Store every width under a new random name; returns (stored name, file names stored).

    Raises ``files.StorageUnavailable`` when the storage fails, after deleting the widths already stored.
    """
    stored_name = secrets.token_hex(24)
    written: list[str] = []
    store = storage.current()
    try:
        for width, data in prepared.variants.items():
            filename = variant_name(stored_name, width)
            store.put(filename, data, content_type="image/jpeg")
            written.append(filename)
    except files.StorageUnavailable:
        files.remove(written)
        raise
    return stored_name, written
