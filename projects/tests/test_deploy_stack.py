"""The production stack, started as an operator would: the release step, `dev.py serve` (gunicorn) in
production mode, and nginx in front of two gunicorn servers on one PostgreSQL under a mixed load while
50 idle clients hold half-sent requests open. Loopback only, free ports, bounded in time.

Figures (latency percentiles) are printed and written to artifacts/deploy/stack-load.json."""

import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest

from projects.tests import scratchdb, stack

ROOT = stack.ROOT
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HTTPS = {"X-Forwarded-Proto": "https"}  # as nginx sends it behind TLS (SECURE_PROXY_SSL_HEADER)


def suite_backend():
    return "postgresql" if scratchdb.SUITE_ON_POSTGRES else "sqlite"


# --- dev.py release / serve from scratch ---------------------------------------------------------

def test_release_then_serve_in_production_mode_answers_through_gunicorn(tmp_path):
    """A new, empty database: `serve` refuses until the release step ran (it never migrates), the
    release step migrates and collects the static files (Chart.js included), the deployment checks
    pass, and gunicorn serves the API, the admin and hashed static files with security headers."""
    with scratchdb.scratch_database(suite_backend(), tmp_path, "serve") as url:
        env = stack.production_env(url, tmp_path)
        port = stack.free_port()
        refused = stack.run([sys.executable, "dev.py", "serve", f"127.0.0.1:{port}", "2"], env)
        assert refused.returncode != 0
        assert "python3 dev.py release" in refused.stderr and "migration" in refused.stderr, refused.stderr[-2000:]

        released = stack.run([sys.executable, "dev.py", "release"], env)
        assert released.returncode == 0, released.stdout[-3000:] + released.stderr[-3000:]
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
        chart = manifest["projects/vendor/chartjs-4.6.1/chart.umd.min.js"]
        assert (tmp_path / "static" / chart).is_file()
        again = stack.run([sys.executable, "manage.py", "release"], env)  # idempotent: nothing to do
        assert again.returncode == 0 and "No migrations to apply" in again.stdout, again.stdout + again.stderr

        checked = stack.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
        assert checked.returncode == 0, checked.stdout + checked.stderr

        log_path = tmp_path / "serve.log"
        with stack.process([sys.executable, "dev.py", "serve", f"127.0.0.1:{port}", "2"], env, log_path) as server:
            stack.wait_until_serving(port, server, headers=HTTPS, seconds=90)
            status, headers, body, _ = stack.request(port, "GET", "/api/health/", headers=HTTPS)
            assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok", "database_write": "ok"})
            assert HEX32.match(headers["x-request-id"])
            assert headers["strict-transport-security"].startswith("max-age=31536000")

            status, headers, _, _ = stack.request(port, "GET", "/api/health/")  # plain HTTP
            assert status == 301 and headers["location"].startswith("https://")

            status, headers, body, _ = stack.request(port, "GET", "/admin/login/",
                                                     headers={**HTTPS, "X-Request-ID": "serve-test-0001"})
            assert status == 200 and headers["x-request-id"] == "serve-test-0001"
            css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', body.decode())
            assert css, "the login page links the hashed stylesheet"
            status, headers, _, _ = stack.request(port, "GET", css.group(1), headers=HTTPS)
            assert status == 200 and "immutable" in headers.get("cache-control", "")
            status, _, body, _ = stack.request(port, "GET", f"/static/{chart}", headers=HTTPS)
            assert status == 200 and b"sourceMappingURL" not in body and len(body) > 100_000
        output = log_path.read_text()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    served = [line for line in lines if line.get("logger") == "tracker.request" and line["path"] == "/admin/login/"]
    assert served and served[0]["request_id"] == "serve-test-0001" and served[0]["status"] == 200
    assert "Listening at: http://127.0.0.1:" in output
    # gunicorn's own lines are JSON lines like the application's (tracker/gunicorn-logging.json)
    assert any(line.get("logger") == "gunicorn.error" and line["message"].startswith("Listening at: http://127.0.0.1:")
               for line in lines)


# --- Docker Compose's nginx (HTTPS) in front of two servers ----------------------------------------

ADMIN = """
from django.contrib.auth import get_user_model
from projects.models import Profile
user = get_user_model().objects.create_user("composeadmin", password="x-compose-test-9", is_staff=True)
Profile.objects.create(user=user, role="office")
"""


