import datetime

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments import services
from assessments.models import (
    AgendaItem,
    Assessment,
    AssessmentKind,
    AssessmentReason,
    AssessmentState,
    AssuranceRecord,
    Decision,
)
from assessments.remediation import StepPlan
from notifications.models import NotificationState
from notifications.services import TransitionRefused
from tests import factories
from tests.assessments import journey
from tests.assessments.journey import checked_upload

S = NotificationState
A = AssessmentState
IN_A_MONTH = timezone.localdate() + datetime.timedelta(days=30)


def decide_required(notification, by, meeting, **overrides):
    arguments = {
        "notification": notification,
        "by": by,
        "outcome": Decision.Outcome.ASSESSMENT_REQUIRED,
        "assessment_kind": "fusa",
        "rationale": "Never assessed; in-house build.",
        "meeting": meeting,
        "assessment_scope": "The new customer portal and its DCC connection.",
        "assessment_due_date": timezone.localdate() + datetime.timedelta(days=90),
    }
    return services.decide(**(arguments | overrides))


def test_secas_triage_assigns_a_rapporteur_and_a_meeting(submitted, secas, ssc_member, meeting):
    notification = services.start_review(
        notification=submitted, by=secas, rapporteur=ssc_member, meeting=meeting
    )
    assert notification.state == S.UNDER_REVIEW
    assert notification.rapporteur == ssc_member
    assert AgendaItem.objects.filter(meeting=meeting, notification=notification).exists()
    log = StateLog.objects.for_(notification).latest()
    assert (log.transition, log.by) == ("start_review", secas)


def test_an_ssc_member_cannot_triage(submitted, ssc_member, meeting):
    with pytest.raises(TransitionRefused, match="permission"):
        services.start_review(
            notification=submitted, by=ssc_member, rapporteur=ssc_member, meeting=meeting
        )
    assert not AgendaItem.objects.exists()


def test_a_conflicted_member_cannot_be_rapporteur(submitted, secas, conflicted_member, meeting):
    with pytest.raises(TransitionRefused, match="conflict of interest"):
        services.start_review(
            notification=submitted, by=secas, rapporteur=conflicted_member, meeting=meeting
        )


def test_the_rapporteur_must_be_an_ssc_member(submitted, secas, meeting):
    with pytest.raises(TransitionRefused, match="SSC member"):
        services.start_review(notification=submitted, by=secas, rapporteur=secas, meeting=meeting)


