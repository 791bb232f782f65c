"""Reads for the SSC's pages: the queue, a case's context, meetings (constant queries per page)."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache, partial

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate, TruncMonth
from django.http import Http404
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments.models import (
    OPEN_ASSESSMENT_STATES,
    AgendaItem,
    Assessment,
    AssessmentCycleRule,
    AssessmentDecision,
    AssessmentDocument,
    AssessmentKind,
    AssessmentQuerySet,
    AssessmentReason,
    AssessmentState,
    AssuranceRecord,
    Decision,
    Deferral,
    DocumentKind,
    LatestAssurance,
    OutcomeProposal,
    RemediationPlan,
    RemediationStep,
    Reminder,
    SSCMeeting,
    StepState,
    kind_label,
)
from notifications.eligibility import Eligibility
from notifications.models import (
    AT_RISK_ASSURANCE,
    UNDECIDED_STATES,
    AssuranceStatus,
    InformationRequest,
    Notification,
    NotificationQuerySet,
    NotificationState,
    UserSystem,
    awaiting_triage,
)
from notifications.selectors import notifications_visible_to, outside_conflicts, ssc_members
from notifications.workdays import (
    add_working_days,
    is_working_day,
    local_date,
    working_days_between,
    working_days_since,
)
from sscportal.mail.models import OutboundEmail
from users.models import (
    CommitteeOffices,
    ConflictOfInterest,
    Membership,
    Organisation,
    PartySize,
    User,
)
from users.policy import (
    allows,
    holds_model_permission,
    is_active_person,
    on_committee_side,
    on_secas_side,
    uses_admin_site,
)
from users.selectors import chair_for, committee_offices, conflicted_for_both

# The queue's state filter: live cases (awaiting a decision) unless asked for all or one state.
LIVE_CASES = ""
ALL_CASES = "all"
SORTS = {
    "go_live": ("planned_go_live_date", "submitted_at"),
    "oldest": ("submitted_at",),
    "newest": ("-submitted_at",),
}


def require_committee_side(user) -> None:
    if not allows(user, "assessments.view_committee_pages"):
        raise Http404


def cases_visible_to(user) -> NotificationQuerySet:
    """Submitted notifications the SSC or SECAS person may open (never drafts)."""
    require_committee_side(user)
    cases = notifications_visible_to(user).submitted()
    if on_secas_side(user):
        return cases
    # A case of a person's own organisation is never theirs to judge.
    return cases.exclude(organisation_id__in=list(user.active_memberships))


# --- Who sees which of the SSC's records (the admin and the calendar read these) -------------


def _about_visible_organisations(user, path: str, model_permission: str) -> Q:
    """Records about an organisation, as a person may see them: SECAS all; the SSC (and other
    admin-site accounts granted the model's view permission) all but the organisations they are
    conflicted with; everyone else only their own organisations'."""
    if not is_active_person(user):
        return Q(pk__in=[])
    beyond_own = on_committee_side | (uses_admin_site & holds_model_permission(model_permission))
    if beyond_own(user):
        return outside_conflicts(user, path)
    return Q(**{f"{path}__in": list(user.active_memberships)})


def assessments_visible_to(user, within: QuerySet | None = None) -> QuerySet[Assessment]:
    """Own organisations' assessments; SECAS all; SSC members all but conflicted organisations.
    `within` narrows a queryset already built (the admin's)."""
    queryset = Assessment.objects.all() if within is None else within
    return queryset.filter(
        _about_visible_organisations(user, "organisation", "assessments.view_assessment")
    )


def get_own_assessment(user, pk) -> Assessment:
    """An assessment of one of the person's own organisations, or 404 (committee accounts have
    SECAS's page instead)."""
    assessment = (
        Assessment.objects.select_related("organisation", "notification").filter(pk=pk).first()
    )
    if assessment is None or not allows(user, "assessments.view_own_assessment", assessment):
        raise Http404("No such assessment.")
    return assessment


def get_own_self_assessment(user, pk) -> Assessment:
    """A self-assessment (USSA) of one of the person's own organisations, or 404."""
    assessment = get_own_assessment(user, pk)
    if assessment.kind != AssessmentKind.USSA:
        raise Http404("No such self-assessment.")
    return assessment


def get_visible_document(user, pk) -> AssessmentDocument:
    document = (
        AssessmentDocument.objects.select_related("assessment__organisation").filter(pk=pk).first()
    )
    if document is None or not allows(
        user, "assessments.view_assessment_documents", document.assessment
    ):
        raise Http404("No such file.")
    return document


# The documents an assessment page lists, per kind: a handful each in practice, capped all the same.
DOCUMENTS_SHOWN = 50


def documents_by_kind(assessment: Assessment) -> list[dict]:
    """The assessment's documents grouped by kind (self-assessment, report, response), oldest
    first within each, with who uploaded them; kinds without documents are left out."""
    documents = list(
        AssessmentDocument.objects.filter(assessment=assessment)
        .select_related("uploaded_by")
        .order_by("kind", "uploaded_at", "pk")[:DOCUMENTS_SHOWN]
    )
    return [
        {
            "kind": kind,
            "label": label,
            "documents": [document for document in documents if document.kind == kind],
        }
        for kind, label in DocumentKind.choices
        if any(document.kind == kind for document in documents)
    ]


def organisation_assessments(organisation) -> QuerySet[Assessment]:
    """The organisation's assessments for its home page: open ones first (earliest due), then
    completed ones (latest first)."""
    completed = Q(state=AssessmentState.COMPLETED)
    return (
        Assessment.objects.filter(organisation=organisation)
        .annotate(
            is_done=Case(When(completed, then=Value(1)), default=Value(0)),
            open_due=Case(When(~completed, then=F("due_date")), output_field=DateField()),
        )
        .only(
            "kind",
            "reason",
            "state",
            "due_date",
            "response_due_date",
            "assurance_status",
            "organisation_id",
        )
        .order_by("is_done", F("open_due").asc(nulls_last=True), "-due_date", "-pk")
    )


def self_assessments_to_submit(organisation) -> QuerySet[Assessment]:
    """The organisation's self-assessments waiting for it to submit them (its home page)."""
    return (
        Assessment.objects.filter(
            organisation=organisation, kind=AssessmentKind.USSA, state=AssessmentState.REQUIRED
        )
        .only("kind", "state", "due_date", "organisation_id")
        .order_by("due_date", "pk")
    )


def responses_to_send(organisation) -> QuerySet[Assessment]:
    """The organisation's assessments whose report is in and whose response it owes (its home
    page), the earliest due first."""
    return (
        Assessment.objects.filter(
            organisation=organisation,
            state__in=[AssessmentState.REPORT_RECEIVED, AssessmentState.CIO_REVIEW_RECORDED],
        )
        .only("kind", "state", "due_date", "response_due_date", "organisation_id")
        .order_by("response_due_date", "pk")
    )


def flag_changes(assessment: Assessment) -> list:
    return list(assessment.flag_changes.select_related("changed_by").order_by("changed_at", "pk"))


def follow_up_of(assessment: Assessment) -> Assessment | None:
    """The follow-up a Deferred or Rejected outcome opened, if any."""
    return assessment.follow_ups.order_by("-pk").first()


def assurance_records_visible_to(user, within: QuerySet | None = None) -> QuerySet[AssuranceRecord]:
    queryset = AssuranceRecord.objects.all() if within is None else within
    return queryset.filter(
        _about_visible_organisations(user, "organisation", "assessments.view_assurancerecord")
    )


def decisions_visible_to(user, within: QuerySet | None = None) -> QuerySet[Decision]:
    queryset = Decision.objects.all() if within is None else within
    return queryset.filter(
        _about_visible_organisations(
            user, "notification__organisation", "assessments.view_decision"
        )
    )


def assessment_decisions_visible_to(
    user, within: QuerySet | None = None
) -> QuerySet[AssessmentDecision]:
    queryset = AssessmentDecision.objects.all() if within is None else within
    return queryset.filter(
        _about_visible_organisations(
            user, "assessment__organisation", "assessments.view_assessmentdecision"
        )
    )


def agenda_items_visible_to(user, within: QuerySet | None = None) -> QuerySet[AgendaItem]:
    queryset = AgendaItem.objects.all() if within is None else within
    return queryset.filter(
        _about_visible_organisations(
            user, "notification__organisation", "assessments.view_agendaitem"
        )
    )


def reminders_visible_to(user, within: QuerySet | None = None) -> QuerySet[Reminder]:
    """As the other records, but those about no organisation (the digest) are SECAS's alone."""
    queryset = Reminder.objects.all() if within is None else within
    visible = _about_visible_organisations(user, "organisation", "assessments.view_reminder")
    if not on_secas_side(user):
        visible &= Q(organisation__isnull=False)
    return queryset.filter(visible)


def rapporteur_candidates(organisation) -> QuerySet[User]:
    """Who may be the rapporteur of the organisation's cases (notifications.be_rapporteur, as a
    query): SSC members with no declared conflict with it, and not working for it."""
    # Each exclusion names one row (an open conflict; an active place), not any two rows.
    conflicted = ConflictOfInterest.objects.filter(
        organisation=organisation, withdrawn_at__isnull=True
    ).values("member")
    employed = Membership.objects.filter(
        organisation=organisation, is_active=True, organisation__is_active=True
    ).values("user")
    return ssc_members().exclude(pk__in=conflicted).exclude(pk__in=employed)


CHAIR_ALERT_CASES = 5  # the cases the alert names; the rest are counted


@dataclass(frozen=True)
class ChairAlertCase:
    notification: Notification
    why: str  # why nobody can act as chair on it


@dataclass(frozen=True)
class ChairAlert:
    """What SECAS must put right: nobody can act as SSC chair, in general or on open cases."""

    headline: str
    cases: list[ChairAlertCase]  # the first CHAIR_ALERT_CASES, soonest go-live first
    case_count: int

    @property
    def digest_line(self) -> str:
        if not self.cases:
            return f"SSC chair: {self.headline}"
        first = self.cases[0]
        return (
            f"SSC chair: {self.headline} For example {first.notification.reference}: {first.why}."
        )


def chair_alert(offices: CommitteeOffices | None = None) -> ChairAlert | None:
    """None while someone can act as chair on every open case; otherwise what is wrong."""
    offices = offices if offices is not None else committee_offices()
    general = chair_for(offices=offices)
    if general.is_missing:
        return ChairAlert(
            headline=f"Nobody can act as SSC chair: {general.why}. Go-live alerts go to "
            "SECAS alone until a chair or deputy chair is recorded.",
            cases=[],
            case_count=0,
        )
    blocked = conflicted_for_both(offices)
    if not blocked:
        return None
    cases = Notification.objects.undecided().filter(organisation_id__in=blocked)
    count = cases.count()
    if not count:
        return None
    first = (
        cases.select_related("organisation")
        .only("pk", "reference", "state", "planned_go_live_date", "organisation__name")
        .order_by("planned_go_live_date", "pk")[:CHAIR_ALERT_CASES]
    )
    noun, pronoun = ("case", "it") if count == 1 else ("cases", "them")
    return ChairAlert(
        headline=f"Nobody can act as SSC chair on {count} open {noun}, for conflicts of "
        f"interest. Go-live alerts about {pronoun} go to SECAS alone.",
        cases=[
            ChairAlertCase(case, chair_for(case.organisation, offices=offices).why)
            for case in first
        ],
        case_count=count,
    )


# What a queue row shows: the wide text columns of a notification stay in the database.
QUEUE_COLUMNS = (
    "reference",
    "state",
    "organisation",
    "system_name",
    "delivery_model",
    "planned_go_live_date",
    "is_late",
    "submitted_at",
    "rapporteur",
    "organisation__name",
    "organisation__party_category",
    "rapporteur__full_name",
    "rapporteur__email",
)


def case_queue(user) -> NotificationQuerySet:
    """The cases the queue may show the person, with what a row needs; the filters (and the
    order asked for, each served by an index) are assessments.filters.CaseQueueFilter's."""
    return (
        cases_visible_to(user)
        .select_related("organisation", "rapporteur")
        .only(*QUEUE_COLUMNS)
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.to_decide()
                .filter(meeting__date__gte=timezone.localdate())
                .select_related("meeting")
                .order_by("meeting__date"),
                to_attr="upcoming_agenda_items",
            )
        )
    )


