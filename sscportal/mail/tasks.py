import logging
from datetime import UTC, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from sscportal.mail.models import OutboundEmail
from sscportal.mail.services import DeliveryCancelled, render_deferred_email

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
SWEEP_BATCH = 200


class EmailNotSent(Exception):
    pass


def message_id_for(email: OutboundEmail) -> str:
    """The row's own Message-ID, the same on every attempt, so a resent copy is recognisable."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    # Never the machine's name (Django's default): every worker must give the same answer.
    domain = domain or urlsplit(settings.PORTAL_BASE_URL).hostname or "ssc-portal.local"
    # The creation time keeps IDs unique when a fresh database reuses primary keys.
    created = email.created_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"<outbox.{email.pk}.{created}@{domain}>"


def send_outbound_email(email_id: int) -> bool:
    """Send one outbox row: locked while sending, marked sent after. Delivery is at least once.

    A worker killed after the mail server accepted the message but before the row is marked
    sent leaves the row unsent, so a later attempt sends it again; every attempt carries the
    row's own Message-ID, so mail clients and people can recognise the second copy.

    Returns False if it is already sent or cancelled, another worker is sending it, or what it
    was about no longer holds (then it is marked cancelled, with the reason). If it cannot be
    rendered, or the mail server refuses or cannot be reached, the attempt and its error are
    saved with the next time to try, and EmailNotSent is raised.
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, sent_at__isnull=True, cancelled_at__isnull=True)
            .first()
        )
        if email is None:
            return False
        email.attempts += 1
        rendered_fields: list[str] = []
        try:
            # A row from a bulk run (the reminders) is rendered now, when it is sent.
            rendered_fields = render_deferred_email(email)
            message = EmailMultiAlternatives(
                subject=email.subject,
                body=email.body_text,
                to=email.to,
                headers={"Message-ID": message_id_for(email)},
            )
            if email.body_html:
                message.attach_alternative(email.body_html, "text/html")
            message.send()
        except DeliveryCancelled as reason:
            email.cancelled_at = timezone.now()
            email.last_error = f"Not sent: {reason}"[:2000]
            email.save(update_fields=["attempts", "cancelled_at", "last_error"])
            return False
        except Exception as error:
            # The mail server refused or could not be reached (OSError), a header was bad
            # (ValueError), or the row could not be rendered: recorded, and tried again later.
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            email.next_attempt_at = timezone.now() + min(
                timedelta(minutes=2**email.attempts), MAX_BACKOFF
            )
            # What was rendered stays for the communications log.
            email.save(
                update_fields=["attempts", "last_error", "next_attempt_at", *rendered_fields]
            )
            failure = email.last_error
            if not isinstance(error, OSError | ValueError):
                logger.exception("Email %s could not be rendered", email_id)
        else:
            email.sent_at = timezone.now()
            email.save(update_fields=["attempts", "sent_at", *rendered_fields])
            return True
    # Raised after the block, so the recorded attempt is committed, not rolled back.
    raise EmailNotSent(failure)


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def deliver_email(self, email_id: int) -> None:
    try:
        send_outbound_email(email_id)
    except EmailNotSent as error:
        logger.warning("Email %s not sent: %s", email_id, error)
        # In-process (no broker) nothing can retry later but the sweeper; the row waits.
        if not self.request.is_eager:
            raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error


def deliver_pending_emails() -> dict[str, int]:
    """Send every unsent email whose next attempt is due: catches up after any outage."""
    due = list(
        OutboundEmail.objects.filter(
            sent_at__isnull=True, cancelled_at__isnull=True, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    sent = failed = 0
    for email_id in due:
        try:
            sent += send_outbound_email(email_id)
        except EmailNotSent:
            failed += 1
        except Exception:
            # One broken row must not hold up the rest of the outbox.
            logger.exception("Email %s could not be sent", email_id)
            failed += 1
    return {"due": len(due), "sent": sent, "failed": failed}


@shared_task
def sweep_outbox() -> dict[str, int]:
    return deliver_pending_emails()
