"""The SSC's work: meetings, decisions, assessments, assurance history and the cycle matrix."""

from dataclasses import dataclass
from datetime import date
from typing import cast

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from simple_history.models import HistoricalRecords

from notifications.models import (
    AT_RISK_ASSURANCE,
    AssuranceStatus,
    Notification,
    StoredFile,
    TLPMarking,
    UserSystem,
)
from notifications.workdays import add_working_days, local_date
from sscportal.fields import PlainCharField, PlainTextField
from users.models import Organisation, PartyCategory, PartySize
from users.policy import allows, fsm_permission


def annual_review_due_date(fieldwork_end_date: date) -> date:
    """Each assessment is due within 12 months of the end of the previous one's fieldwork."""
    # relativedelta clamps 29 February to 28 February rather than overflowing into March.
    return fieldwork_end_date + relativedelta(months=12)


class AssessmentKind(models.TextChoices):
    FUSA = "fusa", "Full User Security Assessment (FUSA)"
    VUSA = "vusa", "Verification User Security Assessment (VUSA)"
    USSA = "ussa", "User Security Self-Assessment (USSA)"


# Shown for the G8.13 assessments recorded before the type was asked: they had none.
TYPE_NOT_RECORDED = "Assessment (type not recorded)"


def kind_label(kind: str) -> str:
    """An assessment type as people read it, wherever a type is shown (pages, emails, CSV)."""
    return AssessmentKind(kind).label if kind else TYPE_NOT_RECORDED


class AssessmentReason(models.TextChoices):
    """Why an assessment is held; the type (AssessmentKind) says what kind it is."""

    ANNUAL_REVIEW = "annual_review", "Annual review"
    G8_13 = "g8_13", "Ad-hoc assessment required under G8.13"
    FOLLOW_UP = "follow_up", "Follow-up assessment"


CYCLE_YEARS = [(1, "Year 1"), (2, "Year 2"), (3, "Year 3")]


class AssessmentCycleRule(models.Model):
    """Which assessment a party category of a size gets in each year of the three-year cycle."""

    party_category = models.CharField(max_length=30, choices=PartyCategory.choices)
    cycle_year = models.PositiveSmallIntegerField(choices=CYCLE_YEARS)
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    notes = PlainCharField(max_length=255, blank=True)
    size = models.CharField(
        max_length=10,
        choices=PartySize.choices,
        help_text="Small: at most SMALL_PARTY_MAX_SMART_METERING_SYSTEMS Smart Metering Systems.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["party_category", "size", "cycle_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["party_category", "size", "cycle_year"],
                name="cycle_rule_one_per_category_size_and_year",
            )
        ]

    def __str__(self):
        category = self.get_party_category_display()
        return f"{category} ({self.size}), year {self.cycle_year}: " + (self.get_kind_display())


class TriageSettings(models.Model):
    """The thresholds the triage rules use, kept by SECAS: one row (pk 1), changed in the admin."""

    srp_assessment_recent_months = models.PositiveSmallIntegerField(
        "SRP assessment counts as recent for (months)",
        default=12,
        validators=[MinValueValidator(1)],
        help_text="An SRP assessed less than this many months ago counts as recent.",
    )
    annual_review_soon_days = models.PositiveSmallIntegerField(
        "annual review counts as soon within (days)",
        default=90,
        help_text="An annual review due within this many days counts as soon.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "triage settings"
        verbose_name_plural = "triage settings"

    def __str__(self):
        return (
            f"SRP assessment recent: {self.srp_assessment_recent_months} months; "
            f"annual review soon: {self.annual_review_soon_days} days"
        )

    @classmethod
    def current(cls) -> "TriageSettings":
        # The migration makes the row; without it (a bare test database) the defaults apply.
        return cls.objects.filter(pk=1).first() or cls(pk=1)


def default_quorum() -> int:
    return max(settings.SSC_MEETING_QUORUM, 1)


@dataclass(frozen=True)
class Quorum:
    voting: int
    needed: int

    @property
    def is_quorate(self) -> bool:
        return self.voting >= self.needed


class SSCMeeting(models.Model):
    """A meeting of the Security Sub-Committee, where decisions are taken."""

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", "Ordinary meeting"
        EXTRAORDINARY = "extraordinary", "Extraordinary meeting"
        WRITTEN = "written", "Decision by correspondence"

    date = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ORDINARY)
    title = PlainCharField(max_length=200, blank=True)
    location = PlainCharField(max_length=200, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="ssc_meetings_attended"
    )
    quorum = models.PositiveSmallIntegerField(
        default=default_quorum,
        validators=[MinValueValidator(1, "A quorum is at least one member.")],
        help_text="SSC members without a conflict on a case needed to decide it.",
    )
    notes = PlainTextField(max_length=5000, blank=True)

    history = HistoricalRecords(m2m_fields=["attendees"])

    class Meta:
        ordering = ["-date"]
        verbose_name = "SSC meeting"
        constraints = [
            models.CheckConstraint(condition=Q(quorum__gte=1), name="meeting_quorum_at_least_one")
        ]

    def __str__(self):
        return self.title or f"SSC {self.get_kind_display()}, {self.date:%d/%m/%Y}"

    def voting_attendees(self, organisation: Organisation | None = None) -> list:
        """Who counts towards the quorum: SSC members, and on a case, those without a conflict."""
        return [
            person
            for person in self.attendees.all()
            if allows(person, "assessments.count_towards_quorum", organisation)
        ]

    def quorum_for(self, organisation: Organisation | None = None) -> "Quorum":
        return Quorum(voting=len(self.voting_attendees(organisation)), needed=self.quorum)

    @property
    def is_quorate(self) -> bool:
        return self.quorum_for().is_quorate


class AgendaItemQuerySet(models.QuerySet):
    def to_decide(self):
        """Items still before their meeting: those deferred to a later one are only a record."""
        return self.filter(deferral__isnull=True)


class AgendaItem(models.Model):
    """A notification put before a meeting at triage."""

    meeting = models.ForeignKey(SSCMeeting, models.PROTECT, related_name="agenda_items")
    notification = models.ForeignKey(Notification, models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    added_at = models.DateTimeField(default=timezone.now)
    # Set when the committee put the case off to a later meeting: the item stays as the record.
    deferral = models.OneToOneField(
        "Deferral", models.PROTECT, null=True, blank=True, related_name="agenda_item"
    )

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["meeting__date", "position", "added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "notification"], name="agenda_item_once_per_meeting"
            )
        ]

    def __str__(self):
        return f"{self.notification.reference} at {self.meeting}"


