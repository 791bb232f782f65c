"""Demo data for development: organisations, people, SRPs, meetings, notifications, assessments.

    DJANGO_DEBUG=true python manage.py seed_demo

Idempotent, and every lifecycle step goes through the services acting as the demo person who
would take it: see assessments/demo/.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assessments.demo.people import ACCOUNTS, DEMO_PASSWORD
from assessments.demo.seed import SeedRefused, report, seed
from notifications.services import TransitionRefused

__all__ = ["ACCOUNTS", "DEMO_PASSWORD", "Command"]


class Command(BaseCommand):
    help = (
        "Create demo organisations, accounts, SRPs, meetings, notifications and assessments "
        "in every state (idempotent; development only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even though DEBUG is off (the demo accounts share a published password).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates accounts with a published password. Run it with "
                "DJANGO_DEBUG=true, or pass --allow-without-debug on a throwaway demo site."
            )
        try:
            with transaction.atomic():
                created = seed(timezone.localdate())
        except SeedRefused as error:
            raise CommandError(str(error)) from error
        except TransitionRefused as error:
            raise CommandError(f"A lifecycle step was refused: {error}") from error
        report(created, self.stdout.write, self.style)
