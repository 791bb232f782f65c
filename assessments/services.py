"""The SSC's use cases: triage, decisions, and tracking assessments to their assurance outcome."""

import contextlib
from datetime import date, datetime
from typing import cast

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments.documents import assessment_decision_letter_context
from assessments.follow_up import (
    FollowUpPlan,
    check_follow_up,
    leads_to_follow_up,
    open_follow_up,
)
from assessments.models import (
    AgendaItem,
    AnnualReviewFlagChange,
    Assessment,
    AssessmentDecision,
    AssessmentDocument,
    AssessmentDocumentDownload,
    AssessmentKind,
    AssessmentReason,
    AssessmentState,
    AssuranceRecord,
    Decision,
    Deferral,
    DocumentKind,
    LatestAssurance,
    MeetingConflict,
    OutcomeProposal,
    Quorum,
    SSCMeeting,
    WrittenProcedure,
    annual_review_due_date,
)
from assessments.remediation import create_remediation_plan
from assessments.selectors import (
    expected_annual_review_kind,
    is_initial_fusa,
    latest_annual_assurance,
    meeting_to_decide,
    meetings_to_defer_to,
    next_annual_review_due,
    open_annual_review,
    standing_proposal,
)
from notifications.models import (
    AssuranceStatus,
    Notification,
    NotificationState,
    stored_file_fields,
)
from notifications.recipients import portal_link, recipients_for
from notifications.services import (
    TransitionRefused,
    apply_change,
    in_sentence,
    lock_notification,
    perform_transition,
    queue_email,
)
from sscportal.history import attribute_change
from users.models import ConflictOfInterest, Organisation, SecurityEvent, User
from users.policy import allows, conflicted_with
from users.security import record_event
from users.selectors import chair_for
from users.services import AccessChangeRefused, declare_conflict


def start_review(
    *, notification: Notification, by: User, rapporteur, meeting: SSCMeeting
) -> Notification:
    """SECAS triage: assign a rapporteur with no conflict and put the case on an agenda."""
    if rapporteur is None or not allows(rapporteur, "notifications.be_rapporteur", notification):
        if rapporteur is not None and conflicted_with(rapporteur, notification):
            raise TransitionRefused(
                f"{rapporteur} has declared a conflict of interest with "
                f"{notification.organisation} and cannot be rapporteur."
            )
        raise TransitionRefused("Please choose an SSC member as rapporteur.")
    if meeting is None:
        raise TransitionRefused("Please choose the SSC meeting that will decide this case.")
    if meeting.date < timezone.localdate():
        raise TransitionRefused("That meeting has already taken place; choose a later one.")
    with transaction.atomic():
        locked = lock_notification(notification)
        perform_transition(
            locked,
            "start_review",
            by=by,
            rapporteur=rapporteur,
            description=f"Rapporteur {rapporteur}; for the meeting of {meeting.date:%d/%m/%Y}",
        )
        add_to_agenda(meeting=meeting, notification=locked)
        queue_email(
            kind="rapporteur_assigned",
            to=recipients_for("rapporteur_assigned", notification=locked),
            template="rapporteur_assigned",
            context={"rapporteur": rapporteur, "meeting": meeting, "assigned_by": by},
            notification=locked,
        )
    return locked


def add_to_agenda(*, meeting: SSCMeeting, notification: Notification) -> AgendaItem:
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
    item, _ = AgendaItem.objects.get_or_create(
        meeting=meeting, notification=notification, defaults={"position": last + 1}
    )
    return item


def _already_decided_message(notification: Notification) -> str:
    decision = (
        Decision.objects.select_related("decided_by", "meeting")
        .filter(notification=notification)
        .first()
    )
    if decision is None:
        return ""
    when = timezone.localtime(decision.decided_at)
    outcome = in_sentence(decision.get_outcome_display())
    if decision.is_chairs_action:
        return (
            f"{notification.reference} was already decided by chair's action of "
            f"{decision.decided_by} on {when:%d/%m/%Y} at {when:%H:%M}: {outcome}. It is to be "
            f"reported to the meeting of {decision.meeting.date:%d/%m/%Y}."
        )
    return (
        f"{notification.reference} was already decided by {decision.decided_by} "
        f"on {when:%d/%m/%Y} at {when:%H:%M}: {outcome}."
    )


def who_decided_first(notification: Notification) -> str:
    """For a page opened before the case was decided: who decided it, when, and how."""
    return _already_decided_message(notification)


def check_decision_meeting(
    meeting: SSCMeeting | None,
    *,
    organisation: Organisation,
    subject: str = "this case",
    members_present=None,
    route: str = Decision.Route.MEETING,
) -> list[User]:
    """The SSC decides at a meeting that has taken place and is quorate for the organisation
    (members with a conflict do not count). A decision by correspondence is a written procedure
    that carried, whose replies are its attendance: the same quorum holds. Notification
    decisions and assessment outcomes both ask this.

    The quorum counts the members present: those given (each an attendee without a conflict)
    or else every attendee without one. Returns them."""
    if meeting is None:
        raise TransitionRefused("Please choose the SSC meeting at which the decision was taken.")
    if (meeting.kind == SSCMeeting.Kind.WRITTEN) != (route == Decision.Route.WRITTEN_PROCEDURE):
        raise TransitionRefused(
            f"The decision on {subject} cannot be recorded against a decision by correspondence: "
            "the SSC decides by correspondence only through a written procedure on a "
            "notification, which SECAS opens from its case page and which records the decision "
            "itself when it carries. "
            "Record it against the meeting at which it was taken."
        )
    if meeting.date > timezone.localdate():
        raise TransitionRefused(
            f"The meeting of {meeting.date:%d/%m/%Y} has not taken place yet: record the "
            "decision against the meeting at which it was taken."
        )
    present = _members_present(meeting, organisation, members_present)
    quorum = Quorum(voting=len(present), needed=meeting.quorum)
    if not quorum.is_quorate:
        where = "are recorded as attending" if members_present is None else "were chosen as present"
        raise TransitionRefused(
            f"The meeting of {meeting.date:%d/%m/%Y} is not quorate for {subject}: "
            f"{quorum.voting} of the {quorum.needed} members needed {where} "
            f"without a conflict of interest with {organisation}. "
            "Record the attendance on the meeting page first."
        )
    return present


def _members_present(meeting: SSCMeeting, organisation: Organisation, chosen) -> list[User]:
    """The meeting's voting attendees for the organisation, or those chosen from them."""
    voting = meeting.voting_attendees(organisation)
    if chosen is None:
        return voting
    chosen = list(chosen)
    voting_ids = {person.pk for person in voting}
    attending = set(meeting.attendees.values_list("pk", flat=True))
    for person in chosen:
        if person.pk not in attending:
            raise TransitionRefused(
                f"{person} is not recorded as attending the meeting of {meeting.date:%d/%m/%Y}: "
                "SECAS records the attendance on the meeting page first."
            )
        if person.pk not in voting_ids:
            raise TransitionRefused(
                f"{person} cannot be counted as present for this decision: they have a conflict "
                f"of interest with {organisation} or are no longer an SSC member."
            )
    return chosen


