import datetime
import threading

import pytest
from django.db import connections, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from assessments import services
from assessments.models import Assessment, Decision
from notifications.models import Notification, NotificationState
from notifications.services import TransitionRefused
from tests import factories


def test_a_stale_copy_cannot_overwrite_a_newer_state(under_review, ssc_member):
    first = Notification.objects.get(pk=under_review.pk)
    second = Notification.objects.get(pk=under_review.pk)

    first.decide_no_assessment(by=ssc_member, description="First")
    first.save()
    second.decide_assessment_required(by=ssc_member, description="Second")

    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save()
    assert Notification.objects.get(pk=under_review.pk).state == "no_assessment_needed"


@pytest.mark.postgres
# serialized_rollback restores the rows data migrations made (groups, roles, cycle matrix).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_members_deciding_at_once_produce_exactly_one_decision(
    organisation, preparer, submitter, secas, meeting
):
    from notifications.services import submit_notification

    members = [factories.ssc_user(full_name=f"Member {n}") for n in range(2)]
    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    submitted = submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    case = services.start_review(
        notification=submitted, by=secas, rapporteur=members[0], meeting=meeting
    )
    start = threading.Barrier(len(members))
    outcomes: dict[str, str] = {}

    def decide_as(member, outcome):
        try:
            start.wait(timeout=10)
            services.decide(
                notification=case,
                by=member,
                outcome=outcome,
                rationale=f"Decided by {member}",
                meeting=meeting,
                assessment_kind="fusa",
                assessment_due_date=timezone.localdate() + datetime.timedelta(days=60),
            )
            outcomes[member.full_name] = "decided"
        except TransitionRefused as refusal:
            outcomes[member.full_name] = str(refusal)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide_as, args=(members[0], Decision.Outcome.ASSESSMENT_REQUIRED)),
        threading.Thread(target=decide_as, args=(members[1], Decision.Outcome.NO_ASSESSMENT)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()).count("decided") == 1
    loser_message = next(message for message in outcomes.values() if message != "decided")
    assert "already decided by Member" in loser_message
    assert Decision.objects.filter(notification=case).count() == 1
    decision = Decision.objects.get(notification=case)
    case.refresh_from_db()
    expected_state = {
        Decision.Outcome.ASSESSMENT_REQUIRED: NotificationState.ASSESSMENT_REQUIRED,
        Decision.Outcome.NO_ASSESSMENT: NotificationState.NO_ASSESSMENT_NEEDED,
    }[decision.outcome]
    assert case.state == expected_state
    assert Assessment.objects.filter(notification=case).count() == (
        1 if decision.outcome == Decision.Outcome.ASSESSMENT_REQUIRED else 0
    )


