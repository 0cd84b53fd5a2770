"""The Open311 tests' world: the reference data, an administrator with a key for Gəncə and one for Masallı, a
resident and an official of Gəncə; and the fields of a valid filing."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.appeals import service as appeals
from app.extensions import db
from app.models import Appeal, District, User
from app.open311 import keys
from tests.factories import create_appeal, create_reference_data, create_user


@pytest.fixture
def world(app):
    """Ids and key texts (the keys are issued through the use case, as an administrator would)."""
    with app.app_context():
        districts = create_reference_data()
        gnc, msl = districts["GNC"], districts["MSL"]
        admin = create_user("admin@example.az", full_name="Tural Kərimov", roles=[("admin", None)])
        resident = create_user("resident@example.az", full_name="Aygün Həsənova")
        official = create_user("official@example.az", full_name="Rəşad Əliyev", roles=[("official", gnc)])
        gnc_key = keys.issue(admin, "Gəncə call centre", gnc.id)
        msl_key = keys.issue(admin, "Masallı app", msl.id)
        return SimpleNamespace(gnc=gnc.id, msl=msl.id, admin=admin.id, resident=resident.id, official=official.id,
                               key=gnc_key.secret, key_id=gnc_key.key.id, key_prefix=gnc_key.key.prefix,
                               msl_key=msl_key.secret, msl_key_id=msl_key.key.id)


def filing(**changes) -> dict:
    """The fields of a valid filing to Gəncə (no key: add ``api_key``); keyword arguments change or add fields,
    ``None`` removes one."""
    data = {
        "service_code": "roads",
        "description": "Nizami küçəsində böyük çuxur var, maşınlar zədələnir.",
        "first_name": "Aygün",
        "last_name": "Həsənova",
        "email": "aygun@example.az",
        "phone": "+994 50 123 45 67",
        "address_string": "Gəncə ş., Nizami küç. 5",
        "attribute[kind]": "complaint",
        "attribute[subject]": "Yolda çuxur",
        "attribute[publish]": "yes",
        "lat": "40.6828",
        "long": "46.3606",
    }
    for name, value in changes.items():
        name = name.replace("attribute_", "attribute[") + "]" if name.startswith("attribute_") else name
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def public_appeal(citizen_id: int, district_id: int, *, steps=(), **changes) -> str:
    """An appeal filed on the web, public unless changed, taken through ``steps`` by the district's official
    (``(status, StepData)`` pairs or status names); its number."""
    citizen = db.session.get(User, citizen_id)
    district = db.session.get(District, district_id)
    values = {"public_ok": True, **changes}
    appeal = create_appeal(citizen, district, **values)
    official = db.session.scalar(db.select(User).where(User.email == "official@example.az"))
    for step in steps:
        status, data = step if isinstance(step, tuple) else (step, None)
        appeals.transition(official, appeal.id, status, data)
    return db.session.get(Appeal, appeal.id).number
