"""The queue through the web: a resident takes a ticket, a desk calls it, the hall screen shows it, the desk serves
it and the cabinet shows it served; refusals beside their fields; who may see what."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.kit.calendar import BAKU, local_date
from app.models import AuditEntry, QueueDesk, QueueService, QueueTicket, utcnow
from app.queue import service as queue
from tests.appeals.test_views import field_error
from tests.conftest import Browserless
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.queue.helpers import create_desk, create_queue_service, today_is_working
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


@pytest.fixture
def world(app):
    """Gəncə's front desk open all day today (service A, 2 online tickets per hour; service R), desk 1 and 2;
    Gəncə's official and head, Masallı's official, two residents. Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("queue views: world", _build_world)


def _build_world():
    today_is_working()
    districts = create_reference_data()
    gnc, msl = districts["GNC"], districts["MSL"]
    a = create_queue_service(gnc, "A", opens_minute=0, closes_minute=1440, window_capacity=2)
    r = create_queue_service(gnc, "R", kind="reception", opens_minute=0, closes_minute=1440)
    desk1, desk2 = create_desk(gnc, 1, [a, r]), create_desk(gnc, 2, [a])
    create_user("official@example.az", roles=[("official", gnc)])
    create_user("head@example.az", roles=[("head", gnc)])
    create_user("official.msl@example.az", roles=[("official", msl)])
    create_user("citizen@example.az", locale="en")
    create_user("neighbour@example.az")
    return {"gnc": gnc.id, "msl": msl.id, "a": a.id, "r": r.id, "desk1": desk1.id, "desk2": desk2.id}