class Decision(models.Model):
    """The SSC's decision on a notification, with its rationale and the meeting that took it."""

    class Outcome(models.TextChoices):
        NO_ASSESSMENT = "no_assessment", "No assessment needed until the next annual review"
        ASSESSMENT_REQUIRED = "assessment_required", "Assessment required under G8.13"

    class Route(models.TextChoices):
        MEETING = "meeting", "Decided at a meeting"
        CHAIRS_ACTION = "chairs_action", "Chair's action"
        WRITTEN_PROCEDURE = "written_procedure", "Written procedure"

    # One decision per notification, enforced by the database as well as the state machine.
    notification = models.OneToOneField(Notification, models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    rationale = PlainTextField(max_length=5000)
    meeting = models.ForeignKey(SSCMeeting, models.PROTECT, related_name="decisions")
    # How the committee took it; a chair's action is recorded against the meeting that notes it.
    route = models.CharField(max_length=20, choices=Route.choices, default=Route.MEETING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="decisions_taken"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    # The SSC members present at the meeting without a conflict on this case (the quorum).
    members_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="decisions_present_at"
    )
    dissent = PlainTextField("dissent (if any)", max_length=5000, blank=True)
    # SECAS, when it recorded the committee's decision from the minutes; empty otherwise.
    minuted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions_minuted",
    )

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="decision_has_rationale")
        ]
        # SECAS's decisions per month read the last twelve months, and today's.
        indexes = [models.Index(fields=["decided_at"], name="decision_decided_at")]

    def __str__(self):
        return f"{self.notification.reference}: {self.get_outcome_display()}"

    @property
    def is_chairs_action(self) -> bool:
        return self.route == self.Route.CHAIRS_ACTION

    @property
    def how_decided(self) -> str:
        """How the committee decided, after "The Security Sub-Committee decided": the route and
        its date, never the name of a member but the chair acting alone."""
        meeting_date = f"{self.meeting.date:%d/%m/%Y}"
        if self.route == self.Route.CHAIRS_ACTION:
            taken = f"{timezone.localtime(self.decided_at):%d/%m/%Y}"
            reported = "to be reported" if self.meeting.date > timezone.localdate() else "reported"
            return (
                f"by chair's action on {taken}, taken by {self.decided_by} as acting chair, "
                f"{reported} to its meeting of {meeting_date}"
            )
        if self.meeting.kind == SSCMeeting.Kind.WRITTEN and self.route == self.Route.MEETING:
            # Recorded by correspondence before the written procedure existed.
            return f"by correspondence on {meeting_date}"
        if self.route == self.Route.WRITTEN_PROCEDURE:
            # The written procedure's decisions stand against a meeting dated the close day.
            return (
                f"by written procedure (a decision by correspondence) concluded on {meeting_date}"
            )
        return f"at its meeting of {meeting_date}"

    @property
    def committee_sentence(self) -> str:
        return f"The Security Sub-Committee decided {self.how_decided}"

    @property
    def is_by_written_procedure(self) -> bool:
        return self.route == self.Route.WRITTEN_PROCEDURE

    @property
    def appeal_closes_on(self) -> date:
        """The last day the User may appeal this decision."""
        return appeal_closes_on(self.decided_at)

    @property
    def is_open_to_appeal(self) -> bool:
        return timezone.localdate() <= self.appeal_closes_on


class Deferral(models.Model):
    """The committee put a case off from one meeting's agenda to a later meeting, with why."""

    notification = models.ForeignKey(Notification, models.PROTECT, related_name="deferrals")
    from_meeting = models.ForeignKey(SSCMeeting, models.PROTECT, related_name="deferrals_from")
    to_meeting = models.ForeignKey(SSCMeeting, models.PROTECT, related_name="deferrals_to")
    # The committee's own reasons: shown to the committee and SECAS, never to the User.
    reason = PlainTextField(max_length=2000)
    deferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="deferrals_recorded"
    )
    deferred_at = models.DateTimeField(default=timezone.now)
    # The later meeting fell after the planned go-live as it stood: the User was told by email.
    is_after_go_live = models.BooleanField(default=False)

    class Meta:
        ordering = ["deferred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "from_meeting"], name="deferral_once_per_meeting"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="deferral_has_reason"),
            models.CheckConstraint(
                condition=~Q(from_meeting=models.F("to_meeting")),
                name="deferral_to_another_meeting",
            ),
        ]

    def __str__(self):
        return (
            f"{self.notification.reference} deferred from {self.from_meeting.date:%d/%m/%Y} "
            f"to {self.to_meeting.date:%d/%m/%Y}"
        )


class WrittenProcedure(models.Model):
    """A decision by correspondence: SECAS puts a proposed outcome to the members without a
    conflict; it carries only when the replies reach the quorum and a majority of them agree."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CARRIED = "carried", "Carried"
        NOT_CARRIED = "not_carried", "Not carried"
        WITHDRAWN = "withdrawn", "Withdrawn"

    notification = models.ForeignKey(
        Notification, models.PROTECT, related_name="written_procedures"
    )
    outcome = models.CharField("proposed outcome", max_length=30, choices=Decision.Outcome.choices)
    rationale = PlainTextField(max_length=5000)
    assessment_kind = models.CharField(
        "assessment type", max_length=10, choices=AssessmentKind.choices, blank=True
    )
    assessment_scope = PlainTextField(max_length=2000, blank=True)
    assessment_due_date = models.DateField(null=True, blank=True)
    assessment_counts_as_annual_review = models.BooleanField(default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="written_procedures_opened"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closes_on = models.DateField(help_text="Replies are taken until the end of this day.")
    quorum = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="The quorum when it was opened."
    )
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.OPEN, db_index=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="written_procedures_closed",
        help_text="Who withdrew it; empty when it closed by itself.",
    )
    close_reason = PlainTextField(max_length=2000, blank=True)
    decision = models.OneToOneField(
        Decision,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="written_procedure",
        help_text="The decision it carried.",
    )
    next_meeting = models.ForeignKey(
        SSCMeeting,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="written_procedures_not_carried",
        help_text="The meeting the case went to when it did not carry.",
    )

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # At most one open per case: two would ask the committee the same question twice.
            models.UniqueConstraint(
                fields=["notification"],
                condition=Q(state="open"),
                name="written_procedure_one_open_per_notification",
            ),
            models.CheckConstraint(
                condition=~Q(rationale=""), name="written_procedure_has_rationale"
            ),
            models.CheckConstraint(
                condition=Q(quorum__gte=1), name="written_procedure_quorum_at_least_one"
            ),
        ]

    def __str__(self):
        return f"Written procedure on {self.notification.reference} ({self.get_state_display()})"

    @property
    def organisation(self) -> Organisation:
        return self.notification.organisation

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class WrittenProcedureReply(models.Model):
    """One member's answer to a written procedure, given once."""

    class Answer(models.TextChoices):
        AGREE = "agree", "Agree"
        DISAGREE = "disagree", "Disagree"
        ABSTAIN = "abstain", "Abstain"

    procedure = models.ForeignKey(WrittenProcedure, models.PROTECT, related_name="replies")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="written_procedure_replies"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices)
    comment = PlainTextField(max_length=2000, blank=True)
    replied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["replied_at"]
        verbose_name_plural = "written procedure replies"
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "member"], name="written_procedure_reply_once_per_member"
            )
        ]

    def __str__(self):
        return f"{self.member}: {self.get_answer_display()}"


