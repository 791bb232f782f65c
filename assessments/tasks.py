from celery import shared_task

from assessments.reminders import send_reminders


@shared_task
def send_reminders_task() -> dict[str, int]:
    """The daily reminder run; safe to run again or from two schedulers at once."""
    return send_reminders()
