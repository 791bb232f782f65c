"""The written procedure: a decision by correspondence (DOMAIN.md "The lifecycle").

SECAS puts a proposed outcome to the SSC members without a conflict on the organisation. Each
replies once: agree, disagree or abstain. It carries only when the replies reach the quorum (as
it stood at opening) and a majority of the replies agree; it carries as soon as that is certain
(no later reply could change it), otherwise it is settled at its close, and a procedure that
did not carry sends the case to the next ordinary meeting.

Locks: the notification first, then the procedure, on every path (a reply, a close, a meeting's
decision), so two people acting at once wait for each other and never deadlock.
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from assessments.models import (
    Decision,
    SSCMeeting,
    WrittenProcedure,
    WrittenProcedureReply,
    default_quorum,
)
from assessments.selectors import cases_visible_to
from assessments.services import (
    _already_decided_message,
    add_to_agenda,
    check_proposed_outcome,
    decide,
)
from notifications.models import Notification, NotificationState
from notifications.recipients import portal_link, recipients_for
from notifications.selectors import ssc_members
from notifications.services import TransitionRefused, in_sentence, lock_notification, queue_email
from notifications.workdays import add_working_days
from sscportal.history import attribute_change
from users.models import User
from users.policy import allows, conflicted_with

State = WrittenProcedure.State
Answer = WrittenProcedureReply.Answer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tally:
    """The replies that count (members still entitled to reply) against the rule."""

    agree: int
    disagree: int
    abstain: int
    eligible: int
    quorum: int

    @property
    def replies(self) -> int:
        return self.agree + self.disagree + self.abstain

    @property
    def reaches_quorum(self) -> bool:
        return self.replies >= self.quorum

    @property
    def carries(self) -> bool:
        """The rule at the close: replies reach the quorum and a majority of them agree."""
        return self.reaches_quorum and self.agree * 2 > self.replies

    @property
    def is_certain(self) -> bool:
        """Even if every member yet to reply disagreed, the agrees would stay a majority."""
        return self.reaches_quorum and self.agree * 2 > self.eligible

    def summary(self) -> str:
        return (
            f"{self.replies} of {self.eligible} members replied (quorum {self.quorum}): "
            f"{self.agree} agreed, {self.disagree} disagreed, {self.abstain} abstained"
        )


def may_reply(member: User, notification: Notification) -> bool:
    return allows(member, "assessments.reply_written_procedure", notification)


def eligible_members(notification: Notification) -> list[User]:
    """The SSC members who may reply: those without a conflict with the organisation."""
    return [member for member in ssc_members() if may_reply(member, notification)]


def tally(procedure: WrittenProcedure, *, eligible: list[User] | None = None) -> Tally:
    members = eligible if eligible is not None else eligible_members(procedure.notification)
    entitled = {member.pk for member in members}
    answers = [
        answer
        for member_id, answer in procedure.replies.values_list("member_id", "answer")
        if member_id in entitled
    ]
    return Tally(
        agree=answers.count(Answer.AGREE),
        disagree=answers.count(Answer.DISAGREE),
        abstain=answers.count(Answer.ABSTAIN),
        eligible=len(entitled),
        quorum=procedure.quorum,
    )


def closes_on_for(opened_on: date) -> date:
    return add_working_days(opened_on, settings.WRITTEN_PROCEDURE_WORKING_DAYS)


def _lock(procedure: WrittenProcedure) -> tuple[Notification, WrittenProcedure]:
    notification = lock_notification(procedure.notification)
    locked = WrittenProcedure.objects.select_for_update().get(pk=procedure.pk)
    locked.notification = notification
    return notification, locked


def stale_message(procedure: WrittenProcedure) -> str:
    """What happened to a procedure no longer taking replies, in words."""
    reference = procedure.notification.reference
    closed = timezone.localtime(procedure.closed_at) if procedure.closed_at else None
    on = f" on {closed:%d/%m/%Y}" if closed else ""
    if procedure.state == State.CARRIED:
        return (
            f"The written procedure on {reference} has already carried{on}: "
            f"{in_sentence(procedure.get_outcome_display())}. No further replies are needed."
        )
    if procedure.state == State.NOT_CARRIED:
        return f"The written procedure on {reference} closed{on} without carrying. " + (
            procedure.close_reason
        )
    if procedure.state == State.WITHDRAWN:
        return f"The written procedure on {reference} was withdrawn{on}. {procedure.close_reason}"
    return (
        f"The written procedure on {reference} closed at the end of "
        f"{procedure.closes_on:%d/%m/%Y}: replies are no longer taken."
    )


def _refuse_if_not_taking_replies(procedure: WrittenProcedure, today: date) -> None:
    if procedure.state != State.OPEN or today > procedure.closes_on:
        raise TransitionRefused(stale_message(procedure))


# --- Reads ---------------------------------------------------------------------------------------


def get_written_procedure(user: User, pk: int) -> WrittenProcedure:
    """A procedure its case's readers may open, except members with a conflict (404)."""
    procedure = (
        WrittenProcedure.objects.filter(pk=pk, notification__in=cases_visible_to(user))
        .select_related("notification__organisation", "opened_by", "next_meeting", "decision")
        .first()
    )
    if procedure is None or not allows(user, "assessments.view_written_procedure", procedure):
        raise Http404
    return procedure


