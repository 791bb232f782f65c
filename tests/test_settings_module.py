"""The settings read the environment with safe defaults (run in a fresh interpreter each time)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read_setting(expression: str, **environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_"))
    }
    env.update(environment, DJANGO_SETTINGS_MODULE="sscportal.settings")
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = read_setting("settings.SECRET_KEY")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_without_a_database_url_the_portal_uses_sqlite():
    result = read_setting("settings.DATABASES['default']['ENGINE']", DJANGO_DEBUG="true")
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_a_database_url_selects_postgresql():
    result = read_setting(
        "settings.DATABASES['default']['ENGINE']",
        DJANGO_SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://portal@127.0.0.1:5432/portal",
    )
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_without_a_broker_tasks_run_in_process():
    result = read_setting("settings.CELERY_TASK_ALWAYS_EAGER", DJANGO_DEBUG="true")
    assert result.stdout.strip() == "True"


def test_with_a_broker_tasks_are_queued():
    result = read_setting(
        "settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL",
        DJANGO_DEBUG="true",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.stdout.strip() == "False redis://127.0.0.1:6379/0"


def test_the_portal_keeps_uk_time():
    result = read_setting("settings.TIME_ZONE, settings.USE_TZ", DJANGO_DEBUG="true")
    assert result.stdout.strip() == "Europe/London True"


def test_temporary_upload_files_live_inside_the_private_store():
    result = read_setting(
        "settings.FILE_UPLOAD_TEMP_DIR, settings.STORAGES['default']['OPTIONS']['location']",
        DJANGO_DEBUG="true",
        PRIVATE_MEDIA_ROOT="/srv/sscportal/uploads",
    )
    temp_dir, location = result.stdout.split()
    assert Path(temp_dir).parent == Path(location) == Path("/srv/sscportal/uploads")


def test_static_files_are_stored_the_same_way_with_and_without_debug():
    expression = "settings.STORAGES['staticfiles']['BACKEND']"
    development = read_setting(expression, DJANGO_DEBUG="true")
    production = read_setting(expression, DJANGO_SECRET_KEY="x" * 50)
    assert development.stdout == production.stdout
    assert "Manifest" in production.stdout
