"""Helpers of the deployment tests: the production environment, gunicorn and nginx as subprocesses
on free loopback ports, and plain HTTP requests with their latency. Nothing leaves 127.0.0.1."""

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "deploy"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(url, tmp, **extra):
    """The environment of a production server: no DJANGO_/TRACKER_ variable of the test run leaks in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "TRACKER_")) and k not in {"DATABASE_URL", "SQLITE_TEST_FILE"}}
    env.update({
        "TRACKER_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": url,
        "TRACKER_STATIC_ROOT": str(Path(tmp) / "static"),
        "TRACKER_BACKUP_DIR": str(Path(tmp) / "backups"),
        "TRACKER_LOG_DIR": str(Path(tmp) / "logs"),
        **extra,
    })
    return env


def run(args, env, timeout=240):
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def request(port, method, path, body=None, headers=None, timeout=20.0):
    """(status, headers dict with lower-case names, body bytes, seconds)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data, time.perf_counter() - started
    finally:
        connection.close()


def wait_until_serving(port, process, path="/api/health/", headers=None, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited ({process.returncode}) before serving")
        try:
            status, *_ = request(port, "GET", path, headers=headers, timeout=2)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nothing answered on 127.0.0.1:{port} within {seconds} s")


@contextmanager
def process(args, env, log_path):
    """A subprocess in its own session, its output in log_path; stopped (SIGTERM, then SIGKILL) on exit."""
    log = open(log_path, "w+")
    proc = subprocess.Popen([str(a) for a in args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


def gunicorn(port, env, log_path, workers=2):
    from dev import serve_command

    return process(serve_command(f"127.0.0.1:{port}", workers, python=sys.executable), env, log_path)


def nginx_binary():
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def nginx_conf(tmp, site):
    """A whole nginx.conf around the site configuration of `manage.py nginx_config`, with every
    path under tmp (pid, logs, temporary bodies), in the foreground."""
    tmp = Path(tmp)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(exist_ok=True)
    (tmp / "site.conf").write_text(site)
    user = "user root root;\n" if os.geteuid() == 0 else ""  # temporary files under a private tmp_path
    conf = tmp / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
""")
    return conf


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]
