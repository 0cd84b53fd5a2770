"""The e-service catalogue for administrators: services, the districts that offer them, their form versions.

Administrators (policy ``admin.access``) add and change services without a
code change. Every use case checks all of its input before it writes, so a
refusal leaves nothing half-written.

A form definition is never changed in place: saving one that differs from the
current version adds the next version, and the applications filled against an
older one keep pointing at the labels they were answered under.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import authz
from app.eservices import form_definitions as eservice_forms
from app.eservices.service import SITUATION_LABELS
from app.extensions import db
from app.kit import audit
from app.kit.errors import Invalid, NotFound
from app.kit.i18n import by_name
from app.models import LIFE_SITUATIONS, District, Service, ServiceForm, User, utcnow
from app.models.eservice import LANGS, service_districts

CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_LIMIT = 40
TITLE_LIMIT = 200
TEXT_LIMIT = 5000
# Numeric(10, 2): eight digits before the decimal point.
FEE_MAX = Decimal("99999999.99")
CENT = Decimal("0.01")
MIN_DAYS, MAX_DAYS = 1, 90
TEXT_STEMS = ("title", "summary", "eligibility", "documents", "legal_basis")
# Bounds on a form definition's own texts, so that one field cannot swamp the application page.
FIELD_LABEL_LIMIT = 200
FIELD_HELP_LIMIT = 1000
OPTION_VALUE_LIMIT = 100
# Where a minimum and maximum mean something to ``eservice_forms.build_form``: lengths of text, bounds of a number.
BOUNDED_TYPES = ("text", "long_text", "number")
TEXT_TYPES = ("text", "long_text")

# One set of names for the life situations, shared with the public catalogue.
LIFE_SITUATION_LABELS = SITUATION_LABELS


@dataclass
class ServiceInput:
    """What an administrator fills in for a service; numbers already parsed (None when empty or not a number)."""

    code: str
    title_az: str
    summary_az: str
    eligibility_az: str
    documents_az: str
    legal_basis_az: str
    fee: Decimal | int | None
    processing_days: int | None
    life_situation: str
    title_ru: str = ""
    title_en: str = ""
    summary_ru: str = ""
    summary_en: str = ""
    eligibility_ru: str = ""
    eligibility_en: str = ""
    documents_ru: str = ""
    documents_en: str = ""
    legal_basis_ru: str = ""
    legal_basis_en: str = ""
    online: bool = True
    front_desk: bool = True
    active: bool = True
    district_ids: list[int | None] = field(default_factory=list)


@dataclass
class ServiceRow:
    """A service with what its line in the administrators' list shows."""

    service: Service
    districts: int
    form_version: int | None


@dataclass
class FormVersion:
    """One saved version of a service's form, for the version history."""

    id: int
    version: int
    created_at: datetime
    fields: int
    author: str | None


# --- Reading -----------------------------------------------------------------------------------------


def service_list(actor: User) -> list[ServiceRow]:
    """Every service, active or not, with how many districts offer it and its current form version."""
    authz.require(actor, "admin.access")
    offered = (select(service_districts.c.service_id, func.count().label("n"))
               .group_by(service_districts.c.service_id).subquery())
    versions = (select(ServiceForm.service_id, func.max(ServiceForm.version).label("v"))
                .group_by(ServiceForm.service_id).subquery())
    rows = db.session.execute(
        select(Service, func.coalesce(offered.c.n, 0), versions.c.v)
        .outerjoin(offered, offered.c.service_id == Service.id)
        .outerjoin(versions, versions.c.service_id == Service.id)
        .order_by(Service.position, Service.code)
    )
    return [ServiceRow(service, count, version) for service, count, version in rows]


def get_service(actor: User, service_id: int) -> Service:
    """The service with this id, for an administrator; ``NotFound`` when there is none."""
    authz.require(actor, "admin.access")
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound("service")
    return service


def districts() -> list[District]:
    """Every district, by name in the page's language: the ones a service can be offered in."""
    return by_name(db.session.scalars(select(District)))


