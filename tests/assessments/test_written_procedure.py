"""The written procedure (issue 14, part 3): a decision by correspondence carries only when the
replies reach the quorum and a majority of them agree; otherwise the case goes to a meeting."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from assessments import written
from assessments.models import (
    AgendaItem,
    Decision,
    Reminder,
    SSCMeeting,
    WrittenProcedure,
    WrittenProcedureReply,
)
from assessments.reminders import Recipients, send_reminders, weekly_digest
from assessments.services import decide
from notifications.models import NotificationState
from notifications.services import TransitionRefused
from notifications.workdays import add_working_days
from sscportal.mail.models import OutboundEmail
from tests import factories

State = WrittenProcedure.State


@pytest.fixture(autouse=True)
def _quorum_of_three(settings):
    settings.SSC_MEETING_QUORUM = 3
    settings.WRITTEN_PROCEDURE_WORKING_DAYS = 5


@pytest.fixture
def members(ssc_member, meeting):
    """Five members who may reply: the rapporteur, the meeting's attendee and three others."""
    return [
        ssc_member,
        *meeting.attendees.exclude(pk=ssc_member.pk),
        *(factories.ssc_user(full_name=f"Member {n}") for n in range(2, 5)),
    ]


@pytest.fixture
def next_meeting(db):
    return factories.SSCMeetingFactory(
        date=timezone.localdate() + datetime.timedelta(days=30), kind=SSCMeeting.Kind.ORDINARY
    )


def open_procedure(case, by, **overrides):
    proposal = {"outcome": Decision.Outcome.NO_ASSESSMENT, "rationale": "Assessed with its SRP."}
    return written.open_written_procedure(notification=case, by=by, **{**proposal, **overrides})


def reply(procedure, member, answer="agree", comment=""):
    return written.reply_to_written_procedure(
        procedure=procedure, by=member, answer=answer, comment=comment
    )


def after_close(procedure):
    return procedure.closes_on + datetime.timedelta(days=1)


def reload(procedure):
    return WrittenProcedure.objects.get(pk=procedure.pk)


# --- Opening --------------------------------------------------------------------------------


def test_secas_opens_it_for_five_working_days_and_emails_the_members_without_a_conflict(
    under_review, secas, members, conflicted_member
):
    procedure = open_procedure(under_review, secas)
    assert procedure.state == State.OPEN
    assert procedure.closes_on == add_working_days(timezone.localdate(), 5)
    assert procedure.quorum == 3
    emailed = [
        address
        for email in OutboundEmail.objects.filter(kind="written_procedure_opened")
        for address in email.to
    ]
    assert sorted(emailed) == sorted(member.email for member in members)
    assert conflicted_member.email not in emailed


def test_only_secas_opens_one(under_review, members):
    with pytest.raises(TransitionRefused, match="Only SECAS staff"):
        open_procedure(under_review, members[1])


def test_assessment_required_needs_its_type_and_due_date(under_review, secas, members):
    with pytest.raises(TransitionRefused, match="due"):
        open_procedure(under_review, secas, outcome=Decision.Outcome.ASSESSMENT_REQUIRED)


def test_the_assessment_it_proposes_is_due_after_the_procedure_closes(under_review, secas, members):
    closes_on = written.closes_on_for(timezone.localdate())
    with pytest.raises(TransitionRefused, match="after the written procedure closes"):
        open_procedure(
            under_review,
            secas,
            outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
            assessment_kind="fusa",
            assessment_due_date=closes_on,
        )


def test_a_carry_that_cannot_be_recorded_at_the_close_goes_to_the_meeting_saying_why(
    under_review, secas, members, next_meeting
):
    closes_on = written.closes_on_for(timezone.localdate())
    procedure = open_procedure(
        under_review,
        secas,
        outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
        assessment_kind="fusa",
        assessment_due_date=closes_on + datetime.timedelta(days=1),
    )
    for member, answer in zip(members[:3], ["agree", "agree", "abstain"], strict=True):
        reply(procedure, member, answer)
    # Settled late, after the proposed due date had passed: the decision cannot be recorded.
    with time_machine.travel(closes_on + datetime.timedelta(days=3)):
        written.close_expired_written_procedures()
    procedure = reload(procedure)
    assert procedure.state == State.NOT_CARRIED
    assert "could not be recorded: The assessment due date must be after today" in (
        procedure.close_reason
    )
    assert not Decision.objects.exists()


