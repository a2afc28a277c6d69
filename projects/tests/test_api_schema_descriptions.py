"""The schema is written for an integrator who has not seen the code: every operation and every
parameter has a description in Chinese and English, in the schema served in either language, and
none is a note for developers."""

import re

import pytest
from rest_framework.test import APIClient

from projects.api.descriptions import DEVELOPER_NOTES

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# A Chinese sentence or clause, not a Chinese term quoted in English ("the template (台账)", "sheets 项目
# and 单位"): Chinese characters, then Chinese punctuation on the same line.
CHINESE_SENTENCE = re.compile(r"[\u4e00-\u9fff][^\n]*?[。；：，、！？]")
ENGLISH = re.compile(r"\b[a-z]{3,}\b")  # an English word, not an acronym such as ISO or YYYY
METHODS = ("get", "post", "put", "patch", "delete")
# The line every operation's description ends with: who may run it (projects/permissions.py, role_line).
ROLE_LINE = re.compile(r"\n*可操作：[^\n]*$")


def service_functions():
    """Names of the service functions (projects/services/*.py): code, not words for an integrator."""
    import importlib
    import inspect
    import pkgutil

    import projects.services

    names = set()
    for module in pkgutil.iter_modules(projects.services.__path__):
        loaded = importlib.import_module(f"projects.services.{module.name}")
        names |= {name for name, value in vars(loaded).items() if inspect.isfunction(value)
                  and value.__module__ == loaded.__name__ and "_" in name.strip("_")}
    return names


SERVICE_FUNCTIONS = service_functions()


def faults(text, operation=False):
    """What is wrong with a description. An operation's is judged without its role line (which is in
    both languages on every operation) and must hold a Chinese sentence, not only Chinese terms."""
    text = text or ""
    if operation:
        text = ROLE_LINE.sub("", text)
    found = []
    if not (CHINESE_SENTENCE if operation else CHINESE).search(text):
        found.append("no Chinese")
    if not ENGLISH.search(text):
        found.append("no English")
    found += [f"developer note {phrase!r}" for phrase in DEVELOPER_NOTES if phrase in text]
    found += [f"service function {name!r}" for name in sorted(SERVICE_FUNCTIONS)
              if re.search(rf"\b{re.escape(name)}\b", text)]
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
            for fault in faults(operation.get("description"), operation=True):
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
    assert faults("Steps of a problem. A new step goes through problem_act. 问题的办理记录。") == [
        "developer note 'goes through'", "service function 'problem_act'"]
    assert "developer note 'archive_services'" in faults("`archive_services` = (archive service, unarchive service).")


def test_english_with_chinese_terms_is_not_chinese():
    role_line = "\n\n可操作：所有角色 / Who may (docs/roles.md): every role."
    assert faults("Your to-do list (我的待办). An auditor: nothing." + role_line, operation=True) == ["no Chinese"]
    assert faults("The review's ranking: the top (激励先进) and bottom (鞭策后进) marked." + role_line,
                  operation=True) == ["no Chinese"]
    assert faults("我的待办：调用者需要处理的事项。 / Your to-do list." + role_line, operation=True) == []


def test_every_response_that_says_something_says_it_in_both_languages(office):
    api = APIClient()
    api.force_authenticate(office)
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    problems = [f"{method.upper()} {path} {code}: {fault}" for path, item in paths.items() for method in METHODS
                for code, response in item.get(method, {}).get("responses", {}).items()
                if response.get("description") for fault in faults(response["description"], operation=True)]
    assert problems == []
