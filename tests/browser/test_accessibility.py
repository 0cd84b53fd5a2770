"""Every page of the foundation, in az, ru and en, has zero axe violations (WCAG 2.1 A/AA)."""
from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser import AXE_URL
from tests.browser.conftest import axe_source
from tests.factories import PASSWORD, TOTP_SECRET, create_reference_data, create_user
from tests.snapshots import replayed

LANGS = ["az", "ru", "en"]
# Only the violations are collected in full (passes and the rest would carry every node checked, a large answer
# to build for nothing).
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}
# In the page: axe-core's violations (only they cross back to the test), or null when axe-core is not loaded in this
# document yet.
RUN_AXE = "options => window.axe ? axe.run(document, options).then(results => results.violations) : null"

PUBLIC = ["/", "/about", "/accessibility", "/privacy", "/auth/login", "/auth/register", "/auth/reset", "/no-such-page"]
CITIZEN = ["/cabinet/", "/cabinet/profile", "/cabinet/password", "/cabinet/sessions", "/office/"]


def assert_accessible(page, lang: str) -> None:
    """The loaded page is in ``lang`` and axe finds no violation."""
    # A click that submits a form returns once the answer has begun to arrive, not once it is parsed: axe on a
    # half-parsed page would pass or fail by chance.
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == lang
    violations = page.evaluate(RUN_AXE, WCAG)
    if violations is None:
        try:
            page.add_script_tag(url=AXE_URL)
        except PlaywrightError:  # a page whose policy runs no script of its own origin: the source itself
            page.evaluate(axe_source())
        violations = page.evaluate(RUN_AXE, WCAG)
    assert violations == [], f"{page.url}\n{axe_report(violations)}"


def axe_report(violations: list[dict]) -> str:
    """axe-core's violations, one paragraph each: the rule, its impact and help, and every element that breaks it."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  {' '.join(map(str, node['target']))}: {node['html']}")
            lines.append("    " + (node.get("failureSummary") or "").replace("\n", "\n    "))
    return "\n".join(lines)


def sign_in(page, email: str, password: str = PASSWORD, totp_secret: str | None = None) -> None:
    """Sign ``page``'s browser in as ``email``: the password (and, when the portal asks for it, a code of
    ``totp_secret``, by default the factories' ``TOTP_SECRET``) sent through the app's test client, and the session
    cookie it got handed to the browser.

    The forms themselves are walked in the browser where they are the subject (``sign_in_by_form``, the journeys,
    the staff's two-factor tests); everywhere else a sign-in is the way to a page, and drawing the sign-in pages in
    Chromium for it was a tenth of the browser tests' time. The session is bound to the address and the browser
    (Flask-Login's strong protection), so the test client sends the browser's own User-Agent from 127.0.0.1."""
    from tests.browser.conftest import SERVED
    from tests.conftest import Browserless

    app, base = SERVED["app"], SERVED["url"]
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=page.evaluate("navigator.userAgent"), REMOTE_ADDR="127.0.0.1")
    response = Browserless(client).login(email, password, totp_secret)
    assert response.status_code == 302 and "/auth/" not in response.headers["Location"], f"{email} not signed in"
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    page.context.add_cookies([{"name": name, "value": cookie.value, "url": base, "httpOnly": True,
                               "sameSite": "Lax"}])


def sign_in_by_form(page, email: str, password: str = PASSWORD, totp_secret: str | None = None) -> None:
    """Sign in by typing into the sign-in page; when the portal asks for a second factor, type the code of
    ``totp_secret`` (by default the factories' ``TOTP_SECRET``), the next one if the current was just used."""
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()
    totp = pyotp.TOTP(totp_secret or TOTP_SECRET)
    for code in (totp.now(), totp.at(time.time() + 30)):
        if not page.url.split("?")[0].endswith("/auth/two-factor"):
            break
        page.fill("#code", code)
        page.click("#submit")
        page.wait_for_load_state()


@pytest.fixture
def people(app):
    """Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser accessibility: people", _build_people)


def _build_people():
    districts = create_reference_data()
    create_user("resident@example.az")
    create_user("official@example.az", roles=[("official", districts["GNC"]), ("head", districts["GNC"])])


@pytest.mark.parametrize("lang", LANGS)
def test_public_pages_and_errors(page, lang, people):
    for path in PUBLIC:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    page.goto(f"/_test/crash?lang={lang}")
    assert_accessible(page, lang)
    # A form sent without its CSRF token: the 400 page.
    page.goto(f"/auth/login?lang={lang}")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    page.fill("#email", "resident@example.az")
    page.fill("#password", PASSWORD)
    page.click("input[type=submit]")
    assert page.locator(".error-code").inner_text().endswith("400")
    assert_accessible(page, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_forms_with_errors(page, lang, people):
    page.goto(f"/auth/register?lang={lang}")
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#full_name-error").is_visible()
    assert_accessible(page, lang)
    page.goto(f"/auth/login?lang={lang}")
    page.fill("#email", "resident@example.az")
    page.fill("#password", "not-the-password")
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_cabinets(page, lang, people):
    sign_in(page, "resident@example.az")
    for path in CITIZEN[:-1]:
        page.goto(f"{path}?lang={lang}")
        assert_accessible(page, lang)
    page.goto(f"/office/?lang={lang}")  # a resident in the office: the 403 page
    assert page.locator(".error-code").inner_text().endswith("403")
    assert_accessible(page, lang)
    page.context.clear_cookies()
    sign_in(page, "official@example.az")
    page.goto(f"/office/?lang={lang}")
    assert_accessible(page, lang)


def test_reset_password_page(page, app, people):
    with app.test_request_context():
        from app.accounts import service as accounts
        from app.kit.tokens import make_token

        user = accounts.find_by_email("resident@example.az")
        token = make_token("reset", {"uid": user.id, "fp": accounts._reset_fingerprint(user)})
    for lang in LANGS:
        page.goto(f"/auth/reset/{token}?lang={lang}")
        assert page.locator("#password").is_visible()
        assert_accessible(page, lang)
