"""The demo's meeting papers: the next meeting's papers published by SECAS, every case but one
carrying its rapporteur's recommendation (the last case shows one missing)."""

from collections import Counter

from assessments.demo.meetings import NEXT
from assessments.demo.people import SECAS
from assessments.models import Decision, SSCMeeting
from assessments.papers import publish_papers, record_recommendation
from notifications.models import UNDECIDED_STATES
from users.models import User

REASONING = (
    "The system has never been assessed and sits outside the User's ISMS scope; its answers "
    "do not show the separation from the first system well enough to wait for the annual "
    "review. I recommend an assessment under G8.13, scoped to the new system."
)


def seed_papers(people: dict[str, User], meetings: dict[str, SSCMeeting], created: Counter) -> None:
    meeting = meetings[NEXT]
    if meeting.papers_versions.exists():
        return
    items = list(
        meeting.agenda_items.select_related("notification__rapporteur").order_by(
            "position", "added_at", "pk"
        )
    )
    if not items:
        return
    for item in items[:-1]:
        case = item.notification
        if case.rapporteur and case.state in UNDECIDED_STATES:
            record_recommendation(
                case=case,
                by=case.rapporteur,
                outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
                reasoning=REASONING,
            )
            created["rapporteurs' recommendations"] += 1
    publish_papers(meeting=meeting, by=people[SECAS])
    created["meeting papers published"] += 1
