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
