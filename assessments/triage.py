"""Triage indicators: documented rules that *suggest* an outcome for a notification.

The rules are data: each has a code, what it looks at, what it suggests and the reason it
gives. They are listed for people in docs/TRIAGE_RULES.md (a test keeps the two in step).
A suggestion never decides; only the SSC does, with its own written rationale.
"""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from assessments.models import Decision, TriageSettings
from notifications.models import AT_RISK_ASSURANCE, AssuranceStatus, DeliveryModel, SrpCoverage

ASSESS = Decision.Outcome.ASSESSMENT_REQUIRED
NO_ASSESSMENT = Decision.Outcome.NO_ASSESSMENT
INDICATOR = ""  # shown to the SSC, suggests neither outcome

# The thresholds the rules use are data (TriageSettings, kept by SECAS in the admin).
OPERATING_ASSURANCE = {AssuranceStatus.APPROVED, AssuranceStatus.APPROVED_SUBJECT_TO_STEPS}


@dataclass(frozen=True)
class CaseFacts:
    """What the rules may look at, gathered once per case page."""

    notification: object
    today: date
    organisation_assurance: object  # latest AssuranceRecord or None
    next_annual_review_date: date | None
    next_meeting_date: date | None
    system_ever_assessed: bool
    thresholds: TriageSettings | None = None  # None: the defaults
    size_outlook: object = None  # assessments.selectors.SizeOutlook, or None when not gathered

    @property
    def settings(self) -> TriageSettings:
        return self.thresholds or TriageSettings()


@dataclass(frozen=True)
class Finding:
    code: str
    suggests: str
    reason: str
    # The setting and value that produced it, shown beside the rule's code ("threshold 12 months").
    value: str = ""

    @property
    def source(self) -> str:
        return f"rule {self.code}, {self.value}" if self.value else f"rule {self.code}"


def _months_between(earlier: date, later: date) -> int:
    delta = relativedelta(later, earlier)
    return delta.years * 12 + delta.months


def _coverage_of(notification):
    """The system's SRP coverage answer, when the system is the one this SRP provides."""
    system = notification.user_system
    if system is None or system.provider_id != notification.provider_id:
        return None
    return system


def srp_assessment(facts: CaseFacts) -> Finding | None:
    n = facts.notification
    if n.delivery_model != DeliveryModel.SRP or n.provider is None:
        return None
    provider = n.provider
    if provider.latest_assessment_date is None:
        return Finding(
            "srp_never_assessed",
            ASSESS,
            f"Provided by {provider.name}, which has not been assessed → suggests an assessment",
        )
    recent_months = facts.settings.srp_assessment_recent_months
    threshold = f"threshold {recent_months} months"
    months = _months_between(provider.latest_assessment_date, facts.today)
    outcome = provider.get_latest_assessment_outcome_display() or "outcome not recorded"
    if provider.latest_assessment_outcome in AT_RISK_ASSURANCE:
        return Finding(
            "srp_assessed_at_risk",
            ASSESS,
            f"Provided by {provider.name}, assessed {months} months ago: {outcome} "
            "→ suggests an assessment",
        )
    system = _coverage_of(n)
    coverage = system.srp_coverage if system else SrpCoverage.NOT_CONFIRMED
    recent = provider.latest_assessment_outcome in OPERATING_ASSURANCE and months < recent_months
    if coverage == SrpCoverage.NOT_COVERED:
        return Finding(
            "srp_service_not_covered",
            ASSESS,
            f"SECAS confirmed that {provider.name}'s assessment did not cover this service "
            f"({system.srp_coverage_note or 'no report named'}) → suggests an assessment",
            "SRP coverage: not covered",
        )
    if coverage == SrpCoverage.COVERED and recent:
        return Finding(
            "srp_service_covered",
            NO_ASSESSMENT,
            f"SECAS confirmed that {provider.name}'s assessment ({months} months ago, {outcome}) "
            f"covered this service ({system.srp_coverage_note or 'no report named'}) → suggests "
            "no assessment until the annual review",
            f"SRP coverage: covered; {threshold}",
        )
    if coverage == SrpCoverage.COVERED:
        return Finding(
            "srp_service_covered_but_old",
            INDICATOR,
            f"SECAS confirmed that {provider.name}'s assessment covered this service, but it was "
            f"{months} months ago ({outcome}): the SSC to weigh whether it still speaks for "
            "the service",
            f"SRP coverage: covered; {threshold}",
        )
    unconfirmed = "; whether it covered this service is not yet confirmed"
    if recent:
        return Finding(
            "srp_recently_assessed",
            NO_ASSESSMENT,
            f"Provided by an SRP assessed {months} months ago, {outcome}{unconfirmed} → suggests "
            "no assessment until the annual review",
            threshold,
        )
    return Finding(
        "srp_assessment_old",
        ASSESS,
        f"Provided by {provider.name}, last assessed {months} months ago ({outcome})"
        f"{unconfirmed} → suggests an assessment",
        threshold,
    )


