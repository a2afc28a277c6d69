"""The audit trail, optimistic locking and archive rules through the API (projects/api/audit.py)."""

import datetime
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.api.urls import router
from projects.choices import PublicationStatus, ReportStatus
from projects.history import change_reason
from projects.models import (
    AnnualPlan,
    Evaluation,
    Leader,
    Milestone,
    MonthlyReport,
    Problem,
    Project,
    Review,
    ReviewCriterion,
    Unit,
    Zone,
)
from projects.tests.admin_utils import FACTORIES
from projects.tests.api_utils import api, fast_passwords, results, users, world  # noqa: F401

RESOURCES = [(basename, viewset.queryset.model) for _prefix, viewset, basename in router.registry]


def history_url(basename, pk):
    return reverse(f"api:{basename}-history", args=[pk])


@pytest.mark.parametrize(("basename", "model"), RESOURCES, ids=[b for b, _m in RESOURCES])
def test_every_resource_has_a_history_newest_first(api, world, basename, model):
    obj = FACTORIES[model](1)
    with change_reason("核对数据"):
        obj.save()
    api.force_authenticate(world.users["auditor"])
    response = api.get(history_url(basename, obj.pk))
    assert response.status_code == 200, response.content
    entries = response.json()["results"]
    # A project's leaders and units are kept with its versions: the factory's adds are changes too.
    added = [e for e in entries[1:-1] if {c["field"] for c in e["changes"]} <= {"leaders", "cooperating_units"}]
    assert [e["type"] for e in entries] == ["changed"] * (1 + len(added)) + ["created"]
    assert len(added) == (2 if model is Project else 0)
    assert entries[0]["reason"] == "核对数据" and entries[0]["changes"] == []
    assert entries[-1]["changes"], "a creation lists the values it set"
    assert {c["old"] for c in entries[-1]["changes"]} == {None}


@pytest.mark.parametrize(("basename", "model"), RESOURCES, ids=[b for b, _m in RESOURCES])
def test_history_queries_do_not_grow_with_the_number_of_versions(api, world, basename, model):
    obj = FACTORIES[model](1)
    client = api
    client.force_authenticate(world.users["auditor"])
    url = history_url(basename, obj.pk)
    client.get(url)  # warms the profile and content-type caches
    versions = type(obj).history.filter(id=obj.pk).count()  # a project: its leader and unit added too
    for _ in range(3):
        type(obj)._base_manager.get(pk=obj.pk).save()
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).json()["results"]) == versions + 3
    for _ in range(30):
        type(obj)._base_manager.get(pk=obj.pk).save()
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url, {"page_size": 500}).json()["results"]) == versions + 33
    # the object, the count, the page of history rows with their users, the rows before them; and
    # for a project, the leaders and the units of those versions
    kept_m2m = 2 if model is Project else 0
    assert len(many) == len(few) == 4 + kept_m2m, [q["sql"] for q in many.captured_queries]


def test_a_write_through_the_api_is_in_the_history_with_who_why_and_what(api, world):
    api.force_authenticate(world.users["office"])
    url = reverse("api:project-detail", args=[world.project.pk])
    response = api.patch(url, {"total_investment": "210000.00"}, format="json",
                         HTTP_X_CHANGE_REASON=quote("总投资调整"))
    assert response.status_code == 200, response.content
    response = api.patch(url, {"stage": "completed", "change_reason": "已竣工"}, format="json")
    assert response.status_code == 200, response.content
    entries = api.get(history_url("project", world.project.pk)).json()["results"]
    stage, money, created = entries
    assert (stage["type"], stage["reason"], stage["user"]["username"]) == ("changed", "已竣工", "office")
    assert stage["changes"] == [{"field": "stage", "label": "项目阶段", "old": "continuing", "new": "completed"}]
    assert money["reason"] == "总投资调整"
    assert money["changes"] == [{"field": "total_investment", "label": "总投资", "old": "200000.00",
                                 "new": "210000.00"}]
    assert created["type"] == "created"