def open_procedure_for(notification: Notification) -> WrittenProcedure | None:
    return (
        WrittenProcedure.objects.filter(notification=notification, state=State.OPEN)
        .annotate(reply_count=Count("replies"))
        .first()
    )


def status_line(procedure: WrittenProcedure, *, eligible: int | None = None) -> str:
    """ "Written procedure open until dd/mm/yyyy (n of m replies)", as the case page and the
    queue show it."""
    if eligible is None:
        eligible = tally(procedure).eligible
    replies = getattr(procedure, "reply_count", None)
    if replies is None:
        replies = procedure.replies.count()
    return (
        f"Written procedure open until {procedure.closes_on:%d/%m/%Y} "
        f"({replies} of {eligible} replies)"
    )


def awaiting_reply(user: User) -> QuerySet[WrittenProcedure]:
    """The open procedures this member may answer and has not, closing soonest first."""
    if not allows(user, "assessments.reply_written_procedure"):
        return WrittenProcedure.objects.none()
    return (
        WrittenProcedure.objects.filter(
            state=State.OPEN,
            closes_on__gte=timezone.localdate(),
            notification__in=cases_visible_to(user),
            notification__state__in=[
                NotificationState.UNDER_REVIEW,
                NotificationState.INFORMATION_REQUESTED,
            ],
        )
        .exclude(notification__organisation_id__in=user.conflicted_organisation_ids)
        .exclude(replies__member=user)
        .select_related("notification__organisation")
        .annotate(reply_count=Count("replies"))
        .order_by("closes_on", "pk")
    )


def status_lines(procedures) -> list[tuple[WrittenProcedure, str]]:
    """Each procedure with its status line; the eligible members are counted once per
    organisation (the SSC is small, its members' conflicts are cached per person)."""
    members = list(ssc_members())
    counts: dict[int, int] = {}
    rows = []
    for procedure in procedures:
        organisation_id = procedure.notification.organisation_id
        if organisation_id not in counts:
            counts[organisation_id] = sum(
                1 for member in members if may_reply(member, procedure.notification)
            )
        rows.append((procedure, status_line(procedure, eligible=counts[organisation_id])))
    return rows


def open_status_by_case(cases) -> dict[int, str]:
    """The status line of each case's open procedure, for a page of the queue (one query)."""
    procedures = (
        WrittenProcedure.objects.filter(notification__in=list(cases), state=State.OPEN)
        .select_related("notification")
        .annotate(reply_count=Count("replies"))
    )
    return {procedure.notification_id: status for procedure, status in status_lines(procedures)}


