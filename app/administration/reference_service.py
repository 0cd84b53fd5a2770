"""Reference data for administrators: districts, their departments, appeal categories, the calendar's exceptions.

Administrators (policy ``reference.manage``) change these in the portal,
without a code change or a restart. Every use case checks all of its input
before it writes, so a refusal leaves nothing stored; every change is audited
in the same transaction.

Nothing is ever deleted except a calendar exception entered by mistake:
districts, departments and categories are deactivated, which hides them from
new filings while every old record keeps pointing at them.

There is no cache of reference data: each request reads the rows it needs.
The calendar reads its exceptions once per request (see
``app.kit.calendar``), so a change is seen by every process on its next
request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import authz
from app.extensions import db
from app.kit import audit, calendar, notify
from app.kit.errors import Invalid, NotFound
from app.kit.i18n import by_name, fmt_date
from app.models import CALENDAR_KINDS, CalendarException, Category, Department, District, User

CODE_RE = re.compile(r"^[A-Z]{3}$")
CATEGORY_CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KIND_RE = CATEGORY_CODE_RE
NAME_LIMITS = {"district": 120, "department": 200, "category": 200}
KIND_LIMIT = 40
DECISION_LIMIT = 300
POSITION_MAX = 1000
LANGS = ("az", "ru", "en")

CALENDAR_KIND_LABELS = {
    "rest_day": _l("Extra rest day"),
    "working_day": _l("Working Saturday"),
}


@dataclass
class Names:
    """A name in the three languages; Russian and English fall back to Azerbaijani when empty."""

    name_az: str = ""
    name_ru: str = ""
    name_en: str = ""


def _check_names(names: Names, limit: int, missing: str) -> dict[str | None, str]:
    errors: dict[str | None, str] = {}
    if not (names.name_az or "").strip():
        errors["name_az"] = missing
    for lang in LANGS:
        field = f"name_{lang}"
        if len((getattr(names, field) or "").strip()) > limit and field not in errors:
            errors[field] = _("Use at most %(max)d characters.", max=limit)
    return errors


def _set_names(row, names: Names) -> None:
    # Empty translations are stored as empty strings; ``Translated.name_in`` falls back to Azerbaijani.
    for lang in LANGS:
        setattr(row, f"name_{lang}", (getattr(names, f"name_{lang}") or "").strip())


def _snapshot(row, fields: tuple[str, ...]) -> dict:
    return {name: getattr(row, name) for name in fields}


def _commit(on_conflict: dict[str | None, str]) -> None:
    """Commit; a unique constraint another request won between our check and this commit becomes ``Invalid``."""
    try:
        notify.commit()
    except IntegrityError:
        raise Invalid(on_conflict) from None


# --- Districts --------------------------------------------------------------------------------------------------


@dataclass
class DistrictRow:
    """A district with how many departments it has, for the administrators' list."""

    district: District
    departments: int


DISTRICT_FIELDS = ("code", "name_az", "name_ru", "name_en", "active")


def district_list(actor: User) -> list[DistrictRow]:
    """Every district, active or not, by name in the page's language, with its number of departments."""
    authz.require(actor, "reference.manage")
    counts = (select(Department.district_id, func.count().label("n")).group_by(Department.district_id).subquery())
    rows = db.session.execute(select(District, func.coalesce(counts.c.n, 0))
                              .outerjoin(counts, counts.c.district_id == District.id)).all()
    counted = {district.id: count for district, count in rows}
    return [DistrictRow(district, counted[district.id]) for district in by_name(district for district, _n in rows)]


def get_district(actor: User, district_id: int) -> District:
    """The district with this id (active or not), or ``NotFound``."""
    authz.require(actor, "reference.manage")
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound("district")
    return district


def _code_taken(code: str) -> str:
    return _("The code %(code)s is already used by another district.", code=code)