def now_window() -> tuple[str, str]:
    """Today (ISO) and the opening minute of the one-hour window running now."""
    now = utcnow()
    local = now.astimezone(BAKU)
    return local_date(now).isoformat(), str((local.hour * 60 + local.minute) // 60 * 60)


def signed_in(app, email: str) -> Browserless:
    """Another browser, signed in as ``email``."""
    browser = Browserless(app.test_client())
    assert browser.login(email, PASSWORD).status_code == 302
    return browser


def take(web, world, **changes):
    day, minute = now_window()
    data = {"service": str(world["a"]), "day": day, "window": minute, **changes}
    return web.post("/queue/GNC/", data)


def test_take_call_screen_serve_and_the_cabinet(app, web, client, world):
    web.login("citizen@example.az", PASSWORD)
    page = client.get("/queue/GNC/")
    assert page.status_code == 200 and "Service A" in page.get_data(as_text=True)
    taken = take(web, world)
    assert taken.status_code == 302
    with app.app_context():
        ticket = db.session.scalar(select(QueueTicket))
        ticket_id, code = ticket.id, ticket.code
    assert taken.headers["Location"].endswith(f"/cabinet/queue/{ticket_id}")
    mine = client.get(f"/cabinet/queue/{ticket_id}").get_data(as_text=True)
    assert code in mine and "Tickets ahead" in mine

    desk = signed_in(app, "official@example.az")
    assert desk.post(f"/office/queue/desks/{world['desk1']}/open", {}, form_url="/office/queue/").status_code == 302
    console = f"/office/queue/?desk={world['desk1']}"
    assert desk.post(f"/office/queue/desks/{world['desk1']}/call", {}, form_url=console).status_code == 302
    screen = client.get("/queue/GNC/screen.json")
    assert screen.json["calling"] == [{"code": code, "desk": 1}]
    assert "public" in screen.headers["Cache-Control"] and "max-age=2" in screen.headers["Cache-Control"]
    assert code in desk.client.get(console).get_data(as_text=True)
    served = desk.post(f"/office/queue/desks/{world['desk1']}/served", {"ticket": str(ticket_id)}, form_url=console)
    assert served.status_code == 302
    assert client.get("/queue/GNC/screen.json").json == {"calling": [], "recent": [{"code": code, "desk": 1}]}

    tickets = client.get("/cabinet/queue/").get_data(as_text=True)
    assert code in tickets and "Served" in tickets
    rating = f"/cabinet/ratings/ticket/{ticket_id}"
    assert (rating in tickets) == ("ratings.rate" in app.view_functions)
    with app.app_context():
        ticket = db.session.get(QueueTicket, ticket_id)
        assert ticket.status == "served" and ticket.wait_seconds is not None and ticket.service_seconds is not None


def test_a_full_window_is_refused_beside_the_field_with_the_next_window_chosen(app, web, client, world):
    for email in ("neighbour@example.az", "head@example.az"):
        other = signed_in(app, email)
        assert take(other, world).status_code == 302
    web.login("citizen@example.az", PASSWORD)
    refused = take(web, world)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "This time is full." in field_error(html, "window")
    assert "The next free time is" in field_error(html, "window")
    with app.app_context():
        day, window = queue.next_free_window(db.session.get(QueueService, world["a"]), utcnow())
    chosen = re.search(r'<input checked[^>]*name="window"[^>]*value="(\d+)"|'
                       r'<input[^>]*name="window"[^>]*value="(\d+)"[^>]*checked', html)
    assert chosen, "the next free window is not preselected"
    assert int(chosen.group(1) or chosen.group(2)) == window.minute
    assert f'value="{day.isoformat()}"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(QueueTicket.id))) == 2


def test_a_closed_day_is_refused_beside_the_day(app, web, world):
    web.login("citizen@example.az", PASSWORD)
    refused = take(web, world, day="2020-01-06")
    assert refused.status_code == 422
    assert "does not take tickets" in field_error(refused.get_data(as_text=True), "day")
    bad = take(web, world, day="not a day", window="x")
    assert bad.status_code == 422 and "Choose a day." in field_error(bad.get_data(as_text=True), "day")


def test_visitors_see_the_page_and_a_sign_in_link(client, world):
    page = client.get("/queue/GNC/").get_data(as_text=True)
    assert "/auth/login" in page and "Xidmət A" in page
    assert client.get("/queue/").status_code == 200
    assert client.get("/queue/XXX/").status_code == 404


def test_another_residents_ticket_is_not_found(app, web, client, world):
    neighbour = signed_in(app, "neighbour@example.az")
    take(neighbour, world)
    with app.app_context():
        ticket_id = db.session.scalar(select(QueueTicket.id))
    web.login("citizen@example.az", PASSWORD)
    assert client.get(f"/cabinet/queue/{ticket_id}").status_code == 404
    assert web.post(f"/cabinet/queue/{ticket_id}/cancel", {}, form_url="/cabinet/queue/").status_code == 404
    assert neighbour.post(f"/cabinet/queue/{ticket_id}/cancel", {},
                          form_url=f"/cabinet/queue/{ticket_id}").status_code == 302


def test_another_districts_official_cannot_see_or_work_the_desks(app, world):
    other = signed_in(app, "official.msl@example.az")
    assert other.client.get(f"/office/queue/?district={world['gnc']}").status_code == 404
    assert "Xidmət A" not in other.client.get("/office/queue/").get_data(as_text=True)  # their own district's
    assert other.post(f"/office/queue/desks/{world['desk1']}/open", {},
                      form_url="/cabinet/").status_code == 404
    assert other.post(f"/office/queue/desks/{world['desk1']}/call", {}, form_url="/cabinet/").status_code == 404
    resident = signed_in(app, "citizen@example.az")
    assert resident.client.get("/office/queue/").status_code == 403
    official = signed_in(app, "official@example.az")
    assert official.client.get("/office/queue/manage").status_code == 403


def test_the_kiosk_prints_a_ticket_and_the_screen_shows_three_languages(client, world):
    page = client.get("/queue/GNC/kiosk").get_data(as_text=True)
    check_page(page, "az")
    printed = Browserless(client).post("/queue/GNC/kiosk", {"service": str(world["a"])})
    assert printed.status_code == 200
    html = printed.get_data(as_text=True)
    assert "A-001" in html and "queue-ticket-code" in html
    unknown = Browserless(client).post("/queue/GNC/kiosk", {"service": "99999"})
    assert unknown.status_code == 422
    screen = client.get("/queue/GNC/screen").get_data(as_text=True)
    check_page(screen, "az")
    for lang in LANGS:
        assert f'<span lang="{lang}">' in screen
    assert re.search(r'src="/static/js/queue-screen\.[0-9a-f]{12}\.js"', screen) and '<meta http-equiv="refresh"' in screen.split("<noscript>")[1]


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_in_each_language(app, world, lang):
    resident = signed_in(app, "citizen@example.az")
    take(resident, world)
    resident.client.get(f"/?lang={lang}")
    for url in ("/queue/", "/queue/GNC/", "/cabinet/queue/", "/queue/GNC/kiosk", "/queue/GNC/screen"):
        response = resident.client.get(url)
        assert response.status_code == 200, url
        check_page(response.get_data(as_text=True), lang)
    head = signed_in(app, "head@example.az")
    head.client.get(f"/?lang={lang}")
    head.post(f"/office/queue/desks/{world['desk1']}/open", {}, form_url="/office/queue/")
    head.post(f"/office/queue/desks/{world['desk1']}/call", {}, form_url="/office/queue/")
    for url in ("/office/queue/", f"/office/queue/?desk={world['desk1']}", "/office/queue/manage",
                "/office/queue/services/new", f"/office/queue/services/{world['a']}", "/office/queue/desks/new",
                f"/office/queue/desks/{world['desk1']}"):
        response = head.client.get(url)
        assert response.status_code == 200, url
        check_page(response.get_data(as_text=True), lang)


def test_the_head_manages_services_and_desks_audited(app, world):
    head = signed_in(app, "head@example.az")
    service = {"title_az": "Sənəd qəbulu", "title_ru": "", "title_en": "", "letter": "d", "kind": "general",
               "eservice_id": "", "minutes": "12", "opens": "09:00", "closes": "17:00", "window_minutes": "30",
               "window_capacity": "4", "active": "y"}
    assert head.post("/office/queue/services/new?lang=en", service).status_code == 302
    again = head.post("/office/queue/services/new?lang=en", {**service, "letter": "A"})
    assert again.status_code == 422
    assert "has this letter" in field_error(again.get_data(as_text=True), "letter")
    late = head.post("/office/queue/services/new?lang=en", {**service, "letter": "F", "closes": "08:00", "title_az": ""})
    assert late.status_code == 422
    html = late.get_data(as_text=True)
    assert "close after it opens" in field_error(html, "closes") and field_error(html, "title_az")
    with app.app_context():
        added = db.session.scalar(select(QueueService).where(QueueService.letter == "D"))
        assert (added.opens_minute, added.closes_minute, added.window_minutes) == (540, 1020, 30)
        added_id = added.id
    desk = head.post("/office/queue/desks/new?lang=en", {"number": "5", "services": [str(added_id), str(world["a"])],
                                                 "active": "y"})
    assert desk.status_code == 302
    taken = head.post("/office/queue/desks/new?lang=en", {"number": "1", "services": [str(added_id)], "active": "y"})
    assert taken.status_code == 422 and "Another desk" in field_error(taken.get_data(as_text=True), "number")
    with app.app_context():
        five = db.session.scalar(select(QueueDesk).where(QueueDesk.number == 5))
        assert sorted(s.letter for s in five.services) == ["A", "D"]
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("queue.%"))))
        assert sorted(actions) == ["queue.desk", "queue.service"]
    other = signed_in(app, "official.msl@example.az")
    assert other.client.get(f"/office/queue/services/{world['a']}").status_code == 403


