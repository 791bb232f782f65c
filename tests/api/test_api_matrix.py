"""Every operation of the live OpenAPI schema, for every kind of person: the status each gets.

One row per operation, keyed "METHOD /path" as the schema spells the path (without /api/v1),
optionally followed by " @target" to name which of the scenario's objects fills the path's
parameters (`api_scenario` in tests/api/conftest.py: "draft", "submitted", "decided", "asked",
"system", "assessment" and an assessment at each later step; "submitted" unless named). An
operation may have several rows, one per target. An operation of the schema without a row fails
`test_every_operation_has_a_row`: a new endpoint cannot ship without a decision about who may
call it.

Adding a row, in one line:

    "GET /systems/{system_id} @system": row(ok={PREPARER, SUBMITTER, ORG_ADMIN, SECAS}),

`row()` fills in the rest: no token, a revoked and an expired token get 401; a read token on
an operation that writes gets 403; everyone not in `ok` gets `otherwise` (404: what a person
may not see does not exist for them); `status` is what those in `ok` get (200). Override any
single person with `exceptions={SSC: 403}`; send a body with `body={...}` and headers with
`headers={...}` (e.g. an Idempotency-Key or If-Match). Either may instead be a function of the
scenario and the target, called afresh for each person: `headers=if_match` sends the target's
current ETag, `body=a_file(...)` a new upload; `multipart=True` sends the body as
multipart/form-data. A write row's target is in the state where those in `ok` succeed, so
the row shows that they can, not only that the others cannot; each call is undone, so every
person meets the same data."""

import json
from collections.abc import Callable
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
    Scenario,
)
from tests.assessments.journey import in_days
from tests.uploads import PDF_BYTES, upload

pytestmark = pytest.mark.django_db

READ_TOKENS = frozenset({PREPARER_READ, SECAS_READ})
ORGANISATION = frozenset({PREPARER_READ, PREPARER, SUBMITTER, ORG_ADMIN})
# Those who may submit, withdraw and answer for the organisation (the preparer may not).
SUBMITTERS = frozenset({SUBMITTER, ORG_ADMIN})
COMMITTEE_SIDE = frozenset({SECAS_READ, SECAS, SSC})
# The committee's lists: a conflicted member sees them too, less what they are conflicted with.
COMMITTEE = COMMITTEE_SIDE | {CONFLICTED}
SECAS_ONLY = frozenset({SECAS_READ, SECAS})
SIGNED_IN = frozenset(PEOPLE) - UNSIGNED
SAFE = {"GET", "HEAD", "OPTIONS"}

# A body or headers: as written, or made for each call from the scenario and the row's target
# (a current ETag, the scenario's organisation, a fresh file to upload).
Given = dict | Callable[[Scenario, str], dict] | None


@dataclass(frozen=True)
class Row:
    ok: frozenset
    status: int = 200
    otherwise: int = 404
    exceptions: dict = field(default_factory=dict)
    body: Given = None
    headers: Given = field(default_factory=dict)
    multipart: bool = False  # the body as multipart/form-data (files included), not JSON

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


def given(value: Given, scenario: Scenario, target: str) -> dict:
    return (value(scenario, target) if callable(value) else value) or {}


def if_match(scenario: Scenario, target: str) -> dict:
    """The target notification's current ETag, read as a client reads it (the submitter sees
    drafts and submitted cases alike)."""
    path = scenario.path("/notifications/{notification_id}", target)
    read = scenario.client(SUBMITTER).get(path)
    assert read.status_code == 200, read.content
    return {"If-Match": read["ETag"]}


def new_draft(scenario: Scenario, target: str) -> dict:
    """A draft for the target organisation (the scenario's own unless named)."""
    organisation_id = scenario.target(target).get("organisation_id", scenario.organisation.pk)
    return {"organisation_id": organisation_id, "system_name": "Customer app"}


def a_file(**fields) -> Callable[[Scenario, str], dict]:
    """A multipart body with a fresh PDF under `file` (an upload is read once)."""
    return lambda scenario, target: {**fields, "file": upload("evidence.pdf", PDF_BYTES)}


def cio_review(scenario: Scenario, target: str) -> dict:
    return {
        "cio_name": "A. CIO",
        "reviewed_on": str(in_days(0)),
        "response_due_date": str(in_days(14)),
        "file1-file": upload("cio-review.pdf", PDF_BYTES),
    }


