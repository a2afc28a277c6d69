"""Projects, errors, tokens, health and the schema through the API."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from projects.api.exceptions import exception_handler
from projects.choices import ReportStatus
from projects.exceptions import Conflict, DomainError, NotAllowed
from projects.models import (
    AnnualPlan,
    Milestone,
    MonthlyReport,
    PlanRevision,
    Problem,
    ProblemAction,
    Programme,
    Project,
    ReviewRanking,
    ReviewScore,
    Source,
    WeeklyPlan,
)
from projects.tests.api_utils import api, fast_passwords, results, users, world  # noqa: F401

BAD_PROJECT = {"name": "", "category": "industry", "total_investment": "-1", "stage": "bogus", "planned_start": "2013-13-01"}


# --- projects ----------------------------------------------------------------------------------


def test_project_detail_includes_plans_milestones_and_sources(api, world):
    Milestone.objects.create(project=world.project, kind="start", planned_date=datetime.date(2013, 3, 1))
    Source.objects.create(document="000.txt", quote="星凯国际", record=world.project)
    api.force_authenticate(world.users["auditor"])
    body = api.get(reverse("api:project-detail", args=[world.project.pk])).json()
    assert [p["year"] for p in body["annual_plans"]] == [2013]
    assert body["annual_plans"][0]["planned_investment"] == "60000.00"
    assert [m["kind"] for m in body["milestones"]] == ["start"]
    assert body["sources"][0]["record_type"] == "project"
    assert body["name_en"] == "StarKai International City Complex"
    assert body["stage"] == "continuing" and body["stage_display"]


def test_project_list_is_light_and_carries_progress(api, world):
    MonthlyReport.objects.create(project=world.project, year=2013, month=10, completed_ytd=Decimal("62000"),
                                 status=ReportStatus.ACCEPTED)
    api.force_authenticate(world.users["auditor"])
    response = api.get(reverse("api:project-list"), {"progress_year": 2013, "progress_month": 10, "q": "星凯"})
    row = results(response)[0]
    assert "annual_plans" not in row and "milestones" not in row
    assert row["plan_in_force"] == "60000.00"
    assert row["completed_ytd"] == "62000.00"
    assert row["completion_rate"] == "103.33"
    assert (row["progress_year"], row["progress_month"], row["report_month"]) == (2013, 10, 10)


def test_progress_defaults_to_the_latest_month_with_accepted_reports(api, world):
    year = datetime.date.today().year
    AnnualPlan.objects.create(project=world.project, year=year, planned_investment=Decimal("1000"))
    MonthlyReport.objects.create(project=world.project, year=year, month=3, completed_ytd=Decimal("250"),
                                 status=ReportStatus.ACCEPTED)
    api.force_authenticate(world.users["auditor"])
    row = results(api.get(reverse("api:project-list"), {"q": "星凯"}))[0]
    assert (row["progress_year"], row["progress_month"], row["completion_rate"]) == (year, 3, "25.00")


def test_projects_order_by_completion_rate(api, world):
    AnnualPlan.objects.create(project=world.other_project, year=2013, planned_investment=Decimal("55000"))
    for project, done in ((world.project, "30000"), (world.other_project, "50000")):
        MonthlyReport.objects.create(project=project, year=2013, month=6, completed_ytd=Decimal(done),
                                     status=ReportStatus.ACCEPTED)
    api.force_authenticate(world.users["auditor"])
    params = {"progress_year": 2013, "progress_month": 6, "ordering": "-completion_rate"}
    names = [row["name"] for row in results(api.get(reverse("api:project-list"), params))]
    assert names == [world.other_project.name, world.project.name]


def test_archived_projects_are_hidden_unless_asked_for(api, world):
    api.force_authenticate(world.users["office"])
    response = api.post(reverse("api:project-archive", args=[world.project.pk]), {}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"] is True
    names = {row["name"] for row in results(api.get(reverse("api:project-list")))}
    assert world.project.name not in names
    names = {row["name"] for row in results(api.get(reverse("api:project-list"), {"include_archived": "true"}))}
    assert world.project.name in names
    assert api.get(reverse("api:project-detail", args=[world.project.pk])).status_code == 200


def test_archiving_twice_is_a_conflict_and_unarchiving_restores(api, world):
    api.force_authenticate(world.users["office"])
    url = reverse("api:project-archive", args=[world.project.pk])
    api.post(url, {}, format="json")
    response = api.post(url, {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "already_archived"
    response = api.post(reverse("api:project-unarchive", args=[world.project.pk]), {}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"] is False


def test_only_the_office_archives(api, world):
    api.force_authenticate(world.users["reporter"])
    response = api.post(reverse("api:project-archive", args=[world.project.pk]), {}, format="json")
    assert response.status_code == 403
    assert not Project.objects.get(pk=world.project.pk).is_archived


def test_deleting_a_project_with_plans_is_a_conflict_that_says_archive(api, world):
    api.force_authenticate(world.users["office"])
    response = api.delete(reverse("api:project-detail", args=[world.project.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert "Archive it instead" in response.json()["detail"]
    assert Project.objects.filter(pk=world.project.pk).exists()


@pytest.mark.parametrize("child", ["annual-plans", "milestones", "reports", "problems"])
def test_a_projects_children_are_listed_under_it(api, world, child):
    Milestone.objects.create(project=world.project, kind="start", planned_date=datetime.date(2013, 3, 1))
    MonthlyReport.objects.create(project=world.project, year=2013, month=1, completed_ytd=Decimal("1"))
    Problem.objects.create(project=world.other_project, category="funding", title="别的", raised_on=datetime.date(2013, 1, 1),
                           deadline=datetime.date(2013, 2, 1), responsible_unit=world.other_unit)
    api.force_authenticate(world.users["auditor"])
    url = reverse(f"api:project-{child}", args=[world.project.pk])
    rows = results(api.get(url))
    assert len(rows) == 1
    assert all(row["project"] == world.project.pk for row in rows)
    assert api.get(reverse(f"api:project-{child}", args=[999999])).status_code == 404


def test_lists_are_paged_by_fifty_up_to_five_hundred(api, world):
    Programme.objects.bulk_create(Programme(code=f"p{i}", year=2013, label="x", name=f"p{i}") for i in range(60))
    api.force_authenticate(world.users["auditor"])
    body = api.get(reverse("api:programme-list")).json()
    assert (body["count"], len(body["results"])) == (60, 50) and body["next"]
    assert len(api.get(reverse("api:programme-list"), {"page_size": 1000}).json()["results"]) == 60


def test_reports_are_paged_with_a_cursor(api, world):
    for month in range(1, 4):
        MonthlyReport.objects.create(project=world.project, year=2013, month=month, completed_ytd=Decimal(month))
    api.force_authenticate(world.users["auditor"])
    body = api.get(reverse("api:report-list"), {"page_size": 2}).json()
    assert [r["month"] for r in body["results"]] == [3, 2]
    assert "cursor=" in body["next"] and "count" not in body
    assert [r["month"] for r in api.get(body["next"]).json()["results"]] == [1]


def test_recorded_by_fields_are_the_caller(api, world):
    api.force_authenticate(world.users["office"])
    response = api.post(reverse("api:weeklyplan-list"),
                        {"unit": world.unit.pk, "week_start": "2013-05-13", "content": "x"}, format="json")
    assert WeeklyPlan.objects.get(pk=response.json()["id"]).filed_by == world.users["office"]
    response = api.post(reverse("api:planrevision-list"), {
        "plan": world.plan.pk, "effective_month": 7, "planned_investment": "1.00", "reason": "r",
        "revised_on": "2013-06-30"}, format="json")
    assert PlanRevision.objects.get(pk=response.json()["id"]).revised_by == world.users["office"]


def test_a_reporter_cannot_move_a_milestone_to_another_units_project(api, world):
    milestone = Milestone.objects.create(project=world.project, kind="start", planned_date=datetime.date(2013, 3, 1))
    api.force_authenticate(world.users["reporter"])
    response = api.patch(reverse("api:milestone-detail", args=[milestone.pk]), {"project": world.other_project.pk},
                         format="json")
    assert response.status_code == 403
    assert Milestone.objects.get(pk=milestone.pk).project == world.project


def test_a_cooperating_unit_reports_too(api, world):
    world.other_project.cooperating_units.add(world.unit)
    api.force_authenticate(world.users["reporter"])
    response = api.post(reverse("api:report-list"), {"project": world.other_project.pk, "year": 2013, "month": 5,
                                                     "completed_ytd": "10.00"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "draft"


def test_an_account_without_a_profile_reads_nothing(api, world, django_user_model):
    api.force_authenticate(django_user_model.objects.create_user("nobody", password="x"))
    response = api.get(reverse("api:project-list"))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_a_superuser_counts_as_office(api, world, django_user_model):
    api.force_authenticate(django_user_model.objects.create_superuser("root", password="x"))
    response = api.post(reverse("api:zone-list"), {"code": "x", "name": "x"}, format="json")
    assert response.status_code == 201


# --- errors ------------------------------------------------------------------------------------


def test_a_bad_post_names_each_bad_field_in_chinese_by_default(api, world):
    api.force_authenticate(world.users["office"])
    response = api.post(reverse("api:project-list"), BAD_PROJECT, format="json")
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["code"]) == (400, "invalid")
    by_field = {e["field"]: e for e in body["errors"]}
    assert set(by_field) == {"name", "total_investment", "stage", "planned_start"}
    assert by_field["total_investment"]["code"] == "min_value"
    assert by_field["total_investment"]["message"] == "请确保该值大于或者等于 0。"
    assert by_field["stage"]["code"] == "invalid_choice"


def test_a_bad_post_speaks_english_when_asked(api, world):
    api.force_authenticate(world.users["office"])
    response = api.post(reverse("api:project-list"), BAD_PROJECT, format="json", HTTP_ACCEPT_LANGUAGE="en")
    by_field = {e["field"]: e for e in response.json()["errors"]}
    assert by_field["total_investment"]["message"] == "Ensure this value is greater than or equal to 0."
    assert by_field["name"]["message"] == "This field may not be blank."


@pytest.mark.parametrize("value, code", [("1e20", "max_digits"), ("abc", "invalid"), ("12.345", "max_decimal_places"),
                                         ("99999999999999999999", "max_digits")])
def test_numbers_that_do_not_fit_are_rejected(api, world, value, code):
    api.force_authenticate(world.users["office"])
    response = api.patch(reverse("api:project-detail", args=[world.project.pk]), {"total_investment": value},
                         format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "total_investment", "code": code,
                                          "message": response.json()["errors"][0]["message"]}]


def test_a_check_constraint_is_a_400_on_its_field(api, world):
    api.force_authenticate(world.users["office"])
    response = api.patch(reverse("api:project-detail", args=[world.project.pk]),
                         {"planned_start": "2014-01-01", "planned_completion": "2013-01-01"}, format="json",
                         HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "planned_start" and error["code"] == "constraint"
    assert error["message"] == "The planned completion cannot be before the planned start."


def test_a_unique_constraint_is_a_400_not_an_integrity_error(api, world):
    api.force_authenticate(world.users["office"])
    response = api.post(reverse("api:annualplan-list"), {"project": world.project.pk, "year": 2013,
                                                         "planned_investment": "1.00"}, format="json",
                        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"field": "project", "code": "unique",
                                            "message": "This project already has a plan for that year."}


def test_a_bad_filter_value_is_a_400(api, world):
    api.force_authenticate(world.users["auditor"])
    response = api.get(reverse("api:project-list"), {"stage": "bogus", "progress_month": 13})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"progress_month"}
    response = api.get(reverse("api:report-list"), {"year": "soon"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "year"


def test_401_403_404_and_405_share_the_error_shape(api, world):
    for response, status, code in [
        (api.get(reverse("api:project-list")), 401, "not_authenticated"),
        (None, 403, "permission_denied"),
        (None, 404, "not_found"),
        (None, 405, "method_not_allowed"),
    ]:
        if status == 403:
            api.force_authenticate(world.users["auditor"])
            response = api.post(reverse("api:zone-list"), {}, format="json")
        if status == 404:
            response = api.get(reverse("api:zone-detail", args=[999999]))
        if status == 405:
            api.force_authenticate(world.users["office"])
            response = api.post(reverse("api:bulletin-list"), {}, format="json")
        body = response.json()
        assert response.status_code == status
        assert body["status"] == status and body["code"] == code and body["detail"] and body["errors"] == []


def test_domain_errors_keep_their_status_and_field():
    response = exception_handler(DomainError("Bad year.", field="year", code="bad_year"), {})
    assert response.status_code == 400
    assert response.data["errors"] == [{"field": "year", "code": "bad_year", "message": "Bad year."}]
    assert exception_handler(NotAllowed("No."), {}).status_code == 403
    assert exception_handler(Conflict("Published.", code="published"), {}).data["code"] == "published"
    assert exception_handler(IntegrityError("dup"), {}).status_code == 409


# --- tokens and health -------------------------------------------------------------------------


def test_a_token_is_issued_used_and_revoked(api, world):
    url = reverse("api:token")
    response = api.post(url, {"username": "auditor", "password": "pw-auditor-123"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(reverse("api:project-list")).status_code == 200
    assert api.delete(url).status_code == 204
    assert api.get(reverse("api:project-list")).status_code == 401


def test_a_wrong_password_gets_no_token(api, world):
    response = api.post(reverse("api:token"), {"username": "auditor", "password": "nope"}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_health_answers_anonymously(api, db):
    response = api.get(reverse("api:health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "database_write": "ok"}


# --- the schema ----------------------------------------------------------------------------------


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/projects/{id}/archive/" in (tmp_path / "schema.yaml").read_text()


def test_every_error_response_in_the_schema_is_the_error_body():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "Error" in schema["components"]["schemas"]
    checked = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("400", "401", "403", "404", "405", "409"):
                if code in operation["responses"]:
                    content = operation["responses"][code]["content"]["application/json"]["schema"]
                    assert content == {"$ref": "#/components/schemas/Error"}, (method, path, code)
                    checked += 1
            if path not in ("/api/health/", "/api/auth/token/"):
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
    assert checked > 200


def test_swagger_and_redoc_load_nothing_from_a_cdn(api, users):
    api.force_authenticate(users["auditor"])  # the docs need a login (test_api_docs_access.py)
    for name in ("api:docs", "api:redoc"):
        html = api.get(reverse(name)).content.decode()
        assert "drf_spectacular_sidecar" in html
        # (Not a bare "cdn": a random CSRF token may contain those letters.)
        assert not any(host in html.lower() for host in ("cdn.", "cdnjs", "jsdelivr", "unpkg"))
        assert "//fonts.googleapis" not in html
    assert api.get(reverse("api:schema"), HTTP_ACCEPT="application/json").status_code == 200


def test_a_new_project_states_its_category_and_stage(api, world):
    """No silent default: a project created without a category or a stage is refused, naming each."""
    api.force_authenticate(world.users["office"])
    response = api.post(reverse("api:project-list"), {"name": "无类别项目"}, format="json")
    assert response.status_code == 400
    by_field = {e["field"]: e for e in response.json()["errors"]}
    assert set(by_field) == {"category", "stage"}
    assert by_field["category"]["code"] == "required" and by_field["category"]["message"] == "该字段是必填项。"
    assert not Project.objects.filter(name="无类别项目").exists()
    response = api.post(reverse("api:project-list"), {"name": "无类别项目", "category": "industry", "stage": "new"},
                        format="json")
    assert response.status_code == 201
    assert (response.json()["category_display"], response.json()["stage_display"]) == ("工业", "新建")
    # A change leaves them as they are when not sent.
    response = api.patch(reverse("api:project-detail", args=[response.json()["id"]]), {"name": "改名项目"},
                         format="json")
    assert response.status_code == 200 and response.json()["stage"] == "new"
