"""The status is a decision: SECAS proposes an outcome, the SSC decides it at a quorate meeting
(or, after an initial FUSA, SECAS records the Panel's decision); services and the letter."""

import datetime

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments import documents, services
from assessments.models import (
    Assessment,
    AssessmentDecision,
    AssessmentState,
    AssuranceRecord,
    OutcomeProposal,
    SSCMeeting,
)
from assessments.remediation import StepPlan
from assessments.selectors import is_initial_fusa
from notifications.models import AssuranceStatus
from notifications.services import TransitionRefused
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.assessments import journey
from users.models import SecurityEvent

A = AssessmentState


def ad_hoc(organisation, kind="vusa"):
    return Assessment.objects.create(
        organisation=organisation,
        kind=kind,
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=journey.in_days(60),
    )


@pytest.fixture
def responded(organisation, secas):
    """A VUSA with the User's response in: ready for SECAS's proposal."""
    assessment = ad_hoc(organisation)
    return journey.response_received(assessment, by=secas)


@pytest.fixture
def proposed(responded, secas):
    services.propose_outcome(
        assessment=responded, by=secas, status="deferred", rationale="Logging falls short of G5."
    )
    responded.refresh_from_db()
    return responded


@pytest.fixture
def member(db):
    return factories.ssc_user(full_name="Morgan Member")


@pytest.fixture
def held(member):
    """A meeting held today, quorate: quorum one, the member attending."""
    return factories.SSCMeetingFactory(attendees=[member])


def decide(assessment, by, meeting, status="approved", **extra):
    return services.decide_assessment_outcome(
        assessment=assessment,
        by=by,
        meeting=meeting,
        status=status,
        rationale=extra.pop("rationale", "The response closes the gaps."),
        **extra,
    )


def logged(assessment) -> list[tuple]:
    return list(
        StateLog.objects.for_(assessment)
        .order_by("pk")
        .values_list("transition", "by", "description")
    )


# --- SECAS proposes ----------------------------------------------------------------------------


def test_secas_proposes_after_the_response_and_it_is_logged(responded, secas):
    proposal = services.propose_outcome(
        assessment=responded, by=secas, status="deferred", rationale="Logging falls short."
    )
    responded.refresh_from_db()
    assert responded.state == A.OUTCOME_PROPOSED
    assert (proposal.status, proposal.rationale, proposal.proposed_by) == (
        "deferred",
        "Logging falls short.",
        secas,
    )
    assert logged(responded)[-1] == (
        "propose_outcome",
        secas.pk,
        "Proposed: Deferred. Logging falls short.",
    )


def test_no_proposal_before_the_users_response(organisation, secas):
    assessment = journey.report_received(ad_hoc(organisation), by=secas)
    with pytest.raises(TransitionRefused, match=r"is not possible: .* is report received"):
        services.propose_outcome(
            assessment=assessment, by=secas, status="approved", rationale="Too early."
        )
    assert not OutcomeProposal.objects.exists()


@pytest.mark.parametrize(
    ("status", "rationale", "refusal"),
    [
        ("approved", "  ", "reasons for the proposal"),
        ("splendid", "Fine.", "choose the assurance status"),
    ],
)
def test_a_proposal_needs_a_real_status_and_reasons(responded, secas, status, rationale, refusal):
    with pytest.raises(TransitionRefused, match=refusal):
        services.propose_outcome(assessment=responded, by=secas, status=status, rationale=rationale)


def test_only_secas_proposes(responded, ssc_member):
    with pytest.raises(TransitionRefused, match="permission"):
        services.propose_outcome(
            assessment=responded, by=ssc_member, status="approved", rationale="Fine."
        )


