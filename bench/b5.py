"""B5: depth. Page 2,000 (50 rows a page) of the report collection ÷ page 1, with keyset (cursor)
pagination (target ≤ 1.2×); offset pagination reported for comparison (B5-offset).

Through the API: GET /api/reports/ (page 1) against the same request with the cursor a client holds
after reading page 1,999 (a keyset on the id, ReportCursorPagination); B5-offset compares
`[offset:offset + 50]` with page 1 at the ORM level, both ordered by -id. When the collection has fewer than 2,000 pages
(--quick), the deepest full page is used and reported."""

from bench.timing import compare, ms

PAGE_SIZE = 50
TARGET_PAGE = 2000


def plan(total):
    depth = max(2, min(TARGET_PAGE, total // PAGE_SIZE))
    return depth, (depth - 1) * PAGE_SIZE


def api_cursor(report_id):
    """The `cursor` parameter of /api/reports/ after reading down to `report_id` (DRF's encoding:
    base64 of the query string p=<position>)."""
    from base64 import b64encode
    from urllib.parse import urlencode

    return b64encode(urlencode({"p": report_id}).encode("ascii")).decode("ascii")


def run(ctx):
    from bench.b1 import bench_client
    from projects.models import MonthlyReport

    total = MonthlyReport.objects.count()
    depth, offset = plan(total)
    base = MonthlyReport.objects.select_related("project").order_by("-id")
    # The cursor a client holds after reading page depth-1: the id of that page's last row.
    cursor = MonthlyReport.objects.order_by("-id").values_list("id", flat=True)[offset - 1]
    client = bench_client()

    def get(params):
        response = client.get("/api/reports/", {"page_size": PAGE_SIZE, **params})
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/reports/ answered {response.status_code}")
        return [row["id"] for row in response.json()["results"]]

    def page1():
        return get({})

    def keyset():
        return get({"cursor": api_cursor(cursor)})

    def by_offset():  # the same page by OFFSET, at the ORM level (the API offers no offset for reports)
        return list(base[offset:offset + PAGE_SIZE])

    a, b = keyset(), by_offset()
    same_rows = a == [r.pk for r in b] and len(a) == PAGE_SIZE
    orm_page1 = lambda: list(base[:PAGE_SIZE])  # noqa: E731
    medians, _ = compare({"page1": page1, "keyset": keyset, "offset": by_offset, "orm_page1": orm_page1},
                         max(ctx.k, 5) * 4)
    common = {"level": "api", "page": depth, "page_size": PAGE_SIZE, "reports": total, "same_rows": same_rows,
              "page1_ms": ms(medians["page1"])}
    ctx.rec.emit("B5", medians["keyset"] / medians["page1"], "x", target=1.2,
                 ok=medians["keyset"] / medians["page1"] <= 1.2 and same_rows,
                 keyset_ms=ms(medians["keyset"]), **common)
    ctx.rec.emit("B5-offset", medians["offset"] / medians["orm_page1"], "x", target=None,
                 offset_ms=ms(medians["offset"]), orm_page1_ms=ms(medians["orm_page1"]),
                 note="the same page by OFFSET ÷ page 1, both at the ORM level, for comparison", **common)
