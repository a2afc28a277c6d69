"""B2: the import floor. Inserting 100,000 monthly report rows (--quick: 2,000) in one transaction:

- floor: PostgreSQL COPY (psycopg3 cursor.copy) / SQLite executemany of one prepared INSERT;
- B2-bulk_create: the ORM's bulk_create (model instances built inside the timing) ÷ the floor.

The real import path (the Excel workbook importer) is measured by `measure_import_path` once the
importer exists on main; until then only the floor and bulk_create lines are reported."""

import time
from decimal import Decimal
from statistics import median

from bench.timing import ms

COLUMNS = ("project_id", "year", "month", "completed_ytd", "progress_note", "problems_raised", "status",
           "reporting_unit_id", "reporter_name", "is_correction", "correction_reason", "return_reason", "version")
FIRST_YEAR = 2024  # after the province's three years, so (project, year, month) stays unique


def make_rows(project_ids, n, unit_id):
    rows = []
    for i in range(n):
        period = i // len(project_ids)
        ytd = Decimal(1000 + (i % 997) * 13 + period * 50).scaleb(-2) * 100
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
                 note="the Excel importer's line (measure_import_path) comes with the importer")
