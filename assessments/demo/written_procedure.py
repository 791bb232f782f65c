"""The demo's written procedure: a case put to the members by correspondence, two replies in."""

from typing import TYPE_CHECKING

from assessments.demo.meetings import NEXT
from assessments.demo.people import CHAIR, MEMBER, MEMBER2, SECAS
from assessments.written import open_written_procedure, reply_to_written_procedure
from notifications.models import DeliveryModel

if TYPE_CHECKING:
    from assessments.demo.seed import DemoSeed


def seed_written_procedure(demo: "DemoSeed") -> None:
    """Pennine's outage service, under review, with a written procedure open: the chair agrees,
    a member abstains, and the rest have yet to reply (the queue and case page show the clock)."""
    case = demo.new_case(
        "pennine",
        system_name="Pennine Outage Notification Service",
        purpose="Texts customers about planned and unplanned outages, using supply-loss "
        "alerts from smart meters received through the DCC.",
        go_live=demo.day(21),
        delivery=DeliveryModel.IN_HOUSE,
        roles=("electricity-distributor",),
        smets2=410_000,
    )
    if case is None:
        return
    demo.review(case, rapporteur=MEMBER, meeting=NEXT)
    procedure = open_written_procedure(
        notification=case,
        by=demo.people[SECAS],
        outcome="no_assessment",
        rationale="The service runs inside Pennine's existing ISMS scope on the platform "
        "approved at its last annual review, and shares its DCC connection and keys. No "
        "assessment is needed now; it is in scope for the next annual review.",
    )
    reply_to_written_procedure(
        procedure=procedure,
        by=demo.people[CHAIR],
        answer="agree",
        comment="Same platform and controls as the approved first system.",
    )
    reply_to_written_procedure(
        procedure=procedure,
        by=demo.people[MEMBER2],
        answer="abstain",
        comment="I would like to see the penetration test first; I do not object.",
    )
    demo.created["written procedures"] += 1
