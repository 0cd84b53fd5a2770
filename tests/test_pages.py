"""Every page in every language: renders, has one h1, the right lang, headers and CSRF tokens."""
from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD, create_reference_data, create_user

PUBLIC_PAGES = ["/", "/about", "/accessibility", "/privacy", "/auth/login", "/auth/register", "/auth/reset"]
CITIZEN_PAGES = ["/cabinet/", "/cabinet/profile", "/cabinet/password"]
LANGS = ["az", "ru", "en"]


def check_page(html: str, lang: str) -> None:
    """The common promises of every page."""
    assert f'<html lang="{lang}">' in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert 'href="#main"' in html and 'id="main"' in html
    # No inline script: every <script> has a src.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html
    # Every form posting data carries a CSRF token.
    for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S):
        assert re.search(r'name="([\w]+-)?csrf_token"', form)
    # Nothing loads from elsewhere.
    assert not re.search(r'(src|href)="(https?:)?//', html)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages(client, path, lang):
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200
    check_page(response.get_data(as_text=True), lang)


@pytest.mark.parametrize("lang", LANGS)
def test_cabinets(app, web, client, lang):
    with app.app_context():
        districts = create_reference_data()
        create_user()
        create_user("official@example.az", roles=[("official", districts["GNC"])])
    web.login("resident@example.az", PASSWORD)
    for path in CITIZEN_PAGES:
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 200, path
        check_page(response.get_data(as_text=True), lang)
    web.post("/auth/logout", {}, form_url="/cabinet/")
    web.login("official@example.az", PASSWORD)
    response = client.get(f"/office/?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    check_page(html, lang)
    assert {"az": "Gəncə", "ru": "Гянджа", "en": "Ganja"}[lang] in html


@pytest.mark.parametrize("lang", LANGS)
def test_error_pages_speak_the_visitors_language(client, lang):
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404
    check_page(response.get_data(as_text=True), lang)
    response = client.post(f"/auth/login?lang={lang}", data={"email": "a@b.az", "password": "x"})
    assert response.status_code == 400
    check_page(response.get_data(as_text=True), lang)


@pytest.mark.parametrize("lang", LANGS)
def test_unhandled_errors_render_the_500_page(client, lang):
    response = client.get(f"/_test/crash?lang={lang}")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "boom" not in html and "Traceback" not in html
    check_page(html, lang)


def test_security_headers_on_every_response(client):
    for path in ["/", "/no-such-page", "/healthz", "/static/css/site.css"]:
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_signed_in_pages_are_not_cached(app, web, client):
    with app.app_context():
        create_user()
    web.login("resident@example.az", PASSWORD)
    assert client.get("/cabinet/").headers["Cache-Control"] == "private, no-store"


def test_session_cookie_is_httponly_and_samesite(app, web):
    with app.app_context():
        create_user()
    response = web.login("resident@example.az", PASSWORD)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_healthz_says_the_process_is_alive_and_readyz_that_it_can_serve(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json()["ready"] is True


def test_home_lists_the_districts_in_the_chosen_language(app, client):
    with app.app_context():
        create_reference_data()
    assert "Şəki" in client.get("/?lang=az").get_data(as_text=True)
    assert "Шеки" in client.get("/?lang=ru").get_data(as_text=True)
    assert "Shaki" in client.get("/?lang=en").get_data(as_text=True)


def test_home_page_runs_at_most_five_sql_statements(app, web, client, count_queries):
    with app.app_context():
        create_reference_data()
        create_user()
    client.get("/")
    with count_queries() as visitor:
        assert client.get("/").status_code == 200
    web.login("resident@example.az", PASSWORD)
    client.get("/")
    with count_queries() as resident:
        assert client.get("/").status_code == 200
    assert visitor.count <= 5, visitor.statements
    assert resident.count <= 5, resident.statements


@pytest.mark.parametrize("path", [
    "/cabinet/appeals/99999999999999999999", "/office/appeals?page=99999999999999999999",
    "/accountability/?category=99999999999999999999", "/services/?district=99999999999999999999",
    "/appeals/public/GNC?page=99999999999999999999", "/reception/sessions/4294967296",
    "/accountability/GNC?code=GNC&lang=ru",
])
def test_what_scanners_send_is_never_a_server_error(app, web, client, path):
    with app.app_context():
        districts = create_reference_data()
        create_user("official@example.az", roles=[("official", districts["GNC"])])
    web.login("official@example.az", PASSWORD)
    assert client.get(path).status_code in (200, 302, 400, 404)
