"""``flask profile-page PATH``: where one page's time goes, measured in this process (issue 20).

The page is requested through Flask's test client, so everything but the network and gunicorn is in it: routing,
the session and sign-in, authorization, SQL, templates, translations. After two warm-ups it is requested ``repeat``
times on the clock (the mean and median time per request, and the SQL statements each one runs), then ``repeat``
times more under cProfile: the profile's own time of every function is added up by group (templates, SQL,
gettext and url_for, the portal's own code, the rest), and each group's heaviest functions are listed by
cumulative time. ``scripts/bench_pages.py`` measures the same pages under gunicorn, beside a bare Flask app.

``--as EMAIL`` opens a server-side session of that account for the run, the way a remember-me cookie brings a
returning browser back (no password, no second factor), and ends it afterwards. That is an operator's shortcut
into someone's account, so it is refused in production, like ``flask seed-demo``.
"""
from __future__ import annotations

import contextvars
import cProfile
import pstats
import statistics
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_login import COOKIE_NAME, encode_cookie
from sqlalchemy import event

from app.accounts import sessions
from app.accounts.service import find_by_email
from app.extensions import db
from app.kit.i18n import DEFAULT_LOCALE
from app.models import LANGUAGES, User

ROOT = Path(__file__).resolve().parent.parent.parent
STDLIB = sysconfig.get_paths()["stdlib"]

# A function whose cumulative time is at least this share of the request's wraps the whole request.
ENVELOPE = 0.9
# The groups of the profile, in the order they are printed: (key, label).
GROUPS = (
    ("templates", "templates (Jinja)"),
    ("sql", "SQL (SQLAlchemy, the driver)"),
    ("i18n", "gettext and url_for"),
    ("portal", "the portal's own code (app/)"),
    ("rest", "the rest (Flask, Werkzeug, Python)"),
    ("client", "the test client (not in production)"),
)


@dataclass
class FunctionCost:
    """One function of the profile, per request."""

    name: str
    calls: float
    own_ms: float
    cumulative_ms: float


@dataclass
class GroupCost:
    """One group of the profile: its functions' own time per request, its share, and its heaviest functions."""

    label: str
    own_ms: float
    share: float
    heaviest: list[FunctionCost] = field(default_factory=list)


@dataclass
class PageProfile:
    """What ``profile_page`` measured."""

    path: str
    who: str
    lang: str
    repeat: int
    mean_ms: float
    median_ms: float
    statements: float
    profiled_ms: float
    groups: list[GroupCost]


class PageRefused(click.ClickException):
    """The page cannot be profiled as asked (unknown account, not a 200, refused here)."""


def group_of(filename: str, function: str) -> str:
    """The group key of a profiled function, from its file and name (built-ins have the file ``~``)."""
    path = filename.replace("\\", "/")
    if path.endswith(("/werkzeug/test.py", "/flask/testing.py")):
        return "client"
    if function == "url_for" or any(part in path for part in ("/babel/", "/flask_babel/", "/werkzeug/routing/")) \
            or path.endswith("/gettext.py"):
        return "i18n"
    if any(part in path for part in ("/sqlalchemy/", "/flask_sqlalchemy/", "/psycopg/", "/psycopg_binary/",
                                     "/sqlite3/")) or "sqlite3." in function or "psycopg" in function:
        return "sql"
    # Compiled templates keep their source's file name (templates/…/*.html).
    if any(part in path for part in ("/jinja2/", "/markupsafe/")) or path.startswith(str(ROOT / "templates")):
        return "templates"
    if path.startswith(str(ROOT / "app")):
        return "portal"
    return "rest"


def _short(filename: str, line: int, function: str) -> str:
    """A function's name for the listing: its file relative to the project, a package or the standard library."""
    if filename == "~":
        return function
    path = filename.replace("\\", "/")
    if "/site-packages/" in path:
        path = path.split("/site-packages/", 1)[1]
    else:
        for prefix in (f"{ROOT}/", f"{STDLIB}/"):
            path = path.removeprefix(prefix)
    return f"{path}:{line} {function}"


def _isolated(call):
    """Run ``call`` outside this command's application context.

    A request pushed while an application context is active reuses it (Flask), and with it the database session:
    its identity map would then answer later requests from memory, and the figures would be a cache's, not a
    page's. An empty context makes every request push its own, as it does under gunicorn.
    """
    return contextvars.Context().run(call)


def _sign_in(app: Flask, client, user: User, path: str) -> None:
    """Sign ``client`` in as ``user``: a remembered session of theirs, restored by the first request of ``path``."""
    cookie_id = sessions.start(user, remembered=True, user_agent="flask profile-page", address=None)
    name = app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    client.set_cookie(name, encode_cookie(cookie_id))
    _isolated(lambda: client.get(path))
    # The session now holds the account; the cookie goes, so that the measured requests are those of an ordinary
    # signed-in session rather than of a browser coming back.
    client.delete_cookie(name)
    with client.session_transaction() as session:
        if session.get("_user_id") != cookie_id:
            raise PageRefused(f"GET {path} did not restore the session of {user.email}: nothing to profile.")


def _check(response, path: str, signed_in: bool) -> None:
    if response.status_code != 200:
        where = f" to {response.headers['Location']}" if response.headers.get("Location") else ""
        hint = "" if signed_in or response.status_code not in (302, 401, 403) else " (sign in with --as EMAIL)"
        raise PageRefused(f"GET {path} answered {response.status_code}{where}, not 200: nothing to profile{hint}.")


