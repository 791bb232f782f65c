"""The daily reminder run (DOMAIN.md "Clocks and reminders").

Each kind of reminder is one batched query for what is due today or earlier; a missed day
catches up because windows are "on or before", and only the nearest step of a window is sent
(a run that missed the 90-day reminder but finds 25 days left sends the 30-day one). The run
records a Reminder row per (kind, target, milestone, step) with INSERT … ON CONFLICT DO NOTHING
and then sends only the rows it inserted itself, inside one transaction with their outbox
emails: a rerun, or a second scheduler at the same moment, queues nothing twice.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from assessments.models import (
    AgendaItem,
    Assessment,
    AssessmentReason,
    AssessmentState,
    AssuranceRecord,
    Deferral,
    RemediationStep,
    Reminder,
    WrittenProcedure,
    kind_label,
    state_awaits_the_committee,
)
from assessments.papers import awaiting_recommendation, recommendation_due_by
from assessments.selectors import chair_alert, paused_working_days
from assessments.services import next_annual_review
from assessments.written import close_expired_written_procedures, eligible_members
from notifications.models import (
    InformationRequest,
    Notification,
    NotificationState,
    UserSystem,
)
from notifications.recipients import case_url, notification_url, portal_link, portal_links
from notifications.selectors import submitting_memberships
from notifications.services import DeferredEmail, save_deferred_emails
from notifications.workdays import add_working_days, working_days_left, working_days_since
from sscportal.bulk import insert_rows
from sscportal.mail.services import deferred_email_values
from users.models import Organisation
from users.policy import allows
from users.selectors import ActingChair, chair_for, committee_offices

ANNUAL_REVIEW_DAYS = (90, 30, 7)
GO_LIVE_WORKING_DAYS = (10, 5)
INFORMATION_DUE_WORKING_DAYS = 2
ASSESSMENT_DUE_DAYS = (30, 7)
RESPONSE_DUE_DAYS = 7
REMEDIATION_STEP_DUE_DAYS = (14, 3)
WRITTEN_PROCEDURE_REPLY_WORKING_DAYS = 2
BATCH = 1000
FOLLOW_UP_LINE = (
    "A follow-up assessment: the SSC's last outcome was Deferred or Rejected, and the systems "
    "it covers read Not approved until this one is complete."
)
# What an assessment's reminder says, and no more: the scans read thousands of rows, as
# plain values (a model instance per row was a third of the run).
REVIEW_FIELDS = (
    "id",
    "kind",
    "due_date",
    "organisation_id",
    "organisation__name",
    "organisation__contact_email",
)


@dataclass
class Due:
    """One reminder found due: what it is, who gets it, and what it says."""

    kind: str
    target: str
    milestone: date
    step: int
    to: list[str]  # the organisation's people
    headline: str
    lines: list[str] = field(default_factory=list)
    action: str = ""
    url: str = ""
    organisation: object | None = None
    notification: Notification | None = None
    committee: list[str] = field(default_factory=list)  # SECAS and the chair: a separate email
    committee_url: str = ""  # the committee's own page for it, when not the User's
    # The scans of thousands of rows give ids, not objects; the others take them from objects.
    organisation_id: int | None = None
    notification_id: int | None = None

    def __post_init__(self):
        if self.organisation_id is None and self.organisation is not None:
            self.organisation_id = self.organisation.pk
        if self.notification_id is None and self.notification is not None:
            self.notification_id = self.notification.pk

    @property
    def key(self) -> tuple:
        return (self.kind, self.target, self.milestone, self.step)

    def message(self) -> dict:
        """What the reminder email says, as plain values: the email is rendered at delivery."""
        return {"headline": self.headline, "lines": list(self.lines), "action": self.action}


def nearest_step(remaining: int, steps: tuple[int, ...]) -> int | None:
    """The smallest step the remaining time has reached, or None if none yet."""
    reached = [step for step in steps if remaining <= step]
    return min(reached) if reached else None


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def due_in_days(due: date, today: date) -> str:
    """How long remains, in calendar days: "due in 30 days, by …", "due today, …", "3 days
    overdue (due by …)"."""
    days = (due - today).days
    if days > 0:
        return f"due in {count(days, 'day')}, by {long_date(due)}"
    if days == 0:
        return f"due today, {long_date(due)}"
    return f"{count(-days, 'day')} overdue (due by {long_date(due)})"


