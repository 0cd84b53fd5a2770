"""Checking a document in the browser: the form, a genuine answer and an unknown code pass axe in az, ru and en."""
from __future__ import annotations

import pytest

from tests.browser.test_accessibility import LANGS, assert_accessible
from tests.eservices.test_documents import create_issued_application
from tests.snapshots import replayed


@pytest.fixture
def code(app) -> str:
    """The verification code of an issued certificate. Built once, then put back (tests/snapshots.py)."""
    with app.app_context():
        return replayed("browser verify: code", _build_code)


def _build_code() -> str:
    return create_issued_application().verification_code


@pytest.mark.parametrize("lang", LANGS)
def test_every_verification_page_has_no_axe_violation(page, code, lang):
    page.goto(f"/verify/?lang={lang}")
    assert_accessible(page, lang)

    # Typed as people type it: lower case, spaces for dashes.
    page.fill("#code", code.lower().replace("-", " "))
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator(".verdict-genuine").is_visible()
    assert "A. H." in page.locator(".verdict-genuine").inner_text()
    assert_accessible(page, lang)

    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    page.goto(f"/verify/{wrong}")
    assert page.locator(".verdict-unknown").is_visible()
    assert page.input_value("#code") == wrong
    assert_accessible(page, lang)

    page.fill("#code", "")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("#code-error").is_visible() and page.locator(".error-summary").is_visible()
    assert_accessible(page, lang)
