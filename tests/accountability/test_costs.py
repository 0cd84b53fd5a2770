"""Yearly service costs through the web (``/office/costs``): the head of a district (or an administrator) enters
them, a supervisor reads them, anyone else is refused; a future year or a negative amount is refused beside its
field with 422 and nothing stored; entering again replaces, audited with the old amount."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.kit.calendar import local_date
from app.models import AuditEntry, utcnow
from app.models.kpi import ServiceCost
from tests.appeals.test_views import field_error
from tests.factories import PASSWORD, create_reference_data, create_service, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page


@pytest.fixture
def people(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("accountability costs: people", _build_people)


def _build_people():
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    service = create_service([gnc], fields=[])
    other = create_service([msl], code="building-permit", fields=[])
    create_user("head@example.az", full_name="Elçin Məmmədov", roles=[("head", gnc)])
    create_user("official@example.az", roles=[("official", gnc)])
    create_user("other-head@example.az", roles=[("head", msl)])
    create_user("supervisor@example.az", roles=[("supervisor", None)])
    create_user("admin@example.az", roles=[("admin", None)])
    return {"gnc": gnc.id, "service": service.id, "other_service": other.id, "year": local_date(utcnow()).year}


def _costs(app) -> list[ServiceCost]:
    with app.app_context():
        return list(db.session.scalars(select(ServiceCost).order_by(ServiceCost.id)))


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_the_head_sees_the_page_with_the_form(web, client, people, lang):
    web.login("head@example.az", PASSWORD)
    response = client.get(f"/office/costs?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    check_page(html, lang)
    assert 'name="amount"' in html and f'value="eservice:{people["service"]}"' in html
    assert f'value="eservice:{people["other_service"]}"' not in html  # not an e-service of Gəncə
    assert "/office/costs" in client.get(f"/office/?lang={lang}").get_data(as_text=True)


def test_the_head_enters_a_cost_and_entering_again_replaces_it_audited(app, web, client, people):
    web.login("head@example.az", PASSWORD)
    year = people["year"] - 1
    assert web.post("/office/costs/GNC", {"year": str(year), "subject": "appeals", "amount": "12 500,50"},
                    form_url="/office/costs").status_code == 302
    assert web.post("/office/costs/GNC", {"year": str(year), "subject": "appeals", "amount": "13000"},
                    form_url="/office/costs").status_code == 302
    assert web.post("/office/costs/GNC", {"year": str(year), "subject": f"eservice:{people['service']}",
                                          "amount": "800"}, form_url="/office/costs").status_code == 302
    costs = _costs(app)
    assert [(c.subject, c.amount) for c in costs] == [("appeals", Decimal("13000.00")), ("eservice", Decimal("800.00"))]
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "cost.enter")
                                     .order_by(AuditEntry.id)).all()
        assert len(entries) == 3 and entries[0].before is None
        assert json.loads(entries[1].before) == {"amount": "12500.50"}
        assert json.loads(entries[1].after)["amount"] == "13000.00" and entries[1].district_id == people["gnc"]
    html = client.get("/office/costs?lang=en").get_data(as_text=True)
    assert "13,000 manat" in html and "Elçin Məmmədov" in html


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"year": "FUTURE"}, "year", "A cost can be entered for this year or an earlier one, not for a future year."),
    ({"year": "last year"}, "year", "Enter the year as four digits, for example LAST."),
    ({"amount": "-100"}, "amount", "A cost cannot be negative."),
    ({"amount": "a lot"}, "amount", "Enter the amount in manat as a number, for example 12500.50."),
    ({"subject": "eservice:OTHER"}, "subject", "Choose what the cost is for."),
    ({"subject": "parking"}, "subject", "Choose what the cost is for."),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_stored(app, web, client, people, changes, field,
                                                                     message):
    web.login("head@example.az", PASSWORD)
    data = {"year": str(people["year"]), "subject": "front_desk", "amount": "5000", **changes}
    data = {key: value.replace("FUTURE", str(people["year"] + 1)).replace("OTHER", str(people["other_service"]))
            for key, value in data.items()}
    message = message.replace("LAST", str(people["year"] - 1))
    response = web.post("/office/costs/GNC?lang=en", data, form_url="/office/costs")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field) == message
    assert _costs(app) == []


def test_a_supervisor_reads_every_district_and_enters_nothing(app, web, client, people):
    web.login("supervisor@example.az", PASSWORD)
    html = client.get("/office/costs?district=GNC").get_data(as_text=True)
    assert 'name="amount"' not in html and 'name="district"' in html
    assert client.get("/office/costs?district=MSL").status_code == 200
    response = web.post("/office/costs/GNC", {"year": str(people["year"]), "subject": "appeals", "amount": "1"},
                        form_url="/office/costs?district=GNC")
    assert response.status_code == 403 and _costs(app) == []


@pytest.mark.parametrize("email", ["official@example.az", "other-head@example.az"])
def test_other_staff_cannot_enter_or_read_a_districts_costs(app, web, client, people, email):
    web.login(email, PASSWORD)
    if email == "official@example.az":
        assert client.get("/office/costs").status_code == 403
    else:
        assert client.get("/office/costs?district=GNC").status_code == 403
        assert client.get("/office/costs").status_code == 200  # their own district
    response = client.post("/office/costs/GNC", data={"year": "2025", "subject": "appeals", "amount": "1"})
    assert response.status_code in (400, 403) and _costs(app) == []


def test_an_administrator_enters_a_cost_for_any_district(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    assert web.post("/office/costs/MSL", {"year": "2025", "subject": "front_desk", "amount": "900.5"},
                    form_url="/office/costs?district=MSL").status_code == 302
    assert [(c.subject, c.amount) for c in _costs(app)] == [("front_desk", Decimal("900.50"))]
    assert client.get("/office/costs?district=XXX").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, people):
    assert client.get("/office/costs").status_code == 302
    assert client.post("/office/costs/GNC", data={"year": "2025", "subject": "appeals", "amount": "1"}).status_code in (
        302, 400)


def test_the_demo_costs_are_seeded_once(app):
    from app.accountability import demo

    with app.app_context():
        create_reference_data()
        first = demo.seed_demo()
        assert first == 2 * 2 * 2  # two districts, two years, appeals and front desk (no e-service offered yet)
        assert demo.seed_demo() == 0
