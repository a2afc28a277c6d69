"""Open data: projects as an OC4IDS project package (Open Contracting for Infrastructure Data
Standard, schema 0.9.5; the official schema is vendored in projects/oc4ids_schema/0.9.5/ and
projects/tests/test_api_oc4ids.py validates the output against it).

Mapping from the tracker:
- `id`: settings.OC4IDS_ID_PREFIX + the local id. OC4IDS ids are "oc4ids-" + a six-character
  prefix registered with the Open Contracting Partnership + a local id; until the district has
  its own, the prefix setting stays "oc4ids-xxxxxx-" (set OC4IDS_ID_PREFIX in the environment).
- `status`: reserve → identification, preparation → preparation, new and continuing →
  implementation, completed → completion.
- `budget.amount`: total investment in yuan (万元 × 10,000), CNY; `budget.budgetBreakdowns`: one
  group, `annualPlans`, whose `budgetBreakdown` has one entry per annual plan (the baseline as
  first set), with its year as the period.
- `milestones`: 开工 commencement, 竣工 completion, 投产 commissioning; signing, topping-out and
  other milestones keep the tracker's own codes. `status` is met when an actual date is known.
- `metrics`: financialProgress, one observation per accepted monthly report (completed
  investment year-to-date at the end of that month, in yuan); physicalProgress, the report's
  形象进度 in words, for the reports that give one.
- `parties`: the lead unit as publicAuthority, cooperating units as administrativeEntity.
- `identifiers`: the national project code (固定资产投资项目代码, GB/T 40058-2021) when known.
- OC4IDS forbids empty strings and lists (minLength/minItems 1): empty fields are left out.
"""

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from projects.choices import MilestoneKind, ReportStatus, Stage
from projects.models import AnnualPlan, Milestone, MonthlyReport

OC4IDS_VERSION = "0.9"
CURRENCY = "CNY"
TZ = datetime.timezone(datetime.timedelta(hours=8))

STATUS = {
    Stage.RESERVE: "identification",
    Stage.PREPARATION: "preparation",
    Stage.NEW: "implementation",
    Stage.CONTINUING: "implementation",
    Stage.COMPLETED: "completion",
}
MILESTONE_CODES = {
    MilestoneKind.START: "commencement",
    MilestoneKind.COMPLETION: "completion",
    MilestoneKind.PRODUCTION: "commissioning",
    MilestoneKind.SIGNING: "signing",
    MilestoneKind.TOPPING_OUT: "toppingOut",
    MilestoneKind.OTHER: "other",
}
MILESTONE_TYPES = {MilestoneKind.SIGNING: "approval"}  # the rest are delivery milestones


def yuan(wan):
    """万元 as a number of yuan (two decimals of 万元 are whole yuan)."""
    value = Decimal(wan) * 10000
    return int(value) if value == value.to_integral_value() else float(value)


def money(wan):
    return {"amount": yuan(wan), "currency": CURRENCY}


def start_of(day):
    return datetime.datetime.combine(day, datetime.time.min, TZ).isoformat()


def end_of(day):
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), TZ).isoformat()


def year_period(year):
    return {"startDate": start_of(datetime.date(year, 1, 1)), "endDate": end_of(datetime.date(year, 12, 31))}


def month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def project_id(project):
    return f"{settings.OC4IDS_ID_PREFIX}{project.pk}"


def party(unit, role):
    return {"id": f"unit-{unit.pk}", "name": unit.name, "roles": [role]}


