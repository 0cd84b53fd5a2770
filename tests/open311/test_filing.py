"""Filing through the Open311 interface: the law and the web form's use case, a key that files to its own district
only, every use of a key in the audit trail, bad input refused with the reason and nothing filed, one appeal per
idempotency key, a rate limit per key, and keys kept as hashes only."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import func, inspect, select, text

from app.extensions import db
from app.kit.calendar import deadline
from app.models import ApiKey, Appeal, AuditEntry, Notification, Open311Request, OutboxMessage, User
from app.open311 import keys
from tests.open311.conftest import filing

URL = "/open311/v2/requests.json"


def counts(app) -> tuple[int, int, int]:
    """(appeals, Open311 links, users): what a refused filing must leave as it was."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Appeal, Open311Request, User))


def audit_actions(app) -> list[tuple[str, int | None, str]]:
    with app.app_context():
        return [(e.action, e.actor_id, e.summary) for e in
                db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("open311.%"))
                                   .order_by(AuditEntry.id))]


def test_a_filing_is_an_appeal_as_the_web_form_files_one(app, client, world):
    answer = client.post(URL, data={**filing(), "api_key": world.key})
    assert answer.status_code == 201 and answer.headers["Content-Language"] == "az"
    [item] = answer.json
    assert re.fullmatch(r"GNC-\d{4}-000001", item["service_request_id"]) and item["account_id"] is None
    assert item["token"] and item["locale"] == "az"
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.number == item["service_request_id"] and appeal.source == "api"
        # The law's deadline, counted as for the web form: 15 working days from registration.
        assert appeal.due_at == deadline(appeal.created_at, 15) and appeal.status == "submitted"
        assert (appeal.kind, appeal.subject, appeal.category.code) == ("complaint", "Yolda çuxur", "roads")
        assert appeal.text.startswith("Nizami küçəsində") and appeal.public_ok and not appeal.confidential
        assert appeal.applicant_name == "Aygün Həsənova" and appeal.applicant_phone == "+994 50 123 45 67"
        assert appeal.applicant_address == "Gəncə ş., Nizami küç. 5"
        assert (appeal.location_lat, appeal.location_lon) == (40.6828, 46.3606)
        link = db.session.scalar(select(Open311Request))
        assert (link.appeal_id, link.api_key_id, link.token) == (appeal.id, world.key_id, item["token"])
        assert db.session.get(ApiKey, world.key_id).last_used_at is not None
        # The district's official hears of it, as of any new appeal.
        official = db.session.get(User, world.official)
        assert db.session.scalar(select(Notification).where(Notification.user_id == official.id)).kind == "appeal.filed"
    # Read back: the answer's id is the one every endpoint uses; the address_string is the appellant's, not shown.
    read = client.get(f"/open311/v2/requests/{item['service_request_id']}.json").json[0]
    assert read["address"] is None and read["status"] == "open"


def test_the_address_a_request_is_filed_with_is_never_published(app, client, world):
    """The law's "postal address or phone" makes the address_string the appellant's own address as often as the
    place: kept as the appeal's applicant address, shown by no public answer, page or feed."""
    item = client.post(URL, data={**filing(), "api_key": world.key}).json[0]
    number = item["service_request_id"]
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.applicant_address == "Gəncə ş., Nizami küç. 5" and appeal.public_ok
        appeal_id = appeal.id
    public = [f"/open311/v2/requests/{number}.json", f"/open311/v2/requests/{number}.xml",
              "/open311/v2/requests.json?jurisdiction_id=gnc", "/open311/v2/requests.xml?jurisdiction_id=gnc",
              "/appeals/public/GNC", f"/appeals/public/GNC/{appeal_id}", "/alerts/GNC.atom"]
    for address in public:
        answer = client.get(address)
        assert answer.status_code == 200, address
        body = answer.get_data(as_text=True)
        assert "Yolda çuxur" in body or address.endswith(".atom"), address  # the appeal itself is there
        assert "Nizami küç. 5" not in body, address


def test_the_filing_speaks_the_language_asked_for(app, client, world):
    answer = client.post(URL, data={**filing(), "api_key": world.key, "locale": "ru"})
    assert answer.status_code == 201 and answer.headers["Content-Language"] == "ru"
    assert answer.json[0]["service_notice"].startswith("Ваше обращение зарегистрировано под номером GNC-")
    with app.app_context():
        assert db.session.scalar(select(Appeal.locale)) == "ru"
    refused = client.post(URL, data={**filing(), "api_key": world.key, "attribute[kind]": "x"},
                          headers={"Accept-Language": "ru"})
    assert refused.headers["Content-Language"] == "ru"
    assert refused.json[0]["description"] == (
        "attribute[kind]: Укажите, является ли обращение заявлением, предложением или жалобой.")


