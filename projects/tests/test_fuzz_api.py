"""A property-based fuzz of the whole API from its own OpenAPI schema (schemathesis).

The schema is generated in-process (drf-spectacular), every operation is called through the WSGI
application with generated valid requests (schemathesis' positive mode: path ids, query filters,
bodies), as office staff and as a unit reporter, each with its token, on a database with a record
in every table (dbdump.populate_every_model). Every response must be no server error, carry a
status code the schema documents for the operation, and match the documented body.

The run is bounded (FUZZ_EXAMPLES per operation and role, derandomized) and writes its figures
(operations, examples, failures per role) to artifacts/fuzz.json.
"""

import json
import os
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from projects.tests.dbdump import populate_every_model

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def openapi_document():
    """The schema as served, through JSON (lazy translations and decimals become plain values)."""
    from rest_framework.renderers import JSONRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(JSONRenderer().render(document))


def fuzz_operation(operation, app, headers, tally):
    """Runs EXAMPLES generated cases of one operation; returns the failures as text."""
    failures = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        tally["examples"] += 1
        response = case.call(app=app, headers=headers)
        tally["statuses"][str(response.status_code)] = tally["statuses"].get(str(response.status_code), 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure is collected
            failures.append(f"{operation.label}: {case.method} {case.formatted_path} "
                            f"query={case.query} body={case.body!r:.300} -> {response.status_code}\n{exc}")

    run()
    return failures


@pytest.mark.django_db(transaction=False)
def test_the_whole_api_conforms_to_its_schema_under_fuzzing(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    populate_every_model()
    from django.contrib.auth import get_user_model

    User = get_user_model()
    from projects.models import ApiToken

    tokens = {role: ApiToken.objects.create(user=User.objects.get(username=role))[1]
              for role in ("office", "reporter")}
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_dict(openapi_document())

    # Like Django's test client: the test's transaction must survive the end of each request,
    # which otherwise closes the connection (PostgreSQL) through close_old_connections.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        figures, all_failures = fuzz_everything(schema, app, tokens)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)

    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "fuzz.json").write_text(json.dumps(figures, indent=2, sort_keys=True))
    print("fuzz:", json.dumps(figures, sort_keys=True))
    assert figures["operations"] > 100
    assert all(tally["examples"] >= figures["operations"] for tally in figures["roles"].values())
    assert not all_failures, f"{len(all_failures)} failures:\n\n" + "\n\n".join(all_failures[:30])


def fuzz_everything(schema, app, tokens):
    operations = [result.ok() for result in schema.get_all_operations()]
    # Revoking the caller's token would log the rest of the run out; it is tested in test_access.py.
    operations = [op for op in operations if not (op.method.upper() == "DELETE" and op.path == "/api/auth/token/")]
    figures = {"examples_per_operation": EXAMPLES, "operations": len(operations), "roles": {}}
    all_failures = []
    for role, key in tokens.items():
        headers = {"Authorization": f"Token {key}", "Accept-Language": "en"}
        tally = {"examples": 0, "statuses": {}, "failures": 0}
        for operation in operations:
            failures = fuzz_operation(operation, app, headers, tally)
            tally["failures"] += len(failures)
            all_failures += [f"[{role}] {failure}" for failure in failures]
        figures["roles"][role] = tally
    return figures, all_failures
