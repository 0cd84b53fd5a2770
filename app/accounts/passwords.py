"""Password rules and hashing (Argon2id, memory-hard).

New hashes are made with the parameters in the configuration (``ARGON2_MEMORY_KIB``, ``ARGON2_TIME_COST``,
``ARGON2_PARALLELISM``; why these values: docs/security.md). Every stored hash names its own parameters, so a hash
made with older ones still verifies; ``upgrade_hash`` replaces it once its owner has signed in with it.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn.frequency_lists import FREQUENCY_LISTS

if TYPE_CHECKING:
    from app.models import User


@lru_cache(maxsize=8)
def hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    """An Argon2id hasher with these parameters (memory in KiB, passes, lanes); the library's other defaults."""
    return PasswordHasher(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism)


def _current() -> PasswordHasher:
    # Read on every call, not at import: the suite's TestingConfig sets the cheapest parameters, and a test may
    # set others to see a hash upgraded.
    config = current_app.config
    return hasher(int(config["ARGON2_MEMORY_KIB"]), int(config["ARGON2_TIME_COST"]), int(config["ARGON2_PARALLELISM"]))


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
    """Hash ``password`` with Argon2id and the configured parameters."""
    return _current().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (never raises). The hash's own parameters are used."""
    try:
        return _current().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def upgrade_hash(user: User, password: str) -> bool:
    """Replace ``user``'s stored hash by a new one of ``password`` when it was made with other parameters than
    the configured ones; whether it did. The caller commits, in the transaction of its own writes.

    Only for a password just checked right, at a step that succeeds (the password step of a sign-in): a wrong
    password must never replace the hash, and a refused sign-in (locked, deactivated) changes nothing either. With
    a second factor the password step comes first; the new hash is of the same right password, so a second factor
    refused afterwards leaves the account exactly as protected as before.
    """
    current = _current()
    try:
        if not current.check_needs_rehash(user.password_hash):
            return False
    except InvalidHashError:
        # Not an Argon2 hash (an account without a password): nothing was verified, so nothing to replace.
        return False
    user.password_hash = current.hash(password)
    return True