def in_working_days(remaining: int) -> str:
    if remaining == 0:
        return "with no SEC working day left before it"
    return f"in {count(remaining, 'SEC working day')}"


def _assessment_page(assessment: Assessment) -> str:
    return portal_link("secas:assessment", assessment.pk)


class Recipients:
    """Email addresses per organisation, loaded once per run (no query per reminder)."""

    def __init__(self):
        self.by_organisation: dict[int, list[str]] = {}
        memberships = submitting_memberships().values_list(
            "organisation_id", "user__email", "organisation__contact_email"
        )
        for organisation_id, email, contact in memberships:
            addresses = self.by_organisation.setdefault(organisation_id, [])
            for address in (contact, email):
                if address and address not in addresses:
                    addresses.append(address)
        # Read once: each officer's conflicts are then cached for every case of the run.
        self.offices = committee_offices()
        self.secas = [settings.SECAS_MAILBOX]

    def chair_for(self, organisation) -> ActingChair:
        """Who acts as the SSC chair on the organisation's cases, or why nobody can."""
        return chair_for(organisation, offices=self.offices)

    def organisation(self, organisation) -> list[str]:
        return self.addresses(organisation.pk, organisation.contact_email)

    def addresses(self, organisation_id: int, contact_email: str) -> list[str]:
        """The organisation's contact address first, then its submitters'."""
        addresses = list(self.by_organisation.get(organisation_id, []))
        if contact_email and contact_email not in addresses:
            addresses.insert(0, contact_email)
        return addresses


def annual_reviews(today: date, people: Recipients) -> list[Due]:
    horizon = today + timedelta(days=max(ANNUAL_REVIEW_DAYS))
    reviews = (
        Assessment.objects.annual_reviews()
        .open()
        .filter(due_date__gt=today, due_date__lte=horizon, organisation__is_active=True)
    )
    organisation_home = portal_links("organisation_home")
    found = []
    for pk, kind, due_date, organisation_id, name, contact_email in reviews.values_list(
        *REVIEW_FIELDS
    ).iterator(chunk_size=BATCH):
        found.append(
            Due(
                kind=Reminder.Kind.ANNUAL_REVIEW,
                target=f"assessment:{pk}",
                milestone=due_date,
                step=nearest_step((due_date - today).days, ANNUAL_REVIEW_DAYS),
                to=people.addresses(organisation_id, contact_email),
                headline=(
                    f"{name}'s annual review ({kind_label(kind)}) is "
                    f"{due_in_days(due_date, today)}."
                ),
                lines=[
                    "The SEC requires you to notify the SSC before you begin to employ a second "
                    "or subsequent User System, whoever provides it.",
                ],
                action=(
                    "Check that every User System you use or plan to use has been notified. If "
                    "one has not, notify it now on the portal, before your annual review."
                ),
                url=organisation_home(organisation_id),
                organisation_id=organisation_id,
            )
        )
    return found