def test_the_kiosk_is_rate_limited(app, client, world):
    saved, app.config["RATELIMIT_KIOSK"] = app.config["RATELIMIT_KIOSK"], "2 per minute"
    try:
        kiosk = Browserless(client)
        statuses = [kiosk.post("/queue/GNC/kiosk", {"service": str(world["a"])}).status_code for _n in range(3)]
    finally:
        app.config["RATELIMIT_KIOSK"] = saved
    assert statuses == [200, 200, 429]
    with app.app_context():
        assert db.session.scalar(select(func.count(QueueTicket.id))) == 2


def test_an_administrator_chooses_the_district_whose_front_desk_to_set_up(app, world):
    with app.app_context():
        create_user("admin@example.az", roles=[("admin", None)])
    admin = signed_in(app, "admin@example.az")
    chooser = admin.client.get("/office/queue/manage?lang=en")
    assert chooser.status_code == 200
    page = chooser.get_data(as_text=True)
    assert f"/office/queue/manage?district={world['gnc']}" in page
    assert f"/office/queue/manage?district={world['msl']}" in page
    assert admin.client.get(f"/office/queue/manage?district={world['msl']}").status_code == 200
    # The administration page links it.
    assert "/office/queue/manage" in admin.client.get("/admin/").get_data(as_text=True)
    # A head of one district goes straight to theirs.
    head = signed_in(app, "head@example.az")
    own = head.client.get("/office/queue/manage?lang=en")
    assert own.status_code == 200 and "Queue services and desks: Ganja" in own.get_data(as_text=True)
    assert head.client.get(f"/office/queue/manage?district={world['msl']}").status_code == 404
