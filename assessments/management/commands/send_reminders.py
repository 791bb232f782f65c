from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Send every reminder due today or earlier that has not been sent (the job beat runs "
        "daily). Safe to run again: each reminder goes out once per milestone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", help="Run as if today were this date (YYYY-MM-DD), e.g. to catch up."
        )

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as error:
                raise CommandError("--today takes a date like 2027-03-31.") from error
            if today > timezone.localdate():
                # Running ahead would mark future reminders as sent before their time.
                raise CommandError("--today can catch up past days, not run ahead of today.")
        result = send_reminders(today=today)
        self.stdout.write(
            f"{result['due']} reminders due, {result['sent']} sent now, "
            f"{result['already_sent']} already sent before."
        )
