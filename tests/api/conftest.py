"""API fixtures: personal tokens made as the service makes them, and a client that sends them."""

import json
import secrets
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from api.models import TOKEN_PREFIX, ApiToken, hash_token


def make_token(user, scope=ApiToken.Scope.READ_WRITE, *, days=30, name="Test token") -> str:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        secret_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return raw


class ApiClient:
    """Calls /api/v1/ with a token (or none), JSON in and out; never a session."""

    def __init__(self, token: str | None = None):
        self.client = Client(enforce_csrf_checks=True)
        self.token = token

    def _headers(self, headers):
        sent = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        if self.token:
            sent["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        return sent

    def get(self, path, params=None, headers=None):
        return self.client.get(f"/api/v1{path}", params or {}, **self._headers(headers))

    def send(self, method, path, body=None, headers=None):
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            **self._headers(headers),
        )

    def post(self, path, body=None, headers=None):
        return self.send("post", path, body, headers)

    def patch(self, path, body=None, headers=None):
        return self.send("patch", path, body, headers)

    def upload(self, path, data, headers=None):
        return self.client.post(f"/api/v1{path}", data, **self._headers(headers))


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def api_as():
    """`api_as(user, scope=...)`: a client carrying a new token of that person's."""

    def build(user, scope=ApiToken.Scope.READ_WRITE, **kwargs):
        return ApiClient(make_token(user, scope, **kwargs))

    return build
