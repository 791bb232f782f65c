"""Small factories for the tests; role fixtures live in conftest.py."""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from assessments.models import AssuranceRecord, LatestAssurance, SSCMeeting
from notifications.models import DeliveryModel, Notification, SharedResourceProvider
from notifications.services import next_reference
from users.models import (
    SECAS_STAFF_GROUP,
    SSC_MEMBERS_GROUP,
    CommitteeOffices,
    Membership,
    Organisation,
    PartyCategory,
    User,
    UserRole,
)

# A supplier's usual roles: organisations hold these unless a test says otherwise.
DEFAULT_ROLE_CODES = ("import-supplier", "export-supplier", "gas-supplier")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])
        if create:
            self.save()


def secas_user(**kwargs):
    return UserFactory(groups=[SECAS_STAFF_GROUP], is_staff=True, **kwargs)


def ssc_user(**kwargs):
    return UserFactory(groups=[SSC_MEMBERS_GROUP], is_staff=True, **kwargs)


def record_offices(chair=None, deputy=None) -> CommitteeOffices:
    """The SSC chair and deputy as SECAS would record them (straight to the row, for setup)."""
    offices, _ = CommitteeOffices.objects.update_or_create(
        pk=1, defaults={"chair": chair, "deputy": deputy}
    )
    return offices


def ssc_chair(**kwargs):
    """An SSC member recorded as the SSC chair (no deputy)."""
    chair = ssc_user(**kwargs)
    record_offices(chair=chair)
    return chair


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n} Ltd")
    sec_party_id = factory.Sequence(lambda n: f"SP-{n:04d}")
    party_category = PartyCategory.SMALL_SUPPLIER
    domestic_premises_count = 40_000
    contact_email = factory.Sequence(lambda n: f"contact{n}@org.example.org")

    @factory.post_generation
    def user_roles(self, create, extracted, **kwargs):
        if create:
            held = extracted if extracted is not None else DEFAULT_ROLE_CODES
            self.user_roles.set(
                UserRole.objects.filter(code__in=[getattr(r, "code", r) for r in held])
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.PREPARER


class SharedResourceProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SharedResourceProvider

    name = factory.Sequence(lambda n: f"Provider {n} Ltd")
    latest_assessment_outcome = "approved"


class SSCMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SSCMeeting
        skip_postgeneration_save = True

    # Today: triage needs a meeting not yet past, a decision one already held.
    date = factory.LazyFunction(timezone.localdate)
    # Quorate by default (one member attends, quorum one); the quorum rule has its own tests.
    quorum = 1

    @factory.post_generation
    def attendees(self, create, extracted, **kwargs):
        if not create:
            return
        self.attendees.set(
            extracted if extracted is not None else [ssc_user(full_name="Quorum Member")]
        )


class AssuranceRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssuranceRecord
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    status = "approved"
    kind = "fusa"
    cycle_year = 1
    fieldwork_end_date = datetime.date(2026, 3, 31)
    effective_date = datetime.date(2026, 5, 1)

    @factory.post_generation
    def systems(self, create, extracted, **kwargs):
        if create and extracted:
            self.systems.set(extracted)
            LatestAssurance.objects.refresh([system.pk for system in extracted])


class NotificationFactory(factory.django.DjangoModelFactory):
    """A complete draft, ready to submit."""

    class Meta:
        model = Notification
        skip_postgeneration_save = True

    reference = factory.LazyFunction(lambda: next_reference(timezone.localdate().year))
    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(UserFactory)
    contact_name = "Alex Jones"
    contact_email = "alex.jones@example.org"
    system_name = factory.Sequence(lambda n: f"Customer portal {n}")
    purpose = "Online services for prepayment customers."
    planned_go_live_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=120)
    )
    delivery_model = DeliveryModel.IN_HOUSE
    hosting_description = "Private cloud, UK region."
    dcc_connection = "Via a second DCC User Gateway connection."
    separation_from_existing = "Separate network segments and identities."
    key_management = "Separate HSM partition for User Role signing keys."
    risk_assessment_summary = "Risk assessment completed under G5.14 in March."
    has_known_non_compliances = False
    smets1_meter_count = 0
    smets2_meter_count = 20_000

    @factory.post_generation
    def user_roles(self, create, extracted, **kwargs):
        """Names the organisation's first held role unless roles (or codes) are given."""
        if not create:
            return
        if extracted is None:
            self.user_roles.set(self.organisation.user_roles.order_by("position")[:1])
        else:
            self.user_roles.set(
                UserRole.objects.filter(code__in=[getattr(r, "code", r) for r in extracted])
            )
