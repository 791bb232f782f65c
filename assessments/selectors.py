"""Reads for the SSC's pages: the queue, a case's context, meetings (constant queries per page)."""

from datetime import timedelta
from statistics import median

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from assessments.models import (
    AgendaItem,
    Assessment,
    AssuranceRecord,
    Decision,
    SSCMeeting,
)
from notifications.models import (
    AWAITING_DECISION_STATES,
    Notification,
    NotificationState,
    OutboundEmail,
    UserSystem,
)
from notifications.selectors import notifications_visible_to
from notifications.workdays import working_days_between, working_days_since

# The queue's state filter: live cases (awaiting a decision) unless asked for all or one state.
LIVE_CASES = ""
ALL_CASES = "all"
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
    state = filters.get("state") or LIVE_CASES
    if state == LIVE_CASES:
        queryset = queryset.filter(state__in=AWAITING_DECISION_STATES)
    elif state != ALL_CASES:
        queryset = queryset.filter(state=state)
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


def latest_annual_assurance(organisation) -> AssuranceRecord | None:
    """The latest record from an annual-cycle assessment: a targeted G8.13 one, covering only
    the new system, neither restarts the 12-month clock nor moves the cycle on."""
    return (
        AssuranceRecord.objects.filter(organisation=organisation)
        .exclude(kind="g8_13")
        .order_by("-effective_date", "-recorded_at")
        .first()
    )


def next_annual_review_due(organisation):
    """The open annual review's due date, or 12 months after the last annual fieldwork."""
    open_review = (
        Assessment.objects.filter(organisation=organisation, notification__isnull=True)
        .exclude(state="completed")
        .order_by("due_date")
        .first()
    )
    if open_review:
        return open_review.due_date
    record = latest_annual_assurance(organisation)
    return record.next_annual_review_date if record else None


# --- SECAS's view of everything outstanding ---------------------------------------------------

SLA_ON_TRACK, SLA_DUE_SOON, SLA_LATE, SLA_PAUSED = "On track", "Due soon", "Late", "Paused"


def paused_working_days(case: Notification, today) -> int:
    """Working days the decision clock stood still while the User was answering questions."""
    paused = 0
    for request in case.information_requests.all():
        start = timezone.localtime(request.requested_at).date()
        end = timezone.localtime(request.responded_at).date() if request.responded_at else today
        paused += working_days_between(start, end)
    return paused


def service_level(case: Notification, today) -> dict:
    """Age and service-level status of an undecided case (the decision clock pauses)."""
    age = working_days_since(case.submitted_at, today=today)
    if case.state == NotificationState.SUBMITTED and not case.review_started_at:
        limit, running, stage = settings.SSC_TRIAGE_WORKING_DAYS, age, "Triage"
    else:
        limit = settings.SSC_DECISION_WORKING_DAYS
        running, stage = age - paused_working_days(case, today), "Decision"
    if case.state == NotificationState.INFORMATION_REQUESTED:
        status = SLA_PAUSED
    elif running > limit:
        status = SLA_LATE
    elif running >= limit - 4:
        status = SLA_DUE_SOON
    else:
        status = SLA_ON_TRACK
    return {"age": age, "running": running, "limit": limit, "stage": stage, "status": status}


def awaiting_ssc(today) -> list[dict]:
    cases = (
        Notification.objects.filter(
            state__in=[
                NotificationState.SUBMITTED,
                NotificationState.UNDER_REVIEW,
                NotificationState.INFORMATION_REQUESTED,
            ]
        )
        .select_related("organisation", "rapporteur")
        .prefetch_related("information_requests")
        .order_by("submitted_at")
    )
    return [{"case": case, **service_level(case, today)} for case in cases]


def outstanding_assessments(today) -> list[Assessment]:
    return list(
        Assessment.objects.exclude(state="completed")
        .select_related("organisation", "notification")
        .order_by("state", "due_date")
    )


