"""Reference data: district authorities, their departments, appeal categories, the calendar's exceptions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Translated, UTCDateTime, one_of, utcnow

# What a government decision may declare about one date: an extra rest day, or a working Saturday.
CALENDAR_KINDS = ("rest_day", "working_day")


class District(Translated, db.Model):
    """A district (city) executive authority; one row per authority."""

    __tablename__ = "districts"
    __table_args__ = (CheckConstraint("length(code) = 3", name="code_length"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)
    name_az: Mapped[str] = mapped_column(String(120))
    name_ru: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    departments: Mapped[list[Department]] = relationship(
        back_populates="district", order_by="Department.name_az"
    )

    def __repr__(self) -> str:
        return f"<District {self.code}>"


class Department(Translated, db.Model):
    """A department of one district authority."""

    __tablename__ = "departments"
    __table_args__ = (
        UniqueConstraint("district_id", "name_az", name="uq_departments_district_name"),
        # One department of each kind per district, so a category's default department is never ambiguous.
        UniqueConstraint("district_id", "kind", name="uq_departments_district_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name_az: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The department's function, shared across districts; categories name the kind they go to by default.
    kind: Mapped[str | None] = mapped_column(String(40))

    district: Mapped[District] = relationship(back_populates="departments")

    def __repr__(self) -> str:
        return f"<Department {self.district_id}:{self.name_en}>"


class Category(Translated, db.Model):
    """A national category of appeals (utilities, roads, housing, ...)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_az: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The kind of department an appeal of this category goes to by default, in whichever district it is filed.
    default_department_kind: Mapped[str | None] = mapped_column(String(40))

    def __repr__(self) -> str:
        return f"<Category {self.code}>"


class CalendarException(db.Model):
    """A date a government decision makes an extra rest day, or a working Saturday, with a note of the decision."""

    __tablename__ = "calendar_exceptions"
    __table_args__ = (CheckConstraint(one_of("kind", CALENDAR_KINDS), name="calendar_kind_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    decision: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<CalendarException {self.day} {self.kind}>"
