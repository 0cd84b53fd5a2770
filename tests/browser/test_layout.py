"""One consistent layout from a phone to a wide screen (issue 17): no sideways scrolling, the whole navigation
visible, the header in the page's grid; axe finds nothing on the pages this issue changed, in az, ru and en.

With ``LAYOUT_SCREENSHOTS=1``, screenshots of every page at every width go to ``test-artefacts/layout/`` (ignored by
git) for a person to look at.
"""
from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.kit.calendar import local_date
from app.models import Poll, utcnow
from app.polls import service as polls
from app.polls.forms import to_local
from app.reception import service as reception
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in
from tests.factories import create_reference_data, create_user
from tests.snapshots import replayed

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "layout"
# A phone (375 px) and a laptop (1280 px); the narrowest phones (320 px) are checked for sideways scrolling too.
WIDTHS = (375, 1280)
NARROWEST = 320
HEIGHT = 812
# Every area the portal offers, linked from the main navigation on every page.
AREAS = ["/appeals/new", "/reception/", "/services/", "/polls/", "/proposals/", "/consultations/", "/news/",
         "/commitments/", "/accountability/"]
# Screenshots for a person to look at, when asked for (LAYOUT_SCREENSHOTS=1): CI looks at none. Eighteen full pages
# in PNG, with two round trips to the browser per navigation item (now one call), were a sixth of this module's
# processor time (29 → 24 core-seconds, measured side by side).
SCREENSHOTS = bool(os.environ.get("LAYOUT_SCREENSHOTS"))
# A navigation item as the checks need it: its text, whether it is shown (a box of some size, not hidden, as
# Playwright's is_visible decides) and its box in the viewport.
NAV_ITEMS = """items => items.map(item => {
    const box = item.getBoundingClientRect();
    return {text: item.innerText, box: {x: box.x, y: box.y, width: box.width, height: box.height},
            shown: box.width > 0 && box.height > 0 && getComputedStyle(item).visibility !== "hidden"};
})"""
# The longest header the portal draws: a supervisor with a long name and both cabinets.
SUPERVISOR_NAME = "Gülnarə Məmmədquluzadə-Əliheydərova"


