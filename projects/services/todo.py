"""我的待办 (my to-do): what the user has to do now, by role, each item linking to where it is done.

One selector, `todo_for(user=..., today=...)`, serves the admin's to-do panel (the first thing on
the admin home after login, and /admin/todo/) and GET /api/me/todo/.

- a unit reporter: its unit's reports due for the reporting month (the month before `today`,
  due by TRACKER_REPORT_DUE_DAY) and those returned to it, and the open problems its unit is
  responsible for, by deadline;
- a responsible leader: his projects with a red or yellow light (the dashboard's month as of
  `today`: never after the reporting month), the reviews where he has projects left to score, and
  the problems escalated on his projects;
- project office staff: reports to accept, the bulletin to compile (when there are annual plans
  for the reporting month's year) or publish, overdue problems,
  and units with missing reports for the reporting month (late once the due day has passed), by
  the units reminded of them (a project's lead unit, or else each cooperating unit);
- an auditor: nothing to do.

Every month is taken from `today` (GET /api/me/todo/?on=, /admin/todo/?on=): reports and bulletins
of later months are left out. Every section has the exact count and lists at most ITEM_LIMIT items;
the query count does not depend on the number of records (pinned in test_todo.py)."""

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from projects.choices import Light, ProblemStatus, PublicationStatus, ReportStatus, Role
from projects.exceptions import NotAllowed
from projects.models import AnnualPlan, Bulletin, MonthlyReport, Problem, Project, Review, ReviewScore, Unit
from projects.selectors import report_due_date, reporting_month
from projects.services.roles import leader_of, role_of, unit_of

ITEM_LIMIT = 20


def admin_url(model, action="changelist", *args, **params):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)
    return f"{url}?{urlencode(params)}" if params else url


def project_url(pk):
    """The project's page (项目一张表) when the admin has it, else its change form."""
    try:
        return reverse("admin:projects_project_sheet", args=[pk])
    except NoReverseMatch:
        return reverse("admin:projects_project_change", args=[pk])


def reporting_period(today):
    """(year, month) whose reports are due now: the month being reported (selectors.reporting_month),
    the month before `today`'s month."""
    return reporting_month(today)


def _item(*, kind, id, title, detail="", url, due=None, today=None, project=None):
    days_left = None if due is None or today is None else (due - today).days
    return {
        "kind": kind, "id": id, "title": title, "detail": detail,
        "project_id": project.pk if project else None, "project_name": project.name if project else "",
        "due": due, "days_left": days_left, "overdue": days_left is not None and days_left < 0,
        "days_overdue": -days_left if days_left is not None and days_left < 0 else 0, "url": url,
    }


def _section(key, title, items, count=None, url=None):
    items = list(items)
    return {"key": key, "title": title, "count": len(items) if count is None else count, "url": url,
            "items": items[:ITEM_LIMIT]}


def _limited(queryset):
    """(exact count, the first ITEM_LIMIT objects) in one query when the list is short."""
    objects = list(queryset[:ITEM_LIMIT + 1])
    if len(objects) <= ITEM_LIMIT:
        return len(objects), objects
    return queryset.count(), objects[:ITEM_LIMIT]


def _problem_items(problems, today, kind):
    return [_item(kind=kind, id=p.pk, title=p.title, url=admin_url(Problem, "change", p.pk), due=p.deadline,
                  today=today, project=p.project,
                  detail=_("%(unit)s; %(status)s") % {"unit": p.responsible_unit.name,
                                                      "status": p.get_status_display()})
            for p in problems]


# A unit reporter ---------------------------------------------------------------------------------