def _at_once(*actions):
    """Run each action in its own thread and connection, released together; their outcomes."""
    start = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action):
        try:
            start.wait(timeout=10)
            action()
            outcomes.append("done")
        except TransitionRefused as refusal:
            outcomes.append(str(refusal))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submitters_sending_the_self_assessment_at_once_send_it_once(organisation):
    from assessments.models import AssessmentDocument
    from tests.assessments.test_lifecycle import checked_upload

    people = [factories.MembershipFactory(organisation=organisation, role="submitter").user]
    people.append(factories.MembershipFactory(organisation=organisation, role="admin").user)
    ussa = Assessment.objects.create(
        organisation=organisation,
        kind="ussa",
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    outcomes = _at_once(
        *(
            lambda person=person: services.submit_self_assessment(
                assessment=ussa, by=person, files=[checked_upload(f"{person.pk}.pdf")]
            )
            for person in people
        )
    )
    assert outcomes.count("done") == 1
    assert any("is not possible" in outcome for outcome in outcomes)
    assert AssessmentDocument.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_secas_staff_changing_the_flag_at_once_record_one_change(organisation):
    from assessments.models import AnnualReviewFlagChange

    staff = [factories.secas_user(full_name=f"Secas {n}") for n in range(2)]
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    outcomes = _at_once(
        *(
            lambda person=person: services.change_counts_as_annual_review(
                assessment=assessment,
                by=person,
                counts_as_annual_review=True,
                reason=f"Agreed ({person.pk}).",
            )
            for person in staff
        )
    )
    assert sorted(outcomes) == ["This assessment already counts as the annual review.", "done"]
    assert AnnualReviewFlagChange.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_members_deciding_an_outcome_at_once_record_one_decision(organisation, secas):
    from assessments.models import AssessmentDecision, AssuranceRecord
    from tests.assessments import journey

    members = [factories.ssc_user(full_name=f"Member {n}") for n in range(2)]
    meeting = factories.SSCMeetingFactory(attendees=members)
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind="vusa",
        reason="g8_13",
        counts_as_annual_review=False,
        due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    journey.outcome_proposed(assessment, by=secas, status="deferred")
    outcomes = _at_once(
        *(
            lambda member=member, status=status: services.decide_assessment_outcome(
                assessment=assessment,
                by=member,
                meeting=meeting,
                status=status,
                rationale=f"Decided by {member}",
            )
            for member, status in zip(members, ["approved", "rejected"], strict=True)
        )
    )
    assert outcomes.count("done") == 1
    (refusal,) = [outcome for outcome in outcomes if outcome != "done"]
    decision = AssessmentDecision.objects.get()
    assert f"already decided by {decision.decided_by} on" in refusal
    assert refusal.endswith(f": {decision.status}.")
    assert AssuranceRecord.objects.filter(assessment=assessment).count() == 1
    assessment.refresh_from_db()
    assert assessment.assurance_status == decision.status


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submitters_sending_the_response_at_once_send_it_once(organisation):
    from assessments.models import AssessmentDocument, DocumentKind
    from sscportal.mail.models import OutboundEmail
    from tests.assessments.journey import checked_upload, report_received

    secas = factories.secas_user(full_name="Sam Secas")
    people = [factories.MembershipFactory(organisation=organisation, role="submitter").user]
    people.append(factories.MembershipFactory(organisation=organisation, role="admin").user)
    assessment = report_received(
        Assessment.objects.create(
            organisation=organisation,
            kind="fusa",
            reason="g8_13",
            counts_as_annual_review=False,
            due_date=timezone.localdate() + datetime.timedelta(days=60),
        ),
        by=secas,
    )
    outcomes = _at_once(
        *(
            lambda person=person: services.submit_response(
                assessment=assessment, by=person, documents=[checked_upload(f"{person.pk}.pdf")]
            )
            for person in people
        )
    )
    assert outcomes.count("done") == 1
    (refusal,) = [outcome for outcome in outcomes if outcome != "done"]
    assert "already received by" in refusal
    assert "the page you were on was out of date" in refusal
    assert AssessmentDocument.objects.filter(kind=DocumentKind.RESPONSE).count() == 1
    assert OutboundEmail.objects.filter(kind="assessment_response_submitted").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_chairs_action_and_a_meeting_decision_at_once_produce_exactly_one_decision(
    organisation, preparer, submitter, secas
):
    from notifications.services import submit_notification

    member = factories.ssc_user(full_name="Member at the meeting")
    chair = factories.ssc_chair(full_name="Chair acting alone")
    held = factories.SSCMeetingFactory(attendees=[member])
    upcoming = factories.SSCMeetingFactory(
        date=timezone.localdate() + datetime.timedelta(days=14), attendees=[member]
    )
    draft = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        planned_go_live_date=timezone.localdate() + datetime.timedelta(days=5),
    )
    case = services.start_review(
        notification=submit_notification(
            notification=draft, by=submitter, declaration_accepted=True
        ),
        by=secas,
        rapporteur=member,
        meeting=upcoming,
    )

    def decide(by, route, meeting):
        return lambda: services.decide(
            notification=case,
            by=by,
            route=route,
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale=f"Decided by {by}",
            meeting=meeting,
        )

    outcomes = _at_once(
        decide(chair, Decision.Route.CHAIRS_ACTION, upcoming),
        decide(member, Decision.Route.MEETING, held),
    )

    assert outcomes.count("done") == 1
    refusal = next(outcome for outcome in outcomes if outcome != "done")
    decision = Decision.objects.get(notification=case)
    assert "was already decided by" in refusal
    if decision.route == Decision.Route.CHAIRS_ACTION:
        assert "by chair's action of Chair acting alone" in refusal
    else:
        assert "already decided by Member at the meeting" in refusal
    case.refresh_from_db()
    assert case.state == NotificationState.NO_ASSESSMENT_NEEDED
