"""The demo register: Shared Resource Providers, organisations, their first User Systems and
the assurance each held before the portal."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from assessments.demo.people import DEMO_DOMAIN, organisation_contact
from assessments.models import AssuranceRecord, LatestAssurance
from assessments.selectors import expected_annual_review_kind
from notifications.models import AssuranceStatus, DeliveryModel, SharedResourceProvider, UserSystem
from sscportal.history import attribute_change
from users.models import Organisation, PartyCategory, UserRole


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
    first_system: str  # "" for a Party with no approved first User System on the register
    first_delivery: str
    first_provider: str = ""  # an SRP name, for SRP delivery
    first_third_party: str = ""
    # When the next annual review falls, in days from today (negative: overdue).
    review_in_days: int = 180
    cycle_year: int = 1
    assurance: str = AssuranceStatus.APPROVED
    # Smart Metering Systems SECAS has counted, and how many days ago; None: not recorded.
    smart_metering_systems: int | None = None
    counted_days_ago: int = 120


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
        smart_metering_systems=1_790_000,
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
        smart_metering_systems=44_000,
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
        # Small today; its export gateway's meters take it over the boundary (issue 12).
        smart_metering_systems=236_000,
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
    # Notifies without an approved first User System: probably a User Entry matter (issue 12).
    DemoOrganisation(
        "quayside",
        "Quayside Energy Ltd",
        "SP-0108",
        PartyCategory.SMALL_SUPPLIER,
        12_000,
        ("import-supplier",),
        "0191 496 0108",
        "2 Mill Lane, Sunderland SR1 1AA",
        "",
        "",
    ),
]

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


def organisation_name(key: str) -> str:
    return next(spec.name for spec in ORGANISATIONS if spec.key == key)


def missing_user_roles() -> set[str]:
    """User Roles the demo organisations need that the data migration has not made."""
    needed = {code for spec in ORGANISATIONS for code in spec.roles}
    return needed - set(UserRole.objects.filter(code__in=needed).values_list("code", flat=True))


# Register rows below are kept by SECAS in the admin: no service creates them.


def seed_providers(today: date, created: Counter) -> dict[str, SharedResourceProvider]:
    providers = {}
    for name, number, months_ago, outcome in PROVIDERS:
        assessed = today - relativedelta(months=months_ago) if months_ago else None
        provider, new = SharedResourceProvider.objects.get_or_create(
            name=name,
            defaults={
                "companies_house_number": number,
                "contact_email": f"assurance@{name.split()[0].lower()}.{DEMO_DOMAIN}",
                "latest_assessment_date": assessed,
                "latest_assessment_outcome": outcome,
                "notes": "Demo data." if assessed else "Demo data. Not assessed yet.",
            },
        )
        if new:
            created["Shared Resource Providers"] += 1
        providers[name] = provider
    return providers


def seed_organisations(today: date, created: Counter) -> dict[str, Organisation]:
    orgs = {}
    for spec in ORGANISATIONS:
        org = Organisation.objects.filter(
            Q(name=spec.name) | Q(sec_party_id=spec.sec_party_id)
        ).first()
        if org is None:
            contact = organisation_contact(spec.key)
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
            org.user_roles.set(UserRole.objects.filter(code__in=spec.roles))
            created["organisations"] += 1
        if spec.smart_metering_systems is not None and org.smart_metering_systems_count is None:
            org.smart_metering_systems_count = spec.smart_metering_systems
            org.smart_metering_systems_counted_date = today - timedelta(days=spec.counted_days_ago)
            attribute_change(org, by=None, reason="Demo data: Smart Metering Systems counted")
            org.save(
                update_fields=[
                    "smart_metering_systems_count",
                    "smart_metering_systems_counted_date",
                ]
            )
            created["organisation sizes"] += 1
        orgs[spec.key] = org
    return orgs


def seed_first_systems_and_assurance(
    orgs: dict[str, Organisation],
    providers: dict[str, SharedResourceProvider],
    today: date,
    created: Counter,
) -> None:
    """Each organisation's live first system and the annual review it passed before the portal
    (recorded directly: the completing service records only assessments the portal tracked)."""
    for spec in ORGANISATIONS:
        if not spec.first_system:
            continue
        org = orgs[spec.key]
        system = org.user_systems.filter(is_first_system=True).first()
        # The review falls 12 months after the end of the last fieldwork.
        fieldwork_end = today + timedelta(days=spec.review_in_days) - relativedelta(months=12)
        if system is None:
            system = UserSystem.objects.create(
                organisation=org,
                name=spec.first_system,
                delivery_model=spec.first_delivery,
                provider=providers[spec.first_provider] if spec.first_provider else None,
                third_party_name=spec.first_third_party,
                is_first_system=True,
                status=UserSystem.Status.LIVE,
                # Live soon after the User Entry Process assessment (year 1 of the cycle).
                go_live_date=fieldwork_end
                - relativedelta(years=spec.cycle_year - 1)
                + relativedelta(months=2),
            )
            created["first User Systems"] += 1
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
            created["assurance records (baseline)"] += 1