class AssessmentState(models.TextChoices):
    REQUIRED = "required", "Required"
    SCHEDULED = "scheduled", "Scheduled (CIO booked)"
    SELF_ASSESSMENT_SUBMITTED = "self_assessment_submitted", "Self-assessment submitted"
    CIO_REVIEW_RECORDED = "cio_review_recorded", "CIO review recorded"
    FIELDWORK = "fieldwork", "Fieldwork"
    REPORT_RECEIVED = "report_received", "Report received"
    RESPONSE_RECEIVED = "response_received", "Response received"
    OUTCOME_PROPOSED = "outcome_proposed", "Outcome proposed"
    COMPLETED = "completed", "Completed"


A = AssessmentState


def state_awaits_the_committee(state: str) -> bool:
    """SECAS has proposed an outcome: the SSC (or the Panel) decides it next."""
    return state == A.OUTCOME_PROPOSED


# An assessment is open until it is completed: every "open" below says this, and nothing else.
OPEN_ASSESSMENT_STATES = tuple(state for state in A if state != A.COMPLETED)


class AssessmentQuerySet(models.QuerySet):
    """The domain's words for sets of assessments, each defined once."""

    def open(self) -> "AssessmentQuerySet":
        # Written as "not completed", the condition of the partial indexes that serve it.
        return self.exclude(state=A.COMPLETED)

    def completed(self) -> "AssessmentQuerySet":
        return self.filter(state=A.COMPLETED)

    def overdue(self, today: date) -> "AssessmentQuerySet":
        return self.open().filter(due_date__lt=today)

    def annual_reviews(self) -> "AssessmentQuerySet":
        """The three-year cycle's assessments; the others are ad-hoc (G8.13) or follow-ups."""
        return self.filter(reason=AssessmentReason.ANNUAL_REVIEW)


def is_self_assessed(assessment: "Assessment") -> bool:
    return assessment.kind == AssessmentKind.USSA


def is_assessed_by_the_cio(assessment: "Assessment") -> bool:
    return assessment.kind != AssessmentKind.USSA


