"""The committee's side over the API: the SSC queue and a case as the committee reads it.

The same selectors, filters and policy as the pages (`/ssc/` and `/ssc/cases/<id>/`): SECAS
and SSC members only; an SSC member never sees a case of an organisation they are conflicted
with, nor of their own; everyone else gets 404, as on the pages.
"""

from datetime import date, datetime
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from api.paging import Page, PageQuery, page_of
from api.problems import Problem, form_errors
from assessments import selectors as ssc
from assessments import written
from assessments.filters import CaseQueueFilter
from assessments.models import Assessment, Decision
from assessments.papers import awaiting_recommendation
from assessments.selectors import ALL_CASES
from assessments.triage import facts_for, suggest
from notifications.models import DeliveryModel, Notification, NotificationState
from notifications.workdays import working_days_since
from sscportal.formfields import limit_of
from users.models import Organisation, PartyCategory

router = Router(tags=["Committee"])

# The queue's "Cases" filter: live cases unless asked for all of them or one state.
QueueState = Literal[(ALL_CASES, *(s for s in NotificationState.values if s != "draft"))]  # type: ignore[valid-type]
QueueSort = Literal["go_live", "oldest", "newest"]


def person_name(user) -> str | None:
    if user is None:
        return None
    return user.full_name or user.email


class QueueFilters(PageQuery):
    state: QueueState | None = Field(  # type: ignore[valid-type]
        None,
        description="Live cases (awaiting a decision) when absent; `all`, or one state.",
    )
    organisation: str | None = Field(
        None,
        max_length=limit_of(Organisation, "name"),
        description="Organisation name contains.",
    )
    party_category: PartyCategory | None = None
    delivery_model: DeliveryModel | None = None
    late: bool = Field(False, description="Late notifications only.")
    go_live_within: int | None = Field(
        None, ge=0, le=3650, description="Planned go-live within this many days."
    )
    mine: bool = Field(False, description="My cases (I am rapporteur).")
    recommendation_due: bool = Field(
        False, description="Recommendation due (meeting near, none recorded)."
    )
    meeting: int | None = Field(
        None,
        ge=1,
        description="A meeting's id (meetings of the last 3 months and the next 6).",
    )
    sort: QueueSort = Field("go_live", description="Go-live (soonest first), oldest or newest.")


def _filter_data(filters: QueueFilters) -> dict:
    """The filters as the page's form receives them (unticked boxes are simply absent)."""
    data: dict[str, str] = {"sort": filters.sort}
    for name in ("state", "organisation", "party_category", "delivery_model", "meeting"):
        if (value := getattr(filters, name)) is not None:
            data[name] = str(value)
    if filters.go_live_within is not None:
        data["go_live_within"] = str(filters.go_live_within)
    for name in ("late", "mine", "recommendation_due"):
        if getattr(filters, name):
            data[name] = "on"
    return data


class QueueItem(Schema):
    id: int
    reference: str
    organisation_id: int
    organisation: str
    party_category: str
    state: str
    state_label: str
    system_name: str
    delivery_model: str
    planned_go_live_date: date | None
    is_late: bool
    submitted_at: datetime | None
    age_working_days: int | None
    rapporteur: str | None
    next_meeting_date: date | None
    deferred_to: date | None
    awaiting_recommendation: bool
    written_procedure: str


@router.get("/queue", response=Page[QueueItem], summary="The SSC queue")
def queue(request, filters: Query[QueueFilters]):
    """The committee's queue as `/ssc/` shows it to you: live cases (soonest go-live first)
    unless filtered; an SSC member never sees the cases of organisations they are conflicted
    with. The filters are the page's; one that cannot be applied is 422."""
    cases = CaseQueueFilter(
        _filter_data(filters), queryset=ssc.case_queue(request.user), request=request
    )
    if cases.was_refused:
        raise Problem(
            422,
            "The filters were not applied: please correct the one marked.",
            errors=form_errors(cases.form),
        )
    page = page_of(cases.qs, filters, lambda case: case)
    shown = page["items"]
    ids = [case.pk for case in shown]
    deferred = ssc.deferred_to_dates(ids)
    awaiting = set(
        awaiting_recommendation(
            Notification.objects.filter(pk__in=ids), timezone.localdate()
        ).values_list("pk", flat=True)
    )
    written_status = written.open_status_by_case(shown)
    page["items"] = [
        {
            "id": case.pk,
            "reference": case.reference,
            "organisation_id": case.organisation_id,
            "organisation": case.organisation.name,
            "party_category": case.organisation.party_category,
            "state": case.state,
            "state_label": case.get_state_display(),
            "system_name": case.system_name,
            "delivery_model": case.delivery_model,
            "planned_go_live_date": case.planned_go_live_date,
            "is_late": case.is_late,
            "submitted_at": case.submitted_at,
            "age_working_days": working_days_since(case.submitted_at)
            if case.submitted_at
            else None,
            "rapporteur": person_name(case.rapporteur),
            "next_meeting_date": next(
                (item.meeting.date for item in case.upcoming_agenda_items), None
            ),
            "deferred_to": deferred.get(case.pk) if case.is_undecided else None,
            "awaiting_recommendation": case.pk in awaiting,
            "written_procedure": written_status.get(case.pk, ""),
        }
        for case in shown
    ]
    return page


