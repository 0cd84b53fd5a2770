"""Checking a result document on /verify: the five facts for a genuine code, a plain 'no' otherwise, a rate limit."""
from __future__ import annotations

import pytest

from app.eservices import documents
from tests.eservices.test_documents import create_issued_application
from tests.test_pages import check_page

LANGS = ["az", "ru", "en"]
FACTS = {
    "az": ["Yaşayış yeri haqqında arayış", "Gəncə", "3 mart 2026"],
    "ru": ["Справка с места жительства", "Гянджа", "3 марта 2026"],
    "en": ["Certificate of residence", "Ganja", "3 March 2026"],
}


@pytest.fixture
def code(app) -> str:
    """The verification code of Aygün Həsənova's issued certificate from Gəncə."""
    with app.app_context():
        return create_issued_application().verification_code


def changed(code: str) -> str:
    """``code`` with its last symbol replaced by another valid one: well formed, but no document's."""
    return code[:-1] + ("A" if code[-1] != "A" else "B")


@pytest.mark.parametrize("lang", LANGS)
def test_the_form_has_one_code_field_sent_by_get(client, lang):
    response = client.get(f"/verify/?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    check_page(html, lang)
    assert 'method="get"' in html and 'name="code"' in html and 'for="code"' in html
    assert "csrf_token" not in html.split("<main", 1)[1]
    assert client.get("/verify").status_code == 308  # the address without the slash leads to the form


@pytest.mark.parametrize("lang", LANGS)
def test_a_genuine_code_shows_the_five_facts_and_nothing_personal(client, code, lang):
    for address in [f"/verify/{code}?lang={lang}", f"/verify/?code={code.lower().replace('-', '+')}&lang={lang}"]:
        response = client.get(address)
        assert response.status_code == 200, address
        html = response.get_data(as_text=True)
        check_page(html, lang)
        for fact in [*FACTS[lang], "SRV-2026-000001", "A. H."]:
            assert fact in html, (address, fact)
        for private in ["Aygün", "Həsənova", "+994", "aygun@example.az", "Nizami", "resident@example.az"]:
            assert private not in html, (address, private)
        assert 'class="verdict verdict-genuine"' in html


@pytest.mark.parametrize("lang", LANGS)
def test_a_changed_code_is_plainly_unknown(client, code, lang):
    wrong = changed(code)
    for address in [f"/verify/{wrong}?lang={lang}", f"/verify/?code={wrong}&lang={lang}"]:
        response = client.get(address)
        assert response.status_code == 404, address
        html = response.get_data(as_text=True)
        check_page(html, lang)
        assert wrong in html and "verdict-unknown" in html and "SRV-2026-000001" not in html
        assert 'name="code"' in html  # the form, to try again
    english = client.get(f"/verify/{wrong}?lang=en").get_data(as_text=True)
    assert f'No document with the code <span class="verify-code">{wrong}</span> exists.' in english


def test_an_unissued_document_is_unknown(app, client):
    with app.app_context():
        pending = create_issued_application(status="approved").verification_code
    assert client.get(f"/verify/{pending}").status_code == 404


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("typed", ["", "   ", "ABC", "K7QM-2XWD-9FJH-RT4P-8CN0", "<script>"])
def test_an_empty_or_malformed_code_is_refused_beside_the_field(client, lang, typed):
    response = client.get("/verify/", query_string={"code": typed, "lang": lang})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    check_page(html, lang)
    assert 'id="code-error"' in html and 'aria-invalid="true"' in html and 'href="#code"' in html
    assert "<script>" not in html.split("<main", 1)[1]


def test_a_malformed_code_in_the_address_is_refused_too(client):
    response = client.get("/verify/not-a-code?lang=en")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="code-error"' in html and 'value="not-a-code"' in html
    assert "20 letters and digits" in html


@pytest.mark.parametrize("lang", LANGS)
def test_checks_are_rate_limited_in_the_visitors_language(app, client, code, lang):
    client.get(f"/?lang={lang}")
    app.config["RATELIMIT_VERIFY"] = "3 per minute"
    try:
        # The form and the answers share one budget per client address.
        statuses = [client.get(address).status_code for address in
                    ["/verify/", f"/verify/{code}", f"/verify/?code={changed(code)}", f"/verify/{code}"]]
        blocked = client.get(f"/verify/?code={code}")
    finally:
        app.config["RATELIMIT_VERIFY"] = "30 per minute"
    assert statuses == [200, 200, 404, 429]
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    check_page(html, lang)
    assert "SRV-2026-000001" not in html
    assert 'class="error-code"' in html


def test_the_default_limit_lets_a_person_check_thirty_times_a_minute(client, code):
    assert all(client.get(f"/verify/{code}").status_code == 200 for _ in range(30))
    assert client.get(f"/verify/{code}").status_code == 429


def test_the_documents_qr_link_opens_the_answer(app, client):
    with app.test_request_context():
        application = create_issued_application()
        url = documents.verification_url(application.verification_code)
    assert url.startswith("https://portal.example.az/verify/")
    assert client.get(url.removeprefix("https://portal.example.az")).status_code == 200
