"""The dashboard (services/dashboard.py, /admin/dashboard/, the admin index, GET /api/dashboard/):
figures against a hand-worked example, scoping per role, links that filter, pinned query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from projects.choices import Category, Role, Stage
from projects.exceptions import DomainError, NotAllowed
from projects.models import AnnualPlan, Leader, MonthlyReport, Problem, Project
from projects.services.dashboard import dashboard_data
from projects.tests.conftest import make_user
from projects.tests.dashboard_world import SUBMITTED, dashboard_example as example  # noqa: F401 (fixture)

D = Decimal
def names(lines):
    return [line["project_name"] for line in lines]


def light_counts(data):
    return {item["light"]: item["count"] for item in data["lights"]}


# --- figures ---------------------------------------------------------------------------------------


def test_office_figures_match_the_hand_worked_example(example, office):
    data = dashboard_data(office, 2013, 10)
    assert (data["year"], data["month"], data["month_source"]) == (2013, 10, "requested")
    assert data["time_progress"] == D("83.33") and data["as_of"] == datetime.date(2013, 10, 31)
    assert data["project_count"] == 3
    assert data["totals"]["plan_in_force"] == D("125000.00")
    assert data["totals"]["completed_ytd"] == D("123000.00")
    assert data["totals"]["completion_rate"] == D("98.40")
    assert data["totals"]["gap_points"] == D("15.07")
    assert light_counts(data) == {"green": 2, "yellow": 0, "red": 1}


def test_the_monthly_series_carries_reports_forward_against_the_plan_line(example, office):
    series = dashboard_data(office, 2013, 10)["series"]
    assert [point["month"] for point in series] == list(range(1, 11))
    completed = [point["completed_ytd"] for point in series]
    assert completed == [D("0.00")] * 2 + [D("1000.00")] * 6 + [D("51000.00"), D("123000.00")]
    # 125000 × m ÷ 12
    assert series[0]["planned_to_date"] == D("10416.67")
    assert series[5]["planned_to_date"] == D("62500.00")
    assert series[9]["planned_to_date"] == D("104166.67")


def test_completion_by_zone_and_by_category(example, office):
    data = dashboard_data(office, 2013, 10)
    zones = {z["key"]: (z["count"], z["completed_ytd"], z["completion_rate"]) for z in data["by_zone"]}
    assert zones == {"特色商业区": (1, D("62000.00"), D("103.33")), "解放工业园区": (1, D("60000.00"), D("109.09")),
                     "": (1, D("1000.00"), D("10.00"))}
    categories = {c["key"]: (c["count"], c["plan_in_force"], c["completion_rate"]) for c in data["by_category"]}
    assert categories == {"commerce": (2, D("70000.00"), D("90.00")), "industry": (1, D("55000.00"), D("109.09"))}
    labels = {c["key"]: c["label"] for c in data["by_category"]}
    assert labels["industry"] in ("Industry", "工业")


def test_overdue_problems_and_missing_reports_of_the_month(example, office):
    data = dashboard_data(office, 2013, 10)
    problems = data["overdue_problems"]
    assert problems["count"] == 1
    assert [(p["title"], p["project_name"], p["days_overdue"]) for p in problems["items"]] == [
        ("征地拆迁未完成", "安置房", 31)]
    missing = data["missing_reports"]
    assert missing["count"] == 1
    assert [(u["unit_name"], [p["project_name"] for p in u["projects"]]) for u in missing["units"]] == [
        ("王褚街道办事处", ["安置房"])]


def test_an_earlier_month_counts_problems_and_reports_as_of_that_month(example, office):
    data = dashboard_data(office, 2013, 9)
    assert data["overdue_problems"]["count"] == 0  # the deadline 2013-09-30 is not past on 09-30
    assert sorted(p["project_name"] for u in data["missing_reports"]["units"] for p in u["projects"]) == [
        "安置房", "锦江国际商业广场"]
    assert data["totals"]["completed_ytd"] == D("51000.00")


def test_the_default_month_is_the_latest_with_accepted_reports(example, office, reporter, leader_user):
    data = dashboard_data(office)
    assert (data["year"], data["month"], data["month_source"]) == (2013, 10, "latest_accepted")
    MonthlyReport.objects.filter(project=example.a, month=10).update(status="submitted")
    assert (dashboard_data(leader_user)["month"], dashboard_data(leader_user)["month_source"]) == (
        9, "latest_accepted")


def test_without_any_accepted_report_the_current_month_is_shown(db, office):
    data = dashboard_data(office)
    assert data["month_source"] == "current" and data["project_count"] == 0
    assert [point["completed_ytd"] for point in data["series"]] == [D("0.00")] * data["month"]


def test_best_and_worst_five_never_overlap(db, office, unit, accepted_report):
    for i in range(12):
        project = Project.objects.create(name=f"项目{i:02d}", category=Category.INDUSTRY, stage=Stage.CONTINUING,
                                         total_investment=D("1000"), lead_unit=unit)
        AnnualPlan.objects.create(project=project, year=2013, planned_investment=D("100"))
        accepted_report(project, 2013, 6, str(10 * i))  # 项目00 0%, …, 项目11 110%
    data = dashboard_data(office, 2013, 6)
    assert names(data["best"]) == ["项目11", "项目10", "项目09", "项目08", "项目07"]
    assert names(data["worst"]) == ["项目00", "项目01", "项目02", "项目03", "项目04"]
    assert data["best"][0]["completion_rate"] == D("110.00")
    Project.objects.filter(name__in=[f"项目{i:02d}" for i in range(5, 12)]).update(is_archived=True)
    few = dashboard_data(office, 2013, 6)
    # Five projects: at most half (2) in each list; the middle one in neither.
    assert names(few["best"]) == ["项目04", "项目03"] and names(few["worst"]) == ["项目00", "项目01"]


def test_year_and_month_come_together_and_within_range(example, office):
    with pytest.raises(DomainError):
        dashboard_data(office, 2013, None)
    with pytest.raises(DomainError):
        dashboard_data(office, 2013, 13)


# --- scoping -------------------------------------------------------------------------------------


def test_a_leader_sees_only_the_projects_he_is_responsible_for(example, leader_user):
    data = dashboard_data(leader_user, 2013, 10)
    assert data["project_count"] == 1 and data["role"] == Role.LEADER
    # One project is not a ranking: neither best nor worst.
    assert data["best"] == [] and data["worst"] == []
    assert data["totals"]["completed_ytd"] == D("62000.00")
    assert light_counts(data) == {"green": 1, "yellow": 0, "red": 0}
    assert [z["key"] for z in data["by_zone"]] == ["特色商业区"]
    assert data["overdue_problems"]["count"] == 0 and data["missing_reports"]["count"] == 0
    assert [p["completed_ytd"] for p in data["series"]][-2:] == [D("50000.00"), D("62000.00")]


def test_a_reporter_sees_its_units_projects_lead_or_cooperating(example, reporter, outsider):
    data = dashboard_data(reporter, 2013, 10)
    assert (names(data["best"]), names(data["worst"])) == (["星凯国际城市综合体"], ["安置房"])
    assert data["totals"]["completed_ytd"] == D("63000.00")
    assert light_counts(data) == {"green": 1, "yellow": 0, "red": 1}
    assert data["overdue_problems"]["count"] == 1
    other = dashboard_data(outsider, 2013, 10)
    assert (names(other["best"]), names(other["worst"])) == (["锦江国际商业广场"], ["安置房"])


def test_auditors_see_everything_and_accounts_without_a_role_nothing(example, auditor):
    assert dashboard_data(auditor, 2013, 10)["project_count"] == 3
    nobody = get_user_model().objects.create_user("nobody", password="pw-nobody-123", is_staff=True)
    with pytest.raises(NotAllowed):
        dashboard_data(nobody, 2013, 10)


def test_a_leader_account_without_a_leader_record_sees_no_project(example):
    user = make_user("lonely", Role.LEADER)
    assert dashboard_data(user, 2013, 10)["project_count"] == 0


# --- links ---------------------------------------------------------------------------------------


def changelist_ids(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return sorted(obj.pk for obj in response.context["cl"].result_list)


def listed_ids(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return sorted(row.project_id for row in response.context["rows"])


def test_the_light_links_list_exactly_the_projects_of_that_light(example, office, leader_user, client):
    client.force_login(office)
    data = dashboard_data(office, 2013, 10)
    links = {item["light"]: item["url"] for item in data["lights"]}
    assert "light=green" in links["green"] and "year=2013" in links["green"] and "month=10" in links["green"]
    assert listed_ids(client, links["green"]) == sorted([example.a.pk, example.b.pk])
    assert listed_ids(client, links["red"]) == [example.c.pk]
    assert links["yellow"] is None  # nothing to list
    # The leader's link lists his project only, even when he opens the office's link.
    leader_links = {item["light"]: item["url"] for item in dashboard_data(leader_user, 2013, 10)["lights"]}
    client.force_login(leader_user)
    assert listed_ids(client, leader_links["green"]) == [example.a.pk]
    assert listed_ids(client, links["red"]) == []


def test_the_light_list_shows_the_month_and_refuses_nonsense(example, office, client):
    client.force_login(office)
    url = reverse("tracker_dashboard_projects")
    response = client.get(url, {"year": 2013, "month": 10, "light": "red"}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "October 2013" in html and "安置房" in html and "星凯国际城市综合体" not in html
    assert "73.33 points behind time progress" in html
    assert client.get(url, {"year": 2013, "month": 10, "light": "blue"}).status_code == 400
    assert client.get(url, {"year": 2013, "month": 13}).status_code == 400
    assert listed_ids(client, url) == sorted([example.a.pk, example.b.pk, example.c.pk])  # default month


def changelist_ids(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return sorted(obj.pk for obj in response.context["cl"].result_list)


def test_problem_links_filter(example, office, reporter, client):
    data = dashboard_data(reporter, 2013, 10)
    client.force_login(reporter)
    assert changelist_ids(client, data["overdue_problems"]["url"]) == [example.overdue.pk]
    assert client.get(data["overdue_problems"]["items"][0]["url"]).status_code == 200
    assert data["best"][0]["url"] == reverse("admin:projects_project_sheet", args=[example.a.pk]) + "?year=2013"


# --- query counts ------------------------------------------------------------------------------


def build(n, unit, other_unit, zone, leader, start=0):
    """n projects alternating between the units, each with a plan, an accepted April report, a June
    report (accepted; every fourth one returned: a draft that keeps its submitted time, so missing),
    a leader and an overdue problem."""
    for i in range(start, start + n):
        lead = unit if i % 2 else other_unit
        project = Project.objects.create(name=f"批量项目{i:03d}", category=Category.INDUSTRY, zone=zone,
                                         stage=Stage.CONTINUING, total_investment=D("1000"), lead_unit=lead)
        project.leaders.add(leader)
        if i % 3 == 0:
            project.cooperating_units.add(other_unit if i % 2 else unit)
        AnnualPlan.objects.create(project=project, year=2013, planned_investment=D("100"))
        for month, ytd in ((4, 30), (6, 40 + i)):
            returned = month == 6 and i % 4 == 0
            MonthlyReport.objects.create(project=project, year=2013, month=month, completed_ytd=D(ytd),
                                         status="draft" if returned else "accepted", submitted_at=SUBMITTED)
        Problem.objects.create(project=project, category="funding", title=f"问题{i}", responsible_unit=lead,
                               raised_on=datetime.date(2013, 1, 1), deadline=datetime.date(2013, 3, 1))


def count_queries(user, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        dashboard_data(user, **kwargs)
    return len(ctx.captured_queries)


# For June: the profile, the default month (2: plans per year, accepted reports per month), 4 for the bulletin, 1 for the series (January to May in
# one grouped query), 1 for the overdue problems and 1 for the missing reports; a leader's or
# reporter's scope adds its leader record or unit and the scope's project ids.
QUERIES = {"office": 10, "reporter": 12, "leader_user": 12}


@pytest.mark.parametrize("persona", ["office", "reporter", "leader_user"])
def test_query_count_is_pinned_and_independent_of_the_number_of_projects(
        persona, request, unit, other_unit, zone, django_assert_num_queries):
    user = request.getfixturevalue(persona)
    leader = Leader.objects.get(user=user) if persona == "leader_user" else \
        Leader.objects.create(name="副区长", body="government")
    build(5, unit, other_unit, zone, leader)
    user = get_user_model().objects.get(pk=user.pk)
    small = count_queries(user)
    build(45, unit, other_unit, zone, leader, start=5)
    user = get_user_model().objects.get(pk=user.pk)
    with django_assert_num_queries(QUERIES[persona]):
        data = dashboard_data(user)
    # The reporter's unit leads the odd projects and cooperates on the even multiples of 3.
    expected = {"office": 50, "leader_user": 50, "reporter": 25 + 9}[persona]
    assert data["month"] == 6 and data["project_count"] == expected
    user = get_user_model().objects.get(pk=user.pk)
    assert count_queries(user) == small


def series_month_by_month(user, year, month):
    """The monthly series as it was computed before the grouped query: one `with_progress`
    aggregate over the dashboard's projects per month."""
    from django.db.models import Sum

    ids = [line["project_id"] for line in bulletin_lines(user, year, month)]
    return [(Project.objects.filter(pk__in=ids).with_progress(year, m).aggregate(total=Sum("completed_ytd"))["total"]
             or D(0)).quantize(D("0.01")) for m in range(1, month + 1)]