def organisation_names(user, text: str, *, limit: int = 10) -> list[str]:
    """Active organisations whose name contains the text: the queue's type-to-search."""
    require_committee_side(user)
    if not text.strip():
        return []
    return list(
        Organisation.objects.filter(is_active=True, name__icontains=text.strip())
        .order_by("name")
        .values_list("name", flat=True)[:limit]
    )


# Decided cases only accumulate: beyond this many, the queue says "1,000+".
STATE_COUNT_CAP = 1000


def state_counts(user) -> list[dict]:
    """Cases per state: exact for the live states, whose number follows the committee's work,
    and counted up to a cap for the others, whose number follows the whole history."""
    visible = cases_visible_to(user)
    counts = dict(visible.undecided().values_list("state").annotate(total=Count("id")).order_by())
    rows = []
    for value, label in NotificationState.choices:
        if value == NotificationState.DRAFT:
            continue
        if value not in UNDECIDED_STATES:
            counts[value] = (
                visible.filter(state=value).order_by().values("pk")[: STATE_COUNT_CAP + 1].count()
            )
        count = counts.get(value, 0)
        shown = f"{STATE_COUNT_CAP:,}+" if count > STATE_COUNT_CAP else f"{count:,}"
        rows.append({"value": value, "label": label, "count": count, "shown": shown})
    return rows


def get_case(user, pk) -> Notification:
    case = (
        cases_visible_to(user)
        # Joined: what most of the page reads; prefetched: the people and the earlier case,
        # keyed queries that keep the join narrow enough to plan quickly (issue 10).
        .select_related("organisation", "provider", "user_system", "changes_system")
        .prefetch_related(
            "rapporteur",
            "submitted_by",
            "previous_notification",
            "user_roles",
            "attachments",
            "information_requests",
        )
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


SYSTEMS_SHOWN = 10


def organisation_systems(organisation, *, limit: int = SYSTEMS_SHOWN) -> dict:
    """The organisation's first system and its most recent ones, each with the assurance in
    force for it, and how many there are."""
    systems = list(
        UserSystem.objects.filter(organisation=organisation)
        .select_related("provider")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.open().order_by("-due_date"),
            ),
            # The latest few records of each system: its history is a link away.
            Prefetch(
                "assurance_records",
                queryset=AssuranceRecord.objects.order_by("-effective_date", "-recorded_at")[:3],
                to_attr="recent_assurance_records",
            ),
        )
        .order_by("-is_first_system", "-created_at", "-pk")[:limit]
    )
    total = (
        len(systems)
        if len(systems) < limit
        else UserSystem.objects.filter(organisation=organisation).count()
    )
    in_force = assurance_in_force(systems)
    return {
        "rows": [{"system": system, "in_force": in_force[system.pk]} for system in systems],
        "total": total,
    }


def system_ever_assessed(notification: Notification) -> bool:
    if notification.user_system_id is None:
        return False
    return (
        AssuranceRecord.objects.filter(systems=notification.user_system_id).exists()
        or Assessment.objects.completed()
        .filter(systems_in_scope=notification.user_system_id)
        .exists()
    )