def test_triage_refuses_a_meeting_in_the_past(submitted, secas, ssc_member):
    past = factories.SSCMeetingFactory(date=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(TransitionRefused, match="already taken place"):
        services.start_review(notification=submitted, by=secas, rapporteur=ssc_member, meeting=past)


def test_a_draft_cannot_be_triaged(draft, secas, ssc_member, meeting):
    with pytest.raises(TransitionRefused, match="is draft"):
        services.start_review(notification=draft, by=secas, rapporteur=ssc_member, meeting=meeting)


def test_deciding_assessment_required_opens_an_ad_hoc_assessment_of_the_chosen_type(
    under_review, ssc_member, meeting
):
    decision = decide_required(under_review, ssc_member, meeting)

    under_review.refresh_from_db()
    assert under_review.state == S.ASSESSMENT_REQUIRED
    assert decision.decided_by == ssc_member
    assert decision.meeting == meeting
    assessment = Assessment.objects.get(notification=under_review)
    assert (assessment.kind, assessment.reason) == (AssessmentKind.FUSA, AssessmentReason.G8_13)
    assert assessment.counts_as_annual_review is False
    assert assessment.state == A.REQUIRED
    assert list(assessment.systems_in_scope.all()) == [under_review.user_system]
    log = StateLog.objects.for_(under_review).latest()
    assert (log.transition, log.by, log.description) == (
        "decide_assessment_required",
        ssc_member,
        "Never assessed; in-house build.",
    )


def test_deciding_no_assessment_puts_the_system_into_the_next_annual_review(
    under_review, ssc_member, meeting
):
    factories.AssuranceRecordFactory(
        organisation=under_review.organisation,
        fieldwork_end_date=datetime.date(2026, 3, 31),
        cycle_year=1,
    )
    services.decide(
        notification=under_review,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="Provided by an SRP assessed four months ago and Approved.",
        meeting=meeting,
    )

    under_review.refresh_from_db()
    assert under_review.state == S.NO_ASSESSMENT_NEEDED
    review = Assessment.objects.get(organisation=under_review.organisation)
    assert review.notification is None
    assert review.due_date == datetime.date(2027, 3, 31)
    assert review.cycle_year == 2
    assert review.kind == AssessmentKind.VUSA  # small supplier, year 2, from the cycle matrix
    assert list(review.systems_in_scope.all()) == [under_review.user_system]


def test_a_large_supplier_gets_a_full_assessment_every_year(under_review, ssc_member, meeting):
    organisation = under_review.organisation
    organisation.party_category = "large_supplier"
    organisation.save()
    factories.AssuranceRecordFactory(organisation=organisation, cycle_year=1)

    services.decide(
        notification=under_review,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="Same ISMS, assessed provider.",
        meeting=meeting,
    )
    assert Assessment.objects.get(organisation=organisation).kind == AssessmentKind.FUSA


def test_a_decision_needs_a_rationale(under_review, ssc_member, meeting):
    with pytest.raises(TransitionRefused, match="written rationale"):
        decide_required(under_review, ssc_member, meeting, rationale="   ")
    under_review.refresh_from_db()
    assert under_review.state == S.UNDER_REVIEW
    assert not Decision.objects.exists()


def test_a_decision_needs_its_meeting(under_review, ssc_member):
    with pytest.raises(TransitionRefused, match="meeting"):
        decide_required(under_review, ssc_member, None)


def test_a_decision_cannot_be_recorded_against_a_future_meeting(under_review, ssc_member):
    future = factories.SSCMeetingFactory(date=timezone.localdate() + datetime.timedelta(days=7))
    with pytest.raises(TransitionRefused, match="has not taken place yet"):
        decide_required(under_review, ssc_member, future)
    assert not Decision.objects.exists()


def test_assessment_required_needs_a_future_due_date(under_review, ssc_member, meeting):
    with pytest.raises(TransitionRefused, match="after today"):
        decide_required(under_review, ssc_member, meeting, assessment_due_date=timezone.localdate())


@pytest.mark.parametrize("who", ["secas", "submitter", "conflicted_member"])
def test_only_an_unconflicted_ssc_member_may_decide(request, under_review, meeting, who):
    person = request.getfixturevalue(who)
    with pytest.raises(TransitionRefused, match="permission"):
        decide_required(under_review, person, meeting)
    assert not Decision.objects.exists()
    assert not Assessment.objects.exists()


def test_a_case_awaiting_information_cannot_be_decided(under_review, ssc_member, meeting):
    from notifications.services import request_information

    request_information(notification=under_review, by=ssc_member, question="Key custody?")
    with pytest.raises(TransitionRefused, match="information requested"):
        decide_required(under_review, ssc_member, meeting)


def test_a_second_decision_is_told_who_decided_first(under_review, ssc_member, meeting):
    other_member = factories.ssc_user(full_name="Jo Second")
    decide_required(under_review, ssc_member, meeting)

    with pytest.raises(TransitionRefused, match="already decided by Chris Member on"):
        services.decide(
            notification=under_review,
            by=other_member,
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale="Looks fine.",
            meeting=meeting,
        )
    assert Decision.objects.count() == 1
    assert Assessment.objects.count() == 1


def test_a_decided_notification_cannot_be_withdrawn(under_review, ssc_member, meeting, submitter):
    from notifications.services import withdraw_notification

    decide_required(under_review, ssc_member, meeting)
    with pytest.raises(TransitionRefused, match="not possible"):
        withdraw_notification(notification=under_review, by=submitter, reason="Changed our mind.")


def run_assessment_to_the_end(assessment, secas, status="approved"):
    services.schedule_assessment(
        assessment=assessment,
        by=secas,
        cio_name="Example CIO LLP",
        fieldwork_start_date=datetime.date(2026, 12, 1),
        fieldwork_end_date=datetime.date(2026, 12, 11),
    )
    services.start_fieldwork(assessment=assessment, by=secas, started_on=datetime.date(2026, 12, 1))
    services.record_report(
        assessment=assessment,
        by=secas,
        received_on=datetime.date(2027, 1, 8),
        fieldwork_ended_on=datetime.date(2026, 12, 11),
        response_due_date=datetime.date(2027, 2, 5),
        documents=[checked_upload("report.pdf")],
    )
    services.record_response(
        assessment=assessment,
        by=secas,
        received_on=datetime.date(2027, 2, 1),
        documents=[checked_upload("response.pdf")],
    )
    # "Approved subject to steps" comes with its steps (tests/assessments/test_remediation.py).
    steps = None
    if status == "approved_subject_to_steps":
        due = timezone.localdate() + datetime.timedelta(days=30)
        steps = [StepPlan("Rotate the keys.", "Kim Owner", "kim@example.org", due)]
    # SECAS proposes the status and an SSC member decides it at a quorate meeting.
    return journey.outcome_decided(assessment, by=secas, status=status, steps=steps)


def test_completing_the_assessment_closes_the_notification_and_records_assurance(
    under_review, ssc_member, meeting, secas
):
    decide_required(under_review, ssc_member, meeting)
    assessment = Assessment.objects.get(notification=under_review)

    completed = run_assessment_to_the_end(assessment, secas, status="approved_subject_to_steps")

    assert completed.state == A.COMPLETED
    under_review.refresh_from_db()
    assert under_review.state == S.CLOSED
    record = AssuranceRecord.objects.get(assessment=completed)
    assert record.status == "approved_subject_to_steps"
    assert record.next_annual_review_date == datetime.date(2027, 12, 11)
    assert list(record.systems.all()) == [under_review.user_system]
    transitions = list(
        StateLog.objects.for_(completed).order_by("timestamp", "id").values_list("transition", "by")
    )
    assert transitions == [
        ("schedule", secas.pk),
        ("start_fieldwork", secas.pk),
        ("receive_report", secas.pk),
        ("receive_response", secas.pk),
        ("propose_outcome", secas.pk),
        ("complete", completed.decision.decided_by_id),
    ]
    assert StateLog.objects.for_(under_review).latest().transition == "close"


def test_only_secas_may_move_an_assessment(under_review, ssc_member, meeting):
    decide_required(under_review, ssc_member, meeting)
    assessment = Assessment.objects.get(notification=under_review)
    with pytest.raises(TransitionRefused, match="permission"):
        services.schedule_assessment(
            assessment=assessment,
            by=ssc_member,
            cio_name="CIO",
            fieldwork_start_date=IN_A_MONTH,
            fieldwork_end_date=IN_A_MONTH,
        )


def test_an_assessment_cannot_skip_a_stage(under_review, ssc_member, meeting, secas):
    decide_required(under_review, ssc_member, meeting)
    assessment = Assessment.objects.get(notification=under_review)
    with pytest.raises(TransitionRefused, match="not possible"):
        services.complete_assessment(assessment=assessment, by=secas, assurance_status="approved")
    assessment.refresh_from_db()
    assert assessment.state == A.REQUIRED


def test_fieldwork_cannot_end_before_it_starts(under_review, ssc_member, meeting, secas):
    decide_required(under_review, ssc_member, meeting)
    assessment = Assessment.objects.get(notification=under_review)
    with pytest.raises(TransitionRefused, match="cannot end before"):
        services.schedule_assessment(
            assessment=assessment,
            by=secas,
            cio_name="CIO",
            fieldwork_start_date=datetime.date(2027, 1, 10),
            fieldwork_end_date=datetime.date(2027, 1, 9),
        )


def test_completion_needs_a_known_assurance_status(under_review, ssc_member, meeting, secas):
    decide_required(under_review, ssc_member, meeting)
    assessment = Assessment.objects.get(notification=under_review)
    with pytest.raises(TransitionRefused, match="assurance status"):
        services.complete_assessment(assessment=assessment, by=secas, assurance_status="great")


def test_completing_an_annual_review_opens_the_next_one_from_the_cycle_matrix(organisation, secas):
    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=datetime.date(2027, 1, 31)
    )
    run_assessment_to_the_end(review, secas)
    following = Assessment.objects.exclude(pk=review.pk).get(organisation=organisation)
    assert following.notification is None
    assert following.due_date == datetime.date(2027, 12, 11)  # 12 months after fieldwork ended
    assert (following.cycle_year, following.kind) == (2, AssessmentKind.VUSA)


