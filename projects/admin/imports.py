"""Admin pages for Excel in and out: the monthly report template and import (MonthlyReport
changelist → "Import monthly reports") and the project library workbook (Project changelist →
"Import/export the project library").

Each import runs in two steps and keeps no state on the server: the upload is checked and shown as
a preview; the file itself travels back with the preview in a hidden field, base64-encoded and
signed (django.core.signing, salted with the purpose and the user), so "confirm" re-reads and
re-checks exactly the previewed file and stores it all or not at all. What the preview saw (each
row's record and version) travels signed too (projects/excel/conflicts.py): a record saved by
someone else between the preview and the confirmation is a conflict shown on the page (row,
project, who, when, what changed), nothing is stored, and the page previews the file again
against the data as it is now."""

import base64
import binascii

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.choices import Role
from projects.excel.conflicts import read_seen_token, seen_token
from projects.excel.library import library_export, library_import, library_preview
from projects.excel.reports import parse_month, reports_import, reports_preview, reports_template
from projects.exceptions import DomainError
from projects.models import Unit
from projects.services.roles import role_of, unit_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAYLOAD_MAX_AGE = 2 * 60 * 60  # a preview may be confirmed within two hours


def xlsx_response(data, filename):
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(filename):
    from urllib.parse import quote

    return quote(filename)


def upload_limit():
    """The largest workbook the two-step admin import takes: the file comes back base64-encoded
    (4/3 of its size) in a form field, which DATA_UPLOAD_MAX_MEMORY_SIZE bounds as well."""
    limit = settings.TRACKER_MAX_UPLOAD_BYTES
    form_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if form_limit:
        limit = min(limit, (form_limit - 64 * 1024) * 3 // 4)
    return limit


def sign_upload(data, *, user, purpose, extra=""):
    signer = signing.TimestampSigner(salt=f"projects.import.{purpose}.{user.pk}")
    return signer.sign(f"{extra}|{base64.b64encode(data).decode('ascii')}")


def unsign_upload(token, *, user, purpose):
    """(extra, file bytes) of a signed upload, or DomainError when it was altered or is too old."""
    signer = signing.TimestampSigner(salt=f"projects.import.{purpose}.{user.pk}")
    try:
        extra, encoded = signer.unsign(token or "", max_age=PAYLOAD_MAX_AGE).split("|", 1)
        data = base64.b64decode(encoded, validate=True)
    except signing.SignatureExpired:
        raise DomainError(_("The preview has expired; upload the file again."), code="expired") from None
    except (signing.BadSignature, ValueError, binascii.Error):
        raise DomainError(_("The preview could not be verified; upload the file again."), code="bad_payload") from None
    if len(data) > settings.TRACKER_MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is too large."), code="too_large")
    return extra, data


def read_upload(form, name="file"):
    """The bytes of an uploaded file, or None with a form error when it is too large."""
    upload = form.cleaned_data[name]
    limit = upload_limit()
    if upload.size > limit:
        form.add_error(name, _("The file is too large (%(size)s bytes; at most %(limit)s).")
                       % {"size": upload.size, "limit": limit})
        return None
    return upload.read()


def add_domain_error(form, exc):
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.messages)


def default_month():
    """The month being reported (selectors.reporting_month), as YYYY-MM: the import page starts
    from it."""
    from projects.selectors import reporting_month

    year, month = reporting_month()
    return f"{year}-{month:02d}"


