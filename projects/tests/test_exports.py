"""Workbooks and paper that leave the system: the bulletin, the problem ledger, the review ranking.
Every exported workbook is re-read with openpyxl and its cells checked."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation
from openpyxl import load_workbook

from projects.choices import Category, Light, ProblemStatus
from projects.excel.exports import (
    LIGHT_RGB,
    OVERDUE_RGB,
    TOP_RGB,
    bulletin_tables,
    bulletin_workbook,
    problem_workbook,
    review_workbook,
)
from projects.models import Bulletin, Leader, Milestone, Problem, Project
from projects.services.bulletins import bulletin_data, bulletin_publish
from projects.services.reviews import review_create, review_publish, review_score
from projects.tests.test_bulletins import make_project

D = Decimal
INJECTIONS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1+1", "=1+1"]


def reopen(content):
    return load_workbook(io.BytesIO(content))


def rgb(cell):
    return (cell.fill.fgColor.rgb or "")[-6:] if cell.fill and cell.fill.fill_type == "solid" else None


def column(sheet, header, header_row=3):
    headers = [c.value for c in sheet[header_row]]
    return headers.index(header) + 1


def rows_by(sheet, key_header, header_row=3):
    """{value of key column: {header: cell}} for the table below `header_row`."""
    headers = [c.value for c in sheet[header_row]]
    key = headers.index(key_header)
    result = {}
    for cells in sheet.iter_rows(min_row=header_row + 1):
        if cells[key].value is not None:
            result[cells[key].value] = {h: c for h, c in zip(headers, cells)}
    return result


def assert_a4_landscape(sheet, header_row=3):
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == f"$1:${header_row}"
    assert sheet.auto_filter.ref.startswith(f"A{header_row}:")


def no_formulas(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    for name in archive.namelist():
        if name.startswith("xl/worksheets/"):
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


@pytest.fixture
def seed_000(db, unit, zone, accepted_report):
    """星凯国际 and 锦江商业广场 at the end of October 2013, as seed 000 states them, and a laggard."""
    xingkai = make_project("星凯国际城市综合体", unit, "60000", zone=zone, code="")
    jinjiang = make_project("锦江商业广场暨五星级酒店", unit, "55000", zone=zone)
    laggard = make_project("爱乐游智能物联网机器人项目", unit, "10000", category=Category.INDUSTRY)
    accepted_report(xingkai, 2013, 10, "62000")
    accepted_report(jinjiang, 2013, 10, "60000")
    accepted_report(laggard, 2013, 10, "4000")
    xingkai.leaders.add(Leader.objects.create(name="常务副区长", body="government"))
    return xingkai, jinjiang, laggard


@pytest.fixture(autouse=True)
def site_language():
    """Workbooks are written in LANGUAGE_CODE; compare them with labels in that language, whatever language
    an earlier test's request left active in this thread."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


# --- the formula-safe writer ---------------------------------------------------------------------


def test_text_that_looks_like_a_formula_is_written_as_text(unit, office, accepted_report):
    projects = []
    for i, name in enumerate(INJECTIONS):
        project = make_project(name, unit, "1000")
        accepted_report(project, 2013, 10, "100")
        Problem.objects.create(project=project, category="other", title=name, description=name, responsible_unit=unit,
                               raised_on=datetime.date(2013, 1, 1), deadline=datetime.date(2013, 12, 1))
        projects.append(project)
    bulletin = Bulletin.objects.create(year=2013, month=10, title="=cmd|' /C calc'!A0")
    for content, sheet_name, header in [
        (bulletin_workbook(bulletin), "明细", "项目名称"),
        (problem_workbook(Problem.objects.all(), today=datetime.date(2013, 11, 1)), "问题台账", "问题"),
    ]:
        no_formulas(content)
        sheet = reopen(content)[sheet_name]
        cells = rows_by(sheet, header)
        for name in INJECTIONS:
            cell = cells[name][header]
            assert cell.data_type == "s" and cell.value == name
            assert cell.quotePrefix
        assert sheet["A1"].data_type == "s"


