"""Pictures people upload, made safe to show to anyone else: decoded, turned upright, re-encoded without metadata.

A phone's photo carries the place it was taken (EXIF GPS), the camera and its serial number, the time, and often XMP
or IPTC copies of the same. None of that belongs on a portal page or in an official's download, so no uploaded
picture is ever stored as it came: it is decoded by Pillow and a fresh file is written from its pixels alone. The
EXIF orientation is applied to the pixels first, so the picture still stands the right way up without its tag; an
embedded colour profile is applied too (converted to sRGB), so colours stay right without the profile itself.

Used by ``files.check_uploads`` (every attachment, document and proposal picture) and ``news_images`` (covers).
"""
from __future__ import annotations

import io
import logging

from flask_babel import gettext as _
from PIL import ExifTags, Image, ImageCms, ImageOps, JpegImagePlugin, UnidentifiedImageError

from app.kit.errors import Invalid

__all__ = ["MAX_PIXELS", "carries_metadata", "open_upright", "strip_metadata"]

log = logging.getLogger("reqemsal.images")

# Large enough for any camera, small enough that decoding stays cheap.
MAX_PIXELS = 40_000_000
# A re-encoded JPEG that is turned or converted cannot keep its own tables; this keeps a scanned page readable.
JPEG_QUALITY = 90
# Modes Pillow writes as JPEG and PNG without losing anything; others are converted first.
JPEG_MODES = {"L", "RGB", "CMYK"}
PNG_MODES = {"1", "L", "LA", "I;16", "P", "RGB", "RGBA"}

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _unreadable(name: str, field: str) -> Invalid:
    return Invalid({field: _("%(name)s is not a JPEG or PNG picture that can be read.", name=name)})


def open_upright(data: bytes, name: str, field: str) -> tuple[Image.Image, Image.Image]:
    """Decode a JPEG or PNG fully: (the decoded file, its pixels turned as its EXIF orientation says, with none of
    the file's metadata); the caller closes the first.

    Raises ``Invalid({field: ...})`` for bytes Pillow cannot read, a truncated file, or more than 40 megapixels
    (checked from the header, before any pixel is decoded, so a decompression bomb costs nothing).
    """
    try:
        # No warnings.catch_warnings() to turn Pillow's decompression-bomb warning into an error: it rewrites the
        # interpreter's global filters, which requests in other threads share, and this check refuses far smaller.
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise Invalid({field: _("%(name)s has too many pixels; use a picture of at most 40 megapixels.",
                                        name=name)})
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
        upright = ImageOps.exif_transpose(image)
        # Pillow writes some metadata it finds in ``info`` (a JPEG's comment, a PNG's profile) into any file saved
        # from the picture: with an empty one, only the pixels are left to write.
        upright.info = {}
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise _unreadable(name, field) from None
    except Exception:
        # A decoder fed a hostile file may raise anything (struct.error, IndexError): still the form's message.
        log.warning("a picture could not be decoded", exc_info=True)
        raise _unreadable(name, field) from None
    return image, upright


def _to_srgb(picture: Image.Image, icc: bytes | None) -> Image.Image:
    """The pixels in sRGB when the file carried another colour profile; the profile itself is not kept (it names
    the device and its maker). A profile that cannot be applied is dropped: the colours shift a little, no more."""
    if not icc or picture.mode not in ("RGB", "RGBA", "CMYK"):
        return picture
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(picture, source, _SRGB, outputMode="RGBA" if picture.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return picture


def strip_metadata(data: bytes, content_type: str, name: str, field: str) -> bytes:
    """The picture re-encoded from its pixels, in its own format (JPEG or PNG), with no EXIF, XMP, IPTC, comment,
    text chunk or colour profile; raises ``Invalid({field: ...})`` for a picture that cannot be read."""
    image, upright = open_upright(data, name, field)
    out = io.BytesIO()
    try:
        turned = image.getexif().get(ExifTags.Base.Orientation, 1) not in (0, 1)
        transparency = image.info.get("transparency")
        picture = _to_srgb(upright, image.info.get("icc_profile"))
        converted = picture is not upright
        picture.info = {}
        if content_type == "image/jpeg":
            if not turned and not converted and isinstance(image, JpegImagePlugin.JpegImageFile):
                # Untouched pixels keep the file's own quantisation tables and subsampling: no second loss (a
                # phone's MPO, a JPEG with a second picture after it, keeps its first picture only).
                image.info = {}
                image.save(out, "JPEG", quality="keep", optimize=True)
            else:
                picture = picture if picture.mode in JPEG_MODES else picture.convert("RGB")
                picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        else:
            options = {"transparency": transparency} if transparency is not None and not converted else {}
            if picture.mode not in PNG_MODES:
                picture, options = picture.convert("RGBA"), {}
            picture.save(out, "PNG", **options)
    except Exception:
        # Whatever a hostile or broken file makes Pillow raise, the sender gets the form's message, not a 500.
        log.warning("a picture could not be re-encoded", exc_info=True)
        raise _unreadable(name, field) from None
    finally:
        image.close()
    return out.getvalue()


# What a decoded file's ``info`` may hold that says something about the person or the device.
_PERSONAL_INFO = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "photoshop", "iptc")


def carries_metadata(data: bytes) -> bool:
    """Whether a stored picture still carries EXIF, XMP, IPTC, a comment, text chunks or a colour profile (a file
    stored before pictures were cleaned); False for what cannot be read as a picture."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return bool(image.getexif()) or any(key in image.info for key in _PERSONAL_INFO) or \
                bool(getattr(image, "text", None))
    except Exception:  # noqa: BLE001 - not a picture Pillow reads: nothing to clean
        return False
