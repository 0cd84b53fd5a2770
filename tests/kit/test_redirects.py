"""Issue 15, item 4: every ``next`` and return address is a path of this portal, or the page's own default.

``POST /auth/login?next=%2F%09%2Fhost`` redirected to "/\\t/host", which browsers read as "//host" (another site),
and ``next=%2F%0A%2Fx`` answered 500 after a successful sign-in (a newline in a header). One function,
``app.kit.redirects.safe_next``, now checks every such address: sign-in, the second factor, the moderators' actions.
"""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.kit.redirects import local_path, safe_next
from app.models import Category
from app.proposals import service as proposals
from tests.factories import PASSWORD, create_reference_data, create_user

HOSTILE = [
    "/\t/evil.example",  # the penetration test's: a tab browsers drop, leaving "//evil.example"
    "/\n/x",  # the other one: a newline, which was a 500
    "/\r/x",
    "/x\r\nSet-Cookie: session=stolen",
    "/\\evil.example",  # a backslash browsers read as a slash
    "\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    " /cabinet/",
    "/%09/evil.example",  # the same, once more encoded
    "/%0d%0a/x",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/\x00/x",
    "/\x7f/x",
    "/\u2028/x",  # a line separator
    "/\u200b/evil.example",  # a zero-width space
    "/\u3000/x",  # an ideographic space
    "/" + "a" * 5000,
    "",
]
IDS = [repr(value[:24]) for value in HOSTILE]

GOOD = ["/", "/proposals/", "/cabinet/appeals/7?page=2#m3", "/xəbərlər", "/news/?q=a%20b"]


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_item4_the_safe_redirect_refuses_hostile_addresses(value):
    assert local_path(value) is None
    assert safe_next(value, "/cabinet/") == "/cabinet/"


@pytest.mark.parametrize("value", GOOD)
def test_item4_a_path_of_the_portal_is_kept(value):
    assert safe_next(value, "/cabinet/") == value


def _landed(response) -> str:
    """Where a redirect goes: a path of this portal (no other host), returned."""
    assert response.status_code == 302, response.status_code
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost"), response.headers["Location"]
    return location.path


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_item4_sign_in_never_leaves_the_portal_or_fails(app, web, client, value):
    with app.app_context():
        create_user("resident@example.az")
    url = f"/auth/login?{urlencode({'next': value})}"
    response = web.post(url, {"email": "resident@example.az", "password": PASSWORD}, form_url="/auth/login")
    assert _landed(response) == "/cabinet/"
    assert client.get("/cabinet/").status_code == 200


@pytest.mark.parametrize("value", ["/\t/evil.example", "/\n/x", "//evil.example", "/%2F/evil.example"])
def test_item4_the_second_factor_never_leaves_the_portal(app, web, client, value):
    with app.app_context():
        create_user("official@example.az", two_factor=True)
    url = f"/auth/login?{urlencode({'next': value})}"
    first = web.post(url, {"email": "official@example.az", "password": PASSWORD}, form_url="/auth/login")
    assert _landed(first) == "/auth/two-factor"
    assert _landed(web.second_factor()) == "/cabinet/"


def test_item4_a_good_next_still_brings_the_resident_back(app, web, client):
    with app.app_context():
        create_user("resident@example.az")
        create_user("official@example.az", two_factor=True)
    url = f"/auth/login?{urlencode({'next': '/proposals/?state=open'})}"
    response = web.post(url, {"email": "resident@example.az", "password": PASSWORD}, form_url="/auth/login")
    assert response.headers["Location"].endswith("/proposals/?state=open")
    web.post("/auth/logout", {}, form_url="/cabinet/")
    first = web.post(url, {"email": "official@example.az", "password": PASSWORD}, form_url="/auth/login")
    assert _landed(first) == "/auth/two-factor"
    assert web.second_factor().headers["Location"].endswith("/proposals/?state=open")


@pytest.fixture
def moderated(app):
    """Gəncə's moderator and a published proposal to hide and show again."""
    with app.app_context():
        gnc = create_reference_data()["GNC"]
        create_user("moderator@example.az", roles=[("moderator", gnc)])
        author = create_user("author@example.az")
        category = db.session.scalars(select(Category).order_by(Category.id)).first()
        made = proposals.create(author, proposals.ProposalInput(gnc.id, category.id, "Skamya", "Mətn."),
                                publish_now=True)
        return made.id


@pytest.mark.parametrize("value", HOSTILE + GOOD[1:2], ids=IDS + ["a path"])
def test_item4_a_moderators_return_address_is_checked(app, web, client, moderated, value):
    web.login("moderator@example.az", PASSWORD)
    form = {"target_type": "proposal", "target_id": str(moderated), "next": value}
    hidden = web.post("/office/moderation/hide", {**form, "reason": "Reklam"}, form_url="/office/moderation")
    shown = web.post("/office/moderation/restore", form, form_url="/office/moderation")
    expected = value if value in GOOD else "/office/moderation"
    assert _landed(hidden) == _landed(shown) == expected