def next_meeting(*, after=None) -> SSCMeeting | None:
    day = after or timezone.localdate()
    return SSCMeeting.objects.filter(date__gte=day).order_by("date").first()


def meetings_to_defer_to(after: SSCMeeting | None):
    """Meetings a case may be deferred to: still to come, later than the one it leaves."""
    meetings = SSCMeeting.objects.filter(date__gte=timezone.localdate()).exclude(
        kind=SSCMeeting.Kind.WRITTEN
    )
    return meetings.filter(date__gt=after.date) if after is not None else meetings


def meeting_waited_on(case: Notification) -> SSCMeeting | None:
    """The meeting whose agenda the case waits on: the earliest it is still to be decided at
    (an item deferred from a meeting is only a record)."""
    return (
        SSCMeeting.objects.filter(agenda_items__notification=case, agenda_items__deferral=None)
        .order_by("date", "pk")
        .first()
    )


def meeting_to_decide(case: Notification, *, today: date | None = None) -> SSCMeeting | None:
    """The next meeting that could decide the case: the next one whose agenda it is on, else the
    next ordinary or extraordinary meeting after today; None when none is booked."""
    today = today or timezone.localdate()
    item = (
        AgendaItem.objects.to_decide()
        .filter(notification=case, meeting__date__gte=today)
        .exclude(meeting__kind=SSCMeeting.Kind.WRITTEN)
        .select_related("meeting")
        .order_by("meeting__date", "meeting__pk")
        .first()
    )
    if item is not None:
        return item.meeting
    return (
        SSCMeeting.objects.filter(
            date__gt=today,
            kind__in=[SSCMeeting.Kind.ORDINARY, SSCMeeting.Kind.EXTRAORDINARY],
        )
        .order_by("date", "pk")
        .first()
    )


@dataclass(frozen=True)
class ChairsActionWindow:
    """Whether a case's go-live comes before the next meeting that could decide it (or no
    meeting is booked), and that meeting, where a chair's action would be reported."""

    meeting: SSCMeeting | None
    is_open: bool


def chairs_action_window(case: Notification) -> ChairsActionWindow:
    if case.state != NotificationState.UNDER_REVIEW:
        return ChairsActionWindow(meeting=None, is_open=False)
    meeting = meeting_to_decide(case)
    go_live = case.planned_go_live_date
    if meeting is None:
        # No meeting booked: only a go-live within the decision's service level is urgent.
        near = add_working_days(timezone.localdate(), settings.SSC_DECISION_WORKING_DAYS)
        is_open = go_live is not None and go_live <= near
    else:
        is_open = go_live is not None and go_live < meeting.date
    return ChairsActionWindow(meeting=meeting, is_open=is_open)


def chairs_actions_to_note(meeting: SSCMeeting, user) -> QuerySet[Decision]:
    """The chair's actions reported to a meeting, as the person may see them."""
    return (
        Decision.objects.filter(
            meeting=meeting,
            route=Decision.Route.CHAIRS_ACTION,
            notification__in=cases_visible_to(user),
        )
        .select_related("notification__organisation", "decided_by", "meeting")
        .order_by("decided_at")
    )


def decisions_at(meeting: SSCMeeting, user) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(meeting=meeting, notification__in=cases_visible_to(user))
        .select_related("notification__organisation", "decided_by", "meeting")
        .prefetch_related(
            "minuted_by",
            "notification__assessment",
            Prefetch("members_present", queryset=User.objects.order_by("full_name", "email")),
        )
        .order_by("decided_at")
    )


def deferrals_at(meeting: SSCMeeting, user) -> QuerySet[Deferral]:
    """The cases deferred from a meeting to later ones, those the person may see (minutes)."""
    return (
        Deferral.objects.filter(from_meeting=meeting, notification__in=cases_visible_to(user))
        .select_related("notification__organisation", "to_meeting", "deferred_by")
        .order_by("deferred_at", "pk")
    )


def deferrals_of(case: Notification) -> list[Deferral]:
    """Every deferral of a case, oldest first (a case is deferred a handful of times at most)."""
    return list(
        Deferral.objects.filter(notification=case)
        .select_related("from_meeting", "to_meeting", "deferred_by")
        .order_by("deferred_at", "pk")
    )


def deferred_to_dates(case_ids) -> dict[int, date]:
    """For each case, the meeting date of its latest deferral: what the decision clock notes."""
    found: dict[int, date] = {}
    rows = (
        Deferral.objects.filter(notification__in=list(case_ids))
        .order_by("notification", "deferred_at", "pk")
        .values_list("notification", "to_meeting__date")
    )
    for case_id, meeting_date in rows:
        found[case_id] = meeting_date  # the latest one wins
    return found


def meeting_page_decisions(meeting: SSCMeeting, user) -> QuerySet[Decision]:
    """The decisions taken at a meeting, as its page shows them (each case is on its row)."""
    return (
        Decision.objects.filter(meeting=meeting, notification__in=cases_visible_to(user))
        .select_related("decided_by", "meeting")
        .only(
            "notification",
            "outcome",
            "rationale",
            "dissent",
            "route",
            "decided_at",
            "decided_by__full_name",
            "decided_by__email",
            "meeting__date",
            "meeting__kind",  # how_decided reads it on every row
        )
        .order_by("decided_at")
    )


# What an agenda row shows and the decision rules ask of its case: no wide text columns.
AGENDA_COLUMNS = (
    "position",
    "added_at",
    "meeting",
    "notification__reference",
    "notification__state",
    "notification__system_name",
    "notification__is_late",
    "notification__submitted_at",
    "notification__organisation__name",
    "notification__rapporteur__full_name",
    "notification__rapporteur__email",
    "notification__planned_go_live_date",
    "deferral",
)
# What an agenda row shows of its deferral, if it has one (prefetched: few items have one).
DEFERRAL_COLUMNS = (
    "reason",
    "deferred_at",
    "to_meeting__date",
    "deferred_by__full_name",
    "deferred_by__email",
)


def agenda(meeting: SSCMeeting, user) -> QuerySet[AgendaItem]:
    """The meeting's items the person may see (a conflicted member's are left out); an item
    deferred to a later meeting stays, as the record of where the case went."""
    return (
        meeting.agenda_items.filter(notification__in=cases_visible_to(user))
        .select_related("notification__organisation", "notification__rapporteur")
        .prefetch_related(
            Prefetch(
                "deferral",
                queryset=Deferral.objects.select_related("to_meeting", "deferred_by").only(
                    *DEFERRAL_COLUMNS
                ),
            )
        )
        .only(*AGENDA_COLUMNS)
        .order_by("position", "added_at")
    )


def _count_per_meeting(queryset) -> Coalesce:
    """How many rows of `queryset` each meeting has, counted for the meetings of one page."""
    counted = (
        queryset.filter(meeting=OuterRef("pk"))
        .order_by()
        .values("meeting")
        .annotate(total=Count("*"))
        .values("total")
    )
    return Coalesce(Subquery(counted), 0)


def meetings_overview() -> QuerySet[SSCMeeting]:
    """Meetings, newest first, each with its counts (computed only for the rows fetched)."""
    attendance = SSCMeeting.attendees.through.objects.filter(sscmeeting=OuterRef("pk"))
    return SSCMeeting.objects.annotate(
        item_count=_count_per_meeting(AgendaItem.objects.to_decide()),
        decision_count=_count_per_meeting(Decision.objects.all()),
        attendee_count=Coalesce(
            Subquery(
                attendance.order_by()
                .values("sscmeeting")
                .annotate(total=Count("*"))
                .values("total")  # type: ignore[misc]  # django-stubs misreads an annotation
            ),
            0,
        ),
    ).order_by("-date", "-pk")