def go_lives(today: date, people: Recipients) -> list[Due]:
    # A go-live before the 11th working day from today has at most 10 working days left.
    beyond = add_working_days(today, max(GO_LIVE_WORKING_DAYS) + 1)
    cases = (
        Notification.objects.undecided()
        .filter(
            planned_go_live_date__gt=today,
            planned_go_live_date__lt=beyond,
            organisation__is_active=True,
        )
        .select_related("organisation")
    )
    found = []
    for case in cases:
        # One measure for the window, the step and the text: workdays.working_days_left.
        remaining = working_days_left(today, case.planned_go_live_date)
        step = nearest_step(remaining, GO_LIVE_WORKING_DAYS)
        chair = people.chair_for(case.organisation)
        found.append(
            Due(
                kind=Reminder.Kind.GO_LIVE,
                target=f"notification:{case.pk}",
                milestone=case.planned_go_live_date,
                step=step,
                to=people.organisation(case.organisation),
                committee=[*people.secas, *([chair.person.email] if chair.person else [])],
                headline=(
                    f"{case.reference} is planned to go live {in_working_days(remaining)}, on "
                    f"{long_date(case.planned_go_live_date)}, and the SSC has not decided yet."
                ),
                lines=[
                    f"User System: {case.system_name}, notified by {case.organisation.name}.",
                    f"Current state: {case.get_state_display()}.",
                    *_acting_chair_lines(chair),
                ],
                action=(
                    "SECAS and the SSC chair: consider whether the case can be decided in time. "
                    "The User: answer any open question promptly, and tell SECAS if the go-live "
                    "date moves."
                    if chair.person
                    else "SECAS: record a chair or deputy who can act on this case, or arrange "
                    "for the committee to decide it in time. The User: answer any open question "
                    "promptly, and tell SECAS if the go-live date moves."
                ),
                url=notification_url(case),
                committee_url=case_url(case),
                organisation=case.organisation,
                notification=case,
            )
        )
    return found


def recommendations_due(today: date, people: Recipients) -> list[Due]:
    """The rapporteur of each case on a near meeting's agenda with no recommendation yet: once
    per case per meeting (the meeting's date is the milestone)."""
    items = (
        AgendaItem.objects.to_decide()
        .filter(
            meeting__date__gte=today,
            meeting__date__lte=recommendation_due_by(today),
            notification__in=awaiting_recommendation(Notification.objects.all(), today),
            notification__rapporteur__isnull=False,
        )
        .select_related("meeting", "notification__organisation", "notification__rapporteur")
        .order_by("meeting__date", "pk")
    )
    found = []
    for item in items:
        case, meeting = item.notification, item.meeting
        # A rapporteur who has since declared a conflict (or left the SSC) hears nothing of it.
        if not allows(case.rapporteur, "notifications.be_rapporteur", case):
            continue
        remaining = working_days_left(today, meeting.date)
        found.append(
            Due(
                kind=Reminder.Kind.RECOMMENDATION_DUE,
                target=f"notification:{case.pk}",
                milestone=meeting.date,
                step=0,
                to=[],
                committee=[case.rapporteur.email],
                headline=(
                    f"{case.reference} is on the agenda of the SSC meeting on "
                    f"{long_date(meeting.date)}, {in_working_days(remaining)}, and you have not "
                    "yet recorded your recommendation as its rapporteur."
                ),
                lines=[
                    f"User System: {case.system_name}, notified by {case.organisation.name}.",
                    "The committee reads your recommendation on the case page and in the "
                    "meeting's papers; the User never sees it.",
                ],
                action=(
                    "Record the outcome you recommend, with your reasoning, on the case page "
                    "before the papers are issued. If you have a conflict of interest, tell "
                    "SECAS at once."
                ),
                url=case_url(case),
                committee_url=case_url(case),
                organisation=case.organisation,
                notification=case,
            )
        )
    return found


def _acting_chair_lines(chair: ActingChair) -> list[str]:
    """Who of the SSC's officers this alert went to, and why not the chair, or that nobody
    could be told (SECAS then reads it alone)."""
    if chair.person is None:
        return [
            f"No SSC chair could be told: {chair.why}. Record the chair and deputy chair on "
            f"{portal_link('secas:chair')}"
        ]
    if chair.is_deputy:
        return [f"Sent to the deputy chair, {chair.person}, as {chair.why}."]
    return []


