"""Deliveries queued under the outbox's old task names, before it moved, still go out."""

from django.core import mail

from sscportal.celery import app
from sscportal.mail.models import OutboundEmail


def test_a_delivery_queued_under_the_old_task_name_is_sent(db):
    app.loader.import_default_modules()
    email = OutboundEmail.objects.create(kind="test", to=["a@example.org"], subject="S")
    app.tasks["notifications.tasks.deliver_email"].delay(email.pk)
    (message,) = mail.outbox
    assert message.to == ["a@example.org"]
    email.refresh_from_db()
    assert email.sent_at is not None


def test_a_sweep_queued_under_the_old_task_name_sends_what_is_due(db):
    app.loader.import_default_modules()
    OutboundEmail.objects.create(kind="test", to=["a@example.org"], subject="S")
    app.tasks["notifications.tasks.sweep_outbox"].delay()
    assert len(mail.outbox) == 1
