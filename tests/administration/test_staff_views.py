"""Staff accounts and two-factor sign-in through the web: invitation → acceptance → second factor → the
district's inbox; deactivation ending an open session; every refusal with its reason; only administrators in."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import func, select

from app.accounts import two_factor
from app.extensions import db
from app.models import AuditEntry, OutboxMessage, RecoveryCode, RoleAssignment, User
from tests.appeals.test_views import field_error
from tests.conftest import Browserless
from tests.factories import PASSWORD, TOTP_SECRET, create_appeal, create_reference_data, create_user
from tests.snapshots import replayed
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]
NEW_PASSWORD = "Təzə-Açar-Söz-2026"


@pytest.fixture
def world(app):
    """An administrator, a supervisor, Gəncə's official, a resident; appeals in Gəncə and Masallı.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("staff views: world", _build_world)


def _build_world() -> dict:
    districts = create_reference_data()
    create_user("admin@example.az", full_name="Tural Kərimov", roles=[("admin", None)], locale="en")
    create_user("supervisor@example.az", roles=[("supervisor", None)], locale="en")
    create_user("official@example.az", roles=[("official", districts["GNC"])], locale="en")
    resident = create_user("resident@example.az")
    gnc = create_appeal(resident, districts["GNC"]).number
    msl = create_appeal(resident, districts["MSL"]).number
    department = next(d for d in districts["GNC"].departments)
    return {"gnc": districts["GNC"].id, "msl": districts["MSL"].id, "gnc_number": gnc, "msl_number": msl,
            "gnc_department": department.id,
            "msl_department": districts["MSL"].departments[0].id}


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def invitation_link(app, email: str) -> str:
    """The path of the invitation link in the last email sent to ``email`` (the dev outbox), without the language
    the email adds (``?lang=``): the tests alter the token or choose the language themselves."""
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == email)
                                  .order_by(OutboxMessage.id.desc())).first()
    match = re.search(r"https?://[^/\s]+(/auth/invitation/[^\s?]+)", body or "")
    assert match, body
    return match.group(1)


def invite_data(**changes) -> dict:
    data = {"full_name": "Kamran Nəbiyev", "email": "kamran@example.az", "locale": "en",
            "roles-0-role": "official", "roles-0-district_id": "", "roles-0-department_id": "",
            "roles-1-role": "", "roles-1-district_id": "", "roles-1-department_id": "",
            "roles-2-role": "", "roles-2-district_id": "", "roles-2-department_id": ""}
    data.update(changes)
    return data


def admin_client(app, web) -> Browserless:
    assert web.login("admin@example.az", PASSWORD).headers["Location"].endswith("/office/")
    return web


