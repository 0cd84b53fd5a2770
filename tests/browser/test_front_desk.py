"""Issue 19 in the browser: the front desk's electronic queue, ratings on the ASAN criteria, "check your answers",
drafts, costs and the index weights.

As a new user would try it: a resident takes a ticket online; at the desk an official calls it and the hall screen
shows the number within a few seconds (its script polls); the official marks it served, the resident rates the
visit on the criteria, and the district's accountability page shows the front desk's waiting time and the criteria.
Every new page has zero axe violations in az, ru and en, and the hall screen is readable from a distance (large
type, checked, and a screenshot taken of it).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.kit.calendar import local_date
from app.models import QueueDesk, QueueTicket, Rating, utcnow
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import create_user
from tests.queue.helpers import create_desk, create_queue_service, today_is_working
from tests.ratings.helpers import answered_appeal, decided_application, world

# The hall is read from across the room: the numbers at least this tall (CSS pixels).
SCREEN_NUMBER_PX = 48


@pytest.fixture
def front_desk(app):
    """Gəncə's front desk open today (all day, so the test runs at any hour) with one service and two desks; a
    resident (citizen@example.az), its official and head, an administrator; the day's earlier visits, served and
    rated, so the district's figures are above the minimum the public pages show."""
    with app.app_context():
        people = world()
        gnc = people["gnc"]
        create_user("head@example.az", full_name="Rəna Quliyeva", roles=[("head", gnc)])
        create_user("admin@example.az", full_name="Nigar Əliyeva", roles=[("admin", None)])
        today_is_working()
        service = create_queue_service(gnc, "A", opens_minute=0, closes_minute=1440, window_minutes=240,
                                       window_capacity=50, title_az="Arayışlar", title_ru="Справки",
                                       title_en="Certificates")
        create_desk(gnc, 1, [service])
        create_desk(gnc, 2, [service])
        now = utcnow()
        today = local_date(now)
        # Six visits earlier today: served after 4–9 minutes of waiting, each rated.
        for n in range(1, 7):
            called = now - timedelta(minutes=60 - n)
            ticket = QueueTicket(district_id=gnc.id, service_id=service.id, day=today, number=900 + n,
                                 code=f"A-{900 + n}", source="kiosk", status="served",
                                 queued_at=called - timedelta(minutes=3 + n), called_at=called,
                                 served_at=called + timedelta(minutes=5), wait_seconds=(3 + n) * 60,
                                 service_seconds=300, ended_at=called + timedelta(minutes=5))
            db.session.add(ticket)
            db.session.flush()
            db.session.add(Rating(subject_kind="ticket", subject_id=ticket.id, district_id=gnc.id,
                                  queue_service_id=service.id, overall=4, courtesy=5, speed=4, clarity=4,
                                  outcome=4, rated_at=now))
        # The resident's visit of yesterday, an answered appeal and a decided application, for the rating pages.
        visit = QueueTicket(district_id=gnc.id, service_id=service.id, day=today - timedelta(days=1), number=7,
                            code="A-007", source="web", status="served", citizen_id=people["citizen"].id,
                            queued_at=now - timedelta(days=1, minutes=20), called_at=now - timedelta(days=1, minutes=12),
                            served_at=now - timedelta(days=1, minutes=5), wait_seconds=480, service_seconds=420,
                            ended_at=now - timedelta(days=1, minutes=5))
        db.session.add(visit)
        appeal = answered_appeal(people, when=now - timedelta(days=1))
        application = decided_application(people, when=now - timedelta(days=2))
        db.session.commit()
        desk = db.session.scalar(select(QueueDesk.id).where(QueueDesk.number == 1))
        return {"gnc": gnc.id, "service": service.id, "appeal": appeal.id, "application": application.id,
                "visit": visit.id, "desk": desk}


