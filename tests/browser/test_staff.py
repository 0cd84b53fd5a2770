"""Staff accounts in the browser: an administrator invites an official of Gəncə, the official accepts from the
emailed link, sets up two-factor sign-in, signs in with it and sees Gəncə's inbox only; the administrator
deactivates them and their open page stops working. Every page has no axe violation in az, ru and en."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, User
from tests.browser.test_accessibility import LANGS, assert_accessible, sign_in, sign_in_by_form
from tests.factories import create_appeal, create_reference_data, create_user
from tests.snapshots import replayed

NEW_PASSWORD = "Təzə-Açar-Söz-2026"


@pytest.fixture
def office(app):
    """An administrator (two-factor set up with the factories' secret); an appeal in Gəncə and one in Masallı.
    Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser staff: office", _build_office)


def _build_office():
    districts = create_reference_data()
    create_user("admin@example.az", full_name="Tural Kərimov", roles=[("admin", None)])
    resident = create_user("resident@example.az")
    return {"gnc": districts["GNC"].id, "gnc_number": create_appeal(resident, districts["GNC"]).number,
            "msl_number": create_appeal(resident, districts["MSL"]).number}


def invitation_path(app, email: str) -> str:
    """The invitation link of the last email to ``email``, read from the outbox (the dev mail log), without the
    language the email adds (``?lang=``): the tests choose the language themselves."""
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == email)
                                  .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"https?://[^/\s]+(/auth/invitation/[^\s?]+)", body).group(1)


def invite(page, email: str, district_id: int) -> None:
    page.goto("/admin/users/invite?lang=en")
    page.fill("#full_name", "Kamran Nəbiyev")
    page.fill("#email", email)
    page.select_option("#locale", "en")
    page.select_option("#roles-0-role", "official")
    page.select_option("#roles-0-district_id", str(district_id))
    page.click("#submit")
    page.wait_for_load_state()


def type_code(page, secret: str) -> None:
    """Type the app's code, or the next one when the current was just used (set-up and sign-in in one step)."""
    totp = pyotp.TOTP(secret)
    for code in (totp.now(), totp.at(time.time() + 30)):
        page.fill("#code", code)
        page.click("#submit")
        page.wait_for_load_state()
        if not page.locator("#code-error").count():
            return


def test_invite_accept_two_factor_sign_in_and_deactivation(page, other_window, app, office):
    sign_in(page, "admin@example.az")
    invite(page, "kamran@example.az", office["gnc"])
    assert "The invitation is sent" in page.locator(".flashes").inner_text()
    admin_page_url = page.url

    official = other_window("en-GB")
    official.goto(invitation_path(app, "kamran@example.az"))
    official.fill("#password", NEW_PASSWORD)
    official.fill("#password_again", NEW_PASSWORD)
    official.click("#submit")
    official.wait_for_load_state()
    assert official.url.split("?")[0].endswith("/auth/login")

    # First sign-in with the password only; the official chooses two-factor sign-in in the personal cabinet.
    sign_in_by_form(official, "kamran@example.az", NEW_PASSWORD)
    official.goto("/cabinet/?lang=en")
    official.click("text=Two-factor sign-in")
    with official.expect_navigation():
        official.click("text=Set up two-factor sign-in")
    assert official.locator(".qr-code svg").is_visible()
    secret = official.locator(".totp-secret").inner_text().replace(" ", "")
    type_code(official, secret)
    assert official.locator(".recovery-codes li").count() == 10
    official.click("text=Sign out")

    # Signing in now asks for the code; the inbox then shows Gəncə's appeals only.
    official.goto("/auth/login")
    official.fill("#email", "kamran@example.az")
    official.fill("#password", NEW_PASSWORD)
    official.click("#submit")
    official.wait_for_load_state()
    assert official.url.endswith("/auth/two-factor")
    type_code(official, secret)
    assert official.url.endswith("/office/")
    official.goto("/office/appeals?status=all")
    inbox = official.content()
    assert office["gnc_number"] in inbox and office["msl_number"] not in inbox

    # The administrator deactivates the official: their open session stops on its next request.
    page.goto(admin_page_url)
    page.click("text=Deactivate the account")
    assert "deactivated" in page.locator(".flashes").inner_text()
    official.goto("/office/appeals")
    assert "/auth/login" in official.url
    with app.app_context():
        assert not db.session.scalar(select(User).where(User.email == "kamran@example.az")).active


@pytest.mark.parametrize("lang", LANGS)
def test_every_staff_page_has_no_axe_violation(page, other_window, app, office, lang):
    sign_in(page, "admin@example.az")
    for path in ["/admin/", "/admin/users", "/admin/users/invite", "/auth/two-factor/account"]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    # The invitation sent with a national role scoped to a district: errors beside the fields and a summary.
    page.goto(f"/admin/users/invite?lang={lang}")
    page.select_option("#roles-0-role", "supervisor")
    page.select_option("#roles-0-district_id", str(office["gnc"]))
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator(".error-summary").is_visible() and page.locator("#roles-0-district_id-error").is_visible()
    assert page.locator("#email-error").is_visible()
    assert_accessible(page, lang)

    page.goto(f"/admin/users/invite?lang={lang}")
    page.fill("#full_name", "Kamran Nəbiyev")
    page.fill("#email", "kamran@example.az")
    page.select_option("#roles-0-role", "official")
    page.select_option("#roles-0-district_id", str(office["gnc"]))
    page.click("#submit")
    page.wait_for_load_state()
    assert "/admin/users/" in page.url
    page.goto(f"{page.url.split('?')[0]}?lang={lang}")
    assert_accessible(page, lang)
    page.goto(f"/admin/users?role=official&lang={lang}")
    assert_accessible(page, lang)

    official = other_window("az-AZ")
    link = invitation_path(app, "kamran@example.az")
    official.goto(f"{link}?lang={lang}")
    assert_accessible(official, lang)
    official.fill("#password", "short")
    official.fill("#password_again", "other")
    with official.expect_navigation():
        official.click("#submit")
    assert official.locator(".error-summary").is_visible()
    assert_accessible(official, lang)
    official.fill("#password", NEW_PASSWORD)
    official.fill("#password_again", NEW_PASSWORD)
    official.click("#submit")
    official.wait_for_load_state()
    official.goto(f"{link}?lang={lang}")  # used twice: refused with the reason
    assert_accessible(official, lang)

    sign_in(official, "kamran@example.az", NEW_PASSWORD)
    for path in ["/auth/two-factor/account", "/auth/two-factor/setup"]:
        official.goto(f"{path}?lang={lang}")
        assert_accessible(official, lang)
    official.fill("#code", "12")
    with official.expect_navigation():
        official.click("#submit")
    assert official.locator("#code-error").is_visible()
    assert_accessible(official, lang)
    type_code(official, official.locator(".totp-secret").inner_text().replace(" ", ""))
    assert official.locator(".recovery-codes li").count() == 10
    assert_accessible(official, lang)
    official.goto(f"/auth/two-factor/account?lang={lang}")
    assert_accessible(official, lang)

    # The second step of signing in, with a wrong code.
    other = other_window("az-AZ")
    other.goto(f"/auth/login?lang={lang}")
    other.fill("#email", "admin@example.az")
    other.fill("#password", "Kitab-Qələm-2026")
    other.click("#submit")
    other.wait_for_load_state()
    assert_accessible(other, lang)
    other.fill("#code", "000000" if pyotp.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").now() != "000000" else "111111")
    with other.expect_navigation():
        other.click("#submit")
    assert other.locator("#code-error").is_visible()
    assert_accessible(other, lang)