def form_history(actor: User, service_id: int) -> tuple[Service, list[FormVersion]]:
    """The service and its form versions, newest (the current one) first."""
    service = get_service(actor, service_id)
    rows = db.session.execute(
        select(ServiceForm, User.full_name)
        .outerjoin(User, User.id == ServiceForm.created_by_id)
        .where(ServiceForm.service_id == service.id)
        .order_by(ServiceForm.version.desc())
    )
    history = [FormVersion(form.id, form.version, form.created_at, len(form.fields or []), author)
               for form, author in rows]
    return service, history


def current_fields(actor: User, service_id: int) -> list[dict]:
    """The field definitions of the service's current form version (empty when it has none)."""
    service = get_service(actor, service_id)
    latest = _latest(service.id)
    return [_clean_field(item) for item in latest.fields] if latest else []


# --- Services ----------------------------------------------------------------------------------------


def _check_service(data: ServiceInput, service_id: int | None) -> dict[str | None, str]:
    """Every rule a service must keep, as {field: message}; empty when the input is good."""
    errors: dict[str | None, str] = {}
    code = (data.code or "").strip()
    if not code or len(code) > CODE_LIMIT or not CODE_RE.match(code):
        errors["code"] = _("Enter a code of at most %(max)d small Latin letters, digits and hyphens, "
                           "such as birth-certificate.", max=CODE_LIMIT)
    else:
        taken = select(Service.id).where(Service.code == code)
        if service_id is not None:
            taken = taken.where(Service.id != service_id)
        if db.session.scalar(taken) is not None:
            errors["code"] = _("The code %(code)s is already used by another service.", code=code)
    missing = {
        "title": _("Write the title in Azerbaijani; Russian and English fall back to it when empty."),
        "summary": _("Say in Azerbaijani, in a sentence or two, what the service gives."),
        "eligibility": _("Say in Azerbaijani who may apply."),
        "documents": _("List the required documents in Azerbaijani."),
        "legal_basis": _("Give the legal basis in Azerbaijani."),
    }
    for stem in TEXT_STEMS:
        limit = TITLE_LIMIT if stem == "title" else TEXT_LIMIT
        if not (getattr(data, f"{stem}_az") or "").strip():
            errors[f"{stem}_az"] = missing[stem]
        for lang in LANGS:
            name = f"{stem}_{lang}"
            if len((getattr(data, name) or "").strip()) > limit and name not in errors:
                errors[name] = _("Use at most %(max)d characters.", max=limit)
    fee = _decimal(data.fee)
    if fee is None or not fee.is_finite():
        errors["fee"] = _("Enter the fee in manat as a number, 0 when the service is free; for example 2.50.")
    elif fee < 0:
        errors["fee"] = _("The fee cannot be negative.")
    elif fee > FEE_MAX:
        errors["fee"] = _("The fee is too large; it is entered in manat.")
    elif fee != fee.quantize(CENT):
        errors["fee"] = _("Give the fee in manat with at most two decimals.")
    if data.processing_days is None or not MIN_DAYS <= data.processing_days <= MAX_DAYS:
        errors["processing_days"] = _("Processing takes a whole number of days from %(min)d to %(max)d.",
                                      min=MIN_DAYS, max=MAX_DAYS)
    if data.life_situation not in LIFE_SITUATIONS:
        errors["life_situation"] = _("Choose a life situation from the list.")
    if not (data.online or data.front_desk):
        errors["online"] = _("Offer the service online, at the front desk, or both.")
    wanted = set(data.district_ids or [])
    known = set(db.session.scalars(select(District.id).where(District.id.in_(
        [i for i in wanted if isinstance(i, int)])))) if wanted else set()
    if wanted - known:
        errors["district_ids"] = _("Choose the districts from the list.")
    return errors


