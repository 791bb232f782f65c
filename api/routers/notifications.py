"""Notifications over the API: what a person sees here is what they see on the pages."""

from datetime import date, datetime

from django.http import HttpResponse
from ninja import Query, Router, Schema

from api.concurrency import etag_of
from api.paging import Page, PageQuery, page_of
from notifications import selectors
from notifications.models import Notification, NotificationState

router = Router(tags=["Notifications"])


class NotificationSummary(Schema):
    id: int
    reference: str
    organisation_id: int
    organisation: str
    state: str
    state_label: str
    system_name: str
    planned_go_live_date: date | None
    submitted_at: datetime | None
    decided_at: datetime | None
    updated_at: datetime


def summary(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "reference": notification.reference,
        "organisation_id": notification.organisation_id,
        "organisation": notification.organisation.name,
        "state": notification.state,
        "state_label": notification.get_state_display(),
        "system_name": notification.system_name,
        "planned_go_live_date": notification.planned_go_live_date,
        "submitted_at": notification.submitted_at,
        "decided_at": notification.decided_at,
        "updated_at": notification.updated_at,
    }


class NotificationFilters(PageQuery):
    state: NotificationState | None = None
    organisation_id: int | None = None


@router.get("/notifications", response=Page[NotificationSummary], summary="List notifications")
def list_notifications(request, filters: Query[NotificationFilters]):
    """Your organisations' notifications (drafts included); for SECAS and SSC members, the
    submitted ones they may see. Newest first."""
    notifications = selectors.notifications_visible_to(request.user).select_related("organisation")
    if filters.state:
        notifications = notifications.filter(state=filters.state)
    if filters.organisation_id:
        notifications = notifications.filter(organisation_id=filters.organisation_id)
    return page_of(notifications.order_by("-created_at", "-pk"), filters, summary)


@router.get(
    "/notifications/{notification_id}",
    response=NotificationSummary,
    summary="Read a notification",
)
def read_notification(request, notification_id: int, response: HttpResponse):
    """One notification; its `ETag` header is what `If-Match` sends back on an update."""
    notification = selectors.get_visible_notification(request.user, notification_id)
    response["ETag"] = etag_of(notification)
    return summary(notification)