def bulletin_lines(user, year, month):
    from projects.services.dashboard import dashboard_rows

    return [{"project_id": r.project_id} for r in dashboard_rows(user, year, month).rows]


@pytest.mark.parametrize("persona", ["office", "reporter", "leader_user"])
def test_the_series_carries_each_projects_latest_accepted_report_forward(
        persona, request, unit, other_unit, zone):
    user = request.getfixturevalue(persona)
    leader = Leader.objects.get(user=user) if persona == "leader_user" else \
        Leader.objects.create(name="副区长", body="government")
    build(12, unit, other_unit, zone, leader)
    projects = list(Project.objects.order_by("pk"))
    # Gaps, a report that is not accepted, an earlier year, a project without a plan this year,
    # an archived one: none of them may change what a month carries.
    for i, project in enumerate(projects):
        if i % 3 == 0:
            MonthlyReport.objects.create(project=project, year=2013, month=2, completed_ytd=D(10 + i),
                                         status="accepted")
        if i % 4 == 1:
            MonthlyReport.objects.create(project=project, year=2013, month=5, completed_ytd=D(999),
                                         status="submitted", submitted_at=SUBMITTED)
        MonthlyReport.objects.create(project=project, year=2012, month=11, completed_ytd=D(500), status="accepted")
    AnnualPlan.objects.filter(project=projects[2], year=2013).delete()
    Project.objects.filter(pk=projects[5].pk).update(is_archived=True)
    user = get_user_model().objects.get(pk=user.pk)
    for month in (1, 2, 5, 6, 12):
        series = dashboard_data(user, 2013, month)["series"]
        assert [p["completed_ytd"] for p in series] == series_month_by_month(user, 2013, month), month


