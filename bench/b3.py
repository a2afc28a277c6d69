"""B3: the monthly bulletin of N projects for the 12 months of a year.

- ORM: Project.objects.with_progress(year, month) (one query of correlated subqueries) for the rows,
  and the totals by category / zone / stage / light summed from those rows in Python;
- floor: the same two results by hand-written SQL through the driver (cursor.execute + fetchall);
- naive: a Python loop over model instances of every report of the year (line B3-naive);
- shipped: projects.services.bulletins.bulletin_compute(year=, month=) when it exists (B3-shipped).

The totals of the ORM path must equal those of the naive loop to the last 0.01 万元; the floor's
are checked too."""

from collections import defaultdict
from decimal import Decimal

from bench.dataset import BULLETIN_YEAR, CATEGORIES, STAGES
from bench.timing import compare, ms, run_timed

CENT = Decimal("0.01")
MONTHS = range(1, 13)


def light_bounds(month):
    """(time progress, yellow-below, red-below) in percent for the end of `month`."""
    from django.conf import settings

    tp = Decimal(month * 100) / 12
    return tp, tp - settings.TRACKER_LIGHT_YELLOW_POINTS, tp - settings.TRACKER_LIGHT_RED_POINTS


def groups(zone_ids):
    """The bulletin's total lines: (key, column, value); value None for the zone means no zone."""
    yield ("all", None, None)
    for c in CATEGORIES:
        yield (f"category:{c}", "category", c)
    for z in [*zone_ids, None]:
        yield (f"zone:{z}", "zone_id", z)
    for s in STAGES:
        yield (f"stage:{s}", "stage", s)


ROW_COLUMNS = ("id", "name", "category", "zone_id", "stage", "plan_baseline", "plan_in_force", "completed_ytd",
               "report_month", "completion_rate")


# ---------------------------------------------------------------------------------------------- ORM
def orm_bulletin(year, month, zone_ids):
    """One query (with_progress: each project's plan in force, YTD carried forward, completion rate,
    computed by the database) and the totals by one pass over the fetched rows in Python. Summing
    10,000 Decimals costs a few ms; a second, aggregate query would recompute every project's
    correlated subqueries (see findings in docs/bench.md)."""
    from projects.models import Project

    qs = Project.objects.active().with_progress(year, month)
    rows = list(qs.order_by("category", "name").values_list(*ROW_COLUMNS))
    return rows, totals_from_rows(rows, month, zone_ids)


def totals_from_rows(rows, month, zone_ids):
    """(count, plan in force, completed) by group and the light counts, from the bulletin rows."""
    _tp, yellow, red = light_bounds(month)
    lines = {key: [0, Decimal("0"), Decimal("0")] for key, _c, _v in groups(zone_ids)}
    lights = {"green": 0, "yellow": 0, "red": 0}
    zero = Decimal("0")
    for _id, _name, category, zone_id, stage, _baseline, plan, done, _month, _rate in rows:
        plan = plan or zero
        for key in ("all", f"category:{category}", f"zone:{zone_id}", f"stage:{stage}"):
            line = lines[key]
            line[0] += 1
            line[1] += plan
            line[2] += done
        if plan:
            rate = 100 * done / plan
            lights["green" if rate >= yellow else "yellow" if rate >= red else "red"] += 1
    return lines, lights


def orm_totals(result, zone_ids):
    _rows, (lines, lights) = result
    return {key: (n, _money(p), _money(d)) for key, (n, p, d) in lines.items()}, lights


def _money(value):
    if value is None:
        return Decimal("0.00")
    if isinstance(value, float):
        value = Decimal(repr(value))
    return Decimal(value).quantize(CENT)


# -------------------------------------------------------------------------------------------- floor
ROWS_SQL = """
SELECT t.*, CASE WHEN t.plan_in_force > 0 THEN 100.0 * t.completed_ytd / t.plan_in_force END AS completion_rate
FROM (
  SELECT p.id, p.name, p.category, p.zone_id, p.stage,
         ap.planned_investment AS plan_baseline,
         COALESCE((SELECT r.planned_investment FROM projects_planrevision r
                   WHERE r.plan_id = ap.id AND r.effective_month <= {P}
                   ORDER BY r.effective_month DESC, r.id DESC LIMIT 1), ap.planned_investment) AS plan_in_force,
         COALESCE(mr.completed_ytd, 0) AS completed_ytd,
         mr.month AS report_month
  FROM projects_project p
  LEFT JOIN projects_annualplan ap ON ap.project_id = p.id AND ap.year = {P}
  LEFT JOIN projects_monthlyreport mr ON mr.id = (
       SELECT r2.id FROM projects_monthlyreport r2
       WHERE r2.project_id = p.id AND r2.year = {P} AND r2.month <= {P} AND r2.status = 'accepted'
       ORDER BY r2.month DESC LIMIT 1)
  WHERE NOT p.is_archived
) t
"""


