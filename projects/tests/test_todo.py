"""我的待办: the to-do list of each role, on the admin home, at /admin/todo/ and at GET /api/me/todo/.

The world (today 2013-11-07; October's reports were due 2013-11-05, TRACKER_REPORT_DUE_DAY 5):

A 星凯国际 (unit leads, leader 区长): plan 60000; accepted September 10000 (16.67% vs 75.00: red);
  October saved as a draft, not submitted.
B 锦江 (other unit leads): plan 55000; October submitted (to accept).
C 安置房 (other unit leads, unit cooperates): plan 10000; October returned "数据有误".
E 爱乐游 (unit leads): plan 20000; no October report.
D 旧项目 (unit leads): no plan for 2013: nothing due.
Problems: P1 unit, deadline 11-01, open (overdue 6 days); P2 unit, on A, deadline 11-20, escalated
  (13 days left); P3 other unit, on B, deadline 10-31 (overdue 7 days); P4 unit, resolved.
Review 2013 Q3 (draft): A and B, reviewer 区长, who scored A only.
Bulletins: a draft for 2013-09; none for 2013-10.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.choices import Category, Role, Stage
from projects.models import AnnualPlan, Bulletin, Leader, MonthlyReport, Problem, Project, ReviewScore
from projects.services.reviews import review_create
from projects.services.todo import todo_for

D = Decimal
TODAY = datetime.date(2013, 11, 7)


@pytest.fixture
def world(db, unit, other_unit, project, plan, office, reporter, outsider, leader_user, auditor, accepted_report):
    leader = Leader.objects.get(user=leader_user)
    a = project
    a.leaders.add(leader)
    b = Project.objects.create(name="锦江国际商业广场", category=Category.COMMERCE, stage=Stage.CONTINUING,
                               lead_unit=other_unit)
    c = Project.objects.create(name="安置房", category=Category.URBAN_COMMUNITY, stage=Stage.NEW, lead_unit=other_unit)
    c.cooperating_units.add(unit)
    e = Project.objects.create(name="爱乐游智能物联网机器人", category=Category.INDUSTRY, stage=Stage.NEW, lead_unit=unit)
    Project.objects.create(name="旧项目", category=Category.OTHER, stage=Stage.COMPLETED, lead_unit=unit)
    for p, amount in ((b, "55000"), (c, "10000"), (e, "20000")):
        AnnualPlan.objects.create(project=p, year=2013, planned_investment=D(amount))
    accepted_report(a, 2013, 9, "10000")
    draft = MonthlyReport.objects.create(project=a, year=2013, month=10, completed_ytd=D("20000"))
    submitted = MonthlyReport.objects.create(project=b, year=2013, month=10, completed_ytd=D("50000"),
                                             status="submitted", submitted_at=datetime.datetime(
                                                 2013, 11, 4, tzinfo=datetime.timezone.utc))
    returned = MonthlyReport.objects.create(project=c, year=2013, month=10, completed_ytd=D("900"),
                                            return_reason="数据有误")

    def problem(title, project, responsible, deadline, **kwargs):
        return Problem.objects.create(project=project, category="other", title=title, responsible_unit=responsible,
                                      raised_on=datetime.date(2013, 10, 1), deadline=deadline, **kwargs)

    p1 = problem("征地拆迁未完成", e, unit, datetime.date(2013, 11, 1))
    p2 = problem("供电线路", a, unit, datetime.date(2013, 11, 20), status="escalated")
    p3 = problem("规划审批", b, other_unit, datetime.date(2013, 10, 31))
    problem("资金缺口", a, unit, datetime.date(2013, 10, 15), status="resolved", resolution="已解决",
            resolved_on=datetime.date(2013, 10, 10))
    review = review_create(user=office, year=2013, quarter=3, date=datetime.date(2013, 10, 20), title="三季度观摩",
                           projects=[a, b], reviewers=[leader])
    for criterion in review.criteria.all():
        ReviewScore.objects.create(review=review, project=a, reviewer=leader, criterion=criterion, score=D("80"))
    draft_bulletin = Bulletin.objects.create(year=2013, month=9, title="2013年9月通报")
    return dict(a=a, b=b, c=c, e=e, draft=draft, submitted=submitted, returned=returned, p1=p1, p2=p2, p3=p3,
                review=review, bulletin=draft_bulletin, leader=leader, unit=unit, other_unit=other_unit)


def section(todo, key):
    return next(s for s in todo["sections"] if s["key"] == key)


def titles(sec):
    return [item["title"] for item in sec["items"]]


def change(model, pk):
    return reverse(f"admin:projects_{model}_change", args=[pk])


def test_a_reporter_sees_its_units_reports_due_and_returned_and_its_problems(world, reporter):
    w = world
    todo = todo_for(user=reporter, today=TODAY)
    assert [s["key"] for s in todo["sections"]] == ["reports_due", "reports_returned", "problems_assigned"]
    due = section(todo, "reports_due")
    assert due["title"] == "月报截止 2013-11-05"
    # A has a draft (finish and submit it), E nothing yet (file it); C is in the returned list.
    assert titles(due) == ["星凯国际城市综合体", "爱乐游智能物联网机器人"]
    assert [i["url"] for i in due["items"]] == [
        change("monthlyreport", w["draft"].pk),
        reverse("admin:projects_monthlyreport_add") + f"?project={w['e'].pk}&year=2013&month=10"]
    assert [(i["due"], i["days_left"], i["overdue"], i["days_overdue"]) for i in due["items"]] == [
        (datetime.date(2013, 11, 5), -2, True, 2)] * 2
    returned = section(todo, "reports_returned")
    assert titles(returned) == ["安置房 2013-10"]
    assert returned["items"][0]["detail"] == "已退回：数据有误"
    assert returned["items"][0]["url"] == change("monthlyreport", w["returned"].pk)
    problems = section(todo, "problems_assigned")
    assert titles(problems) == ["征地拆迁未完成", "供电线路"]
    assert [(i["days_left"], i["overdue"]) for i in problems["items"]] == [(-6, True), (13, False)]
    assert problems["items"][0]["url"] == change("problem", w["p1"].pk)
    assert todo["count"] == 2 + 1 + 2


def test_another_units_reporter_sees_only_its_own(world, outsider):
    todo = todo_for(user=outsider, today=TODAY)
    # B is submitted, C (its own) returned; P3 is its problem.
    assert [(s["key"], titles(s)) for s in todo["sections"]] == [
        ("reports_due", []), ("reports_returned", ["安置房 2013-10"]), ("problems_assigned", ["规划审批"])]


def test_before_the_due_day_reports_are_due_not_late(world, reporter):
    todo = todo_for(user=reporter, today=datetime.date(2013, 11, 3))
    item = section(todo, "reports_due")["items"][0]
    assert (item["days_left"], item["overdue"]) == (2, False)


def test_a_leader_sees_his_red_projects_reviews_to_score_and_escalated_problems(world, leader_user):
    w = world
    todo = todo_for(user=leader_user, today=TODAY)
    flagged = section(todo, "projects_flagged")
    # The dashboard's month for his projects: September, the latest accepted (10000 of 60000).
    assert flagged["title"] == "您分包的红灯、黄灯项目（2013-09）"
    assert titles(flagged) == ["星凯国际城市综合体"]
    assert flagged["items"][0]["kind"] == "project_red"
    assert "58.33" in flagged["items"][0]["detail"]  # 16.67% against 75.00%
    assert flagged["items"][0]["url"].startswith(f"/admin/projects/project/{w['a'].pk}/")
    reviews = section(todo, "reviews_to_score")
    assert titles(reviews) == ["三季度观摩"]
    assert reviews["items"][0]["detail"] == "2 个项目中还有 1 个待评分"
    assert reviews["items"][0]["url"] == reverse("admin:projects_review_score", args=[w["review"].pk])
    escalated = section(todo, "problems_escalated")
    assert titles(escalated) == ["供电线路"]
    assert escalated["items"][0]["url"] == change("problem", w["p2"].pk)


def test_a_leader_who_scored_everything_has_no_review_left(world, leader_user):
    w = world
    for criterion in w["review"].criteria.all():
        ReviewScore.objects.create(review=w["review"], project=w["b"], reviewer=w["leader"], criterion=criterion,
                                   score=D("70"))
    assert section(todo_for(user=leader_user, today=TODAY), "reviews_to_score")["count"] == 0


def test_the_office_sees_reports_to_accept_bulletins_overdue_problems_and_late_units(world, office):
    w = world
    todo = todo_for(user=office, today=TODAY)
    accept = section(todo, "reports_to_accept")
    assert titles(accept) == ["锦江国际商业广场 2013-10"]
    assert accept["items"][0]["url"] == change("monthlyreport", w["submitted"].pk)
    bulletins = section(todo, "bulletins")
    assert [(i["kind"], i["title"]) for i in bulletins["items"]] == [
        ("bulletin_to_compile", "2013-10 月通报"), ("bulletin_to_publish", "2013年9月通报")]
    assert bulletins["items"][0]["url"] == reverse("admin:projects_bulletin_add") + "?year=2013&month=10"
    assert bulletins["items"][1]["url"] == change("bulletin", w["bulletin"].pk)
    overdue = section(todo, "problems_overdue")
    assert titles(overdue) == ["规划审批", "征地拆迁未完成"]
    late = section(todo, "units_late")
    assert late["title"] == "逾期未报 2013-10 月报的单位（截止 2013-11-05）"
    # A (draft), E (nothing) of the unit; C (returned) of the other unit.
    assert [(i["title"], i["detail"]) for i in late["items"]] == [
        ("王褚街道办事处", "2013-10 有 1 份月报未提交"), ("解放区发改委", "2013-10 有 2 份月报未提交")]
    assert late["items"][1]["url"] == change("unit", w["unit"].pk)
    assert todo["count"] == 1 + 2 + 2 + 2


def test_the_late_units_are_those_reminded_the_cooperating_units_without_a_lead_unit(world, office):
    w = world
    # G: no lead unit, both units cooperate (either may report); H: no unit at all.
    g = Project.objects.create(name="牧野路拓宽改造工程", category=Category.INFRASTRUCTURE, stage=Stage.CONTINUING)
    g.cooperating_units.add(w["unit"], w["other_unit"])
    h = Project.objects.create(name="龙寺水库", category=Category.INFRASTRUCTURE, stage=Stage.CONTINUING)
    for p in (g, h):
        AnnualPlan.objects.create(project=p, year=2013, planned_investment=D("5000"))
    late = section(todo_for(user=office, today=TODAY), "units_late")
    # C (led by the other unit, the unit cooperating) counts for its lead unit only.
    assert [(i["title"], i["detail"]) for i in late["items"]] == [
        ("王褚街道办事处", "2013-10 有 2 份月报未提交"), ("解放区发改委", "2013-10 有 3 份月报未提交"),
        ("（无牵头或配合单位）", "2013-10 有 1 份月报未提交")]
    assert late["items"][2]["url"] == (reverse("admin:projects_project_changelist")
                                       + "?lead_unit__isnull=True&cooperating_units__isnull=True&plan_year=2013")


def test_the_day_given_sets_the_month_of_every_section(world, leader_user, office, accepted_report):
    # What exists by now of later months: A's December report accepted, B's submitted, December's
    # bulletin drafted. The to-do of 2013-11-07 shows none of it.
    w = world
    accepted_report(w["a"], 2013, 12, "61000")
    MonthlyReport.objects.create(project=w["b"], year=2013, month=12, completed_ytd=D("56000"), status="submitted")
    Bulletin.objects.create(year=2013, month=12, title="2013年12月通报")
    flagged = section(todo_for(user=leader_user, today=TODAY), "projects_flagged")
    assert flagged["title"] == "您分包的红灯、黄灯项目（2013-09）"
    assert titles(flagged) == ["星凯国际城市综合体"]
    office_todo = todo_for(user=office, today=TODAY)
    assert titles(section(office_todo, "reports_to_accept")) == ["锦江国际商业广场 2013-10"]
    assert [(i["kind"], i["title"]) for i in section(office_todo, "bulletins")["items"]] == [
        ("bulletin_to_compile", "2013-10 月通报"), ("bulletin_to_publish", "2013年9月通报")]
    # A month later, December is the reporting month: all of it shows.
    later = todo_for(user=office, today=datetime.date(2014, 1, 7))
    assert sorted(titles(section(later, "reports_to_accept"))) == ["锦江国际商业广场 2013-10", "锦江国际商业广场 2013-12"]
    assert [i["title"] for i in section(later, "bulletins")["items"]] == ["2013年9月通报", "2013年12月通报"]
    assert section(todo_for(user=leader_user, today=datetime.date(2014, 1, 7)),
                   "projects_flagged")["title"] == "您分包的红灯、黄灯项目（2013-12）"


def test_no_bulletin_is_asked_for_a_year_without_annual_plans(world, office):
    # No project has a 2014 plan: no January bulletin to compile; the September draft still waits.
    todo = todo_for(user=office, today=datetime.date(2014, 2, 10))
    assert [(i["kind"], i["title"]) for i in section(todo, "bulletins")["items"]] == [
        ("bulletin_to_publish", "2013年9月通报")]
    AnnualPlan.objects.create(project=world["a"], year=2014, planned_investment=D("50000"))
    todo = todo_for(user=office, today=datetime.date(2014, 2, 10))
    assert [(i["kind"], i["title"], i["days_overdue"]) for i in section(todo, "bulletins")["items"]] == [
        ("bulletin_to_compile", "2014-01 月通报", 5), ("bulletin_to_publish", "2013年9月通报", 0)]


def test_an_auditor_has_nothing_to_do(world, auditor):
    assert todo_for(user=auditor, today=TODAY)["sections"] == []


@pytest.mark.parametrize("persona, queries", [("reporter", 4), ("leader_user", 10), ("office", 7)])
def test_the_query_count_does_not_grow_with_the_records(world, request, persona, queries,
                                                        django_assert_max_num_queries):
    # 25 more projects of the unit and of the leader, each with a report to accept or returned,
    # a problem escalated and overdue, and a review: more items than a section lists (20).
    w = world
    review = review_create(user=request.getfixturevalue("office"), year=2013, quarter=4,
                           date=datetime.date(2013, 11, 1), title="四季度观摩", projects=[w["a"]],
                           reviewers=[w["leader"]])
    for n in range(25):
        p = Project.objects.create(name=f"项目{n:02d}", lead_unit=w["unit"] if n % 2 else w["other_unit"])
        p.leaders.add(w["leader"])
        review.projects.add(p)
        AnnualPlan.objects.create(project=p, year=2013, planned_investment=D("1000"))
        MonthlyReport.objects.create(project=p, year=2013, month=10, completed_ytd=D("10"),
                                     status="submitted" if n % 3 else "draft", return_reason="" if n % 3 else "退回")
        Problem.objects.create(project=p, category="other", title=f"问题{n}", responsible_unit=w["unit"],
                               raised_on=datetime.date(2013, 10, 1), deadline=datetime.date(2013, 11, 2),
                               status="escalated")
    user = request.getfixturevalue(persona)
    with django_assert_max_num_queries(queries):
        todo = todo_for(user=user, today=TODAY)
    assert max(s["count"] for s in todo["sections"]) > 20
    assert max(len(s["items"]) for s in todo["sections"]) == 20


# The admin -----------------------------------------------------------------------------------------


def test_the_admin_home_shows_the_todo_first(world, client, reporter):
    client.force_login(reporter)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="trk-todo"' in page
    assert page.index('id="trk-todo"') < page.index('id="trk-dashboard"')
    assert reverse("tracker_todo") in page


def test_the_todo_page_lists_items_with_their_links(world, client, office):
    client.force_login(office)
    page = client.get(reverse("tracker_todo"), {"on": "2013-11-07"}).content.decode()
    assert "锦江国际商业广场 2013-10" in page
    assert change("monthlyreport", world["submitted"].pk) in page
    assert "逾期 7 天" in page  # P3, deadline 2013-10-31
    assert "2013-10 月通报" in page


# The API -------------------------------------------------------------------------------------------


def test_the_report_form_and_the_import_page_start_from_the_month_the_todo_chases(world, client, reporter,
                                                                                 monkeypatch):
    """On 7 November (past the due day) the to-do chases October's reports: the report form and
    the import page start from October too, not from November."""
    from projects.selectors import reporting_month
    from projects.services.todo import reporting_period
    from projects.tests.page_text import page_text

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    assert reporting_month(TODAY) == reporting_period(TODAY) == (2013, 10)
    client.force_login(reporter)
    todo = page_text(client.get(reverse("tracker_todo")).content)
    assert "2013-10 月报：尚未填报" in todo
    form = client.get(reverse("admin:projects_monthlyreport_add")).context["adminform"].form
    assert (form.initial["year"], form.initial["month"]) == (2013, 10)
    html = client.get(reverse("admin:projects_monthlyreport_import")).content.decode()
    assert 'name="month" value="2013-10"' in html


def test_the_api_gives_the_same_list(world, client, reporter):
    client.force_login(reporter)
    response = client.get("/api/me/todo/", {"on": "2013-11-07"})
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == Role.REPORTER and body["as_of"] == "2013-11-07" and body["count"] == 5
    due = body["sections"][0]
    assert [i["title"] for i in due["items"]] == ["星凯国际城市综合体", "爱乐游智能物联网机器人"]
    assert due["items"][0] | {} == {
        "kind": "report_due", "id": world["a"].pk, "title": "星凯国际城市综合体",
        "detail": "2013-10 月报：已存草稿，未提交", "project_id": world["a"].pk, "project_name": "星凯国际城市综合体",
        "due": "2013-11-05", "days_left": -2, "overdue": True, "days_overdue": 2,
        "url": change("monthlyreport", world["draft"].pk)}


@pytest.mark.parametrize("persona, status", [
    ("office", 200), ("reporter", 200), ("leader_user", 200), ("auditor", 200), ("no_profile", 403),
    ("anonymous", 401),
])
def test_every_role_reads_its_own_todo(world, client, request, persona, status):
    if persona == "no_profile":
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.create_user("nobody", password="x"))
    elif persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    assert client.get("/api/me/todo/").status_code == status


def test_a_bad_date_is_a_400_naming_the_field(world, client, office):
    client.force_login(office)
    body = client.get("/api/me/todo/", {"on": "2013-13-01"}).json()
    assert body["status"] == 400 and body["errors"][0]["field"] == "on"


def test_the_schema_documents_the_todo(client, office):
    client.force_login(office)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/me/todo/" in schema["paths"]
    assert set(schema["components"]["schemas"]["Todo"]["properties"]) == {"role", "role_label", "as_of", "count",
                                                                          "sections"}




# The shipped library -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def library(django_db_setup, django_db_blocker):
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_library", verbosity=0)
            yield
            transaction.set_rollback(True)


def test_the_shipped_library_names_the_unit_late_with_its_report(library, office):
    # No project of the library has a lead unit; 焦运's cooperating unit never files February.
    late = section(todo_for(user=office, today=datetime.date(2013, 3, 6)), "units_late")
    assert [(i["title"], i["detail"]) for i in late["items"]] == [("解放区商务局", "2013-02 有 1 份月报未提交")]


def test_the_shipped_library_on_a_day_of_2013_shows_that_days_month(library, client):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    client.force_login(users.get(username="demo_leader3"))
    body = client.get("/api/me/todo/", {"on": "2013-11-12"}).json()
    flagged = next(s for s in body["sections"] if s["key"] == "projects_flagged")
    assert flagged["title"] == "您分包的红灯、黄灯项目（2013-10）"
    assert [i["title"] for i in flagged["items"]] == ["和平街市场改造"]
    assert flagged["items"][0]["detail"].startswith("2013-10 红灯: 计划于 2013-08-31 完成的时间节点“完成一期商户征迁”未按期完成。")
    # The office on that day: October's bulletin is published; December's draft is not yet made.
    client.force_login(users.get(username="demo_office"))
    body = client.get("/api/me/todo/", {"on": "2013-11-12"}).json()
    assert next(s for s in body["sections"] if s["key"] == "bulletins")["items"] == []


def test_the_shipped_library_today_asks_for_no_bulletin_of_a_year_without_plans(library, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="demo_office"))
    page = client.get(reverse("tracker_todo"), {"on": "2026-12-06"}).content.decode()
    assert "2026-11 月通报" not in page and "尚未编制" not in page
    assert "2013年1-12月全区重点项目建设进展情况通报" in page  # December 2013's draft still waits