# --- Opening -----------------------------------------------------------------------------------


def open_written_procedure(
    *,
    notification: Notification,
    by: User,
    outcome: str,
    rationale: str,
    assessment_kind: str = "",
    assessment_scope: str = "",
    assessment_due_date: date | None = None,
    assessment_counts_as_annual_review: bool = False,
) -> WrittenProcedure:
    """SECAS puts a proposed outcome to the members without a conflict, who are emailed a link."""
    if not allows(by, "assessments.open_written_procedure", notification):
        raise TransitionRefused("Only SECAS staff can open a written procedure.")
    rationale = (rationale or "").strip()
    if not rationale:
        raise TransitionRefused("A written procedure needs the proposed decision's rationale.")
    check_proposed_outcome(
        outcome=outcome, assessment_kind=assessment_kind, assessment_due_date=assessment_due_date
    )
    required = outcome == Decision.Outcome.ASSESSMENT_REQUIRED
    today = timezone.localdate()
    closes_on = closes_on_for(today)
    if required and assessment_due_date is not None and assessment_due_date <= closes_on:
        raise TransitionRefused(
            f"The assessment due date must be after the written procedure closes "
            f"({closes_on:%d/%m/%Y}): it is set when the procedure carries."
        )
    with transaction.atomic():
        locked = lock_notification(notification)
        if locked.state != NotificationState.UNDER_REVIEW:
            raise TransitionRefused(
                _already_decided_message(locked)
                or f"{locked.reference} is {in_sentence(locked.get_state_display())}: a written "
                "procedure can be opened only on a case under review."
            )
        if WrittenProcedure.objects.filter(notification=locked, state=State.OPEN).exists():
            raise TransitionRefused(
                f"A written procedure on {locked.reference} is already open: withdraw it first "
                "to put a different proposal."
            )
        members = eligible_members(locked)
        if not members:
            raise TransitionRefused(
                f"No SSC member without a conflict with {locked.organisation} could reply: "
                "put the case to a meeting instead."
            )
        try:
            with transaction.atomic():
                procedure = WrittenProcedure.objects.create(
                    notification=locked,
                    outcome=outcome,
                    rationale=rationale,
                    assessment_kind=assessment_kind if required else "",
                    assessment_scope=(assessment_scope or "").strip() if required else "",
                    assessment_due_date=assessment_due_date if required else None,
                    assessment_counts_as_annual_review=bool(
                        required and assessment_counts_as_annual_review
                    ),
                    opened_by=by,
                    closes_on=closes_on,
                    quorum=default_quorum(),
                )
        except IntegrityError as error:
            raise TransitionRefused(
                f"A written procedure on {locked.reference} was opened a moment ago by someone "
                "else: reload the case page to see it."
            ) from error
        queue_email(
            kind="written_procedure_opened",
            to=recipients_for("written_procedure_opened", notification=locked),
            template="written_procedure_opened",
            context={
                "procedure": procedure,
                "opened_by": by,
                "procedure_url": portal_link("assessments:written_procedure", procedure.pk),
            },
            notification=locked,
        )
    return procedure


# --- Replies -----------------------------------------------------------------------------------


