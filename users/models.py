"""People, organisations and who may act for whom."""

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from sscportal.fields import PlainCharField, PlainTextField

SSC_MEMBERS_GROUP = "SSC members"
SECAS_STAFF_GROUP = "SECAS staff"


def normalise_email(value: str) -> str:
    """One spelling per address: sign-in, the lockout count and invitations all use it."""
    return (value or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalise_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with an email address."""

    email = models.EmailField("email address", unique=True)
    full_name = PlainCharField(max_length=150)
    job_title = PlainCharField(max_length=150, blank=True)
    phone = PlainCharField(max_length=40, blank=True)
    is_staff = models.BooleanField(
        "may use the admin site",
        default=False,
        help_text="SECAS staff and SSC power users who work in the Django admin.",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            # Sign-in finds the account in any case, so two spellings must never be two accounts.
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_in_any_case",
                violation_error_message="An account with this email address already exists.",
            )
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def group_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    @cached_property
    def active_memberships(self) -> dict[int, "Membership"]:
        """Active memberships keyed by organisation id (one query per request)."""
        return {
            membership.organisation_id: membership
            for membership in self.memberships.filter(
                is_active=True, organisation__is_active=True
            ).select_related("organisation")
        }

    def membership_for(self, organisation) -> "Membership | None":
        if not self.is_active or organisation is None:
            return None
        return self.active_memberships.get(organisation.pk)

    @cached_property
    def conflicted_organisation_ids(self) -> frozenset[int]:
        """Organisations whose cases this person must not review: declared conflicts, and
        (implicitly) any organisation they work for."""
        declared = self.conflicts_of_interest.filter(withdrawn_at__isnull=True).values_list(
            "organisation_id", flat=True
        )
        return frozenset(declared) | frozenset(self.active_memberships)


class PartyCategory(models.TextChoices):
    LARGE_SUPPLIER = "large_supplier", "Large Supplier"
    SMALL_SUPPLIER = "small_supplier", "Small Supplier"
    ELECTRICITY_NETWORK = "electricity_network", "Electricity Network"
    GAS_NETWORK = "gas_network", "Gas Network"
    OTHER = "other", "Other SEC Party"


class PartySize(models.TextChoices):
    SMALL = "small", "Small"
    LARGE = "large", "Large"


class UserRole(models.Model):
    """A SEC User Role (Import Supplier, Gas Transporter, ...). Rows are seeded by migration."""

    code = models.SlugField(max_length=40, unique=True)
    name = PlainCharField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Organisation(models.Model):
    """A SEC Party that is a User: it has completed the User Entry Process for some roles."""

    name = PlainCharField(max_length=200, unique=True)
    sec_party_id = PlainCharField(
        "SEC party ID",
        max_length=20,
        unique=True,
        help_text="The identifier the SEC Panel gave this party, for example SP-0042.",
    )
    party_category = models.CharField(max_length=30, choices=PartyCategory.choices)
    user_roles = models.ManyToManyField(
        UserRole, blank=True, related_name="organisations", verbose_name="User Roles held"
    )
    domestic_premises_count = models.PositiveIntegerField(
        "domestic premises supplied",
        default=0,
        help_text="For information only: size comes from the Smart Metering System count.",
    )
    contact_name = PlainCharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = PlainCharField(max_length=40, blank=True)
    address = PlainTextField(max_length=1000, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Who changed what and when (the SECAS register history page and the admin read it).
    smart_metering_systems_count = models.PositiveIntegerField(
        "Smart Metering Systems",
        null=True,
        blank=True,
        help_text="Kept by SECAS; empty when not recorded (size then follows the party category).",
    )
    smart_metering_systems_counted_date = models.DateField(
        "Smart Metering Systems counted on", null=True, blank=True
    )

    # Who changed what and when (the SECAS register history page and the admin read it).
    history = HistoricalRecords(m2m_fields=["user_roles"], excluded_fields=["created_at"])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def size_is_recorded(self) -> bool:
        return self.smart_metering_systems_count is not None

    @property
    def size(self) -> str:
        """Small at most SMALL_PARTY_MAX_SMART_METERING_SYSTEMS; unrecorded, the category says."""
        if self.smart_metering_systems_count is None:
            # Nothing counted: a Large Supplier is taken as large, anyone else as small.
            large = self.party_category == PartyCategory.LARGE_SUPPLIER
            return PartySize.LARGE if large else PartySize.SMALL
        return size_for_count(self.smart_metering_systems_count)

    @property
    def is_large(self) -> bool:
        return self.size == PartySize.LARGE

    @property
    def size_summary(self) -> str:
        """The size as the pages say it, naming the count and the boundary it was judged by."""
        boundary = f"{settings.SMALL_PARTY_MAX_SMART_METERING_SYSTEMS:,}"
        count = self.smart_metering_systems_count
        if count is None:
            return f"Size not recorded: taken as {self.size} from the party category"
        when = self.smart_metering_systems_counted_date
        counted = f", counted {when:%d/%m/%Y}" if when else ""
        relation = "over" if self.is_large else "at most"
        return f"{count:,} Smart Metering Systems{counted}: {self.size} ({relation} {boundary})"


def size_for_count(count: int) -> str:
    return (
        PartySize.LARGE
        if count > settings.SMALL_PARTY_MAX_SMART_METERING_SYSTEMS
        else (PartySize.SMALL)
    )


class OrganisationEmail(models.Model):
    """An outbox email about an organisation: its communications log reads these."""

    email = models.OneToOneField(
        "mail.OutboundEmail", models.CASCADE, primary_key=True, related_name="organisation_link"
    )
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="email_links")
    # The email's created_at, here so that the log reads its newest page from one index instead
    # of sorting all the organisation's emails (which grow with its history).
    written_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "-written_at", "-email"], name="organisation_email_newest"
            )
        ]

    def __str__(self):
        return f"{self.email} (about {self.organisation})"


class MembershipQuerySet(models.QuerySet):
    def pending_for(self, user):
        """Invitations this person may still accept or decline."""
        from users.policy import allows  # the policy reads these models

        if not allows(user, "users.join_organisation"):
            return self.none()
        return self.filter(
            user=user, invitation=Membership.Invitation.PENDING, organisation__is_active=True
        ).select_related("organisation", "invited_by")


class Membership(models.Model):
    """A person's place in an organisation. Roles are cumulative: admin ⊃ submitter ⊃ preparer.

    An organisation admin's invitation makes a pending membership; it becomes active only when
    the person accepts it (SECAS, in the admin, may add people directly)."""

    class Role(models.TextChoices):
        PREPARER = "preparer", "Preparer"
        SUBMITTER = "submitter", "Submitter"
        ADMIN = "admin", "Organisation admin"

    class Invitation(models.TextChoices):
        PENDING = "pending", "Invited, waiting for them to accept"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn by the organisation"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PREPARER)
    is_active = models.BooleanField(default=True)
    invitation = models.CharField(
        max_length=20, choices=Invitation.choices, default=Invitation.ACCEPTED
    )
    invited_name = PlainCharField(
        max_length=150,
        blank=True,
        help_text="The name the inviting admin typed: shown to them instead of the account's.",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["organisation__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_one_per_person_and_organisation"
            ),
            # Nobody gets access through an invitation they have not accepted.
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(invitation="accepted"),
                name="membership_active_only_once_accepted",
                violation_error_message="Someone invited becomes active only by accepting.",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} at {self.organisation}"

    @property
    def is_invitation_pending(self) -> bool:
        return self.invitation == self.Invitation.PENDING

    @property
    def is_invitation_withdrawn(self) -> bool:
        return self.invitation == self.Invitation.WITHDRAWN


class ConflictOfInterest(models.Model):
    """An SSC member's declared conflict with an organisation: no access to its cases."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="conflicts_of_interest"
    )
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, related_name="conflicts_of_interest"
    )
    reason = PlainTextField(
        max_length=1000, help_text="For example: employed by, or consultant to, this party."
    )
    declared_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    # Who recorded or withdrew it, and when: a withdrawal gives back access to cases.
    history = HistoricalRecords(excluded_fields=["declared_at"])

    class Meta:
        ordering = ["-declared_at"]
        verbose_name_plural = "conflicts of interest"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "organisation"],
                condition=Q(withdrawn_at__isnull=True),
                name="conflict_one_open_per_member_and_organisation",
            )
        ]

    def __str__(self):
        return f"{self.member} ↔ {self.organisation}"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None


