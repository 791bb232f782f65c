"""Every operation of the live OpenAPI schema, for every kind of person: the status each gets.

One row per operation, keyed "METHOD /path" as the schema spells the path (without /api/v1),
optionally followed by " @target" to name which of the scenario's objects fills the path's
parameters (`api_scenario` in tests/api/conftest.py: "draft", "submitted"; "submitted" unless
named). An operation may have several rows, one per target. An operation of the schema without
a row fails `test_every_operation_has_a_row`: a new endpoint cannot ship without a decision
about who may call it.

Adding a row, in one line:

    "GET /systems/{system_id} @submitted": row(ok={PREPARER, SUBMITTER, ORG_ADMIN, SECAS}),

`row()` fills in the rest: no token, a revoked and an expired token get 401; a read token on
an operation that writes gets 403; everyone not in `ok` gets `otherwise` (404: what a person
may not see does not exist for them); `status` is what those in `ok` get (200). Override any
single person with `exceptions={SSC: 403}`; send a body with `body={...}` and headers with
`headers={...}` (e.g. an Idempotency-Key or If-Match).
"""

import json
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.db import transaction

from api.v1 import api
from tests.api.conftest import (
    CONFLICTED,
    ORG_ADMIN,
    OTHER_ORG,
    PEOPLE,
    PREPARER,
    PREPARER_READ,
    SECAS,
    SECAS_READ,
    SSC,
    SUBMITTER,
    UNSIGNED,
)

pytestmark = pytest.mark.django_db

READ_TOKENS = frozenset({PREPARER_READ, SECAS_READ})
ORGANISATION = frozenset({PREPARER_READ, PREPARER, SUBMITTER, ORG_ADMIN})
COMMITTEE_SIDE = frozenset({SECAS_READ, SECAS, SSC})
SIGNED_IN = frozenset(PEOPLE) - UNSIGNED
SAFE = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Row:
    ok: frozenset
    status: int = 200
    otherwise: int = 404
    exceptions: dict = field(default_factory=dict)
    body: dict | None = None
    headers: dict = field(default_factory=dict)

    def expected(self, method: str) -> dict[str, int]:
        answers = {}
        for who in PEOPLE:
            if who in UNSIGNED:
                answers[who] = 401
            elif who in READ_TOKENS and method not in SAFE:
                answers[who] = 403
            else:
                answers[who] = self.status if who in self.ok else self.otherwise
        return {**answers, **self.exceptions}


def row(ok, **kwargs) -> Row:
    return Row(ok=frozenset(ok), **kwargs)


MATRIX: dict[str, Row] = {
    # Anyone signed in may list: each sees only their own (tests/api/test_foundation.py).
    "GET /notifications": row(ok=SIGNED_IN),
    # A draft is its organisation's own business; submitted, SECAS and unconflicted SSC see it.
    "GET /notifications/{notification_id} @draft": row(ok=ORGANISATION),
    "GET /notifications/{notification_id} @submitted": row(ok=ORGANISATION | COMMITTEE_SIDE),
}


def split(key: str) -> tuple[str, str, str]:
    operation, _, target = key.partition(" @")
    method, path = operation.split(" ", 1)
    return method, path, target or "submitted"


def schema_operations() -> set[str]:
    schema = api.get_openapi_schema()
    prefix = "/api/v1"
    return {
        f"{method.upper()} {path.removeprefix(prefix)}"
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_every_operation_has_a_row():
    covered = {" ".join(split(key)[:2]) for key in MATRIX}
    missing = sorted(schema_operations() - covered)
    assert not missing, "operations without a row in MATRIX (tests/api/test_api_matrix.py):\n" + (
        "\n".join(missing)
    )


def test_every_row_is_an_operation():
    stale = sorted(key for key in MATRIX if " ".join(split(key)[:2]) not in schema_operations())
    assert not stale, f"rows for operations the schema no longer has: {stale}"


def test_the_people_are_who_they_say(api_scenario):
    """The matrix means something only if the scenario's people differ as named."""
    assert api_scenario.people[CONFLICTED].conflicts_of_interest.exists()
    assert not api_scenario.people[SSC].conflicts_of_interest.exists()
    assert api_scenario.people[OTHER_ORG].memberships.get().organisation_id != (
        api_scenario.people[SUBMITTER].memberships.get().organisation_id
    )


class _Undo(Exception):
    pass


def call(scenario, who: str, method: str, path: str, row: Row) -> int:
    """One call as one person, its effects undone, so the next person meets the same data."""
    cache.clear()  # a fresh rate-limit window for every call
    client = scenario.client(who)
    status = 0
    try:
        with transaction.atomic():
            if method == "GET":
                response = client.get(path, headers=row.headers)
            else:
                body = json.dumps(row.body or {})
                response = getattr(client.client, method.lower())(
                    f"/api/v1{path}",
                    data=body,
                    content_type="application/json",
                    **client._headers(row.headers),
                )
            status = response.status_code
            assert response["Content-Type"].startswith("application/"), response["Content-Type"]
            raise _Undo
    except _Undo:
        pass
    return status


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_each_person_gets_the_status_of_the_row(key, api_scenario):
    method, template, target = split(key)
    path = api_scenario.path(template, target)
    expected = MATRIX[key].expected(method)
    actual = {who: call(api_scenario, who, method, path, MATRIX[key]) for who in PEOPLE}
    wrong = {who: f"expected {expected[who]}, got {actual[who]}" for who in PEOPLE}
    wrong = {who: text for who, text in wrong.items() if expected[who] != actual[who]}
    assert not wrong, f"{method} {path}:\n" + "\n".join(f"  {w}: {t}" for w, t in wrong.items())