def test_an_xml_filing_answers_in_xml(client, world):
    from xml.etree import ElementTree

    answer = client.post("/open311/v2/requests.xml", data={**filing(), "api_key": world.key})
    assert answer.status_code == 201 and answer.headers["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(answer.get_data())
    assert root.tag == "service_requests" and root.find("request/service_request_id").text.startswith("GNC-")
    assert root.find("request/account_id").text is None


def test_the_appellant_is_the_resident_with_that_email(app, client, world):
    answer = client.post(URL, data={**filing(email="RESIDENT@example.az"), "api_key": world.key})
    assert answer.status_code == 201
    with app.app_context():
        assert db.session.scalar(select(Appeal.citizen_id)) == world.resident
        assert db.session.scalar(select(func.count()).select_from(User)) == 3


def test_a_new_appellant_gets_an_account_they_claim_with_forgot_password(app, client, web, world):
    answer = client.post(URL, data={**filing(email="Leyla@Example.az"), "api_key": world.key})
    assert answer.status_code == 201
    number = answer.json[0]["service_request_id"]
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == "leyla@example.az"))
        assert person.full_name == "Aygün Həsənova" and person.confirmed_at is None and person.active
        assert not person.password_hash.startswith("$argon2")
        assert db.session.scalar(select(Appeal.citizen_id)) == person.id
        # Told as any appellant is: the appeal's receipt reaches the address.
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.recipient == "leyla@example.az")) == 1
    # No password opens it until the owner chooses one through the emailed reset link.
    assert web.login("leyla@example.az", "!open311").status_code == 422
    web.post("/auth/reset", {"email": "leyla@example.az"})
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    link = re.search(r"https?://[^/\s]+(/auth/reset/\S+)", body).group(1)
    assert client.get(link).headers["Location"].endswith("/auth/new-password")
    assert web.post("/auth/new-password", {"password": "Yeni-Şifrə-2026", "password_again": "Yeni-Şifrə-2026"}
                    ).status_code == 302
    assert web.login("leyla@example.az", "Yeni-Şifrə-2026").status_code == 302
    assert number in client.get("/cabinet/appeals").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "leyla@example.az")).confirmed_at is not None


def test_a_phone_only_appellant_gets_an_account_no_email_is_sent_to(app, client, world):
    first = client.post(URL, data={**filing(email=None), "api_key": world.key})
    second = client.post(URL, data={**filing(email=None, attribute_subject="İkinci"), "api_key": world.key})
    assert (first.status_code, second.status_code) == (201, 201)
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email.like("%.invalid")))
        assert person.email == "tel-994501234567@phone.open311.invalid"
        assert db.session.scalar(select(func.count()).select_from(Appeal).where(Appeal.citizen_id == person.id)) == 2
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.recipient == person.email)) == 0
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.user_id == person.id, Notification.channel == "in_app")) == 2


def test_every_use_of_a_key_is_audited_with_its_administrator_and_its_name(app, client, world):
    client.post(URL, data={**filing(), "api_key": world.key}, headers={"Idempotency-Key": "call-1"})
    client.post(URL, data={**filing(), "api_key": world.key}, headers={"Idempotency-Key": "call-1"})
    client.post(URL, data={**filing(description=""), "api_key": world.key})
    actions = audit_actions(app)
    assert [a for a, _actor, _summary in actions] == ["open311.key_issue", "open311.key_issue", "open311.filed",
                                                      "open311.replayed", "open311.refused"]
    for action, actor, summary in actions[2:]:
        assert actor == world.admin and world.key_prefix in summary and "Gəncə call centre" in summary, action
    assert "invalid description" in actions[-1][2]
    with app.app_context():
        filed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "open311.filed"))
        assert filed.object_type == "appeal" and filed.actor_email == "admin@example.az"
        from app.kit import audit

        assert audit.verify().ok


def test_the_key_text_is_nowhere_in_the_database(app, client, world):
    client.post(URL, data={**filing(), "api_key": world.key})
    with app.app_context():
        stored = db.session.get(ApiKey, world.key_id)
        assert stored.key_hash == hashlib.sha256(world.key.encode()).hexdigest()
        assert world.key.startswith(stored.prefix + "_") and len(world.key) > len(stored.prefix) + 40
        secret_part = world.key[len(stored.prefix) + 1:]
        engine = db.engine
        with engine.connect() as conn:
            for table in inspect(engine).get_table_names():
                for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                    flat = " ".join(str(value) for value in row)
                    assert world.key not in flat and secret_part not in flat, table