def test_the_report_template_writes_formula_like_names_as_text(reporter, unit, accepted_report):
    from projects.excel.reports import reports_template

    make_project('=HYPERLINK("http://x","y")', unit, "1000")
    content = reports_template(user=reporter, year=2013, month=10)
    no_formulas(content)
    sheet = reopen(content).worksheets[0]
    names = [c.value for c in sheet["C"]]
    assert '=HYPERLINK("http://x","y")' in names


def test_control_characters_a_worksheet_cannot_hold_are_dropped_not_fatal(reporter, unit, accepted_report):
    """Found by the API fuzz: a name sent with control characters made every export of it a 500."""
    from projects.excel.reports import reports_template

    make_project("星凯\x01国际\x1f", unit, "1000")
    names = [c.value for c in reopen(reports_template(user=reporter, year=2013, month=10)).worksheets[0]["C"]]
    assert "星凯国际" in names


# --- the bulletin --------------------------------------------------------------------------------


def test_the_bulletin_workbook_carries_the_bulletins_figures(seed_000):
    xingkai, jinjiang, laggard = seed_000
    bulletin = Bulletin.objects.create(year=2013, month=10)
    data = bulletin_data(bulletin=bulletin)
    content = bulletin_workbook(bulletin)
    workbook = reopen(content)
    assert workbook.sheetnames == ["汇总", "明细", "排名靠后"]
    no_formulas(content)

    details = workbook["明细"]
    assert "2013年10月" in details["A1"].value and "草稿" in details["A2"].value
    assert_a4_landscape(details)
    rows = rows_by(details, "项目名称")
    assert set(rows) == {p.name for p in seed_000}
    for row in data.rows:
        cells = rows[row.project_name]
        assert cells["年度计划(万元)"].value == float(row.plan_in_force)
        assert cells["累计完成(万元)"].value == float(row.completed_ytd)
        assert cells["年度计划(万元)"].number_format == "#,##0.00"
        assert cells["完成率"].value == pytest.approx(float(row.completion_rate) / 100)
        assert cells["完成率"].number_format == "0.00%"
        assert cells["时间进度"].value == pytest.approx(float(row.time_progress) / 100)
        assert cells["差距(百分点)"].value == pytest.approx(float(row.gap_points))
        assert cells["类别内排名"].value == row.rank_in_category
        assert cells["灯号"].value == Light(row.light).label
        assert rgb(cells["灯号"]) == LIGHT_RGB[row.light]
    assert rows[xingkai.name]["完成率"].value == pytest.approx(1.0333)
    assert rows[jinjiang.name]["完成率"].value == pytest.approx(1.0909)
    assert rows[jinjiang.name]["类别内排名"].value == 1
    assert rows[xingkai.name]["分包领导"].value == "常务副区长"
    assert rows[laggard.name]["灯号"].value == "红灯" and rgb(rows[laggard.name]["灯号"]) == LIGHT_RGB["red"]
    assert "百分点" in rows[laggard.name]["原因"].value

    totals = workbook["汇总"]
    assert_a4_landscape(totals)
    lines = {(r[0].value, r[1].value): {h.value: c for h, c in zip(totals[3], r)}
             for r in totals.iter_rows(min_row=4)}
    everything = lines[("全部", data.totals["all"]["label"])]
    assert everything["项目数"].value == 3
    assert everything["年度计划(亿元)"].value == pytest.approx(12.5)  # 125000 万元
    assert everything["年度计划(亿元)"].number_format == "0.00"
    assert everything["累计完成(亿元)"].value == pytest.approx(12.6)
    assert everything["完成率"].value == pytest.approx(float(data.totals["all"]["completion_rate"]) / 100)
    assert everything["完成率"].number_format == "0.00%"
    assert (everything["绿灯"].value, everything["黄灯"].value, everything["红灯"].value) == (2, 0, 1)
    commerce = lines[("按类别", "商贸服务")]
    assert commerce["累计完成(亿元)"].value == pytest.approx(12.2)
    assert commerce["完成率"].value == pytest.approx(122000 / 115000, abs=1e-4)
    assert ("按阶段", "续建") in lines and ("按区域", "特色商业区") in lines
    assert ("按牵头单位", "解放区发改委") in lines

    bottom = workbook["排名靠后"]
    assert_a4_landscape(bottom)
    assert set(rows_by(bottom, "项目名称")) == {row.project_name for rows in data.bottom.values() for row in rows}


