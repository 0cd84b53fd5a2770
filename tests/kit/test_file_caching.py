"""Issue 15, item 5: what is access-checked is kept by no cache; public caching only for what anyone may see.

Every route that answers with a file (found in the code, so a new one cannot be forgotten) is either public or
access-checked; each access-checked one is requested here by someone allowed to and must say ``private, no-store``.
A draft's or a hidden proposal's picture and a draft article's cover are private; once anyone may see them, public.
"""
from __future__ import annotations

import inspect
import io
import re
import sys
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from app.eservices import service as eservices
from app.extensions import db
from app.kit.calendar import local_date
from app.models import Article, ArticleImage, Proposal, ServiceApplication, User, utcnow
from app.moderation import service as moderation
from app.news import service as news
from app.proposals import service as proposals
from app.reception import service as reception
from tests.factories import (
    PASSWORD,
    PDF,
    Upload,
    application_input,
    create_appeal,
    create_reference_data,
    create_service,
    create_user,
    image_bytes,
)
from tests.news.test_views import article_form
from tests.snapshots import replayed

PRIVATE = "private, no-store"
# What in a view (or a helper of its module) answers with a file rather than a page.
FILE_ANSWER = re.compile(r"files\.(send|stream)\(|send_file\(|Response\(")
# File routes anyone may fetch, signed in or not: they may be cached publicly.
PUBLIC_FILES = {"alerts.feed", "news.event_ics", "newsfeeds.sitemap", "newsfeeds.sitemap_pages", "newsfeeds.sitemap_news"}
# Routes that are public or private by what they show (tested on their own below).
MIXED = {"news.image", "proposals.image"}


def _file_routes(app) -> set[str]:
    """The endpoints whose view answers with a file: by its own source or a helper of its module it calls."""
    found = set()
    for rule in app.url_map.iter_rules():
        view = inspect.unwrap(app.view_functions[rule.endpoint])
        if view.__module__.startswith("tests."):
            continue  # the tests' own views (tests/conftest.py), not the portal's
        try:
            source = inspect.getsource(view)
        except (OSError, TypeError):
            continue
        module = sys.modules[view.__module__]
        helpers = [name for name, obj in vars(module).items()
                   if inspect.isfunction(obj) and obj.__module__ == module.__name__ and obj is not view
                   and FILE_ANSWER.search(inspect.getsource(obj))]
        if FILE_ANSWER.search(source) or any(re.search(rf"\b{name}\(", source) for name in helpers):
            found.add(rule.endpoint)
    return found


@pytest.fixture
def world(app):
    """Gəncə with a resident's appeal (a PDF), an issued application, a booking, a draft and a hidden proposal with
    pictures, a draft article with a cover; its official, head, editor, moderator; a supervisor. Built once, then put
    back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("file caching: world", _build_world)


def _build_world() -> dict:
    districts = create_reference_data()
    gnc = districts["GNC"]
    citizen = create_user("citizen@example.az", full_name="Aygün Həsənova")
    official = create_user("official@example.az", roles=[("official", gnc)])
    head = create_user("head@example.az", roles=[("head", gnc)])
    create_user("editor@example.az", roles=[("editor", gnc)])
    moderator = create_user("moderator@example.az", roles=[("moderator", gnc)])
    create_user("supervisor@example.az", roles=[("supervisor", None)])
    appeal = create_appeal(citizen, gnc, attachments=[Upload("letter.pdf", PDF)])
    service = create_service([gnc])
    application = eservices.apply(citizen, application_input(service, gnc))
    for step in ("in_review", "approved", "issued"):
        eservices.transition(official, application.id, step)
    session = reception.publish(head, gnc.id, reception.SessionInput(
        host_id=head.id, day=local_date(utcnow()) + timedelta(days=7), start=time(10), end=time(11),
        slot_minutes=20, place="Qəbul otağı"))
    booking = reception.book(citizen, session.id, session.slots[0].id, "Mənzil növbəsi")
    category_id = appeal.category_id

    def proposal(title: str, publish: bool) -> Proposal:
        return proposals.create(citizen, proposals.ProposalInput(
            gnc.id, category_id, title, "Mətn.", image=Upload("park.png", image_bytes(300, 200, "PNG"))),
            publish_now=publish)

    draft = proposal("Qaralama", False)
    hidden = proposal("Gizlənən", True)
    moderation.hide(moderator, "proposal", hidden.id, "Reklam")
    public = proposal("Açıq", True)
    return {"appeal": appeal.id, "attachment": appeal.attachments[0].id, "application": application.id,
            "document": application.documents[0].id, "booking": booking.id, "draft": draft.id,
            "hidden": hidden.id, "public": public.id, "gnc": gnc.id}


def _cover(web, client, world) -> tuple[int, str]:
    """A draft article with a cover, written by the editor (signed in): its id and one width's address."""
    data = article_form(district=str(world["gnc"]), cover=(io.BytesIO(image_bytes(1000, 600)), "park.jpg"))
    response = web.post("/office/news/new", data, form_url="/office/news/new", content_type="multipart/form-data")
    assert response.status_code == 302
    with client.application.app_context():
        image = db.session.scalar(select(ArticleImage))
        article_id = db.session.scalar(select(Article.id).where(Article.cover_image_id == image.id))
        return article_id, f"/news/images/{image.id}/{image.width_list[0]}.jpg"


