"""Opening the next year: the preview's counts, the records written, all-or-nothing, refused twice.

The library of 2013 (by hand):
  A 新建, started 2013-04 (start milestone), plan 60,000 of 200,000, reported 62,000 → 续建, draft 60,000
  B 新建, not started, no total, plan 5,000                                          → 新建, draft 5,000
  C 续建, completion milestone met 2013-12-20                                          → 竣工, closed
  D already 竣工                                                                       → closed
  E 续建, total 100,000, reported 50,000 (2012) + 45,000 (2013-10), plan 30,000 revised
    to 40,000 from July; planned completion 2014-06                                    → 续建, draft 5,000 (what remains)
  F 运作, plan 0, total 30,000                                                          → 运作, draft 0
  G archived (has a 2013 plan), H no 2013 plan                                         → untouched
"""

import datetime
from decimal import Decimal

import pytest

from projects.choices import MilestoneKind, ReportStatus, Stage
from projects.exceptions import Conflict, DomainError, NotAllowed
from projects.models import AnnualPlan, Milestone, MonthlyReport, PlanRevision, Programme, Project
from projects.services.rollover import year_rollover_apply, year_rollover_preview

D = Decimal


def make(name, stage, plan=None, total=None, **kwargs):
    project = Project.objects.create(name=name, stage=stage, total_investment=None if total is None else D(total),
                                     **kwargs)
    if plan is not None:
        AnnualPlan.objects.create(project=project, year=2013, planned_investment=D(plan))
    return project


def accepted(project, year, month, ytd):
    MonthlyReport.objects.create(project=project, year=year, month=month, completed_ytd=D(ytd),
                                 status=ReportStatus.ACCEPTED)


@pytest.fixture
def library(db):
    a = make("A 星凯国际", Stage.NEW, 60000, 200000)
    Milestone.objects.create(project=a, kind=MilestoneKind.START, planned_date=datetime.date(2013, 3, 1),
                             actual_date=datetime.date(2013, 4, 1))
    accepted(a, 2013, 11, 62000)
    b = make("B 新项目", Stage.NEW, 5000)
    c = make("C 锦江商业广场", Stage.CONTINUING, 55000, 120000)
    Milestone.objects.create(project=c, kind=MilestoneKind.COMPLETION, actual_date=datetime.date(2013, 12, 20))
    d = make("D 已竣工", Stage.COMPLETED, 1000, 1000)
    e = make("E 爱乐优", Stage.CONTINUING, 30000, 100000, planned_completion=datetime.date(2014, 6, 30))
    PlanRevision.objects.create(plan=e.annual_plans.get(), effective_month=7, planned_investment=D(40000),
                                reason="加快", revised_on=datetime.date(2013, 7, 1))
    accepted(e, 2012, 12, 50000)
    accepted(e, 2013, 6, 20000)
    accepted(e, 2013, 10, 45000)
    f = make("F 运作中", Stage.PREPARATION, 0, 30000)
    g = make("G 已归档", Stage.CONTINUING, 7000, 9000, is_archived=True)
    h = make("H 无计划", Stage.RESERVE)
    return {p.name[0]: p for p in (a, b, c, d, e, f, g, h)}


def test_the_preview_counts_what_will_be_carried_and_closed(library, office):
    preview = year_rollover_preview(year=2013, user=office)
    assert preview.next_year == 2014
    assert [(c.project.name[0], c.stage_before, c.stage_after, c.planned_investment) for c in preview.carried] == [
        ("A", "new", "continuing", D(60000)),
        ("B", "new", "new", D(5000)),
        ("E", "continuing", "continuing", D(5000)),
        ("F", "preparation", "preparation", D(0)),
    ]
    assert [p.name[0] for p in preview.closed] == ["C", "D"]
    assert preview.counts == {"carried": 4, "closed": 2, "new_to_continuing": 1, "planned_investment": D(70000),
                              "by_stage": {"reserve": 0, "preparation": 1, "new": 1, "continuing": 2,
                                           "completed": 0}}
    programme = preview.programme
    assert (programme["code"], programme["year"], programme["name"]) == ("2014-draft", 2014, "2014年重点项目推进计划（草案）")
    assert (programme["planned_project_count"], programme["planned_new"], programme["planned_continuing"],
            programme["planned_preparation"], programme["planned_reserve"], programme["planned_completed"]) == (
        4, 1, 2, 1, 0, 1)
    assert programme["total_investment_target"] == D(330000)
    assert programme["annual_investment_target"] == D(70000)
    # Nothing written.
    assert not AnnualPlan.objects.filter(year=2014).exists() and not Programme.objects.exists()
    assert Project.objects.get(pk=library["A"].pk).stage == Stage.NEW


