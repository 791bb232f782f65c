"""Follow-up assessments: what a Deferred or Rejected outcome opens.

DOMAIN.md: Deferred and Rejected "need remediation and a follow-up security assessment (after
Rejected, possibly a second full one)". The follow-up is opened by one call, `open_follow_up`,
inside the transaction that records the outcome (today SECAS completing an assessment), with
the SSC's choices (`FollowUpPlan`) or the defaults below. It is an ordinary assessment (reason
"follow-up") that SECAS books and the reminders chase like any other; its own outcome replaces
the Deferred or Rejected one in the register.
"""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentReason,
    AssessmentState,
    AssuranceRecord,
)
from notifications.models import AT_RISK_ASSURANCE, AssuranceStatus
from notifications.recipients import portal_link, recipients_for
from notifications.services import TransitionRefused, queue_email
from users.models import User

# How many of the systems in scope an email names; the rest are counted.
SYSTEMS_NAMED = 20


@dataclass(frozen=True)
class FollowUpPlan:
    """The follow-up as the decision sets it; whatever is left blank takes its default."""

    kind: str = ""
    due_date: date | None = None
    scope: str = ""


def leads_to_follow_up(status: str) -> bool:
    return status in AT_RISK_ASSURANCE


def default_kind(completed: Assessment, status: str) -> str:
    """After Rejected a full assessment; after Deferred the same type again (FUSA for a G8.13
    assessment recorded before types were asked)."""
    if status == AssuranceStatus.REJECTED:
        return AssessmentKind.FUSA
    return completed.kind or AssessmentKind.FUSA


def default_due_date(decided_on: date) -> date:
    # A setting of 0 would make it due on the day of the decision, which the rule refuses.
    return decided_on + relativedelta(months=max(settings.FOLLOW_UP_ASSESSMENT_MONTHS, 1))


def check_follow_up(*, status: str, plan: FollowUpPlan | None) -> None:
    """Refuse, in words, a follow-up the outcome cannot take (asked before anything is saved)."""
    if plan is None:
        return
    if not leads_to_follow_up(status):
        raise TransitionRefused(
            "Only a Deferred or Rejected outcome leads to a follow-up assessment: leave the "
            "follow-up's type and due date blank for any other status."
        )
    if plan.kind and plan.kind not in AssessmentKind.values:
        raise TransitionRefused("Please choose the follow-up's type: FUSA, VUSA or USSA.")
    if plan.due_date is not None and plan.due_date <= timezone.localdate():
        raise TransitionRefused("The follow-up assessment's due date must be after today.")


def open_follow_up(
    *, completed: Assessment, record: AssuranceRecord, by: User, plan: FollowUpPlan | None
) -> Assessment:
    """Open the follow-up of a Deferred or Rejected outcome, scoped to the same systems; logged,
    and SECAS and the SSC chair are told. Called inside the outcome's transaction, with the
    completed assessment locked."""
    if not leads_to_follow_up(record.status):
        raise TransitionRefused(
            "Only a Deferred or Rejected outcome leads to a follow-up assessment."
        )
    check_follow_up(status=record.status, plan=plan)
    if completed.follow_ups.exists():
        raise TransitionRefused(f"{completed} already has its follow-up assessment.")
    plan = plan or FollowUpPlan()
    due_date = plan.due_date or default_due_date(record.effective_date)
    if due_date <= timezone.localdate():
        if plan.due_date is None:
            # Nothing was typed: say which default has passed, and what to do.
            raise TransitionRefused(
                f"The follow-up's default due date, {due_date:%d/%m/%Y} (counted from the "
                f"decision of {record.effective_date:%d/%m/%Y}), has already passed: please "
                "give the date by which the follow-up assessment is due."
            )
        raise TransitionRefused("The follow-up assessment's due date must be after today.")
    follow_up = Assessment.objects.create(
        organisation=completed.organisation,
        kind=plan.kind or default_kind(completed, record.status),
        reason=AssessmentReason.FOLLOW_UP,
        # SECAS can change it, saying why, as for any assessment that is not an annual review.
        counts_as_annual_review=False,
        follows=completed,
        scope=plan.scope.strip() or completed.scope,
        due_date=due_date,
    )
    follow_up.systems_in_scope.set(completed.systems_in_scope.all())
    status = AssuranceStatus(record.status).label
    StateLog.objects.create(
        content_object=follow_up,
        transition="open_follow_up",
        source_state=AssessmentState.REQUIRED,
        state=AssessmentState.REQUIRED,
        by=by,
        description=f"Opened as the follow-up to the {completed.get_kind_display()} of "
        f"{completed.organisation}, completed {status} on {record.effective_date:%d/%m/%Y}; "
        f"due by {due_date:%d/%m/%Y}",
    )
    queue_follow_up_emails(follow_up=follow_up, completed=completed, record=record)
    return follow_up


def queue_follow_up_emails(
    *, follow_up: Assessment, completed: Assessment, record: AssuranceRecord
) -> None:
    """SECAS (who books it) and the SSC chair (who sees the risk) are told; the User hears in
    its decision letter (assessment_decision_letter)."""
    organisation = follow_up.organisation
    names = list(
        follow_up.systems_in_scope.order_by("name", "pk").values_list("name", flat=True)[
            : SYSTEMS_NAMED + 1
        ]
    )
    more = follow_up.systems_in_scope.count() - SYSTEMS_NAMED if len(names) > SYSTEMS_NAMED else 0
    context = {
        "follow_up": follow_up,
        "completed": completed,
        "organisation": organisation,
        "status": AssuranceStatus(record.status),
        "decided_on": record.effective_date,
        "systems": names[:SYSTEMS_NAMED],
        "more_systems": more,
    }
    for kind, page_url, for_secas in (
        ("follow_up_opened_secas", portal_link("secas:assessment", follow_up.pk), True),
        ("follow_up_opened_chair", portal_link("assessments:at_risk"), False),
    ):
        queue_email(
            kind=kind,
            to=recipients_for(kind, organisation=organisation),
            template="follow_up_opened",
            context={**context, "page_url": page_url, "for_secas": for_secas},
            notification=completed.notification,
            organisation=organisation,
        )