def information_requests(today: date, people: Recipients) -> list[Due]:
    soon = add_working_days(today, INFORMATION_DUE_WORKING_DAYS)
    requests = (
        InformationRequest.objects.waiting()
        .filter(
            notification__organisation__is_active=True,
            response_due_date__lte=soon,
        )
        .select_related("notification__organisation")
    )
    found = []
    for request in requests:
        case = request.notification
        due = request.response_due_date
        overdue = due < today
        if overdue:
            when = f"{due_in_days(due, today)} and has not arrived"
        elif due == today:
            when = due_in_days(due, today)
        else:
            when = f"due {in_working_days(working_days_left(today, due))}, by {long_date(due)}"
        found.append(
            Due(
                kind=Reminder.Kind.INFORMATION_OVERDUE
                if overdue
                else Reminder.Kind.INFORMATION_DUE,
                target=f"information_request:{request.pk}",
                milestone=request.response_due_date,
                step=0 if overdue else INFORMATION_DUE_WORKING_DAYS,
                to=people.organisation(case.organisation),
                committee=people.secas if overdue else [],
                headline=(
                    f"The answer to the SSC's question on {case.reference} ({case.system_name}) "
                    f"is {when}."
                ),
                lines=[f"The question: {request.question}"],
                action=(
                    "A submitter in your organisation can answer on the notification's page. "
                    "The SSC's decision waits until you do."
                ),
                url=notification_url(case),
                committee_url=case_url(case),
                organisation=case.organisation,
                notification=case,
            )
        )
    return found


# With an outcome proposed, the next step is the committee's, not the User's.
AWAITING_THE_COMMITTEE_ACTION = (
    "The User: nothing more is needed from you now; the SSC is deciding the outcome on SECAS's "
    "proposal, and you will be sent the decision letter. SECAS: put the proposal before the "
    "committee."
)


def assessments_due(today: date, people: Recipients) -> list[Due]:
    horizon = today + timedelta(days=max(ASSESSMENT_DUE_DAYS))
    # G8.13 assessments and follow-ups are reminded before and after; annual reviews only once
    # overdue, since their own 90/30/7-day reminders already run before.
    assessments = (
        Assessment.objects.open()
        .filter(due_date__lte=horizon, organisation__is_active=True)
        .exclude(reason=AssessmentReason.ANNUAL_REVIEW, due_date__gte=today)
        .values_list(*REVIEW_FIELDS, "state", "reason", "scope", "notification_id")
    )
    stages = dict(AssessmentState.choices)
    organisation_home = portal_links("organisation_home")
    assessment_page = portal_links("secas:assessment")
    found = []
    for row in assessments.iterator(chunk_size=BATCH):
        pk, kind, due_date, organisation_id, name, contact_email = row[:6]
        state, reason, scope, notification_id = row[6:]
        overdue = due_date < today
        step = 0 if overdue else nearest_step((due_date - today).days, ASSESSMENT_DUE_DAYS)
        found.append(
            Due(
                kind=Reminder.Kind.ASSESSMENT_OVERDUE if overdue else Reminder.Kind.ASSESSMENT_DUE,
                target=f"assessment:{pk}",
                milestone=due_date,
                step=step,
                to=people.addresses(organisation_id, contact_email),
                committee=people.secas,
                headline=(
                    f"{name} – {kind_label(kind)}: {due_in_days(due_date, today)}"
                    + (" and not complete." if overdue else ".")
                ),
                lines=[
                    f"Current stage: {stages.get(state, state)}.",
                    *([FOLLOW_UP_LINE] if reason == AssessmentReason.FOLLOW_UP else []),
                    *([scope] if scope else []),
                ],
                action=(
                    AWAITING_THE_COMMITTEE_ACTION
                    if state_awaits_the_committee(state)
                    else "The User: do all that the SSC reasonably asks to complete the "
                    "assessment. SECAS: check the CIO booking and the dates."
                ),
                url=organisation_home(organisation_id),
                committee_url=assessment_page(pk),
                organisation_id=organisation_id,
                notification_id=notification_id,
            )
        )
    return found


