import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from assessments import calendar
from assessments.models import Assessment, SSCMeeting
from assessments.services import decide
from notifications import services as intake
from tests import factories
from users.models import CalendarFeed

BASE_URL = "https://portal.example.org"


@pytest.fixture(autouse=True)
def _portal_base_url(settings):
    settings.PORTAL_BASE_URL = BASE_URL


def annual_review(organisation, due_date=datetime.date(2027, 3, 27)):
    return Assessment.objects.create(
        organisation=organisation, kind="fusa", due_date=due_date, cycle_year=2
    )


def submitted_for(organisation, **content):
    submitter = factories.MembershipFactory(organisation=organisation, role="submitter").user
    notification = factories.NotificationFactory(
        organisation=organisation, created_by=submitter, **content
    )
    return intake.submit_notification(
        notification=notification, by=submitter, declaration_accepted=True
    )


def ics_url(feed):
    return reverse("feeds:ics", args=[feed.token])


def read_feed(client, user) -> dict:
    """The person's feed, as its events keyed by UID."""
    feed, _created = calendar.create_feed(user=user)
    response = client.get(ics_url(feed))
    assert response.status_code == 200
    return {
        str(event["uid"]): event for event in Calendar.from_ical(response.content).walk("VEVENT")
    }


def uid(prefix, obj):
    if prefix == "notification":
        return f"notification-{obj.pk}-go-live@ssc-portal"
    return f"{prefix}-{obj.pk}@ssc-portal"


# --- Managing the address ----------------------------------------------------