def create_district(actor: User, code: str, names: Names, active: bool = True) -> District:
    """Add a district authority. Its code is fixed once given: appeal numbers and addresses carry it."""
    authz.require(actor, "reference.manage")
    code = (code or "").strip().upper()
    errors = _check_names(names, NAME_LIMITS["district"], _("Write the district's name in Azerbaijani."))
    if not CODE_RE.match(code):
        errors["code"] = _("Enter a code of three Latin letters, such as GNC.")
    elif db.session.scalar(select(District.id).where(District.code == code)) is not None:
        errors["code"] = _code_taken(code)
    if errors:
        raise Invalid(errors)
    district = District(code=code, active=active)
    _set_names(district, names)
    db.session.add(district)
    db.session.flush()
    audit.record("district.create", actor=actor, obj=district, district_id=district.id,
                 summary=f"district {district.code}", after=_snapshot(district, DISTRICT_FIELDS))
    _commit({"code": _code_taken(code)})
    return district


def update_district(actor: User, district_id: int, names: Names, active: bool) -> District:
    """Rename a district or (de)activate it; a deactivated one takes no new filings, its records stay."""
    district = get_district(actor, district_id)
    errors = _check_names(names, NAME_LIMITS["district"], _("Write the district's name in Azerbaijani."))
    if errors:
        raise Invalid(errors)
    before = _snapshot(district, DISTRICT_FIELDS)
    _set_names(district, names)
    district.active = active
    after = _snapshot(district, DISTRICT_FIELDS)
    if after != before:
        audit.record("district.update", actor=actor, obj=district, district_id=district.id,
                     summary=f"district {district.code}", before=before, after=after)
    notify.commit()
    return district


# --- Departments ------------------------------------------------------------------------------------------------

DEPARTMENT_FIELDS = ("name_az", "name_ru", "name_en", "kind", "active")


def departments(actor: User, district_id: int) -> tuple[District, list[Department]]:
    """The district and every one of its departments, active or not."""
    district = get_district(actor, district_id)
    rows = db.session.scalars(select(Department).where(Department.district_id == district.id))
    return district, by_name(rows)


def get_department(actor: User, department_id: int) -> Department:
    """The department with this id, or ``NotFound``."""
    authz.require(actor, "reference.manage")
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound("department")
    return department


def _check_department(district_id: int, names: Names, kind: str, department_id: int | None) -> dict[str | None, str]:
    errors = _check_names(names, NAME_LIMITS["department"], _("Write the department's name in Azerbaijani."))
    name = (names.name_az or "").strip()
    if "name_az" not in errors:
        taken = select(Department.id).where(Department.district_id == district_id, Department.name_az == name)
        if department_id is not None:
            taken = taken.where(Department.id != department_id)
        if db.session.scalar(taken) is not None:
            errors["name_az"] = _("This district already has a department called %(name)s.", name=name)
    if kind:
        if len(kind) > KIND_LIMIT or not KIND_RE.match(kind):
            errors["kind"] = _("Enter a kind of at most %(max)d small Latin letters, digits and hyphens, "
                               "such as housing.", max=KIND_LIMIT)
        else:
            taken = select(Department.name_az).where(Department.district_id == district_id, Department.kind == kind)
            if department_id is not None:
                taken = taken.where(Department.id != department_id)
            other = db.session.scalar(taken)
            if other is not None:
                errors["kind"] = _("In this district the kind %(kind)s is already given to %(name)s.",
                                   kind=kind, name=other)
    return errors


def _department_conflict(names: Names) -> dict[str | None, str]:
    return {"name_az": _("This district already has a department called %(name)s.", name=(names.name_az or "").strip())}


def create_department(actor: User, district_id: int, names: Names, kind: str = "", active: bool = True) -> Department:
    """Add a department to a district; ``kind`` (optional) names its function the same way in every district."""
    district = get_district(actor, district_id)
    kind = (kind or "").strip().lower()
    errors = _check_department(district.id, names, kind, None)
    if errors:
        raise Invalid(errors)
    department = Department(district_id=district.id, kind=kind or None, active=active)
    _set_names(department, names)
    db.session.add(department)
    db.session.flush()
    audit.record("department.create", actor=actor, obj=department, district_id=district.id,
                 summary=f"department {department.id} of {district.code}", after=_snapshot(department, DEPARTMENT_FIELDS))
    _commit(_department_conflict(names))
    return department