def test_one_open_procedure_per_case_in_words_and_in_the_database(under_review, secas, members):
    first = open_procedure(under_review, secas)
    with pytest.raises(TransitionRefused, match="already open"):
        open_procedure(under_review, secas)
    with pytest.raises(IntegrityError), transaction.atomic():
        WrittenProcedure.objects.create(
            notification=under_review,
            outcome=first.outcome,
            rationale="Again.",
            opened_by=secas,
            closes_on=first.closes_on,
            quorum=3,
        )


def test_a_member_replies_once_in_words_and_in_the_database(under_review, secas, members):
    procedure = open_procedure(under_review, secas)
    reply(procedure, members[1])
    with pytest.raises(TransitionRefused, match="already replied"):
        reply(procedure, members[1], "disagree")
    with pytest.raises(IntegrityError), transaction.atomic():
        WrittenProcedureReply.objects.create(procedure=procedure, member=members[1], answer="agree")


# --- The rule ---------------------------------------------------------------------------------


def test_it_carries_on_the_reply_that_makes_it_certain(under_review, secas, members):
    procedure = open_procedure(under_review, secas)
    for member in members[:2]:
        reply(procedure, member)
    assert reload(procedure).state == State.OPEN  # 2 replies: below the quorum of 3
    reply(procedure, members[2], "agree", "Assessed as part of its SRP's FUSA.")
    procedure = reload(procedure)
    # 3 of 5 agree: even if the other two disagreed, the agrees stay a majority.
    assert procedure.state == State.CARRIED
    decision = procedure.decision
    assert decision.route == Decision.Route.WRITTEN_PROCEDURE
    assert decision.rationale == "Assessed with its SRP."
    assert decision.meeting.kind == SSCMeeting.Kind.WRITTEN
    assert decision.meeting.date == timezone.localdate()
    assert set(decision.meeting.attendees.all()) == set(members[:3])
    assert decision.decided_by == members[2]
    under_review.refresh_from_db()
    assert under_review.state == NotificationState.NO_ASSESSMENT_NEEDED
    letter = OutboundEmail.objects.filter(kind="decision_letter").first()
    assert "by written procedure (a decision by correspondence) concluded on" in letter.body_text


def test_a_reply_after_it_carried_is_told_so(under_review, secas, members):
    procedure = open_procedure(under_review, secas)
    for member in members[:3]:
        reply(procedure, member)
    with pytest.raises(TransitionRefused, match="has already carried"):
        reply(procedure, members[3], "disagree")
    assert reload(procedure).replies.count() == 3


def test_assessment_required_carries_with_the_assessment_it_proposed(under_review, secas, members):
    due = timezone.localdate() + datetime.timedelta(days=90)
    procedure = open_procedure(
        under_review,
        secas,
        outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
        assessment_kind="vusa",
        assessment_scope="The new system only.",
        assessment_due_date=due,
        assessment_counts_as_annual_review=True,
    )
    for member in members[:3]:
        reply(procedure, member)
    under_review.refresh_from_db()
    assessment = under_review.assessment
    assert (assessment.kind, assessment.scope, assessment.due_date) == (
        "vusa",
        "The new system only.",
        due,
    )
    assert assessment.counts_as_annual_review


def test_quorum_not_reached_goes_to_the_next_ordinary_meeting(
    under_review, secas, members, next_meeting
):
    procedure = open_procedure(under_review, secas)
    reply(procedure, members[0])
    reply(procedure, members[1])
    assert written.close_expired_written_procedures(after_close(procedure)) == 1
    procedure = reload(procedure)
    assert procedure.state == State.NOT_CARRIED
    assert "did not reach the quorum" in procedure.close_reason
    assert procedure.next_meeting == next_meeting
    assert AgendaItem.objects.filter(meeting=next_meeting, notification=under_review).exists()
    told = OutboundEmail.objects.filter(kind="written_procedure_not_carried")
    addresses = {address for email in told for address in email.to}
    assert {settings.SECAS_MAILBOX, members[0].email} <= addresses  # SECAS and the rapporteur
    under_review.refresh_from_db()
    assert under_review.state == NotificationState.UNDER_REVIEW


