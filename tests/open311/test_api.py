"""Reading the Open311 interface: discovery, services, definitions, public requests and tokens, in JSON and XML, in
the language asked for, with the standard's errors; a non-public appeal answers as a number that does not exist."""
from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from app.appeals.service import StepData
from app.extensions import db
from app.models import Appeal, Category, utcnow
from tests.factories import create_user
from tests.open311.conftest import public_appeal

BASE = "/open311/v2"


def xml_of(response) -> ElementTree.Element:
    """The parsed body of an XML answer (parsing fails on anything not well-formed)."""
    assert response.headers["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.get_data())


def test_discovery_names_the_endpoint_and_its_formats(client, world):
    answer = client.get(f"{BASE}/discovery.json")
    assert answer.status_code == 200 and answer.headers["Content-Language"] == "az"
    endpoint = answer.json["endpoints"][0]
    assert endpoint["url"] == "https://portal.example.az/open311/v2"
    assert endpoint["formats"] == ["application/json", "application/xml"] and endpoint["type"] == "test"
    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and root.find("endpoints/endpoint/formats/format").text == "application/json"


def test_services_are_the_active_categories_in_the_language_asked_for(app, client, world):
    with app.app_context():
        db.session.scalar(select(Category).where(Category.code == "other")).active = False
        db.session.commit()
    answer = client.get(f"{BASE}/services.json?locale=ru")
    assert answer.status_code == 200 and answer.headers["Content-Language"] == "ru"
    services = {s["service_code"]: s for s in answer.json}
    assert "other" not in services and len(services) == 9
    roads = services["roads"]
    assert roads["service_name"] == "Дороги и транспорт" and roads["metadata"] is True and roads["type"] == "realtime"
    assert roads["group"] == "Отдел строительства и архитектуры" and roads["locale"] == "ru"
    english = client.get(f"{BASE}/services.json", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert english.headers["Content-Language"] == "en"
    assert {s["service_code"]: s["service_name"] for s in english.json}["roads"] == "Roads and transport"
    # No locale and no Accept-Language: Azerbaijani; the locale parameter wins over the header.
    assert client.get(f"{BASE}/services.json").json[1]["service_name"] == "Yollar və nəqliyyat"
    assert client.get(f"{BASE}/services.json?locale=az", headers={"Accept-Language": "ru"}).headers[
        "Content-Language"] == "az"
    root = xml_of(client.get(f"{BASE}/services.xml?locale=en"))
    assert root.tag == "services" and root.find("service/service_code").text == "utilities"
    assert root.find("service/metadata").text == "true"


def test_a_service_definition_lists_its_attributes_in_the_standards_datatypes(client, world):
    answer = client.get(f"{BASE}/services/roads.json?locale=ru")
    assert answer.status_code == 200 and answer.json["service_code"] == "roads"
    attributes = {a["code"]: a for a in answer.json["attributes"]}
    assert list(attributes) == ["kind", "subject", "publish", "confidential"]
    kind = attributes["kind"]
    assert kind["datatype"] == "singlevaluelist" and kind["required"] is True and kind["order"] == 1
    assert [v["key"] for v in kind["values"]] == ["application", "proposal", "complaint"]
    assert kind["description"] == "Вид обращения" and kind["values"][2]["name"] == "Жалоба"
    assert attributes["subject"]["datatype"] == "string" and attributes["publish"]["required"] is False
    root = xml_of(client.get(f"{BASE}/services/roads.xml"))
    assert root.tag == "service_definition"
    assert [e.text for e in root.findall("attributes/attribute/values/value/key")][:3] == [
        "application", "proposal", "complaint"]


def test_errors_have_the_standards_shape_in_the_format_and_language_asked_for(client, world):
    unknown = client.get(f"{BASE}/services/potholes.json?locale=en")
    assert unknown.status_code == 404 and unknown.headers["Content-Language"] == "en"
    assert unknown.json == [{"code": 404, "description": unknown.json[0]["description"], "locale": "en"}]
    assert "service_code" in unknown.json[0]["description"]
    root = xml_of(client.get(f"{BASE}/services/potholes.xml"))
    assert root.tag == "errors" and root.find("error/code").text == "404" and root.find("error/description").text
    # Another format: a 404 in JSON; another language: a 400.
    csv = client.get(f"{BASE}/services.csv")
    assert csv.status_code == 404 and csv.headers["Content-Type"].startswith("application/json")
    assert "json" in csv.json[0]["description"]
    french = client.get(f"{BASE}/services.json?locale=fr")
    assert french.status_code == 400 and french.json[0]["code"] == 400 and "locale" in french.json[0]["description"]
    assert client.get(f"{BASE}/requests.xml?locale=de").status_code == 400


@pytest.mark.parametrize("code", ["XYZ", "gncx", "G", "<script>"])
def test_an_unknown_jurisdiction_is_a_404_on_every_read(client, world, code):
    for path in ("discovery", "services", "services/roads", "requests"):
        answer = client.get(f"{BASE}/{path}.json", query_string={"jurisdiction_id": code})
        assert answer.status_code == 404 and "jurisdiction_id" in answer.json[0]["description"], path


def test_an_inactive_district_is_no_jurisdiction(app, client, world):
    from app.models import District

    with app.app_context():
        db.session.get(District, world.msl).active = False
        db.session.commit()
    assert client.get(f"{BASE}/services.json?jurisdiction_id=MSL").status_code == 404
    assert client.get(f"{BASE}/services.json?jurisdiction_id=gnc").status_code == 200


def test_only_public_appeals_are_listed_and_readable(app, client, world):
    with app.app_context():
        shown = public_appeal(world.resident, world.gnc)
        private = public_appeal(world.resident, world.gnc, public_ok=False)
        confidential = public_appeal(world.resident, world.gnc, confidential=True)
    listed = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json]
    assert listed == [shown]
    for number in (private, confidential, "GNC-2026-999999"):
        answer = client.get(f"{BASE}/requests/{number}.json")
        assert answer.status_code == 404
        assert answer.json == client.get(f"{BASE}/requests/GNC-2026-999999.json").json
    assert client.get(f"{BASE}/requests.json?service_request_id={shown},{private}").json[0][
        "service_request_id"] == shown
    assert len(client.get(f"{BASE}/requests.json?service_request_id={shown},{private}").json) == 1
    # A public appeal of an inactive district is not shown either, as on the public pages.
    from app.models import District

    with app.app_context():
        db.session.get(District, world.gnc).active = False
        db.session.commit()
    assert client.get(f"{BASE}/requests.json").json == []
    assert client.get(f"{BASE}/requests/{shown}.json").status_code == 404


def test_a_request_never_names_the_appellant(app, client, world):
    with app.app_context():
        number = public_appeal(world.resident, world.gnc, applicant_phone="+994 55 765 43 21",
                               applicant_address="Gəncə, Cavadxan küç. 12", location_lat=40.68, location_lon=46.36)
    body = client.get(f"{BASE}/requests/{number}.json").get_data(as_text=True)
    body += client.get(f"{BASE}/requests/{number}.xml").get_data(as_text=True)
    for secret in ("Aygün", "Həsənova", "765 43 21", "Cavadxan", "resident@example.az"):
        assert secret not in body
    item = client.get(f"{BASE}/requests/{number}.json").json[0]
    assert (item["lat"], item["long"]) == (40.68, 46.36)
    assert item["address"] is None  # a web appeal names no place; its applicant's address is never shown


def test_status_maps_to_open_and_closed_with_the_detailed_status_and_public_history(app, client, world):
    answer_text = "Çuxur 20 dekabra qədər təmir olunacaq."
    with app.app_context():
        submitted = public_appeal(world.resident, world.gnc)
        working = public_appeal(world.resident, world.gnc, steps=["registered", "in_progress"])
        answered = public_appeal(world.resident, world.gnc, steps=[
            "registered", "in_progress", ("answered", StepData(answer=answer_text))])
        refused = public_appeal(world.resident, world.gnc, steps=[
            ("not_considered", StepData(ground="repeated", note="Eyni məsələ artıq cavablandırılıb."))])
    items = {r["service_request_id"]: r for r in client.get(f"{BASE}/requests.json?locale=en").json}
    assert items[submitted]["status"] == "open" and items[submitted]["detailed_status"] == "submitted"
    assert items[working]["status"] == "open" and items[working]["detailed_status"] == "in_progress"
    assert items[answered]["status"] == "closed" and items[answered]["detailed_status"] == "answered"
    assert items[refused]["status"] == "closed" and items[refused]["detailed_status"] == "not_considered"
    assert items[answered]["status_notes"] == answer_text
    assert items[refused]["status_notes"] == "Repeated without new facts"
    updates = items[answered]["updates"]
    assert [u["status"] for u in updates] == ["submitted", "registered", "in_progress", "answered"]
    assert updates[0]["description"] == "Appeal received" and updates[-1]["description"] == answer_text
    assert all(u["updated_datetime"].endswith("+04:00") for u in updates)
    # The explanation an official wrote to the applicant is not published; the law's ground is.
    assert "Eyni məsələ" not in str(items[refused])
    with app.app_context():
        appeal = db.session.scalar(select(Appeal).where(Appeal.number == answered))
        due = appeal.due_at
    assert items[answered]["expected_datetime"] == due.astimezone(
        __import__("app.kit.calendar", fromlist=["BAKU"]).BAKU).isoformat(timespec="seconds")
    assert items[answered]["agency_responsible"] == "The executive authority of Ganja"
    open_only = {r["service_request_id"] for r in client.get(f"{BASE}/requests.json?status=open").json}
    closed_only = {r["service_request_id"] for r in client.get(f"{BASE}/requests.json?status=closed").json}
    assert open_only == {submitted, working} and closed_only == {answered, refused}
    both = client.get(f"{BASE}/requests.json", query_string=[("status", "open"), ("status", "closed")]).json
    assert len(both) == 4


def test_requests_filter_by_service_jurisdiction_and_dates(app, client, world):
    with app.app_context():
        roads = db.session.scalar(select(Category).where(Category.code == "roads"))
        gnc_roads = public_appeal(world.resident, world.gnc, category=roads)
        gnc_other = public_appeal(world.resident, world.gnc)
        msl_roads = public_appeal(world.resident, world.msl, category=roads)
        old = public_appeal(world.resident, world.gnc, now=utcnow() - timedelta(days=120))

    def ids(query) -> set[str]:
        answer = client.get(f"{BASE}/requests.json", query_string=query)
        assert answer.status_code == 200, answer.json
        return {r["service_request_id"] for r in answer.json}

    # The standard's default window: the last 90 days.
    assert ids({}) == {gnc_roads, gnc_other, msl_roads}
    assert ids({"service_code": "roads"}) == {gnc_roads, msl_roads}
    assert ids({"service_code": "roads", "jurisdiction_id": "GNC"}) == {gnc_roads}
    old_day = (utcnow() - timedelta(days=120)).date()
    assert ids({"start_date": (old_day - timedelta(days=1)).isoformat(),
                "end_date": (old_day + timedelta(days=1)).isoformat()}) == {old}
    assert ids({"start_date": f"{(old_day - timedelta(days=1)).isoformat()}T00:00:00Z"}) == {old}
    # Ids override the other filters.
    assert ids({"service_request_id": f"{old},{msl_roads}", "service_code": "utilities"}) == {old, msl_roads}


@pytest.mark.parametrize("query, parameter", [
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-45"}, "end_date"),
    ({"start_date": "0001-01-01T00:00:00Z"}, "start_date"),
    ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "end_date"),
    ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "end_date"),
    ({"status": "pending"}, "status"),
    ({"service_request_id": ",".join(f"GNC-2026-{n:06d}" for n in range(201))}, "service_request_id"),
])
def test_malformed_filters_are_a_400_naming_the_parameter(client, world, query, parameter):
    answer = client.get(f"{BASE}/requests.json", query_string=query)
    assert answer.status_code == 400
    assert answer.json[0]["code"] == 400 and answer.json[0]["description"].startswith(f"{parameter}: ")