def _check_chairs_action_person(notification: Notification, by: User) -> None:
    organisation = notification.organisation
    if allows(by, "assessments.take_chairs_action", notification):
        return
    acting = chair_for(organisation)
    if acting.person is None:
        raise TransitionRefused(
            f"Nobody can act as chair on {organisation}'s cases ({acting.why}): the case goes "
            "to the next meeting."
        )
    raise TransitionRefused(
        f"Only the acting chair for {organisation}'s cases, {acting.person}, may decide by "
        "chair's action."
    )


NO_MEETING_FOR_CHAIRS_ACTION = (
    "No SSC meeting is booked to report this chair's action to. Ask SECAS to book the next "
    "meeting first, so that the decision can be noted there."
)


def _check_chairs_action_case(notification: Notification, meeting: SSCMeeting) -> None:
    """Chair's action is for a go-live before the next meeting that could decide the case; it
    is reported to that meeting (the one the page showed: a stale page is told)."""
    expected = meeting_to_decide(notification)
    if expected is None:
        raise TransitionRefused(NO_MEETING_FOR_CHAIRS_ACTION)
    if expected.pk != meeting.pk:
        raise TransitionRefused(
            f"The next meeting that could decide {notification.reference} is now the meeting "
            f"of {expected.date:%d/%m/%Y}, not {meeting.date:%d/%m/%Y}. Open the chair's action "
            "page again to check it."
        )
    go_live = notification.planned_go_live_date
    if go_live is None or go_live >= meeting.date:
        raise TransitionRefused(
            f"The planned go-live of {notification.reference} "
            f"({go_live:%d/%m/%Y}) is not before the meeting of {meeting.date:%d/%m/%Y}, "
            "which can decide it: chair's action is only for a go-live before the next meeting."
            if go_live
            else f"{notification.reference} has no planned go-live date."
        )


def decide(
    *,
    notification: Notification,
    by: User,
    outcome: str,
    rationale: str,
    meeting: SSCMeeting | None,
    route: str = Decision.Route.MEETING,
    minuted: bool = False,
    members_present=None,
    dissent: str = "",
    assessment_kind: str = "",
    assessment_scope: str = "",
    assessment_due_date: date | None = None,
    assessment_counts_as_annual_review: bool = False,
) -> Decision:
    """Record the SSC's decision with its rationale and meeting; open the assessment it requires
    (reason G8.13, of the type and scope the SSC chose, counting as the annual review only when
    the SSC said so).

    At a meeting, a member records it there or SECAS records it from the minutes (`minuted`);
    the members present (default: the attendees without a conflict) make the
    quorum. By chair's action the acting chair decides alone, and `meeting` is the next
    meeting, where it is reported (and put on the agenda to be noted). By written procedure,
    `meeting` is the correspondence that carried. Any other route closes a written procedure
    still open on the case as withdrawn."""
    rationale = (rationale or "").strip()
    dissent = (dissent or "").strip()
    if not rationale:
        raise TransitionRefused("A decision needs a written rationale.")
    organisation = notification.organisation
    minuted_by = None
    present: list[User] = []
    if route == Decision.Route.CHAIRS_ACTION:
        _check_chairs_action_person(notification, by)
        if meeting is None:
            raise TransitionRefused(NO_MEETING_FOR_CHAIRS_ACTION)
    else:
        if minuted:
            if not allows(by, "notifications.minute_decision", notification):
                raise TransitionRefused("Only SECAS records the committee's decision as minuted.")
            minuted_by = by
        elif route == Decision.Route.MEETING and not allows(
            by, "notifications.decide", notification
        ):
            raise TransitionRefused(
                "You do not have permission to record the SSC's decision as a member at the "
                "meeting: an SSC member without a conflict of interest records it, or SECAS "
                "from the minutes."
            )
        present = check_decision_meeting(
            meeting, organisation=organisation, members_present=members_present, route=route
        )
    meeting = cast(SSCMeeting, meeting)
    transition_name = check_proposed_outcome(
        outcome=outcome,
        assessment_kind=assessment_kind,
        assessment_due_date=assessment_due_date,
    )

    with transaction.atomic():
        locked = lock_notification(notification)
        if locked.state != NotificationState.UNDER_REVIEW and (
            message := _already_decided_message(locked)
        ):
            raise TransitionRefused(message)
        check_not_deferred_from(locked, meeting)
        if route == Decision.Route.CHAIRS_ACTION:
            _check_chairs_action_case(locked, meeting)
        decision = Decision(
            notification=locked,
            outcome=outcome,
            rationale=rationale,
            meeting=meeting,
            route=route,
            decided_by=by,
            dissent=dissent,
            minuted_by=minuted_by,
        )
        perform_transition(locked, transition_name, by=by, description=_history(decision))
        decision.decided_at = cast(datetime, locked.decided_at)  # the decide transitions stamp it
        decision.save()
        decision.members_present.set(present)
        if route != Decision.Route.WRITTEN_PROCEDURE:
            _withdraw_open_procedure(locked, decision)
        # A decided change reaches the register, whichever outcome: the User may proceed.
        apply_change(notification=locked, by=by)
        if outcome == Decision.Outcome.ASSESSMENT_REQUIRED:
            assessment = Assessment.objects.create(
                organisation=locked.organisation,
                kind=assessment_kind,
                reason=AssessmentReason.G8_13,
                counts_as_annual_review=bool(assessment_counts_as_annual_review),
                notification=locked,
                scope=assessment_scope,
                due_date=assessment_due_date,
            )
            if locked.user_system_id:
                assessment.systems_in_scope.add(locked.user_system_id)
        elif locked.user_system_id:
            next_annual_review(locked.organisation).systems_in_scope.add(locked.user_system_id)
        if route == Decision.Route.CHAIRS_ACTION:
            # Noted at the next meeting: it stands on that meeting's agenda.
            add_to_agenda(meeting=meeting, notification=locked)
            queue_email(
                kind="chairs_action_taken",
                to=recipients_for("chairs_action_taken", notification=locked, by=by),
                template="chairs_action_taken",
                context={"decision": decision, "meeting": meeting},
                notification=locked,
            )
        queue_decision_letter(decision)
        how = "by chair's action" if route == Decision.Route.CHAIRS_ACTION else "as minuted"
        record_event(
            SecurityEvent.Kind.DECISION,
            actor=by,
            organisation=locked.organisation,
            summary=f"{by} recorded the decision on {locked.reference}"
            f"{f' {how}' if route == Decision.Route.CHAIRS_ACTION or minuted_by else ''}: "
            f"{decision.get_outcome_display()}",
        )
    return decision


# --- Deferral to a later meeting ---------------------------------------------------------------

DEFERRABLE_STATES = (NotificationState.UNDER_REVIEW, NotificationState.INFORMATION_REQUESTED)


def _deferral_told(deferral: Deferral) -> str:
    when = timezone.localtime(deferral.deferred_at)
    return (
        f"{deferral.notification.reference} was deferred from the meeting of "
        f"{deferral.from_meeting.date:%d/%m/%Y} to the meeting of "
        f"{deferral.to_meeting.date:%d/%m/%Y} by {deferral.deferred_by} on {when:%d/%m/%Y} "
        f"at {when:%H:%M}"
    )