def test_invite_accept_set_up_sign_in_see_own_district_then_deactivated(app, web, world):
    admin = admin_client(app, web)
    response = admin.post("/admin/users/invite", invite_data(**{"roles-0-district_id": str(world["gnc"]),
                                                                "roles-0-department_id": str(world["gnc_department"])}),
                          form_url="/admin/users/invite")
    assert response.status_code == 302
    kamran = user_id(app, "kamran@example.az")
    assert response.headers["Location"].endswith(f"/admin/users/{kamran}")
    with app.app_context():
        person = db.session.get(User, kamran)
        assert [(r.role, r.district_id, r.department_id) for r in person.roles] == [
            ("official", world["gnc"], world["gnc_department"])]
        assert not person.is_confirmed and person.invited_at is not None
    assert "user.invite" in admin.client.get(f"/admin/users/{kamran}").get_data(as_text=True)

    # The official follows the emailed link in another browser and chooses a password.
    official = Browserless(app.test_client())
    link = invitation_link(app, "kamran@example.az")
    # The link's token goes into the session at once, and the form's address has none (issue 15, item 8).
    opened = official.client.get(link)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/auth/invitation")
    page = official.client.get("/auth/invitation")
    assert page.status_code == 200 and "kamran@example.az" in page.get_data(as_text=True)
    done = official.post("/auth/invitation", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/auth/login")

    # Signs in with the password (two-factor sign-in is offered to an official, not required) and sets it up.
    assert official.login("kamran@example.az", NEW_PASSWORD).headers["Location"].endswith("/office/")
    setup = official.client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert '<svg role="img"' in setup
    secret = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', setup).group(1).replace(" ", "")
    shown = official.post("/auth/two-factor/setup", {"code": pyotp.TOTP(secret).now()})
    assert shown.status_code == 200
    codes = re.findall(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>", shown.get_data(as_text=True))
    assert len(codes) == 10 and count(app, RecoveryCode) == 10
    with app.app_context():
        stored = db.session.get(User, kamran)
        assert stored.two_factor_enabled and secret not in stored.totp_secret  # kept encrypted
    # The secret is never shown again.
    assert official.client.get("/auth/two-factor/setup").headers["Location"].endswith("/auth/two-factor/account")
    assert secret not in official.client.get("/auth/two-factor/account").get_data(as_text=True)
    official.post("/auth/logout", {}, form_url="/office/")

    # Signing in now asks for the code; then the inbox shows Gəncə's appeals only.
    first = official.post("/auth/login", {"email": "kamran@example.az", "password": NEW_PASSWORD})
    assert first.headers["Location"].endswith("/auth/two-factor")
    assert official.client.get("/office/").status_code == 302  # not signed in before the second step
    second = official.second_factor(secret)
    assert second.status_code == 302 and second.headers["Location"].endswith("/office/")
    inbox = official.client.get("/office/appeals?status=all").get_data(as_text=True)
    assert world["gnc_number"] in inbox and world["msl_number"] not in inbox
    assert official.client.get(f"/office/appeals?district={world['msl']}").status_code == 404

    # The administrator deactivates the official: the open session stops working on its next request.
    assert admin.post(f"/admin/users/{kamran}/deactivate", {}, form_url=f"/admin/users/{kamran}").status_code == 302
    after = official.client.get("/office/appeals")
    assert after.status_code == 302 and "/auth/login" in after.headers["Location"]
    refused = official.post("/auth/login", {"email": "kamran@example.az", "password": NEW_PASSWORD})
    assert refused.status_code == 422 and "deactivated" in refused.get_data(as_text=True)
    # Every step is in the audit trail, and the person's page lists it.
    with app.app_context():
        trail = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "user",
                                                                   AuditEntry.object_id == str(kamran))
                                   .order_by(AuditEntry.id)).all()
    staff_steps = [action for action in trail if action.startswith("user.")]
    assert staff_steps == ["user.invite", "user.invite_accept", "user.two_factor_enable", "user.deactivate"]
    # Staff sign-ins are audited too (the refused one after deactivation included).
    assert "auth.sign_in" in trail
    page = admin.client.get(f"/admin/users/{kamran}").get_data(as_text=True)
    assert all(action in page for action in trail)


def test_invitation_used_twice_expired_or_altered_is_refused_with_the_reason(app, web, world):
    admin = admin_client(app, web)
    admin.post("/admin/users/invite", invite_data(**{"roles-0-district_id": str(world["gnc"])}),
               form_url="/admin/users/invite")
    link = invitation_link(app, "kamran@example.az")
    other = Browserless(app.test_client())
    other.client.get("/?lang=en")

    altered = other.client.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert altered.status_code == 400 and "not valid" in altered.get_data(as_text=True)

    app.config["INVITE_TOKEN_MAX_AGE"] = -1
    try:
        expired = other.client.get(link)
    finally:
        app.config["INVITE_TOKEN_MAX_AGE"] = 3600 * 24 * 7
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)

    assert other.client.get(link).status_code == 302
    assert other.post("/auth/invitation", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}).status_code == 302
    again = other.client.get(link)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert other.client.get("/auth/invitation").status_code == 400  # the used token left the session
    assert other.client.post(link, data={"password": "Başqa-Parol-2027", "password_again": "Başqa-Parol-2027"}).status_code == 405


