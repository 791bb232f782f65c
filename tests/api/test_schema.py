"""schemathesis against the live schema: every operation, fuzzed in process, as real people.

The checks are schemathesis's defaults (no 5xx; status codes, content types, headers and
bodies as documented; invalid data refused) except its "valid data accepted": a form's rules
that no JSON Schema can state (a date within ten years of today, a reason when a flag changes,
a file's type, a meeting that exists, an ETag that is current) refuse schema-valid requests by
design. In its place, a schema-valid request must get past the schema's own validation: a 422
from it means the schema promises what the validation refuses (e.g. 401.0 for an integer).

The schema is loaded from the running app (/api/v1/openapi.json through its WSGI handler), so
every operation it has at run time is tested, new ones included. Each operation is called with
cases generated from the schema, valid ones (no 5xx; status, content type and body as the schema
documents them) and invalid ones (the API must refuse what the schema says it refuses), signed
in with read-write tokens of people with data to see (the preparer, whose organisation has a
draft and a submitted case; the submitter; SECAS) and, separately, with read tokens (a read
token on a write must be a documented 403). Path parameters are sometimes the scenario's real
objects, so the bodies of real answers are checked too, not only 404s.

Bounded for CI: a fixed number of examples per operation, derandomised (the same cases every
run), no deadline; with 26 operations (after issue 15's routers) about 45 s on SQLite or
PostgreSQL.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from api.v1 import SCHEMA_REFUSAL
from tests.api.conftest import PREPARER, PREPARER_READ, SECAS, SECAS_READ, SUBMITTER
from tests.api.test_api_matrix import schema_operations

pytestmark = pytest.mark.django_db(transaction=False)

WRITERS = (PREPARER, SUBMITTER, SECAS)
READERS = (PREPARER_READ, SECAS_READ)
EXAMPLES = {"read-write": 25, "read": 8}
SCHEMA_PATH = "/api/v1/openapi.json"


@pytest.fixture
def live_schema(settings):
    # schemathesis's WSGI client calls the app as "localhost".
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    # As Django's test client does: a request's end must not close the connection that holds
    # the test's transaction (PostgreSQL would lose the scenario, and the test its database).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application())
        # The tokens are ours to send (who may call what, and with which token, is the
        # matrix's business); and an unknown query parameter is ignored, as the schema allows.
        schema.config.generation.update(
            with_security_parameters=False, allow_extra_parameters=False
        )
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def operation_of(schema, key: str):
    method, path = key.split(" ", 1)
    return schema[f"/api/v1{path}"][method]


def strategy_for(operation, scenario):
    """Valid cases, valid cases on the scenario's real objects, and invalid cases."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    names = [p.name for p in operation.path_parameters]
    for target in scenario.targets.values():
        if names and all(name in target for name in names):
            real = {name: target[name] for name in names}
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real))
    return st.one_of(strategies)


def schema_valid_request_passes_validation(ctx, response, case):
    """A request the schema allows is never refused by the schema's own validation."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and response.status_code == 422:
        body = response.json()
        if body.get("detail") == SCHEMA_REFUSAL:
            raise AssertionError(
                "A request the schema allows was refused by its validation: "
                f"{body.get('errors')}. The schema and the validation disagree."
            )


def invalid_data_is_refused(ctx, response, case):
    """schemathesis's own check, for cases it actually made invalid. A "negative" multipart body
    can lose its negation when schemathesis serialises it (a valid PNG goes out as the file), and
    schemathesis then describes it as the "Positive test case" it has become."""
    if case.meta is not None and case.meta.phase.data.description == "Positive test case":
        return None
    return negative_data_rejection(ctx, response, case)


def fuzz(operation, scenario, people, examples: int) -> None:
    @given(case=strategy_for(operation, scenario), who=st.sampled_from(people))
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    def run(case, who):
        cache.clear()
        positive = case.meta is not None and case.meta.generation.mode.is_positive
        if positive and case.media_type == "multipart/form-data" and isinstance(case.body, dict):
            # With extra parts of empty or odd names (which the schema allows) the file did not
            # come through Django's multipart parser; only the fields the schema names are sent.
            body = next(b for b in operation.body if b.media_type == case.media_type)
            declared = body.definition.get("schema", {}).get("properties", {})
            case.body = {name: value for name, value in case.body.items() if name in declared}
        case.call_and_validate(
            headers={"Authorization": f"Bearer {scenario.tokens[who]}"},
            excluded_checks=[positive_data_acceptance, negative_data_rejection],
            additional_checks=[schema_valid_request_passes_validation, invalid_data_is_refused],
        )

    run()


# The operations as the schema has them when the tests are collected (new routers included).
OPERATIONS = sorted(schema_operations())


def test_there_are_operations_to_fuzz():
    assert "GET /notifications" in OPERATIONS


@pytest.mark.parametrize("key", OPERATIONS)
def test_operation_keeps_to_the_schema_with_a_read_write_token(key, live_schema, api_scenario):
    fuzz(operation_of(live_schema, key), api_scenario, WRITERS, EXAMPLES["read-write"])


@pytest.mark.parametrize("key", OPERATIONS)
def test_operation_keeps_to_the_schema_with_a_read_token(key, live_schema, api_scenario):
    fuzz(operation_of(live_schema, key), api_scenario, READERS, EXAMPLES["read"])


def test_a_wrong_method_is_a_problem_with_allow(api_as, secas):
    client = api_as(secas)
    response = client.send("delete", "/notifications")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert "GET" in response["Allow"]
    assert response.json()["detail"].startswith("DELETE is not allowed here. Allowed: ")


def test_an_unknown_address_is_a_problem(api_as, secas):
    response = api_as(secas).get("/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "/api/v1/docs/" in response.json()["detail"]


def test_a_whole_number_is_strict_yet_takes_what_json_schema_calls_an_integer():
    from ninja import Schema
    from pydantic import ValidationError

    from api.paging import whole_number

    class Body(Schema):
        count: whole_number(ge=0, le=10) | None = None

    assert [Body(count=value).count for value in (3, 3.0, None)] == [3, 3, None]
    for refused in (3.5, "3", True, 11.0, -1):
        with pytest.raises(ValidationError):
            Body(count=refused)
    assert Body.model_json_schema()["properties"]["count"]["anyOf"][0] == {
        "maximum": 10,
        "minimum": 0,
        "type": "integer",
    }


def test_a_number_too_large_for_the_database_is_refused_not_an_error(api_as, secas, monkeypatch):
    # As SQLite does with an id beyond 64 bits (schemathesis found it: organisation_id=5.7e31).
    from notifications import selectors

    def overflow(user):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(selectors, "notifications_visible_to", overflow)
    response = api_as(secas).get("/notifications")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "A number in the request is too large to be an id."