def check_not_deferred_from(notification: Notification, meeting: SSCMeeting | None) -> None:
    """A case deferred from a meeting is not decided at it: any route that records a decision
    against a meeting asks this, under the case's lock."""
    deferral = (
        Deferral.objects.select_related("from_meeting", "to_meeting", "deferred_by", "notification")
        .filter(notification=notification, from_meeting=meeting)
        .first()
    )
    if deferral is not None:
        raise TransitionRefused(
            f"{_deferral_told(deferral)}: record the decision against the meeting of "
            f"{deferral.to_meeting.date:%d/%m/%Y} or a later one."
        )


def check_deferral_meetings(from_meeting: SSCMeeting | None, to_meeting: SSCMeeting | None) -> None:
    """The later meeting comes after the one the case leaves, and has not yet taken place."""
    if from_meeting is None:
        raise TransitionRefused("Please say from which meeting's agenda the case is deferred.")
    if to_meeting is None:
        raise TransitionRefused("Please choose the later meeting the case is deferred to.")
    if to_meeting.pk == from_meeting.pk:
        raise TransitionRefused(
            f"The case is already on the agenda of the meeting of {from_meeting.date:%d/%m/%Y}: "
            "choose a later meeting."
        )
    if to_meeting.date <= from_meeting.date:
        raise TransitionRefused(
            f"The meeting of {to_meeting.date:%d/%m/%Y} is not later than the meeting of "
            f"{from_meeting.date:%d/%m/%Y}: a case is deferred to a later meeting."
        )
    if to_meeting.date < timezone.localdate():
        raise TransitionRefused(
            f"The meeting of {to_meeting.date:%d/%m/%Y} has already taken place: choose a "
            "meeting still to come."
        )
    if to_meeting.kind == SSCMeeting.Kind.WRITTEN:
        raise TransitionRefused(
            "A case is deferred to a meeting, not to a decision by correspondence."
        )


def defer_case(
    *,
    notification: Notification,
    by: User,
    from_meeting: SSCMeeting,
    to_meeting: SSCMeeting,
    reason: str,
) -> Deferral:
    """The committee defers an undecided case from a meeting's agenda to a later meeting, with
    its reason: the agenda item stays as the record, the case goes on the later agenda, SECAS
    and the rapporteur are told, and the User too when the decision now comes after its planned
    go-live."""
    reason = (reason or "").strip()
    if not allows(by, "assessments.defer_case", notification):
        raise TransitionRefused(
            "Only an SSC member without a conflict of interest, or SECAS, can defer a case."
        )
    if not reason:
        raise TransitionRefused("A deferral needs a reason.")
    check_deferral_meetings(from_meeting, to_meeting)
    with transaction.atomic():
        locked = lock_notification(notification)
        if message := _already_decided_message(locked):
            raise TransitionRefused(message)
        item = (
            AgendaItem.objects.select_for_update(of=("self",))
            # What refusing a second deferral says; its case is `locked`, read if ever needed.
            .select_related(
                "deferral__from_meeting", "deferral__to_meeting", "deferral__deferred_by"
            )
            .filter(meeting=from_meeting, notification=locked)
            .first()
        )
        if message := _item_refusal(locked, item, from_meeting):
            raise TransitionRefused(message)
        item = cast(AgendaItem, item)  # a missing item was refused just above
        go_live = locked.planned_go_live_date
        deferral = Deferral.objects.create(
            notification=locked,
            from_meeting=from_meeting,
            to_meeting=to_meeting,
            reason=reason,
            deferred_by=by,
            is_after_go_live=go_live is not None and to_meeting.date > go_live,
        )
        item.deferral = deferral
        item.save(update_fields=["deferral"])
        add_to_agenda(meeting=to_meeting, notification=locked)
        queue_deferral_emails(deferral)
        record_event(
            SecurityEvent.Kind.DECISION,
            actor=by,
            organisation=locked.organisation,
            summary=f"{by} deferred {locked.reference} from the meeting of "
            f"{from_meeting.date:%d/%m/%Y} to the meeting of {to_meeting.date:%d/%m/%Y}",
        )
    return deferral


def _item_refusal(
    notification: Notification, item: AgendaItem | None, from_meeting: SSCMeeting
) -> str:
    """Why the case cannot leave that agenda item now ("" when it can)."""
    if item is None:
        return (
            f"{notification.reference} is not on the agenda of the meeting of "
            f"{from_meeting.date:%d/%m/%Y}."
        )
    if item.deferral is not None:
        return f"{_deferral_told(item.deferral)}."
    if notification.state not in DEFERRABLE_STATES:
        return (
            f"{notification.reference} is {in_sentence(notification.get_state_display())}: only "
            "a case under review (or waiting for the User's answer) can be deferred."
        )
    return ""


def deferral_refusal(*, notification: Notification, by: User, from_meeting: SSCMeeting) -> str:
    """Why this person cannot defer the case from that meeting now ("" when they can): what the
    deferral page says instead of offering its form. defer_case asks it again under the lock."""
    if not allows(by, "assessments.defer_case", notification):
        return "Only an SSC member without a conflict of interest, or SECAS, can defer a case."
    if message := _already_decided_message(notification):
        return message
    item = (
        AgendaItem.objects.select_related(
            "deferral__from_meeting", "deferral__to_meeting", "deferral__deferred_by"
        )
        .filter(meeting=from_meeting, notification=notification)
        .first()
    )
    if item is not None and item.deferral is not None:
        item.deferral.notification = notification  # what the refusal names, already read
    if message := _item_refusal(notification, item, from_meeting):
        return message
    if not meetings_to_defer_to(from_meeting).exists():
        return (
            f"No meeting later than the meeting of {from_meeting.date:%d/%m/%Y} is booked: SECAS "
            "books one first, then the case can be deferred to it."
        )
    return ""


def decision_refusal(*, notification: Notification, by: User, meeting: SSCMeeting) -> str:
    """Why this person cannot record the decision on the case at that meeting now ("" when
    they can): what the decision page a meeting's agenda links to says instead of its form.
    decide() asks it all again under the lock."""
    if message := _already_decided_message(notification):
        return message
    if notification.state != NotificationState.UNDER_REVIEW:
        return (
            f"{notification.reference} is {in_sentence(notification.get_state_display())}: only a "
            "case under review is decided."
        )
    if not allows(by, "notifications.decide", notification):
        return "Only an SSC member without a conflict of interest decides a case."
    if meeting.kind == SSCMeeting.Kind.WRITTEN:
        return "A decision by correspondence comes only from a written procedure that carried."
    if meeting.date > timezone.localdate():
        return (
            f"The meeting of {meeting.date:%d/%m/%Y} has not yet taken place: its decisions are "
            "recorded on the day or after."
        )
    item = (
        AgendaItem.objects.select_related(
            "deferral__from_meeting", "deferral__to_meeting", "deferral__deferred_by"
        )
        .filter(meeting=meeting, notification=notification)
        .first()
    )
    if item is None:
        return (
            f"{notification.reference} is not on the agenda of the meeting of "
            f"{meeting.date:%d/%m/%Y}."
        )
    if item.deferral is not None:
        item.deferral.notification = notification  # what the refusal names, already read
        return (
            f"{_deferral_told(item.deferral)}: record the decision against the meeting of "
            f"{item.deferral.to_meeting.date:%d/%m/%Y} or a later one."
        )
    return ""


