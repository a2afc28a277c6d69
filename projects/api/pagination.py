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
    """Stable paging through a collection that grows every month: newest period first."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-year", "-month", "-id")
