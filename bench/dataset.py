"""A synthetic province, deterministic from the seed, loaded through the fast bulk path
(COPY on PostgreSQL, executemany in batches on the raw connection on SQLite; one transaction).

For N projects: N/20 units, N/50 leaders, the five zones, one programme a year; per project an
annual plan for each of the three years, 36 monthly reports (YTD non-decreasing within each year,
all accepted except ~10% of the last month, still submitted), two milestones, problems; weekly
meetings discussing 20 projects each; a quarterly review visiting 10% of the projects.
Plans of ~5% of projects are revised mid-year."""

import datetime
import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal

YEARS = (2021, 2022, 2023)
BULLETIN_YEAR = YEARS[-1]
ZONES = [
    ("commerce", "特色商业区", "four_zones"),
    ("industrial-park", "解放工业园区", "four_zones"),
    ("culture-tourism", "文化旅游综合服务区", "four_zones"),
    ("urban-community", "新型城市社区", "four_zones"),
    ("demonstration", "示范区", "demonstration"),
]
CATEGORIES = ["commerce", "industry", "culture_tourism", "urban_community", "infrastructure", "livelihood", "other"]
STAGES = ["reserve", "preparation", "new", "continuing", "completed"]
NOW = datetime.datetime(2024, 1, 10, 9, 0, tzinfo=datetime.timezone.utc)
PLAN_CHUNK = 5000  # projects whose plans and reports are generated and loaded together


def money(cents):
    """万元 with two decimals from an integer number of hundredths."""
    return Decimal(cents).scaleb(-2)


@dataclass
class Province:
    scale: int
    seed: int
    counts: dict = field(default_factory=dict)
    project_ids: list = field(default_factory=list)
    zone_ids: list = field(default_factory=list)
    unit_ids: list = field(default_factory=list)


def _columns(model):
    return [f for f in model._meta.concrete_fields]


def load(model, dicts, batch_size=5000):
    """Insert rows given as dicts of attnames; missing columns take the field default."""
    from django.db import connection

    fields = _columns(model)
    defaults = {f.attname: (f.get_default() if f.has_default() or not f.null else None) for f in fields}
    n = 0
    if connection.vendor == "postgresql":
        dicts = iter(dicts)
        first = next(dicts, None)
        if first is None:
            return 0
        dicts = itertools.chain([first], dicts)
        # Rows without ids take them from the sequence.
        fields = [f for f in fields if not (f.primary_key and f.attname not in first)]
        cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        names = [f.attname for f in fields]
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for d in dicts:
                    copy.write_row([d[name] if name in d else defaults[name] for name in names])
                    n += 1
    else:
        n = _load_sqlite(connection, model, fields, defaults, dicts, batch_size)
    return n


# Values SQLite's driver stores as given (Django passes them through unchanged too); every other
# field goes through get_db_prep_save, as bulk_create would.
_PASS_THROUGH = {"AutoField", "BigAutoField", "SmallAutoField", "BooleanField", "CharField", "TextField",
                 "SlugField", "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                 "PositiveSmallIntegerField", "PositiveBigIntegerField", "ForeignKey", "OneToOneField"}


def _load_sqlite(connection, model, fields, defaults, dicts, batch_size):
    """executemany on the raw sqlite3 connection (within the caller's transaction): no model
    instances and no statement split at 999 parameters, as bulk_create does. Rows without ids
    take them from the table. Dates and datetimes are prepared once per distinct value."""
    dicts = iter(dicts)
    first = next(dicts, None)
    if first is None:
        return 0
    fields = [f for f in fields if not (f.primary_key and f.attname not in first)]
    names = [f.attname for f in fields]
    prepare = []
    for f in fields:
        if f.get_internal_type() in _PASS_THROUGH:
            prepare.append(None)
        elif f.get_internal_type() in ("DateField", "DateTimeField"):
            prepare.append(_memo(lambda value, f=f: f.get_db_prep_save(value, connection)))
        else:
            prepare.append(lambda value, f=f: f.get_db_prep_save(value, connection))
    fill = [(name, defaults[name], prep) for name, prep in zip(names, prepare)]
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(fields))})"

    def row(d):
        values = []
        for name, default, prep in fill:
            value = d[name] if name in d else default
            values.append(value if prep is None or value is None else prep(value))
        return values

    connection.ensure_connection()
    raw = connection.connection
    n = 0
    for batch in _batches(itertools.chain([first], dicts), batch_size):
        raw.executemany(sql, [row(d) for d in batch])
        n += len(batch)
    return n


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _memo(prepare):
    cache = {}

    def cached(value):
        try:
            return cache[value]
        except KeyError:
            cache[value] = result = prepare(value)
            return result
    return cached


