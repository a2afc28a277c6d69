"""B4: load held. gunicorn (tracker.wsgi, `dev.py serve`'s command line: 2 × cores + 1 sync workers)
on the benchmark database, and a headless locust run from the same machine: 60 s (--quick: 6 s).

- PostgreSQL: 70 % list pages, 20 % project details, 10 % report submissions (POST /api/reports/);
  targets: zero errors and p95 under 200 ms; throughput reported (B4-rps);
- SQLite: a write-heavy mix (30 / 20 / 50); target: zero 'database is locked' (and zero errors).

The load generator shares the 2 cores with the server, so the figures are a floor for what a
separate client machine would see. Needs locust (requirements-bench.txt); without it the line says so."""

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


def aggregated(stats_csv):
    with open(stats_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return row
    raise RuntimeError("no Aggregated row in locust's stats")


def run(ctx):
    import importlib.util

    # Only look: importing locust monkey-patches the process with gevent.
    if importlib.util.find_spec("locust") is None:
        ctx.rec.emit("B4", None, "rps", ok=None, note="locust is not installed (pip install -r requirements-bench.txt)")
        return
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from bench.b2 import office_user
    from bench.database import database_url
    from dev import serve_command

    settings = connection.settings_dict
    if ctx.db == "postgresql":
        db_url = f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    else:
        db_url = f"sqlite:///{settings['NAME']}"
    token, _ = Token.objects.get_or_create(user=office_user())
    projects = ctx.province.project_ids[:2000]
    seconds, users = (6, 8) if ctx.quick else (60, 40)
    workers = 2 * (os.cpu_count() or 1) + 1
    weights = MIXES[ctx.db]
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    connection.close()  # the server's workers write; the harness holds no transaction open

    with tempfile.TemporaryDirectory(prefix="bench-b4-") as tmp:
        log = open(Path(tmp) / "gunicorn.log", "w+")
        server = subprocess.Popen(serve_command(f"127.0.0.1:{port}", workers, python=sys.executable),
                                  cwd=ROOT, env=server_env(db_url), stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            wait_healthy(host, server)
            env = {**os.environ, "B4_WEIGHTS": ",".join(map(str, weights)), "B4_TOKEN": token.key,
                   "B4_PROJECTS": ",".join(map(str, projects)), "B4_YEAR": "2040"}
            prefix = str(Path(tmp) / "locust")
            subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
                            "--headless", "-u", str(users), "-r", str(max(1, users // 2)), "-t", f"{seconds}s",
                            "--host", host, "--csv", prefix, "--only-summary", "--loglevel", "WARNING",
                            "--stop-timeout", "5"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120)
            total = aggregated(prefix + "_stats.csv")
            failures_text = Path(prefix + "_failures.csv").read_text() if Path(prefix + "_failures.csv").exists() else ""
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            log.seek(0)
            server_log = log.read()
            log.close()
    requests, errors = int(total["Request Count"]), int(total["Failure Count"])
    p95, rps = float(total["95%"]), float(total["Requests/s"])
    locked = failures_text.count("database is locked") + server_log.count("database is locked")
    detail = {"seconds": seconds, "users": users, "workers": workers, "mix_list_detail_submit": weights,
              "requests": requests, "errors": errors, "p95_ms": p95, "p50_ms": float(total["50%"]),
              "rps": round(rps, 1), "database_locked": locked, "failures": failures_text.splitlines()[1:4],
              "server": " ".join(serve_command(f"127.0.0.1:{port}", workers)[1:])}
    if ctx.db == "postgresql":
        ctx.rec.emit("B4", p95, "ms p95", target=200, ok=errors == 0 and p95 < 200 and requests > 0, **detail)
    else:
        ctx.rec.emit("B4", locked, "locked", target=0, ok=locked == 0 and errors == 0 and requests > 0, **detail)
    ctx.rec.emit("B4-rps", rps, "req/s", target=None, **detail)
