#!/usr/bin/env python3
"""One-command setup for newcomers and CI; needs only Python 3.11+ and pip.

    python3 dev.py run     install into .venv, migrate SQLite, load the fixtures, make sure an
                           admin login exists, serve on http://127.0.0.1:8000/
    python3 dev.py test    install into .venv (with test tools) and run the whole test suite
                           (DATABASE_URL selects the database; SQLite when unset)
    python3 dev.py release the release step of a deployment, once before the servers start: apply
                           the migrations (PostgreSQL advisory lock: concurrent runs are safe) and
                           collect the static files
    python3 dev.py lock    regenerate requirements.lock (pip-compile --generate-hashes) from requirements.txt
    python3 dev.py wheelhouse [PIP DOWNLOAD OPTIONS]
                           download every wheel of requirements.lock (hash-checked) into wheelhouse/,
                           for an intranet machine without PyPI (e.g. --platform manylinux2014_x86_64
                           --python-version 3.11 for another machine)
    python3 dev.py install [--offline]
                           install the runtime into .venv; --offline: from wheelhouse/ only, every
                           file checked against requirements.lock's hashes (docs/deploy.md)
    python3 dev.py serve [ADDR] [WORKERS]
                           production-style: collectstatic, refuse to start while migrations are
                           missing (it never migrates), then gunicorn (tracker.wsgi, 2 × cores + 1 sync
                           workers) on ADDR (default 127.0.0.1:8000, behind nginx: deploy/); static
                           files through WhiteNoise, the database from DATABASE_URL
"""

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"


def sh(*args, **kwargs):
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], cwd=ROOT, check=True, **kwargs)


LOCK = ROOT / "requirements.lock"
WHEELHOUSE = ROOT / "wheelhouse"
PIP_TOOLS = "pip-tools==7.5.1"


def requirements_digest(requirements):
    files = [ROOT / "requirements.txt", ROOT / requirements]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def ensure_venv(requirements):
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = requirements_digest(requirements)
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    sh(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements)
    stamp.write_text(digest)


def lock(args):
    """requirements.lock: every runtime package pinned with the SHA-256 of each of its files on PyPI."""
    ensure_venv("requirements.txt")
    sh(PY, "-m", "pip", "install", "-q", PIP_TOOLS)
    env = {k: v for k, v in os.environ.items() if k != "PIP_FIND_LINKS"}
    sh(PY, "-m", "piptools", "compile", "--quiet", "--generate-hashes", "--allow-unsafe", "--strip-extras",
       "--no-emit-index-url", "--no-emit-find-links", "--output-file", LOCK.name, "requirements.txt", *args, env=env)


def wheelhouse(args):
    """Download the wheels of requirements.lock (checked against its hashes) into wheelhouse/."""
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    WHEELHOUSE.mkdir(exist_ok=True)
    sh(PY, "-m", "pip", "download", "--disable-pip-version-check", "--require-hashes", "--no-deps",
       "--only-binary=:all:", "--dest", WHEELHOUSE, "-r", LOCK.name, *args)
    print(f"\nCopy {WHEELHOUSE.name}/ and the code to the intranet machine, then run: python3 dev.py install --offline")


def install(args):
    if "--offline" not in args:
        ensure_venv("requirements.txt")
        return
    if not WHEELHOUSE.is_dir():
        sys.exit(f"{WHEELHOUSE} is missing: build it on a machine with PyPI (python3 dev.py wheelhouse) and copy it here.")
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    sh(PY, "-m", "pip", "install", "--disable-pip-version-check", "--no-index", "--find-links", WHEELHOUSE,
       "--require-hashes", "-r", LOCK.name)
    # `release` and `serve` will not reach for PyPI: the runtime is installed.
    (VENV / ".installed-requirements.txt").write_text(requirements_digest("requirements.txt"))


def has_cjk_font():
    """A Chinese font for the bulletin's PDF (printed by Chromium); without one it shows empty boxes."""
    if shutil.which("fc-list"):
        found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
        return bool(found.strip())
    return any(Path("/usr/share/fonts").glob("**/*[Ww][Qq][Yy]*")) or any(Path("/usr/share/fonts").glob("**/*CJK*"))


def apt_install(packages, consequence):
    """Install Debian packages when we may (root with apt-get); say what is missing otherwise."""
    if not packages:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        sh("apt-get", "update", "-qq", env=env)
        sh("apt-get", "install", "-y", "-qq", *packages, env=env)
    else:
        print(f"missing: {consequence} (apt-get install {' '.join(packages)})")


