"""Less work per rendered page: translations found once per request and language, addresses built once per process,
the frame's parts that are the same for everyone drawn once per language and page (``frame_part``).

A page calls ``_()`` about 60 times and ``url_for`` about 60 times. Flask-Babel finds the request's context, its
domain, its locale and the cached catalogue again at every ``_()`` (about 19 µs, where the catalogue's own lookup
takes 0.4 µs); Werkzeug matches the endpoint's rule and its converters at every ``url_for`` (about 12 µs). Both
answers are the same for the whole request (the translations) or for the whole process (an address with the same
values), so the templates' versions keep them.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from babel.support import NullTranslations
from flask import Flask, g, has_request_context, request
from flask_babel import get_locale, get_translations
from markupsafe import Markup

# The most addresses one process keeps (a crawler asking for every page of every list must not grow it forever).
MAX_ADDRESSES = 20_000
# The most parts of the frame one process keeps (a navigation is about 1 KB: one per page address and language).
MAX_FRAME_PARTS = 5_000
MAX_KEPT_PATH = 200


def translations() -> NullTranslations:
    """The current request's catalogue, looked up once per request and locale.

    Flask-Babel keeps the locale in ``g._flask_babel.babel_locale``; ``force_locale`` (an email in its recipient's
    language) puts another locale object there, which the identity check notices.
    """
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    known = getattr(ctx, "template_translations", None)
    if known is not None and locale is not None and known[0] is locale:
        return known[1]
    found = get_translations()  # resolves the locale on the way when it was not yet
    ctx = g.get("_flask_babel")
    if ctx is not None and getattr(ctx, "babel_locale", None) is not None:
        ctx.template_translations = (ctx.babel_locale, found)
    return found


def init_app(app: Flask) -> None:
    """Give the templates the quicker ``_``/``ngettext``/``pgettext`` and ``url_for`` (after Flask-Babel's)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    addresses: dict[Hashable, str] = {}
    build = app.url_for

    def url_for(endpoint: str, **values: Any) -> str:
        # Relative endpoints depend on the request's blueprint, "_external" and the like on more than the values:
        # those are built every time, as is everything outside a request.
        if endpoint.startswith(".") or not has_request_context() or any(k.startswith("_") for k in values):
            return build(endpoint, **values)
        try:
            key = (request.script_root, endpoint, frozenset((k, type(v), v) for k, v in values.items()))
            found = addresses.get(key)
        except TypeError:  # an unhashable value (a list for a repeated parameter)
            return build(endpoint, **values)
        if found is None:
            found = build(endpoint, **values)
            if len(addresses) < MAX_ADDRESSES:
                addresses[key] = found
        return found

    app.jinja_env.globals["url_for"] = url_for
    app.jinja_env.globals["frame_part"] = _frame_parts(app)


def _frame_parts(app: Flask):
    """``frame_part(name, *varies)``: a part of the page's frame that is the same for everyone (the areas'
    navigation, the footer), drawn once per template, language, address root and ``varies`` (the page's path, for
    the navigation's "you are here") and then kept, at most ``MAX_FRAME_PARTS`` of them per process, the least
    recently used going first. Such a template may show nothing of the person or the request beyond those.

    Every page drew them afresh: 14 translations, 14 addresses and 9 macro calls, about a seventh of a signed-in
    page's frame (measured in process: the signed-in "about" page 2.17 → 1.82 ms of processor; visitors' pages
    mostly come from the page cache). Not kept while templates reload (development)."""
    kept: OrderedDict[tuple, Markup] = OrderedDict()
    lock = threading.Lock()

    def frame_part(name: str, *varies: Hashable) -> Markup:
        key = (name, str(get_locale()), request.script_root, *varies)
        with lock:
            found = kept.get(key)
            if found is not None:
                kept.move_to_end(key)
                return found
        drawn = Markup(app.jinja_env.get_template(name).render())
        # Kept for the addresses the portal has (a route matched, a path of ordinary length): a scanner's made-up
        # addresses get their "not found" page with a part drawn for it, and cannot fill the memory with them.
        if not app.jinja_env.auto_reload and request.url_rule is not None and len(request.path) <= MAX_KEPT_PATH:
            with lock:
                kept[key] = drawn
                while len(kept) > MAX_FRAME_PARTS:
                    kept.popitem(last=False)
        return drawn

    return frame_part
