"""The district authorities as every area lists and finds them."""
from __future__ import annotations

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.models import District


def active_districts() -> list[District]:
    """Every active district authority, in Azerbaijani alphabetical order."""
    return list(db.session.scalars(select(District).where(District.active.is_(True)).order_by(District.name_az)))


def by_code(code: str) -> District:
    """An active district by its three-letter code (any letter case), or ``NotFound``."""
    district = db.session.scalar(select(District).where(District.code == code.upper(), District.active.is_(True)))
    if district is None:
        raise NotFound("district")
    return district
