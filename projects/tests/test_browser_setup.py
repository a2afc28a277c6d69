"""The browser tests' gate: a missing chromium fails them unless TRACKER_BROWSER_TESTS=0."""

import pytest

from projects.tests.browser import helpers


def test_a_missing_chromium_fails_the_browser_tests(monkeypatch):
    monkeypatch.setattr(helpers.shutil, "which", lambda name: None)
    monkeypatch.delenv("TRACKER_BROWSER_TESTS", raising=False)
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed"):
        helpers.require_chromium()
    monkeypatch.setenv("TRACKER_BROWSER_TESTS", "1")
    with pytest.raises(pytest.fail.Exception):
        helpers.require_chromium()


def test_a_missing_chromium_skips_them_only_when_browser_tests_are_off(monkeypatch):
    monkeypatch.setattr(helpers.shutil, "which", lambda name: None)
    monkeypatch.setenv("TRACKER_BROWSER_TESTS", "0")
    with pytest.raises(pytest.skip.Exception, match="TRACKER_BROWSER_TESTS=0"):
        helpers.require_chromium()


def test_an_installed_chromium_runs_them_even_when_switched_off(monkeypatch):
    monkeypatch.setattr(helpers.shutil, "which", lambda name: "/usr/bin/chromium" if name == "chromium" else None)
    monkeypatch.setenv("TRACKER_BROWSER_TESTS", "0")
    assert helpers.require_chromium() == "/usr/bin/chromium"


def test_screenshots_go_to_the_repository_artifacts_folder():
    assert helpers.SCREENSHOTS.parts[-2:] == ("artifacts", "screenshots")
    assert (helpers.ROOT / "manage.py").exists()
