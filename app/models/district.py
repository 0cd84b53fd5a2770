"""Reference data: district authorities, their departments, appeal categories."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Translated


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
    __table_args__ = (UniqueConstraint("district_id", "name_az", name="uq_departments_district_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name_az: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

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

    def __repr__(self) -> str:
        return f"<Category {self.code}>"
