"""A property-based fuzz of the whole API from its own OpenAPI schema (schemathesis).

The schema is generated in-process (drf-spectacular) and every operation is called through the WSGI
application, as office staff and as a unit reporter (each with its token), on a database with a
record in every table (dbdump.populate_every_model):

- positive mode: requests that the schema says are valid (path ids, query filters, bodies);
- negative mode: requests that break the schema (a wrong type, a missing required field, a value out
  of range, an unknown query parameter…): every one must be refused with a 4xx in the API's one error
  shape (projects/api/exceptions.py), never a 5xx, never accepted;
- stateful: chains of calls that follow the schema's OpenAPI links (create → read, update, delete,
  actions on the created object; projects/api/schema.py adds them), so that the ids are real ones.

Path ids are drawn half from the ids that exist and half freely, so that both the objects and the 404
paths are reached. Every response goes through all of schemathesis' checks that apply (CHECKS below
says which and why not the others) and through `error_shape`.

The run is bounded (FUZZ_EXAMPLES generated requests per operation, mode and role, derandomized; the
stateful run FUZZ_STATEFUL_EXAMPLES scenarios per role) and writes its figures (per mode and role:
operations, examples, failures, statuses, checks run) to artifacts/fuzz.json.
"""

import json
import os
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config._checks import NegativeDataRejectionConfig, PositiveDataAcceptanceConfig
from schemathesis.specs.openapi import checks as openapi_checks

from projects.tests.dbdump import populate_every_model

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "artifacts" / "fuzz.json"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
STATEFUL_EXAMPLES = int(os.environ.get("FUZZ_STATEFUL_EXAMPLES", "40"))
STATEFUL_STEPS = int(os.environ.get("FUZZ_STATEFUL_STEPS", "8"))
ROLES = ("office", "reporter")
MODES = {"positive": GenerationMode.POSITIVE, "negative": GenerationMode.NEGATIVE}


# --- the checks -------------------------------------------------------------------------------------