def annual_reviews_ahead(today) -> list[dict]:
    """Open annual reviews due within 12 months, with the later systems in their scope."""
    reviews = (
        Assessment.objects.filter(
            notification__isnull=True,
            due_date__lte=today + timedelta(days=366),
        )
        .exclude(state="completed")
        .select_related("organisation")
        .prefetch_related(
            Prefetch(
                "systems_in_scope",
                queryset=UserSystem.objects.filter(is_first_system=False).order_by("name"),
                to_attr="later_systems",
            )
        )
        .order_by("due_date")
    )
    return [
        {
            "review": review,
            "overdue": review.due_date < today,
            "days": (review.due_date - today).days,
        }
        for review in reviews
    ]


def late_notifications() -> QuerySet[Notification]:
    return (
        Notification.objects.filter(is_late=True, submitted_at__isnull=False)
        .select_related("organisation")
        .order_by("-submitted_at")
    )


def organisations_at_risk(today) -> list[dict]:
    """A later system assessed Deferred or Rejected, or an assessment overdue (never a
    declaration of default: the portal only makes the risk visible early)."""
    at_risk: dict[int, dict] = {}
    # Only each later system's latest record counts: a later Approved clears an old Deferred.
    latest_by_system: dict[int, AssuranceRecord] = {}
    records = (
        AssuranceRecord.objects.filter(systems__is_first_system=False)
        .select_related("organisation")
        .annotate(system_id=F("systems__id"))
        .order_by("-effective_date", "-recorded_at")
    )
    for record in records:
        latest_by_system.setdefault(record.system_id, record)
    flagged = {
        record.pk: record
        for record in latest_by_system.values()
        if record.status in {"deferred", "rejected"}
    }
    for record in flagged.values():
        entry = at_risk.setdefault(
            record.organisation_id, {"organisation": record.organisation, "reasons": []}
        )
        entry["reasons"].append(
            f"A later User System was assessed {record.get_status_display()} "
            f"({record.effective_date:%d/%m/%Y})"
        )
    overdue = (
        Assessment.objects.exclude(state="completed")
        .filter(due_date__lt=today)
        .select_related("organisation")
    )
    for assessment in overdue:
        entry = at_risk.setdefault(
            assessment.organisation_id, {"organisation": assessment.organisation, "reasons": []}
        )
        entry["reasons"].append(
            f"{assessment.get_kind_display()} overdue since {assessment.due_date:%d/%m/%Y}"
        )
    return sorted(at_risk.values(), key=lambda entry: entry["organisation"].name)


def decisions_by_month(today, months: int = 12) -> list[dict]:
    """Decisions per month by outcome, with the median working days to decide (clock paused)."""
    start = today.replace(day=1) - relativedelta(months=months - 1)
    decisions = (
        Decision.objects.filter(decided_at__date__gte=start)
        .select_related("notification")
        .prefetch_related("notification__information_requests")
    )
    buckets: dict[tuple[int, int], dict] = {}
    cursor = start
    while cursor <= today:
        buckets[(cursor.year, cursor.month)] = {
            "month": cursor,
            "no_assessment": 0,
            "assessment_required": 0,
            "days": [],
        }
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    for decision in decisions:
        decided_on = timezone.localtime(decision.decided_at).date()
        bucket = buckets.get((decided_on.year, decided_on.month))
        if bucket is None:
            continue
        bucket[decision.outcome] += 1
        case = decision.notification
        submitted_on = timezone.localtime(case.submitted_at).date()
        bucket["days"].append(
            max(
                working_days_between(submitted_on, decided_on)
                - paused_working_days(case, decided_on),
                0,
            )
        )
    rows = []
    for bucket in buckets.values():
        days = sorted(bucket.pop("days"))
        bucket["median_days"] = median(days) if days else None
        bucket["total"] = bucket["no_assessment"] + bucket["assessment_required"]
        rows.append(bucket)
    return rows


def communications(*, notification=None, organisation=None) -> QuerySet[OutboundEmail]:
    emails = OutboundEmail.objects.order_by("-created_at")
    if notification is not None:
        emails = emails.filter(notification=notification)
    if organisation is not None:
        emails = emails.filter(organisation=organisation)
    return emails
