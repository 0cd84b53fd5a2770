"""Account use cases: register, confirm, sign in, reset and change password, profile."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import authz
from app.accounts import sessions
from app.accounts.passwords import hash_password, password_problem, upgrade_hash, verify_password
from app.extensions import db, limiter
from app.kit import audit, mail
from app.kit.errors import Invalid
from app.kit.tokens import make_token, read_token
from app.models import LANGUAGES, STAFF_ROLES, District, OutboxMessage, User, utcnow


def normalize_email(email: str) -> str:
    """The canonical form of an address: trimmed and lower-cased."""
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    """The user with this address, in any letter case."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


# How often the owner of an address hears that someone tried to register with it (a flood of tries is one email).
TAKEN_NOTICE_INTERVAL = timedelta(hours=1)


def register(
    *, full_name: str, email: str, password: str, consent: bool, locale: str
) -> User | None:
    """Create a resident's account and send the confirmation email; the new user, or None for a taken address.

    An address that already has an account (in any letter case, staff's too) is not refused: the answer would
    tell anyone which addresses have accounts. Its owner gets an email instead ("someone tried to register with
    your address"), nothing is created, and the visitor sees what a new registration sees.
    """
    email = normalize_email(email)
    errors: dict[str | None, str] = {}
    if not consent:
        errors["consent"] = _("You must accept the privacy notice to register.")
    problem = password_problem(password, email)
    if problem:
        errors["password"] = problem
    if errors:
        raise Invalid(errors)
    # Hashed either way: a taken address must not answer sooner than a new one.
    password_hash = hash_password(password)
    existing = find_by_email(email)
    if existing is not None:
        _tell_owner_of_attempt(existing)
        return None
    user = User(
        email=email,
        full_name=full_name.strip(),
        password_hash=password_hash,
        locale=locale if locale in LANGUAGES else "az",
        privacy_accepted_at=utcnow(),
    )
    db.session.add(user)
    try:
        # The account and its confirmation email are one transaction: both are saved, or neither.
        db.session.flush()
        queue_confirmation(user)
        db.session.commit()
    except IntegrityError:
        # Two registrations with the same address raced; the database decided: the other one is the account.
        db.session.rollback()
        existing = find_by_email(email)
        if existing is not None:
            _tell_owner_of_attempt(existing)
        return None
    return user


def _tell_owner_of_attempt(owner: User) -> None:
    """Email the owner of an address someone tried to register with: sign in, or choose a new password.

    At most one such email an hour per address, so the form cannot be used to flood someone's mailbox.
    A deactivated account gets none (neither link would help; support reactivates accounts).
    """
    if not owner.active:
        return
    recent = db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.recipient == owner.email, OutboxMessage.template == "register_taken",
        OutboxMessage.created_at > utcnow() - TAKEN_NOTICE_INTERVAL).limit(1))
    if recent is not None:
        return
    mail.queue_email(owner.email, "register_taken", owner.locale, user=owner,
                     login_link=mail.link("auth.login"), reset_link=mail.link("auth.reset_request"))
    db.session.commit()


def queue_confirmation(user: User) -> None:
    """Queue the email with a signed, expiring link that confirms ``user``'s address (the caller commits)."""
    token = make_token("confirm", {"uid": user.id, "email": user.email})
    link = mail.link("auth.confirm", token=token)
    hours = current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 3600
    mail.queue_email(user.email, "confirm", user.locale, user=user, link=link, hours=hours)


def resend_confirmation(user: User) -> None:
    """Email ``user`` a new confirmation link."""
    queue_confirmation(user)
    db.session.commit()


def confirm_email(token: str) -> User:
    """Mark the address in ``token`` as confirmed; raise ``Invalid`` on a bad link."""
    status, payload = read_token("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if status == "expired":
        raise Invalid({None: _("This confirmation link has expired. Request a new one.")})
    user = db.session.get(User, payload["uid"]) if status == "ok" else None
    if user is None or user.email != payload.get("email"):
        raise Invalid({None: _("This confirmation link is not valid.")})
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
        db.session.commit()
    return user


_DUMMY: dict[bool, str] = {}


def _dummy_hash() -> str:
    key = bool(current_app.config.get("TESTING"))
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("timing-equaliser")
    return _DUMMY[key]


@dataclass
class SignInRefused(Exception):
    """Sign-in failed: ``reason`` is "credentials", "locked" or "inactive"."""

    reason: str
    locked_until: datetime | None = None


def _unknown_keys(email: str) -> tuple[str, str]:
    digest = hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]
    prefix = current_app.config.get("REDIS_PREFIX", "reqemsal")
    return f"{prefix}:signin-unknown:{digest}:failures", f"{prefix}:signin-unknown:{digest}:locked"


def _refuse_unknown(email: str) -> SignInRefused:
    """The refusal for an address with no account: the same as for an account, lockout included.

    Wrong passwords for an unknown address are counted like an account's (in the rate limiter's storage, keyed
    by a hash of the address), so the fifth one answers "locked until …" as it would for an existing account
    and the next attempts keep saying so until the same time. When that storage does not answer, the count
    fails open (plain "not correct"), as the rate limits do.
    """
    config = current_app.config
    failures_key, locked_key = _unknown_keys(email)
    try:
        storage = limiter.storage
        if storage.get(locked_key):
            return SignInRefused("locked", datetime.fromtimestamp(storage.get_expiry(locked_key), UTC))
        # A day without attempts forgets the count (an account's count lasts until its next success instead).
        if storage.incr(failures_key, expiry=24 * 3600) >= config["LOGIN_MAX_FAILURES"]:
            storage.clear(failures_key)
            storage.incr(locked_key, expiry=config["LOGIN_LOCK_MINUTES"] * 60)
            return SignInRefused("locked", datetime.fromtimestamp(storage.get_expiry(locked_key), UTC))
    except Exception:  # noqa: BLE001 - the storage is optional here, like for the rate limits
        current_app.logger.warning("sign-in failure count for an unknown address unavailable", exc_info=True)
    return SignInRefused("credentials")


