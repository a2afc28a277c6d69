"""Issue #6, checked as a person would: a unit reporter downloads the monthly report template,
uploads it with one bad row and sees the error, fixes it and imports; the project office accepts
the reports in the changelist, opens the bulletin for the month and its print version, and the
dashboard. Every step goes through the pages; the database is checked alongside.

Screenshots: import-preview-errors, import-preview, bulletin-print, dashboard-office."""

import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from projects.choices import Category, ReportStatus, Stage
from projects.excel.reports import COL, HEADERS, LETTER, SHEET
from projects.models import AnnualPlan, Bulletin, MonthlyReport, Project
from projects.tests.browser.helpers import login, screenshot

pytestmark = pytest.mark.browser

D = Decimal
IMPORT_URL = "/admin/projects/monthlyreport/import/"
SUBMITTED = datetime.datetime(2013, 10, 3, 9, 0, tzinfo=datetime.timezone.utc)

STAR, CULTURE, PARK, OTHER = "星凯国际城市综合体", "解放区文化中心", "焦作高新产业园", "锦江国际商业广场"


@pytest.fixture
def world(unit, other_unit, zone, project, plan, reporter, office, accepted_report):
    """The reporter's unit leads three projects with 2013 plans; the first reported 50000 for
    September (accepted). Another unit's project has a plan too, and no report.

    What the reporter will file for October, and what the bulletin must then show
    (time progress 83.33%):
      星凯国际城市综合体  plan 60000, YTD 62000 (12000 this month) → 103.33%, green
      解放区文化中心      plan 20000, YTD  5000                     →  25.00%, red
      焦作高新产业园      plan 40000, YTD 26000                     →  65.00%, yellow
      锦江国际商业广场    plan 55000, no report                     →   0.00%, red"""
    culture = Project.objects.create(name=CULTURE, category=Category.CULTURE_TOURISM, zone=zone, stage=Stage.NEW,
                                     total_investment=D("50000"), lead_unit=unit)
    park = Project.objects.create(name=PARK, category=Category.INDUSTRY, stage=Stage.CONTINUING,
                                  total_investment=D("90000"), lead_unit=unit)
    other = Project.objects.create(name=OTHER, category=Category.INDUSTRY, stage=Stage.CONTINUING,
                                   total_investment=D("150000"), lead_unit=other_unit)
    AnnualPlan.objects.create(project=culture, year=2013, planned_investment=D("20000"))
    AnnualPlan.objects.create(project=park, year=2013, planned_investment=D("40000"))
    AnnualPlan.objects.create(project=other, year=2013, planned_investment=D("55000"))
    accepted_report(project, 2013, 9, "50000", submitted_at=SUBMITTED)
    return {STAR: project, CULTURE: culture, PARK: park, OTHER: other}


def duplicate_ids(page):
    return page.evaluate("""() => {
        const seen = {};
        document.querySelectorAll('[id]').forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; });
        return Object.keys(seen).filter(id => seen[id] > 1);
    }""")


def upload(page, path):
    """Chooses the file and the month in the upload form, ticks "submit after the import", and
    asks for the preview."""
    form = page.locator("#upload-form")
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("input[name=month]").fill("2013-10")
    form.locator("input[name=submit]").check()
    with page.expect_navigation():
        page.click("#preview-import")


