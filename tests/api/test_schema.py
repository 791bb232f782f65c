"""schemathesis against the live schema: every operation, fuzzed in process, as real people.

The schema is loaded from the running app (/api/v1/openapi.json through its WSGI handler), so
every operation it has at run time is tested, new ones included. Each operation is called with
cases generated from the schema, valid ones (no 5xx; status, content type and body as the schema
documents them) and invalid ones (the API must refuse what the schema says it refuses), signed
in with read-write tokens of people with data to see (the preparer, whose organisation has a
draft and a submitted case; the submitter; SECAS) and, separately, with read tokens (a read
token on a write must be a documented 403). Path parameters are sometimes the scenario's real
objects, so the bodies of real answers are checked too, not only 404s.

Bounded for CI: a fixed number of examples per operation, derandomised (the same cases every
run), no deadline; about a second per operation on SQLite.
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
        yield schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application())
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
        case.call_and_validate(headers={"Authorization": f"Bearer {scenario.tokens[who]}"})

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
    assert response["Allow"] == "GET"
    assert response.json()["detail"] == "DELETE is not allowed here. Allowed: GET."


def test_an_unknown_address_is_a_problem(api_as, secas):
    response = api_as(secas).get("/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "/api/v1/docs/" in response.json()["detail"]
