"""Signed-in sessions end on the server (issue 15, item 2), emailed tokens leave the address at once and the CSRF
token changes at sign-in and sign-out (item 8).

Each "copied cookie" test copies a browser's cookies into a second client, as someone who read them (a shared
computer, a stolen backup of a browser profile) would, and checks that after the event the copy opens no
signed-in page any more.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.accounts import mydata, sessions
from app.accounts import service as accounts
from app.accounts import two_factor as tfa
from app.administration import staff_service as staff
from app.extensions import db
from app.models import OutboxMessage, User, UserSession, utcnow
from tests.conftest import Browserless, csrf_from
from tests.factories import PASSWORD, create_reference_data, create_user
from tests.snapshots import replayed

NEW_PASSWORD = "Yeni-Şifrə-2026"
SESSION_COOKIE = "session"
REMEMBER_COOKIE = "remember_token"
# Signed-in pages of a resident, and of a member of staff.
RESIDENT_PAGES = ["/cabinet/", "/cabinet/profile", "/cabinet/password", "/cabinet/sessions", "/cabinet/appeals"]


def signed_in(app, email: str = "resident@example.az", password: str = PASSWORD, remember: bool = False):
    """A new browser signed in as ``email``."""
    browser = Browserless(app.test_client())
    data = {"email": email, "password": password, **({"remember": "y"} if remember else {})}
    response = browser.post("/auth/login", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return browser


def copy(app, browser: Browserless, *names: str):
    """A second client holding copies of ``browser``'s cookies called ``names``."""
    thief = app.test_client()
    for name in names:
        cookie = browser.client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def opens(client, pages=RESIDENT_PAGES) -> list[int]:
    return [client.get(page).status_code for page in pages]


def signed_out(client, pages=RESIDENT_PAGES) -> bool:
    """Every signed-in page sends ``client`` to sign in."""
    for page in pages:
        response = client.get(page)
        if response.status_code != 302 or "/auth/login" not in response.headers["Location"]:
            return False
    return True


def last_link(app, path: str) -> str:
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", body).group(1)


