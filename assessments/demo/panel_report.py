"""The demo's report to the SEC Panel: the last quarter's, as the schedule generates it."""

from collections import Counter
from datetime import date

from assessments.models import PanelReport
from assessments.panel_report import generate_scheduled_report


def seed_panel_report(today: date, created: Counter) -> None:
    """The report of the last period to end, and SECAS's email about it, as the schedule would
    send them. Once: a demo seeded again in a later quarter keeps the report it has."""
    if PanelReport.objects.exists():
        return
    if generate_scheduled_report(today=today) is not None:
        created["report to the SEC Panel"] += 1
