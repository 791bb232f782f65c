"""Intake: the SRP register, User Systems, notifications and their lifecycle."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from simple_history.models import HistoricalRecords

from sscportal.fields import PlainCharField, PlainTextField
from users.models import Organisation, UserRole
from users.policy import fsm_permission


class AssuranceStatus(models.TextChoices):
    """The SSC's assurance outcome after an assessment. Only the first two let a User operate."""

    APPROVED = "approved", "Approved"
    APPROVED_SUBJECT_TO_STEPS = "approved_subject_to_steps", "Approved subject to steps"
    DEFERRED = "deferred", "Deferred"
    REJECTED = "rejected", "Rejected"

    @property
    def next_steps(self) -> str:
        """What happens next for the User, as the outcome email says it."""
        return ASSURANCE_NEXT_STEPS[self]


ASSURANCE_NEXT_STEPS = {
    AssuranceStatus.APPROVED: "no further action is needed on this assessment.",
    AssuranceStatus.APPROVED_SUBJECT_TO_STEPS: (
        "you must complete the steps the SSC has set, by the dates it has set. SECAS will "
        "follow them up with you."
    ),
    AssuranceStatus.DEFERRED: (
        "the SSC needs remediation and a follow-up security assessment before it can approve. "
        "SECAS will contact you to arrange them."
    ),
    AssuranceStatus.REJECTED: (
        "the SSC needs remediation and a follow-up security assessment, possibly a second Full "
        "User Security Assessment (FUSA). SECAS will contact you to arrange them."
    ),
}

AT_RISK_ASSURANCE = {AssuranceStatus.DEFERRED, AssuranceStatus.REJECTED}


class DeliveryModel(models.TextChoices):
    IN_HOUSE = "in_house", "In-house"
    SRP = "srp", "Shared Resource Provider"
    THIRD_PARTY = "third_party", "Another third party"


class SharedResourceProvider(models.Model):
    """A company running User Systems for several Users; assessed in its own right."""

    name = PlainCharField(max_length=200, unique=True)
    companies_house_number = PlainCharField(max_length=20, blank=True)
    contact_email = models.EmailField(blank=True)
    latest_assessment_date = models.DateField(null=True, blank=True)
    latest_assessment_outcome = models.CharField(
        max_length=40, choices=AssuranceStatus.choices, blank=True
    )
    notes = PlainTextField(max_length=5000, blank=True)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "Shared Resource Provider"

    def __str__(self):
        return self.name


class SrpCoverage(models.TextChoices):
    NOT_CONFIRMED = "not_confirmed", "Not yet confirmed"
    COVERED = "covered", "Yes, it covered this service"
    NOT_COVERED = "not_covered", "No, it did not cover this service"


class EmployedEarly(models.TextChoices):
    """A system the User began to employ before the rule allowed (DOMAIN.md, the lifecycle)."""

    BEFORE_NOTICE = "before_notice", "Employed before it was notified"
    BEFORE_DECISION = "before_decision", "Employed before the SSC's decision"