def error_shape(ctx, response, case):
    """Every error answers the one error shape of projects/api/exceptions.py, its `status` the
    response's status (the schema's Error component says the types; this says they agree)."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict) and body.get("status") == response.status_code, (
        f"error body {body!r:.300} does not carry status {response.status_code}")
    assert isinstance(body.get("code"), str) and body["code"], f"error body {body!r:.300} has no code"
    assert isinstance(body.get("detail"), str) and body["detail"], f"error body {body!r:.300} has no detail"
    assert isinstance(body.get("errors"), list), f"error body {body!r:.300} has no errors list"
    if response.status_code == 400 and body["code"] == "invalid":
        assert body["errors"], f"a 400 for invalid input names no field: {body!r:.300}"
    return None


# Why a request the schema calls valid may still be refused (400): what an OpenAPI schema cannot state.
# A reference to a record that does not exist (body: does_not_exist; a filter by id: invalid_choice on
# an integer parameter), a duplicate (unique), an order between two fields, a rule of the workflow or
# of the domain (projects/exceptions.py; each with a code of its own). The codes below are what a
# schema can state (type, format, enum, range, length, required, known parameters): a positive request
# refused with one of them means the schema promises what the API does not accept.
SCHEMA_CODES = {"invalid", "required", "null", "blank", "empty", "min_value", "max_value", "min_length",
                "max_length", "max_digits", "max_decimal_places", "max_whole_digits", "not_a_list",
                "incorrect_type", "invalid_choice", "parse_error", "unknown_parameter", "date", "datetime",
                "data_error", "too_large"}


def refused_for_what_the_schema_cannot_state(response, case):
    if response.status_code != 400:
        return False
    body = response.json()
    errors = body.get("errors") or []
    if not errors:
        return False
    integer_parameters = {p.name for p in case.operation.iter_parameters()
                          if (p.definition.get("schema") or {}).get("type") == "integer"}
    for error in errors:
        if error["code"] == "invalid_choice" and error["field"] in integer_parameters:
            continue  # a filter by the id of a record that does not exist
        if error["code"] in SCHEMA_CODES:
            return False
    return True


def positive_data_acceptance(ctx, response, case):
    """schemathesis' positive_data_acceptance (a request the schema calls valid is answered 2xx, or
    401/403/404/409), allowing a 400 only for what the schema cannot state (SCHEMA_CODES)."""
    if refused_for_what_the_schema_cannot_state(response, case):
        return None
    return openapi_checks.positive_data_acceptance(ctx, response, case)


def use_after_free(ctx, response, case):
    """schemathesis' use_after_free (what was deleted answers 404), except the history of a deleted
    record (GET …/{id}/history/): it stays readable by design, the audit trail saying who deleted it
    and when (test_audit_api.py::test_the_history_of_a_deleted_object_stays_reachable)."""
    if case.operation.path.endswith("/history/"):
        return None
    return openapi_checks.use_after_free(ctx, response, case)


# Operations shown to refuse missing and invalid credentials: enforcement is the operation's, whatever
# the role or mode, so each is probed once in the whole run.
AUTH_ENFORCED = set()


def ignored_auth(ctx, response, case):
    """schemathesis' ignored_auth (a 2xx re-sent without the token, then with an invalid one, must
    answer 401/403), probing each operation once per run as the schemathesis CLI does."""
    ctx.auth_enforced_operations = AUTH_ENFORCED
    return openapi_checks.ignored_auth(ctx, response, case)


# Every per-response check schemathesis has, with the reason where one does not apply:
# - missing_required_header: judges only the cases of schemathesis' coverage phase that leave out a
#   required header; the API requires none (If-Match and X-Change-Reason are optional).
# - unsupported_method, allow_header_conformance: they judge only coverage-phase cases sent with an
#   undocumented method, and OPTIONS answers; our cases come from the fuzzing and stateful phases.
#   What they check is checked for every path below
#   (test_every_path_says_which_methods_it_takes_as_the_schema_does).
# - object_level_authorization: needs two identities of which one must not read what the other
#   created; in this API every role reads every record (docs/roles.md), so the check has nothing to
#   find. What each role may write is tested as a table in test_role_table.py.
# - max_response_time: a timing; the suite has no timed tests.
# positive_data_acceptance and negative_data_rejection judge each case by its mode (a positive case
# is not judged by negative_data_rejection and vice versa); use_after_free and
# ensure_resource_availability need the recorded chain of a stateful scenario and judge nothing
# elsewhere.
CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
    positive_data_acceptance,
    openapi_checks.negative_data_rejection,
    use_after_free,
    openapi_checks.ensure_resource_availability,
    ignored_auth,
    error_shape,
]
CHECK_NAMES = sorted(check.__name__ for check in CHECKS)


# --- the world --------------------------------------------------------------------------------------


def openapi_document():
    """The schema as served, through JSON (lazy translations and decimals become plain values)."""
    from rest_framework.renderers import JSONRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(JSONRenderer().render(document))


def multipart_names_that_can_be_sent(context, body):
    """filter_body hook: a multipart body's field names have no quote or line break. Such a name
    cannot be written in a part's Content-Disposition (RFC 7578; schemathesis writes it raw), so the
    request sent would not be the one generated: the server reads a broken body (the file lost)."""
    if not isinstance(body, dict) or context.operation is None:
        return True
    request_body = context.operation.definition.raw.get("requestBody", {})
    if "multipart/form-data" not in request_body.get("content", {}):
        return True
    return not any(isinstance(name, str) and any(c in name for c in '"\r\n') for name in body)


def load_schema(app):
    """The schema, its requests sent to the WSGI application (the probes of ignored_auth too)."""
    schema = schemathesis.openapi.from_dict(openapi_document())
    schema.app = app
    schema.config.update(base_url="http://testserver")
    schema.hooks.register_hook_with_name(multipart_names_that_can_be_sent, "filter_body")
    checks = schema.config.checks
    # schemathesis' lists, plus 412: If-Match naming a version that is not the current one is refused
    # before the body is read (RFC 9110 §13.2.1), whether the body is valid or not; the schema cannot
    # know the current version, as it cannot know which ids exist (404) or what conflicts (409).
    checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=[*checks.positive_data_acceptance.expected_statuses, "412"])
    checks.negative_data_rejection = NegativeDataRejectionConfig(
        expected_statuses=[*checks.negative_data_rejection.expected_statuses, "412"])
    return schema


def fuzzed_operations(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    # Revoking the caller's token would log the rest of the run out; it is tested in test_access.py.
    return [op for op in operations if not (op.method.upper() == "DELETE" and op.path == "/api/auth/token/")]


def existing_ids(operation):
    """{path parameter: ids of existing records} for the operation's path parameters."""
    names = [p.name for p in operation.iter_parameters() if p.location.name == "PATH"]
    if not names:
        return {}
    try:
        match = resolve(operation.path.format(**{name: 1 for name in names}))
    except Resolver404:
        return {}
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    ids = {}
    for name in names:
        model = getattr(view, "parent_model", None) if name.endswith("_pk") else None
        if model is None and name in ("id", "pk"):
            queryset = getattr(view, "queryset", None)
            model = getattr(queryset, "model", None)
        if model is not None:
            found = list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:20])
            if found:
                ids[name] = found
    return ids


