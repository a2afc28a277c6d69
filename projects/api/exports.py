"""Excel downloads through the API: the bulletin, the problem ledger (with the list's filters) and a
review's ranking. Whoever may read the object may download it (every authenticated role reads)."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.renderers import JSONRenderer

from projects import filtersets
from projects import models as m
from projects.excel.exports import (
    XLSX_CONTENT_TYPE,
    bulletin_xlsx_response,
    evaluation_xlsx_response,
    problem_xlsx_response,
    review_xlsx_response,
)

XLSX_RESPONSE = {
    (200, XLSX_CONTENT_TYPE): OpenApiResponse(
        OpenApiTypes.BINARY,
        description="Excel 工作簿（.xlsx），作为附件下载；Content-Disposition 带 ASCII 文件名，中文文件名在 filename* 中"
                    "（RFC 5987）。 / An Excel workbook (.xlsx), sent as an attachment; Content-Disposition carries an "
                    "ASCII file name and the Chinese one as filename* (RFC 5987).",
    ),
}


class WorkbookDownload:
    """A view answering a workbook itself (a plain HttpResponse): errors are rendered as JSON, whatever
    the client's Accept header says, so a client asking for the xlsx media type gets the workbook, or
    its errors as JSON, never a 406 (the schema declares no 406 for these)."""

    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class XlsxView(WorkbookDownload, generics.GenericAPIView):
    """A workbook download of one record, or of a filtered list."""

    pagination_class = None


class BulletinXlsxView(XlsxView):
    """The bulletin as an Excel workbook: 汇总 (totals in 亿元), 明细 (one row per project in 万元, the
    light as text and cell colour) and 排名靠后 (the bottom of each category). A published bulletin
    exports its frozen figures; a draft is computed now."""

    resource = "bulletins"

    queryset = m.Bulletin.objects.all()

    @extend_schema(operation_id="bulletins_xlsx", responses=XLSX_RESPONSE)
    def get(self, request, pk):
        bulletin = get_object_or_404(self.get_queryset(), pk=pk)
        self.check_object_permissions(request, bulletin)
        return bulletin_xlsx_response(bulletin)


class ProblemXlsxView(XlsxView):
    """The problem ledger as an Excel workbook; takes the same filters as /api/problems/. Rows overdue
    today are filled red."""

    resource = "problems"

    queryset = m.Problem.objects.all()
    filterset_class = filtersets.ProblemFilterSet
    filters_in_schema = True

    @extend_schema(operation_id="problems_xlsx", responses=XLSX_RESPONSE)
    def get(self, request):
        problems = self.filter_queryset(self.get_queryset())
        return problem_xlsx_response(problems, today=timezone.localdate())


class ReviewRankingXlsxView(XlsxView):
    """The review's ranking per category as an Excel workbook: each criterion's weighted part, the
    total score and rank, the top (激励先进) and bottom (鞭策后进) marked."""

    resource = "reviews"

    queryset = m.Review.objects.all()

    @extend_schema(operation_id="reviews_ranking_xlsx", responses=XLSX_RESPONSE)
    def get(self, request, pk):
        review = get_object_or_404(self.get_queryset(), pk=pk)
        self.check_object_permissions(request, review)
        return review_xlsx_response(review)


class EvaluationXlsxView(XlsxView):
    """The evaluation's ranking as an Excel workbook: sheets 项目 and 单位 with the four part scores and
    the total; frozen results once published, computed now for a draft."""

    resource = "evaluations"

    queryset = m.Evaluation.objects.all()

    @extend_schema(operation_id="evaluations_xlsx", responses=XLSX_RESPONSE)
    def get(self, request, pk):
        evaluation = get_object_or_404(self.get_queryset(), pk=pk)
        self.check_object_permissions(request, evaluation)
        return evaluation_xlsx_response(evaluation)
