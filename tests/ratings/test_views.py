"""Ratings through the web: the rating page in three languages, pre-filled; bad input beside its field; other
people's cases by 404; the appeal's and application's pages; no individual rating on office pages; a fixed cost."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Appeal, Notification, Rating, utcnow
from tests.appeals.test_views import field_error
from tests.factories import PASSWORD
from tests.ratings.helpers import answered_appeal, decided_application, served_ticket
from tests.ratings.helpers import world as make_world
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]
MARKS = {"rate-rating": "4", "rate-speed": "5", "rate-courtesy": "", "rate-clarity": "2", "rate-outcome": "3",
         "rate-comment": "Cavab aydın idi, amma gec gəldi."}


@pytest.fixture
def world(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("ratings views: world", _build_world)


def _build_world():
    made = make_world()
    recently = utcnow() - timedelta(days=2)
    appeal = answered_appeal(made, when=recently)
    return {"appeal": appeal.id, "number": appeal.number, "when": recently,
            **{key: made[key].id for key in ("gnc", "citizen", "stranger", "official")}, "made": made}


def rating_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Rating))


@pytest.mark.parametrize("lang", LANGS)
def test_a_resident_rates_an_answer_on_the_criteria_in_their_language(app, web, client, world, lang):
    web.login("citizen@example.az", PASSWORD)
    client.get(f"/?lang={lang}")
    url = f"/cabinet/ratings/appeal/{world['appeal']}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    check_page(html, lang)
    assert html.count("<fieldset") == 5 and html.count("<legend>") == 5
    response = web.post(url, MARKS)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cabinet/appeals/{world['appeal']}")
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.overall, rating.speed, rating.courtesy, rating.clarity, rating.outcome) == (4, 5, None, 2, 3)
        assert db.session.get(Appeal, world["appeal"]).status == "closed"
    # The appeal's page shows "your rating" with a way to change it; the rating page comes back pre-filled.
    mine = client.get(f"/cabinet/appeals/{world['appeal']}").get_data(as_text=True)
    check_page(mine, lang)
    assert "Cavab aydın idi, amma gec gəldi." in mine and url in mine
    again = client.get(url).get_data(as_text=True)
    assert '<input checked id="rate-rating-1" name="rate-rating" type="radio" value="4">' in again
    assert '<input checked id="rate-courtesy-5" name="rate-courtesy" type="radio" value="">' in again  # no answer
    assert "Cavab aydın idi, amma gec gəldi." in again
    listed = client.get("/cabinet/ratings").get_data(as_text=True)
    check_page(listed, lang)
    assert world["number"] in listed


def test_the_overall_mark_missing_comes_back_beside_its_field_and_nothing_is_written(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    url = f"/cabinet/ratings/appeal/{world['appeal']}"
    response = web.post(url, {**MARKS, "rate-rating": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "overall mark from 1 to 5" in field_error(html, "rate-rating")
    assert '<input checked id="rate-speed-0" name="rate-speed" type="radio" value="5">' in html  # kept as sent
    bad = web.post(url, {**MARKS, "rate-clarity": "9"})
    assert bad.status_code == 422 and "No answer" in field_error(bad.get_data(as_text=True), "rate-clarity")
    assert rating_count(app) == 0
    # The old address of the appeal's form still works, with the error beside the same field.
    old = web.post(f"/cabinet/appeals/{world['appeal']}/rate", {"rate-rating": "7"},
                   form_url=f"/cabinet/appeals/{world['appeal']}")
    assert old.status_code == 422 and "1 to 5" in field_error(old.get_data(as_text=True), "rate-rating")
    assert rating_count(app) == 0


def test_other_residents_and_staff_get_404_and_unknown_kinds_too(app, web, client, world):
    url = f"/cabinet/ratings/appeal/{world['appeal']}"
    for email in ("stranger@example.az", "official@example.az"):
        web.login(email, PASSWORD)
        assert client.get(url).status_code == 404
        token_page = "/cabinet/ratings"
        assert web.post(url, MARKS, form_url=token_page).status_code == 404
        web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("citizen@example.az", PASSWORD)
    assert client.get(f"/cabinet/ratings/poll/{world['appeal']}").status_code == 404
    assert client.get("/cabinet/ratings/appeal/999999").status_code == 404
    assert rating_count(app) == 0
    web.post("/auth/logout", {}, form_url="/cabinet/")
    assert client.get(url).status_code in (302, 401)


def test_after_the_window_the_page_says_so_and_refuses(app, web, client, world):
    with app.app_context():
        appeal = db.session.get(Appeal, world["appeal"])
        appeal.answered_at = utcnow() - timedelta(days=31)
        db.session.commit()
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    url = f"/cabinet/ratings/appeal/{world['appeal']}"
    page = client.get(url).get_data(as_text=True)
    assert "that time has passed" in page and "rate-rating" not in page
    response = web.post(url, MARKS, form_url="/cabinet/ratings")
    assert response.status_code == 422 and "that time has passed" in response.get_data(as_text=True)
    assert rating_count(app) == 0


def test_applications_and_tickets_are_rated_from_the_list(app, web, client, world):
    with app.app_context():
        made = world["made"]
        made["citizen"] = db.session.merge(made["citizen"])
        made["gnc"] = db.session.merge(made["gnc"])
        application = decided_application(made, when=world["when"])
        ticket = served_ticket(made, when=world["when"])
        ids = application.id, ticket.id, ticket.code
    web.login("citizen@example.az", PASSWORD)
    client.get("/?lang=en")
    listed = client.get("/cabinet/ratings").get_data(as_text=True)
    for kind, subject_id in (("appeal", world["appeal"]), ("application", ids[0]), ("ticket", ids[1])):
        assert f"/cabinet/ratings/{kind}/{subject_id}" in listed
    assert ids[2] in listed
    assert web.post(f"/cabinet/ratings/ticket/{ids[1]}", MARKS).status_code == 302
    assert web.post(f"/cabinet/services/{ids[0]}/rate", MARKS, form_url=f"/cabinet/services/{ids[0]}").status_code == 302
    page = client.get(f"/cabinet/services/{ids[0]}").get_data(as_text=True)
    assert "Your rating" in page and f"/cabinet/ratings/application/{ids[0]}" in page
    listed = client.get("/cabinet/ratings").get_data(as_text=True)
    assert "Change your rating" in listed and "Nothing awaits" not in listed  # the appeal still awaits
    assert rating_count(app) == 2


def test_no_office_page_shows_an_individual_rating(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    assert web.post(f"/cabinet/ratings/appeal/{world['appeal']}", {**MARKS, "rate-rating": "2"}).status_code == 302
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("official@example.az", PASSWORD)
    client.get("/?lang=en")
    page = client.get(f"/office/appeals/{world['appeal']}").get_data(as_text=True)
    assert "Cavab aydın idi" not in page and "2 of 5" not in page and "Rating" not in page
    assert "rating_changed" not in page
    with app.app_context():
        texts = db.session.scalars(select(Notification.text).where(Notification.user_id == world["official"])).all()
    assert texts and not any("of 5" in text or "5-dən" in text or "из 5" in text for text in texts)


def test_the_rating_pages_cost_a_fixed_number_of_statements(app, web, client, world, count_queries):
    web.login("citizen@example.az", PASSWORD)
    url = f"/cabinet/ratings/appeal/{world['appeal']}"

    def cost(path: str) -> int:
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    first = (cost(url), cost("/cabinet/ratings"))
    with app.app_context():
        made = world["made"]
        made["citizen"] = db.session.merge(made["citizen"])
        made["gnc"], made["official"] = db.session.merge(made["gnc"]), db.session.merge(made["official"])
        made["categories"] = [db.session.merge(c) for c in made["categories"]]
        more = [answered_appeal(made, when=world["when"]).id for _ in range(4)]
    for appeal_id in more:
        assert web.post(f"/cabinet/ratings/appeal/{appeal_id}", MARKS).status_code == 302
    assert web.post(url, MARKS).status_code == 302
    assert (cost(url), cost("/cabinet/ratings")) == first
