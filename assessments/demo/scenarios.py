"""Cases and assessments at a named stage, built through the services people use.

Each builder takes the person who acts (`by`) and calls the service that person's button calls,
so the transition log names them and every rule the service keeps is kept. The demo seed and the
browser tests build their data from these:

    case = submitted_case(organisation=org, by=submitter, system_name="Meter Asset Portal")
    case = case_under_review(case, by=secas, rapporteur=member, meeting=next_meeting)
    assessment = assessment_required(case, by=member, meeting=held, due_date=due, rationale="…")
    assessment_completed(
        assessment, by=secas, outcome=AssuranceStatus.APPROVED, decided_by=member, meeting=held
    )
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments.follow_up import FollowUpPlan
from assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentState,
    Decision,
    OutcomeProposal,
    SSCMeeting,
)
from assessments.services import (
    decide,
    decide_assessment_outcome,
    next_annual_review,
    propose_outcome,
    record_cio_review,
    record_report,
    record_response,
    schedule_assessment,
    start_fieldwork,
    start_review,
    submit_self_assessment,
)
from notifications import filetypes
from notifications.models import DeliveryModel, Notification, SharedResourceProvider, TLPMarking
from notifications.services import create_draft, submit_notification
from users.models import Membership, Organisation, User, UserRole
from users.policy import SUBMITTING_ROLES

CLOUD_REGIONS = "UK South (London) and UK West (Cardiff) cloud regions"


def notification_content(
    organisation: Organisation,
    *,
    by: User,
    system_name: str,
    purpose: str = "Online services for prepayment customers.",
    go_live: date | None = None,
    delivery: str = DeliveryModel.IN_HOUSE,
    roles: tuple[str, ...] | None = None,
    provider: SharedResourceProvider | None = None,
    third_party: str = "",
    location: str = CLOUD_REGIONS,
    smets1: int = 0,
    smets2: int = 0,
    same_isms: bool = True,
    non_compliances: str = "",
) -> dict:
    """Everything a notification needs to be submitted; `roles` are User Role codes (the
    organisation's own when not given)."""
    today = timezone.localdate()
    hosting = {
        DeliveryModel.IN_HOUSE: f"Hosted and operated by {organisation.name} in its own tenancy.",
        DeliveryModel.SRP: f"Multi-tenant platform operated by {provider}.",
        DeliveryModel.THIRD_PARTY: f"Dedicated environment operated by {third_party}.",
    }[delivery]
    return {
        "contact_name": organisation.contact_name or by.full_name,
        "contact_email": organisation.contact_email or by.email,
        "contact_phone": organisation.contact_phone,
        "system_name": system_name,
        "purpose": purpose,
        "user_roles": list(
            organisation.user_roles.all()
            if roles is None
            else UserRole.objects.filter(code__in=roles)
        ),
        "planned_go_live_date": go_live or today + timedelta(days=120),
        "smets1_meter_count": smets1,
        "smets2_meter_count": smets2,
        "delivery_model": delivery,
        "provider": provider,
        "third_party_name": third_party,
        "hosting_description": hosting,
        "hosting_location": location,
        "dcc_connection": "Two DCC User Gateway connections over the DCC-provided "
        "Secure Network, each terminated on a dedicated DCC Gateway Connection.",
        "separation_from_existing": "Separate network segment and firewall policy; no "
        "direct route to the first User System; separate administrator accounts.",
        "key_management": "User Role signing keys generated and held in a FIPS 140-2 "
        "Level 3 HSM; key custodians named; keys never leave the HSM.",
        "shared_with_existing": "Security operations centre, identity provider and "
        "change management process.",
        "same_isms_scope": same_isms,
        "same_controls": same_isms,
        "risk_assessment_summary": "Information risk assessment under G5.14 completed; "
        "no high residual risks; two medium risks with treatment plans.",
        "risk_assessment_date": today - timedelta(days=45),
        "penetration_test_summary": "CHECK-scheme penetration test of the external and "
        "internal interfaces; all high findings fixed and retested.",
        "penetration_test_date": today - timedelta(days=30),
        "has_known_non_compliances": bool(non_compliances),
        "known_non_compliances": non_compliances,
    }


def draft(*, organisation: Organisation, by: User, **content) -> Notification:
    """A complete draft, prepared by a member of the organisation (see notification_content)."""
    return create_draft(
        organisation=organisation, by=by, **notification_content(organisation, by=by, **content)
    )


def submitted_case(
    *, organisation: Organisation, by: User, submitter: User | None = None, **content
) -> Notification:
    """A complete notification drafted by `by` and submitted by `submitter` (`by` if omitted)."""
    notification = draft(organisation=organisation, by=by, **content)
    return submit(notification, by=submitter or by)


def submit(notification: Notification, *, by: User) -> Notification:
    return submit_notification(notification=notification, by=by, declaration_accepted=True)


def case_under_review(
    case: Notification, *, by: User, rapporteur: User, meeting: SSCMeeting
) -> Notification:
    """SECAS (`by`) triages a submitted case for a meeting not yet held."""
    return start_review(notification=case, by=by, rapporteur=rapporteur, meeting=meeting)


def decided_no_assessment(
    case: Notification, *, by: User, meeting: SSCMeeting, rationale: str
) -> Decision:
    """An SSC member records, at a meeting held, that no assessment is needed."""
    return decide(
        notification=case,
        by=by,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale=rationale,
        meeting=meeting,
    )


def assessment_required(
    case: Notification,
    *,
    by: User,
    meeting: SSCMeeting,
    due_date: date,
    rationale: str,
    scope: str = "",
    kind: str = AssessmentKind.FUSA,
) -> Assessment:
    """An SSC member decides that a G8.13 assessment is required; returns the one it opens."""
    decide(
        notification=case,
        by=by,
        outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
        rationale=rationale,
        meeting=meeting,
        assessment_kind=kind,
        assessment_scope=scope,
        assessment_due_date=due_date,
    )
    return Assessment.objects.get(notification=case)


def annual_review(organisation: Organisation) -> Assessment:
    """The organisation's next annual review, opened from the cycle matrix, with its live first
    system in scope."""
    review = next_annual_review(organisation)
    # The service scopes only systems added by decisions; an annual review also covers the
    # first system, and no service adds it.
    review.systems_in_scope.add(*organisation.user_systems.filter(is_first_system=True))
    return review


@dataclass(frozen=True)
class AssessmentPlan:
    """How far to take an assessment, and the dates (days from today) to record on the way."""

    target: str = AssessmentState.COMPLETED
    cio: str = "Severn Security Consulting Ltd"
    fieldwork_start: int = -21
    fieldwork_end: int = -17
    report: int = -10
    response_due: int = -3
    response: int = -4
    outcome: str = ""
    notes: str = ""
    steps: tuple = ()  # remediation.StepPlan, for "Approved subject to steps"
    follow_up: FollowUpPlan | None = None  # for Deferred or Rejected: the defaults otherwise


STATE_ORDER = list(AssessmentState.values)
# A self-assessment's steps stand where the CIO's would in a plan written for either type.
SELF_ASSESSMENT_TARGETS = {
    AssessmentState.SCHEDULED: AssessmentState.REQUIRED,
    AssessmentState.FIELDWORK: AssessmentState.SELF_ASSESSMENT_SUBMITTED,
    AssessmentState.REPORT_RECEIVED: AssessmentState.CIO_REVIEW_RECORDED,
}
DEMO_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def submitter_for(organisation: Organisation) -> User:
    membership = (
        Membership.objects.filter(
            organisation=organisation, is_active=True, role__in=SUBMITTING_ROLES
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise ValueError(f"{organisation} has no submitter to send its self-assessment.")
    return membership.user


def demo_document(name: str, description: str) -> tuple:
    """One (PDF) file as the upload forms hand it to the services, marked TLP:AMBER."""
    upload = SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")
    upload.safe_name = name  # type: ignore[attr-defined]
    return (upload, filetypes.sniff(upload), TLPMarking.AMBER, description)


def self_assessment_submitted(assessment: Assessment) -> Assessment:
    """The organisation's submitter sends its self-assessment with one (PDF) file."""
    return submit_self_assessment(
        assessment=assessment,
        by=submitter_for(assessment.organisation),
        notes="Completed questionnaire and the evidence index.",
        files=[demo_document("self-assessment.pdf", "Self-assessment")],
    )


OUTCOME_REASONS = "The report and the User's response support this status."


def advance_assessment(
    assessment: Assessment,
    *,
    by: User,
    plan: AssessmentPlan,
    today: date | None = None,
    decided_by: User | None = None,
    meeting: SSCMeeting | None = None,
) -> Assessment:
    """Take an assessment through the services, one step at a time, up to plan.target (the
    self-assessment's own steps for a USSA): SECAS (`by`) records each step and proposes the
    outcome; an SSC member (`decided_by`) decides it at `meeting`."""
    today = today or timezone.localdate()

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    target = plan.target
    if assessment.is_self_assessment:
        target = SELF_ASSESSMENT_TARGETS.get(target, target)
    while STATE_ORDER.index(assessment.state) < STATE_ORDER.index(target):
        state = assessment.state
        if state == AssessmentState.REQUIRED and assessment.is_self_assessment:
            assessment = self_assessment_submitted(assessment)
        elif state == AssessmentState.SELF_ASSESSMENT_SUBMITTED:
            assessment = record_cio_review(
                assessment=assessment,
                by=by,
                cio_name=plan.cio,
                # Reviewed no earlier than it was submitted (today), the response due after.
                reviewed_on=max(day(plan.report), today),
                response_due_date=max(day(plan.response_due), today + timedelta(days=14)),
                documents=[demo_document("cio-review.pdf", "The User CIO's review")],
            )
        elif state == AssessmentState.CIO_REVIEW_RECORDED:
            assessment = record_response(
                assessment=assessment,
                by=by,
                received_on=day(plan.response),
                documents=[demo_document("response.pdf", "User Security Assessment Response")],
            )
        elif state == AssessmentState.REQUIRED:
            assessment = schedule_assessment(
                assessment=assessment,
                by=by,
                cio_name=plan.cio,
                fieldwork_start_date=day(plan.fieldwork_start),
                fieldwork_end_date=day(plan.fieldwork_end),
            )
        elif state == AssessmentState.SCHEDULED:
            assessment = start_fieldwork(
                assessment=assessment, by=by, started_on=day(plan.fieldwork_start)
            )
        elif state == AssessmentState.FIELDWORK:
            assessment = record_report(
                assessment=assessment,
                by=by,
                received_on=day(plan.report),
                fieldwork_ended_on=day(plan.fieldwork_end),
                response_due_date=day(plan.response_due),
                documents=[
                    demo_document("assessment-report.pdf", "User Security Assessment Report")
                ],
            )
        elif state == AssessmentState.REPORT_RECEIVED:
            assessment = record_response(
                assessment=assessment,
                by=by,
                received_on=day(plan.response),
                documents=[demo_document("response.pdf", "User Security Assessment Response")],
            )
        elif state == AssessmentState.RESPONSE_RECEIVED:
            propose_outcome(
                assessment=assessment,
                by=by,
                status=plan.outcome,
                rationale=plan.notes or OUTCOME_REASONS,
            )
            assessment.refresh_from_db()
        else:
            if decided_by is None or meeting is None:
                raise ValueError("An outcome is decided by an SSC member at a meeting.")
            if meeting.date < timezone.localdate():
                # Decided at a past meeting: SECAS's proposal went to that meeting, so it is
                # dated the day before.
                OutcomeProposal.objects.standing().filter(assessment=assessment).update(
                    proposed_at=timezone.make_aware(
                        datetime.combine(meeting.date - timedelta(days=1), time(10))
                    )
                )
            decide_assessment_outcome(
                assessment=assessment,
                by=decided_by,
                meeting=meeting,
                status=plan.outcome,
                rationale=plan.notes or OUTCOME_REASONS,
                steps=list(plan.steps),
                follow_up=plan.follow_up,
            )
            assessment.refresh_from_db()
    return assessment


def assessment_completed(
    assessment: Assessment,
    *,
    by: User,
    outcome: str,
    decided_by: User,
    meeting: SSCMeeting,
    notes: str = "",
    plan: AssessmentPlan | None = None,
    today: date | None = None,
) -> Assessment:
    """SECAS (`by`) records each step and proposes the outcome, on the plan's dates (fieldwork
    three weeks ago when no plan is given); the SSC member `decided_by` decides it at `meeting`."""
    plan = replace(
        plan or AssessmentPlan(), target=AssessmentState.COMPLETED, outcome=outcome, notes=notes
    )
    return advance_assessment(
        assessment, by=by, plan=plan, today=today, decided_by=decided_by, meeting=meeting
    )
