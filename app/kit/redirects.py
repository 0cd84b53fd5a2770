"""Where to send a visitor back to: only a path of this portal, never an address someone wrote into a link.

Every ``next`` and return address goes through ``safe_next`` (sign-in, the second factor, the moderators' actions):
a link ``/auth/login?next=…`` is anyone's to write, so what it names is checked before the portal redirects there.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

__all__ = ["MAX_LENGTH", "local_path", "safe_next"]

# Longer than any address of the portal; a longer one is not ours (and would only fill the log).
MAX_LENGTH = 2000


def _plain(text: str, categories: str) -> bool:
    """No backslash (browsers read it as a slash) and no character of these Unicode ``categories``: "C" control and
    invisible formatting characters (a tab or newline is dropped by browsers, turning "/\\t/host" into "//host"; a
    newline in a header is a 500), "Z" whitespace."""
    return "\\" not in text and not any(unicodedata.category(ch)[0] in categories for ch in text)


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path of this portal ("/cabinet/appeals/7?page=2#m3"), else None.

    Refused: an empty or overlong value, anything not starting with one "/" (a scheme such as "https:" or
    "javascript:", a host "//host", a relative "cabinet"), whitespace, control characters or a backslash anywhere;
    and the same once percent-decoded, but for an encoded space (so "/%2F/host" and "/%09/host" are refused).
    """
    if not target or len(target) > MAX_LENGTH:
        return None
    # As typed, nothing but a plain path; once decoded, still one (an encoded space, "%20", is an ordinary one).
    for text, refused in ((target, "CZ"), (unquote(target), "C")):
        if not text.startswith("/") or text.startswith("//") or not _plain(text, refused):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def safe_next(target: str | None, default: str) -> str:
    """Where to redirect: ``target`` if it is a path of this portal (``local_path``), else ``default``."""
    return local_path(target) or default