def oc4ids_project(project):
    """One project in OC4IDS form. Expects the prefetches of `prefetch_for_oc4ids`."""
    data = {
        "id": project_id(project),
        "updated": project.updated_at.isoformat(),
        "title": project.name,
        "description": project.description or project.name_en or project.name,
        "status": STATUS[project.stage],
        "additionalClassifications": [
            {"scheme": "jiefang-category", "id": project.category, "description": project.get_category_display()}
        ],
    }
    if project.code:
        data["identifiers"] = [{"id": project.code, "scheme": "CN-GBT40058"}]
    if project.planned_start or project.planned_completion:
        data["period"] = {
            **({"startDate": start_of(project.planned_start)} if project.planned_start else {}),
            **({"endDate": end_of(project.planned_completion)} if project.planned_completion else {}),
        }
    budget = {}
    if project.total_investment is not None:
        budget["amount"] = money(project.total_investment)
    plans = sorted(project.annual_plans.all(), key=lambda p: p.year)
    if plans:
        budget["budgetBreakdowns"] = [
            {
                "id": "annualPlans",
                "description": "Annual investment plans (年度投资计划), by year.",
                "budgetBreakdown": [
                    {
                        "id": str(plan.year),
                        "description": f"{plan.year} annual investment plan",
                        "amount": money(plan.planned_investment),
                        "period": year_period(plan.year),
                    }
                    for plan in plans
                ],
            }
        ]
    if budget:
        data["budget"] = budget
    parties = []
    if project.lead_unit:
        parties.append(party(project.lead_unit, "publicAuthority"))
    parties += [party(unit, "administrativeEntity") for unit in project.cooperating_units.all()
                if unit.pk != project.lead_unit_id]
    if parties:
        data["parties"] = parties
        if project.lead_unit:
            data["publicAuthority"] = {"id": f"unit-{project.lead_unit.pk}", "name": project.lead_unit.name}
    milestones = [oc4ids_milestone(milestone) for milestone in project.milestones.all()]
    if milestones:
        data["milestones"] = milestones
    reports = sorted(project.reports.all(), key=lambda r: (r.year, r.month))
    metrics = []
    if reports:
        metrics.append({
            "id": "financialProgress",
            "title": "Financial progress",
            "description": "Investment completed year-to-date (累计完成投资), from accepted monthly reports.",
            "observations": [
                {"id": observation_id(report), "period": report_period(report), "value": money(report.completed_ytd)}
                for report in reports
            ],
        })
    described = [report for report in reports if report.progress_note]
    if described:
        metrics.append({
            "id": "physicalProgress",
            "title": "Physical progress",
            "description": "Physical progress in words (形象进度), from accepted monthly reports.",
            "observations": [
                {"id": observation_id(report), "period": report_period(report), "measure": report.progress_note}
                for report in described
            ],
        })
    if metrics:
        data["metrics"] = metrics
    return data


def observation_id(report):
    return f"{report.year}-{report.month:02d}"


def report_period(report):
    """Year-to-date: from 1 January to the end of the report's month."""
    return {"startDate": start_of(datetime.date(report.year, 1, 1)),
            "endDate": end_of(month_end(report.year, report.month))}


def oc4ids_milestone(milestone):
    data = {
        "id": str(milestone.pk),
        "title": milestone.name or milestone.get_kind_display(),
        "type": MILESTONE_TYPES.get(milestone.kind, "delivery"),
        "code": MILESTONE_CODES[milestone.kind],
        "status": "met" if milestone.actual_date else "scheduled",
    }
    if milestone.planned_date:
        data["dueDate"] = end_of(milestone.planned_date)
    if milestone.actual_date:
        data["dateMet"] = end_of(milestone.actual_date)
    if milestone.note:
        data["description"] = milestone.note
    return data


def prefetch_for_oc4ids(projects):
    return projects.select_related("lead_unit").prefetch_related(
        "cooperating_units",
        Prefetch("annual_plans", AnnualPlan.objects.order_by("year")),
        Prefetch("milestones", Milestone.objects.order_by("planned_date", "id")),
        Prefetch("reports", MonthlyReport.objects.filter(status=ReportStatus.ACCEPTED)),
    )


def project_package(projects, *, request=None):
    """An OC4IDS project package of `projects` (a queryset)."""
    projects = list(prefetch_for_oc4ids(projects))
    updated = max((p.updated_at for p in projects), default=None) or timezone.now()
    uri = request.build_absolute_uri() if request else settings.OC4IDS_PACKAGE_URI
    return {
        "uri": uri,
        "publishedDate": updated.isoformat(),
        "publisher": {"name": settings.OC4IDS_PUBLISHER_NAME},
        "license": settings.OC4IDS_LICENSE,
        "version": OC4IDS_VERSION,
        "projects": [oc4ids_project(project) for project in projects],
    }
