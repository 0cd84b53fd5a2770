"""The service index's weights through the web (``/admin/index-weights``): administrators only, a new version
dated today or later and after the latest, whole numbers adding up to 100, refusals beside the fields with 422 and
nothing stored, the change audited with the weights before and after."""
from __future__ import annotations

import json
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from app.accountability import stats
from app.extensions import db
from app.kit import audit
from app.kit.calendar import local_date
from app.models import AuditEntry, utcnow
from app.models.kpi import IndexWeights
from tests.administration.test_reference_views import field_error
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

URL = "/admin/index-weights"
ASAN = {"speed": 15, "on_time": 25, "satisfaction": 15, "openness": 10, "courtesy": 10, "clarity": 10,
        "outcome": 10, "waiting": 5}


@pytest.fixture
def people(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("administration index weights views: people", _build_people)


def _build_people():
    districts = create_reference_data()
    db.session.execute(IndexWeights.__table__.delete())  # the migrations' versions, left in a run's first test
    db.session.add(IndexWeights(effective_from=date(2000, 1, 1), weights=dict(stats.WEIGHTS), note="First"))
    db.session.commit()
    create_user("admin@example.az", full_name="Admin Adminov", roles=[("admin", None)])
    create_user("supervisor@example.az", roles=[("supervisor", None)])
    create_user("head@example.az", roles=[("head", districts["GNC"])])
    return {"today": local_date(utcnow())}


def _form(day: date, weights: dict, note: str = "ASAN criteria") -> dict:
    return {"effective_from": day.isoformat(), "note": note, **{f"weight_{k}": str(v) for k, v in weights.items()}}


def _versions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(IndexWeights))


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_the_page_lists_the_versions_and_offers_the_form(web, client, people, lang):
    web.login("admin@example.az", PASSWORD)
    response = client.get(f"{URL}?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    check_page(html, lang)
    assert "First" in html and 'name="weight_waiting"' in html and "<legend>" in html
    assert URL in client.get(f"/admin/?lang={lang}").get_data(as_text=True)


@pytest.mark.parametrize("email", ["supervisor@example.az", "head@example.az", None])
def test_nobody_else_sees_or_changes_the_weights(app, web, client, people, email):
    if email:
        web.login(email, PASSWORD)
    assert client.get(URL).status_code in ((403,) if email else (302,))
    assert client.post(URL, data=_form(people["today"], ASAN)).status_code in ((400, 403) if email else (302, 400))
    assert _versions(app) == 1


def test_an_administrator_adds_a_version_that_is_audited_and_weighs_the_index(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    day = people["today"] + timedelta(days=30)
    response = web.post(URL, _form(day, ASAN))
    assert response.status_code == 302
    with app.app_context():
        assert stats.weights_for(day) == ASAN
        assert stats.weights_for(day - timedelta(days=1)) == stats.WEIGHTS_ALL
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "index_weights.add"))
        after, before = json.loads(entry.after), json.loads(entry.before)
        assert after["effective_from"] == day.isoformat() and after["courtesy"] == 10
        assert before == {"effective_from": "2000-01-01", **stats.WEIGHTS} and audit.verify().ok
    assert "Admin Adminov" in client.get(URL).get_data(as_text=True)


def test_weights_that_do_not_add_up_to_100_are_refused_on_the_group(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    response = web.post(f"{URL}?lang=en", _form(people["today"], {**ASAN, "waiting": 6}), form_url=URL)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "weights") == "The weights add up to 101; they must add up to 100."
    assert 'href="#weights"' in html and 'aria-describedby="weights-hint weights-error"' in html
    assert _versions(app) == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"weight_speed": "-5", "weight_on_time": "45"}, "weight_speed", "A weight cannot be negative."),
    ({"weight_clarity": "ten"}, "weight_clarity", "Enter a whole number from 0 to 100."),
    ({"weight_clarity": "7.5"}, "weight_clarity", "Enter a whole number from 0 to 100."),
    ({"note": ""}, "note", "Say why the weights change."),
    ({"effective_from": "2026-02-30"}, "effective_from", "Enter the date as YYYY-MM-DD, for example 2027-01-01."),
])
def test_bad_input_is_refused_beside_its_field(app, web, client, people, changes, field, message):
    web.login("admin@example.az", PASSWORD)
    response = web.post(f"{URL}?lang=en", {**_form(people["today"], ASAN), **changes}, form_url=URL)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field) == message
    assert _versions(app) == 1


def test_a_version_in_the_past_or_not_after_the_latest_is_refused(app, web, client, people):
    web.login("admin@example.az", PASSWORD)
    yesterday = people["today"] - timedelta(days=1)
    response = web.post(f"{URL}?lang=en", _form(yesterday, ASAN), form_url=URL)
    assert response.status_code == 422
    assert unescape(field_error(response.get_data(as_text=True), "effective_from")).startswith("Choose today or a later")
    later = people["today"] + timedelta(days=10)
    assert web.post(URL, _form(later, ASAN)).status_code == 302
    response = web.post(f"{URL}?lang=en", _form(later, stats.WEIGHTS_ALL), form_url=URL)
    assert response.status_code == 422
    assert "when the latest version takes effect" in field_error(response.get_data(as_text=True), "effective_from")
    assert _versions(app) == 2
