from django.core.management.base import BaseCommand

from sscportal.uploads import STALE_AFTER, remove_stale_upload_files, upload_temp_dir


class Command(BaseCommand):
    help = (
        "Remove temporary upload files that a killed worker left in the private store "
        "(for deployments without celery beat, which runs this every 15 minutes)."
    )

    def handle(self, *args, **options):
        removed = remove_stale_upload_files()
        minutes = int(STALE_AFTER.total_seconds() // 60)
        self.stdout.write(
            f"Removed {removed} abandoned upload files older than {minutes} minutes "
            f"from {upload_temp_dir()}."
        )
