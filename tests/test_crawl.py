"""A crawler walks the seeded demo portal as every role, as the scanners will.

Every page it can reach by following links must answer without a server error,
carry a CSRF token in each form that posts, and never show an appeal number
of a district (or a resident) that is not the visitor's.
"""
from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from app.accounts import two_factor
from app.administration import seed
from app.administration.seed import DEMO_PASSWORD
from app.extensions import db
from app.models import Appeal, District, ReceptionBooking, ServiceApplication, User
from tests.conftest import Browserless, empty_tables
from tests.factories import seed_demo_records

LINK_RE = re.compile(r'href="([^"#]+)"')
# Appeal numbers (GNC-2026-000123), reception booking numbers (GNC-Q-000123) and e-service application numbers
# (SRV-2026-000123, whose district is looked up).
NUMBER_RE = re.compile(r"\b[A-Z]{3}-(?:\d{4}|Q)-\d{6}\b")
SKIP = ("/static/", "/auth/logout", "/files/")
MAX_PAGES = 250
# Pages of one kind (one route, one set of filters) visited at most: the eleventh appeal or page 9 of a list shows
# nothing the first ones did not, and the walk reaches every kind of page instead.
PER_KIND = 5


# The demo portal is built once for the module: crawling only reads it (signing in adds a session row per visitor).
pytestmark = pytest.mark.shared_tables


@pytest.fixture(scope="module")
def demo_portal(app):
    with app.app_context():
        seed.seed_reference_data()
        seed.seed_demo_users()
        two_factor.seed_demo()
        seed_demo_records()
    yield
    empty_tables(app)


def _kind(adapter, path: str) -> tuple:
    """A page's kind: its route and the names of its filters (the path itself when no route matches)."""
    address = urlsplit(path)
    try:
        endpoint, _args = adapter.match(address.path, method="GET")
    except HTTPException:
        return (path,)
    return endpoint, tuple(sorted({part.split("=")[0] for part in address.query.split("&") if part}))


def crawl(client, start: list[str]) -> dict[str, tuple[int, set[str]]]:
    """Follow same-site links breadth first from ``start``; each path's status and the appeal numbers shown."""
    seen: dict[str, tuple[int, set[str]]] = {}
    kinds: dict[tuple, int] = {}
    adapter = client.application.url_map.bind("localhost")
    queue = deque(start)
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        kind = _kind(adapter, path)
        if kinds.get(kind, 0) >= PER_KIND:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        response = client.get(path)
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        # Closed as a server closes it: a streamed download (the audit CSV) keeps its request's context, and with
        # it the session and the signed-in user, until then; left open, the next requests would run inside it.
        response.close()
        if response.status_code != 200 or response.mimetype != "text/html":
            seen[path] = (response.status_code, set())
            continue
        seen[path] = (200, set(NUMBER_RE.findall(html)))
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S):
            assert re.search(r'name="([\w]+-)?csrf_token"', form), f"form without a CSRF token on {path}"
        for link in LINK_RE.findall(html):
            target = urlsplit(urljoin(f"http://localhost{path}", link.replace("&amp;", "&")))
            if target.netloc != "localhost" or any(part in target.path for part in SKIP):
                continue
            # Language switches would triple the walk; every page is checked in each language elsewhere.
            query = "&".join(p for p in target.query.split("&") if p and not p.startswith("lang="))
            queue.append(target.path + (f"?{query}" if query else ""))
    return seen


NATIONAL = {"supervisor@demo.az", "admin@demo.az"}
ROLES = [
    ("visitor", None),
    ("citizen@demo.az", None),
    ("official.gnc@demo.az", {"GNC"}),
    ("head.gnc@demo.az", {"GNC"}),
    ("official.msl@demo.az", {"MSL"}),
    ("head.msl@demo.az", {"MSL"}),
    # Editors see the numbers of the appeals their district's commitments answer.
    ("editor.gnc@demo.az", {"GNC"}),
    ("moderator.gnc@demo.az", {"GNC"}),
    ("supervisor@demo.az", set()),
    ("admin@demo.az", set()),
]


