"""Password rules and hashing (Argon2id, memory-hard)."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn.frequency_lists import FREQUENCY_LISTS


@lru_cache(maxsize=4)
def _hasher(fast: bool) -> PasswordHasher:
    # Tests use cheap parameters; every other environment the library defaults
    # (Argon2id, 64 MiB, 3 passes), which are what the RFC recommends.
    if fast:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def _current() -> PasswordHasher:
    return _hasher(bool(current_app.config.get("TESTING")))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords (zxcvbn's frequency list), lower-cased."""
    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, email: str | None = None) -> str | None:
    """A translated reason why ``password`` is unacceptable, or ``None``."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("The password must have at least %(n)d characters.", n=minimum)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return _("This password is too common and easy to guess. Choose another.")
    if email and lowered == email.lower():
        return _("The password must not be your email address.")
    return None


def hash_password(password: str) -> str:
    """Hash ``password`` with Argon2id."""
    return _current().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (never raises)."""
    try:
        return _current().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
