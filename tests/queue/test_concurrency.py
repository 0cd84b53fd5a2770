"""Desks calling at the same moment: never one ticket twice, never one skipped.

On PostgreSQL, 20 desks (threads, each with its own application context, session and connection) start together
at a barrier and call until the queue is empty; on SQLite, where one writer at a time serialises the calls, a
smaller version checks the same promise."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import QueueDesk, QueueTicket, User
from app.queue import service as queue
from tests.conftest import another_app
from tests.factories import create_reference_data, create_user
from tests.queue.helpers import TUESDAY_10, create_desk, create_queue_service

NOW = TUESDAY_10


def _call_until_empty(app, desk_id: int, official_id: int, barrier: threading.Barrier, calls: list, errors: list):
    """One desk: call, serve, call again, until nobody waits; every call is recorded as (desk, ticket)."""
    with app.app_context():
        try:
            official = db.session.get(User, official_id)
            barrier.wait(timeout=60)
            while True:
                ticket = queue.call_next(official, desk_id, NOW)
                if ticket is None:
                    break
                calls.append((desk_id, ticket.id))
                queue.serve(official, desk_id, ticket.id, NOW)
        except Exception as error:  # noqa: BLE001 - reported by the test, with the thread's failure
            errors.append(repr(error))
        finally:
            db.session.remove()


def test_desks_calling_at_once_call_every_ticket_exactly_once(app):
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        desks_count, per_service = (20, 60) if postgresql else (4, 12)
        gnc = create_reference_data()["GNC"]
        a = create_queue_service(gnc, "A")
        b = create_queue_service(gnc, "B")
        official = create_user("official@example.az", roles=[("official", gnc)])
        desks = [create_desk(gnc, n + 1, [a, b] if n % 2 else [a]) for n in range(desks_count)]
        # One official at every desk (the console lets one person hold one desk; the rule is not under test here).
        db.session.execute(update(QueueDesk).values(operator_id=official.id))
        db.session.commit()
        for n in range(per_service):
            for service in (a, b):
                queue.print_ticket(gnc, service.id, NOW - timedelta(minutes=30) + timedelta(seconds=n))
        order = {ticket_id: position for position, ticket_id in enumerate(db.session.scalars(
            select(QueueTicket.id).order_by(QueueTicket.queued_at, QueueTicket.id)))}
        service_of = dict(db.session.execute(select(QueueTicket.id, QueueTicket.service_id)).all())
        desk_ids, official_id = [d.id for d in desks], official.id
        db.session.remove()

    if postgresql:
        # Every desk holds a connection at once: a pool as large as the desks, in an app on the same database.
        with another_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                     "ATTACHMENTS_DIR": app.config["ATTACHMENTS_DIR"],
                                     "DB_POOL_SIZE": desks_count + 2}) as desks_app:
            calls = _run(desks_app, desk_ids, official_id)
            with desks_app.app_context():
                db.engine.dispose()
    else:
        calls = _run(app, desk_ids, official_id)
    called = [ticket_id for _desk, ticket_id in calls]
    assert len(called) == len(set(called)), "a ticket was called twice"
    assert set(called) == set(order), "a ticket was never called"
    # Each desk called its tickets in queue order, per service.
    for desk_id in desk_ids:
        mine = [ticket_id for desk, ticket_id in calls if desk == desk_id]
        for service_id in set(service_of.values()):
            positions = [order[t] for t in mine if service_of[t] == service_id]
            assert positions == sorted(positions)
    with app.app_context():
        statuses = set(db.session.scalars(select(QueueTicket.status)))
        assert statuses == {"served"}


def _run(app, desk_ids: list[int], official_id: int) -> list[tuple[int, int]]:
    """Start one thread per desk at a barrier; every (desk, ticket) called, once all are done."""
    barrier = threading.Barrier(len(desk_ids))
    calls: list[tuple[int, int]] = []
    errors: list[str] = []
    threads = [threading.Thread(target=_call_until_empty, args=(app, desk_id, official_id, barrier, calls, errors))
               for desk_id in desk_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors
    return calls
