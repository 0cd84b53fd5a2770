"""Subscriptions to a district's news: double opt-in, the weekly digest in the subscriber's language, unsubscribing."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import NewsSubscription, OutboxMessage, User, utcnow
from app.news import subscriptions as news_subscriptions
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.news_helpers import clear_search_index, publish
from tests.snapshots import replayed
from tests.test_pages import check_page

# The link's path: these tests alter its token or choose the page's language themselves (the email adds its own).
LINK_RE = re.compile(r"https://portal\.example\.az(/news/[^\s?]+)")


@pytest.fixture(autouse=True)
def _clean_index(app):
    yield
    with app.app_context():
        clear_search_index()


@pytest.fixture
def districts(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("news subscriptions: districts", _build_districts)


def _build_districts():
    found = create_reference_data()
    create_user("editor@example.az", roles=[("editor", found["GNC"])])
    return {code: d.id for code, d in found.items()}


def _outbox(app, recipient: str) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                                       .order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def _link(message: OutboxMessage) -> str:
    return LINK_RE.search(message.body).group(1)


def _subscription(app, email: str, code_id: int, lang: str) -> NewsSubscription | None:
    with app.app_context():
        row = db.session.scalar(select(NewsSubscription).where(
            NewsSubscription.email == email, NewsSubscription.district_id == code_id, NewsSubscription.lang == lang))
        db.session.expunge_all()
        return row


def subscribe(app, web, email: str, lang: str, code: str = "GNC"):
    return web.post(f"/news/{code}/subscribe", {"email": email, "lang": lang}, form_url=f"/news/{code}/subscribe")


# --- Subscribing -------------------------------------------------------------------------------------------------


def test_a_visitor_subscribes_and_confirms_by_the_emailed_link(app, client, web, districts):
    response = subscribe(app, web, "Reader@Example.az", "ru")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "reader@example.az" in page.lower()
    row = _subscription(app, "reader@example.az", districts["GNC"], "ru")
    assert row.status == "pending" and row.confirmed_at is None
    [message] = _outbox(app, "reader@example.az")
    assert message.template == "news_subscribe" and message.locale == "ru"
    confirm = client.get(_link(message))
    assert confirm.status_code == 200
    assert _subscription(app, "reader@example.az", districts["GNC"], "ru").status == "active"
    # Opening the link again is fine.
    assert client.get(_link(message)).status_code == 200


def test_a_signed_in_resident_subscribes_their_own_address_at_once(app, client, web, districts):
    with app.app_context():
        create_user("resident@example.az")
    web.login("resident@example.az", PASSWORD)
    form = client.get("/news/GNC/subscribe?lang=en").get_data(as_text=True)
    assert 'value="resident@example.az"' in form
    response = subscribe(app, web, "resident@example.az", "en")
    assert response.status_code == 302
    row = _subscription(app, "resident@example.az", districts["GNC"], "en")
    assert row.status == "active" and row.user_id is not None
    assert _outbox(app, "resident@example.az") == []


def test_subscribing_again_says_nothing_about_who_is_subscribed(app, client, web, districts):
    subscribe(app, web, "reader@example.az", "az")
    client.get(_link(_outbox(app, "reader@example.az")[0]))
    response = subscribe(app, web, "reader@example.az", "az")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have sent a link" in page or "link" in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(NewsSubscription)) == 1


@pytest.mark.parametrize("data,field", [
    ({"email": "not-an-address", "lang": "az"}, "email"),
    ({"email": "", "lang": "az"}, "email"),
    ({"email": "reader@example.az", "lang": "fr"}, "lang"),
    ({"email": "reader@example.az"}, "lang"),
])
def test_bad_input_is_422_beside_the_field_and_nothing_stored(app, web, districts, data, field):
    response = web.post("/news/GNC/subscribe?lang=en", data, form_url="/news/GNC/subscribe")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    check_page(html, "en")
    assert f'id="{field}-error"' in html or f'id="{field}-error"' in html.replace("lang-0", "lang")
    assert 'class="error-summary"' in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(NewsSubscription)) == 0
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0


def test_unknown_district_is_404(client, districts):
    assert client.get("/news/ZZZ/subscribe").status_code == 404


def test_a_tampered_or_expired_confirmation_link_does_not_work(app, client, web, districts):
    subscribe(app, web, "reader@example.az", "az")
    link = _link(_outbox(app, "reader@example.az")[0])
    assert client.get(link + "x").status_code == 400
    assert client.get("/news/subscription/confirm/garbage").status_code == 400
    with app.app_context():
        app.config["CONFIRM_TOKEN_MAX_AGE"] = -1
    try:
        response = client.get(link + "?lang=en")
        assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    finally:
        app.config["CONFIRM_TOKEN_MAX_AGE"] = 3600 * 48
    assert _subscription(app, "reader@example.az", districts["GNC"], "az").status == "pending"


# --- The weekly digest -------------------------------------------------------------------------------------------


def _active(app, email: str, district_id: int, lang: str, confirmed_at: datetime) -> int:
    with app.app_context():
        row = NewsSubscription(email=email, district_id=district_id, lang=lang, status="active",
                               confirmed_at=confirmed_at, created_at=confirmed_at, nonce=f"n-{email}-{lang}")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_each_subscriber_gets_the_weekly_digest_in_their_language_once_a_week(app, runner, districts):
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # a Thursday
    week_ago = now - timedelta(days=7)
    az_id = _active(app, "az@example.az", districts["GNC"], "az", week_ago)
    ru_id = _active(app, "ru@example.az", districts["GNC"], "ru", week_ago)
    _active(app, "msl@example.az", districts["MSL"], "en", week_ago)
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        publish(editor, _district(districts["GNC"]),
                {"az": ("Yeni park açıldı", "Parkda 200 ağac", "mətn"), "ru": ("Открыт новый парк", "200 деревьев", "текст")},
                published_at=now - timedelta(days=2))
        publish(editor, _district(districts["GNC"]), {"az": ("Köhnə xəbər", "", "mətn")},
                published_at=week_ago - timedelta(days=1))
        summary = news_subscriptions.send_digests(now=now)
    assert (summary.sent, summary.nothing_new, summary.period) == (2, 1, "2026-W49")
    [az] = _outbox(app, "az@example.az")
    [ru] = _outbox(app, "ru@example.az")
    assert az.template == ru.template == "news_digest"
    assert az.locale == "az" and "Yeni park açıldı" in az.body and "Köhnə xəbər" not in az.body
    assert ru.locale == "ru" and "Открыт новый парк" in ru.body and "Yeni park" not in ru.body
    assert "/news/unsubscribe/" in az.body
    assert _outbox(app, "msl@example.az") == []  # nothing new in Masallı: no email
    # The same week again: nothing is sent twice.
    with app.app_context():
        again = news_subscriptions.send_digests(now=now + timedelta(hours=5))
    assert (again.sent, again.nothing_new) == (0, 0)
    assert len(_outbox(app, "az@example.az")) == 1
    # The next week: only what was published since the last digest.
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        publish(editor, _district(districts["GNC"]), {"az": ("Bayram konserti", "", "mətn")},
                published_at=now + timedelta(days=3))
        news_subscriptions.send_digests(now=now + timedelta(days=7))
        rows = {r.id: r for r in db.session.scalars(select(NewsSubscription))}
        assert rows[az_id].last_period == "2026-W50" and rows[ru_id].last_period == "2026-W50"
    second = _outbox(app, "az@example.az")[1]
    assert "Bayram konserti" in second.body and "Yeni park" not in second.body
    # The Russian subscriber gets the Azerbaijani text when there is no Russian one.
    assert "Bayram konserti" in _outbox(app, "ru@example.az")[1].body


def _district(district_id: int):
    from app.models import District

    return db.session.get(District, district_id)


def test_digest_command_shows_progress_and_a_summary(app, runner, districts):
    _active(app, "az@example.az", districts["GNC"], "az", utcnow() - timedelta(days=3))
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        publish(editor, _district(districts["GNC"]), {"az": ("Yeni park açıldı", "", "mətn")})
    result = runner.invoke(args=["news", "digest"])
    assert result.exit_code == 0, result.output
    assert "1 digests sent" in result.output
    result = runner.invoke(args=["news", "digest"])
    assert "0 digests sent" in result.output and "0 subscriptions with nothing new" in result.output
    with app.app_context():
        from app.models import CommandRun

        runs = list(db.session.scalars(select(CommandRun).where(CommandRun.name == "news digest").order_by(CommandRun.id)))
        assert [r.outcome for r in runs] == ["ok", "ok"]
        assert runs[0].summary.endswith("1 sent, 0 nothing new, 0 failed")


def test_digest_carries_a_list_unsubscribe_header(app, districts, sink):
    _active(app, "az@example.az", districts["GNC"], "az", utcnow() - timedelta(days=3))
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        publish(editor, _district(districts["GNC"]), {"az": ("Yeni park açıldı", "", "mətn")})
        news_subscriptions.send_digests()
    [message] = sink.wait_for(1)
    assert re.fullmatch(r"<https://portal\.example\.az/news/unsubscribe/[^>]+>", message["List-Unsubscribe"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


# --- Unsubscribing ---------------------------------------------------------------------------------------------


def _digest_links(app, districts) -> dict[str, str]:
    """Two subscriptions of one address (az and ru) and one of another; a digest to each; their unsubscribe links."""
    week_ago = utcnow() - timedelta(days=7)
    _active(app, "reader@example.az", districts["GNC"], "az", week_ago)
    _active(app, "reader@example.az", districts["GNC"], "ru", week_ago)
    _active(app, "other@example.az", districts["GNC"], "az", week_ago)
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        publish(editor, _district(districts["GNC"]), {"az": ("Yeni park açıldı", "", "mətn")})
        news_subscriptions.send_digests()
    links = {}
    for message in _outbox(app, "reader@example.az") + _outbox(app, "other@example.az"):
        links[f"{message.recipient}:{message.locale}"] = re.search(r"https?://[^/\s]+(/news/unsubscribe/[^\s?]+)",
                                                                  message.body).group(1)
    return links


def test_the_unsubscribe_link_works_without_sign_in_once_and_only_for_its_subscription(app, client, districts):
    links = _digest_links(app, districts)
    link = links["reader@example.az:ru"]
    page = client.get(link + "?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    check_page(html, "en")
    assert "r•••@example.az" in html and "reader@example.az" not in html
    # Opening the page changes nothing (mail scanners open links).
    assert _subscription(app, "reader@example.az", districts["GNC"], "ru").status == "active"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(link, data={"csrf_token": token})
    assert response.status_code == 200
    assert _subscription(app, "reader@example.az", districts["GNC"], "ru").status == "ended"
    # Only that one: the same address's Azerbaijani subscription and the other reader's go on.
    assert _subscription(app, "reader@example.az", districts["GNC"], "az").status == "active"
    assert _subscription(app, "other@example.az", districts["GNC"], "az").status == "active"
    # Once: the link no longer works, by GET or POST.
    assert client.get(link).status_code == 400
    assert client.post(link, data={"csrf_token": token}).status_code == 400
    # Subscribing again makes a new link; the old one stays dead.
    with app.app_context():
        user = create_user("reader@example.az")
    fresh = app.test_client()
    from tests.conftest import Browserless

    Browserless(fresh).login("reader@example.az", PASSWORD)
    Browserless(fresh).post("/news/GNC/subscribe", {"email": "reader@example.az", "lang": "ru"})
    assert _subscription(app, "reader@example.az", districts["GNC"], "ru").status == "active"
    assert client.get(link).status_code == 400
    assert user is not None


def test_mail_programs_unsubscribe_with_one_click_post(app, client, districts):
    links = _digest_links(app, districts)
    response = client.post(links["other@example.az:az"], data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert _subscription(app, "other@example.az", districts["GNC"], "az").status == "ended"
    assert _subscription(app, "reader@example.az", districts["GNC"], "az").status == "active"


def test_a_forged_unsubscribe_link_does_nothing(app, client, districts):
    links = _digest_links(app, districts)
    assert client.post(links["other@example.az:az"][:-3] + "abc").status_code == 400
    # A confirmation token is not an unsubscribe token.
    with app.test_request_context():
        row = db.session.scalar(select(NewsSubscription).where(NewsSubscription.email == "other@example.az"))
        token = news_subscriptions.LINKS.confirm_token(row)
    assert client.post(f"/news/unsubscribe/{token}").status_code == 400
    assert _subscription(app, "other@example.az", districts["GNC"], "az").status == "active"


def test_demo_subscriptions_are_idempotent(app, districts):
    from app.administration import seed

    with app.app_context():
        seed.seed_demo_users()
        from app.administration.seed import ensure_user
        from app.appeals.demo import DEMO_RESIDENTS

        for email, name in DEMO_RESIDENTS:
            ensure_user(email, name, seed.DEMO_PASSWORD, [])
        assert news_subscriptions.seed_demo() == 3
        assert news_subscriptions.seed_demo() == 0
        rows = list(db.session.scalars(select(NewsSubscription)))
        assert {(r.email, r.lang, r.status) for r in rows} == {
            ("resident1@demo.az", "az", "active"), ("resident2@demo.az", "ru", "active"),
            ("resident3@demo.az", "en", "active")}
