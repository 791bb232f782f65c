"""The whole demo, in dependency order, and the report the command prints.

Idempotent: everything is looked up by a natural key first (emails, organisation names, SEC
party IDs, SRP names, system names, meeting titles; a notification by its system name within
its organisation; an annual review by its organisation), so a second run changes nothing.

Dates are relative to today, so every reminder window (annual review in 90/30/7 days, go-live
in 10/5 working days, information and assessment due dates) has something to show whenever the
demo is seeded.
"""

import base64
from collections import Counter
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments.demo import scenarios
from assessments.demo.appeals import seed_referral_and_appeal
from assessments.demo.committee_decisions import seed_committee_decisions
from assessments.demo.deferral import seed_deferral
from assessments.demo.meetings import CURRENT, NEXT, PAST_1, seed_conflict, seed_meetings
from assessments.demo.panel_report import seed_panel_report
from assessments.demo.papers import seed_papers
from assessments.demo.people import (
    ACCOUNTS,
    CHAIR,
    CONFLICTED,
    DEMO_PASSWORD,
    DEMO_RECOVERY_CODES,
    DEMO_TOTP_KEY,
    MEMBER,
    MEMBER2,
    MEMBER3,
    SECAS,
    org_email,
    seed_accounts,
    seed_chair,
    seed_two_factor,
    submitter_of,
)
from assessments.demo.register import (
    CIRRUS,
    HELIX,
    missing_user_roles,
    organisation_name,
    seed_first_systems_and_assurance,
    seed_organisations,
    seed_providers,
)
from assessments.demo.scenarios import AssessmentPlan
from assessments.demo.written_procedure import seed_written_procedure
from assessments.follow_up import FollowUpPlan, default_due_date
from assessments.models import (
    Assessment,
    AssessmentDecision,
    AssessmentKind,
    AssessmentState,
    AssuranceRecord,
    RemediationPlan,
    RemediationStep,
)
from assessments.remediation import StepPlan, add_step_evidence, mark_step_done
from notifications.filetypes import sniff
from notifications.models import (
    AssuranceStatus,
    DeliveryModel,
    Notification,
    NotificationState,
    SrpCoverage,
    UserSystem,
)
from notifications.services import (
    confirm_srp_coverage,
    provide_information,
    record_began_employing,
    request_information,
    start_change_notification,
    update_draft,
    withdraw_notification,
)
from notifications.workdays import add_working_days
from users.models import Membership

IN_HOUSE, SRP, THIRD_PARTY = DeliveryModel.IN_HOUSE, DeliveryModel.SRP, DeliveryModel.THIRD_PARTY

# Annual reviews opened from the cycle matrix, each driven to a different state. Their due dates
# come from the baseline assurance records (fieldwork end + 12 months).
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
    # SECAS has proposed the outcome; the committee has yet to decide it.
    "fenland": AssessmentPlan(
        AssessmentState.OUTCOME_PROPOSED,
        "Severn Security Consulting Ltd",
        -70,
        -60,
        report=-40,
        response_due=-10,
        response=-12,
        outcome=AssuranceStatus.APPROVED,
        notes="The report finds every G3–G6 obligation met; the User's response closes the "
        "two observations on patch timing.",
    ),
}


class SeedRefused(Exception):
    """The database is not ready for the demo; the message says what to run."""


def seed(today: date) -> Counter:
    """Seed whatever is missing; returns how many of each kind of thing were created."""
    return DemoSeed(today).run()