def test_a_g8_13_assessment_does_not_move_the_annual_review_clock(
    under_review, ssc_member, meeting, secas
):
    from assessments.selectors import next_annual_review_due

    organisation = under_review.organisation
    factories.AssuranceRecordFactory(
        organisation=organisation, fieldwork_end_date=datetime.date(2026, 3, 31), cycle_year=1
    )
    decide_required(under_review, ssc_member, meeting)
    run_assessment_to_the_end(Assessment.objects.get(notification=under_review), secas)
    assert next_annual_review_due(organisation) == datetime.date(2027, 3, 31)
    assert not Assessment.objects.filter(
        organisation=organisation, notification__isnull=True
    ).exists()


# --- Who is told -------------------------------------------------------------------------------


def outbox(kind):
    from sscportal.mail.models import OutboundEmail

    return {email.to[0]: email for email in OutboundEmail.objects.filter(kind=kind)}


def test_triage_tells_the_rapporteur_with_the_case_page_and_the_meeting(
    submitted, secas, ssc_member, settings
):
    meeting = factories.SSCMeetingFactory(
        date=timezone.localdate() + datetime.timedelta(days=9), location="Room 4"
    )
    services.start_review(notification=submitted, by=secas, rapporteur=ssc_member, meeting=meeting)
    (email,) = outbox("rapporteur_assigned").values()
    assert email.to == [ssc_member.email]
    assert email.body_text.startswith("Dear Chris Member,")
    assert "you are rapporteur" in email.subject
    assert submitted.reference in email.subject
    when = f"{meeting.date:%A} {meeting.date.day} {meeting.date:%B %Y}"
    assert when in email.body_text
    assert "Room 4" in email.body_text
    case_page = f"{settings.PORTAL_BASE_URL}/ssc/cases/{submitted.pk}/"
    assert case_page in email.body_text
    assert f'href="{case_page}"' in email.body_html
    assert f"/notifications/{submitted.pk}/" not in email.body_text


