"""The dashboard: the month's standing of the projects a user is responsible for, as plain data.

One function, `dashboard_data(user, year=None, month=None)`, used by the admin dashboard and by
GET /api/dashboard/. Every figure comes from the monthly bulletin's computation
(services.bulletins.bulletin_compute) or from the selectors, restricted to the user's scope:

- office staff and auditors: every project;
- a responsible leader (分包领导): the projects he is a responsible leader of;
- a unit reporter: the projects its unit leads or cooperates on.

The month defaults to the latest month in which most of those projects with a plan that year have
an accepted report (the data may be years old; see default_month), else the current month. The query count does not depend on the number of
projects: about 12 queries plus one per month before the shown month (the monthly series)."""

from collections import defaultdict
from types import SimpleNamespace

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from projects.choices import Category, Light, ReportStatus, Role
from projects.exceptions import DomainError, NotAllowed
from projects.models import AnnualPlan, MonthlyReport, Problem, Project
from projects.querysets import MONEY_OUTPUT
from projects.services.bulletins import ZERO, _totals, bulletin_compute, month_end, round2
from projects.selectors import reports_filed
from projects.services.rankings import split_top_and_bottom
from projects.services.roles import leader_of, role_of, unit_of

BEST_AND_WORST = 5
# Overdue problems and projects missing their report listed at most (the counts stay exact).
LIST_LIMIT = 100

# How the month shown was chosen.
MONTH_REQUESTED = "requested"
MONTH_LATEST_ACCEPTED = "latest_accepted"  # the latest month most projects have accepted reports for
MONTH_LATEST_ANY = "latest_any"  # no such month: the latest with any accepted report
MONTH_CURRENT = "current"


def changelist_url(model, **params):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def change_url(model, pk):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])


def sheet_url(project_id, year=None, anchor=None):
    """The project sheet (项目一张表) of a project, optionally of a year and at an anchor."""
    url = reverse("admin:projects_project_sheet", args=[project_id])
    if year:
        url += f"?year={year}"
    return f"{url}#{anchor}" if anchor else url


def ids_url(model, ids):
    """The admin changelist of `model` showing exactly the objects `ids` (None when there are none)."""
    if not ids:
        return None
    return changelist_url(model, id__in=",".join(str(pk) for pk in sorted(ids)))


def dashboard_scope(user):
    """(role, label, queryset of the non-archived projects the user's dashboard covers).
    Raises NotAllowed for an account without a tracker role."""
    role = role_of(user)
    projects = Project.objects.active()
    if role in (Role.OFFICE, Role.AUDITOR):
        return role, _("All projects"), projects
    if role == Role.LEADER:
        leader = leader_of(user)
        if leader is None:
            return role, _("No projects: the account is not linked to a leader."), projects.none()
        return role, _("Projects of leader %(name)s") % {"name": leader.name}, projects.filter(leaders=leader)
    if role == Role.REPORTER:
        unit = unit_of(user)
        if unit is None:
            return role, _("No projects: the account belongs to no unit."), projects.none()
        return role, _("Projects of unit %(name)s") % {"name": unit.name}, projects.for_unit(unit)
    raise NotAllowed(_("Your role does not allow this."), code="wrong_role")


def default_month(projects, until=None):
    """(year, month, how, accepted, planned): the latest month in which most of the reporting
    projects — those of `projects` with an annual plan that year — have an accepted report
    (`accepted` of `planned`), so that one early report of a new month does not move the
    dashboard there; else the latest month with any accepted report; else today's month.
    `until` (year, month): only months up to it count, and it stands for today's month (the
    to-do of a given day: the reporting month of that day). Two queries."""
    planned = dict(AnnualPlan.objects.filter(project__in=projects.values("pk")).values("year")
                   .annotate(n=Count("project", distinct=True)).values_list("year", "n"))
    has_plan = AnnualPlan.objects.filter(project=OuterRef("project"), year=OuterRef("year"))
    accepted_reports = MonthlyReport.objects.filter(status=ReportStatus.ACCEPTED, project__in=projects.values("pk"))
    if until is not None:
        accepted_reports = accepted_reports.filter(Q(year__lt=until[0]) | Q(year=until[0], month__lte=until[1]))
    months = list(accepted_reports
                  .filter(Exists(has_plan)).values("year", "month")
                  .annotate(n=Count("project", distinct=True)).order_by("-year", "-month")
                  .values_list("year", "month", "n"))
    for year, month, accepted in months:
        if 2 * accepted > planned.get(year, 0):
            return year, month, MONTH_LATEST_ACCEPTED, accepted, planned[year]
    if months:
        year, month, accepted = months[0]
        return year, month, MONTH_LATEST_ANY, accepted, planned.get(year, 0)
    if until is not None:
        return until[0], until[1], MONTH_CURRENT, 0, planned.get(until[0], 0)
    today = timezone.localdate()
    return today.year, today.month, MONTH_CURRENT, 0, planned.get(today.year, 0)


