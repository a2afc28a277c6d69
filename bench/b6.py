"""B6: growth. The project list page (50 rows), a project's detail, the monthly bulletin
(bulletin_compute, December) and the dashboard (GET /api/dashboard/, December) at growing
provinces: 1,000 and 10,000 projects (--quick: 50 and 200; `--b6-scales 1000,10000,100000` for
more). Each scale is built afresh in the benchmark database (so B6 runs last), except the province
already loaded at --scale, measured first when it is one of the scales. Paginated endpoints
must stay flat — the largest ÷ the smallest ≤ 1.5× — and the bulletin and the dashboard no worse
than linear: (time ratio) ÷ (project ratio) ≤ 1."""

import time

from bench.dataset import BULLETIN_YEAR
from bench.timing import measure, ms

QUICK_SCALES = (50, 200)
SCALES = (1000, 10000)


def timings(ctx, k):
    from bench import b1
    from projects.models import Project
    from projects.services.bulletins import bulletin_compute

    client = b1.bench_client()
    ids = list(Project.objects.active().order_by("name").values_list("id", flat=True))
    middle_page = max(1, len(ids) // 50 // 2)
    project_id = ids[len(ids) // 2]

    def get(url):
        response = client.get(url, {"progress_year": BULLETIN_YEAR, "progress_month": 12})
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")

    # The two scales are measured minutes apart: many cheap runs (median) so that a burst of load
    # on a shared machine does not decide the ratio.
    reps = max(k, 5) * 4
    return {
        "list": measure(lambda: get(f"/api/projects/?page={middle_page}"), reps)[0],
        "detail": measure(lambda: get(f"/api/projects/{project_id}/"), reps)[0],
        "bulletin": measure(lambda: bulletin_compute(year=BULLETIN_YEAR, month=12), max(1, k // 2))[0],
        "dashboard": measure(lambda: dashboard(client), max(1, k // 2))[0],
    }


def dashboard(client):
    """GET /api/dashboard/ for December of the bulletin year, when the endpoint exists."""
    response = client.get("/api/dashboard/", {"year": BULLETIN_YEAR, "month": 12})
    if response.status_code != 200:
        raise RuntimeError(f"GET /api/dashboard/ answered {response.status_code}")


def run(ctx):
    from bench import database, dataset

    scales = ctx.extra.get("b6_scales") or (QUICK_SCALES if ctx.quick else SCALES)
    results, built = {}, {}
    # The province already loaded (ctx.scale) is measured first, if it is one of the scales; every
    # other scale is built afresh (the build time is reported beside the timings).
    for scale in sorted(scales, key=lambda n: n != ctx.scale or bool(ctx.extra.get("b6_rebuilt"))):
        if scale != ctx.scale or ctx.extra.get("b6_rebuilt"):
            database.fresh(ctx.db, ctx.extra["db_name"])
            start = time.perf_counter()
            dataset.build(scale, ctx.seed)
            dataset.analyze()
            built[scale] = time.perf_counter() - start
            ctx.extra["b6_rebuilt"] = True
        results[scale] = timings(ctx, ctx.k)
    scales = sorted(scales)
    small, large = scales[0], scales[-1]
    per_scale = {str(n): {name: ms(t) for name, t in results[n].items()} for n in scales}
    for n, seconds in built.items():
        per_scale[str(n)]["build"] = ms(seconds)
    for name in ("list", "detail"):
        ratio = results[large][name] / results[small][name]
        ctx.rec.emit(f"B6-{name}", ratio, "x", target=1.5, scales=list(scales), ms=per_scale,
                     note=f"{name} at {large} projects ÷ at {small}")
    for name in ("bulletin", "dashboard"):
        # Whole-province figures: the time may grow with the province, but no worse than linearly.
        growth = (results[large][name] / results[small][name]) / (large / small)
        ctx.rec.emit(f"B6-{name}", growth, "x", target=1.0, scales=list(scales), ms=per_scale,
                     note=f"({name} time ratio) ÷ (project ratio): ≤ 1 is no worse than linear")