BAD = [
    # (changes to the filing, the key to use ("gnc", "msl", "none", text), status, the parameter named or a phrase)
    ({}, "none", 403, "api_key is missing"),
    ({}, "o311_deadbeef_notakey", 403, "api_key is not a valid key"),
    ({"service_code": "potholes"}, "gnc", 400, "service_code: "),
    ({"service_code": None}, "gnc", 400, "service_code: "),
    ({"jurisdiction_id": "MSL"}, "gnc", 403, "files appeals to Ganja only"),
    ({"jurisdiction_id": "ZZZ"}, "gnc", 404, "jurisdiction_id: "),
    ({"attribute_kind": None}, "gnc", 400, "attribute[kind]: "),
    ({"attribute_kind": "petition"}, "gnc", 400, "attribute[kind]: "),
    ({"attribute_subject": None}, "gnc", 400, "attribute[subject]: "),
    ({"attribute_subject": "x" * 201}, "gnc", 400, "attribute[subject]: "),
    ({"attribute_publish": "maybe"}, "gnc", 400, "attribute[publish]: "),
    ({"description": "x" * 10_001}, "gnc", 400, "description: The text has 10001 characters; at most 10000"),
    ({"description": "   "}, "gnc", 400, "description: "),
    ({"lat": "north"}, "gnc", 400, "lat: "),
    ({"lat": "91"}, "gnc", 400, "lat: The map point is not a valid position."),
    ({"long": "-180.5"}, "gnc", 400, "long: "),
    ({"lat": "nan"}, "gnc", 400, "lat: "),
    ({"long": "inf"}, "gnc", 400, "long: "),
    ({"long": None}, "gnc", 400, "long: Give both the latitude and the longitude, or neither."),
    ({"lat": None}, "gnc", 400, "lat: Give both"),
    ({"first_name": None}, "gnc", 400, "first_name: The law does not accept anonymous appeals"),
    ({"last_name": "  "}, "gnc", 400, "last_name: The law does not accept anonymous appeals"),
    ({"email": None, "phone": None}, "gnc", 400, "email: The law does not accept anonymous appeals"),
    ({"phone": None, "address_string": None}, "gnc", 400, "address_string: The law does not accept anonymous"),
    ({"email": "not-an-address"}, "gnc", 400, "email: "),
    ({"phone": "call me"}, "gnc", 400, "phone: "),
    ({"address_string": "x" * 301}, "gnc", 400, "address_string: "),
    ({"locale": "fr"}, "gnc", 400, "locale: "),
]


@pytest.mark.parametrize("changes, key, status, phrase", BAD, ids=[b[3][:40] for b in BAD])
def test_bad_input_is_refused_with_its_reason_and_nothing_is_filed(app, client, world, changes, key, status, phrase):
    data = filing(**changes)
    data["api_key"] = {"gnc": world.key, "msl": world.msl_key, "none": ""}.get(key, key)
    before = counts(app)
    answer = client.post(URL, data=data, headers={"Accept-Language": "en"})
    assert answer.status_code == status, answer.json
    assert all(error["code"] == status for error in answer.json)
    assert any(phrase in error["description"] for error in answer.json), answer.json
    assert counts(app) == before


def test_several_problems_are_each_one_error(client, world):
    answer = client.post(URL, data={**filing(description="", lat="x", first_name=None), "api_key": world.key})
    assert answer.status_code == 400
    named = {error["description"].split(":")[0] for error in answer.json}
    assert named == {"description", "lat", "first_name"}


def test_an_unsupported_format_is_a_json_404_and_files_nothing(app, client, world):
    answer = client.post("/open311/v2/requests.csv", data={**filing(), "api_key": world.key})
    assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("application/json")
    assert counts(app)[0] == 0


def test_a_key_files_only_to_its_own_district(app, client, world):
    own = client.post(URL, data={**filing(jurisdiction_id="GNC"), "api_key": world.key})
    other = client.post(URL, data={**filing(jurisdiction_id="GNC"), "api_key": world.msl_key})
    default = client.post(URL, data={**filing(), "api_key": world.msl_key})
    assert (own.status_code, other.status_code, default.status_code) == (201, 403, 201)
    assert default.json[0]["service_request_id"].startswith("MSL-")
    assert "open311.refused" in [a for a, _actor, _summary in audit_actions(app)]