def _group(totals, label_of):
    return [{
        "key": t["label"], "label": label_of(t["label"]), "count": t["count"],
        "plan_in_force": t["plan_in_force"], "completed_ytd": t["completed_ytd"],
        "completion_rate": t["completion_rate"],
        "green": t["green"], "yellow": t["yellow"], "red": t["red"],
    } for t in totals]


def _category_label(code):
    try:
        return str(Category(code).label)
    except ValueError:
        return code


def _project_line(row):
    return {
        "project_id": row.project_id, "project_name": row.project_name, "category": row.category,
        "category_label": _category_label(row.category), "unit_name": row.unit_name,
        "plan_in_force": row.plan_in_force, "completed_ytd": row.completed_ytd,
        "completion_rate": row.completion_rate, "gap_points": row.gap_points, "light": row.light,
        "url": sheet_url(row.project_id),
    }


def _best_and_worst(rows):
    """The BEST_AND_WORST best and worst projects by completion rate, by the rules of
    services.rankings (projects without a rate are not ranked): the lists never overlap (each at
    most half of the ranked projects), a red project is never among the best, and the worst list
    starts with the worst project."""
    ranked = sorted((r for r in rows if r.completion_rate is not None),
                    key=lambda r: (-r.completion_rate, r.project_name))
    best, worst = split_top_and_bottom(ranked, size=BEST_AND_WORST, key=lambda r: r.completion_rate,
                                       can_be_top=lambda r: r.light != Light.RED)
    return [_project_line(r) for r in best], [_project_line(r) for r in worst]


def _monthly_series(projects, year, month, rows, plan_total):
    """Completed YTD summed over the projects for January to `month` (each month as the bulletin
    of that month would carry it: the latest accepted report, 0 before any) beside the plan's
    time progress: the plans in force at `month` × m ÷ 12.

    The month itself is the bulletin rows' sum; the earlier months come from one grouped query
    over the accepted reports of the year before `month` of the projects in scope with a plan
    that year (the bulletin's projects; the scope as a subquery, not a list of ids): each report
    adds its YTD minus the project's previous accepted YTD of the year, so the running sum of
    these increments by month is the sum of the figures carried forward."""
    previous = (MonthlyReport.objects.filter(project=OuterRef("project"), year=year, month__lt=OuterRef("month"),
                                             status=ReportStatus.ACCEPTED)
                .order_by("-month").values("completed_ytd")[:1])
    increments = dict(
        MonthlyReport.objects.filter(project__in=projects.filter(annual_plans__year=year).values("pk"),
                                     year=year, month__lt=month, status=ReportStatus.ACCEPTED)
        .alias(before=Coalesce(Subquery(previous, output_field=MONEY_OUTPUT), Value(ZERO), output_field=MONEY_OUTPUT))
        .values("month").annotate(increment=Sum(F("completed_ytd") - F("before"), output_field=MONEY_OUTPUT))
        .order_by("month").values_list("month", "increment")
    )
    series, carried = [], ZERO
    for m in range(1, month + 1):
        if m == month:
            completed = sum((r.completed_ytd for r in rows), ZERO)
        else:
            carried += increments.get(m) or ZERO
            completed = carried
        series.append({"month": m, "completed_ytd": round2(completed),
                       "planned_to_date": round2(plan_total * m / 12)})
    return series


def warning_order(row):
    """The early-warning list's order: the soonest change of light first (a turn to red before a
    turn to yellow in the same month), then by name."""
    yellow, red = row.warning_changes
    first = min(m for m in (yellow, red) if m is not None)
    return first, 0 if red == first else 1, row.project_name


def warning_rows(rows):
    """The rows whose early warning foresees a change of light before December (services.warning:
    green projects forecast to turn yellow or red, yellow ones forecast to turn red), soonest first."""
    return sorted((row for row in rows if row.warns), key=warning_order)


def warning_list_url(year, month):
    """The dashboard's list of all the user's projects with an early warning that month."""
    return f"{reverse('tracker_dashboard_projects')}?{urlencode({'year': year, 'month': month, 'warning': 1})}"