def assessment_responses(today: date, people: Recipients) -> list[Due]:
    """The User's response to the assessment report, before and after its due date."""
    horizon = today + timedelta(days=RESPONSE_DUE_DAYS)
    waiting = Assessment.objects.filter(
        # After a CIO's report, or a CIO's review of a self-assessment (USSA).
        state__in=[AssessmentState.REPORT_RECEIVED, AssessmentState.CIO_REVIEW_RECORDED],
        response_due_date__lte=horizon,
        organisation__is_active=True,
    ).select_related("organisation", "notification")
    found = []
    for assessment in waiting:
        overdue = assessment.response_due_date < today
        organisation = assessment.organisation
        found.append(
            Due(
                kind=Reminder.Kind.ASSESSMENT_OVERDUE if overdue else Reminder.Kind.ASSESSMENT_DUE,
                target=f"assessment-response:{assessment.pk}",
                milestone=assessment.response_due_date,
                step=0 if overdue else RESPONSE_DUE_DAYS,
                to=people.organisation(organisation),
                committee=people.secas if overdue else [],
                headline=(
                    f"{organisation.name} – the response to the {assessment.get_kind_display()} "
                    f"report: {due_in_days(assessment.response_due_date, today)}"
                    + (" and not received." if overdue else ".")
                ),
                action=(
                    "Upload the User Security Assessment Response on the assessment's page by "
                    "the date the SSC set."
                ),
                url=portal_link("assessments:assessment", assessment.pk),
                committee_url=_assessment_page(assessment),
                organisation=organisation,
                notification=assessment.notification,
            )
        )
    return found


def remediation_steps(today: date, people: Recipients) -> list[Due]:
    """Each step still with the User: 14 and 3 days before its due date, and once after it."""
    horizon = today + timedelta(days=max(REMEDIATION_STEP_DUE_DAYS))
    steps = (
        RemediationStep.objects.with_the_user()
        .filter(due_date__lte=horizon, plan__organisation__is_active=True)
        .select_related("plan__organisation")
    )
    found = []
    for step in steps.iterator(chunk_size=BATCH):
        overdue = step.due_date < today
        organisation = step.plan.organisation
        to = people.organisation(organisation)
        if step.owner_email and step.owner_email not in to:
            to.append(step.owner_email)
        found.append(
            Due(
                kind=Reminder.Kind.REMEDIATION_STEP_OVERDUE
                if overdue
                else Reminder.Kind.REMEDIATION_STEP_DUE,
                target=f"remediation_step:{step.pk}",
                milestone=step.due_date,
                step=0
                if overdue
                else nearest_step((step.due_date - today).days, REMEDIATION_STEP_DUE_DAYS),
                to=to,
                committee=people.secas if overdue else [],
                headline=(
                    f"{organisation.name} – remediation step {step.position}: "
                    f"{due_in_days(step.due_date, today)}" + (" and not done." if overdue else ".")
                ),
                lines=[f"The step: {step.description}", f"Owner: {step.owner_name}."],
                action=(
                    "Upload the evidence and mark the step done on its page; SECAS then "
                    "accepts it. Your status reads Approved once every step is accepted."
                ),
                url=portal_link("assessments:remediation_step", step.pk),
                organisation=organisation,
            )
        )
    return found


def written_procedure_replies(today: date, people: Recipients) -> list[Due]:
    """Each member yet to reply to an open written procedure, 2 SEC working days before its
    close (once per member per procedure)."""
    beyond = add_working_days(today, WRITTEN_PROCEDURE_REPLY_WORKING_DAYS + 1)
    procedures = (
        WrittenProcedure.objects.filter(
            state=WrittenProcedure.State.OPEN,
            closes_on__gte=today,
            closes_on__lt=beyond,
            # A case withdrawn meanwhile needs no reply: its procedure ends at the close.
            notification__state__in=[
                NotificationState.UNDER_REVIEW,
                NotificationState.INFORMATION_REQUESTED,
            ],
        )
        .select_related("notification__organisation")
        .prefetch_related("replies")
    )
    found = []
    for procedure in procedures:
        case = procedure.notification
        replied = {reply.member_id for reply in procedure.replies.all()}
        members = eligible_members(case)
        for member in members:
            if member.pk in replied:
                continue
            found.append(
                Due(
                    kind=Reminder.Kind.WRITTEN_PROCEDURE_REPLY,
                    target=f"written_procedure:{procedure.pk}:member:{member.pk}",
                    milestone=procedure.closes_on,
                    step=WRITTEN_PROCEDURE_REPLY_WORKING_DAYS,
                    to=[],
                    committee=[member.email],
                    headline=(
                        f"The written procedure on {case.reference} ({case.organisation.name}) "
                        f"closes at the end of {long_date(procedure.closes_on)}, and you have not "
                        "replied."
                    ),
                    lines=[
                        f"Proposed outcome: {procedure.get_outcome_display()}.",
                        f"Replies so far: {len(replied)} of {len(members)} members "
                        f"(quorum {procedure.quorum}).",
                        "Reply on the written procedure's page: "
                        + portal_link("assessments:written_procedure", procedure.pk),
                    ],
                    action=(
                        "Read the case, then reply on the written procedure's page: agree, "
                        "disagree or abstain. Without enough replies the case waits for the "
                        "next SSC meeting."
                    ),
                    url=case_url(case),
                    organisation=case.organisation,
                    notification=case,
                )
            )
    return found


