"""Open data: /api/oc4ids/ maps the tracker's projects to an OC4IDS project package."""

import datetime
from decimal import Decimal

from django.urls import reverse

from projects.choices import ReportStatus
from projects.models import AnnualPlan, Milestone, MonthlyReport
from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401


def test_the_package_maps_plans_milestones_reports_and_units(api, world, settings):
    settings.OC4IDS_ID_PREFIX = "oc4ids-jfq001-"
    project = world.project
    project.code = "2013-410802-70-01-000017"
    project.save()
    project.cooperating_units.add(world.other_unit)
    AnnualPlan.objects.create(project=project, year=2014, planned_investment=Decimal("70000"))
    Milestone.objects.create(project=project, kind="start", planned_date=datetime.date(2012, 3, 1),
                             actual_date=datetime.date(2012, 3, 5))
    Milestone.objects.create(project=project, kind="completion", planned_date=datetime.date(2015, 12, 31))
    Milestone.objects.create(project=project, kind="production", planned_date=datetime.date(2016, 6, 30))
    Milestone.objects.create(project=project, kind="topping_out", planned_date=datetime.date(2014, 6, 30))
    MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=Decimal("62000"),
                                 status=ReportStatus.ACCEPTED, progress_note="主体已封顶")
    MonthlyReport.objects.create(project=project, year=2013, month=11, completed_ytd=Decimal("65000"))  # a draft
    api.force_authenticate(world.users["auditor"])

    package = api.get(reverse("api:oc4ids"), {"q": "星凯"}).json()

    assert package["version"] == "0.9" and package["publisher"]["name"]
    [data] = package["projects"]
    assert data["id"] == f"oc4ids-jfq001-{project.pk}"
    assert data["status"] == "implementation"
    assert data["budget"]["amount"] == {"amount": 2_000_000_000, "currency": "CNY"}
    assert [(b["id"], b["amount"]["amount"]) for b in data["budget"]["budgetBreakdowns"]] == [
        ("2013", 600_000_000), ("2014", 700_000_000)]
    assert data["budget"]["budgetBreakdowns"][0]["period"]["startDate"] == "2013-01-01T00:00:00+08:00"
    assert [m["code"] for m in data["milestones"]] == ["commencement", "toppingOut", "completion", "commissioning"]
    assert data["milestones"][0]["status"] == "met" and data["milestones"][1]["status"] == "scheduled"
    [metric] = data["metrics"]
    assert metric["id"] == "financialProgress"
    assert [(o["id"], o["value"]["amount"]) for o in metric["observations"]] == [("2013-10", 620_000_000)]
    assert metric["observations"][0]["period"]["endDate"] == "2013-10-31T23:59:59+08:00"
    assert [(p["name"], p["roles"]) for p in data["parties"]] == [
        (world.unit.name, ["publicAuthority"]), (world.other_unit.name, ["administrativeEntity"])]
    assert data["identifiers"] == [{"id": "2013-410802-70-01-000017", "scheme": "CN-GBT40058"}]


def test_the_package_takes_the_project_filters(api, world):
    api.force_authenticate(world.users["auditor"])
    url = reverse("api:oc4ids")
    assert len(api.get(url, {"stage": "continuing"}).json()["projects"]) == 2
    assert len(api.get(url, {"lead_unit": world.other_unit.pk}).json()["projects"]) == 1
    assert api.get(url, {"stage": "bogus"}).status_code == 400
    world.project.is_archived = True
    world.project.save()
    assert len(api.get(url).json()["projects"]) == 1


def test_the_stages_map_to_the_project_status_codelist(api, world):
    api.force_authenticate(world.users["auditor"])
    expected = {"reserve": "identification", "preparation": "preparation", "new": "implementation",
                "continuing": "implementation", "completed": "completion"}
    for stage, status in expected.items():
        world.project.stage = stage
        world.project.save()
        package = api.get(reverse("api:oc4ids"), {"q": "星凯"}).json()
        assert package["projects"][0]["status"] == status
