"""Run the tracker's daily jobs from one long-lived process, where there are no systemd timers (the
`scheduler` service of deploy/docker/compose.yaml): the same commands at the same times as the
timers of deploy/systemd, in TIME_ZONE (Asia/Shanghai).

    python manage.py run_schedule          # runs until stopped (SIGTERM: docker compose stop)
    python manage.py run_schedule --list   # the next run of each job

Each job runs as `manage.py <command>` in a child process (a failure does not stop the loop; its
output goes to this process's output) and is logged as a JSON line of tracker.schedule: started,
then finished with its exit status and duration (ERROR when it failed). A job whose time passed
while another ran, or while the scheduler was stopped, waits for its next day (the timers'
Persistent=true catch-up is not repeated here)."""

import datetime
import logging
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone


logger = logging.getLogger("tracker.schedule")


@dataclass(frozen=True)
class Job:
    name: str
    at: datetime.time  # local time (TIME_ZONE), every day
    command: tuple  # manage.py arguments


# The timers of deploy/systemd (a test checks that they agree).
JOBS = (
    Job("clearsessions", datetime.time(3, 0), ("clearsessions",)),
    Job("reminders", datetime.time(8, 0), ("send_reminders",)),
    Job("backup", datetime.time(23, 30), ("backup",)),
)


def next_run(job, now):
    """The first time after `now` (aware) at which `job` runs, in the current time zone."""
    now = timezone.localtime(now)
    zone = timezone.get_current_timezone()
    day = now.date()
    while True:
        when = datetime.datetime.combine(day, job.at, tzinfo=zone)
        if when > now:
            return when
        day += datetime.timedelta(days=1)


def upcoming(jobs, now):
    """[(time, job)] of the next run of every job, soonest first."""
    return sorted(((next_run(job, now), job) for job in jobs), key=lambda pair: (pair[0], pair[1].name))


def run_job(job, on_start=None):
    """Run the job's command in a child process; its exit status."""
    started = time.monotonic()
    logger.info("job %s started", job.name, extra={"job": job.name, "command": list(job.command)})
    process = subprocess.Popen([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *job.command],
                               cwd=settings.BASE_DIR)
    if on_start:
        on_start(process)
    status = process.wait()
    seconds = round(time.monotonic() - started, 1)
    logger.log(logging.INFO if status == 0 else logging.ERROR, "job %s finished: exit status %s", job.name, status,
               extra={"job": job.name, "command": list(job.command), "exit_status": status, "seconds": seconds})
    return status


def run_forever(jobs, stop, *, now=timezone.now, wait=None, run=run_job, slice_seconds=60):
    """Run each job at its time until `stop` (a threading.Event) is set. `wait(seconds)` sleeps
    (default: stop.wait); sleeping in slices notices a changed clock within a minute."""
    wait = wait or stop.wait
    while not stop.is_set():
        when, job = upcoming(jobs, now())[0]
        while not stop.is_set():
            remaining = (when - now()).total_seconds()
            if remaining <= 0:
                break
            wait(min(remaining, slice_seconds))
        if stop.is_set():
            break
        run(job)


class Command(BaseCommand):
    help = ("Run the daily jobs (clearsessions 03:00, send_reminders 08:00, backup 23:30, as the systemd "
            "timers) until stopped: the Docker Compose scheduler service.")

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", dest="show_list",
                            help="Print the next run of each job and exit.")

    def handle(self, *args, show_list=False, **options):
        if show_list:
            for when, job in upcoming(JOBS, timezone.now()):
                self.stdout.write(f"{when:%Y-%m-%d %H:%M %Z}  {job.name}: manage.py {' '.join(job.command)}")
            return
        stop = threading.Event()
        child = {}

        def stopping(signum, frame):
            # docker compose stop sends SIGTERM: a running job is asked to stop too, then we leave.
            stop.set()
            if child.get("process") is not None and child["process"].poll() is None:
                child["process"].terminate()

        signal.signal(signal.SIGTERM, stopping)
        signal.signal(signal.SIGINT, stopping)
        logger.info("scheduler started", extra={"jobs": [f"{job.at:%H:%M} {job.name}" for job in JOBS]})
        run_forever(JOBS, stop, run=lambda job: run_job(job, on_start=lambda p: child.update(process=p)))
        logger.info("scheduler stopped")
