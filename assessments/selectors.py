"""Reads for the SSC's pages: the queue, a case's context, meetings (constant queries per page)."""

from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from assessments.models import (
    AgendaItem,
    Assessment,
    AssuranceRecord,
    Decision,
    SSCMeeting,
)
from notifications.models import Notification, NotificationState, UserSystem
from notifications.selectors import notifications_visible_to

SORTS = {
    "go_live": ("planned_go_live_date", "submitted_at"),
    "oldest": ("submitted_at",),
    "newest": ("-submitted_at",),
}


def is_committee_side(user) -> bool:
    return user.is_authenticated and (user.is_secas or user.is_ssc_member or user.is_superuser)


def require_committee_side(user) -> None:
    if not is_committee_side(user):
        raise Http404


def cases_visible_to(user) -> QuerySet[Notification]:
    """Submitted notifications the SSC or SECAS person may open (never drafts)."""
    require_committee_side(user)
    return (
        notifications_visible_to(user)
        .filter(submitted_at__isnull=False)
        .exclude(
            organisation_id__in=list(user.active_memberships)
            if not (user.is_secas or user.is_superuser)
            else []
        )
    )


def case_queue(user, *, filters: dict) -> QuerySet[Notification]:
    queryset = (
        cases_visible_to(user)
        .select_related("organisation", "rapporteur", "provider")
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("meeting").order_by("meeting__date"),
            )
        )
    )
    if filters.get("state"):
        queryset = queryset.filter(state=filters["state"])
    if filters.get("organisation"):
        queryset = queryset.filter(organisation=filters["organisation"])
    if filters.get("party_category"):
        queryset = queryset.filter(organisation__party_category=filters["party_category"])
    if filters.get("delivery_model"):
        queryset = queryset.filter(delivery_model=filters["delivery_model"])
    if filters.get("late"):
        queryset = queryset.filter(is_late=True)
    if filters.get("go_live_within") is not None:
        horizon = timezone.localdate() + timedelta(days=filters["go_live_within"])
        queryset = queryset.filter(planned_go_live_date__lte=horizon)
    if filters.get("mine"):
        queryset = queryset.filter(rapporteur=user)
    if filters.get("meeting"):
        queryset = queryset.filter(agenda_items__meeting=filters["meeting"])
    return queryset.order_by(*SORTS.get(filters.get("sort") or "go_live", SORTS["go_live"]))


def state_counts(user) -> list[dict]:
    counts = dict(
        cases_visible_to(user).values_list("state").annotate(total=Count("id")).order_by()
    )
    return [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in NotificationState.choices
        if value != NotificationState.DRAFT
    ]


def get_case(user, pk) -> Notification:
    case = (
        cases_visible_to(user)
        .select_related(
            "organisation", "provider", "rapporteur", "submitted_by", "created_by", "user_system"
        )
        .prefetch_related("user_roles", "attachments", "information_requests")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404("No such case.")
    return case


def latest_assurance(organisation) -> AssuranceRecord | None:
    return (
        AssuranceRecord.objects.filter(organisation=organisation)
        .order_by("-effective_date", "-recorded_at")
        .first()
    )


def organisation_systems(organisation) -> QuerySet[UserSystem]:
    return (
        UserSystem.objects.filter(organisation=organisation)
        .select_related("provider")
        .prefetch_related(
            Prefetch("assessments", queryset=Assessment.objects.order_by("-due_date")),
            Prefetch(
                "assurance_records",
                queryset=AssuranceRecord.objects.order_by("-effective_date", "-recorded_at"),
            ),
        )
    )


def system_ever_assessed(notification: Notification) -> bool:
    if notification.user_system_id is None:
        return False
    return (
        AssuranceRecord.objects.filter(systems=notification.user_system_id).exists()
        or Assessment.objects.filter(
            systems_in_scope=notification.user_system_id, state="completed"
        ).exists()
    )


def next_meeting(*, after=None) -> SSCMeeting | None:
    day = after or timezone.localdate()
    return SSCMeeting.objects.filter(date__gte=day).order_by("date").first()


def meetings_for_decision() -> QuerySet[SSCMeeting]:
    return SSCMeeting.objects.filter(date__lte=timezone.localdate()).order_by("-date")


def decisions_at(meeting: SSCMeeting, user) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(meeting=meeting, notification__in=cases_visible_to(user))
        .select_related("notification__organisation", "decided_by", "notification__assessment")
        .order_by("decided_at")
    )


def agenda(meeting: SSCMeeting, user) -> QuerySet[AgendaItem]:
    """The meeting's items the person may see (a conflicted member's are left out)."""
    return (
        meeting.agenda_items.filter(notification__in=cases_visible_to(user))
        .select_related("notification__organisation", "notification__rapporteur")
        .order_by("position", "added_at")
    )


def meetings_overview() -> QuerySet[SSCMeeting]:
    return SSCMeeting.objects.annotate(
        item_count=Count("agenda_items", distinct=True),
        decision_count=Count("decisions", distinct=True),
        attendee_count=Count("attendees", distinct=True),
    ).order_by("-date")


def hidden_items_count(meeting: SSCMeeting, user) -> int:
    return meeting.agenda_items.exclude(Q(notification__in=cases_visible_to(user))).count()
