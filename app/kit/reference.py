"""Reference data as every area lists and finds it: the district authorities and the appeal categories."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.kit.errors import NotFound
from app.models import Category, District


def active_districts() -> list[District]:
    """Every active district authority, in Azerbaijani alphabetical order."""
    return list(db.session.scalars(select(District).where(District.active.is_(True)).order_by(District.name_az)))


def find_by_code(code: str) -> District | None:
    """An active district by its three-letter code (any letter case), or None."""
    return db.session.scalar(select(District).where(District.code == code.upper(), District.active.is_(True)))


def by_code(code: str) -> District:
    """An active district by its three-letter code (any letter case), or ``NotFound``."""
    district = find_by_code(code)
    if district is None:
        raise NotFound("district")
    return district


def active_categories() -> list[Category]:
    """The appeal categories residents may choose, in their set order."""
    return list(db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.position)))