def attendance_choices(meeting: SSCMeeting | None = None) -> QuerySet[User]:
    """Who may be recorded at a meeting: SSC members, and anyone already recorded there who
    has since left the SSC (they attended as a member; saving must not drop them)."""
    recorded = meeting.attendees.values("pk") if meeting is not None and meeting.pk else []
    return User.objects.filter(Q(pk__in=ssc_members().values("pk")) | Q(pk__in=recorded)).order_by(
        "full_name", "email"
    )


def former_members_recorded(meeting: SSCMeeting) -> set[int]:
    """Who is recorded at the meeting but no longer an SSC member (so no longer counted)."""
    return set(
        meeting.attendees.exclude(pk__in=ssc_members().values("pk")).values_list("pk", flat=True)
    )


def meeting_attendees(meeting: SSCMeeting) -> list:
    """The meeting's attendees, loaded once with what the quorum asks of each person.

    `meeting.quorum_for()` asks every attendee for their groups and conflicts; loading those for
    all attendees together keeps a meeting page's queries the same however long its agenda.
    """
    prefetch_related_objects(
        [meeting], Prefetch("attendees", queryset=User.objects.order_by("full_name", "email"))
    )
    people = list(meeting.attendees.all())
    ids = [person.pk for person in people]
    groups: dict[int, set[str]] = {pk: set() for pk in ids}
    for user_id, name in User.groups.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "group__name"
    ):
        groups[user_id].add(name)
    memberships: dict[int, dict] = {pk: {} for pk in ids}
    for membership in Membership.objects.filter(
        user_id__in=ids, is_active=True, organisation__is_active=True
    ).select_related("organisation"):
        memberships[membership.user_id][membership.organisation_id] = membership
    conflicts: dict[int, set[int]] = {pk: set() for pk in ids}
    for member_id, organisation_id in ConflictOfInterest.objects.filter(
        member_id__in=ids, withdrawn_at__isnull=True
    ).values_list("member_id", "organisation_id"):
        conflicts[member_id].add(organisation_id)
    for person in people:
        # The same values the cached properties would load one person at a time.
        person.__dict__["group_names"] = frozenset(groups[person.pk])
        person.__dict__["active_memberships"] = memberships[person.pk]
        person.__dict__["conflicted_organisation_ids"] = frozenset(
            conflicts[person.pk] | set(memberships[person.pk])
        )
    return people


def hidden_items_count(meeting: SSCMeeting, *, shown: int) -> int:
    """Agenda items the person may not see: counted, never listed."""
    return meeting.agenda_items.count() - shown


def latest_annual_assurance(organisation) -> AssuranceRecord | None:
    """The latest record from an annual-cycle assessment (AssuranceRecord.objects.annual)."""
    return (
        AssuranceRecord.objects.annual()
        .filter(organisation=organisation)
        .order_by("-effective_date", "-recorded_at")
        .first()
    )


def open_annual_review(organisation) -> Assessment | None:
    """The organisation's annual review not yet completed, if one is open."""
    return (
        Assessment.objects.annual_reviews()
        .open()
        .filter(organisation=organisation)
        .order_by("due_date")
        .first()
    )


def annual_review_covering(notification: Notification) -> Assessment | None:
    """The annual review the case's system was put into by a "no assessment" decision (its
    letter names it, even once it is completed)."""
    return (
        Assessment.objects.annual_reviews()
        .filter(
            organisation=notification.organisation_id,
            systems_in_scope=notification.user_system_id,
        )
        .order_by("due_date")
        .first()
    )


def expected_annual_review_kind(organisation, cycle_year: int, *, size: str | None = None) -> str:
    """From the cycle matrix by category and size (the organisation's own unless `size` says)."""
    rule = AssessmentCycleRule.objects.filter(
        party_category=organisation.party_category,
        size=size or organisation.size,
        cycle_year=cycle_year,
    ).first()
    return rule.kind if rule else AssessmentKind.FUSA


@dataclass(frozen=True)
class SizeOutlook:
    """An organisation's size, its next annual review's type, and what a case's meters would do."""

    organisation: Organisation
    notified_meters: int | None  # SMETS1 + SMETS2 on the case; None when neither is given
    boundary: int
    cycle_year: int
    kind_now: str
    kind_if_large: str
    review_is_open: bool

    @property
    def total(self) -> int | None:
        if self.notified_meters is None:
            return None
        return (self.organisation.smart_metering_systems_count or 0) + self.notified_meters

    @property
    def crosses_boundary(self) -> bool:
        """Small today, and the case's meters (with the recorded count) take it over the line."""
        total = self.total
        return not self.organisation.is_large and total is not None and total > self.boundary

    @property
    def kind_changes(self) -> bool:
        return self.crosses_boundary and self.kind_now != self.kind_if_large


def _short_kind(kind: str) -> str:
    return str(kind).upper()


def size_outlook(notification: Notification) -> SizeOutlook:
    """What the case page says about size: the next review's type now and if the party grows."""
    organisation = notification.organisation
    open_review = open_annual_review(organisation)
    if open_review is not None and open_review.cycle_year:
        cycle_year, kind_now = open_review.cycle_year, open_review.kind
    else:
        last = latest_annual_assurance(organisation)
        cycle_year = last.cycle_year % 3 + 1 if last and last.cycle_year else 1
        kind_now = expected_annual_review_kind(organisation, cycle_year)
    counts = [notification.smets1_meter_count, notification.smets2_meter_count]
    given = [count for count in counts if count is not None]
    notified = sum(given) if given else None
    previous = notification.previous_notification
    if notified is not None and previous is not None:
        # A change adds only its rise over the system's last notice: the rest is counted.
        before = (previous.smets1_meter_count or 0) + (previous.smets2_meter_count or 0)
        notified = max(notified - before, 0)
    return SizeOutlook(
        organisation=organisation,
        notified_meters=notified,
        boundary=settings.SMALL_PARTY_MAX_SMART_METERING_SYSTEMS,
        cycle_year=cycle_year,
        kind_now=_short_kind(kind_now),
        kind_if_large=_short_kind(
            expected_annual_review_kind(organisation, cycle_year, size=PartySize.LARGE)
        ),
        review_is_open=open_review is not None,
    )


def next_annual_review_due(organisation) -> date | None:
    """When the organisation's next annual review falls: the open review's due date, else 12
    months after the latest annual fieldwork; None with neither. The one answer the pages, the
    triage suggestion and the service opening the next review (services.next_annual_review) use.
    """
    open_review = open_annual_review(organisation)
    if open_review is not None:
        return open_review.due_date
    record = latest_annual_assurance(organisation)
    return record.next_annual_review_date if record else None


# --- SECAS's view of everything outstanding ---------------------------------------------------
# Each table is a queryset in its most urgent order, so a page takes a slice (the dashboard a few
# rows, a full list one page) and works out clocks and reasons only for the rows it shows.

SLA_ON_TRACK, SLA_DUE_SOON, SLA_LATE, SLA_PAUSED = "On track", "Due soon", "Late", "Paused"
# How each service-level status is drawn, so the page never compares the words themselves.
SLA_BADGES = {
    SLA_ON_TRACK: "text-bg-success",
    SLA_DUE_SOON: "text-bg-warning",
    SLA_LATE: "text-bg-danger",
    SLA_PAUSED: "text-bg-secondary",
}
ANNUAL_REVIEW_HORIZON = timedelta(days=366)


def _paused_days(periods, today) -> int:
    """Working days the decision clock stood still: (requested_at, responded_at) pairs."""
    paused = 0
    for requested_at, responded_at in periods:
        end = local_date(responded_at) if responded_at else today
        paused += working_days_between(local_date(requested_at), end)
    return paused


def paused_working_days(case: Notification, today) -> int:
    """Working days the decision clock stood still while the User was answering questions."""
    return _paused_days(
        (
            (request.requested_at, request.responded_at)
            for request in case.information_requests.all()
        ),
        today,
    )


