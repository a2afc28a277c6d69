#!/usr/bin/env python3
"""One-command setup for newcomers and CI; needs only Python 3.11+ and pip.

    python3 dev.py run     install into .venv, migrate SQLite, load the fixtures, make sure an
                           admin login exists, serve on http://127.0.0.1:8000/
    python3 dev.py test    install into .venv (with test tools) and run the whole test suite
                           (DATABASE_URL selects the database; SQLite when unset)
    python3 dev.py serve [ADDR] [WORKERS]
                           production-style: migrate, collectstatic, then gunicorn (tracker.wsgi,
                           2 × cores + 1 sync workers) on ADDR (default 0.0.0.0:8000); static files
                           through WhiteNoise, the database from DATABASE_URL
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


def ensure_venv(requirements):
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    files = [ROOT / "requirements.txt", ROOT / requirements]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    sh(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements)
    stamp.write_text(digest)


def has_cjk_font():
    """A Chinese font for the bulletin's PDF (printed by Chromium); without one it shows empty boxes."""
    if shutil.which("fc-list"):
        found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
        return bool(found.strip())
    return any(Path("/usr/share/fonts").glob("**/*[Ww][Qq][Yy]*")) or any(Path("/usr/share/fonts").glob("**/*CJK*"))


def ensure_chromium():
    """Browser tests drive Debian's headless Chromium, which also prints the bulletin's PDF with a
    Chinese font; the PDF's test reads it back with poppler-utils (pdftoppm, pdftotext). Install
    what is missing when we may."""
    packages = [] if shutil.which("chromium") else ["chromium", "chromium-driver"]
    packages += [] if has_cjk_font() else ["fonts-wqy-microhei"]
    packages += [] if shutil.which("pdftoppm") and shutil.which("pdftotext") else ["poppler-utils"]
    if not packages:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        sh("apt-get", "update", "-qq", env=env)
        sh("apt-get", "install", "-y", "-qq", *packages, env=env)
    else:
        print(f"missing: browser tests and the PDF may fail (apt-get install {' '.join(packages)})")


def run(args):
    ensure_venv("requirements.txt")
    manage = [PY, "manage.py"]
    sh(*manage, "migrate", "--noinput", "-v", "0")
    sh(*manage, "load_library")
    sh(*manage, "ensure_admin")
    addr = args[0] if args else "127.0.0.1:8000"
    print(f"\nOpen http://{addr}/admin/ (the API is at /api/, its docs at /api/docs/)\n", flush=True)
    os.execv(str(PY), [str(PY), "manage.py", "runserver", addr])


def serve_command(addr="0.0.0.0:8000", workers=None, python=None):
    """The gunicorn command line of `serve` (also used by bench B4)."""
    workers = workers or 2 * (os.cpu_count() or 1) + 1  # gunicorn's guidance: (2 x cores) + 1
    return [str(python or PY), "-m", "gunicorn", "tracker.wsgi", "--bind", addr, "--workers", str(workers),
            "--worker-class", "sync", "--max-requests", "5000", "--max-requests-jitter", "500",
            "--access-logfile", "-", "--graceful-timeout", "20", "--timeout", "60"]


def serve(args):
    ensure_venv("requirements.txt")
    manage = [PY, "manage.py"]
    sh(*manage, "migrate", "--noinput", "-v", "0")
    sh(*manage, "collectstatic", "--noinput", "-v", "0")
    command = serve_command(*(args[:1] or ["0.0.0.0:8000"]), *(int(a) for a in args[1:2]))
    print("+", " ".join(command[1:]), flush=True)
    os.execv(command[0], command)


def test(args):
    # The bench requirements include the test tools: the suite runs `python -m bench --quick`.
    ensure_venv("requirements-bench.txt")
    if os.environ.get("TRACKER_BROWSER_TESTS", "1") == "1":
        ensure_chromium()
    os.execv(str(PY), [str(PY), "-m", "pytest", *args])


if __name__ == "__main__":
    commands = {"run": run, "test": test, "serve": serve}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        sys.exit(2)
    commands[sys.argv[1]](sys.argv[2:])
