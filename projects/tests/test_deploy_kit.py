"""The deployment kit (deploy/) and the offline install: every setting in .env.example, the
committed nginx example is what nginx_config writes, the Compose file is valid YAML with nginx, two
application containers and PostgreSQL, and requirements.lock pins and hashes every package."""

import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def settings_variables():
    text = (ROOT / "tracker" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z0-9_]+)"', text)) - {"SQLITE_TEST_FILE"}


def test_env_example_lists_every_setting_the_settings_read():
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (DEPLOY / ".env.example").read_text(), re.M))
    variables = settings_variables()
    assert {"TRACKER_BACKUP_DIR", "TRACKER_PDF_BROWSER", "TRACKER_LOG_RETENTION_DAYS", "DATABASE_URL"} <= variables
    assert sorted(variables - listed) == []
    assert sorted(listed - variables) == []


def test_the_committed_nginx_example_is_what_nginx_config_writes(capsys, settings):
    settings.TRACKER_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    call_command("nginx_config", "--server-name", "tracker.example.org", "--upstream", "127.0.0.1:8001",
                 "--upstream", "127.0.0.1:8002", "--tls-cert", "/etc/ssl/tracker/fullchain.pem",
                 "--tls-key", "/etc/ssl/tracker/privkey.pem")
    text = capsys.readouterr().out
    assert text == (DEPLOY / "nginx" / "tracker.conf").read_text()
    assert "client_max_body_size 10752k;" in text  # 10 MiB + 512 KiB of multipart envelope
    assert "proxy_request_buffering on;" in text and "ssl_certificate /etc/ssl/tracker/fullchain.pem;" in text
    call_command("nginx_config", "--upstream", "app1:8000", "--upstream", "app2:8000", "--no-ipv6",
                 "--tls-cert", "/etc/nginx/certs/fullchain.pem", "--tls-key", "/etc/nginx/certs/privkey.pem",
                 "--access-log", "/dev/stdout")
    compose = capsys.readouterr().out
    assert compose == (DEPLOY / "docker" / "nginx.conf").read_text()
    assert "listen 443 ssl http2;" in compose and "[::]" not in compose


def test_the_body_size_follows_the_upload_limit(capsys, settings):
    settings.TRACKER_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    call_command("nginx_config", "--upstream", "127.0.0.1:8000")
    assert "client_max_body_size 2560k;" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed (dev.py test installs it as root)")
def test_nginx_accepts_the_tls_example(tmp_path):
    from projects.tests.stack import nginx_binary, nginx_conf

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate to test the TLS server with")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=tracker",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    site = ((DEPLOY / "nginx" / "tracker.conf").read_text()
            .replace("/etc/ssl/tracker/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/ssl/tracker/privkey.pem", str(tmp_path / "key.pem"))
            .replace("/var/log/nginx/tracker/access.log", str(tmp_path / "access.log")))
    conf = nginx_conf(tmp_path, site)
    result = subprocess.run([nginx_binary(), "-t", "-c", str(conf), "-p", str(tmp_path), "-e",
                             str(tmp_path / "error.log")], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


NGINX = pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                           reason="nginx is not installed (dev.py test installs it as root)")


class Silent:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        return self

    def __exit__(self, *exc):
        self.sock.close()


def wait_for_port(port, proc, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "nginx exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nginx does not listen on {port}")