def test_a_proposal_is_replaced_only_by_someone_who_has_seen_it(proposed, secas):
    standing = OutcomeProposal.objects.get()
    # Posted from a page that showed no proposal (or an older one): refused, saying whose.
    with pytest.raises(TransitionRefused, match="Sam Secas proposed deferred on"):
        services.propose_outcome(
            assessment=proposed, by=secas, status="approved", rationale="Better."
        )
    replacement = services.propose_outcome(
        assessment=proposed, by=secas, status="approved", rationale="Better.", replaces=standing.pk
    )
    standing.refresh_from_db()
    assert standing.is_withdrawn
    assert standing.withdrawal_reason == "Replaced by a new proposal."
    assert list(OutcomeProposal.objects.standing()) == [replacement]
    assert logged(proposed)[-1] == (
        "replace_proposal",
        secas.pk,
        "Proposal of Deferred replaced: Approved. Better.",
    )


def test_a_withdrawn_proposal_is_kept_and_the_assessment_waits_for_another(proposed, secas):
    with pytest.raises(TransitionRefused, match="why the proposal is withdrawn"):
        services.withdraw_proposal(assessment=proposed, by=secas, reason=" ")
    services.withdraw_proposal(assessment=proposed, by=secas, reason="The CIO revises the report.")
    proposed.refresh_from_db()
    assert proposed.state == A.RESPONSE_RECEIVED
    withdrawn = OutcomeProposal.objects.get()
    assert (withdrawn.withdrawn_by, withdrawn.withdrawal_reason) == (
        secas,
        "The CIO revises the report.",
    )
    assert logged(proposed)[-1] == (
        "withdraw_proposal",
        secas.pk,
        "Proposal of Deferred withdrawn: The CIO revises the report.",
    )
    with pytest.raises(TransitionRefused, match="none stands: this assessment is response"):
        decide(proposed, factories.ssc_user(), factories.SSCMeetingFactory())


def test_nothing_withdraws_a_proposal_that_is_not_there(responded, secas):
    with pytest.raises(TransitionRefused, match="is not possible"):
        services.withdraw_proposal(assessment=responded, by=secas, reason="Oops.")


# --- The SSC decides ---------------------------------------------------------------------------


def test_the_ssc_decides_a_status_other_than_the_one_proposed(proposed, member, held, submitter):
    decision = decide(proposed, member, held, status="approved")
    proposed.refresh_from_db()
    assert proposed.state == A.COMPLETED
    assert proposed.assurance_status == "approved"
    assert (decision.status, decision.proposed_status) == ("approved", "deferred")
    assert decision.proposal_rationale == "Logging falls short of G5."
    assert decision.proposal == OutcomeProposal.objects.get()
    assert decision.differs_from_proposal
    assert (decision.meeting, decision.decided_by) == (held, member)
    record = AssuranceRecord.objects.get(assessment=proposed)
    assert (record.status, record.notes) == ("approved", "The response closes the gaps.")
    assert logged(proposed)[-1] == ("complete", member.pk, "The response closes the gaps.")
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.DECISION, actor=member, organisation=proposed.organisation
    ).exists()


def test_the_status_takes_effect_from_the_meetings_date(proposed, member):
    earlier = factories.SSCMeetingFactory(date=journey.in_days(-3), attendees=[member])
    # Proposed before that meeting, which considered it.
    OutcomeProposal.objects.filter(assessment=proposed).update(
        proposed_at=timezone.now() - datetime.timedelta(days=5)
    )
    decide(proposed, member, earlier)
    assert AssuranceRecord.objects.get(assessment=proposed).effective_date == earlier.date


def test_a_meeting_held_before_the_proposal_cannot_have_decided_it(proposed, member):
    earlier = factories.SSCMeetingFactory(date=journey.in_days(-3), attendees=[member])
    with pytest.raises(TransitionRefused, match="was held before SECAS proposed this outcome"):
        decide(proposed, member, earlier)
    assert not AssessmentDecision.objects.exists()


def test_a_decision_needs_a_rationale_and_a_real_status(proposed, member, held):
    with pytest.raises(TransitionRefused, match="written rationale"):
        decide(proposed, member, held, rationale="  ")
    with pytest.raises(TransitionRefused, match="assurance status decided"):
        decide(proposed, member, held, status="great")
    assert not AssessmentDecision.objects.exists()


