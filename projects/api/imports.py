"""Excel in and out through the API.

    GET  /api/reports/template/?month=2013-10[&unit=<id>]   the unit's monthly report template (xlsx)
    POST /api/reports/import/     multipart: file, month, dry_run, submit
    GET  /api/projects/xlsx/      the project library workbook, with the filters of /api/projects/
    POST /api/projects/import/    multipart: file, dry_run (office only)

An import answers 200 with its preview (what was, or with dry_run would be, created, changed and
left unchanged) or 400 in the API's one error shape (projects/api/exceptions.py) with one entry
per bad cell: {"field", "code", "message", "sheet", "row", "column", "header"}. Nothing is stored
unless every row is good.

Changed since the preview: a dry run answers a `preview_token`; send it back with the same file
(`preview_token`) and the import refuses (409, nothing stored) if any record of the file was saved by
someone else since the dry run, one `errors` entry per such row: {"field": "file", "code":
"changed_meanwhile", "sheet", "row", "record", "user", "date", "message"}. The import locks the rows
it writes, so a concurrent edit either comes before it (and is a conflict) or after it."""

import re

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import filtersets
from projects.excel.conflicts import read_seen_token, seen_token
from projects.api.exceptions import ErrorSerializer
from projects.api.exports import WorkbookDownload
from projects.api.query import KnownQueryParamsMixin
from projects.choices import Role
from projects.excel.library import library_export, library_import, library_preview
from projects.excel.reports import parse_month, reports_import, reports_preview, reports_template
from projects.exceptions import DomainError
from projects.models import Project, Unit
from projects.permissions import role_of
from projects.services.roles import unit_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data, filename):
    from urllib.parse import quote

    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


