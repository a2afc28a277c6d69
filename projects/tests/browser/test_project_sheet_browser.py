"""Issue #13, checked as a person would, in a 1440-px wide browser, Chinese first:

- a clerk's month: the office enters 星凯国际's November report in the admin form (the project
  picked by searching; the form shows October's YTD and the plan), saves, submits and accepts it
  in one step, finds the project sheet updated, opens the November bulletin (rows link to the
  sheets) and its print view;
- a leader's look at his projects: the dashboard on the admin home → a project sheet → the red
  project's open problems → the problem itself, with its workflow buttons.

Every page: what it says (numbers, names, links), no wider than the screen
(document.documentElement.scrollWidth ≤ 1440) and no raw codes. Screenshots: report-form,
project-sheet, project-sheet-red, bulletin-change, bulletin-print-sheet-links, project-list,
leader-home, problem-workflow."""

import re
from decimal import Decimal

import pytest

from projects.choices import ReportStatus
from projects.models import Bulletin, Leader, MonthlyReport
from projects.selectors import reporting_month
from projects.tests.browser.helpers import login, screenshot
from projects.tests.dashboard_world import dashboard_example as example  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

WIDTH = 1440
# Codes that must never reach a Chinese page as text (choices are shown by their labels).
RAW_CODES = ["green", "yellow", "red", "commerce", "industry", "accepted", "submitted", "draft", "continuing",
             "land_clearance", "in_progress", "None"]