def update_department(actor: User, department_id: int, names: Names, kind: str, active: bool) -> Department:
    """Rename a department, change its kind, or (de)activate it; appeals already assigned to it keep it."""
    department = get_department(actor, department_id)
    kind = (kind or "").strip().lower()
    errors = _check_department(department.district_id, names, kind, department.id)
    if errors:
        raise Invalid(errors)
    before = _snapshot(department, DEPARTMENT_FIELDS)
    _set_names(department, names)
    department.kind = kind or None
    department.active = active
    after = _snapshot(department, DEPARTMENT_FIELDS)
    if after != before:
        audit.record("department.update", actor=actor, obj=department, district_id=department.district_id,
                     summary=f"department {department.id}", before=before, after=after)
    _commit(_department_conflict(names))
    return department


def department_kinds() -> list[str]:
    """Every department kind in use in any district, sorted: what a category's default may name."""
    return list(db.session.scalars(select(Department.kind).where(Department.kind.is_not(None))
                                   .distinct().order_by(Department.kind)))


def default_department_id(district_id: int, category: Category) -> int | None:
    """The active department of ``district_id`` of the kind ``category`` goes to by default, if there is one."""
    if not category.default_department_kind:
        return None
    return db.session.scalar(select(Department.id).where(
        Department.district_id == district_id, Department.kind == category.default_department_kind,
        Department.active.is_(True)))


# --- Categories -------------------------------------------------------------------------------------------------

CATEGORY_FIELDS = ("code", "name_az", "name_ru", "name_en", "default_department_kind", "position", "active")


@dataclass
class CategoryInput:
    """What an administrator fills in for an appeal category."""

    names: Names
    default_department_kind: str = ""
    position: int | None = 0
    active: bool = True
    code: str = ""


def category_list(actor: User) -> list[Category]:
    """Every category, active or not, in the order residents see them."""
    authz.require(actor, "reference.manage")
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.code)))


def get_category(actor: User, category_id: int) -> Category:
    """The category with this id, or ``NotFound``."""
    authz.require(actor, "reference.manage")
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound("category")
    return category


def _check_category(data: CategoryInput) -> dict[str | None, str]:
    errors = _check_names(data.names, NAME_LIMITS["category"], _("Write the category's name in Azerbaijani."))
    kind = data.default_department_kind
    if kind and kind not in department_kinds():
        errors["default_department_kind"] = _("Choose a department kind from the list.")
    if data.position is None or not 0 <= data.position <= POSITION_MAX:
        errors["position"] = _("Enter a whole number from %(min)d to %(max)d.", min=0, max=POSITION_MAX)
    return errors


def _category_code_taken(code: str) -> str:
    return _("The code %(code)s is already used by another category.", code=code)


def create_category(actor: User, data: CategoryInput) -> Category:
    """Add an appeal category (national). Its code is fixed once given: figures and open data refer to it."""
    authz.require(actor, "reference.manage")
    code = (data.code or "").strip().lower()
    data.default_department_kind = (data.default_department_kind or "").strip()
    errors = _check_category(data)
    if not code or len(code) > 40 or not CATEGORY_CODE_RE.match(code):
        errors["code"] = _("Enter a code of at most %(max)d small Latin letters, digits and hyphens, "
                           "such as roads.", max=40)
    elif db.session.scalar(select(Category.id).where(Category.code == code)) is not None:
        errors["code"] = _category_code_taken(code)
    if errors:
        raise Invalid(errors)
    category = Category(code=code, position=data.position, active=data.active,
                        default_department_kind=data.default_department_kind or None)
    _set_names(category, data.names)
    db.session.add(category)
    db.session.flush()
    audit.record("category.create", actor=actor, obj=category, summary=f"category {category.code}",
                 after=_snapshot(category, CATEGORY_FIELDS))
    _commit({"code": _category_code_taken(code)})
    return category


