"""Subscribing on the public page: double opt-in, no duplicates and nothing revealed, one-click unsubscribe, links
that work once and only for their row, bad input refused beside its field, the rate limit."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.alerts import service as alerts
from app.extensions import db
from app.models import AlertSubscription, Category, District, OutboxMessage
from tests.alerts.conftest import active_alert, link_in, outbox, subscription, subscriptions
from tests.conftest import Browserless
from tests.factories import PASSWORD, create_user
from tests.test_pages import check_page


def subscribe(web, email: str, code: str = "GNC", category: str = "", frequency: str = "instant", lang: str = "en"):
    """Send the public subscription form (its token from the district's form page)."""
    return web.post(f"/alerts/?lang={lang}", {"email": email, "district": code, "category": category,
                                              "frequency": frequency}, form_url=f"/alerts/?district={code}&lang={lang}")


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_page_is_linked_from_the_districts_public_appeals_with_its_feed(client, world):
    html = client.get("/appeals/public/GNC?lang=en").get_data(as_text=True)
    assert 'href="/alerts/?district=GNC"' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html and 'href="/alerts/GNC.atom?lang=en"' in html
    page = client.get("/alerts/?district=GNC&lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    check_page(html, "en")
    assert '<option selected value="GNC">Ganja</option>' in html
    assert 'href="/alerts/GNC.atom?lang=en"' in html
    assert "written in English" in html


def test_a_visitor_subscribes_and_confirms_by_the_emailed_link(app, client, web, world):
    response = subscribe(web, "Reader@Example.az", category="roads", frequency="daily", lang="ru")
    assert response.status_code == 302 and response.headers["Location"].startswith("/appeals/public/GNC")
    client.get(response.headers["Location"])
    [row] = subscriptions(app)
    assert (row.email, row.lang, row.frequency, row.status, row.user_id) == (
        "reader@example.az", "ru", "daily", "pending", None)
    [message] = outbox(app, "reader@example.az")
    assert message.template == "alert_subscribe" and message.locale == "ru"
    confirm = client.get(link_in(message.body) + "?lang=en")
    assert confirm.status_code == 200
    check_page(confirm.get_data(as_text=True), "en")
    assert "Roads and transport" in confirm.get_data(as_text=True)
    assert subscription(app, row.id).status == "active"
    # Opening the link again is fine.
    assert client.get(link_in(message.body)).status_code == 200


def test_subscribing_again_makes_no_duplicate_and_says_nothing_about_who_is_subscribed(app, client, web, world):
    first = subscribe(web, "reader@example.az")
    said_first = client.get(first.headers["Location"]).get_data(as_text=True)
    client.get(link_in(outbox(app, "reader@example.az")[0].body))
    again = subscribe(web, "READER@example.az", frequency="daily")
    said_again = client.get(again.headers["Location"]).get_data(as_text=True)
    assert again.status_code == first.status_code == 302
    assert "We have sent an email to reader@example.az" in said_first and "We have sent an email to" in said_again
    [row] = subscriptions(app)
    # Nobody but the owner changes a running subscription; the address hears that someone asked.
    assert (row.status, row.frequency) == ("active", "instant")
    assert [m.template for m in outbox(app, "reader@example.az")] == ["alert_subscribe", "alert_already"]
    # Another category, or all of them, is another subscription.
    subscribe(web, "reader@example.az", category="roads")
    assert len(subscriptions(app)) == 2


def test_asking_again_while_waiting_sends_a_fresh_link_for_the_same_row(app, web, world):
    subscribe(web, "reader@example.az")
    subscribe(web, "reader@example.az", frequency="daily")
    [row] = subscriptions(app)
    assert (row.status, row.frequency) == ("pending", "daily")
    assert [m.template for m in outbox(app, "reader@example.az")] == ["alert_subscribe", "alert_subscribe"]


def test_a_signed_in_resident_subscribes_their_own_address_at_once(app, client, web, world):
    web.login("citizen@example.az", PASSWORD)
    form = client.get("/alerts/?lang=en").get_data(as_text=True)
    assert 'value="citizen@example.az"' in form
    response = subscribe(web, "citizen@example.az")
    assert "Your alert is on" in client.get(response.headers["Location"]).get_data(as_text=True)
    [row] = subscriptions(app)
    assert row.status == "active" and row.user_id is not None
    assert outbox(app, "citizen@example.az", "alert_subscribe") == []


@pytest.mark.parametrize("data,field", [
    ({"email": "not-an-address"}, "email"),
    ({"email": ""}, "email"),
    ({"district": "ZZZ"}, "district"),
    ({"district": ""}, "district"),
    ({"district": "GNC' OR 1=1 --"}, "district"),
    ({"district": "SKI"}, "district"),            # a district that no longer works (inactive)
    ({"category": "nonsense"}, "category"),
    ({"category": "closed"}, "category"),         # an inactive category
    ({"frequency": "hourly"}, "frequency"),
    ({"frequency": ""}, "frequency"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_written(app, web, world, data, field):
    with app.app_context():
        old = db.session.scalar(select(District).where(District.code == "SKI"))
        old.active = False
        db.session.add(Category(code="closed", name_az="Bağlı", name_ru="Закрыта", name_en="Closed", active=False))
        db.session.commit()
    posted = {"email": "reader@example.az", "district": "GNC", "category": "", "frequency": "instant", **data}
    response = web.post("/alerts/?lang=en", posted, form_url="/alerts/?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    check_page(html, "en")
    assert f'id="{field}-error"' in html and 'class="error-summary"' in html
    assert _count(app, AlertSubscription) == 0 and _count(app, OutboxMessage) == 0


def test_the_service_refuses_every_wrong_field_at_once(app, ctx, world):
    with pytest.raises(alerts.Invalid) as refused:
        alerts.subscribe(None, alerts.SubscribeInput(email="x", district_code="ZZZ", category_code="zzz",
                                                     frequency="weekly", lang="fr"))
    assert set(refused.value.errors) == {"email", "district", "category", "frequency", None}
    assert refused.value.errors["district"] == "Choose a district from the list."


def test_subscribing_is_rate_limited(app, web, world):
    app.config["RATELIMIT_AUTH"] = "2 per minute"
    try:
        statuses = [subscribe(web, f"r{n}@example.az").status_code for n in range(3)]
    finally:
        app.config["RATELIMIT_AUTH"] = "20 per 10 minutes"
    assert statuses == [302, 302, 429]


# --- The emailed links -----------------------------------------------------------------------------------------


def _unsubscribe_link(app, subscription_id: int) -> str:
    with app.test_request_context():
        row = db.session.get(AlertSubscription, subscription_id)
        return alerts.unsubscribe_url(row).removeprefix("https://portal.example.az")


def test_unsubscribing_takes_one_click_without_sign_in_once_and_only_for_its_row(app, client, world):
    mine = active_alert(app, "reader@example.az", "GNC", lang="ru")
    same_address = active_alert(app, "reader@example.az", "GNC", lang="az")
    other = active_alert(app, "other@example.az", "GNC")
    link = _unsubscribe_link(app, mine)
    page = client.get(link + "?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    check_page(html, "en")
    assert "r•••@example.az" in html and "reader@example.az" not in html
    # Opening the page changes nothing (mail scanners open links).
    assert subscription(app, mine).status == "active"
    response = client.post(link, data={"List-Unsubscribe": "One-Click"})  # a mail program's one-click POST
    assert response.status_code == 200
    assert subscription(app, mine).status == "ended"
    assert subscription(app, same_address).status == subscription(app, other).status == "active"
    # Once: the link no longer works.
    assert client.get(link).status_code == 400
    assert client.post(link).status_code == 400


def test_tampered_expired_and_misused_links_are_a_clear_400_page(app, client, web, world):
    subscribe(web, "reader@example.az")
    link = link_in(outbox(app, "reader@example.az")[0].body)
    for bad in (link + "x", "/alerts/confirm/garbage", link.replace("confirm", "unsubscribe")):
        response = client.get(bad + "?lang=en")
        assert response.status_code == 400, bad
        check_page(response.get_data(as_text=True), "en")
    assert client.post("/alerts/unsubscribe/garbage").status_code == 400
    app.config["CONFIRM_TOKEN_MAX_AGE"] = -1
    try:
        response = client.get(link + "?lang=en")
        assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    finally:
        app.config["CONFIRM_TOKEN_MAX_AGE"] = 3600 * 48
    [row] = subscriptions(app)
    assert row.status == "pending"
    # Ended, the confirmation link of the row works no more either.
    with app.app_context():
        db.session.get(AlertSubscription, row.id).status = "ended"
        db.session.commit()
    assert client.get(link).status_code == 400


def test_a_link_of_an_ended_subscription_stays_dead_after_subscribing_again(app, client, world):
    row_id = active_alert(app, "reader@example.az", "GNC")
    link = _unsubscribe_link(app, row_id)
    client.post(link)
    with app.app_context():
        create_user("reader@example.az")
    fresh = Browserless(app.test_client())
    fresh.login("reader@example.az", PASSWORD)
    subscribe(fresh, "reader@example.az")
    assert subscription(app, row_id).status == "active"
    assert client.get(link).status_code == 400