def late_cases(today: date, people: Recipients) -> list[Due]:
    cases = (
        Notification.objects.undecided()
        .select_related("organisation")
        .prefetch_related(
            Prefetch("information_requests", queryset=InformationRequest.objects.order_by("pk")),
            Prefetch(
                "deferrals",
                queryset=Deferral.objects.select_related("to_meeting").order_by(
                    "deferred_at", "pk"
                ),
            ),
        )
    )
    found = []
    for case in cases:
        submitted_on = timezone.localtime(case.submitted_at).date()
        age = working_days_since(case.submitted_at, today=today)
        if case.is_awaiting_triage and age > settings.SSC_TRIAGE_WORKING_DAYS:
            found.append(
                Due(
                    kind=Reminder.Kind.TRIAGE_LATE,
                    target=f"notification:{case.pk}",
                    milestone=submitted_on,
                    step=0,
                    to=[],
                    committee=people.secas,
                    headline=(
                        f"{case.reference} ({case.organisation.name}) was submitted {age} working "
                        f"days ago and has not been triaged (service level: "
                        f"{settings.SSC_TRIAGE_WORKING_DAYS} working days)."
                    ),
                    action="Triage it: assign a rapporteur and an SSC meeting.",
                    url=case_url(case),
                    organisation=case.organisation,
                    notification=case,
                )
            )
        running = age - paused_working_days(case, today)
        if running > settings.SSC_DECISION_WORKING_DAYS:
            deferrals = list(case.deferrals.all())
            # A decision late because the committee deferred it says so, and where it went.
            deferred = (
                f" Deferred by the committee to the meeting of "
                f"{deferrals[-1].to_meeting.date:%d/%m/%Y}."
                if deferrals
                else ""
            )
            found.append(
                Due(
                    kind=Reminder.Kind.DECISION_LATE,
                    target=f"notification:{case.pk}",
                    milestone=submitted_on,
                    step=0,
                    to=[],
                    committee=people.secas,
                    headline=(
                        f"{case.reference} ({case.organisation.name}) has waited {running} working "
                        "days for a decision, not counting time spent on questions (service "
                        f"level: {settings.SSC_DECISION_WORKING_DAYS} working days).{deferred}"
                    ),
                    action="Put it before the next SSC meeting, or record why it waits.",
                    url=case_url(case),
                    organisation=case.organisation,
                    notification=case,
                )
            )
    return found


def weekly_digest(today: date, people: Recipients, found: list[Due]) -> list[Due]:
    """Once a week (the first run from Monday on): everything outstanding, for SECAS."""
    week = today - timedelta(days=today.weekday())
    undecided = Notification.objects.undecided().count()
    awaiting_triage = Notification.objects.awaiting_triage().count()
    open_questions = InformationRequest.objects.waiting().count()
    open_assessments = Assessment.objects.open()
    overdue = Assessment.objects.overdue(today).count()
    late = Notification.objects.undecided().late().count()
    employed_early = UserSystem.objects.exclude(employed_early="").count()
    overdue_steps = RemediationStep.objects.overdue(today).count()
    follow_ups = open_assessments.filter(reason=AssessmentReason.FOLLOW_UP).count()
    written = WrittenProcedure.objects.filter(state=WrittenProcedure.State.OPEN).count()
    alert = chair_alert(people.offices)
    return [
        Due(
            kind=Reminder.Kind.WEEKLY_DIGEST,
            target="secas",
            milestone=week,
            step=0,
            to=[],
            committee=people.secas,
            headline=f"Everything outstanding in the week of {long_date(week)}.",
            lines=[
                f"Notifications awaiting a decision: {undecided} "
                f"({awaiting_triage} awaiting triage, {late} notified late).",
                f"Questions waiting for the User's answer: {open_questions}.",
                f"Written procedures open (decisions by correspondence): {written}.",
                f"Open assessments: {open_assessments.count()} ({overdue} overdue).",
                f"Follow-up assessments open after Deferred or Rejected: {follow_ups}.",
                f"User Systems employed before notice or before the SSC's decision: "
                f"{employed_early}.",
                f"Remediation steps overdue (still with the User): {overdue_steps}.",
                f"Reminders due in today's run: {len(found)}.",
                *(
                    [f"{alert.digest_line} The chair page: {portal_link('secas:chair')}"]
                    if alert
                    else []
                ),
            ],
            action="Open the SECAS dashboard for the detail and the CSV exports.",
            url=portal_link("secas:dashboard"),
        )
    ]


