"""Open311 API keys: issued, rotated and revoked by administrators (or by an operator's ``flask open311`` command),
and identified when a client presents one.

A key reads ``o311_<8 hex digits>_<43 URL-safe characters>``: the first two parts, the prefix, tell keys apart on
the staff pages and in the audit trail; the rest is 32 random bytes. Only the SHA-256 of the whole key is stored,
so the database never holds a key and whoever reads it cannot file with one. The key is shown once, when it is
issued (or rotated); a lost key is rotated, not recovered.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import authz
from app.extensions import db
from app.kit import audit
from app.kit.errors import Invalid, NotFound
from app.models import ApiKey, District, User, utcnow

PREFIX = "o311_"
NAME_MAX = 100
# Longer than any key this module makes: a longer presented value is no key, and is not even hashed.
PRESENTED_MAX = 200


@dataclass(frozen=True)
class Issued:
    """A key just issued: its row, and the key itself, which is shown this once and stored nowhere."""

    key: ApiKey
    secret: str


def hash_key(presented: str) -> str:
    """The SHA-256 (hex) of a key as presented: what the database keeps and looks keys up by."""
    return hashlib.sha256(presented.encode("utf-8", "surrogatepass")).hexdigest()


def identify(presented: str | None) -> ApiKey | None:
    """The key ``presented`` is, revoked or not (the rulebook decides what it may do), or None."""
    presented = (presented or "").strip()
    if not presented or len(presented) > PRESENTED_MAX:
        return None
    return db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(presented)))


def key_list(actor: User) -> list[ApiKey]:
    """Every key, the usable ones first, newest first within each group."""
    authz.require(actor, "open311.keys")
    return all_keys()


def all_keys() -> list[ApiKey]:
    """Every key, the usable ones first (``flask open311 keys``; the staff page asks ``key_list``)."""
    keys = db.session.scalars(
        select(ApiKey).options(joinedload(ApiKey.district), joinedload(ApiKey.created_by),
                               joinedload(ApiKey.rotated_from))
        .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
    ).unique()
    return list(keys)


def issue(actor: User, name: str, district_id: int | None, now: datetime | None = None) -> Issued:
    """An administrator issues a key for one district's appeals; it is shown once (``Issued.secret``)."""
    authz.require(actor, "open311.keys")
    return _issue(actor, name, district_id, now=now)


def issue_by_operator(name: str, district_code: str, now: datetime | None = None) -> Issued:
    """``flask open311 issue-key``: an operator with the server's shell issues a key (no administrator account)."""
    district = db.session.scalar(select(District).where(District.code == (district_code or "").strip().upper()))
    return _issue(None, name, district.id if district is not None else None, now=now)


def _issue(actor: User | None, name: str, district_id: int | None, *, rotated_from: ApiKey | None = None,
           now: datetime | None = None) -> Issued:
    name = (name or "").strip()
    errors: dict[str | None, str] = {}
    if not name:
        errors["name"] = _("Name the client the key is for, such as the call centre of the district.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Use at most %(max)d characters.", max=NAME_MAX)
    district = db.session.get(District, district_id) if district_id else None
    if district is None or not district.active:
        errors["district_id"] = _("Choose a district from the list.")
    if errors:
        raise Invalid(errors)
    now = now or utcnow()
    # The prefix is random too: in the unlikely event it is taken, another one is drawn.
    for _attempt in range(3):
        prefix = f"{PREFIX}{secrets.token_hex(4)}"
        secret = f"{prefix}_{secrets.token_urlsafe(32)}"
        key = ApiKey(name=name, district_id=district.id, prefix=prefix, key_hash=hash_key(secret),
                     created_by_id=actor.id if actor else None, created_at=now,
                     rotated_from_id=rotated_from.id if rotated_from else None)
        db.session.add(key)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            if rotated_from is not None:
                rotated_from = db.session.get(ApiKey, rotated_from.id)
            continue
        if rotated_from is not None:
            rotated_from.revoked_at = now
            audit.record("open311.key_rotate", actor=actor, obj=key, district_id=key.district_id,
                         summary=f"Open311 key {rotated_from.prefix} “{name}” rotated: {prefix} replaces it",
                         before={"key": rotated_from.prefix}, after={"key": prefix})
        else:
            audit.record("open311.key_issue", actor=actor, obj=key, district_id=key.district_id,
                         summary=f"Open311 key {prefix} “{name}” issued for {district.code}",
                         after={"key": prefix, "district": district.code})
        db.session.commit()
        return Issued(key, secret)
    raise RuntimeError("no free key prefix after three draws")


def _get(key_id: int) -> ApiKey:
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("api_key")
    return key


def rotate(actor: User, key_id: int, now: datetime | None = None) -> Issued:
    """A new key for the same client and district replaces ``key_id``, which is revoked at once."""
    authz.require(actor, "open311.keys")
    old = _get(key_id)
    if old.is_revoked:
        raise Invalid({None: _("This key is revoked; issue a new one instead.")})
    return _issue(actor, old.name, old.district_id, rotated_from=old, now=now)


def revoke(actor: User, key_id: int, now: datetime | None = None) -> ApiKey:
    """An administrator revokes a key: it files nothing from now on (its appeals stay)."""
    authz.require(actor, "open311.keys")
    return _revoke(actor, _get(key_id), now)


def revoke_by_operator(key_id: int, now: datetime | None = None) -> ApiKey:
    """``flask open311 revoke-key``: an operator revokes a key."""
    return _revoke(None, _get(key_id), now)


def _revoke(actor: User | None, key: ApiKey, now: datetime | None) -> ApiKey:
    if key.is_revoked:
        raise Invalid({None: _("This key is already revoked.")})
    key.revoked_at = now or utcnow()
    audit.record("open311.key_revoke", actor=actor, obj=key, district_id=key.district_id,
                 summary=f"Open311 key {key.prefix} “{key.name}” revoked")
    db.session.commit()
    return key