def queue_deferral_emails(deferral: Deferral) -> None:
    """SECAS and the rapporteur always; the User when the decision now falls after its
    planned go-live (it must not employ the system before the decision)."""
    notification = deferral.notification
    context = {"deferral": deferral, "to_meeting": deferral.to_meeting}
    queue_email(
        kind="case_deferred_committee",
        to=recipients_for("case_deferred_committee", notification=notification),
        template="case_deferred_committee",
        context=context,
        notification=notification,
    )
    if deferral.is_after_go_live:
        queue_email(
            kind="case_deferred_user",
            to=recipients_for("case_deferred_user", notification=notification),
            template="case_deferred_user",
            context=context,
            notification=notification,
        )


def _history(decision: Decision) -> str:
    """The timeline's words: the rationale, after how it was decided when not simply recorded
    by a member at the meeting."""
    if decision.route == Decision.Route.MEETING and decision.minuted_by is None:
        return decision.rationale
    minuted = " (minuted by SECAS)" if decision.minuted_by else ""
    return f"{decision.committee_sentence}{minuted}. {decision.rationale}"


def check_proposed_outcome(
    *, outcome: str, assessment_kind: str = "", assessment_due_date: date | None = None
) -> str:
    """The outcome is one of the two, and "assessment required" says its type and a due date
    after today; returns the case's transition that records it."""
    if outcome == Decision.Outcome.ASSESSMENT_REQUIRED:
        if assessment_due_date is None:
            raise TransitionRefused("Please give the date by which the assessment is due.")
        if assessment_due_date <= timezone.localdate():
            raise TransitionRefused("The assessment due date must be after today.")
        if assessment_kind not in AssessmentKind.values:
            raise TransitionRefused("Please choose the type of assessment: FUSA, VUSA or USSA.")
        return "decide_assessment_required"
    if outcome == Decision.Outcome.NO_ASSESSMENT:
        return "decide_no_assessment"
    raise TransitionRefused("Please choose one of the two outcomes.")


def _withdraw_open_procedure(notification: Notification, decision: Decision) -> None:
    """The case was decided another way: its open written procedure has nothing left to ask."""
    WrittenProcedure.objects.filter(
        notification=notification, state=WrittenProcedure.State.OPEN
    ).update(
        state=WrittenProcedure.State.WITHDRAWN,
        closed_at=timezone.now(),
        close_reason=f"{notification.reference} was decided another way "
        f"({in_sentence(decision.get_route_display())}, {decision.meeting}): "
        f"{in_sentence(decision.get_outcome_display())}.",
    )


def queue_decision_letter(decision: Decision) -> None:
    """The decision letter to the User, by email (the PDF is generated from the same record)."""
    notification = decision.notification
    review = None
    if decision.outcome == Decision.Outcome.NO_ASSESSMENT:
        review = next_annual_review(notification.organisation)
    queue_email(
        kind="decision_letter",
        to=recipients_for("decision_letter", notification=notification),
        template="decision_letter",
        context={
            "decision": decision,
            "assessment": getattr(notification, "assessment", None),
            "annual_review": review,
            "letter_url": portal_link("assessments:decision_letter", notification.pk),
        },
        notification=notification,
    )


# --- Meetings ------------------------------------------------------------------------------------


def _require_secas(by: User) -> None:
    if not allows(by, "assessments.manage_meetings"):
        raise TransitionRefused("Only SECAS staff can manage SSC meetings.")


def check_attendees(attendees, *, meeting: SSCMeeting | None = None) -> None:
    """Only SSC members are added to a meeting's attendance (the admin's form asks this too).

    Someone already recorded at this meeting who has since left the SSC stays: they were a
    member when they attended, and the record must not block the meeting's other edits.
    """
    recorded = (
        set(meeting.attendees.values_list("pk", flat=True)) if meeting and meeting.pk else set()
    )
    not_members = [
        person
        for person in attendees
        if person.pk not in recorded and not allows(person, "assessments.attend_meeting")
    ]
    if len(not_members) == 1:
        raise TransitionRefused(f"{not_members[0]} is not an SSC member and cannot attend as one.")
    if not_members:
        raise TransitionRefused(
            f"{', '.join(map(str, not_members))} are not SSC members and cannot attend as such."
        )


def create_meeting(
    *,
    by: User,
    date,
    kind: str,
    title: str = "",
    location: str = "",
    quorum: int,
    notes: str = "",
):
    _require_secas(by)
    if quorum is None or quorum < 1:
        raise TransitionRefused("A meeting's quorum is at least one member.")
    meeting = SSCMeeting(
        date=date, kind=kind, title=title, location=location, quorum=quorum, notes=notes
    )
    attribute_change(meeting, by=by, reason="Meeting arranged")
    meeting.save()
    return meeting


def set_attendees(*, meeting: SSCMeeting, by: User, attendees) -> SSCMeeting:
    """Record who attended; only SSC members count towards the quorum."""
    _require_secas(by)
    check_attendees(attendees, meeting=meeting)
    # Each add and remove leaves a history row of the meeting, naming who recorded it.
    attribute_change(meeting, by=by, reason="Attendance recorded")
    meeting.attendees.set(attendees)
    return meeting


def declare_meeting_conflict(
    *, meeting: SSCMeeting, by: User, member, organisation: Organisation, note: str = ""
) -> MeetingConflict:
    """Record a conflict declared at a meeting; from then on the member cannot see those cases."""
    _require_secas(by)
    if not allows(member, "assessments.attend_meeting"):
        raise TransitionRefused(f"{member} is not an SSC member.")
    with transaction.atomic():
        conflict, created = MeetingConflict.objects.get_or_create(
            meeting=meeting, member=member, organisation=organisation, defaults={"note": note}
        )
        if not created:
            raise TransitionRefused(
                f"{member}'s conflict with {organisation} is already recorded for this meeting."
            )
        if not ConflictOfInterest.objects.filter(
            member=member, organisation=organisation, withdrawn_at__isnull=True
        ).exists():
            # Recorded by someone else a moment ago: the member is shut out either way.
            with contextlib.suppress(AccessChangeRefused):
                declare_conflict(
                    member=member,
                    organisation=organisation,
                    by=by,
                    reason=note or f"Declared at the SSC meeting of {meeting.date:%d/%m/%Y}",
                )
    return conflict


def next_annual_review(organisation: Organisation) -> Assessment:
    """The organisation's next annual-review assessment, opened from the cycle matrix if needed."""
    # Atomic whoever calls it: the lock below holds only inside a transaction.
    with transaction.atomic():
        # Locking the organisation stops two decisions at once from opening two reviews.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        open_review = open_annual_review(organisation)
        if open_review:
            return open_review
        # None open: when it falls is the read side's one answer, and its cycle year follows on.
        last = latest_annual_assurance(organisation)
        cycle_year = last.cycle_year % 3 + 1 if last else 1
        due = next_annual_review_due(organisation)
        if due is None:
            # No assessment on record yet: the review falls a year from now until SECAS corrects it.
            due = timezone.localdate() + relativedelta(months=12)
        return Assessment.objects.create(
            organisation=organisation,
            kind=expected_annual_review_kind(organisation, cycle_year),
            cycle_year=cycle_year,
            due_date=due,
            scope="Annual review",
        )


