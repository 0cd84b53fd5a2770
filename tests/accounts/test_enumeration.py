"""Issue 15, item 7: neither registration nor sign-in tells which email addresses have accounts.

Registering with a taken address (any letter case, a member of staff's too) answers exactly like a new
registration; the owner is emailed instead. Wrong passwords for an unknown address get the same messages as for
an account, the lockout message included, after the same number of attempts; a password hash is checked either way.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts import service as accounts
from app.extensions import db
from app.models import OutboxMessage, User
from tests.conftest import Browserless
from tests.factories import create_reference_data, create_user

FORM = {"full_name": "Aygün Həsənova", "password": "Kitab-Qələm-2026", "password_again": "Kitab-Qələm-2026",
        "consent": "y"}


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return messages


def _answer(client, email: str) -> tuple[int, str, str]:
    """What a visitor sees after registering with ``email``: status, redirect, and the page it leads to."""
    response = Browserless(client).post("/auth/register?lang=en", {**FORM, "email": email})
    location = response.headers.get("Location", "")
    page = client.get(location).get_data(as_text=True) if location else response.get_data(as_text=True)
    # The page names the address typed; apart from it, the two answers must be the same text.
    page = re.sub(r'(name="csrf_token"[^>]*>|nonce="[^"]*")', "", page).replace(email.lower(), "ADDRESS")
    return response.status_code, location, page


@pytest.mark.parametrize("taken", ["aygun@example.az", "AYGUN@Example.AZ", "official@example.az"])
def test_item7_registering_with_a_taken_address_answers_like_a_new_one_and_emails_the_owner(app, client, taken):
    with app.app_context():
        districts = create_reference_data()
        create_user("aygun@example.az", locale="ru")
        create_user("official@example.az", roles=[("official", districts["GNC"])], locale="en")
    new = _answer(app.test_client(), "new.resident@example.az")
    assert new[0] == 302 and new[1].endswith("/auth/registered")
    users = _users(app)
    answer = _answer(client, taken)
    assert answer == new  # status, address and page: nothing tells the two apart
    assert _users(app) == users  # no second account
    assert client.get("/cabinet/").status_code == 302  # and nobody is signed in
    notice = _outbox(app)[-1]
    owner = taken.lower()
    assert (notice.recipient, notice.template) == (owner, "register_taken")
    assert notice.locale == ("ru" if owner.startswith("aygun") else "en")  # in the owner's language
    links = re.findall(r"https?://\S+", notice.body)
    assert {link.split("?")[0].rstrip("/").rsplit("/", 1)[-1] for link in links} == {"login", "reset"}
    assert all(link.startswith(app.config["PUBLIC_URL"].rstrip("/") + "/") for link in links), links


def test_item7_the_owner_hears_of_repeated_attempts_at_most_once_an_hour(app, web, client):
    with app.app_context():
        create_user("aygun@example.az")
    for _ in range(3):
        assert web.post("/auth/register", {**FORM, "email": "aygun@example.az"}).status_code == 302
    assert [m.template for m in _outbox(app)] == ["register_taken"]
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        message.created_at -= timedelta(hours=2)
        db.session.commit()
    web.post("/auth/register", {**FORM, "email": "aygun@example.az"})
    assert [m.template for m in _outbox(app)] == ["register_taken", "register_taken"]


def test_item7_a_taken_address_still_gets_its_form_errors_like_a_new_one(app, web, client):
    with app.app_context():
        create_user("aygun@example.az")
    client.get("/?lang=en")
    for email in ("aygun@example.az", "new@example.az"):
        response = web.post("/auth/register", {**FORM, "email": email, "password": "short1", "password_again": "short1"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "at least 10 characters" in html and "already" not in html
    assert _outbox(app) == [] and _users(app) == 1


def _sign_in_answers(web, email: str, attempts: int) -> list[tuple[int, str]]:
    answers = []
    for _ in range(attempts):
        response = web.post("/auth/login?lang=en", {"email": email, "password": "wrong-password-1"},
                            form_url="/auth/login?lang=en")
        errors = re.findall(r'<div class="error-summary".*?</div>', response.get_data(as_text=True), re.S)
        # The time of the lockout is the moment of the fifth attempt: compare the words, not the minute.
        words = re.sub(r"\d{1,2}[:.]\d{2}(\s?[AP]M)?|\d{1,2}/\d{1,2}/\d{2,4}", "TIME", " ".join(errors))
        answers.append((response.status_code, re.sub(r"\s+", " ", words)))
    return answers


def test_item7_an_unknown_address_at_sign_in_behaves_like_a_known_one_lockout_included(app, client):
    with app.app_context():
        create_user("resident@example.az")
    known = _sign_in_answers(Browserless(app.test_client()), "resident@example.az", 7)
    unknown = _sign_in_answers(Browserless(app.test_client()), "nobody@example.az", 7)
    assert unknown == known
    # Four "not correct", then "locked until …" from the fifth on, for both.
    assert "not correct" in known[0][1] and "not correct" in known[3][1]
    assert all("locked until" in text for _status, text in known[4:]), known


def test_item7_an_unknown_address_is_counted_in_any_letter_case(app, web):
    answers = [_sign_in_answers(web, email, 1)[0][1] for email in
               ("Nobody@example.az", "NOBODY@example.az", "nobody@Example.az", "nobody@example.az", " nobody@example.az")]
    assert "locked until" in answers[4] and "locked until" not in answers[3]


def test_item7_every_sign_in_path_checks_a_password_hash(app, ctx, monkeypatch):
    """Timing: an unknown address, a wrong password, a locked account all spend one password check."""
    create_user("resident@example.az")
    checks = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda stored, given: checks.append(1) or real(stored, given))
    for email in ["nobody@example.az"] + ["resident@example.az"] * 6:
        with pytest.raises(accounts.SignInRefused):
            accounts.authenticate(email, "wrong-password-1")
        assert len(checks) == 1, email  # the sixth attempt on the locked account too
        checks.clear()


def test_item7_registering_a_taken_address_hashes_the_password_too(app, ctx, monkeypatch):
    create_user("aygun@example.az")
    hashed = []
    real = accounts.hash_password
    monkeypatch.setattr(accounts, "hash_password", lambda password: hashed.append(1) or real(password))
    assert accounts.register(full_name="X", email="AYGUN@example.az", password=FORM["password"], consent=True,
                             locale="az") is None
    assert hashed == [1]


def test_item7_the_registered_page_without_a_registration_goes_back_to_the_form(client):
    response = client.get("/auth/registered")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/register")


def test_item7_sign_in_for_unknown_addresses_fails_open_without_its_counter(app):
    """Without Redis the count of an unknown address fails open, like the rate limits: "not correct" every time."""
    from tests.conftest import another_app
    from tests.test_redis_down import DEAD

    with another_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                 "ATTACHMENTS_DIR": app.config["ATTACHMENTS_DIR"], "RATELIMIT_STORAGE_URI": DEAD,
                                 "CACHE_URL": DEAD, "QUEUE_URL": DEAD}) as other:
        answers = _sign_in_answers(Browserless(other.test_client()), "nobody@example.az", 6)
    assert all(status == 422 and "not correct" in text for status, text in answers), answers