def strategy_of(operation, mode):
    """Cases of the operation in the mode: half with path ids that exist (when it has any)."""
    free = operation.as_strategy(generation_mode=mode)
    ids = existing_ids(operation)
    if not ids:
        return free
    fixed = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in ids.items()}).flatmap(
        lambda path: operation.as_strategy(generation_mode=mode, path_parameters=path))
    return st.one_of(fixed, free)


@pytest.fixture
def world(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    populate_every_model()
    from django.contrib.auth import get_user_model

    User = get_user_model()
    from projects.models import ApiToken

    tokens = {role: ApiToken.objects.create(user=User.objects.get(username=role))[1] for role in ROLES}
    # Like Django's test client: the test's transaction must survive the end of each request,
    # which otherwise closes the connection (PostgreSQL) through close_old_connections.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application(), tokens
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def headers_for(token):
    return {"Authorization": f"Token {token}", "Accept-Language": "en"}


@pytest.fixture(scope="module", autouse=True)
def fresh_figures():
    """artifacts/fuzz.json holds this run's figures only."""
    FIGURES.unlink(missing_ok=True)


def record_figures(key, figures):
    """Merges one run's figures into artifacts/fuzz.json (each test writes its own key)."""
    FIGURES.parent.mkdir(exist_ok=True)
    try:
        document = json.loads(FIGURES.read_text())
    except (FileNotFoundError, ValueError):
        document = {}
    document.setdefault("runs", {})[key] = {**figures, "database": connection.vendor}
    document["examples_per_operation"] = EXAMPLES
    document["stateful"] = {"scenarios": STATEFUL_EXAMPLES, "max_steps": STATEFUL_STEPS}
    document["checks"] = CHECK_NAMES
    FIGURES.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
    print(f"fuzz {key}:", json.dumps(figures, sort_keys=True))


def describe_failure(case, response, exc):
    return (f"{case.operation.label}: {case.method} {case.formatted_path} query={case.query} "
            f"body={case.body!r:.300} -> {response.status_code} {response.text[:300]}\n{exc}")


def tally_response(tally, response):
    tally["examples"] += 1
    status = str(response.status_code)
    tally["statuses"][status] = tally["statuses"].get(status, 0) + 1


# --- positive and negative --------------------------------------------------------------------------


def fuzz_operation(operation, mode, headers, tally):
    """Runs EXAMPLES generated cases of one operation; returns the failures as text."""
    failures = []

    @given(case=strategy_of(operation, mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        response = case.call(headers=headers)
        tally_response(tally, response)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure is collected
            failures.append(describe_failure(case, response, exc))

    try:
        run()
    except Unsatisfiable:
        tally["no_cases"].append(operation.label)  # nothing in it can be made invalid
    return failures


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.django_db(transaction=False)
def test_the_whole_api_conforms_to_its_schema_under_fuzzing(world, mode, role):
    app, tokens = world
    schema = load_schema(app)
    operations = fuzzed_operations(schema)
    tally = {"operations": len(operations), "examples": 0, "statuses": {}, "failures": 0, "no_cases": [],
             "checks": CHECK_NAMES}
    all_failures = []
    for operation in operations:
        failures = fuzz_operation(operation, MODES[mode], headers_for(tokens[role]), tally)
        tally["failures"] += len(failures)
        all_failures += failures
    tally["server_errors"] = sum(n for status, n in tally["statuses"].items() if status.startswith("5"))
    tally["auth_probed_operations"] = len(AUTH_ENFORCED)  # in the run so far (ignored_auth)
    tally["failure_samples"] = [failure[:1500] for failure in all_failures[:400]]
    record_figures(f"{mode}/{role}", tally)
    assert len(operations) > 100
    assert tally["examples"] >= len(operations) - len(tally["no_cases"])
    assert not all_failures, f"{len(all_failures)} failures:\n\n" + "\n\n".join(all_failures[:30])


# --- stateful ---------------------------------------------------------------------------------------


def schema_links(schema):
    """{source operation label: [link names]} of the OpenAPI links the schema declares."""
    links = {}
    for path, item in schema.raw_schema["paths"].items():
        for method, operation in item.items():
            for response in operation.get("responses", {}).values():
                if response.get("links"):
                    links.setdefault(f"{method.upper()} {path}", []).extend(response["links"])
    return links


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.django_db(transaction=False)
def test_chains_of_calls_along_the_schema_links_conform(world, role):
    """Scenarios of up to FUZZ_STATEFUL_STEPS valid calls: a create, then calls on the created object
    through the links (read, update, delete, actions, history, nested lists, creates that refer to it;
    also the links schemathesis infers from lists to items); use_after_free and
    ensure_resource_availability judge the chains."""
    app, tokens = world
    schema = load_schema(app)
    links = schema_links(schema)
    # Chains are built from valid calls (an invalid create makes no object to follow); invalid calls on
    # objects that exist are the negative run's (strategy_of draws half of its ids from the database).
    schema.config.generation.modes = [GenerationMode.POSITIVE]
    headers = headers_for(tokens[role])
    tally = {"examples": 0, "statuses": {}, "failures": 0, "checks": CHECK_NAMES, "steps_along_links": 0,
             "links_followed": set(), "links_in_schema": sum(len(names) for names in links.values()),
             "operations_with_links": len(links)}
    failures, called = [], set()

    class Workflow(schema.as_state_machine()):
        # Each scenario starts from the same database (a savepoint rolled back at its end), so that
        # what a scenario reads does not depend on the scenarios before it (Hypothesis replays them).
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def step(self, input):
            if input.transition is not None and input.applied_parameters:
                tally["steps_along_links"] += 1
                tally["links_followed"].add(f"{input.transition.id}")
            return super().step(input)

        def after_call(self, response, case):
            super().after_call(response, case)
            tally_response(tally, response)
            called.add(case.operation.label)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(response, checks=CHECKS, headers=headers, recorder=self.recorder)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure is collected
                failures.append(describe_failure(case, response, exc))

    Workflow.run(settings=settings(
        max_examples=STATEFUL_EXAMPLES, stateful_step_count=STATEFUL_STEPS, derandomize=True, deadline=None,
        database=None, print_blob=False, suppress_health_check=list(HealthCheck), phases=[Phase.generate]))
    tally["failures"] = len(failures)
    tally["operations"] = len(called)
    tally["links_followed"] = sorted(tally["links_followed"])
    tally["server_errors"] = sum(n for status, n in tally["statuses"].items() if status.startswith("5"))
    tally["failure_samples"] = [failure[:1500] for failure in failures[:400]]
    record_figures(f"stateful/{role}", tally)
    assert tally["links_in_schema"] > 100
    assert tally["steps_along_links"] > 0 and tally["links_followed"]
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures[:30])


# --- methods ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=False)
def test_every_path_says_which_methods_it_takes_as_the_schema_does(world):
    """What schemathesis' allow_header_conformance and unsupported_method judge, for every path of the
    schema (their cases come from a phase the runs above do not use): OPTIONS answers `Allow` with
    exactly the documented methods (and HEAD, OPTIONS), and a method the path does not take answers
    405 in the error shape, with `Allow`."""
    from rest_framework.test import APIClient

    app, tokens = world
    schema = load_schema(app)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens['office']}", HTTP_ACCEPT_LANGUAGE="en")
    paths = {}
    for operation in schema.get_all_operations():
        operation = operation.ok()
        paths.setdefault(operation.path, []).append(operation)
    checked, problems = 0, []
    for path, operations in sorted(paths.items()):
        ids = {}
        for operation in operations:
            ids.update({name: values[0] for name, values in existing_ids(operation).items()})
        names = [p.name for p in operations[0].iter_parameters() if p.location.name == "PATH"]
        url = path.format(**{name: ids.get(name, 1) for name in names})
        documented = {operation.method.upper() for operation in operations}
        response = client.options(url)
        allow = {m.strip() for m in response.get("Allow", "").split(",") if m.strip()} - {"HEAD", "OPTIONS"}
        if response.status_code != 200 or allow != documented:
            problems.append(f"OPTIONS {url}: {response.status_code}, Allow {sorted(allow)} != {sorted(documented)}")
        undocumented = next(m for m in ("PATCH", "DELETE", "PUT", "POST", "GET") if m not in documented)
        response = client.generic(undocumented, url, "{}", content_type="application/json")
        body = response.json()
        if response.status_code != 405 or body.get("status") != 405 or not response.get("Allow"):
            problems.append(f"{undocumented} {url}: {response.status_code} {body}")
        checked += 1
    record_figures("methods/office", {"operations": sum(len(ops) for ops in paths.values()), "paths": checked,
                                      "examples": 2 * checked, "failures": len(problems),
                                      "checks": ["allow_header (OPTIONS)", "unsupported_method (405)"]})
    assert checked == len(paths) > 100
    assert problems == []