class Assessment(ConcurrentTransitionMixin, models.Model):
    """A User Security Assessment SECAS tracks from booking to the SSC's assurance outcome."""

    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="assessments")
    kind = models.CharField(
        "type",
        max_length=10,
        choices=AssessmentKind.choices,
        blank=True,
        help_text="Empty only for G8.13 assessments recorded before the type was asked.",
    )
    reason = models.CharField(
        max_length=20, choices=AssessmentReason.choices, default=AssessmentReason.ANNUAL_REVIEW
    )
    counts_as_annual_review = models.BooleanField(
        default=True,
        help_text="Whether completing it restarts the 12-month annual-review clock.",
    )
    notification = models.OneToOneField(
        Notification,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assessment",
        help_text="The notification whose G8.13 decision required this assessment.",
    )
    follows = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        help_text="For a follow-up: the assessment whose Deferred or Rejected outcome opened it.",
    )
    cycle_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=CYCLE_YEARS,
        help_text="For annual reviews: the year of the three-year cycle. Empty for the others.",
    )
    systems_in_scope = models.ManyToManyField(UserSystem, blank=True, related_name="assessments")
    scope = PlainTextField(max_length=2000, blank=True)
    due_date = models.DateField()
    state = FSMField(
        default=A.REQUIRED, choices=A.choices, protected=True, db_index=True, max_length=30
    )
    cio_name = PlainCharField("User CIO", max_length=200, blank=True)
    self_assessment_submitted_at = models.DateTimeField(null=True, blank=True)
    self_assessment_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="self_assessments_submitted",
    )
    self_assessment_notes = PlainTextField(
        "notes for the CIO", max_length=5000, blank=True, help_text="From the User, with its files."
    )
    fieldwork_start_date = models.DateField(null=True, blank=True)
    fieldwork_end_date = models.DateField(null=True, blank=True)
    report_received_date = models.DateField(null=True, blank=True)
    response_due_date = models.DateField(null=True, blank=True)
    response_received_date = models.DateField(null=True, blank=True)
    response_notes = PlainTextField(
        "notes with the response",
        max_length=5000,
        blank=True,
        help_text="From the User, with its response.",
    )
    assurance_status = models.CharField(max_length=40, choices=AssuranceStatus.choices, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_date"]
        permissions = [("manage_assessment", "Can book, track and complete assessments")]
        # SECAS's lists of open assessments and annual reviews, earliest due first, and an
        # organisation's open assessments (the oldest overdue puts it at risk).
        indexes = [
            models.Index(
                fields=["due_date", "id"],
                condition=~Q(state=A.COMPLETED),
                name="assessment_open_by_due_date",
            ),
            models.Index(
                fields=["organisation", "due_date"],
                condition=~Q(state=A.COMPLETED),
                name="assessment_open_by_org",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(fieldwork_end_date__isnull=True)
                | Q(fieldwork_start_date__isnull=True)
                | Q(fieldwork_end_date__gte=models.F("fieldwork_start_date")),
                name="assessment_fieldwork_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(state=A.COMPLETED) | ~Q(assurance_status=""),
                name="assessment_completed_has_assurance_status",
            ),
            # An annual review is the annual review; a case's assessment is never one.
            models.CheckConstraint(
                condition=~Q(reason=AssessmentReason.ANNUAL_REVIEW)
                | Q(counts_as_annual_review=True, notification__isnull=True),
                name="assessment_annual_review_counts",
            ),
            # Only the G8.13 assessments recorded before types were asked have none.
            models.CheckConstraint(
                condition=~Q(kind="") | Q(reason=AssessmentReason.G8_13),
                name="assessment_type_recorded",
            ),
            # Only a follow-up follows another assessment.
            models.CheckConstraint(
                condition=Q(follows__isnull=True) | Q(reason=AssessmentReason.FOLLOW_UP),
                name="assessment_follows_only_as_follow_up",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.organisation} (due {self.due_date:%d/%m/%Y})"

    def get_kind_display(self) -> str:
        return kind_label(self.kind)

    @property
    def is_self_assessment(self) -> bool:
        return self.kind == AssessmentKind.USSA

    @property
    def awaits_self_assessment(self) -> bool:
        """A USSA the User has not yet submitted: the next step is the User's, not SECAS's."""
        return self.is_self_assessment and self.state == A.REQUIRED

    @property
    def awaits_response(self) -> bool:
        """The report (for a USSA, the CIO's review) is in: the User's response is next."""
        return self.state in (A.REPORT_RECEIVED, A.CIO_REVIEW_RECORDED)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ASSESSMENT_STATES

    @property
    def is_completed(self) -> bool:
        return not self.is_open

    @property
    def is_annual_review(self) -> bool:
        return self.reason == AssessmentReason.ANNUAL_REVIEW

    def is_overdue_on(self, today: date) -> bool:
        return self.is_open and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=A.REQUIRED,
        target=A.SCHEDULED,
        conditions=[is_assessed_by_the_cio],
        permission=fsm_permission("assessments.record_assessment_steps"),
        custom={"label": "Schedule (CIO booked)"},
    )
    def schedule(
        self, *, cio_name, fieldwork_start_date, fieldwork_end_date, by=None, description=None
    ):
        self.cio_name = cio_name
        self.fieldwork_start_date = fieldwork_start_date
        self.fieldwork_end_date = fieldwork_end_date

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=A.SCHEDULED,
        target=A.FIELDWORK,
        permission=fsm_permission("assessments.record_assessment_steps"),
        custom={"label": "Start fieldwork"},
    )
    def start_fieldwork(self, *, started_on, by=None, description=None):
        self.fieldwork_start_date = started_on

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=A.FIELDWORK,
        target=A.REPORT_RECEIVED,
        permission=fsm_permission("assessments.record_assessment_steps"),
        custom={"label": "Record the report as received"},
    )
    def receive_report(
        self, *, received_on, fieldwork_ended_on, response_due_date, by=None, description=None
    ):
        self.report_received_date = received_on
        self.fieldwork_end_date = fieldwork_ended_on
        self.response_due_date = response_due_date

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=A.REQUIRED,
        target=A.SELF_ASSESSMENT_SUBMITTED,
        conditions=[is_self_assessed],
        permission=fsm_permission("assessments.submit_self_assessment"),
        custom={"label": "Submit the self-assessment"},
    )
    def submit_self_assessment(self, *, notes, by=None, description=None):
        self.self_assessment_notes = notes
        self.self_assessment_submitted_at = timezone.now()
        self.self_assessment_submitted_by = by

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=A.SELF_ASSESSMENT_SUBMITTED,
        target=A.CIO_REVIEW_RECORDED,
        conditions=[is_self_assessed],
        permission=fsm_permission("assessments.record_assessment_steps"),
        custom={"label": "Record the CIO's review"},
    )
    def record_cio_review(
        self, *, cio_name, reviewed_on, response_due_date, by=None, description=None
    ):
        self.cio_name = cio_name
        # No CIO fieldwork in a self-assessment: its review ends the assessment work (assumed).
        self.fieldwork_end_date = reviewed_on
        self.report_received_date = reviewed_on
        self.response_due_date = response_due_date

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[A.REPORT_RECEIVED, A.CIO_REVIEW_RECORDED],
        target=A.RESPONSE_RECEIVED,
        # SECAS records a response received outside the portal; the User uploads its own.
        permission=fsm_permission("assessments.receive_response"),
        custom={"label": "Record the User's response as received"},
    )
    def receive_response(self, *, received_on, by=None, description=None):
        self.response_received_date = received_on

    @property
    def awaits_the_committee(self) -> bool:
        """SECAS has proposed an outcome: the SSC (or the Panel) decides it next."""
        return state_awaits_the_committee(self.state)

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=A.RESPONSE_RECEIVED,
        target=A.OUTCOME_PROPOSED,
        permission=fsm_permission("assessments.propose_outcome"),
        custom={"label": "Propose the outcome to the SSC"},
    )
    def propose_outcome(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=A.OUTCOME_PROPOSED,
        target=A.OUTCOME_PROPOSED,
        permission=fsm_permission("assessments.propose_outcome"),
        custom={"label": "Replace the proposed outcome", "admin": False},
    )
    def replace_proposal(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=A.OUTCOME_PROPOSED,
        target=A.RESPONSE_RECEIVED,
        permission=fsm_permission("assessments.propose_outcome"),
        custom={"label": "Withdraw the proposed outcome"},
    )
    def withdraw_proposal(self, *, by=None, description=None):
        pass

    # Only through a decision (services.decide_assessment_outcome), never a button of its own.
    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=A.OUTCOME_PROPOSED,
        target=A.COMPLETED,
        permission=fsm_permission("assessments.record_outcome"),
        custom={"label": "Record the decided outcome", "admin": False},
    )
    def complete(self, *, assurance_status, by=None, description=None):
        self.assurance_status = assurance_status
        self.completed_at = timezone.now()


class AnnualReviewFlagChange(models.Model):
    """SECAS changed whether an assessment counts as the annual review, and said why."""

    assessment = models.ForeignKey(Assessment, models.PROTECT, related_name="flag_changes")
    counts_as_annual_review = models.BooleanField(help_text="The value it was changed to.")
    reason = PlainTextField(max_length=2000)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="annual_review_flag_changes"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="flag_change_has_reason")
        ]

    def __str__(self):
        says = "counts" if self.counts_as_annual_review else "does not count"
        return f"{self.assessment}: {says} as the annual review"


class OutcomeProposalQuerySet(models.QuerySet):
    def standing(self) -> "OutcomeProposalQuerySet":
        """Not withdrawn: the proposal before the committee, or the one it decided."""
        return self.filter(withdrawn_at__isnull=True)