def clock(*, state, submitted_at, review_started_at, periods, today) -> dict:
    """Age and service-level status of an undecided case (the decision clock pauses)."""
    age = working_days_since(submitted_at, today=today)
    if awaiting_triage(state) and not review_started_at:
        limit, running, stage = settings.SSC_TRIAGE_WORKING_DAYS, age, "Triage"
    else:
        limit = settings.SSC_DECISION_WORKING_DAYS
        running, stage = age - _paused_days(periods, today), "Decision"
    if state == NotificationState.INFORMATION_REQUESTED:
        status = SLA_PAUSED
    elif running > limit:
        status = SLA_LATE
    elif running >= limit - 4:
        status = SLA_DUE_SOON
    else:
        status = SLA_ON_TRACK
    return {
        "age": age,
        "running": running,
        "limit": limit,
        "stage": stage,
        "status": status,
        "badge": SLA_BADGES[status],
    }


def service_level(case: Notification, today) -> dict:
    return clock(
        state=case.state,
        submitted_at=case.submitted_at,
        review_started_at=case.review_started_at,
        periods=[(r.requested_at, r.responded_at) for r in case.information_requests.all()],
        today=today,
    )


def awaiting_ssc() -> QuerySet[Notification]:
    """Cases awaiting triage or a decision, oldest submission first.

    Calendar age orders working-day age, so the most overdue lead (a paused clock aside)
    without working out any clock in the query.
    """
    return (
        Notification.objects.undecided()
        .select_related("organisation")
        .only(
            "reference",
            "state",
            "is_late",
            "submitted_at",
            "review_started_at",
            "organisation__name",
        )
        .order_by("submitted_at", "pk")
    )


def with_service_levels(cases, today) -> list[dict]:
    """The service level of each case shown; their questions are fetched for these cases only."""
    cases = list(cases)
    prefetch_related_objects(
        cases,
        Prefetch(
            "information_requests",
            queryset=InformationRequest.objects.only(
                "notification", "requested_at", "responded_at"
            ),
        ),
    )
    deferred = deferred_to_dates(case.pk for case in cases)
    return [
        {"case": case, **service_level(case, today), "deferred_to": deferred.get(case.pk)}
        for case in cases
    ]


def outstanding_assessments(*, stage: str = "") -> QuerySet[Assessment]:
    """Open assessments, the earliest due (most overdue) first; `stage` narrows to one state."""
    queryset = Assessment.objects.open()
    if stage:
        queryset = queryset.filter(state=stage)
    return (
        queryset.select_related("organisation", "notification")
        .only(
            "kind",
            "reason",
            "state",
            "due_date",
            "cio_name",
            "organisation__name",
            "notification__reference",
        )
        .order_by("due_date", "pk")
    )


def assessment_counts(today) -> dict:
    """Open assessments per stage, how many are overdue, and how many annual reviews fall due
    within 12 months: one grouped query."""
    rows = (
        Assessment.objects.open()
        .values("state")
        .annotate(
            total=Count("id"),
            overdue=Count("id", filter=Q(due_date__lt=today)),
            reviews=Count(
                "id",
                filter=Q(notification__isnull=True, due_date__lte=today + ANNUAL_REVIEW_HORIZON),
            ),
        )
        .order_by()
    )
    by_state = {row["state"]: row for row in rows}
    return {
        "stages": [
            {"value": value, "label": label, "count": by_state.get(value, {}).get("total", 0)}
            for value, label in AssessmentState.choices
            if value in OPEN_ASSESSMENT_STATES
        ],
        "total": sum(row["total"] for row in by_state.values()),
        "overdue": sum(row["overdue"] for row in by_state.values()),
        "reviews": sum(row["reviews"] for row in by_state.values()),
    }


def annual_reviews_ahead(today) -> QuerySet[Assessment]:
    """Open annual reviews due within 12 months, the earliest first, with the later systems in
    their scope (fetched for the rows a page shows)."""
    return (
        Assessment.objects.annual_reviews()
        .open()
        .filter(due_date__lte=today + ANNUAL_REVIEW_HORIZON)
        .select_related("organisation")
        .only("kind", "state", "due_date", "organisation__name")
        .prefetch_related(
            Prefetch(
                "systems_in_scope",
                queryset=UserSystem.objects.filter(is_first_system=False)
                .only("name")
                .order_by("name"),
                to_attr="later_systems",
            )
        )
        .order_by("due_date", "pk")
    )


def review_rows(reviews, today) -> list[dict]:
    return [
        {
            "review": review,
            "overdue": review.is_overdue_on(today),
            "days": (review.due_date - today).days,
        }
        for review in reviews
    ]


def late_notifications() -> QuerySet[Notification]:
    """Notifications given late, the latest first."""
    return (
        Notification.objects.late()
        .select_related("organisation")
        .only(
            "reference",
            "state",
            "system_name",
            "planned_go_live_date",
            "submitted_at",
            "organisation__name",
        )
        .order_by("-submitted_at", "-pk")
    )


def capped_count(queryset: QuerySet, cap: int | None = None) -> int:
    """How many rows, counting no further than one past the cap."""
    cap = STATE_COUNT_CAP if cap is None else cap
    return queryset.order_by().values("pk")[: cap + 1].count()


def shown_count(count: int, cap: int | None = None) -> str:
    cap = STATE_COUNT_CAP if cap is None else cap
    return f"{cap:,}+" if count > cap else f"{count:,}"


def _systems_at_risk() -> QuerySet[LatestAssurance]:
    """Later User Systems whose record in force is Deferred or Rejected (a later Approved
    clears an old Deferred), from the partial index of the few at risk."""
    return LatestAssurance.objects.filter(
        status__in=AT_RISK_ASSURANCE, user_system__is_first_system=False
    )


def _overdue_assessments(today) -> QuerySet[Assessment]:
    return Assessment.objects.overdue(today)


def _open_follow_ups() -> AssessmentQuerySet:
    return Assessment.objects.open().filter(reason=AssessmentReason.FOLLOW_UP)


def _follow_ups_of_outcomes_in_force() -> AssessmentQuerySet:
    """Open follow-ups whose Deferred or Rejected outcome is still the one in force for a system
    (a first system's too): a later outcome, or a correction, leaves the follow-up moot."""
    in_force = LatestAssurance.objects.filter(
        status__in=AT_RISK_ASSURANCE, record__assessment=OuterRef("follows")
    )
    return _open_follow_ups().filter(Exists(in_force))


def flagged_assurance(organisation_ids) -> dict[int, list[str]]:
    """Per organisation (of those given: a page's), why its later systems are at risk: the
    Deferred or Rejected records in force for them, latest first. Read by the systems'
    organisation, as the at-risk list chooses them."""
    reasons: dict[int, list[str]] = defaultdict(list)
    rows = (
        _systems_at_risk()
        .filter(user_system__organisation__in=organisation_ids)
        .order_by("-record__effective_date", "-record__recorded_at", "-record_id")
        .values_list(
            "user_system__organisation_id", "record_id", "status", "record__effective_date"
        )
    )
    seen: set[tuple[int, int]] = set()
    for organisation_id, record_id, status, effective_date in rows:
        if (organisation_id, record_id) in seen:
            continue  # one record can cover several systems: one reason
        seen.add((organisation_id, record_id))
        reasons[organisation_id].append(
            f"A later User System was assessed {AssuranceStatus(status).label} "
            f"({effective_date:%d/%m/%Y})"
        )
    return reasons