@NGINX
def test_nginx_answers_its_own_413_502_and_504_in_the_trackers_shapes_with_the_request_id(tmp_path, settings):
    """The real nginx with nginx_config's site: a body over client_max_body_size (413), no server
    answering (502), a server that never answers (504, proxy_read_timeout shortened to 1 s): the
    API's JSON error body under /api/, a page like the application's elsewhere, in Chinese or (when
    asked) English, each with the request id of the X-Request-ID header and nginx's access log."""
    from projects.management.commands.nginx_config import render
    from projects.tests import stack

    settings.TRACKER_MAX_UPLOAD_BYTES = 64 * 1024
    refused, front = stack.free_port(), stack.free_port()  # nothing listens on `refused`
    with Silent() as silent:
        site = render(upstreams=[f"127.0.0.1:{refused}"], listen=f"127.0.0.1:{front}",
                      access_log=str(tmp_path / "access.log"))
        assert site.count("proxy_read_timeout 75s;") == 1
        slow = "".join(f"location {prefix} {{ proxy_pass http://127.0.0.1:{silent.port}; }}\n    "
                       for prefix in ("/api/slow/", "/admin/slow/"))
        site = site.replace("proxy_read_timeout 75s;", "proxy_read_timeout 1s;").replace(
            "location / {", slow + "location / {")
        conf = stack.nginx_conf(tmp_path, site)
        with stack.process([stack.nginx_binary(), "-c", conf, "-p", tmp_path, "-e", tmp_path / "error.log"],
                           dict(os.environ), tmp_path / "nginx.out") as nginx:
            wait_for_port(front, nginx)
            big = b"x" * (600 * 1024)  # over 64 KiB + the 512 KiB envelope
            answers = {
                "413 api": stack.request(front, "POST", "/api/reports/import/", body=big,
                                         headers={"Content-Type": "application/octet-stream"}),
                "413 page": stack.request(front, "POST", "/admin/projects/monthlyreport/import/", body=big,
                                          headers={"X-Request-ID": "client-413-page-1"}),
                "413 page en": stack.request(front, "POST", "/admin/", body=big,
                                             headers={"Accept-Language": "en-US,en;q=0.9"}),
                "502 api": stack.request(front, "GET", "/api/health/", headers={"X-Request-ID": "client-502-api-1"}),
                "502 page": stack.request(front, "GET", "/admin/"),
                "504 api": stack.request(front, "GET", "/api/slow/", headers={"Accept-Language": "en"}),
                "504 page": stack.request(front, "GET", "/admin/slow/"),
            }
    for name, (status, headers, body, _) in answers.items():
        assert status == int(name[:3]), (name, status, body[:300])
        request_id = headers["x-request-id"]
        if name in ("413 page", "502 api"):
            assert request_id.startswith("client-"), name  # the client's valid id is kept
        if "api" in name:
            assert headers["content-type"] == "application/json", name
            error = json.loads(body)
            assert set(error) == {"status", "code", "detail", "errors", "request_id"}, name
            assert (error["status"], error["errors"], error["request_id"]) == (status, [], request_id), name
        else:
            assert headers["content-type"] == "text/html; charset=utf-8", name
            page = body.decode()
            assert f'<code class="request-id">{request_id}</code>' in page, name
    assert json.loads(answers["413 api"][2])["code"] == "too_large"
    assert "请求体过大" in json.loads(answers["413 api"][2])["detail"]
    assert "请求过大 (413)" in answers["413 page"][2].decode() and "64.0" in answers["413 page"][2].decode()
    assert "Request too large (413)" in answers["413 page en"][2].decode()
    assert json.loads(answers["502 api"][2])["code"] == "bad_gateway"
    assert "服务暂时不可用 (502)" in answers["502 page"][2].decode()
    assert json.loads(answers["504 api"][2])["code"] == "gateway_timeout"
    assert json.loads(answers["504 api"][2])["detail"].startswith("The application server did not answer in time")
    assert "服务器响应超时 (504)" in answers["504 page"][2].decode()
    logged = {line["request_id"]: line["status"] for line in
              map(json.loads, (tmp_path / "access.log").read_text().splitlines())}
    assert {answer[1]["x-request-id"]: answer[0] for answer in answers.values()} == logged


