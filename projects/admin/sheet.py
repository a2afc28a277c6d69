"""The project sheet (项目一张表) in the admin: /admin/projects/project/<id>/sheet/?year=,
URL name `admin:projects_project_sheet`. The data is services.sheet.project_sheet; the chart is
drawn by the vendored Chart.js (static/projects/sheet/sheet.js)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from projects.admin.common import format_yi
from projects.services.warning import sheet_forecast
from projects.services.sheet import chart_payload, project_sheet, sheet_default_year, sheet_project, sheet_years

LIGHT_COLOURS = {"green": "#2e7d32", "yellow": "#b28704", "red": "#c62828"}


class ProjectSheetAdminMixin:
    """Adds the sheet view to the project admin."""

    def get_urls(self):
        return [
            path("<int:pk>/sheet/", self.admin_site.admin_view(self.sheet_view), name="projects_project_sheet"),
        ] + super().get_urls()

    def sheet_view(self, request, pk):
        project = sheet_project(pk)
        if project is None:
            raise Http404(_("There is no such project."))
        if not self.has_view_permission(request, project):
            raise PermissionDenied
        years = sheet_years(project)
        try:
            year = int(request.GET.get("year", ""))
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            year = sheet_default_year(project=project, user=request.user, years=years)
        if year not in years:
            years = sorted(set(years) | {year}, reverse=True)
        sheet = project_sheet(project=project, year=year, years=years)
        return TemplateResponse(request, "admin/projects/project/sheet.html", {
            **self.admin_site.each_context(request),
            "title": _("Project sheet: %(name)s") % {"name": sheet.project.name},
            "sheet": sheet,
            "total_yi": format_yi(sheet.project.total_investment),
            "chart": chart_payload(sheet),
            "lights": LIGHT_COLOURS,
            "opts": self.model._meta,
            "original": sheet.project,
            "has_change_permission": self.has_change_permission(request, project),
            "forecast": sheet_forecast(sheet),
        })
