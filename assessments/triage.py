"""Triage indicators: documented rules that *suggest* an outcome for a notification.

The rules are data: each has a code, what it looks at, what it suggests and the reason it
gives. They are listed for people in docs/TRIAGE_RULES.md (a test keeps the two in step).
A suggestion never decides; only the SSC does, with its own written rationale.
"""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from assessments.models import Decision
from notifications.models import AT_RISK_ASSURANCE, AssuranceStatus, DeliveryModel

ASSESS = Decision.Outcome.ASSESSMENT_REQUIRED
NO_ASSESSMENT = Decision.Outcome.NO_ASSESSMENT
INDICATOR = ""  # shown to the SSC, suggests neither outcome

# Thresholds the rules use; change them here and in docs/TRIAGE_RULES.md together.
SRP_ASSESSMENT_RECENT_MONTHS = 12
ANNUAL_REVIEW_SOON_DAYS = 90
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


@dataclass(frozen=True)
class Finding:
    code: str
    suggests: str
    reason: str


def _months_between(earlier: date, later: date) -> int:
    delta = relativedelta(later, earlier)
    return delta.years * 12 + delta.months


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
    months = _months_between(provider.latest_assessment_date, facts.today)
    outcome = provider.get_latest_assessment_outcome_display() or "outcome not recorded"
    if provider.latest_assessment_outcome in AT_RISK_ASSURANCE:
        return Finding(
            "srp_assessed_at_risk",
            ASSESS,
            f"Provided by {provider.name}, assessed {months} months ago: {outcome} "
            "→ suggests an assessment",
        )
    if (
        provider.latest_assessment_outcome in OPERATING_ASSURANCE
        and months < SRP_ASSESSMENT_RECENT_MONTHS
    ):
        return Finding(
            "srp_recently_assessed",
            NO_ASSESSMENT,
            f"Provided by an SRP assessed {months} months ago, {outcome} → suggests no "
            "assessment until the annual review",
        )
    return Finding(
        "srp_assessment_old",
        ASSESS,
        f"Provided by {provider.name}, last assessed {months} months ago ({outcome}) "
        "→ suggests an assessment",
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
    if due is not None and 0 <= (due - facts.today).days <= ANNUAL_REVIEW_SOON_DAYS:
        return Finding(
            "annual_review_soon",
            NO_ASSESSMENT,
            f"Annual review due by {due:%d/%m/%Y} ({(due - facts.today).days} days) "
            "→ the system could be assessed then",
        )
    return None


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
]

RULE_CODES = [
    "srp_never_assessed",
    "srp_assessed_at_risk",
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
):
    return CaseFacts(
        notification=notification,
        today=timezone.localdate(),
        organisation_assurance=organisation_assurance,
        next_annual_review_date=next_annual_review_date,
        next_meeting_date=next_meeting_date,
        system_ever_assessed=system_ever_assessed,
    )