class OutcomeProposal(models.Model):
    """The assurance status SECAS proposes to the SSC after the User's response, with its
    reasons. Withdrawn or replaced ones stay on the record; at most one stands at a time."""

    assessment = models.ForeignKey(Assessment, models.PROTECT, related_name="outcome_proposals")
    status = models.CharField("proposed status", max_length=40, choices=AssuranceStatus.choices)
    rationale = PlainTextField(max_length=5000)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="outcome_proposals"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="outcome_proposals_withdrawn",
    )
    withdrawal_reason = PlainTextField(max_length=2000, blank=True)

    objects = OutcomeProposalQuerySet.as_manager()

    class Meta:
        ordering = ["proposed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="outcome_proposal_has_reason"),
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(withdrawn_at__isnull=True),
                name="outcome_proposal_one_standing",
            ),
        ]
        # The committee's queue of outcomes awaiting a decision, oldest proposal first.
        indexes = [
            models.Index(
                fields=["proposed_at"],
                condition=Q(withdrawn_at__isnull=True),
                name="outcome_proposal_standing",
            )
        ]

    def __str__(self):
        return f"{self.assessment}: proposed {self.get_status_display()}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class AssessmentDecision(models.Model):
    """The assurance status set for an assessment: by the SSC at a meeting, or by the Panel
    after an initial FUSA (recorded by SECAS with the Panel meeting's date); with its reasons
    and, for the record, what SECAS had proposed."""

    # One decision per assessment, enforced by the database as well as the state machine.
    assessment = models.OneToOneField(Assessment, models.PROTECT, related_name="decision")
    status = models.CharField("assurance status", max_length=40, choices=AssuranceStatus.choices)
    rationale = PlainTextField(max_length=5000)
    meeting = models.ForeignKey(
        SSCMeeting,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assessment_decisions",
        help_text="The SSC meeting that decided; empty when the Panel did.",
    )
    panel_meeting_date = models.DateField(
        null=True, blank=True, help_text="When the Panel decided, after an initial FUSA."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="assessment_decisions_taken"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    proposal = models.OneToOneField(
        OutcomeProposal, models.PROTECT, related_name="decision", null=True, blank=True
    )
    proposed_status = models.CharField(max_length=40, choices=AssuranceStatus.choices)
    proposal_rationale = PlainTextField(max_length=5000)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(rationale=""), name="assessment_decision_has_rationale"
            ),
            # At an SSC meeting, or by the Panel on a date: one or the other, never both.
            models.CheckConstraint(
                condition=Q(meeting__isnull=False, panel_meeting_date__isnull=True)
                | Q(meeting__isnull=True, panel_meeting_date__isnull=False),
                name="assessment_decision_meeting_or_panel",
            ),
        ]

    def __str__(self):
        return f"{self.assessment}: {self.get_status_display()}"

    @property
    def organisation(self):
        return self.assessment.organisation

    @property
    def is_panel_decision(self) -> bool:
        return self.panel_meeting_date is not None

    @property
    def decided_on(self) -> date:
        """The day the status was set: the meeting's, or the Panel's."""
        if self.meeting is not None:
            return self.meeting.date
        return cast(date, self.panel_meeting_date)

    @property
    def differs_from_proposal(self) -> bool:
        return self.status != self.proposed_status

    @property
    def appeal_closes_on(self) -> date:
        """The last day the User may appeal this decision."""
        return appeal_closes_on(self.decided_at)

    @property
    def is_open_to_appeal(self) -> bool:
        return timezone.localdate() <= self.appeal_closes_on


class DocumentKind(models.TextChoices):
    """What an assessment's document is: the User's self-assessment, the report (the CIO's report,
    or for a USSA the CIO's review), or the User's response to it."""

    SELF_ASSESSMENT = "self_assessment", "Self-assessment"
    REPORT = "report", "Assessment report"
    RESPONSE = "response", "User's response"


class AssessmentDocument(StoredFile):
    """A document of an assessment, checked like notification files: the User's self-assessment,
    the assessment report (G8.22) or the User's response (G8.24)."""

    assessment = models.ForeignKey(Assessment, models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="assessment_documents_uploaded"
    )

    class Meta(StoredFile.Meta):
        ordering = ["uploaded_at", "pk"]


class AssessmentDocumentDownload(models.Model):
    """Who downloaded which assessment document, and when."""

    document = models.ForeignKey(AssessmentDocument, models.PROTECT, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="assessment_document_downloads"
    )
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self):
        when = timezone.localtime(self.downloaded_at)
        return f"{self.document} by {self.user} at {when:%d/%m/%Y %H:%M}"


class AssuranceRecordQuerySet(models.QuerySet):
    def annual(self) -> "AssuranceRecordQuerySet":
        """Records that count as the annual review: only they restart the 12-month clock and
        move the cycle on. An ad-hoc one does so only when the SSC decided it counts."""
        return self.filter(counts_as_annual_review=True)


class AssuranceRecord(models.Model):
    """One entry in an organisation's assurance history (append-only)."""

    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="assurance_records")
    status = models.CharField(max_length=40, choices=AssuranceStatus.choices)
    kind = models.CharField(
        "type",
        max_length=10,
        choices=AssessmentKind.choices,
        blank=True,
        help_text="Empty only for G8.13 assessments recorded before the type was asked.",
    )
    reason = models.CharField(
        max_length=20, choices=AssessmentReason.choices, default=AssessmentReason.ANNUAL_REVIEW
    )
    counts_as_annual_review = models.BooleanField(
        default=True, help_text="Whether this record restarts the 12-month annual-review clock."
    )
    cycle_year = models.PositiveSmallIntegerField(choices=CYCLE_YEARS, default=1)
    fieldwork_end_date = models.DateField(
        help_text="The annual review is due 12 months after this date."
    )
    effective_date = models.DateField(help_text="When the SSC set this status.")
    assessment = models.OneToOneField(
        Assessment, models.PROTECT, null=True, blank=True, related_name="assurance_record"
    )
    systems = models.ManyToManyField(UserSystem, blank=True, related_name="assurance_records")
    notes = PlainTextField(max_length=5000, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AssuranceRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_date", "-recorded_at"]
        get_latest_by = ["effective_date", "recorded_at"]
        # The few Deferred and Rejected records SECAS's organisations-at-risk list starts from.
        indexes = [
            models.Index(
                fields=["status"],
                condition=Q(status__in=sorted(AT_RISK_ASSURANCE)),
                name="assurance_at_risk",
            )
        ]

    def __str__(self):
        return f"{self.organisation}: {self.get_status_display()} ({self.effective_date:%d/%m/%Y})"

    def get_kind_display(self) -> str:
        return kind_label(self.kind)

    @property
    def next_annual_review_date(self) -> date:
        return annual_review_due_date(self.fieldwork_end_date)


class LatestAssuranceManager(models.Manager):
    def refresh(self, system_ids=None) -> None:
        """Point each system (all when None) at its latest record: effective date, then when
        recorded, then the later row. One ordered pass over the links, not a subquery per system."""
        links = AssuranceRecord.systems.through.objects.order_by(
            "usersystem_id",
            "-assurancerecord__effective_date",
            "-assurancerecord__recorded_at",
            "-assurancerecord_id",
        ).values_list("usersystem_id", "assurancerecord_id", "assurancerecord__status")
        if system_ids is not None:
            links = links.filter(usersystem_id__in=system_ids)
        latest: dict[int, tuple[int, str]] = {}
        for system_id, record_id, status in links.iterator(chunk_size=10_000):
            latest.setdefault(system_id, (record_id, status))
        self.bulk_create(
            [
                self.model(user_system_id=pk, record_id=record_id, status=status)
                for pk, (record_id, status) in latest.items()
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["user_system"],
            update_fields=["record", "status"],
        )


class LatestAssurance(models.Model):
    """The assurance record in force for one User System, kept as records are added, so the
    at-risk set is read from the few Deferred and Rejected records, never the whole history."""

    user_system = models.OneToOneField(
        UserSystem, models.CASCADE, primary_key=True, related_name="latest_assurance"
    )
    record = models.ForeignKey(AssuranceRecord, models.PROTECT, related_name="latest_for")
    # The record's status, copied (records are never changed), so the at-risk systems are read
    # from a small partial index instead of joining every system's record.
    status = models.CharField(max_length=40, choices=AssuranceStatus.choices)

    objects = LatestAssuranceManager()

    class Meta:
        indexes = [
            models.Index(
                fields=["user_system"],
                condition=Q(status__in=sorted(AT_RISK_ASSURANCE)),
                name="latest_assurance_at_risk",
            )
        ]

    def __str__(self):
        return f"{self.user_system}: {self.record}"


class MeetingConflict(models.Model):
    """A conflict of interest an SSC member declared at a meeting (also recorded on the member)."""

    meeting = models.ForeignKey(SSCMeeting, models.PROTECT, related_name="conflicts")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="meeting_conflicts"
    )
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="meeting_conflicts")
    note = PlainCharField(max_length=255, blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["declared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member", "organisation"],
                name="meeting_conflict_once_per_meeting",
            )
        ]

    def __str__(self):
        return f"{self.member} – {self.organisation} at {self.meeting}"


