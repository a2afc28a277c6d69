"""The role table (projects/permissions.py) as a test: role × resource × operation → status, for
every operation of the published OpenAPI schema (an operation without a row in the table fails),
and the rules the table must keep: accepted reports are never deleted, status fields change only
through actions, a reporter never moves a record to another unit."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from projects import permissions
from projects.choices import ProblemStatus, ReportStatus, Role
from projects.models import (
    BulletinEntry,
    Decision,
    EvaluationResult,
    MeetingItem,
    Milestone,
    MonthlyReport,
    PlanRevision,
    Problem,
    ProblemAction,
    Programme,
    ReviewRanking,
    ReviewScore,
    Source,
    WeeklyPlan,
)
from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401
from projects.tests.conftest import make_user

DAY = datetime.date(2013, 5, 6)
MONDAY = datetime.date(2013, 5, 13)
QUERIES = {"/api/reports/template/": "?month=2013-10"}
SPECIAL = {"/api/auth/token/": "auth-token", "/api/health/": "health", "/api/schema/": "schema",
           "/api/docs/": "schema", "/api/redoc/": "schema", "/api/dashboard/": "dashboard", "/api/me/todo/": "todo", "/api/oc4ids/": "oc4ids"}
PARENTS = {"project_pk": "projects", "bulletin_pk": "bulletins", "meeting_pk": "meetings", "problem_pk": "problems",
           "review_pk": "reviews", "evaluation_pk": "evaluations"}


def schema_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = [(path, method.upper()) for path, item in schema["paths"].items() for method in item]
    return sorted(ops, key=lambda op: (op[1] == "DELETE", op))  # deletes last: the others find their object


def table_operation(path, method):
    """The row of the table an operation of the schema belongs to, read from its path alone."""
    if path in SPECIAL:
        return SPECIAL[path], {"GET": "read", "POST": "create", "DELETE": "delete"}[method]
    segments = path.strip("/").split("/")[1:]
    resource = segments[0]
    if method == "GET":
        return resource, "template" if segments[-1] == "template" else "read"
    if len(segments) == 1:
        return resource, {"POST": "create"}[method]
    if segments[1].startswith("{") and len(segments) == 2:
        return resource, {"PUT": "update", "PATCH": "update", "DELETE": "delete"}[method]
    return resource, segments[-1]  # an action (…/{id}/submit/) or an upload (…/import/)


def expected_allowed(persona, resource, op):
    """What the table says, for the personas' own records (the reporter's unit's, the leader's review)."""
    allowed = permissions.rule(resource, op)
    if permissions.ANONYMOUS in allowed:
        return True
    if persona == "anonymous":
        return False
    if permissions.AUTHENTICATED in allowed:
        return True
    if op == "read" and permissions.TABLE[resource].read is None:
        return persona in permissions.ROLES
    return persona in allowed


@pytest.fixture
def objects(world):
    """One object of every collection (the reporter's unit's where it matters)."""
    criterion = world.criterion
    return {
        "zones": world.zone, "units": world.unit, "leaders": world.leader,
        "programmes": Programme.objects.create(code="342311", year=2013, label="342311", name="2013"),
        "projects": world.project, "annual-plans": world.plan,
        "plan-revisions": PlanRevision.objects.create(plan=world.plan, effective_month=7, planned_investment=1,
                                                      reason="r", revised_on=DAY),
        "milestones": Milestone.objects.create(project=world.project, kind="start", planned_date=DAY),
        "sources": Source.objects.create(document="000.txt", quote="q", record=world.project),
        "reports": MonthlyReport.objects.create(project=world.project, year=2013, month=5, completed_ytd=1),
        "bulletins": world.bulletin,
        "bulletin-entries": BulletinEntry.objects.create(
            bulletin=world.bulletin, project=world.project, category="commerce", stage="continuing",
            planned_investment=1, baseline_investment=1, completed_ytd=1, completed_month=1, time_progress=50,
            light="green"),
        "meetings": world.meeting,
        "meeting-items": MeetingItem.objects.create(meeting=world.meeting, project=world.project, discussion="d"),
        "decisions": Decision.objects.create(meeting=world.meeting, text="t"),
        "weekly-plans": WeeklyPlan.objects.create(unit=world.unit, week_start=MONDAY, content="c"),
        "problems": world.problem,
        "problem-actions": ProblemAction.objects.create(problem=world.problem, date=DAY, text="t"),
        "reviews": world.review, "review-criteria": criterion,
        "review-scores": ReviewScore.objects.create(review=world.review, project=world.project, reviewer=world.leader,
                                                    criterion=criterion, score=Decimal(80)),
        "review-rankings": ReviewRanking.objects.create(review=world.review, project=world.project,
                                                        category="commerce", score=80, rank=1),
        "evaluations": world.evaluation,
        "evaluation-results": EvaluationResult.objects.create(
            evaluation=world.evaluation, subject="project", project=world.project, completion_score=1,
            milestone_score=1, problem_score=1, review_score=1, total=4, rank=1),
    }


@pytest.fixture
def others(world):
    """Records of another unit's project, for the scoped rows."""
    problem = Problem.objects.create(project=world.other_project, category="funding", title="用地", raised_on=DAY,
                                     responsible_unit=world.other_unit, deadline=datetime.date(2013, 6, 30))
    return {
        "milestones": Milestone.objects.create(project=world.other_project, kind="start", planned_date=DAY),
        "reports": MonthlyReport.objects.create(project=world.other_project, year=2013, month=5, completed_ytd=1),
        "weekly-plans": WeeklyPlan.objects.create(unit=world.other_unit, week_start=MONDAY, content="c"),
        "problems": problem,
        "problem-actions": ProblemAction.objects.create(problem=problem, date=DAY, text="t"),
    }