def test_the_series_is_one_query_whatever_the_month_and_the_number_of_projects(
        office, unit, other_unit, zone, django_assert_max_num_queries):
    leader = Leader.objects.create(name="副区长", body="government")
    build(3, unit, other_unit, zone, leader)
    months = (1, 2, 6, 12)
    small = {month: count_queries(office, year=2013, month=month) for month in months}
    build(30, unit, other_unit, zone, leader, start=3)
    for month in months:
        # The requested month needs no default-month queries (2); the profile is cached on the user.
        with django_assert_max_num_queries(QUERIES["office"] - 3):
            dashboard_data(office, 2013, month)
    large = {month: count_queries(office, year=2013, month=month) for month in months}
    assert set(small.values()) == set(large.values()) == {QUERIES["office"] - 3}


def test_long_lists_are_cut_but_the_counts_stay_exact(office, unit, other_unit, zone, client, monkeypatch):
    from projects.services import dashboard

    leader = Leader.objects.create(name="副区长", body="government")
    build(12, unit, other_unit, zone, leader)  # 12 overdue problems; 3 projects without a June report
    full = dashboard_data(office, 2013, 6)
    assert full["overdue_problems"]["count"] == 12 and not full["overdue_problems"]["truncated"]
    assert full["missing_reports"]["count"] == 3 and not full["missing_reports"]["truncated"]
    monkeypatch.setattr(dashboard, "LIST_LIMIT", 2)
    data = dashboard_data(office, 2013, 6)
    problems, missing = data["overdue_problems"], data["missing_reports"]
    assert problems["count"] == 12 and problems["truncated"]
    assert problems["items"] == full["overdue_problems"]["items"][:2]
    # Beyond the limit a link can only filter (the ids do not fit a URL); the admin's filter is the
    # dashboard's set only for every project and today, so a past month gets no link at all...
    assert problems["url"] is None
    # ...and "today" gets the filter: the same 12 problems.
    import datetime

    monkeypatch.setattr(dashboard.timezone, "localdate", lambda *a, **k: datetime.date(2013, 6, 30))
    problems = dashboard_data(office, 2013, 6)["overdue_problems"]
    client.force_login(office)
    listed = changelist_ids(client, problems["url"] + "&all=")
    assert listed == sorted(item["id"] for item in full["overdue_problems"]["items"])
    assert missing["count"] == 3 and missing["truncated"]
    assert [(u["unit_name"], u["count"], len(u["projects"])) for u in missing["units"]] == \
        [(u["unit_name"], u["count"], min(2, u["count"])) for u in full["missing_reports"]["units"]][:1]
    assert sum(len(u["projects"]) for u in missing["units"]) == 2


