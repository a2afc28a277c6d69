"""The project list's fast path (projects/api/project_list.py, bench B1): the same rows as
ProjectListSerializer over model instances, and a query count that does not grow with the rows."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIRequestFactory

from projects.api import serializers as s
from projects.api.project_list import schedule_light
from projects.api.views import PROJECT_QUERYSET
from projects.choices import ReportStatus
from projects.models import AnnualPlan, Leader, MonthlyReport, Programme, Project, Unit, Zone
from projects.tests.api_utils import api, fast_passwords, results, users, world  # noqa: F401


def make_projects(n, start=0):
    zone = Zone.objects.order_by("id").first()
    units = list(Unit.objects.order_by("id")[:2])
    leaders = list(Leader.objects.order_by("id")[:2])
    programmes = list(Programme.objects.order_by("id")[:2])
    for i in range(start, start + n):
        project = Project.objects.create(
            name=f"测试项目{i:04d}", category=["industry", "infrastructure", "other"][i % 3],
            zone=zone if i % 4 else None, stage=["reserve", "new", "continuing"][i % 3],
            total_investment=Decimal(1000 + i), lead_unit=units[0] if units and i % 5 else None,
        )
        project.leaders.set(leaders[: i % 3])
        project.cooperating_units.set(units[1:] if i % 2 else [])
        project.programmes.set(programmes[: i % 3])
        AnnualPlan.objects.create(project=project, year=2013, planned_investment=Decimal(100 + i))
        if i % 3:
            MonthlyReport.objects.create(project=project, year=2013, month=10 - (i % 2),
                                         completed_ytd=Decimal(i * 7 % 130), status=ReportStatus.ACCEPTED)


def list_queries(api, n):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(reverse("api:project-list"),
                           {"page_size": n, "progress_year": 2013, "progress_month": 10})
    assert response.status_code == 200
    return len(ctx), response.json()


def test_fast_rows_equal_the_serializer_over_instances(api, world):
    make_projects(30)
    api.force_authenticate(world.users["auditor"])
    _n, body = list_queries(api, 500)
    request = APIRequestFactory().get("/")
    context = {"request": request, "progress": (2013, 10)}
    instances = PROJECT_QUERYSET.active().with_progress(2013, 10).order_by("name")
    expected = s.ProjectListSerializer(instances, many=True, context=context).data
    assert body["count"] == len(expected) > 30
    assert body["results"] == [dict(row) for row in expected]
    assert {row["light"] for row in body["results"]} >= {"green", "yellow", "red"}


def test_list_query_count_is_the_same_for_10_and_1000_rows(api, world):
    make_projects(10)
    api.force_authenticate(world.users["auditor"])
    few, body = list_queries(api, 10)
    assert len(body["results"]) == 10
    make_projects(1000, start=10)
    many, body = list_queries(api, 1000)
    assert len(body["results"]) == 1000
    assert few == many


def test_many_to_many_ids_follow_the_related_models_ordering(api, world):
    # Created so that the id order is not the Meta order (Leader/Unit: name; Programme: -year, code).
    leaders = [Leader.objects.create(name=name) for name in ("Leader B", "Leader A", "Leader C")]
    units = [Unit.objects.create(name=name) for name in ("Unit Z", "Unit A")]
    programmes = [Programme.objects.create(code=code, year=year, label=code, name=code)
                  for code, year in (("b-2013", 2013), ("a-2013", 2013), ("c-2014", 2014))]
    project = Project.objects.create(name="排序测试", category="industry", stage="new")
    project.leaders.set(leaders)
    project.cooperating_units.set(units)
    project.programmes.set(programmes)
    api.force_authenticate(world.users["auditor"])
    _n, body = list_queries(api, 500)
    row = next(row for row in body["results"] if row["id"] == project.pk)
    assert row["leaders"] == [p.pk for p in project.leaders.all()] == [leaders[1].pk, leaders[0].pk, leaders[2].pk]
    assert row["cooperating_units"] == [units[1].pk, units[0].pk]
    assert row["programmes"] == [programmes[2].pk, programmes[1].pk, programmes[0].pk]
    assert [p.pk for p in project.programmes.all()] == row["programmes"]


@pytest.mark.parametrize("rate, month, report_month, light", [
    (None, 6, 6, "green"), (Decimal("45"), 6, 6, "green"), (Decimal("40.00"), 6, 6, "yellow"),
    (Decimal("20.01"), 6, 6, "yellow"), (Decimal("19.99"), 6, 6, "red"), (Decimal("60"), 6, 5, "yellow"),
    (Decimal("10"), 6, None, "red"),
])
def test_schedule_light_follows_the_bulletin_rule(rate, month, report_month, light):
    assert schedule_light(rate, month, report_month) == light


def test_sqlite_fused_converters_repeat_djangos_conversions():
    # A table column is quantized to its own places by Django's SQLite converter before the
    # serializer quantizes it to its places: 1.0051 → 1.005 → 1.00 (half even), not 1.01.
    import decimal

    from django.db.models import DecimalField
    from django.db.models.expressions import Col

    from projects.api.project_list import sqlite_fused

    context = decimal.Context(prec=14)
    column = DecimalField(max_digits=14, decimal_places=3)
    fused = sqlite_fused(("decimal", (Decimal("0.01"), context, True)), Col("t", column), connection)
    assert [fused(1.0051), fused(None), fused(7)] == ["1.00", None, "7.00"]
    same_places = sqlite_fused(("decimal", (Decimal("0.001"), context, True)), Col("t", column), connection)
    assert same_places(1.0051) == "1.005"
