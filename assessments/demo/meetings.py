"""The demo SSC meetings, two held, one today and two to come, set up by SECAS."""

from collections import Counter
from datetime import date, timedelta

from assessments.demo.people import COMMITTEE, CONFLICTED, SECAS
from assessments.models import SSCMeeting
from assessments.services import create_meeting, declare_meeting_conflict, set_attendees
from notifications.workdays import is_working_day, next_working_day
from users.models import ConflictOfInterest, Organisation, User

# Numbered like the SSC's own meetings; offsets in days from today.
PAST_1, PAST_2, CURRENT, NEXT, LATER = (f"SSC meeting {n}" for n in range(183, 188))
MEETINGS = [(PAST_1, -28), (PAST_2, -14), (CURRENT, 0), (NEXT, 14), (LATER, 28)]
LOCATION = "SECAS offices, London, and Microsoft Teams"
CONFLICT_REASON = "Worked for Northwind Energy Ltd as a security consultant until last year."


def meeting_day(today: date, offset: int) -> date:
    """A working day near today + offset; the current meeting is today, whatever the day,
    because the demo's decisions are taken at it."""
    day = today + timedelta(days=offset)
    if offset > 0:
        return next_working_day(day)
    while offset < 0 and not is_working_day(day):
        day -= timedelta(days=1)
    return day


def seed_meetings(people: dict[str, User], today: date, created: Counter) -> dict[str, SSCMeeting]:
    secas = people[SECAS]
    attendees = [people[email] for email in COMMITTEE]
    meetings = {}
    for title, offset in MEETINGS:
        meeting = SSCMeeting.objects.filter(title=title).first()
        if meeting is None:
            meeting = create_meeting(
                by=secas,
                date=meeting_day(today, offset),
                kind=SSCMeeting.Kind.ORDINARY,
                title=title,
                location=LOCATION,
                # Five attend; one is conflicted on some cases and does not count for them.
                quorum=len(attendees) - 1,
            )
            set_attendees(meeting=meeting, by=secas, attendees=attendees)
            if offset < 0:
                # Minutes are kept in the admin; no service writes a meeting's notes.
                SSCMeeting.objects.filter(pk=meeting.pk).update(notes="Minutes approved.")
            created["SSC meetings"] += 1
        meetings[title] = meeting
    return meetings


def seed_conflict(
    people: dict[str, User],
    northwind: Organisation,
    meetings: dict[str, SSCMeeting],
    created: Counter,
) -> None:
    """One member declared a conflict with Northwind at the first meeting: it binds from then on."""
    member = people[CONFLICTED]
    if ConflictOfInterest.objects.filter(
        member=member, organisation=northwind, withdrawn_at__isnull=True
    ).exists():
        return
    declare_meeting_conflict(
        meeting=meetings[PAST_1],
        by=people[SECAS],
        member=member,
        organisation=northwind,
        note=CONFLICT_REASON,
    )
    created["conflicts of interest"] += 1