def profile_page(path: str, email: str | None = None, lang: str = DEFAULT_LOCALE, repeat: int = 20,
                 top: int = 5) -> PageProfile:
    """Measure and profile ``path`` as the account ``email`` (or a visitor) reading in ``lang``.

    Runs in an application context (a ``flask`` command's); raises ``PageRefused`` for an unknown or deactivated
    account, for ``email`` in production, and for a page that does not answer 200.
    """
    app = current_app._get_current_object()
    user = None
    if email:
        if app.config["APP_ENV"] == "production":
            raise PageRefused("--as is refused in production: it opens a session of that account without its "
                              "password or second factor.")
        user = find_by_email(email)
        if user is None:
            raise PageRefused(f"No account with the email {email}.")
        if not user.active:
            raise PageRefused(f"The account {email} is deactivated: it cannot sign in.")
    client = app.test_client()
    try:
        if user is not None:
            _sign_in(app, client, user, path)
        # A visitor who never chose a language has no session at all: keep it so for the default language.
        if user is not None or lang != DEFAULT_LOCALE:
            with client.session_transaction() as session:
                session["lang"] = lang
        for _ in range(2):  # warm-ups: templates compiled, caches filled
            _check(_isolated(lambda: client.get(path)), path, user is not None)
        engine = db.engine
        statements = 0

        def count(*_args, **_kwargs) -> None:
            nonlocal statements
            statements += 1

        times = []
        event.listen(engine, "before_cursor_execute", count)
        try:
            for _ in range(repeat):
                started = time.perf_counter()
                response = _isolated(lambda: client.get(path))
                times.append((time.perf_counter() - started) * 1000)
                _check(response, path, user is not None)
        finally:
            event.remove(engine, "before_cursor_execute", count)

        profiler = cProfile.Profile()
        started = time.perf_counter()
        for _ in range(repeat):
            _isolated(lambda: profiler.runcall(client.get, path))
        profiled_ms = (time.perf_counter() - started) * 1000 / repeat
    finally:
        if user is not None:
            sessions.sign_out(user)
    return PageProfile(path=path, who=email or "a visitor", lang=lang, repeat=repeat,
                       mean_ms=statistics.fmean(times), median_ms=statistics.median(times),
                       statements=statements / repeat, profiled_ms=profiled_ms,
                       groups=_groups(pstats.Stats(profiler), repeat, top))


def _groups(stats: pstats.Stats, repeat: int, top: int) -> list[GroupCost]:
    """The profile's own time per group (these add up to the whole), each with its heaviest functions."""
    own: dict[str, float] = {key: 0.0 for key, _label in GROUPS}
    members: dict[str, list[FunctionCost]] = {key: [] for key, _label in GROUPS}
    for (filename, line, function), (_prim, calls, own_s, cumulative_s, _callers) in stats.stats.items():
        key = group_of(filename, function)
        own[key] += own_s
        members[key].append(FunctionCost(_short(filename, line, function), calls / repeat, own_s * 1000 / repeat,
                                         cumulative_s * 1000 / repeat))
    total = sum(own.values()) or 1.0
    # The frames every request passes through (the WSGI app, the middleware, the dispatch) span nearly all of it:
    # listing them would say nothing about this page, so each group lists what lies within them.
    whole = max((f.cumulative_ms for functions in members.values() for f in functions), default=0.0)
    return [GroupCost(label, own[key] * 1000 / repeat, own[key] / total,
                      sorted((f for f in members[key] if f.cumulative_ms < ENVELOPE * whole),
                             key=lambda f: f.cumulative_ms, reverse=True)[:top])
            for key, label in GROUPS]


def _figure(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def print_profile(result: PageProfile) -> None:
    """Print a ``PageProfile``: the figures first, then the groups with their heaviest functions."""
    echo = click.echo
    echo(f"GET {result.path} as {result.who}, {result.lang}: {result.repeat} requests after two warm-ups, "
         f"Python {sys.version.split()[0]}.")
    echo(f"Time per request: mean {result.mean_ms:.1f} ms, median {result.median_ms:.1f} ms.")
    echo(f"SQL statements per request: {_figure(result.statements)}.")
    echo("")
    echo(f"Where the time goes, under cProfile ({result.profiled_ms:.1f} ms per request there: the profiler slows")
    echo("every call, so read the shares):")
    for group in result.groups:
        echo(f"  {group.label:36} {group.own_ms:8.2f} ms {group.share:6.1%}")
    echo("")
    echo("Each group's heaviest functions by cumulative time, in ms and calls per request (leaving out the frames")
    echo(f"that wrap {ENVELOPE:.0%} of the request or more: the WSGI app, the middleware, the dispatch):")
    for group in result.groups:
        echo("")
        echo(f"{group.label}")
        if not group.heaviest:
            echo("  (none: nothing of this group ran)")
            continue
        echo(f"  {'cumul.':>8} {'own':>8} {'calls':>7}  function")
        for fn in group.heaviest:
            echo(f"  {fn.cumulative_ms:8.2f} {fn.own_ms:8.2f} {_figure(fn.calls):>7}  {fn.name}")


@click.command("profile-page")
@with_appcontext
@click.argument("path")
@click.option("--as", "email", default=None, metavar="EMAIL", help="Sign in as this account (not in production).")
@click.option("--lang", type=click.Choice(LANGUAGES), default=DEFAULT_LOCALE, show_default=True,
              help="The language the page is read in.")
@click.option("--repeat", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="Requests on the clock, and as many again under the profiler.")
@click.option("--top", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Functions listed per group.")
def profile_page_command(path: str, email: str | None, lang: str, repeat: int, top: int) -> None:
    """Print where the time of one page (PATH, e.g. / or /news/) goes: time per request, SQL statements per
    request, and a profile grouped into templates, SQL, gettext and url_for, the portal's code and the rest."""
    if not path.startswith("/"):
        raise click.BadParameter("a path of this portal, starting with /", param_hint="PATH")
    print_profile(profile_page(path, email, lang, repeat, top))
