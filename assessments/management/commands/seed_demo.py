"""Demo data for development: organisations, people, SRPs, meetings, notifications, assessments.

    DJANGO_DEBUG=true python manage.py seed_demo

Idempotent: everything is looked up by a natural key first (emails, organisation names, SEC
party IDs, SRP names, system names, meeting titles; a notification by its system name within
its organisation; an annual review by its organisation), so a second run changes nothing.

Every lifecycle step goes through the services, acting as the demo person who would take it,
so the transition log names the actor. Dates are relative to today, so every reminder window
(annual review in 90/30/7 days, go-live in 10/5 working days, information and assessment due
dates) has something to show whenever the command is run.
"""

import base64
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentState,
    AssuranceRecord,
    Decision,
    LatestAssurance,
    SSCMeeting,
)
from assessments.services import (
    complete_assessment,
    decide,
    expected_annual_review_kind,
    next_annual_review,
    record_report,
    record_response,
    schedule_assessment,
    start_fieldwork,
    start_review,
)
from notifications.models import (
    AssuranceStatus,
    DeliveryModel,
    Notification,
    NotificationState,
    SharedResourceProvider,
    UserSystem,
)
from notifications.services import (
    TransitionRefused,
    create_draft,
    provide_information,
    request_information,
    submit_notification,
    withdraw_notification,
)
from notifications.workdays import add_working_days, is_working_day, next_working_day
from users.models import (
    SECAS_STAFF_GROUP,
    SSC_CHAIR_GROUP,
    SSC_MEMBERS_GROUP,
    ConflictOfInterest,
    Membership,
    Organisation,
    PartyCategory,
    User,
    UserRole,
)

# Development only: printed at the end of every run, never to be used on a real deployment.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # the RFC 6238 test key
DEMO_RECOVERY_CODES = 10
DEMO_DOMAIN = "demo.ssc-portal.test"


# --- People -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    job_title: str
    access: str
    groups: tuple[str, ...] = ()
    organisation: str | None = None  # an ORGANISATIONS key
    membership_role: str = ""
    is_superuser: bool = False


def _org_email(local: str, org_key: str) -> str:
    return f"{local}@{org_key}.{DEMO_DOMAIN}"


SECAS = f"secas@{DEMO_DOMAIN}"
CHAIR = f"chair@{DEMO_DOMAIN}"
MEMBER = f"ssc.member@{DEMO_DOMAIN}"
MEMBER2 = f"ssc.member2@{DEMO_DOMAIN}"
MEMBER3 = f"ssc.member3@{DEMO_DOMAIN}"
CONFLICTED = f"ssc.conflicted@{DEMO_DOMAIN}"
SSC = (SSC_MEMBERS_GROUP,)

ACCOUNTS = [
    DemoAccount(
        f"superuser@{DEMO_DOMAIN}",
        "Demo Superuser",
        "Portal administrator",
        "Superuser (Django admin, every permission)",
        is_superuser=True,
    ),
    DemoAccount(
        SECAS, "Priya Raman", "SECAS Security Analyst", "SECAS staff", (SECAS_STAFF_GROUP,)
    ),
    DemoAccount(
        CHAIR, "Margaret Holloway", "SSC Chair", "SSC member (chair)", (*SSC, SSC_CHAIR_GROUP)
    ),
    DemoAccount(MEMBER, "Daniel Okafor", "SSC member, large supplier seat", "SSC member", SSC),
    DemoAccount(MEMBER2, "Rhys Evans", "SSC member, network operator seat", "SSC member", SSC),
    DemoAccount(MEMBER3, "Aisha Begum", "SSC member, independent", "SSC member", SSC),
    DemoAccount(
        CONFLICTED,
        "Fiona McLeod",
        "SSC member, small supplier seat",
        "SSC member, conflict with Northwind",
        SSC,
    ),
    DemoAccount(
        _org_email("preparer", "northwind"),
        "Tom Hargreaves",
        "Smart Metering Compliance Analyst",
        "User staff",
        organisation="northwind",
        membership_role=Membership.Role.PREPARER,
    ),
    DemoAccount(
        _org_email("submitter", "northwind"),
        "Lucy Brennan",
        "Head of Smart Metering Security",
        "User staff",
        organisation="northwind",
        membership_role=Membership.Role.SUBMITTER,
    ),
    DemoAccount(
        _org_email("admin", "northwind"),
        "Graham Whitfield",
        "Information Security Manager",
        "User staff",
        organisation="northwind",
        membership_role=Membership.Role.ADMIN,
    ),
    *[
        DemoAccount(
            _org_email("submitter", key),
            name,
            title,
            "User staff",
            organisation=key,
            membership_role=Membership.Role.SUBMITTER,
        )
        for key, name, title in [
            ("brightwater", "Sophie Clarke", "Compliance Manager"),
            ("harbourside", "Owen Price", "Operations Director"),
            ("pennine", "Hannah Lister", "Smart Grid Security Lead"),
            ("fenland", "James Mortimer", "DCC Services Manager"),
            ("meterwise", "Nadia Shah", "Head of Compliance"),
            ("kestrel", "Ben Ashworth", "Chief Information Security Officer"),
        ]
    ],
]