class MonthField(forms.CharField):
    """A month written YYYY-MM (a browser's month picker); cleans to (year, month)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Month"))
        kwargs.setdefault("help_text", gettext_lazy("Year and month, e.g. 2013-10"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month", "placeholder": "2013-10", "size": 8}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_month(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.messages) from None


class ReportImportForm(forms.Form):
    """The import page's one form: the month (entered once, for the template and the upload), the
    unit whose template the office downloads, the filled file and whether to submit it."""

    month = MonthField(help_text=gettext_lazy(
        "Year and month, e.g. 2013-10. The template is made for this month, and the upload is read as this "
        "month's reports."))
    unit = forms.ModelChoiceField(queryset=Unit.objects.filter(is_archived=False), required=False,
                                  label=gettext_lazy("Unit"), empty_label=gettext_lazy("All units"))
    file = forms.FileField(label=gettext_lazy("Filled template (.xlsx)"), required=False)
    submit = forms.BooleanField(required=False, label=gettext_lazy("Submit the reports after the import"))

    def __init__(self, *args, office=False, reporter=False, uploading=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not office:
            del self.fields["unit"]
        if not reporter:
            del self.fields["submit"]
        # The file is needed for a preview, not for downloading the template.
        self.fields["file"].required = uploading


class LibraryUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Library workbook (.xlsx)"))


class ConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)
    seen = forms.CharField(widget=forms.HiddenInput, required=False)


def confirm_form(preview, payload, data, *, user, purpose):
    """The confirm form of a good preview (None after errors): the signed file and what the
    preview saw."""
    if payload is None or preview is None or not preview.ok:
        return None
    return ConfirmForm(initial={"payload": payload,
                                "seen": seen_token(preview.seen(), data=data, user=user, purpose=purpose)})


def read_seen(form, data, *, user, purpose):
    token = form.cleaned_data.get("seen")
    return read_seen_token(token, data=data, user=user, purpose=purpose, field="payload") if token else None


def take_conflicts(preview):
    """Moves the preview's conflicts out of it: shown apart, the preview (of the data as it is
    now) may then be confirmed again."""
    conflicts, preview.conflicts = preview.conflicts, []
    return conflicts


class ReportImportAdminMixin:
    """For MonthlyReportAdmin: /admin/projects/monthlyreport/import/ (template download, upload,
    preview, confirm)."""

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="projects_monthlyreport_import"),
        ] + super().get_urls()

    def import_view(self, request):
        role = role_of(request.user)
        if role not in (Role.OFFICE, Role.REPORTER):
            raise PermissionDenied
        office, reporter = role == Role.OFFICE, role == Role.REPORTER
        confirming = request.method == "POST" and "confirm" in request.POST
        # The template: a GET link (?download=1&month=…) or the form's "Download template" button.
        downloading = "download" in (request.POST if request.method == "POST" else request.GET)
        uploading = request.method == "POST" and not confirming and not downloading
        bound = None if confirming or (request.method == "GET" and not downloading) else (
            request.POST if request.method == "POST" else request.GET)
        upload_form = ReportImportForm(bound, request.FILES if uploading else None, office=office, reporter=reporter,
                                       uploading=uploading, initial={"month": default_month()})
        if downloading and upload_form.is_valid():
            year, month = upload_form.cleaned_data["month"]
            data = reports_template(user=request.user, year=year, month=month,
                                    unit=upload_form.cleaned_data.get("unit"))
            return xlsx_response(data, f"月报-{year}-{month:02d}.xlsx")

        preview = payload = data = None
        conflicts = []
        error_form = upload_form
        if confirming:
            error_form = ConfirmForm(request.POST)
            if error_form.is_valid():
                try:
                    extra, data = unsign_upload(error_form.cleaned_data["payload"], user=request.user,
                                                purpose="reports")
                    month_text, submit = extra.split(";")
                    year, month = parse_month(month_text)
                    preview = reports_import(user=request.user, data=data, year=year, month=month,
                                             submit=submit == "1" and reporter,
                                             seen=read_seen(error_form, data, user=request.user, purpose="reports"))
                except DomainError as exc:
                    add_domain_error(error_form, exc)
                else:
                    conflicts = take_conflicts(preview)
                    if conflicts:
                        error_form.add_error(None, _(
                            "Nothing was imported: %(count)s row(s) were changed by someone else after your preview "
                            "(listed below). The preview now shows the data as it is; confirm again to import "
                            "the file over it.") % {"count": len(conflicts)})
                        payload = error_form.cleaned_data["payload"] if preview.ok else None
                    elif preview.ok:
                        self.message_user(request, _(
                            "Imported the reports of %(year)s-%(month)02d: %(created)s new, %(updated)s changed, "
                            "%(unchanged)s unchanged.") % {
                            "year": year, "month": month, "created": preview.count("create"),
                            "updated": preview.count("update"), "unchanged": preview.count("unchanged")},
                            messages.SUCCESS)
                        return HttpResponseRedirect(reverse("admin:projects_monthlyreport_changelist"))
                    else:
                        error_form.add_error(None, _("Nothing was imported: the data changed since the preview. "
                                                     "Correct the rows below and upload the file again."))
                        payload = None
        elif uploading:
            if upload_form.is_valid():
                data = read_upload(upload_form)
                if data is not None:
                    year, month = upload_form.cleaned_data["month"]
                    try:
                        preview = reports_preview(user=request.user, data=data, year=year, month=month)
                    except DomainError as exc:
                        add_domain_error(upload_form, exc)
                    else:
                        submit = "1" if upload_form.cleaned_data.get("submit") else "0"
                        payload = sign_upload(data, user=request.user, purpose="reports",
                                              extra=f"{year}-{month:02d};{submit}")
                        if not preview.ok:
                            upload_form.add_error(None, _("The file has errors; nothing will be stored. "
                                                          "Correct the rows listed below and upload it again."))
        if preview is not None and not preview.ok:
            payload = None
        if preview is not None and confirming:
            # The form offers the month of the file just imported, not the default again.
            upload_form = ReportImportForm(office=office, reporter=reporter,
                                           initial={"month": f"{preview.year}-{preview.month:02d}"})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import monthly reports"),
            "opts": self.model._meta,
            "upload_form": upload_form,
            "error_form": error_form,
            "preview": preview,
            "report_rows": _report_rows(preview),
            "errors": _report_errors(preview),
            "confirm_form": confirm_form(preview, payload, data, user=request.user, purpose="reports"),
            "counts": _counts(preview),
            "conflicts": conflicts,
        }
        return TemplateResponse(request, "admin/projects/import/reports.html", context)


def _counts(preview):
    if preview is None:
        return {}
    return {"create": preview.count("create"), "update": preview.count("update"),
            "unchanged": preview.count("unchanged"),
            "errors": len(preview.file_errors) + sum(len(r.errors) for r in preview.error_rows)}


def _report_rows(preview):
    if preview is None:
        return []
    return [r for r in preview.rows if not r.errors and r.action]


def _report_errors(preview):
    if preview is None:
        return []
    errors = [{"row": "", "column": "", "header": "", "message": message} for message in preview.file_errors]
    for result in preview.error_rows:
        for error in result.errors:
            errors.append({"row": result.row, "column": error.column, "header": error.header,
                           "label": result.label, "message": error.message})
    return errors


class LibraryImportAdminMixin:
    """For ProjectAdmin: /admin/projects/project/import/ (export the library workbook; office staff
    upload, preview and confirm an import)."""

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.library_view), name="projects_project_import"),
        ] + super().get_urls()

    def library_view(self, request):
        role = role_of(request.user)
        if role is None:
            raise PermissionDenied
        office = role == Role.OFFICE
        if "export" in request.GET:
            return xlsx_response(library_export(), f"项目库-{timezone.localdate():%Y%m%d}.xlsx")
        if request.method == "POST" and not office:
            raise PermissionDenied
        upload_form = LibraryUploadForm()
        error_form = upload_form
        preview = payload = data = None
        conflicts = []
        if request.method == "POST" and "confirm" in request.POST:
            error_form = ConfirmForm(request.POST)
            if error_form.is_valid():
                try:
                    _extra, data = unsign_upload(error_form.cleaned_data["payload"], user=request.user,
                                                 purpose="library")
                    preview = library_import(user=request.user, data=data,
                                             seen=read_seen(error_form, data, user=request.user, purpose="library"))
                except DomainError as exc:
                    add_domain_error(error_form, exc)
                else:
                    conflicts = take_conflicts(preview)
                    if conflicts:
                        error_form.add_error(None, _(
                            "Nothing was imported: %(count)s row(s) were changed by someone else after your preview "
                            "(listed below). The preview now shows the data as it is; confirm again to import "
                            "the file over it.") % {"count": len(conflicts)})
                        payload = error_form.cleaned_data["payload"] if preview.ok else None
                    elif preview.ok:
                        self.message_user(request, _(
                            "Imported the project library: %(created)s new, %(updated)s changed, "
                            "%(unchanged)s unchanged rows.") % {
                            "created": preview.count("create"), "updated": preview.count("update"),
                            "unchanged": preview.count("unchanged")}, messages.SUCCESS)
                        return HttpResponseRedirect(reverse("admin:projects_project_changelist"))
                    else:
                        error_form.add_error(None, _("Nothing was imported: the data changed since the preview. "
                                                     "Correct the rows below and upload the file again."))
        elif request.method == "POST":
            upload_form = error_form = LibraryUploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                data = read_upload(upload_form)
                if data is not None:
                    try:
                        preview = library_preview(user=request.user, data=data)
                    except DomainError as exc:
                        add_domain_error(upload_form, exc)
                    else:
                        payload = sign_upload(data, user=request.user, purpose="library")
                        if not preview.ok:
                            upload_form.add_error(None, _("The file has errors; nothing will be stored. "
                                                          "Correct the rows listed below and upload it again."))
        if preview is not None and not preview.ok:
            payload = None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import/export the project library"),
            "opts": self.model._meta,
            "office": office,
            "upload_form": upload_form,
            "error_form": error_form,
            "preview": preview,
            "changed_rows": [r for r in preview.rows if r.action in ("create", "update") and not r.errors]
            if preview else [],
            "errors": _library_errors(preview),
            "confirm_form": confirm_form(preview, payload, data, user=request.user, purpose="library"),
            "counts": _counts(preview),
            "conflicts": conflicts,
        }
        return TemplateResponse(request, "admin/projects/import/library.html", context)


def _library_errors(preview):
    if preview is None:
        return []
    errors = [{"sheet": "", "row": "", "column": "", "header": "", "message": message}
              for message in preview.file_errors]
    for result, error in preview.errors:
        errors.append({"sheet": error.sheet, "row": result.row, "column": error.column, "header": error.header,
                       "label": result.label, "message": error.message})
    return errors


# The admin index offers the imports to those who may run them (see templatetags/project_imports.py).
if admin.site.index_template is None:
    admin.site.index_template = "admin/projects/import/index.html"