def test_weak_password_on_the_invitation_is_refused_beside_the_field(app, web, world):
    admin = admin_client(app, web)
    admin.post("/admin/users/invite", invite_data(**{"roles-0-district_id": str(world["gnc"])}),
               form_url="/admin/users/invite")
    link = invitation_link(app, "kamran@example.az")
    invited = Browserless(app.test_client())
    invited.client.get(link)
    response = invited.post("/auth/invitation", {"password": "short", "password_again": "short"})
    assert response.status_code == 422 and field_error(response.get_data(as_text=True), "password")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"roles-0-district_id": "999999"}, "roles-0-district_id", "Choose a district from the list."),
    ({"roles-0-district_id": "abc"}, "roles-0-district_id", "Choose a district from the list."),
    ({}, "roles-0-district_id", "Choose the district in which this role applies."),
    ({"roles-0-role": "supervisor", "roles-0-district_id": "GNC"}, "roles-0-district_id",
     "This role is national: leave the district empty."),
    ({"roles-0-role": "admin", "roles-0-district_id": "GNC"}, "roles-0-district_id",
     "This role is national: leave the district empty."),
    ({"roles-0-role": "pope"}, "roles-0-role", "Choose a role from the list."),
    ({"roles-0-role": ""}, "roles-0-role", "Give the person at least one role."),
    ({"roles-0-district_id": "GNC", "roles-0-department_id": "MSL-DEP"}, "roles-0-department_id",
     "Choose a department of the chosen district."),
    ({"roles-0-district_id": "GNC", "roles-1-role": "head", "roles-1-district_id": "999999"},
     "roles-1-district_id", "Choose a district from the list."),
    ({"roles-0-district_id": "GNC", "email": "resident@example.az"}, "email", "An account with this email address"),
    ({"roles-0-district_id": "GNC", "email": "not-an-email"}, "email", "Enter an email address"),
    ({"roles-0-district_id": "GNC", "full_name": ""}, "full_name", "Enter the person's full name."),
])
def test_bad_invitations_are_refused_beside_the_field_and_nothing_is_stored(app, web, world, changes, field, message):
    admin = admin_client(app, web)
    symbolic = {"GNC": str(world["gnc"]), "MSL-DEP": str(world["msl_department"])}
    data = invite_data(**{key: symbolic.get(value, value) for key, value in changes.items()})
    users, roles, mails = count(app, User), count(app, RoleAssignment), count(app, OutboxMessage)
    response = admin.post("/admin/users/invite", data, form_url="/admin/users/invite")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in field_error(html, field)
    assert 'class="error-summary"' in html
    assert (count(app, User), count(app, RoleAssignment), count(app, OutboxMessage)) == (users, roles, mails)


ADMIN_PAGES = ["/admin/users", "/admin/users/invite", "/admin/users/{id}"]
ADMIN_POSTS = ["/admin/users/invite", "/admin/users/{id}/roles", "/admin/users/{id}/roles/1/remove",
               "/admin/users/{id}/deactivate", "/admin/users/{id}/activate", "/admin/users/{id}/two-factor/reset",
               "/admin/users/{id}/invitation"]


@pytest.mark.parametrize("email", ["official@example.az", "supervisor@example.az", "resident@example.az"])
def test_no_one_but_an_administrator_sees_any_staff_page(app, web, client, world, email):
    target = user_id(app, "official@example.az")
    web.login(email, PASSWORD)
    for path in ADMIN_PAGES:
        response = client.get(path.format(id=target))
        assert response.status_code == 403, path
        assert "official@example.az" not in response.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/cabinet/profile").get_data(as_text=True)).group(1)
    for path in ADMIN_POSTS:
        assert client.post(path.format(id=target), data={"csrf_token": token, "role": "admin"}).status_code == 403, path
    with app.app_context():
        person = db.session.get(User, target)
        assert person.active and person.role_names == {"official"}


def test_a_visitor_is_sent_to_sign_in(client, world):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_administrator_and_supervisor_must_set_up_a_second_factor_first(app, web, client, world):
    with app.app_context():
        create_user("newboss@example.az", roles=[("supervisor", None)], two_factor=False)
    response = web.login("newboss@example.az", PASSWORD)
    assert response.status_code == 302
    for path in ["/office/", "/office/accountability", "/cabinet/", "/cabinet/profile"]:
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/auth/two-factor/setup"), path
    page = client.get("/auth/two-factor/setup?lang=en")
    assert page.status_code == 200 and "Your role requires two-factor sign-in" in page.get_data(as_text=True)
    secret = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page.get_data(as_text=True)).group(1).replace(" ", "")
    wrong = web.post("/auth/two-factor/setup", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert wrong.status_code == 422 and field_error(wrong.get_data(as_text=True), "code")
    assert web.post("/auth/two-factor/setup", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert client.get("/office/accountability").status_code == 200
    # The supervisor may not turn it off.
    off = web.post("/auth/two-factor/account", {"off-code": pyotp.TOTP(secret).now(), "off-submit": "1"})
    assert off.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "newboss@example.az")).two_factor_enabled


def test_signing_out_stays_possible_before_set_up(app, web, client, world):
    with app.app_context():
        create_user("newboss@example.az", roles=[("admin", None)], two_factor=False)
    web.login("newboss@example.az", PASSWORD)
    assert client.get("/admin/users").headers["Location"].endswith("/auth/two-factor/setup")
    assert web.post("/auth/logout", {}, form_url="/auth/two-factor/setup").headers["Location"].endswith("/")
    assert "/auth/login" in client.get("/admin/users").headers["Location"]


