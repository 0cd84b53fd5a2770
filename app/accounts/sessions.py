"""Signed-in sessions kept on the server: starting one at sign-in, recognising its cookies, ending it.

Flask's session cookie and Flask-Login's remember-me cookie are signed, not stored: before this module a copy of
either kept opening the account after sign-out (the remember-me one for 14 days), and a password change left every
other browser signed in. Now each sign-in makes a ``UserSession`` row with a random key, and both cookies carry
"<user id>:<key>" (``User.get_id``, Flask-Login's alternative id). ``load`` accepts a cookie only while its row is
active, so ending the row ends both cookies, wherever they were copied:

- signing out ends the current session; the owner ends any other from "Active sessions" in the cabinet;
- a password change ends every other session of the account, a reset ends all of them;
- an administrator's deactivation or second-factor reset ends all of them (``User.session_version`` is raised
  too: it still ends a sign-in that is half done, waiting for its second factor);
- a session not remembered ends after ``PERMANENT_SESSION_LIFETIME`` (12 hours) without a request, a remembered
  one ``REMEMBER_COOKIE_DURATION`` (14 days) after it began, as its cookie does;
- closing the account deletes its rows, and rows idle longer than the remember-me duration are deleted at every
  sign-in, so the table keeps only what the lists need.
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import joinedload

from app import authz
from app.accounts import mydata
from app.extensions import db
from app.kit.errors import NotFound
from app.models import Notification, User, UserSession, utcnow

# The last-seen time is written at most this often, so that a busy session costs no write per request.
TOUCH_EVERY = timedelta(minutes=1)
# Rows idle this much longer than a remember-me cookie lives can no longer be active: they are deleted.
PURGE_GRACE = timedelta(days=1)
USER_AGENT_LENGTH = 200


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_network(address: str | None) -> str | None:
    """The client's network, never its full address: IPv4 to /24, IPv6 to /48 ("203.0.113.0/24")."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def start(user: User, *, remembered: bool, user_agent: str | None, address: str | None) -> str:
    """Record a new signed-in session of ``user`` and return its cookie id ("<user id>:<key>"); commits.

    The key is only ever in the cookies: the row keeps its hash. ``user`` carries the key and the row from here
    on, so that ``login_user`` writes the right id into the cookies.
    """
    now = utcnow()
    key = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, key_hash=_hash(key), created_at=now, last_seen_at=now,
                      user_agent=(user_agent or "")[:USER_AGENT_LENGTH] or None,
                      address=client_network(address), remembered=bool(remembered))
    db.session.add(row)
    # Rows idle past any cookie's life (ended or not) go: one indexed delete, bounded by what expired since.
    cutoff = now - current_app.config["REMEMBER_COOKIE_DURATION"] - PURGE_GRACE
    db.session.execute(delete(UserSession).where(UserSession.last_seen_at < cutoff)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    user.session_key = key
    user.session_id = row.id
    return f"{user.id}:{key}"


def _expired(row: UserSession, now: datetime) -> bool:
    config = current_app.config
    if row.remembered:
        return now - row.created_at > config["REMEMBER_COOKIE_DURATION"]
    return now - row.last_seen_at > config["PERMANENT_SESSION_LIFETIME"]


def _is_active(row: UserSession, now: datetime) -> bool:
    return row.ended_at is None and not _expired(row, now)


@cache
def _session_statement():
    """The statement ``load`` runs, built once (its cache key too): the session by its key's hash, with its user,
    the user's roles joined in (a second statement otherwise) and their unread notifications counted."""
    unread = (select(func.count()).select_from(Notification)
              .where(Notification.user_id == User.id, Notification.read_at.is_(None))
              .correlate(User).scalar_subquery())
    return (select(UserSession, User, unread).join(User, User.id == UserSession.user_id)
            .where(UserSession.key_hash == bindparam("key_hash"))
            .options(joinedload(User.roles)))


def load(cookie_id: str) -> User | None:
    """The user of a session cookie or remember-me cookie, or None when its session has ended (or never was).

    Called by Flask-Login's user loader early in every request (``_gate`` asks who is signed in before any
    view runs). The last-seen time is written at most once a minute, and only when nothing else is pending in the
    database session, so that this commit can never carry a view's half-made changes.
    """
    user_part, _sep, key = (cookie_id or "").partition(":")
    if not key or not user_part.isdigit():
        return None
    # One statement for the session, its user, the user's roles (every page asks what they may do) and the
    # header's unread count (every signed-in page shows it): this runs before every signed-in request.
    # All rows are read (one per role): ``first()`` would stop at the first and leave the roles half loaded.
    rows = db.session.execute(_session_statement(), {"key_hash": _hash(key)}).unique().all()
    found = rows[0] if rows else None
    now = utcnow()
    if found is None:
        return None
    row, user, unread_count = found
    if row.user_id != int(user_part) or not _is_active(row, now) or not user.active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY and not (db.session.new or db.session.dirty or db.session.deleted):
        db.session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
        db.session.commit()
    user.session_key = key
    user.session_id = row.id
    user.unread_notifications = unread_count
    return user


def _end(user: User, reason: str, *, except_id: int | None = None, only_id: int | None = None) -> int:
    """End the active sessions of ``user`` (all, all but one, or one); how many. The caller commits."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_id is not None:
        query = query.where(UserSession.id != except_id)
    if only_id is not None:
        query = query.where(UserSession.id == only_id)
    result = db.session.execute(query.values(ended_at=utcnow(), ended_reason=reason)
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def end_all(user: User, reason: str) -> int:
    """End every session of ``user`` (a password reset, deactivation, a reset second factor); the caller commits."""
    return _end(user, reason)


def end_others(user: User, reason: str) -> int:
    """End every session of ``user`` but the one this request belongs to (a password change); the caller commits.

    Outside a signed-in request (a command, a test calling the service) there is no current one: all end.
    """
    return _end(user, reason, except_id=getattr(user, "session_id", None))


def sign_out(user: User) -> None:
    """End the session this request belongs to (signing out); commits."""
    current = getattr(user, "session_id", None)
    if current is not None:
        _end(user, "sign_out", only_id=current)
        db.session.commit()


def end_one(actor: User, session_id: int) -> None:
    """The owner ends one of their other sessions from the list; ``NotFound`` for a session not theirs or over."""
    row = db.session.get(UserSession, session_id)
    # Another person's session is "not found" like a missing one: its id says nothing.
    if row is None or not _is_active(row, utcnow()) or not authz.can(actor, "account.sessions", row):
        raise NotFound("session")
    _end(actor, "ended_by_owner", only_id=row.id)
    db.session.commit()


def end_everywhere_else(actor: User) -> int:
    """The owner signs out everywhere but here; how many sessions ended."""
    authz.require(actor, "account.sessions")
    count = end_others(actor, "ended_by_owner")
    db.session.commit()
    return count


# --- The owner's list --------------------------------------------------------------------------------------

# (substring of the User-Agent header, name shown); the first that matches wins, so the order matters: Edge and
# Opera also say "Chrome", Chrome also says "Safari".
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("YaBrowser/", "Yandex Browser"), ("Firefox/", "Firefox"),
            ("Chrome/", "Chrome"), ("CriOS/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
_BOT = re.compile(r"bot|crawl|spider|curl|wget|python", re.IGNORECASE)


def device(user_agent: str | None) -> str:
    """A short description of the browser for the owner's list ("Firefox, Windows")."""
    agent = user_agent or ""
    browser = next((name for marker, name in BROWSERS if marker in agent), None)
    system = next((name for marker, name in SYSTEMS if marker in agent), None)
    if browser and system:
        return f"{browser}, {system}"
    if browser or system:
        return browser or system or ""
    if agent and _BOT.search(agent):
        return agent.split("/", 1)[0][:40]
    return _("Unknown browser")


@dataclass(frozen=True)
class SessionView:
    """One active session as its owner sees it."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    device: str
    address: str | None
    remembered: bool
    current: bool


def active_sessions(actor: User) -> list[SessionView]:
    """The actor's active sessions, this one first, then the most recently seen."""
    authz.require(actor, "account.sessions")
    now = utcnow()
    current = getattr(actor, "session_id", None)
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == actor.id,
                                                        UserSession.ended_at.is_(None))
                              .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))
    views = [SessionView(r.id, r.created_at, r.last_seen_at, device(r.user_agent), r.address, r.remembered,
                         r.id == current) for r in rows if not _expired(r, now)]
    return sorted(views, key=lambda v: not v.current)


# --- The resident's own data (app/accounts/mydata.py) ------------------------------------------------------


def export_own(user: User, add_file: mydata.AddFile) -> list[dict]:
    """The resident's active sessions, for the download."""
    now = utcnow()
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id))
    return [{"started_at": r.created_at, "last_seen_at": r.last_seen_at, "browser": r.user_agent,
             "network": r.address, "remembered": r.remembered, "ended_at": r.ended_at}
            for r in rows if r.ended_at is not None or not _expired(r, now)]


def close_own(user: User) -> None:
    """Closing the account deletes its sessions: the browser descriptions and networks are the resident's data."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id)
                       .execution_options(synchronize_session=False))


mydata.register_exporter("sessions", export_own)
mydata.register_closer(close_own)
