"""The versions of the service index's weights (reference data, policy ``reference.manage``; issue 19).

A version is in force from its date until the next one; a period's index is computed with the version in force at
the period's end (``accountability.stats.weights_for``). Versions are only added, never changed or deleted, and a
new one takes effect today or later and after the latest one, so every figure already published can be recomputed
as it was. Each addition is audited with the weights it sets.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import authz
from app.accountability.stats import PARTS
from app.extensions import db
from app.kit import audit
from app.kit.calendar import local_date
from app.kit.errors import Invalid
from app.kit.i18n import fmt_date
from app.models import User, utcnow
from app.models.kpi import IndexWeights

TOTAL = 100
NOTE_LIMIT = 500


def versions(actor: User) -> list[tuple[IndexWeights, User | None]]:
    """Every version, latest first, with who added it (None: added by a migration)."""
    authz.require(actor, "reference.manage")
    rows = db.session.scalars(select(IndexWeights).order_by(IndexWeights.effective_from.desc())).all()
    ids = {row.created_by_id for row in rows if row.created_by_id}
    people = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [(row, people.get(row.created_by_id)) for row in rows]


def latest(actor: User) -> IndexWeights | None:
    """The version with the latest date (what a new version's form starts from)."""
    authz.require(actor, "reference.manage")
    return db.session.scalar(select(IndexWeights).order_by(IndexWeights.effective_from.desc()).limit(1))


def add_version(actor: User, effective_from: date | None, weights: dict[str, int | None], note: str,
                today: date | None = None) -> IndexWeights:
    """Add a version of the weights from ``effective_from``: one whole number from 0 to 100 per part of ``PARTS``
    (None: not a number), adding up to 100; the date today or later and after the latest version's.

    Refusals are ``Invalid`` with a message per field (``weight_<part>``), on the group (``weights``) when the
    numbers do not add up to 100, and nothing is written.
    """
    authz.require(actor, "reference.manage")
    today = today or local_date(utcnow())
    note = (note or "").strip()
    errors: dict[str | None, str] = {}
    previous = db.session.scalar(select(IndexWeights).order_by(IndexWeights.effective_from.desc()).limit(1))
    last = previous.effective_from if previous else None
    if effective_from is None:
        errors["effective_from"] = _("Enter the date as YYYY-MM-DD, for example 2027-01-01.")
    elif effective_from < today:
        errors["effective_from"] = _("Choose today or a later day: figures already published must stay as they "
                                     "were.")
    elif last is not None and effective_from <= last:
        errors["effective_from"] = _("Choose a day after %(day)s, when the latest version takes effect.",
                                     day=fmt_date(last))
    for name in PARTS:
        value = weights.get(name)
        if value is None:
            errors[f"weight_{name}"] = _("Enter a whole number from 0 to 100.")
        elif value < 0:
            errors[f"weight_{name}"] = _("A weight cannot be negative.")
        elif value > TOTAL:
            errors[f"weight_{name}"] = _("Enter a whole number from 0 to 100.")
    if not any(key.startswith("weight_") for key in errors if key):
        total = sum(weights[name] for name in PARTS)
        if total != TOTAL:
            errors["weights"] = _("The weights add up to %(total)s; they must add up to 100.", total=total)
    if not note:
        errors["note"] = _("Say why the weights change.")
    elif len(note) > NOTE_LIMIT:
        errors["note"] = _("Use at most %(max)d characters.", max=NOTE_LIMIT)
    if errors:
        raise Invalid(errors)
    chosen = {name: int(weights[name]) for name in PARTS}
    version = IndexWeights(effective_from=effective_from, weights=chosen, note=note, created_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    audit.record("index_weights.add", actor=actor, obj=version, summary=f"from {effective_from.isoformat()}",
                 before={"effective_from": last.isoformat(), **previous.weights} if previous else None,
                 after={"effective_from": effective_from.isoformat(), **chosen})
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid({"effective_from": _("A version already takes effect on %(day)s.",
                                           day=fmt_date(effective_from))}) from None
    return version
