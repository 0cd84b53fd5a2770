"""E-services (elektron xidmətlər): the catalogue, application forms kept as versioned data, applications."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import Translated, UTCDateTime, one_of, utcnow
from app.models.district import District
from app.models.user import User

LIFE_SITUATIONS = ("family", "housing", "land", "social", "certificates")
FIELD_TYPES = ("text", "long_text", "number", "date", "select", "checkbox", "file")
APPLICATION_STATUSES = ("submitted", "in_review", "documents_requested", "resubmitted", "approved", "refused",
                        "issued", "withdrawn")
# Statuses in which the authority still owes the resident a decision or a document.
OPEN_APPLICATION_STATUSES = ("submitted", "in_review", "documents_requested", "resubmitted", "approved")
APPLICATION_SOURCES = ("web", "front_desk")
LANGS = ("az", "ru", "en")

service_districts = Table(
    "service_districts",
    db.metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class Service(Translated, db.Model):
    """A service of the district authorities, described in three languages."""

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint(one_of("life_situation", LIFE_SITUATIONS), name="life_situation_known"),
        CheckConstraint("fee >= 0", name="fee_not_negative"),
        CheckConstraint("processing_days BETWEEN 1 AND 90", name="processing_days_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_az: Mapped[str] = mapped_column(String(200))
    title_ru: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    summary_az: Mapped[str] = mapped_column(Text)
    summary_ru: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text)
    eligibility_az: Mapped[str] = mapped_column(Text)
    eligibility_ru: Mapped[str] = mapped_column(Text)
    eligibility_en: Mapped[str] = mapped_column(Text)
    documents_az: Mapped[str] = mapped_column(Text)
    documents_ru: Mapped[str] = mapped_column(Text)
    documents_en: Mapped[str] = mapped_column(Text)
    legal_basis_az: Mapped[str] = mapped_column(Text)
    legal_basis_ru: Mapped[str] = mapped_column(Text)
    legal_basis_en: Mapped[str] = mapped_column(Text)
    fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=0, server_default="0")
    processing_days: Mapped[int] = mapped_column(Integer)
    life_situation: Mapped[str] = mapped_column(String(20))
    online: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    front_desk: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    districts: Mapped[list[District]] = relationship(secondary=service_districts, order_by="District.name_az")
    forms: Mapped[list[ServiceForm]] = relationship(back_populates="service", order_by="ServiceForm.version")

    def text(self, stem: str, locale: str) -> str:
        """A translated text (``stem`` is title, summary, eligibility, documents or legal_basis), falling back to az.

        The name the e-service pages and documents already use for ``Translated.text_in``.
        """
        return self.text_in(stem, locale)

    def __repr__(self) -> str:
        return f"<Service {self.code}>"


class ServiceForm(db.Model):
    """One version of a service's application form: a list of field definitions, never changed once used.

    Each field is a dict: key, type (one of ``FIELD_TYPES``), required, label_az/ru/en, help_az/ru/en,
    options (for select: a list of {value, label_az, label_ru, label_en}), min and max (numbers, or lengths).
    """

    __tablename__ = "service_forms"
    __table_args__ = (UniqueConstraint("service_id", "version", name="uq_service_forms_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    fields: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    service: Mapped[Service] = relationship(back_populates="forms")


class ApplicationSequence(db.Model):
    """The last application number issued per year (row-locked when incremented)."""

    __tablename__ = "application_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ServiceApplication(db.Model):
    """A resident's application for a service, with the answers as filled against one form version."""

    __tablename__ = "service_applications"
    __table_args__ = (
        CheckConstraint(one_of("status", APPLICATION_STATUSES), name="application_status_known"),
        CheckConstraint(one_of("source", APPLICATION_SOURCES), name="application_source_known"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="application_rating_range"),
        UniqueConstraint("citizen_id", "submission_token", name="uq_applications_submission"),
        Index("ix_applications_queue", "district_id", "service_id", "status", "due_at"),
        Index("ix_applications_citizen", "citizen_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    form_id: Mapped[int] = mapped_column(ForeignKey("service_forms.id"))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answers: Mapped[dict] = mapped_column(JSON)
    # The resident's known details as they were when applying (name, phone, email, address).
    applicant: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="submitted", server_default="submitted")
    source: Mapped[str] = mapped_column(String(10), default="web", server_default="web")
    locale: Mapped[str] = mapped_column(String(2), default="az", server_default="az")
    submission_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verification_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    service: Mapped[Service] = relationship()
    form: Mapped[ServiceForm] = relationship()
    district: Mapped[District] = relationship()
    citizen: Mapped[User] = relationship(foreign_keys=[citizen_id])
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id", cascade="all, delete-orphan")
    documents: Mapped[list[ApplicationDocument]] = relationship(
        back_populates="application", order_by="ApplicationDocument.id", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES

    def __repr__(self) -> str:
        return f"<ServiceApplication {self.number} {self.status}>"


class ApplicationEvent(db.Model):
    """One step on an application's timeline."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[ServiceApplication] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ApplicationDocument(db.Model):
    """A file a resident uploaded with an application (for a file field, or on a documents request)."""

    __tablename__ = "application_documents"
    __table_args__ = (CheckConstraint("size > 0", name="document_size_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id", ondelete="CASCADE"), index=True)
    field_key: Mapped[str | None] = mapped_column(String(40))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[ServiceApplication] = relationship(back_populates="documents")