def lock_assessment(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=assessment.pk)
    )


# Only the booking is refused: a USSA booked under the old lifecycle may still finish it.
CIO_STEPS = ("schedule",)
SELF_ASSESSMENT_STEPS = ("submit_self_assessment", "record_cio_review")
# The steps taken with their documents: the report (for a USSA, the CIO's review) and the
# User's response.
DOCUMENT_STEPS = ("receive_report", "record_cio_review", "receive_response")


def _check_type(assessment: Assessment, step: str) -> None:
    """Refuse, in words, a step of the other lifecycle: a USSA has no CIO fieldwork."""
    if assessment.is_self_assessment and step in CIO_STEPS:
        raise TransitionRefused(
            "This is a self-assessment (USSA): the User submits it and the CIO reviews it; "
            "there is no CIO booking, fieldwork or report to record."
        )
    if not assessment.is_self_assessment and step in SELF_ASSESSMENT_STEPS:
        raise TransitionRefused(
            f"This is a {assessment.get_kind_display()}: the CIO carries it out, so there is no "
            "self-assessment to submit or review."
        )


def schedule_assessment(
    *,
    assessment: Assessment,
    by: User,
    cio_name: str,
    fieldwork_start_date: date,
    fieldwork_end_date: date,
) -> Assessment:
    """Record that the User CIO is booked, with the planned fieldwork dates."""
    if not (cio_name or "").strip():
        raise TransitionRefused("Please name the User CIO who will carry out the assessment.")
    if fieldwork_end_date < fieldwork_start_date:
        raise TransitionRefused("Fieldwork cannot end before it starts.")
    with transaction.atomic():
        locked = lock_assessment(assessment)
        _check_type(locked, "schedule")
        perform_transition(
            locked,
            "schedule",
            by=by,
            cio_name=cio_name.strip(),
            fieldwork_start_date=fieldwork_start_date,
            fieldwork_end_date=fieldwork_end_date,
            description=f"CIO {cio_name.strip()} booked",
        )
    return locked


def start_fieldwork(*, assessment: Assessment, by: User, started_on: date) -> Assessment:
    with transaction.atomic():
        locked = lock_assessment(assessment)
        _check_type(locked, "start_fieldwork")
        if locked.fieldwork_end_date and started_on > locked.fieldwork_end_date:
            booked_end = f"{locked.fieldwork_end_date:%d/%m/%Y}"
            raise TransitionRefused(f"Fieldwork cannot start after its booked end ({booked_end}).")
        perform_transition(locked, "start_fieldwork", by=by, started_on=started_on)
    return locked


def _documents(documents, *, missing: str) -> list:
    """Checked uploads as the forms hand them over: (upload, file kind, TLP, description) each,
    the upload already checked by AttachmentForm (type, size, safe name); none at all is refused
    with `missing`."""
    documents = list(documents or ())
    if not documents:
        raise TransitionRefused(missing)
    return documents


def _store_documents(*, assessment: Assessment, by: User, kind: str, documents) -> None:
    for upload, file_kind, tlp, description in documents:
        AssessmentDocument.objects.create(
            assessment=assessment,
            kind=kind,
            uploaded_by=by,
            **stored_file_fields(
                upload=upload, kind=file_kind, tlp=tlp, description=description or ""
            ),
        )


def _files(documents: list) -> str:
    return f"{len(documents)} file{'s' if len(documents) != 1 else ''}"


def _check_response_due(response_due_date: date, *, since: date, after: str) -> None:
    if response_due_date < since:
        raise TransitionRefused(f"The response cannot be due before {after}.")


def record_report(
    *,
    assessment: Assessment,
    by: User,
    received_on: date,
    fieldwork_ended_on: date,
    response_due_date: date,
    documents=(),
) -> Assessment:
    """The CIO's User Security Assessment Report is in, uploaded with its documents; the User's
    response is due by the date the SSC set. The User is told the report is on the portal."""
    documents = _documents(
        documents, missing="Please attach the assessment report: at least one file."
    )
    _check_response_due(response_due_date, since=received_on, after="the report was received")
    with transaction.atomic():
        locked = lock_assessment(assessment)
        _check_type(locked, "receive_report")
        if locked.fieldwork_start_date and fieldwork_ended_on < locked.fieldwork_start_date:
            raise TransitionRefused("Fieldwork cannot end before it started.")
        perform_transition(
            locked,
            "receive_report",
            by=by,
            received_on=received_on,
            fieldwork_ended_on=fieldwork_ended_on,
            response_due_date=response_due_date,
            description=f"Report received on {received_on:%d/%m/%Y} ({_files(documents)}); "
            f"response due by {response_due_date:%d/%m/%Y}",
        )
        _store_documents(assessment=locked, by=by, kind=DocumentKind.REPORT, documents=documents)
        queue_report_ready(locked)
    return locked


def submit_self_assessment(
    *, assessment: Assessment, by: User, notes: str = "", files=()
) -> Assessment:
    """The User submits its self-assessment (USSA) with its files (each already checked by the
    form: type, size, name); SECAS is told, and the CIO's review follows."""
    notes = (notes or "").strip()
    files = _documents(files, missing="Please attach the self-assessment: at least one file.")
    with transaction.atomic():
        locked = lock_assessment(assessment)
        _check_type(locked, "submit_self_assessment")
        perform_transition(
            locked,
            "submit_self_assessment",
            by=by,
            notes=notes,
            description=f"Self-assessment submitted with {_files(files)}",
        )
        _store_documents(
            assessment=locked, by=by, kind=DocumentKind.SELF_ASSESSMENT, documents=files
        )
        queue_email(
            kind="self_assessment_submitted",
            to=recipients_for("self_assessment_submitted", organisation=locked.organisation),
            template="self_assessment_submitted",
            context={
                "assessment": locked,
                "submitted_by": by,
                "assessment_url": portal_link("secas:assessment", locked.pk),
            },
            organisation=locked.organisation,
        )
    return locked


def record_cio_review(
    *,
    assessment: Assessment,
    by: User,
    cio_name: str,
    reviewed_on: date,
    response_due_date: date,
    documents=(),
) -> Assessment:
    """The CIO's review of a self-assessment is recorded with its documents (for a USSA the
    review is the report); the User's response is due by the date the SSC set, and the User is
    told the review is on the portal."""
    if not (cio_name or "").strip():
        raise TransitionRefused("Please name the User CIO who reviewed the self-assessment.")
    documents = _documents(
        documents, missing="Please attach the CIO's review (the report): at least one file."
    )
    _check_response_due(response_due_date, since=reviewed_on, after="the CIO's review")
    with transaction.atomic():
        locked = lock_assessment(assessment)
        _check_type(locked, "record_cio_review")
        submitted = locked.self_assessment_submitted_at
        if submitted and reviewed_on < timezone.localtime(submitted).date():
            raise TransitionRefused(
                "The CIO cannot have reviewed the self-assessment before it was submitted "
                f"({timezone.localtime(submitted):%d/%m/%Y})."
            )
        perform_transition(
            locked,
            "record_cio_review",
            by=by,
            cio_name=cio_name.strip(),
            reviewed_on=reviewed_on,
            response_due_date=response_due_date,
            description=f"Reviewed by CIO {cio_name.strip()} on {reviewed_on:%d/%m/%Y} "
            f"({_files(documents)}); response due by {response_due_date:%d/%m/%Y}",
        )
        _store_documents(assessment=locked, by=by, kind=DocumentKind.REPORT, documents=documents)
        queue_report_ready(locked)
    return locked


