"""Drive an assessment through its lifecycle the way the services are called, in one place, so
the tests that need an assessment at a later step do not each repeat (or drift from) the steps."""

import datetime

from django.utils import timezone

from assessments import services
from assessments.models import Assessment, AssessmentState, Decision
from assessments.remediation import StepPlan
from assessments.selectors import is_initial_fusa
from notifications import filetypes
from notifications.models import AssuranceStatus
from tests import factories
from tests.uploads import PDF_BYTES, upload


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def checked_upload(name: str, content: bytes = PDF_BYTES, tlp: str = "amber"):
    """A file as an upload form hands it to a service: checked, with its kind and safe name."""
    file = upload(name, content)
    file.kind = filetypes.sniff(file)
    file.safe_name = name
    return (file, file.kind, tlp, "")


def report_received(assessment: Assessment, *, by, user_by=None) -> Assessment:
    """FUSA/VUSA: CIO booked, fieldwork, report received (with its report document). USSA: the
    User's self-assessment (submitted by `user_by`, a submitter of the organisation) and the
    CIO's review (with its document)."""
    if assessment.is_self_assessment:
        services.submit_self_assessment(
            assessment=assessment, by=user_by, files=[checked_upload("self-assessment.pdf")]
        )
        return services.record_cio_review(
            assessment=assessment,
            by=by,
            cio_name="A. CIO",
            reviewed_on=timezone.localdate(),
            response_due_date=in_days(14),
            documents=[checked_upload("cio-review.pdf")],
        )
    services.schedule_assessment(
        assessment=assessment,
        by=by,
        cio_name="A. CIO",
        fieldwork_start_date=in_days(-40),
        fieldwork_end_date=in_days(-30),
    )
    services.start_fieldwork(assessment=assessment, by=by, started_on=in_days(-40))
    return services.record_report(
        assessment=assessment,
        by=by,
        received_on=in_days(-20),
        fieldwork_ended_on=in_days(-30),
        response_due_date=in_days(-5),
        documents=[checked_upload("assessment-report.pdf")],
    )


def response_received(assessment: Assessment, *, by, user_by=None) -> Assessment:
    """Up to the User's response (recorded by SECAS, with its document): the assessment now
    awaits its outcome."""
    report_received(assessment, by=by, user_by=user_by)
    return services.record_response(
        assessment=assessment,
        by=by,
        received_on=timezone.localdate(),
        documents=[checked_upload("response.pdf")],
    )


def outcome_proposed(
    assessment: Assessment,
    *,
    by,
    status: str,
    user_by=None,
    rationale: str = "The report and the User's response support this status.",
) -> Assessment:
    """Up to the User's response (unless it is already in), then SECAS (`by`) proposes."""
    assessment.refresh_from_db()  # the services return their own, locked, copy
    if assessment.state != AssessmentState.RESPONSE_RECEIVED:
        response_received(assessment, by=by, user_by=user_by)
    services.propose_outcome(assessment=assessment, by=by, status=status, rationale=rationale)
    assessment.refresh_from_db()
    return assessment


def outcome_decided(assessment: Assessment, *, by, status: str, user_by=None, **decision):
    """Up to the User's response, SECAS (`by`) proposes `status` (or `proposed`), and an SSC
    member decides `status` at a meeting held today that is quorate for the organisation.

    `decision` goes to services.decide_assessment_outcome: `decided_by` and `meeting` to use
    given ones, `rationale`, `steps` (one step due in 30 days for "Approved subject to steps"
    when none are given), and any argument of complete_assessment.
    """
    decided_by_given = {key for key in ("decided_by", "meeting") if key in decision}
    outcome_proposed(assessment, by=by, status=decision.pop("proposed", status), user_by=user_by)
    member = decision.pop("decided_by", None) or factories.ssc_user(full_name="Deciding Member")
    # Quorum one, the deciding member attending: quorate whatever the organisation.
    meeting = decision.pop("meeting", None) or factories.SSCMeetingFactory(attendees=[member])
    if status == AssuranceStatus.APPROVED_SUBJECT_TO_STEPS and "steps" not in decision:
        decision["steps"] = [
            StepPlan("Rotate the keys.", "Kim Owner", "kim@example.org", in_days(30))
        ]
    if is_initial_fusa(assessment) and not decided_by_given:
        # The Panel sets an initial FUSA's status; SECAS records it.
        member, meeting, decision["panel_meeting_date"] = by, None, timezone.localdate()
    services.decide_assessment_outcome(
        assessment=assessment,
        by=member,
        meeting=meeting,
        status=status,
        rationale=decision.pop("rationale", "Decided on the report and the User's response."),
        **decision,
    )
    assessment.refresh_from_db()
    return assessment


def decided_without_assessment(case, *, by, meeting, rationale: str = "Assessed with its SRP."):
    """The committee's plainest decision on a case under review, recorded at `meeting`."""
    return services.decide(
        notification=case,
        by=by,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale=rationale,
        meeting=meeting,
    )
