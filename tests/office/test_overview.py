"""The staff's landing page (/office/): each role's work, district by district, with every count equal to the
database's and to the length of the filtered list it links; a person with several roles sees each part; the page
costs the same number of statements whatever the records."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.appeals import queries as appeal_queries
from app.eservices import service as eservices
from app.extensions import db
from app.kit.calendar import BAKU, add_working_days, end_of_day, local_date
from app.models import (
    OPEN_STATUSES,
    Appeal,
    Article,
    CommandRun,
    OutboxMessage,
    PollTopic,
    ReceptionBooking,
    ReceptionSession,
    Report,
    RoleAssignment,
    ServiceApplication,
    User,
    utcnow,
)
from app.moderation import service as moderation
from app.news import service as news
from app.office.queries import statuses_waiting_for_authority
from tests.factories import PASSWORD, create_user
from tests.landing_helpers import (
    STAFF_EMAILS,
    counts_shown,
    demo_portal_afresh,
    seed_people,
    seed_records,
    sign_in,
    sign_out,
)
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]


def _key(path: str, **params) -> tuple[str, frozenset]:
    return path, frozenset((name, str(value)) for name, value in params.items())


def expected_counts(user: User, now: datetime) -> Counter:
    """Every count the page must link for ``user``, computed in plain Python from the rows of their districts."""
    want: Counter = Counter()
    held = {(r.role, r.district_id) for r in user.roles}
    records = sorted({d for role, d in held if role in ("official", "head")})
    limit = end_of_day(add_working_days(local_date(now), 2))
    for d in records:
        open_ = [a for a in db.session.scalars(select(Appeal).where(Appeal.district_id == d))
                 if a.status in OPEN_STATUSES]
        want[(_key("/office/appeals", district=d, due_within=2), sum(a.due_at <= limit for a in open_))] += 1
        want[(_key("/office/appeals", district=d, overdue=1), sum(a.due_at < now for a in open_))] += 1
        want[(_key("/office/appeals", district=d, assignee="none"), sum(a.assignee_id is None for a in open_))] += 1
        want[(_key("/office/appeals", district=d, assignee="me"), sum(a.assignee_id == user.id for a in open_))] += 1
        statuses = Counter(a.status for a in db.session.scalars(
            select(ServiceApplication).where(ServiceApplication.district_id == d)))
        for status in ("submitted", "in_review", "resubmitted", "approved"):
            want[(_key("/office/services", district=d, status=status), statuses[status])] += 1
    for d in sorted({d for role, d in held if role == "moderator"}):
        topics = db.session.scalars(select(PollTopic).where(PollTopic.district_id == d)).all()
        want[(_key("/office/polls", district=d), sum(t.status == "submitted" for t in topics))] += 1
        reported = {(r.target_type, r.target_id) for r in db.session.scalars(select(Report).where(
            Report.district_id == d)) if r.resolved_at is None}
        for target_type in ("comment", "proposal"):
            want[(_key("/office/moderation", district=d), sum(t == target_type for t, _id in reported))] += 1
    for d in sorted({d for role, d in held if role == "editor"}):
        statuses = Counter(a.status for a in db.session.scalars(select(Article).where(Article.district_id == d)))
        for status in ("review", "scheduled"):
            want[(_key("/office/news/", scope=d, status=status), statuses[status])] += 1
    if "admin" in user.role_names:
        people = db.session.scalars(select(User)).all()
        staff = {r.user_id for r in db.session.scalars(select(RoleAssignment))}
        want[(_key("/admin/users"), len(people))] += 1
        want[(_key("/admin/users", role="staff"), sum(p.id in staff for p in people))] += 1
        want[(_key("/admin/operations"), sum(m.status == "failed" for m in db.session.scalars(select(OutboxMessage))))] += 1
        latest = {}
        for run in db.session.scalars(select(CommandRun).order_by(CommandRun.id)):
            latest[run.name] = run
        want[(_key("/admin/operations"), sum(run.outcome == "failed" for run in latest.values()))] += 1
    return want


def list_lengths(user: User, shown: Counter) -> None:
    """Each count is the length of the list its link opens, as that list's own query gives it (``shown``: how many
    times each (link, number) pair is on the page)."""
    for (path, params), number in shown:
        args = dict(params)
        district = int(args.get("district", args.get("scope", 0)) or 0)
        if path == "/office/appeals":
            filters = appeal_queries.InboxFilters(
                due_within=int(args["due_within"]) if "due_within" in args else None,
                overdue=args.get("overdue") == "1", assignee=args.get("assignee", ""))
            assert appeal_queries.inbox(user, district, filters).page.total == number, (path, args)
        elif path == "/office/services":
            assert eservices.queue(user, district, None, args["status"]).page.total == number, (path, args)
        elif path == "/office/news/":
            scope = news.office_scope(user, args["scope"])
            assert news.office_list(user, scope, args["status"]).total == number, (path, args)
    for (path, params), _n in shown:
        if path == "/office/moderation":
            # Reported comments and reported proposals share the queue: together they are its length.
            both = sum(n * times for ((p, q), n), times in shown.items() if (p, q) == (path, params))
            assert moderation.queue(user, district_id=int(dict(params)["district"])).total == both


def check_office(app, client, email: str) -> str:
    """Render /office/ in English; compare every count, and today's reception sheet, with the database."""
    page = client.get("/office/?lang=en")
    assert page.status_code == 200, email
    html = page.get_data(as_text=True)
    check_page(html, "en")
    shown = Counter(counts_shown(html))
    now = utcnow()
    # A request context: the lists' own queries build addresses (the moderation queue's links to the content).
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert shown == expected_counts(user, now), email
        list_lengths(user, shown)
        start = datetime.combine(local_date(now), time(0), tzinfo=BAKU)
        worked = {r.district_id for r in user.roles if r.role in ("official", "head")}
        sessions = [s for s in db.session.scalars(select(ReceptionSession).where(
            ReceptionSession.starts_at >= start, ReceptionSession.starts_at < start + timedelta(days=1),
            ReceptionSession.status == "scheduled"))]
        for session in sessions:
            mine = session.district_id in worked
            assert (f'href="/office/reception/{session.id}"' in html) == mine
            for booking in db.session.scalars(select(ReceptionBooking).where(ReceptionBooking.session_id == session.id)):
                listed = f'href="/office/reception/bookings/{booking.id}"' in html
                assert listed == (mine and booking.status != "cancelled")
                if listed:
                    assert booking.citizen.full_name in html and booking.topic in html
        if worked and not [s for s in sessions if s.district_id in worked]:
            assert "No reception session today." in html
        if "admin" in user.role_names:
            pending = db.session.scalars(select(User).where(User.password_hash == "!invited")
                                         .order_by(User.invited_at.desc(), User.id.desc())).all()
            for person in pending[:5]:
                item = html.split(f'href="/admin/users/{person.id}"', 1)[1].split("</li>", 1)[0]
                expired = person.invited_at + timedelta(seconds=app.config["INVITE_TOKEN_MAX_AGE"]) < now
                assert ("The link has expired" in item) == expired
            latest = {}
            for run in db.session.scalars(select(CommandRun).order_by(CommandRun.id)):
                latest[run.name] = run
            for name, run in latest.items():
                assert (f"<code>{name}</code>" in html) == (run.outcome == "failed")
        assert ('href="/office/accountability"' in html.split('class="sub-nav"', 1)[1]) == \
            bool(user.role_names & {"supervisor", "admin"})
    return html


