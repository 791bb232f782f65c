"""The demo people: accounts, their groups and memberships, and their second factor."""

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from users.models import (
    SECAS_STAFF_GROUP,
    SSC_MEMBERS_GROUP,
    Membership,
    Organisation,
    User,
)
from users.policy import is_secas, is_ssc_member
from users.selectors import committee_offices
from users.services import record_committee_offices

# Development only: printed at the end of every run, never to be used on a real deployment.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"  # the RFC 6238 test key
DEMO_RECOVERY_CODES = 10
DEMO_DOMAIN = "demo.ssc-portal.test"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    job_title: str
    access: str
    groups: tuple[str, ...] = ()  # one of the committee roles below
    organisation: str | None = None  # an ORGANISATIONS key (register.py)
    membership_role: str = ""
    is_staff: bool = False  # may use the admin site: every committee account
    is_superuser: bool = False


def org_email(local: str, org_key: str) -> str:
    return f"{local}@{org_key}.{DEMO_DOMAIN}"


def submitter_of(org_key: str) -> str:
    return org_email("submitter", org_key)


SECAS = f"secas@{DEMO_DOMAIN}"
CHAIR = f"chair@{DEMO_DOMAIN}"
MEMBER = f"ssc.member@{DEMO_DOMAIN}"
MEMBER2 = f"ssc.member2@{DEMO_DOMAIN}"
MEMBER3 = f"ssc.member3@{DEMO_DOMAIN}"
CONFLICTED = f"ssc.conflicted@{DEMO_DOMAIN}"
DEPUTY = MEMBER3  # the deputy chair acts where the chair has a conflict of interest
# The groups SECAS puts committee people in (in the admin); only the policy reads them.
SECAS_ROLE = (SECAS_STAFF_GROUP,)
SSC_ROLE = (SSC_MEMBERS_GROUP,)
# Everyone who attends the demo meetings; one of them is conflicted on Northwind's cases.
COMMITTEE = (CHAIR, MEMBER, MEMBER2, MEMBER3, CONFLICTED)

ACCOUNTS = [
    DemoAccount(
        f"superuser@{DEMO_DOMAIN}",
        "Demo Superuser",
        "Portal administrator",
        "Superuser (Django admin, every permission)",
        is_staff=True,
        is_superuser=True,
    ),
    *[
        DemoAccount(email, name, title, access, role, is_staff=True)
        for email, name, title, access, role in [
            (SECAS, "Priya Raman", "SECAS Security Analyst", "SECAS staff", SECAS_ROLE),
            (CHAIR, "Margaret Holloway", "SSC Chair", "SSC member (chair)", SSC_ROLE),
            (MEMBER, "Daniel Okafor", "SSC member, large supplier seat", "SSC member", SSC_ROLE),
            (MEMBER2, "Rhys Evans", "SSC member, network operator seat", "SSC member", SSC_ROLE),
            (
                MEMBER3,
                "Aisha Begum",
                "SSC member, independent",
                "SSC member (deputy chair)",
                SSC_ROLE,
            ),
            (
                CONFLICTED,
                "Fiona McLeod",
                "SSC member, small supplier seat",
                "SSC member, conflict with Northwind",
                SSC_ROLE,
            ),
        ]
    ],
    DemoAccount(
        org_email("preparer", "northwind"),
        "Tom Hargreaves",
        "Smart Metering Compliance Analyst",
        "User staff",
        organisation="northwind",
        membership_role=Membership.Role.PREPARER,
    ),
    DemoAccount(
        submitter_of("northwind"),
        "Lucy Brennan",
        "Head of Smart Metering Security",
        "User staff",
        organisation="northwind",
        membership_role=Membership.Role.SUBMITTER,
    ),
    DemoAccount(
        org_email("admin", "northwind"),
        "Graham Whitfield",
        "Information Security Manager",
        "User staff",
        organisation="northwind",
        membership_role=Membership.Role.ADMIN,
    ),
    *[
        DemoAccount(
            submitter_of(key),
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
            ("quayside", "Mo Farouk", "Compliance Lead"),
        ]
    ],
]


def organisation_contact(org_key: str) -> DemoAccount:
    """Who the organisation names as its contact: its first person who may submit."""
    return next(
        account
        for account in ACCOUNTS
        if account.organisation == org_key and account.membership_role != Membership.Role.PREPARER
    )


def seed_accounts(orgs: dict[str, Organisation], created: Counter) -> dict[str, User]:
    """Every demo account with its groups and membership; returns fresh instances by email."""
    for account in ACCOUNTS:
        user = User.objects.filter(email__iexact=account.email).first()
        if user is None:
            user = User.objects.create_user(
                account.email,
                DEMO_PASSWORD,
                full_name=account.full_name,
                job_title=account.job_title,
                is_staff=account.is_staff,
                is_superuser=account.is_superuser,
            )
            # SECAS gives committee roles in the admin; no service assigns groups.
            user.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in account.groups])
            created["accounts"] += 1
        if account.organisation:
            # SECAS adds an organisation's first people directly; an invitation needs an admin
            # already in place, and the person's own acceptance.
            _, new = Membership.objects.get_or_create(
                user=user,
                organisation=orgs[account.organisation],
                defaults={"role": account.membership_role},
            )
            if new:
                created["memberships"] += 1
    # Fresh instances: group, membership, conflict and permission caches start empty.
    return {u.email: u for u in User.objects.filter(email__endswith=DEMO_DOMAIN)}


def seed_chair(people: dict[str, User], created: Counter) -> None:
    """SECAS records the demo chair and deputy chair, as on its chair page."""
    offices = committee_offices()
    if offices.chair_id or offices.deputy_id:
        return  # already recorded (or changed since by someone trying the demo): left alone
    record_committee_offices(chair=people[CHAIR], deputy=people[DEPUTY], by=people[SECAS])
    created["SSC chair and deputy"] += 1


def seed_two_factor(people: dict[str, User], created: Counter) -> None:
    """Give each SSC and SECAS demo account an authenticator key (to add to any app) and
    topped-up single-use demo recovery codes."""
    for user in people.values():
        if not (is_ssc_member(user) or is_secas(user)):
            continue
        # Enrolment makes a random key and asks for a code; the demo publishes a known key.
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(
                user=user, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True
            )
            created["demo authenticators"] += 1
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name="Demo recovery codes", defaults={"confirmed": True}
        )
        for number in range(1, DEMO_RECOVERY_CODES + 1):
            StaticToken.objects.get_or_create(device=device, token=f"demo{number:04d}")
