"""Documents generated from the record: the decision letter, the minutes extract and SECAS's
tables as CSV (streamed, a chunk of rows at a time, so memory stays flat whatever the size)."""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from assessments import selectors
from assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentState,
    RemediationStep,
    StepState,
    kind_label,
)
from notifications.models import (
    AssuranceStatus,
    EligibilityFinding,
    EmployedEarly,
    InformationRequest,
    NotificationState,
)
from sscportal.exports import chunks, csv_text

CHUNK = 500  # rows per database fetch and per piece of the response


def render_html(template: str, context: dict) -> str:
    """The HTML a PDF is printed from (its text is what the tests read)."""
    return render_to_string(template, {"generated_at": timezone.now(), **context})


def render_pdf(template: str, context: dict) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only these documents need.
    from weasyprint import HTML

    return HTML(string=render_html(template, context)).write_pdf()


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


def assessment_decision_letter_context(decision) -> dict:
    """What the letter of an assessment's decision says: the record, the reasons, what next."""
    assessment = decision.assessment
    organisation = assessment.organisation
    status = AssuranceStatus(decision.status)
    return {
        "decision": decision,
        "assessment": assessment,
        "organisation": organisation,
        "notification": assessment.notification,
        "next_steps": status.next_steps,
        "remediation_steps": list(
            RemediationStep.objects.filter(plan__assessment=assessment).order_by("position")
        ),
        # The review open now; the letter is also downloaded long after the decision.
        "next_review": selectors.open_annual_review(organisation),
        "follow_up": selectors.follow_up_of(assessment),
        **selectors.systems_in_scope(assessment),
    }


ASSESSMENT_LETTER = "assessments/assessment_decision_letter_pdf.html"


def assessment_decision_letter_html(decision) -> str:
    return render_html(ASSESSMENT_LETTER, assessment_decision_letter_context(decision))


def assessment_decision_letter_pdf(decision) -> bytes:
    return render_pdf(ASSESSMENT_LETTER, assessment_decision_letter_context(decision))


MINUTES_COLUMNS = [
    "Reference",
    "Organisation",
    "User System",
    "Outcome",
    "Rationale",
    "How decided",
    "Members present",
    "Dissent",
    "Recorded at",
    "Assessment due",
]
COMMITTEE = "The Security Sub-Committee decided"


def _present(decision) -> str:
    # Prefetched by selectors.decisions_at: no query per row.
    return ", ".join(str(person) for person in decision.members_present.all())


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
                decision.committee_sentence,
                _present(decision),
                decision.dissent,
                f"{timezone.localtime(decision.decided_at):%d/%m/%Y %H:%M}",
                f"{assessment.due_date:%d/%m/%Y}" if assessment else "",
            ]
        )
    return rows


def deferral_minutes_rows(deferrals) -> list[list[str]]:
    """Cases the meeting deferred, in the decisions' columns: where they went, and why."""
    return [
        [
            deferral.notification.reference,
            deferral.notification.organisation.name,
            deferral.notification.system_name,
            f"Deferred to {deferral.to_meeting.date:%d/%m/%Y}",
            deferral.reason,
            f"Deferred by the committee (recorded by {deferral.deferred_by})",
            "",
            "",
            f"{timezone.localtime(deferral.deferred_at):%d/%m/%Y %H:%M}",
            "",
        ]
        for deferral in deferrals
    ]


def _outcome_decided(decision) -> str:
    return f"{COMMITTEE} at its meeting of {decision.meeting.date:%d/%m/%Y}"


def _systems_of(assessment) -> str:
    # Prefetched by selectors.assessment_decisions_at: no query per row.
    return "; ".join(system.name for system in assessment.systems_in_scope.all())


def _proposal_note(decision) -> str:
    if not decision.differs_from_proposal:
        return ""
    return f" (SECAS proposed {decision.get_proposed_status_display()})"


def outcome_minutes_rows(decisions) -> list[list[str]]:
    """The assessment outcomes decided at the meeting, in the notification decisions' columns:
    the case's reference when the assessment followed one, its reason otherwise."""
    rows = []
    for decision in decisions:
        assessment = decision.assessment
        notification = assessment.notification
        rows.append(
            [
                notification.reference if notification else assessment.get_reason_display(),
                assessment.organisation.name,
                _systems_of(assessment),
                f"{assessment.get_kind_display()} – assurance status: "
                f"{decision.get_status_display()}{_proposal_note(decision)}",
                decision.rationale,
                _outcome_decided(decision),
                "",
                "",
                f"{timezone.localtime(decision.decided_at):%d/%m/%Y %H:%M}",
                "",
            ]
        )
    return rows


OUTCOME_MINUTES_COLUMNS = [
    "Organisation",
    "Assessment",
    "User Systems in scope",
    "Proposed by SECAS",
    "Decided",
    "Rationale",
    "How decided",
    "Recorded at",
]