class UserSystem(models.Model):
    """A User System in an organisation's register: the first approved one or a later one.

    Its lifecycle: planned (notified) → live (the User recorded when it began to employ it) →
    retired; "not proceeding" when its notification was withdrawn before it went live.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        LIVE = "live", "Live"
        RETIRED = "retired", "Retired"
        # Its notification was withdrawn: it never went live, so it was never retired.
        NOT_PROCEEDING = "not_proceeding", "Not proceeding"

    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="user_systems")
    name = PlainCharField(max_length=200)
    delivery_model = models.CharField(max_length=20, choices=DeliveryModel.choices)
    provider = models.ForeignKey(
        SharedResourceProvider,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="user_systems",
        help_text="Only for systems run by a Shared Resource Provider.",
    )
    third_party_name = PlainCharField(max_length=200, blank=True)
    is_first_system = models.BooleanField(
        "first approved system",
        default=False,
        help_text="The system assessed at the User Entry Process.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    go_live_date = models.DateField("planned go-live date", null=True, blank=True)
    began_employing_date = models.DateField(
        "began to employ it on",
        null=True,
        blank=True,
        help_text="The day the User began to use the system, as the User recorded it (SECAS "
        "may correct it). Empty until recorded.",
    )
    retired_date = models.DateField("retired on", null=True, blank=True)
    employed_early = models.CharField(
        "employed early",
        max_length=20,
        choices=EmployedEarly.choices,
        blank=True,
        # Rows written by code from before the column (a rolling deployment) read as not flagged.
        db_default="",
        help_text="Set from the recorded date: employed before its notification, or before "
        "the SSC's decision on it.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Issue 12 part 6: did the SRP's assessment cover this service? SECAS reads the SRP's report.
    srp_coverage = models.CharField(
        "SRP's assessment covered this service",
        max_length=20,
        choices=SrpCoverage.choices,
        default=SrpCoverage.NOT_CONFIRMED,
    )
    srp_coverage_note = PlainTextField(
        "SRP coverage: the report it was read from",
        max_length=1000,
        blank=True,
        help_text="Name the SRP's assessment report (and page or section) that shows it.",
    )
    srp_coverage_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    srp_coverage_confirmed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["organisation__name", "-is_first_system", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_first_system=True),
                name="user_system_one_first_system_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["organisation", "name"], name="user_system_unique_name_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(delivery_model=DeliveryModel.SRP, provider__isnull=False)
                | (~Q(delivery_model=DeliveryModel.SRP) & Q(provider__isnull=True)),
                name="user_system_provider_only_for_srp",
            ),
            models.CheckConstraint(
                condition=Q(retired_date__isnull=True)
                | Q(began_employing_date__isnull=True)
                | Q(retired_date__gte=F("began_employing_date")),
                name="user_system_retired_after_it_began",
                violation_error_message="A system cannot be retired before it began to be used.",
            ),
        ]
        # SECAS's list of systems employed early, the latest first.
        indexes = [
            models.Index(
                fields=["-began_employing_date"],
                condition=~Q(employed_early=""),
                name="user_system_employed_early",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.organisation})"

    @property
    def is_in_use(self) -> bool:
        return self.status in {self.Status.PLANNED, self.Status.LIVE}


class ReferenceCounter(models.Model):
    """The last reference number issued in a year; locked row-by-row so numbers never repeat."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class NotificationState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    INFORMATION_REQUESTED = "information_requested", "Information requested"
    NO_ASSESSMENT_NEEDED = "no_assessment_needed", "No assessment needed until annual review"
    ASSESSMENT_REQUIRED = "assessment_required", "Assessment required (G8.13)"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


S = NotificationState
# Undecided: submitted to the SSC and not yet decided or withdrawn. Never a draft: a draft is
# the organisation's own until submitted. The queue calls these its live cases.
UNDECIDED_STATES = [S.SUBMITTED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED]
DECIDED_STATES = [S.NO_ASSESSMENT_NEEDED, S.ASSESSMENT_REQUIRED, S.CLOSED]
# A draft, or a case not yet decided, may be withdrawn.
WITHDRAWABLE_STATES = [S.DRAFT, *UNDECIDED_STATES]


def awaiting_triage(state: str) -> bool:
    """The one definition of "awaiting triage", for a state read as a value."""
    return state == NotificationState.SUBMITTED


class EligibilityFinding(models.TextChoices):
    """What the register showed about the organisation's first system when it notified."""

    ELIGIBLE = "eligible", "Approved first User System"
    NO_FIRST_SYSTEM = "no_first_system", "No approved first User System"
    FIRST_SYSTEM_DEFERRED = "first_system_deferred", "First User System's assurance Deferred"
    FIRST_SYSTEM_REJECTED = "first_system_rejected", "First User System's assurance Rejected"


# Findings SECAS is shown as flags: the duty applies after an approved first system.
FLAGGED_ELIGIBILITY = [
    EligibilityFinding.NO_FIRST_SYSTEM,
    EligibilityFinding.FIRST_SYSTEM_DEFERRED,
    EligibilityFinding.FIRST_SYSTEM_REJECTED,
]