def test_the_compose_file_runs_nginx_two_app_containers_and_postgresql_after_the_release_step():
    compose = yaml.safe_load((DEPLOY / "docker" / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "release", "app1", "app2", "scheduler", "nginx"}
    assert services["db"]["image"].startswith("postgres:")
    for app in ("app1", "app2"):
        assert services[app]["depends_on"]["release"]["condition"] == "service_completed_successfully"
        assert services[app]["command"][:3] == ["python3", "dev.py", "serve"]
    assert services["release"]["command"] == ["python3", "dev.py", "release"]
    # HTTPS: production settings redirect plain HTTP and send cookies over HTTPS only.
    assert services["nginx"]["ports"] == ["80:80", "443:443"]
    assert "./certs:/etc/nginx/certs:ro" in services["nginx"]["volumes"]
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["volumes"]
    nginx = (DEPLOY / "docker" / "nginx.conf").read_text()
    assert "ssl_certificate /etc/nginx/certs/fullchain.pem;" in nginx
    assert "ssl_certificate_key /etc/nginx/certs/privkey.pem;" in nginx
    assert "server app1:8000" in nginx and "server app2:8000" in nginx
    assert (DEPLOY / "docker" / "Dockerfile").is_file()


def test_every_compose_volume_is_mounted_and_the_app_containers_keep_media_logs_and_backups_on_volumes():
    """Uploads written by app1 are read by app2 and survive a rebuild: the media root of every
    container of the application image is the named volume "media" (likewise logs and backups), and
    the image makes those directories for the tracker user (a new volume copies their owner)."""
    compose = yaml.safe_load((DEPLOY / "docker" / "compose.yaml").read_text())
    services = compose["services"]
    named = {}
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if not source.startswith((".", "/")):
                named.setdefault(source, set()).add((name, target))
    assert set(compose["volumes"]) == set(named), "a declared volume no service mounts, or an undeclared one"
    dockerfile = (DEPLOY / "docker" / "Dockerfile").read_text()
    app_services = [name for name, service in services.items() if service.get("image") == "tracker:latest"]
    assert {"release", "app1", "app2", "scheduler"} <= set(app_services)
    for name in app_services:
        environment = services[name]["environment"]
        for volume, setting in (("media", "TRACKER_MEDIA_ROOT"), ("logs", "TRACKER_LOG_DIR"),
                                ("backups", "TRACKER_BACKUP_DIR")):
            assert (name, environment[setting]) in named[volume], (name, setting, environment[setting])
    for setting in ("TRACKER_MEDIA_ROOT", "TRACKER_LOG_DIR", "TRACKER_BACKUP_DIR"):
        directory = services["app1"]["environment"][setting]
        made = re.search(r"mkdir -p ([^\n&]+)", dockerfile).group(1).split()
        owned = re.search(r"chown -R tracker:tracker ([^\n&]+)", dockerfile).group(1).split()
        assert directory in made and any(directory.startswith(path) for path in owned), directory
    assert named["pgdata"] == {("db", "/var/lib/postgresql/data")}


def dockerignore_regex(pattern):
    """A .dockerignore pattern (Go's filepath.Match with **) as a regular expression."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def docker_context_excludes(path):
    """True when `docker build` leaves `path` (relative to the repository root) out of the context:
    the last pattern matching it or one of its folders decides; "!" patterns take it back in."""
    excluded = False
    parts = path.split("/")
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        regex = dockerignore_regex(line.lstrip("!").strip("/"))
        if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            excluded = not negate
    return excluded


SECRET_OR_RUNTIME = [".env", "deploy/docker/.env", "deploy/.env", "deploy/docker/.env.prod", "deploy/docker/certs/privkey.pem",
                     "deploy/docker/certs/fullchain.pem", "media/attachments/2024/photo.jpg", "backups/tracker-1.dump",
                     "logs/tracker.log", "staticfiles/staticfiles.json", "db.sqlite3", "db.sqlite3-wal",
                     ".staticfiles.lock", "wheelhouse/django.whl", "artifacts/deploy/stack-load.json",
                     ".venv/bin/python", ".git/config"]


def test_the_image_gets_no_secrets_and_no_runtime_files():
    """The build context is the repository root: a filled-in .env (Compose's deploy/docker/.env), TLS
    keys, uploads, backups, logs and databases of a site run from the checkout stay out of the image."""
    for path in SECRET_OR_RUNTIME:
        assert docker_context_excludes(path), path
    for path in ["manage.py", "dev.py", "requirements.lock", "deploy/.env.example", "deploy/docker/nginx.conf",
                 "projects/media.py", "projects/media_backup.py", "projects/backup.py", "tracker/logs.py",
                 "projects/templates/projects/lockout.html", "tracker/templates/error_page.html"]:
        assert not docker_context_excludes(path), path
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode == 0:  # nothing the repository holds is left out of the image but bench figures
        assert [path for path in tracked.stdout.splitlines()
                if docker_context_excludes(path) and not path.startswith("bench/results/")] == []


def test_git_ignores_the_compose_settings_file_and_certificates():
    if subprocess.run(["git", "rev-parse"], cwd=ROOT, capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    for path in ["deploy/docker/.env", ".env", "deploy/docker/certs/privkey.pem", "media/attachments/x.jpg",
                 "backups/tracker-1.dump", "staticfiles/x.css", "db.sqlite3"]:
        checked = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT)
        assert checked.returncode == 0, f"git does not ignore {path}"
    assert subprocess.run(["git", "check-ignore", "-q", "--no-index", "deploy/.env.example"], cwd=ROOT).returncode == 1


def test_compose_runs_the_daily_jobs_of_the_systemd_timers_at_the_same_times():
    """Compose has no timers: its scheduler service runs manage.py run_schedule, whose jobs are the
    commands and times of deploy/systemd/tracker-*.timer and their services."""
    from projects.management.commands.run_schedule import JOBS

    timers = {}
    for timer in (DEPLOY / "systemd").glob("tracker-*.timer"):
        calendar = re.search(r"^OnCalendar=\*-\*-\* (\d\d):(\d\d):00$", timer.read_text(), re.M)
        service = (DEPLOY / "systemd" / timer.name.replace(".timer", ".service")).read_text()
        command = re.search(r"^ExecStart=\S+ manage\.py (.+)$", service, re.M).group(1)
        timers[tuple(command.split())] = datetime.time(int(calendar.group(1)), int(calendar.group(2)))
    assert timers == {job.command: job.at for job in JOBS}
    assert len(timers) == 3
    scheduler = yaml.safe_load((DEPLOY / "docker" / "compose.yaml").read_text())["services"]["scheduler"]
    assert scheduler["command"] == [".venv/bin/python", "manage.py", "run_schedule"]
    assert scheduler["depends_on"]["release"]["condition"] == "service_completed_successfully"
    assert scheduler["restart"] == "unless-stopped"


def test_the_scheduler_runs_each_job_at_its_local_time_and_stops_when_told(settings):
    """run_forever with a stand-in clock: from 2026-03-01 02:59 Asia/Shanghai it runs clearsessions
    at 03:00, send_reminders at 08:00, backup at 23:30 and clearsessions again the next day, each
    once, sleeping at most a minute at a time, and leaves when stopped."""
    import threading
    from zoneinfo import ZoneInfo

    from projects.management.commands.run_schedule import JOBS, next_run, run_forever

    settings.TIME_ZONE = "Asia/Shanghai"
    shanghai = ZoneInfo("Asia/Shanghai")
    clock = [datetime.datetime(2026, 3, 1, 2, 59, tzinfo=shanghai)]
    ran, waits = [], []
    stop = threading.Event()

    def wait(seconds):
        assert 0 < seconds <= 60
        waits.append(seconds)
        clock[0] += datetime.timedelta(seconds=seconds)

    def run(job):
        ran.append((job.name, clock[0].astimezone(shanghai).strftime("%d %H:%M")))
        clock[0] += datetime.timedelta(minutes=3)  # a job takes time
        if len(ran) == 4:
            stop.set()

    run_forever(JOBS, stop, now=lambda: clock[0], wait=wait, run=run)
    assert ran == [("clearsessions", "01 03:00"), ("reminders", "01 08:00"), ("backup", "01 23:30"),
                   ("clearsessions", "02 03:00")]
    # the next run is strictly after now, in local time whatever the clock's zone
    at_backup = datetime.datetime(2026, 3, 1, 15, 30, tzinfo=datetime.timezone.utc)  # 23:30 in Shanghai
    backup = [job for job in JOBS if job.name == "backup"][0]
    assert next_run(backup, at_backup) == datetime.datetime(2026, 3, 2, 23, 30, tzinfo=shanghai)
    assert next_run(backup, at_backup - datetime.timedelta(seconds=1)) == at_backup


def test_a_scheduled_job_runs_manage_py_and_is_logged_with_its_exit_status():
    import logging

    from projects.management.commands.run_schedule import Job, run_job

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("tracker.schedule")
    logger.addHandler(handler)
    try:
        assert run_job(Job("check", datetime.time(0, 0), ("check",))) == 0
        assert run_job(Job("nonsense", datetime.time(0, 0), ("no_such_command",))) != 0
    finally:
        logger.removeHandler(handler)
    finished = [(r.job, r.exit_status, r.levelname) for r in records if hasattr(r, "exit_status")]
    assert finished[0] == ("check", 0, "INFO") and finished[1][0] == "nonsense" and finished[1][2] == "ERROR"


def test_the_systemd_units_run_the_release_step_before_the_servers_and_the_timers_run_their_commands():
    units = DEPLOY / "systemd"
    app = (units / "tracker@.service").read_text()
    assert "Requires=tracker-release.service" in app and "ExecStart=/usr/bin/python3 dev.py serve 127.0.0.1:%i" in app
    assert "ExecStart=/usr/bin/python3 dev.py release" in (units / "tracker-release.service").read_text()
    for name, command in (("backup", "manage.py backup"), ("reminders", "manage.py send_reminders"),
                          ("clearsessions", "manage.py clearsessions")):
        assert command in (units / f"tracker-{name}.service").read_text()
        assert "OnCalendar=" in (units / f"tracker-{name}.timer").read_text()


# The rotation of /var/log/nginx/*.log that Debian's nginx package installs (/etc/logrotate.d/nginx).
DEBIAN_NGINX_LOGROTATE = """/var/log/nginx/*.log {
    daily
    missingok
    rotate 14
    compress
    delaycompress
    notifempty
    sharedscripts
}
"""


def logrotate_stanzas(text):
    """[(path patterns, {directive: argument})] of a logrotate configuration (no nesting but scripts)."""
    stanzas, body = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if body is None and line.endswith("{"):
            patterns, body, script = line[:-1].split(), {}, False
        elif line in ("postrotate", "prerotate"):
            script = True
        elif line == "endscript":
            script = False
        elif line == "}":
            stanzas.append((patterns, body))
            body = None
        elif not script:
            directive, _, argument = line.partition(" ")
            body[directive] = argument
    return stanzas


def test_logrotate_keeps_the_trackers_nginx_log_180_days_apart_from_debians_rotation(tmp_path):
    """deploy/logrotate/tracker keeps nginx's access log of the tracker as long as the application
    keeps its logs (TRACKER_LOG_RETENTION_DAYS, 180 days), on a path Debian's own nginx rotation
    (14 days) does not take, and leaves the application's files (it rotates them) alone. With
    logrotate installed: both configurations together raise no conflict, and a forced rotation
    rotates the file and signals nginx (a stand-in process) to reopen it."""
    from pathlib import PurePosixPath

    from projects.management.commands.nginx_config import render

    config = (DEPLOY / "logrotate" / "tracker").read_text()
    [(patterns, directives)] = logrotate_stanzas(config)
    retention = int(re.search(r"^TRACKER_LOG_RETENTION_DAYS=(\d+)$", (DEPLOY / ".env.example").read_text(),
                              re.M).group(1))
    assert retention == 180 and "daily" in directives
    assert int(directives["rotate"]) == retention and int(directives["maxage"]) == retention
    access_log = re.search(r"access_log (\S+) tracker_json;", render(upstreams=["127.0.0.1:8000"])).group(1)
    assert access_log == "/var/log/nginx/tracker/access.log"
    assert "access_log /var/log/nginx/tracker/access.log tracker_json;" in (DEPLOY / "nginx" / "tracker.conf").read_text()
    assert any(PurePosixPath(access_log).match(pattern) for pattern in patterns)
    assert not PurePosixPath(access_log).match("/var/log/nginx/*.log")  # not Debian's 14 days
    for name in ("tracker.log", "audit.log"):
        assert not any(PurePosixPath(f"/var/log/tracker/{name}").match(pattern) for pattern in patterns)
    for half in (ROOT / "docs" / "deploy.md").read_text().split("## English"):
        assert "cp deploy/logrotate/tracker /etc/logrotate.d/tracker" in half
        assert "install -d /var/log/nginx/tracker" in half

    logrotate = shutil.which("logrotate") or ("/usr/sbin/logrotate" if Path("/usr/sbin/logrotate").exists() else None)
    if logrotate is None:
        pytest.skip("logrotate is not installed: the configuration was checked as text only")
    logs = tmp_path / "log"
    (logs / "nginx" / "tracker").mkdir(parents=True)
    (logs / "nginx" / "access.log").write_text("debian\n")
    (logs / "nginx" / "tracker" / "access.log").write_text('{"request_id":"abc"}\n')
    ours = tmp_path / "tracker.conf"
    ours.write_text(config.replace("/var/log/", f"{logs}/").replace("/run/nginx.pid", str(tmp_path / "nginx.pid")))
    debian = tmp_path / "nginx.conf"
    debian.write_text(DEBIAN_NGINX_LOGROTATE.replace("/var/log/", f"{logs}/"))
    for path in (ours, debian, tmp_path):
        path.chmod(0o755 if path.is_dir() else 0o644)
    both = subprocess.run([logrotate, "-d", "-s", str(tmp_path / "state"), str(debian), str(ours)],
                          capture_output=True, text=True, timeout=60)
    assert both.returncode == 0 and "duplicate" not in both.stderr + both.stdout, both.stderr

    nginx_stand_in = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "nginx.pid").write_text(f"{nginx_stand_in.pid}\n")
        rotated = subprocess.run([logrotate, "-f", "-s", str(tmp_path / "state"), str(ours)],
                                 capture_output=True, text=True, timeout=60)
        assert rotated.returncode == 0, rotated.stderr
        assert nginx_stand_in.wait(timeout=10) == -signal.SIGUSR1  # told to reopen its logs
    finally:
        if nginx_stand_in.poll() is None:
            nginx_stand_in.kill()
    [kept] = [path for path in (logs / "nginx" / "tracker").iterdir() if path.name.startswith("access.log-")]
    assert kept.read_text() == '{"request_id":"abc"}\n'  # delaycompress: yesterday's stays readable
    assert (logs / "nginx" / "access.log").read_text() == "debian\n"  # Debian's file is not ours to rotate


def unit_settings(path):
    """{key: [values]} of a systemd unit file (keys may repeat)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_the_systemd_units_make_the_log_folder_for_the_tracker_user_and_start_without_optional_paths():
    """Every unit runs as tracker and imports the settings, which need TRACKER_LOG_DIR writable:
    systemd makes /var/log/tracker for User= (LogsDirectory=tracker). ReadWritePaths that are
    missing must not stop a unit ("-"). The backup folder's install step is in both halves of the docs."""
    env_example = (DEPLOY / ".env.example").read_text()
    log_dir = re.search(r"^TRACKER_LOG_DIR=(.*)$", env_example, re.M).group(1)
    backup_dir = re.search(r"^TRACKER_BACKUP_DIR=(.*)$", env_example, re.M).group(1)
    services = sorted((DEPLOY / "systemd").glob("*.service"))
    assert len(services) == 5
    for path in services:
        unit = unit_settings(path)
        assert unit["User"] == ["tracker"] and unit["Group"] == ["tracker"], path.name
        assert unit["LogsDirectory"] == ["tracker"] and f"/var/log/{unit['LogsDirectory'][0]}" == log_dir, path.name
        for paths in unit.get("ReadWritePaths", []):
            assert all(entry.startswith("-") for entry in paths.split()), (path.name, paths)
    assert "ReadWritePaths" in unit_settings(DEPLOY / "systemd" / "tracker@.service")
    docs = (ROOT / "docs" / "deploy.md").read_text()
    chinese, english = docs.split("## English")
    for half in (chinese, english):
        assert f"install -d -o tracker -g tracker -m 700 {backup_dir}" in half
        assert "LogsDirectory=tracker" in half


# --- offline install ------------------------------------------------------------------------------

def lock_entries():
    """{name: (version, [hashes])} of requirements.lock."""
    text = (ROOT / "requirements.lock").read_text()
    entries = {}
    for block in re.split(r"\n(?=[a-z0-9])", text, flags=re.I):
        lines = [line.strip().rstrip("\\").strip() for line in block.splitlines()
                 if line.strip() and not line.strip().startswith("#")]
        if not lines:
            continue
        name, _, version = lines[0].partition("==")
        hashes = [line.removeprefix("--hash=sha256:") for line in lines[1:]]
        entries[name.lower()] = (version, hashes, lines[0])
    return entries


def test_every_requirement_in_the_lock_is_pinned_and_hashed():
    entries = lock_entries()
    assert len(entries) >= 20
    for name, (version, hashes, line) in entries.items():
        assert re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+", line), line
        assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), (name, hashes)


def test_the_lock_matches_the_pins_of_requirements_txt():
    """Whoever changes requirements.txt runs `python3 dev.py lock`: the lock holds the same pins."""
    entries = lock_entries()
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, _, version = line.partition("==")
        name = re.sub(r"\[.*\]", "", name).lower()
        assert name in entries, f"{name} is not in requirements.lock: run python3 dev.py lock"
        assert entries[name][0] == version, f"{name}: {version} in requirements.txt, {entries[name][0]} in the lock"
