"""The monthly bulletin (一月一通报): figures, lights, totals, ranking, publication, command."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.choices import Category, Light, ProblemCategory, Stage
from projects.exceptions import Conflict, NotAllowed
from projects.models import AnnualPlan, Bulletin, Milestone, Problem, Programme, Project
from projects.services.bulletins import bulletin_compute, bulletin_data, bulletin_publish, programme_compare
from projects.services.plans import plan_revise
from projects.services.reports import report_accept, report_save, report_submit

D = Decimal


def make_project(name, unit, plan, year=2013, category=Category.COMMERCE, **kwargs):
    project = Project.objects.create(name=name, category=category, lead_unit=unit, stage=Stage.CONTINUING,
                                     **kwargs)
    AnnualPlan.objects.create(project=project, year=year, planned_investment=D(plan))
    return project


def row_of(data, project):
    return next(row for row in data.rows if row.project_id == project.pk)


@pytest.fixture
def seed_000(db, unit, zone, accepted_report):
    """星凯国际 and 锦江商业广场 at the end of October 2013, as seed 000 states them."""
    xingkai = make_project("星凯国际城市综合体", unit, "60000", zone=zone)
    jinjiang = make_project("锦江商业广场暨五星级酒店", unit, "55000", zone=zone)
    accepted_report(xingkai, 2013, 10, "62000")
    accepted_report(jinjiang, 2013, 10, "60000")
    return xingkai, jinjiang


def test_it_reproduces_the_october_2013_rates_of_seed_000(seed_000):
    xingkai, jinjiang = seed_000
    data = bulletin_compute(year=2013, month=10)
    assert str(row_of(data, xingkai).completion_rate) == "103.33"
    assert str(row_of(data, jinjiang).completion_rate) == "109.09"
    assert data.time_progress == D("83.33")
    assert row_of(data, xingkai).light == Light.GREEN


@pytest.mark.parametrize("completed, light, gap", [
    ("4001", Light.GREEN, "-9.99"),
    ("4000", Light.YELLOW, "-10.00"),
    ("2000", Light.YELLOW, "-30.00"),
    ("1999", Light.RED, "-30.01"),
])
def test_light_boundaries_against_time_progress(unit, accepted_report, completed, light, gap):
    project = make_project("P", unit, "10000")
    accepted_report(project, 2013, 6, completed)  # June: time progress 50.00 %
    row = row_of(bulletin_compute(year=2013, month=6), project)
    assert row.gap_points == D(gap)
    assert row.light == light
    codes = [r["code"] for r in row.reasons]
    if light == Light.GREEN:
        assert codes == []
    elif light == Light.YELLOW:
        assert codes == ["behind_schedule"]
    else:
        assert codes == ["far_behind_schedule"]


def test_an_overdue_milestone_makes_a_project_red(unit, accepted_report):
    project = make_project("P", unit, "10000")
    accepted_report(project, 2013, 6, "6000")
    Milestone.objects.create(project=project, kind="start", planned_date=datetime.date(2013, 6, 30))
    Milestone.objects.create(project=project, kind="completion", planned_date=datetime.date(2013, 7, 1))
    row = row_of(bulletin_compute(year=2013, month=6), project)
    assert row.light == Light.RED
    assert [r["code"] for r in row.reasons] == ["milestone_overdue"]


def test_a_milestone_reached_by_month_end_is_not_overdue(unit, accepted_report):
    project = make_project("P", unit, "10000")
    accepted_report(project, 2013, 6, "6000")
    Milestone.objects.create(project=project, kind="start", planned_date=datetime.date(2013, 5, 1),
                             actual_date=datetime.date(2013, 6, 30))
    assert row_of(bulletin_compute(year=2013, month=6), project).light == Light.GREEN
    # ...but in May it was still overdue.
    accepted_report(project, 2013, 5, "5000")
    assert row_of(bulletin_compute(year=2013, month=5), project).light == Light.RED


def test_an_overdue_problem_makes_a_project_red(unit, accepted_report):
    project = make_project("P", unit, "10000")
    accepted_report(project, 2013, 6, "6000")
    Problem.objects.create(project=project, category=ProblemCategory.LAND_CLEARANCE, title="拆迁",
                           responsible_unit=unit, raised_on=datetime.date(2013, 5, 1),
                           deadline=datetime.date(2013, 6, 20))
    row = row_of(bulletin_compute(year=2013, month=6), project)
    assert row.light == Light.RED
    assert [r["code"] for r in row.reasons] == ["problem_overdue"]


def test_a_problem_resolved_after_month_end_still_counts_as_overdue_then(unit, accepted_report):
    project = make_project("P", unit, "10000")
    accepted_report(project, 2013, 6, "6000")
    Problem.objects.create(project=project, category=ProblemCategory.UTILITIES, title="供电",
                           responsible_unit=unit, raised_on=datetime.date(2013, 5, 1),
                           deadline=datetime.date(2013, 6, 20), status="resolved",
                           resolved_on=datetime.date(2013, 7, 3))
    assert row_of(bulletin_compute(year=2013, month=6), project).light == Light.RED
    accepted_report(project, 2013, 7, "7000")
    assert row_of(bulletin_compute(year=2013, month=7), project).light == Light.GREEN


def test_a_missing_report_makes_a_project_yellow_and_carries_the_last_figure(unit, accepted_report):
    project = make_project("P", unit, "10000")
    accepted_report(project, 2013, 5, "6000")
    row = row_of(bulletin_compute(year=2013, month=6), project)
    assert row.light == Light.YELLOW
    assert row.report_missing
    assert [r["code"] for r in row.reasons] == ["report_missing"]
    assert row.completed_ytd == D("6000")
    assert row.completed_month == D("0")


def test_a_missing_report_does_not_soften_red(unit, accepted_report):
    project = make_project("P", unit, "10000")
    accepted_report(project, 2013, 1, "100")
    row = row_of(bulletin_compute(year=2013, month=6), project)
    assert row.light == Light.RED
    assert [r["code"] for r in row.reasons] == ["far_behind_schedule", "report_missing"]


def test_a_submitted_but_not_accepted_report_does_not_count(unit, office, accepted_report):
    project = make_project("P", unit, "10000")
    report = report_save(user=office, project=project, year=2013, month=6, completed_ytd=D("6000"))
    report_submit(report=report, user=office)
    row = row_of(bulletin_compute(year=2013, month=6), project)
    assert row.completed_ytd == D("0")
    assert row.report_missing


def test_month_figure_is_ytd_minus_previous_months(unit, accepted_report):
    project = make_project("P", unit, "10000")
    accepted_report(project, 2013, 1, "800")
    accepted_report(project, 2013, 2, "1500")
    assert row_of(bulletin_compute(year=2013, month=1), project).completed_month == D("800")
    assert row_of(bulletin_compute(year=2013, month=2), project).completed_month == D("700")


def test_drift_comes_from_the_revision_in_force(unit, office, accepted_report):
    project = make_project("P", unit, "10000")
    plan = project.annual_plans.get()
    plan_revise(plan=plan, user=office, effective_month=7, planned_investment=D("12500"), reason="追加",
                revised_on=datetime.date(2013, 7, 2))
    accepted_report(project, 2013, 6, "5000")
    accepted_report(project, 2013, 7, "6250")
    june = row_of(bulletin_compute(year=2013, month=6), project)
    july = row_of(bulletin_compute(year=2013, month=7), project)
    assert (june.plan_in_force, june.drift, june.completion_rate) == (D("10000"), D("0"), D("50.00"))
    assert (july.plan_in_force, july.plan_baseline, july.drift) == (D("12500"), D("10000"), D("2500"))
    assert july.completion_rate == D("50.00")
    plan.refresh_from_db()
    assert plan.planned_investment == D("10000")


def test_archived_projects_and_projects_without_a_plan_are_left_out(unit, accepted_report):
    kept = make_project("kept", unit, "100")
    make_project("archived", unit, "100", is_archived=True)
    make_project("other year", unit, "100", year=2014)
    data = bulletin_compute(year=2013, month=3)
    assert [row.project_id for row in data.rows] == [kept.pk]


def test_totals_are_the_sum_of_rows(unit, other_unit, zone, accepted_report):
    a = make_project("A", unit, "1000", zone=zone)
    b = make_project("B", other_unit, "3000", zone=zone)
    c = make_project("C", unit, "2000", category=Category.INDUSTRY)
    programme = Programme.objects.create(code="342311", year=2013, label="342311", name="342311")
    programme.projects.add(a, b)
    accepted_report(a, 2013, 12, "1100")
    accepted_report(b, 2013, 12, "2400")
    accepted_report(c, 2013, 12, "500")
    totals = bulletin_compute(year=2013, month=12).totals
    assert totals["all"]["count"] == 3
    assert totals["all"]["plan_in_force"] == D("6000")
    assert totals["all"]["completed_ytd"] == D("4000")
    assert totals["all"]["completion_rate"] == D("66.67")
    assert (totals["all"]["green"], totals["all"]["yellow"], totals["all"]["red"]) == (1, 1, 1)  # 110 %, 80 %, 25 %
    by_category = {t["label"]: t for t in totals["category"]}
    assert by_category[Category.COMMERCE]["completed_ytd"] == D("3500")
    assert by_category[Category.COMMERCE]["completion_rate"] == D("87.50")
    assert by_category[Category.INDUSTRY]["count"] == 1
    by_unit = {t["label"]: t for t in totals["unit"]}
    assert by_unit[unit.name]["plan_in_force"] == D("3000")
    assert by_unit[other_unit.name]["completed_ytd"] == D("2400")
    assert [(t["label"], t["count"]) for t in totals["programme"]] == [(str(programme), 2)]
    assert {t["label"]: t["count"] for t in totals["zone"]} == {zone.name: 2, "": 1}
    assert [t["count"] for t in totals["stage"]] == [3]


def test_programme_totals_count_only_the_programmes_of_the_bulletins_year(unit, accepted_report):
    """A project of the 2013 programme 342311 that the 2014 plan lists again (11个新建亿元项目) is totalled
    under 342311 in the 2013 bulletins only, and under the 2014 programme in 2014's."""
    project = make_project("A", unit, "1000")
    AnnualPlan.objects.create(project=project, year=2014, planned_investment=D("2000"))
    p2013 = Programme.objects.create(code="342311-2013", year=2013, label="342311", name="342311")
    p2014 = Programme.objects.create(code="new-11-2014", year=2014, label="11个新建亿元项目", name="11个新建亿元项目")
    project.programmes.add(p2013, p2014)
    accepted_report(project, 2013, 12, "1100")
    accepted_report(project, 2014, 1, "100")
    assert [t["label"] for t in bulletin_compute(year=2013, month=12).totals["programme"]] == [str(p2013)]
    assert [t["label"] for t in bulletin_compute(year=2014, month=1).totals["programme"]] == [str(p2014)]


