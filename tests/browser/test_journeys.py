"""A new resident's first visit, as a person would do it in the browser."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, User


def test_new_resident_registers_confirms_and_signs_back_in(page, app):
    page.goto("/?lang=en")
    page.click("text=Register")
    page.fill("#full_name", "Aygün Həsənova")
    page.fill("#email", "aygun@example.az")
    page.fill("#password", "short")
    page.fill("#password_again", "short")
    page.click("input[type=submit]")
    # The error is beside the field, the form keeps what was typed, nothing is stored.
    assert "at least 10 characters" in page.locator("#password-error").inner_text()
    assert page.input_value("#email") == "aygun@example.az"
    with app.app_context():
        assert db.session.scalar(select(User)) is None

    page.fill("#password", "Kitab-Qələm-2026")
    page.fill("#password_again", "Kitab-Qələm-2026")
    page.check("#consent")
    page.click("input[type=submit]")
    # Registering signs nobody in: the same "check your email" answer whether or not the address had an account.
    assert page.locator("h1").inner_text() == "Check your email"
    assert "aygun@example.az" in page.locator("main").inner_text()

    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body))
    link = re.search(r"https?://\S+/auth/confirm/\S+", body).group(0)
    page.goto(link)
    # Confirmed: the sign-in page says so.
    assert page.locator("#email").is_visible()

    page.goto("/?lang=ru")
    page.click("text=Войти")
    page.fill("#email", "AYGUN@example.az")
    page.fill("#password", "Kitab-Qələm-2026")
    page.click("input[type=submit]")
    # The language chosen on the page (Russian) is kept on sign-in and saved to the profile (issue 17), not the
    # English the resident registered in.
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("h1").inner_text() == "Личный кабинет"
    with app.app_context():
        assert db.session.scalar(select(User.locale)) == "ru"
    assert page.locator(".notice").count() == 0  # the address is confirmed: no "confirm your email" notice