def test_every_staff_role_lands_on_its_own_work_with_and_without_records(app, web, client):
    with app.app_context():
        seed_people()
    for email in STAFF_EMAILS:
        sign_in(web, email)
        html = check_office(app, client, email)
        # Nothing waits yet (the accounts themselves are the administrator's users).
        assert not [n for key, n in counts_shown(html) if n and key[0] != "/admin/users"]
        sign_out(web, "/office/")
    demo_portal_afresh(app)
    totals = Counter()
    for email in STAFF_EMAILS:
        sign_in(web, email)
        html = check_office(app, client, email)
        for key, n in counts_shown(html):
            totals[key[0]] += n
        sign_out(web, "/office/")
    # Every kind of count was compared with records, not only with zeros.
    assert all(totals[path] for path in ("/office/appeals", "/office/services", "/office/polls", "/office/moderation",
                                         "/office/news/", "/admin/users", "/admin/operations")), totals


def test_a_person_with_several_roles_sees_each_part(app, web, client):
    with app.app_context():
        seed_people()
        seed_records()
        from tests.factories import create_reference_data

        districts = create_reference_data()
        msl, gnc = districts["MSL"].id, districts["GNC"].id
        create_user("many@example.az", full_name="Çoxrollu Əməkdaş",
                    roles=[("official", districts["GNC"]), ("head", districts["MSL"]), ("moderator", districts["GNC"]),
                           ("editor", districts["MSL"]), ("supervisor", None), ("admin", None)])
    landing = web.login("many@example.az", PASSWORD)
    assert landing.headers["Location"].endswith("/office/")
    html = check_office(app, client, "many@example.az")
    headings = re.findall(r"<h([23])[^>]*>([^<]+)</h[23]>", html)
    # Each district once, with the parts of the roles held there, then the national roles' parts and the roles.
    assert headings == [("2", "Ganja"), ("3", "Appeals"), ("3", "E-service applications"), ("3", "Reception today"),
                        ("3", "Moderation"), ("2", "Masally"), ("3", "Appeals"), ("3", "E-service applications"),
                        ("3", "Reception today"), ("3", "Newsroom"), ("2", "Accountability dashboard"),
                        ("2", "Administration"), ("3", "Invitations not yet accepted"),
                        ("3", "Scheduled commands whose last run failed"), ("2", "My roles")]
    # The head's escalation list is offered where they are head, not where they are an official.
    assert f"/office/appeals/escalations?district={msl}" in html
    assert f"/office/appeals/escalations?district={gnc}" not in html