def test_the_acting_chair_is_told_when_it_does_not_carry(under_review, secas, members):
    factories.record_offices(chair=members[4])
    procedure = open_procedure(under_review, secas)
    written.close_expired_written_procedures(after_close(procedure))
    told = OutboundEmail.objects.filter(kind="written_procedure_not_carried")
    assert members[4].email in {address for email in told for address in email.to}


def test_a_tie_does_not_carry(under_review, secas, members, next_meeting):
    procedure = open_procedure(under_review, secas)
    for member, answer in zip(members[:4], ["agree", "disagree", "agree", "disagree"], strict=True):
        reply(procedure, member, answer)
    assert reload(procedure).state == State.OPEN
    written.close_expired_written_procedures(after_close(procedure))
    procedure = reload(procedure)
    assert procedure.state == State.NOT_CARRIED
    assert "majority of the replies did not agree" in procedure.close_reason


def test_abstentions_count_towards_the_quorum_but_not_the_majority(
    under_review, secas, members, next_meeting
):
    procedure = open_procedure(under_review, secas)
    for member, answer in zip(members[:3], ["agree", "abstain", "abstain"], strict=True):
        reply(procedure, member, answer)
    written.close_expired_written_procedures(after_close(procedure))
    assert reload(procedure).state == State.NOT_CARRIED


def test_a_majority_of_the_replies_carries_at_the_close(under_review, secas, members):
    procedure = open_procedure(under_review, secas)
    for member, answer in zip(members[:3], ["agree", "agree", "abstain"], strict=True):
        reply(procedure, member, answer)
    # 2 of 5 agree: not yet certain, so it stays open until its close.
    assert reload(procedure).state == State.OPEN
    written.close_expired_written_procedures(after_close(procedure))
    procedure = reload(procedure)
    assert procedure.state == State.CARRIED
    assert procedure.decision.decided_by == members[1]  # the last who agreed


def test_settling_twice_settles_once(under_review, secas, members, next_meeting):
    procedure = open_procedure(under_review, secas)
    day = after_close(procedure)
    assert written.close_expired_written_procedures(day) == 1
    told = OutboundEmail.objects.filter(kind="written_procedure_not_carried").count()
    assert written.close_expired_written_procedures(day) == 0
    assert written.settle_written_procedure(procedure=procedure, today=day).state == (
        State.NOT_CARRIED
    )
    assert OutboundEmail.objects.filter(kind="written_procedure_not_carried").count() == told
    assert AgendaItem.objects.filter(notification=under_review, meeting=next_meeting).count() == 1


def test_a_procedure_still_running_is_not_settled(under_review, secas, members):
    procedure = open_procedure(under_review, secas)
    settled = written.settle_written_procedure(procedure=procedure, today=procedure.closes_on)
    assert settled.state == State.OPEN


# --- Who may reply, and when ----------------------------------------------------------------


def test_a_conflicted_member_is_refused_and_cannot_see_it(
    under_review, secas, members, conflicted_member
):
    procedure = open_procedure(under_review, secas)
    with pytest.raises(TransitionRefused, match="conflict of interest"):
        reply(procedure, conflicted_member)
    with pytest.raises(Http404):
        written.get_written_procedure(conflicted_member, procedure.pk)
    assert not written.awaiting_reply(conflicted_member).exists()


def test_secas_cannot_reply(under_review, secas, members):
    procedure = open_procedure(under_review, secas)
    with pytest.raises(TransitionRefused, match="Only SSC members"):
        reply(procedure, secas)


def test_a_reply_after_the_close_is_refused(under_review, secas, members):
    procedure = open_procedure(under_review, secas)
    with (
        time_machine.travel(after_close(procedure)),
        pytest.raises(TransitionRefused, match="closed at the end of"),
    ):
        reply(procedure, members[1])


def test_a_meeting_decision_withdraws_it_and_a_later_reply_is_told(
    under_review, secas, members, meeting
):
    procedure = open_procedure(under_review, secas)
    reply(procedure, members[1])
    decide(
        notification=under_review,
        by=members[0],
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="Decided in the room.",
        meeting=meeting,
    )
    procedure = reload(procedure)
    assert procedure.state == State.WITHDRAWN
    assert "decided another way" in procedure.close_reason
    with pytest.raises(TransitionRefused, match=r"was withdrawn .* decided another way"):
        reply(procedure, members[2])