def test_a_promoted_official_is_sent_to_set_up_on_the_next_request(app, web, client, world):
    web.login("official@example.az", PASSWORD)
    assert client.get("/office/").status_code == 200
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == "official@example.az"))
        person.roles.append(RoleAssignment(role="supervisor"))
        db.session.commit()
    assert client.get("/office/").headers["Location"].endswith("/auth/two-factor/setup")


def test_five_wrong_codes_lock_the_account_as_for_passwords(app, web, client, world):
    client.get("/?lang=en")
    web.post("/auth/login", {"email": "admin@example.az", "password": PASSWORD})
    good = pyotp.TOTP(TOTP_SECRET)
    wrong = next(c for c in ("000000", "111111", "222222") if all(good.at(time.time() + d) != c for d in (-30, 0, 30)))
    for _attempt in range(4):
        response = web.post("/auth/two-factor", {"code": wrong})
        assert response.status_code == 422 and "not correct" in field_error(response.get_data(as_text=True), "code")
    locked = web.post("/auth/two-factor", {"code": wrong})
    assert locked.status_code == 422 and "locked until" in locked.get_data(as_text=True)
    # Even the right password and code are refused while locked.
    again = web.post("/auth/login", {"email": "admin@example.az", "password": PASSWORD})
    assert again.status_code == 422 and "locked" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "admin@example.az")).locked_until is not None


def test_a_totp_code_is_accepted_once(app, world):
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@example.az"))
        code = pyotp.TOTP(TOTP_SECRET).now()
        assert two_factor.verify_sign_in(admin, code) == "totp"
        with pytest.raises(two_factor.CodeRefused):
            two_factor.verify_sign_in(admin, code)


def test_a_recovery_code_works_once(app, web, client, world):
    web.login("official@example.az", PASSWORD)
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    secret = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    shown = web.post("/auth/two-factor/setup", {"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    code = re.findall(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>", shown)[0]
    web.post("/auth/logout", {}, form_url="/office/")

    web.post("/auth/login", {"email": "official@example.az", "password": PASSWORD})
    used = web.post("/auth/two-factor", {"code": code.lower().replace("-", " ")})
    assert used.status_code == 302 and used.headers["Location"].endswith("/office/")
    assert "9" in client.get("/office/").get_data(as_text=True)  # "9 unused codes are left" flashed
    web.post("/auth/logout", {}, form_url="/office/")

    web.post("/auth/login", {"email": "official@example.az", "password": PASSWORD})
    client.get("/?lang=en")
    again = web.post("/auth/two-factor", {"code": code})
    assert again.status_code == 422 and "already used" in field_error(again.get_data(as_text=True), "code")
    assert client.get("/office/").status_code == 302


def test_the_last_active_administrator_keeps_the_role_and_the_account(app, web, client, world):
    admin = admin_client(app, web)
    me = user_id(app, "admin@example.az")
    with app.app_context():
        role = db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == me))
    for path in [f"/admin/users/{me}/roles/{role}/remove", f"/admin/users/{me}/deactivate"]:
        response = admin.post(path, {}, form_url=f"/admin/users/{me}")
        assert response.status_code == 422 and "last active administrator" in response.get_data(as_text=True)
    with app.app_context():
        person = db.session.get(User, me)
        assert person.active and person.role_names == {"admin"}
        create_user("second@example.az", roles=[("admin", None)])
    # With a second administrator, removing one's own role is allowed (and takes effect on the next request).
    assert admin.post(f"/admin/users/{me}/roles/{role}/remove", {}, form_url=f"/admin/users/{me}").status_code == 302
    assert client.get("/admin/users").status_code == 403


def test_roles_given_and_removed_apply_on_the_next_request(app, web, world):
    admin = admin_client(app, web)
    official = Browserless(app.test_client())
    official.login("official@example.az", PASSWORD)
    target = user_id(app, "official@example.az")
    assert official.client.get("/office/reception").status_code == 200
    given = admin.post(f"/admin/users/{target}/roles", {"role": "head", "district_id": str(world["msl"]),
                                                       "department_id": ""}, form_url=f"/admin/users/{target}")
    assert given.status_code == 302
    with app.app_context():
        person = db.session.get(User, target)
        assert {(r.role, r.district_id) for r in person.roles} == {("official", world["gnc"]), ("head", world["msl"])}
        official_role = next(r.id for r in person.roles if r.role == "official")
    duplicate = admin.post(f"/admin/users/{target}/roles", {"role": "head", "district_id": str(world["msl"])},
                           form_url=f"/admin/users/{target}")
    assert duplicate.status_code == 422 and "already holds" in field_error(duplicate.get_data(as_text=True), "role")
    national = admin.post(f"/admin/users/{target}/roles", {"role": "admin", "district_id": str(world["gnc"])},
                          form_url=f"/admin/users/{target}")
    assert national.status_code == 422 and "national" in field_error(national.get_data(as_text=True), "district_id")
    assert admin.post(f"/admin/users/{target}/roles/{official_role}/remove", {},
                      form_url=f"/admin/users/{target}").status_code == 302
    inbox = official.client.get("/office/appeals?status=all").get_data(as_text=True)
    assert world["gnc_number"] not in inbox


