"""The schema is written for an integrator who has not seen the code: every operation and every
parameter has a description in Chinese and English, in the schema served in either language, and
none is a note for developers."""

import re

import pytest
from rest_framework.test import APIClient

from projects.api.descriptions import DEVELOPER_NOTES

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b[a-z]{3,}\b")  # an English word, not an acronym such as ISO or YYYY
METHODS = ("get", "post", "put", "patch", "delete")


def faults(text):
    text = text or ""
    found = []
    if not CHINESE.search(text):
        found.append("no Chinese")
    if not ENGLISH.search(text):
        found.append("no English")
    found += [f"developer note {phrase!r}" for phrase in DEVELOPER_NOTES if phrase in text]
    return found


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_operation_and_parameter_is_described_in_both_languages(office, language):
    api = APIClient()
    api.force_authenticate(office)
    schema = api.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language).json()
    problems, operations, parameters = [], 0, 0
    for path, item in schema["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operations += 1
            for fault in faults(operation.get("description")):
                problems.append(f"{method.upper()} {path}: {fault}")
            for parameter in operation.get("parameters", []):
                parameters += 1
                for fault in faults(parameter.get("description")):
                    problems.append(f"{method.upper()} {path} parameter {parameter['name']}: {fault}")
    assert operations > 150 and parameters > 500
    assert problems == []


def test_plain_crud_is_described_from_the_model_and_actions_say_what_they_do(office):
    api = APIClient()
    api.force_authenticate(office)
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    plans = paths["/api/annual-plans/"]["get"]["description"]
    assert plans.startswith("列出年度投资计划（分页；可用下列参数筛选）。 / List annual plans")
    assert "A project's investment plan for one year" in plans
    submit = paths["/api/reports/{id}/submit/"]["post"]["description"]
    assert submit.startswith("报送：") and "Submit a draft report" in submit
    deadline = [p for p in paths["/api/problems/"]["get"]["parameters"] if p["name"] == "deadline_after"][0]
    assert deadline["description"] == "办结时限不早于该日（YYYY-MM-DD）。 / Deadline on or after this date (YYYY-MM-DD)."
    nested = [p for p in paths["/api/projects/{project_pk}/reports/"]["get"]["parameters"]
              if p["name"] == "project_pk"][0]
    assert nested["description"] == "项目编号。 / The project's id."


def test_a_developer_note_is_caught():
    assert faults("CRUD with the role table (projects/permissions.py). 增删改查") == [
        "developer note 'projects/permissions'", "developer note '.py'", "developer note 'CRUD with'"]
    assert faults("仅限该日之后（ISO 日期）") == ["no English"]