def https_request(port, cafile, method, path, body=None, headers=None):
    """(status, [(name, value)] with lower-case names, body bytes) over TLS, the certificate checked
    against cafile for the name localhost."""
    import http.client
    import ssl

    context = ssl.create_default_context(cafile=str(cafile))
    connection = http.client.HTTPSConnection("localhost", port, context=context, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, [(k.lower(), v) for k, v in response.getheaders()], response.read()
    finally:
        connection.close()


def set_cookies(headers):
    """{name: (value, attributes in lower case)} of the Set-Cookie headers."""
    cookies = {}
    for name, value in headers:
        if name == "set-cookie":
            first, _, attributes = value.partition(";")
            key, _, cookie = first.partition("=")
            cookies[key.strip()] = (cookie.strip(), attributes.lower())
    return cookies


def compose_nginx_site(tmp_path, upstreams, http_port, https_port, cert, key):
    """deploy/docker/nginx.conf as committed, with what only exists inside Compose replaced: the
    service names app1/app2 by loopback servers, ports 80/443 by free ones, the certificate mounted
    at /etc/nginx/certs by a throwaway one, stdout by a file."""
    site = (stack.ROOT / "deploy" / "docker" / "nginx.conf").read_text()
    replacements = {
        "server app1:8000 ": f"server 127.0.0.1:{upstreams[0]} ",
        "server app2:8000 ": f"server 127.0.0.1:{upstreams[1]} ",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/nginx/certs/fullchain.pem;": f"{cert};",
        "/etc/nginx/certs/privkey.pem;": f"{key};",
        "access_log /dev/stdout ": f"access_log {tmp_path / 'access.log'} ",
    }
    for old, new in replacements.items():
        assert site.count(old) == 1, f"deploy/docker/nginx.conf has {site.count(old)} of {old!r}"
        site = site.replace(old, new)
    return site


def test_compose_nginx_serves_https_in_front_of_two_servers_and_the_admin_login_works(tmp_path):
    """The Compose stack's nginx.conf (as committed) with a throwaway self-signed certificate in front
    of two gunicorn servers in production mode with .env.example's HTTPS settings (plain HTTP is
    redirected, cookies are Secure): the health check answers 200 over HTTPS, port 80 redirects to
    HTTPS, and an admin logs in through the login page (CSRF and session cookies over HTTPS)."""
    nginx = stack.nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed and could not be (dev.py test installs Debian's nginx as root)")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate to test the TLS server with")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    ports = [stack.free_port(), stack.free_port()]
    http_port, https_port = stack.free_port(), stack.free_port()
    origin = f"https://localhost:{https_port}"
    templates = scratchdb.Templates(tmp_path)
    try:
        with templates.migrated(suite_backend(), "compose") as url:
            scratchdb.shell(ADMIN, url=url)
            # .env.example's settings: DJANGO_SECURE_SSL_REDIRECT=1, one proxy, the site's origin trusted
            env = stack.production_env(url, tmp_path, DJANGO_SECURE_SSL_REDIRECT="1", TRACKER_PROXY_COUNT="1",
                                       DJANGO_CSRF_TRUSTED_ORIGINS=origin)
            released = stack.run([sys.executable, "manage.py", "release", "--static-only"], env)
            assert released.returncode == 0, released.stdout[-2000:] + released.stderr[-2000:]
            conf = stack.nginx_conf(tmp_path, compose_nginx_site(tmp_path, ports, http_port, https_port, cert, key))
            checked = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path), "-e",
                                      str(tmp_path / "error.log")], capture_output=True, text=True, timeout=30)
            assert checked.returncode == 0, checked.stderr
            with stack.gunicorn(ports[0], env, tmp_path / "app1.log", 1) as app1, \
                    stack.gunicorn(ports[1], env, tmp_path / "app2.log", 1) as app2, \
                    stack.process([nginx, "-c", conf, "-p", tmp_path, "-e", tmp_path / "error.log"], env,
                                  tmp_path / "nginx.out") as proxy:
                for port, proc in ((ports[0], app1), (ports[1], app2)):
                    stack.wait_until_serving(port, proc, headers=HTTPS)
                stack.wait_until_serving(http_port, proxy)

                status, headers, _, _ = stack.request(http_port, "GET", "/api/health/", headers={"Host": "localhost"})
                assert status == 301 and headers["location"] == "https://localhost/api/health/"

                status, headers, body = https_request(https_port, cert, "GET", "/api/health/")
                assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok", "database_write": "ok"})
                assert dict(headers)["strict-transport-security"].startswith("max-age=31536000")
                assert HEX32.match(dict(headers)["x-request-id"])

                status, headers, body = https_request(https_port, cert, "GET", "/admin/login/?next=/admin/")
                assert status == 200, body[:500]
                csrf_cookie, attributes = set_cookies(headers)["csrftoken"]
                assert "secure" in attributes
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
                form = urlencode({"csrfmiddlewaretoken": token, "username": "composeadmin",
                                  "password": "x-compose-test-9", "next": "/admin/"})
                status, headers, body = https_request(https_port, cert, "POST", "/admin/login/?next=/admin/", form, {
                    "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}",
                    "Origin": origin, "Referer": f"{origin}/admin/login/"})
                assert (status, dict(headers).get("location")) == (302, "/admin/"), body[:2000]
                session, attributes = set_cookies(headers)["sessionid"]
                assert "secure" in attributes and "httponly" in attributes
                status, headers, body = https_request(https_port, cert, "GET", "/admin/", headers={
                    "Cookie": f"csrftoken={csrf_cookie}; sessionid={session}"})
                assert status == 200 and "composeadmin" in body.decode(), body[:2000]
                assert 'id="logout-form"' in body.decode()
    finally:
        templates.drop()
    access = [json.loads(line) for line in (tmp_path / "access.log").read_text().splitlines()]
    upstreams = {line["upstream"] for line in access if line["upstream"]}
    assert upstreams == {f"127.0.0.1:{port}" for port in ports}, upstreams


