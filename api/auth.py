"""Bearer-token sign-in for the API: tokens only (never the session), scope and rate checked."""

import math
import time

from django.conf import settings
from django.core.cache import cache
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from api import tokens
from api.problems import Problem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sscp_…`. A session cookie signs no one in here, so there is no
    CSRF surface; and a token signs no one in on the pages (they read the session only)."""

    openapi_description = "A personal API token, created on the portal's API tokens page."

    def authenticate(self, request, token):
        api_token = tokens.authenticate(token, request)
        if api_token is None:
            return None
        if request.method not in SAFE_METHODS and not api_token.can_write:
            raise Problem(403, "This token can only read. Create a read and write token to act.")
        # The views, services and policy see the token's owner, exactly as on the pages.
        request.user = api_token.user
        request.api_token = api_token
        return api_token


class PerTokenRateLimit(BaseThrottle):
    """A fixed window of API_RATE_LIMIT_PER_MINUTE calls a token, counted in the shared cache
    (Redis in production), so every worker counts the same calls."""

    window_seconds = 60

    def allow_request(self, request) -> bool:
        token = getattr(request, "api_token", None)
        if token is None:
            return True
        now = time.time()
        window = int(now // self.window_seconds)
        self.retry_after = math.ceil((window + 1) * self.window_seconds - now)
        key = f"api-rate:{token.pk}:{window}"
        cache.add(key, 0, self.window_seconds + 5)
        try:
            calls = cache.incr(key)
        except ValueError:  # Evicted between add and incr: count this call as the first.
            cache.set(key, 1, self.window_seconds + 5)
            calls = 1
        return calls <= settings.API_RATE_LIMIT_PER_MINUTE

    def wait(self) -> float:
        return max(1, self.retry_after)