def organisations_at_risk(today) -> QuerySet[Organisation]:
    """A later system assessed Deferred or Rejected, a follow-up open on an outcome still in
    force, or an assessment overdue (never a declaration of default: the portal only makes the
    risk visible early). The longest overdue first, then by name. One query: the risk set is
    never loaded into Python."""
    overdue = _overdue_assessments(today)
    return (
        Organisation.objects.filter(
            Q(pk__in=_systems_at_risk().values("user_system__organisation"))
            | Q(pk__in=_follow_ups_of_outcomes_in_force().values("organisation"))
            | Q(pk__in=overdue.values("organisation"))
        )
        .annotate(
            overdue_since=Subquery(
                overdue.filter(organisation=OuterRef("pk"))
                .order_by("due_date")
                .values("due_date")[:1]
            )
        )
        .only("name")
        .order_by(F("overdue_since").asc(nulls_last=True), "name", "pk")
    )


def risk_reasons(organisations, today) -> list[dict]:
    """Why each organisation shown is at risk, read for those organisations only."""
    organisations = list(organisations)
    shown = [organisation.pk for organisation in organisations]
    reasons: dict[int, list[str]] = defaultdict(list)
    for organisation_id, flagged in flagged_assurance(shown).items():
        reasons[organisation_id].extend(flagged)
    overdue = (
        _overdue_assessments(today)
        .filter(organisation__in=shown)
        .order_by("due_date", "pk")
        .values_list("organisation_id", "kind", "due_date")
    )
    for organisation_id, kind, due_date in overdue:
        reasons[organisation_id].append(f"{kind_label(kind)} overdue since {due_date:%d/%m/%Y}")
    follow_ups = open_follow_ups_of(shown, today)
    return [
        {
            "organisation": organisation,
            "reasons": reasons[organisation.pk],
            "follow_ups": follow_ups.get(organisation.pk, []),
        }
        for organisation in organisations
    ]


def open_follow_ups_of(organisation_ids, today) -> dict[int, list[dict]]:
    """Per organisation (of those given), its open follow-up assessments, earliest due first,
    each with what it follows: one query."""
    rows = (
        _open_follow_ups()
        .filter(organisation__in=organisation_ids)
        .order_by("due_date", "pk")
        .values_list(
            "pk",
            "organisation_id",
            "kind",
            "due_date",
            "follows__assurance_record__status",
            "follows__assurance_record__effective_date",
        )
    )
    found: dict[int, list[dict]] = defaultdict(list)
    for pk, organisation_id, kind, due_date, status, decided_on in rows:
        after = (
            f" (after {AssuranceStatus(status).label} on {decided_on:%d/%m/%Y})" if status else ""
        )
        found[organisation_id].append(
            {
                "pk": pk,
                "due_date": due_date,
                "is_overdue": due_date < today,
                "text": f"Follow-up {_short_kind(kind) if kind else 'assessment'} due by "
                f"{due_date:%d/%m/%Y}{after}",
            }
        )
    return found


def organisations_at_risk_for(user, today) -> QuerySet[Organisation]:
    """The committee's at-risk list: SECAS's, less the organisations the person is conflicted
    with (an SSC member never sees those)."""
    require_committee_side(user)
    return organisations_at_risk(today).filter(outside_conflicts(user, "pk"))


# SEC working days in SQL, so a month's decisions can be counted by clock without loading them.
# A working-day number counts the working days from a Monday epoch up to a date; the working
# days between two dates are the difference of their numbers.
_EPOCH = date(1970, 1, 5)  # a Monday


@lru_cache(maxsize=16)
def _weekday_holidays(first_year: int, last_year: int) -> tuple[int, ...]:
    """Day numbers of the bank holidays falling on a weekday, in order."""
    days = []
    day = date(first_year, 1, 1)
    while day.year <= last_year:
        if day.weekday() < 5 and not is_working_day(day):
            days.append((day - _EPOCH).days)
        day += timedelta(days=1)
    return tuple(days)


class _WorkingDayNumber(Func):
    """Working days from the epoch up to the UK date of a moment, in SQL: weekdays by arithmetic,
    weekday bank holidays by a binary search over their day numbers written as nested CASEs.

    Rendered as text around one compiled date: as a tree of Django expressions the search cost
    more to build than the query took to run (and a one-row subquery naming the date, more to
    run than repeating it).
    """

    output_field = IntegerField()

    def __init__(self, moment, *, holidays: tuple[int, ...]):
        super().__init__(TruncDate(moment, tzinfo=timezone.get_default_timezone()))
        self.holidays = holidays

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":
            day = f"CAST(julianday({date_sql}) - julianday('1970-01-05') AS INTEGER)"
            least = "MIN"
        else:
            day, least = f"({date_sql} - DATE '1970-01-05')", "LEAST"
        uses = 0

        def day_number() -> str:
            nonlocal uses
            uses += 1
            return day

        def passed(holidays: tuple[int, ...], before: int) -> str:
            if not holidays:
                return str(before)
            middle = len(holidays) // 2
            return (
                f"CASE WHEN {day_number()} >= {holidays[middle]} "
                f"THEN {passed(holidays[middle + 1 :], before + middle + 1)} "
                f"ELSE {passed(holidays[:middle], before)} END"
            )

        weeks = f"5 * ({day_number()} / 7)"
        rest = f"{least}({day_number()} - 7 * ({day_number()} / 7) + 1, 5)"
        sql = f"({weeks} + {rest} - ({passed(self.holidays, 0)}))"
        # Each use of the date carries its own copy of the date's parameters.
        return sql, tuple(date_params) * uses


def working_day_number(first_year: int, last_year: int) -> Callable[..., Func]:
    """Builds the SQL working-day number of a moment, knowing the bank holidays of these years."""
    return partial(_WorkingDayNumber, holidays=_weekday_holidays(first_year, last_year))


def decision_working_days(number: Callable[..., Func]) -> Func:
    """The decision clock in SQL, on a Decision queryset: SEC working days from submission to the
    decision, less those paused while the User answered a question (as `clock` counts them)."""
    paused = (
        InformationRequest.objects.filter(notification=OuterRef("notification"))
        .annotate(
            days=Greatest(
                number(
                    Coalesce("responded_at", OuterRef("decided_at"), output_field=DateTimeField())
                )
                - number("requested_at"),
                Value(0),
            )
        )
        .values("notification")
        .annotate(total=Sum("days"))
        .values("total")
    )
    asked = InformationRequest.objects.filter(notification=OuterRef("notification"))
    return Greatest(
        number("decided_at")
        - number("notification__submitted_at")
        # Most cases had no question: an index probe spares them the sum.
        - Case(
            When(Exists(asked), then=Subquery(paused, output_field=IntegerField())),
            default=Value(0),
        ),
        Value(0),
    )


DECISION_STATISTICS_SECONDS = 24 * 60 * 60


def decisions_by_month(today, months: int = 12) -> list[dict]:
    """Decisions per month by outcome, with the median working days to decide (clock paused).

    Worked out again only when a decision is recorded: a decision is never changed or deleted,
    and neither is anything its clock reads once it is taken, so the latest decision (and how
    many were taken today, for two committing out of order) identify the figures.
    """
    london = timezone.get_default_timezone()
    latest = Decision.objects.order_by("-pk").values_list("pk", "decided_at").first()
    taken_today = Decision.objects.filter(
        decided_at__gte=datetime.combine(today, time.min, london)
    ).count()
    pk, moment = latest if latest else (0, None)
    stamp = moment.timestamp() if moment else 0
    key = f"secas:decisions-by-month:{today.isoformat()}:{months}:{pk}:{stamp}:{taken_today}"
    rows = cache.get(key)
    if rows is None:
        rows = decision_statistics(today, months)
        cache.set(key, rows, DECISION_STATISTICS_SECONDS)
    return rows