class MeetingRef(Schema):
    id: int
    date: date
    kind: str
    kind_label: str


class Suggestion(Schema):
    outcome: str = Field(description="Empty when the rules do not point either way.")
    label: str


class CaseDecision(Schema):
    outcome: str
    outcome_label: str
    route: str
    route_label: str
    decided_at: datetime
    decided_by: str | None
    meeting: MeetingRef | None


class CaseDetail(Schema):
    id: int
    reference: str
    organisation_id: int
    organisation: str
    state: str
    state_label: str
    system_name: str
    delivery_model: str
    planned_go_live_date: date | None
    is_late: bool
    submitted_at: datetime | None
    review_started_at: datetime | None
    decided_at: datetime | None
    age_working_days: int | None
    rapporteur: str | None
    triage_suggestion: Suggestion
    meetings: list[MeetingRef] = Field(description="The meetings it is on the agenda of.")
    deferred_to: date | None
    decision: CaseDecision | None
    assessment_id: int | None


def meeting_ref(meeting) -> dict | None:
    if meeting is None:
        return None
    return {
        "id": meeting.pk,
        "date": meeting.date,
        "kind": meeting.kind,
        "kind_label": meeting.get_kind_display(),
    }


@router.get("/cases/{notification_id}", response=CaseDetail, summary="Read a case (committee)")
def read_case(request, notification_id: int):
    """A submitted notification as the case page shows it to the committee: where it stands,
    the triage suggestion, its meetings, rapporteur and decision. SECAS and SSC members only
    (404 for a member conflicted with the organisation; Users read `/notifications/{id}`)."""
    user = request.user
    case = ssc.get_case(user, notification_id)
    organisation = case.organisation
    upcoming = ssc.next_meeting()
    suggestion = suggest(
        facts_for(
            case,
            organisation_assurance=ssc.latest_assurance(organisation),
            next_annual_review_date=ssc.next_annual_review_due(organisation),
            next_meeting_date=upcoming.date if upcoming else None,
            system_ever_assessed=ssc.system_ever_assessed(case),
            size_outlook=ssc.size_outlook(case),
        )
    )
    decision = (
        Decision.objects.filter(notification=case).select_related("decided_by", "meeting").first()
    )
    deferrals = ssc.deferrals_of(case)
    assessment = Assessment.objects.filter(notification=case).only("pk").first()
    return {
        "id": case.pk,
        "reference": case.reference,
        "organisation_id": organisation.pk,
        "organisation": organisation.name,
        "state": case.state,
        "state_label": case.get_state_display(),
        "system_name": case.system_name,
        "delivery_model": case.delivery_model,
        "planned_go_live_date": case.planned_go_live_date,
        "is_late": case.is_late,
        "submitted_at": case.submitted_at,
        "review_started_at": case.review_started_at,
        "decided_at": case.decided_at,
        "age_working_days": working_days_since(case.submitted_at) if case.submitted_at else None,
        "rapporteur": person_name(case.rapporteur),
        "triage_suggestion": {"outcome": suggestion.outcome, "label": suggestion.label},
        "meetings": [
            meeting_ref(item.meeting)
            for item in case.agenda_items.to_decide()
            .select_related("meeting")
            .order_by("meeting__date")
        ],
        "deferred_to": deferrals[-1].to_meeting.date if deferrals and case.is_undecided else None,
        "decision": {
            "outcome": decision.outcome,
            "outcome_label": decision.get_outcome_display(),
            "route": decision.route,
            "route_label": decision.get_route_display(),
            "decided_at": decision.decided_at,
            "decided_by": person_name(decision.decided_by),
            "meeting": meeting_ref(decision.meeting),
        }
        if decision
        else None,
        "assessment_id": assessment.pk if assessment else None,
    }


class FollowUp(Schema):
    assessment_id: int
    due_date: date
    overdue: bool
    text: str


class AtRiskItem(Schema):
    organisation_id: int
    organisation: str
    reasons: list[str]
    follow_ups: list[FollowUp]


@router.get(
    "/organisations-at-risk",
    response=Page[AtRiskItem],
    summary="Organisations at risk",
)
def organisations_at_risk(request, filters: Query[PageQuery]):
    """Organisations with a later system Deferred or Rejected, a follow-up open on an outcome
    in force, or an assessment overdue (the longest overdue first), with why: SECAS's list, and
    the committee's (`/ssc/at-risk/`) less the organisations an SSC member is conflicted with."""
    today = timezone.localdate()
    page = page_of(ssc.organisations_at_risk_for(request.user, today), filters, lambda o: o)
    page["items"] = [
        {
            "organisation_id": row["organisation"].pk,
            "organisation": row["organisation"].name,
            "reasons": row["reasons"],
            "follow_ups": [
                {
                    "assessment_id": follow_up["pk"],
                    "due_date": follow_up["due_date"],
                    "overdue": follow_up["is_overdue"],
                    "text": follow_up["text"],
                }
                for follow_up in row["follow_ups"]
            ],
        }
        for row in ssc.risk_reasons(page["items"], today)
    ]
    return page
