"""B5: depth. Page 2,000 (50 rows a page) of the report collection ÷ page 1, with keyset (cursor)
pagination (target ≤ 1.2×); offset pagination reported for comparison (B5-offset).

Through the API (/api/reports/) when it exists, else at the ORM level: keyset `filter(id__lt=cursor)`
against `[offset:offset + 50]`, both ordered by -id. When the collection has fewer than 2,000 pages
(--quick), the deepest full page is used and reported."""

from bench.timing import compare, ms

PAGE_SIZE = 50
TARGET_PAGE = 2000


def plan(total):
    depth = max(2, min(TARGET_PAGE, total // PAGE_SIZE))
    return depth, (depth - 1) * PAGE_SIZE


def run(ctx):
    from projects.models import MonthlyReport

    total = MonthlyReport.objects.count()
    depth, offset = plan(total)
    base = MonthlyReport.objects.select_related("project").order_by("-id")
    # The cursor a client holds after reading page depth-1: the id of that page's last row.
    cursor = MonthlyReport.objects.order_by("-id").values_list("id", flat=True)[offset - 1]

    def page1():
        return list(base[:PAGE_SIZE])

    def keyset():
        return list(base.filter(id__lt=cursor)[:PAGE_SIZE])

    def by_offset():
        return list(base[offset:offset + PAGE_SIZE])

    a, b = keyset(), by_offset()
    same_rows = [r.pk for r in a] == [r.pk for r in b] and len(a) == PAGE_SIZE
    medians, _ = compare({"page1": page1, "keyset": keyset, "offset": by_offset}, max(ctx.k, 5) * 4)
    common = {"level": "orm", "page": depth, "page_size": PAGE_SIZE, "reports": total, "same_rows": same_rows,
              "page1_ms": ms(medians["page1"])}
    ctx.rec.emit("B5", medians["keyset"] / medians["page1"], "x", target=1.2,
                 ok=medians["keyset"] / medians["page1"] <= 1.2 and same_rows,
                 keyset_ms=ms(medians["keyset"]), **common)
    ctx.rec.emit("B5-offset", medians["offset"] / medians["page1"], "x", target=None,
                 offset_ms=ms(medians["offset"]), note="offset pagination, for comparison", **common)