def decision_statistics(today, months: int = 12) -> list[dict]:
    """The figures behind decisions_by_month, aggregated in SQL: counts per month, then how many
    decisions took each number of working days, from which the median is read. No decision or
    case is loaded."""
    start = today.replace(day=1) - relativedelta(months=months - 1)
    london = timezone.get_default_timezone()
    decisions = Decision.objects.filter(decided_at__gte=datetime.combine(start, time.min, london))
    month = TruncMonth("decided_at", tzinfo=london, output_field=DateField())
    counts = {
        row["month"]: row
        for row in decisions.annotate(month=month)
        .values("month")
        .annotate(
            no_assessment=Count("id", filter=Q(outcome=Decision.Outcome.NO_ASSESSMENT)),
            assessment_required=Count("id", filter=Q(outcome=Decision.Outcome.ASSESSMENT_REQUIRED)),
            first_submitted=Min("notification__submitted_at"),
        )
        .order_by()
    }
    spread: dict = defaultdict(list)
    if counts:
        now = timezone.now()
        # The holidays from the earliest submission decided in the window up to next year.
        first = min(row["first_submitted"] or now for row in counts.values())
        number = working_day_number(local_date(first).year, today.year + 1)
        taken = decision_working_days(number)
        histogram = (
            decisions.annotate(month=month, days=taken)
            .values("month", "days")
            .annotate(decisions=Count("id"))
            .order_by()
        )
        for row in histogram:
            spread[row["month"]].append((int(row["days"]), row["decisions"]))
    rows = []
    cursor = start
    while cursor <= today:
        row = counts.get(cursor, {})
        no_assessment = row.get("no_assessment", 0)
        assessment_required = row.get("assessment_required", 0)
        rows.append(
            {
                "month": cursor,
                "no_assessment": no_assessment,
                "assessment_required": assessment_required,
                "total": no_assessment + assessment_required,
                "median_days": median_of(spread.get(cursor, [])),
            }
        )
        cursor += relativedelta(months=1)
    return rows


