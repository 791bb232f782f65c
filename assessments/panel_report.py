"""The periodic report to the SEC Panel (issue 14, part 9): statistics for a period, naming no
User, as PDF (with charts) and CSV.

Every figure is an SQL aggregate (counts grouped by a choice, or by a number of working days for
the medians), so the work is bounded by the number of choices and distinct day counts, never by
the size of the history. The figures are frozen on the report when it is generated, with the
labels of the day, so a download years later reads as the report that went to the Panel.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone

from assessments import charts
from assessments.documents import render_pdf
from assessments.models import (
    Assessment,
    AssessmentDecision,
    AssessmentKind,
    AssessmentReason,
    AssessmentState,
    Decision,
    PanelReport,
    Reminder,
    kind_label,
)
from assessments.selectors import decision_working_days, median_of, working_day_number
from notifications.models import (
    AssuranceStatus,
    DeliveryModel,
    EmployedEarly,
    Notification,
    UserSystem,
)
from notifications.recipients import portal_link, recipients_for
from notifications.services import queue_email
from notifications.workdays import local_date
from sscportal.exports import csv_text

CSV_COLUMNS = ["Section", "Figure", "Breakdown", "Value"]
PDF_TEMPLATE = "assessments/panel_report_pdf.html"


@dataclass(frozen=True)
class Period:
    """Whole days, the last one included."""

    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start:%d/%m/%Y} to {self.end:%d/%m/%Y}"

    def moments(self) -> tuple[datetime, datetime]:
        """From the start of the first day to the start of the day after the last, UK time."""
        london = timezone.get_default_timezone()
        return (
            datetime.combine(self.start, time.min, london),
            datetime.combine(self.end + timedelta(days=1), time.min, london),
        )


def period_containing(day: date, months: int | None = None) -> Period:
    """The reporting period a day falls in: calendar quarters by default, counted from January."""
    months = months or settings.PANEL_REPORT_PERIOD_MONTHS
    start = date(day.year, (day.month - 1) // months * months + 1, 1)
    return Period(start, start + relativedelta(months=months) - timedelta(days=1))


def previous_period(today: date) -> Period:
    """The last period that has ended by today."""
    return period_containing(period_containing(today).start - timedelta(days=1))


# --- The figures ------------------------------------------------------------------------------


def _by(queryset, field: str, **counts) -> dict:
    """Counts grouped by one field, as {value: {name: count}}: one grouped query."""
    return {row[field]: row for row in queryset.values(field).annotate(**counts).order_by(field)}


def _histogram(queryset, days) -> list[tuple[int, int]]:
    """How many rows took each number of working days."""
    rows = queryset.annotate(days=days).values("days").annotate(rows=Count("id")).order_by()
    return [(int(row["days"]), row["rows"]) for row in rows]


def _clock(histogram: list[tuple[int, int]], limit: int) -> dict:
    return {
        "count": sum(rows for _, rows in histogram),
        "median": median_of(histogram),
        "within": sum(rows for days, rows in histogram if days <= limit),
        "limit": limit,
    }


def _clocks(begins: datetime, ends: datetime, today: date) -> dict:
    """Triage and decision times for what was triaged and decided in the period, in SEC working
    days by the portal's own clock (the decision clock pauses while the User answers)."""
    triaged = Notification.objects.filter(
        review_started_at__gte=begins, review_started_at__lt=ends, submitted_at__isnull=False
    )
    decided = Decision.objects.filter(decided_at__gte=begins, decided_at__lt=ends)
    earliest = [
        moment
        for moment in (
            triaged.aggregate(first=Min("submitted_at"))["first"],
            decided.aggregate(first=Min("notification__submitted_at"))["first"],
        )
        if moment is not None
    ]
    if not earliest:
        return {
            "triage": _clock([], settings.SSC_TRIAGE_WORKING_DAYS),
            "decision": _clock([], settings.SSC_DECISION_WORKING_DAYS),
        }
    number = working_day_number(local_date(min(earliest)).year, today.year + 1)
    return {
        "triage": _clock(
            _histogram(triaged, number("review_started_at") - number("submitted_at")),
            settings.SSC_TRIAGE_WORKING_DAYS,
        ),
        "decision": _clock(
            _histogram(decided, decision_working_days(number)),
            settings.SSC_DECISION_WORKING_DAYS,
        ),
    }