def outcome_minutes_table(decisions) -> list[list[str]]:
    """The same outcomes as the PDF's own table, the proposal beside the decision."""
    return [
        [
            decision.assessment.organisation.name,
            decision.assessment.get_kind_display(),
            _systems_of(decision.assessment),
            decision.get_proposed_status_display(),
            decision.get_status_display(),
            decision.rationale,
            _outcome_decided(decision),
            f"{timezone.localtime(decision.decided_at):%d/%m/%Y %H:%M}",
        ]
        for decision in decisions
    ]


def minutes_csv(decisions, outcomes=(), deferrals=()) -> str:
    return csv_text(
        MINUTES_COLUMNS,
        minutes_rows(decisions) + deferral_minutes_rows(deferrals) + outcome_minutes_rows(outcomes),
    )


def minutes_context(meeting, decisions, outcomes=(), deferrals=()) -> dict:
    """The meeting's own decisions and deferrals, then the chair's actions reported to it."""
    return {
        "meeting": meeting,
        "columns": MINUTES_COLUMNS,
        "rows": minutes_rows([d for d in decisions if not d.is_chairs_action])
        + deferral_minutes_rows(deferrals),
        "chairs_action_rows": minutes_rows([d for d in decisions if d.is_chairs_action]),
        "outcome_columns": OUTCOME_MINUTES_COLUMNS,
        "outcome_rows": outcome_minutes_table(outcomes),
    }


def minutes_html(meeting, decisions, outcomes=(), deferrals=()) -> str:
    return render_html(
        "assessments/minutes_pdf.html", minutes_context(meeting, decisions, outcomes, deferrals)
    )


def minutes_pdf(meeting, decisions, outcomes=(), deferrals=()) -> bytes:
    return render_pdf(
        "assessments/minutes_pdf.html", minutes_context(meeting, decisions, outcomes, deferrals)
    )


# --- SECAS's tables ---------------------------------------------------------------------------


def _d(value) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _local(moment) -> str:
    return _d(timezone.localtime(moment)) if moment else ""


# The G8.13 assessments recorded before the type was asked have none ("").
KIND = {kind: kind_label(kind) for kind in ["", *AssessmentKind.values]}
STAGE = dict(AssessmentState.choices)
NOTIFICATION_STATE = dict(NotificationState.choices)
STEP_STATE = dict(StepState.choices)
ELIGIBILITY_FINDING = dict(EligibilityFinding.choices)


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: Callable[[object], Iterator[list]]  # today -> rows, read as they are written
    count: Callable[[object], int]  # today -> how many rows, for the audit trail


def _assessment_rows(today) -> Iterator[list]:
    rows = (
        Assessment.objects.open()
        .order_by("state", "due_date", "pk")
        .values_list(
            "organisation__name", "kind", "state", "due_date", "cio_name", "notification__reference"
        )
    )
    for name, kind, state, due_date, cio_name, reference in rows.iterator(chunk_size=CHUNK):
        yield [
            name,
            KIND.get(kind, kind),
            STAGE.get(state, state),
            _d(due_date),
            "yes" if due_date < today else "no",
            cio_name,
            reference or "",
        ]


def _review_rows(today) -> Iterator[list]:
    reviews = (
        selectors.annual_reviews_ahead(today)
        .prefetch_related(None)
        .values_list("pk", "organisation__name", "due_date", "kind")
    )
    link = Assessment.systems_in_scope.through
    for chunk in chunks(reviews.iterator(chunk_size=CHUNK), CHUNK):
        later: dict[int, list[str]] = defaultdict(list)
        systems = (
            link.objects.filter(
                assessment__in=[pk for pk, *_ in chunk], usersystem__is_first_system=False
            )
            .order_by("usersystem__name")
            .values_list("assessment_id", "usersystem__name")
        )
        for assessment_id, name in systems:
            later[assessment_id].append(name)
        for pk, name, due_date, kind in chunk:
            yield [
                name,
                _d(due_date),
                KIND.get(kind, kind),
                "; ".join(later[pk]),
                "yes" if due_date < today else "no",
            ]


def _awaiting_rows(today) -> Iterator[list]:
    cases = selectors.awaiting_ssc().values_list(
        "pk", "reference", "organisation__name", "state", "submitted_at", "review_started_at"
    )
    for chunk in chunks(cases.iterator(chunk_size=CHUNK), CHUNK):
        periods: dict[int, list] = defaultdict(list)
        questions = InformationRequest.objects.filter(
            notification__in=[pk for pk, *_ in chunk]
        ).values_list("notification_id", "requested_at", "responded_at")
        for notification_id, requested_at, responded_at in questions:
            periods[notification_id].append((requested_at, responded_at))
        for pk, reference, name, state, submitted_at, review_started_at in chunk:
            level = selectors.clock(
                state=state,
                submitted_at=submitted_at,
                review_started_at=review_started_at,
                periods=periods[pk],
                today=today,
            )
            yield [
                reference,
                name,
                NOTIFICATION_STATE.get(state, state),
                _local(submitted_at),
                level["age"],
                level["running"],
                f"{level['stage']}: {level['limit']}",
                level["status"],
            ]


