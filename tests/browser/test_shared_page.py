"""The page the browser tests share (``Tab`` in tests/browser/conftest.py) comes back to each test as if new: no
cookies, no page of the last test, nothing from its cache, the default size, one window."""
from __future__ import annotations

from tests.browser.conftest import VIEWPORT, Tab


def test_a_reset_page_keeps_nothing_of_the_test_before(browser, live_server):
    tab = Tab(browser, live_server)
    try:
        page = tab.clean()
        page.goto("/about")
        assert "if-none-match" in _asked_for_about(page)  # the browser keeps the page and asks whether it changed
        page.context.add_cookies([{"name": "session", "value": "someone", "url": live_server}])
        page.set_viewport_size({"width": 375, "height": 600})
        with page.expect_popup():
            page.evaluate("window.open('/privacy')")
        assert len(page.context.pages) == 2

        tab.reset()
        again = tab.clean()
        assert again is page  # the same page, not a new one (that is the point)
        assert again.url == "about:blank"
        assert again.context.cookies() == []
        assert again.viewport_size == VIEWPORT
        assert again.context.pages == [again]
        assert "if-none-match" not in _asked_for_about(again)  # nothing kept from before: the cache was emptied
    finally:
        tab.close()


def test_after_a_failed_test_the_next_one_gets_a_new_context(browser, live_server):
    tab = Tab(browser, live_server)
    try:
        first = tab.clean()
        tab.renew()  # what the ``page`` fixture does when its test failed
        second = tab.clean()
        assert second is not first and first.is_closed()
        assert second.context is not first.context and second.context.cookies() == []
    finally:
        tab.close()


def _asked_for_about(page) -> dict[str, str]:
    """The headers the browser sent when it loaded /about."""
    with page.expect_request(lambda request: request.url.split("?")[0].endswith("/about")) as asked:
        page.goto("/about")
    return asked.value.all_headers()