class CommitteeOffices(models.Model):
    """The SSC's Independent Chair and a deputy, kept by SECAS: one row (pk 1).

    The deputy acts on a case where the chair cannot (no chair, or a conflict of interest);
    users.selectors.acting_chair answers who acts for an organisation."""

    # One row with history, not dated appointments: the portal only ever asks who holds the
    # offices now, and the history already says who held them when and who recorded it.
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="SSC chair",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="deputy chair",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "SSC chair and deputy"
        verbose_name_plural = "SSC chair and deputy"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="committee_offices_one_row"),
            models.CheckConstraint(
                condition=~Q(chair=models.F("deputy")),
                name="committee_offices_chair_is_not_deputy",
                violation_error_message="The chair and the deputy chair must be two people.",
            ),
        ]

    def __str__(self):
        chair = self.chair or "no chair recorded"
        deputy = self.deputy or "no deputy recorded"
        return f"Chair: {chair}; deputy: {deputy}"


class CalendarFeed(models.Model):
    """A person's secret calendar (ICS) address. Revoking it stops the old address working."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_active_per_person",
            )
        ]

    def __str__(self):
        return f"Calendar feed of {self.user}"


class SecurityEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Security events are append-only.")

    def delete(self):
        raise PermissionError("Security events are append-only.")


class SecurityEvent(models.Model):
    """An append-only record of a security-relevant event: who, what, when, from where."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        LOCKED_OUT = "locked_out", "Locked out after repeated failures"
        TWO_FACTOR_VERIFIED = "two_factor_verified", "Two-factor code accepted"
        TWO_FACTOR_FAILED = "two_factor_failed", "Two-factor code refused"
        TWO_FACTOR_ENABLED = "two_factor_enabled", "Two-factor sign-in switched on"
        TWO_FACTOR_DISABLED = "two_factor_disabled", "Two-factor sign-in switched off"
        RECOVERY_CODES = "recovery_codes", "New recovery codes issued"
        PASSWORD_CHANGED = "password_changed", "Password set or changed"
        DOWNLOAD = "download", "File downloaded"
        EXPORT = "export", "Data exported"
        ROLE_CHANGE = "role_change", "Role or access changed"
        INVITATION = "invitation", "Person invited"
        INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
        INVITATION_DECLINED = "invitation_declined", "Invitation declined"
        INVITATION_WITHDRAWN = "invitation_withdrawn", "Invitation withdrawn"
        DECISION = "decision", "SSC decision recorded"
        CALENDAR_ADDRESS = "calendar_address", "Calendar address created, replaced or revoked"
        PAPERS_PUBLISHED = "papers_published", "Meeting papers published"
        REFERRAL = "referral", "Case referred to the SEC Panel"
        APPEAL = "appeal", "Appeal lodged or decided"
        API_TOKEN = "api_token", "API token created, used from a new address or revoked"

    kind = models.CharField(max_length=30, choices=Kind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events",
    )
    actor_email = models.CharField(
        max_length=254, blank=True, help_text="As typed, for failed sign-ins of unknown accounts."
    )
    organisation = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="security_events"
    )
    summary = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Security events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Security events are append-only.")