MONTH_PATTERN = r"^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])$"  # 2000-01 … 2100-12


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN})
class MonthField(serializers.CharField):
    """YYYY-MM (2000-01 … 2100-12, as the schema's pattern says: no spaces around) → (year, month)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not re.fullmatch(MONTH_PATTERN, value):
            raise serializers.ValidationError(_("Give the month as YYYY-MM, e.g. 2013-10."), code="invalid")
        try:
            return parse_month(value)
        except DomainError as exc:
            raise serializers.ValidationError(exc.messages) from None


MONTH_HELP = "报告月份，格式 YYYY-MM，如 2013-10。 / The month reported, written YYYY-MM, e.g. 2013-10."


class ReportTemplateQuerySerializer(serializers.Serializer):
    month = MonthField(help_text=MONTH_HELP)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False,
                                              help_text="Only this unit's projects (office staff).")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The workbook (.xlsx).")
    dry_run = serializers.BooleanField(default=False, help_text="true: check and preview only, store nothing.")
    preview_token = serializers.CharField(
        required=False, allow_blank=True, max_length=100_000,
        help_text="导入前预览（dry_run）返回的 preview_token；带上它时，预览之后被他人修改过的记录会作为冲突（409）列出，"
                  "不写入任何数据。 / The preview_token a dry run of this file answered: records saved by "
                  "someone else since that preview are listed as conflicts (409) and nothing is stored.")

    def validate_file(self, upload):
        limit = settings.TRACKER_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise serializers.ValidationError(
                _("The file is too large (%(size)s bytes; at most %(limit)s).") % {"size": upload.size, "limit": limit},
                code="too_large")
        return upload


class ReportImportSerializer(UploadSerializer):
    month = MonthField(help_text=MONTH_HELP)
    submit = serializers.BooleanField(default=False, help_text="Submit the imported reports (else drafts).")


class CellErrorSerializer(serializers.Serializer):
    column = serializers.CharField(help_text='列字母，如 "G"。 / The column letter, e.g. "G".')
    header = serializers.CharField(help_text="列标题。 / The column's header.")
    message = serializers.CharField(help_text="错误原因。 / Why the cell is wrong.")


class ConflictChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="字段名。 / The field's name.")
    label = serializers.CharField(help_text="字段标签（用户语言）。 / The field's label in the user's language.")
    old = serializers.JSONField(allow_null=True, help_text="预览时的值。 / The value the preview saw.")
    new = serializers.JSONField(allow_null=True, help_text="现在的值。 / The value now.")


class RowConflictSerializer(serializers.Serializer):
    sheet = serializers.CharField(help_text="工作表。 / The sheet.")
    row = serializers.IntegerField(help_text="行号。 / The row number.")
    label = serializers.CharField(help_text="项目（或记录）名称。 / The project (or record) the row is about.")
    record = serializers.IntegerField(allow_null=True, help_text="记录编号（已删除时为 null）。 / The record's id "
                                                                 "(null when it was deleted).")
    seen_version = serializers.JSONField(allow_null=True, help_text="预览时的版本（当时没有记录为 null）。 / The "
                                                                    "version the preview saw (null: no record then).")
    version = serializers.JSONField(allow_null=True, help_text="现在的版本。 / The version now.")
    user = serializers.CharField(allow_null=True, help_text="最后修改人。 / Who saved it last.")
    date = serializers.DateTimeField(allow_null=True, help_text="最后修改时间。 / When.")
    message = serializers.CharField(help_text="说明（用户语言）。 / The conflict in one line, in the user's language.")
    changes = ConflictChangeSerializer(many=True, help_text="预览之后改动的字段。 / The fields changed since the "
                                                            "preview.")


class ReportPreviewRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    project = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    action = serializers.ChoiceField(choices=["create", "update", "unchanged", ""])
    previous_ytd = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    current_ytd = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    completed_ytd = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    report = serializers.IntegerField(allow_null=True, help_text="本月已有月报的编号（新建为 null）。 / The month's "
                                                                 "stored report (null: it will be created).")
    version = serializers.IntegerField(allow_null=True, help_text="该月报预览时的版本。 / That report's version "
                                                                  "as previewed.")
    errors = CellErrorSerializer(many=True)


class ReportPreviewSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    ok = serializers.BooleanField()
    imported = serializers.BooleanField(help_text="Whether the rows were stored (false for a dry run).")
    file_errors = serializers.ListField(child=serializers.CharField())
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    conflicts = RowConflictSerializer(many=True)
    preview_token = serializers.CharField(help_text=(
        "预览所见的签名记录（24 小时内有效）；确认导入时随同一文件发送，预览之后被他人修改的行会作为冲突列出。 / What this "
        "preview saw, signed (valid for a day): send it with the same file on the import to refuse rows saved "
        "by others since."))
    rows = ReportPreviewRowSerializer(many=True)


class LibraryPreviewRowSerializer(serializers.Serializer):
    sheet = serializers.CharField()
    row = serializers.IntegerField()
    label = serializers.CharField()
    action = serializers.ChoiceField(choices=["create", "update", "unchanged", ""])
    id = serializers.IntegerField(allow_null=True)
    changes = serializers.ListField(child=serializers.DictField())
    errors = serializers.ListField(child=serializers.DictField())


class LibraryPreviewSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    imported = serializers.BooleanField(help_text="Whether the rows were stored (false for a dry run).")
    file_errors = serializers.ListField(child=serializers.CharField())
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    summary = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    conflicts = RowConflictSerializer(many=True)
    preview_token = serializers.CharField(help_text=(
        "预览所见的签名记录（24 小时内有效）；确认导入时随同一文件发送，预览之后被他人修改的行会作为冲突列出。 / What this "
        "preview saw, signed (valid for a day): send it with the same file on the import to refuse rows saved "
        "by others since."))
    rows = LibraryPreviewRowSerializer(many=True)


def import_error_response(preview, *, sheet=None):
    errors = [{"field": "file", "code": "invalid_file", "message": message, "sheet": None, "row": None,
               "column": None, "header": None} for message in preview.file_errors]
    for result in preview.error_rows:
        for error in result.errors:
            errors.append({
                "field": getattr(error, "field", None) or _field_of(error), "code": "invalid_cell",
                "message": error.message, "sheet": getattr(error, "sheet", sheet), "row": result.row,
                "column": error.column, "header": error.header,
            })
    if not errors:  # a workbook without a single row
        errors.append({"field": "file", "code": "empty", "message": _("The workbook has no rows to import."),
                       "sheet": None, "row": None, "column": None, "header": None})
    return Response({
        "status": 400, "code": "invalid",
        "detail": _("Nothing was imported: %(count)s error(s) in the workbook.") % {"count": len(errors)},
        "errors": errors,
    }, status=400)


def conflict_response(preview):
    """409: rows saved by someone else since the preview; nothing was stored."""
    errors = [{"field": "file", "code": "changed_meanwhile", "message": c.message, "sheet": c.sheet, "row": c.row,
               "column": None, "header": None, "record": c.record, "user": c.user,
               "date": c.date.isoformat() if c.date else None} for c in preview.conflicts]
    return Response({
        "status": 409, "code": "changed_meanwhile",
        "detail": _("Nothing was imported: %(count)s row(s) were changed by someone else after the preview.")
        % {"count": len(errors)},
        "errors": errors,
    }, status=409)


def _seen(serializer, data, request, purpose):
    token = serializer.validated_data.get("preview_token")
    return read_seen_token(token, data=data, user=request.user, purpose=purpose) if token else None


def _field_of(error):
    from projects.excel.reports import COLUMNS

    return next((key for key, header, _w in COLUMNS if header == error.header), None)


def _read(serializer):
    return serializer.validated_data["file"].read()


IMPORT_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description=(
        "输入无效，或工作簿有错误，未写入任何数据：`errors` 逐个列出出错的单元格（工作表、行、列、列标题）及原因。 / Invalid "
        "input, or the workbook has errors and nothing was stored: `errors` names each bad cell (sheet, row, "
        "column, header) and why (message).")),
    409: OpenApiResponse(ErrorSerializer, description=(
        "预览之后有人修改了文件涉及的记录，未写入任何数据：`errors` 每行一条（行、记录、修改人 user、时间 date、说明）。 / "
        "Records of the file were saved by someone else after the preview (preview_token) and nothing was "
        "stored: one `errors` entry per row (row, record, user, date, message).")),
}
XLSX_RESPONSE = {(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description=(
    "Excel 工作簿（.xlsx），作为附件下载。 / An Excel workbook (.xlsx), sent as an attachment."))}


class ReportTemplateView(WorkbookDownload, KnownQueryParamsMixin, APIView):
    """The monthly report template (台账) for a month: one row per project the user reports for, with
    code, names, the plan in force and last month's YTD filled in. Office staff may narrow it to a
    unit; a reporter always gets its own unit's projects."""

    resource = "reports"
    takes_query_params = ("month", "unit")
    operations = {"GET": "template"}

    @extend_schema(parameters=[ReportTemplateQuerySerializer], responses=XLSX_RESPONSE)
    def get(self, request):
        query = ReportTemplateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year, month = query.validated_data["month"]
        unit = query.validated_data.get("unit")
        if unit is not None and role_of(request.user) == Role.REPORTER and unit != unit_of(request.user):
            raise PermissionDenied(_("A unit reporter can only download its own unit's template."))
        data = reports_template(user=request.user, year=year, month=month, unit=unit)
        return xlsx_response(data, f"月报-{year}-{month:02d}.xlsx")