# --- Organisations and their first systems ---------------------------------------------------


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    sec_party_id: str
    category: str
    premises: int
    roles: tuple[str, ...]
    phone: str
    address: str
    first_system: str
    first_delivery: str
    first_provider: str = ""  # an SRP name, for SRP delivery
    first_third_party: str = ""
    # When the next annual review falls, in days from today (negative: overdue).
    review_in_days: int = 180
    cycle_year: int = 1
    assurance: str = AssuranceStatus.APPROVED


ORGANISATIONS = [
    DemoOrganisation(
        "northwind",
        "Northwind Energy Ltd",
        "SP-0101",
        PartyCategory.LARGE_SUPPLIER,
        1_840_000,
        ("import-supplier", "export-supplier", "gas-supplier"),
        "0191 498 0101",
        "14 Quayside, Newcastle upon Tyne NE1 3DX",
        "Northwind Smart Metering Platform",
        DeliveryModel.IN_HOUSE,
        review_in_days=90,
        cycle_year=2,
    ),
    DemoOrganisation(
        "brightwater",
        "Brightwater Energy Supply Ltd",
        "SP-0102",
        PartyCategory.SMALL_SUPPLIER,
        46_500,
        ("import-supplier", "gas-supplier"),
        "0117 496 0102",
        "Unit 4, Riverside Business Park, Bristol BS2 0QT",
        "Brightwater Metering Gateway",
        DeliveryModel.SRP,
        first_provider="Ashdown Utility Hosting Ltd",
        review_in_days=30,
        assurance=AssuranceStatus.APPROVED_SUBJECT_TO_STEPS,
    ),
    DemoOrganisation(
        "harbourside",
        "Harbourside Power Ltd",
        "SP-0103",
        PartyCategory.SMALL_SUPPLIER,
        182_000,
        ("import-supplier", "export-supplier"),
        "029 2018 0103",
        "3 Mount Stuart Square, Cardiff CF10 5EE",
        "Harbourside Core Metering System",
        DeliveryModel.IN_HOUSE,
        review_in_days=5,
    ),
    DemoOrganisation(
        "pennine",
        "Pennine Power Distribution plc",
        "SP-0104",
        PartyCategory.ELECTRICITY_NETWORK,
        0,
        ("electricity-distributor",),
        "0113 496 0104",
        "Aire House, Wellington Street, Leeds LS1 4DL",
        "Pennine Network Data Platform",
        DeliveryModel.IN_HOUSE,
        review_in_days=7,
    ),
    DemoOrganisation(
        "fenland",
        "Fenland Gas Networks plc",
        "SP-0105",
        PartyCategory.GAS_NETWORK,
        0,
        ("gas-transporter",),
        "01733 960 105",
        "Fengate House, Peterborough PE1 5XG",
        "Fenland Gas Smart Metering Interface",
        DeliveryModel.IN_HOUSE,
        review_in_days=200,
    ),
    DemoOrganisation(
        "meterwise",
        "Meterwise Services Ltd",
        "SP-0106",
        PartyCategory.OTHER,
        0,
        ("registered-supplier-agent",),
        "0118 496 0106",
        "Thames Valley Park, Reading RG6 1RA",
        "Meterwise Agent Gateway",
        DeliveryModel.THIRD_PARTY,
        first_third_party="Calder Managed IT Ltd",
        review_in_days=-20,
        assurance=AssuranceStatus.APPROVED_SUBJECT_TO_STEPS,
    ),
    DemoOrganisation(
        "kestrel",
        "Kestrel Data Exchange Ltd",
        "SP-0107",
        PartyCategory.OTHER,
        0,
        ("other-user",),
        "0161 496 0107",
        "Kestrel House, Portland Street, Manchester M1 3LA",
        "Kestrel Consumer Data Service",
        DeliveryModel.IN_HOUSE,
        review_in_days=150,
    ),
]


