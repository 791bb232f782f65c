"""The outbox's tasks moved to sscportal.mail.tasks; these names answer messages queued before."""

from celery import shared_task

from sscportal.mail import tasks


@shared_task(name="notifications.tasks.deliver_email")
def deliver_email(email_id: int) -> None:
    tasks.deliver_email.delay(email_id)


@shared_task(name="notifications.tasks.sweep_outbox")
def sweep_outbox() -> None:
    tasks.sweep_outbox.delay()