def queue_report_ready(assessment: Assessment) -> None:
    """Tell the User its report (for a USSA, the CIO's review) is on the portal, and by when the
    SSC wants its response."""
    organisation = assessment.organisation
    notification = assessment.notification
    queue_email(
        kind="assessment_report_ready",
        to=recipients_for(
            "assessment_report_ready", notification=notification, organisation=organisation
        ),
        template="assessment_report_ready",
        context={
            "assessment": assessment,
            "organisation": organisation,
            "assessment_url": portal_link("assessments:assessment", assessment.pk),
        },
        notification=notification,
        organisation=organisation,
    )


def record_download(*, document: AssessmentDocument, by: User, request=None):
    record_event(
        SecurityEvent.Kind.DOWNLOAD,
        actor=by,
        request=request,
        organisation=document.assessment.organisation,
        summary=f"{by} downloaded {document.original_name} ({document.get_tlp_display()}), "
        f"{in_sentence(document.get_kind_display())} of {document.assessment}",
    )
    return AssessmentDocumentDownload.objects.create(document=document, user=by)


def change_counts_as_annual_review(
    *, assessment: Assessment, by: User, counts_as_annual_review: bool, reason: str
) -> Assessment:
    """SECAS changes whether an ad-hoc or follow-up assessment counts as the annual review, saying
    why; logged. An annual review always counts, and a completed one's record stands."""
    reason = (reason or "").strip()
    if not allows(by, "assessments.change_counts_as_annual_review", assessment):
        raise TransitionRefused("Only SECAS can change whether an assessment counts.")
    if not reason:
        raise TransitionRefused("Please say why the flag changes.")
    with transaction.atomic():
        locked = lock_assessment(assessment)
        if locked.is_annual_review:
            raise TransitionRefused("An annual review always counts as the annual review.")
        if locked.is_completed:
            raise TransitionRefused(
                "This assessment is complete: its assurance record is part of the history. "
                "Add a correction to the assurance history instead."
            )
        if locked.counts_as_annual_review == counts_as_annual_review:
            says = "already counts" if counts_as_annual_review else "already does not count"
            raise TransitionRefused(f"This assessment {says} as the annual review.")
        locked.counts_as_annual_review = counts_as_annual_review
        locked.save(update_fields=["counts_as_annual_review"])
        AnnualReviewFlagChange.objects.create(
            assessment=locked,
            counts_as_annual_review=counts_as_annual_review,
            reason=reason,
            changed_by=by,
        )
    return locked


def record_response(
    *, assessment: Assessment, by: User, received_on: date, documents=()
) -> Assessment:
    """SECAS records a response the User sent outside the portal, uploading its document."""
    if not allows(by, "assessments.record_assessment_steps", assessment):
        raise TransitionRefused(
            "You do not have permission to do this: “Record the User's response as received”."
        )
    documents = _documents(
        documents, missing="Please attach the User's response: at least one file."
    )
    with transaction.atomic():
        locked = lock_assessment(assessment)
        _refuse_a_second_response(locked)
        perform_transition(
            locked,
            "receive_response",
            by=by,
            received_on=received_on,
            description=f"Response received on {received_on:%d/%m/%Y} outside the portal "
            f"({_files(documents)})",
        )
        _store_documents(assessment=locked, by=by, kind=DocumentKind.RESPONSE, documents=documents)
    return locked


def _refuse_a_second_response(locked: Assessment) -> None:
    """A response already received (two people at once, or a page left open): said plainly."""
    if locked.response_received_date is None:
        return
    log = (
        StateLog.objects.for_(locked)
        .filter(transition="receive_response")
        .select_related("by")
        .order_by("-timestamp", "-pk")
        .first()
    )
    who = f" by {log.by}" if log is not None and log.by is not None else ""
    raise TransitionRefused(
        f"The response to this assessment was already received{who} on "
        f"{locked.response_received_date:%d/%m/%Y}: the page you were on was out of date. "
        "Nothing more was added."
    )


def submit_response(*, assessment: Assessment, by: User, documents, notes: str = "") -> Assessment:
    """The User uploads its User Security Assessment Response on the portal: the response is
    received today, its documents are kept, and SECAS is told what to do next."""
    notes = (notes or "").strip()
    if not allows(by, "assessments.submit_assessment_response", assessment):
        raise TransitionRefused(
            "Only a submitter or admin of the organisation can send its response."
        )
    documents = _documents(documents, missing="Please attach your response: at least one file.")
    with transaction.atomic():
        locked = lock_assessment(assessment)
        _refuse_a_second_response(locked)
        if not locked.awaits_response:
            raise TransitionRefused(
                "The response is sent once the assessment report is on the portal; this "
                f"assessment is {in_sentence(locked.get_state_display())}."
            )
        locked.response_notes = notes  # saved with the transition
        perform_transition(
            locked,
            "receive_response",
            by=by,
            received_on=timezone.localdate(),
            description=f"Response submitted through the portal with {_files(documents)}"
            + (f": {notes}" if notes else ""),
        )
        _store_documents(assessment=locked, by=by, kind=DocumentKind.RESPONSE, documents=documents)
        queue_email(
            kind="assessment_response_submitted",
            to=recipients_for("assessment_response_submitted", organisation=locked.organisation),
            template="assessment_response_submitted",
            context={
                "assessment": locked,
                "submitted_by": by,
                "files": len(documents),
                "assessment_url": portal_link("secas:assessment", locked.pk),
            },
            notification=locked.notification,
            organisation=locked.organisation,
        )
    return locked


