"""Reference data as every area lists and finds it: the district authorities and the appeal categories."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.kit.errors import NotFound
from app.kit.i18n import by_name
from app.models import Category, District


def active_districts(lang: str | None = None) -> list[District]:
    """Every active district authority, by its name in ``lang`` (the page's language by default) in that language's
    alphabetical order (``i18n.by_name``: no database orders Azerbaijani, Russian and English alike)."""
    return by_name(db.session.scalars(select(District).where(District.active.is_(True))), lang=lang)


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
