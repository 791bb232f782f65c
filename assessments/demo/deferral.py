"""The demo's deferral: a case put off at a meeting two weeks ago to the next one, which now
falls after its planned go-live (so the User was told not to employ the system before it)."""

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments.demo import scenarios
from assessments.demo.meetings import CURRENT, NEXT, PAST_2
from assessments.demo.people import MEMBER2, SECAS, submitter_of
from assessments.models import AgendaItem, Deferral, SSCMeeting
from assessments.services import defer_case
from notifications.models import DeliveryModel, Notification
from users.models import Organisation, User

SYSTEM_NAME = "Pennine Substation Monitoring Feed"
REASON = (
    "The rapporteur asked for the CIO's view on how the feed is separated from the DNO's "
    "operational network before a decision; SECAS has asked Pennine for it. Deferred to the "
    "next meeting."
)


def seed_deferral(demo) -> None:
    """Submitted five weeks ago, triaged for the meeting two weeks ago, deferred there to the
    next meeting; its go-live, a week away, now comes before the decision. `demo` is the
    DemoSeed (its organisations, people, meetings, today and counts)."""
    orgs: dict[str, Organisation] = demo.orgs
    people: dict[str, User] = demo.people
    meetings: dict[str, SSCMeeting] = demo.meetings
    today: date = demo.today
    created: Counter = demo.created
    organisation = orgs["pennine"]
    if Notification.objects.filter(organisation=organisation, system_name=SYSTEM_NAME).exists():
        return
    submitter = people[submitter_of("pennine")]
    case = scenarios.submitted_case(
        organisation=organisation,
        by=submitter,
        system_name=SYSTEM_NAME,
        purpose="Substation load and fault readings from smart meters on feeders, for the "
        "control room.",
        go_live=today + timedelta(days=7),
        delivery=DeliveryModel.IN_HOUSE,
        roles=("electricity-distributor",),
        smets2=90_000,
    )
    # Triage today is for a meeting still to come; the demo then puts it back five weeks, onto
    # the agenda of the meeting held two weeks ago, as if triaged then.
    scenarios.case_under_review(
        case, by=people[SECAS], rapporteur=people[MEMBER2], meeting=meetings[CURRENT]
    )
    held = meetings[PAST_2]
    AgendaItem.objects.filter(notification=case, meeting=meetings[CURRENT]).update(meeting=held)
    deferral = defer_case(
        notification=case,
        by=people[MEMBER2],
        from_meeting=held,
        to_meeting=meetings[NEXT],
        reason=REASON,
    )
    deferred_at = timezone.make_aware(datetime.combine(held.date, time(11, 30)))
    Deferral.objects.filter(pk=deferral.pk).update(deferred_at=deferred_at)
    weeks_back = timedelta(days=35)
    Notification.objects.filter(pk=case.pk).update(
        created_at=F("created_at") - weeks_back,
        submitted_at=F("submitted_at") - weeks_back,
        review_started_at=F("review_started_at") - weeks_back,
    )
    StateLog.objects.for_(case).update(timestamp=F("timestamp") - weeks_back)
    created["notifications"] += 1
    created["deferrals"] += 1