def test_the_admin_page_query_count_does_not_grow_with_projects(
        office, unit, other_unit, zone, client):
    leader = Leader.objects.create(name="副区长", body="government")
    client.force_login(office)
    build(5, unit, other_unit, zone, leader)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("tracker_dashboard")).status_code == 200
    build(45, unit, other_unit, zone, leader, start=5)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("tracker_dashboard")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# --- pages -------------------------------------------------------------------------------------


def test_the_dashboard_page_shows_the_month_charts_and_lights(example, office, client, settings):
    client.force_login(office)
    response = client.get(reverse("tracker_dashboard"), {"year": 2013, "month": 10}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/projects/vendor/chartjs-4.6.1/chart.umd.min.js" in html
    # (Not a bare "cdn": the page's random CSRF token may contain those letters.)
    assert not re.search(r"(?:src|href)=[\"'](?:https?:)?//", html) and "https://" not in html
    assert not any(host in html.lower() for host in ("cdn.", "cdnjs", "jsdelivr", "unpkg"))
    for canvas in ("trk-chart-months", "trk-chart-zones", "trk-chart-categories"):
        assert f'id="{canvas}"' in html
    assert 'id="trk-dashboard-data"' in html
    assert "October 2013" in html
    assert response.context["dash"]["year"] == 2013
    chart = response.context["dash_chart"]
    assert chart["months"]["completed"][-1] == 123000.0 and len(chart["months"]["labels"]) == 10


def test_the_dashboard_speaks_chinese_by_default(example, office, client):
    client.force_login(office)
    html = client.get(reverse("tracker_dashboard")).content.decode()
    assert "十月" in html and "2013" in html


def test_the_admin_index_shows_the_dashboard_above_the_app_list(example, reporter, client):
    client.force_login(reporter)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'id="trk-dashboard"' in html and 'id="trk-chart-months"' in html
    assert html.index('id="trk-dashboard"') < html.index('id="content-main"')
    assert "安置房" in html and "锦江国际商业广场" not in html


def test_a_bad_month_on_the_page_falls_back_to_the_default(example, office, client):
    client.force_login(office)
    response = client.get(reverse("tracker_dashboard"), {"year": 2013, "month": 13})
    assert response.status_code == 200 and response.context["dash"]["month"] == 10
    assert list(response.context["messages"])


def test_a_staff_account_without_a_role_is_refused_the_page_but_keeps_the_index(db, client):
    nobody = get_user_model().objects.create_user("nobody", password="pw-nobody-123", is_staff=True)
    client.force_login(nobody)
    assert client.get(reverse("tracker_dashboard")).status_code == 403
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200 and 'id="trk-dashboard"' not in response.content.decode()


# --- API ---------------------------------------------------------------------------------------


def test_the_api_answers_the_same_data_as_json(example, office):
    api = APIClient()
    api.force_authenticate(office)
    body = api.get(reverse("api:dashboard"), {"year": 2013, "month": 10}).json()
    assert set(body) == {"year", "month", "month_source", "month_basis", "as_of", "time_progress", "role", "scope",
                         "project_count", "totals", "series", "by_zone", "by_category", "lights", "best",
                         "worst", "warnings", "overdue_problems", "missing_reports"}
    assert body["totals"] == {"plan_in_force": "125000.00", "completed_ytd": "123000.00",
                              "completed_month": "72000.00", "completion_rate": "98.40", "gap_points": "15.07"}
    assert body["series"][-1] == {"month": 10, "completed_ytd": "123000.00", "planned_to_date": "104166.67"}
    assert {item["light"]: item["count"] for item in body["lights"]} == {"green": 2, "yellow": 0, "red": 1}
    assert body["overdue_problems"]["items"][0]["deadline"] == "2013-09-30"
    assert body["as_of"] == "2013-10-31"
    default = api.get(reverse("api:dashboard")).json()
    assert (default["month_source"], default["month_basis"]) == ("latest_accepted", {"accepted": 2, "planned": 3})
    assert body["month_basis"] is None


def test_the_api_scopes_by_role_and_refuses_bad_input(example, leader_user, db):
    api = APIClient()
    assert api.get(reverse("api:dashboard")).status_code == 401
    api.force_authenticate(leader_user)
    assert api.get(reverse("api:dashboard"), {"year": 2013, "month": 10}).json()["project_count"] == 1
    bad = api.get(reverse("api:dashboard"), {"year": 2013})
    assert bad.status_code == 400 and "month" in str(bad.json())
    # A rule between two parameters, which a schema cannot state, has a code of its own (the fuzz
    # tells such refusals from what the schema states: year 2000–2100 and month 1–12 are in it).
    assert bad.json()["errors"][0]["code"] == "year_and_month"
    schema = api.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/dashboard/"]["get"]["parameters"]}
    assert parameters["year"] == {"type": "integer", "minimum": 2000, "maximum": 2100}
    assert parameters["month"] == {"type": "integer", "minimum": 1, "maximum": 12}
    assert api.get(reverse("api:dashboard"), {"year": 2013, "month": 0}).status_code == 400
    nobody = get_user_model().objects.create_user("nobody", password="pw-nobody-123")
    api.force_authenticate(nobody)
    assert api.get(reverse("api:dashboard")).status_code == 403