@pytest.mark.parametrize("lang", LANGS)
def test_the_office_in_each_language(app, web, client, lang):
    with app.app_context():
        seed_people()
        seed_records()
    for email in STAFF_EMAILS:
        sign_in(web, email)
        page = client.get(f"/office/?lang={lang}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        check_page(html, lang)
        levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html.split('id="main"', 1)[1])]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), email
        # Every link has text (a count link's number and label).
        assert not re.search(r"<a [^>]*>\s*</a>", html)
        sign_out(web, "/office/")
    sign_in(web, "official.gnc@demo.az")
    assert {"az": "Gəncə", "ru": "Гянджа", "en": "Ganja"}[lang] in client.get(f"/office/?lang={lang}").get_data(as_text=True)


def test_the_office_costs_the_same_whatever_the_records(app, web, client, count_queries):
    with app.app_context():
        seed_people()

    def statements(email: str) -> dict[str, int]:
        landing = sign_in(web, email).headers["Location"]
        counted = {}
        for path in sorted({"/office/", landing}):
            client.get(path)  # a first visit may note the session's last activity; the second is counted
            with count_queries() as q:
                assert client.get(path).status_code == 200
            counted[path] = q.count
        sign_out(web, "/office/")
        return counted

    before = {email: statements(email) for email in STAFF_EMAILS}
    demo_portal_afresh(app)
    after = {email: statements(email) for email in STAFF_EMAILS}
    assert after == before


def test_the_waiting_statuses_come_from_the_rulebook():
    from app.cabinet.queries import statuses_waiting_for_resident

    assert statuses_waiting_for_authority() == ("submitted", "in_review", "resubmitted", "approved")
    assert statuses_waiting_for_resident() == ("documents_requested",)
