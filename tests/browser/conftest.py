"""Browser fixtures: the app served on a local port, one Chromium per session.

Chromium is Debian's (/usr/bin/chromium), launched by path: Playwright downloads
nothing. With CI set a missing browser fails the run; elsewhere the browser
tests skip with a line saying how to install it.
"""
from __future__ import annotations

import functools
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.browser import AXE_PATH

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
INSTALL_HINT = "install Debian's Chromium to run the browser tests: apt-get install chromium"
AXE_HINT = "install axe-core for the browser tests: make test does it (npm ci in tests/browser)"

# Flags for a headless browser on a machine with no outside network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


# The served app and its address, for helpers that take only a page (tests/browser/test_accessibility.py's sign_in).
SERVED: dict = {}


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app served by a real HTTP server on a free local port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    SERVED.update(app=app, url=f"http://127.0.0.1:{server.server_port}")
    yield SERVED["url"]
    server.shutdown()


@pytest.fixture(autouse=True)
def _emails_link_to_the_live_server(app, live_server):
    """Emails link to ``PUBLIC_URL``: during a browser test that is the live server, so its links can be followed."""
    public = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server
    yield
    app.config["PUBLIC_URL"] = public


@functools.cache
def axe_source() -> str:
    """axe-core's source, to run in a page (``assert_accessible`` in tests/browser/test_accessibility.py)."""
    return AXE_PATH.read_text(encoding="utf-8")


def _missing(what: str, hint: str) -> None:
    """A tool the browser tests need is missing: CI fails, a developer's run skips them with how to install it."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: {hint}")
    pytest.skip(hint)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _missing(f"Chromium ({CHROMIUM})", INSTALL_HINT)
    if not AXE_PATH.exists():
        _missing(f"axe-core ({AXE_PATH})", AXE_HINT)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# A page's size unless a test sets another (Playwright's default).
VIEWPORT = {"width": 1280, "height": 720}


class Tab:
    """One browser page kept for the tests that follow each other, put back to a blank state between them.

    A new browser context and page cost Chromium about half a second of processor each (its renderer process
    started, Playwright's set-up of the page: measured 0.65 core-s per new page against 0.16 for a navigation),
    about 8 % of the browser tests' work when every test had its own. Between tests the page goes to ``about:blank``
    (no script of the last page keeps running), the cookies and the browser's cache are emptied (no sign-in, no
    page held from another test's data) and the size is put back; a test that failed gets a new context, so that
    nothing it left behind can touch the next one."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser, self.base_url = browser, base_url
        self.page = None
        self._cdp = None  # the page's DevTools session, for emptying the browser's cache

    def clean(self):
        """The page, blank, with no cookies and an empty cache."""
        if self.page is None or self.page.is_closed():
            self.renew()
        return self.page

    def reset(self) -> None:
        """Put the page back after a test that passed."""
        page = self.page
        if page.is_closed():
            return self.renew()
        for other in page.context.pages:  # a window a link opened
            if other is not page:
                other.close()
        page.goto("about:blank")
        page.context.clear_cookies()
        self._cdp.send("Network.clearBrowserCache")
        if page.viewport_size != VIEWPORT:
            page.set_viewport_size(VIEWPORT)

    def renew(self) -> None:
        """A new context and page (the first time, and after a failed test)."""
        self.close()
        context = self.browser.new_context(base_url=self.base_url, locale="az-AZ", viewport=VIEWPORT)
        context.set_default_timeout(10_000)
        self.page = context.new_page()
        self._cdp = context.new_cdp_session(self.page)

    def close(self) -> None:
        if self.page is not None:
            self.page.context.close()
            self.page = None


@pytest.fixture
def other_window(browser, live_server):
    """Open another person's browser window (its own context: its own cookies and cache) with
    ``other_window(locale)``; every one a test opened is closed after it, whether it passed or failed."""
    opened = []

    def open_window(locale: str = "az-AZ", **options):
        context = browser.new_context(base_url=live_server, locale=locale, **options)
        opened.append(context)
        return context.new_page()

    yield open_window
    for context in opened:
        context.close()


@pytest.fixture(scope="session")
def _tab(browser, live_server):
    tab = Tab(browser, live_server)
    yield tab
    tab.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report kept on the test, for ``page`` to know whether its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(_tab, request):
    """A blank page with no cookies for each test (no shared sign-in or cache; see ``Tab``)."""
    yield _tab.clean()
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed:
        _tab.renew()
    else:
        _tab.reset()
