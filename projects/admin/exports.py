"""Where people get the exports in the admin: buttons on the bulletin page (导出Excel, 打印版, PDF),
an export of the problem changelist as filtered (and an action for the selected rows), a button on
the review page. Mixed into the ModelAdmins in projects/admin/tracking.py; whoever may view the
object may export it."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.excel.exports import (
    BOTTOM_HEADERS,
    DETAIL_HEADERS,
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
from projects.pdf import PdfUnavailable, html_to_pdf, pdf_available
from projects.services.attachments import photos_of_month


def _viewable(model_admin, request, model, pk):
    obj = get_object_or_404(model, pk=pk)
    if not model_admin.has_view_permission(request, obj):
        raise PermissionDenied
    return obj


def bulletin_print_html(bulletin, *, for_pdf=False):
    """The print version of the bulletin: the workbook's content on A4 landscape pages."""
    tables = bulletin_tables(bulletin)
    return render_to_string("projects/bulletin_print.html", {
        "t": tables, "lights": LIGHT_RGB, "for_pdf": for_pdf,
        "total_headers": TOTAL_HEADERS, "detail_headers": DETAIL_HEADERS, "bottom_headers": BOTTOM_HEADERS,
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
