"""Whether an organisation may notify a second or subsequent User System, as intake asks it.

The answer needs the assurance history, which belongs to the SSC's app above this one; that
app provides the reader when it loads (assessments/apps.py), as it registers its rules.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings

from notifications.models import AssuranceStatus, EligibilityFinding, UserSystem
from users.models import Organisation


@dataclass(frozen=True)
class Eligibility:
    """The organisation's first approved User System and its assurance status in force."""

    organisation: Organisation
    first_system: UserSystem | None
    assurance_status: str  # an AssuranceStatus value, "" when none is recorded
    assurance_date: date | None

    @property
    def finding(self) -> str:
        if self.first_system is None:
            return EligibilityFinding.NO_FIRST_SYSTEM
        if self.assurance_status == AssuranceStatus.DEFERRED:
            return EligibilityFinding.FIRST_SYSTEM_DEFERRED
        if self.assurance_status == AssuranceStatus.REJECTED:
            return EligibilityFinding.FIRST_SYSTEM_REJECTED
        return EligibilityFinding.ELIGIBLE

    @property
    def is_eligible(self) -> bool:
        return self.finding == EligibilityFinding.ELIGIBLE

    @property
    def finding_label(self) -> str:
        return EligibilityFinding(self.finding).label

    @property
    def assurance_label(self) -> str:
        if not self.assurance_status:
            return "Not recorded"
        return AssuranceStatus(self.assurance_status).label

    @property
    def explanation(self) -> str:
        """What an ineligible finding means for the User, and whom to contact ("" if eligible)."""
        name = self.organisation.name
        contact = f"Contact SECAS at {settings.SECAS_MAILBOX}"
        if self.finding == EligibilityFinding.NO_FIRST_SYSTEM:
            return (
                f"The register shows no approved first User System for {name}. The duty to "
                "notify the SSC applies to a User that has completed its initial Full User "
                "Security Assessment for its first User System, so this is probably a User "
                f"Entry Process matter. {contact} about User Entry. You can still submit: "
                "SECAS will see that the notification came without an approved first system."
            )
        if self.finding in {
            EligibilityFinding.FIRST_SYSTEM_DEFERRED,
            EligibilityFinding.FIRST_SYSTEM_REJECTED,
        }:
            return (
                f"The assurance status of {name}'s first User System is "
                f"{self.assurance_label}: it needs remediation and a follow-up security "
                f"assessment before the SSC can approve it. {contact} about that follow-up "
                "assessment. You can still submit: SECAS will see that the first system was "
                f"{self.assurance_label.lower()} when you notified."
            )
        return ""


EligibilityReader = Callable[[Organisation], Eligibility]
_reader: EligibilityReader | None = None


def provide(reader: EligibilityReader) -> None:
    """Called once by the app that keeps the assurance history."""
    global _reader
    _reader = reader


def eligibility_of(organisation: Organisation) -> Eligibility:
    if _reader is None:
        raise RuntimeError("No eligibility reader: the assessments app is not installed.")
    return _reader(organisation)