def _warnings(rows, year, month):
    """The early warning (预警) of the month: the projects in scope still green forecast to turn
    yellow or red, and the yellow ones forecast to turn red, soonest first; the exact count and
    the first LIST_LIMIT, from the bulletin rows (no query)."""
    warned = warning_rows(rows)
    items = []
    for row in warned[:LIST_LIMIT]:
        yellow, red = row.warning_changes
        items.append({
            "project_id": row.project_id, "project_name": row.project_name, "unit_name": row.unit_name,
            "light": row.light, "light_label": str(Light(row.light).label),
            "completion_rate": row.completion_rate, "gap_points": row.gap_points,
            "run_rate": row.forecast.run_rate, "year_end_ytd": row.forecast.year_end_ytd,
            "year_end_rate": row.forecast.year_end_rate, "yellow_month": yellow, "red_month": red,
            "text": row.forecast_text, "url": sheet_url(row.project_id, year),
        })
    return {"count": len(warned), "truncated": len(warned) > len(items),
            "url": warning_list_url(year, month) if warned else None, "items": items}


def _overdue_problems(projects, on, whole=False):
    """Problems past their deadline on `on` and not resolved by then, as the bulletin counts them
    (deadline < on, resolved_on empty or later), on the given projects: the exact count and the
    LIST_LIMIT oldest deadlines (one query: the count is a window over the whole set).

    The link lists exactly these problems by id when they are at most LIST_LIMIT (a longer id list
    does not fit a URL); beyond, the admin's unresolved problems past the deadline on `on` — the
    same set only when the scope is every project (`whole`) and `on` is today (a problem resolved
    since an earlier `on` counts for that day but is no longer unresolved); otherwise no link
    rather than a list of other problems."""
    problems = list(
        Problem.objects.filter(project__in=projects.values("pk"), deadline__lt=on)
        .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=on))
        .annotate(overdue_count=Window(Count("pk")))
        .select_related("project", "responsible_unit").order_by("deadline", "id")[:LIST_LIMIT]
    )
    count = problems[0].overdue_count if problems else 0
    if count > len(problems):
        exact = whole and on == timezone.localdate()
        url = changelist_url(Problem, deadline__lt=on.isoformat(), resolved_on__isnull="1") if exact else None
    else:
        url = ids_url(Problem, [p.pk for p in problems])
    return {
        "count": count,
        "url": url,
        "truncated": count > len(problems),
        "items": [{
            "id": p.pk, "title": p.title, "project_id": p.project_id, "project_name": p.project.name,
            "responsible_unit": p.responsible_unit.name, "deadline": p.deadline,
            "days_overdue": (on - p.deadline).days, "status": p.status, "status_label": p.get_status_display(),
            "url": change_url(Problem, p.pk),
        } for p in problems],
    }


def _missing_reports(projects, year, month):
    """Projects in scope with a plan for the year and no filed report for the month (as
    selectors.reports_missing_and_late counts them), by lead unit: the exact count overall and per
    unit; the projects are listed up to LIST_LIMIT in all (units by name, projects by name).
    One query of plain values (the scope as a subquery)."""
    filed = reports_filed(year=year, month=month).filter(project=OuterRef("pk"))
    missing = (Project.objects.filter(pk__in=projects.values("pk")).filter(annual_plans__year=year)
               .filter(~Exists(filed)).order_by("name")
               .values_list("pk", "name", "lead_unit_id", "lead_unit__name"))
    by_unit = {}
    for pk, name, unit_id, unit_name in missing:
        by_unit.setdefault((unit_id, unit_name), []).append((pk, name))
    units, listed = [], 0
    for (unit_id, unit_name), members in sorted(by_unit.items(),
                                                key=lambda item: (item[0][0] is None, item[0][1] or "")):
        shown = members[:max(0, LIST_LIMIT - listed)]
        listed += len(shown)
        if not shown:
            break
        units.append({
            "unit_id": unit_id,
            "unit_name": unit_name if unit_id is not None else _("(no lead unit)"),
            "count": len(members),
            "projects": [{"project_id": pk, "project_name": name, "url": sheet_url(pk, year)}
                         for pk, name in shown],
        })
    count = sum(len(members) for members in by_unit.values())
    return {"count": count, "truncated": listed < count, "units": units}