def _sign_in(web, client, email: str) -> None:
    assert web.login(email, PASSWORD).status_code == 302


def _private(response, what: str) -> None:
    # Read to the end: an unread streamed answer (the audit export) keeps its request's context in the test client.
    assert response.status_code == 200 and response.get_data(), (what, response.status_code)
    assert response.headers["Cache-Control"] == PRIVATE, (what, response.headers.get("Cache-Control"))
    assert "Expires" not in response.headers, what


# Who may fetch each access-checked file route, and how (a GET of the address, or the form's POST).
def _checked_requests(world) -> dict[str, tuple[str, str, str]]:
    appeal, application = world["appeal"], world["application"]
    return {
        "appeals_cabinet.appeal_file": ("citizen", "GET", f"/cabinet/appeals/{appeal}/files/{world['attachment']}"),
        "appeals_office.appeal_file": ("official", "GET", f"/office/appeals/{appeal}/files/{world['attachment']}"),
        "eservices_cabinet.service_document": ("citizen", "GET",
                                     f"/cabinet/services/{application}/documents/{world['document']}"),
        "eservices_office.service_document": ("official", "GET",
                                      f"/office/services/{application}/documents/{world['document']}"),
        "eservices_cabinet.service_result": ("citizen", "GET", f"/cabinet/services/{application}/result.pdf"),
        "eservices_office.service_result": ("official", "GET", f"/office/services/{application}/result.pdf"),
        "reception_cabinet.reception_calendar": ("citizen", "GET", f"/cabinet/receptions/{world['booking']}.ics"),
        "accounts_cabinet.data_download": ("citizen", "POST", "/cabinet/data/download"),
        "admin.audit_export": ("supervisor", "GET", "/admin/audit.csv"),
        "accountability_office.supervision": ("supervisor", "GET", "/office/accountability?format=csv"),
        "accountability_office.supervision_district": ("supervisor", "GET", "/office/accountability/GNC?format=csv"),
        "accountability_office.supervision_overdue": ("supervisor", "GET", "/office/accountability/GNC/overdue?format=csv"),
    }


def test_item5_every_file_route_is_known_as_public_or_access_checked(app, world):
    """A new route that answers with a file fails here until it is sorted (and, if checked, requested below)."""
    assert _file_routes(app) == PUBLIC_FILES | MIXED | set(_checked_requests(world))


def test_item5_every_access_checked_file_route_says_private_no_store(app, web, client, world):
    people = {"citizen": "citizen@example.az", "official": "official@example.az",
              "supervisor": "supervisor@example.az"}
    requests = _checked_requests(world)
    for who in ("citizen", "official", "supervisor"):
        _sign_in(web, client, people[who])
        for endpoint, (person, method, url) in requests.items():
            if person != who:
                continue
            if method == "POST":
                response = web.post(url, {"download-submit": "1"}, form_url="/cabinet/data")
            else:
                response = client.get(url)
            _private(response, endpoint)
        web.post("/auth/logout", {}, form_url="/cabinet/")


def test_item5_a_draft_or_hidden_proposals_picture_is_private(app, web, client, world):
    """The penetration test's case: a draft's picture went out ``public, max-age=3600``."""
    _sign_in(web, client, "citizen@example.az")
    _private(client.get(f"/proposals/{world['draft']}/image"), "the author's draft")
    web.post("/auth/logout", {}, form_url="/cabinet/")
    _sign_in(web, client, "moderator@example.az")
    _private(client.get(f"/proposals/{world['hidden']}/image"), "a hidden proposal, to its moderator")
    # The published one is anyone's: public caching is right, for the moderator as for a visitor.
    assert client.get(f"/proposals/{world['public']}/image").headers["Cache-Control"] == "public, max-age=3600"
    web.post("/auth/logout", {}, form_url="/cabinet/")
    visitor = client.get(f"/proposals/{world['public']}/image")
    assert visitor.status_code == 200 and visitor.headers["Cache-Control"] == "public, max-age=3600"
    assert client.get(f"/proposals/{world['hidden']}/image").status_code == 404


def test_item5_a_draft_articles_cover_is_private_until_published(app, web, client, world):
    _sign_in(web, client, "editor@example.az")
    article_id, url = _cover(web, client, world)
    _private(client.get(url), "a draft's cover")
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.email == "editor@example.az"))
        news.transition(editor, article_id, "published")
    assert client.get(url).headers["Cache-Control"] == "public, max-age=86400"
    web.post("/auth/logout", {}, form_url="/cabinet/")
    assert client.get(url).headers["Cache-Control"] == "public, max-age=86400"


def test_item5_every_signed_in_page_is_private_no_store(app, web, client, world):
    """Not only files: a signed-in person's pages (and any view's own ``no-cache``) are ``private, no-store``."""
    _sign_in(web, client, "citizen@example.az")
    for url in ("/cabinet/", f"/cabinet/appeals/{world['appeal']}", "/cabinet/data", "/"):
        assert client.get(url).headers["Cache-Control"] == PRIVATE, url
    web.post("/auth/logout", {}, form_url="/cabinet/")
    # A visitor's public page is not marked: nothing private is on it.
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_item5_a_verification_answer_is_private(app, client, world):
    with app.app_context():
        code = db.session.get(ServiceApplication, world["application"]).verification_code
    answer = client.get(f"/verify/{code}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == PRIVATE

