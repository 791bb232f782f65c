"""Every periodic job names a task the worker knows: a misspelt name would never run, silently."""

from django.conf import settings

from sscportal.celery import app


def test_every_scheduled_job_names_a_registered_task():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "sscportal.tasks.sweep_upload_temp" in scheduled
    assert scheduled - set(app.tasks) == set()
