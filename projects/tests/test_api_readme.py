"""The curl examples of README.md and docs/api.md, run as written against the test client: get a
token, list 续建 projects of at least 10 亿, fetch one project with its plans and milestones,
submit a report, fetch the schema."""

import json
import re
import shlex
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from projects.choices import Category, Stage
from projects.models import Milestone, MonthlyReport, Project
from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
HOST = "https://tracker.example"
DOCUMENTED_PROJECT_ID = "12"
PASSWORD = "readme-example-password"


def curl_commands(path):
    """The curl commands of the file's ```sh blocks, as argument lists, in document order."""
    text = path.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            args = shlex.split(line, comments=True)
            if args and args[0] == "curl":
                commands.append(args[1:])
    return commands


def parse(args):
    method, headers, data, url = None, {}, None, None
    args = iter(args)
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, value = next(args).split(":", 1)
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            data = next(args)
        else:
            url = arg
    return method or ("POST" if data else "GET"), url, headers, data


def run(api, args, token, project_id):
    method, url, headers, data = parse(args)
    assert url.startswith(HOST), url
    url = url[len(HOST):].replace(f"/projects/{DOCUMENTED_PROJECT_ID}/", f"/projects/{project_id}/")
    api.credentials()
    if "Authorization" in headers:
        assert headers["Authorization"] == "Token $TOKEN"
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    if data is not None:
        body = json.loads(data)
        if body.get("password") == "…":
            body["password"] = PASSWORD
        if body.get("project") == int(DOCUMENTED_PROJECT_ID):
            body["project"] = project_id
        data = json.dumps(body)
    path, _, query = url.partition("?")
    response = api.generic(method, f"{path}?{query}" if query else path, data or "",
                           content_type=headers.get("Content-Type", "application/octet-stream"))
    return urlsplit(url).path, method, response


@pytest.mark.parametrize("doc", ["README.md", "docs/api.md"])
def test_the_documented_requests_work(api, world, doc):
    reporter = world.users["reporter"]
    reporter.username = "fgw-reporter"
    reporter.set_password(PASSWORD)
    reporter.save()
    Project.objects.create(name="小项目", name_en="A small project", category=Category.INDUSTRY,
                           stage=Stage.CONTINUING, total_investment=Decimal("50000"), lead_unit=world.unit)
    Milestone.objects.create(project=world.project, kind="topping_out", planned_date="2013-09-30")
    commands = curl_commands(ROOT / doc)
    seen, token = set(), None
    for args in commands:
        path, method, response = run(api, args, token, world.project.pk)
        assert response.status_code < 300, (doc, method, path, response.status_code, response.content[:300])
        seen.add((method, path))
        if path == "/api/auth/token/" and method == "POST":
            assert set(response.json()) == {"token", "expiry"}
            token = response.json()["token"]
        elif path == "/api/projects/" and method == "GET":
            rows = response.json()["results"]
            assert [row["name"] for row in rows] == [world.project.name, world.other_project.name]
            assert rows[0]["total_investment"] == "200000.00"
        elif path == f"/api/projects/{world.project.pk}/":
            body = response.json()
            assert [plan["year"] for plan in body["annual_plans"]] == [2013]
            assert [m["kind"] for m in body["milestones"]] == ["topping_out"]
        elif path == "/api/reports/" and method == "POST":
            report = MonthlyReport.objects.get(pk=response.json()["id"])
            assert (report.project, report.completed_ytd, report.status) == (world.project, Decimal("62000"), "draft")
        elif path == "/api/schema/":
            assert "/api/projects/" in response.json()["paths"]
    assert {("POST", "/api/auth/token/"), ("GET", "/api/projects/"), ("GET", f"/api/projects/{world.project.pk}/"),
            ("POST", "/api/reports/"), ("GET", "/api/schema/")} <= seen