def reply_to_written_procedure(
    *, procedure: WrittenProcedure, by: User, answer: str, comment: str = ""
) -> WrittenProcedureReply:
    """One member's reply, once; the reply that makes the outcome certain carries it."""
    if answer not in Answer.values:
        raise TransitionRefused("Please choose agree, disagree or abstain.")
    today = timezone.localdate()
    with transaction.atomic():
        notification, locked = _lock(procedure)
        _refuse_if_not_taking_replies(locked, today)
        if not may_reply(by, notification):
            if conflicted_with(by, notification):
                raise TransitionRefused(
                    f"{by} has a conflict of interest with {notification.organisation} and "
                    "cannot reply to this written procedure."
                )
            raise TransitionRefused(
                "Only SSC members who decide for the committee can reply to a written procedure."
            )
        if notification.state not in (
            NotificationState.UNDER_REVIEW,
            NotificationState.INFORMATION_REQUESTED,
        ):
            raise TransitionRefused(
                _already_decided_message(notification)
                or f"{notification.reference} is {in_sentence(notification.get_state_display())}:"
                " the written procedure no longer takes replies."
            )
        earlier = locked.replies.filter(member=by).first()
        if earlier is not None:
            raise TransitionRefused(
                f"You already replied on {timezone.localtime(earlier.replied_at):%d/%m/%Y}: "
                f"{in_sentence(earlier.get_answer_display())}. A reply is given once."
            )
        reply = WrittenProcedureReply.objects.create(
            procedure=locked, member=by, answer=answer, comment=(comment or "").strip()
        )
        result = tally(locked)
        # A question open to the User holds the decision back until it is answered.
        if result.is_certain and notification.state == NotificationState.UNDER_REVIEW:
            try:
                with transaction.atomic():
                    _carry(locked, result)
            except TransitionRefused:
                # The reply stands; the procedure is settled at its close, which says why.
                locked.refresh_from_db()
    return reply


# --- Closing -----------------------------------------------------------------------------------


def withdraw_written_procedure(
    *, procedure: WrittenProcedure, by: User, reason: str
) -> WrittenProcedure:
    """SECAS withdraws an open procedure, saying why; the members' replies stay on record."""
    if not allows(by, "assessments.open_written_procedure", procedure):
        raise TransitionRefused("Only SECAS staff can withdraw a written procedure.")
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused("Please say why the written procedure is withdrawn.")
    with transaction.atomic():
        _, locked = _lock(procedure)
        if locked.state != State.OPEN:
            raise TransitionRefused(stale_message(locked))
        locked.state = State.WITHDRAWN
        locked.closed_at = timezone.now()
        locked.closed_by = by
        locked.close_reason = f"Withdrawn by {by}: {reason}"
        locked.save(update_fields=["state", "closed_at", "closed_by", "close_reason"])
    return locked


def settle_written_procedure(
    *, procedure: WrittenProcedure, today: date | None = None
) -> WrittenProcedure:
    """Settle an open procedure whose time has run out: carried if the rule holds, else not
    carried and the case goes to the next ordinary meeting. Does nothing to one still running
    or already closed, so a rerun (or two runs at once) is harmless."""
    today = today or timezone.localdate()
    with transaction.atomic():
        notification, locked = _lock(procedure)
        if locked.state != State.OPEN or today <= locked.closes_on:
            return locked
        if notification.state not in (
            NotificationState.UNDER_REVIEW,
            NotificationState.INFORMATION_REQUESTED,
        ):
            _close(
                locked,
                State.WITHDRAWN,
                f"{notification.reference} is {in_sentence(notification.get_state_display())}, "
                "so the written procedure had nothing left to decide.",
            )
            return locked
        result = tally(locked)
        if result.carries and notification.state == NotificationState.UNDER_REVIEW:
            try:
                with transaction.atomic():
                    _carry(locked, result)
            except TransitionRefused as refusal:
                locked.refresh_from_db()
                _not_carried(
                    locked,
                    result,
                    today,
                    why=f"the replies carried it, but the decision could not be recorded: "
                    f"{refusal}",
                )
        elif result.carries:
            _not_carried(
                locked,
                result,
                today,
                why="the replies carried it, but a question to the User was still open, so the "
                "decision could not be recorded",
            )
        else:
            _not_carried(locked, result, today, why=_why_not(result))
    return locked