def check_page(page, name):
    """The page fits the screen, shows no raw code, and is saved as artifacts/screenshots/<name>.png."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{name}: {width}px wide"
    text = page.locator("#content").inner_text()
    for code in RAW_CODES:
        assert not re.search(rf"\b{code}\b", text), f"{name}: raw code {code!r} on the page"
    screenshot(page, name)
    assert page.outside_requests == []


def row_cells(page, selector):
    return [c.strip() for c in page.locator(selector).locator("td").all_inner_texts()]


def test_a_clerks_month(page, example, office):
    page.set_viewport_size({"width": WIDTH, "height": 900})
    a = example.a
    login(page, "office")
    check_page(page, "office-home")  # the home's dashboard tables fit the screen

    # The import page starts from the month being reported, in both its forms.
    page.goto("/admin/projects/monthlyreport/import/")
    year, month = reporting_month()
    assert page.locator("#id_template_month").input_value() == f"{year}-{month:02d}"
    assert page.locator("#id_month").input_value() == f"{year}-{month:02d}"
    check_page(page, "import-reports")

    # The report form: pick the project by searching, the month defaults are overwritten, and the
    # form says what October's report was and what the plan asks by November.
    page.goto("/admin/projects/monthlyreport/add/")
    page.click("#monthlyreport_form .select2-selection")
    page.fill(".select2-search__field", "星凯")
    page.click(".select2-results__option:has-text('星凯国际城市综合体')")
    page.fill("#id_year", "2013")
    page.fill("#id_month", "11")
    page.locator("#id_month").dispatch_event("change")
    context = page.locator("#trk-report-context")
    # The form asks again at each change (year, then month); the answer for November is shown.
    context.get_by_text("11 月现行").wait_for()
    text = context.inner_text()
    assert "62,000.00 万元" in text and "已审核" in text
    assert "60,000.00 万元" in text and "55,000.00 万元" in text  # plan, and 60,000 × 11/12 due by November
    page.fill("#id_completed_ytd", "64000")
    page.fill("#id_progress_note", "主体结构封顶，进入装修")
    check_page(page, "report-form")
    with page.expect_navigation():
        page.click("#trk-save-and-accept")
    assert "月报已提交并验收" in page.locator(".messagelist").inner_text()
    report = MonthlyReport.objects.get(project=a, year=2013, month=11)
    assert report.status == ReportStatus.ACCEPTED and report.completed_ytd == Decimal("64000")

    # The project sheet now reaches November: 64,000 against 55,000 due, 106.67%, green.
    page.goto(f"/admin/projects/project/{a.pk}/sheet/")
    assert page.locator("#trk-year").input_value() == "2013"
    november = row_cells(page, "tr[data-month='11']")
    assert november[:9] == ["十一月", "60,000.00", "55,000.00", "64,000.00", "2,000.00", "106.67", "91.67",
                            "15.00", "绿灯"]
    assert "截至十一月末：本年累计完成 64,000.00 万元" in page.locator("#trk-sheet-standing").inner_text()
    page.wait_for_function("() => typeof Chart !== 'undefined' && Object.keys(Chart.instances).length === 1")
    bars = page.evaluate("() => Chart.getChart(document.getElementById('trk-sheet-chart')).data.datasets[0].data")
    assert bars[-3:] == [50000, 62000, 64000]
    check_page(page, "project-sheet")
    # The sheet and the change form link both ways.
    page.click("#trk-sheet-change")
    page.click("#trk-project-sheet-link")
    assert page.url.endswith(f"/admin/projects/project/{a.pk}/sheet/")

    # The November bulletin: each row links to its project's sheet; the red row to its open problems.
    bulletin = Bulletin.objects.create(year=2013, month=11)
    page.goto(f"/admin/projects/bulletin/{bulletin.pk}/change/")
    rows = page.locator("#bulletin-rows")
    assert rows.get_by_role("link", name="星凯国际城市综合体").get_attribute("href") == \
        f"/admin/projects/project/{a.pk}/sheet/?year=2013"
    # Red in November: 安置房 (far behind, a problem overdue) and 锦江 (its 供电线路 problem passed
    # its 15 November deadline); each links to its open problems, the green 星凯 does not.
    assert sorted(a.get_attribute("href") for a in rows.locator("a.trk-open-problems").all()) == sorted(
        f"/admin/projects/project/{p.pk}/sheet/?year=2013#open-problems" for p in (example.b, example.c))
    check_page(page, "bulletin-change")
    page.goto(f"/admin/projects/bulletin/{bulletin.pk}/print/")
    link = page.get_by_role("link", name="星凯国际城市综合体").first
    assert link.get_attribute("href") == f"/admin/projects/project/{a.pk}/sheet/?year=2013"
    assert "64,000.00" in page.content() or "64000.00" in page.content()
    screenshot(page, "bulletin-print-sheet-links")

    # The project list: the latest month's light and rate, linked to the sheet.
    page.goto("/admin/projects/project/")
    standing = page.locator(f"a.trk-standing[href='/admin/projects/project/{a.pk}/sheet/']")
    assert standing.inner_text().split() == ["绿灯", "106.67%"]
    check_page(page, "project-list")


def test_a_leader_looks_at_his_projects(page, example, leader_user):
    page.set_viewport_size({"width": WIDTH, "height": 900})
    example.c.leaders.add(Leader.objects.get(user=leader_user))  # the red 安置房 is his too
    login(page, "leader")  # the admin home with his dashboard
    best = page.locator("#trk-dash-best")
    assert best.get_by_role("link", name="星凯国际城市综合体").get_attribute("href") == \
        f"/admin/projects/project/{example.a.pk}/sheet/?year=2013"
    check_page(page, "leader-home")

    page.click("#trk-light-red a")
    page.wait_for_url("**/admin/dashboard/projects/**")
    red_row = page.locator(f"#trk-dash-projects tr[data-project='{example.c.pk}']")
    assert "安置房" in red_row.inner_text() and "73.33" in red_row.inner_text()
    red_row.locator("a.trk-open-problems").click()
    page.wait_for_url(f"**/admin/projects/project/{example.c.pk}/sheet/?year=2013#open-problems")
    problems = page.locator("#open-problems")
    assert problems.locator("h2").inner_text().startswith("未解决问题: 1")
    assert "已逾期" in problems.inner_text()
    assert "红灯" in page.locator("#trk-sheet-standing").inner_text()
    assert row_cells(page, "tr[data-month='10']")[3] == "1,000.00"  # March's YTD carried to October
    check_page(page, "project-sheet-red")

    problems.get_by_role("link", name="征地拆迁未完成").click()
    page.wait_for_url(f"**/admin/projects/problem/{example.overdue.pk}/change/")
    # A leader records an action or escalates; closing is for the office and the responsible unit.
    assert page.locator("#trk-step-act").is_visible() and page.locator("#trk-step-escalate").is_visible()
    assert page.locator("#trk-step-close").count() == 0
    page.click("#trk-step-escalate")
    page.fill("#id_text", "请区长协调国土分局加快用地审批")
    with page.expect_navigation():
        page.click("input[name=apply]")
    assert "问题已上报领导" in page.locator(".messagelist").inner_text()
    example.overdue.refresh_from_db()
    assert example.overdue.status == "escalated"
    check_page(page, "problem-workflow")