def test_applying_writes_draft_plans_stages_and_the_draft_programme(library, office):
    year_rollover_apply(year=2013, user=office)
    plans = AnnualPlan.objects.filter(year=2014).order_by("project__name")
    assert [(p.project.name[0], p.planned_investment, p.is_draft) for p in plans] == [
        ("A", D(60000), True), ("B", D(5000), True), ("E", D(5000), True), ("F", D(0), True)]
    stages = dict(Project.objects.values_list("name", "stage"))
    assert {name[0]: stage for name, stage in stages.items()} == {
        "A": "continuing", "B": "new", "C": "completed", "D": "completed", "E": "continuing",
        "F": "preparation", "G": "continuing", "H": "reserve"}
    programme = Programme.objects.get(year=2014)
    assert (programme.code, programme.label, programme.planned_project_count, programme.planned_continuing,
            programme.annual_investment_target, programme.total_investment_target) == (
        "2014-draft", "草案", 4, 2, D(70000), D(330000))
    assert sorted(p.name[0] for p in programme.projects.all()) == ["A", "B", "E", "F"]
    # The stage change is in the project's history, the old year's plans are untouched.
    assert Project.objects.get(pk=library["A"].pk).history.first().stage == "continuing"
    assert AnnualPlan.objects.filter(year=2013).count() == 7


def test_it_refuses_a_second_time_and_changes_nothing(library, office):
    year_rollover_apply(year=2013, user=office)
    before = (AnnualPlan.objects.count(), Programme.objects.count(), list(Project.objects.values_list("stage")))
    for call in (year_rollover_apply, year_rollover_preview):
        with pytest.raises(Conflict) as exc:
            call(year=2013, user=office)
        assert exc.value.code == "already_opened"
    assert (AnnualPlan.objects.count(), Programme.objects.count(),
            list(Project.objects.values_list("stage"))) == before


def test_a_year_with_plans_entered_ahead_counts_as_opened(library, office):
    AnnualPlan.objects.create(project=library["H"], year=2014, planned_investment=D(1))
    with pytest.raises(Conflict):
        year_rollover_preview(year=2013, user=office)


def test_a_failure_half_way_leaves_nothing(library, office, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Programme.objects, "create", broken)
    with pytest.raises(RuntimeError):
        year_rollover_apply(year=2013, user=office)
    assert not AnnualPlan.objects.filter(year=2014).exists()
    assert Project.objects.get(pk=library["A"].pk).stage == Stage.NEW
    assert Project.objects.get(pk=library["C"].pk).stage == Stage.CONTINUING


@pytest.mark.parametrize("persona", ["reporter", "leader_user", "auditor"])
def test_only_the_office_opens_a_year(request, library, persona):
    user = request.getfixturevalue(persona)
    for call in (year_rollover_preview, year_rollover_apply):
        with pytest.raises(NotAllowed):
            call(year=2013, user=user)
    assert not AnnualPlan.objects.filter(year=2014).exists()


def test_a_year_without_plans_has_nothing_to_carry(db, office):
    with pytest.raises(DomainError) as exc:
        year_rollover_preview(year=2020, user=office)
    assert (exc.value.code, exc.value.field) == ("nothing_to_carry", "year")


# Through the API and the admin ----------------------------------------------------------------------

from rest_framework.test import APIClient  # noqa: E402


