"""The written procedure under two people acting at once (PostgreSQL): the replies that carry
it, and a reply racing a meeting's decision, always leave exactly one decision."""

import pytest
from django.utils import timezone

from assessments import services, written
from assessments.models import Decision, SSCMeeting, WrittenProcedure
from notifications.models import NotificationState
from notifications.services import submit_notification
from tests import factories
from tests.assessments.test_concurrency import _at_once

pytestmark = [
    pytest.mark.postgres,
    # serialized_rollback restores the rows data migrations made (groups, roles, cycle matrix).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def case_in_procedure(settings, organisation, preparer, submitter, secas):
    """A case under review with a written procedure open to five members (quorum three), two
    of whom have agreed."""
    settings.SSC_MEETING_QUORUM = 3
    members = [factories.ssc_user(full_name=f"Member {n}") for n in range(5)]
    meeting = factories.SSCMeetingFactory(attendees=members[:1], date=timezone.localdate())
    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    submitted = submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    case = services.start_review(
        notification=submitted, by=secas, rapporteur=members[0], meeting=meeting
    )
    procedure = written.open_written_procedure(
        notification=case, by=secas, outcome="no_assessment", rationale="Assessed with its SRP."
    )
    return case, procedure, members, meeting


def agree(procedure, member):
    return lambda: written.reply_to_written_procedure(
        procedure=procedure, by=member, answer="agree"
    )


def test_the_last_two_replies_at_once_carry_it_once_and_both_are_kept(case_in_procedure):
    case, procedure, members, _ = case_in_procedure
    agree(procedure, members[0])()
    # Each of the next two makes 3 of 5 agree, whichever comes second.
    agree(procedure, members[1])()
    outcomes = _at_once(agree(procedure, members[2]), agree(procedure, members[3]))
    procedure.refresh_from_db()
    done = outcomes.count("done")
    # The first carries it; the second then finds it carried and is told so.
    assert done + sum("has already carried" in outcome for outcome in outcomes) == 2
    assert procedure.state == WrittenProcedure.State.CARRIED
    assert Decision.objects.filter(notification=case).count() == 1
    assert SSCMeeting.objects.filter(kind=SSCMeeting.Kind.WRITTEN).count() == 1
    case.refresh_from_db()
    assert case.state == NotificationState.NO_ASSESSMENT_NEEDED


def test_the_two_replies_that_together_reach_the_quorum_both_count(case_in_procedure):
    case, procedure, members, _ = case_in_procedure
    agree(procedure, members[0])()
    # Neither alone reaches the quorum of three with a certain majority; together they do.
    outcomes = _at_once(agree(procedure, members[1]), agree(procedure, members[2]))
    assert outcomes == ["done", "done"]
    procedure.refresh_from_db()
    assert procedure.replies.count() == 3
    assert procedure.state == WrittenProcedure.State.CARRIED
    assert Decision.objects.filter(notification=case).count() == 1
    assert set(procedure.decision.meeting.attendees.all()) == set(members[:3])


def test_a_reply_racing_a_meeting_decision_leaves_one_decision(case_in_procedure):
    case, procedure, members, meeting = case_in_procedure
    agree(procedure, members[1])()
    agree(procedure, members[2])()

    def decide_at_the_meeting():
        services.decide(
            notification=case,
            by=members[4],
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale="Decided in the room.",
            meeting=meeting,
        )

    outcomes = _at_once(agree(procedure, members[3]), decide_at_the_meeting)
    procedure.refresh_from_db()
    decision = Decision.objects.get(notification=case)
    assert outcomes.count("done") == 1
    [refused] = [outcome for outcome in outcomes if outcome != "done"]
    if decision.route == Decision.Route.WRITTEN_PROCEDURE:
        assert procedure.state == WrittenProcedure.State.CARRIED
        assert "already decided" in refused
    else:
        assert procedure.state == WrittenProcedure.State.WITHDRAWN
        assert "decided another way" in refused