@pytest.fixture
def portal(app):
    """A resident, a supervisor and a moderator of Gəncə; an open poll, a resident's poll topic, a reception day
    whose booking has closed and one the resident has booked. Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser layout: portal", _build_portal)


def _build_portal():
    gnc = create_reference_data()["GNC"]
    resident = create_user("resident@example.az", full_name="Aygün Həsənova")
    resident.district_id = gnc.id
    db.session.commit()
    create_user("supervisor@example.az", full_name=SUPERVISOR_NAME, roles=[("supervisor", None)])
    moderator = create_user("moderator@example.az", full_name="Rəşad Əliyev", roles=[("moderator", gnc)])
    head = create_user("head@example.az", full_name="Elçin Hüseynov", roles=[("head", gnc)])
    now = utcnow()
    polls.create_poll(moderator, gnc.id, polls.PollInput(
        direction="transport", question_az="Avtobus neçədə başlasın?", options_az=["06:00", "07:00"],
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7)), now=now - timedelta(hours=2))
    topic = polls.propose(resident, polls.TopicInput(
        district_id=gnc.id, direction="transport", question="Gecə avtobusu lazımdır?", options=["Bəli", "Xeyr"]))
    tomorrow = local_date(now) + timedelta(days=1)
    closed = reception.publish(head, gnc.id, reception.SessionInput(
        host_id=head.id, day=tomorrow, start=time(10), end=time(11), slot_minutes=30, place="Qəbul otağı",
        cutoff_hours=48), now=now - timedelta(days=5))
    coming = reception.publish(head, gnc.id, reception.SessionInput(
        host_id=head.id, day=local_date(now) + timedelta(days=7), start=time(10), end=time(11), slot_minutes=20,
        place="Qəbul otağı"))
    booking = reception.book(resident, coming.id, coming.slots[0].id, "Mənzil növbəsi")
    return {"topic": topic.id, "closed": closed.id, "coming": coming.id, "booking": booking.id}


def check_layout(page, name: str, path: str, lang: str, signed_in: str | None = None) -> None:
    """At each width: the page no wider than the screen, every link and button of the main navigation inside the
    viewport, a screenshot kept when asked for; axe on every width (the navigation is laid out differently on each)."""
    if SCREENSHOTS:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for width in (NARROWEST, *WIDTHS):
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.goto(f"{path}?lang={lang}")
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"{name} scrolls sideways at {width} px ({scroll_width} > {inner_width})"
        if width == NARROWEST:
            continue
        if SCREENSHOTS:
            page.screenshot(path=str(ARTEFACTS / f"{name}-{lang}-{width}.png"), full_page=True)
        nav = page.locator("nav.main-nav")
        assert nav.count() == 1 and nav.get_attribute("aria-label")
        hrefs = nav.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert set(AREAS) <= set(hrefs), f"{name}: the navigation lacks {set(AREAS) - set(hrefs)}"
        if signed_in:
            assert "/cabinet/" in hrefs and nav.get_by_text(signed_in).is_visible()
        if signed_in == SUPERVISOR_NAME:
            assert "/office/" in hrefs
        # Every link and button measured in one call: shown (a box of some size, not hidden), and inside the first
        # screen.
        for item in nav.locator("a, button").evaluate_all(NAV_ITEMS):
            text, box = item["text"], item["box"]
            assert item["shown"], f"{name} at {width} px: {text!r} is hidden"
            assert box["x"] >= 0 and box["x"] + box["width"] <= inner_width + 0.5, \
                f"{name} at {width} px: {text!r} sticks out sideways ({box})"
            assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, \
                f"{name} at {width} px: {text!r} is below the first screen ({box})"
        # The header and the navigation line up with the main content (the same .wrap grid).
        lefts = page.evaluate("""() => ['.header-row', '.nav-row', 'main'].map(
            s => { const e = document.querySelector(s); return e.getBoundingClientRect().left
                   + parseFloat(getComputedStyle(e).paddingLeft); })""")
        assert len(set(lefts)) == 1, f"{name} at {width} px: header, navigation and content start at {lefts}"
        assert page.locator("a.skip-link[href='#main']").count() == 1
        assert page.locator("header.site-header").count() == 1 and page.locator("main#main").count() == 1
        assert_accessible(page, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_home_cabinet_and_supervisor_dashboard_fit_every_screen(page, portal, lang):
    check_layout(page, "home", "/", lang)
    cards = page.locator(".cards").first
    assert "soon" not in cards.inner_text().lower()
    assert cards.locator("h3 a").count() == 9
    if lang == "en":
        assert "Open polls: 1" in cards.inner_text() and "Coming reception days: 2" in cards.inner_text()

    sign_in(page, "resident@example.az")
    check_layout(page, "cabinet", "/cabinet/", lang, signed_in="Aygün Həsənova")

    page.context.clear_cookies()
    sign_in(page, "supervisor@example.az")
    check_layout(page, "supervisor", "/office/accountability", lang, signed_in=SUPERVISOR_NAME)


@pytest.mark.parametrize("lang", LANGS)
def test_the_pages_this_issue_changed_have_no_axe_violation(page, app, portal, lang):
    page.set_viewport_size({"width": 375, "height": HEIGHT})
    closed = f"/reception/sessions/{portal['closed']}?lang={lang}"
    page.goto(closed)
    assert page.locator("main .notice").is_visible() and page.locator("main form").count() == 0
    assert_accessible(page, lang)
    page.goto(f"/reception/GNC?lang={lang}")
    assert_accessible(page, lang)

    sign_in(page, "resident@example.az")
    page.goto(f"/reception/sessions/{portal['coming']}?lang={lang}")
    link = page.locator(f"main .notice a[href='/cabinet/receptions/{portal['booking']}']")
    assert link.is_visible() and page.locator("main form").count() == 0
    with page.expect_navigation():
        link.click()
    assert page.url.split("?")[0].endswith(f"/cabinet/receptions/{portal['booking']}")
    assert_accessible(page, lang)
    page.goto(closed)
    assert_accessible(page, lang)

    page.context.clear_cookies()
    sign_in(page, "moderator@example.az")
    page.set_viewport_size({"width": 1280, "height": HEIGHT})
    page.goto(f"/office/polls/topics/{portal['topic']}?lang={lang}")
    assert page.locator("#poll-opening-0").is_visible()
    assert_accessible(page, lang)
    past = to_local(utcnow() - timedelta(days=1))
    page.fill("#poll-opens_at", past)
    with page.expect_navigation():
        page.click("#poll-submit")
    assert page.locator("#poll-opens_at-error").is_visible() and page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)
    with app.app_context():
        assert db.session.scalar(select(Poll).where(Poll.topic_id == portal["topic"])) is None
    page.check("#poll-opening-0")
    with page.expect_navigation():
        page.click("#poll-submit")
    assert page.locator(".flash").first.is_visible()
    with app.app_context():
        poll = db.session.scalar(select(Poll).where(Poll.topic_id == portal["topic"]))
        assert poll is not None and poll.state(utcnow()) == "open"