def ensure_chromium():
    """Browser tests drive Debian's headless Chromium, which also prints the bulletin's PDF with a
    Chinese font; the PDF's test reads it back with poppler-utils (pdftoppm, pdftotext). Install
    what is missing when we may."""
    packages = [] if shutil.which("chromium") else ["chromium", "chromium-driver"]
    packages += [] if has_cjk_font() else ["fonts-wqy-microhei"]
    packages += [] if shutil.which("pdftoppm") and shutil.which("pdftotext") else ["poppler-utils"]
    apt_install(packages, "browser tests and the PDF may fail")


def uses_postgresql():
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://"))


def ensure_pg_client():
    """`manage.py backup` / `restore` on PostgreSQL run pg_dump and pg_restore (postgresql-client)."""
    if uses_postgresql() and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        apt_install(["postgresql-client"], "backup and restore on PostgreSQL need pg_dump and pg_restore")


def ensure_nginx():
    """The deployment test (projects/tests/test_deploy_stack.py) runs nginx in front of gunicorn.
    Debian's package does not start a service where policy-rc.d forbids it (containers); the test
    starts its own nginx on a free loopback port either way."""
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        apt_install(["nginx"], "the nginx deployment test is skipped")


def run(args):
    ensure_venv("requirements.txt")
    manage = [PY, "manage.py"]
    sh(*manage, "migrate", "--noinput", "-v", "0")
    sh(*manage, "load_library")
    sh(*manage, "ensure_admin")
    addr = args[0] if args else "127.0.0.1:8000"
    print(f"\nOpen http://{addr}/admin/ (the API is at /api/, its docs at /api/docs/)\n", flush=True)
    os.execv(str(PY), [str(PY), "manage.py", "runserver", addr])


GUNICORN_LOGGING = ROOT / "tracker" / "gunicorn-logging.json"


def serve_command(addr="127.0.0.1:8000", workers=None, python=None):
    """The gunicorn command line of `serve` (also used by bench B4 and the deployment test). The
    application writes its own request log as JSON lines (tracker/logs.py), so gunicorn's access
    log is off; nginx in front keeps its own. gunicorn's own lines (start, workers, timeouts) are
    JSON lines too, like the application's (tracker/gunicorn-logging.json). Sync workers must sit
    behind a buffering proxy: a client that sends half a request holds a worker until --timeout
    (docs/deploy.md).

    --no-control-socket: since 25.1 gunicorn opens a control socket (worker count, reload,
    shutdown) at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl); two servers of one
    machine (tracker@8001, tracker@8002) would take it from each other, and nothing here uses it."""
    workers = workers or 2 * (os.cpu_count() or 1) + 1  # gunicorn's guidance: (2 x cores) + 1
    return [str(python or PY), "-m", "gunicorn", "tracker.wsgi", "--bind", addr, "--workers", str(workers),
            "--worker-class", "sync", "--max-requests", "5000", "--max-requests-jitter", "500",
            "--graceful-timeout", "20", "--timeout", "60", "--no-control-socket",
            "--log-config-json", str(GUNICORN_LOGGING)]


def release(args):
    ensure_venv("requirements.txt")
    ensure_pg_client()
    sh(PY, "manage.py", "release", *args)


def serve(args):
    ensure_venv("requirements.txt")
    ensure_pg_client()
    # Never migrates: several servers starting together would race (the release step does it once).
    sh(PY, "manage.py", "release", "--static-only", "--require-migrated", "-v", "0")
    command = serve_command(*(args[:1] or ["127.0.0.1:8000"]), *(int(a) for a in args[1:2]))
    print("+", " ".join(command[1:]), flush=True)
    os.execv(command[0], command)


def test(args):
    # The bench requirements include the test tools: the suite runs `python -m bench --quick`.
    ensure_venv("requirements-bench.txt")
    if os.environ.get("TRACKER_BROWSER_TESTS", "1") == "1":
        ensure_chromium()
    ensure_pg_client()
    ensure_nginx()
    os.execv(str(PY), [str(PY), "-m", "pytest", *args])


if __name__ == "__main__":
    commands = {"run": run, "test": test, "release": release, "serve": serve, "lock": lock,
                "wheelhouse": wheelhouse, "install": install}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        sys.exit(2)
    try:
        commands[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as exc:
        # The command printed why it failed (e.g. a setting to fix); dev.py's traceback adds nothing.
        sys.exit(exc.returncode)