def _resolve_month(projects, year, month, until=None):
    if (year is None) != (month is None):
        raise DomainError(_("Give both the year and the month, or neither."),
                          field="month" if month is None else "year")
    basis = None
    if year is None:
        year, month, how, accepted, planned = default_month(projects, until)
        basis = {"accepted": accepted, "planned": planned}
    else:
        how = MONTH_REQUESTED
    if not 2000 <= year <= 2100:
        raise DomainError(_("The year must be between 2000 and 2100."), field="year")
    if not 1 <= month <= 12:
        raise DomainError(_("The month must be between 1 and 12."), field="month")
    return year, month, how, basis


def dashboard_rows(user, year=None, month=None, until=None):
    """The bulletin rows of `month` of `year` (both or neither: the default month, up to `until`
    (year, month) when given) restricted to the user's scope.

    Returns a namespace: role, scope (label), projects (queryset), scope_ids (None: every project),
    year, month, month_source, bulletin (the whole BulletinData) and rows (the user's rows)."""
    role, scope_label, projects = dashboard_scope(user)
    year, month, how, basis = _resolve_month(projects, year, month, until)
    scope_ids = None if role in (Role.OFFICE, Role.AUDITOR) else set(projects.values_list("pk", flat=True))
    bulletin = bulletin_compute(year=year, month=month)
    rows = [r for r in bulletin.rows if scope_ids is None or r.project_id in scope_ids]
    return SimpleNamespace(role=role, scope=scope_label, projects=projects, scope_ids=scope_ids, year=year,
                           month=month, month_source=how, month_basis=basis, bulletin=bulletin, rows=rows)


def light_list_url(year, month, light):
    """The dashboard's list of the user's projects with `light` in that month."""
    return f"{reverse('tracker_dashboard_projects')}?{urlencode({'year': year, 'month': month, 'light': light})}"


def dashboard_data(user, year=None, month=None):
    """The dashboard of `user` for `month` of `year` (both or neither; neither: the default month).

    Returns a dict of plain values (Decimals for money in 万元 and rates in %); links are admin URLs."""
    scoped = dashboard_rows(user, year, month)
    role, scope_label, projects, scope_ids = scoped.role, scoped.scope, scoped.projects, scoped.scope_ids
    year, month, how, bulletin, rows = scoped.year, scoped.month, scoped.month_source, scoped.bulletin, scoped.rows
    # Every project in scope: the bulletin's own totals (the same function over the same rows).
    totals = bulletin.totals if scope_ids is None else _totals(rows)
    overall = totals["all"]

    lights = []
    for light in Light:
        light_ids = [r.project_id for r in rows if r.light == light]
        lights.append({"light": light.value, "label": str(light.label), "count": len(light_ids),
                       "url": light_list_url(year, month, light.value) if light_ids else None})

    best, worst = _best_and_worst(rows)
    for line in best + worst:  # to the project sheet of the year shown
        line["url"] = sheet_url(line["project_id"], year)
    end = month_end(year, month)
    as_of = min(end, timezone.localdate())
    no_zone = _("(no zone)")
    return {
        "year": year,
        "month": month,
        "month_source": how,
        # For a default month: how many projects with a plan that year (planned) have an accepted
        # report for it (accepted); None for a requested month.
        "month_basis": scoped.month_basis,
        "as_of": as_of,
        "time_progress": bulletin.time_progress,
        "role": role,
        "scope": scope_label,
        "project_count": len(rows),
        "totals": {
            "plan_in_force": overall["plan_in_force"],
            "completed_ytd": overall["completed_ytd"],
            "completed_month": overall["completed_month"],
            "completion_rate": overall["completion_rate"],
            "gap_points": None if overall["completion_rate"] is None
            else overall["completion_rate"] - bulletin.time_progress,
        },
        "series": _monthly_series(projects, year, month, rows, overall["plan_in_force"]),
        "by_zone": _group(totals["zone"], lambda key: key or no_zone),
        "by_category": _group(totals["category"], _category_label),
        "lights": lights,
        "best": best,
        "worst": worst,
        "warnings": _warnings(rows, year, month),
        "overdue_problems": _overdue_problems(projects, as_of, whole=scope_ids is None),
        "missing_reports": _missing_reports(projects, year, month),
    }


def month_choices(today=None):
    """Years the month picker offers: those with an annual plan, and the current one."""
    from projects.models import AnnualPlan

    today = today or timezone.localdate()
    years = set(AnnualPlan.objects.order_by("year").values_list("year", flat=True).distinct())
    years.add(today.year)
    return sorted(years, reverse=True)