def test_a_published_bulletin_exports_its_frozen_figures(seed_000, office):
    xingkai, jinjiang, laggard = seed_000
    bulletin = Bulletin.objects.create(year=2013, month=10)
    bulletin_publish(bulletin=bulletin, user=office)
    xingkai.reports.update(completed_ytd=D("1"))  # later data does not change the published bulletin
    bulletin.refresh_from_db()
    Bulletin.objects.filter(pk=bulletin.pk).update(superseded_at=datetime.datetime(2013, 11, 20, tzinfo=datetime.UTC),
                                                   superseded_note="星凯国际10月更正")
    bulletin.refresh_from_db()
    workbook = reopen(bulletin_workbook(bulletin))
    details = workbook["明细"]
    assert "已发布" in details["A2"].value and "更正" in details["A2"].value and "星凯国际10月更正" in details["A2"].value
    rows = rows_by(details, "项目名称")
    assert rows[xingkai.name]["完成率"].value == pytest.approx(1.0333)
    assert rows[xingkai.name]["累计完成(万元)"].value == 62000
    totals = workbook["汇总"]
    assert totals["E4"].value == pytest.approx(12.6) and totals["B4"].value == bulletin.totals["all"]["label"]


def test_the_bulletin_tables_run_a_constant_number_of_queries(unit, accepted_report, django_assert_max_num_queries):
    for i in range(3):
        accepted_report(make_project(f"P{i}", unit, "1000"), 2013, 5, "300")
    bulletin = Bulletin.objects.create(year=2013, month=5)
    with django_assert_max_num_queries(6):
        assert len(bulletin_tables(bulletin).details) == 3
    for i in range(3, 30):
        project = make_project(f"P{i}", unit, "1000", category=Category.values[i % 3])
        accepted_report(project, 2013, 5, "300")
        project.leaders.add(Leader.objects.create(name=f"L{i}"))
        Milestone.objects.create(project=project, kind="start", planned_date=datetime.date(2013, 4, 1))
    with django_assert_max_num_queries(6):
        assert len(bulletin_tables(bulletin).details) == 30


# --- the problem ledger --------------------------------------------------------------------------


def test_the_problem_ledger_marks_overdue_rows(project, unit, other_unit):
    today = datetime.date(2013, 11, 10)
    late = Problem.objects.create(project=project, category="land_clearance", title="征地拆迁未完成",
                                  responsible_unit=unit, raised_on=datetime.date(2013, 9, 1),
                                  deadline=datetime.date(2013, 10, 31))
    Problem.objects.create(project=project, category="utilities", title="供电线路", responsible_unit=other_unit,
                           raised_on=datetime.date(2013, 9, 1), deadline=datetime.date(2013, 12, 31))
    Problem.objects.create(project=project, category="planning", title="控规审批", responsible_unit=unit,
                           raised_on=datetime.date(2013, 9, 1), deadline=datetime.date(2013, 10, 1),
                           status=ProblemStatus.RESOLVED, resolution="已批复", resolved_on=datetime.date(2013, 10, 5))
    content = problem_workbook(Problem.objects.all(), today=today)
    sheet = reopen(content)["问题台账"]
    assert_a4_landscape(sheet)
    rows = rows_by(sheet, "问题")
    assert rows["征地拆迁未完成"]["逾期天数"].value == 10
    assert rows["征地拆迁未完成"]["问题类别"].value == "征地拆迁"
    assert rows["征地拆迁未完成"]["办结时限"].value.date() == late.deadline
    assert rows["征地拆迁未完成"]["办结时限"].number_format == "yyyy-mm-dd"
    assert all(rgb(cell) == OVERDUE_RGB for cell in rows["征地拆迁未完成"].values())
    assert rows["供电线路"]["逾期天数"].value == 0 and rgb(rows["供电线路"]["问题"]) is None
    assert rows["供电线路"]["责任单位"].value == "王褚街道办事处"
    resolved = rows["控规审批"]
    assert resolved["逾期天数"].value == 4 and rgb(resolved["问题"]) is None  # closed late, not overdue now
    assert resolved["办理结果"].value == "已批复"
    only_mine = reopen(problem_workbook(Problem.objects.filter(responsible_unit=unit), today=today))["问题台账"]
    assert set(rows_by(only_mine, "问题")) == {"征地拆迁未完成", "控规审批"}


