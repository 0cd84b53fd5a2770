"""Plain factories of the ratings' tests: an answered appeal, a decided application, a served ticket."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.appeals import service as appeals
from app.extensions import db
from app.kit.calendar import BAKU, local_date
from app.models import Category, QueueService, QueueTicket, ServiceApplication
from tests.factories import create_appeal, create_reference_data, create_service, create_user

# A Monday morning in Baku: the appeals filed then are answered within the week.
START = datetime(2026, 3, 2, 10, 0, tzinfo=BAKU)


def world() -> dict:
    """Gəncə with a resident, a second resident and an official; Masallı with its official."""
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    return {
        "gnc": gnc, "msl": msl,
        "categories": list(db.session.scalars(select(Category).order_by(Category.id)))[:2],
        "citizen": create_user("citizen@example.az", full_name="Aygün Həsənova"),
        "stranger": create_user("stranger@example.az", full_name="Nurlan Sadıqov"),
        "official": create_user("official@example.az", roles=[("official", gnc)]),
        "other": create_user("other@example.az", roles=[("official", msl)]),
    }


def answered_appeal(world: dict, when: datetime = START, district=None, citizen=None, category=None):
    """An appeal filed at ``when`` and answered two hours later."""
    district = district or world["gnc"]
    official = world["official"] if district.id == world["gnc"].id else world["other"]
    appeal = create_appeal(citizen or world["citizen"], district, category or world["categories"][0], now=when)
    for hours, status, data in ((0.5, "registered", {}), (1, "in_progress", {}), (2, "answered", {"answer": "Cavab"})):
        appeals.transition(official, appeal.id, status, appeals.StepData(**data), now=when + timedelta(hours=hours))
    return appeal


def decided_application(world: dict, status: str = "issued", when: datetime = START) -> ServiceApplication:
    """A residence-certificate application of the resident, issued (or refused, or in another ``status``) a day
    after it was filed."""
    service = world.get("service") or create_service([world["gnc"]], fields=[])
    world["service"] = service
    world["applications"] = world.get("applications", 0) + 1
    decided = when + timedelta(days=1) if status in ("approved", "issued", "refused") else None
    application = ServiceApplication(
        number=f"T-2026-{world['applications']:06d}", service_id=service.id, form_id=service.forms[0].id,
        district_id=world["gnc"].id, citizen_id=world["citizen"].id, status=status, answers={}, applicant={},
        created_at=when, updated_at=decided or when, due_at=when + timedelta(days=5), decided_at=decided,
        issued_at=decided if status == "issued" else None)
    db.session.add(application)
    db.session.commit()
    return application


def served_ticket(world: dict, status: str = "served", when: datetime = START, citizen=None) -> QueueTicket:
    """A ticket of the resident at Gəncə's front desk, served (or in ``status``) at ``when``."""
    service = db.session.scalar(select(QueueService).where(QueueService.district_id == world["gnc"].id))
    if service is None:
        service = QueueService(district_id=world["gnc"].id, code="a", letter="A", title_az="Ümumi qəbul",
                               title_ru="Общий приём", title_en="General desk")
        db.session.add(service)
        db.session.flush()
    number = db.session.query(QueueTicket).count() + 1
    ticket = QueueTicket(district_id=world["gnc"].id, service_id=service.id, day=local_date(when), number=number,
                         code=f"A-{number:03d}", status=status, citizen_id=(citizen or world["citizen"]).id,
                         queued_at=when - timedelta(minutes=20), called_at=when - timedelta(minutes=10),
                         served_at=when if status == "served" else None)
    db.session.add(ticket)
    db.session.commit()
    return ticket
