"""The service index weighs the ASAN criteria with the weights in force at the period's end (issue 19): a period
before a new version is computed as it was; the pages and the open data show the weights in force."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.accountability import kpi, stats
from app.appeals import service as appeals
from app.extensions import db
from app.kit.calendar import BAKU
from app.models import Category, QueueService, QueueTicket
from app.models.kpi import IndexWeights
from app.models.rating import Rating
from tests.factories import create_appeal, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

ASAN = {"speed": 15, "on_time": 25, "satisfaction": 15, "openness": 10, "courtesy": 10, "clarity": 10,
        "outcome": 10, "waiting": 5}
START = datetime(2026, 3, 2, 10, 0, tzinfo=BAKU)  # a Monday
NEW_FROM = date(2026, 3, 5)
BEFORE = "from=2026-03-01&to=2026-03-04"  # ends before the new version: the first weights
AFTER = "from=2026-03-01&to=2026-03-10"  # ends after it: the ASAN weights


@pytest.fixture
def world(app):
    """Gəncə: 6 appeals answered on 2 March, 6 ratings with every criterion, 5 served tickets (4 called quickly);
    the first weights from 2000 and the ASAN weights from 5 March 2026."""
    with app.app_context():
        return replayed("index weights: world", _build_world)


def _build_world() -> dict:
    """The world's rows, built the first time and replayed after (tests/snapshots.py)."""
    districts = create_reference_data()
    gnc = districts["GNC"]
    category = db.session.scalars(select(Category).order_by(Category.id)).first()
    citizen = create_user("citizen@example.az")
    official = create_user("official@example.az", roles=[("official", gnc)])
    for _ in range(6):
        appeal = create_appeal(citizen, gnc, category, now=START)
        for hours, status, data in ((0.5, "registered", {}), (1, "in_progress", {}),
                                    (2, "answered", {"answer": "Cavab"})):
            appeals.transition(official, appeal.id, status, appeals.StepData(**data),
                               now=START + timedelta(hours=hours))
    for number, (courtesy, clarity, outcome) in enumerate([(5, 4, 3), (5, 4, 3), (4, 4, 3), (5, 5, 2),
                                                           (3, 4, 4), (5, 3, 3)]):
        db.session.add(Rating(subject_kind="ticket", subject_id=number + 1, district_id=gnc.id, overall=4,
                              courtesy=courtesy, clarity=clarity, outcome=outcome,
                              rated_at=START + timedelta(hours=3)))
    queue = QueueService(district_id=gnc.id, code="general", letter="A", title_az="Ümumi", title_ru="Общий",
                         title_en="General")
    db.session.add(queue)
    db.session.flush()
    for number, wait in enumerate([60, 300, 400, 600, 1800]):
        db.session.add(QueueTicket(district_id=gnc.id, service_id=queue.id, day=START.date(), number=number + 1,
                                   code=f"A-{number + 1:03d}", status="served", queued_at=START,
                                   called_at=START + timedelta(seconds=wait), wait_seconds=wait))
    # The versions the migrations wrote (left in the first test of a run): this test's own instead.
    db.session.execute(IndexWeights.__table__.delete())
    db.session.add_all([IndexWeights(effective_from=date(2000, 1, 1), weights=dict(stats.WEIGHTS)),
                        IndexWeights(effective_from=NEW_FROM, weights=ASAN, note="ASAN")])
    db.session.commit()
    return {"gnc": gnc.id}


def test_the_weights_in_force_are_those_of_the_latest_version_by_then(app, world):
    with app.app_context():
        assert stats.weights_for(date(2026, 3, 4)) == {**dict.fromkeys(stats.PARTS, 0), **stats.WEIGHTS}
        assert stats.weights_for(NEW_FROM) == ASAN
        db.session.execute(IndexWeights.__table__.delete())
        # No version at all (an empty database): the first weights.
        assert stats.weights_for(NEW_FROM) == stats.WEIGHTS_ALL


def test_a_period_before_the_new_version_keeps_its_index_and_a_later_one_weighs_the_asan_criteria(app, world):
    with app.app_context():
        before = stats.grid(stats.Period(date(2026, 3, 1), date(2026, 3, 4))).at(world["gnc"], stats.TOTAL)
        after = stats.grid(stats.Period(date(2026, 3, 1), date(2026, 3, 10))).at(world["gnc"], stats.TOTAL)
    old_parts = stats.index_parts(before)
    assert before.index == round(sum(stats.WEIGHTS[name] * old_parts[name] for name in stats.WEIGHTS), 1)
    parts = stats.all_parts(after)
    # Means 4.5, 4, 3 → (mean − 1) ÷ 4; 4 of the 5 served tickets were called within 15 minutes.
    assert parts["courtesy"] == pytest.approx((27 / 6 - 1) / 4)
    assert parts["clarity"] == pytest.approx((24 / 6 - 1) / 4)
    assert parts["outcome"] == pytest.approx((18 / 6 - 1) / 4)
    assert parts["waiting"] == pytest.approx(0.8)
    assert after.index == pytest.approx(round(sum(ASAN[name] * parts[name] for name in stats.PARTS), 1))
    assert after.index != before.index


