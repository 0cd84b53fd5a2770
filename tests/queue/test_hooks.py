"""Reception and e-services use the same queue: a booking checked in gets a ticket of the "reception" service; an
application registered at the front desk is linked to the resident's "eservice" ticket; the no-show sweep as the
flask command and the recorded job."""
from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from app.eservices import service as eservices
from app.extensions import db
from app.kit.calendar import local_date
from app.models import CommandRun, QueueTicket, utcnow
from app.reception import service as reception
from tests.factories import create_reference_data, create_service, create_user
from tests.queue.helpers import TUESDAY_10, create_queue_service

NOW = TUESDAY_10


def _booking(gnc, now):
    head = create_user("head@example.az", roles=[("head", gnc)])
    citizen = create_user("citizen@example.az")
    day = (now + timedelta(days=2)).date()
    session = reception.publish(head, gnc.id, reception.SessionInput(
        host_id=head.id, day=day, start=time(10), end=time(11), slot_minutes=20, place="Qəbul otağı"), now=now)
    booking = reception.book(citizen, session.id, session.slots[0].id, "Torpaq", now=now)
    return head, citizen, booking


def test_check_in_prints_a_reception_ticket(ctx):
    gnc = create_reference_data()["GNC"]
    create_queue_service(gnc, "A")
    service = create_queue_service(gnc, "R", kind="reception")
    head, citizen, booking = _booking(gnc, NOW)
    day_of = NOW + timedelta(days=2)
    reception.mark(head, booking.id, "checked_in", now=day_of)
    ticket = db.session.scalar(select(QueueTicket).where(QueueTicket.reception_booking_id == booking.id))
    assert ticket.service_id == service.id and ticket.code == "R-001" and ticket.citizen_id == citizen.id
    assert ticket.status == "waiting" and ticket.queued_at == day_of


def test_check_in_without_a_reception_service_prints_nothing(ctx):
    gnc = create_reference_data()["GNC"]
    create_queue_service(gnc, "A")
    head, _citizen, booking = _booking(gnc, NOW)
    reception.mark(head, booking.id, "checked_in", now=NOW + timedelta(days=2))
    assert db.session.scalar(select(QueueTicket)) is None
    assert reception.staff_booking(head, booking.id).status == "checked_in"


def test_front_desk_application_is_linked_to_the_residents_eservice_ticket(ctx):
    gnc = create_reference_data()["GNC"]
    service = create_queue_service(gnc, "E", kind="eservice")
    citizen = create_user("citizen@example.az")
    official = create_user("official@example.az", roles=[("official", gnc)])
    eservice = create_service([gnc], fields=[])
    now = utcnow()
    ticket = QueueTicket(district_id=gnc.id, service_id=service.id, day=local_date(now), number=1, code="E-001",
                         source="web", status="called", citizen_id=citizen.id, created_at=now, queued_at=now)
    db.session.add(ticket)
    db.session.commit()
    application = eservices.apply(official, eservices.ApplicationInput(
        service_id=eservice.id, district_id=gnc.id, form_id=eservices.current_form(eservice).id, answers={},
        source="front_desk"), citizen=citizen)
    assert db.session.get(QueueTicket, ticket.id).application_id == application.id
    online = eservices.apply(citizen, eservices.ApplicationInput(
        service_id=eservice.id, district_id=gnc.id, form_id=eservices.current_form(eservice).id, answers={}))
    assert db.session.scalar(select(QueueTicket.id).where(QueueTicket.application_id == online.id)) is None


def test_the_sweep_command_is_recorded(app, runner):
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        service = create_queue_service(gnc, "A")
        yesterday = utcnow() - timedelta(days=1)
        db.session.add(QueueTicket(district_id=gnc.id, service_id=service.id, day=local_date(yesterday), number=1,
                                   code="A-001", source="kiosk", created_at=yesterday, queued_at=yesterday))
        db.session.commit()
    result = runner.invoke(args=["queue", "sweep"])
    assert result.exit_code == 0 and "Marked 1 queue tickets" in result.output
    with app.app_context():
        assert db.session.scalar(select(QueueTicket.status)) == "no_show"
        run = db.session.scalar(select(CommandRun).where(CommandRun.name == "queue sweep"))
        assert run is not None and run.summary == "1 marked as no-show"
