"""Documents generated from the record: the decision letter and the minutes extract."""

import csv
import io

from django.template.loader import render_to_string
from django.utils import timezone

from users.security import defuse_formula


def render_pdf(template: str, context: dict) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only these two documents need.
    from weasyprint import HTML

    html = render_to_string(template, {"generated_at": timezone.now(), **context})
    return HTML(string=html).write_pdf()


def decision_letter_pdf(decision, *, assessment=None, annual_review=None) -> bytes:
    return render_pdf(
        "assessments/decision_letter_pdf.html",
        {
            "decision": decision,
            "notification": decision.notification,
            "assessment": assessment,
            "annual_review": annual_review,
        },
    )


MINUTES_COLUMNS = [
    "Reference",
    "Organisation",
    "User System",
    "Outcome",
    "Rationale",
    "Decided by",
    "Decided at",
    "Assessment due",
]


def minutes_rows(decisions) -> list[list[str]]:
    rows = []
    for decision in decisions:
        notification = decision.notification
        assessment = getattr(notification, "assessment", None)
        rows.append(
            [
                notification.reference,
                notification.organisation.name,
                notification.system_name,
                decision.get_outcome_display(),
                decision.rationale,
                str(decision.decided_by),
                f"{timezone.localtime(decision.decided_at):%d/%m/%Y %H:%M}",
                f"{assessment.due_date:%d/%m/%Y}" if assessment else "",
            ]
        )
    return rows


def minutes_csv(decisions) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MINUTES_COLUMNS)
    for row in minutes_rows(decisions):
        writer.writerow([defuse_formula(cell) for cell in row])
    return buffer.getvalue()


def minutes_pdf(meeting, decisions) -> bytes:
    return render_pdf(
        "assessments/minutes_pdf.html",
        {"meeting": meeting, "columns": MINUTES_COLUMNS, "rows": minutes_rows(decisions)},
    )