def _decimal(value) -> Decimal | None:
    """A fee given as a whole number (or text) read as a Decimal; None when it is not a number."""
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _apply_service(service: Service, data: ServiceInput) -> None:
    """Copy checked input onto the row. Empty translations are stored as "" (the columns are NOT NULL),
    which ``Service.text`` reads as "fall back to Azerbaijani"."""
    ids = set(data.district_ids or [])
    # No autoflush while the row changes: loading the districts would write it half-way, and a code taken
    # meanwhile would fail here instead of at the commit, which reports it.
    with db.session.no_autoflush:
        service.code = data.code.strip()
        for stem in TEXT_STEMS:
            for lang in LANGS:
                name = f"{stem}_{lang}"
                setattr(service, name, (getattr(data, name) or "").strip())
        service.fee = _decimal(data.fee)
        service.processing_days = data.processing_days
        service.life_situation = data.life_situation
        service.online, service.front_desk, service.active = bool(data.online), bool(data.front_desk), bool(data.active)
        service.districts = list(db.session.scalars(
            select(District).where(District.id.in_(ids)).order_by(District.name_az))) if ids else []


# What the audit trail keeps of a service before and after a change (texts shortened).
AUDITED_FIELDS = ("code", *(f"{stem}_{lang}" for stem in TEXT_STEMS for lang in LANGS), "fee", "processing_days",
                  "life_situation", "online", "front_desk", "active")


def _service_snapshot(service: Service) -> dict:
    with db.session.no_autoflush:
        return {**audit.snapshot(service, AUDITED_FIELDS), "districts": sorted(d.code for d in service.districts)}


def _commit_service(actor: User, service: Service, action: str, before: dict | None = None) -> Service:
    """Record the change in the audit trail and commit; a code another administrator took a moment ago is
    refused like any taken code."""
    # Read before committing: a rollback expires the row, and reloading it would give the old code.
    code = service.code
    try:
        after = _service_snapshot(service)
        if before is not None:
            before, after = audit.diff(before, after)
        audit.record(action, actor=actor, obj=service, summary=code, before=before, after=after)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid({"code": _("The code %(code)s is already used by another service.", code=code)}) from None
    return service


def create_service(actor: User, data: ServiceInput) -> Service:
    """An administrator adds a service to the catalogue (last in the catalogue's order)."""
    authz.require(actor, "admin.access")
    errors = _check_service(data, None)
    if errors:
        raise Invalid(errors)
    last = db.session.scalar(select(func.max(Service.position)))
    service = Service(position=(last or 0) + 1)
    _apply_service(service, data)
    db.session.add(service)
    return _commit_service(actor, service, "service.create")


def update_service(actor: User, service_id: int, data: ServiceInput) -> Service:
    """An administrator changes a service: texts, fee, processing time, channels, activity, districts."""
    service = get_service(actor, service_id)
    errors = _check_service(data, service.id)
    if errors:
        raise Invalid(errors)
    before = _service_snapshot(service)
    _apply_service(service, data)
    return _commit_service(actor, service, "service.update", before)


# --- Form definitions --------------------------------------------------------------------------------


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _bound(value):
    """A minimum or maximum as a JSON number; None when empty; the text itself when it is not a finite number,
    so that the check can say so. A decimal comma is read as a point, as az and ru write it."""
    if value is None:
        return None
    text = _text(value).replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    return int(number) if number == number.to_integral_value() else float(number)


def _clean_field(item: dict) -> dict:
    """One field definition in its stored shape: every attribute present, texts stripped, bounds as numbers."""
    cleaned = {
        "key": _text(item.get("key")),
        "type": _text(item.get("type")),
        "required": bool(item.get("required")),
        "min": _bound(item.get("min")),
        "max": _bound(item.get("max")),
        "options": [{"value": _text(o.get("value")), **{f"label_{lang}": _text(o.get(f"label_{lang}")) for lang in LANGS}}
                    for o in (item.get("options") or []) if isinstance(o, dict)],
    }
    for lang in LANGS:
        cleaned[f"label_{lang}"] = _text(item.get(f"label_{lang}"))
        cleaned[f"help_{lang}"] = _text(item.get(f"help_{lang}"))
    return cleaned