@pytest.mark.parametrize(("email", "districts"), ROLES, ids=[email for email, _ in ROLES])
def test_every_reachable_page_answers_and_shows_only_what_the_role_may_see(app, client, demo_portal, email, districts):
    mine: set[str] = set()
    if email != "visitor":
        # The demo administrator and supervisor answer the second step with the published demo secret.
        response = Browserless(client).login(email, DEMO_PASSWORD, totp_secret=two_factor.DEMO_TOTP_SECRET)
        assert response.status_code == 302 and "/auth/" not in response.headers["Location"]
        with app.app_context():
            user_id = db.session.scalar(select(User.id).where(User.email == email))
            mine = set(db.session.scalars(select(Appeal.number).where(Appeal.citizen_id == user_id)))
            mine |= set(db.session.scalars(select(ReceptionBooking.number).where(ReceptionBooking.citizen_id == user_id)))
            mine |= set(db.session.scalars(select(ServiceApplication.number).where(ServiceApplication.citizen_id == user_id)))
    with app.app_context():
        # An application's number carries no district: map each to its district's code.
        srv_codes = dict(db.session.execute(select(ServiceApplication.number, District.code)
                                            .join(District, District.id == ServiceApplication.district_id)).all())
    pages = crawl(client, ["/", "/cabinet/", "/cabinet/appeals", "/office/", "/office/appeals?status=all",
                           "/appeals/public", "/appeals/public/GNC", "/reception/", "/cabinet/receptions",
                           "/office/reception", "/accountability/", "/office/accountability", "/commitments/",
                           "/office/commitments/", "/services/", "/cabinet/services", "/office/services?status=all",
                           "/polls/", "/cabinet/polls", "/cabinet/poll-topics", "/office/polls",
                           "/admin/users", "/auth/two-factor/account",
                           "/proposals/", "/cabinet/proposals", "/office/proposals",
                           "/consultations/", "/office/consultations/", "/office/moderation", "/cabinet/comments"])
    assert pages["/"][0] == 200
    assert [p for p, (code, _) in pages.items() if code >= 500] == []
    for path, (_code, numbers) in pages.items():
        if path.startswith(("/appeals/public", "/reception/")):
            continue  # published with the residents' consent
        if email in NATIONAL and path.startswith(("/office/accountability", "/admin/audit", "/admin/users/")):
            # Supervisors drill down to every district's overdue appeals (numbers only, no names) and read the
            # national audit trail; a staff member's page lists their recent audited actions.
            continue
        if path.startswith("/commitments/") and not path.startswith("/office/commitments/"):
            continue  # a commitment publicly names the appeals it answers by number only
        if districts is None:
            assert {n for n in numbers} <= mine, f"{email} sees others' appeals on {path}"
        else:
            shown = {srv_codes.get(n, "?") if n.startswith("SRV-") else n.split("-")[0] for n in numbers - mine}
            assert shown <= districts, f"{email} sees appeals of {shown - districts} on {path}"


NUL_QUERY = "&".join(f"{key}=a%00b" for key in (
    "q", "status", "district", "kind", "tag", "state", "category", "direction", "actor", "action", "object_type",
    "object_id", "period", "month", "role", "active", "lang", "page"))


@pytest.mark.parametrize("email", ["visitor", "citizen@demo.az", "official.gnc@demo.az", "moderator.gnc@demo.az",
                                   "editor.gnc@demo.az", "admin@demo.az"])
def test_nul_characters_in_addresses_and_forms_never_reach_the_database(client, demo_portal, email):
    """Scanners send %00; PostgreSQL refuses NUL in text, so it must be dropped before any query sees it."""
    browser = Browserless(client)
    if email != "visitor":
        browser.login(email, DEMO_PASSWORD, totp_secret=two_factor.DEMO_TOTP_SECRET)
    paths = ["/", "/appeals/public", "/appeals/public/G%00NC", "/reception/", "/accountability/", "/commitments/",
             "/services/", "/polls/", "/proposals/", "/consultations/", "/news/", "/news/G%00NC", "/news/events",
             "/news/search", "/cabinet/", "/cabinet/appeals", "/office/appeals", "/office/polls", "/office/proposals",
             "/office/moderation", "/office/news", "/admin/audit", "/admin/users"]
    answers = {path: client.get(f"{path}?{NUL_QUERY}").status_code for path in paths}
    assert {path: code for path, code in answers.items() if code >= 500} == {}
    # A form field carrying NUL is cleaned like surrounding blanks, never stored or sent to the database as is.
    if email == "visitor":
        refused = browser.post("/auth/login", {"email": "nobody%00@demo.az\x00", "password": "x"})
        assert refused.status_code < 500


def test_every_cacheable_page_a_visitor_reaches_comes_from_the_cache_the_second_time(app, client, demo_portal):
    """A page declared cacheable (app/kit/pagecache.py) that builds something per visitor (a form's CSRF token, a
    session change) is never stored: this walk finds every such page a visitor can reach, so that none is declared
    in vain, and checks that a second visit is served without running the view."""
    pages = crawl(client, ["/", "/appeals/public", "/appeals/public/GNC", "/reception/", "/accountability/",
                           "/commitments/", "/services/", "/polls/", "/proposals/", "/consultations/", "/news/",
                           "/news/events", "/queue/"])
    adapter = app.url_map.bind("localhost")
    visitor = app.test_client()
    checked, missed = 0, []
    for path, (code, _numbers) in pages.items():
        address = urlsplit(path)
        try:
            endpoint, _args = adapter.match(address.path, method="GET")
        except HTTPException:
            continue
        params = getattr(app.view_functions[endpoint], "page_cache", None)
        names = {part.split("=")[0] for part in address.query.split("&") if part}
        if code != 200 or params is None or not names <= params:
            continue
        visitor.get(path)
        response = visitor.get(path)
        checked += 1
        if response.headers.get("X-Cache") != "HIT":
            missed.append((path, response.headers.get("X-Cache")))
    assert checked > 40
    assert missed == [], "\n".join(f"{p} {x}" for p, x in missed)