def floor_sql(zone_ids, placeholder):
    """(rows SQL, totals SQL) with the driver's placeholder; params: rows_params(), totals_params()."""
    rows = ROWS_SQL.replace("{P}", placeholder)
    parts = []
    for i, (_key, column, value) in enumerate(groups(zone_ids)):
        if column is None:
            cond = "1 = 1"
        elif value is None:
            cond = f"{column} IS NULL"
        elif isinstance(value, int):
            cond = f"{column} = {int(value)}"
        else:
            cond = f"{column} = '{value}'"
        parts += [f"COUNT(CASE WHEN {cond} THEN 1 END)", f"SUM(CASE WHEN {cond} THEN plan_in_force END)",
                  f"SUM(CASE WHEN {cond} THEN completed_ytd END)"]
    parts += [f"COUNT(CASE WHEN completion_rate >= {placeholder} THEN 1 END)",
              f"COUNT(CASE WHEN completion_rate < {placeholder} AND completion_rate >= {placeholder} THEN 1 END)",
              f"COUNT(CASE WHEN completion_rate < {placeholder} THEN 1 END)"]
    totals = "SELECT " + ",\n ".join(parts) + f"\nFROM ({rows}) b"
    return rows + " ORDER BY t.category, t.name", totals


def floor_params(year, month):
    rows = (month, year, year, month)
    _tp, yellow, red = light_bounds(month)
    # The thresholds sit in the SELECT list, before the derived table's placeholders.
    return rows, (yellow, yellow, red, red) + rows


def raw_cursor():
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.cursor(), ("%s" if connection.vendor == "postgresql" else "?")


def floor_bulletin(year, month, sql, cursor):
    rows_sql, totals_sql = sql
    rows_params, totals_params = floor_params(year, month)
    if type(cursor).__module__ == "sqlite3":
        # A Decimal would be bound as text, and text never compares as a number to an expression
        # without affinity in SQLite.
        totals_params = tuple(float(p) if isinstance(p, Decimal) else p for p in totals_params)
    cursor.execute(rows_sql, rows_params)
    rows = cursor.fetchall()
    cursor.execute(totals_sql, totals_params)
    return rows, cursor.fetchone()


def floor_totals(result, zone_ids):
    _rows, agg = result
    out = {}
    for i, (key, _c, _v) in enumerate(groups(zone_ids)):
        out[key] = (agg[3 * i], _money(agg[3 * i + 1]), _money(agg[3 * i + 2]))
    return out, dict(zip(("green", "yellow", "red"), agg[-3:]))


# -------------------------------------------------------------------------------------------- naive
def naive_bulletin(year, month, zone_ids):
    """What a first version would do: model instances, dictionaries and a loop over every report."""
    from projects.models import AnnualPlan, MonthlyReport, PlanRevision, Project

    projects = list(Project.objects.filter(is_archived=False))
    plans = {plan.project_id: plan for plan in AnnualPlan.objects.filter(year=year)}
    revisions = defaultdict(list)
    for rev in PlanRevision.objects.all():
        revisions[rev.plan_id].append(rev)
    latest = {}
    for report in MonthlyReport.objects.filter(year=year):
        if report.status == "accepted" and report.month <= month:
            best = latest.get(report.project_id)
            if best is None or report.month > best.month:
                latest[report.project_id] = report
    _tp, yellow, red = light_bounds(month)
    totals = {key: [0, Decimal("0"), Decimal("0")] for key, _c, _v in groups(zone_ids)}
    lights = {"green": 0, "yellow": 0, "red": 0}
    for project in projects:
        plan = plans.get(project.pk)
        in_force = None
        if plan is not None:
            in_force = plan.planned_investment
            effective = [r for r in revisions[plan.pk] if r.effective_month <= month]
            if effective:
                in_force = max(effective, key=lambda r: (r.effective_month, r.pk)).planned_investment
        report = latest.get(project.pk)
        done = report.completed_ytd if report else Decimal("0")
        for key, column, value in groups(zone_ids):
            if column is None or getattr(project, column) == value:
                line = totals[key]
                line[0] += 1
                line[1] += in_force or 0
                line[2] += done
        if in_force:
            rate = 100 * done / in_force
            lights["green" if rate >= yellow else "yellow" if rate >= red else "red"] += 1
    return {k: (n, _money(p), _money(d)) for k, (n, p, d) in totals.items()}, lights


# --------------------------------------------------------------------------------------------- run
def shipped_function():
    try:
        from projects.services.bulletins import bulletin_compute
    except ImportError:
        return None
    return bulletin_compute