def in_house_never_assessed(facts: CaseFacts) -> Finding | None:
    if facts.notification.delivery_model == DeliveryModel.IN_HOUSE and not (
        facts.system_ever_assessed
    ):
        return Finding(
            "in_house_never_assessed",
            ASSESS,
            "In-house and never assessed → suggests an assessment",
        )
    return None


def third_party_provider(facts: CaseFacts) -> Finding | None:
    n = facts.notification
    if n.delivery_model == DeliveryModel.THIRD_PARTY and not facts.system_ever_assessed:
        return Finding(
            "third_party_unassessed",
            ASSESS,
            f"Run by {n.third_party_name or 'a third party'}, not on the SRP register and never "
            "assessed → suggests an assessment",
        )
    return None


def outside_isms(facts: CaseFacts) -> Finding | None:
    n = facts.notification
    if n.same_isms_scope is False or n.same_controls is False:
        return Finding(
            "outside_isms_or_controls",
            ASSESS,
            "Outside the first system's ISMS scope or controls → suggests an assessment",
        )
    return None


def known_non_compliances(facts: CaseFacts) -> Finding | None:
    n = facts.notification
    if n.has_known_non_compliances:
        return Finding(
            "known_non_compliances",
            ASSESS,
            "The User declares known non-compliance with SEC G3–G6 → suggests an assessment",
        )
    if n.has_known_non_compliances is None and n.known_non_compliances.strip():
        # Made before the yes/no question: the words may say "none", so they are never guessed.
        return Finding(
            "non_compliance_unconfirmed",
            INDICATOR,
            "Notified before the yes/no question on non-compliance; SECAS to confirm whether "
            "the User's details declare a non-compliance",
        )
    return None


def organisation_at_risk(facts: CaseFacts) -> Finding | None:
    record = facts.organisation_assurance
    if record is not None and record.status in AT_RISK_ASSURANCE:
        return Finding(
            "organisation_assurance_at_risk",
            ASSESS,
            f"The organisation's latest assurance status is {record.get_status_display()} "
            "→ suggests an assessment",
        )
    return None


def annual_review_soon(facts: CaseFacts) -> Finding | None:
    due = facts.next_annual_review_date
    soon = facts.settings.annual_review_soon_days
    if due is not None and 0 <= (due - facts.today).days <= soon:
        return Finding(
            "annual_review_soon",
            NO_ASSESSMENT,
            f"Annual review due by {due:%d/%m/%Y} ({(due - facts.today).days} days) "
            "→ the system could be assessed then",
            f"threshold {soon} days",
        )
    return None


