"""Password hashing: the configured Argon2id parameters, and older hashes upgraded at the next sign-in (issue 20).

The suite hashes with the cheapest parameters (TestingConfig); these tests set other, still cheap, values in the
configuration, so that a hash made before the change has "older" parameters than the app's.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import extract_parameters
from sqlalchemy import select

from app.accounts.passwords import hasher, verify_password
from app.extensions import db
from app.models import User, utcnow
from config import Config
from tests.factories import PASSWORD, create_user

EMAIL = "resident@example.az"
# What the stored hash was made with, and what the app hashes with now (both cheap: tests must stay fast).
OLD = (1024, 1, 1)
NEW = (2048, 2, 1)
# OWASP Password Storage Cheat Sheet: Argon2id configurations of equal strength (memory KiB, passes, lanes).
OWASP_ARGON2ID = [(47104, 1, 1), (19456, 2, 1), (12288, 3, 1), (9216, 4, 1), (7168, 5, 1)]


@pytest.fixture
def new_parameters(app, monkeypatch):
    """The app hashes with ``NEW`` for this test."""
    for key, value in zip(("ARGON2_MEMORY_KIB", "ARGON2_TIME_COST", "ARGON2_PARALLELISM"), NEW, strict=True):
        monkeypatch.setitem(app.config, key, value)


def _resident_with_old_hash(app, **changes) -> str:
    """A resident whose stored hash was made with ``OLD``; that hash."""
    with app.app_context():
        user = create_user(EMAIL)
        user.password_hash = hasher(*OLD).hash(PASSWORD)
        for name, value in changes.items():
            setattr(user, name, value)
        db.session.commit()
        return user.password_hash


def _stored_hash(app) -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.email == EMAIL))


def _parameters(password_hash: str) -> tuple[int, int, int]:
    found = extract_parameters(password_hash)
    return found.memory_cost, found.time_cost, found.parallelism


def test_a_hash_with_older_parameters_is_replaced_at_the_next_sign_in(app, web, new_parameters):
    old = _resident_with_old_hash(app)
    assert web.login(EMAIL, PASSWORD).status_code == 302
    stored = _stored_hash(app)
    assert stored != old and _parameters(stored) == NEW
    assert not hasher(*NEW).check_needs_rehash(stored)
    with app.app_context():
        assert verify_password(stored, PASSWORD) and not verify_password(stored, "wrong-password-1")
    # Signing out and in again with the new hash works, and leaves it as it is: nothing to upgrade any more.
    web.post("/auth/logout", {}, form_url="/cabinet/")
    assert web.login(EMAIL, PASSWORD).status_code == 302
    assert _stored_hash(app) == stored


def test_a_wrong_password_leaves_the_old_hash_untouched(app, web, new_parameters):
    old = _resident_with_old_hash(app)
    assert web.login(EMAIL, "wrong-password-1").status_code == 422
    assert _stored_hash(app) == old


@pytest.mark.parametrize("refusal", ["locked", "deactivated"])
def test_a_refused_sign_in_with_the_right_password_leaves_the_old_hash_untouched(app, web, new_parameters, refusal):
    changes = {"locked_until": utcnow() + timedelta(minutes=10)} if refusal == "locked" else {"active": False}
    old = _resident_with_old_hash(app, **changes)
    assert web.login(EMAIL, PASSWORD).status_code == 422
    assert _stored_hash(app) == old


def test_a_hash_with_the_current_parameters_is_kept(app, web):
    with app.app_context():
        create_user(EMAIL)
    before = _stored_hash(app)
    assert web.login(EMAIL, PASSWORD).status_code == 302
    assert _stored_hash(app) == before


def test_the_default_parameters_are_at_least_one_of_owasps_configurations():
    """Production hashes no weaker than a configuration of the OWASP Password Storage Cheat Sheet (docs/security.md)."""
    configured = (Config.ARGON2_MEMORY_KIB, Config.ARGON2_TIME_COST, Config.ARGON2_PARALLELISM)
    assert any(configured[0] >= m and configured[1] >= t and configured[2] >= p for m, t, p in OWASP_ARGON2ID), configured
