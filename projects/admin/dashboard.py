"""The dashboard in the admin: /admin/dashboard/ (the full page with a month picker) and the admin
index, which shows the same dashboard above the app list so that it is the first thing a user sees
after logging in. The data is services.dashboard.dashboard_data; the charts are drawn by the
vendored Chart.js (static/projects/vendor/chartjs-4.6.1) from data passed with json_script."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from projects.admin.common import in_page_language
from projects.choices import Light
from projects.exceptions import DomainError, NotAllowed
from projects.services.dashboard import (
    LIST_LIMIT,
    MONTH_CURRENT,
    MONTH_LATEST_ACCEPTED,
    MONTH_LATEST_ANY,
    dashboard_data,
    dashboard_rows,
    month_choices,
    warning_rows,
)
from projects.services.bulletins import month_end
from projects.services.warning import warning_window
from projects.templatetags.tracker_figures import rate

LIGHT_COLOURS = {"green": "#2e7d32", "yellow": "#b28704", "red": "#c62828"}

admin.site.index_template = "admin/projects/index.html"


def chart_payload(data):
    """What dashboard.js needs to draw the three charts; goes to the page with json_script."""
    return {
        "months": {
            "labels": [str(MONTHS[point["month"]]) for point in data["series"]],
            "completed": [float(point["completed_ytd"]) for point in data["series"]],
            "planned": [float(point["planned_to_date"]) for point in data["series"]],
            "completed_label": _("Completed YTD (万元)"),
            "planned_label": _("Annual plan × time progress (万元)"),
        },
        "zones": _rates(data["by_zone"]),
        "categories": _rates(data["by_category"]),
        "rate_label": _("Completion rate of the annual plan (%)"),
        "time_progress": float(data["time_progress"]),
        "time_progress_label": _("Time progress (%)"),
    }


def _rates(groups):
    return {
        "labels": [g["label"] for g in groups],
        "rates": [None if g["completion_rate"] is None else float(g["completion_rate"]) for g in groups],
    }


def month_words(month):
    """A month as a date names it: 12月 on a Chinese page (2013年12月末, not 2013年十二月末), December on
    an English one."""
    from projects.models.library import localized_name

    return f"{month}月" if localized_name("zh", "en") == "zh" else MONTHS[month]


def month_heading(data):
    """The sentence above the dashboard saying which month it shows and why."""
    values = {"month": month_words(data["month"]), "year": data["year"], **(data.get("month_basis") or {})}
    if data["month_source"] == MONTH_LATEST_ACCEPTED:
        text = _("Standing at the end of %(month)s %(year)s: the latest month in which most projects with "
                 "a plan this year have accepted reports (%(accepted)s of %(planned)s).")
    elif data["month_source"] == MONTH_LATEST_ANY:
        text = _("Standing at the end of %(month)s %(year)s: the latest month with an accepted report "
                 "(%(accepted)s of %(planned)s projects with a plan this year; no month has most).")
    elif data["month_source"] == MONTH_CURRENT:
        text = _("Standing in %(month)s %(year)s, the current month: no accepted report yet.")
    else:
        text = _("Standing at the end of %(month)s %(year)s.")
    return text % values


def overdue_heading(data):
    """The overdue problems' heading says on which day they are counted: the end of the month
    shown, or today for the current month (the to-do counts today's)."""
    if data["as_of"] == month_end(data["year"], data["month"]):
        return _("Overdue problems at the end of the month")
    return _("Overdue problems as of today")


def gap_text(points):
    """The overall gap against time progress in words: ahead, behind or level."""
    if points is None:
        return ""
    if points > 0:
        return _("%(points)s points ahead of time progress") % {"points": rate(points)}
    if points < 0:
        return _("%(points)s points behind time progress") % {"points": rate(-points)}
    return _("level with time progress")


def dashboard_context(request, year=None, month=None):
    """The template context of the dashboard panel for the request's user."""
    data = in_page_language(dashboard_data(request.user, year, month))
    return {
        "dash": data,
        "dash_heading": month_heading(data),
        "dash_overdue_heading": overdue_heading(data),
        "dash_gap": gap_text(data["totals"]["gap_points"]),
        # The lead unit column only where some project has one.
        "dash_show_units": any(line.get("unit_name") for line in data["best"] + data["worst"]),
        "dash_chart": chart_payload(data),
        "dash_years": month_choices(),
        "dash_months": list(MONTHS.items()),
        "dash_lights": LIGHT_COLOURS,
        "dash_list_limit": LIST_LIMIT,
        "dash_warning_window": warning_window(),
    }


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def dashboard_view(request):
    """GET /admin/dashboard/?year=&month= (both or neither)."""
    year, month = _int_or_none(request.GET.get("year")), _int_or_none(request.GET.get("month"))
    try:
        context = dashboard_context(request, year, month)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, "; ".join(str(m) for m in exc.messages))
        context = dashboard_context(request)
    return TemplateResponse(request, "admin/projects/dashboard.html", {
        **admin.site.each_context(request), "title": _("Dashboard"), **context,
    })


dashboard = admin.site.admin_view(dashboard_view)


def dashboard_projects_view(request):
    """GET /admin/dashboard/projects/?year=&month=&light=: the user's projects with that light in
    that month (the dashboard's light counts link here), as the bulletin computes them; with
    `warning=1` those with an early warning (the dashboard's 预警 count links here), soonest first."""
    year, month = _int_or_none(request.GET.get("year")), _int_or_none(request.GET.get("month"))
    light = request.GET.get("light") or None
    if light is not None and light not in Light.values:
        return HttpResponseBadRequest(_("Unknown light."))
    warning = request.GET.get("warning") or None
    if warning not in (None, "1"):
        return HttpResponseBadRequest(_("warning takes the value 1."))
    try:
        scoped = dashboard_rows(request.user, year, month)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        return HttpResponseBadRequest("; ".join(str(m) for m in exc.messages))
    rows = in_page_language([row for row in scoped.rows if light is None or row.light == light])
    rows.sort(key=lambda r: (r.completion_rate is None, r.completion_rate or 0, r.project_name))
    if warning:
        rows = warning_rows(rows)
    if warning and light is None:
        title = _("Projects with an early warning at the end of %(month)s %(year)s")
    elif warning:
        title = _("%(light)s-light projects with an early warning at the end of %(month)s %(year)s")
    elif light is None:
        title = _("Projects at the end of %(month)s %(year)s")
    else:
        title = _("%(light)s-light projects at the end of %(month)s %(year)s")
    title = title % {"light": Light(light).label if light else "", "month": month_words(scoped.month),
                     "year": scoped.year}
    return TemplateResponse(request, "admin/projects/dashboard_projects_list.html", {
        **admin.site.each_context(request), "title": title, "rows": rows, "scope": scoped.scope,
        "year": scoped.year, "month": scoped.month, "light": light, "lights": LIGHT_COLOURS,
        "time_progress": scoped.bulletin.time_progress, "show_units": any(row.unit_name for row in rows),
    })


urlpatterns = [
    path("", dashboard, name="tracker_dashboard"),
    path("projects/", admin.site.admin_view(dashboard_projects_view), name="tracker_dashboard_projects"),
]
