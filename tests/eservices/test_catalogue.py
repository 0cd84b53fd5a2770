"""The e-service catalogue for administrators: the rules of a service, and form definitions saved as new versions."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.eservices import catalogue as catalogue_admin
from app.extensions import db
from app.kit.errors import Invalid, NotAllowed, NotFound
from app.models import Service, ServiceForm
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed


@pytest.fixture
def world(ctx):
    """Gəncə and Masallı, an administrator, a supervisor, Gəncə's head and a resident (built once, then put back:
    tests/snapshots.py; the objects are loaded again each time)."""
    return replayed("e-service catalogue: world", _build_world)


def _build_world() -> dict:
    districts = create_reference_data()
    return {
        "gnc": districts["GNC"],
        "msl": districts["MSL"],
        "admin": create_user("admin@example.az", full_name="Tural Kərimov", roles=[("admin", None)]),
        "supervisor": create_user("supervisor@example.az", roles=[("supervisor", None)]),
        "head": create_user("head@example.az", roles=[("head", districts["GNC"])]),
        "resident": create_user("resident@example.az"),
    }


def service_input(world=None, **changes) -> catalogue_admin.ServiceInput:
    """A good service, offered in Gəncə when ``world`` is given; keyword arguments change any field."""
    data = catalogue_admin.ServiceInput(
        code="birth-certificate",
        title_az="Doğum haqqında arayış",
        summary_az="Doğumu təsdiq edən arayışın verilməsi.",
        eligibility_az="Azərbaycan Respublikasının vətəndaşları.",
        documents_az="Şəxsiyyət vəsiqəsi\nDoğum haqqında şəhadətnamə",
        legal_basis_az="Nazirlər Kabinetinin qərarı.",
        fee=Decimal("2.50"),
        processing_days=5,
        life_situation="certificates",
        district_ids=[world["gnc"].id] if world else [],
    )
    return replace(data, **changes)


def a_field(key: str = "full_name", **changes) -> dict:
    """A good field definition: a required short text; keyword arguments change any attribute."""
    item = {"key": key, "type": "text", "required": True, "label_az": "Soyad, ad, ata adı", "label_ru": "",
            "label_en": "Full name", "help_az": "", "help_ru": "", "help_en": "", "options": [], "min": "", "max": ""}
    item.update(changes)
    return item


def a_choice(key: str = "purpose", **changes) -> dict:
    """A good select field with two options."""
    values = {"type": "select", "label_az": "Məqsəd", "options": [
        {"value": "work", "label_az": "İş yeri üçün", "label_ru": "Для работы", "label_en": "For work"},
        {"value": "school", "label_az": "Məktəb üçün", "label_ru": "", "label_en": ""},
    ]}
    return a_field(key, **{**values, **changes})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def refused(call) -> dict:
    """The messages of the ``Invalid`` that ``call`` raises."""
    with pytest.raises(Invalid) as caught:
        call()
    return caught.value.errors


# --- Services ------------------------------------------------------------------------------------------


def test_an_administrator_creates_a_service_with_az_texts_only_and_translations_fall_back(world):
    service = catalogue_admin.create_service(world["admin"], service_input(
        world, district_ids=[world["gnc"].id, world["msl"].id], title_en="Birth certificate"))
    db.session.expire_all()
    stored = db.session.get(Service, service.id)
    assert stored.code == "birth-certificate" and stored.fee == Decimal("2.50") and stored.processing_days == 5
    assert stored.title_ru == "" and stored.text("title", "ru") == "Doğum haqqında arayış"
    assert stored.text("title", "en") == "Birth certificate"
    assert stored.text("summary", "en") == "Doğumu təsdiq edən arayışın verilməsi."
    assert {d.code for d in stored.districts} == {"GNC", "MSL"}
    assert stored.online and stored.front_desk and stored.active


def test_an_administrator_changes_a_service_and_its_districts(world):
    service = catalogue_admin.create_service(world["admin"], service_input(world))
    catalogue_admin.update_service(world["admin"], service.id, service_input(
        code="birth-certificate-copy", fee=Decimal("0"), processing_days=90, district_ids=[world["msl"].id],
        active=False, online=False, summary_ru="Выдача справки о рождении."))
    db.session.expire_all()
    stored = db.session.get(Service, service.id)
    assert stored.code == "birth-certificate-copy" and stored.fee == 0 and stored.processing_days == 90
    assert [d.code for d in stored.districts] == ["MSL"]
    assert not stored.active and not stored.online and stored.front_desk
    assert stored.text("summary", "ru") == "Выдача справки о рождении."
    # Keeping its own code is not "taken".
    catalogue_admin.update_service(world["admin"], service.id, service_input(code="birth-certificate-copy"))


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"code": ""}, "code", "small Latin letters"),
    ({"code": "Birth-Certificate"}, "code", "small Latin letters"),
    ({"code": "birth certificate"}, "code", "small Latin letters"),
    ({"code": "-birth"}, "code", "small Latin letters"),
    ({"code": "doğum"}, "code", "small Latin letters"),
    ({"code": "x" * 41}, "code", "small Latin letters"),
    ({"title_az": "  "}, "title_az", "title in Azerbaijani"),
    ({"summary_az": ""}, "summary_az", "Azerbaijani"),
    ({"eligibility_az": ""}, "eligibility_az", "who may apply"),
    ({"documents_az": ""}, "documents_az", "required documents"),
    ({"legal_basis_az": ""}, "legal_basis_az", "legal basis"),
    ({"title_en": "x" * 201}, "title_en", "at most 200"),
    ({"documents_ru": "x" * 5001}, "documents_ru", "at most 5000"),
    ({"fee": None}, "fee", "0 when the service is free"),
    ({"fee": Decimal("-1")}, "fee", "cannot be negative"),
    ({"fee": Decimal("2.505")}, "fee", "two decimals"),
    ({"fee": Decimal("100000000")}, "fee", "too large"),
    ({"fee": Decimal("NaN")}, "fee", "as a number"),
    ({"processing_days": 0}, "processing_days", "from 1 to 90"),
    ({"processing_days": 91}, "processing_days", "from 1 to 90"),
    ({"processing_days": None}, "processing_days", "from 1 to 90"),
    ({"life_situation": "pets"}, "life_situation", "life situation"),
    ({"online": False, "front_desk": False}, "online", "or both"),
    ({"district_ids": [999999]}, "district_ids", "from the list"),
    ({"district_ids": [-1]}, "district_ids", "from the list"),
])
def test_bad_service_input_is_refused_beside_its_field_and_nothing_is_saved(world, changes, field, words):
    errors = refused(lambda: catalogue_admin.create_service(world["admin"], service_input(world, **changes)))
    assert words in errors[field]
    assert count(Service) == 0


def test_a_code_is_unique_and_a_refused_change_leaves_the_service_as_it_was(world):
    first = catalogue_admin.create_service(world["admin"], service_input(world))
    second = catalogue_admin.create_service(world["admin"], service_input(world, code="residence-certificate"))
    assert second.position > first.position
    errors = refused(lambda: catalogue_admin.create_service(world["admin"], service_input(world)))
    assert "already used" in errors["code"]
    errors = refused(lambda: catalogue_admin.update_service(world["admin"], second.id, service_input(
        world, code="birth-certificate", title_az="Yeni ad", district_ids=[world["msl"].id])))
    assert "already used" in errors["code"]
    db.session.expire_all()
    stored = db.session.get(Service, second.id)
    assert stored.code == "residence-certificate" and stored.title_az == "Doğum haqqında arayış"
    assert [d.code for d in stored.districts] == ["GNC"]
    assert count(Service) == 2


@pytest.mark.parametrize("who", ["supervisor", "head", "resident"])
def test_only_administrators_manage_the_catalogue(world, who):
    service = catalogue_admin.create_service(world["admin"], service_input(world))
    actor = world[who]
    with pytest.raises(NotAllowed):
        catalogue_admin.create_service(actor, service_input(world, code="other"))
    with pytest.raises(NotAllowed):
        catalogue_admin.update_service(actor, service.id, service_input(world, title_az="Başqa"))
    with pytest.raises(NotAllowed):
        catalogue_admin.save_form(actor, service.id, [a_field()])
    with pytest.raises(NotAllowed):
        catalogue_admin.service_list(actor)
    assert count(Service) == 1 and count(ServiceForm) == 0


def test_a_missing_service_is_not_found(world):
    with pytest.raises(NotFound):
        catalogue_admin.update_service(world["admin"], 999999, service_input(world))
    with pytest.raises(NotFound):
        catalogue_admin.save_form(world["admin"], 999999, [a_field()])


def test_the_list_counts_districts_and_shows_the_current_form_version(world):
    admin = world["admin"]
    plain = catalogue_admin.create_service(admin, service_input(code="a-service", district_ids=[]))
    offered = catalogue_admin.create_service(admin, service_input(
        world, code="b-service", district_ids=[world["gnc"].id, world["msl"].id]))
    catalogue_admin.save_form(admin, offered.id, [a_field()])
    catalogue_admin.save_form(admin, offered.id, [a_field(), a_choice()])
    rows = {row.service.code: row for row in catalogue_admin.service_list(admin)}
    assert (rows["a-service"].districts, rows["a-service"].form_version) == (0, None)
    assert (rows["b-service"].districts, rows["b-service"].form_version) == (2, 2)
    assert rows["a-service"].service.id == plain.id


# --- Form definitions -----------------------------------------------------------------------------------


def test_save_form_adds_versions_one_and_two_and_nothing_when_unchanged(world):
    admin = world["admin"]
    service = catalogue_admin.create_service(admin, service_input(world))
    first = catalogue_admin.save_form(admin, service.id, [a_field(), a_field("age", type="number", label_az="Yaş",
                                                                              min="18", max="120")])
    assert first.version == 1 and first.created_by_id == admin.id
    assert first.fields[1]["min"] == 18 and first.fields[1]["max"] == 120
    assert first.fields[0]["options"] == [] and first.fields[0]["required"] is True
    # The same definition, typed again with stray spaces: nothing new.
    assert catalogue_admin.save_form(admin, service.id, [a_field(label_az=" Soyad, ad, ata adı "),
                                                         a_field("age", type="number", label_az="Yaş", min=18,
                                                                 max="120")]) is None
    second = catalogue_admin.save_form(admin, service.id, [a_field(), a_choice()], based_on=1)
    assert second.version == 2
    assert catalogue_admin.save_form(admin, service.id, [a_field(), a_choice()], based_on=2) is None
    db.session.expire_all()
    versions = db.session.scalars(select(ServiceForm).where(ServiceForm.service_id == service.id)
                                  .order_by(ServiceForm.version)).all()
    # Version 1 is kept exactly as it was: applications filled against it keep their labels.
    assert [v.version for v in versions] == [1, 2]
    assert [f["key"] for f in versions[0].fields] == ["full_name", "age"]
    assert [f["key"] for f in versions[1].fields] == ["full_name", "purpose"]
    assert versions[1].fields[1]["options"][0] == {"value": "work", "label_az": "İş yeri üçün",
                                                   "label_ru": "Для работы", "label_en": "For work"}
    service_again, history = catalogue_admin.form_history(admin, service.id)
    assert [(v.version, v.fields, v.author) for v in history] == [(2, 2, "Tural Kərimov"), (1, 2, "Tural Kərimov")]
    assert [f["key"] for f in catalogue_admin.current_fields(admin, service.id)] == ["full_name", "purpose"]


def test_a_form_saved_from_an_older_version_is_refused(world):
    admin = world["admin"]
    service = catalogue_admin.create_service(admin, service_input(world))
    catalogue_admin.save_form(admin, service.id, [a_field()], based_on=0)
    catalogue_admin.save_form(admin, service.id, [a_field(), a_choice()], based_on=1)
    errors = refused(lambda: catalogue_admin.save_form(admin, service.id, [a_field(label_en="Name")], based_on=1))
    assert "Version 2" in errors[None]
    assert count(ServiceForm) == 2


@pytest.mark.parametrize(("fields", "key", "words"), [
    ([a_field("name"), a_field("name", label_az="Ad")], "fields-1-key", "used twice"),
    ([a_field(), a_field("phone", label_az="  ")], "fields-1-label_az", "label in Azerbaijani"),
    ([a_choice(options=[])], "fields-0-options", "at least one option"),
    ([a_field("age", type="number", min="10", max="5")], "fields-0-min", "larger than the maximum"),
    ([a_field("age", type="number", min="ten")], "fields-0-min", "are numbers"),
    ([a_field("age", type="number", min="nan")], "fields-0-min", "are numbers"),
    ([], "fields", "at least one field"),
    ([a_field("Name")], "fields-0-key", "small Latin letters"),
    ([a_field(type="colour")], "fields-0-type", "field types"),
    ([a_choice(options=[{"value": "a", "label_az": "A"}, {"value": "a", "label_az": "B"}])], "fields-0-options",
     "same value"),
    ([a_field(options=[{"value": "a", "label_az": "A"}])], "fields-0-options", "Only a choice"),
    ([a_field("when", type="date", min="1")], "fields-0-min", "Only text and number"),
    ([a_field(min="2.5")], "fields-0-min", "whole numbers"),
    ([a_field(max="5000")], "fields-0-max", "whole numbers"),
    ([a_field(label_en="x" * 201)], "fields-0-label_en", "at most 200"),
    ([a_field(help_az="x" * 1001)], "fields-0-help_az", "at most 1000"),
])
def test_a_bad_definition_is_refused_with_the_reason_and_nothing_is_saved(world, fields, key, words):
    admin = world["admin"]
    service = catalogue_admin.create_service(admin, service_input(world))
    catalogue_admin.save_form(admin, service.id, [a_field()])
    errors = refused(lambda: catalogue_admin.save_form(admin, service.id, fields))
    assert words in errors[key]
    assert count(ServiceForm) == 1


def test_bounds_are_read_with_a_decimal_comma(world):
    service = catalogue_admin.create_service(world["admin"], service_input(world))
    saved = catalogue_admin.save_form(world["admin"], service.id, [
        a_field("area", type="number", label_az="Sahə", min="0,5", max="1000")])
    assert (saved.fields[0]["min"], saved.fields[0]["max"]) == (0.5, 1000)


def test_a_code_taken_at_the_same_moment_is_refused_at_the_commit(world, monkeypatch):
    admin = world["admin"]
    catalogue_admin.create_service(admin, service_input(world))
    other = catalogue_admin.create_service(admin, service_input(world, code="residence-certificate"))
    # As if another administrator took the code between the check and the commit.
    monkeypatch.setattr(catalogue_admin, "_check_service", lambda data, service_id: {})
    errors = refused(lambda: catalogue_admin.create_service(admin, service_input(world)))
    assert errors == {"code": "The code birth-certificate is already used by another service."}
    errors = refused(lambda: catalogue_admin.update_service(admin, other.id, service_input(
        code="birth-certificate", district_ids=[world["msl"].id])))
    assert errors == {"code": "The code birth-certificate is already used by another service."}
    db.session.expire_all()
    assert db.session.get(Service, other.id).code == "residence-certificate"
    assert [d.code for d in db.session.get(Service, other.id).districts] == ["GNC"]
    assert count(Service) == 2


def test_a_version_number_taken_at_the_same_moment_is_refused(world, monkeypatch):
    admin = world["admin"]
    service = catalogue_admin.create_service(admin, service_input(world))
    catalogue_admin.save_form(admin, service.id, [a_field()])
    # As if another administrator saved version 1 between this one's read of the latest version and its commit.
    monkeypatch.setattr(catalogue_admin, "_latest", lambda service_id: None)
    errors = refused(lambda: catalogue_admin.save_form(admin, service.id, [a_field(), a_choice()]))
    assert "at the same moment" in errors[None]
    assert count(ServiceForm) == 1