def test_xml_escapes_every_text_and_stays_well_formed(app, client, world):
    with app.app_context():
        number = public_appeal(world.resident, world.gnc, subject="<b>Su & işıq</b> \"yoxdur\" \x01\x1f")
    root = xml_of(client.get(f"{BASE}/requests/{number}.xml"))
    assert root.find("request/description").text == "<b>Su & işıq</b> \"yoxdur\" "
    assert client.get(f"{BASE}/requests/{number}.json").json[0]["description"].startswith("<b>Su & işıq</b>")


def test_the_list_runs_a_fixed_number_of_statements(app, client, world, count_queries):
    with app.app_context():
        for _n in range(3):
            public_appeal(world.resident, world.gnc, steps=["registered"])
    with count_queries() as few:
        assert len(client.get(f"{BASE}/requests.json").json) == 3
    with app.app_context():
        for _n in range(6):
            public_appeal(world.resident, world.gnc, steps=["registered"])
    with count_queries() as many:
        assert len(client.get(f"{BASE}/requests.json").json) == 9
    assert many.count == few.count


def test_tokens_answer_the_request_id_and_unknown_tokens_a_404(client, world):
    from tests.open311.conftest import filing

    filed = client.post(f"{BASE}/requests.json", data={**filing(), "api_key": world.key}).json[0]
    answer = client.get(f"{BASE}/tokens/{filed['token']}.json")
    assert answer.status_code == 200
    assert answer.json == [{"service_request_id": filed["service_request_id"], "token": filed["token"],
                            "locale": "az"}]
    root = xml_of(client.get(f"{BASE}/tokens/{filed['token']}.xml"))
    assert root.find("request/service_request_id").text == filed["service_request_id"]
    assert client.get(f"{BASE}/tokens/nothing-here.json").status_code == 404


def test_reading_needs_no_sign_in_and_no_key(app, client, world):
    with app.app_context():
        create_user("someone@example.az")
    for path in ("discovery.json", "services.json", "services/roads.json", "requests.json"):
        assert client.get(f"{BASE}/{path}").status_code == 200