class NotificationQuerySet(models.QuerySet["Notification"]):
    """The domain's words for sets of notifications, each defined once."""

    def drafts(self):
        return self.filter(state=S.DRAFT)

    def submitted(self):
        """Ever sent to the SSC (decided and withdrawn ones included); a draft never is."""
        return self.filter(submitted_at__isnull=False)

    def undecided(self):
        """With the SSC and awaiting triage or a decision: drafts and withdrawn ones excluded."""
        return self.filter(state__in=UNDECIDED_STATES)

    def awaiting_triage(self):
        """Submitted, and not yet put before the SSC by SECAS (or returned there by an answer)."""
        return self.filter(state=NotificationState.SUBMITTED)

    def late(self):
        """Submitted with the planned go-live on or before the day of submission."""
        return self.filter(is_late=True, submitted_at__isnull=False)

    def without_approved_first_system(self):
        """Submitted when the organisation had no approved first User System."""
        return self.filter(eligibility_finding__in=FLAGGED_ELIGIBILITY, submitted_at__isnull=False)


# Guards: pure functions of the notification (django-fsm `conditions=`).
def has_declaration(notification) -> bool:
    return notification.declaration_accepted


def has_required_content(notification) -> bool:
    return not notification.missing_fields()


def names_only_held_roles(notification) -> bool:
    return not notification.roles_not_held()