def test_fewer_than_min_ratings_marks_count_as_the_middle(app, world):
    with app.app_context():
        db.session.execute(Rating.__table__.delete().where(Rating.subject_id > stats.MIN_RATINGS - 1))
        db.session.execute(QueueTicket.__table__.delete())
        db.session.commit()
        parts = kpi.asan_parts(stats.Period(date(2026, 3, 1), date(2026, 3, 10)))[world["gnc"]]
    assert parts == {"courtesy": None, "clarity": None, "outcome": None, "waiting": None}
    figures = stats.Figures(asan=parts)
    assert {name: stats.all_parts(figures)[name] for name in stats.ASAN_PARTS} == dict.fromkeys(stats.ASAN_PARTS, 0.5)


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_the_pages_show_the_formula_and_the_weights_in_force_for_the_period_shown(client, world, lang):
    for path in ("/accountability/", "/accountability/GNC"):
        old = client.get(f"{path}?{BEFORE}&lang={lang}")
        new = client.get(f"{path}?{AFTER}&lang={lang}")
        assert old.status_code == new.status_code == 200
        old_html, new_html = old.get_data(as_text=True), new.get_data(as_text=True)
        check_page(old_html, lang)
        check_page(new_html, lang)
        assert "25 × " in old_html and "35 × " in old_html and "15 × " not in old_html.split("25 × ")[1][:200]
        assert "15 × " in new_html and "10 × " in new_html and "5 × " in new_html
    english = client.get(f"/accountability/GNC?{AFTER}&lang=en").get_data(as_text=True)
    assert "10 × courtesy" in english and "5 × waiting" in english
    assert "Courtesy" in english and "Digital take-up" in english and "Median wait, minutes" in english


def test_the_open_data_gives_the_weights_and_the_index_parts(client, world):
    national = client.get(f"/api/v1/accountability/districts?{AFTER}").get_json()
    assert national["service_index_weights"] == ASAN
    old = client.get(f"/api/v1/accountability/districts?{BEFORE}").get_json()
    assert old["service_index_weights"] == {**dict.fromkeys(stats.PARTS, 0), **stats.WEIGHTS}
    district = client.get(f"/api/v1/accountability/districts/GNC?{AFTER}").get_json()
    assert district["index_parts"]["waiting"] == 0.8
    assert district["criteria"]["courtesy"] == 4.5 and district["criteria"]["ratings"] == 6
    assert district["front_desk"]["served"] == 5 and district["front_desk"]["median_wait_minutes"] == 6
    assert district["front_desk"]["mean_wait_minutes"] == round(3160 / 5 / 60, 1)
    assert district["kpis"]["satisfaction"] == 4.0 and district["kpis"]["satisfied_pct"] == 100.0
    assert district["criteria_by_service"] == [] or all(row["name"] for row in district["criteria_by_service"])
    row = next(r for r in national["districts"] if r["code"] == "GNC")
    assert row["front_desk"]["tickets"] == 5 and row["kpis"]["digital_take_up_pct"] == round(100 * 6 / 11, 1)


def test_the_supervisor_dashboard_shows_the_criteria_the_front_desk_and_the_kpis(app, client, world):
    from tests.factories import PASSWORD

    with app.app_context():
        create_user("supervisor@example.az", roles=[("supervisor", None)])
    from tests.conftest import Browserless

    assert Browserless(client).login("supervisor@example.az", PASSWORD).status_code == 302
    for path in (f"/office/accountability?{AFTER}&lang=en", f"/office/accountability/GNC?{AFTER}&lang=en"):
        html = client.get(path).get_data(as_text=True)
        check_page(html, "en")
        assert "Courtesy" in html and "Digital take-up" in html and "Median wait, minutes" in html


def test_the_open_data_with_asan_figures_and_costs_matches_its_openapi_description(app, client, world):
    from decimal import Decimal

    from jsonschema import Draft202012Validator

    from app.models.kpi import ServiceCost

    with app.app_context():
        db.session.add_all([ServiceCost(district_id=world["gnc"], year=2026, subject="appeals", amount=Decimal("600")),
                            ServiceCost(district_id=world["gnc"], year=2026, subject="front_desk",
                                        amount=Decimal("50.5"))])
        db.session.commit()
    described = client.get("/api/openapi.json").get_json()
    for path, name in ((f"/api/v1/accountability/districts?{AFTER}", "OpenDataNational"),
                       (f"/api/v1/accountability/districts/GNC?{AFTER}", "OpenDataDistrict")):
        answer = client.get(path).get_json()
        # The served description is the root, so that its "#/components/..." references resolve.
        Draft202012Validator({**described, "$ref": f"#/components/schemas/{name}"}).validate(answer)
    district = client.get(f"/api/v1/accountability/districts/GNC?{AFTER}").get_json()
    # 650.50 manat over 6 appeals and 5 served tickets of 2026.
    assert district["kpis"]["cost_per_transaction"] == round(650.5 / 11, 2)
    assert district["costs"][0]["lines"][0] == {"subject": "Müraciətlər", "amount": 600.0, "transactions": 6,
                                                "per_transaction": 100.0}
