"""Calendar feeds: each person's secret ICS address, and the dates it carries for that person.

The feed is read by calendar apps that cannot sign in, so everything here starts from the same
access rules as the pages: a person gets only the dates of cases they could open in the portal.
"""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import dateformat, timezone
from icalendar import Calendar, Event, vDuration

from assessments.models import Assessment, SSCMeeting
from assessments.selectors import assessments_visible_to
from notifications.models import Notification
from notifications.recipients import portal_link
from notifications.selectors import notifications_visible_to
from notifications.services import in_sentence
from users.models import CalendarFeed, SecurityEvent
from users.policy import allows
from users.security import record_event

UID_DOMAIN = "ssc-portal"
MEETINGS_LOOK_BACK = relativedelta(months=3)
# Calendar apps that honour it poll hourly; most choose their own interval anyway.
REFRESH_INTERVAL = timedelta(hours=1)


# --- Feed addresses ----------------------------------------------------------


def active_feed_for(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_url(feed: CalendarFeed) -> str:
    return portal_link("feeds:ics", feed.token)


def webcal_url(feed: CalendarFeed) -> str:
    # webcal:// makes most systems open the calendar app and offer to subscribe.
    return "webcal://" + feed_url(feed).split("://", 1)[-1]


def _lock_person(user) -> None:
    # Serialises one person's create/rotate/revoke so two clicks never make two live addresses.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def create_feed(*, user) -> tuple[CalendarFeed, bool]:
    """Give the person a secret calendar address; returns (feed, created)."""
    with transaction.atomic():
        _lock_person(user)
        existing = active_feed_for(user)
        if existing is not None:
            return existing, False
        _record(user, "created a calendar address")
        return CalendarFeed.objects.create(user=user, token=secrets.token_urlsafe(32)), True


def _record(user, what: str) -> None:
    # A calendar address is a standing export of dates, so the audit trail notes it.
    record_event(SecurityEvent.Kind.CALENDAR_ADDRESS, actor=user, summary=f"{user} {what}")


def _revoke(user) -> int:
    _lock_person(user)
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def revoke_feed(*, user) -> bool:
    """Stop the person's calendar address working; returns whether there was one."""
    with transaction.atomic():
        revoked = _revoke(user)
        if revoked:
            _record(user, "switched off their calendar address")
    return revoked > 0


def rotate_feed(*, user) -> CalendarFeed:
    """Replace the person's calendar address: the old one stops working at once."""
    with transaction.atomic():
        _revoke(user)
        _record(user, "replaced their calendar address")
        return CalendarFeed.objects.create(user=user, token=secrets.token_urlsafe(32))


def use_feed(token: str) -> CalendarFeed | None:
    """The live feed behind a token (its owner still active), stamped as read; else None."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is not None:
        feed.last_used_at = timezone.now()
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=feed.last_used_at)
    return feed


# --- What a person may see ---------------------------------------------------


def open_assessments_for(user) -> QuerySet[Assessment]:
    return (
        assessments_visible_to(user)
        .open()
        .select_related("organisation", "notification")
        .order_by("due_date", "pk")
    )


def planned_go_lives_for(user) -> QuerySet[Notification]:
    """Undecided notifications' go-live dates, and the drafts of the person's own organisations
    (the only drafts anyone may see)."""
    visible = notifications_visible_to(user)
    return (
        (visible.undecided() | visible.drafts())
        .filter(planned_go_live_date__isnull=False)
        .select_related("organisation")
        .order_by("planned_go_live_date", "pk")
    )


def meetings_for(user) -> QuerySet[SSCMeeting]:
    if not allows(user, "assessments.view_committee_pages"):
        return SSCMeeting.objects.none()
    since = timezone.localdate() - MEETINGS_LOOK_BACK
    return SSCMeeting.objects.filter(date__gte=since).order_by("date", "pk")


# --- Events ------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    day: date
    summary: str
    description: str
    url: str
    location: str = ""


def long_date(day: date) -> str:
    return dateformat.format(day, "j F Y")


def _system(notification: Notification) -> str:
    # A calendar shows only the summary at a glance: the system says which case it is.
    return f"{notification.system_name or 'untitled draft'} ({notification.reference})"


def _assessment_event(assessment: Assessment, user) -> CalendarEvent:
    organisation = assessment.organisation
    if assessment.notification_id is not None:
        summary = f"G8.13 assessment due: {_system(assessment.notification)} – {organisation}"
        url = portal_link("notifications:detail", assessment.notification_id)
        about = f"Notification {assessment.notification.reference}"
    else:
        kind = assessment.get_kind_display()
        summary = f"Annual review due: {kind} – {organisation}"
        about = "Annual review"
        # Staff work on assessments in the admin; a User's own home page shows its next review.
        if allows(user, "assessments.view_organisation_home", organisation):
            url = portal_link("organisation_home", organisation.pk)
        else:
            url = portal_link("admin:assessments_assessment_change", assessment.pk)
    return CalendarEvent(
        uid=f"assessment-{assessment.pk}@{UID_DOMAIN}",
        day=assessment.due_date,
        summary=summary,
        description=(
            f"Organisation: {organisation}\n{about}\n"
            f"Due: {long_date(assessment.due_date)}\n"
            f"Status: {assessment.get_state_display()}\n\n{url}"
        ),
        url=url,
    )


def _go_live_event(notification: Notification) -> CalendarEvent:
    url = portal_link("notifications:detail", notification.pk)
    status = notification.get_state_display()
    return CalendarEvent(
        uid=f"notification-{notification.pk}-go-live@{UID_DOMAIN}",
        day=notification.planned_go_live_date,
        summary=f"Planned go-live: {_system(notification)} – {notification.organisation}",
        description=(
            f"Organisation: {notification.organisation}\n"
            f"Notification {notification.reference} ({in_sentence(status)})\n"
            f"Planned go-live: {long_date(notification.planned_go_live_date)}\n\n{url}"
        ),
        url=url,
    )


def _meeting_event(meeting: SSCMeeting) -> CalendarEvent:
    url = portal_link("assessments:meeting", meeting.pk)
    name = meeting.title or meeting.get_kind_display()
    return CalendarEvent(
        uid=f"meeting-{meeting.pk}@{UID_DOMAIN}",
        day=meeting.date,
        summary=f"SSC meeting: {name}",
        description=f"{meeting.get_kind_display()} on {long_date(meeting.date)}\n\n{url}",
        url=url,
        location=meeting.location,
    )


def calendar_events_for(user) -> list[CalendarEvent]:
    """Every date the person may see, in date order (a fixed number of queries)."""
    events = [_assessment_event(assessment, user) for assessment in open_assessments_for(user)]
    events += [_go_live_event(notification) for notification in planned_go_lives_for(user)]
    events += [_meeting_event(meeting) for meeting in meetings_for(user)]
    return sorted(events, key=lambda event: (event.day, event.uid))


def build_calendar(user) -> bytes:
    """The person's calendar as an ICS file of all-day events."""
    calendar = Calendar()
    calendar.add("prodid", "-//SECAS//SSC Portal//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "SSC Portal")
    calendar.add("x-wr-caldesc", "Dates from the SSC Portal that you may see")
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    stamp = timezone.now()
    for item in calendar_events_for(user):
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        # DATE values with an exclusive end: a whole UK day, whatever the reader's time zone.
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", item.description)
        event.add("url", item.url)
        if item.location:
            event.add("location", item.location)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
