"""Reference data as administrators keep it: bad input refused with nothing stored, deactivation hides from new
filings and keeps old records, a category's default department, and the calendar's declared exceptions moving
the deadlines computed after them."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.administration import reference_service as reference
from app.administration.reference_service import CategoryInput, Names
from app.appeals import service as appeals
from app.extensions import db
from app.kit import calendar
from app.kit.errors import Invalid, NotAllowed
from app.models import Appeal, CalendarException, Category, Department, District
from tests.factories import appeal_input, application_input, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def world(ctx):
    """Built once, then put back (tests/snapshots.py)."""
    return replayed("administration reference service: world", _build_world)


def _build_world():
    districts = create_reference_data()
    return {
        "admin": create_user("admin@example.az", roles=[("admin", None)]),
        "supervisor": create_user("supervisor@example.az", roles=[("supervisor", None)]),
        "official": create_user("official@example.az", roles=[("official", districts["GNC"])]),
        "citizen": create_user("resident@example.az"),
        "gnc": districts["GNC"],
        "msl": districts["MSL"],
    }


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def refused(action) -> dict:
    with pytest.raises(Invalid) as caught:
        action()
    db.session.rollback()
    return caught.value.errors


# --- Who may -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "official", "citizen"])
def test_only_administrators_change_reference_data(world, who):
    actor = world[who]
    for action in (lambda: reference.create_district(actor, "NEW", Names("Yeni")),
                   lambda: reference.declare(actor, date(2026, 12, 30), "rest_day", "Qərar"),
                   lambda: reference.category_list(actor)):
        with pytest.raises(NotAllowed):
            action()


# --- Districts ----------------------------------------------------------------------------------------------------


def test_a_district_is_added_and_a_duplicate_code_refused(world):
    admin = world["admin"]
    district = reference.create_district(admin, "new", Names("Yeni rayon", "", "New district"))
    assert (district.code, district.name_ru, district.name_in("ru")) == ("NEW", "", "Yeni rayon")
    before = count(District)
    errors = refused(lambda: reference.create_district(admin, "gnc", Names("Başqa Gəncə")))
    assert errors == {"code": "The code GNC is already used by another district."}
    assert refused(lambda: reference.create_district(admin, "G1", Names("X")))["code"].startswith("Enter a code")
    assert refused(lambda: reference.create_district(admin, "ABC", Names("  ")))["name_az"] == \
        "Write the district's name in Azerbaijani."
    assert count(District) == before


def test_a_deactivated_district_takes_no_new_appeal_and_keeps_its_old_ones(world):
    old = create_appeal(world["citizen"], world["gnc"])
    reference.update_district(world["admin"], world["gnc"].id, Names("Gəncə", "Гянджа", "Ganja"), active=False)
    category = db.session.scalars(select(Category)).first()
    errors = refused(lambda: appeals.file_appeal(world["citizen"], appeal_input(world["gnc"], category)))
    assert "district_id" in errors
    kept = db.session.get(Appeal, old.id)
    assert kept.district.code == "GNC" and kept.status == "submitted"
    from app.kit.reference import active_districts
    assert "GNC" not in {d.code for d in active_districts()}


# --- Departments --------------------------------------------------------------------------------------------------


def test_a_department_without_a_name_or_with_a_taken_name_or_kind_is_refused(world):
    admin, gnc = world["admin"], world["gnc"]
    before = count(Department)
    assert refused(lambda: reference.create_department(admin, gnc.id, Names(""), "parks"))["name_az"] == \
        "Write the department's name in Azerbaijani."
    assert "already has a department called" in refused(
        lambda: reference.create_department(admin, gnc.id, Names("Ümumi şöbə")))["name_az"]
    assert refused(lambda: reference.create_department(admin, gnc.id, Names("Parklar"), "housing"))["kind"] == \
        "In this district the kind housing is already given to Mənzil-kommunal təsərrüfatı şöbəsi."
    assert "small Latin letters" in refused(
        lambda: reference.create_department(admin, gnc.id, Names("Parklar"), "Parks & gardens"))["kind"]
    assert count(Department) == before
    parks = reference.create_department(admin, gnc.id, Names("Parklar şöbəsi", "Отдел парков", "Parks"), "parks")
    assert parks.kind == "parks" and count(Department) == before + 1


def test_a_category_goes_to_the_districts_department_of_its_kind(world):
    admin, gnc, msl = world["admin"], world["gnc"], world["msl"]
    roads = db.session.scalar(select(Category).where(Category.code == "roads"))
    assert roads.default_department_kind == "construction"
    appeal = create_appeal(world["citizen"], gnc, category=roads)
    assert appeal.department.kind == "construction" and appeal.department.district_id == gnc.id
    assert create_appeal(world["citizen"], msl, category=roads).department.district_id == msl.id
    # A deactivated department is no default; the appeal waits for the official to choose.
    construction = db.session.scalar(select(Department).where(Department.district_id == gnc.id,
                                                              Department.kind == "construction"))
    reference.update_department(admin, construction.id, Names(construction.name_az), "construction", active=False)
    assert create_appeal(world["citizen"], gnc, category=roads).department_id is None
    # The first appeal keeps its department.
    assert db.session.get(Appeal, appeal.id).department_id == construction.id


# --- Categories ---------------------------------------------------------------------------------------------------


def test_a_category_without_an_azerbaijani_name_is_refused(world):
    admin = world["admin"]
    before = count(Category)
    errors = refused(lambda: reference.create_category(admin, CategoryInput(Names("", "Парки", "Parks"), code="parks")))
    assert errors == {"name_az": "Write the category's name in Azerbaijani."}
    assert refused(lambda: reference.create_category(admin, CategoryInput(Names("Yollar"), code="roads")))["code"] == \
        "The code roads is already used by another category."
    assert refused(lambda: reference.create_category(
        admin, CategoryInput(Names("Parklar"), code="parks", default_department_kind="zoo")))["default_department_kind"]
    assert count(Category) == before
    parks = reference.create_category(admin, CategoryInput(Names("Parklar"), code="parks",
                                                           default_department_kind="housing", position=3))
    assert parks.name_in("en") == "Parklar" and parks.default_department_kind == "housing"


def test_a_deactivated_category_is_not_offered_and_old_appeals_keep_it(world):
    roads = db.session.scalar(select(Category).where(Category.code == "roads"))
    old = create_appeal(world["citizen"], world["gnc"], category=roads)
    reference.update_category(world["admin"], roads.id, CategoryInput(
        Names(roads.name_az, roads.name_ru, roads.name_en), roads.default_department_kind, roads.position, active=False))
    assert "category_id" in refused(lambda: appeals.file_appeal(world["citizen"], appeal_input(world["gnc"], roads)))
    assert db.session.get(Appeal, old.id).category.code == "roads"


# --- The calendar -------------------------------------------------------------------------------------------------


def test_a_declared_rest_day_moves_the_deadlines_computed_after_it(world):
    # Filed on Monday 7 December 2026: 15 working days later is Monday 28 December.
    filed = datetime(2026, 12, 7, 8, tzinfo=UTC)
    before = create_appeal(world["citizen"], world["gnc"], now=filed)
    assert calendar.local_date(before.due_at) == date(2026, 12, 28)
    reference.declare(world["admin"], date(2026, 12, 15), "rest_day", "Nazirlər Kabinetinin 1 dekabr 2026-cı il "
                                                                      "tarixli 500 nömrəli qərarı")
    after = create_appeal(world["citizen"], world["gnc"], now=filed)
    assert calendar.local_date(after.due_at) == date(2026, 12, 29)
    # The deadline already given stays as it was promised.
    assert calendar.local_date(db.session.get(Appeal, before.id).due_at) == date(2026, 12, 28)


def test_a_working_saturday_counts_and_withdrawing_it_restores_the_calendar(world):
    saturday = date(2026, 12, 12)
    assert not calendar.is_working_day(saturday)
    exception = reference.declare(world["admin"], saturday, "working_day", "Qərar № 501")
    assert calendar.is_working_day(saturday)
    assert calendar.add_working_days(date(2026, 12, 11), 1) == saturday
    reference.withdraw(world["admin"], exception.id)
    assert not calendar.is_working_day(saturday)
    assert count(CalendarException) == 0


@pytest.mark.parametrize(("day", "kind", "message"), [
    (date(2026, 12, 12), "rest_day", "12 December 2026 is a Saturday or Sunday; it is a rest day already."),
    (date(2026, 12, 31), "rest_day", "31 December 2026 is a public holiday; it is a rest day already."),
    (date(2026, 12, 14), "working_day",
     "14 December 2026 is not a Saturday; only a Saturday can be declared a working day."),
    (date(2026, 12, 13), "working_day",
     "13 December 2026 is not a Saturday; only a Saturday can be declared a working day."),
    (None, "rest_day", "Enter the date as YYYY-MM-DD, for example 2026-12-31."),
])
def test_an_exception_on_a_date_already_off_or_not_a_saturday_is_refused(world, day, kind, message):
    assert refused(lambda: reference.declare(world["admin"], day, kind, "Qərar"))["day"] == message
    assert count(CalendarException) == 0


def test_a_date_already_declared_and_a_missing_decision_are_refused(world):
    admin = world["admin"]
    reference.declare(admin, date(2026, 12, 19), "working_day", "Qərar № 502")
    assert refused(lambda: reference.declare(admin, date(2026, 12, 19), "working_day", "Qərar"))["day"] == \
        "19 December 2026 is already declared: Working Saturday."
    assert refused(lambda: reference.declare(admin, date(2026, 12, 16), "rest_day", "  "))["decision"]
    assert refused(lambda: reference.declare(admin, date(2026, 12, 16), "holiday", "Qərar"))["kind"]
    assert count(CalendarException) == 1


def test_another_process_sees_a_new_exception_on_its_next_request(app, world):
    """Two application contexts stand for two processes: no copy outlives the request that read it."""
    day = date(2026, 12, 16)
    with app.app_context():
        assert calendar.is_working_day(day)
    reference.declare(world["admin"], day, "rest_day", "Qərar № 503")
    with app.app_context():
        assert not calendar.is_working_day(day)


def test_every_change_is_audited_and_a_refusal_leaves_no_entry(world):
    from app.models import AuditEntry

    admin = world["admin"]
    district = reference.create_district(admin, "XTZ", Names("Xətai"))
    reference.update_district(admin, district.id, Names("Xətai rayonu"), active=False)
    department = reference.create_department(admin, district.id, Names("Ümumi şöbə"), "general")
    reference.update_department(admin, department.id, Names("Ümumi şöbə"), "general", active=False)
    category = reference.create_category(admin, CategoryInput(Names("Parklar"), code="parks"))
    reference.update_category(admin, category.id, CategoryInput(Names("Parklar və bağlar"), code="parks"))
    exception = reference.declare(admin, date(2026, 12, 16), "rest_day", "Qərar № 10")
    reference.withdraw(admin, exception.id)
    refused(lambda: reference.create_district(admin, "XTZ", Names("Yenə")))
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == [
        "district.create", "district.update", "department.create", "department.update", "category.create",
        "category.update", "calendar.declare", "calendar.withdraw"]
    assert all(e.actor_id == admin.id for e in entries)
    update = entries[1]
    assert (update.object_type, update.object_id, update.district_id) == ("district", str(district.id), district.id)
    assert '"active":true' in update.before and '"active":false' in update.after
    # Saving without a change writes no entry.
    reference.update_category(admin, category.id, CategoryInput(Names("Parklar və bağlar"), code="parks"))
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == len(entries)


def test_a_deactivated_district_takes_no_new_booking_or_application(world):
    from datetime import time

    from app.eservices import service as eservices
    from app.reception import service as reception
    from tests.factories import create_service

    gnc = world["gnc"]
    head = create_user("head@example.az", roles=[("head", gnc)])
    service = create_service([gnc])
    day = calendar.add_working_days(calendar.local_date(datetime.now(UTC)), 3)
    session = reception.publish(head, gnc.id, reception.SessionInput(
        host_id=head.id, day=day, start=time(10), end=time(11), slot_minutes=30, place="İcra hakimiyyəti"))
    booked = reception.book(world["citizen"], session.id, session.slots[0].id, "Abadlıq")
    reference.update_district(world["admin"], gnc.id, Names(gnc.name_az, gnc.name_ru, gnc.name_en), active=False)
    other = create_user("other@example.az")
    errors = refused(lambda: reception.book(other, session.id, session.slots[1].id, "Yol"))
    assert errors == {None: "This district authority no longer takes bookings online."}
    errors = refused(lambda: eservices.apply(world["citizen"], application_input(service, gnc, members="3")))
    assert "district_id" in errors
    from app.models import ReceptionBooking
    assert db.session.get(ReceptionBooking, booked.id).status == "booked"
