"""Two-factor sign-in for staff: a TOTP app (RFC 6238) and ten one-time recovery codes.

The TOTP secret is stored encrypted (Fernet, AES-128-CBC with HMAC-SHA256) under a key derived from
``TOTP_ENCRYPTION_KEY`` (default: ``SECRET_KEY``); it is shown once, while it is set up, and never again.
Recovery codes are stored as HMAC-SHA256 hashes keyed the same way; each works once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app import authz
from app.accounts import sessions
from app.extensions import db
from app.kit import audit, notify
from app.kit.errors import Invalid
from app.models import RecoveryCode, User, utcnow

# Administrators and supervisors must use a second factor; every other staff role may.
REQUIRED_ROLES = ("admin", "supervisor")
RECOVERY_CODES = 10
ISSUER = "Rəqəmsal İcra"
STEP_SECONDS = 30


def _real(user):
    """The user object itself when given Flask-Login's ``current_user`` proxy (the audit trail names its type)."""
    return user._get_current_object() if hasattr(user, "_get_current_object") else user


def is_required(user: User) -> bool:
    """Whether ``user``'s roles oblige them to sign in with a second factor."""
    return bool(user.role_names & set(REQUIRED_ROLES))


def needs_setup(user: User) -> bool:
    """A signed-in user who must set up a second factor before anything else."""
    return is_required(user) and not user.two_factor_enabled


# --- Secrets -------------------------------------------------------------------------------------------


def _key_material() -> bytes:
    config = current_app.config
    return (config.get("TOTP_ENCRYPTION_KEY") or config["SECRET_KEY"]).encode()


def _fernet() -> Fernet:
    digest = hmac.new(_key_material(), b"reqemsal.totp-secret", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _open(sealed: str | None) -> str | None:
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        # Encrypted under another key (the key changed): the second factor must be reset by an administrator.
        return None


def _code_hash(code: str) -> str:
    return hmac.new(_key_material(), b"reqemsal.recovery:" + code.encode(), hashlib.sha256).hexdigest()


def normalize_code(code: str) -> str:
    """A typed code without spaces and hyphens, upper-cased (recovery codes are shown as XXXXX-XXXXX)."""
    return "".join(ch for ch in (code or "") if ch.isalnum()).upper()


def set_secret(user: User, secret: str) -> None:
    """Store ``secret`` (base32) as the user's TOTP secret, encrypted, enabled at once (the demo seed)."""
    user.totp_secret = _seal(secret)
    user.totp_enabled_at = user.totp_enabled_at or utcnow()


# --- Set-up --------------------------------------------------------------------------------------------


@dataclass
class Pending:
    """A secret being set up: the text to type into an app, its link and the QR code as SVG."""

    secret: str
    uri: str
    svg: str


def start_setup(user: User) -> Pending:
    """A new secret for ``user`` (kept encrypted, not yet enabled), or the one already pending."""
    authz.require(user, "account.two_factor", user)
    if user.two_factor_enabled:
        raise Invalid({None: _("Two-factor sign-in is already set up.")})
    secret = _open(user.totp_secret)
    if secret is None:
        secret = pyotp.random_base32()
        user.totp_secret = _seal(secret)
        notify.commit()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff", border=2, omitsize=False)
    return Pending(secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)), uri=uri, svg=svg)


def _step_for(secret: str, code: str, last_step: int | None, at: float | None = None) -> int | None:
    """The time step whose code ``code`` is (this step or one either side, for clock drift), unless used."""
    code = normalize_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int((at or time.time()) // STEP_SECONDS)
    for step in (now_step, now_step - 1, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to copy by hand
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(raw)))
    return codes


def finish_setup(user: User, code: str) -> list[str]:
    """Enable the pending secret when ``code`` is right; return the ten recovery codes (shown once)."""
    user = _real(user)
    authz.require(user, "account.two_factor", user)
    if user.two_factor_enabled:
        raise Invalid({None: _("Two-factor sign-in is already set up.")})
    secret = _open(user.totp_secret)
    if secret is None:
        raise Invalid({None: _("The set-up has expired. Start again.")})
    step = _step_for(secret, code, user.totp_last_step)
    if step is None:
        raise Invalid({"code": _("This code is not correct. Enter the six digits your app shows now.")})
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    user.totp_failures = 0
    codes = _new_recovery_codes(user)
    audit.record("user.two_factor_enable", actor=user, obj=user, summary=user.email)
    notify.commit()
    return codes


def regenerate_codes(user: User, code: str) -> list[str]:
    """Ten new recovery codes in place of the old ones, after a current code from the app."""
    user = _real(user)
    authz.require(user, "account.two_factor", user)
    _check_current_code(user, code)
    codes = _new_recovery_codes(user)
    audit.record("user.recovery_codes", actor=user, obj=user, summary=user.email)
    notify.commit()
    return codes