def median_of(histogram: list[tuple[int, int]]):
    """The median of values given as (value, how many), as statistics.median would give it."""
    total = sum(count for _, count in histogram)
    if not total:
        return None
    middle = []
    seen = 0
    for value, count in sorted(histogram):
        for position in ((total - 1) // 2, total // 2):
            if seen <= position < seen + count:
                middle.append(value)
        seen += count
    return middle[0] if total % 2 else (middle[0] + middle[1]) / 2


SYSTEMS_IN_SCOPE_SHOWN = 50


# SECAS's proposals to the committee: committee paperwork, never shown to the User.
PROPOSAL_STEPS = ("propose_outcome", "replace_proposal", "withdraw_proposal")


def assessment_history(assessment: Assessment, *, for_the_user: bool = False) -> list[dict]:
    """The assessment's steps, oldest first, with the state's label looked up here rather than
    by a query per entry (StateLog.get_state_display reads the content type each time). The
    User's copy leaves out SECAS's proposals: it learns the outcome when the SSC decides."""
    labels = dict(AssessmentState.choices)
    logs = (
        StateLog.objects.for_(assessment)
        .select_related("by")
        .only("state", "timestamp", "description", "by__full_name", "by__email")
        .order_by("timestamp", "pk")
    )
    if for_the_user:
        logs = logs.exclude(transition__in=PROPOSAL_STEPS)
    return [
        {
            "state": labels.get(log.state, log.state),
            "by": log.by,
            "timestamp": log.timestamp,
            "description": log.description,
        }
        for log in logs
    ]


def systems_in_scope(assessment: Assessment, *, limit: int = SYSTEMS_IN_SCOPE_SHOWN) -> dict:
    """The first systems in scope by name, and how many more there are."""
    names = list(
        assessment.systems_in_scope.order_by("name", "pk").values_list("name", flat=True)[
            : limit + 1
        ]
    )
    more = assessment.systems_in_scope.count() - limit if len(names) > limit else 0
    return {"systems": names[:limit], "more_systems": more}


def communications(*, notification=None, organisation=None) -> QuerySet[OutboundEmail]:
    """The emails written about a case or about an organisation (give one), newest first
    (bodies left out)."""
    emails = OutboundEmail.objects.defer("body_text", "body_html", "context")
    if organisation is not None:
        # In the order of the link's index (organisation_email_newest): an organisation's
        # emails grow with its history, and a page must not sort them all.
        return emails.filter(organisation_link__organisation=organisation).order_by(
            "-organisation_link__written_at", "-organisation_link__email_id"
        )
    emails = emails.order_by("-created_at", "-pk")
    if notification is not None:
        emails = emails.filter(notification_link__notification=notification)
    return emails


def eligibility(organisation) -> Eligibility:
    """The organisation's first approved User System and the assurance status in force for it
    (the organisation's latest record when none names the system)."""
    first_system = (
        UserSystem.objects.filter(organisation=organisation, is_first_system=True)
        .select_related("latest_assurance__record")
        .first()
    )
    record = None
    if first_system is not None:
        latest = getattr(first_system, "latest_assurance", None)
        record = latest.record if latest is not None else latest_assurance(organisation)
    return Eligibility(
        organisation=organisation,
        first_system=first_system,
        assurance_status=record.status if record else "",
        assurance_date=record.effective_date if record else None,
    )


def without_approved_first_system() -> QuerySet[Notification]:
    """Notifications made without an approved first User System, the latest first."""
    return (
        Notification.objects.without_approved_first_system()
        .select_related("organisation")
        .only(
            "reference",
            "state",
            "system_name",
            "eligibility_finding",
            "submitted_at",
            "organisation__name",
        )
        .order_by("-submitted_at", "-pk")
    )


# --- The register of User Systems ---------------------------------------------------------------


def register_of_systems(organisation) -> QuerySet[UserSystem]:
    """An organisation's systems as its systems page lists them: the first one first."""
    return (
        UserSystem.objects.filter(organisation=organisation)
        .select_related("provider")
        .order_by("-is_first_system", "name", "pk")
    )


@dataclass(frozen=True)
class AssuranceInForce:
    """What the register says of one User System: the assurance record in force for it
    (LatestAssurance) and, while that reads Deferred or Rejected, the open follow-up that will
    replace it. "Not approved" is read from the record, never stored a second time."""

    record: AssuranceRecord | None = None
    follow_up: Assessment | None = None

    @property
    def is_not_approved(self) -> bool:
        return self.record is not None and self.record.status in AT_RISK_ASSURANCE

    @property
    def follow_up_kind(self) -> str:
        """The follow-up's type as its short name (FUSA), as the register's cells show it."""
        kind = self.follow_up.kind if self.follow_up is not None else ""
        return _short_kind(kind) if kind else "assessment"


def assurance_in_force(systems) -> dict[int, AssuranceInForce]:
    """For each system given (a page's), its AssuranceInForce: two queries, whatever the page."""
    ids = [system.pk for system in systems]
    latest = list(
        LatestAssurance.objects.filter(user_system__in=ids).select_related("record") if ids else []
    )
    not_approved = {
        entry.record.assessment_id for entry in latest if entry.status in AT_RISK_ASSURANCE
    } - {None}
    # Keyed by the assessment each follows; only Deferred and Rejected outcomes have one.
    follow_ups: dict[int | None, Assessment] = {}
    if not_approved:
        for follow_up in (
            Assessment.objects.open().filter(follows__in=not_approved).order_by("due_date", "pk")
        ):
            follow_ups.setdefault(follow_up.follows_id, follow_up)
    found = {
        entry.user_system_id: AssuranceInForce(
            record=entry.record, follow_up=follow_ups.get(entry.record.assessment_id)
        )
        for entry in latest
    }
    return {pk: found.get(pk, AssuranceInForce()) for pk in ids}


def system_rows(systems) -> list[dict]:
    """Each system with the User Roles its last notification named and the assurance record
    (and assessment) that last covered it: one query for the roles of the whole page."""
    systems = list(systems)
    last_notice: dict[int, Notification] = {}
    notices = (
        Notification.objects.filter(user_system__in=systems, submitted_at__isnull=False)
        .exclude(state=NotificationState.WITHDRAWN)
        .order_by("user_system_id", "-submitted_at", "-pk")
        .only("pk", "reference", "user_system_id", "state")
        .prefetch_related("user_roles")
    )
    for notice in notices:
        last_notice.setdefault(notice.user_system_id, notice)
    in_force = assurance_in_force(systems)
    rows = []
    for system in systems:
        notice = last_notice.get(system.pk)
        rows.append(
            {
                "system": system,
                "roles": [role.name for role in notice.user_roles.all()] if notice else [],
                "last_notification": notice,
                "in_force": in_force[system.pk],
            }
        )
    return rows


def system_notifications(system: UserSystem, user) -> list[dict]:
    """The system's notifications and changes, oldest first, each with the SSC's decision.
    A draft is shown only to the organisation's own people."""
    cases = (
        Notification.objects.filter(Q(user_system=system) | Q(changes_system=system))
        .select_related("decision__meeting")
        .only(
            "pk",
            "reference",
            "state",
            "submitted_at",
            "created_at",
            "changes_system_id",
            "change_summary",
            "decision__outcome",
            "decision__decided_at",
            "decision__meeting__date",
            "decision__meeting__title",
            "decision__meeting__kind",
        )
        .order_by("created_at", "pk")
    )
    if user.membership_for(system.organisation) is None:
        # Never submitted (a draft, or a draft withdrawn) is the organisation's own business.
        cases = cases.filter(submitted_at__isnull=False)
    return [{"case": case, "decision": getattr(case, "decision", None)} for case in cases]


SYSTEM_HISTORY_SHOWN = 20


def system_history(system: UserSystem) -> list:
    """The latest changes to the system's register entry, each with who and why."""
    return list(
        system.history.select_related("history_user").order_by("-history_date", "-history_id")[
            :SYSTEM_HISTORY_SHOWN
        ]
    )


def systems_employed_early() -> QuerySet[UserSystem]:
    """Systems the User began to employ before notice or before the SSC's decision."""
    return (
        UserSystem.objects.exclude(employed_early="")
        .select_related("organisation")
        .order_by("-began_employing_date", "-pk")
    )


# --- Remediation plans -----------------------------------------------------------------------

OPEN_STEPS_SHOWN = 20


def remediation_plan_of(assessment: Assessment) -> RemediationPlan | None:
    """The assessment's plan with its steps and their evidence, or None."""
    return (
        RemediationPlan.objects.filter(assessment=assessment)
        .select_related("closing_record")
        .prefetch_related("steps__evidence")
        .first()
    )


def open_steps_of(organisation) -> QuerySet[RemediationStep]:
    """The organisation's steps still with it (open or sent back), earliest due first."""
    return (
        RemediationStep.objects.with_the_user()
        .filter(plan__organisation=organisation)
        .order_by("due_date", "pk")
    )


def overdue_steps(today: date) -> QuerySet[RemediationStep]:
    """Steps past their due date and still with the User, most overdue first."""
    return (
        RemediationStep.objects.overdue(today)
        .select_related("plan__organisation")
        .order_by("due_date", "pk")
    )


def get_visible_step(user, pk) -> RemediationStep:
    step = (
        RemediationStep.objects.select_related("plan__organisation", "plan__assessment")
        .filter(pk=pk)
        .first()
    )
    if step is None or not allows(user, "assessments.view_remediation_step", step):
        raise Http404("No such remediation step.")
    return step


def state_history(obj, states: type[TextChoices]) -> list[dict]:
    """Who moved a remediation step or an appeal on, when and why, oldest first."""
    labels = dict(states.choices)
    logs = StateLog.objects.for_(obj).select_related("by").order_by("timestamp", "pk")
    return [
        {
            "state": labels.get(log.state, log.state),
            "by": log.by,
            "timestamp": log.timestamp,
            "description": log.description,
        }
        for log in logs
    ]


def step_history(step: RemediationStep) -> list[dict]:
    return state_history(step, StepState)


# --- Outcomes: SECAS proposes, the SSC (or the Panel) decides ---------------------------------

OUTCOMES_SHOWN = 20


def is_initial_fusa(assessment: Assessment) -> bool:
    """Whether the Panel, rather than the SSC, sets this assessment's status.

    Assumed: an initial FUSA is a FUSA of an organisation with no earlier assurance record of
    any kind (not from the portal, nor entered from before it), so the first one it ever has.
    Any record, whatever its status or type, means the organisation has been through one.
    An ad-hoc (G8.13) or follow-up FUSA is never the initial one.
    """
    if assessment.kind != AssessmentKind.FUSA or not assessment.is_annual_review:
        return False
    return (
        not AssuranceRecord.objects.filter(organisation_id=assessment.organisation_id)
        .exclude(assessment_id=assessment.pk)
        .exists()
    )


def standing_proposal(assessment: Assessment) -> OutcomeProposal | None:
    """The proposal before the committee (or the one it decided), with who made it."""
    return (
        OutcomeProposal.objects.standing()
        .filter(assessment=assessment)
        .select_related("proposed_by")
        .first()
    )


def withdrawn_proposals(assessment: Assessment) -> list[OutcomeProposal]:
    return list(
        OutcomeProposal.objects.filter(assessment=assessment, withdrawn_at__isnull=False)
        .select_related("proposed_by", "withdrawn_by")
        .order_by("proposed_at", "pk")[:OUTCOMES_SHOWN]
    )


def decision_of(assessment: Assessment) -> AssessmentDecision | None:
    return (
        AssessmentDecision.objects.filter(assessment=assessment)
        .select_related("decided_by", "meeting")
        .first()
    )


def outcomes_awaiting_decision(user) -> QuerySet[OutcomeProposal]:
    """Proposed outcomes the committee has yet to decide, oldest first; a member never sees
    those of organisations they are conflicted with (or work for)."""
    require_committee_side(user)
    return (
        OutcomeProposal.objects.standing()
        .filter(assessment__state=AssessmentState.OUTCOME_PROPOSED)
        .filter(outside_conflicts(user, "assessment__organisation"))
        .select_related("assessment__organisation", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def assessment_decisions_at(meeting: SSCMeeting, user) -> QuerySet[AssessmentDecision]:
    """The assessment outcomes decided at a meeting, those the person may see."""
    require_committee_side(user)
    return (
        AssessmentDecision.objects.filter(meeting=meeting)
        .filter(outside_conflicts(user, "assessment__organisation"))
        .select_related("assessment__organisation", "assessment__notification", "decided_by")
        .prefetch_related(
            Prefetch(
                "assessment__systems_in_scope",
                queryset=UserSystem.objects.only("name").order_by("name", "pk"),
            )
        )
        .order_by("decided_at", "pk")
    )


def get_committee_assessment(user, pk) -> Assessment:
    """An assessment as the committee sees it: SECAS, and SSC members without a conflict."""
    assessment = (
        Assessment.objects.select_related("organisation", "notification").filter(pk=pk).first()
    )
    if assessment is None or not allows(user, "assessments.view_committee_assessment", assessment):
        raise Http404("No such assessment.")
    return assessment


def get_decided_assessment_for_letter(user, pk) -> AssessmentDecision:
    decision = (
        AssessmentDecision.objects.select_related(
            "assessment__organisation", "assessment__notification", "meeting", "decided_by"
        )
        .filter(assessment__pk=pk)
        .first()
    )
    if decision is None or not allows(
        user, "assessments.view_assessment_decision_letter", decision.assessment
    ):
        raise Http404("No decision letter.")
    return decision
