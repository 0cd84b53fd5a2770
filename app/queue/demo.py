"""Demo data of the front desk's queue for ``flask seed-demo``: three services and three desks in the demo
districts, and a few weeks of served and missed tickets with their waiting and service times (idempotent)."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.kit.calendar import BAKU, is_working_day, local_date
from app.models import District, QueueDesk, QueueSequence, QueueService, QueueTicket, User, utcnow

DEMO_DISTRICTS = ("GNC", "MSL")
# letter, kind, az, ru, en, usual minutes
DEMO_SERVICES = [
    ("A", "general", "Ümumi qəbul masası", "Общая стойка приёма", "General front desk", 8),
    ("R", "reception", "Başçının qəbulu", "Приём у главы", "Reception with the head", 15),
    ("E", "eservice", "Elektron xidmətlər masada", "Электронные услуги у стойки", "E-services at the front desk", 12),
]
# desk number, the letters it takes
DEMO_DESKS = [(1, "AE"), (2, "AE"), (3, "R")]
HISTORY_DAYS = 20


def _history(district: District, services: dict[str, QueueService], desks: list[QueueDesk],
             citizen: User | None, official: User | None, rng: random.Random) -> int:
    """Past working days' tickets: served mostly, some no-shows, with waiting and service times."""
    today = local_date(utcnow())
    day, made, days = today, 0, 0
    while days < HISTORY_DAYS:
        day -= timedelta(days=1)
        if not is_working_day(day):
            continue
        days += 1
        number = 0
        clock = datetime.combine(day, time(9, 5), tzinfo=BAKU)
        for _n in range(rng.randint(10, 18)):
            number += 1
            service = services[rng.choice("AAAER")]
            desk = next(d for d in desks if service in d.services)
            queued = clock + timedelta(minutes=rng.randint(0, 20))
            clock = queued
            wait = rng.randint(60, 1500)
            served = rng.random() > 0.12
            called = queued + timedelta(seconds=wait)
            length = rng.randint(max(service.minutes - 5, 1) * 60, (service.minutes + 6) * 60)
            db.session.add(QueueTicket(
                district_id=district.id, service_id=service.id, day=day, number=number,
                code=f"{service.letter}-{number:03d}", source="kiosk" if rng.random() < 0.6 else "web",
                status="served" if served else "no_show",
                citizen_id=citizen.id if citizen is not None and number % 7 == 0 and served else None,
                created_at=queued, queued_at=queued, desk_id=desk.id, called_by_id=official.id if official else None,
                called_at=called, announced_at=called, wait_seconds=wait,
                served_at=called + timedelta(seconds=length) if served else None,
                service_seconds=length if served else None,
                ended_at=called + timedelta(seconds=length if served else 120)))
            made += 1
        db.session.add(QueueSequence(district_id=district.id, day=day, last=number))
    return made


def seed_demo() -> int:
    """Create the demo districts' queue services, desks and past tickets where a district has none; how many
    districts were set up."""
    rng = random.Random(19)
    citizen = db.session.scalar(select(User).where(User.email == "citizen@demo.az"))
    created = 0
    for code in DEMO_DISTRICTS:
        district = db.session.scalar(select(District).where(District.code == code))
        if district is None or db.session.scalar(select(QueueService.id).where(
                QueueService.district_id == district.id).limit(1)) is not None:
            continue
        services = {}
        for position, (letter, kind, az, ru, en, minutes) in enumerate(DEMO_SERVICES):
            services[letter] = QueueService(district_id=district.id, code=letter.lower(), letter=letter, kind=kind,
                                            title_az=az, title_ru=ru, title_en=en, minutes=minutes,
                                            position=position)
            db.session.add(services[letter])
        desks = []
        for number, letters in DEMO_DESKS:
            desk = QueueDesk(district_id=district.id, number=number, services=[services[x] for x in letters])
            db.session.add(desk)
            desks.append(desk)
        db.session.flush()
        official = db.session.scalar(select(User).where(User.email == f"official.{code.lower()}@demo.az"))
        _history(district, services, desks, citizen, official, rng)
        created += 1
    db.session.commit()
    return created