def reset_sequences(models):
    from django.core.management.color import no_style
    from django.db import connection

    sql = connection.ops.sequence_reset_sql(no_style(), models)
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def build(scale, seed):
    """Load the province into the (empty, migrated) default database; return its Province."""
    from django.db import transaction

    from projects import models as m

    rng = random.Random(seed)
    prov = Province(scale=scale, seed=seed)
    n_units = max(10, scale // 20)
    n_leaders = max(5, scale // 50)
    counts = prov.counts
    loaded = []

    def put(model, rows):
        counts[model._meta.model_name] = counts.get(model._meta.model_name, 0) + load(model, rows)
        if model not in loaded:
            loaded.append(model)

    with transaction.atomic():
        put(m.Zone, ({"id": i + 1, "code": c, "name": n, "name_en": c, "kind": k} for i, (c, n, k) in enumerate(ZONES)))
        prov.zone_ids = list(range(1, len(ZONES) + 1))
        put(m.Unit, ({"id": i, "name": f"责任单位{i:05d}", "kind": rng.choice(["bureau", "subdistrict", "park"])}
                     for i in range(1, n_units + 1)))
        prov.unit_ids = list(range(1, n_units + 1))
        put(m.Leader, ({"id": i, "name": f"分包领导{i:05d}", "title": "副区长",
                        "body": rng.choice(["party", "congress", "government", "cppcc", "discipline"]),
                        "unit_id": rng.randint(1, n_units)} for i in range(1, n_leaders + 1)))
        put(m.Programme, ({"id": i + 1, "code": f"bench-{y}", "year": y, "label": "342311", "name": f"{y}年重点项目推进计划",
                           "planned_project_count": scale} for i, y in enumerate(YEARS)))

        projects = []
        for pid in range(1, scale + 1):
            stage = rng.choices(STAGES, weights=[1, 2, 3, 5, 1])[0]
            start = datetime.date(rng.choice(YEARS) - 1, rng.randint(1, 12), 1)
            projects.append({
                "id": pid, "name": f"基准项目{pid:07d}", "name_en": f"Benchmark project {pid}",
                "category": rng.choice(CATEGORIES),
                "zone_id": rng.choice(prov.zone_ids) if rng.random() < 0.9 else None,
                "stage": stage, "key_level": rng.choice(["province", "city", "district"]),
                "total_investment": money(rng.randint(500_000, 50_000_000)),
                "planned_start": start, "planned_completion": start + datetime.timedelta(days=rng.randint(365, 1500)),
                "lead_unit_id": rng.randint(1, n_units), "created_at": NOW, "updated_at": NOW,
            })
        put(m.Project, projects)
        prov.project_ids = [p["id"] for p in projects]
        put(m.Project.leaders.through, ({"project_id": p, "leader_id": rng.randint(1, n_leaders)} for p in prov.project_ids))
        put(m.Project.cooperating_units.through,
            ({"project_id": p, "unit_id": rng.randint(1, n_units)} for p in prov.project_ids if p % 3 == 0))
        put(m.Project.programmes.through,
            ({"project_id": p, "programme_id": i + 1} for i, _ in enumerate(YEARS) for p in prov.project_ids))

        # Plans, revisions and reports are generated and loaded a chunk of projects at a time (3.6
        # million reports at 100,000 projects do not sit in memory); the random draws, the ids
        # and the insertion order are those of one pass.
        plan_id = report_id = 0
        for offset in range(0, len(projects), PLAN_CHUNK):
            plans, revisions, reports = [], [], []
            for p in projects[offset:offset + PLAN_CHUNK]:
                for year in YEARS:
                    plan_id += 1
                    planned = money(rng.randint(100_000, 2_000_000_00) // 100 * 100)
                    plans.append({"id": plan_id, "project_id": p["id"], "year": year, "planned_investment": planned,
                                  "target": "主体封顶"})
                    if rng.random() < 0.05:
                        effective = rng.randint(4, 9)  # drawn before the amount, as ever
                        revised = money(int(planned * 100 * Decimal(rng.uniform(0.6, 1.3))))
                        revisions.append({"plan_id": plan_id, "effective_month": effective,
                                          "planned_investment": revised,
                                          "reason": "计划调整", "revised_on": datetime.date(year, 6, 30)})
                    pace = rng.uniform(0, 2.2) if p["stage"] != "reserve" else 0
                    ytd = 0
                    for month in range(1, 13):
                        report_id += 1
                        ytd += int(planned * 100 / 12 * Decimal(rng.uniform(0, pace))) if pace else 0
                        last = year == YEARS[-1] and month == 12
                        status = "submitted" if last and rng.random() < 0.1 else "accepted"
                        reports.append({"id": report_id, "project_id": p["id"], "year": year, "month": month,
                                        "completed_ytd": money(ytd), "progress_note": "按计划推进", "status": status,
                                        "reporting_unit_id": p["lead_unit_id"], "submitted_at": NOW,
                                        "accepted_at": NOW if status == "accepted" else None})
            put(m.AnnualPlan, plans)
            put(m.PlanRevision, revisions)
            put(m.MonthlyReport, reports)
            del plans, revisions, reports

        put(m.Milestone, ({"project_id": p["id"], "kind": kind, "planned_date": p[col]}
                          for p in projects for kind, col in (("start", "planned_start"), ("completion", "planned_completion"))))

        meetings, items = [], []
        day = datetime.date(YEARS[0], 1, 4)
        mid = 0
        while day.year <= YEARS[-1]:
            mid += 1
            meetings.append({"id": mid, "kind": "weekly", "date": day, "title": f"周例会 {day}",
                             "chair_id": rng.randint(1, n_leaders)})
            for pid in rng.sample(prov.project_ids, min(20, scale)):
                items.append({"meeting_id": mid, "project_id": pid, "discussion": "加快推进"})
            day += datetime.timedelta(days=7)
        put(m.Meeting, meetings)
        put(m.MeetingItem, items)
        put(m.Problem, ({"project_id": p["id"], "category": rng.choice(["land_clearance", "planning", "utilities"]),
                         "title": "征地拆迁", "responsible_unit_id": p["lead_unit_id"],
                         "raised_on": (d := datetime.date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28))),
                         "deadline": d + datetime.timedelta(days=30), "status": "open", "meeting_id": rng.randint(1, mid)}
                        for p in projects if rng.random() < 0.6))
        reviews, visited = [], []
        for year in YEARS:
            for quarter in range(1, 5):
                rid = len(reviews) + 1
                reviews.append({"id": rid, "year": year, "quarter": quarter, "date": datetime.date(year, quarter * 3, 20),
                                "title": f"{year}年第{quarter}季度观摩", "status": "published", "published_at": NOW})
                visited += [{"review_id": rid, "project_id": pid}
                            for pid in rng.sample(prov.project_ids, max(1, scale // 10))]
        put(m.Review, reviews)
        put(m.Review.projects.through, visited)
        reset_sequences(loaded)
    return prov


def analyze():
    """Fresh planner statistics after the bulk load, as an operator would run after an import."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