def compute_figures(period: Period, *, today: date | None = None) -> dict:
    """The report's statistics for a period, as plain values with their labels."""
    today = today or timezone.localdate()
    begins, ends = period.moments()
    received = _by(
        Notification.objects.submitted().filter(submitted_at__gte=begins, submitted_at__lt=ends),
        "delivery_model",
        received=Count("id"),
        late=Count("id", filter=Q(is_late=True)),
    )
    decisions = Decision.objects.filter(decided_at__gte=begins, decided_at__lt=ends)
    decided = _by(
        decisions,
        "notification__delivery_model",
        **{outcome.value: Count("id", filter=Q(outcome=outcome)) for outcome in Decision.Outcome},
    )
    routes = _by(decisions, "route", decisions=Count("id"))
    early = _by(
        UserSystem.objects.filter(
            began_employing_date__gte=period.start, began_employing_date__lte=period.end
        ).exclude(employed_early=""),
        "employed_early",
        systems=Count("id"),
    )
    # Open at the end of the period: opened by then and not completed by then. Overdue: due
    # before the day after the period (the day a scheduled report is written).
    open_at_end = (
        Assessment.objects.filter(created_at__lt=ends)
        .exclude(
            Q(state=AssessmentState.COMPLETED)
            & (Q(completed_at__isnull=True) | Q(completed_at__lt=ends))
        )
        .values("reason", "kind")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lte=period.end)))
        .order_by()
    )
    open_rows = {(row["reason"], row["kind"]): row for row in open_at_end}
    outcomes = (
        AssessmentDecision.objects.filter(decided_at__gte=begins, decided_at__lt=ends)
        .values("assessment__reason", "status")
        .annotate(outcomes=Count("id"))
        .order_by()
    )
    outcome_counts = {
        (row["assessment__reason"], row["status"]): row["outcomes"] for row in outcomes
    }
    kinds = [*AssessmentKind.values, ""]
    return {
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "received": [
            {
                "label": model.label,
                "received": received.get(model.value, {}).get("received", 0),
                "late": received.get(model.value, {}).get("late", 0),
            }
            for model in DeliveryModel
        ],
        "decided": [
            {
                "label": model.label,
                **{
                    outcome.value: decided.get(model.value, {}).get(outcome.value, 0)
                    for outcome in Decision.Outcome
                },
            }
            for model in DeliveryModel
        ],
        "outcome_labels": {outcome.value: outcome.label for outcome in Decision.Outcome},
        "routes": [
            {"label": route.label, "count": routes.get(route.value, {}).get("decisions", 0)}
            for route in Decision.Route
        ],
        "employed_early": [
            {"label": flag.label, "count": early.get(flag.value, {}).get("systems", 0)}
            for flag in EmployedEarly
        ],
        **_clocks(begins, ends, today),
        "open_assessments": [
            {
                "reason": reason.label,
                "type": kind_label(kind),
                "open": open_rows[reason.value, kind]["open"],
                "overdue": open_rows[reason.value, kind]["overdue"],
            }
            for reason in AssessmentReason
            for kind in kinds
            if (reason.value, kind) in open_rows
        ],
        "outcomes": [
            {
                "label": reason.label,
                **{
                    status.value: outcome_counts.get((reason.value, status.value), 0)
                    for status in AssuranceStatus
                },
            }
            for reason in AssessmentReason
        ],
        "status_labels": {status.value: status.label for status in AssuranceStatus},
    }


# --- What the documents show ------------------------------------------------------------------


def _share(clock: dict) -> str:
    return f"{clock['within'] / clock['count']:.0%}" if clock["count"] else "–"


def _median_text(clock: dict) -> str:
    median = clock["median"]
    return "–" if median is None else f"{median:g}"