# --- the review ranking --------------------------------------------------------------------------


@pytest.fixture
def scored_review(office, unit, leader_user):
    leader = leader_user.leader
    projects = [make_project(f"商业{i}", unit, "1000") for i in range(4)]
    review = review_create(user=office, year=2013, quarter=3, date=datetime.date(2013, 9, 20), title="三季度观摩",
                           projects=projects, reviewers=[leader])
    criteria = list(review.criteria.order_by("id"))
    for i, project in enumerate(projects):
        review_score(review=review, reviewer=leader, project=project, user=leader_user,
                     scores={c.pk: D(90 - 10 * i) + (D(5) if c.name == "问题解决" else 0) for c in criteria})
    return review, projects, criteria


def test_the_review_ranking_workbook_ranks_and_marks(scored_review, office, settings):
    settings.TRACKER_RANKING_BOTTOM = 1
    review, projects, criteria = scored_review
    for published in (False, True):
        if published:
            review_publish(review=review, user=office)
            review.refresh_from_db()
        content = review_workbook(review)
        no_formulas(content)
        sheet = reopen(content)["观摩排名"]
        assert_a4_landscape(sheet)
        assert [c.value for c in sheet[3]] == ["类别", "类别内排名", "项目名称", "工作进展(权重40)", "形象进度(权重40)",
                                               "问题解决(权重20)", "综合得分", "标记"]
        rows = rows_by(sheet, "项目名称")
        best = rows["商业0"]
        # 90 × 40% + 90 × 40% + 95 × 20% = 91
        assert best["工作进展(权重40)"].value == pytest.approx(36)
        assert best["问题解决(权重20)"].value == pytest.approx(19)
        assert best["综合得分"].value == pytest.approx(91) and best["综合得分"].number_format == "0.00"
        assert best["类别内排名"].value == 1 and best["标记"].value == "激励先进" and rgb(best["项目名称"]) == TOP_RGB
        worst = rows["商业3"]
        assert worst["类别内排名"].value == 4 and worst["标记"].value == "鞭策后进"
        assert rgb(worst["项目名称"]) == OVERDUE_RGB
        assert rows["商业1"]["标记"].value is None and rgb(rows["商业1"]["项目名称"]) is None
        assert "已发布" in sheet["A2"].value if published else "草稿" in sheet["A2"].value