def authenticate(email: str, password: str) -> User:
    """Check the credentials, counting failures; lock after too many in a row.

    An address without an account is answered exactly like one with an account (same messages, same lockout
    after the same number of attempts, a password hash checked either way), so sign-in does not tell which
    addresses have accounts. A sign-in that needs a second factor is recorded when the second step succeeds.
    """
    config = current_app.config
    user = find_by_email(email)
    if user is None:
        # Spend the same time as a real check so timing does not reveal accounts.
        verify_password(_dummy_hash(), password)
        raise _refuse_unknown(email)
    now = utcnow()
    # The hash is checked even for a locked account: a quick answer would tell that the account exists.
    right = verify_password(user.password_hash, password)
    if user.locked_until is not None and user.locked_until > now:
        _audit_refusal(user, "locked")
        db.session.commit()
        raise SignInRefused("locked", user.locked_until)
    if not right:
        user.failed_logins += 1
        if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
            user.failed_logins = 0
            user.locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
            _audit_refusal(user, "wrong password, account locked")
            db.session.commit()
            raise SignInRefused("locked", user.locked_until)
        _audit_refusal(user, "wrong password")
        db.session.commit()
        raise SignInRefused("credentials")
    if not user.active:
        _audit_refusal(user, "inactive")
        db.session.commit()
        raise SignInRefused("inactive")
    user.failed_logins = 0
    user.locked_until = None
    # A hash made with older parameters is replaced now, in this sign-in's commit (OWASP's "upgrade at the next
    # sign-in"); never above, where the sign-in is refused.
    upgrade_hash(user, password)
    if not user.two_factor_enabled:
        # With a second factor the sign-in is not complete yet: two_factor.verify_sign_in records it.
        user.last_login_at = now
        if _is_staff(user):
            audit.record("auth.sign_in", actor=user, obj=user, summary=f"{user.email} signed in")
    db.session.commit()
    return user


def _is_staff(user: User) -> bool:
    return bool(user.role_names & set(STAFF_ROLES))


def _audit_refusal(user: User, reason: str) -> None:
    """A refused sign-in to a staff account goes into the audit trail (the actor is unknown: no actor)."""
    if _is_staff(user):
        audit.record("auth.sign_in_failed", actor=None, obj=user, summary=f"sign-in as {user.email} refused: {reason}")


def _reset_fingerprint(user: User) -> str:
    # Bound to the current hash, so a link stops working once it has been used.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def request_password_reset(email: str) -> None:
    """Email a reset link when the address has an account; say nothing otherwise."""
    user = find_by_email(email)
    if user is None or not user.active:
        return
    token = make_token("reset", {"uid": user.id, "fp": _reset_fingerprint(user)})
    link = mail.link("auth.reset_password", token=token)
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    mail.queue_email(user.email, "reset", user.locale, user=user, link=link, minutes=minutes)
    db.session.commit()


def user_for_reset(token: str) -> User:
    """The user a reset link belongs to; raise ``Invalid`` when it is expired or used."""
    status, payload = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    if status == "expired":
        raise Invalid({None: _("This password reset link has expired. Request a new one.")})
    user = db.session.get(User, payload["uid"]) if status == "ok" else None
    if user is None or payload.get("fp") != _reset_fingerprint(user) or not user.active:
        raise Invalid({None: _("This password reset link is not valid or was already used.")})
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link; unlock the account."""
    user = user_for_reset(token)
    problem = password_problem(new_password, user.email)
    if problem:
        raise Invalid({"password": problem})
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    # Following the emailed link proves the address too.
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
    # Whoever knew the old password may be signed in somewhere: every session of the account ends.
    sessions.end_all(user, "password_reset")
    db.session.commit()
    return user


def change_password(actor: User, *, current: str, new: str) -> None:
    """Change the actor's own password after checking the current one."""
    authz.require(actor, "account.manage", actor)
    if not verify_password(actor.password_hash, current):
        raise Invalid({"current_password": _("The current password is not correct.")})
    problem = password_problem(new, actor.email)
    if problem:
        raise Invalid({"new_password": problem})
    actor.password_hash = hash_password(new)
    # Every other browser signed in with the old password is signed out; this one stays.
    sessions.end_others(actor, "password_change")
    db.session.commit()


def update_profile(
    actor: User, *, full_name: str, phone: str | None, locale: str, district_id: int | None, address: str | None = None
) -> None:
    """Update the actor's own name, phone, postal address, language and home district."""
    authz.require(actor, "account.manage", actor)
    if locale not in LANGUAGES:
        raise Invalid({"locale": _("Choose one of the offered languages.")})
    if district_id is not None and db.session.get(District, district_id) is None:
        raise Invalid({"district_id": _("Choose a district from the list.")})
    actor.full_name = full_name.strip()
    actor.phone = (phone or "").strip() or None
    actor.address = (address or "").strip()[:300] or None
    actor.locale = locale
    actor.district_id = district_id
    db.session.commit()


def set_locale(actor: User, locale: str) -> None:
    """Remember the language the actor switched to."""
    if locale in LANGUAGES and actor.locale != locale:
        actor.locale = locale
        db.session.commit()

