"""The dashboard's hand-worked example, shared by its tests and its browser tests."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from projects.choices import Category, Stage
from projects.models import AnnualPlan, Leader, Problem, Project, Zone

D = Decimal
SUBMITTED = datetime.datetime(2013, 11, 3, 9, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def dashboard_example(db, unit, other_unit, zone, project, plan, leader_user, accepted_report):
    """Three projects in 2013, October shown (time progress 83.33%):

    A 星凯国际 (unit leads; zone 特色商业区; commerce; leader 区长): plan 60000, YTD 62000 in
      October → 103.33%, green;
    B 锦江 (other unit; zone 解放工业园区; industry): plan 55000, YTD 60000 → 109.09%, green;
    C 安置房 (other unit leads, unit cooperates; no zone; commerce): plan 10000, last accepted
      report March 1000 → 10.00%, 73.33 points behind: red; no report for October: missing;
      a problem overdue since 2013-09-30.
    Totals: plan 125000, YTD 123000, 98.40%."""
    industry = Zone.objects.create(code="industry", name="解放工业园区", name_en="Jiefang Industrial Park")
    a = project
    a.leaders.add(Leader.objects.get(user=leader_user))
    b = Project.objects.create(name="锦江国际商业广场", category=Category.INDUSTRY, zone=industry,
                               stage=Stage.CONTINUING, total_investment=D("150000"), lead_unit=other_unit)
    c = Project.objects.create(name="安置房", category=Category.COMMERCE, stage=Stage.NEW,
                               total_investment=D("30000"), lead_unit=other_unit)
    c.cooperating_units.add(unit)
    AnnualPlan.objects.create(project=b, year=2013, planned_investment=D("55000"))
    AnnualPlan.objects.create(project=c, year=2013, planned_investment=D("10000"))
    accepted_report(a, 2013, 9, "50000", submitted_at=SUBMITTED)
    accepted_report(a, 2013, 10, "62000", submitted_at=SUBMITTED)
    accepted_report(b, 2013, 10, "60000", submitted_at=SUBMITTED)
    accepted_report(c, 2013, 3, "1000", submitted_at=SUBMITTED)
    overdue = Problem.objects.create(project=c, category="land_clearance", title="征地拆迁未完成",
                                     responsible_unit=other_unit, raised_on=datetime.date(2013, 8, 1),
                                     deadline=datetime.date(2013, 9, 30))
    # Resolved before its deadline; and one not yet due at the end of October: neither is overdue.
    Problem.objects.create(project=a, category="funding", title="资金缺口", responsible_unit=unit,
                           raised_on=datetime.date(2013, 8, 1), deadline=datetime.date(2013, 10, 15),
                           status="resolved", resolution="已解决", resolved_on=datetime.date(2013, 10, 10))
    Problem.objects.create(project=b, category="utilities", title="供电线路", responsible_unit=other_unit,
                           raised_on=datetime.date(2013, 10, 1), deadline=datetime.date(2013, 11, 15))
    return SimpleNamespace(a=a, b=b, c=c, overdue=overdue)
