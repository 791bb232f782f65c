"""Issue 14, parts 2 and 5 in the demo: a chair's action reported to the next meeting, and a
decision of the committee minuted by SECAS with a dissent."""

from typing import TYPE_CHECKING

from assessments.demo.meetings import CURRENT, NEXT
from assessments.demo.people import CHAIR, MEMBER, MEMBER2, SECAS, org_email
from assessments.models import Decision
from assessments.services import decide

if TYPE_CHECKING:
    from assessments.demo.seed import DemoSeed


def seed_committee_decisions(demo: "DemoSeed") -> None:
    """Each case only when its organisation has no notification of that system yet."""
    if urgent := demo.new_case(
        "brightwater",
        author=org_email("submitter", "brightwater"),
        system_name="Brightwater Outage Alerts Gateway",
        purpose="Sends outage and restoration alerts to customers' in-home displays.",
        go_live=demo.day(4),
    ):
        # Its go-live comes before the next meeting, which the chair's action is reported to.
        demo.review(urgent, rapporteur=MEMBER, meeting=NEXT)
        decide(
            notification=urgent,
            by=demo.people[CHAIR],
            route=Decision.Route.CHAIRS_ACTION,
            meeting=demo.meetings[NEXT],
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale="Same ISMS scope, controls and DCC connection as Brightwater's approved "
            "first system; it only sends alerts. No assessment needed before the annual review.",
        )
        demo.created["chair's actions"] += 1

    if minuted := demo.new_case(
        "harbourside",
        author=org_email("submitter", "harbourside"),
        system_name="Harbourside Tariff Switching Engine",
        purpose="Switches customers between smart tariffs and sends the tariff to their meters.",
        go_live=demo.day(60),
    ):
        demo.review(minuted, rapporteur=MEMBER2, meeting=CURRENT)
        decide(
            notification=minuted,
            by=demo.people[SECAS],
            minuted=True,
            meeting=demo.meetings[CURRENT],
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale="Built on Harbourside's assessed platform; tariff commands are signed with "
            "the existing User Role keys. In scope for the next annual review.",
            dissent="One member would have required a VUSA because the system sends commands "
            "to meters.",
        )
        demo.created["decisions minuted by SECAS"] += 1