def url_for(path, objects):
    collection = path.split("/")[2]
    def pk(match):
        found = objects.get(PARENTS.get(match.group(1), collection))
        return str(found.pk if found is not None else 999999)

    return re.sub(r"\{(\w+)\}", pk, path) \
        + QUERIES.get(path, "")


def call(api, method, url):
    return api.generic(method, url, json.dumps({}), content_type="application/json")


def test_every_operation_of_the_schema_has_a_row_in_the_role_table():
    missing = []
    for path, method in schema_operations():
        resource, op = table_operation(path, method)
        if resource not in permissions.TABLE or (op != "read" and op not in permissions.TABLE[resource].ops):
            missing.append(f"{method} {path} → {resource}.{op}")
    assert missing == []
    assert len(schema_operations()) > 150


def test_the_views_name_the_row_the_schema_path_belongs_to(world):
    """The views' own `resource` and action agree with the path: the test's oracle is the enforcer's."""
    from drf_spectacular.generators import SchemaGenerator as Generator

    generator = Generator()
    generator._initialise_endpoints()
    for path, _pattern, method, view in generator._get_paths_and_endpoints():
        enforced, expected = permissions.operation_of_view(view, method), table_operation(path, method)
        if expected[1] == "read":  # nested lists (/bulletins/{id}/entries/) read the child: same rule
            assert permissions.rule(*enforced) == permissions.rule(*expected), (method, path)
        else:
            assert enforced == expected, (method, path)


@pytest.mark.parametrize("persona", ["anonymous", "no profile", *permissions.ROLES])
def test_each_persona_gets_what_the_role_table_says(api, world, objects, persona):
    if persona == "no profile":
        api.force_authenticate(get_user_model().objects.create_user("nobody", password="pw-nobody-123"))
    elif persona != "anonymous":
        api.force_authenticate(world.users[{Role.LEADER: "leader"}.get(persona, persona)])
    rows = 0
    for path, method in schema_operations():
        if (path, method) == ("/api/auth/token/", "DELETE"):
            continue  # revoking the token ends the session; tested below
        resource, op = table_operation(path, method)
        status = call(api, method, url_for(path, objects)).status_code
        if expected_allowed(persona, resource, op):
            assert status not in (401, 403, 405) and status < 500, (persona, method, path, status)
        else:
            assert status == (401 if persona == "anonymous" else 403), (persona, method, path, status)
        rows += 1
    assert rows > 150