def _reporter_sections(user, today):
    unit = unit_of(user)
    if unit is None:
        return []
    year, month = reporting_period(today)
    due = report_due_date(year, month)
    period = f"{year}-{month:02d}"
    filed = MonthlyReport.objects.filter(project=OuterRef("pk"), year=year, month=month,
                                         status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED])
    returned = MonthlyReport.objects.filter(project=OuterRef("pk"), year=year, month=month,
                                            status=ReportStatus.DRAFT).exclude(return_reason="")
    draft = MonthlyReport.objects.filter(project=OuterRef("pk"), year=year, month=month, status=ReportStatus.DRAFT)
    unit_projects = Project.objects.active().filter(Q(lead_unit=unit) | Q(cooperating_units=unit))
    due_projects = (Project.objects.active().filter(pk__in=unit_projects.values("pk"), annual_plans__year=year)
                    .filter(~Exists(filed), ~Exists(returned))
                    .annotate(draft_id=Subquery(draft.values("pk")[:1])).order_by("name"))
    due_items = []
    for p in due_projects:
        if p.draft_id:
            url, detail = admin_url(MonthlyReport, "change", p.draft_id), _("Report of %(period)s: draft saved, "
                                                                           "not submitted") % {"period": period}
        else:
            url = admin_url(MonthlyReport, "add", project=p.pk, year=year, month=month)
            detail = _("Report of %(period)s: not filed") % {"period": period}
        due_items.append(_item(kind="report_due", id=p.pk, title=p.name, detail=detail, url=url, due=due,
                               today=today, project=p))

    returned_reports = (MonthlyReport.objects.filter(project__in=unit_projects.values("pk"),
                                                     status=ReportStatus.DRAFT)
                        .exclude(return_reason="").select_related("project").order_by("-year", "-month",
                                                                                        "project__name"))
    returned_count, returned_reports = _limited(returned_reports)
    returned_items = [
        _item(kind="report_returned", id=r.pk, title=f"{r.project.name} {r.year}-{r.month:02d}",
              detail=_("Returned: %(reason)s") % {"reason": r.return_reason},
              url=admin_url(MonthlyReport, "change", r.pk), project=r.project,
              due=report_due_date(r.year, r.month), today=today)
        for r in returned_reports
    ]

    problems = (Problem.objects.filter(responsible_unit=unit).exclude(status=ProblemStatus.RESOLVED)
                .select_related("project", "responsible_unit").order_by("deadline", "id"))
    problem_count, problems = _limited(problems)
    return [
        _section("reports_due", _("Monthly reports due by %(date)s") % {"date": due.isoformat()}, due_items,
                 url=admin_url(MonthlyReport, year=year, month=month)),
        _section("reports_returned", _("Reports returned to your unit"), returned_items, count=returned_count,
                 url=admin_url(MonthlyReport, status__exact=ReportStatus.DRAFT)),
        _section("problems_assigned", _("Problems your unit is responsible for, by deadline"),
                 _problem_items(problems, today, "problem_assigned"), count=problem_count,
                 url=admin_url(Problem, responsible_unit__id__exact=unit.pk)),
    ]


# A responsible leader ----------------------------------------------------------------------------


def _leader_sections(user, today):
    from projects.services.dashboard import dashboard_rows

    leader = leader_of(user)
    if leader is None:
        return []
    # The dashboard's month as of `today`: months after its reporting month are not shown yet.
    scoped = dashboard_rows(user, until=reporting_period(today))
    period = f"{scoped.year}-{scoped.month:02d}"
    flagged = sorted((r for r in scoped.rows if r.light in (Light.RED, Light.YELLOW)),
                     key=lambda r: (r.light != Light.RED, r.completion_rate is None, r.completion_rate or 0,
                                    r.project_name))
    light_items = [
        {**_item(kind=f"project_{row.light}", id=row.project_id, title=row.project_name,
                 url=project_url(row.project_id),
                 detail=f"{period} {Light(row.light).label}: " + " ".join(reason["text"] for reason in row.reasons)),
         "project_id": row.project_id, "project_name": row.project_name}
        for row in flagged
    ]

    mine = ReviewScore.objects.filter(review=OuterRef("pk"), reviewer=leader)
    reviews = (Review.objects.filter(status=PublicationStatus.DRAFT, reviewers=leader)
               .annotate(project_count=Count("projects", distinct=True),
                         scored=Subquery(mine.order_by().values("review")
                                         .annotate(n=Count("project", distinct=True)).values("n")[:1]))
               .order_by("date", "id"))
    review_items = [
        _item(kind="review_to_score", id=r.pk, title=r.title, due=r.date, today=today,
              url=admin_url(Review, "score", r.pk),
              detail=_("%(left)s of %(total)s projects left to score") % {
                  "left": r.project_count - (r.scored or 0), "total": r.project_count})
        for r in reviews if (r.scored or 0) < r.project_count
    ]

    escalated = (Problem.objects.filter(status=ProblemStatus.ESCALATED,
                                        project__in=Project.objects.filter(leaders=leader).values("pk"))
                 .select_related("project", "responsible_unit").order_by("deadline", "id"))
    escalated_count, escalated = _limited(escalated)
    return [
        _section("projects_flagged", _("Your projects with a red or yellow light (%(period)s)") % {"period": period},
                 light_items, url=f"{reverse('tracker_dashboard_projects')}?"
                                  f"{urlencode({'year': scoped.year, 'month': scoped.month})}"),
        _section("reviews_to_score", _("Reviews to score"), review_items, url=admin_url(Review)),
        _section("problems_escalated", _("Problems escalated to you"),
                 _problem_items(escalated, today, "problem_escalated"), count=escalated_count,
                 url=admin_url(Problem, status__exact=ProblemStatus.ESCALATED)),
    ]


# Project office staff ----------------------------------------------------------------------------


