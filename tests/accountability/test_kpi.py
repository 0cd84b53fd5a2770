"""The four service KPIs and the front desk's figures (issue 19): with random appeals, applications, tickets,
drafts, ratings and costs, each KPI of a district equals what a plain computation over the raw rows gives."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from statistics import mean

import pytest
from sqlalchemy import select

from app.accountability import kpi, stats
from app.extensions import db
from app.kit.calendar import BAKU, local_date
from app.models import Appeal, QueueService, QueueTicket, ServiceApplication
from app.models.draft import Draft
from app.models.kpi import ServiceCost
from app.models.rating import Rating
from tests.factories import create_appeal, create_reference_data, create_service, create_user

PERIOD = stats.Period(date(2026, 3, 1), date(2026, 5, 31))
# Rows fall from mid-February to mid-June, so that some lie outside the period on either side.
FIRST, LAST = date(2026, 2, 15), date(2026, 6, 15)


def _moment(rng: random.Random) -> datetime:
    day = FIRST + timedelta(days=rng.randrange((LAST - FIRST).days + 1))
    return datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), tzinfo=BAKU)


def _inside(moment: datetime | date) -> bool:
    day = moment if isinstance(moment, date) and not isinstance(moment, datetime) else local_date(moment)
    return PERIOD.start <= day <= PERIOD.end


def _random_world(rng: random.Random) -> dict:
    districts = create_reference_data()
    chosen = [districts["GNC"], districts["MSL"]]
    citizen = create_user("citizen@example.az")
    services = [create_service(chosen, code="residence-certificate", fields=[]),
                create_service(chosen, code="building-permit", fields=[])]
    for _ in range(30):
        appeal = create_appeal(citizen, rng.choice(chosen), now=_moment(rng))
        appeal.source = rng.choice(("web", "reception", "api"))
    applications = []
    for number in range(24):
        when, service = _moment(rng), rng.choice(services)
        application = ServiceApplication(
            number=f"K-2026-{number:06d}", service_id=service.id, form_id=service.forms[0].id,
            district_id=rng.choice(chosen).id, citizen_id=citizen.id, status="submitted", answers={}, applicant={},
            source=rng.choice(("web", "front_desk")), created_at=when, updated_at=when,
            due_at=when + timedelta(days=5))
        db.session.add(application)
        applications.append(application)
    db.session.flush()
    queues = {}
    for district in chosen:
        queues[district.id] = QueueService(district_id=district.id, code="general", letter="A", title_az="Ümumi",
                                           title_ru="Общий", title_en="General")
        db.session.add(queues[district.id])
    db.session.flush()
    for number in range(40):
        district, when = rng.choice(chosen), _moment(rng)
        status = rng.choice(("served", "served", "no_show", "waiting", "cancelled"))
        called = status in ("served", "no_show") and rng.random() < 0.9
        wait = rng.randrange(0, 45 * 60) if called else None
        own = [a for a in applications if a.district_id == district.id]
        db.session.add(QueueTicket(
            district_id=district.id, service_id=queues[district.id].id, day=local_date(when), number=number + 1,
            code=f"A-{number + 1:03d}", source=rng.choice(("web", "kiosk")), status=status,
            queued_at=when, called_at=when + timedelta(seconds=wait) if wait is not None else None,
            wait_seconds=wait, application_id=rng.choice(own).id if own and rng.random() < 0.3 else None))
    for _ in range(40):
        when = _moment(rng)
        db.session.add(Draft(citizen_id=citizen.id, kind=rng.choice(("appeal", "application")),
                             status=rng.choice(("open", "submitted", "submitted", "expired", "discarded")),
                             district_id=rng.choice(chosen).id if rng.random() < 0.85 else None,
                             created_at=when, updated_at=when,
                             expires_at=when + timedelta(days=30)))
    for number in range(60):
        district = rng.choice(chosen)
        marks = {mark: (rng.randint(1, 5) if rng.random() < 0.7 else None) for mark in ("speed", "courtesy",
                                                                                        "clarity", "outcome")}
        db.session.add(Rating(subject_kind=rng.choice(("appeal", "application", "ticket")), subject_id=number + 1,
                              district_id=district.id, overall=rng.randint(1, 5), rated_at=_moment(rng), **marks))
    for district in chosen:
        for subject, service in (("appeals", None), ("front_desk", None), ("eservice", services[0]),
                                 ("eservice", services[1])):
            for year in (2025, 2026):
                if rng.random() < 0.7:
                    db.session.add(ServiceCost(district_id=district.id, year=year, subject=subject,
                                               service_id=service.id if service else None,
                                               amount=Decimal(rng.randrange(0, 5_000_000)) / 100))
    db.session.commit()
    return {"districts": [d.id for d in chosen]}


def _expected(district_id: int | None) -> dict:
    """The four KPIs from the raw rows, computed plainly (``None``: the whole country)."""
    def mine(row) -> bool:
        return district_id is None or row.district_id == district_id

    appeals = [a for a in db.session.scalars(select(Appeal)) if mine(a) and _inside(a.created_at)]
    applications = [a for a in db.session.scalars(select(ServiceApplication)) if mine(a) and _inside(a.created_at)]
    tickets = [t for t in db.session.scalars(select(QueueTicket)) if mine(t) and _inside(t.day)]
    visits = [t for t in tickets if t.status == "served" and t.application_id is None
              and t.reception_booking_id is None]
    online = sum(a.source in ("web", "api") for a in appeals) + sum(a.source == "web" for a in applications)
    whole = len(appeals) + len(applications) + len(visits)
    # Drafts saved before a district was chosen count for the country only.
    drafts = [d for d in db.session.scalars(select(Draft)) if mine(d) and _inside(d.created_at)]
    ended = [d for d in drafts if d.status in ("submitted", "expired", "discarded")]
    ratings = [r for r in db.session.scalars(select(Rating)) if mine(r) and _inside(r.rated_at)]
    # Cost per transaction of the year the period ends in.
    year = PERIOD.end.year
    in_year = stats.Period(date(year, 1, 1), date(year, 12, 31))

    def in_the_year(moment) -> bool:
        day = moment if isinstance(moment, date) and not isinstance(moment, datetime) else local_date(moment)
        return in_year.start <= day <= in_year.end

    amount, transactions = Decimal(0), 0
    costs = [c for c in db.session.scalars(select(ServiceCost)) if mine(c) and c.year == year]
    for cost in costs:
        amount += cost.amount
        if cost.subject == "appeals":
            transactions += sum(1 for a in db.session.scalars(select(Appeal))
                                if a.district_id == cost.district_id and in_the_year(a.created_at))
        elif cost.subject == "front_desk":
            transactions += sum(1 for t in db.session.scalars(select(QueueTicket))
                                if t.district_id == cost.district_id and t.status == "served" and in_the_year(t.day))
        else:
            transactions += sum(1 for a in db.session.scalars(select(ServiceApplication))
                                if a.district_id == cost.district_id and a.service_id == cost.service_id
                                and in_the_year(a.created_at))
    enough = len(ratings) >= stats.MIN_RATINGS
    return {
        "digital_take_up": online / whole if whole else None,
        "completion_rate": sum(d.status == "submitted" for d in ended) / len(ended) if ended else None,
        "cost_per_transaction": (amount / transactions).quantize(Decimal("0.01")) if costs and transactions else None,
        "satisfaction": mean(r.overall for r in ratings) if enough else None,
        "satisfied_share": sum(r.overall >= 4 for r in ratings) / len(ratings) if enough else None,
    }


@pytest.mark.parametrize("seed", [19, 2026, 7])
def test_the_four_kpis_equal_a_plain_count_of_the_raw_rows(app, seed):
    rng = random.Random(seed)
    with app.app_context():
        world = _random_world(rng)
        got = kpi.kpis(PERIOD)
        for district_id in [*world["districts"], kpi.NATIONAL]:
            expected = _expected(district_id)
            figures = got.get(district_id) or kpi.Kpis()
            assert figures.digital_take_up == pytest.approx(expected["digital_take_up"]), (seed, district_id)
            assert figures.completion_rate == pytest.approx(expected["completion_rate"]), (seed, district_id)
            assert figures.cost_per_transaction == expected["cost_per_transaction"], (seed, district_id)
            assert figures.satisfaction == pytest.approx(expected["satisfaction"]), (seed, district_id)
            assert figures.satisfied_share == pytest.approx(expected["satisfied_share"]), (seed, district_id)
        # One district asked alone gives the same figures.
        alone = kpi.kpis(PERIOD, world["districts"][0])[world["districts"][0]]
        assert alone.digital_take_up == got[world["districts"][0]].digital_take_up
        assert alone.cost_per_transaction == got[world["districts"][0]].cost_per_transaction


@pytest.mark.parametrize("seed", [19, 2026])
def test_the_front_desk_figures_and_the_criteria_equal_the_raw_rows(app, seed):
    rng = random.Random(seed)
    with app.app_context():
        world = _random_world(rng)
        desks, marks = kpi._desk(PERIOD), kpi._marks(PERIOD)
        for district_id in world["districts"]:
            tickets = [t for t in db.session.scalars(select(QueueTicket))
                       if t.district_id == district_id and _inside(t.day) and t.status != "cancelled"]
            waits = sorted(t.wait_seconds for t in tickets if t.wait_seconds is not None)
            desk = desks.get(district_id, kpi.Desk())
            assert desk.tickets == len(tickets)
            assert desk.served == sum(t.status == "served" for t in tickets)
            assert desk.no_shows == sum(t.status == "no_show" for t in tickets)
            assert desk.mean_wait == pytest.approx(mean(waits) / 60 if waits else None)
            assert desk.median_wait == (waits[(len(waits) + 1) // 2 - 1] // 60 if waits else None)
            served = [t for t in tickets if t.status == "served" and t.wait_seconds is not None]
            assert desk.quick_share == pytest.approx(
                sum(t.wait_seconds <= 15 * 60 for t in served) / len(served) if served else None)
            ratings = [r for r in db.session.scalars(select(Rating))
                       if r.district_id == district_id and _inside(r.rated_at)]
            for mark in ("overall", "speed", "courtesy", "clarity", "outcome"):
                given = [getattr(r, mark) for r in ratings if getattr(r, mark) is not None]
                expected = mean(given) if len(given) >= stats.MIN_RATINGS else None
                assert marks[district_id].mean(mark) == pytest.approx(expected), (mark, district_id)


def test_no_cost_or_no_transaction_gives_no_cost_per_transaction(app):
    with app.app_context():
        districts = create_reference_data()
        gnc = districts["GNC"]
        assert kpi.kpis(PERIOD)[kpi.NATIONAL].cost_per_transaction is None
        db.session.add(ServiceCost(district_id=gnc.id, year=2026, subject="appeals", amount=Decimal("1000")))
        db.session.commit()
        costs = kpi.costs(2026)[gnc.id]
        assert costs.per_transaction is None and costs.lines[0].per_transaction is None
        create_appeal(create_user(), gnc, now=datetime(2026, 4, 1, 10, tzinfo=BAKU))
        create_appeal(create_user("second@example.az"), gnc, now=datetime(2026, 4, 2, 10, tzinfo=BAKU))
        # An appeal of another year is no transaction of 2026.
        create_appeal(create_user("third@example.az"), gnc, now=datetime(2025, 4, 2, 10, tzinfo=BAKU))
        assert kpi.costs(2026)[gnc.id].per_transaction == Decimal("500.00")
        assert kpi.kpis(PERIOD)[gnc.id].cost_per_transaction == Decimal("500.00")
