"""The project sheet (项目一张表, /admin/projects/project/<id>/sheet/): what it says about a project in
a year, that its month-by-month lights are the bulletin's, that every record it lists links to its
admin page, who may read it, and its pinned query count."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import Meeting, MeetingItem, Milestone, PlanRevision, Problem, Source
from projects.services.bulletins import bulletin_compute
from projects.services.sheet import project_sheet, sheet_project
from projects.tests.conftest import make_user
from projects.tests.dashboard_world import dashboard_example as example  # noqa: F401 (fixture)

D = Decimal


def sheet_url(project, year=None):
    url = reverse("admin:projects_project_sheet", args=[project.pk])
    return f"{url}?year={year}" if year else url


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row_of(html, month):
    match = re.search(rf'<tr data-month="{month}">(.*?)</tr>', html, re.S)
    assert match, f"no row for month {month}"
    return text_of(match.group(1)).split()


def test_the_url_is_the_contract_others_link_to(example):
    assert sheet_url(example.a) == f"/admin/projects/project/{example.a.pk}/sheet/"


def test_it_shows_the_year_month_by_month_with_the_bulletins_figures(client, example, office):
    client.force_login(office)
    html = client.get(sheet_url(example.a, 2013)).content.decode()
    assert "星凯国际城市综合体" in html
    # October: plan 60,000, plan × time progress 50,000, YTD 62,000, 12,000 this month, 103.33%.
    assert row_of(html, 10) == ["十月", "60,000.00", "50,000.00", "62,000.00", "12,000.00", "103.33", "83.33",
                                "20.00", "绿灯", "已审核", "—"]
    # September carries 50,000 (83.33%); August has no report yet: nothing done, 66.67 points behind.
    assert row_of(html, 9)[:8] == ["九月", "60,000.00", "45,000.00", "50,000.00", "50,000.00", "83.33", "75.00",
                                   "8.33"]
    assert row_of(html, 8)[3:8] == ["0.00", "0.00", "0.00", "66.67", "-66.67"]
    assert "红灯" in row_of(html, 8)
    # The months stop where the bulletins do (October: the latest month with an accepted report).
    assert 'data-month="11"' not in html
    standing = text_of(re.search(r'<section id="trk-sheet-standing">(.*?)</section>', html, re.S).group(1))
    assert "62,000.00" in standing and "103.33%" in standing and "83.33%" in standing


def test_its_lights_are_the_bulletins_of_every_month(example, office):
    PlanRevision.objects.create(plan=example.a.annual_plans.get(year=2013), effective_month=7,
                                planned_investment=D("58000"), reason="调减", revised_on=datetime.date(2013, 7, 1))
    Milestone.objects.create(project=example.b, kind="topping_out", planned_date=datetime.date(2013, 6, 30),
                             actual_date=datetime.date(2013, 8, 15))
    for project in (example.a, example.b, example.c):
        sheet = project_sheet(project=sheet_project(project.pk), year=2013)
        assert [m.month for m in sheet.months] == list(range(1, 11))
        for line in sheet.months:
            row = next(r for r in bulletin_compute(year=2013, month=line.month).rows if r.project_id == project.pk)
            assert (line.light, line.completed_ytd, line.plan_in_force, line.completion_rate, line.gap_points) == (
                row.light, row.completed_ytd, row.plan_in_force, row.completion_rate, row.gap_points), (
                project.name, line.month)
            assert line.reasons == [r["text"] for r in row.reasons]


def test_a_red_project_lists_its_open_problems_with_links(client, example, office):
    client.force_login(office)
    html = client.get(sheet_url(example.c, 2013)).content.decode()
    section = re.search(r'<section id="open-problems">(.*?)</section>', html, re.S).group(1)
    assert "征地拆迁未完成" in section
    assert reverse("admin:projects_problem_change", args=[example.overdue.pk]) in section
    assert "已逾期" in text_of(section)
    standing = re.search(r'<section id="trk-sheet-standing">(.*?)</section>', html, re.S).group(1)
    assert "trk-light-red" in standing and 'href="#open-problems"' in standing
    # A resolved problem is not open.
    html_a = client.get(sheet_url(example.a, 2013)).content.decode()
    section_a = re.search(r'<section id="open-problems">(.*?)</section>', html_a, re.S).group(1)
    assert "资金缺口" not in section_a


def test_every_record_listed_links_to_its_admin_page_and_back(client, example, office):
    a = example.a
    meeting = Meeting.objects.create(kind="weekly", date=datetime.date(2013, 10, 8), title="第40周例会")
    MeetingItem.objects.create(meeting=meeting, project=a, discussion="主体封顶在即")
    milestone = Milestone.objects.create(project=a, kind="topping_out", planned_date=datetime.date(2013, 12, 1))
    source = Source.objects.create(record=a, document="000_jiefang_2013.txt", quote="星凯国际完成6.2亿元",
                                   supports="completed_ytd")
    client.force_login(office)
    html = client.get(sheet_url(a, 2013)).content.decode()
    for url in (
        reverse("admin:projects_project_change", args=[a.pk]),
        reverse("admin:projects_meeting_change", args=[meeting.pk]),
        reverse("admin:projects_milestone_change", args=[milestone.pk]),
        reverse("admin:projects_source_change", args=[source.pk]),
        reverse("admin:projects_annualplan_change", args=[a.annual_plans.get().pk]),
        reverse("admin:projects_zone_change", args=[a.zone.pk]),
        reverse("admin:projects_unit_change", args=[a.lead_unit.pk]),
        *(reverse("admin:projects_monthlyreport_change", args=[r.pk]) for r in a.reports.all()),
    ):
        assert f'href="{url}' in html, url
    assert "主体封顶在即" in html and "星凯国际完成6.2亿元" in html
    change = client.get(reverse("admin:projects_project_change", args=[a.pk])).content.decode()
    assert f'href="{sheet_url(a)}"' in change


def test_the_year_defaults_to_the_dashboards_and_can_be_chosen(client, example, office):
    example.a.annual_plans.create(year=2014, planned_investment=D("80000"))
    client.force_login(office)
    html = client.get(sheet_url(example.a)).content.decode()
    assert '<option value="2013" selected>' in html and '<option value="2014">' in html
    html = client.get(sheet_url(example.a, 2014)).content.decode()
    assert '<option value="2014" selected>' in html and "80,000.00 万元" in html
    assert "2014" in text_of(html)


def test_plans_of_other_years_are_listed_without_a_trailing_separator_and_drafts_say_so(client, example, office):
    from projects.services.rollover import year_rollover_apply
    from projects.tests.page_text import page_text

    def other_plans(html):
        lines = page_text(html, "trk-sheet-plan").splitlines()
        return next((line for line in lines if line.startswith("其他年度的计划")), "")

    a = example.a
    client.force_login(office)
    html = client.get(sheet_url(a, 2013)).content.decode()
    assert other_plans(html) == ""  # the 2013 plan only: no line
    year_rollover_apply(year=2013, user=office)  # a draft plan of 2014
    draft = a.annual_plans.get(year=2014)
    assert draft.is_draft
    html = client.get(sheet_url(a, 2013)).content.decode()
    assert other_plans(html) == f"其他年度的计划: 2014 ({draft.planned_investment:,.2f} 万元，草案)"
    a.annual_plans.create(year=2012, planned_investment=D("40000"))
    html = client.get(sheet_url(a, 2013)).content.decode()
    assert other_plans(html) == (
        f"其他年度的计划: 2014 ({draft.planned_investment:,.2f} 万元，草案)、2012 (40,000.00 万元)")
    html = client.get(sheet_url(a, 2014)).content.decode()
    assert page_text(html, "trk-sheet-plan").splitlines()[1] == (
        f"计划投资（初始）: {draft.planned_investment:,.2f} 万元 （草案，待确认）")
    assert other_plans(html) == "其他年度的计划: 2013 (60,000.00 万元)、2012 (40,000.00 万元)"


@pytest.mark.parametrize("persona, status", [
    ("office", 200), ("reporter", 200), ("outsider", 200), ("leader_user", 200), ("auditor", 200),
    ("no_role", 403), ("anonymous", 302),
])
def test_who_may_read_the_sheet(client, example, request, persona, status):
    if persona == "no_role":
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.create_user("norole", password="x", is_staff=True))
    elif persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    assert client.get(sheet_url(example.a, 2013)).status_code == status


def test_an_unknown_project_is_not_found(client, office):
    client.force_login(office)
    assert client.get(reverse("admin:projects_project_sheet", args=[999999])).status_code == 404


def test_its_query_count_does_not_grow_with_the_records(client, example, office, django_assert_max_num_queries):
    a = example.a
    for n in range(8):
        meeting = Meeting.objects.create(kind="weekly", date=datetime.date(2013, 9, 1 + n), title=f"例会{n}")
        MeetingItem.objects.create(meeting=meeting, project=a, discussion="推进")
        Problem.objects.create(project=a, category="funding", title=f"问题{n}", responsible_unit=a.lead_unit,
                               raised_on=datetime.date(2013, 9, 1), deadline=datetime.date(2013, 12, 1))
        Milestone.objects.create(project=a, kind="other", name=f"节点{n}", planned_date=datetime.date(2013, 11, 1))
        Source.objects.create(record=a, document=f"00{n}.txt", quote="引文", supports="name")
    client.force_login(office)
    with django_assert_max_num_queries(24):
        response = client.get(sheet_url(a, 2013))
    assert response.status_code == 200
    assert response.content.decode().count("例会") >= 8


def test_bulletin_rows_light_lists_dashboard_and_print_view_link_to_the_sheet(client, example, office):
    from projects.models import Bulletin

    client.force_login(office)
    bulletin = Bulletin.objects.create(year=2013, month=10)
    a_sheet, c_sheet = sheet_url(example.a, 2013), sheet_url(example.c, 2013)
    change = client.get(reverse("admin:projects_bulletin_change", args=[bulletin.pk])).content.decode()
    assert f'href="{a_sheet}">星凯国际城市综合体</a>' in change
    # Only the red row (安置房) links to its open problems.
    assert f'href="{c_sheet}#open-problems"' in change
    assert change.count("#open-problems") == 1
    printed = client.get(reverse("admin:projects_bulletin_print", args=[bulletin.pk])).content.decode()
    assert f'href="{a_sheet}">星凯国际城市综合体</a>' in printed
    red = client.get(reverse("tracker_dashboard_projects") + "?year=2013&month=10&light=red").content.decode()
    assert f'href="{c_sheet}">安置房</a>' in red and f'href="{c_sheet}#open-problems"' in red
    dashboard = client.get(reverse("tracker_dashboard") + "?year=2013&month=10").content.decode()
    # Of three projects the dashboard names one best (锦江) and one worst (安置房): docs/rankings.md.
    assert f'href="{sheet_url(example.b, 2013)}">锦江国际商业广场</a>' in dashboard
    assert f'href="{c_sheet}">安置房</a>' in dashboard


def test_the_project_lists_light_is_the_bulletins(example):
    from projects.models import Project
    from projects.querysets import with_light

    Milestone.objects.create(project=example.b, kind="topping_out", planned_date=datetime.date(2013, 6, 30),
                             actual_date=datetime.date(2013, 8, 15))
    for month in range(1, 13):
        rows = {r.project_id: r for r in bulletin_compute(year=2013, month=month).rows}
        for project in with_light(Project.objects.all(), 2013, month):
            row = rows.get(project.pk)
            assert (project.light, project.completion_rate is None) == (
                (row.light, row.completion_rate is None) if row else (None, True)), (project.name, month)
            if row and row.completion_rate is not None:
                assert round(project.completion_rate, 2) == row.completion_rate


def test_the_project_list_shows_the_latest_months_light_and_rate(client, example, office,
                                                                 django_assert_max_num_queries):
    client.force_login(office)
    with django_assert_max_num_queries(17):  # filters' choices, count, rows and prefetches: not per row
        html = client.get(reverse("admin:projects_project_changelist")).content.decode()
    # October 2013 is the latest month with accepted reports: 星凯 green 103.33%, 安置房 red 10.00%.
    assert re.search(rf'href="{sheet_url(example.a)}" class="trk-standing">.*?绿灯</span> 103.33%', html)
    assert re.search(rf'href="{sheet_url(example.c)}" class="trk-standing">.*?红灯</span> 10.00%', html)