def test_a_rotated_or_revoked_key_files_nothing(app, client, world):
    with app.app_context():
        admin = db.session.get(User, world.admin)
        new = keys.rotate(admin, world.key_id)
        new_secret = new.secret
        keys.revoke(admin, world.msl_key_id)
    old = client.post(URL, data={**filing(), "api_key": world.key}, headers={"Accept-Language": "en"})
    assert old.status_code == 403 and "revoked" in old.json[0]["description"]
    assert client.post(URL, data={**filing(), "api_key": world.msl_key}).status_code == 403
    assert client.post(URL, data={**filing(), "api_key": new_secret}).status_code == 201
    refused = [s for a, _actor, s in audit_actions(app) if a == "open311.refused"]
    assert len(refused) == 2 and all("revoked key" in s for s in refused)


def test_the_same_idempotency_key_files_one_appeal(app, client, world):
    first = client.post(URL, data={**filing(), "api_key": world.key}, headers={"Idempotency-Key": "crm-77"})
    again = client.post(URL, data={**filing(description="Başqa mətn"), "api_key": world.key},
                        headers={"Idempotency-Key": "crm-77"})
    by_field = client.post(URL, data={**filing(), "api_key": world.key, "idempotency_key": "crm-77"})
    assert (first.status_code, again.status_code, by_field.status_code) == (201, 200, 200)
    assert first.json[0]["service_request_id"] == again.json[0]["service_request_id"] == by_field.json[0][
        "service_request_id"]
    assert first.json[0]["token"] == again.json[0]["token"]
    # Another idempotency key, or the same one under another key, is another appeal.
    other = client.post(URL, data={**filing(), "api_key": world.key}, headers={"Idempotency-Key": "crm-78"})
    masalli = client.post(URL, data={**filing(), "api_key": world.msl_key}, headers={"Idempotency-Key": "crm-77"})
    assert other.status_code == 201 and masalli.status_code == 201
    assert counts(app)[0] == 3
    bad = client.post(URL, data={**filing(), "api_key": world.key}, headers={"Idempotency-Key": "with space"})
    assert bad.status_code == 400 and bad.json[0]["description"].startswith("idempotency_key: ")


def test_filings_are_rate_limited_per_key_with_a_standard_429(app, client, world):
    app.config["RATELIMIT_OPEN311"] = "2 per minute"
    try:
        answers = [client.post(URL, data={**filing(), "api_key": world.key}) for _n in range(3)]
        other = client.post(URL, data={**filing(), "api_key": world.msl_key})
    finally:
        del app.config["RATELIMIT_OPEN311"]
    assert [a.status_code for a in answers] == [201, 201, 429]
    limited = answers[-1]
    assert limited.json[0]["code"] == 429 and "api_key" in limited.json[0]["description"]
    assert int(limited.headers["Retry-After"]) > 0
    assert other.status_code == 201
    assert counts(app)[0] == 3


def test_only_the_open311_filing_is_exempt_from_the_csrf_check(app, client, web, world):
    from tests.factories import PASSWORD

    assert client.post(URL, data={**filing(), "api_key": world.key}).status_code == 201
    web.login("admin@example.az", PASSWORD)
    refused = client.post("/admin/open311/keys", data={"name": "No token", "district_id": str(world.gnc)})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiKey)) == 2


def test_an_inactive_appellant_account_is_refused(app, client, world):
    with app.app_context():
        db.session.get(User, world.resident).active = False
        db.session.commit()
    answer = client.post(URL, data={**filing(email="resident@example.az"), "api_key": world.key})
    assert answer.status_code == 400 and answer.json[0]["description"].startswith("email: ")
    assert counts(app)[0] == 0


def test_the_api_key_may_come_in_the_query_string(client, world):
    answer = client.post(URL, query_string={"api_key": world.key}, data=filing())
    assert answer.status_code == 201


def test_nul_characters_and_nameless_parts_are_no_server_error(app, client, world):
    data = {**filing(description="Su\x00 yoxdur", first_name="Ay\x00gün"), "api_key": world.key}
    answer = client.post(URL, data=data)
    assert answer.status_code == 201
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert appeal.text == "Su yoxdur" and appeal.applicant_name == "Aygün Həsənova"
    body = (b'--b\r\nContent-Disposition: form-data; name=""\r\n\r\nx\r\n'
            b'--b\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n' + world.key.encode() + b"\r\n--b--\r\n")
    nameless = client.post(URL, data=body, content_type="multipart/form-data; boundary=b")
    assert nameless.status_code == 400


def test_a_non_ascii_email_is_refused_beside_its_parameter(app, client, world):
    answer = client.post(URL, data={**filing(email="İlkin@Nümunə.az"), "api_key": world.key})
    assert answer.status_code == 400 and answer.json[0]["description"].startswith("email: ")
    assert counts(app)[0] == 0
