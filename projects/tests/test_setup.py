"""The newcomer's setup: an admin login with a generated password, and settings from the environment."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_ensure_admin_creates_one_superuser_with_a_generated_password(db):
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    password = out.getvalue().split("password: ")[1].split()[0]
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password(password)
    assert user.profile.role == "office"

    out2 = StringIO()
    call_command("ensure_admin", stdout=out2)
    assert "password:" not in out2.getvalue()
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_ensure_admin_passwords_differ_between_databases(db):
    passwords = set()
    for _ in range(2):
        get_user_model().objects.all().delete()
        out = StringIO()
        call_command("ensure_admin", stdout=out)
        passwords.add(out.getvalue().split("password: ")[1].split()[0])
    assert len(passwords) == 2


def run_manage(*args, env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TRACKER_"))}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_production_mode_refuses_to_start_without_a_real_secret_key():
    result = run_manage("check", env={"TRACKER_ENV": "production", "DJANGO_ALLOWED_HOSTS": "tracker.example"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_mode_passes_the_deployment_checks():
    env = {
        "TRACKER_ENV": "production",
        "DJANGO_SECRET_KEY": "k" * 10 + "Zx9-Qw8_Er7+Ty6=Ui5!Op4@As3#Df2$Gh1%Jk0^Lz" + "m" * 10,
        "DJANGO_ALLOWED_HOSTS": "tracker.example",
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_token_lifetime_and_session_idle_time_come_from_the_environment():
    code = ("from django.conf import settings as s; print(s.SESSION_COOKIE_AGE, "
            "s.REST_KNOX['TOKEN_TTL'].days, s.TRACKER_API_TOKEN_DAYS, s.TRACKER_API_TOKENS_PER_USER)")
    result = run_manage("shell", "--no-imports", "-c", code, env={
        "TRACKER_SESSION_IDLE_MINUTES": "10", "TRACKER_API_TOKEN_DAYS": "7", "TRACKER_API_TOKENS_PER_USER": "3"})
    assert result.stdout.split() == ["600", "7", "7", "3"], result.stderr
    refused = run_manage("check", env={"TRACKER_SESSION_IDLE_MINUTES": "0"})
    assert refused.returncode != 0 and "TRACKER_SESSION_IDLE_MINUTES must be at least 1" in refused.stderr


def test_a_log_folder_that_cannot_be_made_stops_the_start_with_what_to_do_not_a_traceback(tmp_path):
    """As the user tracker, TRACKER_LOG_DIR=/var/log/tracker cannot be made when nothing made it for
    that user (here: a file in the way): the command says which setting, why and what to do."""
    (tmp_path / "file").write_text("not a folder")
    result = run_manage("check", env={"TRACKER_LOG_DIR": str(tmp_path / "file" / "logs")})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert f"TRACKER_LOG_DIR={tmp_path / 'file' / 'logs'} cannot be used by the user" in result.stderr
    assert "LogsDirectory=tracker" in result.stderr and "install -d" in result.stderr
    # Other settings errors are said the same way.
    refused = run_manage("check", env={"TRACKER_SESSION_IDLE_MINUTES": "0"})
    assert "Traceback" not in refused.stderr and "TRACKER_SESSION_IDLE_MINUTES must be at least 1" in refused.stderr


def test_log_files_left_by_another_user_are_named(tmp_path, monkeypatch):
    """A command run as root leaves root's tracker.log behind: the folder is writable, the file is
    not, and the settings say so (root itself can write anything, so os.access is stood in for)."""
    from tracker.logs import LOG_FILES
    from tracker.settings import unusable_directory

    assert unusable_directory(tmp_path / "new", files=LOG_FILES) is None and (tmp_path / "new").is_dir()
    (tmp_path / "new" / "tracker.log").write_text("")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path).endswith("tracker.log")
                        else real_access(path, mode))
    assert unusable_directory(tmp_path / "new", files=LOG_FILES) == (
        "tracker.log in it belongs to another user (a command run as root?)")


def test_the_release_step_keeps_its_lock_inside_static_root(tmp_path, settings):
    """collectstatic's lock is a file in STATIC_ROOT: nothing is left beside it (in the checkout: no
    untracked .staticfiles.lock), and a second release waits for the first."""
    import fcntl

    from projects.management.commands.release import LOCK, static_lock

    settings.STATIC_ROOT = tmp_path / "site" / "staticfiles"
    with static_lock():
        assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["staticfiles"]
        assert (tmp_path / "site" / "staticfiles" / LOCK).is_file()
        with open(tmp_path / "site" / "staticfiles" / LOCK) as other:  # another process's attempt
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                raise AssertionError("the lock was free while held")
            except BlockingIOError:
                pass
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["staticfiles"]
