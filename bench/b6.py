"""B6: growth. The project list page (50 rows), a project's detail, the monthly bulletin
(bulletin_compute, December) and the dashboard (GET /api/dashboard/, December) at growing
provinces: 1,000 and 10,000 projects (--quick: 50 and 200; `--b6-scales 1000,10000,100000` for
more). Each scale is built afresh in a database of its own, except the province already loaded at
--scale (used as it is, so B6 runs last); the scales are then measured in turns. Paginated endpoints
must stay flat — the largest ÷ the smallest ≤ 1.5× — and the bulletin and the dashboard no worse
than linear: (time ratio) ÷ (project ratio) ≤ 1."""

import statistics
import time

from bench.dataset import BULLETIN_YEAR
from bench.timing import ms, run_timed

QUICK_SCALES = (50, 200)
SCALES = (1000, 10000)


def probes():
    """The four measurements on the province the default connection points at: name → callable."""
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

    return {
        "list": lambda: get(f"/api/projects/?page={middle_page}"),
        "detail": lambda: get(f"/api/projects/{project_id}/"),
        "bulletin": lambda: bulletin_compute(year=BULLETIN_YEAR, month=12),
        "dashboard": lambda: dashboard(client),
    }


def timings(ctx, k, provinces):
    """Median seconds of each measurement at each scale: {scale: {name: seconds}}.

    `provinces` maps each scale to its database name. The scales are measured in turns (a round
    visits every province: one untimed run, then the timed runs of each measurement), so that a
    burst of load on a shared machine falls on all of them alike rather than deciding the ratio."""
    from bench import database

    reps = {"list": 4, "detail": 4, "bulletin": 1, "dashboard": 1}  # timed runs a round
    rounds = max(k, 5)
    times = {scale: {name: [] for name in reps} for scale in provinces}
    calls = {}
    for scale, name in provinces.items():
        database.use(ctx.db, name)
        calls[scale] = probes()
    for _ in range(rounds):
        for scale, db_name in provinces.items():
            database.use(ctx.db, db_name)
            for name, fn in calls[scale].items():
                fn()  # a fresh connection: warm it and the caches first
                for _ in range(reps[name]):
                    times[scale][name].append(run_timed(fn)[0])
    return {scale: {name: statistics.median(t) for name, t in by_name.items()} for scale, by_name in times.items()}


def dashboard(client):
    """GET /api/dashboard/ for December of the bulletin year, when the endpoint exists."""
    response = client.get("/api/dashboard/", {"year": BULLETIN_YEAR, "month": 12})
    if response.status_code != 200:
        raise RuntimeError(f"GET /api/dashboard/ answered {response.status_code}")


def run(ctx):
    from bench import database, dataset

    scales = sorted(ctx.extra.get("b6_scales") or (QUICK_SCALES if ctx.quick else SCALES))
    # The province already loaded at --scale is used as it is, if it is one of the scales; every
    # other scale is built afresh in a database of its own (the build time is reported beside the
    # timings), so that the scales can be measured in turns.
    provinces, built = {}, {}
    for scale in scales:
        if scale == ctx.scale:
            provinces[scale] = ctx.extra["db_name"]
            continue
        name = f"{ctx.extra['db_name']}_{scale}"
        database.fresh(ctx.db, name)
        start = time.perf_counter()
        dataset.build(scale, ctx.seed)
        dataset.analyze()
        built[scale] = time.perf_counter() - start
        provinces[scale] = name
    try:
        results = timings(ctx, ctx.k, provinces)
    finally:
        for scale, name in provinces.items():
            if name != ctx.extra["db_name"]:
                database.drop(ctx.db, name)
        database.use(ctx.db, ctx.extra["db_name"])
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
