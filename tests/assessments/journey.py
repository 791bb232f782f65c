"""Drive an assessment through its lifecycle the way the services are called, in one place, so
the tests that need an assessment at a later step do not each repeat (or drift from) the steps."""

import datetime

from django.utils import timezone

from assessments import services
from assessments.models import Assessment
from notifications import filetypes
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
