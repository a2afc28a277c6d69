"""with_progress joins at most one plan and one report a project: count() leaves the joins out
unless a filter uses them, and always counts the same projects."""

from decimal import Decimal

import pytest

from projects.models import AnnualPlan, MonthlyReport, Project, Unit

pytestmark = pytest.mark.django_db


def test_count_with_progress_is_the_count_of_the_rows():
    unit = Unit.objects.create(name="计数单位")
    for n in range(4):
        project = Project.objects.create(name=f"计数项目{n}", lead_unit=unit)
        if n:
            AnnualPlan.objects.create(project=project, year=2013, planned_investment=Decimal("100"))
        for month in range(1, n + 1):
            MonthlyReport.objects.create(project=project, year=2013, month=month, status="accepted",
                                         completed_ytd=Decimal(10 * month))
    base = Project.objects.with_progress(2013, 12)
    for qs in (base, base.active(), base.filter(plan_baseline__isnull=False), base.filter(completion_rate__gt=15),
               base.filter(report_month=2), base.filter(name__startswith="计数项目").order_by("-completion_rate"),
               base.filter(pk__in=[]), base.values("pk", "completion_rate")):
        assert qs.count() == len(list(qs))
    assert base.filter(plan_baseline__isnull=False).count() == 3
    assert base.filter(completion_rate__gt=15).count() == 2


def test_count_leaves_out_left_joins_along_foreign_keys():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import Zone

    zone = Zone.objects.create(code="count-zone", name="计数区")
    unit = Unit.objects.create(name="计数单位")
    Project.objects.create(name="有区项目", zone=zone, lead_unit=unit)
    Project.objects.create(name="无区项目")
    listed = Project.objects.with_progress(2013, 12).active().values("pk", "zone__name", "lead_unit__name")
    for qs in (listed, listed.filter(zone__name="计数区"), listed.filter(zone__isnull=True),
               listed.filter(lead_unit__name__startswith="计数"), listed.order_by("zone__name"),
               Project.objects.values("zone__name", "zone__code", "lead_unit__parent__name")):
        assert qs.count() == len(list(qs))
    with CaptureQueriesContext(connection) as ctx:
        assert listed.all().count() == 2
    assert "JOIN" not in ctx.captured_queries[0]["sql"]


def test_page_ids_keep_the_order_and_rows_of_the_full_query():
    unit = Unit.objects.create(name="分页单位")
    for n in range(6):
        project = Project.objects.create(name=f"分页项目{n}", lead_unit=unit)
        AnnualPlan.objects.create(project=project, year=2013, planned_investment=Decimal("100"))
        MonthlyReport.objects.create(project=project, year=2013, month=3, status="accepted",
                                     completed_ytd=Decimal(7 * ((n * 5) % 6)))
    base = Project.objects.with_progress(2013, 12).active()
    for qs in (base, base.order_by("-name"), base.order_by("-completion_rate", "name"),
               base.filter(completion_rate__gt=10).order_by("completed_ytd"), base.order_by("lead_unit__name", "-id"),
               base.for_unit(unit)):
        assert list(qs.page_ids()) == [p.pk for p in qs]
        assert list(qs.page_ids()[2:4]) == [p.pk for p in qs[2:4]]


def test_a_deep_list_page_computes_the_figures_of_its_own_rows_only(client, django_user_model):
    """The list pages the ids (no progress join, no per-row subquery), then reads the page's rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.choices import Role
    from projects.models import Profile

    for n in range(12):
        Project.objects.create(name=f"深页项目{n:02d}")
    user = django_user_model.objects.create_user("pager")
    Profile.objects.create(user=user, role=Role.OFFICE)
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/api/projects/", {"page": 3, "page_size": 5, "progress_year": 2013}).json()
    assert [row["name"] for row in body["results"]] == ["深页项目10", "深页项目11"]
    ids_sql = next(q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "projects_project"."id" AS "pk"'))
    assert "JOIN" not in ids_sql and "OFFSET 10" in ids_sql
    rows_sql = next(q["sql"] for q in ctx.captured_queries if "progress_plan" in q["sql"] and '"code"' in q["sql"])
    assert "OFFSET" not in rows_sql and " IN (" in rows_sql
