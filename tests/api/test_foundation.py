"""Tokens, errors, limits and paging: the API's ground rules, whatever the endpoint."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import ApiToken
from tests.api.conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db


def test_no_token_is_a_problem_not_a_page(client, preparer):
    client.force_login(preparer)
    response = client.get("/api/v1/notifications")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "API token" in response.json()["detail"]


def test_a_token_lists_its_owners_drafts_only(api_as, draft, preparer, other_submitter):
    mine = api_as(preparer).get("/notifications")
    assert mine.status_code == 200
    assert [item["reference"] for item in mine.json()["items"]] == [draft.reference]
    theirs = api_as(other_submitter).get("/notifications")
    assert theirs.json()["count"] == 0
    assert api_as(other_submitter).get(f"/notifications/{draft.pk}").status_code == 404


def test_expired_and_revoked_tokens_are_refused(preparer, draft):
    expired = make_token(preparer)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiClient(expired).get("/notifications").status_code == 401
    revoked = make_token(preparer)
    ApiToken.objects.filter(revoked_at=None, expires_at__gt=timezone.now()).update(
        revoked_at=timezone.now()
    )
    assert ApiClient(revoked).get("/notifications").status_code == 401


def test_a_token_never_signs_in_on_the_pages(preparer, organisation):
    token = make_token(preparer)
    response = ApiClient(token).client.get(
        f"/organisations/{organisation.pk}/", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_paging_is_bounded(api_as, preparer):
    response = api_as(preparer).get("/notifications", {"page_size": 101})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "page_size", "message": "Enter a number of at most 100."}
    ]
    assert api_as(preparer).get("/notifications", {"page": 2}).status_code == 404


def test_rate_limit_answers_429_with_retry_after(api_as, preparer, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    client = api_as(preparer)
    statuses = [client.get("/notifications").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/notifications")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"] == "application/problem+json"


def test_the_schema_documents_problems(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/notifications"]["get"]
    assert "application/problem+json" in operation["responses"]["401"]["content"]
    assert schema["components"]["securitySchemes"]
