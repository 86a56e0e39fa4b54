"""Playwright in Debian's Chromium (never a downloaded browser) against a real `sunset serve`.

Without /usr/bin/chromium the browser tests are skipped, unless CI_REQUIRE_POSTGRES=1 says this
run must test everything: then they fail. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from tests.web.served import Served, serve
from tests.web.world import publish_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Generous: on two busy cores the server's first chart (matplotlib, statsmodels) takes seconds.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium, the system's own."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests"
        if os.environ.get("CI_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (CI_REQUIRE_POSTGRES=1: they are required)", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield found
        finally:
            found.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A running server on a seeded SQLite file, with notices and month-ends recorded."""
    folder = tmp_path_factory.mktemp("e2e")
    for served in serve(f"sqlite:///{folder}/e2e.db", folder):
        publish_world(served.engine)
        yield served


@pytest.fixture
def page(browser: Browser, site: Served) -> Iterator[Page]:
    """A fresh browser context (no cookies) in English, on the served site."""
    context = browser.new_context(base_url=site.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def shot() -> Iterator[object]:
    """Save a screenshot of a page as test-artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    yield take
