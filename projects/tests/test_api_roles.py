"""Every path and method of the published schema, as anonymous and as each role, against the
role table of projects/permissions.py."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from projects.models import (
    BulletinEntry,
    Decision,
    EvaluationResult,
    MeetingItem,
    Milestone,
    MonthlyReport,
    PlanRevision,
    ProblemAction,
    Programme,
    ReviewRanking,
    ReviewScore,
    Source,
    WeeklyPlan,
)
from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401

# Writes a role other than office may make: (collection, method); "list" is the collection URL.
ALLOWED = {
    "reporter": {(c, m) for c in ("milestones", "reports", "problems", "problem-actions")
                 for m in ("POST", "PUT", "PATCH", "DELETE")},
    "leader": {("review-scores", "POST"), ("problem-actions", "POST")},
    "auditor": set(),
}
PUBLIC = {("/api/health/", "GET"): 200, ("/api/auth/token/", "POST"): 400}
# Reads only some roles may make (the report template is for those who report), and the query they need.
GET_ROLES = {"/api/reports/template/": {"office", "reporter"}}
QUERIES = {"/api/reports/template/": "?month=2013-10"}
DAY = datetime.date(2013, 5, 6)


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = [(path, method.upper()) for path, item in schema["paths"].items() for method in item]
    # Deletes last, so that every other operation finds its object.
    return sorted(ops, key=lambda op: (op[1] == "DELETE", op))


@pytest.fixture
def objects(world):
    """One object of every collection, keyed by the collection's URL segment."""
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
        "weekly-plans": WeeklyPlan.objects.create(unit=world.unit, week_start=DAY, content="c"),
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


def url_for(path, objects):
    collection = path.split("/")[2]
    parents = {"project_pk": "projects", "bulletin_pk": "bulletins", "meeting_pk": "meetings",
               "problem_pk": "problems", "review_pk": "reviews", "evaluation_pk": "evaluations"}

    def value(match):
        name = match.group(1)
        return str(objects[parents.get(name, collection)].pk)

    return collection, re.sub(r"\{(\w+)\}", value, path) + QUERIES.get(path, "")


# Actions of the mechanism that a role other than office may run (on its unit's projects).
ACTIONS = {
    "reporter": {"/api/reports/{id}/submit/", "/api/problems/{id}/close/", "/api/problems/{id}/escalate/"},
}


def expected_is_allowed(role, collection, path, method):
    if method == "GET" or role == "office" or collection == "auth":
        return True
    if method == "POST" and path in ACTIONS.get(role, ()):
        return True
    is_crud = path.count("/") <= 4 or re.fullmatch(r"/api/[\w-]+/\{id\}/", path)
    return bool(is_crud) and (collection, method) in ALLOWED[role]


def request(api, method, url):
    return api.generic(method, url, json.dumps({}), content_type="application/json")


def test_anonymous_gets_401_everywhere_but_health(api, objects):
    for path, method in operations():
        _, url = url_for(path, objects)
        response = request(api, method, url)
        assert response.status_code == PUBLIC.get((path, method), 401), (method, path, response.status_code)


@pytest.mark.parametrize("role", ["office", "reporter", "leader", "auditor"])
def test_each_role_gets_what_the_role_table_says(api, world, objects, role):
    api.force_authenticate(world.users[role])
    for path, method in operations():
        collection, url = url_for(path, objects)
        response = request(api, method, url)
        status = response.status_code
        if (path, method) in PUBLIC:
            assert status == PUBLIC[(path, method)], (role, method, path)
        elif method == "GET":
            assert status == (200 if role in GET_ROLES.get(path, {role}) else 403), (role, method, path, status)
        elif expected_is_allowed(role, collection, path, method):
            assert status not in (401, 403, 405, 500), (role, method, path, status, response.content[:300])
        else:
            assert status == 403, (role, method, path, status)
