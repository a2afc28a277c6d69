"""Locust users of bench B4 (run by bench/b4.py; not a test). The mix comes from the environment:
B4_WEIGHTS="list,detail,submit" (percent), B4_TOKEN (an office token), B4_PROJECTS (project ids,
comma-separated), B4_YEAR (the year new reports are filed in; each submission takes a fresh
(project, year, month) so that none is refused as a duplicate)."""

import itertools
import os
import random

from locust import FastHttpUser, HttpUser, between, task

LIST, DETAIL, SUBMIT = (int(w) for w in os.environ.get("B4_WEIGHTS", "70,20,10").split(","))
TOKEN = os.environ.get("B4_TOKEN", "")
PROJECTS = [int(p) for p in os.environ.get("B4_PROJECTS", "1").split(",")]
FIRST_YEAR = int(os.environ.get("B4_YEAR", "2040"))
PAGES = max(1, len(PROJECTS) // 50)
SLOTS = itertools.count()  # one process, greenlets: a shared counter hands out unique periods


def check(response, expected):
    if response.status_code != expected:
        text = response.text[:300]
        kind = "database is locked" if "database is locked" in text else f"HTTP {response.status_code}"
        response.failure(f"{kind}: {text}")


CLIENT = os.environ.get("B4_CLIENT", "fast")


class TrackerUser(FastHttpUser if CLIENT == "fast" else HttpUser):
    wait_time = between(0.05, 0.2)

    def on_start(self):
        if CLIENT != "fast":
            self.client.headers["Authorization"] = f"Token {TOKEN}"

    if CLIENT == "fast":
        default_headers = {"Authorization": f"Token {TOKEN}"}

    @task(LIST)
    def project_list(self):
        page = random.randint(1, PAGES)
        with self.client.get(f"/api/projects/?page={page}", name="/api/projects/?page=N",
                             catch_response=True) as response:
            check(response, 200)

    @task(DETAIL)
    def project_detail(self):
        with self.client.get(f"/api/projects/{random.choice(PROJECTS)}/", name="/api/projects/{id}/",
                             catch_response=True) as response:
            check(response, 200)

    @task(SUBMIT)
    def report_submission(self):
        slot = next(SLOTS)
        period, index = divmod(slot, len(PROJECTS))
        body = {"project": PROJECTS[index], "year": FIRST_YEAR + period // 12, "month": period % 12 + 1,
                # Never below the same project's earlier month (that is a 400: a decrease needs a correction).
                "completed_ytd": f"{100 + period * 1000 + index % 900}.00", "progress_note": "bench B4"}
        with self.client.post("/api/reports/", json=body, name="/api/reports/ (POST)",
                              catch_response=True) as response:
            check(response, 201)
