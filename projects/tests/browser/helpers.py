"""Helpers for browser tests (Playwright driving Debian's headless Chromium), reusable by any
page's test:

    from projects.tests.browser.helpers import login, screenshot

    def test_something(page, office):
        login(page, "office", "pw-office-123")     # through the admin login form
        page.goto("/admin/...")
        screenshot(page, "something")              # artifacts/screenshots/something.png

Fixtures (conftest.py): `browser` (one Chromium per session) and `page` (a fresh context per test,
pointed at pytest-django's live_server; Chinese first, like the district's users)."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable():
    """Debian's chromium, or None. Browser tests fail without it unless TRACKER_BROWSER_TESTS=0."""
    return shutil.which("chromium")


def browser_tests_disabled():
    return os.environ.get("TRACKER_BROWSER_TESTS", "1") == "0"


def require_chromium():
    """The chromium executable; a missing chromium fails the test, or skips it when
    TRACKER_BROWSER_TESTS=0 says browser tests are off on this machine."""
    executable = chromium_executable()
    if executable is None:
        if browser_tests_disabled():
            pytest.skip("chromium is not installed and TRACKER_BROWSER_TESTS=0: browser tests skipped")
        pytest.fail("chromium is not installed: apt-get install chromium (python3 dev.py test installs it); "
                    "set TRACKER_BROWSER_TESTS=0 to skip the browser tests", pytrace=False)
    return executable


def password_of(username):
    """The password conftest.make_user gives a persona."""
    return f"pw-{username}-123"


def login(page, username, password=None):
    """Logs in through the admin login form and waits for the page after it; fails with the
    form's error when the login is refused."""
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password if password is not None else password_of(username))
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
    if "/admin/login/" in page.url:
        errors = page.locator(".errornote, .errorlist").all_inner_texts()
        raise AssertionError(f"login as {username!r} refused: {' '.join(errors) or page.url}")
    return page


def screenshot(page, name):
    """Saves a full-page screenshot as artifacts/screenshots/<name>.png and returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def chart_count(page):
    """How many Chart.js charts the page created (Chart.instances is keyed by chart id)."""
    return page.evaluate("() => (typeof Chart === 'undefined') ? 0 : Object.keys(Chart.instances).length")
