"""The queue's demo data: services, desks and past tickets with times for the demo districts, once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.administration import seed
from app.extensions import db
from app.kit.calendar import local_date
from app.models import QueueDesk, QueueService, QueueTicket, utcnow
from app.queue import demo, queries
from tests.factories import create_reference_data


def test_demo_is_seeded_once_with_figures(ctx):
    create_reference_data()
    seed.seed_demo_users()
    assert demo.seed_demo() == 2
    assert demo.seed_demo() == 0
    assert db.session.scalar(select(func.count(QueueService.id))) == 6
    assert db.session.scalar(select(func.count(QueueDesk.id))) == 6
    today = local_date(utcnow())
    figures = queries.front_desk_figures(today - timedelta(days=40), today)
    assert {row.service_code for row in figures} == {"a", "r", "e"}
    assert all(row.served + row.no_shows == row.tickets and row.mean_wait_seconds for row in figures)
    assert db.session.scalar(select(func.count(QueueTicket.id)).where(QueueTicket.status == "no_show")) > 0
