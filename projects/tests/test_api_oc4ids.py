"""Open data: /api/oc4ids/ maps the tracker's projects to an OC4IDS project package, valid
against the official OC4IDS 0.9.5 schema vendored in projects/oc4ids_schema/0.9.5/."""

import datetime
import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from django.urls import reverse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

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
    assert_valid(package)
    [data] = package["projects"]
    assert data["id"] == f"oc4ids-jfq001-{project.pk}"
    assert data["status"] == "implementation"
    assert data["budget"]["amount"] == {"amount": 2_000_000_000, "currency": "CNY"}
    [plans] = data["budget"]["budgetBreakdowns"]
    assert plans["id"] == "annualPlans"
    assert [(b["id"], b["amount"]["amount"]) for b in plans["budgetBreakdown"]] == [
        ("2013", 600_000_000), ("2014", 700_000_000)]
    assert plans["budgetBreakdown"][0]["period"]["startDate"] == "2013-01-01T00:00:00+08:00"
    assert [m["code"] for m in data["milestones"]] == ["commencement", "toppingOut", "completion", "commissioning"]
    assert data["milestones"][0]["status"] == "met" and data["milestones"][1]["status"] == "scheduled"
    metric, physical = data["metrics"]
    assert physical["id"] == "physicalProgress"
    assert [(o["id"], o["measure"]) for o in physical["observations"]] == [("2013-10", "主体已封顶")]
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
    assert api.get(url, {"stage": "reserve"}).status_code == 404  # a package holds at least one project
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


SCHEMA_DIR = Path(__file__).resolve().parents[1] / "oc4ids_schema" / "0.9.5"
# The vendored package schema is the 0.9.3 file (see its README): its $ref to the 0.9.3 project
# schema resolves, like the 0.9.5 URL, to the vendored 0.9.5 project schema. Nothing is fetched.
PROJECT_SCHEMA_URLS = (
    "https://standard.open-contracting.org/infrastructure/schema/0__9__5/project-schema.json",
    "https://standard.open-contracting.org/infrastructure/schema/0__9__3/project-schema.json",
)


def load(name):
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def is_datetime(value):
    """RFC 3339 date-time, with its offset (jsonschema checks it only with an extra package)."""
    if not isinstance(value, str):
        return True
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value and parsed.tzinfo is not None


def is_uri(value):
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path))


FORMATS = jsonschema.FormatChecker(formats=())
FORMATS.checks("date-time")(is_datetime)
FORMATS.checks("uri")(is_uri)


@pytest.fixture(scope="module")
def validator():
    project_schema = load("project-schema.json")
    assert project_schema["id"] == PROJECT_SCHEMA_URLS[0]
    resource = Resource.from_contents(project_schema, default_specification=DRAFT4)
    registry = Registry().with_resources([(url, resource) for url in PROJECT_SCHEMA_URLS])
    package_schema = load("project-package-schema.json")
    jsonschema.Draft4Validator.check_schema(package_schema)
    jsonschema.Draft4Validator.check_schema(project_schema)
    return jsonschema.Draft4Validator(package_schema, registry=registry, format_checker=FORMATS)


def assert_valid(package, validator=None):
    validator = validator or jsonschema.Draft4Validator(
        load("project-package-schema.json"), format_checker=FORMATS,
        registry=Registry().with_resources([
            (url, Resource.from_contents(load("project-schema.json"), default_specification=DRAFT4))
            for url in PROJECT_SCHEMA_URLS]))
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:20])


@pytest.fixture
def rich_world(world):
    """Both projects with what the export maps: code, plans, milestones of every kind (with and
    without dates and notes), accepted reports with and without a progress note, a draft, units."""
    project, other = world.project, world.other_project
    project.code = "2013-410802-70-01-000017"
    project.planned_start, project.planned_completion = datetime.date(2012, 3, 1), datetime.date(2015, 12, 31)
    project.description = "集商业、酒店、写字楼于一体的城市综合体"
    project.save()
    project.cooperating_units.add(world.other_unit, world.unit)  # the lead unit again is not repeated
    other.cooperating_units.add(world.unit)
    AnnualPlan.objects.create(project=project, year=2014, planned_investment=Decimal("70000.55"))
    AnnualPlan.objects.create(project=other, year=2013, planned_investment=Decimal("55000"))
    for kind in ("signing", "start", "topping_out", "completion", "production", "other"):
        Milestone.objects.create(project=project, kind=kind, planned_date=datetime.date(2014, 6, 30),
                                 note="按期" if kind == "start" else "")
    Milestone.objects.create(project=other, kind="other", name="五星级酒店开业",  # met, no planned date
                             actual_date=datetime.date(2016, 1, 1))
    for month, note in ((9, ""), (10, "主体已封顶")):
        MonthlyReport.objects.create(project=project, year=2013, month=month, completed_ytd=Decimal(50000 + month),
                                     status=ReportStatus.ACCEPTED, progress_note=note)
    MonthlyReport.objects.create(project=other, year=2013, month=10, completed_ytd=Decimal("60000.01"),
                                 status=ReportStatus.ACCEPTED)
    MonthlyReport.objects.create(project=other, year=2013, month=11, completed_ytd=Decimal("1"))  # a draft
    return world


def test_the_whole_package_validates_against_the_official_schema(api, rich_world, validator):
    api.force_authenticate(rich_world.users["auditor"])
    package = api.get(reverse("api:oc4ids")).json()
    assert len(package["projects"]) == 2
    assert_valid(package, validator)
    [other] = [p for p in package["projects"] if p["title"] == rich_world.other_project.name]
    assert other["budget"]["budgetBreakdowns"][0]["budgetBreakdown"][0]["amount"] == {
        "amount": 550_000_000, "currency": "CNY"}
    assert [m["id"] for m in other["metrics"]] == ["financialProgress"]  # no progress note, no physical metric
    assert other["metrics"][0]["observations"][0]["value"]["amount"] == 600_000_100


@pytest.mark.parametrize("query", [{"q": "星凯"}, {"stage": "continuing", "ordering": "-total_investment"},
                                   {"lead_unit": "other"}])
def test_filtered_packages_validate_too(api, rich_world, validator, query):
    if query.get("lead_unit") == "other":
        query = {"lead_unit": rich_world.other_unit.pk}
    api.force_authenticate(rich_world.users["auditor"])
    package = api.get(reverse("api:oc4ids"), query).json()
    assert package["projects"]
    assert_valid(package, validator)


def test_the_validator_rejects_what_the_standard_forbids(api, rich_world, validator):
    """The check can fail: broken packages are caught, down in the referenced project schema."""
    api.force_authenticate(rich_world.users["auditor"])
    package = api.get(reverse("api:oc4ids"), {"q": "星凯"}).json()
    broken = [
        lambda p: p["projects"][0].update(status="construction"),  # not in the closed projectStatus codelist
        lambda p: p["projects"][0]["budget"]["amount"].update(currency="RMB"),  # not an ISO 4217 code
        lambda p: p["projects"][0]["milestones"][0].update(dueDate="2014-06-30"),  # a date, not a date-time
        lambda p: p["projects"][0].update(parties=[]),  # empty arrays are invalid
        lambda p: p.update(version="0.9.5"),  # the package states major.minor
        lambda p: p.update(projects=[]),
    ]
    for breaks in broken:
        copy = json.loads(json.dumps(package))
        breaks(copy)
        assert list(validator.iter_errors(copy)), breaks
