"""Visitors' pages from the shared cache: whole responses, per path, known query parameters and language.

A view opts in with ``@cached_page("page", "district")``, naming the query parameters its output depends on. A
request is answered from the cache only when everything that could make its page differ from another visitor's is
absent or part of the key:

- the person: no one is signed in (no ``_user_id`` in the session, no remember-me cookie) and no message waits in
  the session to be shown (a flash after signing out);
- the address: the path, the language the page is rendered in, and the named parameters; a request carrying any
  other parameter, a repeated one or an overlong value is neither served nor stored, so a crafted query string
  cannot fill the cache with variants or receive a page built for other parameters;
- the content: an entry is served only while every table its building read is at the generation it was stored
  with (``app.kit.cache``): any commit to those tables retires it; ``PAGE_CACHE_TIMEOUT`` bounds the rest.

A response is stored only when it is the same for every visitor: a 200, no cookie set, no CSRF token generated
(a page with a form carries the visitor's own token), and the session left exactly as it was before the view ran.
Hits and misses carry an ``ETag``; a browser that already holds the page gets a 304. ``X-Cache`` says which it
was, for the operator and the tests.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from typing import TypeVar

from flask import Flask, Response, current_app, g, request, session
from werkzeug.datastructures import ETags, MultiDict
from werkzeug.http import HTTP_STATUS_CODES

from app.kit import cache
from app.kit.headers import security_headers
from app.kit.i18n import DEFAULT_LOCALE, select_locale
from app.models import LANGUAGES
from app.observability import ENV_ENDPOINT, ENV_PATH, ENV_USER

F = TypeVar("F", bound=Callable)

# The longest value of a query parameter that forms part of a key (longer: not cached).
MAX_VALUE = 64
# What a cached page keeps of its response's headers (the rest the request's own hooks add again).
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Cache-Control")
# What a 304 leaves out (it has no body), and what every cacheable answer sets itself.
ENTITY_HEADERS = frozenset({"Content-Type", "Content-Language", "Content-Disposition", "Content-Length"})
ANSWER_HEADERS = frozenset({"ETag", "X-Cache", "Vary", "Cache-Control"})


def cached_page(*params: str) -> Callable[[F], F]:
    """Declare a view's page cacheable for visitors, its output depending only on the path, the language and the
    query parameters ``params``. Place it right below the route decorator."""

    def mark(view: F) -> F:
        view.page_cache = frozenset(params)  # type: ignore[attr-defined]
        return view

    return mark


def init_app(app: Flask) -> None:
    """Serve before the view and store after it. Registered after the language hook (``app.web``), which may store
    a ``?lang=`` choice in the session first, and before the security headers' hook runs on the way out. In front
    of Flask, ``Front`` (installed by ``create_app``) answers most hits without building a request at all."""
    app.before_request(_serve)
    app.after_request(_store)
    app.teardown_request(_stop_recording)


class Front:
    """WSGI middleware: a visitor's hit answered before Flask builds its request context.

    A hit needs the address, the session cookie and the cache; everything else a request goes through (the
    language hook, the sign-in gate, the CSRF check of a GET, the rate limiter, which names no limit for these
    pages) has nothing to do for it, and costs more than the hit itself. It answers exactly what ``_serve`` would:
    the same key, the same visitor rule, the same headers; whatever it cannot decide cheaply (a ``?lang=`` choice to
    remember in the session, an untrusted host, an unknown address, a miss) goes on to Flask unchanged. Placed
    inside the proxy fix and the request log, so the scheme is the client's and the hit is logged and counted.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        hit = self._hit(environ) if environ.get("REQUEST_METHOD") in ("GET", "HEAD") else None
        if hit is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = hit
        start_response(f"{status} {HTTP_STATUS_CODES[status]}", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _hit(self, environ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        app = self.app
        if not app.config["PAGE_CACHE"]:
            return None
        request_ = app.request_class(environ)
        if "lang" in request_.args:
            return None  # the choice is remembered in the session by the language hook
        try:
            endpoint, _values = app.create_url_adapter(request_).match()
        except Exception:  # noqa: BLE001 - an untrusted host, a redirect, a 404 or 405: Flask answers those
            return None
        params = getattr(app.view_functions.get(endpoint), "page_cache", None)
        if params is None:
            return None
        session_data = app.session_interface.open_session(app, request_)
        if session_data is None or not visitor(session_data, request_.cookies,
                                               app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
            return None
        chosen = session_data.get("lang")
        key = page_key(params, request_.path, request_.args, chosen if chosen in LANGUAGES else DEFAULT_LOCALE)
        found = cache.store(app).get_entry(key) if key is not None else None
        if found is None:
            return None
        meta, body = found
        status, headers, body = answer(meta["h"], body, meta["e"], "HIT", request_.if_none_match)
        headers += security_headers(request_.is_secure)
        if status == 200:  # a 304 names no length (it would have to be the page's)
            headers.append(("Content-Length", str(len(body))))
        # What the request log writes and counts for a request Flask did not see.
        environ[ENV_ENDPOINT], environ[ENV_PATH], environ[ENV_USER] = endpoint, request_.path, "-"
        return status, headers, body


def visitor(session_data: Mapping, cookies: Mapping, remember_cookie: str) -> bool:
    """No one signed in, none about to be remembered, no message waiting to be shown."""
    return "_user_id" not in session_data and "_flashes" not in session_data and remember_cookie not in cookies


def page_key(params: frozenset[str], path: str, args: MultiDict, lang: str) -> str | None:
    """The entry's key for ``path`` with the query ``args`` in ``lang``, or None when such a request must not use
    the cache (a parameter the view did not name, repeated, or too long)."""
    parts = []
    for name in sorted(args):
        values = args.getlist(name)
        if name == "lang":
            continue  # the page's language is part of the key below, whatever chose it
        if name not in params or len(values) != 1 or len(values[0]) > MAX_VALUE:
            return None
        parts.append(f"{name}={values[0]}")
    identity = "\0".join([lang, path, "&".join(parts)])
    return "page:" + hashlib.sha256(identity.encode()).hexdigest()


def _key(params: frozenset[str]) -> str | None:
    if not visitor(session, request.cookies, current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return None
    # The selector itself, not Flask-Babel's get_locale: a hit then never builds a babel Locale (a visitor's
    # language comes from the address or the session only, without a query).
    return page_key(params, request.path, request.args, select_locale())


def _serve() -> Response | None:
    if not current_app.config["PAGE_CACHE"] or request.method not in ("GET", "HEAD"):
        return None
    params = getattr(current_app.view_functions.get(request.endpoint or ""), "page_cache", None)
    key = _key(params) if params is not None else None
    if key is None:
        return None
    backend = cache.store()
    found = backend.get_entry(key)
    if found is not None:
        meta, body = found
        g.page_cache = "hit"
        status, headers, body = answer(meta["h"], body, meta["e"], "HIT", request.if_none_match)
        return Response(body, status=status, headers=headers)
    g.page_cache = "miss"
    g.page_cache_key = key
    g.page_cache_session = dict(session)
    recording = ExitStack()
    g.page_cache_recording = (recording, recording.enter_context(cache.reading(backend)))
    return None


def answer(stored_headers: Mapping[str, str], body: bytes, etag: str, result: str,
           if_none_match: ETags) -> tuple[int, list[tuple[str, str]], bytes]:
    """The status, headers and body of a cacheable answer: a 304 without the body when the browser's copy is this
    one. The headers as a plain list: building werkzeug's ``Headers`` costs a hit more than reading the cache."""
    status = 200
    kept = stored_headers.items()
    # Weak comparison, as If-None-Match asks: nginx marks the ETag weak when it compresses the page.
    if if_none_match.contains_weak(etag):
        status, body = 304, b""
        kept = [(name, value) for name, value in kept if name not in ENTITY_HEADERS]
    headers = [(name, value) for name, value in kept if name not in ANSWER_HEADERS]
    # The browser may keep the page, asking each time whether it changed (a feed says its own lifetime).
    headers += [("ETag", f'"{etag}"'), ("X-Cache", result), ("Vary", "Cookie"),
                ("Cache-Control", stored_headers.get("Cache-Control", "no-cache"))]
    return status, headers, body


def _revalidate(response: Response, etag: str) -> Response:
    status, headers, _ = answer(response.headers, b"", etag, g.page_cache.upper(), request.if_none_match)
    if status == 304:
        return Response(status=304, headers=headers)
    for name, value in headers:
        response.headers[name] = value
    return response


def _storable(response: Response) -> bool:
    return (response.status_code == 200 and not response.is_streamed and not response.direct_passthrough
            and "Set-Cookie" not in response.headers and "csrf_token" not in g
            and not response.cache_control.no_store
            and dict(session) == g.page_cache_session)


def _store(response: Response) -> Response:
    if g.get("page_cache") != "miss":
        return response
    recording, recorded = g.pop("page_cache_recording")
    recording.close()
    if not _storable(response):
        g.page_cache = "bypass"
        response.headers["X-Cache"] = "BYPASS"
        return response
    body = response.get_data()
    etag = hashlib.sha256(body).hexdigest()[:32]
    headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    entry = cache.join_entry({"g": recorded.generations, "h": headers, "e": etag}, body)
    cache.store().set(g.page_cache_key, entry, current_app.config["PAGE_CACHE_TIMEOUT"])
    return _revalidate(response, etag)


def _stop_recording(error: BaseException | None) -> None:
    """A view that failed never reached ``_store``: stop recording all the same."""
    pending = g.pop("page_cache_recording", None)
    if pending is not None:
        pending[0].close()
