from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboundEmail(models.Model):
    """An email written in the same transaction as the change that caused it (the outbox).

    A task delivers it after commit; undelivered rows are retried, so a broker or SMTP outage
    delays mail but loses none. What an email is about (a case, an organisation) is recorded by
    the app that wrote it, in its own link table, so the rows are also the communications logs.
    """

    kind = models.CharField(max_length=60)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=255)
    # Empty until delivery for a row written with only its template and context (a bulk run).
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    template = models.CharField(
        max_length=100,
        blank=True,
        help_text="The email trio (emails/<template>…) the row is rendered from when delivered.",
    )
    context = models.JSONField(
        default=dict, blank=True, help_text="What the template needs, as plain values."
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set instead of sending when what the email was about no longer holds (an invitation
    # withdrawn before its email went out); the reason is in last_error.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        default=timezone.now, help_text="When the sweeper may try again if still unsent."
    )

    class Meta:
        # The table the notifications app created: the model moved here, the data did not.
        db_table = "notifications_outboundemail"
        ordering = ["-created_at"]
        verbose_name = "email"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="outbox_unsent_due",
            )
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def is_waiting(self) -> bool:
        return self.sent_at is None and self.cancelled_at is None