class ReportImportView(APIView):
    """Import a filled monthly report template: every row or none. With dry_run=true nothing is
    stored and the answer says what would be. Office staff import for any unit, a reporter for its
    unit's projects only."""

    resource = "reports"
    operations = {"POST": "import"}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ReportImportSerializer},
                   responses={200: ReportPreviewSerializer, **IMPORT_RESPONSES})
    def post(self, request):
        serializer = ReportImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        year, month = serializer.validated_data["month"]
        dry_run = serializer.validated_data["dry_run"]
        data = _read(serializer)
        seen = _seen(serializer, data, request, "reports")
        if dry_run:
            preview = reports_preview(user=request.user, data=data, year=year, month=month, seen=seen)
        else:
            preview = reports_import(user=request.user, data=data, year=year, month=month,
                                     submit=serializer.validated_data["submit"], seen=seen)
        if preview.conflicts:
            return conflict_response(preview)
        if not preview.ok:
            return import_error_response(preview, sheet="月报")
        token = seen_token(preview.seen(), data=data, user=request.user, purpose="reports")
        return Response({**preview.as_dict(), "imported": not dry_run, "preview_token": token})


class LibraryExportView(WorkbookDownload, generics.GenericAPIView):
    """The project library workbook (项目库, 年度计划, 时间节点 sheets) of the projects the filters of
    /api/projects/ select; archived projects only with include_archived=true."""

    resource = "projects"
    queryset = Project.objects.all()
    filterset_class = filtersets.ProjectFilterSet
    pagination_class = None
    filters_in_schema = True

    def get_queryset(self):
        today = timezone.localdate()
        return super().get_queryset().with_progress(today.year, 12)  # completion_rate serves the ordering

    @extend_schema(responses=XLSX_RESPONSE)
    def get(self, request):
        projects = self.filter_queryset(self.get_queryset())
        return xlsx_response(library_export(projects), f"项目库-{timezone.localdate():%Y%m%d}.xlsx")


class LibraryImportView(APIView):
    """Import the project library workbook (office staff): every row of every sheet or none. With
    dry_run=true nothing is stored and the answer says what would be."""

    resource = "projects"
    operations = {"POST": "import"}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": UploadSerializer},
                   responses={200: LibraryPreviewSerializer, **IMPORT_RESPONSES})
    def post(self, request):
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dry_run = serializer.validated_data["dry_run"]
        run = library_preview if dry_run else library_import
        data = _read(serializer)
        preview = run(user=request.user, data=data, seen=_seen(serializer, data, request, "library"))
        if preview.conflicts:
            return conflict_response(preview)
        if not preview.ok:
            return import_error_response(preview)
        token = seen_token(preview.seen(), data=data, user=request.user, purpose="library")
        return Response({**preview.as_dict(), "imported": not dry_run, "preview_token": token})