def close_expired_written_procedures(today: date | None = None) -> int:
    """The daily run's part: settle every open procedure past its close."""
    today = today or timezone.localdate()
    expired = WrittenProcedure.objects.filter(state=State.OPEN, closes_on__lt=today)
    settled = 0
    for procedure in expired.select_related("notification").order_by("pk"):
        try:
            if settle_written_procedure(procedure=procedure, today=today).state != State.OPEN:
                settled += 1
        except Exception:
            # One procedure that cannot be settled must not stop the others or the reminders.
            logger.exception("Written procedure %s could not be settled", procedure.pk)
    return settled


def _why_not(result: Tally) -> str:
    if not result.reaches_quorum:
        return f"the replies did not reach the quorum ({result.summary()})"
    return f"a majority of the replies did not agree ({result.summary()})"


def _close(procedure: WrittenProcedure, state: str, reason: str) -> None:
    procedure.state = state
    procedure.closed_at = timezone.now()
    procedure.close_reason = reason
    procedure.save(update_fields=["state", "closed_at", "close_reason", "next_meeting", "decision"])


def _carry(procedure: WrittenProcedure, result: Tally) -> Decision:
    """Record the decision against a decision by correspondence dated today, attended by the
    members who replied, in the name of the last member who agreed."""
    notification = procedure.notification
    replies = list(procedure.replies.select_related("member"))
    entitled = [reply for reply in replies if may_reply(reply.member, notification)]
    agreeing = [reply.member for reply in entitled if reply.answer == Answer.AGREE]
    today = timezone.localdate()
    meeting = SSCMeeting(
        date=today,
        kind=SSCMeeting.Kind.WRITTEN,
        title=f"Written procedure on {notification.reference}, {today:%d/%m/%Y}",
        quorum=procedure.quorum,
        notes=f"Opened by {procedure.opened_by} on "
        f"{timezone.localtime(procedure.opened_at):%d/%m/%Y}. {result.summary()}.",
    )
    attribute_change(meeting, by=agreeing[-1], reason="Written procedure carried")
    meeting.save()
    meeting.attendees.set([reply.member for reply in entitled])
    decision = decide(
        notification=notification,
        by=agreeing[-1],
        outcome=procedure.outcome,
        rationale=procedure.rationale,
        meeting=meeting,
        assessment_kind=procedure.assessment_kind,
        assessment_scope=procedure.assessment_scope,
        assessment_due_date=procedure.assessment_due_date,
        assessment_counts_as_annual_review=procedure.assessment_counts_as_annual_review,
        route=Decision.Route.WRITTEN_PROCEDURE,
    )
    procedure.decision = decision
    _close(procedure, State.CARRIED, f"Carried: {result.summary()}.")
    return decision


def next_ordinary_meeting(today: date, notification: Notification) -> SSCMeeting | None:
    """The next ordinary meeting, not one the committee deferred the case from."""
    return (
        SSCMeeting.objects.filter(kind=SSCMeeting.Kind.ORDINARY, date__gt=today)
        .exclude(deferrals_from__notification=notification)
        .order_by("date")
        .first()
    )


def _not_carried(procedure: WrittenProcedure, result: Tally, today: date, *, why: str) -> None:
    notification = procedure.notification
    meeting = next_ordinary_meeting(today, notification)
    if meeting is not None:
        add_to_agenda(meeting=meeting, notification=notification)
        goes_to = f"The case is on the agenda of the meeting of {meeting.date:%d/%m/%Y}."
    else:
        goes_to = (
            "No ordinary meeting is arranged yet: put the case on the next one's agenda when it is."
        )
    procedure.next_meeting = meeting
    _close(procedure, State.NOT_CARRIED, f"It did not carry: {why}. {goes_to}")
    queue_email(
        kind="written_procedure_not_carried",
        to=recipients_for("written_procedure_not_carried", notification=notification),
        template="written_procedure_not_carried",
        context={
            "procedure": procedure,
            "meeting": meeting,
            "why": why,
            "procedure_url": portal_link("assessments:written_procedure", procedure.pk),
        },
        notification=notification,
    )
