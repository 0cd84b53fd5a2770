"""Demo yearly service costs for ``flask seed-demo``: the demo districts' appeals, front desk and first e-services,
for this year and last year, so that the cost per transaction shows on the accountability pages (idempotent)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.accountability.costs import district_services
from app.extensions import db
from app.kit.calendar import local_date
from app.models import District, utcnow
from app.models.kpi import ServiceCost

DEMO_DISTRICTS = ("GNC", "MSL")
# Yearly amounts in manat: the appeals' desk and registry, the front desk's hall and staff, an e-service's share.
DEMO_AMOUNTS = {"appeals": Decimal("84000"), "front_desk": Decimal("126000"), "eservice": Decimal("18500")}


def seed_demo() -> int:
    """Add the demo costs that are missing; return how many were added."""
    this_year = local_date(utcnow()).year
    added = 0
    for code in DEMO_DISTRICTS:
        district = db.session.scalar(select(District).where(District.code == code))
        if district is None:
            continue
        subjects = [("appeals", None), ("front_desk", None)] + [
            ("eservice", service.id) for service in district_services(district.id)[:2]]
        for year in (this_year - 1, this_year):
            for subject, service_id in subjects:
                exists = db.session.scalar(select(ServiceCost.id).where(
                    ServiceCost.district_id == district.id, ServiceCost.year == year, ServiceCost.subject == subject,
                    ServiceCost.service_id == service_id if service_id else ServiceCost.service_id.is_(None)))
                if exists:
                    continue
                # Last year a little cheaper, and the smaller district a little cheaper, so that the figures differ.
                scale = Decimal("0.92") if year < this_year else Decimal("1")
                scale *= Decimal("0.8") if code == "MSL" else Decimal("1")
                db.session.add(ServiceCost(district_id=district.id, year=year, subject=subject, service_id=service_id,
                                           amount=(DEMO_AMOUNTS[subject] * scale).quantize(Decimal("0.01"))))
                added += 1
    db.session.commit()
    return added
