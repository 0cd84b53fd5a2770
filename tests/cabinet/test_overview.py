"""The resident's overview (/cabinet/): each number and item it shows is the database's, for every demo account,
with and without records; nothing "opens soon"; the same number of statements whatever the records."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.appeals.demo import DEMO_RESIDENTS
from app.appeals.queries import due_state
from app.extensions import db
from app.kit.calendar import local_date
from app.models import (
    OPEN_STATUSES,
    Appeal,
    District,
    Draft,
    Notification,
    Poll,
    PollParticipation,
    Proposal,
    QueueTicket,
    ReceptionBooking,
    ServiceApplication,
    User,
    utcnow,
)
from tests.landing_helpers import DEMO_EMAILS, demo_portal_afresh, seed_people, seed_records, sign_in, sign_out, text_of
from tests.queue.helpers import create_desk, create_queue_service, today_is_working
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


def _plural(num: int, one: str, many: str) -> str:
    return (one if num == 1 else many) % {"num": num}


def expected(email: str) -> dict:
    """What the overview must show ``email``, read from the database in plain Python (no query of the page's)."""
    now = utcnow()
    user = db.session.scalar(select(User).where(User.email == email))
    appeals = list(db.session.scalars(select(Appeal).where(Appeal.citizen_id == user.id)))
    open_appeals = sorted((a for a in appeals if a.status in OPEN_STATUSES), key=lambda a: (a.due_at, a.id))
    bookings = [b for b in db.session.scalars(select(ReceptionBooking).where(ReceptionBooking.citizen_id == user.id))
                if b.status in ("booked", "checked_in") and b.session.status == "scheduled" and b.slot.ends_at > now]
    waiting = sorted((a for a in db.session.scalars(select(ServiceApplication).where(
        ServiceApplication.citizen_id == user.id)) if a.status == "documents_requested"), key=lambda a: (a.due_at, a.id))
    voted = set(db.session.scalars(select(PollParticipation.poll_id).where(PollParticipation.user_id == user.id)))
    polls = sorted((p for p in db.session.scalars(select(Poll))
                    if p.opens_at <= now < p.closes_at and p.district_id in (None, user.district_id)
                    and p.id not in voted), key=lambda p: (p.closes_at, p.id))
    proposals = sorted(db.session.scalars(select(Proposal).where(Proposal.author_id == user.id)),
                       key=lambda p: (p.created_at, p.id), reverse=True)
    unread = [n for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))
              if n.read_at is None]
    return {"appeals": appeals, "open": open_appeals, "booking": min(bookings, key=lambda b: (b.slot.starts_at, b.id),
            default=None), "waiting": waiting, "polls": polls, "proposals": proposals, "unread": len(unread),
            "others": [a.number for a in db.session.scalars(select(Appeal).where(Appeal.citizen_id != user.id))]}


def check_overview(app, client, email: str) -> dict:
    """Render /cabinet/ in English and compare every number and item with the database; the expectations."""
    page = client.get("/cabinet/?lang=en")
    assert page.status_code == 200, email
    html = page.get_data(as_text=True)
    check_page(html, "en")
    text = text_of(html)
    assert "soon" not in text.lower()
    with app.app_context():
        want = expected(email)
        unread = want["unread"]
        assert (_plural(unread, "You have %(num)d unread notification.", "You have %(num)d unread notifications.")
                if unread else "You have no unread notifications.") in text
        if want["open"]:
            assert _plural(len(want["open"]), "%(num)d appeal is waiting for an answer.",
                           "%(num)d appeals are waiting for an answer.") in text
            shown = want["open"][:5]
            for appeal in shown:
                assert appeal.number in html
                state, days = due_state(appeal)
                badge = ("Due today" if state == "due" and days == 0 else
                         _plural(days, "Overdue by %(num)d working day", "Overdue by %(num)d working days")
                         if state == "overdue" else _plural(days, "Due in %(num)d working day", "Due in %(num)d working days"))
                assert f"{appeal.number} · {appeal.subject} · " in text and badge in text.split(appeal.number, 1)[1][:300]
            for appeal in want["open"][5:] + [a for a in want["appeals"] if a.status not in OPEN_STATUSES]:
                assert appeal.number not in html
        elif want["appeals"]:
            assert "None of your appeals is waiting for an answer." in text
        else:
            assert "You have not sent any appeal yet." in text
        if want["appeals"]:
            assert _plural(len(want["appeals"]), "See your %(num)d appeal", "See all your %(num)d appeals") in text
        assert not [number for number in want["others"] if number in html]
        booking = want["booking"]
        if booking:
            assert "Your next reception" in text and booking.number in html
            assert f"Queue number {booking.queue_number}" in text and booking.session.host.full_name in text
            assert booking.session.text_in("place", "en") in text
        else:
            assert "You have no coming reception booking." in text
        if want["waiting"]:
            assert _plural(len(want["waiting"]), "%(num)d application is waiting for your documents.",
                           "%(num)d applications are waiting for your documents.") in text
            assert all(a.number in html for a in want["waiting"][:5])
        else:
            assert "No application is waiting for your documents." in text
        if want["polls"]:
            assert _plural(len(want["polls"]), "%(num)d open poll is waiting for your vote.",
                           "%(num)d open polls are waiting for your vote.") in text
            assert all(f'href="/polls/{p.id}"' in html for p in want["polls"][:5])
            assert all(p.question_in("en") in text for p in want["polls"][:5])
        else:
            assert "No open poll is waiting for your vote." in text
        voted = db.session.scalars(select(PollParticipation.poll_id).join(User, User.id == PollParticipation.user_id)
                                   .where(User.email == email))
        assert not [poll_id for poll_id in voted if f'href="/polls/{poll_id}"' in html]
        if want["proposals"]:
            assert _plural(len(want["proposals"]), "See your %(num)d proposal", "See all your %(num)d proposals") in text
            for proposal in want["proposals"][:5]:
                assert f'href="/proposals/{proposal.id}"' in html
                if proposal.state != "draft":
                    assert f"{proposal.supports_count} of {proposal.threshold}" in text
        else:
            assert "You have written no proposal yet." in text
    return want