def test_a_ticket_taken_online_is_called_shown_served_rated_and_counted(browser, live_server, app, front_desk,
                                                                       tmp_path):
    resident = browser.new_context(base_url=live_server, locale="en-GB")
    hall = browser.new_context(base_url=live_server, locale="az-AZ", viewport={"width": 1920, "height": 1080})
    desk = browser.new_context(base_url=live_server, locale="en-GB")
    try:
        # The resident takes a ticket for the current time of today.
        page = resident.new_page()
        sign_in(page, "citizen@example.az")
        page.goto("/queue/GNC/?lang=en")
        page.locator("input[name=service]").first.check()
        with page.expect_navigation():
            page.locator("button[name=show]").click()
        page.locator("input[name=window]").first.check()
        with page.expect_navigation():
            page.click("#submit")
        code = re.search(r"A-\d{3}", page.locator("main").inner_text()).group(0)
        assert_accessible(page, "en")

        # The hall screen is open before the call: the number is not there yet.
        screen = hall.new_page()
        screen.goto("/queue/GNC/screen")
        assert code not in screen.locator("#screen-calling").inner_text()

        # At the desk: open desk 1 and call the next ticket.
        office = desk.new_page()
        sign_in(office, "official@example.az")
        office.goto(f"/office/queue/?district={front_desk['gnc']}&lang=en")
        with office.expect_navigation():
            office.get_by_role("link", name="Desk 1").click()
        with office.expect_navigation():
            office.get_by_role("button", name="Open this desk").click()
        with office.expect_navigation():
            office.get_by_role("button", name="Call the next ticket").click()
        assert code in office.locator(".ticket-current").inner_text()
        assert_accessible(office, "en")

        # The hall screen shows it by itself within a few seconds (no reload: its script asks screen.json).
        screen.locator("#screen-calling td", has_text=code).wait_for(timeout=8_000)
        size = screen.locator("#screen-calling td").first.evaluate("cell => parseFloat(getComputedStyle(cell).fontSize)")
        assert size >= SCREEN_NUMBER_PX, f"the numbers are {size}px: too small to read across the hall"
        shot = tmp_path / "hall-screen.png"
        screen.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000

        with office.expect_navigation():
            office.get_by_role("button", name="Served").click()
        with app.app_context():
            served = db.session.scalar(select(QueueTicket).where(QueueTicket.code == code))
            assert served.status == "served" and served.wait_seconds is not None

        # The resident rates the visit on the criteria, from the ticket in the cabinet.
        page.goto(f"/cabinet/queue/{served.id}?lang=en")
        assert_accessible(page, "en")
        with page.expect_navigation():
            page.locator(f"a[href*='/cabinet/ratings/ticket/{served.id}']").click()
        page.check("input[name=rate-rating][value='5']")
        page.check("input[name=rate-courtesy][value='5']")
        page.check("input[name=rate-speed][value='4']")
        with page.expect_navigation():
            page.locator("main form [type=submit]").click()
        with app.app_context():
            rating = db.session.scalar(select(Rating).where(Rating.subject_kind == "ticket",
                                                            Rating.subject_id == served.id))
            assert (rating.overall, rating.courtesy, rating.speed, rating.clarity) == (5, 5, 4, None)

        # The district's page shows the front desk's waiting time and the criteria.
        page.goto("/accountability/GNC?lang=en")
        text = page.locator("main").inner_text()
        assert "The front desk" in text and "Ratings on the ASAN criteria" in text
        desk_table = page.locator("table", has=page.locator("caption", has_text="The front desk per service"))
        assert re.search(r"\d", desk_table.locator("tbody").inner_text())
        assert "Certificates" in desk_table.inner_text()
    finally:
        for context in (resident, hall, desk):
            context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_new_pages_have_no_axe_violation(page, app, front_desk, lang):
    # Public: the queue, the kiosk and its printed ticket, the hall screen.
    for path in ["/queue/", "/queue/GNC/", "/queue/GNC/kiosk", "/queue/GNC/screen"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    page.goto(f"/queue/GNC/kiosk?lang={lang}")
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()
    assert re.search(r"A-\d{3}", page.locator("main").inner_text())
    assert_accessible(page, lang)

    # The resident: a ticket refused for a closed day, the tickets, the ratings, a draft and its check page.
    sign_in(page, "citizen@example.az")
    page.goto(f"/queue/GNC/?lang={lang}")
    assert_accessible(page, lang)
    for path in ["/cabinet/queue/", f"/cabinet/queue/{front_desk['visit']}", "/cabinet/ratings",
                 f"/cabinet/ratings/ticket/{front_desk['visit']}", f"/cabinet/ratings/appeal/{front_desk['appeal']}",
                 f"/cabinet/ratings/application/{front_desk['application']}"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    # A rating without the overall mark: refused beside the field.
    page.goto(f"/cabinet/ratings/appeal/{front_desk['appeal']}?lang={lang}")
    page.check("input[name=rate-courtesy][value='4']")
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)
    # "Save and come back later", then the drafts, then "check your answers".
    page.goto(f"/appeals/new?lang={lang}")
    page.select_option("#district_id", str(front_desk["gnc"]))
    page.fill("#subject", "Küçə işıqlandırması")
    with page.expect_navigation():
        page.click("#save_draft")
    page.goto(f"/cabinet/drafts?lang={lang}")
    assert "Küçə işıqlandırması" in page.locator("main").inner_text()
    assert_accessible(page, lang)
    page.locator("main a[href*='/delete']").first.click()
    page.wait_for_load_state()
    assert_accessible(page, lang)
    page.goto(f"/cabinet/drafts?lang={lang}")
    with page.expect_navigation():
        page.locator("main a[href*='draft=']").first.click()
    page.select_option("#category_id", index=1)
    page.check("input[name=kind][value=proposal]")
    page.fill("#text", "Küçədə işıq yanmır, axşamlar qaranlıqdır.")
    page.fill("#applicant_address", "Gəncə, Nizami küçəsi 12")
    with page.expect_navigation():
        page.click("#proceed")
    assert "Küçə işıqlandırması" in page.locator("main").inner_text()
    assert page.locator("main a[href*='#subject']").count() == 1  # "Change" goes back to the field
    assert_accessible(page, lang)

    # The desk and the management of services and desks.
    page.context.clear_cookies()
    sign_in(page, "head@example.az")
    gnc = front_desk["gnc"]
    for path in [f"/office/queue/?district={gnc}", f"/office/queue/manage?district={gnc}",
                 f"/office/queue/services/{front_desk['service']}?district={gnc}",
                 f"/office/queue/services/new?district={gnc}", f"/office/queue/desks/new?district={gnc}",
                 f"/office/queue/desks/{front_desk['desk']}?district={gnc}", "/office/costs?district=GNC"]:
        page.goto(f"{path}&lang={lang}")
        assert_accessible(page, lang)
    # A negative cost: refused beside the field.
    page.goto(f"/office/costs?district=GNC&lang={lang}")
    page.fill("input[name=amount]", "-5")
    with page.expect_navigation():
        page.locator("main form[method=post] [type=submit]").first.click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)

    # The administrator: the index weights, and weights that do not add up to 100 refused beside the fields.
    page.context.clear_cookies()
    sign_in(page, "admin@example.az")
    page.goto(f"/admin/index-weights?lang={lang}")
    assert_accessible(page, lang)
    page.locator("#weights input").first.fill("99")
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)