def test_a_reason_longer_than_the_history_keeps_is_refused_naming_it(api, world):
    api.force_authenticate(world.users["office"])
    url = reverse("api:zone-detail", args=[world.zone.pk])
    response = api.patch(url, {"name_en": "x"}, format="json", HTTP_X_CHANGE_REASON="r" * 101)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["X-Change-Reason"]
    response = api.patch(url, {"name_en": "x", "change_reason": "r" * 101}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["change_reason"]
    assert Zone.objects.get(pk=world.zone.pk).name_en != "x"


def test_history_filters_by_user_and_dates(api, world):
    office, reporter = world.users["office"], world.users["reporter"]
    api.force_authenticate(office)
    url = reverse("api:project-detail", args=[world.project.pk])
    api.patch(url, {"name_en": "by office"}, format="json")
    api.force_authenticate(reporter)  # the reporter writes its unit's project through a report instead
    Project.history.filter(id=world.project.pk).update(history_user=None)
    last = Project.history.filter(id=world.project.pk).latest()
    last.history_user = reporter
    last.history_date = timezone.make_aware(datetime.datetime(2013, 10, 5, 9, 0))
    last.save()
    api.force_authenticate(world.users["auditor"])
    hist = history_url("project", world.project.pk)
    by_id = api.get(hist, {"user": reporter.pk}).json()["results"]
    by_name = api.get(hist, {"user": "reporter"}).json()["results"]
    assert [e["id"] for e in by_id] == [e["id"] for e in by_name] == [last.history_id]
    assert [e["id"] for e in api.get(hist, {"since": "2013-10-05", "until": "2013-10-05"}).json()["results"]] == [
        last.history_id]
    assert api.get(hist, {"until": "2013-10-04"}).json()["results"] == []
    assert len(api.get(hist, {"since": "2013-10-06"}).json()["results"]) == 1  # the creation, today
    for params, field in (({"since": "2013-13-01"}, "since"), ({"until": "yesterday"}, "until"),
                          ({"since": "2013-10-06", "until": "2013-10-05"}, "until")):
        response = api.get(hist, params)
        assert response.status_code == 400, params
        assert [e["field"] for e in response.json()["errors"]] == [field]


def test_history_dates_at_the_ends_of_the_calendar_are_no_bound(api, world):
    """Found by the stateful fuzz: since=0001-01-01 answered 500 (midnight of year 1 in UTC+8 is
    before the first datetime); the calendar's first and last days now mean "no bound"."""
    api.force_authenticate(world.users["auditor"])
    hist = history_url("project", world.project.pk)
    everything = api.get(hist).json()["results"]
    assert everything
    for params in ({"since": "0001-01-01"}, {"until": "9999-12-31"}, {"since": "0001-01-01", "until": "9999-12-31"},
                   {"since": "1969-12-31", "until": "9999-12-30"}):
        response = api.get(hist, {**params, "page": 1, "page_size": 100})
        assert response.status_code == 200, (params, response.content)
        assert response.json()["results"] == everything, params
    assert api.get(hist, {"until": "0001-01-01"}).json()["results"] == []


def test_history_filters_found_by_fuzzing(api, world):
    """Found by the fuzz (test_fuzz_api.py): `user` in digits other than ASCII ("²" is a digit to
    str.isdigit but not to int) answered 500; an empty `user` answered 400 although the schema allows
    it; an end before the start said code "invalid" like a malformed date."""
    api.force_authenticate(world.users["auditor"])
    hist = history_url("project", world.project.pk)
    response = api.get(hist, {"user": "²"})
    assert response.status_code == 200 and response.json()["results"] == []  # no such user
    assert [e["type"] for e in api.get(hist, {"user": ""}).json()["results"]] == ["created"]
    response = api.get(hist, {"since": "2013-10-06", "until": "2013-10-05"})
    assert response.json()["errors"][0]["code"] == "date_order"


def test_the_history_of_a_deleted_object_stays_reachable(api, world):
    zone = Zone.objects.create(code="gone", name="撤销的园区")
    api.force_authenticate(world.users["office"])
    assert api.delete(reverse("api:zone-detail", args=[zone.pk])).status_code == 204
    entries = api.get(history_url("zone", zone.pk)).json()["results"]
    assert [e["type"] for e in entries] == ["deleted", "created"]
    assert api.get(history_url("zone", 999999)).status_code == 404


# --- no lost updates ---------------------------------------------------------------------------


VERSIONED = [
    ("project", lambda w: w.project, {"name_en": "first"}, {"name_en": "second"}),
    ("annualplan", lambda w: w.plan, {"planned_investment": "61000.00"}, {"planned_investment": "62000.00"}),
    ("report", lambda w: MonthlyReport.objects.create(project=w.project, year=2013, month=10,
                                                      completed_ytd=Decimal("100")),
     {"completed_ytd": "200.00"}, {"completed_ytd": "300.00"}),
    ("problem", lambda w: w.problem, {"title": "资金缺口（一）"}, {"title": "资金缺口（二）"}),
]


@pytest.mark.parametrize(("basename", "get", "first", "second"), VERSIONED, ids=[v[0] for v in VERSIONED])
def test_two_clients_race_and_the_second_gets_412_with_what_changed(api, world, basename, get, first, second):
    from rest_framework.test import APIClient

    obj = get(world)
    url = reverse(f"api:{basename}-detail", args=[obj.pk])
    alice, bob = APIClient(), APIClient()
    alice.force_authenticate(world.users["office"])
    bob.force_authenticate(world.users["office"])
    etag_alice = alice.get(url)["ETag"]
    etag_bob = bob.get(url)["ETag"]
    assert etag_alice == etag_bob == f'"{obj.version}"'

    response = alice.patch(url, first, format="json", HTTP_IF_MATCH=etag_alice)
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{obj.version + 1}"'

    response = bob.patch(url, second, format="json", HTTP_IF_MATCH=etag_bob, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 412, response.content
    body = response.json()
    assert body["status"] == 412 and body["code"] == "precondition_failed"
    assert "meanwhile" in body["detail"]
    field = next(iter(first))
    changed = {e["field"]: e for e in body["errors"]}
    assert changed[field]["code"] == "changed_meanwhile"
    assert "office" in changed[field]["message"] and str(first[field]).rstrip("0").rstrip(".") in changed[field][
        "message"]

    # The stale `version` in the body is a 409 with the same list.
    response = bob.patch(url, {**second, "version": obj.version}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert field in {e["field"] for e in response.json()["errors"]}

    # The first write is intact; reloading (the new ETag) lets the second through.
    assert alice.get(url).json()[field] == first[field]
    response = bob.patch(url, second, format="json", HTTP_IF_MATCH=alice.get(url)["ETag"])
    assert response.status_code == 200 and response.json()[field] == second[field]


def test_actions_honour_if_match_too(api, world):
    """Accepting a report someone changed since you loaded it is refused like a stale PATCH."""
    report = MonthlyReport.objects.create(project=world.project, year=2013, month=10, completed_ytd=Decimal("100"),
                                          status=ReportStatus.SUBMITTED)
    api.force_authenticate(world.users["office"])
    url = reverse("api:report-detail", args=[report.pk])
    etag = api.get(url)["ETag"]
    MonthlyReport.objects.filter(pk=report.pk).update(version=F("version") + 1)  # someone else's save
    response = api.post(url + "accept/", {}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412 and response.json()["code"] == "precondition_failed"
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED  # nothing done
    response = api.post(url + "accept/", {}, format="json", HTTP_IF_MATCH=api.get(url)["ETag"])
    assert response.status_code == 200 and response.json()["status"] == ReportStatus.ACCEPTED
    problem_url = reverse("api:problem-detail", args=[world.problem.pk])
    response = api.post(problem_url + "escalate/", {"text": "久拖未决"}, format="json", HTTP_IF_MATCH='"999"')
    assert response.status_code == 412
    schema = api.get("/api/schema/", {"format": "json"}).json()
    accept = schema["paths"]["/api/reports/{id}/accept/"]["post"]
    assert "412" in accept["responses"] and "If-Match" in {p["name"] for p in accept["parameters"]}


def test_if_match_must_name_a_version(api, world):
    api.force_authenticate(world.users["office"])
    url = reverse("api:project-detail", args=[world.project.pk])
    response = api.patch(url, {"name_en": "x"}, format="json", HTTP_IF_MATCH="yesterday")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "If-Match"
    response = api.patch(url, {"name_en": "x", "version": "v1"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "version"
    assert api.patch(url, {"name_en": "x"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert api.patch(url, {"name_en": "y"}, format="json", HTTP_IF_MATCH='W/"1", "2"').status_code == 200


@pytest.mark.parametrize("value", ["²", "３", '"3', "3,", "W/3", ""])
def test_if_match_takes_ascii_versions_as_the_schema_says(api, world, value):
    """Found by the fuzz (test_fuzz_api.py): If-Match "²" answered 500 (a digit to str.isdigit, not to
    int). What is refused is what the schema's pattern for If-Match refuses."""
    from projects.api.schema import IF_MATCH_PATTERN

    api.force_authenticate(world.users["office"])
    url = reverse("api:project-detail", args=[world.project.pk])
    response = api.patch(url, {"name_en": "x"}, format="json", HTTP_IF_MATCH=value)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "If-Match"
    assert not re.fullmatch(IF_MATCH_PATTERN, value)
    for n, form in enumerate(('{}', '"{}"', 'W/"{}"', ' "0", "{}" ')):
        good = form.format(api.get(url)["ETag"].strip('"'))
        assert re.fullmatch(IF_MATCH_PATTERN, good)
        assert api.patch(url, {"name_en": f"y{n}"}, format="json", HTTP_IF_MATCH=good).status_code == 200


# --- archive instead of delete -----------------------------------------------------------------


@pytest.mark.parametrize("basename", ["project", "unit", "leader"])
def test_a_record_others_depend_on_is_archived_not_deleted(api, world, basename):
    if basename == "project":
        obj = world.project
        MonthlyReport.objects.create(project=obj, year=2013, month=1, completed_ytd=Decimal("1"))
    elif basename == "unit":
        obj = Unit.objects.create(name="配合单位")
        world.other_project.cooperating_units.add(obj)  # a many-to-many link that delete would drop
    else:
        obj = world.leader
        world.review.reviewers.add(obj)
    api.force_authenticate(world.users["office"])
    response = api.delete(reverse(f"api:{basename}-detail", args=[obj.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and response.json()["code"] == "protected"
    assert "Archive it instead" in response.json()["detail"]
    assert type(obj).objects.filter(pk=obj.pk).exists()

    response = api.post(reverse(f"api:{basename}-archive", args=[obj.pk]), {}, format="json",
                        HTTP_X_CHANGE_REASON="merged")
    assert response.status_code == 200, response.content
    assert response.json()["is_archived"] is True
    listed = {row["id"] for row in results(api.get(reverse(f"api:{basename}-list"), {"page_size": 500}))}
    assert obj.pk not in listed
    listed = {row["id"] for row in results(api.get(reverse(f"api:{basename}-list"),
                                                   {"page_size": 500, "include_archived": "true"}))}
    assert obj.pk in listed
    assert api.get(reverse(f"api:{basename}-detail", args=[obj.pk])).status_code == 200
    entries = api.get(history_url(basename, obj.pk)).json()["results"]
    assert entries[0]["reason"] == "merged"
    assert {"field": "is_archived", "old": False, "new": True}.items() <= {
        k: v for k, v in entries[0]["changes"][0].items() if k != "label"}.items()

    assert api.post(reverse(f"api:{basename}-archive", args=[obj.pk]), {}, format="json").status_code == 409
    response = api.post(reverse(f"api:{basename}-unarchive", args=[obj.pk]), {}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"] is False


def test_only_the_office_archives_units_and_leaders(api, world):
    api.force_authenticate(world.users["auditor"])
    assert api.post(reverse("api:unit-archive", args=[world.unit.pk]), {}, format="json").status_code == 403
    assert api.post(reverse("api:leader-archive", args=[world.leader.pk]), {}, format="json").status_code == 403
    assert not Unit.objects.get(pk=world.unit.pk).is_archived


def test_a_unit_nothing_depends_on_is_deleted(api, world):
    unit = Unit.objects.create(name="空单位")
    api.force_authenticate(world.users["office"])
    assert api.delete(reverse("api:unit-detail", args=[unit.pk])).status_code == 204


# --- published records are frozen --------------------------------------------------------------


def test_published_reviews_and_evaluations_are_never_changed_or_deleted(api, world):
    Review.objects.filter(pk=world.review.pk).update(status=PublicationStatus.PUBLISHED)
    Evaluation.objects.filter(pk=world.evaluation.pk).update(status=PublicationStatus.PUBLISHED)
    api.force_authenticate(world.users["office"])
    cases = [
        ("review", world.review, {"title": "改名"}),
        ("evaluation", world.evaluation, {"weight_completion": "50.00"}),
        ("reviewcriterion", world.criterion, {"weight": "0.90"}),
    ]
    for basename, obj, change in cases:
        url = reverse(f"api:{basename}-detail", args=[obj.pk])
        response = api.patch(url, change, format="json")
        assert response.status_code == 409 and response.json()["code"] == "published", (basename, response.content)
        assert api.delete(url).status_code == 409, basename
        assert type(obj).objects.filter(pk=obj.pk).exists()
    assert Review.objects.get(pk=world.review.pk).title == "三季度观摩"
    assert ReviewCriterion.objects.get(pk=world.criterion.pk).weight == Decimal("0.5")
    assert Evaluation.objects.get(pk=world.evaluation.pk).weight_completion == Decimal("60")


def test_bulletins_rankings_and_results_are_read_only(api, world):
    api.force_authenticate(world.users["office"])
    url = reverse("api:bulletin-detail", args=[world.bulletin.pk])
    assert api.patch(url, {"title": "x"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    for basename in ("bulletinentry", "reviewranking", "evaluationresult"):
        assert api.post(reverse(f"api:{basename}-list"), {}, format="json").status_code == 405


def test_the_schema_documents_history_if_match_and_reasons(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    for path in ("/api/projects/{id}/history/", "/api/reports/{id}/history/", "/api/units/{id}/archive/",
                 "/api/leaders/{id}/unarchive/", "/api/bulletin-entries/{id}/history/"):
        assert path in text, path
    assert "If-Match" in text and "X-Change-Reason" in text and "'412':" in text and "change_reason" in text


def test_annual_plan_and_problem_are_versioned():
    from projects.locking import is_versioned

    assert all(is_versioned(m) for m in (Project, AnnualPlan, MonthlyReport, Problem))
    assert not is_versioned(Leader)


def test_a_model_save_from_a_stale_copy_is_refused_and_stores_nothing(world):
    from projects.locking import StaleVersion

    first, second = Project.objects.get(pk=world.project.pk), Project.objects.get(pk=world.project.pk)
    first.name_en = "first"
    first.save()
    second.name_en = "second"
    with pytest.raises(StaleVersion) as refused:
        second.save()
    assert refused.value.current_version == 2
    assert [c["field"] for c in refused.value.changes] == ["name_en"]
    stored = Project.objects.get(pk=world.project.pk)
    assert (stored.name_en, stored.version) == ("first", 2)
    assert Project.history.filter(id=stored.pk).count() == 2


# --- who made a change: named to office staff and auditors only (projects/permissions.py) ----------

# persona → whether the history names the person behind a change (and lets the persona filter by user).
HISTORY_NAMES = {"office": True, "auditor": True, "superuser": True, "reporter": False, "outsider": False,
                 "leader": False}


def persona_user(world, persona):
    from django.contrib.auth import get_user_model

    if persona == "superuser":
        return get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-123")
    return world.users[persona]


@pytest.fixture
def changed_by_wang(api, world):
    """The project changed by an office clerk whose account name must not reach other roles."""
    from projects.tests.conftest import make_user
    from projects.choices import Role

    wang = make_user("wang.li", Role.OFFICE)
    api.force_authenticate(wang)
    response = api.patch(f"/api/projects/{world.project.pk}/", {"total_investment": "210000"}, format="json")
    assert response.status_code == 200, response.content
    return wang


@pytest.mark.parametrize("persona", HISTORY_NAMES)
def test_the_history_names_who_changed_a_record_only_to_office_and_auditors(api, world, changed_by_wang, persona):
    named = HISTORY_NAMES[persona]
    api.force_authenticate(persona_user(world, persona))
    response = api.get(history_url("project", world.project.pk))
    assert response.status_code == 200
    changed, created = response.json()["results"]
    assert [(c["field"], c["old"], c["new"]) for c in changed["changes"]] == [
        ("total_investment", "200000.00", "210000.00")]
    if named:
        assert changed["user"] == {"id": changed_by_wang.pk, "username": "wang.li", "role": "office"}
    else:
        assert changed["user"] == {"id": None, "username": None, "role": "office"}
        assert "wang.li" not in response.content.decode()
    assert created["user"] is None  # made by the test's fixtures, not by an account


@pytest.mark.parametrize("persona", HISTORY_NAMES)
def test_only_office_and_auditors_filter_the_history_by_user(api, world, changed_by_wang, persona):
    from projects.tests.test_api_hostile_input import assert_error_shape

    api.force_authenticate(persona_user(world, persona))
    response = api.get(history_url("project", world.project.pk), {"user": "wang.li"})
    if HISTORY_NAMES[persona]:
        assert response.status_code == 200
        assert [e["user"]["username"] for e in response.json()["results"]] == ["wang.li"]
    else:
        body = assert_error_shape(response, 400, "invalid")
        assert [(e["field"], e["code"], e["message"]) for e in body["errors"]] == [
            ("user", "not_allowed", "只有项目办和审计员可以按用户筛选历史。")]


@pytest.mark.parametrize("persona", ["office", "auditor", "reporter", "leader"])
def test_the_admin_history_page_names_who_changed_only_to_office_and_auditors(client, world, changed_by_wang,
                                                                               persona):
    client.force_login(world.users[persona])
    response = client.get(reverse("admin:projects_project_history", args=[world.project.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    if HISTORY_NAMES[persona]:
        assert "wang.li" in text
    else:
        assert "wang.li" not in text and "项目办工作人员" in text


# --- If-Match on deletes and on records without a version; ETag on every create ---------------------------


def test_a_delete_honours_if_match_like_a_write(api, world):
    report = MonthlyReport.objects.create(project=world.project, year=2013, month=10, completed_ytd=Decimal("100"))
    api.force_authenticate(world.users["office"])
    url = reverse("api:report-detail", args=[report.pk])
    etag = api.get(url)["ETag"]
    assert api.patch(url, {"completed_ytd": "150.00"}, format="json").status_code == 200  # someone else's save
    response = api.delete(url, HTTP_IF_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 412, response.content
    body = response.json()
    assert body["code"] == "precondition_failed" and "meanwhile" in body["detail"]
    assert ("completed_ytd", "changed_meanwhile") in {(e["field"], e["code"]) for e in body["errors"]}
    assert MonthlyReport.objects.filter(pk=report.pk).exists()
    assert api.delete(url, HTTP_IF_MATCH=api.get(url)["ETag"]).status_code == 204
    assert not MonthlyReport.objects.filter(pk=report.pk).exists()


def test_if_match_on_a_record_without_a_version_is_refused_not_ignored(api, world):
    milestone = Milestone.objects.create(project=world.project, kind="start", planned_date=datetime.date(2013, 3, 1))
    api.force_authenticate(world.users["office"])
    url = reverse("api:milestone-detail", args=[milestone.pk])
    for method, kwargs in (("patch", {"data": {"note": "改期"}, "format": "json"}), ("delete", {})):
        response = getattr(api, method)(url, HTTP_IF_MATCH='"99"', **kwargs)
        assert response.status_code == 412, (method, response.content)
        body = response.json()
        assert body["code"] == "precondition_failed"
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("If-Match", "not_versioned")]
    # The weak ETag it answers with never matches either (If-Match compares strongly, RFC 9110).
    response = api.patch(url, {"note": "改期"}, format="json", HTTP_IF_MATCH=api.get(url)["ETag"])
    assert response.status_code == 412
    milestone.refresh_from_db()
    assert milestone.note == ""
    unit_url = reverse("api:unit-detail", args=[world.other_unit.pk])
    assert api.post(unit_url + "archive/", {}, format="json", HTTP_IF_MATCH='"3"').status_code == 412
    assert api.patch(url, {"note": "改期"}, format="json", HTTP_IF_MATCH="*").status_code == 200


def test_every_create_answers_an_etag(api, world):
    api.force_authenticate(world.users["office"])
    response = api.post(reverse("api:zone-list"), {"code": "new", "name": "新区"}, format="json")
    assert response.status_code == 201
    assert re.fullmatch(r'W/"[0-9a-f]{16}"', response["ETag"]), response["ETag"]
    assert api.get(response["Location"])["ETag"] == response["ETag"]  # the same representation
    changed = api.patch(response["Location"], {"name_en": "New zone"}, format="json")
    assert changed["ETag"] != response["ETag"]
    response = api.post(reverse("api:annualplan-list"), {"project": world.project.pk, "year": 2014,
                                                         "planned_investment": "1.00"}, format="json")
    assert response.status_code == 201 and response["ETag"] == '"1"'


def test_the_schema_says_what_if_match_and_etag_mean_for_each_kind(api, world):
    api.force_authenticate(world.users["office"])
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    def has_id(response):
        ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
        return "id" in components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})

    delete = paths["/api/reports/{id}/"]["delete"]
    assert "412" in delete["responses"] and "If-Match" in {p["name"] for p in delete["parameters"]}
    assert "412" in paths["/api/milestones/{id}/"]["patch"]["responses"]
    assert "412" in paths["/api/milestones/{id}/"]["delete"]["responses"]
    creates = [(path, item["post"]["responses"]["201"]) for path, item in paths.items()
               if "post" in item and "201" in item["post"]["responses"] and has_id(item["post"]["responses"]["201"])]
    assert len(creates) > 20
    missing = [path for path, response in creates if "ETag" not in response.get("headers", {})]
    assert missing == []
    zone = paths["/api/zones/"]["post"]["responses"]["201"]["headers"]["ETag"]
    assert zone["schema"]["pattern"].startswith("^W/")


def test_a_delete_with_an_if_match_that_names_no_version_answers_400_as_documented(api, world):
    """Found by the fuzz: DELETE with If-Match: LPT1 answered 400, which the schema did not declare."""
    report = MonthlyReport.objects.create(project=world.project, year=2013, month=10, completed_ytd=Decimal("100"))
    api.force_authenticate(world.users["office"])
    response = api.delete(reverse("api:report-detail", args=[report.pk]), HTTP_IF_MATCH="LPT1")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "If-Match"
    assert MonthlyReport.objects.filter(pk=report.pk).exists()
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert "400" in paths["/api/reports/{id}/"]["delete"]["responses"]
    assert "400" in paths["/api/zones/{id}/"]["delete"]["responses"]  # a reason over 100 characters