def crosses_size_boundary(facts: CaseFacts) -> Finding | None:
    outlook = facts.size_outlook
    if outlook is None or not outlook.crosses_boundary:
        return None
    organisation = outlook.organisation
    if organisation.smart_metering_systems_count is None:
        base = f"{organisation.name}'s count is not recorded, and this system alone has"
    else:
        base = (
            f"{outlook.notified_meters:,} Smart Metering Systems would take {organisation.name} "
            f"from {organisation.smart_metering_systems_count:,} to"
        )
    change = (
        f"{outlook.kind_now} → {outlook.kind_if_large}"
        if outlook.kind_changes
        else f"stays {outlook.kind_now}"
    )
    return Finding(
        "crosses_size_boundary",
        INDICATOR,
        f"{base} {outlook.total:,} Smart Metering Systems, over the {outlook.boundary:,} "
        f"boundary: next annual review (year {outlook.cycle_year}) {change}; SECAS to update "
        "the count in the register",
        f"boundary {outlook.boundary:,} (SMALL_PARTY_MAX_SMART_METERING_SYSTEMS)",
    )


def late_notification(facts: CaseFacts) -> Finding | None:
    if facts.notification.is_late:
        return Finding(
            "late_notification",
            INDICATOR,
            "Late notification: the planned go-live was on or before the day of notice "
            "(possible non-compliance to report)",
        )
    return None


def without_approved_first_system(facts: CaseFacts) -> Finding | None:
    n = facts.notification
    if n.is_without_approved_first_system:
        return Finding(
            "no_approved_first_system",
            INDICATOR,
            f"Notified without an approved first User System ({n.get_eligibility_finding_display()}"
            " when notified): probably a User Entry matter for SECAS",
        )
    return None


def go_live_before_next_meeting(facts: CaseFacts) -> Finding | None:
    go_live = facts.notification.planned_go_live_date
    meeting = facts.next_meeting_date
    if go_live is not None and meeting is not None and go_live < meeting:
        return Finding(
            "go_live_before_next_meeting",
            INDICATOR,
            f"Go-live ({go_live:%d/%m/%Y}) is before the next SSC meeting ({meeting:%d/%m/%Y})",
        )
    return None


RULES = [
    srp_assessment,
    in_house_never_assessed,
    third_party_provider,
    outside_isms,
    known_non_compliances,
    organisation_at_risk,
    annual_review_soon,
    late_notification,
    go_live_before_next_meeting,
    without_approved_first_system,
    crosses_size_boundary,
]

RULE_CODES = [
    "srp_never_assessed",
    "srp_assessed_at_risk",
    "srp_service_not_covered",
    "srp_service_covered",
    "srp_service_covered_but_old",
    "srp_recently_assessed",
    "srp_assessment_old",
    "in_house_never_assessed",
    "third_party_unassessed",
    "outside_isms_or_controls",
    "known_non_compliances",
    "non_compliance_unconfirmed",
    "organisation_assurance_at_risk",
    "annual_review_soon",
    "late_notification",
    "go_live_before_next_meeting",
    "no_approved_first_system",
    "crosses_size_boundary",
]


@dataclass(frozen=True)
class Suggestion:
    outcome: str  # "" when the rules do not point either way
    findings: list[Finding]

    @property
    def label(self) -> str:
        return Decision.Outcome(self.outcome).label if self.outcome else "No suggestion"


def suggest(facts: CaseFacts) -> Suggestion:
    """Any finding for an assessment outweighs findings against: the cautious reading."""
    findings = [finding for rule in RULES if (finding := rule(facts))]
    suggested = {finding.suggests for finding in findings}
    if ASSESS in suggested:
        outcome = ASSESS
    elif NO_ASSESSMENT in suggested:
        outcome = NO_ASSESSMENT
    else:
        outcome = ""
    return Suggestion(outcome=outcome, findings=findings)


def facts_for(
    notification,
    *,
    organisation_assurance,
    next_annual_review_date,
    next_meeting_date,
    system_ever_assessed,
    size_outlook=None,
):
    return CaseFacts(
        notification=notification,
        today=timezone.localdate(),
        organisation_assurance=organisation_assurance,
        next_annual_review_date=next_annual_review_date,
        next_meeting_date=next_meeting_date,
        system_ever_assessed=system_ever_assessed,
        # Read once per case page: SECAS may have changed a threshold since the last one.
        thresholds=TriageSettings.current(),
        size_outlook=size_outlook,
    )
