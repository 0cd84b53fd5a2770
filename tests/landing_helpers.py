"""The demo portal for the landing-page tests (tests/cabinet, tests/office): the demo accounts alone, then every
area's demo records and what the demos leave out, and a few helpers to read the pages."""
from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select

from app.accounts import two_factor
from app.administration import seed
from app.administration.seed import DEMO_PASSWORD, DEMO_USERS
from app.administration.staff_service import NO_PASSWORD
from app.eservices import service as eservices
from app.extensions import db, limiter
from app.models import (
    CommandRun,
    District,
    Notification,
    OutboxMessage,
    Proposal,
    Report,
    RoleAssignment,
    ServiceApplication,
    User,
    utcnow,
)
from tests.factories import seed_demo_records
from tests.snapshots import replayed

DEMO_EMAILS = [email for email, _name, _roles in DEMO_USERS]
STAFF_EMAILS = [email for email, _name, roles in DEMO_USERS if roles]
COUNT_RE = re.compile(r'<a class="count[^"]*" href="([^"]+)"><span class="n">([^<]+)</span>')


def seed_people() -> None:
    """The districts, categories and demo accounts (the administrator's and supervisor's second factor set up)."""
    replayed("landing: people", _seed_people)


def seed_records() -> None:
    """Every area's demo records, then what the demos leave out (``_seed_records``); put back from the last run
    when the database is as that run found it (tests/snapshots.py)."""
    replayed("landing: records", _seed_records)


def seed_demo_command(app, runner) -> tuple[int, str]:
    """``flask seed-demo`` run on this database: its exit code and output. Put back from an earlier run in this
    session when the database is as that run found it (tests/snapshots.py); a test that checks the command's second
    run (nothing new) runs that one for real."""
    def run() -> tuple[int, str]:
        result = runner.invoke(args=["seed-demo"])
        return result.exit_code, result.output

    with app.app_context():
        return replayed("the seed-demo command", run)


def demo_portal_afresh(app) -> None:
    """Every table emptied, then the demo accounts and records: for a test that looked at the portal without records
    first (what it did then, its sign-ins, would make the records' seeding start from another database)."""
    from tests.conftest import empty_tables

    empty_tables(app)
    with app.app_context():
        seed_people()
        seed_records()


def _seed_people() -> None:
    seed.seed_reference_data()
    seed.seed_demo_users()
    two_factor.seed_demo()


def _seed_records() -> None:
    """Every area's demo records, then what the demos leave out: notifications read and unread, an open report on a
    proposal, a failed email, scheduled commands that failed (one since run again), invitations not accepted."""
    seed_demo_records(news=True)
    now = utcnow()
    people = {u.email: u for u in db.session.scalars(select(User))}
    citizen = people["citizen@demo.az"]
    # An application of the demo resident waits for their documents (the official asks through the service).
    application = db.session.scalar(select(ServiceApplication).where(
        ServiceApplication.citizen_id == citizen.id, ServiceApplication.status.in_(("submitted", "in_review")))
        .order_by(ServiceApplication.id))
    official = db.session.scalar(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(
        RoleAssignment.role == "official", RoleAssignment.district_id == application.district_id))
    if application.status == "submitted":
        eservices.transition(official, application.id, "in_review")
    eservices.transition(official, application.id, "documents_requested",
                         eservices.StepData(note="Şəxsiyyət vəsiqəsinin surətini əlavə edin."))
    for n in range(4):
        db.session.add(Notification(user_id=citizen.id, kind="general", text=f"Bildiriş {n}", created_at=now,
                                    read_at=now if n == 0 else None))
    db.session.add(Notification(user_id=people["official.gnc@demo.az"].id, kind="general", text="Bildiriş",
                                created_at=now))
    proposal = db.session.scalar(select(Proposal).where(Proposal.state != "draft", Proposal.author_id != citizen.id)
                                 .order_by(Proposal.id))
    db.session.add(Report(target_type="proposal", target_id=proposal.id, district_id=proposal.district_id,
                          reporter_id=citizen.id, reason="Təhqiredici ifadələr"))
    db.session.add(OutboxMessage(recipient="nobody@example.az", subject="Salam", body="…", template="invitation",
                                 locale="az", status="failed", error="550 no such user", created_at=now))
    db.session.add_all([
        CommandRun(name="stats-rebuild", started_at=now - timedelta(hours=3), finished_at=now - timedelta(hours=3),
                   outcome="failed", error="OperationalError"),
        CommandRun(name="appeals-escalate", started_at=now - timedelta(hours=2), finished_at=now - timedelta(hours=2),
                   outcome="failed", error="OperationalError"),
        CommandRun(name="appeals-escalate", started_at=now - timedelta(hours=1), finished_at=now - timedelta(hours=1),
                   outcome="ok", summary="0 escalated"),
    ])
    gnc = db.session.scalar(select(District).where(District.code == "GNC"))
    for email, name, days in (("kamran@example.az", "Kamran Nəbiyev", 10), ("samir@example.az", "Samir Vəliyev", 1)):
        person = User(email=email, full_name=name, password_hash=NO_PASSWORD, invited_at=now - timedelta(days=days),
                      created_at=now - timedelta(days=days))
        person.roles.append(RoleAssignment(role="official", district_id=gnc.id))
        db.session.add(person)
    db.session.commit()


def sign_in(web, email: str):
    """Sign a demo account in (the published demo secret answers the second step); the redirect. These tests sign
    many accounts in from one address: the sign-in rate limit, tested elsewhere, starts afresh for each."""
    limiter.reset()
    response = web.login(email, DEMO_PASSWORD, totp_secret=two_factor.DEMO_TOTP_SECRET)
    assert response.status_code == 302, email
    return response


def sign_out(web, page: str = "/cabinet/") -> None:
    """Sign out through the header's form."""
    web.post("/auth/logout", {}, form_url=page)


def counts_shown(page: str) -> list[tuple[tuple[str, frozenset], int]]:
    """The counts a page links (``<a class="count" href=…><span class="n">N</span>``): each link's path and query
    parameters with its number, in page order (two counts may open the same list)."""
    found = []
    for href, number in COUNT_RE.findall(page):
        address = urlsplit(html.unescape(href))
        found.append(((address.path, frozenset(parse_qsl(address.query))), int(re.sub(r"\D", "", number))))
    return found


def text_of(page: str) -> str:
    """The page's text with its tags dropped and its entities read, spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