def update_category(actor: User, category_id: int, data: CategoryInput) -> Category:
    """Change a category's names, default department kind, position, or (de)activate it."""
    category = get_category(actor, category_id)
    data.default_department_kind = (data.default_department_kind or "").strip()
    errors = _check_category(data)
    if errors:
        raise Invalid(errors)
    before = _snapshot(category, CATEGORY_FIELDS)
    _set_names(category, data.names)
    category.default_department_kind = data.default_department_kind or None
    category.position = data.position
    category.active = data.active
    after = _snapshot(category, CATEGORY_FIELDS)
    if after != before:
        audit.record("category.update", actor=actor, obj=category, summary=f"category {category.code}",
                     before=before, after=after)
    notify.commit()
    return category


# --- The calendar's exceptions ------------------------------------------------------------------------------------


def calendar_exceptions(actor: User) -> list[CalendarException]:
    """Every declared exception, newest date first."""
    authz.require(actor, "reference.manage")
    return list(db.session.scalars(select(CalendarException).order_by(CalendarException.day.desc())))


def declare(actor: User, day: date | None, kind: str, decision: str) -> CalendarException:
    """Declare an extra rest day (on a date that would work) or a working Saturday, with the decision's note.

    Deadlines computed from then on count with it; deadlines already given stay as they were promised.
    """
    authz.require(actor, "reference.manage")
    decision = (decision or "").strip()
    errors: dict[str | None, str] = {}
    if kind not in CALENDAR_KINDS:
        errors["kind"] = _("Choose an extra rest day or a working Saturday.")
    if day is None:
        errors["day"] = _("Enter the date as YYYY-MM-DD, for example 2026-12-31.")
    elif kind in CALENDAR_KINDS:
        declared = db.session.scalar(select(CalendarException).where(CalendarException.day == day))
        if declared is not None:
            errors["day"] = _("%(day)s is already declared: %(what)s.", day=fmt_date(day),
                              what=CALENDAR_KIND_LABELS[declared.kind])
        elif kind == "rest_day" and not calendar.is_usual_working_day(day):
            errors["day"] = (_("%(day)s is a public holiday; it is a rest day already.", day=fmt_date(day))
                             if calendar.is_holiday(day)
                             else _("%(day)s is a Saturday or Sunday; it is a rest day already.", day=fmt_date(day)))
        elif kind == "working_day" and day.weekday() != 5:
            errors["day"] = _("%(day)s is not a Saturday; only a Saturday can be declared a working day.",
                              day=fmt_date(day))
        elif kind == "working_day" and calendar.is_holiday(day):
            errors["day"] = _("%(day)s is a public holiday; it cannot be declared a working day.", day=fmt_date(day))
    if not decision:
        errors["decision"] = _("Name the decision that declares it, such as its number and date.")
    elif len(decision) > DECISION_LIMIT:
        errors["decision"] = _("Use at most %(max)d characters.", max=DECISION_LIMIT)
    if errors:
        raise Invalid(errors)
    exception = CalendarException(day=day, kind=kind, decision=decision, created_by_id=actor.id)
    db.session.add(exception)
    db.session.flush()
    audit.record("calendar.declare", actor=actor, obj=exception, summary=f"{kind} {day.isoformat()}",
                 after={"day": day.isoformat(), "kind": kind, "decision": decision})
    _commit({"day": _("%(day)s is already declared.", day=fmt_date(day))})
    calendar.forget_exceptions()
    return exception


def withdraw(actor: User, exception_id: int) -> None:
    """Remove an exception entered by mistake (audited); deadlines already given stay."""
    authz.require(actor, "reference.manage")
    exception = db.session.get(CalendarException, exception_id)
    if exception is None:
        raise NotFound("calendar exception")
    audit.record("calendar.withdraw", actor=actor, object_type="calendar_exception", object_id=exception.id,
                 summary=f"{exception.kind} {exception.day.isoformat()}",
                 before={"day": exception.day.isoformat(), "kind": exception.kind, "decision": exception.decision})
    db.session.delete(exception)
    notify.commit()
    calendar.forget_exceptions()
