"""Browser-test fixtures: headless Debian Chromium driven by Playwright against live_server.

A missing chromium fails these tests; set TRACKER_BROWSER_TESTS=0 to skip them instead (for a
machine without chromium). Run only them with `pytest -m browser`."""

import os

import pytest

from projects.tests.browser.helpers import CHROMIUM_ARGS, require_chromium

# Playwright's sync API runs an asyncio loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told it is safe (the test thread is synchronous code).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A fresh browser context per test, on the live server, asking for Chinese first. Requests
    that leave the live server (a CDN, anything on the internet) are recorded in
    `page.outside_requests` and aborted: district intranets have none."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.outside_requests = []

    def guard(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            page.outside_requests.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    try:
        yield page
    finally:
        context.close()