def attachment_upload_to(instance, filename: str) -> str:
    # Random stored names: the original name is kept in a field, never used on disk.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Notification(ConcurrentTransitionMixin, models.Model):
    """A User's notice to the SSC that it will employ a second or subsequent User System."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="notifications")
    state = FSMField(
        default=S.DRAFT, choices=S.choices, protected=True, db_index=True, max_length=30
    )

    # People
    contact_name = PlainCharField("named contact", max_length=150, blank=True)
    contact_email = models.EmailField("contact email", blank=True)
    contact_phone = PlainCharField("contact phone", max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="notifications_created"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications_submitted",
    )
    declaration_accepted = models.BooleanField(
        default=False,
        help_text="The submitter declared that the content is accurate and complete.",
    )

    # The new User System
    system_name = PlainCharField("User System name", max_length=200, blank=True)
    purpose = PlainTextField("purpose and scope", max_length=5000, blank=True)
    user_roles = models.ManyToManyField(
        UserRole, blank=True, related_name="notifications", verbose_name="User Roles"
    )
    planned_go_live_date = models.DateField("planned go-live date", null=True, blank=True)
    smets1_meter_count = models.PositiveIntegerField(
        "approximate SMETS1 meters", null=True, blank=True
    )
    smets2_meter_count = models.PositiveIntegerField(
        "approximate SMETS2 meters", null=True, blank=True
    )
    user_system = models.ForeignKey(
        UserSystem,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        help_text="Entered in the organisation's register when the notification is submitted.",
    )
    # A material change to a system already notified: linked to the system and its last notice.
    changes_system = models.ForeignKey(
        UserSystem,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="change_notifications",
        verbose_name="User System changed",
    )
    previous_notification = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="later_changes",
        help_text="The system's notification before this change, if it had one.",
    )
    change_summary = PlainTextField("what has changed", max_length=5000, blank=True)

    # Delivery model
    delivery_model = models.CharField(max_length=20, choices=DeliveryModel.choices, blank=True)
    provider = models.ForeignKey(
        SharedResourceProvider,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name="Shared Resource Provider",
    )
    third_party_name = PlainCharField("third-party provider", max_length=200, blank=True)

    # Architecture
    hosting_description = PlainTextField("hosting", max_length=3000, blank=True)
    hosting_location = PlainCharField(max_length=200, blank=True)
    dcc_connection = PlainTextField(
        "connection to the DCC User Gateway", max_length=3000, blank=True
    )
    separation_from_existing = PlainTextField(
        "separation from the existing User System", max_length=3000, blank=True
    )
    key_management = PlainTextField(
        "key management (User Role signing keys)", max_length=3000, blank=True
    )
    shared_with_existing = PlainTextField(
        "what it shares with the first system", max_length=3000, blank=True
    )

    # Security
    same_isms_scope = models.BooleanField("inside the same ISMS scope", null=True, blank=True)
    same_controls = models.BooleanField(
        "runs the same controls and processes", null=True, blank=True
    )
    risk_assessment_summary = PlainTextField("risk assessment (G5.14)", max_length=5000, blank=True)
    risk_assessment_date = models.DateField(null=True, blank=True)
    penetration_test_summary = PlainTextField(
        "penetration-test evidence", max_length=3000, blank=True
    )
    penetration_test_date = models.DateField(null=True, blank=True)
    has_known_non_compliances = models.BooleanField(
        "knows of non-compliance with SEC G3–G6",
        null=True,
        blank=True,
        help_text="Empty on notifications made before the question was asked as yes or no: "
        "their details, if any, are shown to SECAS to confirm.",
    )
    known_non_compliances = PlainTextField(
        "details of known non-compliances", max_length=5000, blank=True
    )
    non_compliance_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="SECAS, reading details written before the yes/no question was asked.",
    )
    non_compliance_confirmed_at = models.DateTimeField(null=True, blank=True)

    # Lifecycle
    is_late = models.BooleanField(
        default=False,
        help_text="The planned go-live was on or before the day of submission.",
    )
    eligibility_finding = models.CharField(
        "first User System when notified",
        max_length=30,
        choices=EligibilityFinding.choices,
        blank=True,
        help_text="Recorded at submission; empty on drafts and on notifications made before "
        "the portal checked it.",
    )
    rapporteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="rapporteur_for",
        help_text="The SSC member who leads on this case.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_started_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    REQUIRED_FOR_SUBMISSION = (
        "contact_name",
        "contact_email",
        "system_name",
        "purpose",
        "planned_go_live_date",
        "delivery_model",
        "hosting_description",
        "dcc_connection",
        "separation_from_existing",
        "key_management",
        "risk_assessment_summary",
        "has_known_non_compliances",
        # Issue 12: the meters it will handle (0 is an answer; empty is not).
        "smets1_meter_count",
        "smets2_meter_count",
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("triage_notification", "Can triage notifications (start the review)"),
            ("request_information", "Can ask a User for more information"),
            ("decide_notification", "Can decide on notifications (SSC)"),
            ("close_notification", "Can close notifications whose assessment is complete"),
            ("view_all_notifications", "Can see every organisation's submitted notifications"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(delivery_model=DeliveryModel.SRP)
                | Q(provider__isnull=False)
                | Q(state=S.DRAFT),
                name="notification_srp_named_once_submitted",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(submitted_at__gte=F("created_at")),
                name="notification_submitted_after_created",
            ),
        ]
        # The SSC queue reads pages in these orders: each sort and filter it offers has an
        # index, so a page is an index range scan, never a sort of the whole history.
        indexes = [
            models.Index(
                fields=["planned_go_live_date", "submitted_at"],
                condition=Q(state__in=UNDECIDED_STATES),
                name="notification_live_go_live",
            ),
            models.Index(
                fields=["submitted_at"],
                condition=Q(state__in=UNDECIDED_STATES),
                name="notification_live_submitted",
            ),
            models.Index(
                fields=["rapporteur"],
                condition=Q(state__in=UNDECIDED_STATES),
                name="notification_live_rapporteur",
            ),
            models.Index(
                fields=["state", "planned_go_live_date", "submitted_at"],
                condition=Q(submitted_at__isnull=False),
                name="notification_state_go_live",
            ),
            # The organisation is a key column too: the capped state counts, which leave out a
            # member's conflicted organisations, then read the index alone.
            models.Index(
                fields=["state", "submitted_at", "organisation"],
                condition=Q(submitted_at__isnull=False),
                name="notification_state_submitted",
            ),
            models.Index(
                fields=["planned_go_live_date", "submitted_at"],
                condition=Q(submitted_at__isnull=False),
                name="notification_sent_go_live",
            ),
            models.Index(
                fields=["submitted_at"],
                condition=Q(submitted_at__isnull=False),
                name="notification_sent_submitted",
            ),
            models.Index(
                fields=["submitted_at"],
                condition=Q(is_late=True, submitted_at__isnull=False),
                name="notification_late_submitted",
            ),
            models.Index(
                fields=["submitted_at"],
                condition=Q(
                    eligibility_finding__in=FLAGGED_ELIGIBILITY, submitted_at__isnull=False
                ),
                name="notification_inelig_submitted",
            ),
            # The API's list for the committee: the newest submitted first, a page at a time.
            models.Index(
                F("created_at").desc(),
                F("id").desc(),
                condition=Q(submitted_at__isnull=False),
                name="notification_sent_created",
            ),
            # The organisation home: its notifications by last change, and counts by state.
            models.Index(fields=["organisation", "updated_at"], name="notification_org_updated"),
            models.Index(
                fields=["organisation", "state", "updated_at"],
                name="notification_org_state_updated",
            ),
        ]

    def __str__(self):
        return f"{self.reference} – {self.system_name or 'untitled draft'}"

    @property
    def is_draft(self) -> bool:
        return self.state == S.DRAFT

    @property
    def is_undecided(self) -> bool:
        return self.state in UNDECIDED_STATES

    @property
    def is_awaiting_triage(self) -> bool:
        return awaiting_triage(self.state)

    @property
    def is_decided(self) -> bool:
        return self.state in DECIDED_STATES

    @property
    def is_without_approved_first_system(self) -> bool:
        """Flagged at submission: the organisation had no approved first User System."""
        return self.eligibility_finding in FLAGGED_ELIGIBILITY

    @property
    def is_editable(self) -> bool:
        # Only a draft is edited; once submitted, changes come as answers to the SSC's questions.
        return self.is_draft

    def missing_fields(self) -> list[str]:
        """Verbose names of the fields a submission still needs."""
        missing = [
            str(self._meta.get_field(name).verbose_name)
            for name in self.REQUIRED_FOR_SUBMISSION
            if getattr(self, name) in (None, "")
        ]
        if self.delivery_model == DeliveryModel.SRP and self.provider_id is None:
            missing.append("Shared Resource Provider")
        if self.delivery_model == DeliveryModel.THIRD_PARTY and not self.third_party_name:
            missing.append("third-party provider")
        if self.has_known_non_compliances and not self.known_non_compliances.strip():
            missing.append(str(self._meta.get_field("known_non_compliances").verbose_name))
        if self.changes_system_id and not self.change_summary.strip():
            missing.append(str(self._meta.get_field("change_summary").verbose_name))
        if self.pk is None or not self.user_roles.exists():
            missing.append("User Roles")
        return missing

    def roles_not_held(self) -> list[UserRole]:
        """The named User Roles the organisation has not completed User Entry for."""
        if self.pk is None:
            return []
        return list(
            self.user_roles.exclude(pk__in=self.organisation.user_roles.values("pk")).order_by(
                "position", "name"
            )
        )

    @property
    def is_change(self) -> bool:
        return self.changes_system_id is not None

    # --- Lifecycle (DOMAIN.md). Bodies change only this row; services do the rest. ---

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.DRAFT,
        target=S.SUBMITTED,
        conditions=[has_required_content, names_only_held_roles, has_declaration],
        permission=fsm_permission("notifications.submit"),
        custom={"label": "Submit to the SSC"},
    )
    def submit(self, *, by=None, description=None, submitted_on=None, eligibility_finding=""):
        self.submitted_by = by
        self.eligibility_finding = eligibility_finding
        self.submitted_at = timezone.now()
        submission_day = submitted_on or timezone.localdate(self.submitted_at)
        self.is_late = self.planned_go_live_date <= submission_day

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.SUBMITTED,
        target=S.UNDER_REVIEW,
        permission=fsm_permission("notifications.triage"),
        custom={"label": "Start the review"},
    )
    def start_review(self, *, rapporteur, by=None, description=None):
        self.rapporteur = rapporteur
        self.review_started_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[S.SUBMITTED, S.UNDER_REVIEW],
        target=S.INFORMATION_REQUESTED,
        permission=fsm_permission("notifications.ask_for_information"),
        custom={"label": "Request information"},
    )
    def request_information(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.INFORMATION_REQUESTED,
        target=RETURN_VALUE(S.SUBMITTED, S.UNDER_REVIEW),
        permission=fsm_permission("notifications.provide_information"),
        custom={"label": "Provide the information"},
    )
    def provide_information(self, *, by=None, description=None):
        # The case goes back to where the question was asked from.
        return S.UNDER_REVIEW if self.review_started_at else S.SUBMITTED

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.UNDER_REVIEW,
        target=S.NO_ASSESSMENT_NEEDED,
        permission=fsm_permission("notifications.record_decision"),
        custom={"label": "Decide: no assessment needed until the annual review"},
    )
    def decide_no_assessment(self, *, by=None, description=None):
        self.decided_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.UNDER_REVIEW,
        target=S.ASSESSMENT_REQUIRED,
        permission=fsm_permission("notifications.record_decision"),
        custom={"label": "Decide: assessment required under G8.13"},
    )
    def decide_assessment_required(self, *, by=None, description=None):
        self.decided_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=S.ASSESSMENT_REQUIRED,
        target=S.CLOSED,
        permission=fsm_permission("notifications.close"),
        custom={"label": "Close (assessment complete)"},
    )
    def close(self, *, by=None, description=None):
        self.closed_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=WITHDRAWABLE_STATES,
        target=S.WITHDRAWN,
        permission=fsm_permission("notifications.withdraw"),
        custom={"label": "Withdraw"},
    )
    def withdraw(self, *, by=None, description=None):
        self.withdrawn_at = timezone.now()


class InformationRequestQuerySet(models.QuerySet["InformationRequest"]):
    def waiting(self):
        """Questions the User has still to answer. One on a withdrawn case waits on no one."""
        return self.filter(responded_at__isnull=True, notification__state=S.INFORMATION_REQUESTED)


class InformationRequest(models.Model):
    """A question put to the User; the decision clock pauses until it is answered."""

    notification = models.ForeignKey(
        Notification, models.PROTECT, related_name="information_requests"
    )
    question = PlainTextField(max_length=5000)
    response_due_date = models.DateField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="information_requests_made"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    response = PlainTextField(max_length=10_000, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="information_responses",
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    objects = InformationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification"],
                condition=Q(responded_at__isnull=True),
                name="information_request_one_open_per_notification",
            )
        ]

    def __str__(self):
        asked = timezone.localtime(self.requested_at)
        return f"Question on {self.notification.reference} ({asked:%d/%m/%Y})"

    @property
    def is_open(self) -> bool:
        return self.responded_at is None


class TLPMarking(models.TextChoices):
    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    RED = "red", "TLP:RED"


class StoredFile(models.Model):
    """A checked upload kept under a random name, with its protective marking: the fields every
    file of the portal shares (a case's attachments, an assessment's documents, a step's
    evidence). Abstract: each keeps its own table and columns, and its own uploader link."""

    file = models.FileField(upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    tlp = models.CharField(
        "TLP marking", max_length=10, choices=TLPMarking.choices, default=TLPMarking.AMBER
    )
    description = PlainCharField(max_length=255, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at"]

    def __str__(self):
        return f"{self.original_name} [{self.get_tlp_display()}]"


def stored_file_fields(*, upload, kind, tlp: str, description: str = "") -> dict:
    """A StoredFile's fields from an upload the AttachmentForm checked (its kind and safe name)."""
    return {
        "file": upload,
        "original_name": upload.safe_name,
        "content_type": kind.content_type,
        "size": upload.size,
        "tlp": tlp,
        "description": description,
    }