def test_ranking_within_category_and_bottom_list(unit, accepted_report, settings):
    settings.TRACKER_RANKING_BOTTOM = 2
    rates = {"A": "90", "B": "50", "C": "70", "D": "70", "E": "10"}
    projects = {}
    for name, completed in rates.items():
        projects[name] = make_project(name, unit, "100")
        accepted_report(projects[name], 2013, 12, completed)
    lone = make_project("Z", unit, "100", category=Category.INDUSTRY)
    accepted_report(lone, 2013, 12, "1")
    data = bulletin_compute(year=2013, month=12)
    ranks = {row.project_name: row.rank_in_category for row in data.rows}
    assert ranks == {"A": 1, "C": 2, "D": 2, "B": 4, "E": 5, "Z": 1}
    # The bottom list is the 2 lowest rates of all projects, whatever their category.
    assert {c: [row.project_name for row in rows] for c, rows in data.bottom.items()} == {
        Category.COMMERCE: ["E"], Category.INDUSTRY: ["Z"]}


def _add_projects(n, unit, accepted_report):
    for i in range(n):
        project = make_project(f"P{i}", unit, "1000", category=Category.values[i % 3])
        accepted_report(project, 2013, 5, "300")
        Milestone.objects.create(project=project, kind="start", planned_date=datetime.date(2013, 4, 1))
        Problem.objects.create(project=project, category="other", title="t", responsible_unit=unit,
                               raised_on=datetime.date(2013, 1, 1), deadline=datetime.date(2013, 2, 1))