class Reminder(models.Model):
    """A reminder for one milestone. The unique constraint makes "one per milestone" a fact.

    A run inserts the reminders it finds due (ignoring those already recorded) and sends only
    the rows it inserted itself, so two schedulers running at once never queue the same one.
    """

    class Kind(models.TextChoices):
        ANNUAL_REVIEW = "annual_review", "Annual review coming: declare new User Systems"
        GO_LIVE = "go_live", "Go-live near and no decision yet"
        INFORMATION_DUE = "information_due", "Information response due soon"
        INFORMATION_OVERDUE = "information_overdue", "Information response overdue"
        ASSESSMENT_DUE = "assessment_due", "Assessment due soon"
        ASSESSMENT_OVERDUE = "assessment_overdue", "Assessment overdue"
        TRIAGE_LATE = "triage_late", "Triage late"
        DECISION_LATE = "decision_late", "Decision late"
        REMEDIATION_STEP_DUE = "remediation_step_due", "Remediation step due soon"
        REMEDIATION_STEP_OVERDUE = "remediation_step_overdue", "Remediation step overdue"
        WRITTEN_PROCEDURE_REPLY = "written_procedure_reply", "Written procedure: reply due"
        RECOMMENDATION_DUE = "recommendation_due", "Rapporteur's recommendation due"
        PANEL_REPORT = "panel_report", "Periodic report to the Panel"
        WEEKLY_DIGEST = "weekly_digest", "Weekly digest of everything outstanding"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    target = models.CharField(max_length=60, help_text='What it is about, e.g. "assessment:42".')
    milestone = models.DateField(help_text="The date it is about: a due date, a go-live, a week.")
    step = models.PositiveSmallIntegerField(
        default=0, help_text="Which reminder before the milestone: 90/30/7 days, 10/5 working days."
    )
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="reminders"
    )
    notification = models.ForeignKey(
        Notification, models.PROTECT, null=True, blank=True, related_name="reminders"
    )
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(default=timezone.now)
    run_id = models.UUIDField(db_index=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target", "milestone", "step"],
                name="reminder_once_per_milestone",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.target} ({self.milestone:%d/%m/%Y})"


# --- Remediation plans (Approved subject to steps) -------------------------------------------


class RemediationPlan(models.Model):
    """The steps the SSC set with "Approved subject to steps"; it closes when all are accepted."""

    assessment = models.OneToOneField(Assessment, models.PROTECT, related_name="remediation_plan")
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="remediation_plans")
    record = models.OneToOneField(
        AssuranceRecord,
        models.PROTECT,
        related_name="remediation_plan",
        help_text="The Approved subject to steps record the plan belongs to.",
    )
    closing_record = models.OneToOneField(
        AssuranceRecord,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_remediation_plan",
        help_text="The Approved record added when every step was accepted.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="remediation_plans_created"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Remediation plan – {self.organisation} ({self.created_at:%d/%m/%Y})"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class StepState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done, awaiting SECAS"
    SENT_BACK = "sent_back", "Sent back to the User"
    ACCEPTED = "accepted", "Accepted"


# With the User: not yet done, or sent back; these are the ones that can be overdue.
STEPS_WITH_THE_USER = (StepState.OPEN, StepState.SENT_BACK)


class RemediationStepQuerySet(models.QuerySet):
    def with_the_user(self) -> "RemediationStepQuerySet":
        return self.filter(state__in=STEPS_WITH_THE_USER)

    def overdue(self, today: date) -> "RemediationStepQuerySet":
        return self.with_the_user().filter(due_date__lt=today)


class RemediationStep(ConcurrentTransitionMixin, models.Model):
    """One step of a plan: the User does it, with evidence; SECAS accepts it or sends it back."""

    plan = models.ForeignKey(RemediationPlan, models.PROTECT, related_name="steps")
    position = models.PositiveSmallIntegerField(default=1)
    description = PlainTextField(max_length=2000)
    owner_name = PlainCharField("owner at the User", max_length=200)
    owner_email = models.EmailField("owner's email", max_length=254)
    due_date = models.DateField()
    state = FSMField(
        default=StepState.OPEN,
        choices=StepState.choices,
        protected=True,
        db_index=True,
        max_length=20,
    )
    done_note = PlainTextField("what was done", max_length=5000, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    sent_back_reason = PlainTextField(max_length=5000, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = RemediationStepQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position", "pk"]
        # The overdue steps SECAS's dashboard and the reminder run read: those with the User.
        indexes = [
            models.Index(
                fields=["due_date"],
                condition=Q(state__in=sorted(STEPS_WITH_THE_USER)),
                name="remediation_step_with_user",
            )
        ]

    def __str__(self):
        return f"Step {self.position} of {self.plan.organisation}'s remediation plan"

    @property
    def organisation(self):
        return self.plan.organisation

    @property
    def is_with_the_user(self) -> bool:
        return self.state in STEPS_WITH_THE_USER

    def is_overdue_on(self, today: date) -> bool:
        return self.is_with_the_user and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[StepState.OPEN, StepState.SENT_BACK],
        target=StepState.DONE,
        permission=fsm_permission("assessments.complete_remediation_step"),
        custom={"label": "Mark the step done"},
    )
    def mark_done(self, *, note, by=None, description=None):
        self.done_note = note
        self.done_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=StepState.DONE,
        target=StepState.ACCEPTED,
        permission=fsm_permission("assessments.review_remediation_step"),
        custom={"label": "Accept the step"},
    )
    def accept(self, *, by=None, description=None):
        self.accepted_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=StepState.DONE,
        target=StepState.SENT_BACK,
        permission=fsm_permission("assessments.review_remediation_step"),
        custom={"label": "Send the step back"},
    )
    def send_back(self, *, reason, by=None, description=None):
        self.sent_back_reason = reason