def test_a_decision_is_taken_at_a_meeting_that_has_taken_place(proposed, member):
    with pytest.raises(TransitionRefused, match="choose the SSC meeting"):
        decide(proposed, member, None)
    tomorrow = factories.SSCMeetingFactory(date=journey.in_days(1), attendees=[member])
    with pytest.raises(TransitionRefused, match="has not taken place yet"):
        decide(proposed, member, tomorrow)
    proposed.refresh_from_db()
    assert proposed.state == A.OUTCOME_PROPOSED


def test_a_meeting_not_quorate_for_the_organisation_cannot_decide(
    proposed, member, conflicted_member
):
    # Two attend, but one has a conflict with the organisation: one counts, two are needed.
    meeting = factories.SSCMeetingFactory(attendees=[member, conflicted_member], quorum=2)
    with pytest.raises(TransitionRefused, match="not quorate for this assessment: 1 of the 2"):
        decide(proposed, member, meeting)
    assert not AssessmentDecision.objects.exists()


def test_an_outcome_cannot_be_recorded_against_a_decision_by_correspondence(proposed, member):
    # Even one attended by a quorum: only a written procedure that carried decides by
    # correspondence.
    written = factories.SSCMeetingFactory(kind=SSCMeeting.Kind.WRITTEN, attendees=[member])
    with pytest.raises(TransitionRefused, match="only through a written procedure"):
        decide(proposed, member, written)
    assert not AssessmentDecision.objects.exists()


def test_a_conflicted_member_cannot_decide(proposed, conflicted_member, held):
    with pytest.raises(TransitionRefused, match="Pat Conflicted has a conflict of interest"):
        decide(proposed, conflicted_member, held)


@pytest.mark.parametrize("who", ["secas", "submitter"])
def test_only_an_ssc_member_decides_at_a_meeting(request, proposed, held, who):
    with pytest.raises(TransitionRefused, match="Only an SSC member"):
        decide(proposed, request.getfixturevalue(who), held)


def test_a_decision_cannot_name_both_a_meeting_and_the_panel(proposed, member, held):
    with pytest.raises(TransitionRefused, match="not both"):
        decide(proposed, member, held, panel_meeting_date=timezone.localdate())


def test_the_second_decision_is_told_who_decided_first_and_what(proposed, member, held):
    decide(proposed, member, held, status="approved")
    other = factories.ssc_user(full_name="Second Member")
    with pytest.raises(
        TransitionRefused, match=r"already decided by Morgan Member on .*: approved"
    ):
        decide(proposed, other, held, status="rejected")
    with pytest.raises(TransitionRefused, match="already decided by Morgan Member"):
        services.propose_outcome(
            assessment=proposed, by=factories.secas_user(), status="rejected", rationale="Late."
        )
    assert AssessmentDecision.objects.get().status == "approved"


def test_completion_follows_a_proposal_only(responded, secas):
    with pytest.raises(TransitionRefused, match=r"is not possible: .* is response received"):
        services.complete_assessment(assessment=responded, by=secas, assurance_status="approved")


def test_approved_subject_to_steps_opens_the_plan_from_the_decision(proposed, member, held):
    step = StepPlan("Rotate the keys.", "Kim Owner", "kim@example.org", journey.in_days(30))
    decide(proposed, member, held, status="approved_subject_to_steps", steps=[step])
    plan = proposed.remediation_plan
    assert [s.description for s in plan.steps.all()] == ["Rotate the keys."]


def test_extra_completion_arguments_reach_the_completion_step(proposed, member, held, monkeypatch):
    seen = {}
    real = services.complete_assessment

    def complete(**kwargs):
        seen.update(kwargs)
        kwargs.pop("follow_up_due_date")
        return real(**kwargs)

    monkeypatch.setattr(services, "complete_assessment", complete)
    decide(proposed, member, held, follow_up_due_date=journey.in_days(90))
    assert seen["follow_up_due_date"] == journey.in_days(90)
    assert seen["steps"] is None