def _queries_of_compute(expected_rows):
    with CaptureQueriesContext(connection) as ctx:
        data = bulletin_compute(year=2013, month=5)
    assert len(data.rows) == expected_rows
    return len(ctx.captured_queries)


def test_compute_runs_a_constant_number_of_queries(unit, accepted_report):
    _add_projects(5, unit, accepted_report)
    assert _queries_of_compute(5) == 4
    Project.objects.update(is_archived=True)
    for i in range(50):
        project = make_project(f"Q{i}", unit, "1000", category=Category.values[i % 3])
        accepted_report(project, 2013, 5, "300")
        Milestone.objects.create(project=project, kind="start", planned_date=datetime.date(2013, 4, 1))
    assert _queries_of_compute(50) == 4


def test_publishing_freezes_rows_and_totals(seed_000, office, accepted_report):
    xingkai, jinjiang = seed_000
    bulletin = Bulletin.objects.create(year=2013, month=10)
    bulletin_publish(bulletin=bulletin, user=office)
    bulletin.refresh_from_db()
    assert bulletin.is_published
    assert bulletin.entries.count() == 2
    assert bulletin.entries.get(project=xingkai).completion_rate == D("103.33")
    assert bulletin.totals["all"]["completed_ytd"] == "122000.00"
    # Later data does not change the published bulletin.
    xingkai.reports.update(completed_ytd=D("1"))
    frozen = bulletin_data(bulletin=bulletin)
    assert frozen.frozen
    assert row_of(frozen, xingkai).completion_rate == D("103.33")
    assert row_of(frozen, jinjiang).rank_in_category == 1