def _check_more(fields: list[dict], errors: dict[str, str]) -> None:
    """Rules beyond ``check_definition``: bounds and options only where the application form uses them,
    and texts of a bounded length. A problem already reported for an attribute is not overwritten."""
    for index, item in enumerate(fields):
        where = f"fields-{index}"
        low, high = item["min"], item["max"]
        if isinstance(low, str) or isinstance(high, str):
            errors.setdefault(f"{where}-min", _("Minimum and maximum are numbers."))
        elif (low is not None or high is not None) and item["type"] not in BOUNDED_TYPES:
            errors.setdefault(f"{where}-min", _("Only text and number fields have a minimum and a maximum."))
        elif item["type"] in TEXT_TYPES:
            for name, value in (("min", low), ("max", high)):
                if value is not None and (value != int(value) or not 0 <= value <= eservice_forms.TEXT_LIMIT):
                    errors.setdefault(f"{where}-{name}", _(
                        "For text, the minimum and maximum are numbers of characters: whole numbers from 0 to %(max)d.",
                        max=eservice_forms.TEXT_LIMIT))
        if item["options"] and item["type"] != "select":
            errors.setdefault(f"{where}-options", _("Only a choice from a list has options; clear them or change the type."))
        elif any(len(o["value"]) > OPTION_VALUE_LIMIT or any(len(o[f"label_{lang}"]) > FIELD_LABEL_LIMIT for lang in LANGS)
                 for o in item["options"]):
            errors.setdefault(f"{where}-options", _("An option's value or label is too long: at most %(max)d characters.",
                                                    max=FIELD_LABEL_LIMIT))
        for lang in LANGS:
            if len(item[f"label_{lang}"]) > FIELD_LABEL_LIMIT:
                errors.setdefault(f"{where}-label_{lang}", _("Use at most %(max)d characters.", max=FIELD_LABEL_LIMIT))
            if len(item[f"help_{lang}"]) > FIELD_HELP_LIMIT:
                errors.setdefault(f"{where}-help_{lang}", _("Use at most %(max)d characters.", max=FIELD_HELP_LIMIT))


def check_fields(fields: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """The definition in its stored shape and its problems (keyed like ``check_definition``'s)."""
    cleaned = [_clean_field(item) for item in fields]
    errors = eservice_forms.check_definition(cleaned)
    _check_more(cleaned, errors)
    return cleaned, errors


def _latest(service_id: int) -> ServiceForm | None:
    return db.session.scalar(select(ServiceForm).where(ServiceForm.service_id == service_id)
                             .order_by(ServiceForm.version.desc()).limit(1))


def save_form(actor: User, service_id: int, fields: list[dict], based_on: int | None = None,
              now: datetime | None = None) -> ServiceForm | None:
    """Save the service's form as a new version (the last one + 1); None when it equals the current version.

    An existing version is never changed: applications keep the one they were filled against. ``based_on``
    is the version the administrator started from; when someone saved a newer one meanwhile, saving is
    refused rather than silently undoing their change.
    """
    service = get_service(actor, service_id)
    cleaned, errors = check_fields(fields)
    if errors:
        raise Invalid(dict(errors))
    latest = _latest(service.id)
    current = latest.version if latest else 0
    if based_on is not None and based_on != current:
        raise Invalid({None: _("Version %(version)d of this form was saved after you opened it; "
                               "look at it and make your change again.", version=current)})
    if latest is not None and [_clean_field(item) for item in latest.fields] == cleaned:
        return None
    form = ServiceForm(service_id=service.id, version=current + 1, fields=cleaned, created_at=now or utcnow(),
                       created_by_id=actor.id)
    db.session.add(form)
    try:
        audit.record("service.form", actor=actor, obj=service, summary=f"{service.code}: form version {form.version}",
                     before={"version": current} if current else None,
                     after={"version": form.version, "fields": [item.get("key") for item in cleaned]})
        db.session.commit()
    except IntegrityError:
        # Another administrator took this version number at the same moment.
        db.session.rollback()
        raise Invalid({None: _("Another version of this form was saved at the same moment; "
                               "look at it and make your change again.")}) from None
    return form