def sections(figures: dict) -> list[dict]:
    """The report's tables, each a title and rows of (figure, breakdown, value); the CSV is
    these rows, each with its section's title."""
    period_end = date.fromisoformat(figures["period_end"])
    outcome_labels = figures["outcome_labels"]
    status_labels = figures["status_labels"]
    received = figures["received"]
    clocks = []
    for key, name, what in (
        ("triage", "Triage", "Cases triaged in the period"),
        ("decision", "Decision", "Decisions taken in the period"),
    ):
        clock = figures[key]
        level = f"{name} within {clock['limit']} SEC working days"
        clocks += [
            (what, level, clock["count"]),
            ("Median SEC working days", level, _median_text(clock)),
            ("Within the service level", level, clock["within"]),
            ("Share within the service level", level, _share(clock)),
        ]
    return [
        {
            "title": "Notifications received",
            "rows": [
                *(("Received", row["label"], row["received"]) for row in received),
                ("Received", "All delivery models", sum(row["received"] for row in received)),
                *(("Late notices", row["label"], row["late"]) for row in received),
                ("Late notices", "All delivery models", sum(row["late"] for row in received)),
            ],
        },
        {
            "title": "Notifications decided",
            "rows": [
                *(
                    (label, row["label"], row[outcome])
                    for outcome, label in outcome_labels.items()
                    for row in figures["decided"]
                ),
                *(("Route", row["label"], row["count"]) for row in figures["routes"]),
            ],
        },
        {
            "title": "User Systems the User began to employ in the period",
            "rows": [(row["label"], "", row["count"]) for row in figures["employed_early"]],
        },
        {"title": "Service levels (decision clock paused while the User answers)", "rows": clocks},
        {
            "title": f"Open assessments at the end of the period ({period_end:%d/%m/%Y})",
            "rows": [
                *(
                    (figure, f"{row['reason']}: {row['type']}", row[key])
                    for row in figures["open_assessments"]
                    for figure, key in (("Open", "open"), ("Overdue", "overdue"))
                ),
                (
                    "Open",
                    "All assessments",
                    sum(row["open"] for row in figures["open_assessments"]),
                ),
                (
                    "Overdue",
                    "All assessments",
                    sum(row["overdue"] for row in figures["open_assessments"]),
                ),
            ],
        },
        {
            "title": "Assessment outcomes decided in the period, by assurance status",
            "rows": [
                *(
                    (label, row["label"], row[status])
                    for status, label in status_labels.items()
                    for row in figures["outcomes"]
                ),
                *(
                    (label, "All assessments", sum(row[status] for row in figures["outcomes"]))
                    for status, label in status_labels.items()
                ),
            ],
        },
    ]


def _charts(figures: dict) -> list[dict]:
    """The PDF's bar charts, drawn as inline SVG by assessments.charts."""
    reasons = [row["label"] for row in figures["outcomes"]]  # every reason, as labelled then
    outcome_labels = figures["outcome_labels"]
    status_labels = figures["status_labels"]
    return [
        {
            "id": "received",
            "title": "Notifications received, by delivery model",
            "chart": charts.bars(
                [
                    {"label": row["label"], "on_time": row["received"] - row["late"], **row}
                    for row in figures["received"]
                ],
                [
                    ("on_time", "Notified in time", "chart-primary"),
                    ("late", "Late notice", "chart-warning"),
                ],
            ),
        },
        {
            "id": "decided",
            "title": "Notifications decided, by delivery model and outcome",
            "chart": charts.bars(
                figures["decided"],
                [
                    (outcome, label, css)
                    for (outcome, label), css in zip(
                        outcome_labels.items(), ("chart-success", "chart-primary"), strict=True
                    )
                ],
            ),
        },
        {
            "id": "service-levels",
            "title": "Triage and decisions within their service levels",
            "chart": charts.bars(
                [
                    {
                        "label": name,
                        "within": figures[key]["within"],
                        "beyond": figures[key]["count"] - figures[key]["within"],
                    }
                    for key, name in (("triage", "Triage"), ("decision", "Decision"))
                ],
                [
                    ("within", "Within the service level", "chart-success"),
                    ("beyond", "Beyond it", "chart-warning"),
                ],
            ),
        },
        {
            "id": "open-assessments",
            "title": "Open assessments at the end of the period, by reason",
            "chart": charts.bars(
                [
                    {
                        "label": reason,
                        "on_time": sum(
                            row["open"] - row["overdue"]
                            for row in figures["open_assessments"]
                            if row["reason"] == reason
                        ),
                        "overdue": sum(
                            row["overdue"]
                            for row in figures["open_assessments"]
                            if row["reason"] == reason
                        ),
                    }
                    for reason in reasons
                ],
                [
                    ("on_time", "Not overdue", "chart-primary"),
                    ("overdue", "Overdue", "chart-warning"),
                ],
            ),
        },
        {
            "id": "outcomes",
            "title": "Assessment outcomes, by assurance status",
            "chart": charts.bars(
                [
                    {"label": label, "count": sum(row[status] for row in figures["outcomes"])}
                    for status, label in status_labels.items()
                ],
                [("count", "Outcomes", "chart-primary")],
            ),
        },
    ]