def complete_assessment(
    *,
    assessment: Assessment,
    by: User,
    assurance_status: str,
    notes: str = "",
    steps: list | None = None,
    effective_date: date | None = None,
    follow_up: FollowUpPlan | None = None,
) -> Assessment:
    """Record the assurance outcome decided; this updates the history and closes the
    notification. The completion step of `decide_assessment_outcome` (which records the
    decision first, in the same transaction), never called on its own: it follows a proposal.
    "Approved subject to steps" takes its steps (remediation.StepPlan) and opens their plan;
    Deferred and Rejected open the follow-up assessment (follow_up.FollowUpPlan, or defaults)."""
    if assurance_status not in AssuranceStatus.values:
        raise TransitionRefused("Please choose the assurance status the SSC set.")
    subject_to_steps = assurance_status == AssuranceStatus.APPROVED_SUBJECT_TO_STEPS
    if steps and not subject_to_steps:
        raise TransitionRefused("Only “Approved subject to steps” comes with remediation steps.")
    check_follow_up(status=assurance_status, plan=follow_up)
    with transaction.atomic():
        locked = lock_assessment(assessment)
        perform_transition(
            locked,
            "complete",
            by=by,
            assurance_status=assurance_status,
            description=notes or f"Assurance status: {AssuranceStatus(assurance_status).label}",
        )
        record = AssuranceRecord.objects.create(
            organisation=locked.organisation,
            status=assurance_status,
            kind=locked.kind,
            reason=locked.reason,
            counts_as_annual_review=locked.counts_as_annual_review,
            cycle_year=cycle_year_of(locked),
            # Completion follows the report, which records the end of fieldwork.
            fieldwork_end_date=cast(date, locked.fieldwork_end_date),
            effective_date=effective_date or timezone.localdate(),
            assessment=locked,
            notes=notes,
        )
        record.systems.set(locked.systems_in_scope.all())
        LatestAssurance.objects.refresh(record.systems.values("pk"))
        if subject_to_steps:
            create_remediation_plan(record=record, steps=steps or [], by=by)
        if leads_to_follow_up(assurance_status):
            open_follow_up(completed=locked, record=record, by=by, plan=follow_up)
        if locked.notification is not None:
            notification = lock_notification(locked.notification)
            perform_transition(
                notification,
                "close",
                by=by,
                description=f"Assessment completed: {AssuranceStatus(assurance_status).label}",
            )
        if locked.counts_as_annual_review:
            # It counted as the annual review: the next one is due 12 months after its fieldwork.
            move_annual_review_on(locked, by=by)
        queue_assessment_outcome(locked)
    return locked


def queue_assessment_outcome(assessment: Assessment) -> None:
    """The decision letter to the User, by email: what was decided and by whom, the reasons,
    and what happens next (with the steps, for "Approved subject to steps"). The PDF is
    generated from the same record."""
    decision = AssessmentDecision.objects.select_related("meeting").get(assessment=assessment)
    decision.assessment = assessment  # the one in hand, locked by the caller
    organisation = assessment.organisation
    notification = assessment.notification
    status = AssuranceStatus(decision.status)
    queue_email(
        kind="assessment_decision_letter",
        to=recipients_for(
            "assessment_decision_letter", notification=notification, organisation=organisation
        ),
        template="assessment_decision_letter",
        # What the PDF says, from the same context, with the email's links.
        context={
            **assessment_decision_letter_context(decision),
            "status": status,
            "letter_url": portal_link("assessments:assessment_decision_letter", assessment.pk),
            "organisation_url": portal_link("organisation_home", organisation.pk),
        },
        notification=notification,
        organisation=organisation,
    )


# --- The outcome: SECAS proposes, the SSC (or the Panel) decides --------------------------------


def _already_decided_outcome_message(assessment: Assessment) -> str:
    """Who decided the assessment's outcome first, when, and what; empty if nobody has."""
    decision = (
        AssessmentDecision.objects.select_related("decided_by")
        .filter(assessment=assessment)
        .first()
    )
    if decision is None:
        return ""
    when = timezone.localtime(decision.decided_at)
    status = in_sentence(decision.get_status_display())
    if decision.is_panel_decision:
        return (
            f"This assessment was already decided: {decision.decided_by} recorded the Panel's "
            f"decision on {when:%d/%m/%Y} at {when:%H:%M}: {status}."
        )
    return (
        f"This assessment was already decided by {decision.decided_by} "
        f"on {when:%d/%m/%Y} at {when:%H:%M}: {status}."
    )


def propose_outcome(
    *,
    assessment: Assessment,
    by: User,
    status: str,
    rationale: str,
    replaces: int | None = None,
) -> OutcomeProposal:
    """SECAS proposes the assurance status, with its reasons, once the User's response is in;
    the SSC then decides. A standing proposal is replaced only by someone who has seen it
    (`replaces` is its id), so two people proposing at once never silently overwrite."""
    rationale = (rationale or "").strip()
    if status not in AssuranceStatus.values:
        raise TransitionRefused("Please choose the assurance status you propose.")
    if not rationale:
        raise TransitionRefused("Please give the reasons for the proposal: the SSC reads them.")
    label = AssuranceStatus(status).label
    with transaction.atomic():
        locked = lock_assessment(assessment)
        if locked.is_completed and (message := _already_decided_outcome_message(locked)):
            raise TransitionRefused(message)
        standing = standing_proposal(locked) if locked.awaits_the_committee else None
        if standing is None:
            perform_transition(
                locked, "propose_outcome", by=by, description=f"Proposed: {label}. {rationale}"
            )
        else:
            if replaces != standing.pk:
                when = timezone.localtime(standing.proposed_at)
                raise TransitionRefused(
                    f"{standing.proposed_by} proposed "
                    f"{in_sentence(standing.get_status_display())} on {when:%d/%m/%Y} at "
                    f"{when:%H:%M}. Read that proposal before replacing it."
                )
            perform_transition(
                locked,
                "replace_proposal",
                by=by,
                description=f"Proposal of {standing.get_status_display()} replaced: "
                f"{label}. {rationale}",
            )
            _withdraw(standing, by=by, reason="Replaced by a new proposal.")
        return OutcomeProposal.objects.create(
            assessment=locked, status=status, rationale=rationale, proposed_by=by
        )


def _withdraw(proposal: OutcomeProposal, *, by: User, reason: str) -> None:
    proposal.withdrawn_at = timezone.now()
    proposal.withdrawn_by = by
    proposal.withdrawal_reason = reason
    proposal.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])


