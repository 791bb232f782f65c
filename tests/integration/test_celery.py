"""Celery for real: a worker on the Redis broker, and a broker outage that loses nothing."""

import os
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone
from kombu import pools as kombu_pools

from assessments.models import Assessment, Reminder
from assessments.tasks import send_reminders_task
from notifications import services as intake
from sscportal.celery import app
from sscportal.mail.models import OutboundEmail
from sscportal.mail.tasks import sweep_outbox
from sscportal.tasks import sweep_upload_temp
from sscportal.uploads import STALE_AFTER
from tests import factories

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@contextmanager
def broker(url: str):
    """Point the app at a broker for real (not in-process), restoring it afterwards."""
    saved = {
        key: app.conf[key]
        for key in (
            "broker_url",
            "task_always_eager",
            "task_publish_retry",
            "broker_connection_retry",
            "broker_connection_retry_on_startup",
        )
    }
    app.conf.update(
        broker_url=url,
        task_always_eager=False,
        # Fail fast on a dead broker instead of retrying for minutes.
        task_publish_retry=False,
        broker_connection_retry=False,
        broker_connection_retry_on_startup=False,
    )
    _drop_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        _drop_connections()


def _drop_connections():
    # Celery caches broker connections and producers; new ones must use the new broker URL.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu_pools.reset()


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_real_worker_on_redis_delivers_a_reminder(organisation, submitter):
    Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        cycle_year=2,
        due_date=timezone.localdate() + timezone.timedelta(days=7),
    )
    with (
        broker(settings.CELERY_BROKER_URL),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        send_reminders_task.delay()
        assert wait_for(lambda: any("annual review" in m.subject for m in mail.outbox))
    assert Reminder.objects.filter(kind="annual_review").count() == 1
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()


def test_with_the_broker_down_a_submission_succeeds_and_its_mail_follows(
    organisation, preparer, submitter
):
    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    with broker("redis://127.0.0.1:1/0"):
        notification = intake.submit_notification(
            notification=draft, by=submitter, declaration_accepted=True
        )
    assert notification.state == "submitted"
    assert mail.outbox == []
    written = OutboundEmail.objects.count()
    assert written >= 2  # the receipt (one per recipient) and the alert to SECAS
    assert OutboundEmail.objects.filter(sent_at__isnull=True).count() == written

    # The broker is back: the periodic sweep (here queued by hand) delivers what waited.
    with (
        broker(settings.CELERY_BROKER_URL),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        sweep_outbox.delay()
        assert wait_for(lambda: len(mail.outbox) == written)
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()


def test_a_real_worker_sweeps_upload_files_a_killed_web_worker_left(settings):
    temp_dir = Path(settings.FILE_UPLOAD_TEMP_DIR)
    temp_dir.mkdir(parents=True)
    abandoned, in_progress = temp_dir / "tmpa1b2.upload.pdf", temp_dir / "tmpc3d4.upload.pdf"
    for path in (abandoned, in_progress):
        path.write_bytes(b"TLP:RED partial upload")
    then = time.time() - STALE_AFTER.total_seconds() - 60
    os.utime(abandoned, (then, then))
    with (
        broker(settings.CELERY_BROKER_URL),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        sweep_upload_temp.delay()
        assert wait_for(lambda: not abandoned.exists())
    assert in_progress.exists()
