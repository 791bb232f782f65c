"""The cache and sessions: Redis when a URL is given, the embedded default otherwise (each case
read in a fresh interpreter, as tests/test_settings_module.py does)."""

from tests.test_settings_module import read_setting

CACHE_AND_SESSIONS = "settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE"
NO_CACHE_URL = {"REDIS_CACHE_URL": "", "CACHE_URL": ""}


def test_without_a_cache_url_the_portal_needs_no_redis():
    result = read_setting(CACHE_AND_SESSIONS, DJANGO_DEBUG="true", **NO_CACHE_URL)
    assert result.stdout.split() == [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.contrib.sessions.backends.db",
    ]


def test_a_redis_cache_url_puts_the_cache_and_sessions_on_redis():
    result = read_setting(
        CACHE_AND_SESSIONS + ", settings.CACHES['default']['LOCATION']",
        DJANGO_SECRET_KEY="x" * 50,
        REDIS_CACHE_URL="redis://127.0.0.1:6379/1",
        CACHE_URL="",
    )
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",
        "redis://127.0.0.1:6379/1",
    ]


def test_cache_url_is_read_when_redis_cache_url_is_unset():
    result = read_setting(
        "settings.CACHES['default']['LOCATION']",
        DJANGO_DEBUG="true",
        REDIS_CACHE_URL="",
        CACHE_URL="rediss://cache.example.org:6380/2",
    )
    assert result.stdout.strip() == "rediss://cache.example.org:6380/2"


def test_a_cache_url_that_is_not_redis_is_refused():
    result = read_setting(
        "settings.CACHES", DJANGO_DEBUG="true", REDIS_CACHE_URL="memcached://127.0.0.1:11211"
    )
    assert result.returncode != 0
    assert "REDIS_CACHE_URL must be a redis://" in result.stderr


def test_the_redis_backend_and_its_client_load_in_a_fresh_process():
    # The redis package (from celery[redis]) is what Django's Redis backend needs.
    result = read_setting(
        "__import__('redis').__version__, "
        "__import__('django.core.cache', fromlist=['caches']).caches['default'].__class__.__name__",
        DJANGO_DEBUG="true",
        REDIS_CACHE_URL="redis://127.0.0.1:6379/1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "RedisCache"
