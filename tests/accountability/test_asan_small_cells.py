"""The ASAN figures hide small cells and the cells that would give them away (issue 19, with issue 15's rule): a
mean over fewer than 5 marks is never shown, nor one that the total and the other means would give back."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.accountability import kpi, stats
from app.extensions import db
from app.kit.calendar import BAKU
from app.models import Category, QueueService, QueueTicket
from app.models.rating import Rating
from tests.factories import create_reference_data

WHEN = datetime(2026, 3, 2, 10, tzinfo=BAKU)
PERIOD = stats.Period(date(2026, 3, 1), date(2026, 3, 31))


def _ratings(district, count: int, start: int, **keys) -> None:
    for number in range(count):
        db.session.add(Rating(subject_kind="appeal" if "category_id" in keys else "ticket",
                              subject_id=start + number, district_id=district.id, overall=5 - number % 2,
                              rated_at=WHEN, **keys))


def test_one_small_district_hides_another_beside_the_national_total(app):
    with app.app_context():
        districts = create_reference_data()
        gnc, msl, qba = districts["GNC"], districts["MSL"], districts["QBA"]
        category = db.session.scalars(select(Category).order_by(Category.id)).first()
        _ratings(gnc, 3, 1, category_id=category.id)
        _ratings(msl, 10, 100, category_id=category.id)
        _ratings(qba, 20, 200, category_id=category.id)
        db.session.commit()
        report = kpi.national_report(PERIOD, list({d.id for d in districts.values()}))
        assert report.marks_row(gnc.id)["overall"] is None  # 3 marks
        assert report.marks_row(msl.id)["overall"] is None  # the complement: the smallest shown
        assert report.marks_row(qba.id)["overall"] == 4.5
        assert report.marks_row(kpi.NATIONAL)["overall"] is not None and report.marks_row(kpi.NATIONAL)["ratings"] == 33


def test_a_small_service_hides_another_beside_the_districts_total(app):
    with app.app_context():
        districts = create_reference_data()
        gnc = districts["GNC"]
        categories = list(db.session.scalars(select(Category).order_by(Category.id)))[:3]
        _ratings(gnc, 3, 1, category_id=categories[0].id)
        _ratings(gnc, 6, 100, category_id=categories[1].id)
        _ratings(gnc, 9, 200, category_id=categories[2].id)
        queue = QueueService(district_id=gnc.id, code="general", letter="A", title_az="Ümumi", title_ru="Общий",
                             title_en="General")
        other = QueueService(district_id=gnc.id, code="other", letter="B", title_az="Digər", title_ru="Другой",
                             title_en="Other")
        db.session.add_all([queue, other])
        db.session.flush()
        for number, service in enumerate([queue] * 2 + [other] * 7):
            db.session.add(QueueTicket(district_id=gnc.id, service_id=service.id, day=WHEN.date(), number=number + 1,
                                       code=f"A-{number + 1:03d}", status="served", queued_at=WHEN,
                                       called_at=WHEN + timedelta(minutes=5), wait_seconds=300))
        db.session.commit()
        marks, desks = kpi.district_services(PERIOD, gnc.id, "en")
        by_id = {row["id"]: row["marks"] for row in marks}
        assert by_id[categories[0].id]["overall"] is None and by_id[categories[1].id]["overall"] is None
        assert by_id[categories[2].id]["overall"] == round((5 * 5 + 4 * 4) / 9, 2)
        # Two tickets of one service: hidden, and so is the other service, whose count would give them away.
        assert [row["desk"]["tickets"] for row in desks] == [None, None]
        national = kpi.national_report(PERIOD, [gnc.id])
        assert national.desk_row(gnc.id)["tickets"] == 9 and national.marks_row(gnc.id)["ratings"] == 18
