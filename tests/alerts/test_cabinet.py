"""The resident's alerts in the cabinet: only their own (made signed in, or to their confirmed address), adding one
(at once for their own address), changing how often, ending; another resident can neither see nor end them; closing
the account deletes them."""
from __future__ import annotations

from sqlalchemy import update

from app.extensions import db
from app.models import AlertSubscription, User
from tests.alerts.conftest import active_alert, outbox, subscription, subscriptions, user
from tests.conftest import Browserless
from tests.factories import PASSWORD, create_user
from tests.test_pages import check_page


def _signed_in(app, email: str) -> Browserless:
    web = Browserless(app.test_client())
    web.login(email, PASSWORD)
    return web


def test_the_list_shows_only_the_residents_own_alerts(app, world):
    with app.app_context():
        neighbour = create_user("neighbour@example.az")
        neighbour_id = neighbour.id
    citizen_id = user_id(app, "citizen@example.az")
    with app.app_context():
        db.session.execute(update(User).where(User.id == citizen_id).values(district_id=world["SMQ"]))
        db.session.commit()
    active_alert(app, "citizen@example.az", "GNC")                                     # to their address
    active_alert(app, "spouse@example.az", "MSL", "roads", user_id=citizen_id)         # made by them, signed in
    active_alert(app, "neighbour@example.az", "QBA", user_id=neighbour_id)
    active_alert(app, "stranger@example.az", "SKI")
    web = _signed_in(app, "citizen@example.az")
    page = web.client.get("/cabinet/alerts?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    check_page(html, "en")
    assert 'href="/cabinet/alerts" aria-current="page"' in html  # in the cabinet's navigation
    table = html[html.index('<table class="list">'):html.index("</table>")]
    assert table.count("<tr>") == 3  # the head and two alerts
    assert "Ganja" in table and "Masally" in table and "Roads and transport" in table and "spouse@example.az" in table
    assert "Quba" not in table and "Shaki" not in table
    assert "neighbour@example.az" not in html and "stranger@example.az" not in html
    # Prefilled to add one: the resident's address and district.
    assert 'value="citizen@example.az"' in html and '<option selected value="SMQ">Sumqayit</option>' in html


def user_id(app, email: str) -> int:
    """The id of the user with ``email``."""
    with app.app_context():
        return user(email).id


def test_an_unconfirmed_address_owns_nothing_it_did_not_make(app, world):
    with app.app_context():
        create_user("new@example.az", confirmed=False)
    active_alert(app, "new@example.az", "GNC")
    html = _signed_in(app, "new@example.az").client.get("/cabinet/alerts?lang=en").get_data(as_text=True)
    assert "You have no alerts yet." in html


def test_adding_an_alert_for_ones_own_address_starts_it_at_once(app, world):
    web = _signed_in(app, "citizen@example.az")
    response = web.post("/cabinet/alerts?lang=en", {"email": "citizen@example.az", "district": "GNC",
                                                    "category": "utilities", "frequency": "daily"},
                        form_url="/cabinet/alerts")
    assert response.status_code == 302
    [row] = subscriptions(app)
    assert (row.status, row.frequency, row.lang, row.user_id) == ("active", "daily", "en",
                                                                  user_id(app, "citizen@example.az"))
    assert outbox(app, template="alert_subscribe") == []
    # Another address: a confirmation link goes there, and the alert waits in the list.
    web.post("/cabinet/alerts?lang=en", {"email": "spouse@example.az", "district": "GNC", "frequency": "instant"},
             form_url="/cabinet/alerts")
    assert [m.recipient for m in outbox(app, template="alert_subscribe")] == ["spouse@example.az"]
    html = web.client.get("/cabinet/alerts?lang=en").get_data(as_text=True)
    assert "spouse@example.az" in html and "Waiting for the confirmation link to be opened" in html


def test_bad_input_when_adding_is_refused_beside_the_field(app, world):
    web = _signed_in(app, "citizen@example.az")
    response = web.post("/cabinet/alerts?lang=en", {"email": "citizen@example.az", "district": "ZZZ",
                                                    "frequency": "instant"}, form_url="/cabinet/alerts")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    check_page(html, "en")
    assert 'id="district-error"' in html
    assert subscriptions(app) == []


def test_the_resident_changes_the_frequency_and_ends_an_alert(app, world):
    mine = active_alert(app, "citizen@example.az", "GNC")
    web = _signed_in(app, "citizen@example.az")
    prefix = f"alert{mine}"
    response = web.post(f"/cabinet/alerts/{mine}/frequency", {f"{prefix}-frequency": "daily"},
                        form_url="/cabinet/alerts")
    assert response.status_code == 302
    assert subscription(app, mine).frequency == "daily"
    refused = web.post(f"/cabinet/alerts/{mine}/frequency?lang=en", {f"{prefix}-frequency": "hourly"},
                       form_url="/cabinet/alerts")
    assert refused.status_code == 422 and f'id="{prefix}-frequency-error"' in refused.get_data(as_text=True)
    assert subscription(app, mine).frequency == "daily"
    response = web.post(f"/cabinet/alerts/{mine}/end", {}, form_url="/cabinet/alerts")
    assert response.status_code == 302
    ended = subscription(app, mine)
    assert ended.status == "ended" and ended.ended_at is not None
    assert "You have no alerts yet." in web.client.get("/cabinet/alerts?lang=en").get_data(as_text=True)


def test_another_resident_can_neither_change_nor_end_them(app, world):
    mine = active_alert(app, "citizen@example.az", "GNC", user_id=user_id(app, "citizen@example.az"))
    with app.app_context():
        create_user("neighbour@example.az")
    web = _signed_in(app, "neighbour@example.az")
    assert web.post(f"/cabinet/alerts/{mine}/end", {}, form_url="/cabinet/alerts").status_code == 404
    assert web.post(f"/cabinet/alerts/{mine}/frequency", {f"alert{mine}-frequency": "daily"},
                    form_url="/cabinet/alerts").status_code == 404
    row = subscription(app, mine)
    assert (row.status, row.frequency) == ("active", "instant")
    # Visitors are sent to sign in; a form without its CSRF token is refused, even the owner's.
    visitor = app.test_client()
    assert visitor.get("/cabinet/alerts").status_code == 302
    assert visitor.post(f"/cabinet/alerts/{mine}/end").status_code == 400
    owner = _signed_in(app, "citizen@example.az")
    assert owner.client.post(f"/cabinet/alerts/{mine}/end").status_code == 400
    assert subscription(app, mine).status == "active"


def test_closing_the_account_deletes_the_residents_alerts(app, world):
    citizen_id = user_id(app, "citizen@example.az")
    active_alert(app, "citizen@example.az", "GNC")
    active_alert(app, "spouse@example.az", "MSL", user_id=citizen_id)
    other = active_alert(app, "other@example.az", "GNC")
    with app.app_context():
        # Not confirmed any more, it is still their address: closing leaves nothing of it behind.
        db.session.execute(update(User).where(User.id == citizen_id).values(confirmed_at=None))
        db.session.commit()
        from app.accounts import mydata

        mydata.close_account(db.session.get(User, citizen_id), PASSWORD)
    assert [row.id for row in subscriptions(app)] == [other]
    with app.app_context():
        assert db.session.get(AlertSubscription, other).email == "other@example.az"
