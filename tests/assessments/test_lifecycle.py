"""Whole journeys through both state machines: every transition used, logged with its actor."""

import datetime

from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments import services
from assessments.models import Assessment, Decision
from notifications import filetypes
from notifications import services as intake
from notifications.models import Notification
from tests import factories
from tests.uploads import PDF_BYTES, upload


def checked_upload(name: str, content: bytes = PDF_BYTES, tlp: str = "amber"):
    """A file as the self-assessment form hands it to the service: checked, kind and safe name."""
    file = upload(name, content)
    file.kind = filetypes.sniff(file)
    file.safe_name = name
    return (file, file.kind, tlp, "")


def all_transition_names(model) -> set[str]:
    return {t.name for t in model().get_all_state_transitions()}


def test_every_transition_of_both_lifecycles_is_logged_with_its_actor(
    organisation, preparer, submitter, secas, ssc_member, meeting
):
    # Journey 1: ask before triage, answer, triage, ask again, answer, decide, assess, close.
    first = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    intake.submit_notification(notification=first, by=submitter, declaration_accepted=True)
    intake.request_information(notification=first, by=secas, question="Which roles?")
    intake.provide_information(notification=first, by=submitter, response="Import Supplier.")
    services.start_review(notification=first, by=secas, rapporteur=ssc_member, meeting=meeting)
    intake.request_information(notification=first, by=ssc_member, question="Key custody?")
    intake.provide_information(notification=first, by=submitter, response="In-house HSM.")
    services.decide(
        notification=first,
        by=ssc_member,
        outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
        assessment_kind="fusa",
        rationale="Never assessed.",
        meeting=meeting,
        assessment_due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    assessment = Assessment.objects.get(notification=first)
    services.schedule_assessment(
        assessment=assessment,
        by=secas,
        cio_name="Example CIO LLP",
        fieldwork_start_date=datetime.date(2027, 1, 4),
        fieldwork_end_date=datetime.date(2027, 1, 15),
    )
    services.start_fieldwork(assessment=assessment, by=secas, started_on=datetime.date(2027, 1, 4))
    services.record_report(
        assessment=assessment,
        by=secas,
        received_on=datetime.date(2027, 2, 1),
        fieldwork_ended_on=datetime.date(2027, 1, 15),
        response_due_date=datetime.date(2027, 3, 1),
        documents=[checked_upload("report.pdf")],
    )
    services.record_response(
        assessment=assessment,
        by=secas,
        received_on=datetime.date(2027, 2, 20),
        documents=[checked_upload("response.pdf")],
    )
    # SECAS proposes, replaces, withdraws and proposes again; the SSC decides.
    first_proposal = services.propose_outcome(
        assessment=assessment, by=secas, status="deferred", rationale="Gaps in G5."
    )
    services.propose_outcome(
        assessment=assessment,
        by=secas,
        status="approved",
        rationale="Gaps closed.",
        replaces=first_proposal.pk,
    )
    services.withdraw_proposal(assessment=assessment, by=secas, reason="The CIO revises it.")
    services.propose_outcome(
        assessment=assessment, by=secas, status="approved", rationale="Revised report."
    )
    services.decide_assessment_outcome(
        assessment=assessment,
        by=ssc_member,
        status="approved",
        rationale="Approved on the revised report.",
        meeting=meeting,
    )

    # Journey 2: decided with no assessment. Journey 3: withdrawn.
    second = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    intake.submit_notification(notification=second, by=submitter, declaration_accepted=True)
    services.start_review(notification=second, by=secas, rapporteur=ssc_member, meeting=meeting)
    services.decide(
        notification=second,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="Assessed SRP.",
        meeting=meeting,
    )
    third = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    intake.withdraw_notification(notification=third, by=submitter, reason="Not needed.")

    # Journey 4: a self-assessment (USSA), submitted by the User and reviewed by the CIO.
    fourth = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    intake.submit_notification(notification=fourth, by=submitter, declaration_accepted=True)
    services.start_review(notification=fourth, by=secas, rapporteur=ssc_member, meeting=meeting)
    services.decide(
        notification=fourth,
        by=ssc_member,
        outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
        assessment_kind="ussa",
        rationale="A self-assessment will do.",
        meeting=meeting,
        assessment_due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    ussa = Assessment.objects.get(notification=fourth)
    services.submit_self_assessment(
        assessment=ussa, by=submitter, files=[checked_upload("self-assessment.pdf")]
    )
    services.record_cio_review(
        assessment=ussa,
        by=secas,
        cio_name="Example CIO LLP",
        reviewed_on=timezone.localdate() + datetime.timedelta(days=10),
        response_due_date=timezone.localdate() + datetime.timedelta(days=30),
        documents=[checked_upload("cio-review.pdf")],
    )
    services.record_response(
        assessment=ussa,
        by=secas,
        received_on=timezone.localdate() + datetime.timedelta(days=20),
        documents=[checked_upload("response.pdf")],
    )
    services.propose_outcome(
        assessment=ussa, by=secas, status="approved", rationale="Self-assessment sound."
    )
    services.decide_assessment_outcome(
        assessment=ussa, by=ssc_member, status="approved", rationale="Agreed.", meeting=meeting
    )

    logged = StateLog.objects.all()
    assert {row.transition for row in logged} == (
        all_transition_names(Notification) | all_transition_names(Assessment)
    )
    assert all(row.by_id is not None for row in logged)
    actors = {(row.transition, row.by_id) for row in logged}
    assert ("submit", submitter.pk) in actors
    assert ("start_review", secas.pk) in actors
    assert ("decide_no_assessment", ssc_member.pk) in actors
    assert ("close", ssc_member.pk) in actors  # the SSC's decision closes the notification
    assert ("close", ssc_member.pk) in actors  # the SSC's decision on the USSA
    assert ("complete", ssc_member.pk) in actors
