"""Use cases of the yearly service costs (``service_costs``) that the cost per transaction divides (issue 19).

The head of a district (or an administrator) enters what the authority spent in a year on its appeals, its front
desk or one of its e-services (policy ``cost.manage``); supervisors read every district's (``cost.view``). Entering
a cost again for the same year and subject replaces it; every entry is audited with the old amount. A cost for a
future year, or a negative one, is refused beside its field.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import authz
from app.extensions import db
from app.kit import audit
from app.kit.calendar import local_date
from app.kit.errors import Invalid
from app.kit.i18n import current_lang
from app.models import District, Service, User, utcnow
from app.models.eservice import service_districts
from app.models.kpi import COST_SUBJECTS, ServiceCost

FIRST_YEAR = 2000
MAX_AMOUNT = Decimal("999999999999.99")  # what Numeric(14, 2) holds


def district_services(district_id: int) -> list[Service]:
    """The e-services the district offers (a cost can be entered for each)."""
    query = (select(Service).join(service_districts, service_districts.c.service_id == Service.id)
             .where(service_districts.c.district_id == district_id).order_by(Service.position, Service.id))
    return list(db.session.scalars(query))


@dataclass
class CostRow:
    """A cost as listed: its year, what it is for, the amount, who entered it and when."""

    cost: ServiceCost
    subject: str
    entered_by: User | None


def listing(actor: User, district: District) -> list[CostRow]:
    """A district's costs, latest year first."""
    authz.require(actor, "cost.view", district)
    rows = db.session.scalars(select(ServiceCost).where(ServiceCost.district_id == district.id)
                              .order_by(ServiceCost.year.desc(), ServiceCost.subject, ServiceCost.service_id)).all()
    services = {s.id: s for s in db.session.scalars(select(Service).where(
        Service.id.in_({r.service_id for r in rows if r.service_id})))} if rows else {}
    people = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({r.entered_by_id for r in rows if r.entered_by_id})))} if rows else {}
    return [CostRow(row, subject_title(row.subject, services.get(row.service_id)), people.get(row.entered_by_id))
            for row in rows]


def subject_title(subject: str, service: Service | None = None) -> str:
    """What a cost is for, as the pages say it."""
    if subject == "appeals":
        return _("Appeals")
    if subject == "front_desk":
        return _("The front desk")
    return service.text_in("title", current_lang()) if service else ""


def enter(actor: User, district: District, year: int | None, subject: str, amount: Decimal | None,
          today: date | None = None) -> ServiceCost:
    """Enter (or replace) the district's cost of ``year`` for ``subject``: "appeals", "front_desk" or
    "eservice:<id>" (an e-service the district offers). ``Invalid`` beside the field when the year is in the
    future or before 2000, the subject unknown, or the amount missing, negative or too large."""
    authz.require(actor, "cost.manage", district)
    today = today or local_date(utcnow())
    errors: dict[str | None, str] = {}
    if year is None:
        errors["year"] = _("Enter the year as four digits, for example %(year)s.", year=today.year - 1)
    elif year > today.year:
        errors["year"] = _("A cost can be entered for this year or an earlier one, not for a future year.")
    elif year < FIRST_YEAR:
        errors["year"] = _("Enter a year from %(year)s on.", year=FIRST_YEAR)
    kind, _sep, rest = (subject or "").partition(":")
    service_id = None
    if kind == "eservice":
        offered = {service.id for service in district_services(district.id)}
        service_id = int(rest) if rest.isdigit() else None
        if service_id not in offered:
            errors["subject"] = _("Choose what the cost is for.")
    elif kind not in COST_SUBJECTS or rest:
        errors["subject"] = _("Choose what the cost is for.")
    if amount is None:
        errors["amount"] = _("Enter the amount in manat as a number, for example 12500.50.")
    elif amount < 0:
        errors["amount"] = _("A cost cannot be negative.")
    elif amount > MAX_AMOUNT:
        errors["amount"] = _("Enter an amount under one trillion manat.")
    if errors:
        raise Invalid(errors)
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    query = select(ServiceCost).where(ServiceCost.district_id == district.id, ServiceCost.year == year,
                                      ServiceCost.subject == kind)
    query = query.where(ServiceCost.service_id == service_id) if service_id else query.where(
        ServiceCost.service_id.is_(None))
    cost = db.session.scalar(query.with_for_update())
    before = None
    if cost is None:
        cost = ServiceCost(district_id=district.id, year=year, subject=kind, service_id=service_id)
        db.session.add(cost)
    else:
        before = {"amount": str(cost.amount)}
    cost.amount = amount
    cost.entered_by_id = actor.id
    cost.entered_at = utcnow()
    db.session.flush()
    audit.record("cost.enter", actor=actor, obj=cost, district_id=district.id,
                 summary=f"{year} {kind}{f' {service_id}' if service_id else ''}: {amount}",
                 before=before, after={"year": year, "subject": kind, "service_id": service_id, "amount": str(amount)})
    try:
        db.session.commit()
    except IntegrityError:
        # Another head entered the same cost at the same moment: theirs stands, this one is asked again.
        db.session.rollback()
        raise Invalid({"amount": _("This cost was entered at the same moment by someone else; check it and "
                                   "enter yours again.")}) from None
    return cost