class DemoSeed:
    def __init__(self, today: date):
        self.today = today
        self.created: Counter = Counter()

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def run(self) -> Counter:
        if missing := missing_user_roles():
            raise SeedRefused(f"User Roles missing (run migrate first): {', '.join(missing)}")
        self.providers = seed_providers(self.today, self.created)
        self.orgs = seed_organisations(self.today, self.created)
        self.people = seed_accounts(self.orgs, self.created)
        seed_chair(self.people, self.created)
        seed_first_systems_and_assurance(self.orgs, self.providers, self.today, self.created)
        self.meetings = seed_meetings(self.people, self.today, self.created)
        seed_conflict(self.people, self.orgs["northwind"], self.meetings, self.created)
        self.seed_notifications()
        seed_deferral(self)
        seed_papers(self.people, self.meetings, self.created)
        self.seed_register_lifecycle()
        seed_referral_and_appeal(self.people, self.created)
        self.seed_annual_reviews()
        seed_panel_report(self.today, self.created)
        # After the annual reviews: a decision with no assessment scopes the system into one.
        seed_committee_decisions(self)
        seed_written_procedure(self)
        seed_two_factor(self.people, self.created)
        return self.created

    # --- the steps each case takes, acting as the demo person who would take them ---

    def new_case(
        self, org_key: str, *, author: str = "", submit: bool = True, **content
    ) -> Notification | None:
        """A complete case, drafted by `author` and submitted by the organisation's submitter
        (or left a draft); None if the organisation already has one for this system."""
        org = self.orgs[org_key]
        if Notification.objects.filter(
            organisation=org, system_name=content["system_name"]
        ).exists():
            return None
        self.created["notifications"] += 1
        submitter = self.people[submitter_of(org_key)]
        by = self.people[author] if author else submitter
        if not submit:
            return scenarios.draft(organisation=org, by=by, **content)
        return scenarios.submitted_case(organisation=org, by=by, submitter=submitter, **content)

    def review(self, case: Notification, *, rapporteur: str, meeting: str) -> Notification:
        return scenarios.case_under_review(
            case,
            by=self.people[SECAS],
            rapporteur=self.people[rapporteur],
            meeting=self.meetings[meeting],
        )

    def require_assessment(
        self,
        case: Notification,
        *,
        by: str,
        due_in_days: int,
        rationale: str,
        scope: str,
        kind: str = AssessmentKind.FUSA,
    ) -> Assessment:
        return scenarios.assessment_required(
            case,
            by=self.people[by],
            meeting=self.meetings[CURRENT],
            due_date=self.day(due_in_days),
            rationale=rationale,
            scope=scope,
            kind=kind,
        )

    def advance(self, assessment: Assessment, plan: AssessmentPlan) -> Assessment:
        return scenarios.advance_assessment(
            assessment, by=self.people[SECAS], plan=plan, today=self.today
        )

    # --- the cases, one in each state ---

    def seed_notifications(self) -> None:
        # Draft: complete and ready for the submitter.
        self.new_case(
            "northwind",
            author=org_email("preparer", "northwind"),
            submit=False,
            system_name="Northwind Disaster Recovery Head-End",
            purpose="A warm standby of the smart metering head-end in a second data "
            "centre, able to take over all DCC traffic within four hours.",
            go_live=self.day(75),
            delivery=IN_HOUSE,
            roles=("import-supplier", "export-supplier"),
            smets2=1_200_000,
            smets1=310_000,
        )

        # Submitted late: the planned go-live has already passed.
        self.new_case(
            "brightwater",
            system_name="Brightwater Smart Tariff Engine",
            purpose="Time-of-use tariff calculation using half-hourly reads collected "
            "through the DCC.",
            go_live=self.day(-3),
            delivery=SRP,
            provider=self.providers[HELIX],
            roles=("import-supplier",),
            smets2=38_000,
        )

        # Submitted, go-live in 5 working days, nothing decided: third-party delivery. Its
        # meters take Harbourside (236,000 counted) over the small-party boundary.
        self.new_case(
            "harbourside",
            system_name="Harbourside Export Settlement Gateway",
            purpose="Export meter reads for settlement of customers' solar generation.",
            go_live=add_working_days(self.today, 5),
            delivery=THIRD_PARTY,
            third_party="Quantum Cloud Operations Ltd",
            roles=("export-supplier",),
            smets1=8_000,
            smets2=21_000,
        )

        # Under review, go-live in 10 working days: a question was asked and answered first.
        if fenland := self.new_case(
            "fenland",
            system_name="Fenland Meter Asset Portal",
            purpose="Gas meter asset and network data for field engineers.",
            go_live=add_working_days(self.today, 10),
            delivery=IN_HOUSE,
            roles=("gas-transporter",),
            location="Fenland's own data centres, Peterborough and Norwich",
        ):
            request_information(
                notification=fenland,
                by=self.people[SECAS],
                question="Please confirm whether the portal's engineers' tablets connect "
                "to the same network segment as the DCC User Gateway connection.",
            )
            provide_information(
                notification=fenland,
                by=self.people[submitter_of("fenland")],
                response="No. Tablets reach the portal through a reverse proxy in a separate "
                "DMZ; the DCC connection is on its own segment with no route from the DMZ.",
            )
            self.review(fenland, rapporteur=CONFLICTED, meeting=NEXT)

        # Information requested by the rapporteur; the answer is due in 3 working days.
        if pennine := self.new_case(
            "pennine",
            system_name="Pennine Load Analytics Service",
            purpose="Low-voltage network load analysis from aggregated consumption data.",
            go_live=self.day(45),
            delivery=SRP,
            provider=self.providers[CIRRUS],
            roles=("electricity-distributor",),
            smets2=640_000,
            same_isms=False,
        ):
            self.review(pennine, rapporteur=MEMBER2, meeting=NEXT)
            request_information(
                notification=pennine,
                by=self.people[MEMBER2],
                question=f"{CIRRUS}'s latest assessment was deferred. What steps has "
                "the provider taken since, and how will you confirm them before go-live?",
                response_due_date=add_working_days(self.today, 3),
            )

        # No assessment needed: runs on an SRP the SSC assessed and approved four months ago.
        if northwind := self.new_case(
            "northwind",
            author=org_email("preparer", "northwind"),
            system_name="Northwind Export Metering Hub",
            purpose="Export MPAN registration and export reads for smart export "
            "guarantee payments.",
            go_live=self.day(40),
            delivery=SRP,
            provider=self.providers[HELIX],
            roles=("export-supplier",),
            smets2=95_000,
        ):
            confirm_srp_coverage(
                system=northwind.user_system,
                by=self.people[SECAS],
                coverage=SrpCoverage.COVERED,
                note=f"{HELIX} User Security Assessment Report, scope annex: export services.",
            )
            self.review(northwind, rapporteur=MEMBER, meeting=CURRENT)
            scenarios.decided_no_assessment(
                northwind,
                by=self.people[CHAIR],
                meeting=self.meetings[CURRENT],
                rationale=f"The system runs on {HELIX}'s platform, assessed as part of the "
                "SRP's own assessment and approved. No assessment is needed now; the system "
                "is in scope for Northwind's next annual review.",
            )
            scenarios.annual_review(self.orgs["northwind"])

        # Assessment required under G8.13, not booked yet: due in 25 days.
        if meterwise := self.new_case(
            "meterwise",
            system_name="Meterwise Remote Commissioning Service",
            purpose="Remote commissioning and install-and-leave handling for meter "
            "installers acting for several suppliers.",
            go_live=self.day(60),
            delivery=IN_HOUSE,
            roles=("registered-supplier-agent",),
            smets2=150_000,
            non_compliances="Privileged access reviews are quarterly rather than monthly "
            "while the new identity platform is rolled out.",
        ):
            self.review(meterwise, rapporteur=MEMBER3, meeting=CURRENT)
            self.require_assessment(
                meterwise,
                by=MEMBER,
                due_in_days=25,
                rationale="A new in-house system never assessed, with a declared "
                "non-compliance on privileged access: assessment required under G8.13.",
                scope="G3–G6 obligations as they apply to the new system's "
                "Registered Supplier Agent role.",
            )

        # Assessment required, CIO booked: the SRP's latest outcome was deferred.
        if payg := self.new_case(
            "brightwater",
            system_name="Brightwater Pay As You Go Platform",
            purpose="Prepayment top-ups and emergency credit for smart prepayment customers.",
            go_live=self.day(70),
            delivery=SRP,
            provider=self.providers[CIRRUS],
            roles=("import-supplier", "gas-supplier"),
            smets2=12_500,
        ):
            self.review(payg, rapporteur=CHAIR, meeting=CURRENT)
            assessment = self.require_assessment(
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

        # Self-assessments (USSA) under G8.13: one submitted by the User, one reviewed by the CIO.
        for org_key, system_name, role, target in [
            (
                "pennine",
                "Pennine Fault Alert Relay",
                "electricity-distributor",
                AssessmentState.SELF_ASSESSMENT_SUBMITTED,
            ),
            (
                "harbourside",
                "Harbourside Export Tariff Portal",
                "export-supplier",
                AssessmentState.CIO_REVIEW_RECORDED,
            ),
        ]:
            if case := self.new_case(
                org_key,
                system_name=system_name,
                purpose="A customer-facing service reusing the first system's DCC connection.",
                go_live=self.day(75),
                delivery=IN_HOUSE,
                roles=(role,),
                smets2=4_000,
            ):
                self.review(case, rapporteur=MEMBER, meeting=CURRENT)
                assessment = self.require_assessment(
                    case,
                    by=MEMBER,
                    due_in_days=45,
                    rationale="Same ISMS and controls as the first system: a self-assessment "
                    "of the new system, reviewed by the CIO, is enough.",
                    scope="The new system only.",
                    kind=AssessmentKind.USSA,
                )
                self.advance(assessment, AssessmentPlan(target, "Albion Assurance LLP", 0, 0))

        # Closed: assessed under G8.13 and deferred five weeks ago, so a second system is at risk
        # and reads "Not approved"; its follow-up assessment is booked.
        if kestrel := self.new_case(
            "kestrel",
            system_name="Kestrel Analytics Cloud",
            purpose="Consumer-consented energy insight services using half-hourly data.",
            go_live=self.day(30),
            delivery=THIRD_PARTY,
            third_party="Stratus Hosting (UK) Ltd",
            roles=("other-user",),
            smets2=300_000,
            same_isms=False,
        ):
            self.review(kestrel, rapporteur=MEMBER, meeting=CURRENT)
            assessment = self.require_assessment(
                kestrel,
                by=MEMBER3,
                due_in_days=20,
                rationale="Outside the ISMS scope of the first system and run by a provider "
                "never assessed: assessment required under G8.13.",
                scope="All G3–G6 obligations for the Other User role on the new system.",
            )
            self.deferred_with_follow_up(assessment)

        # Assessed under G8.13 and approved subject to steps: one step done and awaiting
        # SECAS, one overdue.
        if grid := self.new_case(
            "kestrel",
            system_name="Kestrel Tariff Comparison Service",
            purpose="Tariff comparison for consumers from consented half-hourly data.",
            go_live=self.day(45),
            delivery=IN_HOUSE,
            roles=("other-user",),
        ):
            self.review(grid, rapporteur=MEMBER, meeting=CURRENT)
            assessment = self.require_assessment(
                grid,
                by=CHAIR,
                due_in_days=30,
                rationale="A new analytics platform outside the first system's ISMS scope: "
                "assessment required under G8.13.",
                scope="G3–G6 obligations as they apply to the new platform.",
            )
            self.remediation_plan(assessment, owner=submitter_of("kestrel"))

        # Withdrawn before any decision.
        if withdrawn := self.new_case(
            "fenland",
            system_name="Fenland Pressure Telemetry Bridge",
            purpose="Bridge between pressure telemetry and smart meter alerts.",
            go_live=self.day(90),
            delivery=IN_HOUSE,
            roles=("gas-transporter",),
        ):
            withdraw_notification(
                notification=withdrawn,
                by=self.people[submitter_of("fenland")],
                reason="Project cancelled: the telemetry will stay on the existing system.",
            )

        # Submitted by an organisation with no approved first User System: SECAS sees it flagged.
        self.new_case(
            "quayside",
            system_name="Quayside Billing Gateway",
            purpose="Prepayment top-ups and billing reads for a new supply business.",
            go_live=self.day(60),
            delivery=IN_HOUSE,
            roles=("import-supplier",),
            smets2=12_000,
        )

    def deferred_with_follow_up(self, assessment: Assessment) -> None:
        """Deferred at a meeting weeks ago (fieldwork before that), and the follow-up it opened
        now booked."""
        meeting = self.meetings[PAST_1]
        decided_on = meeting.date
        ago = (self.today - decided_on).days
        deferred = scenarios.assessment_completed(
            assessment,
            by=self.people[SECAS],
            decided_by=self.people[MEMBER],
            meeting=meeting,
            outcome=AssuranceStatus.DEFERRED,
            notes="Deferred: logging and monitoring of the provider's administrators "
            "do not meet G5; reassessment after remediation.",
            plan=AssessmentPlan(
                fieldwork_start=-ago - 40,
                fieldwork_end=-ago - 36,
                report=-ago - 25,
                response_due=-ago - 12,
                response=-ago - 14,
                follow_up=FollowUpPlan(
                    due_date=default_due_date(decided_on),
                    scope="The findings on logging and monitoring of the provider's "
                    "administrators, and the G5 controls they affect.",
                ),
            ),
            today=self.today,
        )
        # The service records today's decision; the demo moves it, and the assessment's log
        # (in order) and the follow-up's opening, weeks back.
        decided_at = timezone.now() - timedelta(days=ago)
        follow_up = deferred.follow_ups.get()
        Assessment.objects.filter(pk=deferred.pk).update(completed_at=decided_at)
        AssuranceRecord.objects.filter(assessment=deferred).update(
            effective_date=decided_on, recorded_at=decided_at
        )
        AssessmentDecision.objects.filter(assessment=deferred).update(decided_at=decided_at)
        StateLog.objects.for_(deferred).update(timestamp=F("timestamp") - timedelta(days=ago))
        StateLog.objects.for_(follow_up).update(timestamp=decided_at)
        self.advance(
            follow_up,
            AssessmentPlan(AssessmentState.SCHEDULED, "Northgate Cyber Assurance Ltd", 28, 32),
        )
        self.created["follow-up assessments"] += 1

    def remediation_plan(self, assessment: Assessment, *, owner: str) -> None:
        """Completed "Approved subject to steps"; the plan was set weeks ago, so a step is late."""
        person = self.people[owner]
        steps = (
            StepPlan(
                "Move privileged access reviews from quarterly to monthly.",
                person.full_name,
                person.email,
                self.day(30),
            ),
            StepPlan(
                "Extend security monitoring to the platform's cloud administration accounts.",
                person.full_name,
                person.email,
                self.day(60),
            ),
        )
        scenarios.assessment_completed(
            assessment,
            by=self.people[SECAS],
            decided_by=self.people[CHAIR],
            meeting=self.meetings[CURRENT],
            outcome=AssuranceStatus.APPROVED_SUBJECT_TO_STEPS,
            notes="Approved subject to two steps on privileged access and monitoring.",
            plan=AssessmentPlan(steps=steps),
            today=self.today,
        )
        plan = RemediationPlan.objects.get(assessment=assessment)
        first, second = plan.steps.order_by("position")
        # The service takes only future dates; the demo backdates the plan so one step is late.
        RemediationPlan.objects.filter(pk=plan.pk).update(
            created_at=timezone.now() - timedelta(days=40)
        )
        RemediationStep.objects.filter(pk=first.pk).update(due_date=self.day(-9))
        evidence = ContentFile(b"%PDF-1.7\n% Demo evidence\n%%EOF\n", name="monitoring.pdf")
        evidence.safe_name = "monitoring-coverage.pdf"
        add_step_evidence(
            step=second, by=person, upload=evidence, kind=sniff(evidence), tlp="amber"
        )
        mark_step_done(
            step=second,
            by=person,
            note="Monitoring now covers the cloud administration accounts; report attached.",
        )
        self.created["remediation plans"] += 1

    def seed_register_lifecycle(self) -> None:
        """Systems the register has learnt about: one in use before the SSC's decision, one
        that went live after it and is now being changed."""
        submitter = self.people[submitter_of("harbourside")]
        if early := self.new_case(
            "harbourside",
            system_name="Harbourside Smart Heating Controls",
            purpose="Heat-pump and storage-heater control using smart meter load signals.",
            go_live=self.day(-1),
            delivery=IN_HOUSE,
            roles=("import-supplier",),
            smets2=8_000,
        ):
            # Notified twelve days ago (in good time); nothing is decided, yet it went live.
            notified_at = timezone.now() - timedelta(days=12)
            Notification.objects.filter(pk=early.pk).update(
                created_at=notified_at - timedelta(hours=2), submitted_at=notified_at
            )
            record_began_employing(system=early.user_system, by=submitter, began_date=self.day(-1))

        northwind_hub = UserSystem.objects.filter(
            organisation=self.orgs["northwind"], name="Northwind Export Metering Hub"
        ).first()
        if northwind_hub is not None and not northwind_hub.change_notifications.exists():
            northwind_submitter = self.people[submitter_of("northwind")]
            if northwind_hub.began_employing_date is None:
                # Notified a month ago; went live today, the day the SSC's decision was taken.
                notified_at = timezone.now() - timedelta(days=30)
                northwind_hub.notifications.filter(submitted_at__isnull=False).update(
                    created_at=notified_at - timedelta(hours=2), submitted_at=notified_at
                )
                record_began_employing(
                    system=northwind_hub, by=northwind_submitter, began_date=self.today
                )
            change = start_change_notification(system=northwind_hub, by=northwind_submitter)
            update_draft(
                notification=change,
                by=northwind_submitter,
                content={
                    "change_summary": f"Moving the hub from {HELIX}'s platform to Northwind's "
                    "own data centre, run in-house.",
                    "delivery_model": IN_HOUSE,
                    "provider": None,
                    "hosting_description": "Hosted and operated by Northwind in its own "
                    "data centre.",
                    "planned_go_live_date": self.day(80),
                },
            )
            scenarios.submit(change, by=northwind_submitter)
            self.created["change notifications"] += 1

    def seed_annual_reviews(self) -> None:
        for key, plan in ANNUAL_REVIEWS.items():
            org = self.orgs[key]
            if Assessment.objects.filter(organisation=org, notification__isnull=True).exists():
                continue
            self.created["annual reviews"] += 1
            self.advance(scenarios.annual_review(org), plan)


def report(created: Counter, write, style) -> None:
    """What was created, the states now present, and how to sign in as each demo person."""
    if created:
        write(style.SUCCESS("Demo data created:"))
        for what, count in created.items():
            write(f"  {count:>3} {what}")
    else:
        write(style.SUCCESS("Demo data already present; nothing changed."))

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
            role = Membership.Role(account.membership_role).label
            organisation = f"{organisation_name(account.organisation)} ({role.lower()})"
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
