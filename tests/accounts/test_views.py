"""Accounts: register, confirm, sign in, lockout, reset, change password, profile."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts import service as accounts
from app.extensions import db
from app.kit.tokens import make_token
from app.models import OutboxMessage, User, utcnow
from tests.factories import PASSWORD, create_reference_data, create_user

GOOD = {
    "full_name": "Aygün Həsənova",
    "email": "Aygun@Example.az",
    "password": "Kitab-Qələm-2026",
    "password_again": "Kitab-Qələm-2026",
    "consent": "y",
}


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def last_link(app, path: str) -> str:
    """The path of the newest emailed link containing ``path``."""
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", body)
    assert match, body
    return match.group(1)


def test_register_creates_account_and_emails_confirmation_then_the_resident_signs_in(app, web, client):
    # Nobody is signed in by registering (issue 15, item 7: a taken address must get the same answer).
    response = web.post("/auth/register", GOOD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/registered")
    page = client.get("/auth/registered?lang=en").get_data(as_text=True)
    assert "Check your email" in page and "aygun@example.az" in page
    assert client.get("/cabinet/").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "aygun@example.az"
        assert user.confirmed_at is None and user.privacy_accepted_at is not None
        assert user.password_hash.startswith("$argon2id$")
        mail = db.session.scalar(select(OutboxMessage))
        assert mail.recipient == "aygun@example.az" and mail.template == "confirm" and mail.locale == "az"
    client.get(last_link(app, "/auth/confirm/"), follow_redirects=True)
    with app.app_context():
        assert db.session.scalar(select(User)).confirmed_at is not None
    assert web.login("aygun@example.az", GOOD["password"]).headers["Location"].endswith("/cabinet/")


def test_register_in_russian_sends_russian_email(app, web, client):
    client.get("/?lang=ru")
    web.post("/auth/register", GOOD)
    with app.app_context():
        user = db.session.scalar(select(User))
        mail = db.session.scalar(select(OutboxMessage))
    assert user.locale == "ru" and mail.locale == "ru"
    assert "Подтвердите" in mail.subject


def test_register_with_an_existing_email_in_any_case_creates_nothing_and_emails_the_owner(app, web):
    # Before issue 15 (item 7) this was refused with "already exists"; tests/accounts/test_enumeration.py has the rest.
    with app.app_context():
        create_user("aygun@example.az")
    response = web.post("/auth/register", GOOD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/registered")
    assert user_count(app) == 1
    with app.app_context():
        mail = db.session.scalar(select(OutboxMessage))
    assert (mail.recipient, mail.template) == ("aygun@example.az", "register_taken")


def test_register_bad_input_is_reported_beside_each_field_and_nothing_is_stored(app, web, client):
    client.get("/?lang=en")
    cases = [
        ("password", {"password": "short1", "password_again": "short1"}, "at least 10 characters"),
        ("password", {"password": "password123", "password_again": "password123"}, "too common"),
        ("email", {"email": "not-an-email"}, "name@example.az"),
        ("consent", {"consent": ""}, "accept the privacy notice"),
        ("full_name", {"full_name": "   "}, "Enter your full name"),
        ("password_again", {"password_again": "Kitab-Qələm-2027"}, "do not match"),
    ]
    for field, changes, message in cases:
        response = web.post("/auth/register", {**GOOD, **changes})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, field
        # The message sits in the field's own error element and in the summary.
        assert re.search(rf'id="{field}-error">.*{re.escape(message)}', html, re.S), (field, html)
        assert 'class="error-summary"' in html
    assert user_count(app) == 0


def test_short_and_common_passwords_are_refused(ctx):
    assert accounts.password_problem("Ab1!Ab1!") is not None
    assert accounts.password_problem("qwertyuiop") is not None
    assert accounts.password_problem("1234567890") is not None
    assert accounts.password_problem("aaaaaaaaaaaa") is not None
    assert accounts.password_problem("Xəzər-dənizi-17") is None


def test_sign_in_lands_in_the_right_cabinet(app, web, client):
    with app.app_context():
        districts = create_reference_data()
        create_user("resident@example.az")
        create_user("official@example.az", roles=[("official", districts["GNC"])])
    response = web.login("resident@example.az", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/cabinet/")
    web.post("/auth/logout", {}, form_url="/cabinet/")
    response = web.login("official@example.az", PASSWORD)
    assert response.headers["Location"].endswith("/office/")


def test_sign_in_honours_only_local_next(app, web):
    with app.app_context():
        create_user()
    response = web.post("/auth/login?next=//evil.example/x", {"email": "resident@example.az", "password": PASSWORD}, form_url="/auth/login")
    assert response.headers["Location"].endswith("/cabinet/")
    web.post("/auth/logout", {}, form_url="/cabinet/")
    response = web.post("/auth/login?next=/cabinet/profile", {"email": "resident@example.az", "password": PASSWORD}, form_url="/auth/login")
    assert response.headers["Location"].endswith("/cabinet/profile")


def test_wrong_password_five_times_locks_the_account_for_fifteen_minutes(app, web, client):
    with app.app_context():
        create_user()
    client.get("/?lang=en")
    for _ in range(4):
        response = web.login("resident@example.az", "wrong-password-1")
        assert "not correct" in response.get_data(as_text=True)
    response = web.login("resident@example.az", "wrong-password-1")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "locked until" in html
    # Even the right password is refused while locked.
    response = web.login("resident@example.az", PASSWORD)
    assert "locked until" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User))
        remaining = user.locked_until - utcnow()
        assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
        user.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert web.login("resident@example.az", PASSWORD).status_code == 302


def test_deactivated_account_cannot_sign_in(app, web):
    with app.app_context():
        create_user(active=False)
    response = web.login("resident@example.az", PASSWORD)
    assert response.status_code == 422


def test_password_reset_link_works_once(app, web, client):
    with app.app_context():
        create_user()
    response = web.post("/auth/reset", {"email": "RESIDENT@example.az"})
    assert response.status_code == 200
    link = last_link(app, "/auth/reset/")
    # The link's token goes into the session at once, and the form's address has none (issue 15, item 8).
    assert client.get(link).headers["Location"].endswith("/auth/new-password")
    response = web.post("/auth/new-password", {"password": "Yeni-Şifrə-2026", "password_again": "Yeni-Şifrə-2026"})
    assert response.status_code == 302
    assert web.login("resident@example.az", "Yeni-Şifrə-2026").status_code == 302
    web.post("/auth/logout", {}, form_url="/cabinet/")
    assert client.get(link).status_code == 400


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(app, web):
    response = web.post("/auth/reset", {"email": "nobody@example.az"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_tampered_or_expired_links_are_refused(app, client):
    with app.app_context():
        user = create_user(confirmed=False)
        uid, email = user.id, user.email
    assert client.get("/auth/confirm/not-a-token").status_code == 400
    assert client.get("/auth/reset/not-a-token").status_code == 400
    app.config["CONFIRM_TOKEN_MAX_AGE"] = -1
    try:
        with app.test_request_context():
            token = make_token("confirm", {"uid": uid, "email": email})
        response = client.get(f"/auth/confirm/{token}?lang=en")
        assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    finally:
        app.config["CONFIRM_TOKEN_MAX_AGE"] = 3600 * 48


def test_change_password_checks_the_current_one(app, web):
    with app.app_context():
        create_user()
    web.login("resident@example.az", PASSWORD)
    response = web.post("/cabinet/password", {"current_password": "wrong", "new_password": "Yeni-Şifrə-2026", "new_password_again": "Yeni-Şifrə-2026"})
    assert response.status_code == 422 and 'id="current_password-error"' in response.get_data(as_text=True)
    response = web.post("/cabinet/password", {"current_password": PASSWORD, "new_password": "Yeni-Şifrə-2026", "new_password_again": "Yeni-Şifrə-2026"})
    assert response.status_code == 302
    with app.app_context():
        assert accounts.verify_password(db.session.scalar(select(User)).password_hash, "Yeni-Şifrə-2026")


def test_profile_saves_name_phone_language_and_district(app, web):
    with app.app_context():
        qba = create_reference_data()["QBA"].id
        create_user()
    web.login("resident@example.az", PASSWORD)
    data = {"full_name": "Aygün Həsənova-Quliyeva", "phone": "+994 50 123 45 67", "locale": "ru", "district_id": str(qba)}
    assert web.post("/cabinet/profile", data).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.full_name, user.phone, user.locale, user.district_id) == (
            "Aygün Həsənova-Quliyeva", "+994 50 123 45 67", "ru", qba,
        )
    page = web.client.get("/cabinet/profile").get_data(as_text=True)
    assert '<html lang="ru">' in page


def test_profile_bad_input_changes_nothing(app, web):
    with app.app_context():
        create_reference_data()
        create_user()
    web.login("resident@example.az", PASSWORD)
    for data, field in [
        ({"full_name": "", "locale": "az"}, "full_name"),
        ({"full_name": "X", "phone": "call me", "locale": "az"}, "phone"),
        ({"full_name": "X", "locale": "xx"}, "locale"),
        ({"full_name": "X", "locale": "az", "district_id": "99999"}, "district_id"),
        ({"full_name": "X", "locale": "az", "district_id": "abc"}, "district_id"),
    ]:
        response = web.post("/cabinet/profile", data)
        assert response.status_code == 422, data
        assert f'id="{field}-error"' in response.get_data(as_text=True), data
    with app.app_context():
        assert db.session.scalar(select(User)).full_name == "Aygün Həsənova"


def test_sign_in_is_rate_limited_per_address(app, web):
    app.config["RATELIMIT_AUTH"] = "3 per minute"
    try:
        statuses = [web.login("x@example.az", "whatever-123").status_code for _ in range(4)]
    finally:
        app.config["RATELIMIT_AUTH"] = "20 per 10 minutes"
    assert statuses[:3] == [422, 422, 422]
    assert statuses[3] == 429


def test_sign_out_requires_post_with_token(app, web, client):
    with app.app_context():
        create_user()
    web.login("resident@example.az", PASSWORD)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/cabinet/").status_code == 200
    web.post("/auth/logout", {}, form_url="/cabinet/")
    assert client.get("/cabinet/").status_code == 302