class StepEvidence(StoredFile):
    """A file showing a step was done, with the same checks and marking as case attachments."""

    step = models.ForeignKey(RemediationStep, models.PROTECT, related_name="evidence")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="step_evidence_uploaded"
    )

    class Meta(StoredFile.Meta):
        verbose_name_plural = "step evidence"


class StepEvidenceDownload(models.Model):
    """Who downloaded which piece of evidence, and when."""

    evidence = models.ForeignKey(StepEvidence, models.PROTECT, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="step_evidence_downloads"
    )
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self):
        when = timezone.localtime(self.downloaded_at)
        return f"{self.evidence} by {self.user} at {when:%d/%m/%Y %H:%M}"


# --- The rapporteur's recommendation and the meeting papers (issue 14) -------------------------


class Recommendation(models.Model):
    """The rapporteur's recommended outcome on a case, recorded before the meeting. A revision is
    a new row, so earlier versions are kept. The committee's alone: never shown to the User."""

    notification = models.ForeignKey(Notification, models.PROTECT, related_name="recommendations")
    outcome = models.CharField(max_length=30, choices=Decision.Outcome.choices)
    reasoning = PlainTextField(max_length=5000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="recommendations_recorded"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reasoning=""), name="recommendation_has_reasoning")
        ]
        indexes = [
            models.Index(fields=["notification", "-recorded_at"], name="recommendation_latest")
        ]

    def __str__(self):
        return f"{self.notification.reference}: recommends {self.get_outcome_display()}"


TLP_ORDER = [TLPMarking.CLEAR, TLPMarking.GREEN, TLPMarking.AMBER, TLPMarking.RED]


def highest_tlp(*markings: str) -> str:
    """The most restrictive of the markings (the papers are never below TLP:AMBER)."""
    return max([TLPMarking.AMBER, *markings], key=lambda marking: TLP_ORDER.index(marking))


class MeetingPapers(models.Model):
    """One issued version of a meeting's papers. Frozen: each case's paper is stored as it read
    when published, and a re-issue is a new version."""

    meeting = models.ForeignKey(SSCMeeting, models.PROTECT, related_name="papers_versions")
    version = models.PositiveSmallIntegerField()
    changes = PlainTextField(
        "what changed", max_length=2000, blank=True, help_text="Since the previous version."
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="papers_published"
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "-version"]
        verbose_name = "meeting papers"
        verbose_name_plural = "meeting papers"
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "version"], name="meeting_papers_version_once"
            )
        ]

    def __str__(self):
        return f"Papers for {self.meeting}, version {self.version}"


class MeetingPaper(models.Model):
    """One case's paper within a version: its number, marking and text as published."""

    papers = models.ForeignKey(MeetingPapers, models.PROTECT, related_name="case_papers")
    notification = models.ForeignKey(Notification, models.PROTECT, related_name="meeting_papers")
    number = models.PositiveSmallIntegerField()
    reference = PlainCharField(max_length=60, help_text='e.g. "SSC 09/12/2026 paper 3".')
    title = PlainCharField(max_length=400)
    tlp = models.CharField("TLP marking", max_length=10, choices=TLPMarking.choices)
    body_html = models.TextField(help_text="The paper as published, rendered and escaped.")

    class Meta:
        ordering = ["papers", "number"]
        constraints = [
            models.UniqueConstraint(fields=["papers", "number"], name="meeting_paper_number_once"),
            models.UniqueConstraint(
                fields=["papers", "notification"], name="meeting_paper_case_once"
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def tlp_label(self) -> str:
        return TLPMarking(self.tlp).label


class PapersDownload(models.Model):
    """Who downloaded which version of a meeting's papers (the pack, or one case's paper)."""

    papers = models.ForeignKey(MeetingPapers, models.PROTECT, related_name="downloads")
    paper = models.ForeignKey(
        MeetingPaper, models.PROTECT, null=True, blank=True, related_name="downloads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="papers_downloads"
    )
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at", "-pk"]

    def __str__(self):
        when = timezone.localtime(self.downloaded_at)
        what = self.paper or self.papers
        return f"{what} by {self.user} at {when:%d/%m/%Y %H:%M}"


# --- Reports to the SEC Panel ------------------------------------------------------------------


class PanelReport(models.Model):
    """A periodic report to the SEC Panel: statistics for a period, frozen when generated so the
    PDF and CSV read the same whenever they are downloaded. It names no User."""

    period_start = models.DateField()
    period_end = models.DateField(help_text="The last day of the period, included.")
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="panel_reports_generated",
        help_text="Empty when the schedule generated it.",
    )
    figures = models.JSONField(help_text="The statistics as computed when it was generated.")

    class Meta:
        ordering = ["-generated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="panel_report_period_ends_after_it_starts",
            ),
            # The schedule reports each period once, however many runs find it due.
            models.UniqueConstraint(
                fields=["period_start", "period_end"],
                condition=Q(generated_by__isnull=True),
                name="panel_report_scheduled_once_per_period",
            ),
        ]

    def __str__(self):
        return f"Report to the Panel, {self.period_start:%d/%m/%Y} to {self.period_end:%d/%m/%Y}"

    @property
    def is_scheduled(self) -> bool:
        return self.generated_by_id is None


# --- Issue 14 part 8: referral to the SEC Panel, and appeals -----------------------------------


def appeal_closes_on(decided_at) -> date:
    """The last day to appeal: APPEAL_WINDOW_WORKING_DAYS SEC working days after the day the
    decision was recorded (the day its letter went out)."""
    return add_working_days(local_date(decided_at), settings.APPEAL_WINDOW_WORKING_DAYS)


class ReferralGround(models.TextChoices):
    """Why a case goes to the SEC Panel: a compliance matter, or an assessment not approved."""

    LATE_NOTICE = "late_notice", "Late notice (go-live on or before the day it was submitted)"
    EMPLOYED_BEFORE_NOTICE = "employed_before_notice", "System employed before it was notified"
    EMPLOYED_BEFORE_DECISION = (
        "employed_before_decision",
        "System employed before the SSC's decision",
    )
    NOT_APPROVED = "not_approved", "Assessment outcome Deferred or Rejected"


