"""Hosts (issue 15, item 1): production answers only the hosts it serves and never trusts X-Forwarded-Host."""
from __future__ import annotations

import pytest

from tests.conftest import another_app
from tests.factories import PRODUCTION_SETTINGS


@pytest.fixture
def production(app):
    with another_app("production", {**PRODUCTION_SETTINGS, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                    "RATELIMIT_STORAGE_URI": "memory://", "SESSION_COOKIE_SECURE": False}) as other:
        yield other


def test_email_links_take_no_host_from_the_request_when_a_foreign_host_is_refused(production):
    client = production.test_client()
    refused = client.get("/auth/reset?lang=en", headers={"Host": "evil.example"})
    # The portal's own 400 page, in the visitor's language, before any view runs.
    assert refused.status_code == 400 and 'class="error-code"' in refused.get_data(as_text=True)
    assert client.get("/", headers={"Host": "portal.example.az"}).status_code == 200
    # Its own proxy and health checks reach it by the loopback names.
    assert client.get("/healthz", headers={"Host": "127.0.0.1:8101"}).status_code == 200


def test_x_forwarded_host_is_not_trusted(production):
    client = production.test_client()
    page = client.get("/", headers={"Host": "portal.example.az", "X-Forwarded-Host": "evil.example",
                                    "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert page.status_code == 200 and "evil.example" not in page.get_data(as_text=True)


def test_trusted_hosts_can_be_listed_explicitly(app):
    with another_app("production", {**PRODUCTION_SETTINGS, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                    "TRUSTED_HOSTS": ["icra.gov.az", ".icra.gov.az"],
                                    "RATELIMIT_STORAGE_URI": "memory://"}) as listed:
        client = listed.test_client()
        assert client.get("/healthz", headers={"Host": "gnc.icra.gov.az"}).status_code == 200
        assert client.get("/healthz", headers={"Host": "portal.example.az"}).status_code == 400
