"""Redis down: pages keep being served; rate limits fail open (the documented choice); the news cache is a miss."""
from __future__ import annotations

import pytest

from tests.conftest import Browserless, another_app
from tests.factories import PASSWORD, create_reference_data, create_user

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused at once


@pytest.fixture
def no_redis(app):
    """An app on the session's database whose Redis (rate limits, news cache, queue) does not answer."""
    with another_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                 "ATTACHMENTS_DIR": app.config["ATTACHMENTS_DIR"], "RATELIMIT_STORAGE_URI": DEAD,
                                 "CACHE_URL": DEAD, "QUEUE_URL": DEAD, "RATELIMIT_AUTH": "2 per hour"}) as other:
        yield other


def test_pages_and_sign_in_go_on_without_redis_and_limits_fail_open(no_redis):
    with no_redis.app_context():
        create_reference_data()
        create_user()
    client = no_redis.test_client()
    for path in ("/", "/news/", "/appeals/public/GNC", "/accountability/", "/auth/login"):
        assert client.get(path).status_code == 200, path
    web = Browserless(client)
    # Fail open: more sign-ins than the limit allows all get an answer (wrong password: the form again), none a
    # 429 or a 500. A limit that cannot be counted is no reason to lock residents out of their cabinet.
    for _ in range(4):
        assert web.post("/auth/login", {"email": "resident@example.az", "password": "wrong-" * 3}).status_code == 422
    response = web.login("resident@example.az", PASSWORD)
    assert response.status_code == 302 and client.get("/cabinet/").status_code == 200