# --- Shared Resource Providers and meetings ----------------------------------------------------

HELIX = "Helix Managed Metering Services Ltd"
CIRRUS = "Cirrus Smart Data Services Ltd"
ASHDOWN = "Ashdown Utility Hosting Ltd"
TAMAR = "Tamar Meter Operations Ltd"

# name, Companies House number, months since the latest assessment (None: not yet), outcome
PROVIDERS = [
    (HELIX, "09876541", 4, AssuranceStatus.APPROVED),
    (CIRRUS, "11223344", 7, AssuranceStatus.DEFERRED),
    (ASHDOWN, "08765432", 14, AssuranceStatus.APPROVED_SUBJECT_TO_STEPS),
    (TAMAR, "12345678", None, ""),
]

# Numbered like the SSC's own meetings; offsets in days from today.
PAST_1, PAST_2, CURRENT, NEXT, LATER = (f"SSC meeting {n}" for n in range(183, 188))
MEETINGS = [(PAST_1, -28), (PAST_2, -14), (CURRENT, 0), (NEXT, 14), (LATER, 28)]


# --- Assessments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentPlan:
    """Where to take an assessment and the dates (days from today) to record on the way."""

    target: str
    cio: str = ""
    fieldwork_start: int = 0
    fieldwork_end: int = 0
    report: int = 0
    response_due: int = 0
    response: int = 0
    outcome: str = ""
    notes: str = ""


# Annual reviews opened from the cycle matrix, each driven to a different state. Their due dates
# come from the baseline assurance records above (fieldwork end + 12 months).
ANNUAL_REVIEWS = {
    "brightwater": AssessmentPlan(
        AssessmentState.SCHEDULED, "Severn Security Consulting Ltd", 10, 14
    ),
    "meterwise": AssessmentPlan(AssessmentState.FIELDWORK, "Albion Assurance LLP", -30, 2),
    "pennine": AssessmentPlan(
        AssessmentState.REPORT_RECEIVED,
        "Northgate Cyber Assurance Ltd",
        -35,
        -24,
        report=-4,
        response_due=5,
    ),
    "harbourside": AssessmentPlan(
        AssessmentState.RESPONSE_RECEIVED,
        "Albion Assurance LLP",
        -60,
        -46,
        report=-25,
        response_due=-2,
        response=-3,
    ),
}

STATE_ORDER = list(AssessmentState.values)