def withdraw_proposal(*, assessment: Assessment, by: User, reason: str) -> OutcomeProposal:
    """SECAS takes its proposal back before the committee decides, saying why; the assessment
    waits for a new one."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused("Please say why the proposal is withdrawn.")
    with transaction.atomic():
        locked = lock_assessment(assessment)
        if locked.is_completed and (message := _already_decided_outcome_message(locked)):
            raise TransitionRefused(message)
        standing = standing_proposal(locked) if locked.awaits_the_committee else None
        label = standing.get_status_display() if standing else ""
        perform_transition(
            locked,
            "withdraw_proposal",
            by=by,
            description=f"Proposal of {label} withdrawn: {reason}",
        )
        # The transition passed, so the assessment awaited the committee: a proposal stood.
        proposal = cast(OutcomeProposal, standing)
        _withdraw(proposal, by=by, reason=reason)
    return proposal


def decide_assessment_outcome(
    *,
    assessment: Assessment,
    by: User,
    status: str,
    rationale: str,
    meeting: SSCMeeting | None = None,
    panel_meeting_date: date | None = None,
    steps: list | None = None,
    proposal_seen: int | None = None,
    **completion,
) -> AssessmentDecision:
    """The assurance status, decided after SECAS's proposal (it may differ from it), with its
    reasons; the assessment then completes (`complete_assessment`, given `steps` and the rest
    of `completion` unchanged) and the User is sent the decision letter.

    Either an SSC member without a conflict records it against a meeting that has taken place
    and was quorate for the organisation (the rules of notification decisions), or, after an
    initial FUSA only, SECAS records the Panel's decision with the Panel meeting's date.
    """
    rationale = (rationale or "").strip()
    if status not in AssuranceStatus.values:
        raise TransitionRefused("Please choose the assurance status decided.")
    if not rationale:
        raise TransitionRefused("A decision needs a written rationale.")
    if meeting is not None and panel_meeting_date is not None:
        raise TransitionRefused(
            "Record the decision against the SSC meeting or the Panel meeting's date, not both."
        )
    organisation = assessment.organisation
    today = timezone.localdate()
    if panel_meeting_date is None:
        if not allows(by, "assessments.decide_outcome", assessment):
            if allows(by, "assessments.attend_meeting") and conflicted_with(by, assessment):
                raise TransitionRefused(
                    f"{by} has a conflict of interest with {organisation} and cannot decide "
                    "its assessment."
                )
            raise TransitionRefused(
                "Only an SSC member who decides for the committee can record its decision."
            )
        check_decision_meeting(meeting, organisation=organisation, subject="this assessment")
    else:
        if not allows(by, "assessments.record_panel_decision", assessment):
            raise TransitionRefused("Only SECAS records the Panel's decision.")
        if panel_meeting_date > today:
            raise TransitionRefused(
                f"The Panel meeting of {panel_meeting_date:%d/%m/%Y} has not taken place yet: "
                "record the Panel's decision once it has been taken."
            )
    with transaction.atomic():
        locked = lock_assessment(assessment)
        if not locked.awaits_the_committee:
            if message := _already_decided_outcome_message(locked):
                raise TransitionRefused(message)
            raise TransitionRefused(
                "The outcome is decided on SECAS's proposal, and none stands: this assessment "
                f"is {in_sentence(locked.get_state_display())}."
            )
        if panel_meeting_date is None and is_initial_fusa(locked):
            raise TransitionRefused(
                "This is the organisation's initial FUSA: the SEC Panel sets its status, and "
                "SECAS records the Panel's decision on its page of the assessment."
            )
        if panel_meeting_date is not None and not is_initial_fusa(locked):
            raise TransitionRefused(
                "The Panel sets the status only after an initial FUSA (an organisation's first "
                "assessment): the SSC decides this one at a meeting."
            )
        proposal = cast(OutcomeProposal, standing_proposal(locked))
        proposed_on = timezone.localtime(proposal.proposed_at).date()
        # Members decide on the proposal they read here; the Panel's is recorded after the fact.
        if meeting is not None and panel_meeting_date is None and meeting.date < proposed_on:
            raise TransitionRefused(
                f"The meeting of {meeting.date:%d/%m/%Y} was held before SECAS proposed this "
                f"outcome ({proposed_on:%d/%m/%Y}): record the decision against the meeting that "
                "considered the proposal."
            )
        if proposal_seen is not None and proposal_seen != proposal.pk:
            when = timezone.localtime(proposal.proposed_at)
            raise TransitionRefused(
                f"SECAS changed its proposal since the page was opened: {proposal.proposed_by} "
                f"now proposes {in_sentence(proposal.get_status_display())} ({when:%d/%m/%Y} at "
                f"{when:%H:%M}). Read it before recording the decision."
            )
        decision = AssessmentDecision.objects.create(
            assessment=locked,
            status=status,
            rationale=rationale,
            meeting=meeting if panel_meeting_date is None else None,
            panel_meeting_date=panel_meeting_date,
            decided_by=by,
            proposal=proposal,
            proposed_status=proposal.status,
            proposal_rationale=proposal.rationale,
        )
        complete_assessment(
            assessment=locked,
            by=by,
            assurance_status=status,
            notes=rationale,
            steps=steps,
            effective_date=decision.decided_on,
            **completion,
        )
        record_event(
            SecurityEvent.Kind.DECISION,
            actor=by,
            organisation=organisation,
            summary=f"{by} recorded the {'Panel' if panel_meeting_date else 'SSC'}'s decision "
            f"on {locked}: {decision.get_status_display()}",
        )
    return decision


def latest_cycle_year(organisation: Organisation) -> int:
    """An assessment that does not count as the annual review does not move the cycle on."""
    last = latest_annual_assurance(organisation)
    return last.cycle_year if last else 1


def cycle_year_of(assessment: Assessment) -> int:
    """An annual review's own year; an ad-hoc one counting as the annual review takes the year of
    the review it stands for; one that does not count stays in the current year."""
    if assessment.cycle_year:
        return assessment.cycle_year
    if not assessment.counts_as_annual_review:
        return latest_cycle_year(assessment.organisation)
    review = open_annual_review(assessment.organisation)
    if review is not None and review.cycle_year:
        return review.cycle_year
    last = latest_annual_assurance(assessment.organisation)
    return last.cycle_year % 3 + 1 if last else 1


def move_annual_review_on(completed: Assessment, *, by: User) -> Assessment:
    """After an assessment that counts as the annual review: the open review not yet started
    (one the completed ad-hoc assessment stood for) moves to the next cycle year, due 12 months
    after this fieldwork; with none open, the next is opened from the cycle matrix."""
    review = open_annual_review(completed.organisation)
    if review is None or review.pk == completed.pk:
        return next_annual_review(completed.organisation)
    if review.state != AssessmentState.REQUIRED:
        # Already booked or under way: SECAS settles it, the flag does not undo CIO work.
        return review
    last = latest_annual_assurance(completed.organisation)
    cycle_year = last.cycle_year % 3 + 1 if last else 1
    review.cycle_year = cycle_year
    review.kind = expected_annual_review_kind(completed.organisation, cycle_year)
    review.due_date = next_annual_review_due_after(completed)
    review.save(update_fields=["cycle_year", "kind", "due_date"])
    StateLog.objects.create(
        content_object=review,
        transition="move_on",
        source_state=review.state,
        state=review.state,
        by=by,
        description=f"Moved on: {completed} counted as the annual review; now year {cycle_year}, "
        f"due by {review.due_date:%d/%m/%Y}",
    )
    return review


def next_annual_review_due_after(completed: Assessment) -> date:
    return annual_review_due_date(cast(date, completed.fieldwork_end_date))


def check_assurance_record(*, record: AssuranceRecord, systems, by: User) -> None:
    """Refuse, in words, an assurance record the history cannot take (the admin asks first)."""
    if not allows(by, "assessments.record_assurance_history"):
        raise TransitionRefused("Only SECAS can add to the assurance history.")
    others = [system for system in systems if system.organisation_id != record.organisation_id]
    if others:
        raise TransitionRefused(
            f"{', '.join(system.name for system in others)} "
            f"{'is a User System' if len(others) == 1 else 'are User Systems'} of another "
            f"organisation, not of {record.organisation}."
        )
    assessment = record.assessment
    if assessment is not None and assessment.organisation_id != record.organisation_id:
        raise TransitionRefused(f"That assessment is of {assessment.organisation}.")


def record_assurance_history(*, record: AssuranceRecord, systems, by: User) -> AssuranceRecord:
    """Add an assurance outcome to an organisation's history (one from before the portal, or a
    correction: the history is append-only); it may become the one in force for its systems."""
    with transaction.atomic():
        check_assurance_record(record=record, systems=systems, by=by)
        record.save()
        record.systems.set(systems)
        LatestAssurance.objects.refresh([system.pk for system in systems])
    return record