def _office_sections(user, today):
    from projects.selectors import problems_overdue

    year, month = reporting_period(today)
    due = report_due_date(year, month)
    period = f"{year}-{month:02d}"

    up_to_period = Q(year__lt=year) | Q(year=year, month__lte=month)  # nothing of a month after `today`'s
    submitted = (MonthlyReport.objects.filter(up_to_period, status=ReportStatus.SUBMITTED).select_related("project")
                 .order_by("submitted_at", "id"))
    submitted_count, submitted = _limited(submitted)
    accept_items = [
        _item(kind="report_to_accept", id=r.pk, title=f"{r.project.name} {r.year}-{r.month:02d}",
              detail=_("YTD %(ytd)s 万元") % {"ytd": r.completed_ytd}, url=admin_url(MonthlyReport, "change", r.pk),
              project=r.project)
        for r in submitted
    ]

    bulletin_items = []
    bulletins = list(Bulletin.objects.filter(up_to_period).filter(Q(status=PublicationStatus.DRAFT)
                                                                  | Q(year=year, month=month))
                     .order_by("year", "month"))
    drafts = [b for b in bulletins if b.status == PublicationStatus.DRAFT]
    has_current = any((b.year, b.month) == (year, month) for b in bulletins)
    # A bulletin reports on the projects with an annual plan that year: none, no bulletin to ask for.
    if not has_current and AnnualPlan.objects.filter(year=year).exists():
        bulletin_items.append(_item(kind="bulletin_to_compile", id=None,
                                    title=_("Bulletin of %(period)s") % {"period": period},
                                    detail=_("Not compiled yet"), url=admin_url(Bulletin, "add", year=year, month=month),
                                    due=due, today=today))
    for b in drafts:
        bulletin_items.append(_item(kind="bulletin_to_publish", id=b.pk,
                                    title=b.title or _("Bulletin of %(period)s") % {"period": str(b)},
                                    detail=_("Draft: check and publish"), url=admin_url(Bulletin, "change", b.pk)))

    overdue = problems_overdue(today).select_related("project", "responsible_unit").order_by("deadline", "id")
    overdue_count, overdue = _limited(overdue)

    filed = MonthlyReport.objects.filter(project=OuterRef("pk"), year=year, month=month,
                                         status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED])
    # By reporting unit, as the reminders go (services/reminders.reporting_units): the lead unit, or
    # else each cooperating unit. A project with a lead unit is counted once, for it, whatever its
    # cooperating units (the join repeats its row: hence the distinct count).
    missing = (Project.objects.active().filter(annual_plans__year=year).filter(~Exists(filed))
               .values(unit=Coalesce("lead_unit", "cooperating_units"),
                       unit_name=Coalesce("lead_unit__name", "cooperating_units__name"))
               .annotate(n=Count("pk", distinct=True)).order_by(F("unit_name").asc(nulls_last=True), "unit"))
    unit_items = [
        _item(kind="unit_late", id=row["unit"], title=row["unit_name"] or _("(no lead or cooperating unit)"),
              detail=_("%(count)s report(s) of %(period)s not submitted") % {"count": row["n"], "period": period},
              url=admin_url(Unit, "change", row["unit"]) if row["unit"] else admin_url(
                  Project, lead_unit__isnull="True", cooperating_units__isnull="True", plan_year=year),
              due=due, today=today)
        for row in missing
    ]
    late_title = (_("Units late with the reports of %(period)s (due %(date)s)") if today > due
                  else _("Units yet to report for %(period)s (due %(date)s)"))
    return [
        _section("reports_to_accept", _("Reports to accept"), accept_items, count=submitted_count,
                 url=admin_url(MonthlyReport, status__exact=ReportStatus.SUBMITTED)),
        _section("bulletins", _("Bulletins to compile or publish"), bulletin_items, url=admin_url(Bulletin)),
        _section("problems_overdue", _("Overdue problems"), _problem_items(overdue, today, "problem_overdue"),
                 count=overdue_count, url=admin_url(Problem, deadline__lt=today.isoformat(),
                                                    resolved_on__isnull="1")),
        _section("units_late", late_title % {"period": period, "date": due.isoformat()}, unit_items),
    ]


SECTIONS = {Role.REPORTER: _reporter_sections, Role.LEADER: _leader_sections, Role.OFFICE: _office_sections}


def todo_for(*, user, today=None):
    """The user's to-do list on `today` (default: today). Raises NotAllowed without a tracker role.

    Returns {"role", "role_label", "as_of", "count", "sections": [{"key", "title", "count", "url",
    "items": [{"kind", "id", "title", "detail", "project_id", "project_name", "due", "days_left",
    "overdue", "days_overdue", "url"}]}]}; `count` is the sum of the sections' counts."""
    role = role_of(user)
    if role is None:
        raise NotAllowed(_("Your role does not allow this."), code="wrong_role")
    today = today or timezone.localdate()
    builder = SECTIONS.get(role)
    sections = builder(user, today) if builder else []
    return {"role": role, "role_label": str(Role(role).label), "as_of": today,
            "count": sum(s["count"] for s in sections), "sections": sections}