class PanelReferral(models.Model):
    """A case referred to the SEC Panel by SECAS or the committee, and the Panel's outcome as
    SECAS records it. The case is a notification or an assessment, never both."""

    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="panel_referrals")
    notification = models.ForeignKey(
        Notification, models.PROTECT, null=True, blank=True, related_name="panel_referrals"
    )
    assessment = models.ForeignKey(
        "Assessment", models.PROTECT, null=True, blank=True, related_name="panel_referrals"
    )
    ground = models.CharField(max_length=30, choices=ReferralGround.choices)
    reason = PlainTextField("reason for the referral", max_length=5000)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="panel_referrals_made"
    )
    referred_at = models.DateTimeField(default=timezone.now)
    outcome = PlainTextField("the Panel's outcome", max_length=5000, blank=True)
    panel_meeting_date = models.DateField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-referred_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(notification__isnull=False, assessment__isnull=True)
                | Q(notification__isnull=True, assessment__isnull=False),
                name="panel_referral_one_case",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="panel_referral_has_reason"),
            # The Panel's outcome comes whole: its text, its meeting date, who recorded it.
            models.CheckConstraint(
                condition=Q(outcome_recorded_at__isnull=True, panel_meeting_date__isnull=True)
                | (
                    Q(outcome_recorded_at__isnull=False, panel_meeting_date__isnull=False)
                    & ~Q(outcome="")
                ),
                name="panel_referral_outcome_whole",
            ),
            # One open referral per case and ground.
            models.UniqueConstraint(
                fields=["notification", "ground"],
                condition=Q(outcome_recorded_at__isnull=True, notification__isnull=False),
                name="panel_referral_one_open_per_notification_ground",
            ),
            models.UniqueConstraint(
                fields=["assessment", "ground"],
                condition=Q(outcome_recorded_at__isnull=True, assessment__isnull=False),
                name="panel_referral_one_open_per_assessment_ground",
            ),
        ]
        # SECAS's list: open first, latest first.
        indexes = [
            models.Index(fields=["outcome_recorded_at", "-referred_at"], name="panel_referral_list")
        ]

    def __str__(self):
        return f"Referral of {self.case_reference} to the SEC Panel: {self.get_ground_display()}"

    @property
    def is_open(self) -> bool:
        return self.outcome_recorded_at is None

    @property
    def case_reference(self) -> str:
        if self.notification_id:
            return self.notification.reference
        return str(self.assessment)


class AppealState(models.TextChoices):
    LODGED = "lodged", "Lodged"
    UNDER_CONSIDERATION = "under_consideration", "Under consideration"
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_APPEAL_STATES = (AppealState.LODGED, AppealState.UNDER_CONSIDERATION)


class Appeal(ConcurrentTransitionMixin, models.Model):
    """A User's appeal against a decision: the SSC's on a notification, or an assessment's
    outcome. One per decision (the database says so); heard by the Panel, recorded by SECAS."""

    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="appeals")
    decision = models.OneToOneField(
        Decision, models.PROTECT, null=True, blank=True, related_name="appeal"
    )
    assessment_decision = models.OneToOneField(
        AssessmentDecision, models.PROTECT, null=True, blank=True, related_name="appeal"
    )
    state = FSMField(
        default=AppealState.LODGED,
        choices=AppealState.choices,
        protected=True,
        db_index=True,
        max_length=30,
    )
    grounds = PlainTextField("reasons for the appeal", max_length=10_000)
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="appeals_lodged"
    )
    lodged_at = models.DateTimeField(default=timezone.now)
    outcome_reasons = PlainTextField("reasons for the outcome", max_length=5000, blank=True)
    panel_meeting_date = models.DateField(
        null=True, blank=True, help_text="The Panel meeting that heard the appeal."
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = PlainTextField(max_length=2000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-lodged_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__isnull=False, assessment_decision__isnull=True)
                | Q(decision__isnull=True, assessment_decision__isnull=False),
                name="appeal_one_decision",
            ),
            models.CheckConstraint(condition=~Q(grounds=""), name="appeal_has_grounds"),
        ]
        indexes = [models.Index(fields=["closed_at", "-lodged_at"], name="appeal_list")]

    def __str__(self):
        return f"Appeal by {self.organisation} against {self.decision_label}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_APPEAL_STATES

    @property
    def decided(self) -> "Decision | AssessmentDecision":
        """The decision appealed against, whichever kind it is."""
        return self.decision or cast(AssessmentDecision, self.assessment_decision)

    @property
    def is_upheld(self) -> bool:
        return self.state == AppealState.UPHELD

    @property
    def decision_label(self) -> str:
        if self.decision_id:
            return f"the SSC's decision on {self.decision.notification.reference}"
        return f"the outcome of {self.assessment_decision.assessment}"

    @property
    def notification(self) -> Notification | None:
        """The case the decision was on, if any (an assessment may follow a notification)."""
        if self.decision_id:
            return self.decision.notification
        return self.assessment_decision.assessment.notification

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=AppealState.LODGED,
        target=AppealState.UNDER_CONSIDERATION,
        permission=fsm_permission("assessments.manage_appeals"),
    )
    def start_consideration(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=AppealState.UNDER_CONSIDERATION,
        target=AppealState.UPHELD,
        permission=fsm_permission("assessments.manage_appeals"),
    )
    def uphold(self, *, reasons, panel_meeting_date, by=None, description=None):
        self._record_outcome(reasons, panel_meeting_date)

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=AppealState.UNDER_CONSIDERATION,
        target=AppealState.DISMISSED,
        permission=fsm_permission("assessments.manage_appeals"),
    )
    def dismiss(self, *, reasons, panel_meeting_date, by=None, description=None):
        self._record_outcome(reasons, panel_meeting_date)

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=list(OPEN_APPEAL_STATES),
        target=AppealState.WITHDRAWN,
        permission=fsm_permission("assessments.withdraw_appeal"),
    )
    def withdraw(self, *, reason, by=None, description=None):
        self.withdrawal_reason = reason
        self.closed_at = timezone.now()

    def _record_outcome(self, reasons: str, panel_meeting_date: date) -> None:
        self.outcome_reasons = reasons
        self.panel_meeting_date = panel_meeting_date
        self.decided_at = self.closed_at = timezone.now()


class AppealDocument(StoredFile):
    """A document supporting an appeal, checked and marked like a case's attachments."""

    appeal = models.ForeignKey(Appeal, models.PROTECT, related_name="documents")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="appeal_documents_uploaded"
    )

    class Meta(StoredFile.Meta):
        ordering = ["uploaded_at", "pk"]


class AppealDocumentDownload(models.Model):
    """Who downloaded which appeal document, and when."""

    document = models.ForeignKey(AppealDocument, models.PROTECT, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="appeal_document_downloads"
    )
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self):
        when = timezone.localtime(self.downloaded_at)
        return f"{self.document} by {self.user} at {when:%d/%m/%Y %H:%M}"