def test_a_reporter_imports_the_month_and_the_office_sees_it_in_the_bulletin(page, world, tmp_path):
    star = world[STAR]

    # -- The reporter downloads the template of October 2013 -------------------------------------
    login(page, "reporter")
    page.goto(IMPORT_URL)
    assert page.locator("input[name=month]").count() == 1  # asked once, for the template and the upload
    page.locator("#upload-form input[name=month]").fill("2013-10")
    with page.expect_download() as info:
        page.click("#download-template")
    download = info.value
    assert download.suggested_filename == "月报-2013-10.xlsx"
    template = tmp_path / "template.xlsx"
    download.save_as(template)

    workbook = load_workbook(template)
    sheet = workbook[SHEET]
    assert [cell.value for cell in sheet[1]][: len(HEADERS)] == list(HEADERS.values())
    rows = {sheet.cell(row, COL["name"] + 1).value: row for row in range(2, sheet.max_row + 1)}
    assert set(rows) == {STAR, CULTURE, PARK}  # only the reporter's unit's projects
    assert sheet.cell(rows[STAR], COL["id"] + 1).value == star.pk
    assert D(str(sheet.cell(rows[STAR], COL["plan"] + 1).value)) == D("60000")
    assert D(str(sheet.cell(rows[STAR], COL["previous_ytd"] + 1).value)) == D("50000")  # September's
    assert sheet.cell(rows[CULTURE], COL["previous_ytd"] + 1).value is None

    # -- Filled with one bad row: 星凯国际 below September's 50000 without saying it corrects ------
    ytd_cell = COL["completed_ytd"] + 1
    sheet.cell(rows[STAR], ytd_cell).value = 45000
    sheet.cell(rows[CULTURE], ytd_cell).value = 5000
    sheet.cell(rows[PARK], ytd_cell).value = 26000
    sheet.cell(rows[PARK], COL["progress_note"] + 1).value = "标准化厂房主体封顶"
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    upload(page, filled)

    errors = page.locator("#import-errors tr.import-error")
    assert errors.count() == 1
    error = errors.first
    assert error.get_attribute("data-row") == str(rows[STAR])
    assert error.get_attribute("data-column") == LETTER["completed_ytd"] == "G"
    assert error.locator(".error-row").inner_text().strip() == str(rows[STAR])
    assert HEADERS["completed_ytd"] in error.locator(".error-column").inner_text()
    assert error.locator(".error-label").inner_text().strip() == STAR
    assert "50000" in error.locator(".error-message").inner_text()  # names last month's figure
    assert page.locator("#upload-errors").is_visible()
    assert page.locator("#upload-form ul.errorlist.nonfield").count() == 1  # said once, in #upload-errors
    assert duplicate_ids(page) == []
    assert page.locator("#import-counts .count-errors").inner_text().strip() == "1"
    assert page.locator("#confirm-import").is_disabled()
    assert page.locator("#confirm-form input[name=payload]").count() == 0
    screenshot(page, "import-preview-errors")
    assert not MonthlyReport.objects.filter(year=2013, month=10).exists()  # nothing stored

    # -- Fixed and uploaded again ---------------------------------------------------------------
    sheet.cell(rows[STAR], ytd_cell).value = 62000
    workbook.save(filled)
    upload(page, filled)

    assert page.locator("#import-errors").count() == 0
    assert page.locator("#upload-errors").count() == 0
    preview = page.locator("#import-preview")
    assert "2013-10" in preview.locator("h2").inner_text()
    assert preview.locator(".count-create").inner_text().strip() == "3"
    assert preview.locator(".count-errors").inner_text().strip() == "0"
    changes = {}
    for row in preview.locator("#import-changes tbody tr.import-row").all():
        cells = [text.strip() for text in row.locator("td").all_inner_texts()]
        changes[cells[1]] = cells
    assert set(changes) == {STAR, CULTURE, PARK}
    assert changes[STAR][0] == str(rows[STAR])
    assert D(changes[STAR][3]) == D("50000") and changes[STAR][4] == "—" and D(changes[STAR][5]) == D("62000")
    assert D(changes[CULTURE][5]) == D("5000") and D(changes[PARK][5]) == D("26000")
    assert page.locator("#confirm-import").is_enabled()
    screenshot(page, "import-preview")
    assert not MonthlyReport.objects.filter(year=2013, month=10).exists()  # still only a preview

    with page.expect_navigation():
        page.click("#confirm-import")
    assert page.url.endswith("/admin/projects/monthlyreport/")
    success = page.locator("ul.messagelist li.success").inner_text()
    assert "2013-10" in success and "3" in success

    october = MonthlyReport.objects.filter(year=2013, month=10)
    assert october.count() == 3
    stored = {r.project.name: r for r in october.select_related("project")}
    assert {name: r.completed_ytd for name, r in stored.items()} == {
        STAR: D("62000"), CULTURE: D("5000"), PARK: D("26000")}
    assert {r.status for r in stored.values()} == {ReportStatus.SUBMITTED}  # "submit after import"
    assert stored[PARK].progress_note == "标准化厂房主体封顶"
    assert {r.reporter_name for r in stored.values()} == {"reporter"}
    assert not stored[STAR].is_correction

    # -- The project office accepts them in the changelist (the "accept" action) -----------------
    page.context.clear_cookies()
    login(page, "office")
    page.goto("/admin/projects/monthlyreport/?year=2013&month=10&status=submitted")
    assert page.locator("#result_list tbody tr").count() == 3
    page.check("#action-toggle")
    page.select_option("select[name=action]", "accept")
    with page.expect_navigation():
        page.click("button[name=index]")
    assert "3" in page.locator("ul.messagelist li.success").inner_text()
    assert set(october.values_list("status", flat=True)) == {ReportStatus.ACCEPTED}
    assert MonthlyReport.objects.filter(project=star, year=2013).count() == 2  # September and October

    # -- ... opens the bulletin of October 2013 (admin "add") and its print version -------------
    page.goto("/admin/projects/bulletin/add/")
    page.fill("input[name=year]", "2013")
    page.fill("input[name=month]", "10")
    page.fill("input[name=title]", "第十期")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    bulletin = Bulletin.objects.get(year=2013, month=10)
    assert f"/admin/projects/bulletin/{bulletin.pk}/change/" in page.url
    draft = {cells[1]: cells for cells in (
        [t.strip() for t in row.locator("td").all_inner_texts()]
        for row in page.locator("#bulletin-rows tbody tr").all())}
    assert D(draft[STAR][5].replace(",", "")) == D("62000") and D(draft[STAR][7].replace(",", "")) == D("103.33")

    with page.context.expect_page() as new_page:
        page.click(f"a[href$='/admin/projects/bulletin/{bulletin.pk}/print/']")  # opens in a new tab
    printed = new_page.value
    printed.wait_for_load_state()
    # The masthead: the issuing office, the year's issue number (the first bulletin of 2013 here)
    # and "draft" until it is published; the heading is the title the office gave it.
    masthead = printed.locator(".masthead").inner_text()
    assert "解放区重点项目建设领导小组办公室" in masthead and "2013年第1期" in masthead, masthead
    assert "草稿，尚未印发" in masthead
    assert printed.locator("h1").inner_text() == "第十期"
    headers = [h.strip() for h in printed.locator("#details thead th").all_inner_texts()]
    details = {}
    for row in printed.locator("#details tbody tr").all():
        cells = dict(zip(headers, (text.strip() for text in row.locator("td").all_inner_texts())))
        details[cells["项目名称"]] = cells
    assert set(details) == {STAR, CULTURE, PARK, OTHER}
    # name → (plan, YTD, this month, rate, light) as printed (万元, thousands separated)
    expected = {
        STAR: ("60,000.00", "62,000.00", "12,000.00", "103.33%", "绿灯"),
        CULTURE: ("20,000.00", "5,000.00", "5,000.00", "25.00%", "红灯"),
        PARK: ("40,000.00", "26,000.00", "26,000.00", "65.00%", "黄灯"),
        OTHER: ("55,000.00", "0.00", "0.00", "0.00%", "红灯"),
    }
    for name, (plan_text, ytd, month, rate, light) in expected.items():
        cells = details[name]
        assert (cells["年度计划(万元)"], cells["累计完成(万元)"], cells["本月完成(万元)"], cells["完成率"]) == (
            plan_text, ytd, month, rate), name
        assert (cells["时间进度"], cells["灯号"]) == ("83.33%", light), name
    assert details[STAR]["原因"] == ""
    assert "无审核通过的月汇报" in details[OTHER]["原因"]  # the other unit's project has no report
    assert "项目代码" not in headers  # no project in this world has a code: the column is left out
    totals = [c.strip() for c in printed.locator("#totals tbody tr").first.locator("td").all_inner_texts()]
    # All projects: 93000 of 175000 万元 (9.30 of 17.50 亿元) = 53.14%; 1 green, 1 yellow, 2 red.
    assert totals == ["全部", "全部项目", "4", "17.50", "9.30", "53.14%", "1", "1", "2"]
    screenshot(printed, "bulletin-print")
    printed.close()
    assert page.outside_requests == []

    # -- ... and the dashboard, which now stands at October 2013 --------------------------------
    page.goto("/admin/dashboard/")
    page.wait_for_function("() => typeof Chart !== 'undefined' && Object.keys(Chart.instances).length === 3")
    assert "2013年10月末" in page.locator("#trk-dash-month").inner_text()
    assert page.locator("#trk-light-green .trk-dash-number").inner_text().strip() == "1"
    assert page.locator("#trk-light-yellow .trk-dash-number").inner_text().strip() == "1"
    assert page.locator("#trk-light-red .trk-dash-number").inner_text().strip() == "2"
    screenshot(page, "dashboard-office")
    assert page.outside_requests == []