def test_the_calendar_page_needs_sign_in(client):
    response = client.get(reverse("feeds:manage"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_calendar_page_offers_to_create_an_address(client, preparer):
    client.force_login(preparer)
    response = client.get(reverse("feeds:manage"))
    page = response.content.decode()
    assert "Create my calendar address" in page
    assert "like a password" in page
    assert "no-store" in response["Cache-Control"]


def test_creating_an_address_shows_it_in_full(client, preparer):
    client.force_login(preparer)
    response = client.post(reverse("feeds:create"), follow=True)
    feed = CalendarFeed.objects.get(user=preparer, revoked_at__isnull=True)
    page = response.content.decode()
    assert f"{BASE_URL}/calendar/{feed.token}.ics" in page
    assert "Your calendar address is ready" in page
    assert len(feed.token) >= 43


def test_creating_twice_keeps_the_same_address(client, preparer):
    client.force_login(preparer)
    client.post(reverse("feeds:create"))
    response = client.post(reverse("feeds:create"), follow=True)
    assert CalendarFeed.objects.filter(user=preparer).count() == 1
    assert "You already have a calendar address" in response.content.decode()


def test_replacing_the_address_stops_the_old_one(client, preparer):
    client.force_login(preparer)
    old, _created = calendar.create_feed(user=preparer)
    response = client.post(reverse("feeds:rotate"), follow=True)
    new = CalendarFeed.objects.get(user=preparer, revoked_at__isnull=True)
    assert new.token != old.token
    assert "You have a new calendar address" in response.content.decode()
    client.logout()
    assert client.get(ics_url(old)).status_code == 404
    assert client.get(ics_url(new)).status_code == 200


def test_switching_off_the_address_stops_it(client, preparer):
    client.force_login(preparer)
    feed, _created = calendar.create_feed(user=preparer)
    response = client.post(reverse("feeds:revoke"), follow=True)
    assert "has been switched off" in response.content.decode()
    assert "Create my calendar address" in response.content.decode()
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert client.get(ics_url(feed)).status_code == 404


def test_switching_off_without_an_address_says_so(client, preparer):
    client.force_login(preparer)
    response = client.post(reverse("feeds:revoke"), follow=True)
    assert "You had no calendar address to switch off" in response.content.decode()


@pytest.mark.parametrize("name", ["feeds:create", "feeds:rotate", "feeds:revoke"])
def test_address_actions_answer_only_post(client, preparer, name):
    client.force_login(preparer)
    assert client.get(reverse(name)).status_code == 405
    assert not CalendarFeed.objects.filter(user=preparer).exists()


@pytest.mark.parametrize("name", ["feeds:create", "feeds:rotate", "feeds:revoke"])
def test_address_actions_need_sign_in(client, db, name):
    response = client.post(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not CalendarFeed.objects.exists()


# --- Reading the feed --------------------------------------------------------


def test_the_feed_needs_no_sign_in_and_is_not_cached(client, preparer):
    feed, _created = calendar.create_feed(user=preparer)
    response = client.get(ics_url(feed))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert Calendar.from_ical(response.content)["prodid"]


def test_reading_the_feed_records_when(client, preparer):
    feed, _created = calendar.create_feed(user=preparer)
    assert feed.last_used_at is None
    client.get(ics_url(feed))
    feed.refresh_from_db()
    assert feed.last_used_at is not None


def test_an_unknown_token_answers_404(client, db):
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404


def test_an_inactive_persons_feed_answers_404(client, preparer):
    feed, _created = calendar.create_feed(user=preparer)
    preparer.is_active = False
    preparer.save(update_fields=["is_active"])
    assert client.get(ics_url(feed)).status_code == 404


def test_the_feed_refuses_post(client, preparer):
    feed, _created = calendar.create_feed(user=preparer)
    assert client.post(ics_url(feed)).status_code == 405


# --- What each person sees ---------------------------------------------------


def test_user_staff_see_their_own_go_live_and_annual_review(
    client, organisation, other_organisation, preparer, draft
):
    own_review = annual_review(organisation)
    other_review = annual_review(other_organisation)
    other_case = submitted_for(other_organisation)
    events = read_feed(client, preparer)
    assert uid("notification", draft) in events
    assert uid("assessment", own_review) in events
    assert uid("assessment", other_review) not in events
    assert uid("notification", other_case) not in events
    assert str(events[uid("assessment", own_review)]["summary"]).startswith(
        "Annual review due: Full User Security Assessment (FUSA)"
    )


def test_user_staff_get_no_meetings(client, preparer, meeting):
    events = read_feed(client, preparer)
    assert uid("meeting", meeting) not in events


def test_events_carry_the_organisation_and_a_link(client, organisation, preparer, submitted):
    review = annual_review(organisation)
    events = read_feed(client, preparer)
    go_live = events[uid("notification", submitted)]
    assert "Northwind Energy Ltd" in str(go_live["description"])
    assert f"{BASE_URL}/notifications/{submitted.pk}/" in str(go_live["description"])
    assert str(go_live["url"]) == f"{BASE_URL}/notifications/{submitted.pk}/"
    assert str(go_live["summary"]) == (
        f"Planned go-live: {submitted.system_name} ({submitted.reference}) – {organisation}"
    )
    review_event = events[uid("assessment", review)]
    assert "Northwind Energy Ltd" in str(review_event["description"])
    assert f"{BASE_URL}/organisations/{organisation.pk}/" in str(review_event["description"])
    assert "Due: 27 March 2027" in str(review_event["description"])


def test_a_conflicted_member_does_not_see_the_organisations_dates(
    client, organisation, submitted, ssc_member, conflicted_member
):
    review = annual_review(organisation)
    conflicted = read_feed(client, conflicted_member)
    assert uid("notification", submitted) not in conflicted
    assert uid("assessment", review) not in conflicted
    unconflicted = read_feed(client, ssc_member)
    assert uid("notification", submitted) in unconflicted
    assert uid("assessment", review) in unconflicted


def test_secas_sees_every_organisations_dates_and_the_meetings(
    client, organisation, other_organisation, under_review, secas, meeting
):
    reviews = [annual_review(organisation), annual_review(other_organisation)]
    other_case = submitted_for(other_organisation)
    events = read_feed(client, secas)
    assert uid("notification", under_review) in events
    assert uid("notification", other_case) in events
    assert all(uid("assessment", review) in events for review in reviews)
    assert str(events[uid("meeting", meeting)]["summary"]).startswith("SSC meeting: ")
    assert f"{BASE_URL}/ssc/meetings/{meeting.pk}/" in str(events[uid("meeting", meeting)]["url"])


def test_staff_see_an_annual_review_through_the_admin(client, organisation, secas):
    review = annual_review(organisation)
    events = read_feed(client, secas)
    url = str(events[uid("assessment", review)]["url"])
    assert url == f"{BASE_URL}/admin/assessments/assessment/{review.pk}/change/"


@pytest.mark.parametrize("role", ["secas", "ssc_member"])
def test_drafts_never_reach_the_committee_side(client, request, draft, role):
    events = read_feed(client, request.getfixturevalue(role))
    assert uid("notification", draft) not in events


def test_a_decided_go_live_leaves_the_calendar_and_its_assessment_arrives(
    client, organisation, preparer, under_review, ssc_member, meeting
):
    decision = decide(
        notification=under_review,
        by=ssc_member,
        outcome="assessment_required",
        assessment_kind="fusa",
        rationale="Never assessed; in-house.",
        meeting=meeting,
        assessment_due_date=datetime.date(2027, 5, 14),
    )
    assessment = Assessment.objects.get(notification=decision.notification)
    events = read_feed(client, preparer)
    assert uid("notification", under_review) not in events
    event = events[uid("assessment", assessment)]
    assert str(event["summary"]) == (
        f"G8.13 assessment due: {under_review.system_name} ({under_review.reference}) "
        f"– {organisation}"
    )
    assert event.decoded("dtstart") == datetime.date(2027, 5, 14)


def test_a_draft_without_a_name_yet_still_reads_as_a_draft(client, organisation, preparer):
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=preparer, system_name=""
    )
    event = read_feed(client, preparer)[uid("notification", draft)]
    assert str(event["summary"]) == (
        f"Planned go-live: untitled draft ({draft.reference}) – {organisation}"
    )


def test_a_completed_annual_review_leaves_the_calendar(client, organisation, preparer):
    review = annual_review(organisation)
    Assessment.objects.filter(pk=review.pk).update(state="completed", assurance_status="approved")
    assert uid("assessment", review) not in read_feed(client, preparer)


def test_a_withdrawn_notification_leaves_the_calendar(client, submitted, submitter, secas):
    intake.withdraw_notification(notification=submitted, by=submitter, reason="Plans changed")
    assert uid("notification", submitted) not in read_feed(client, submitter)
    assert uid("notification", submitted) not in read_feed(client, secas)


# --- Dates -------------------------------------------------------------------


def test_events_are_whole_days(client, organisation, preparer):
    review = annual_review(organisation, due_date=datetime.date(2027, 3, 27))
    response = client.get(ics_url(calendar.create_feed(user=preparer)[0]))
    text = response.content.decode()
    assert "DTSTART;VALUE=DATE:20270327" in text
    assert "DTEND;VALUE=DATE:20270328" in text
    event = next(
        e
        for e in Calendar.from_ical(response.content).walk("VEVENT")
        if str(e["uid"]) == uid("assessment", review)
    )
    assert type(event.decoded("dtstart")) is datetime.date
    assert event.decoded("dtend") - event.decoded("dtstart") == datetime.timedelta(days=1)


def test_meetings_go_back_three_months_by_the_uk_calendar(client, secas):
    # 23:30 UTC on 30 June is already 1 July in London (BST).
    with time_machine.travel(datetime.datetime(2027, 6, 30, 23, 30, tzinfo=datetime.UTC)):
        too_old = SSCMeeting.objects.create(date=datetime.date(2027, 3, 31))
        oldest_shown = SSCMeeting.objects.create(date=datetime.date(2027, 4, 1))
        future = SSCMeeting.objects.create(date=datetime.date(2028, 1, 12))
        events = read_feed(client, secas)
    assert uid("meeting", too_old) not in events
    assert events[uid("meeting", oldest_shown)].decoded("dtstart") == datetime.date(2027, 4, 1)
    assert events[uid("meeting", future)].decoded("dtstart") == datetime.date(2028, 1, 12)


def test_the_go_live_is_the_planned_day(client, organisation, preparer):
    notification = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        planned_go_live_date=datetime.date(2027, 10, 31),
    )
    event = read_feed(client, preparer)[uid("notification", notification)]
    assert event.decoded("dtstart") == datetime.date(2027, 10, 31)
    assert event.decoded("dtend") == datetime.date(2027, 11, 1)


# --- Cost --------------------------------------------------------------------


def count_feed_queries(client, feed) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ics_url(feed))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["secas", "ssc_member", "preparer"])
def test_the_feed_costs_the_same_queries_however_many_events(client, request, organisation, role):
    user = request.getfixturevalue(role)
    feed, _created = calendar.create_feed(user=user)
    other = factories.OrganisationFactory()

    def add(count):
        for _ in range(count):
            submitted_for(organisation)
            annual_review(other)
            SSCMeeting.objects.create(date=datetime.date(2030, 1, 1))

    add(3)
    with_few = count_feed_queries(client, feed)
    add(27)
    with_many = count_feed_queries(client, feed)
    assert with_few == with_many
    events = Calendar.from_ical(client.get(ics_url(feed)).content).walk("VEVENT")
    assert len(events) >= 30


def test_the_address_has_a_copy_button_from_a_script_file(client, preparer):
    calendar.create_feed(user=preparer)
    client.force_login(preparer)
    page = client.get(reverse("feeds:manage")).content.decode()
    assert 'data-copy-target="feed-url"' in page
    assert '<script src="/static/js/copy.js" defer></script>' in page