def test_administrator_resets_a_second_factor(app, web, world):
    admin = admin_client(app, web)
    supervisor = Browserless(app.test_client())
    assert supervisor.login("supervisor@example.az", PASSWORD).headers["Location"].endswith("/office/accountability")
    target = user_id(app, "supervisor@example.az")
    assert admin.post(f"/admin/users/{target}/two-factor/reset", {}, form_url=f"/admin/users/{target}").status_code == 302
    with app.app_context():
        person = db.session.get(User, target)
        assert not person.two_factor_enabled and person.totp_secret is None
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == target)) == 0
        reset = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.two_factor_reset"))
        assert reset.object_id == str(target) and reset.actor_email == "admin@example.az"
    # The open session ended; signing in again leads to set-up.
    assert "/auth/login" in supervisor.client.get("/office/").headers["Location"]
    supervisor.login("supervisor@example.az", PASSWORD)
    assert supervisor.client.get("/office/").headers["Location"].endswith("/auth/two-factor/setup")


def test_user_list_filters_and_costs_the_same_whatever_the_page(app, web, client, world, count_queries):
    admin = admin_client(app, web)
    html = client.get("/admin/users?role=official").get_data(as_text=True)
    assert "official@example.az" in html and "resident@example.az" not in html
    html = client.get(f"/admin/users?district={world['gnc']}").get_data(as_text=True)
    assert "official@example.az" in html and "supervisor@example.az" not in html
    html = client.get("/admin/users?role=none").get_data(as_text=True)
    assert "resident@example.az" in html and "official@example.az" not in html
    html = client.get("/admin/users?signed_in=never").get_data(as_text=True)
    assert "resident@example.az" in html and "admin@example.az" not in html
    html = client.get("/admin/users?signed_in=7").get_data(as_text=True)
    assert "admin@example.az" in html and "resident@example.az" not in html
    with app.app_context():
        create_user("gone@example.az", roles=[("editor", db.session.get(User, user_id(app, "official@example.az")).roles[0].district)], active=False)
    html = client.get("/admin/users?active=no").get_data(as_text=True)
    assert "gone@example.az" in html and "official@example.az" not in html
    for bad in ["?page=abc", "?district=99999999999999", "?role=pope&active=maybe&signed_in=x", "?page=99999"]:
        assert client.get(f"/admin/users{bad}").status_code == 200

    def cost() -> int:
        with count_queries() as q:
            assert client.get("/admin/users?role=staff").status_code == 200
        return q.count

    few = cost()
    with app.app_context():
        district = db.session.get(User, user_id(app, "official@example.az")).roles[0].district
        for n in range(40):
            create_user(f"staff{n}@example.az", roles=[("official", district), ("editor", district)])
    assert cost() == few
    page_two = client.get("/admin/users?role=staff&page=2").get_data(as_text=True)
    assert 'rel="prev"' in page_two and 'rel="next"' not in page_two
    del admin


@pytest.mark.parametrize("lang", LANGS)
def test_every_staff_page_in_each_language(app, web, client, world, lang):
    admin = admin_client(app, web)
    target = user_id(app, "official@example.az")
    for path in ["/admin/users", "/admin/users/invite", f"/admin/users/{target}", "/admin/", "/auth/two-factor/account"]:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    admin.post("/admin/users/invite", invite_data(**{"roles-0-district_id": str(world["gnc"])}),
               form_url="/admin/users/invite")
    link = invitation_link(app, "kamran@example.az")
    other = Browserless(app.test_client())
    page = other.client.get(f"{link}?lang={lang}", follow_redirects=True)
    check_page(page.get_data(as_text=True), lang)
    other.post("/auth/invitation", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    other.login("kamran@example.az", NEW_PASSWORD)
    for path in ["/auth/two-factor/account", "/auth/two-factor/setup"]:
        response = other.client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    web.post("/auth/logout", {}, form_url="/office/")
    web.post("/auth/login", {"email": "admin@example.az", "password": PASSWORD})
    check_page(client.get(f"/auth/two-factor?lang={lang}").get_data(as_text=True), lang)