class Command(BaseCommand):
    help = (
        "Create demo organisations, accounts, SRPs, meetings, notifications and assessments "
        "in every state (idempotent; development only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even though DEBUG is off (the demo accounts share a published password).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates accounts with a published password. Run it with "
                "DJANGO_DEBUG=true, or pass --allow-without-debug on a throwaway demo site."
            )
        self.today = timezone.localdate()
        self.created: dict[str, int] = {}
        try:
            with transaction.atomic():
                self.seed()
        except TransitionRefused as error:
            raise CommandError(f"A lifecycle step was refused: {error}") from error
        self.report()

    # --- bookkeeping ---

    def _count(self, what: str, created: bool = True) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    # --- the whole story, in dependency order ---

    def seed(self) -> None:
        self.roles = {role.code: role for role in UserRole.objects.all()}
        missing = {code for org in ORGANISATIONS for code in org.roles} - set(self.roles)
        if missing:
            raise CommandError(f"User Roles missing (run migrate first): {', '.join(missing)}")
        self.providers = self.seed_providers()
        self.orgs = self.seed_organisations()
        self.seed_accounts()
        # Fresh instances: group, membership, conflict and permission caches start empty.
        self.people = {u.email: u for u in User.objects.filter(email__endswith=DEMO_DOMAIN)}
        self.seed_first_systems_and_assurance()
        self.meetings = self.seed_meetings()
        self.seed_notifications()
        self.seed_annual_reviews()
        self.seed_two_factor()

    def seed_providers(self) -> dict[str, SharedResourceProvider]:
        providers = {}
        for name, number, months_ago, outcome in PROVIDERS:
            assessed = self.today - relativedelta(months=months_ago) if months_ago else None
            provider, created = SharedResourceProvider.objects.get_or_create(
                name=name,
                defaults={
                    "companies_house_number": number,
                    "contact_email": f"assurance@{name.split()[0].lower()}.{DEMO_DOMAIN}",
                    "latest_assessment_date": assessed,
                    "latest_assessment_outcome": outcome,
                    "notes": "Demo data." if assessed else "Demo data. Not assessed yet.",
                },
            )
            self._count("Shared Resource Providers", created)
            providers[name] = provider
        return providers

    def seed_organisations(self) -> dict[str, Organisation]:
        orgs = {}
        for spec in ORGANISATIONS:
            org = Organisation.objects.filter(
                Q(name=spec.name) | Q(sec_party_id=spec.sec_party_id)
            ).first()
            if org is None:
                contact = next(
                    a
                    for a in ACCOUNTS
                    if a.organisation == spec.key and a.membership_role != Membership.Role.PREPARER
                )
                org = Organisation.objects.create(
                    name=spec.name,
                    sec_party_id=spec.sec_party_id,
                    party_category=spec.category,
                    domestic_premises_count=spec.premises,
                    contact_name=contact.full_name,
                    contact_email=contact.email,
                    contact_phone=spec.phone,
                    address=spec.address,
                )
                org.user_roles.set([self.roles[code] for code in spec.roles])
                self._count("organisations")
            orgs[spec.key] = org
        return orgs

    def seed_accounts(self) -> None:
        groups = {
            name: Group.objects.get_or_create(name=name)[0]
            for name in (SSC_MEMBERS_GROUP, SECAS_STAFF_GROUP, SSC_CHAIR_GROUP)
        }
        for account in ACCOUNTS:
            user = User.objects.filter(email__iexact=account.email).first()
            if user is None:
                make = (
                    User.objects.create_superuser
                    if account.is_superuser
                    else User.objects.create_user
                )
                user = make(
                    account.email,
                    DEMO_PASSWORD,
                    full_name=account.full_name,
                    job_title=account.job_title,
                    is_staff=bool(account.groups) or account.is_superuser,
                )
                user.groups.add(*[groups[name] for name in account.groups])
                self._count("accounts")
            if account.organisation:
                _, created = Membership.objects.get_or_create(
                    user=user,
                    organisation=self.orgs[account.organisation],
                    defaults={"role": account.membership_role},
                )
                self._count("memberships", created)
        conflicted = User.objects.get(email__iexact=CONFLICTED)
        northwind = self.orgs["northwind"]
        if not ConflictOfInterest.objects.filter(
            member=conflicted, organisation=northwind, withdrawn_at__isnull=True
        ).exists():
            ConflictOfInterest.objects.create(
                member=conflicted,
                organisation=northwind,
                reason="Worked for Northwind Energy Ltd as a security consultant until last year.",
            )
            self._count("conflicts of interest")

    def seed_first_systems_and_assurance(self) -> None:
        for spec in ORGANISATIONS:
            org = self.orgs[spec.key]
            system = org.user_systems.filter(is_first_system=True).first()
            # The review falls 12 months after the end of the last fieldwork.
            fieldwork_end = self.day(spec.review_in_days) - relativedelta(months=12)
            if system is None:
                system = UserSystem.objects.create(
                    organisation=org,
                    name=spec.first_system,
                    delivery_model=spec.first_delivery,
                    provider=self.providers[spec.first_provider] if spec.first_provider else None,
                    third_party_name=spec.first_third_party,
                    is_first_system=True,
                    status=UserSystem.Status.LIVE,
                    # Live soon after the User Entry Process assessment (year 1 of the cycle).
                    go_live_date=fieldwork_end
                    - relativedelta(years=spec.cycle_year - 1)
                    + relativedelta(months=2),
                )
                self._count("first User Systems")
            if not org.assurance_records.filter(assessment__isnull=True).exists():
                record = AssuranceRecord.objects.create(
                    organisation=org,
                    status=spec.assurance,
                    kind=expected_annual_review_kind(org, spec.cycle_year),
                    cycle_year=spec.cycle_year,
                    fieldwork_end_date=fieldwork_end,
                    effective_date=fieldwork_end + timedelta(days=35),
                    notes="Demo baseline: the last annual review before the portal.",
                )
                record.systems.add(system)
                LatestAssurance.objects.refresh([system.pk])
                self._count("assurance records (baseline)")

    def seed_meetings(self) -> dict[str, SSCMeeting]:
        members = [self.people[email] for email in (CHAIR, MEMBER, MEMBER2, MEMBER3, CONFLICTED)]
        meetings = {}
        for title, offset in MEETINGS:
            meeting = SSCMeeting.objects.filter(title=title).first()
            if meeting is None:
                day = self.day(offset)
                # The current meeting is today, whatever the day: decisions are taken at it.
                if offset > 0:
                    day = next_working_day(day)
                elif offset < 0:
                    while not is_working_day(day):
                        day -= timedelta(days=1)
                meeting = SSCMeeting.objects.create(
                    date=day,
                    title=title,
                    location="SECAS offices, London, and Microsoft Teams",
                    notes="Minutes approved." if offset < 0 else "",
                    # Five attend; one is conflicted on some cases and does not count for them.
                    quorum=len(members) - 1,
                )
                meeting.attendees.add(*members)
                self._count("SSC meetings")
            meetings[title] = meeting
        return meetings

    # --- notifications ---

    def _content(
        self,
        org_key: str,
        *,
        system_name: str,
        purpose: str,
        go_live: date,
        delivery: str,
        roles: tuple[str, ...],
        provider: str = "",
        third_party: str = "",
        location: str = "UK South (London) and UK West (Cardiff) cloud regions",
        smets1: int = 0,
        smets2: int = 0,
        same_isms: bool = True,
        non_compliances: str = "",
    ) -> dict:
        org = self.orgs[org_key]
        hosting = {
            DeliveryModel.IN_HOUSE: f"Hosted and operated by {org.name} in its own tenancy.",
            DeliveryModel.SRP: f"Multi-tenant platform operated by {provider}.",
            DeliveryModel.THIRD_PARTY: f"Dedicated environment operated by {third_party}.",
        }[delivery]
        return {
            "contact_name": org.contact_name,
            "contact_email": org.contact_email,
            "contact_phone": org.contact_phone,
            "system_name": system_name,
            "purpose": purpose,
            "user_roles": [self.roles[code] for code in roles],
            "planned_go_live_date": go_live,
            "smets1_meter_count": smets1,
            "smets2_meter_count": smets2,
            "delivery_model": delivery,
            "provider": self.providers[provider] if provider else None,
            "third_party_name": third_party,
            "hosting_description": hosting,
            "hosting_location": location,
            "dcc_connection": "Two DCC User Gateway connections over the DCC-provided "
            "Secure Network, each terminated on a dedicated DCC Gateway Connection.",
            "separation_from_existing": "Separate network segment and firewall policy; no "
            "direct route to the first User System; separate administrator accounts.",
            "key_management": "User Role signing keys generated and held in a FIPS 140-2 "
            "Level 3 HSM; key custodians named; keys never leave the HSM.",
            "shared_with_existing": "Security operations centre, identity provider and "
            "change management process.",
            "same_isms_scope": same_isms,
            "same_controls": same_isms,
            "risk_assessment_summary": "Information risk assessment under G5.14 completed; "
            "no high residual risks; two medium risks with treatment plans.",
            "risk_assessment_date": self.day(-45),
            "penetration_test_summary": "CHECK-scheme penetration test of the external and "
            "internal interfaces; all high findings fixed and retested.",
            "penetration_test_date": self.day(-30),
            "has_known_non_compliances": bool(non_compliances),
            "known_non_compliances": non_compliances,
        }

    def _notify(self, org_key: str, author: str, content: dict) -> Notification | None:
        """A complete draft, or None if the organisation already has one for this system."""
        org = self.orgs[org_key]
        if Notification.objects.filter(
            organisation=org, system_name=content["system_name"]
        ).exists():
            return None
        self._count("notifications")
        return create_draft(organisation=org, by=self.people[author], **content)

    def _submit(self, notification: Notification, org_key: str) -> Notification:
        return submit_notification(
            notification=notification,
            by=self.people[_org_email("submitter", org_key)],
            declaration_accepted=True,
        )

    def _review(self, notification, *, rapporteur: str, meeting: str) -> Notification:
        return start_review(
            notification=notification,
            by=self.people[SECAS],
            rapporteur=self.people[rapporteur],
            meeting=self.meetings[meeting],
        )

    def _require_assessment(
        self, notification, *, by: str, due_in_days: int, rationale: str, scope: str
    ) -> Assessment:
        decide(
            notification=notification,
            by=self.people[by],
            outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
            rationale=rationale,
            meeting=self.meetings[CURRENT],
            assessment_kind=AssessmentKind.G8_13,
            assessment_scope=scope,
            assessment_due_date=self.day(due_in_days),
        )
        return Assessment.objects.get(notification=notification)

    def seed_notifications(self) -> None:
        in_house = DeliveryModel.IN_HOUSE
        srp = DeliveryModel.SRP
        third_party = DeliveryModel.THIRD_PARTY

        # Draft: complete and ready for the submitter.
        self._notify(
            "northwind",
            _org_email("preparer", "northwind"),
            self._content(
                "northwind",
                system_name="Northwind Disaster Recovery Head-End",
                purpose="A warm standby of the smart metering head-end in a second data "
                "centre, able to take over all DCC traffic within four hours.",
                go_live=self.day(75),
                delivery=in_house,
                roles=("import-supplier", "export-supplier"),
                smets2=1_200_000,
                smets1=310_000,
            ),
        )

        # Submitted late: the planned go-live has already passed.
        if late := self._notify(
            "brightwater",
            _org_email("submitter", "brightwater"),
            self._content(
                "brightwater",
                system_name="Brightwater Smart Tariff Engine",
                purpose="Time-of-use tariff calculation using half-hourly reads collected "
                "through the DCC.",
                go_live=self.day(-3),
                delivery=srp,
                provider=HELIX,
                roles=("import-supplier",),
                smets2=38_000,
            ),
        ):
            self._submit(late, "brightwater")

        # Submitted, go-live in 5 working days, nothing decided: third-party delivery.
        if soon := self._notify(
            "harbourside",
            _org_email("submitter", "harbourside"),
            self._content(
                "harbourside",
                system_name="Harbourside Export Settlement Gateway",
                purpose="Export meter reads for settlement of customers' solar generation.",
                go_live=add_working_days(self.today, 5),
                delivery=third_party,
                third_party="Quantum Cloud Operations Ltd",
                roles=("export-supplier",),
                smets2=21_000,
            ),
        ):
            self._submit(soon, "harbourside")

        # Under review, go-live in 10 working days: a question was asked and answered first.
        if fenland := self._notify(
            "fenland",
            _org_email("submitter", "fenland"),
            self._content(
                "fenland",
                system_name="Fenland Meter Asset Portal",
                purpose="Gas meter asset and network data for field engineers.",
                go_live=add_working_days(self.today, 10),
                delivery=in_house,
                roles=("gas-transporter",),
                location="Fenland's own data centres, Peterborough and Norwich",
            ),
        ):
            self._submit(fenland, "fenland")
            request_information(
                notification=fenland,
                by=self.people[SECAS],
                question="Please confirm whether the portal's engineers' tablets connect "
                "to the same network segment as the DCC User Gateway connection.",
            )
            provide_information(
                notification=fenland,
                by=self.people[_org_email("submitter", "fenland")],
                response="No. Tablets reach the portal through a reverse proxy in a separate "
                "DMZ; the DCC connection is on its own segment with no route from the DMZ.",
            )
            self._review(fenland, rapporteur=CONFLICTED, meeting=NEXT)

        # Information requested by the rapporteur; the answer is due in 3 working days.
        if pennine := self._notify(
            "pennine",
            _org_email("submitter", "pennine"),
            self._content(
                "pennine",
                system_name="Pennine Load Analytics Service",
                purpose="Low-voltage network load analysis from aggregated consumption data.",
                go_live=self.day(45),
                delivery=srp,
                provider=CIRRUS,
                roles=("electricity-distributor",),
                smets2=640_000,
                same_isms=False,
            ),
        ):
            self._submit(pennine, "pennine")
            self._review(pennine, rapporteur=MEMBER2, meeting=NEXT)
            request_information(
                notification=pennine,
                by=self.people[MEMBER2],
                question=f"{CIRRUS}'s latest assessment was deferred. What steps has "
                "the provider taken since, and how will you confirm them before go-live?",
                response_due_date=add_working_days(self.today, 3),
            )

        # No assessment needed: runs on an SRP the SSC assessed and approved four months ago.
        if northwind := self._notify(
            "northwind",
            _org_email("preparer", "northwind"),
            self._content(
                "northwind",
                system_name="Northwind Export Metering Hub",
                purpose="Export MPAN registration and export reads for smart export "
                "guarantee payments.",
                go_live=self.day(40),
                delivery=srp,
                provider=HELIX,
                roles=("export-supplier",),
                smets2=95_000,
            ),
        ):
            self._submit(northwind, "northwind")
            self._review(northwind, rapporteur=MEMBER, meeting=CURRENT)
            decide(
                notification=northwind,
                by=self.people[CHAIR],
                outcome=Decision.Outcome.NO_ASSESSMENT,
                rationale=f"The system runs on {HELIX}'s platform, assessed as part of the "
                "SRP's own assessment and approved. No assessment is needed now; the system "
                "is in scope for Northwind's next annual review.",
                meeting=self.meetings[CURRENT],
            )
            self._scope_first_system(next_annual_review(self.orgs["northwind"]))

        # Assessment required under G8.13, not booked yet: due in 25 days.
        if meterwise := self._notify(
            "meterwise",
            _org_email("submitter", "meterwise"),
            self._content(
                "meterwise",
                system_name="Meterwise Remote Commissioning Service",
                purpose="Remote commissioning and install-and-leave handling for meter "
                "installers acting for several suppliers.",
                go_live=self.day(60),
                delivery=in_house,
                roles=("registered-supplier-agent",),
                smets2=150_000,
                non_compliances="Privileged access reviews are quarterly rather than monthly "
                "while the new identity platform is rolled out.",
            ),
        ):
            self._submit(meterwise, "meterwise")
            self._review(meterwise, rapporteur=MEMBER3, meeting=CURRENT)
            self._require_assessment(
                meterwise,
                by=MEMBER,
                due_in_days=25,
                rationale="A new in-house system never assessed, with a declared "
                "non-compliance on privileged access: assessment required under G8.13.",
                scope="G3–G6 obligations as they apply to the new system's "
                "Registered Supplier Agent role.",
            )

        # Assessment required, CIO booked: the SRP's latest outcome was deferred.
        if payg := self._notify(
            "brightwater",
            _org_email("submitter", "brightwater"),
            self._content(
                "brightwater",
                system_name="Brightwater Pay As You Go Platform",
                purpose="Prepayment top-ups and emergency credit for smart prepayment customers.",
                go_live=self.day(70),
                delivery=srp,
                provider=CIRRUS,
                roles=("import-supplier", "gas-supplier"),
                smets2=12_500,
            ),
        ):
            self._submit(payg, "brightwater")
            self._review(payg, rapporteur=CHAIR, meeting=CURRENT)
            assessment = self._require_assessment(
                payg,
                by=CHAIR,
                due_in_days=40,
                rationale=f"{CIRRUS}'s latest assessment was deferred, so it gives no "
                "assurance for this system: assessment required under G8.13.",
                scope="The platform's prepayment functions and their DCC Service Requests.",
            )
            self.advance(
                assessment,
                AssessmentPlan(AssessmentState.SCHEDULED, "Northgate Cyber Assurance Ltd", 12, 16),
            )

        # Closed: assessed under G8.13 and deferred, so a second system is at risk.
        if kestrel := self._notify(
            "kestrel",
            _org_email("submitter", "kestrel"),
            self._content(
                "kestrel",
                system_name="Kestrel Analytics Cloud",
                purpose="Consumer-consented energy insight services using half-hourly data.",
                go_live=self.day(30),
                delivery=third_party,
                third_party="Stratus Hosting (UK) Ltd",
                roles=("other-user",),
                smets2=300_000,
                same_isms=False,
            ),
        ):
            self._submit(kestrel, "kestrel")
            self._review(kestrel, rapporteur=MEMBER, meeting=CURRENT)
            assessment = self._require_assessment(
                kestrel,
                by=MEMBER3,
                due_in_days=20,
                rationale="Outside the ISMS scope of the first system and run by a provider "
                "never assessed: assessment required under G8.13.",
                scope="All G3–G6 obligations for the Other User role on the new system.",
            )
            self.advance(
                assessment,
                AssessmentPlan(
                    AssessmentState.COMPLETED,
                    "Severn Security Consulting Ltd",
                    -21,
                    -17,
                    report=-10,
                    response_due=-3,
                    response=-4,
                    outcome=AssuranceStatus.DEFERRED,
                    notes="Deferred: logging and monitoring of the provider's administrators "
                    "do not meet G5; reassessment after remediation.",
                ),
            )

        # Withdrawn before any decision.
        if withdrawn := self._notify(
            "fenland",
            _org_email("submitter", "fenland"),
            self._content(
                "fenland",
                system_name="Fenland Pressure Telemetry Bridge",
                purpose="Bridge between pressure telemetry and smart meter alerts.",
                go_live=self.day(90),
                delivery=in_house,
                roles=("gas-transporter",),
            ),
        ):
            self._submit(withdrawn, "fenland")
            withdraw_notification(
                notification=withdrawn,
                by=self.people[_org_email("submitter", "fenland")],
                reason="Project cancelled: the telemetry will stay on the existing system.",
            )

    # --- assessments ---

    def advance(self, assessment: Assessment, plan: AssessmentPlan) -> Assessment:
        """Take an assessment through the services, one step at a time, up to plan.target."""
        by = self.people[SECAS]
        while STATE_ORDER.index(assessment.state) < STATE_ORDER.index(plan.target):
            state = assessment.state
            if state == AssessmentState.REQUIRED:
                assessment = schedule_assessment(
                    assessment=assessment,
                    by=by,
                    cio_name=plan.cio,
                    fieldwork_start_date=self.day(plan.fieldwork_start),
                    fieldwork_end_date=self.day(plan.fieldwork_end),
                )
            elif state == AssessmentState.SCHEDULED:
                assessment = start_fieldwork(
                    assessment=assessment, by=by, started_on=self.day(plan.fieldwork_start)
                )
            elif state == AssessmentState.FIELDWORK:
                assessment = record_report(
                    assessment=assessment,
                    by=by,
                    received_on=self.day(plan.report),
                    fieldwork_ended_on=self.day(plan.fieldwork_end),
                    response_due_date=self.day(plan.response_due),
                )
            elif state == AssessmentState.REPORT_RECEIVED:
                assessment = record_response(
                    assessment=assessment, by=by, received_on=self.day(plan.response)
                )
            else:
                assessment = complete_assessment(
                    assessment=assessment, by=by, assurance_status=plan.outcome, notes=plan.notes
                )
        return assessment

    def seed_annual_reviews(self) -> None:
        for key, plan in ANNUAL_REVIEWS.items():
            org = self.orgs[key]
            if Assessment.objects.filter(organisation=org, notification__isnull=True).exists():
                continue
            review = next_annual_review(org)
            self._count("annual reviews")
            self._scope_first_system(review)
            self.advance(review, plan)

    def _scope_first_system(self, review: Assessment) -> None:
        # next_annual_review() scopes only systems added by decisions; an annual review also
        # covers the live first system.
        review.systems_in_scope.add(*review.organisation.user_systems.filter(is_first_system=True))

    def seed_two_factor(self) -> None:
        """SSC and SECAS accounts must sign in with a second factor: give each demo account an
        authenticator key (to add to any app) and topped-up single-use demo recovery codes."""
        for account in ACCOUNTS:
            if not (set(account.groups) & {SSC_MEMBERS_GROUP, SECAS_STAFF_GROUP}):
                continue
            user = self.people[account.email]
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(
                    user=user, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True
                )
                self._count("demo authenticators")
            device, _ = StaticDevice.objects.get_or_create(
                user=user, name="Demo recovery codes", defaults={"confirmed": True}
            )
            for number in range(1, DEMO_RECOVERY_CODES + 1):
                StaticToken.objects.get_or_create(device=device, token=f"demo{number:04d}")

    # --- output ---

    def report(self) -> None:
        write = self.stdout.write
        if self.created:
            write(self.style.SUCCESS("Demo data created:"))
            for what, count in self.created.items():
                write(f"  {count:>3} {what}")
        else:
            write(self.style.SUCCESS("Demo data already present; nothing changed."))

        write("\nNotifications by state:")
        for state in NotificationState:
            count = Notification.objects.filter(state=state).count()
            write(f"  {count:>3} {state.label}")
        write("Assessments by state:")
        for state in AssessmentState:
            count = Assessment.objects.filter(state=state).count()
            write(f"  {count:>3} {state.label}")

        rows = []
        for account in ACCOUNTS:
            organisation = ""
            if account.organisation:
                spec = next(o for o in ORGANISATIONS if o.key == account.organisation)
                role = Membership.Role(account.membership_role).label
                organisation = f"{spec.name} ({role.lower()})"
            rows.append((account.email, account.full_name, account.access, organisation))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        write(
            "\nSSC and SECAS accounts need a second factor (development only): add the key "
            f"{base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()} to any authenticator app, "
            f"or use a recovery code demo0001 … demo{DEMO_RECOVERY_CODES:04d} (each works once "
            "per account; running seed_demo again restores them)."
        )
        write(f"\nDemo accounts (password for all: {DEMO_PASSWORD} – development only):")
        header = ("Email", "Name", "Access", "Organisation")
        for row in [header, *rows]:
            cells = [f"{cell:<{widths[i]}}" for i, cell in enumerate(row[:3])]
            write(("  " + "  ".join([*cells, row[3]])).rstrip())
