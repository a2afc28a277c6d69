"""The clerk's first week, read in a 1440-px wide browser on the demo year 2013 (the whole library
loaded): what the admin's record pages say once their scripts have run (document.body.innerText,
not the server's HTML: the two-list pickers of leaders, units, programmes and permissions are
written by the admin's JavaScript) and that no page is wider than the screen.

Screenshots: admin-<page>.png in artifacts/screenshots/."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from projects.tests.browser.helpers import login, screenshot

pytestmark = pytest.mark.browser

WIDTH = 1440
STARKAI = "星凯国际城市综合体"


@pytest.fixture
def library(transactional_db):
    call_command("load_library", verbosity=0)
    get_user_model().objects.create_superuser("chief", "chief@example.org", "pw-chief-123", first_name="系统管理员")
    Group.objects.create(name="项目办")


def english_on_screen(page, names):
    """The English words the page shows once its scripts have run, apart from the names of formats
    and products a Chinese page may show (test_pages_say.NAMES), Latin letters in the names on
    record, account names, and a password's hash summary (codes, not words)."""
    from projects.tests.test_pages_say import NAMES, WORD

    page.evaluate("() => document.querySelectorAll('.field-password bdi').forEach(e => e.remove())")
    text = page.evaluate("() => document.body.innerText")
    text = re.sub(r"\S*/\S*", " ", text)  # paths and addresses
    words = set(re.findall(WORD, text))
    return sorted(word for word in words
                  if word not in NAMES and word not in names and word.lower() not in ("chief", "demo_office")
                  and not word.lower().startswith("demo_"))


def record_pages():
    """The record pages a clerk opens in the first week: those with two-list pickers first."""
    from projects.models import Meeting, Programme, Project, Zone

    starkai = Project.objects.get(name=STARKAI)
    chief = get_user_model().objects.get(username="chief")
    group = Group.objects.get(name="项目办")
    return {
        "project-change": f"/admin/projects/project/{starkai.pk}/change/",
        "project-add": "/admin/projects/project/add/",
        "meeting-change": f"/admin/projects/meeting/{Meeting.objects.order_by('pk').first().pk}/change/",
        "meeting-add": "/admin/projects/meeting/add/",
        "review-add": "/admin/projects/review/add/",
        "user-change": f"/admin/auth/user/{chief.pk}/change/",
        "group-add": "/admin/auth/group/add/",
        "group-change": f"/admin/auth/group/{group.pk}/change/",
        "zone-change": f"/admin/projects/zone/{Zone.objects.get(code='commerce').pk}/change/",
        "programme-change": f"/admin/projects/programme/{Programme.objects.get(code='342311-2013').pk}/change/",
    }


def test_record_pages_say_nothing_in_english_once_their_scripts_have_run(page, library):
    from projects.tests.test_pages_say import names_on_record

    page.set_viewport_size({"width": WIDTH, "height": 900})
    names = names_on_record()
    login(page, "chief")
    found = {}
    for name, url in record_pages().items():
        page.goto(url)
        page.wait_for_load_state("load")
        if words := english_on_screen(page, names):
            found[name] = words
    assert found == {}
    # The two-list picker says what to do in Chinese.
    page.goto(record_pages()["project-change"])
    picker = page.locator(".field-leaders .selector").inner_text()
    assert "选中要加入的分包领导，再点击向右的箭头按钮。" in picker and "选择全部分包领导" in picker
    assert "移除全部分包领导" in picker
    screenshot(page, "admin-project-change-picker")


def test_no_record_page_is_wider_than_the_screen(page, library):
    """The sources inline (document, quote, what it supports), the milestones' notes, the annual
    plans' targets and a meeting's agenda rows fit a 1440-px screen; the plans' revisions link is
    not squeezed to a character a line."""
    page.set_viewport_size({"width": WIDTH, "height": 900})
    login(page, "chief")
    widths = {}
    for name, url in record_pages().items():
        page.goto(url)
        page.wait_for_load_state("load")
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        if name in ("project-change", "zone-change", "programme-change", "meeting-change"):
            screenshot(page, f"admin-{name}")
    # A new meeting with one agenda row and one decision being entered.
    page.goto(record_pages()["meeting-add"])
    for link in page.locator(".add-row a").all():
        link.click()
    assert page.locator("#items-group tbody tr.form-row:not(.empty-form)").count() == 1
    widths["meeting-add-with-rows"] = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "admin-meeting-add")
    # The same pages in English (longer words in the pickers and headings), switched to as a clerk
    # would: the language selector at the top of the page.
    from django.conf import settings

    page.select_option("#language-select", "en")
    with page.expect_navigation():
        page.click("#language-switcher button")
    assert page.locator("html").get_attribute("lang") == "en"
    for name, url in record_pages().items():
        page.goto(url)
        page.wait_for_load_state("load")
        widths[f"{name} (en)"] = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "admin-programme-change-en")
    page.context.clear_cookies(name=settings.LANGUAGE_COOKIE_NAME)
    assert {name: width for name, width in widths.items() if width > WIDTH} == {}
    # The annual plan's link to its revisions reads on one line.
    page.goto(record_pages()["project-change"])
    link = page.locator("#annual_plans-group td.field-change_link a").first
    assert link.inner_text() == "计划调整及资料来源"
    assert link.bounding_box()["height"] < 30