def report(scenario: Scenario, target: str) -> dict:
    return {
        "received_on": str(in_days(-20)),
        "fieldwork_ended_on": str(in_days(-30)),
        "response_due_date": str(in_days(10)),
        "file1-file": upload("cio-report.pdf", PDF_BYTES),
        "file1-tlp": "red",
    }


def the_response(scenario: Scenario, target: str) -> dict:
    return {"received_on": str(in_days(0)), "file1-file": upload("response.pdf", PDF_BYTES)}


def schedule(scenario: Scenario, target: str) -> dict:
    return {
        "cio_name": "Alex Auditor",
        "fieldwork_start_date": str(in_days(10)),
        "fieldwork_end_date": str(in_days(20)),
    }


def panel_decision(scenario: Scenario, target: str) -> dict:
    return {
        "panel_meeting_date": str(in_days(-1)),
        "status": "approved",
        "rationale": "As proposed.",
    }


WITHDRAWAL = {"reason": "The project has been cancelled."}
ANSWER = {"response": "Two hosts in London."}

MATRIX: dict[str, Row] = {
    # --- The User's side -----------------------------------------------------------------------
    # Anyone signed in may list: each sees only their own (tests/api/test_foundation.py).
    "GET /notifications": row(ok=SIGNED_IN),
    # A draft is its organisation's own business; submitted, SECAS and unconflicted SSC see it.
    "GET /notifications/{notification_id} @draft": row(ok=ORGANISATION),
    "GET /notifications/{notification_id} @submitted": row(ok=ORGANISATION | COMMITTEE_SIDE),
    "GET /notifications/{notification_id} @decided": row(ok=ORGANISATION | COMMITTEE_SIDE),
    # Any of the organisation's people may start a draft for it; nobody else knows it is there.
    "POST /notifications @organisation": row(ok=ORGANISATION, status=201, body=new_draft),
    "POST /notifications @other-organisation": row(ok={OTHER_ORG}, status=201, body=new_draft),
    # A draft is changed by its organisation's people, sending the ETag they read; once
    # submitted it is refused (409) to them, and stays unknown (404) to everyone else.
    "PATCH /notifications/{notification_id} @draft": row(
        ok=ORGANISATION, body={"purpose": "Changed purpose."}, headers=if_match
    ),
    "PATCH /notifications/{notification_id} @submitted": row(
        ok=ORGANISATION, status=409, body={"purpose": "Changed purpose."}, headers=if_match
    ),
    "POST /notifications/{notification_id}/attachments @draft": row(
        ok=ORGANISATION,
        status=201,
        multipart=True,
        body=a_file(tlp="amber", description="Network diagram"),
    ),
    "POST /notifications/{notification_id}/attachments @submitted": row(
        ok=ORGANISATION,
        status=409,
        multipart=True,
        body=a_file(tlp="amber", description="Network diagram"),
    ),
    # Submitting is for submitters and admins (the preparer asks one of them: 403).
    "POST /notifications/{notification_id}/submit @draft": row(
        ok=SUBMITTERS,
        body={"declaration": True},
        headers=if_match,
        exceptions={PREPARER: 403},
    ),
    "POST /notifications/{notification_id}/submit @submitted": row(
        ok=SUBMITTERS,
        status=409,
        body={"declaration": True},
        headers=if_match,
        exceptions={PREPARER: 403},
    ),
    # Withdrawing: submitters and admins of the organisation, and SECAS (not an SSC member,
    # who sees the case: 403); a draft only its organisation sees; a decided case is final.
    "POST /notifications/{notification_id}/withdraw @draft": row(
        ok=SUBMITTERS, body=WITHDRAWAL, exceptions={PREPARER: 403}
    ),
    "POST /notifications/{notification_id}/withdraw @submitted": row(
        ok=SUBMITTERS | {SECAS}, body=WITHDRAWAL, exceptions={PREPARER: 403, SSC: 403}
    ),
    "POST /notifications/{notification_id}/withdraw @decided": row(
        ok=SUBMITTERS | {SECAS}, status=409, body=WITHDRAWAL, exceptions={PREPARER: 403, SSC: 403}
    ),
    # Answering the SSC's open question: submitters and admins; a case without one is 409.
    "POST /notifications/{notification_id}/answers @asked": row(
        ok=SUBMITTERS,
        status=201,
        body=ANSWER,
        exceptions={PREPARER: 403, SECAS: 403, SSC: 403},
    ),
    "POST /notifications/{notification_id}/answers @submitted": row(
        ok=SUBMITTERS,
        status=409,
        body=ANSWER,
        exceptions={PREPARER: 403, SECAS: 403, SSC: 403},
    ),
    # The decision letter: whoever sees the case, once it is decided; before, there is none.
    "GET /notifications/{notification_id}/decision-letter @decided": row(
        ok=ORGANISATION | COMMITTEE_SIDE
    ),
    "GET /notifications/{notification_id}/decision-letter @submitted": row(ok=set()),
    "GET /systems": row(ok=SIGNED_IN),
    "GET /systems/{system_id} @system": row(ok=ORGANISATION | COMMITTEE_SIDE),
    "GET /decisions": row(ok=SIGNED_IN),
    # --- The committee's side ------------------------------------------------------------------
    # SECAS and SSC members; a conflicted member sees the lists without what they are
    # conflicted with, and not the case; the User's people do not know these exist.
    "GET /queue": row(ok=COMMITTEE),
    "GET /organisations-at-risk": row(ok=COMMITTEE),
    "GET /cases/{notification_id} @submitted": row(ok=COMMITTEE_SIDE),
    "GET /cases/{notification_id} @decided": row(ok=COMMITTEE_SIDE),
    "GET /cases/{notification_id} @draft": row(ok=set()),
    # SECAS's tracking: SECAS only (its read token reads); everyone else 404, as on the pages.
    "GET /assessments": row(ok=SECAS_ONLY),
    "GET /assessments/{assessment_id} @assessment": row(ok=SECAS_ONLY),
    "GET /annual-reviews": row(ok=SECAS_ONLY),
    "GET /awaiting": row(ok=SECAS_ONLY),
    # Each step on an assessment at the state it follows, with the page's valid form.
    "POST /assessments/{assessment_id}/schedule @assessment": row(ok=SECAS_ONLY, body=schedule),
    "POST /assessments/{assessment_id}/start-fieldwork @scheduled": row(
        ok=SECAS_ONLY, body=lambda scenario, target: {"started_on": str(in_days(-40))}
    ),
    # A step the assessment's state refuses is 409 to SECAS, still 404 to everyone else.
    "POST /assessments/{assessment_id}/start-fieldwork @assessment": row(
        ok=SECAS_ONLY, status=409, body=lambda scenario, target: {"started_on": str(in_days(0))}
    ),
    "POST /assessments/{assessment_id}/report @fieldwork": row(
        ok=SECAS_ONLY, multipart=True, body=report
    ),
    "POST /assessments/{assessment_id}/cio-review @self-assessed": row(
        ok=SECAS_ONLY, multipart=True, body=cio_review
    ),
    "POST /assessments/{assessment_id}/response @report-received": row(
        ok=SECAS_ONLY, multipart=True, body=the_response
    ),
    "POST /assessments/{assessment_id}/proposal @response-received": row(
        ok=SECAS_ONLY, body={"status": "approved", "rationale": "The report supports it."}
    ),
    "POST /assessments/{assessment_id}/proposal/withdraw @proposed": row(
        ok=SECAS_ONLY, body={"reason": "Proposed the wrong status."}
    ),
    "POST /assessments/{assessment_id}/panel-decision @proposed": row(
        ok=SECAS_ONLY, body=panel_decision
    ),
    "POST /assessments/{assessment_id}/counts-as-annual-review @assessment": row(
        ok=SECAS_ONLY, body={"counts_as_annual_review": True, "reason": "It covers every system."}
    ),
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


def call(scenario, who: str, method: str, path: str, row: Row, target: str) -> int:
    """One call as one person, its effects undone, so the next person meets the same data."""
    cache.clear()  # a fresh rate-limit window for every call
    client = scenario.client(who)
    status = 0
    try:
        with transaction.atomic():
            body, headers = given(row.body, scenario, target), given(row.headers, scenario, target)
            if method == "GET":
                response = client.get(path, headers=headers)
            elif row.multipart:
                response = client.client.post(f"/api/v1{path}", body, **client._headers(headers))
            else:
                response = getattr(client.client, method.lower())(
                    f"/api/v1{path}",
                    data=json.dumps(body),
                    content_type="application/json",
                    **client._headers(headers),
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
    actual = {who: call(api_scenario, who, method, path, MATRIX[key], target) for who in PEOPLE}
    wrong = {who: f"expected {expected[who]}, got {actual[who]}" for who in PEOPLE}
    wrong = {who: text for who, text in wrong.items() if expected[who] != actual[who]}
    assert not wrong, f"{method} {path}:\n" + "\n".join(f"  {w}: {t}" for w, t in wrong.items())
