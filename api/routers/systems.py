"""The register of User Systems over the API: what the organisation's systems pages show, to
the same people (policy rule notifications.view_systems)."""

from datetime import date, datetime
from typing import Annotated

from django.http import Http404
from ninja import Field, Path, Query, Router, Schema

from api.paging import Page, PageQuery, page_of
from assessments import selectors as ssc
from notifications.models import DeliveryModel, EmployedEarly, UserSystem
from users.models import Organisation
from users.policy import allows, on_committee_side

router = Router(tags=["Systems"])


class AssuranceOut(Schema):
    """The assurance record that last covered the system, as the register's cell shows it."""

    kind: str
    kind_label: str
    status: str
    status_label: str
    effective_date: date
    is_not_approved: bool
    follow_up_kind: str | None
    follow_up_due_date: date | None


class NotificationLink(Schema):
    id: int
    reference: str


class SystemOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    name: str
    is_first_system: bool
    status: UserSystem.Status
    status_label: str
    delivery_model: DeliveryModel | None
    delivery_model_label: str
    provider: str | None
    third_party_name: str
    go_live_date: date | None = Field(..., description="The planned go-live date.")
    began_employing_date: date | None
    retired_date: date | None
    employed_early: EmployedEarly | None
    employed_early_label: str
    user_roles: list[str] = Field(..., description="The roles its last notification named.")
    last_notification: NotificationLink | None
    last_covered_by: AssuranceOut | None


class SystemCase(Schema):
    id: int
    reference: str
    is_change: bool
    state: str
    state_label: str
    submitted_at: datetime | None
    decision_outcome: str | None
    decision_outcome_label: str | None
    decided_at: datetime | None


class SystemDetail(SystemOut):
    notifications: list[SystemCase]


def _assurance(in_force) -> dict | None:
    record = in_force.record
    if record is None:
        return None
    follow_up = in_force.follow_up
    return {
        "kind": record.kind,
        "kind_label": record.get_kind_display(),
        "status": record.status,
        "status_label": record.get_status_display(),
        "effective_date": record.effective_date,
        "is_not_approved": in_force.is_not_approved,
        "follow_up_kind": in_force.follow_up_kind if follow_up else None,
        "follow_up_due_date": follow_up.due_date if follow_up else None,
    }


def system_out(row: dict) -> dict:
    system, notice = row["system"], row["last_notification"]
    return {
        "id": system.pk,
        "organisation_id": system.organisation_id,
        "organisation": system.organisation.name,
        "name": system.name,
        "is_first_system": system.is_first_system,
        "status": system.status,
        "status_label": system.get_status_display(),
        "delivery_model": system.delivery_model or None,
        "delivery_model_label": system.get_delivery_model_display(),
        "provider": system.provider.name if system.provider else None,
        "third_party_name": system.third_party_name,
        "go_live_date": system.go_live_date,
        "began_employing_date": system.began_employing_date,
        "retired_date": system.retired_date,
        "employed_early": system.employed_early or None,
        "employed_early_label": system.get_employed_early_display(),
        "user_roles": row["roles"],
        "last_notification": {"id": notice.pk, "reference": notice.reference} if notice else None,
        "last_covered_by": _assurance(row["in_force"]),
    }


def visible_organisation_ids(user) -> list[int]:
    """The organisations whose register the person may read, by the policy's own rule."""
    candidates = (
        Organisation.objects.all()
        if on_committee_side(user)
        else Organisation.objects.filter(pk__in=list(user.active_memberships))
    )
    return [
        organisation.pk
        for organisation in candidates.only("pk")
        if allows(user, "notifications.view_systems", organisation)
    ]


class SystemFilters(PageQuery):
    organisation_id: int | None = Field(None, ge=1, le=2_147_483_647)
    status: UserSystem.Status | None = None


@router.get("/systems", response=Page[SystemOut], summary="List User Systems")
def list_systems(request, filters: Query[SystemFilters]):
    """The register of User Systems you may see: your organisations' (for SECAS, every
    organisation's; for an SSC member, all but those they have a conflict with). By
    organisation, the first system first."""
    systems = UserSystem.objects.filter(
        organisation_id__in=visible_organisation_ids(request.user)
    ).select_related("organisation", "provider")
    if filters.organisation_id:
        systems = systems.filter(organisation_id=filters.organisation_id)
    if filters.status:
        systems = systems.filter(status=filters.status)
    page = page_of(
        systems.order_by("organisation__name", "organisation_id", "-is_first_system", "name", "pk"),
        filters,
        lambda system: system,
    )
    page["items"] = [system_out(row) for row in ssc.system_rows(page["items"])]
    return page


@router.get("/systems/{system_id}", response=SystemDetail, summary="Read a User System")
def read_system(request, system_id: Annotated[int, Path(..., ge=1, le=2_147_483_647)]):
    """One User System: its dates and status, the assurance that last covered it, and its
    notifications with the SSC's decisions (drafts only for the organisation's own people)."""
    system = (
        UserSystem.objects.select_related("organisation", "provider").filter(pk=system_id).first()
    )
    if system is None or not allows(request.user, "notifications.view_systems", system):
        raise Http404("No such User System.")
    cases = ssc.system_notifications(system, request.user)
    return {
        **system_out(ssc.system_rows([system])[0]),
        "notifications": [
            {
                "id": entry["case"].pk,
                "reference": entry["case"].reference,
                "is_change": entry["case"].changes_system_id is not None,
                "state": entry["case"].state,
                "state_label": entry["case"].get_state_display(),
                "submitted_at": entry["case"].submitted_at,
                "decision_outcome": entry["decision"].outcome if entry["decision"] else None,
                "decision_outcome_label": (
                    entry["decision"].get_outcome_display() if entry["decision"] else None
                ),
                "decided_at": entry["decision"].decided_at if entry["decision"] else None,
            }
            for entry in cases
        ],
    }
