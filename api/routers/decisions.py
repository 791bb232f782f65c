"""Decisions over the API: the SSC's decisions on the notifications a person may see, as the
notification page shows them to the User (never the committee's internal notes)."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema

from api.paging import Page, PageQuery, page_of
from assessments.models import Decision
from assessments.selectors import decisions_visible_to
from notifications import selectors

router = Router(tags=["Decisions"])


class DecisionSummary(Schema):
    notification_id: int
    reference: str
    organisation_id: int
    organisation: str
    system_name: str
    outcome: Decision.Outcome
    outcome_label: str
    decided_at: datetime
    committee_sentence: str = Field(
        ..., description="How the committee decided, as the page and the letter say it."
    )
    rationale: str
    appeal_closes_on: date
    decision_letter: str = Field(..., description="Where to download the decision letter (PDF).")


def decision_summary(decision: Decision) -> dict:
    notification = decision.notification
    return {
        "notification_id": notification.pk,
        "reference": notification.reference,
        "organisation_id": notification.organisation_id,
        "organisation": notification.organisation.name,
        "system_name": notification.system_name,
        "outcome": decision.outcome,
        "outcome_label": decision.get_outcome_display(),
        "decided_at": decision.decided_at,
        "committee_sentence": decision.committee_sentence,
        "rationale": decision.rationale,
        "appeal_closes_on": decision.appeal_closes_on,
        "decision_letter": f"/api/v1/notifications/{notification.pk}/decision-letter",
    }


class DecisionFilters(PageQuery):
    organisation_id: int | None = Field(None, ge=1, le=2_147_483_647)
    outcome: Decision.Outcome | None = None


@router.get("/decisions", response=Page[DecisionSummary], summary="List the SSC's decisions")
def list_decisions(request, filters: Query[DecisionFilters]):
    """The SSC's decisions on the notifications you may see, the latest first: the outcome,
    when and how the committee decided, and its reasons, as the notification page shows them."""
    decisions = decisions_visible_to(
        request.user,
        Decision.objects.filter(notification__in=selectors.notifications_visible_to(request.user)),
    ).select_related("notification__organisation", "meeting", "decided_by")
    if filters.organisation_id:
        decisions = decisions.filter(notification__organisation_id=filters.organisation_id)
    if filters.outcome:
        decisions = decisions.filter(outcome=filters.outcome)
    return page_of(decisions.order_by("-decided_at", "-pk"), filters, decision_summary)