def test_secas_withdraws_it_with_a_reason(under_review, secas, members):
    procedure = open_procedure(under_review, secas)
    with pytest.raises(TransitionRefused, match="say why"):
        written.withdraw_written_procedure(procedure=procedure, by=secas, reason=" ")
    written.withdraw_written_procedure(procedure=procedure, by=secas, reason="Wrong proposal.")
    procedure = reload(procedure)
    assert procedure.state == State.WITHDRAWN
    assert procedure.closed_by == secas
    with pytest.raises(TransitionRefused, match="Wrong proposal"):
        reply(procedure, members[1])
    # A new proposal can then be put.
    assert open_procedure(under_review, secas).state == State.OPEN


def test_the_queue_lists_what_a_member_still_has_to_answer(under_review, secas, members):
    procedure = open_procedure(under_review, secas)
    assert list(written.awaiting_reply(members[1])) == [procedure]
    reply(procedure, members[1])
    assert not written.awaiting_reply(members[1]).exists()
    [(listed, status)] = written.status_lines(written.awaiting_reply(members[2]))
    assert listed == procedure
    assert status == (
        f"Written procedure open until {procedure.closes_on:%d/%m/%Y} (1 of 5 replies)"
    )


# --- No decision by correspondence without a written procedure --------------------------------


def test_a_decision_cannot_be_recorded_against_a_decision_by_correspondence(under_review, members):
    correspondence = factories.SSCMeetingFactory(
        kind=SSCMeeting.Kind.WRITTEN, attendees=members, quorum=1
    )
    with pytest.raises(TransitionRefused, match="only through a written procedure"):
        decide(
            notification=under_review,
            by=members[0],
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale="By email.",
            meeting=correspondence,
        )
    assert not Decision.objects.exists()


# --- Reminders and the digest -----------------------------------------------------------------


def test_members_yet_to_reply_are_reminded_two_working_days_before_the_close(
    under_review, secas, members
):
    procedure = open_procedure(under_review, secas)
    reply(procedure, members[1])
    reminder_day = add_working_days(procedure.closes_on, -2)
    send_reminders(today=add_working_days(reminder_day, -1))
    assert not Reminder.objects.filter(kind=Reminder.Kind.WRITTEN_PROCEDURE_REPLY).exists()
    send_reminders(today=reminder_day)
    send_reminders(today=reminder_day)  # a rerun sends nothing twice
    reminded = Reminder.objects.filter(kind=Reminder.Kind.WRITTEN_PROCEDURE_REPLY)
    assert sorted(address for r in reminded for address in r.recipients) == sorted(
        member.email for member in members if member != members[1]
    )


def test_the_daily_run_settles_expired_procedures(under_review, secas, members, next_meeting):
    procedure = open_procedure(under_review, secas)
    send_reminders(today=after_close(procedure))
    assert reload(procedure).state == State.NOT_CARRIED


def test_the_weekly_digest_counts_open_procedures(under_review, secas, members):
    open_procedure(under_review, secas)
    [digest] = weekly_digest(timezone.localdate(), Recipients(), [])
    assert "Written procedures open (decisions by correspondence): 1." in digest.lines


def test_a_procedure_that_does_not_carry_skips_the_meeting_the_case_was_deferred_from(
    under_review, secas, members, meeting, next_meeting
):
    from assessments.services import defer_case

    deferred_from = factories.SSCMeetingFactory(
        date=timezone.localdate() + datetime.timedelta(days=10), kind=SSCMeeting.Kind.ORDINARY
    )
    decide_later = factories.SSCMeetingFactory(
        date=timezone.localdate() + datetime.timedelta(days=40), kind=SSCMeeting.Kind.ORDINARY
    )
    AgendaItem.objects.create(meeting=deferred_from, notification=under_review)
    defer_case(
        notification=under_review,
        by=secas,
        from_meeting=deferred_from,
        to_meeting=decide_later,
        reason="The CIO's note is due.",
    )
    procedure = open_procedure(under_review, secas)
    assert written.close_expired_written_procedures(after_close(procedure)) == 1
    assert reload(procedure).next_meeting == next_meeting  # not the meeting it left
