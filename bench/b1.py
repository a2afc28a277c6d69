"""B1: the project list endpoint. GET /api/projects/?page_size=1000 (--quick: 100) with the progress
figures (annual plan in force, YTD completed, completion rate, light) through the full stack —
middleware, token authentication, the role permission, django-filter, pagination (with its COUNT),
the JSON renderer — by Django's test client, ÷ the physical limit: one hand-written SQL query
fetching the same columns (the progress figures by correlated subqueries, the many-to-many ids
aggregated) through the driver, plus orjson.dumps of the rows as dictionaries.

- B1: the shipped list (projects/api/project_list.py: values() rows shaped by the serializer's
  fields) ÷ the floor; target ≤ 4× (stretch 3×);
- B1-modelserializer: the same request answered the default DRF way (ListModelMixin.list,
  ProjectListSerializer over model instances with select_related/prefetch_related) ÷ the floor;
- B1-queries: the number of queries of the shipped list at 10 rows and at the full page (must be
  equal; also pinned by projects/tests/test_api_project_list.py)."""

import contextlib

from bench.dataset import BULLETIN_YEAR
from bench.timing import compare, ms

MONTH = 12


def floor_sql(vendor):
    if vendor == "postgresql":
        ids = "(SELECT string_agg(CAST(x.{col} AS text), ',') FROM {table} x WHERE x.project_id = p.id)"
        ph = "%s"
    else:
        ids = "(SELECT group_concat(x.{col}) FROM {table} x WHERE x.project_id = p.id)"
        ph = "?"
    many = ",\n ".join(
        ids.format(col=col, table=table) + f" AS {name}"
        for name, table, col in [("leaders", "projects_project_leaders", "leader_id"),
                                 ("cooperating_units", "projects_project_cooperating_units", "unit_id"),
                                 ("programmes", "projects_project_programmes", "programme_id")])
    return f"""
SELECT t.*,
       CASE WHEN t.plan_in_force > 0 THEN 100.0 * t.completed_ytd / t.plan_in_force END AS completion_rate
FROM (
  SELECT p.id, p.code, p.name, p.name_en, p.aliases, p.category, p.zone_id AS zone, z.name AS zone_name, p.stage,
         p.key_level, p.total_investment, p.planned_start, p.planned_completion, p.lead_unit_id AS lead_unit,
         u.name AS lead_unit_name, p.parent_id AS parent, p.description, p.is_archived, p.version,
         p.created_at, p.updated_at,
         {many},
         ap.planned_investment AS plan_baseline,
         COALESCE((SELECT r.planned_investment FROM projects_planrevision r
                   WHERE r.plan_id = ap.id AND r.effective_month <= {ph}
                   ORDER BY r.effective_month DESC, r.id DESC LIMIT 1), ap.planned_investment) AS plan_in_force,
         COALESCE(mr.completed_ytd, 0) AS completed_ytd,
         mr.month AS report_month
  FROM projects_project p
  LEFT JOIN projects_zone z ON z.id = p.zone_id
  LEFT JOIN projects_unit u ON u.id = p.lead_unit_id
  LEFT JOIN projects_annualplan ap ON ap.project_id = p.id AND ap.year = {ph}
  LEFT JOIN projects_monthlyreport mr ON mr.id = (
       SELECT r2.id FROM projects_monthlyreport r2
       WHERE r2.project_id = p.id AND r2.year = {ph} AND r2.month <= {ph} AND r2.status = 'accepted'
       ORDER BY r2.month DESC LIMIT 1)
  WHERE NOT p.is_archived
  ORDER BY p.name
  LIMIT {ph}
) t
ORDER BY t.name"""


def floor_list(sql, cursor, year, month, n):
    import orjson

    cursor.execute(sql, (month, year, year, month, n))
    columns = [c[0] for c in cursor.description]
    return orjson.dumps([dict(zip(columns, row)) for row in cursor.fetchall()], default=str)


def bench_client():
    """A test client authenticated by token as an office user (the role that sees every project)."""
    from django.test import Client
    from bench.b2 import office_user
    from projects.models import ApiToken

    _token, text = ApiToken.objects.create(user=office_user())
    return Client(HTTP_AUTHORIZATION=f"Token {text}")


@contextlib.contextmanager
def default_drf_list():
    """ProjectViewSet answering its list the default DRF way: ListModelMixin.list, i.e.
    ProjectListSerializer(page of model instances, many=True)."""
    from rest_framework import mixins

    from projects.api.views import ProjectViewSet

    shipped = ProjectViewSet.__dict__["list"]
    ProjectViewSet.list = mixins.ListModelMixin.list
    try:
        yield
    finally:
        ProjectViewSet.list = shipped


def get_list(client, year, month, n):
    response = client.get("/api/projects/", {"page_size": n, "progress_year": year, "progress_month": month})
    if response.status_code != 200:
        raise RuntimeError(f"GET /api/projects/ answered {response.status_code}: {response.content[:300]!r}")
    return response.content


def count_queries(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def run(ctx):
    import json

    from django.db import connection

    year, month = BULLETIN_YEAR, MONTH
    n = 100 if ctx.quick else 1000
    client = bench_client()
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    sql = floor_sql(connection.vendor)

    def shipped():
        return get_list(client, year, month, n)

    def drf():
        with default_drf_list():
            return get_list(client, year, month, n)

    def floor():
        return floor_list(sql, cursor, year, month, n)

    medians, times = compare({"shipped": shipped, "modelserializer": drf, "floor": floor}, ctx.k)
    cursor.close()
    shipped_body, drf_body = json.loads(shipped()), json.loads(drf())
    rows = len(shipped_body["results"])
    same_rows = shipped_body == drf_body
    queries_10, queries_n = count_queries(lambda: get_list(client, year, month, 10)), count_queries(shipped)
    drf_queries = count_queries(drf)
    common = {"rows": rows, "page_size": n, "progress": f"{year}-{month:02d}", "k": ctx.k,
              "floor_ms": ms(medians["floor"]), "same_as_modelserializer": same_rows}
    ratio = medians["shipped"] / medians["floor"]
    ctx.rec.emit("B1", ratio, "x", target=4, ok=ratio <= 4 and same_rows and queries_10 == queries_n,
                 shipped_ms=ms(medians["shipped"]), stretch=3, queries_10=queries_10, queries_full=queries_n,
                 runs_ms={name: [ms(t) for t in ts] for name, ts in times.items()},
                 path="projects/api/project_list.py (values() rows, m2m ids by correlated subqueries, orjson renderer)", **common)
    ctx.rec.emit("B1-modelserializer", medians["modelserializer"] / medians["floor"], "x", target=None,
                 modelserializer_ms=ms(medians["modelserializer"]),
                 path="ListModelMixin.list + ProjectListSerializer over instances", **common)
    ctx.rec.emit("B1-queries", queries_n, "queries", target=queries_10, ok=queries_10 == queries_n,
                 queries_10=queries_10, queries_full=queries_n, modelserializer_queries=drf_queries,
                 note="queries of the shipped list at 10 rows (target) and at the full page (value)")
