import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from notifications.models import OutboundEmail

logger = logging.getLogger(__name__)


class EmailNotSent(Exception):
    pass


def send_outbound_email(email_id: int) -> bool:
    """Send one outbox row at most once: locked while sending, marked sent after.

    Returns False if it is already sent or being sent by another worker. Raises EmailNotSent
    (with the attempt recorded on the row) if the mail server refused or could not be reached.
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, sent_at__isnull=True)
            .first()
        )
        if email is None:
            return False
        message = EmailMultiAlternatives(subject=email.subject, body=email.body_text, to=email.to)
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except OSError as error:
            email.last_error = str(error)[:2000]
            email.save(update_fields=["attempts", "last_error"])
            raise EmailNotSent(str(error)) from error
        email.sent_at = timezone.now()
        email.save(update_fields=["attempts", "sent_at"])
    return True


@shared_task(bind=True, max_retries=8, default_retry_delay=60)
def deliver_email(self, email_id: int) -> None:
    try:
        send_outbound_email(email_id)
    except EmailNotSent as error:
        logger.warning("Email %s not sent: %s", email_id, error)
        # In-process (no broker) there is nobody to retry later; the row stays unsent.
        if not self.request.is_eager:
            raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
