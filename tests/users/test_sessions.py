"""The idle timeout, written at most once a minute, and sessions through the Redis cache."""

import datetime
import os
import uuid

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

START = datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC)


def at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def later(**delta) -> datetime.datetime:
    return START + datetime.timedelta(**delta)


def visit(client):
    """One page; returns whether the person was still signed in and the session SQL it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    writes = [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"] and q["sql"].lstrip().startswith(("UPDATE", "INSERT"))
    ]
    return response.wsgi_request.user.is_authenticated, writes


def expiry(client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


@pytest.fixture
def signed_in(client, submitter):
    with at(START):
        client.force_login(submitter)
        assert visit(client)[0]
    return client


def test_a_request_within_the_minute_does_not_write_the_session(signed_in):
    before = expiry(signed_in)
    with at(later(seconds=59)):
        still_signed_in, writes = visit(signed_in)
    assert still_signed_in
    assert writes == []
    assert expiry(signed_in) == before


def test_a_request_after_the_minute_pushes_the_expiry_back(signed_in):
    with at(later(seconds=61)):
        still_signed_in, writes = visit(signed_in)
    assert still_signed_in
    assert len(writes) == 1
    assert expiry(signed_in) == later(seconds=61 + settings.SESSION_COOKIE_AGE)


def test_an_idle_31_minutes_signs_out_and_29_do_not(signed_in, submitter):
    with at(later(minutes=29)):
        assert visit(signed_in)[0]
    with at(later(minutes=29 + 31)):
        assert not visit(signed_in)[0]


def test_someone_active_every_50_seconds_stays_signed_in_for_an_hour(signed_in):
    written = 0
    for step in range(1, 72 + 1):
        with at(later(seconds=50 * step)):
            still_signed_in, writes = visit(signed_in)
        assert still_signed_in, f"signed out after {50 * step} s"
        written += len(writes)
    # About one write every second request, not one on every request.
    assert 30 <= written <= 40


def test_an_expired_session_cookie_does_not_start_a_new_session(signed_in):
    before = set(Session.objects.values_list("session_key", flat=True))
    with at(later(minutes=31)):
        assert not visit(signed_in)[0]
    assert set(Session.objects.values_list("session_key", flat=True)) == before


# --- The two-factor device: read once a minute with the session, not on every request -------


def device_reads(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code in (200, 302)
    return sum("otp_totp_totpdevice" in q["sql"] for q in queries)


@pytest.fixture
def verified(client, secas):
    with at(START):
        client.force_login(secas)  # with a verified authenticator (tests/conftest.py)
        assert device_reads(client) == 1
    return client


def test_a_verified_device_is_read_once_a_minute_not_on_every_request(verified):
    with at(later(seconds=30)):
        assert device_reads(verified) == 0
    with at(later(seconds=59)):
        assert device_reads(verified) == 0
    with at(later(seconds=61)):
        assert device_reads(verified) == 1
    with at(later(seconds=90)):
        assert device_reads(verified) == 0


def test_a_removed_device_asks_for_the_second_factor_again_within_a_minute(verified, secas):
    TOTPDevice.objects.filter(user=secas).delete()
    with at(later(seconds=61)):
        response = verified.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("users:two_factor_setup"))


# --- Through the Redis cache, as in production (CI runs it with Redis) ----------------------


@pytest.mark.redis
def test_a_session_survives_requests_through_the_redis_cache(client, submitter, settings):
    url = os.environ.get("REDIS_CACHE_URL") or settings.CELERY_BROKER_URL
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"sscportal-test-{uuid.uuid4().hex}",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cache = caches["default"]
    client.force_login(submitter)
    cached = f"django.contrib.sessions.cached_db{client.session.session_key}"
    try:
        assert cache.get(cached) is not None
        assert client.get(reverse("home")).wsgi_request.user == submitter  # the minute's write
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))
        assert response.wsgi_request.user == submitter
        # Read from Redis: the database is not asked for the session at all.
        assert not [q for q in queries if "django_session" in q["sql"]]
        # Written through to the database too, so a flushed cache signs nobody out.
        cache.delete(cached)
        assert client.get(reverse("home")).wsgi_request.user == submitter
        assert cache.get(cached) is not None
    finally:
        # Only this test's key: the Redis database may be the broker's (never FLUSHDB it).
        cache.delete(cached)