# --- The Panel, after an initial FUSA ------------------------------------------------------------


def first_fusa(organisation):
    """The FUSA that opens an organisation's cycle (an annual review, year 1)."""
    return Assessment.objects.create(
        organisation=organisation, kind="fusa", cycle_year=1, due_date=journey.in_days(60)
    )


def test_an_initial_fusa_is_a_fusa_of_an_organisation_with_no_earlier_record(organisation):
    fusa = first_fusa(organisation)
    assert is_initial_fusa(fusa)
    assert not is_initial_fusa(ad_hoc(organisation, kind="vusa"))
    assert not is_initial_fusa(ad_hoc(organisation, kind="fusa"))  # G8.13 is never initial
    factories.AssuranceRecordFactory(organisation=organisation, status="rejected")
    assert not is_initial_fusa(fusa)


def test_an_ssc_member_cannot_decide_an_initial_fusa(organisation, secas, member, held):
    fusa = journey.outcome_proposed(first_fusa(organisation), by=secas, status="approved")
    with pytest.raises(TransitionRefused, match="the SEC Panel sets its status"):
        decide(fusa, member, held)
    assert not AssessmentDecision.objects.exists()


def test_secas_records_the_panels_decision_after_an_initial_fusa(organisation, secas, submitter):
    fusa = journey.outcome_proposed(first_fusa(organisation), by=secas, status="approved")
    panel_day = journey.in_days(-2)
    decision = services.decide_assessment_outcome(
        assessment=fusa,
        by=secas,
        status="approved",
        rationale="The Panel approved on the SSC's advice.",
        panel_meeting_date=panel_day,
    )
    assert decision.is_panel_decision
    assert decision.meeting is None
    assert AssuranceRecord.objects.get(assessment=fusa).effective_date == panel_day
    letter = OutboundEmail.objects.filter(kind="assessment_decision_letter", to=[submitter.email])
    assert "The SEC Panel, at its meeting of" in letter.get().body_text
    assert "the Panel's decision on your Full User Security Assessment" in letter.get().subject
    text = documents.assessment_decision_letter_html(decision)
    assert f"By the Panel at its meeting of {panel_day:%-d %B %Y}" in text
    assert "The Panel's reasons" in text
    assert "SECAS, on behalf of the SEC Panel" in text


def test_the_panel_decides_only_after_an_initial_fusa(organisation, secas):
    factories.AssuranceRecordFactory(organisation=organisation)
    fusa = journey.outcome_proposed(ad_hoc(organisation, kind="fusa"), by=secas, status="approved")
    with pytest.raises(TransitionRefused, match="only after an initial FUSA"):
        services.decide_assessment_outcome(
            assessment=fusa,
            by=secas,
            status="approved",
            rationale="Panel.",
            panel_meeting_date=timezone.localdate(),
        )
    fusa.refresh_from_db()
    assert fusa.state == A.OUTCOME_PROPOSED


def test_the_panels_decision_is_recorded_by_secas_after_its_meeting(
    organisation, secas, ssc_member
):
    fusa = journey.outcome_proposed(ad_hoc(organisation, kind="fusa"), by=secas, status="approved")
    with pytest.raises(TransitionRefused, match="Only SECAS records the Panel's decision"):
        services.decide_assessment_outcome(
            assessment=fusa,
            by=ssc_member,
            status="approved",
            rationale="Panel.",
            panel_meeting_date=timezone.localdate(),
        )
    with pytest.raises(TransitionRefused, match="has not taken place yet"):
        services.decide_assessment_outcome(
            assessment=fusa,
            by=secas,
            status="approved",
            rationale="Panel.",
            panel_meeting_date=journey.in_days(1),
        )


# --- The letter ----------------------------------------------------------------------------------