def _context(report: PanelReport) -> dict:
    figures = report.figures
    return {
        "report": report,
        "period": Period(
            date.fromisoformat(figures["period_start"]), date.fromisoformat(figures["period_end"])
        ),
        "sections": sections(figures),
        "charts": _charts(figures),
    }


def report_html(report: PanelReport) -> str:
    """The HTML the PDF is printed from (its text is what the tests read)."""
    return render_to_string(PDF_TEMPLATE, _context(report))


def report_pdf(report: PanelReport) -> bytes:
    return render_pdf(PDF_TEMPLATE, _context(report))


def report_csv(report: PanelReport) -> str:
    return csv_text(
        CSV_COLUMNS,
        [
            [section["title"], figure, breakdown, value]
            for section in sections(report.figures)
            for figure, breakdown, value in section["rows"]
        ],
    )


def file_name(report: PanelReport, extension: str) -> str:
    period = f"{report.period_start:%Y-%m-%d}-to-{report.period_end:%Y-%m-%d}"
    return f"panel-report-{period}.{extension}"


# --- Generating reports -----------------------------------------------------------------------


def generate_report(*, period: Period, by) -> PanelReport:
    """A report SECAS asks for on the page, for any period that has begun."""
    return PanelReport.objects.create(
        period_start=period.start,
        period_end=period.end,
        generated_by=by,
        figures=compute_figures(period),
    )


def generate_scheduled_report(*, today: date | None = None) -> PanelReport | None:
    """The schedule's report of the last period that has ended, and the email telling SECAS.

    Once per period however often it runs: the run claims the period with a Reminder row
    (INSERT … ON CONFLICT DO NOTHING), in the transaction that stores the report and queues the
    email, so a rerun or a second scheduler at the same moment finds it claimed and does nothing.
    """
    today = today or timezone.localdate()
    period = previous_period(today)
    claim = {
        "kind": Reminder.Kind.PANEL_REPORT,
        "target": f"panel-report:{period.start.isoformat()}",
        "milestone": period.end,
        "step": 0,
    }
    if Reminder.objects.filter(**claim).exists():
        return None
    figures = compute_figures(period, today=today)
    recipients = recipients_for("panel_report")
    run_id = uuid.uuid4()
    with transaction.atomic():
        Reminder.objects.bulk_create(
            [
                Reminder(
                    **claim,
                    recipients=[recipient.email for recipient in recipients],
                    run_id=run_id,
                )
            ],
            ignore_conflicts=True,
        )
        if not Reminder.objects.filter(run_id=run_id).exists():
            return None
        report = PanelReport.objects.create(
            period_start=period.start, period_end=period.end, figures=figures
        )
        queue_email(
            kind=f"reminder_{Reminder.Kind.PANEL_REPORT}",
            to=recipients,
            template="panel_report_ready",
            context={
                "period": period,
                "figures": figures,
                "received": sum(row["received"] for row in figures["received"]),
                "decided": figures["decision"]["count"],
                "page_url": portal_link("secas:panel_reports"),
            },
        )
    return report