# --- downloads through the API -------------------------------------------------------------------


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def api_client(user=None):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize("persona", ["office", "reporter", "leader_user", "auditor"])
def test_every_role_downloads_the_bulletin_workbook(seed_000, persona, request):
    from django.urls import reverse

    bulletin = Bulletin.objects.create(year=2013, month=10)
    response = api_client(request.getfixturevalue(persona)).get(reverse("api:bulletin-xlsx", args=[bulletin.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ") and 'filename="bulletin-2013-10.xlsx"' in disposition
    assert "filename*=UTF-8''%E9%87%8D%E7%82%B9%E9%A1%B9%E7%9B%AE%E6%9C%88%E9%80%9A%E6%8A%A5-2013-10.xlsx" in disposition
    rows = rows_by(reopen(response.content)["明细"], "项目名称")
    assert rows["星凯国际城市综合体"]["完成率"].value == pytest.approx(1.0333)


def test_downloads_need_a_login_and_an_existing_object(db):
    from django.urls import reverse

    assert api_client().get(reverse("api:bulletin-xlsx", args=[1])).status_code == 401
    assert api_client().get(reverse("api:problem-xlsx")).status_code == 401


def test_a_missing_bulletin_is_a_404_in_json_even_when_asking_for_xlsx(auditor):
    from django.urls import reverse

    response = api_client(auditor).get(reverse("api:bulletin-xlsx", args=[999]), HTTP_ACCEPT=XLSX)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_problem_download_takes_the_lists_filters(auditor, project, unit, other_unit):
    from django.urls import reverse

    for i, responsible in enumerate([unit, other_unit, unit]):
        Problem.objects.create(project=project, category="other", title=f"问题{i}", responsible_unit=responsible,
                               raised_on=datetime.date(2013, 9, 1), deadline=datetime.date(2013, 10, 1))
    client = api_client(auditor)
    listed = client.get(reverse("api:problem-list"), {"responsible_unit": other_unit.pk}).json()
    response = client.get(reverse("api:problem-xlsx"), {"responsible_unit": other_unit.pk})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'filename="problems-' in response["Content-Disposition"]
    titles = set(rows_by(reopen(response.content)["问题台账"], "问题"))
    assert titles == {p["title"] for p in listed["results"]} == {"问题1"}
    assert client.get(reverse("api:problem-xlsx"), {"deadline_after": "not a date"}).status_code == 400


def test_the_review_ranking_download(scored_review, auditor):
    from django.urls import reverse

    review, projects, criteria = scored_review
    response = api_client(auditor).get(reverse("api:review-ranking-xlsx", args=[review.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'filename="review-ranking-2013-Q3.xlsx"' in response["Content-Disposition"]
    assert rows_by(reopen(response.content)["观摩排名"], "项目名称")["商业0"]["类别内排名"].value == 1


def _many(n, unit, accepted_report, offset=0):
    for i in range(offset, offset + n):
        project = make_project(f"批量{i}", unit, "1000", category=Category.values[i % 3])
        accepted_report(project, 2013, 10, "500")
        project.leaders.add(Leader.objects.create(name=f"领导{i}"))
        Problem.objects.create(project=project, category="other", title=f"问题{i}", responsible_unit=unit,
                               raised_on=datetime.date(2013, 9, 1), deadline=datetime.date(2013, 10, 1))


def test_api_downloads_run_a_constant_number_of_queries(auditor, unit, accepted_report, office,
                                                        django_assert_max_num_queries):
    from django.urls import reverse

    client = api_client(auditor)
    draft = Bulletin.objects.create(year=2013, month=10)
    for n, offset in ((2, 0), (25, 2)):
        _many(n, unit, accepted_report, offset)
        with django_assert_max_num_queries(8):
            assert client.get(reverse("api:bulletin-xlsx", args=[draft.pk])).status_code == 200
        with django_assert_max_num_queries(4):
            assert client.get(reverse("api:problem-xlsx")).status_code == 200
    published = Bulletin.objects.create(year=2013, month=9)
    bulletin_publish(bulletin=published, user=office)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("api:bulletin-xlsx", args=[published.pk])).status_code == 200


# --- the admin: buttons, print version, PDF ------------------------------------------------------


def admin_client(client, user):
    client.force_login(user)
    return client


def test_the_bulletin_page_offers_excel_print_and_pdf(client, seed_000, auditor, monkeypatch):
    from django.urls import reverse

    import projects.admin.exports as admin_exports

    bulletin = Bulletin.objects.create(year=2013, month=10)
    admin_client(client, auditor)
    change = reverse("admin:projects_bulletin_change", args=[bulletin.pk])
    monkeypatch.setattr(admin_exports, "pdf_available", lambda: True)
    html = client.get(change).content.decode()
    for name in ("xlsx", "print", "pdf"):
        assert reverse(f"admin:projects_bulletin_{name}", args=[bulletin.pk]) in html
    monkeypatch.setattr(admin_exports, "pdf_available", lambda: False)
    html = client.get(change).content.decode()
    assert reverse("admin:projects_bulletin_xlsx", args=[bulletin.pk]) in html
    assert reverse("admin:projects_bulletin_pdf", args=[bulletin.pk]) not in html

    response = client.get(reverse("admin:projects_bulletin_xlsx", args=[bulletin.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert rows_by(reopen(response.content)["明细"], "项目名称")["锦江商业广场暨五星级酒店"]["完成率"].value \
        == pytest.approx(1.0909)


def test_exports_in_the_admin_need_a_staff_login(client, seed_000):
    from django.urls import reverse

    bulletin = Bulletin.objects.create(year=2013, month=10)
    for url in (reverse("admin:projects_bulletin_xlsx", args=[bulletin.pk]),
                reverse("admin:projects_bulletin_print", args=[bulletin.pk]),
                reverse("admin:projects_bulletin_pdf", args=[bulletin.pk]),
                reverse("admin:projects_problem_xlsx")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_the_print_version_shows_the_workbooks_content_on_a4_landscape(client, seed_000, office):
    from django.urls import reverse

    xingkai, jinjiang, laggard = seed_000
    bulletin = Bulletin.objects.create(year=2013, month=10)
    tables = bulletin_tables(bulletin)
    html = admin_client(client, office).get(reverse("admin:projects_bulletin_print", args=[bulletin.pk])) \
        .content.decode()
    assert "size: A4 landscape" in html and "print-color-adjust: exact" in html
    assert 'onclick="window.print()"' in html
    assert tables.title in html and "草稿" in html
    assert "103.33%" in html and "109.09%" in html
    assert "12.60" in html  # completed YTD of all projects in 亿元
    assert '<td class="light light-red">红灯</td>' in html
    assert f'td.light-red {{ background: #{LIGHT_RGB["red"]}; }}' in html
    for header in ("年度计划(亿元)", "差距(百分点)", "分包领导"):
        assert header in html
    assert "http://" not in html and "https://" not in html  # nothing from outside: printable offline


def test_the_pdf_link_answers_a_pdf(client, seed_000, office):
    from django.urls import reverse

    from projects.pdf import pdf_available

    if not pdf_available():
        pytest.skip("no PDF engine here: needs chromium on PATH and a Chinese font (fonts-wqy-microhei)")
    bulletin = Bulletin.objects.create(year=2013, month=10)
    response = admin_client(client, office).get(reverse("admin:projects_bulletin_pdf", args=[bulletin.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="bulletin-2013-10.pdf"' in response["Content-Disposition"]


def test_without_a_pdf_engine_the_pdf_link_leads_to_the_print_version(client, seed_000, office, monkeypatch):
    from django.urls import reverse

    import projects.pdf

    monkeypatch.setattr(projects.pdf, "pdf_engine", lambda: None)
    bulletin = Bulletin.objects.create(year=2013, month=10)
    response = admin_client(client, office).get(reverse("admin:projects_bulletin_pdf", args=[bulletin.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:projects_bulletin_print", args=[bulletin.pk])


def test_the_problem_changelist_exports_as_filtered(client, auditor, project, unit, other_unit):
    from django.urls import reverse

    for i, responsible in enumerate([unit, other_unit, unit]):
        Problem.objects.create(project=project, category="other", title=f"问题{i}", responsible_unit=responsible,
                               raised_on=datetime.date(2013, 9, 1), deadline=datetime.date(2013, 10, 1))
    admin_client(client, auditor)
    changelist = reverse("admin:projects_problem_changelist")
    query = f"?responsible_unit__id__exact={other_unit.pk}"
    html = client.get(changelist + query).content.decode()
    assert reverse("admin:projects_problem_xlsx") + query in html
    response = client.get(reverse("admin:projects_problem_xlsx") + query)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = reopen(response.content)["问题台账"]
    assert set(rows_by(sheet, "问题")) == {"问题1"}
    assert "王褚街道办事处" in sheet["A2"].value  # the filter is named on the sheet
    everything = reopen(client.get(reverse("admin:projects_problem_xlsx")).content)["问题台账"]
    assert set(rows_by(everything, "问题")) == {"问题0", "问题1", "问题2"}
    bad = client.get(reverse("admin:projects_problem_xlsx") + "?nonsense=1")
    assert bad.status_code == 302 and "e=1" in bad["Location"]


def test_the_problem_action_exports_the_selected_rows(client, office, project, unit):
    from django.urls import reverse

    problems = [Problem.objects.create(project=project, category="other", title=f"问题{i}", responsible_unit=unit,
                                       raised_on=datetime.date(2013, 9, 1), deadline=datetime.date(2013, 10, 1))
                for i in range(3)]
    response = admin_client(client, office).post(reverse("admin:projects_problem_changelist"), {
        "action": "export_selected_problems", "_selected_action": [problems[0].pk, problems[2].pk]})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert set(rows_by(reopen(response.content)["问题台账"], "问题")) == {"问题0", "问题2"}


def test_the_review_page_exports_the_ranking(client, scored_review, auditor):
    from django.urls import reverse

    review, projects, criteria = scored_review
    admin_client(client, auditor)
    html = client.get(reverse("admin:projects_review_change", args=[review.pk])).content.decode()
    assert reverse("admin:projects_review_xlsx", args=[review.pk]) in html
    response = client.get(reverse("admin:projects_review_xlsx", args=[review.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'filename="review-ranking-2013-Q3.xlsx"' in response["Content-Disposition"]
    assert rows_by(reopen(response.content)["观摩排名"], "项目名称")["商业0"]["标记"].value == "激励先进"


def test_admin_exports_run_a_constant_number_of_queries(client, auditor, unit, accepted_report,
                                                        django_assert_max_num_queries):
    from django.urls import reverse

    admin_client(client, auditor)
    bulletin = Bulletin.objects.create(year=2013, month=10)
    for n, offset in ((2, 0), (25, 2)):
        _many(n, unit, accepted_report, offset)
        for url, limit in ((reverse("admin:projects_bulletin_xlsx", args=[bulletin.pk]), 12),
                           (reverse("admin:projects_bulletin_print", args=[bulletin.pk]), 12),
                           (reverse("admin:projects_problem_xlsx"), 12)):
            with django_assert_max_num_queries(limit):
                assert client.get(url).status_code == 200


# --- evaluations ---------------------------------------------------------------------------------


def test_the_evaluation_workbook_carries_the_computed_and_the_frozen_ranking(unit, other_unit, accepted_report,
                                                                           office, auditor, client):
    from django.urls import reverse

    from projects.choices import EvaluationKind
    from projects.models import Evaluation
    from projects.services.evaluations import evaluation_compute, evaluation_publish

    for name, owner, plan, ytd in (("甲", unit, "1000", "900"), ("乙", unit, "1000", "300"),
                                   ("丙", other_unit, "1000", "600")):
        accepted_report(make_project(name, owner, plan), 2013, 6, ytd)
    evaluation = Evaluation.objects.create(year=2013, kind=EvaluationKind.HALF_YEAR)
    computed = evaluation_compute(evaluation=evaluation)
    for published in (False, True):
        if published:
            evaluation_publish(evaluation=evaluation, user=office)
            evaluation.refresh_from_db()
            response = api_client(auditor).get(reverse("api:evaluation-xlsx", args=[evaluation.pk]))
        else:
            response = admin_client(client, auditor).get(reverse("admin:projects_evaluation_xlsx",
                                                                 args=[evaluation.pk]))
        assert response.status_code == 200 and response["Content-Type"] == XLSX
        workbook = reopen(response.content)
        assert workbook.sheetnames == ["项目", "单位"]
        assert ("已发布" if published else "草稿") in workbook["项目"]["A2"].value
        for sheet_name, expected in (("项目", computed.projects), ("单位", computed.units)):
            sheet = workbook[sheet_name]
            assert_a4_landscape(sheet)
            rows = rows_by(sheet, "名称")
            assert len(rows) == len(expected)
            for result in expected:
                name = result.name if sheet_name == "项目" else (unit if result.unit_id == unit.pk else other_unit).name
                cells = rows[name]
                assert cells["排名"].value == result.rank
                assert cells["总分"].value == pytest.approx(float(result.total))
                assert cells["投资完成得分"].value == pytest.approx(float(result.completion_score))
                assert cells["总分"].number_format == "0.00"
        projects = rows_by(workbook["项目"], "名称")
        assert projects["甲"]["排名"].value == 1 and rgb(projects["甲"]["名称"]) == TOP_RGB
        assert projects["乙"]["排名"].value == 3 and rgb(projects["乙"]["名称"]) == OVERDUE_RGB


def test_an_empty_bulletin_still_exports(db):
    bulletin = Bulletin.objects.create(year=2013, month=1)
    workbook = reopen(bulletin_workbook(bulletin))
    assert workbook["汇总"]["C4"].value == 0  # all projects: none
    assert workbook["明细"].max_row == 3 and workbook["排名靠后"].max_row == 3
