"""What an integrator relies on beyond CRUD: who am I (/api/me/), a report's completion rate and
light (the bulletin's rule), 412/409 answers that list what changed, 201 answers with ETag and
Location."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db.models import F
from rest_framework.test import APIClient

from projects.choices import Light, MilestoneKind, ProblemCategory
from projects.models import Leader, Milestone, MonthlyReport, PlanRevision, Problem
from projects.services.bulletins import bulletin_compute


@pytest.fixture
def api():
    return APIClient()


# --- who am I ------------------------------------------------------------------------------------


def test_me_says_user_role_unit_and_leader(api, reporter, unit, office, leader_user, auditor):
    api.force_authenticate(reporter)
    body = api.get("/api/me/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body == {"id": reporter.pk, "username": "reporter", "full_name": "", "role": "reporter",
                    "role_display": "Unit reporter", "unit": {"id": unit.pk, "name": "解放区发改委",
                                                              "name_en": "Development and Reform Commission"},
                    "leader": None}
    api.force_authenticate(leader_user)
    body = api.get("/api/me/").json()
    leader = Leader.objects.get(user=leader_user)
    assert (body["role"], body["unit"], body["leader"]) == ("leader", None, {"id": leader.pk, "name": "区长",
                                                                            "title": "区长"})
    for user, role in ((office, "office"), (auditor, "auditor")):
        api.force_authenticate(user)
        assert api.get("/api/me/").json()["role"] == role
    api.force_authenticate(None)
    assert api.get("/api/me/").status_code == 401


def test_me_is_documented_in_both_languages(api, office):
    api.force_authenticate(office)
    operation = api.get("/api/schema/", {"format": "json"}).json()["paths"]["/api/me/"]["get"]
    assert "当前用户" in operation["summary"] and "Who am I" in operation["summary"]
    assert "角色" in operation["description"] and "role" in operation["description"]


# --- a report's completion rate and light -----------------------------------------------------------


def test_a_reports_rate_and_light_are_the_bulletins(api, office, project, plan, accepted_report):
    accepted_report(project, 2013, 9, "30000")
    october = accepted_report(project, 2013, 10, "30000")
    api.force_authenticate(office)
    body = api.get(f"/api/reports/{october.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    # 30000 of 60000 = 50.00 % against a time progress of 83.33 %: 33.33 points behind, red.
    assert (body["plan_in_force"], body["completion_rate"], body["time_progress"], body["gap_points"]) == (
        "60000.00", "50.00", "83.33", "-33.33")
    assert (body["light"], body["light_display"]) == ("red", "Red")
    assert [r["code"] for r in body["light_reasons"]] == ["far_behind_schedule"]
    [row] = bulletin_compute(year=2013, month=10).rows
    assert (row.completion_rate, row.light) == (Decimal(body["completion_rate"]), body["light"])

    # A revision in force from September lowers the plan: 60.00 %, 23.33 points behind, yellow;
    # an overdue milestone makes it red, as in the bulletin.
    PlanRevision.objects.create(plan=plan, effective_month=9, planned_investment=Decimal("50000"), reason="调减",
                                revised_on=datetime.date(2013, 9, 1))
    body = api.get(f"/api/reports/{october.pk}/").json()
    assert (body["plan_in_force"], body["completion_rate"], body["light"]) == ("50000.00", "60.00", "yellow")
    Milestone.objects.create(project=project, kind=MilestoneKind.START, planned_date=datetime.date(2013, 10, 15))
    body = api.get(f"/api/reports/{october.pk}/").json()
    assert body["light"] == "red"
    assert [r["code"] for r in body["light_reasons"]] == ["behind_schedule", "milestone_overdue"]
    [row] = bulletin_compute(year=2013, month=10).rows
    assert (row.completion_rate, row.light) == (Decimal("60.00"), Light.RED)
    # September's report: 30000 of 50000 against 75 %, the milestone not yet due.
    september = api.get("/api/reports/", {"year": 2013, "month": 9}).json()["results"][0]
    assert (september["completion_rate"], september["gap_points"], september["light"]) == ("60.00", "-15.00",
                                                                                         "yellow")


def test_a_report_without_a_plan_has_no_rate(api, office, project):
    api.force_authenticate(office)
    response = api.post("/api/reports/", {"project": project.pk, "year": 2013, "month": 3,
                                          "completed_ytd": "100.00"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["plan_in_force"], body["completion_rate"], body["gap_points"], body["light"]) == (
        None, None, None, "green")


def test_the_report_list_runs_a_fixed_number_of_queries(api, office, project, plan, accepted_report, unit,
                                                        django_assert_max_num_queries):
    api.force_authenticate(office)
    accepted_report(project, 2013, 1, "1000")
    with django_assert_max_num_queries(12) as few:
        assert len(api.get("/api/reports/").json()["results"]) == 1
    for month in range(2, 13):
        accepted_report(project, 2013, month, str(1000 * month))
    Milestone.objects.create(project=project, kind=MilestoneKind.START, planned_date=datetime.date(2013, 5, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get("/api/reports/").json()
    assert len(body["results"]) == 12
    assert {r["month"]: r["light"] for r in body["results"]}[4] != "red"  # the milestone is due in May
    assert {r["month"]: r["light"] for r in body["results"]}[5] == "red"


# --- 412 / 409 list what changed; 201 carries ETag ----------------------------------------------


def test_412_lists_the_fields_changed_with_who_and_when(api, office, reporter, project, plan):
    report = MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=Decimal("100"),
                                          reporting_unit=project.lead_unit, reporter_name="reporter")
    api.force_authenticate(reporter)
    url = f"/api/reports/{report.pk}/"
    etag = api.get(url)["ETag"]
    assert etag == '"1"'
    assert api.patch(url, {"completed_ytd": "200.00", "progress_note": "主体施工"}, format="json").status_code == 200
    response = api.patch(url, {"completed_ytd": "300.00"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    errors = response.json()["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {("completed_ytd", "changed_meanwhile"),
                                                         ("progress_note", "changed_meanwhile")}
    assert all("reporter" in e["message"] for e in errors)
    # The same stale version in the body: 409 with the same list.
    response = api.patch(url, {"completed_ytd": "300.00", "version": 1}, format="json")
    assert response.status_code == 409
    assert {e["field"] for e in response.json()["errors"]} == {"completed_ytd", "progress_note"}


def test_412_names_the_version_when_the_history_cannot_say_more(api, office, project):
    problem = Problem.objects.create(project=project, category=ProblemCategory.FUNDING, title="资金缺口",
                                     responsible_unit=project.lead_unit, raised_on=datetime.date(2013, 7, 1),
                                     deadline=datetime.date(2013, 12, 31))
    api.force_authenticate(office)
    url = f"/api/problems/{problem.pk}/"
    response = api.patch(url, {"title": "资金缺口（二）"}, format="json", HTTP_IF_MATCH='"999"')
    assert response.status_code == 412
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("version", "changed_meanwhile")
    assert "999" in error["message"] and "1" in error["message"]
    Problem.objects.filter(pk=problem.pk).update(version=F("version") + 1)  # a save outside the history
    response = api.patch(url, {"title": "资金缺口（二）"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert [e["field"] for e in response.json()["errors"]] == ["version"]


@pytest.mark.parametrize(("path", "body", "versioned"), [
    ("/api/reports/", lambda p: {"project": p.pk, "year": 2013, "month": 10, "completed_ytd": "100.00"}, True),
    ("/api/annual-plans/", lambda p: {"project": p.pk, "year": 2014, "planned_investment": "100.00"}, True),
    ("/api/zones/", lambda p: {"code": "new", "name": "新园区"}, False),
])
def test_201_answers_carry_etag_and_location(api, office, project, path, body, versioned):
    api.force_authenticate(office)
    response = api.post(path, body(project), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert response["Location"] == f"http://testserver{path}{created['id']}/"
    if versioned:
        assert response["ETag"] == '"1"' == f'"{created["version"]}"'
        assert api.patch(response["Location"], {}, format="json", HTTP_IF_MATCH=response["ETag"]).status_code == 200
    else:
        # No version: a weak tag of the answer, which If-Match never matches (412, not ignored).
        assert re.fullmatch(r'W/"[0-9a-f]{16}"', response["ETag"]), response["ETag"]
        response = api.patch(response["Location"], {}, format="json", HTTP_IF_MATCH=response["ETag"])
        assert response.status_code == 412 and response.json()["errors"][0]["code"] == "not_versioned"


# --- bulletins: totals and reasons have a structure -------------------------------------------------


def test_bulletin_totals_and_reasons_are_described_in_the_schema_and_match_the_answer(api, office, project, plan,
                                                                                     accepted_report):
    from projects.models import Bulletin
    from projects.services.bulletins import bulletin_publish

    accepted_report(project, 2013, 10, "30000")
    bulletin = Bulletin.objects.create(year=2013, month=10, title="2013年10月通报")
    bulletin_publish(bulletin=bulletin, user=office)
    api.force_authenticate(office)
    schema = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    totals = schema["BulletinTotals"]["properties"]
    assert set(totals) == {"all", "stage", "zone", "category", "programme", "unit"}
    group = schema["Totals"]["properties"]
    assert {"label", "count", "completion_rate", "green", "yellow", "red"} <= set(group)
    assert all(field.get("description") for field in group.values())
    code = schema["LightReason"]["properties"]["code"]
    enum = schema[code["allOf"][0]["$ref"].rsplit("/", 1)[1]] if "allOf" in code else code
    assert "far_behind_schedule" in enum["enum"] and "milestone_overdue" in enum["enum"]

    body = api.get(f"/api/bulletins/{bulletin.pk}/").json()
    assert set(body["totals"]) == set(totals)
    assert set(body["totals"]["all"]) == set(group)
    assert (body["totals"]["all"]["completion_rate"], body["totals"]["all"]["red"]) == ("50.00", 1)
    [entry] = api.get(f"/api/bulletins/{bulletin.pk}/entries/").json()["results"]
    assert [set(reason) for reason in entry["reasons"]] == [{"code", "text"}]
    assert entry["reasons"][0]["code"] == "far_behind_schedule"


# --- unknown query parameters -------------------------------------------------------------------


def test_an_unknown_list_parameter_answers_400_naming_it(api, office, project):
    api.force_authenticate(office)
    response = api.get("/api/projects/", {"stag": "continuing", "zone": project.zone_id, "colour": "red"})
    assert response.status_code == 400
    body = response.json()
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("colour", "unknown_parameter"),
                                                                 ("stag", "unknown_parameter")]
    assert "stage" in body["errors"][0]["message"] and "lenient=true" in body["errors"][0]["message"]
    # Known ones, pagination, ordering, search and format pass; lenient clients opt out.
    ok = api.get("/api/projects/", {"stage": "continuing", "page": 1, "page_size": 10, "ordering": "-name",
                                    "q": "星凯", "format": "json", "progress_year": 2013})
    assert ok.status_code == 200 and [p["id"] for p in ok.json()["results"]] == [project.pk]
    lenient = api.get("/api/projects/", {"stag": "continuing", "lenient": "true"})
    assert lenient.status_code == 200 and lenient.json()["count"] == 1
    assert api.get("/api/projects/", {"lenient": "maybe"}).json()["errors"][0]["field"] == "lenient"
    # The cursor list knows its cursor; a detail ignores list parameters.
    assert api.get("/api/reports/", {"cursor": "", "year": 2013}).status_code == 200
    assert api.get("/api/reports/", {"page": 2}).json()["errors"][0]["field"] == "page"
    assert api.get(f"/api/projects/{project.pk}/", {"progress_year": 2013}).status_code == 200


def test_every_documented_list_parameter_is_known(api, office, project):
    """Walks the schema: each list's documented query parameters are accepted (whatever their
    value says), and each list documents `lenient`."""
    api.force_authenticate(office)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    checked = 0
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path:
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        if "lenient" not in names:
            continue
        for name in names:
            response = api.get(path, {name: "1"})
            codes = [e["code"] for e in response.json()["errors"]] if response.status_code == 400 else []
            assert "unknown_parameter" not in codes, (path, name, response.json())
        assert api.get(path, {"no_such_parameter": "1"}).status_code == 400, path
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("path", ["/api/projects/{project}/history/", "/api/dashboard/",
                                  "/api/reports/template/?month=2013-10", "/api/me/todo/",
                                  "/api/projects/{project}/", "/api/zones/{zone}/"])
def test_an_unknown_parameter_outside_the_lists_answers_400_too(api, office, project, path):
    api.force_authenticate(office)
    url = path.format(project=project.pk, zone=project.zone_id)
    joiner = "&" if "?" in url else "?"
    response = api.get(f"{url}{joiner}foo=1")
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("foo", "unknown_parameter")]
    assert "lenient=true" in body["errors"][0]["message"]
    assert api.get(f"{url}{joiner}foo=1&lenient=true").status_code == 200
    assert api.get(url).status_code == 200


def test_the_operations_that_check_their_parameters_document_lenient(api, office):
    api.force_authenticate(office)
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in ("/api/projects/{id}/history/", "/api/dashboard/", "/api/reports/template/", "/api/me/todo/",
                 "/api/projects/{id}/", "/api/reports/{id}/"):
        assert "lenient" in {p["name"] for p in paths[path]["get"]["parameters"]}, path


# --- what the fuzz found (test_fuzz_api.py) --------------------------------------------------------


def test_a_patch_answer_keeps_the_names_of_missing_relations_as_null(api, office):
    """A project without zone or lead unit answered PATCH without `zone_name` and `lead_unit_name`
    (DRF skips a field's default in a partial update), which the schema says are always there."""
    from projects.models import Project

    project = Project.objects.create(name="无主项目", stage="new", total_investment=Decimal("100"))
    api.force_authenticate(office)
    body = api.patch(f"/api/projects/{project.pk}/", {"name_en": "Orphan"}, format="json").json()
    assert body["name_en"] == "Orphan" and body["zone_name"] is None and body["lead_unit_name"] is None
    assert api.get(f"/api/projects/{project.pk}/").json()["lead_unit_name"] is None


def test_the_schema_states_what_the_serializers_check(api, office):
    """What the serializers refuse, the schema says where JSON Schema can: a positive request
    generated from the schema is then refused only for what no schema can state (a record that does
    not exist, a duplicate, a rule of the workflow)."""
    api.force_authenticate(office)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    components, paths = schema["components"]["schemas"], schema["paths"]

    money = components["MonthlyReportRequest"]["properties"]["completed_ytd"]["pattern"]  # ≥ 0
    assert [bool(re.fullmatch(money, v)) for v in ("300", "300.25", "", "-1", "1e3", "300.", "1.234")] == [
        True, True, False, False, False, False, False]
    weight = components["ReviewCriterionRequest"]["properties"]["weight"]["pattern"]  # ≥ 0.01
    assert [bool(re.fullmatch(weight, v)) for v in ("0.01", "25", "0", "0.00")] == [True, True, False, False]
    name = components["PatchedLeaderRequest"]["properties"]["name"]
    assert not re.search(name["pattern"], "\xa0 ") and re.search(name["pattern"], " 区长 ")  # trimmed first
    assert components["ZoneRequest"]["properties"]["code"]["pattern"].startswith("^[-a-zA-Z0-9_]+")  # a slug
    assert components["ReviewRequest"]["properties"]["projects"]["minItems"] == 1

    # Bodies are JSON (forms serve the browsable API and cannot say null); uploads are multipart, no nulls.
    assert list(paths["/api/leaders/"]["post"]["requestBody"]["content"]) == ["application/json"]
    assert list(paths["/api/attachments/"]["post"]["requestBody"]["content"]) == ["multipart/form-data"]
    assert "nullable" not in components["AttachmentRequest"]["properties"]["report"]
    assert components["ProblemRequest"]["properties"]["report"]["nullable"] is True

    on = [p for p in paths["/api/me/todo/"]["get"]["parameters"] if p["name"] == "on"][0]
    assert on["schema"] == {"type": "string", "format": "date"} and on["allowEmptyValue"]  # "on=": today
    template = {p["name"]: p for p in paths["/api/reports/template/"]["get"]["parameters"]}
    assert template["unit"]["allowEmptyValue"] and "allowEmptyValue" not in template["month"]  # required
    area = components["ZoneRequest"]["properties"]["area_km2"]["pattern"]  # nullable: "" is null
    assert re.fullmatch(area, "") and re.fullmatch(area, "3.5") and not re.fullmatch(money, "")
    assert components["AttachmentRequest"]["properties"]["file"]["minLength"] == 1
    progress = {p["name"]: p["schema"] for p in paths["/api/projects/"]["get"]["parameters"]}
    assert progress["progress_month"] == {"type": "integer", "minimum": 1, "maximum": 12}

    # The headers the answers carry (schemathesis' response_headers_conformance checks them).
    created = paths["/api/reports/"]["post"]["responses"]["201"]["headers"]
    assert created["ETag"]["required"] and created["ETag"]["schema"]["pattern"] == '^"[0-9]+"$'
    assert created["Location"]["schema"] == {"type": "string", "format": "uri"}
    assert "ETag" in paths["/api/reports/{id}/submit/"]["post"]["responses"]["200"]["headers"]
    assert "headers" not in paths["/api/reports/{id}/history/"]["get"]["responses"]["200"]  # not the object
    zone_etag = paths["/api/zones/"]["post"]["responses"]["201"]["headers"]["ETag"]  # zones carry no version
    assert zone_etag["schema"]["pattern"] == '^W/"[0-9a-f]{16}"$' and "If-Match" in zone_etag["description"]

    # Anyone may ask for a token (authentication optional), not revoke one.
    assert {} in paths["/api/auth/token/"]["post"]["security"]
    assert {} not in paths["/api/auth/token/"]["delete"]["security"]
    # A download answers the stored file's own type (it said application/octet-stream, answered application/pdf).
    download = paths["/api/attachments/{id}/download/"]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "image/jpeg", "application/vnd.ms-excel"} <= set(download)