def run(ctx):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import Zone

    global MONTHS
    # --quick keeps CI short: two bulletins (June, December) instead of twelve.
    MONTHS = (6, 12) if ctx.quick else range(1, 13)
    rec, k, year = ctx.rec, ctx.k, BULLETIN_YEAR
    zone_ids = list(Zone.objects.order_by("id").values_list("id", flat=True))
    cursor, placeholder = raw_cursor()
    sql = floor_sql(zone_ids, placeholder)

    def orm_all():
        return [orm_bulletin(year, m, zone_ids) for m in MONTHS]

    def floor_all():
        return [floor_bulletin(year, m, sql, cursor) for m in MONTHS]

    fns = {"orm": orm_all, "floor": floor_all}
    shipped = shipped_function()
    if shipped is not None:
        fns["shipped"] = lambda: [shipped(year=year, month=m) for m in MONTHS]
    medians, times = compare(fns, k)

    with CaptureQueriesContext(connection) as queries:
        orm_results = orm_all()
    floor_results = floor_all()
    naive_seconds, naive_results = run_timed(lambda: [naive_bulletin(year, m, zone_ids) for m in MONTHS])

    mismatches, light_mismatches, floor_mismatches = [], [], []
    for month, orm_r, floor_r, naive_r in zip(MONTHS, orm_results, floor_results, naive_results):
        o_tot, o_lights = orm_totals(orm_r, zone_ids)
        f_tot, f_lights = floor_totals(floor_r, zone_ids)
        n_tot, n_lights = naive_r
        mismatches += [(month, key, o_tot[key], n_tot[key]) for key in n_tot if o_tot[key] != n_tot[key]]
        floor_mismatches += [(month, key) for key in n_tot if f_tot[key] != n_tot[key]]
        if o_lights != n_lights or f_lights != n_lights:
            light_mismatches.append((month, o_lights, f_lights, n_lights))
        if len(orm_r[0]) != len(floor_r[0]):
            mismatches.append((month, "row count", len(orm_r[0]), len(floor_r[0])))
    totals_equal = not mismatches
    december = orm_totals(orm_results[-1], zone_ids)[0]["all"]

    per_bulletin = medians["orm"] / len(MONTHS)
    ratio = medians["orm"] / medians["floor"]
    common = {"year": year, "months": list(MONTHS), "k": k, "totals_equal": totals_equal}
    rec.emit("B3", ratio, "x", target=1.5, ok=ratio <= 1.5 and totals_equal,
             orm_ms_all_months=ms(medians["orm"]), floor_ms_all_months=ms(medians["floor"]),
             orm_ms_per_bulletin=ms(per_bulletin), floor_ms_per_bulletin=ms(medians["floor"] / len(MONTHS)),
             queries_per_bulletin=len(queries) / len(MONTHS), floor_totals_equal=not floor_mismatches,
             lights_equal=not light_mismatches, mismatches=[str(m) for m in mismatches[:5]],
             light_mismatches=[str(m) for m in light_mismatches[:3]],
             december_all=[december[0], str(december[1]), str(december[2])],
             runs_ms={name: [ms(t) for t in ts] for name, ts in times.items()}, **common)
    abs_target = {"postgresql": 500, "sqlite": 1500}[ctx.db] if ctx.scale == 10000 else None
    rec.emit("B3-ms", per_bulletin * 1000, "ms", target=abs_target,
             note="ORM bulletin (rows + totals) for one month; targets are set for 10,000 projects", **common)
    naive_ratio = naive_seconds / medians["orm"]
    rec.emit("B3-naive", naive_ratio, "x", target=10, ok=naive_ratio >= 10 and totals_equal,
             direction="higher is better: naive loop ÷ ORM bulletin", naive_ms_all_months=ms(naive_seconds),
             naive_runs=1, **common)
    if shipped is not None:
        shipped_ratio = medians["shipped"] / medians["floor"]
        rec.emit("B3-shipped", shipped_ratio, "x", target=None,
                 shipped_ms_per_bulletin=ms(medians["shipped"] / len(MONTHS)),
                 note="projects.services.bulletins.bulletin_compute ÷ the hand-written SQL floor", **common)
    if ctx.db == "postgresql":
        run_jit_off(ctx, fns, common)
    cursor.close()


def run_jit_off(ctx, fns, common):
    """The same ORM ÷ floor with PostgreSQL's JIT off for the session. The ORM's totals query repeats
    the correlated subqueries inside every conditional aggregate, its cost estimate passes
    jit_above_cost (100,000) and the server spends seconds compiling it; the floor stays below."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        server_jit = cursor.fetchone()[0]
        cursor.execute("SET jit = off")
    try:
        medians, _ = compare({"orm": fns["orm"], "floor": fns["floor"]}, ctx.k)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
    ratio = medians["orm"] / medians["floor"]
    ctx.rec.emit("B3-jit-off", ratio, "x", target=1.5, ok=ratio <= 1.5 and common["totals_equal"],
                 orm_ms_per_bulletin=ms(medians["orm"] / len(MONTHS)),
                 floor_ms_per_bulletin=ms(medians["floor"] / len(MONTHS)), server_jit=server_jit,
                 note="B3 with SET jit = off for the session", **common)
