from celery import shared_task

from sscportal.uploads import remove_stale_upload_files


@shared_task
def sweep_upload_temp() -> int:
    return remove_stale_upload_files()