def open_missing_annual_reviews() -> int:
    """Every active organisation with an annual assurance record gets its next annual review,
    so one recorded only through its history (say, onboarded in the admin) is reminded too."""
    annual_record = AssuranceRecord.objects.annual().filter(organisation=OuterRef("pk"))
    open_review = Assessment.objects.annual_reviews().open().filter(organisation=OuterRef("pk"))
    missing = Organisation.objects.filter(is_active=True).filter(Exists(annual_record))
    missing = missing.exclude(Exists(open_review))
    opened = 0
    for organisation in missing:
        next_annual_review(organisation)
        opened += 1
    return opened


def find_due(today: date) -> list[Due]:
    people = Recipients()
    found = [
        *annual_reviews(today, people),
        *go_lives(today, people),
        *information_requests(today, people),
        *assessments_due(today, people),
        *assessment_responses(today, people),
        *remediation_steps(today, people),
        *written_procedure_replies(today, people),
        *late_cases(today, people),
        *recommendations_due(today, people),
    ]
    return found + weekly_digest(today, people, found)


def send_reminders(*, today: date | None = None) -> dict[str, int]:
    """Record and email every reminder due today or earlier that has not been sent."""
    from sscportal.mail.tasks import sweep_outbox

    today = today or timezone.localdate()
    run_id = uuid.uuid4()
    with transaction.atomic():
        open_missing_annual_reviews()
    # Each settles in its own transaction: a procedure settled already is left alone, and one
    # that fails is logged without holding up the reminders.
    close_expired_written_procedures(today)
    found = [due for due in find_due(today) if due.to or due.committee]
    with transaction.atomic():
        insert_rows(
            Reminder,
            [
                {
                    "kind": due.kind,
                    "target": due.target,
                    "milestone": due.milestone,
                    "step": due.step,
                    "organisation_id": due.organisation_id,
                    "notification_id": due.notification_id,
                    "recipients": [*due.to, *due.committee],
                    "run_id": run_id,
                }
                for due in found
            ],
            ignore_conflicts=True,
        )
        claimed = set(
            Reminder.objects.filter(run_id=run_id).values_list(
                "kind", "target", "milestone", "step"
            )
        )
        # One email per audience: the User and the committee never see each other's addresses,
        # and each is sent to its own page.
        # Rendered when delivered, not here: the run only records what each email will say.
        emails = [
            DeferredEmail(
                deferred_email_values(
                    kind=f"reminder_{due.kind}",
                    to=audience,
                    template="reminder",
                    context={"due": due.message(), "url": url},
                    summary=due.headline,
                ),
                due.notification_id,
                due.organisation_id,
            )
            for due in found
            if due.key in claimed
            for audience, url in (
                (due.to, due.url),
                (due.committee, due.committee_url or due.url),
            )
            if audience
        ]
        save_deferred_emails(emails)

        # One sweep delivers the batch after commit; robust, so a broker outage only delays it.
        def enqueue_sweep():
            sweep_outbox.delay()

        transaction.on_commit(enqueue_sweep, robust=True)
    sent = len(claimed)
    return {
        "due": len(found),
        "sent": sent,
        "already_sent": len(found) - sent,
        "emails": len(emails),
    }