def _late_rows(today) -> Iterator[list]:
    rows = selectors.late_notifications().values_list(
        "reference",
        "organisation__name",
        "system_name",
        "planned_go_live_date",
        "submitted_at",
        "state",
    )
    for reference, name, system_name, go_live, submitted_at, state in rows.iterator(
        chunk_size=CHUNK
    ):
        yield [
            reference,
            name,
            system_name,
            _d(go_live),
            _local(submitted_at),
            NOTIFICATION_STATE.get(state, state),
        ]


def _without_first_system_rows(today) -> Iterator[list]:
    rows = selectors.without_approved_first_system().values_list(
        "reference",
        "organisation__name",
        "system_name",
        "eligibility_finding",
        "submitted_at",
        "state",
    )
    for reference, name, system_name, finding, submitted_at, state in rows.iterator(
        chunk_size=CHUNK
    ):
        yield [
            reference,
            name,
            system_name,
            ELIGIBILITY_FINDING.get(finding, finding),
            _local(submitted_at),
            NOTIFICATION_STATE.get(state, state),
        ]


EMPLOYED_EARLY = dict(EmployedEarly.choices)


def _employed_early_rows(today) -> Iterator[list]:
    rows = selectors.systems_employed_early().values_list(
        "organisation__name", "name", "employed_early", "began_employing_date", "go_live_date"
    )
    for name, system_name, flag, began, planned in rows.iterator(chunk_size=CHUNK):
        yield [name, system_name, EMPLOYED_EARLY.get(flag, flag), _d(began), _d(planned)]


def _overdue_step_rows(today) -> Iterator[list]:
    rows = selectors.overdue_steps(today).values_list(
        "plan__organisation__name", "position", "description", "owner_name", "due_date", "state"
    )
    for name, position, description, owner, due_date, state in rows.iterator(chunk_size=CHUNK):
        yield [name, position, description, owner, _d(due_date), STEP_STATE.get(state, state)]


def _at_risk_rows(today) -> Iterator[list]:
    organisations = selectors.organisations_at_risk(today).iterator(chunk_size=CHUNK)
    for chunk in chunks(organisations, CHUNK):
        for entry in selectors.risk_reasons(chunk, today):
            yield [
                entry["organisation"].name,
                "; ".join(entry["reasons"]),
                "; ".join(follow_up["text"] for follow_up in entry["follow_ups"]),
            ]


def _month_rows(today) -> Iterator[list]:
    for row in selectors.decisions_by_month(today):
        yield [
            f"{row['month']:%B %Y}",
            row["no_assessment"],
            row["assessment_required"],
            row["median_days"] if row["median_days"] is not None else "",
        ]


SECAS_TABLES = {
    "assessments": Table(
        ["Organisation", "Assessment", "Stage", "Due", "Overdue", "CIO", "Notification"],
        _assessment_rows,
        lambda today: selectors.outstanding_assessments().count(),
    ),
    "annual-reviews": Table(
        ["Organisation", "Due", "Expected type", "Later systems in scope", "Overdue"],
        _review_rows,
        lambda today: selectors.annual_reviews_ahead(today).count(),
    ),
    "awaiting-ssc": Table(
        [
            "Reference",
            "Organisation",
            "State",
            "Submitted",
            "Age (working days)",
            "Clock (working days)",
            "Service level",
            "Status",
        ],
        _awaiting_rows,
        lambda today: selectors.awaiting_ssc().count(),
    ),
    "late-notifications": Table(
        ["Reference", "Organisation", "User System", "Planned go-live", "Submitted", "State"],
        _late_rows,
        lambda today: selectors.late_notifications().count(),
    ),
    "without-approved-first-system": Table(
        ["Reference", "Organisation", "User System", "When notified", "Submitted", "State"],
        _without_first_system_rows,
        lambda today: selectors.without_approved_first_system().count(),
    ),
    "employed-early": Table(
        ["Organisation", "User System", "Flag", "Began to be used", "Planned go-live"],
        _employed_early_rows,
        lambda today: selectors.systems_employed_early().count(),
    ),
    "organisations-at-risk": Table(
        ["Organisation", "Reasons", "Open follow-up assessments"],
        _at_risk_rows,
        lambda today: selectors.organisations_at_risk(today).count(),
    ),
    "overdue-remediation-steps": Table(
        ["Organisation", "Step", "Description", "Owner", "Due", "State"],
        _overdue_step_rows,
        lambda today: selectors.overdue_steps(today).count(),
    ),
    "decisions-by-month": Table(
        ["Month", "No assessment", "Assessment required", "Median working days to decide"],
        _month_rows,
        lambda today: 12,
    ),
}
