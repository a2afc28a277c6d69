"""Where people get the exports in the admin: buttons on the bulletin page (导出Excel, 打印版, PDF),
an export of the problem changelist as filtered (and an action for the selected rows), a button on
the review page. Mixed into the ModelAdmins in projects/admin/tracking.py; whoever may view the
object may export it."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.excel.exports import (
    LIGHT_RGB,
    TOTAL_HEADERS,
    bulletin_filenames,
    bulletin_tables,
    bulletin_xlsx_response,
    content_disposition,
    evaluation_xlsx_response,
    problem_xlsx_response,
    review_xlsx_response,
)
from projects.models import Bulletin
from projects.pdf import PdfUnavailable, html_to_pdf, pdf_available
from projects.services.attachments import photos_of_month
from projects.services.rankings import bottom_size
from projects.templatetags.tracker_figures import MISSING, rate, wan


def _viewable(model_admin, request, model, pk):
    obj = get_object_or_404(model, pk=pk)
    if not model_admin.has_view_permission(request, obj):
        raise PermissionDenied
    return obj


# The print view's detail columns: (key, header, css class, relative width). The columns marked
# optional are left out when no project has a value in them.
PRINT_DETAIL_COLUMNS = [
    ("rank", "类别内排名", "num", 10, False), ("code", "项目代码", "short", 20, True),
    ("name", "项目名称", "name", 38, False), ("stage", "阶段", "short", 9, False),
    ("category", "类别", "short", 15, False), ("zone", "区域", "unit", 16, True),
    ("unit", "牵头单位", "unit", 20, True), ("leaders", "分包领导", "unit", 15, True),
    ("plan_in_force", "年度计划(万元)", "num", 16, False), ("completed_ytd", "累计完成(万元)", "num", 16, False),
    ("completed_month", "本月完成(万元)", "num", 15, False), ("completion_rate", "完成率", "num", 15, False),
    ("time_progress", "时间进度", "num", 14, False), ("gap_points", "差距(百分点)", "num", 14, False),
    ("light", "灯号", "light", 10, False), ("reasons", "原因", "reasons", 50, False),
    ("forecast", "预警", "reasons", 26, True),
]
PRINT_BOTTOM_COLUMNS = [
    ("name", "项目名称", "name", 38, False), ("category", "类别", "short", 15, False),
    ("unit", "牵头单位", "unit", 22, True), ("leaders", "分包领导", "unit", 16, True),
    ("completed_ytd", "累计完成(万元)", "num", 16, False), ("completion_rate", "完成率", "num", 14, False),
    ("light", "灯号", "light", 10, False), ("reasons", "原因", "reasons", 50, False),
    ("forecast", "预警", "reasons", 26, True),
]


def _print_value(line, key):
    value = getattr(line, key)
    if key in ("plan_in_force", "completed_ytd", "completed_month"):
        return wan(value)
    if key in ("completion_rate", "time_progress"):
        return MISSING if value is None else f"{rate(value)}%"
    if key == "gap_points":
        return rate(value)
    if key == "light":
        return line.light_label
    if key == "forecast":
        return value or MISSING
    return "" if value is None else value


def _print_table(lines, columns):
    """Headers, column widths (% of the page) and cells of a print table, without the optional
    columns that are empty in every line."""
    kept = [c for c in columns if not c[4] or any(getattr(line, c[0]) for line in lines)]
    total = sum(c[3] for c in kept)
    return {
        "columns": [{"key": key, "header": header, "css": css, "width": f"{100 * weight / total:.2f}"}
                    for key, header, css, weight, _optional in kept],
        "rows": [{"line": line, "cells": [{"key": key, "css": css, "text": _print_value(line, key)}
                                          for key, _header, css, _weight, _optional in kept]}
                 for line in lines],
    }


def bulletin_issue(bulletin):
    """(issue number, issue date) of a bulletin: 第 N 期 counts the year's bulletins up to its
    month; the issue date is the day it was published (None for a draft)."""
    number = Bulletin.objects.filter(year=bulletin.year, month__lte=bulletin.month).count()
    issued = timezone.localdate(bulletin.published_at) if bulletin.published_at else None
    return number, issued


def bulletin_print_html(bulletin, *, for_pdf=False):
    """The print version of the bulletin, a document to hand out at the monthly meeting: the
    issuing office, 第 N 期 and the issue date at its head, the totals (亿元), the rows (万元) and
    the projects pressed, on A4 landscape pages; empty optional columns are left out."""
    tables = bulletin_tables(bulletin)
    number, issued = bulletin_issue(bulletin)
    heading = bulletin.title or f"{bulletin.year}年{bulletin.month}月全区重点项目建设进展情况通报"
    return render_to_string("projects/bulletin_print.html", {
        "t": tables, "lights": LIGHT_RGB, "for_pdf": for_pdf, "total_headers": TOTAL_HEADERS,
        "details": _print_table(tables.details, PRINT_DETAIL_COLUMNS),
        "bottom": _print_table(tables.bottom, PRINT_BOTTOM_COLUMNS), "bottom_size": bottom_size(),
        "issuer": settings.TRACKER_ISSUING_OFFICE, "issue_number": number, "issued_on": issued,
        "heading": heading,
        "running_header": f"{settings.TRACKER_ISSUING_OFFICE}　{bulletin.year}年第{number}期　{heading}",
        "photos": photos_of_month(year=bulletin.year, month=bulletin.month),
    })


class BulletinExportsMixin:
    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/xlsx/", view(self.xlsx_view), name=f"{opts.app_label}_{opts.model_name}_xlsx"),
            path("<int:pk>/print/", view(self.print_view), name=f"{opts.app_label}_{opts.model_name}_print"),
            path("<int:pk>/pdf/", view(self.pdf_view), name=f"{opts.app_label}_{opts.model_name}_pdf"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {**(extra_context or {}), "pdf_available": pdf_available()}
        return super().change_view(request, object_id, form_url, extra)

    def xlsx_view(self, request, pk):
        return bulletin_xlsx_response(_viewable(self, request, self.model, pk))

    def print_view(self, request, pk):
        return HttpResponse(bulletin_print_html(_viewable(self, request, self.model, pk)))

    def pdf_view(self, request, pk):
        bulletin = _viewable(self, request, self.model, pk)
        try:
            content = html_to_pdf(bulletin_print_html(bulletin, for_pdf=True))
        except PdfUnavailable:
            self.message_user(request, _("The PDF cannot be made on this server; use the print version."),
                              messages.ERROR)
            return HttpResponseRedirect(reverse("admin:projects_bulletin_print", args=[bulletin.pk]))
        name, ascii_name = bulletin_filenames(bulletin)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition(name + ".pdf", ascii_name + ".pdf")
        return response


@admin.action(description=gettext_lazy("Export the selected problems to Excel"))
def export_selected_problems(modeladmin, request, queryset):
    return problem_xlsx_response(queryset)


class ProblemExportsMixin:
    change_list_template = "admin/projects/problem/change_list.html"

    def get_urls(self):
        return [
            path("xlsx/", self.admin_site.admin_view(self.xlsx_view), name="projects_problem_xlsx"),
        ] + super().get_urls()

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions["export_selected_problems"] = self.get_action(export_selected_problems)
        return actions

    def xlsx_view(self, request):
        """The changelist as filtered (same query string) as a workbook."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:projects_problem_changelist") + "?e=1")
        filters = []
        for spec in changelist.filter_specs:
            if any(param in request.GET for param in spec.expected_parameters()):
                filters += [f"{spec.title}：{choice['display']}" for choice in spec.choices(changelist)
                            if choice.get("selected")]
        if changelist.query:
            filters.append(f"{_('Search')}：{changelist.query}")
        return problem_xlsx_response(changelist.queryset, subtitle="；".join(str(f) for f in filters))


class ReviewExportsMixin:
    def get_urls(self):
        return [
            path("<int:pk>/xlsx/", self.admin_site.admin_view(self.xlsx_view), name="projects_review_xlsx"),
        ] + super().get_urls()

    def xlsx_view(self, request, pk):
        return review_xlsx_response(_viewable(self, request, self.model, pk))


class EvaluationExportsMixin:
    def get_urls(self):
        return [
            path("<int:pk>/xlsx/", self.admin_site.admin_view(self.xlsx_view), name="projects_evaluation_xlsx"),
        ] + super().get_urls()

    def xlsx_view(self, request, pk):
        return evaluation_xlsx_response(_viewable(self, request, self.model, pk))
