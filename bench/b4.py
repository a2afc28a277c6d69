"""B4: load held. gunicorn (tracker.wsgi, `dev.py serve`'s command line: 2 × cores + 1 sync workers)
on the benchmark database, and headless locust runs (FastHttpUser) from the same machine, in two
phases of 60 s each (--quick: 5 s): "held" with 10 clients, each waiting 50-200 ms between requests
(~60 requests a second offered), and "saturation" with 40 (more than the two cores serve).

- PostgreSQL: 70 % list pages, 20 % project details, 10 % report submissions (POST /api/reports/);
  target at the held load: zero errors and p95 under 200 ms; B4-rps: the throughput at saturation;
- SQLite: a write-heavy mix (30 / 20 / 50); target: zero 'database is locked' (and zero errors) in
  both phases.

The load generator shares the 2 cores with the server, so the figures are a floor for what a
separate client machine would see. Needs locust (requirements-bench.txt); without it the line says so.
B4_USERS=N [B4_SECONDS=S] runs one phase at that load instead (experiments)."""

import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIXES = {"postgresql": (70, 20, 10), "sqlite": (30, 20, 50)}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(db_url):
    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
           "DJANGO_LOG_LEVEL": "ERROR", "DB_CONN_MAX_AGE": "60"}
    return env


def wait_healthy(url, proc, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/api/health/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /api/health/ in time")


def warm_up(host, token, projects, n=100):
    """Requests every worker serves once before the clock runs (each worker imports, reads its
    translations and builds its URL resolver on its first requests), 8 at a time."""
    from concurrent.futures import ThreadPoolExecutor

    def get(i):
        path = f"/api/projects/?page={i % max(1, len(projects) // 50) + 1}" if i % 2 else f"/api/projects/{projects[i % len(projects)]}/"
        request = urllib.request.Request(host + path, headers={"Authorization": f"Token {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(get, range(n)))


def aggregated(stats_csv):
    with open(stats_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return row
    raise RuntimeError("no Aggregated row in locust's stats")


def per_request(stats_csv):
    """{request name: {count, p50_ms, p95_ms, rps}} for each kind of request of the run."""
    with open(stats_csv, newline="") as handle:
        return {f'{row["Type"]} {row["Name"]}': {"count": int(row["Request Count"]), "p50_ms": float(row["50%"]),
                                                 "p95_ms": float(row["95%"]), "rps": round(float(row["Requests/s"]), 1)}
                for row in csv.DictReader(handle) if row["Name"] != "Aggregated"}


# (users, seconds) of the two phases. "held": the load the target is judged at — 10 clients each
# sending a request every 50-200 ms, ~60 requests a second offered, the month-end peak of a
# province office's few hundred staff (a person clicks every few seconds); "saturation": 40 such
# clients, more than two cores can serve while they also run the clients: its throughput is the
# capacity of the machine, its p95 mostly queueing.
PHASES = {"held": (10, 60), "saturation": (40, 60)}
QUICK_PHASES = {"held": (4, 5), "saturation": (8, 5)}


def run(ctx):
    import importlib.util

    # Only look: importing locust monkey-patches the process with gevent.
    if importlib.util.find_spec("locust") is None:
        ctx.rec.emit("B4", None, "rps", ok=None, note="locust is not installed (pip install -r requirements-bench.txt)")
        return
    from django.db import connection
    from projects.models import ApiToken

    from bench.b2 import office_user
    from dev import serve_command

    settings = connection.settings_dict
    if ctx.db == "postgresql":
        db_url = f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    else:
        db_url = f"sqlite:///{settings['NAME']}"
    _token, token = ApiToken.objects.create(user=office_user())
    projects = ctx.province.project_ids[:2000]
    phases = dict(QUICK_PHASES if ctx.quick else PHASES)
    if os.environ.get("B4_USERS"):  # a one-off experiment: one phase at the given load
        phases = {"held": (int(os.environ["B4_USERS"]), int(os.environ.get("B4_SECONDS", 60)))}
    workers = 2 * (os.cpu_count() or 1) + 1
    weights = MIXES[ctx.db]
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    connection.close()  # the server's workers write; the harness holds no transaction open

    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-b4-") as tmp:
        log = open(Path(tmp) / "gunicorn.log", "w+")
        server = subprocess.Popen(serve_command(f"127.0.0.1:{port}", workers, python=sys.executable),
                                  cwd=ROOT, env=server_env(db_url), stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            wait_healthy(host, server)
            warm_up(host, token, projects)
            for year, (phase, (users, seconds)) in zip((2040, 2060), phases.items()):
                env = {**os.environ, "B4_WEIGHTS": ",".join(map(str, weights)), "B4_TOKEN": token,
                       "B4_PROJECTS": ",".join(map(str, projects)), "B4_YEAR": str(year)}
                prefix = str(Path(tmp) / f"locust-{phase}")
                subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
                                "--headless", "-u", str(users), "-r", str(max(1, users // 2)), "-t", f"{seconds}s",
                                "--host", host, "--csv", prefix, "--only-summary", "--loglevel", "WARNING",
                                "--stop-timeout", "5"],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120)
                failures = Path(prefix + "_failures.csv")
                results[phase] = (users, seconds, aggregated(prefix + "_stats.csv"), per_request(prefix + "_stats.csv"),
                                  failures.read_text() if failures.exists() else "")
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            log.seek(0)
            server_log = log.read()
            log.close()
    server_locked = server_log.count("database is locked")
    details = {}
    for phase, (users, seconds, total, kinds, failures_text) in results.items():
        details[phase] = {
            "users": users, "seconds": seconds, "requests": int(total["Request Count"]),
            "errors": int(total["Failure Count"]), "p50_ms": float(total["50%"]), "p95_ms": float(total["95%"]),
            "rps": round(float(total["Requests/s"]), 1), "database_locked": failures_text.count("database is locked"),
            "requests_by_kind": kinds, "failures": failures_text.splitlines()[1:4]}
    common = {"workers": workers, "mix_list_detail_submit": weights, "client": "locust FastHttpUser, same machine",
              "server": " ".join(serve_command(f"127.0.0.1:{port}", workers)[1:]), "phases": details,
              "server_log_database_locked": server_locked}
    held = details["held"]
    errors = sum(d["errors"] for d in details.values())
    requests = sum(d["requests"] for d in details.values())
    if ctx.db == "postgresql":
        ctx.rec.emit("B4", held["p95_ms"], "ms p95", target=200,
                     ok=held["errors"] == 0 and held["p95_ms"] < 200 and held["requests"] > 0,
                     users=held["users"], rps=held["rps"], errors=held["errors"], requests=held["requests"], **common)
    else:
        locked = server_locked + sum(d["database_locked"] for d in details.values())
        ctx.rec.emit("B4", locked, "locked", target=0, ok=locked == 0 and errors == 0 and requests > 0,
                     users=held["users"], rps=held["rps"], p95_ms=held["p95_ms"], errors=errors, requests=requests,
                     **common)
    top = details.get("saturation", held)
    ctx.rec.emit("B4-rps", top["rps"], "req/s", target=None, users=top["users"], p95_ms=top["p95_ms"],
                 errors=top["errors"], note="throughput at the heavier phase (saturation: the machine's capacity)",
                 **common)
