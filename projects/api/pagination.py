"""Pagination: page numbers everywhere, a cursor for the big monthly-report collection.

`page_size` is a whole number from 1; above the list's maximum it gives the maximum (as DRF does).
Anything else (`page_size=0`, `-5`, `abc`, `1.5`) answers 400 naming it, rather than being ignored
(DRF's default) so that a client does not silently get 50 rows it did not ask for. An empty value
means the default."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination, PageNumberPagination


class StrictPageSize:
    """`page_size` checked, and stated in the schema (minimum 1, the maximum in the description)."""

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise exceptions.ValidationError({self.page_size_query_param: [exceptions.ErrorDetail(
                _("Give a whole number of rows per page, from 1 (at most %(max)s are given).")
                % {"max": self.max_page_size}, code="invalid")]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
                parameter["allowEmptyValue"] = True
            elif parameter["name"] == getattr(self, "page_query_param", None):
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters


class TrackerPagination(StrictPageSize, PageNumberPagination):
    """`?page=2&page_size=100`; 50 per page by default, at most 500. A page that cannot be one (`0`,
    `-1`, `abc`) answers 400 naming `page`; a page past the last, 404 (DRF answers 404 for both)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        if number in self.last_page_strings:
            return number
        if not (str(number).isascii() and str(number).isdigit() and int(number) >= 1):
            raise exceptions.ValidationError({self.page_query_param: [exceptions.ErrorDetail(
                _("Give a page number, a whole number from 1."), code="invalid")]})
        return number


class ProjectPagination(TrackerPagination):
    """The project list also serves whole zones at once: up to 1,000 rows a page (bench B1)."""

    max_page_size = 1000


class ReportCursorPagination(StrictPageSize, CursorPagination):
    """Stable paging through a collection that grows every month: the newest entered first.

    The cursor is the id of the last report read (keyset: `id < cursor`, the primary key's index,
    as fast on page 2,000 as on page 1). DRF's cursor holds a position in the first ordering field
    only, plus an offset among equal positions that it caps at 1,000: ordered by period, paging
    beyond 1,000 reports of one year (a district files 1,200) repeated the same page. To read one
    period, filter: `?year=2013&month=10`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-id",)

    def decode_cursor(self, request):
        """A cursor that is not one of ours answers 400 naming `cursor` (DRF answers 404)."""
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({self.cursor_query_param: [exceptions.ErrorDetail(
                _("Not a cursor of this list: send back the value of a next or previous link as it is."),
                code="invalid")]}) from None