def test_the_api_previews_with_dry_run_then_applies(library, office):
    api = APIClient()
    api.force_authenticate(office)
    response = api.post("/api/years/rollover/", {"year": 2013, "dry_run": True}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["next_year"], body["dry_run"], body["counts"]["carried"], body["counts"]["closed"]) == (
        2014, True, 4, 2)
    assert body["counts"]["planned_investment"] == "70000.00"
    assert [(c["name"][0], c["stage_after"], c["planned_investment"]) for c in body["carried"]] == [
        ("A", "continuing", "60000.00"), ("B", "new", "5000.00"), ("E", "continuing", "5000.00"),
        ("F", "preparation", "0.00")]
    assert [c["name"][0] for c in body["closed"]] == ["C", "D"]
    assert not AnnualPlan.objects.filter(year=2014).exists()

    response = api.post("/api/years/rollover/", {"year": 2013}, format="json")
    assert response.status_code == 201
    assert response.json()["programme"]["id"] == Programme.objects.get(year=2014).pk
    assert AnnualPlan.objects.filter(year=2014, is_draft=True).count() == 4

    again = api.post("/api/years/rollover/", {"year": 2013, "dry_run": True}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_opened"


@pytest.mark.parametrize("persona, status", [("reporter", 403), ("leader_user", 403), ("auditor", 403)])
def test_the_api_refuses_other_roles(request, library, persona, status):
    api = APIClient()
    api.force_authenticate(request.getfixturevalue(persona))
    assert api.post("/api/years/rollover/", {"year": 2013, "dry_run": True}, format="json").status_code == status
    assert APIClient().post("/api/years/rollover/", {"year": 2013}, format="json").status_code == 401


def test_the_api_names_a_bad_year(library, office):
    api = APIClient()
    api.force_authenticate(office)
    body = api.post("/api/years/rollover/", {"year": "next", "dry_run": True}, format="json").json()
    assert body["status"] == 400 and body["errors"][0]["field"] == "year"
    body = api.post("/api/years/rollover/", {"year": 2020, "dry_run": True}, format="json").json()
    assert (body["status"], body["errors"][0]["field"], body["errors"][0]["code"]) == (400, "year", "nothing_to_carry")


def test_the_admin_page_previews_then_confirms(library, office, client):
    client.force_login(office)
    assert client.get("/admin/rollover/").status_code == 200
    page = client.post("/admin/rollover/", {"year": 2013, "preview": "1"}).content.decode()
    assert "开启 2014 年：结转项目 4 个，关闭 2 个，新建转续建 1 个。" in page
    assert "新建 → <strong>续建</strong>" in page
    assert "<li>C 锦江商业广场</li>" in page and "<li>D 已竣工</li>" in page
    assert not AnnualPlan.objects.filter(year=2014).exists()
    response = client.post("/admin/rollover/", {"year": 2013, "confirm": "1"})
    programme = Programme.objects.get(year=2014)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/projects/programme/{programme.pk}/change/"
    assert AnnualPlan.objects.filter(year=2014).count() == 4
    page = client.post("/admin/rollover/", {"year": 2013, "preview": "1"}).content.decode()
    assert "2014 年已开启" in page


def test_the_admin_page_is_for_the_office_only(library, reporter, client):
    client.force_login(reporter)
    assert client.get("/admin/rollover/").status_code == 403
    assert client.post("/admin/rollover/", {"year": 2013, "confirm": "1"}).status_code == 403
    assert not AnnualPlan.objects.filter(year=2014).exists()


def test_the_programme_list_links_to_the_rollover_for_the_office(db, office, auditor, client):
    client.force_login(office)
    assert 'href="/admin/rollover/" id="year-rollover-link">年度结转</a>' in client.get(
        "/admin/projects/programme/").content.decode()
    client.force_login(auditor)
    assert "year-rollover-link" not in client.get("/admin/projects/programme/").content.decode()


def test_draft_plans_are_marked_in_the_api_and_filtered_in_the_admin(library, office, client):
    year_rollover_apply(year=2013, user=office)
    api = APIClient()
    api.force_authenticate(office)
    rows = api.get("/api/annual-plans/", {"year": 2014}).json()["results"]
    assert len(rows) == 4 and all(row["is_draft"] for row in rows)
    client.force_login(office)
    page = client.get("/admin/projects/annualplan/", {"is_draft__exact": "1"}).content.decode()
    from projects.tests.page_text import texts_of_class

    assert texts_of_class(page, "field-draft") == ["草案"] * 4


def test_programmes_of_the_next_year_from_the_documents_do_not_open_it(library, office):
    Programme.objects.create(code="432211", year=2014, name="“432211”项目计划")
    preview = year_rollover_preview(year=2013, user=office)
    assert preview.counts["carried"] == 4
    year_rollover_apply(year=2013, user=office)
    assert sorted(Programme.objects.filter(year=2014).values_list("code", flat=True)) == ["2014-draft", "432211"]


# The shipped library --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped(django_db_setup, django_db_blocker):
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_library", verbosity=0)
            yield
            transaction.set_rollback(True)


def test_the_shipped_library_rolls_2013_into_2014_once(shipped, office, client):
    # The facts hold the 2014 programmes the documents give (432211, 十项民生工程（2014）…) and no
    # plan of 2014: the year is not opened yet.
    assert Programme.objects.filter(year=2014).count() == 10
    assert not AnnualPlan.objects.filter(year=2014).exists()
    client.force_login(office)
    page = client.post("/admin/rollover/", {"year": 2013, "preview": "1"}).content.decode()
    assert "2014 年已开启" not in page
    preview = year_rollover_preview(year=2013, user=office)
    assert "开启 2014 年：结转项目 %d 个，关闭 %d 个，新建转续建 %d 个。" % (
        preview.counts["carried"], preview.counts["closed"], preview.counts["new_to_continuing"]) in page
    assert preview.counts["carried"] + preview.counts["closed"] == 12  # the 12 projects with a 2013 plan
    response = client.post("/admin/rollover/", {"year": 2013, "confirm": "1"})
    assert response.status_code == 302
    assert AnnualPlan.objects.filter(year=2014, is_draft=True).count() == preview.counts["carried"]
    assert Programme.objects.filter(year=2014).count() == 11
    # A second run is refused and changes nothing.
    page = client.post("/admin/rollover/", {"year": 2013, "confirm": "1"}).content.decode()
    assert "2014 年已开启（已有年度结转生成的推进计划草案或年度计划），未做任何修改。" in page
    with pytest.raises(Conflict):
        year_rollover_apply(year=2013, user=office)
    assert Programme.objects.filter(year=2014).count() == 11