def test_a_reporter_touches_only_its_units_records_where_the_table_scopes_it(api, world, objects, others):
    api.force_authenticate(world.users["reporter"])
    checked = []
    for path, method in schema_operations():
        resource, op = table_operation(path, method)
        if "{id}" not in path or op == "read" or resource not in others:
            continue
        scope = permissions.rule(resource, op).get(Role.REPORTER)
        status = call(api, method, url_for(path, others)).status_code
        assert status == 403, (method, path, scope, status)
        checked.append((resource, op))
    assert ("reports", "delete") in checked and ("problems", "close") in checked and ("milestones", "update") in checked


def test_the_token_endpoint_revokes_for_any_account_and_asks_anonymous_to_log_in(api, world):
    assert api.delete("/api/auth/token/").status_code == 401
    api.force_authenticate(world.users["auditor"])
    assert api.delete("/api/auth/token/").status_code == 204


# --- the rules ---------------------------------------------------------------------------------------


def test_an_accepted_report_is_never_deleted_through_the_api(api, world, accepted_report):
    report = accepted_report(world.project, 2013, 9, "1000")
    for role in ("reporter", "office"):
        api.force_authenticate(world.users[role])
        response = api.delete(reverse("api:report-detail", args=[report.pk]))
        assert response.status_code == 409, (role, response.content)
        assert response.json()["code"] == "protected"
        assert "correction" in response.json()["detail"] or "更正" in response.json()["detail"]
    assert MonthlyReport.objects.filter(pk=report.pk, status=ReportStatus.ACCEPTED).exists()