@pytest.fixture
def resident(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("accounts sessions: resident", _build_resident)


def _build_resident():
    return create_user().id


# --- Item 2: sessions outlive sign-out --------------------------------------------------------------------------


def test_item2_signing_out_ends_a_copied_session_cookie(app, resident):
    browser = signed_in(app)
    thief = copy(app, browser, SESSION_COOKIE)
    assert opens(thief) == [200] * len(RESIDENT_PAGES)
    assert browser.post("/auth/logout", {}, form_url="/cabinet/").status_code == 302
    assert signed_out(thief)
    assert signed_out(browser.client)


def test_item2_signing_out_ends_a_copied_remember_me_cookie(app, resident):
    browser = signed_in(app, remember=True)
    # The remember-me cookie alone (as after closing the browser) opens the cabinet, as it should…
    assert opens(copy(app, browser, REMEMBER_COOKIE)) == [200] * len(RESIDENT_PAGES)
    remember_copy = copy(app, browser, REMEMBER_COOKIE)
    both_copy = copy(app, browser, SESSION_COOKIE, REMEMBER_COOKIE)
    browser.post("/auth/logout", {}, form_url="/cabinet/")
    # …and not after signing out: alone, or with the session cookie.
    assert signed_out(remember_copy) and signed_out(both_copy)
    with app.app_context():
        assert db.session.scalar(select(UserSession.ended_reason)) == "sign_out"


def test_remember_me_keeps_the_person_signed_in_after_the_browser_closes(app, resident):
    """Flask-Login restored a remembered user without the session's identifier: "strong" session protection then
    signed them out at the second request and deleted the remember-me cookie."""
    reopened = copy(app, signed_in(app, remember=True), REMEMBER_COOKIE)
    assert opens(reopened) == [200] * len(RESIDENT_PAGES)
    assert reopened.get_cookie(REMEMBER_COOKIE) is not None


def test_item2_password_change_ends_every_other_session_but_this_one(app, resident):
    here = signed_in(app)
    elsewhere = signed_in(app, remember=True)
    copies = [copy(app, elsewhere, SESSION_COOKIE), copy(app, elsewhere, REMEMBER_COOKIE),
              copy(app, here, SESSION_COOKIE)]
    response = here.post("/cabinet/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                               "new_password_again": NEW_PASSWORD})
    assert response.status_code == 302
    assert opens(here.client) == [200] * len(RESIDENT_PAGES)
    assert signed_out(elsewhere.client)
    assert signed_out(copies[0]) and signed_out(copies[1])
    # A copy of this very session is this session: it stays (signing out here ends it).
    assert opens(copies[2], ["/cabinet/"]) == [200]
    with app.app_context():
        reasons = db.session.scalars(select(UserSession.ended_reason).order_by(UserSession.id)).all()
    assert reasons == [None, "password_change"]


def test_item2_password_reset_ends_every_session(app, resident):
    first = signed_in(app)
    second = signed_in(app, remember=True)
    copies = [copy(app, first, SESSION_COOKIE), copy(app, second, REMEMBER_COOKIE)]
    other = Browserless(app.test_client())
    other.post("/auth/reset", {"email": "resident@example.az"})
    other.client.get(last_link(app, "/auth/reset/"))
    response = other.post("/auth/new-password", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302
    for client in (first.client, second.client, *copies):
        assert signed_out(client)
    with app.app_context():
        assert set(db.session.scalars(select(UserSession.ended_reason))) == {"password_reset"}
    signed_in(app, password=NEW_PASSWORD)


def test_item2_deactivation_and_a_reset_second_factor_end_the_sessions(app, ctx):
    districts = create_reference_data()
    admin = create_user("admin@example.az", roles=[("admin", None)])
    official = create_user("official@example.az", roles=[("official", districts["GNC"])])
    for reason, act in [("two_factor_reset", lambda: tfa.reset(admin, official)),
                        ("deactivated", lambda: staff.set_active(admin, official.id, False))]:
        cookie = sessions.start(official, remembered=True, user_agent="Firefox/1", address="203.0.113.9")
        assert sessions.load(cookie).id == official.id
        act()
        assert sessions.load(cookie) is None
        assert db.session.scalar(select(UserSession.ended_reason).order_by(UserSession.id.desc())) == reason


def test_item2_a_session_ends_when_idle_and_a_remembered_one_after_its_cookie(app, resident):
    browser = signed_in(app)
    remembered = signed_in(app, remember=True)
    remember_copy = copy(app, remembered, REMEMBER_COOKIE)
    with app.app_context():
        now = utcnow()
        db.session.execute(update(UserSession).where(UserSession.remembered.is_(False))
                           .values(last_seen_at=now - app.config["PERMANENT_SESSION_LIFETIME"] - timedelta(minutes=1)))
        db.session.commit()
    assert signed_out(browser.client)
    assert opens(remembered.client, ["/cabinet/"]) == [200]
    with app.app_context():
        db.session.execute(update(UserSession).values(
            created_at=utcnow() - app.config["REMEMBER_COOKIE_DURATION"] - timedelta(minutes=1)))
        db.session.commit()
    assert signed_out(remembered.client) and signed_out(remember_copy)


def test_item2_a_cookie_naming_another_user_or_no_key_opens_nothing(app, ctx):
    owner = create_user()
    other = create_user("other@example.az")
    cookie = sessions.start(owner, remembered=False, user_agent=None, address=None)
    key = cookie.partition(":")[2]
    assert sessions.load(cookie).id == owner.id
    for forged in (f"{other.id}:{key}", f"{owner.id}:", f"{owner.id}:0", f"{owner.id}", "x:y", "", f"{owner.id}:{key}x"):
        assert sessions.load(forged) is None, forged
    # Only the key's hash is stored: the table opens no session.
    assert key not in db.session.scalar(select(UserSession.key_hash))


def test_a_signed_in_request_reads_the_session_the_account_and_all_its_roles_in_one_statement(app, ctx, count_queries):
    """The loader runs before every signed-in request: one statement, and every role there (a person's roles are what
    each page's authorization reads)."""
    districts = create_reference_data()
    person = create_user("staff@example.az", roles=[("official", districts["GNC"]), ("head", districts["GNC"]),
                                                     ("editor", districts["MSL"])])
    expected = sorted((r.role, r.district.code) for r in person.roles)
    cookie = sessions.start(person, remembered=False, user_agent=None, address=None)
    db.session.expunge_all()
    with count_queries() as queries:
        loaded = sessions.load(cookie)
        roles = sorted((r.role, r.district.code) for r in loaded.roles)
    assert roles == expected and len(roles) == 3
    assert queries.count == 1, queries.statements


def test_item2_the_cabinet_lists_the_sessions_and_ends_them(app, resident):
    here = signed_in(app)
    phone = signed_in(app, remember=True)
    laptop = signed_in(app)
    page = here.client.get("/cabinet/sessions?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert html.count("This browser") == 1 and html.count("Remembered") == 1
    assert html.count('class="link-button">End this session') == 2
    with app.app_context():
        phone_id = db.session.scalar(select(UserSession.id).where(UserSession.remembered.is_(True)))
    # End one: the phone is signed out, the laptop is not.
    response = here.post(f"/cabinet/sessions/{phone_id}/end", {}, form_url="/cabinet/sessions")
    assert response.status_code == 302
    assert signed_out(phone.client) and opens(laptop.client, ["/cabinet/"]) == [200]
    # A session already over, or someone else's, is not found (and a GET changes nothing).
    assert here.post(f"/cabinet/sessions/{phone_id}/end", {}, form_url="/cabinet/sessions").status_code == 404
    assert here.client.get(f"/cabinet/sessions/{phone_id}/end").status_code == 405
    with app.app_context():
        create_user("other@example.az")
    other = signed_in(app, "other@example.az")
    with app.app_context():
        laptop_id = db.session.scalar(select(func.max(UserSession.id)).join(User)
                                      .where(User.email == "resident@example.az"))
    assert other.post(f"/cabinet/sessions/{laptop_id}/end", {}, form_url="/cabinet/sessions").status_code == 404
    assert opens(laptop.client, ["/cabinet/"]) == [200]
    # Without the CSRF token nothing ends.
    assert here.client.post("/cabinet/sessions/end-others").status_code == 400
    # Everywhere else: the laptop goes, this browser and the other person stay.
    assert here.post("/cabinet/sessions/end-others", {}, form_url="/cabinet/sessions").status_code == 302
    assert signed_out(laptop.client)
    assert opens(here.client) == [200] * len(RESIDENT_PAGES)
    assert opens(other.client, ["/cabinet/"]) == [200]
    assert "End this session" not in here.client.get("/cabinet/sessions?lang=en").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_staff_see_their_sessions_in_each_language(app, lang):
    with app.app_context():
        districts = create_reference_data()
        create_user("official@example.az", roles=[("official", districts["GNC"])])
    official = signed_in(app, "official@example.az")
    page = official.client.get(f"/cabinet/sessions?lang={lang}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and "/cabinet/sessions/end-others" not in html  # one session only
    assert 'aria-current="page"' in html


def test_sessions_page_needs_sign_in(client):
    response = client.get("/cabinet/sessions")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_list_shows_a_short_device_and_only_the_network(app, ctx):
    user = create_user()
    sessions.start(user, remembered=False, address="203.0.113.77", user_agent=(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
        " Edg/126.0" + "x" * 400))
    sessions.start(user, remembered=False, address="2001:db8:1234:5678::1", user_agent=None)
    rows = db.session.scalars(select(UserSession).order_by(UserSession.id)).all()
    assert [r.address for r in rows] == ["203.0.113.0/24", "2001:db8:1234::/48"]
    assert len(rows[0].user_agent) == sessions.USER_AGENT_LENGTH
    listed = sessions.active_sessions(user)
    assert {v.device for v in listed} == {"Edge, Windows", "Unknown browser"}
    assert sessions.device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile Safari/604.1") \
        == "Safari, iPhone"
    assert sessions.device("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0") == "Firefox, Linux"


def test_closing_the_account_deletes_its_sessions_and_the_download_lists_them(app, ctx):
    user = create_user()
    sessions.start(user, remembered=True, user_agent="Firefox/128.0", address="198.51.100.4")
    assert [s["network"] for s in sessions.export_own(user, lambda *a: None)] == ["198.51.100.0/24"]
    mydata._load_sections()
    assert mydata.EXPORTERS["sessions"] is sessions.export_own
    mydata.close_account(user, PASSWORD)
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_rows_idle_past_every_cookie_are_purged_at_the_next_sign_in(app, ctx):
    user = create_user()
    sessions.start(user, remembered=True, user_agent=None, address=None)
    old = utcnow() - app.config["REMEMBER_COOKIE_DURATION"] - sessions.PURGE_GRACE - timedelta(minutes=1)
    db.session.execute(update(UserSession).values(created_at=old, last_seen_at=old))
    db.session.commit()
    sessions.start(user, remembered=False, user_agent=None, address=None)
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1


def test_last_seen_is_written_at_most_once_a_minute(app, resident, count_queries):
    browser = signed_in(app)
    with app.app_context():
        first = db.session.scalar(select(UserSession.last_seen_at))
    browser.client.get("/cabinet/")
    with app.app_context():
        assert db.session.scalar(select(UserSession.last_seen_at)) == first
        db.session.execute(update(UserSession).values(last_seen_at=first - timedelta(minutes=2)))
        db.session.commit()
    browser.client.get("/cabinet/")
    with app.app_context():
        assert db.session.scalar(select(UserSession.last_seen_at)) > first


# --- Item 8: tokens in logged addresses, the CSRF token at sign-in ------------------------------------------------


def test_item8_csrf_token_from_before_sign_in_is_refused_after(app, resident):
    browser = Browserless(app.test_client())
    before = csrf_from(browser.client.get("/auth/login").get_data(as_text=True))
    response = browser.client.post("/auth/login", data={"csrf_token": before, "email": "resident@example.az",
                                                         "password": PASSWORD})
    assert response.status_code == 302
    # The token of the sign-in page (which someone may have read or planted) works for no form of the signed-in user.
    refused = browser.client.post("/auth/logout", data={"csrf_token": before})
    assert refused.status_code == 400
    assert opens(browser.client, ["/cabinet/"]) == [200]
    after = csrf_from(browser.client.get("/cabinet/").get_data(as_text=True))
    assert after != before
    assert browser.client.post("/auth/logout", data={"csrf_token": after}).status_code == 302
    # And at sign-out: the signed-in page's token does not work for the next person at this browser.
    assert browser.client.post("/auth/login", data={"csrf_token": after, "email": "resident@example.az",
                                                     "password": PASSWORD}).status_code == 400


def test_item8_csrf_token_is_rotated_after_the_second_factor_too(app):
    with app.app_context():
        create_user("admin@example.az", roles=[("admin", None)])
    browser = Browserless(app.test_client())
    before = csrf_from(browser.client.get("/auth/login").get_data(as_text=True))
    assert browser.login("admin@example.az", PASSWORD).status_code == 302
    assert browser.client.post("/auth/logout", data={"csrf_token": before}).status_code == 400


def test_item8_reset_token_leaves_the_address_at_first_use(app, resident):
    browser = Browserless(app.test_client())
    browser.post("/auth/reset", {"email": "resident@example.az"})
    link = last_link(app, "/auth/reset/")
    token = link.rsplit("/", 1)[1]
    opened = browser.client.get(link)
    # The token's one appearance in an address: the browser moves at once to a page without it…
    assert opened.status_code == 302 and opened.headers["Location"] == "/auth/new-password"
    form = browser.client.get("/auth/new-password")
    assert form.status_code == 200 and token not in form.get_data(as_text=True)
    assert 'action="' not in form.get_data(as_text=True).split("<form", 1)[1].split(">", 1)[0]  # posts here
    # …where it is posted, not in the address; and the link works once.
    done = browser.post("/auth/new-password", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and token not in done.headers["Location"]
    assert browser.client.get(link).status_code == 400
    assert browser.client.get("/auth/new-password").status_code == 400
    # The token URL takes no form any more: a post there (with the token in the address) is refused.
    assert browser.client.post(link).status_code in (400, 405)
    # Reached without a link, the form explains instead of failing.
    fresh = app.test_client().get("/auth/new-password?lang=en")
    assert fresh.status_code == 400 and "not valid or was already used" in fresh.get_data(as_text=True)


def test_item8_invitation_token_leaves_the_address_at_first_use(app, ctx):
    districts = create_reference_data()
    admin = create_user("admin@example.az", roles=[("admin", None)])
    staff.invite(admin, email="kamran@example.az", full_name="Kamran Əliyev", locale="en",
                 roles=[staff.RoleInput(role="official", district_id=districts["GNC"].id)])
    link = last_link(app, "/auth/invitation/")
    token = link.rsplit("/", 1)[1]
    browser = Browserless(app.test_client())
    opened = browser.client.get(link)
    assert opened.status_code == 302 and opened.headers["Location"] == "/auth/invitation"
    page = browser.client.get("/auth/invitation")
    assert page.status_code == 200 and token not in page.get_data(as_text=True)
    done = browser.post("/auth/invitation", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/auth/login")
    assert browser.client.get(link).status_code == 400
    assert app.test_client().get("/auth/invitation").status_code == 400


def test_item8_confirmation_token_is_used_at_its_first_request(app, resident):
    with app.app_context():
        user = db.session.get(User, resident)
        user.confirmed_at = None
        db.session.commit()
        accounts.resend_confirmation(user)
    link = last_link(app, "/auth/confirm/")
    response = app.test_client().get(link)
    # Confirmed at once, and sent on to a page without the token: nothing is left to do with it (a repeat only
    # confirms again what is confirmed).
    assert response.status_code == 302 and "/auth/confirm" not in response.headers["Location"]
    with app.app_context():
        assert db.session.get(User, resident).confirmed_at is not None