# --- nginx + two gunicorn servers + PostgreSQL under load ---------------------------------------

WORLD = """
from django.contrib.auth import get_user_model
from projects.models import ApiToken
from projects.models import Profile, Project, Unit
user = get_user_model().objects.create_user("loadtest", password="x-load-test-9")
Profile.objects.create(user=user, role="office")
unit = Unit.objects.create(name="发改委", name_en="DRC")
projects = [Project.objects.create(name=f"负载项目{i}", lead_unit=unit, total_investment=1000 + i) for i in range(30)]
print("WORLD", ApiToken.objects.create(user=user)[1], unit.pk, ",".join(str(p.pk) for p in projects))
"""

HALF_SENT = 50
WORKERS_PER_SERVER = 2
CLIENT_THREADS = 6
REQUESTS_PER_THREAD = 40
HEADERS_ONLY = "GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "  # no end of headers
BODY_PARTLY = ("POST /api/problems/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Content-Length: 100000\r\n\r\n{\"title\": \"")  # 100,000 bytes announced, 12 sent


def open_half_sent(port, count):
    sockets = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall((HEADERS_ONLY if i % 2 == 0 else BODY_PARTLY).encode())
        sockets.append(sock)
    return sockets


def still_open(sock):
    """True while the server has not closed the connection (nothing to read, no EOF)."""
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


@pytest.mark.skipif(not scratchdb.SUITE_ON_POSTGRES,
                    reason="several application servers share one PostgreSQL: runs in the PostgreSQL run of the suite")
