"""Browser tests: Debian's Chromium driven by Playwright, pages checked with axe-core."""
from pathlib import Path

# axe-core, the accessibility engine the pages are checked with: the npm package tests/browser/package-lock.json pins
# (make test installs it). Nothing is fetched while the tests run.
AXE_PATH = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# Where the tests' app serves it (tests/conftest.py), on the pages' own origin.
AXE_URL = "/_test/axe.js"