def disable(user: User, code: str) -> None:
    """Turn two-factor sign-in off (only for roles that do not require it), after a current code."""
    user = _real(user)
    authz.require(user, "account.two_factor", user)
    if is_required(user):
        raise Invalid({None: _("Your role requires two-factor sign-in; it cannot be turned off.")})
    _check_current_code(user, code)
    _clear(user)
    audit.record("user.two_factor_disable", actor=user, obj=user, summary=user.email)
    notify.commit()


def _check_current_code(user: User, code: str) -> None:
    secret = _open(user.totp_secret) if user.two_factor_enabled else None
    step = _step_for(secret, code, user.totp_last_step) if secret else None
    if step is None:
        raise Invalid({"code": _("This code is not correct. Enter the six digits your app shows now.")})
    user.totp_last_step = step


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.totp_failures = 0
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def reset(actor: User, user: User) -> None:
    """An administrator resets a staff member's second factor (lost phone): they set it up again at next
    sign-in, and every open session of theirs ends. Audited."""
    authz.require(actor, "staff.manage", user)
    _clear(user)
    user.session_version += 1
    sessions.end_all(user, "two_factor_reset")
    audit.record("user.two_factor_reset", actor=actor, obj=user, summary=user.email)
    notify.commit()


def recovery_codes_left(user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# --- Sign-in -------------------------------------------------------------------------------------------


@dataclass
class CodeRefused(Exception):
    """The second step failed: ``reason`` is "wrong", "used" (a recovery code used before) or "locked"."""

    reason: str
    locked_until: datetime | None = None


def verify_sign_in(user: User, code: str) -> str:
    """Check the second step of signing in: a TOTP code, or else an unused recovery code.

    Returns "totp" or "recovery". Five wrong codes in a row lock the account like five wrong passwords.
    """
    config = current_app.config
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        _audit_refusal(user, "account locked")
        db.session.commit()
        raise CodeRefused("locked", user.locked_until)
    secret = _open(user.totp_secret)
    step = _step_for(secret, code, user.totp_last_step) if secret else None
    if step is not None:
        user.totp_last_step = step
        _signed_in(user, now, "authenticator app")
        return "totp"
    normalized = normalize_code(code)
    recovery = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(normalized))) if normalized else None
    if recovery is not None and recovery.used_at is None:
        recovery.used_at = now
        audit.record("user.recovery_code_used", actor=user, obj=user, summary=user.email)
        _signed_in(user, now, "recovery code")
        return "recovery"
    # Every refused code is in the trail, not only the lockout: a replayed code says so.
    if recovery is not None:
        reason = "recovery code already used"
    elif secret and _step_for(secret, code, None) is not None:
        reason = "code already used (replayed)"
    else:
        reason = "wrong code"
    user.totp_failures += 1
    if user.totp_failures >= config["LOGIN_MAX_FAILURES"]:
        user.totp_failures = 0
        user.locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        _audit_refusal(user, f"{reason}, account locked")
        audit.record("user.two_factor_locked", actor=user, obj=user, summary=user.email,
                     after={"locked_until": user.locked_until})
        db.session.commit()
        raise CodeRefused("locked", user.locked_until)
    _audit_refusal(user, reason)
    db.session.commit()
    raise CodeRefused("used" if recovery is not None else "wrong")


def _audit_refusal(user: User, reason: str) -> None:
    """A refused second step of a staff account goes into the trail (the password was right, but who typed the
    code is not known: no actor)."""
    if user.is_staff:
        audit.record("auth.two_factor_failed", actor=None, obj=user,
                     summary=f"second step for {user.email} refused: {reason}", after={"reason": reason})


def _signed_in(user: User, now: datetime, method: str) -> None:
    """The sign-in is complete: the one moment it is recorded as such."""
    user.totp_failures = 0
    user.failed_logins = 0
    user.last_login_at = now
    if user.is_staff:  # like a sign-in with a password alone: staff sign-ins are audited, residents' are not
        audit.record("auth.sign_in", actor=user, obj=user, summary=f"{user.email} signed in ({method})")
    db.session.commit()


# --- Demo ---------------------------------------------------------------------------------------------

# The published TOTP secret of the demo administrator and supervisor (README), like the demo password:
# `flask seed-demo` is refused in production.
DEMO_TOTP_SECRET = "DEMOICRADEMOICRADEMOICRADEMOICRA"
DEMO_TWO_FACTOR = ("admin@demo.az", "supervisor@demo.az")


def seed_demo() -> int:
    """Set up two-factor sign-in with ``DEMO_TOTP_SECRET`` for the demo accounts whose role requires it;
    return how many were set up now (idempotent)."""
    done = 0
    for user in db.session.scalars(select(User).where(User.email.in_(DEMO_TWO_FACTOR))):
        if not user.two_factor_enabled:
            set_secret(user, DEMO_TOTP_SECRET)
            done += 1
    db.session.commit()
    return done
