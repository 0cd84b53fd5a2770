"""The Open311 interface as an outsider drives it: the ``georeport`` client from PyPI against the portal served by a
real HTTP server on a free local port (no mocks), and concurrent sends with one idempotency key over real
connections."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from georeport import GeoReport
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.appeals import service as appeals
from app.extensions import db
from app.models import Appeal, Open311Request, User
from tests.open311.conftest import filing


@pytest.fixture(scope="module")
def server(app):
    """The session's app served by werkzeug's threaded server on 127.0.0.1 (a port of the system's choice)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/open311/v2"
    httpd.shutdown()
    thread.join(10)


def test_a_georeport_client_lists_reads_files_and_follows_a_request(app, server, world):
    client = GeoReport(server, jurisdiction="GNC", api_key=world.key)
    services = client.get_service_list()
    assert {"utilities", "roads", "other"} <= {s["service_code"] for s in services}
    definition = client.get_service_definition("roads")
    assert [a["code"] for a in definition["attributes"]][:2] == ["kind", "subject"]
    # georeport 0.3.1 reads but has no call for filing: the standard's POST, form-encoded, with the key it holds.
    answer = requests.post(f"{server}/requests.json", timeout=30,
                           data={**filing(), "api_key": client.api_key, "jurisdiction_id": client.jurisdiction})
    assert answer.status_code == 201, answer.text
    number = answer.json()[0]["service_request_id"]
    request = client.get_service_request(number)
    assert request["status"] == "open" and request["detailed_status"] == "submitted"
    assert request["service_code"] == "roads" and request["agency_responsible"]
    # The district answers: the client sees the request closed, with the answer as its notes.
    with app.app_context():
        official = db.session.get(User, world.official)
        appeal_id = db.session.scalar(select(Appeal.id).where(Appeal.number == number))
        appeals.transition(official, appeal_id, "registered")
        appeals.transition(official, appeal_id, "in_progress")
        appeals.transition(official, appeal_id, "answered", appeals.StepData(answer="Yol təmir olundu."))
    request = client.get_service_request(number)
    assert request["status"] == "closed" and request["status_notes"] == "Yol təmir olundu."
    assert [r["service_request_id"] for r in client.get_service_requests(status="closed")] == [number]
    assert client.get_service_requests(status="open") == []
    assert client.get_service_requests(service_request_id=number)[0]["detailed_status"] == "answered"


def test_the_client_reads_the_xml_answers_too(app, server, world):
    xml = GeoReport(server, jurisdiction="GNC", output_format="xml")
    codes = [s["service_code"] for s in xml.get_service_list()]
    assert codes[:2] == ["utilities", "roads"]
    assert xml.get_service_definition("roads")["service_code"] == "roads"
    number = requests.post(f"{server}/requests.json", data={**filing(), "api_key": world.key}, timeout=30).json()[0][
        "service_request_id"]
    assert xml.get_service_request(number)["status"] == "open"


def test_a_client_meets_the_standards_errors(server, world):
    client = GeoReport(server, jurisdiction="XYZ")
    with pytest.raises(requests.HTTPError) as unknown:
        client.get_service_list()
    assert unknown.value.response.status_code == 404
    assert unknown.value.response.json()[0]["code"] == 404


@pytest.mark.parametrize("email", ["resident@example.az", "new.person@example.az"])
def test_concurrent_sends_with_one_idempotency_key_file_one_appeal(app, server, world, email):
    barrier = threading.Barrier(4)

    def send(_n: int):
        barrier.wait(10)
        return requests.post(f"{server}/requests.json", data={**filing(email=email), "api_key": world.key},
                             headers={"Idempotency-Key": "retry-storm"}, timeout=60)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert len({a.json()[0]["service_request_id"] for a in answers}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appeal)) == 1
        assert db.session.scalar(select(func.count()).select_from(Open311Request)) == 1
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == email)) == 1