def test_publishing_twice_is_a_conflict(seed_000, office):
    bulletin = Bulletin.objects.create(year=2013, month=10)
    bulletin_publish(bulletin=bulletin, user=office)
    with pytest.raises(Conflict):
        bulletin_publish(bulletin=bulletin, user=office)


@pytest.mark.parametrize("persona", ["reporter", "leader_user", "auditor"])
def test_only_office_publishes(seed_000, persona, request):
    bulletin = Bulletin.objects.create(year=2013, month=10)
    with pytest.raises(NotAllowed):
        bulletin_publish(bulletin=bulletin, user=request.getfixturevalue(persona))
    assert not Bulletin.objects.get().is_published


def test_an_accepted_correction_supersedes_published_bulletins_without_recomputing(seed_000, office, reporter):
    xingkai, _ = seed_000
    september = Bulletin.objects.create(year=2013, month=9)
    october = Bulletin.objects.create(year=2013, month=10)
    bulletin_publish(bulletin=september, user=office)
    bulletin_publish(bulletin=october, user=office)
    report = xingkai.reports.get(month=10)
    report = report_save(user=reporter, project=xingkai, year=2013, month=10, completed_ytd=D("61000"),
                         report=report, correction_reason="统计口径调整")
    assert report.is_correction and report.status == "draft"
    report_submit(report=report, user=reporter)
    report_accept(report=report, user=office)
    october.refresh_from_db()
    september.refresh_from_db()
    assert october.superseded_at is not None
    assert "统计口径调整" in october.superseded_note
    assert september.superseded_at is None
    assert october.entries.get(project=xingkai).completed_ytd == D("62000")
    # The correction shows in the next bulletin.
    assert row_of(bulletin_compute(year=2013, month=11), xingkai).completed_ytd == D("61000")


def test_command_prints_a_table(seed_000):
    out = io.StringIO()
    call_command("bulletin", "2013-10", stdout=out)
    text = out.getvalue()
    assert "103.33" in text and "109.09" in text
    assert "星凯国际城市综合体" in text
    assert "62,000.00" in text


def test_command_prints_json_with_decimals_as_strings(seed_000):
    out = io.StringIO()
    call_command("bulletin", "2013-10", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    rates = sorted(row["completion_rate"] for row in data["rows"])
    assert rates == ["103.33", "109.09"]
    assert data["totals"]["all"]["completed_ytd"] == "122000.00"
    assert data["time_progress"] == "83.33"


def test_command_prints_a_published_bulletin_from_its_frozen_rows(seed_000, office):
    xingkai, _ = seed_000
    bulletin_publish(bulletin=Bulletin.objects.create(year=2013, month=10), user=office)
    xingkai.reports.update(completed_ytd=D("1"))
    out = io.StringIO()
    call_command("bulletin", "2013-10", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["frozen"] is True
    assert "103.33" in [row["completion_rate"] for row in data["rows"]]
    out = io.StringIO()
    call_command("bulletin", "2013-10", stdout=out)
    assert "122,000.00" in out.getvalue()


def test_programme_comparison_flags_differences(unit, accepted_report):
    a = make_project("A", unit, "60000", total_investment=D("1000000"))
    b = make_project("B", unit, "40000", total_investment=D("1540000"))
    accepted_report(a, 2013, 12, "40000")
    accepted_report(b, 2013, 12, "28520")
    programme = Programme.objects.create(
        code="342311", year=2013, label="342311", name="342311", reported_project_count=89,
        reported_total_investment=D("2540000"), reported_completed_investment=D("685200"),
        reported_completion_rate=D("103"),
    )
    programme.projects.add(a, b)
    lines = {line.key: line for line in programme_compare(programme=programme).lines}
    assert lines["project_count"].computed == D("2") and lines["project_count"].differs
    assert lines["project_count"].difference == D("-87")
    assert lines["total_investment"].computed == D("2540000") and not lines["total_investment"].differs
    assert lines["completed_investment"].difference == D("68520") - D("685200")
    assert lines["completion_rate"].computed == D("68.52")