def test_json_values_have_the_type_the_schema_gives(api, office, project, unit):
    """Found by the fuzz's negative mode: DRF read the number -25 as the code "-25", "5" as the id 5,
    "yes" as true. In a JSON body each value has its schema type; forms and uploads carry text."""
    api.force_authenticate(office)
    for body, field in (({"code": -25, "name": "数字编码"}, "code"), ({"code": "z1", "name": "一区", "area_km2": 3.5},
                                                                   "area_km2")):
        response = api.post("/api/zones/", body, format="json")
        assert response.status_code == 400 and [e["field"] for e in response.json()["errors"]] == [field]
    response = api.patch(f"/api/projects/{project.pk}/", {"lead_unit": str(unit.pk)}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "lead_unit"
    response = api.post("/api/years/rollover/", {"year": 2013, "dry_run": "yes"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "dry_run"
    assert api.post("/api/zones/", {"code": "z2", "name": "二区", "area_km2": "3.5"}, format="json").status_code == 201
    assert api.post("/api/zones/", {"code": "z3", "name": "三区", "area_km2": ""}, format="json").json()[
        "area_km2"] is None


def test_creates_link_to_what_can_be_done_with_the_new_object(api, office, unit):
    """OpenAPI links from each create to the operations on the new object (and to the creates that
    refer to it); the id they name is the one the 201 answer carries."""
    api.force_authenticate(office)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    links = schema["paths"]["/api/projects/"]["post"]["responses"]["201"]["links"]
    assert links["projects_retrieve"]["parameters"] == {"id": "$response.body#/id"}
    assert links["projects_reports_list"]["parameters"] == {"project_pk": "$response.body#/id"}
    assert links["reports_create"]["requestBody"] == {"project": "$response.body#/id"}
    assert {"projects_destroy", "projects_archive_create", "projects_history_retrieve"} <= set(links)
    assert all(re.search(r"[\u4e00-\u9fff]", link["description"]) for link in links.values())
    operation_ids = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    every = [link for item in schema["paths"].values() for op in item.values()
             for response in op["responses"].values() for link in response.get("links", {}).values()]
    assert len(every) > 100 and {link["operationId"] for link in every} <= operation_ids

    created = api.post("/api/units/", {"name": "新设单位"}, format="json")
    assert created.status_code == 201
    target = schema["paths"]["/api/units/{id}/"]["get"]["operationId"]
    assert schema["paths"]["/api/units/"]["post"]["responses"]["201"]["links"][target]["parameters"] == {
        "id": "$response.body#/id"}
    assert api.get(f"/api/units/{created.json()['id']}/").json()["name"] == "新设单位"


# --- what every operation can answer ---------------------------------------------------------------------


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_every_operation_documents_503_406_and_415_where_it_can_answer_them(api, office):
    api.force_authenticate(office)
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    missing = []
    for path, item in paths.items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation["responses"]
            unavailable = responses.get("503", {})
            if unavailable.get("headers", {}).get("Retry-After", {}).get("required") is not True:
                missing.append(f"{method.upper()} {path} 503 with Retry-After")
            workbook = {media for code, r in responses.items() if code.startswith("2")
                        for media in r.get("content", {})} == {XLSX}  # answered whatever Accept says
            if ("406" in responses) is workbook:
                missing.append(f"{method.upper()} {path} 406")
            if method in ("post", "put", "patch") and "415" not in responses:
                missing.append(f"{method.upper()} {path} 415")
    assert missing == []


def test_a_body_of_a_type_the_api_does_not_read_answers_415_in_the_error_shape(api, office, project):
    api.force_authenticate(office)
    response = api.generic("PATCH", f"/api/projects/{project.pk}/", "name_en=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type" and response.json()["status"] == 415


def test_a_client_asking_for_the_workbook_gets_it_not_406(api, office, project):
    """The report template and the library export answered 406 to Accept: <the xlsx media type> (their
    errors are JSON, their answer a workbook), unlike the other downloads."""
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    api.force_authenticate(office)
    for url in ("/api/reports/template/?month=2013-10", "/api/projects/xlsx/", "/api/problems/xlsx/"):
        response = api.get(url, HTTP_ACCEPT=xlsx)
        assert response.status_code == 200, (url, response.content[:200])
        assert response["Content-Type"] == xlsx
    response = api.get("/api/reports/template/?month=2013-13", HTTP_ACCEPT=xlsx)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "month"