def test_a_refused_triage_tells_no_one(submitted, secas, conflicted_member, meeting):
    with pytest.raises(TransitionRefused):
        services.start_review(
            notification=submitted, by=secas, rapporteur=conflicted_member, meeting=meeting
        )
    assert outbox("rapporteur_assigned") == {}


@pytest.mark.parametrize(
    ("status", "label", "next_step"),
    [
        ("approved", "Approved", "no further action is needed"),
        ("approved_subject_to_steps", "Approved subject to steps", "complete the steps"),
        ("deferred", "Deferred", "follow-up security assessment"),
        ("rejected", "Rejected", "possibly a second Full User Security Assessment (FUSA)"),
    ],
)
def test_the_user_is_told_the_assurance_status_when_its_g8_13_assessment_completes(
    under_review,
    ssc_member,
    meeting,
    secas,
    submitter,
    org_admin,
    settings,
    status,
    label,
    next_step,
):
    decide_required(under_review, ssc_member, meeting)
    run_assessment_to_the_end(
        Assessment.objects.get(notification=under_review), secas, status=status
    )
    told = outbox("assessment_decision_letter")
    assert set(told) == {
        submitter.email,
        org_admin.email,
        under_review.contact_email,
        under_review.organisation.contact_email,
    }
    for email in told.values():
        assert f"assurance status: {label}" in email.subject
        assert under_review.reference in email.subject
        assert f"Assurance status: {label}" in email.body_text
        assert next_step in email.body_text
        assert f"{settings.PORTAL_BASE_URL}/notifications/{under_review.pk}/" in email.body_text
    assert told[under_review.contact_email].body_text.startswith("Dear Alex Jones,")
    assert told[org_admin.email].body_text.startswith(f"Dear {org_admin.full_name},")


def test_the_organisation_is_told_when_its_annual_review_completes_and_when_the_next_is_due(
    organisation, secas, submitter, preparer, settings
):
    review = Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=datetime.date(2027, 1, 31)
    )
    run_assessment_to_the_end(review, secas, status="approved")
    told = outbox("assessment_decision_letter")
    # Its contact and the people who act for it; not a preparer.
    assert set(told) == {organisation.contact_email, submitter.email}
    email = told[submitter.email]
    # Its first FUSA: the Panel sets the status.
    assert "the Panel's decision on your Full User Security Assessment (FUSA)" in email.subject
    assert "Assurance status: Approved" in email.body_text
    assert (
        "Your next annual review (Verification User Security Assessment (VUSA)) is due by "
        "11 December 2027" in email.body_text
    )
    assert f"{settings.PORTAL_BASE_URL}/organisations/{organisation.pk}/" in email.body_text
    assert told[organisation.contact_email].body_text.startswith("Hello,")


def test_a_decision_letter_greets_each_reader(under_review, ssc_member, meeting, submitter):
    decide_required(under_review, ssc_member, meeting)
    letters = outbox("decision_letter")
    assert letters[submitter.email].body_text.startswith(f"Dear {submitter.full_name},")
    assert letters[under_review.contact_email].body_text.startswith("Dear Alex Jones,")
    # The outcome keeps its capitals: never "g8.13".
    assert "Assessment required under G8.13" in letters[submitter.email].subject


def test_a_second_decision_is_told_the_outcome_with_its_capitals(under_review, ssc_member, meeting):
    decide_required(under_review, ssc_member, meeting)
    with pytest.raises(TransitionRefused, match=r"assessment required under G8\.13\."):
        decide_required(under_review, ssc_member, meeting)


def test_a_deferred_outcome_puts_the_organisation_at_risk_until_a_later_approval(
    under_review, ssc_member, meeting, secas
):
    from assessments.selectors import organisations_at_risk

    decide_required(under_review, ssc_member, meeting)
    deferred = run_assessment_to_the_end(
        Assessment.objects.get(notification=under_review), secas, status="deferred"
    )
    organisation = deferred.organisation
    today = timezone.localdate()
    assert list(organisations_at_risk(today)) == [organisation]

    follow_up = factories.AssuranceRecordFactory(
        organisation=organisation,
        status="approved",
        effective_date=today + datetime.timedelta(days=1),
        systems=[under_review.user_system],
    )
    assert follow_up.latest_for.get().user_system == under_review.user_system
    assert not organisations_at_risk(today).exists()