def test_the_user_is_sent_the_decision_letter_with_the_steps(
    proposed, member, held, submitter, settings
):
    step = StepPlan("Rotate the keys.", "Kim Owner", "kim@example.org", journey.in_days(30))
    decide(
        proposed,
        member,
        held,
        status="approved_subject_to_steps",
        rationale="Two steps close it.",
        steps=[step],
    )
    letters = {
        email.to[0]: email
        for email in OutboundEmail.objects.filter(kind="assessment_decision_letter")
    }
    assert set(letters) == {submitter.email, proposed.organisation.contact_email}
    letter = letters[submitter.email]
    assert "the SSC's decision on your Verification User Security Assessment (VUSA)" in (
        letter.subject
    )
    assert "assurance status: Approved subject to steps" in letter.subject
    body = letter.body_text
    assert f"at its meeting of {held.date:%-d %B %Y}" in body
    assert "Two steps close it." in body
    assert "you must complete the steps the SSC has set" in body
    assert f"1. Rotate the keys. – owner: Kim Owner; due by {journey.in_days(30):%d/%m/%Y}" in body
    assert f"{settings.PORTAL_BASE_URL}/assessments/{proposed.pk}/decision-letter.pdf" in body


def test_the_letter_pdf_says_what_was_decided_why_and_what_happens_next(
    proposed, member, held, secas
):
    decision = decide(proposed, member, held, status="deferred", rationale="G5 logging gaps.")
    text = documents.assessment_decision_letter_html(decision)
    assert "Decision on your Verification User Security Assessment (VUSA)" in text
    assert f"At the SSC meeting of {held.date:%-d %B %Y}" in text
    assert "<strong>Deferred</strong>" in text
    assert "G5 logging gaps." in text
    assert "The SSC needs remediation and a follow-up security assessment" in text
    assert documents.assessment_decision_letter_pdf(decision).startswith(b"%PDF-")


def test_the_minutes_list_the_outcomes_decided_at_the_meeting(proposed, member, held):
    decision = decide(proposed, member, held, status="approved", rationale="Gaps closed.")
    rows = documents.outcome_minutes_rows([decision])
    assert rows == [
        [
            "Ad-hoc assessment required under G8.13",
            proposed.organisation.name,
            "",
            "Verification User Security Assessment (VUSA) – assurance status: Approved "
            "(SECAS proposed Deferred)",
            "Gaps closed.",
            f"The Security Sub-Committee decided at its meeting of {held.date:%d/%m/%Y}",
            "",
            "",
            f"{timezone.localtime(decision.decided_at):%d/%m/%Y %H:%M}",
            "",
        ]
    ]
    text = documents.minutes_html(held, [], [decision])
    assert "Assurance status decided after assessments" in text
    assert "Gaps closed." in text
    assert "<td>Deferred</td><td>Approved</td>" in text
    assert documents.minutes_pdf(held, [], [decision]).startswith(b"%PDF-")


def test_the_journey_helper_decides_at_a_quorate_meeting(organisation, secas):
    assessment = journey.outcome_decided(
        ad_hoc(organisation), by=secas, status="approved_subject_to_steps", proposed="deferred"
    )
    assert assessment.state == A.COMPLETED
    decision = assessment.decision
    assert (decision.proposed_status, decision.status) == (
        "deferred",
        AssuranceStatus.APPROVED_SUBJECT_TO_STEPS,
    )
    assert assessment.remediation_plan.steps.count() == 1
    assert decision.meeting.date == timezone.localdate()
    assert decision.meeting.quorum_for(organisation).is_quorate


def test_no_decision_is_left_half_recorded_when_the_completion_refuses(proposed, member, held):
    with pytest.raises(TransitionRefused, match="at least one step"):
        decide(proposed, member, held, status="approved_subject_to_steps", steps=[])
    assert not AssessmentDecision.objects.exists()
    proposed.refresh_from_db()
    assert proposed.state == A.OUTCOME_PROPOSED