def test_a_draft_corrected_from_an_accepted_report_is_not_deleted_either(api, world, accepted_report):
    report = accepted_report(world.project, 2013, 9, "1000", accepted_at=datetime.datetime(2013, 10, 5, tzinfo=datetime.UTC))
    api.force_authenticate(world.users["reporter"])
    response = api.patch(reverse("api:report-detail", args=[report.pk]),
                         {"completed_ytd": "900.00", "correction_reason": "统计口径调整"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "draft" and response.json()["is_correction"] is True
    assert api.delete(reverse("api:report-detail", args=[report.pk])).status_code == 409
    assert MonthlyReport.objects.filter(pk=report.pk).exists()


def test_a_draft_report_of_its_unit_is_deleted_by_the_reporter(api, world):
    report = MonthlyReport.objects.create(project=world.project, year=2013, month=4, completed_ytd=1)
    api.force_authenticate(world.users["reporter"])
    assert api.delete(reverse("api:report-detail", args=[report.pk])).status_code == 204
    assert not MonthlyReport.objects.filter(pk=report.pk).exists()


@pytest.mark.parametrize("role", ["office", "reporter"])
def test_the_admin_refuses_to_delete_an_accepted_report_as_well(client, world, accepted_report, role):
    report = accepted_report(world.project, 2013, 9, "1000")
    client.force_login(world.users[role])
    url = reverse("admin:projects_monthlyreport_delete", args=[report.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 403
    assert MonthlyReport.objects.filter(pk=report.pk).exists()


def problem_data(world, **extra):
    return {"project": world.project.pk, "category": "funding", "title": "资金缺口", "responsible_unit": world.unit.pk,
            "raised_on": "2013-05-06", "deadline": "2013-05-31", **extra}


@pytest.mark.parametrize("role", ["reporter", "office"])
def test_nobody_creates_a_problem_already_resolved(api, world, role):
    api.force_authenticate(world.users[role])
    response = api.post("/api/problems/", problem_data(world, status="resolved"), format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("status", "read_only")]
    assert "close" in response.json()["errors"][0]["message"]
    response = api.post("/api/problems/", problem_data(world, status="open"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open"


@pytest.mark.parametrize("field,value", [("status", "escalated"), ("status", "resolved"),
                                         ("resolution", "已解决"), ("resolved_on", "2013-05-20")])
def test_a_problems_status_changes_only_through_its_actions(api, world, field, value):
    for role in ("reporter", "office"):
        api.force_authenticate(world.users[role])
        response = api.patch(reverse("api:problem-detail", args=[world.problem.pk]), {field: value}, format="json")
        assert response.status_code == 400, (role, response.content)
        assert response.json()["errors"][0]["field"] == field
    world.problem.refresh_from_db()
    assert world.problem.status == ProblemStatus.OPEN and world.problem.resolution == ""
    # Sending back the values it has (a whole object from GET) is fine.
    api.force_authenticate(world.users["reporter"])
    response = api.patch(reverse("api:problem-detail", args=[world.problem.pk]),
                         {"status": "open", "title": "资金缺口（续）"}, format="json")
    assert response.status_code == 200, response.content


def test_a_problem_action_cannot_resolve_a_problem(api, world):
    api.force_authenticate(world.users["reporter"])
    response = api.post("/api/problem-actions/", {"problem": world.problem.pk, "date": "2013-05-07", "text": "已协调",
                                                  "status_after": "resolved"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status_after"
    response = api.post("/api/problem-actions/", {"problem": world.problem.pk, "date": "2013-05-07", "text": "已协调",
                                                  "status_after": "in_progress"}, format="json")
    assert response.status_code == 201, response.content
    world.problem.refresh_from_db()
    assert world.problem.status == ProblemStatus.IN_PROGRESS
    assert response.json()["user"] == world.users["reporter"].pk


def test_a_reporter_cannot_move_a_problem_to_another_unit(api, world):
    api.force_authenticate(world.users["reporter"])
    url = reverse("api:problem-detail", args=[world.problem.pk])
    response = api.patch(url, {"responsible_unit": world.other_unit.pk}, format="json")
    assert response.status_code == 403
    assert [e["field"] for e in response.json()["errors"]] == ["responsible_unit"]
    response = api.patch(url, {"project": world.other_project.pk}, format="json")
    assert response.status_code == 403
    world.problem.refresh_from_db()
    assert (world.problem.responsible_unit, world.problem.project) == (world.unit, world.project)
    # The office reassigns.
    api.force_authenticate(world.users["office"])
    assert api.patch(url, {"responsible_unit": world.other_unit.pk}, format="json").status_code == 200


def test_a_reporter_cannot_move_its_deadline(api, world):
    api.force_authenticate(world.users["reporter"])
    response = api.patch(reverse("api:problem-detail", args=[world.problem.pk]), {"deadline": "2013-12-31"},
                         format="json")
    assert response.status_code == 403
    assert response.json()["errors"] == [{"field": "deadline", "code": "not_allowed",
                                          "message": response.json()["errors"][0]["message"]}]


def test_a_reporter_cannot_move_a_report_or_milestone_to_another_units_project(api, world):
    report = MonthlyReport.objects.create(project=world.project, year=2013, month=4, completed_ytd=1)
    milestone = Milestone.objects.create(project=world.project, kind="start", planned_date=DAY)
    api.force_authenticate(world.users["reporter"])
    response = api.patch(reverse("api:milestone-detail", args=[milestone.pk]), {"project": world.other_project.pk},
                         format="json")
    assert response.status_code == 403
    # A report never moves to another project, whoever asks (FIXED_FIELDS): 400 naming the field.
    response = api.patch(reverse("api:report-detail", args=[report.pk]), {"project": world.other_project.pk},
                         format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("project", "fixed")]
    report.refresh_from_db()
    milestone.refresh_from_db()
    assert report.project == milestone.project == world.project


def test_a_reporter_files_weekly_plans_for_its_own_unit_only(api, world):
    api.force_authenticate(world.users["reporter"])
    response = api.post("/api/weekly-plans/", {"unit": world.unit.pk, "week_start": "2013-05-20", "content": "推进"},
                        format="json")
    assert response.status_code == 201, response.content
    response = api.post("/api/weekly-plans/", {"unit": world.other_unit.pk, "week_start": "2013-05-20",
                                               "content": "推进"}, format="json")
    assert response.status_code == 403


def test_archiving_is_an_action_not_a_field(api, world):
    api.force_authenticate(world.users["office"])
    response = api.patch(reverse("api:unit-detail", args=[world.unit.pk]), {"is_archived": True}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "read_only"
    world.unit.refresh_from_db()
    assert world.unit.is_archived is False


def test_the_services_consult_the_same_table(world):
    from projects.exceptions import NotAllowed
    from projects.services.problems import problem_log
    from projects.services.reports import report_accept

    report = MonthlyReport.objects.create(project=world.project, year=2013, month=4, completed_ytd=1,
                                          status=ReportStatus.SUBMITTED)
    with pytest.raises(NotAllowed):
        report_accept(report=report, user=world.users["reporter"])
    with pytest.raises(NotAllowed) as refused:
        problem_log(user=world.users["reporter"], project=world.other_project, category="funding", title="t",
                    responsible_unit=world.unit, deadline=datetime.date(2013, 6, 1))
    assert refused.value.code == "wrong_unit"


def test_the_admin_offers_what_the_table_allows(rf, world):
    from django.contrib import admin

    from projects.models import Meeting, Zone

    for model, role, expected in [(MonthlyReport, "reporter", (True, True)), (MonthlyReport, "auditor", (False, False)),
                                  (Zone, "reporter", (False, False)), (Zone, "office", (True, True)),
                                  (Meeting, "leader", (False, False)), (Problem, "leader", (True, False))]:
        request = rf.get("/")
        request.user = world.users[role]
        model_admin = admin.site._registry[model]
        assert (model_admin.has_add_permission(request), model_admin.has_change_permission(request)) == expected, \
            (model.__name__, role)
    no_profile = make_user("noprofile-admin", Role.AUDITOR)
    no_profile.profile.delete()
    request = rf.get("/")
    request.user = get_user_model().objects.get(pk=no_profile.pk)
    assert not admin.site._registry[MonthlyReport].has_view_permission(request)


def test_the_written_table_is_the_enforced_one():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
    assert doc.read_text(encoding="utf-8") == permissions.as_markdown(), "run: python manage.py roles --write"


def test_every_operation_in_the_schema_says_who_may_run_it(api, world):
    api.force_authenticate(world.users["auditor"])
    schema = api.get("/api/schema/?format=json").json()
    lines = {f"{method.upper()} {path}": operation.get("description", "")
             for path, item in schema["paths"].items() for method, operation in item.items()}
    assert all("Who may" in text for text in lines.values()), [k for k, v in lines.items() if "Who may" not in v]
    assert lines["DELETE /api/reports/{id}/"].endswith(
        "可操作：项目办；单位填报员（本单位的项目） / Who may (docs/roles.md): office; reporter (unit).")
    assert lines["POST /api/reports/{id}/accept/"].endswith("可操作：项目办 / Who may (docs/roles.md): office.")


@pytest.mark.parametrize("role", ["reporter", "leader", "office"])
def test_a_problem_action_cannot_escalate_a_problem_either(api, world, role):
    """Escalating is the problem's escalate action (who may: the table's escalate row, with a reason)."""
    api.force_authenticate(world.users[role])
    response = api.post("/api/problem-actions/", {"problem": world.problem.pk, "date": "2013-05-07", "text": "上报",
                                                  "status_after": "escalated"}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("status_after", "invalid_choice")]
    world.problem.refresh_from_db()
    assert world.problem.status == ProblemStatus.OPEN
    assert not world.problem.actions.filter(status_after="escalated").exists()


def test_the_schema_offers_a_problem_action_only_open_and_in_progress(api, world):
    api.force_authenticate(world.users["office"])
    schema = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    request = schema["ProblemActionRequest"]["properties"]["status_after"]
    enums = [schema[ref["$ref"].rsplit("/", 1)[1]]["enum"] for ref in request.get("oneOf", [request])]
    assert sorted(value for enum in enums for value in enum) == ["", "in_progress", "open"]
    answer = schema["ProblemAction"]["properties"]["status_after"]  # answers show every step, escalations too
    enums = [schema[ref["$ref"].rsplit("/", 1)[1]]["enum"] for ref in answer["oneOf"]]
    assert "escalated" in [value for enum in enums for value in enum]
