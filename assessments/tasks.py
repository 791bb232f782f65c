from celery import shared_task

from assessments.panel_report import generate_scheduled_report
from assessments.reminders import send_reminders


@shared_task
def send_reminders_task() -> dict[str, int]:
    """The daily reminder run; safe to run again or from two schedulers at once."""
    return send_reminders()


@shared_task
def panel_report_task() -> int | None:
    """The report to the Panel of the period just ended; a rerun finds it done."""
    report = generate_scheduled_report()
    return report.pk if report else None
