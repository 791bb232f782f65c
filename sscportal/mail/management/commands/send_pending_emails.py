from django.core.management.base import BaseCommand

from sscportal.mail.tasks import deliver_pending_emails


class Command(BaseCommand):
    help = "Send every unsent email in the outbox whose next attempt is due."

    def handle(self, *args, **options):
        result = deliver_pending_emails()
        self.stdout.write(
            f"{result['due']} due, {result['sent']} sent, {result['failed']} failed "
            "(failed ones are retried later with back-off)."
        )