def test_nginx_in_front_of_two_servers_keeps_serving_with_50_half_sent_connections(tmp_path):
    nginx = stack.nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed and could not be (dev.py test installs Debian's nginx as root)")
    from projects.management.commands.nginx_config import render

    templates = scratchdb.Templates(tmp_path)
    try:
        with templates.migrated("postgresql", "stack") as url:
            world = scratchdb.shell(WORLD, url=url).stdout.split("WORLD ", 1)[1].split()
            token, unit_id, project_ids = world[0], int(world[1]), [int(p) for p in world[2].split(",")]
            env = stack.production_env(url, tmp_path, DJANGO_SECURE_SSL_REDIRECT="0", TRACKER_PROXY_COUNT="1")
            ports = [stack.free_port(), stack.free_port()]
            front = stack.free_port()
            site = render(upstreams=[f"127.0.0.1:{p}" for p in ports], listen=f"127.0.0.1:{front}",
                          access_log=str(tmp_path / "access.log"))
            conf = stack.nginx_conf(tmp_path, site)
            checked = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path), "-e",
                                      str(tmp_path / "error.log")], capture_output=True, text=True, timeout=30)
            assert checked.returncode == 0, checked.stderr
            with stack.gunicorn(ports[0], env, tmp_path / "app1.log", WORKERS_PER_SERVER) as app1, \
                    stack.gunicorn(ports[1], env, tmp_path / "app2.log", WORKERS_PER_SERVER) as app2, \
                    stack.process([nginx, "-c", conf, "-p", tmp_path, "-e", tmp_path / "error.log"], env,
                                  tmp_path / "nginx.out") as proxy:
                for port, proc in ((ports[0], app1), (ports[1], app2), (front, proxy)):
                    stack.wait_until_serving(port, proc)
                result = mixed_load_with_half_sent(front, token, unit_id, project_ids)
                access = [json.loads(line) for line in (tmp_path / "access.log").read_text().splitlines()]
                result["upstreams"] = sorted({line["upstream"] for line in access if line["upstream"]})
                # The control: one gunicorn without nginx, as many half-sent requests as it has
                # workers, is stalled (this is what nginx prevents).
                idle = open_half_sent(ports[0], WORKERS_PER_SERVER + 1)
                try:
                    time.sleep(0.5)
                    with pytest.raises(OSError):  # socket.timeout
                        stack.request(ports[0], "GET", "/api/health/", timeout=3)
                finally:
                    for sock in idle:
                        sock.close()
            stored = count_titles(url, [w["title"] for w in result["writes"]])
    finally:
        templates.drop()

    acknowledged = [w for w in result["writes"] if w["status"] == 201]
    report = {
        "half_sent_connections": HALF_SENT,
        "half_sent_still_open_after_load": result["still_open"],
        "servers": 2, "workers_per_server": WORKERS_PER_SERVER, "client_threads": CLIENT_THREADS,
        "requests": len(result["latencies"]), "seconds": round(result["seconds"], 2),
        "p50_ms": round(stack.percentile(result["latencies"], 0.50) * 1000, 1),
        "p95_ms": round(stack.percentile(result["latencies"], 0.95) * 1000, 1),
        "max_ms": round(max(result["latencies"]) * 1000, 1),
        "writes_acknowledged": len(acknowledged),
        "statuses": result["statuses"],
        "upstreams_used": result["upstreams"],
    }
    stack.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (stack.ARTIFACTS / "stack-load.json").write_text(json.dumps(report, indent=2))
    print("\nstack load:", json.dumps(report))

    assert result["errors"] == [], result["errors"][:5]
    assert set(result["statuses"]) <= {"200", "201"}, result["statuses"]
    assert len(result["latencies"]) == CLIENT_THREADS * REQUESTS_PER_THREAD
    assert result["still_open"] == HALF_SENT, "the idle clients were dropped before the load ended"
    assert len(acknowledged) == CLIENT_THREADS * REQUESTS_PER_THREAD // 4
    # Every acknowledged write is stored exactly once, under the id the response gave.
    assert {w["title"]: (1, w["id"]) for w in acknowledged} == {t: stored[t] for t in (w["title"] for w in acknowledged)}
    assert len(result["upstreams"]) == 2, result["upstreams"]


def mixed_load_with_half_sent(front, token, unit_id, project_ids):
    """CLIENT_THREADS clients, each REQUESTS_PER_THREAD requests in turn: the health check, a project
    list page, a project, a new problem (a write) — while HALF_SENT connections hold half a request."""
    auth = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    latencies, writes, errors, statuses = [], [], [], {}
    lock = threading.Lock()
    idle = open_half_sent(front, HALF_SENT)

    def client(n):
        for i in range(REQUESTS_PER_THREAD):
            kind = i % 4
            title = None
            try:
                if kind == 0:
                    args = ("GET", "/api/health/", None)
                elif kind == 1:
                    args = ("GET", f"/api/projects/?page_size=20&page={1 + i % 2}", None)
                elif kind == 2:
                    args = ("GET", f"/api/projects/{project_ids[(n * 7 + i) % len(project_ids)]}/", None)
                else:
                    title = f"负载写入 {uuid.uuid4().hex}"
                    body = json.dumps({"project": project_ids[i % len(project_ids)], "category": "other",
                                       "title": title, "responsible_unit": unit_id, "raised_on": "2013-10-01",
                                       "deadline": "2013-10-31"}, ensure_ascii=False).encode()
                    args = ("POST", "/api/problems/", body)
                status, headers, data, seconds = stack.request(front, *args, headers=auth, timeout=20)
            except OSError as exc:
                with lock:
                    errors.append(f"{args[0]} {args[1]}: {exc!r}")
                    if title:
                        writes.append({"title": title, "status": None, "id": None})
                continue
            with lock:
                latencies.append(seconds)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if title:
                    writes.append({"title": title, "status": status,
                                   "id": json.loads(data)["id"] if status == 201 else None})

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENT_THREADS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        seconds = time.perf_counter() - started
        open_count = sum(still_open(sock) for sock in idle)
    finally:
        for sock in idle:
            sock.close()
    return {"latencies": latencies, "writes": writes, "errors": errors, "statuses": statuses,
            "seconds": seconds, "still_open": open_count}


def count_titles(url, titles):
    """{title: (rows with that title, id of the first)} read straight from PostgreSQL."""
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        rows = conn.execute("SELECT title, count(*), min(id) FROM projects_problem WHERE title = ANY(%s) GROUP BY title",
                            [titles]).fetchall()
    return {title: (count, first) for title, count, first in rows}