def test_every_demo_account_sees_its_own_records_with_and_without_them(app, web, client):
    with app.app_context():
        seed_people()
    for email in DEMO_EMAILS:
        sign_in(web, email)
        want = check_overview(app, client, email)
        assert not (want["appeals"] or want["booking"] or want["waiting"] or want["polls"] or want["proposals"])
        sign_out(web)
    demo_portal_afresh(app)
    seen = {}
    # The demo accounts, and the demo residents who filed, booked, applied, voted and proposed.
    for email in DEMO_EMAILS + [email for email, _name in DEMO_RESIDENTS if email not in DEMO_EMAILS]:
        sign_in(web, email)
        seen[email] = check_overview(app, client, email)
        sign_out(web)
    # Each part was compared with records, not only empty.
    resident = seen["citizen@demo.az"]
    assert resident["open"] and resident["booking"] and resident["waiting"] and resident["polls"]
    assert resident["proposals"] and resident["unread"] >= 3
    assert any(p.state != "draft" for want in seen.values() for p in want["proposals"])


def test_the_unread_count_links_to_the_notification_centre_when_there_is_one(app, web, client):
    with app.app_context():
        seed_people()
    sign_in(web, "citizen@demo.az")
    html = client.get("/cabinet/?lang=en").get_data(as_text=True)
    paragraph = html.split('id="unread-notifications"', 1)[1].split("</p>", 1)[0]
    if "notifications_cabinet.index" in app.view_functions:
        assert 'href="/cabinet/notifications"' in paragraph
    else:
        assert "href=" not in paragraph


@pytest.mark.parametrize("lang", LANGS)
def test_the_overview_in_each_language(app, web, client, lang):
    with app.app_context():
        seed_people()
        seed_records()
    sign_in(web, "citizen@demo.az")
    html = client.get(f"/cabinet/?lang={lang}").get_data(as_text=True)
    check_page(html, lang)
    # Headings already in the catalogues, and the booking's district and place in the page's language.
    assert {"az": "Müraciətlərim", "ru": "Мои обращения", "en": "My appeals"}[lang] in html
    with app.app_context():
        booking = expected("citizen@demo.az")["booking"]
        assert booking.session.district.name_in(lang) in html and booking.session.text_in("place", lang) in html
    # Headings in order: one h1, then h2 sections (an h3 only inside them).
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html.split('id="main"', 1)[1])]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_no_page_template_says_a_working_feature_opens_soon():
    templates = Path(__file__).resolve().parents[2] / "templates"
    saying = [str(p.relative_to(templates)) for p in templates.rglob("*.html")
              if re.search(r"\b(opens?|opening|available|coming) soon\b", p.read_text(), re.IGNORECASE)]
    assert saying == []


def test_the_overview_costs_the_same_whatever_the_records(app, web, client, count_queries):
    with app.app_context():
        seed_people()

    def statements(email: str) -> int:
        sign_in(web, email)
        client.get("/cabinet/")  # a first visit may note the session's last activity; the second is counted
        with count_queries() as q:
            assert client.get("/cabinet/").status_code == 200
        sign_out(web)
        return q.count

    before = {email: statements(email) for email in DEMO_EMAILS}
    demo_portal_afresh(app)
    after = {email: statements(email) for email in DEMO_EMAILS}
    assert after == before


def test_the_overview_shows_the_next_queue_ticket_and_the_drafts_to_finish(app, web, client):
    with app.app_context():
        seed_people()
        today_is_working()
        citizen = db.session.scalar(select(User).where(User.email == "citizen@demo.az"))
        gnc = db.session.scalar(select(District).where(District.code == "GNC"))
        service = create_queue_service(gnc, "A", opens_minute=0, closes_minute=1440, title_en="Certificates")
        create_desk(gnc, 1, [service])
        now = utcnow()
        day = local_date(now)
        db.session.add_all([
            QueueTicket(district_id=gnc.id, service_id=service.id, day=day, number=3, code="A-003", source="web",
                        citizen_id=citizen.id, queued_at=now, window_starts_at=now, window_ends_at=now + timedelta(hours=1)),
            # Yesterday's served ticket and another resident's are not the next one.
            QueueTicket(district_id=gnc.id, service_id=service.id, day=day - timedelta(days=1), number=1, code="A-001",
                        source="web", status="served", citizen_id=citizen.id, queued_at=now - timedelta(days=1)),
            QueueTicket(district_id=gnc.id, service_id=service.id, day=day, number=2, code="A-002", source="kiosk",
                        queued_at=now),
            Draft(citizen_id=citizen.id, kind="appeal", title="Küçə", data={"subject": "Küçə"},
                  expires_at=now + timedelta(days=30)),
            Draft(citizen_id=citizen.id, kind="appeal", status="expired", data={}, expires_at=now),
        ])
        db.session.commit()
    sign_in(web, "citizen@demo.az")
    page = client.get("/cabinet/?lang=en").get_data(as_text=True)
    ticket = text_of(page.split('id="my-ticket"', 1)[1].split("</section>", 1)[0])
    assert "A-003" in ticket and "Certificates" in ticket and "A-001" not in ticket and "A-002" not in ticket
    assert "Saved drafts to finish: 1" in page
