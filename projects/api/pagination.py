"""Pagination: page numbers everywhere, a cursor for the big monthly-report collection."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class TrackerPagination(PageNumberPagination):
    """`?page=2&page_size=100`; 50 per page by default, at most 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ProjectPagination(TrackerPagination):
    """The project list also serves whole zones at once: up to 1,000 rows a page (bench B1)."""

    max_page_size = 1000


class ReportCursorPagination(CursorPagination):
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