class Attachment(StoredFile):
    """A file supporting a notification or an information response, with its protective marking."""

    notification = models.ForeignKey(Notification, models.PROTECT, related_name="attachments")
    information_request = models.ForeignKey(
        InformationRequest,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="attachments_uploaded"
    )


class AttachmentDownload(models.Model):
    """Who downloaded which attachment, and when: the record protective markings call for."""

    attachment = models.ForeignKey(Attachment, models.PROTECT, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="attachment_downloads"
    )
    downloaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self):
        when = timezone.localtime(self.downloaded_at)
        return f"{self.attachment} by {self.user} at {when:%d/%m/%Y %H:%M}"


class Message(models.Model):
    """One message in the conversation between a User, SECAS and the SSC about a notification."""

    notification = models.ForeignKey(Notification, models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="messages")
    body = PlainTextField(max_length=10_000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Message on {self.notification.reference} by {self.author}"


class NotificationEmail(models.Model):
    """An outbox email about a case: the case's communications log reads these."""

    email = models.OneToOneField(
        "mail.OutboundEmail", models.CASCADE, primary_key=True, related_name="notification_link"
    )
    notification = models.ForeignKey(Notification, models.PROTECT, related_name="email_links")

    def __str__(self):
        return f"{self.email} (about {self.notification.reference})"
