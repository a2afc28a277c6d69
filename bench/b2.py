"""B2: the import floor. Inserting 100,000 monthly report rows (--quick: 2,000) in one transaction:

- floor: PostgreSQL COPY (psycopg3 cursor.copy) / SQLite executemany of one prepared INSERT;
- B2-bulk_create: the ORM's bulk_create (model instances built inside the timing) ÷ the floor.

- B2-import: the real import path, projects.excel.reports.reports_import (one workbook per month,
  one row per project, all-or-nothing with audit history) for the same rows ÷ the floor. Measured by
  `measure_import_path` when the importer can be imported; otherwise the line says why not."""

import time
from decimal import Decimal
from statistics import median

from bench.timing import ms

COLUMNS = ("project_id", "year", "month", "completed_ytd", "progress_note", "problems_raised", "status",
           "reporting_unit_id", "reporter_name", "is_correction", "correction_reason", "return_reason", "version")
FIRST_YEAR = 2024  # after the province's three years, so (project, year, month) stays unique


def make_rows(project_ids, n, unit_id):
    """Rows period by period (one per project a month); YTD grows month on month for each project."""
    rows = []
    for i in range(n):
        period, j = divmod(i, len(project_ids))
        ytd = Decimal(1000 + (j % 997) * 13 + period * 50)
        rows.append((project_ids[i % len(project_ids)], FIRST_YEAR + period // 12, period % 12 + 1, ytd,
                     "按计划推进", "", "accepted", unit_id, "填报员", False, "", "", 1))
    return rows


def floor_insert(rows):
    from django.db import connection, transaction

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY projects_monthlyreport ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            raw = connection.connection.cursor()
            raw.executemany(f"INSERT INTO projects_monthlyreport ({', '.join(COLUMNS)}) "
                            f"VALUES ({', '.join('?' * len(COLUMNS))})", rows)
            raw.close()


def orm_insert(rows):
    from django.db import transaction

    from projects.models import MonthlyReport

    with transaction.atomic():
        MonthlyReport.objects.bulk_create([MonthlyReport(**dict(zip(COLUMNS, row))) for row in rows], batch_size=1000)


def cleanup():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM projects_monthlyreport WHERE year >= %s", [FIRST_YEAR])
        cursor.execute("DELETE FROM projects_historicalmonthlyreport WHERE year >= %s", [FIRST_YEAR])


def workbooks_for(rows, names):
    """The rows as filled monthly templates (bytes), one workbook per (year, month)."""
    import io

    from openpyxl import Workbook

    from projects.excel import reports as xl

    by_period = {}
    for row in rows:
        by_period.setdefault((row[1], row[2]), []).append(row)
    books = []
    for (year, month), period_rows in sorted(by_period.items()):
        book = Workbook(write_only=True)
        sheet = book.create_sheet(xl.SHEET)
        sheet.append([header for _key, header, _width in xl.COLUMNS])
        for row in period_rows:
            sheet.append([row[0], "", names[row[0]], "", None, None, row[3], row[4], "", "否", ""])
        meta = book.create_sheet(xl.META_SHEET)
        meta.append(["年份", year])
        meta.append(["月份", month])
        buffer = io.BytesIO()
        book.save(buffer)
        books.append((year, month, buffer.getvalue()))
    return books


def office_user():
    from django.contrib.auth import get_user_model

    from projects.choices import Role
    from projects.models import Profile

    user, created = get_user_model().objects.get_or_create(username="bench-office", defaults={"is_staff": True})
    if created:
        Profile.objects.create(user=user, role=Role.OFFICE)
    return user


def measure_import_path(ctx, rows, k):
    """Median seconds to import `rows` through projects.excel.reports.reports_import, one workbook a
    month (workbooks built beforehand, untimed); (None, reason) when the importer is not available."""
    try:
        from projects.excel.reports import reports_import
    except ImportError as exc:
        return None, f"importer not importable on this branch: {exc}"
    from projects.models import Project

    names = dict(Project.objects.values_list("id", "name"))
    books = workbooks_for(rows, names)
    user = office_user()
    times = []
    for i in range(1 + k):
        start = time.perf_counter()
        for year, month, data in books:
            preview = reports_import(user=user, data=data, year=year, month=month)
            if not preview.ok:
                raise RuntimeError(f"import of {year}-{month:02d} refused: {preview.file_errors or preview.rows[:1]}")
        elapsed = time.perf_counter() - start
        stored = count_new()
        cleanup()
        if stored != len(rows):
            raise RuntimeError(f"import stored {stored} of {len(rows)} rows")
        if i or k == 1:
            times.append(elapsed)
    peak = import_peak_memory(user, books)
    return median(times), {"workbooks": len(books), "runs_ms": [ms(t) for t in times], **peak}


def import_peak_memory(user, books):
    """One more (untimed) import under tracemalloc: the peak of Python allocations while importing,
    and the process's peak resident set (ru_maxrss, the whole run's high-water mark)."""
    import resource
    import tracemalloc

    from projects.excel.reports import reports_import

    tracemalloc.start()
    try:
        for year, month, data in books:
            reports_import(user=user, data=data, year=year, month=month)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        cleanup()
    return {"peak_traced_mb": round(peak / 2**20, 1),
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def count_new():
    from projects.models import MonthlyReport

    return MonthlyReport.objects.filter(year__gte=FIRST_YEAR).count()


def run(ctx):
    n = 2000 if ctx.quick else 100_000
    rows = make_rows(ctx.province.project_ids, n, ctx.province.unit_ids[0])
    fns = {"floor": floor_insert, "bulk_create": orm_insert}
    times = {name: [] for name in fns}
    k = ctx.k if ctx.quick else 3
    inserted = {}
    for i in range(1 + k):  # the first round is the warm-up
        for name, fn in fns.items():
            start = time.perf_counter()
            fn(rows)
            elapsed = time.perf_counter() - start
            inserted[name] = count_new()
            cleanup()
            if i:
                times[name].append(elapsed)
    floor, orm = median(times["floor"]), median(times["bulk_create"])
    method = "COPY (psycopg3 cursor.copy)" if ctx.db == "postgresql" else "executemany, one transaction"
    all_in = all(v == n for v in inserted.values())
    ctx.rec.emit("B2-floor", ms(floor), "ms", target=None, ok=all_in, rows=n, method=method,
                 rows_per_s=round(n / floor), runs_ms=[ms(t) for t in times["floor"]])
    ctx.rec.emit("B2-bulk_create", orm / floor, "x", target=None, ok=all_in, rows=n,
                 bulk_create_ms=ms(orm), rows_per_s=round(n / orm), floor_ms=ms(floor), batch_size=1000,
                 runs_ms=[ms(t) for t in times["bulk_create"]],
                 note="model instances built inside the timing")
    imported, info = measure_import_path(ctx, rows, k if ctx.quick else 1)
    if imported is None:
        ctx.rec.emit("B2-import", None, "x", target=None, ok=None, rows=n, note=info)
    else:
        share = floor / imported  # the import's rows/s as a share of the floor's
        ctx.rec.emit("B2-import", share, "of floor", target=0.15, ok=share >= 0.15 and info["peak_traced_mb"] < 500,
                     direction="higher is better: import rows/s ÷ floor rows/s (stretch 0.3); peak under 500 MB",
                     slowdown_x=round(imported / floor, 2), rows=n, import_ms=ms(imported),
                     rows_per_s=round(n / imported), floor_ms=ms(floor),
                     path="projects.excel.reports.reports_import (calamine sheet read with a formula scan, set-based checks on tuples, COPY / executemany of report rows and their history rows)",
                     **info)
