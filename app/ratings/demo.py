"""Demo ratings for ``flask seed-demo``: the demo appeals already rated get their marks on the ASAN criteria.

The demo appeals are built row by row (app/appeals/demo.py) with an overall mark only; each gets its rating row
here, with criteria close to its overall mark (some left unanswered), so the pages show criteria figures for every
demo district. Idempotent: an appeal that has its rating row is left as it is.
"""
from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import and_, select

from app.extensions import db
from app.models import CRITERIA, Appeal, Rating, utcnow


def _mark(rng: random.Random, overall: int) -> int | None:
    if rng.random() < 0.15:
        return None  # the criteria are optional: some residents answer only some
    return max(1, min(5, overall + rng.choice((-1, 0, 0, 0, 1))))


def seed_demo(now: datetime | None = None) -> int:
    """Give every rated demo appeal without a rating row its rating on the criteria; return how many were new."""
    now = now or utcnow()
    rng = random.Random(19)
    missing = db.session.scalars(
        select(Appeal).outerjoin(Rating, and_(Rating.subject_kind == "appeal", Rating.subject_id == Appeal.id))
        .where(Appeal.rating.is_not(None), Rating.id.is_(None)).order_by(Appeal.id))
    created = 0
    for appeal in missing:
        db.session.add(Rating(
            subject_kind="appeal", subject_id=appeal.id, citizen_id=appeal.citizen_id, district_id=appeal.district_id,
            category_id=appeal.category_id, overall=appeal.rating, comment=appeal.rating_comment,
            rated_at=min(appeal.rated_at or appeal.updated_at or now, now),
            **{name: _mark(rng, appeal.rating) for name in CRITERIA}))
        created += 1
    db.session.commit()
    return created
