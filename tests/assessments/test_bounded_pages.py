"""Every list page shows a page of rows however much data exists, and the pages built from one
case's or one meeting's history run the same queries however long that history is (issue 10)."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import selectors as ssc
from assessments.models import AgendaItem, Decision, SSCMeeting
from notifications.models import Message, Notification, NotificationState, UserSystem
from tests import factories
from users.models import ConflictOfInterest, SecurityEvent

S = NotificationState
CASE_LINK = re.compile(r'href="/ssc/cases/\d+/"')


def text_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def queries_for(client, url) -> int:
    # Warmed up first: the session is renewed at most once a minute, not on every request.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def bulk_cases(count, organisation, created_by, *, state=S.SUBMITTED, **fields) -> list:
    """Submitted notifications written straight to the table: only their number matters here."""
    now = timezone.now()
    start = Notification.objects.count()
    return Notification.objects.bulk_create(
        [
            Notification(
                reference=f"SSN-BULK-{start + index:05d}",
                organisation=organisation,
                created_by=created_by,
                state=state,
                system_name=f"Bulk system {start + index}",
                delivery_model="in_house",
                planned_go_live_date=timezone.localdate() + datetime.timedelta(days=index),
                created_at=now - datetime.timedelta(days=index + 1),
                submitted_at=now - datetime.timedelta(days=index),
                **fields,
            )
            for index in range(count)
        ]
    )


def bulk_systems(count, organisation) -> list:
    now = timezone.now()
    return UserSystem.objects.bulk_create(
        [
            UserSystem(
                organisation=organisation,
                name=f"Register system {index:03d}",
                delivery_model="in_house",
                created_at=now - datetime.timedelta(days=count - index),
            )
            for index in range(count)
        ]
    )


# --- List pages: a page of rows, whatever the size of the history -------------------------------


def test_the_queue_shows_one_page_of_cases_however_many_there_are(
    client, organisation, preparer, ssc_member
):
    bulk_cases(130, organisation, preparer)
    client.force_login(ssc_member)
    page = text_of(client.get(reverse("assessments:dashboard")))
    assert len(CASE_LINK.findall(page)) == 25
    # Live cases are counted exactly; the pages only a few pages ahead of the one shown.
    assert 'Submitted <span class="badge text-bg-light">130</span>' in page
    assert "Page 1 of 6 or more" in page
    last = text_of(client.get(reverse("assessments:dashboard"), {"page": 6}))
    assert len(CASE_LINK.findall(last)) == 5
    assert "Page 6 of 6</span>" in last


def test_decided_cases_are_counted_up_to_a_cap(
    client, organisation, preparer, ssc_member, monkeypatch
):
    monkeypatch.setattr(ssc, "STATE_COUNT_CAP", 5)
    bulk_cases(7, organisation, preparer, state=S.CLOSED)
    bulk_cases(3, organisation, preparer, state=S.WITHDRAWN)
    client.force_login(ssc_member)
    page = text_of(client.get(reverse("assessments:dashboard")))
    assert 'Closed <span class="badge text-bg-light">5+</span>' in page
    assert 'Withdrawn <span class="badge text-bg-light">3</span>' in page


def test_the_case_page_shows_the_first_and_most_recent_systems_and_links_to_all(
    client, submitted, ssc_member, other_organisation
):
    organisation = submitted.organisation
    UserSystem.objects.create(
        organisation=other_organisation, name="Elsewhere system", delivery_model="in_house"
    )
    first = UserSystem.objects.create(
        organisation=organisation, name="The first system", delivery_model="in_house"
    )
    UserSystem.objects.filter(pk=first.pk).update(
        is_first_system=True, created_at=timezone.now() - datetime.timedelta(days=4000)
    )
    bulk_systems(60, organisation)
    total = UserSystem.objects.filter(organisation=organisation).count()
    client.force_login(ssc_member)
    page = text_of(client.get(reverse("assessments:case", args=[submitted.pk])))
    shown = re.findall(r"Register system (\d+)", page)
    assert "The first system" in page
    assert len(shown) == 8  # ten rows: the first system, the case's own, the eight newest
    assert min(int(number) for number in shown) == 52
    assert f"Showing 10 of {total}: the first system and the most recent." in page
    link = reverse("assessments:organisation_systems", args=[organisation.pk])
    assert f'href="{link}"' in page
    listing = text_of(client.get(link))
    assert "Register system 000" in listing
    assert "Elsewhere system" not in listing


def test_the_organisation_home_pages_its_systems(client, organisation, submitter):
    bulk_systems(45, organisation)
    client.force_login(submitter)
    url = reverse("organisation_home", args=[organisation.pk])
    first = text_of(client.get(url))
    assert len(re.findall(r"Register system \d+", first)) == 20
    assert "Systems 1–20 of 45" in first
    third = text_of(client.get(url, {"systems_page": 3}))
    assert re.findall(r"Register system (\d+)", third) == ["040", "041", "042", "043", "044"]
    # Paging through systems keeps the notifications' filter, and the other way round.
    filtered = text_of(client.get(url, {"systems_page": 2, "state": "submitted"}))
    assert "state=submitted&amp;systems_page=3" in filtered


def test_the_meetings_list_shows_a_page_with_each_meetings_counts(
    client, under_review, ssc_member, meeting, secas
):
    today = timezone.localdate()
    SSCMeeting.objects.bulk_create(
        [SSCMeeting(date=today - datetime.timedelta(days=30 * k), quorum=1) for k in range(1, 31)]
    )
    Decision.objects.create(
        notification=under_review,
        outcome="no_assessment",
        rationale="Fine.",
        meeting=meeting,
        decided_by=ssc_member,
    )
    meeting.attendees.add(ssc_member, secas)
    client.force_login(ssc_member)
    page = text_of(client.get(reverse("assessments:meetings")))
    assert page.count('href="/ssc/meetings/') == 20 + 1  # twenty rows and the navigation
    row = re.search(rf'href="/ssc/meetings/{meeting.pk}/".*?</tr>', page, re.S).group(0)
    assert re.findall(r'<td class="text-end">([^<]+)</td>', row) == ["1", "1", "3 / 1"]
    assert "Page 1 of 2" in page


def test_the_audit_trail_shows_a_page_of_events(client, secas):
    SecurityEvent.objects.bulk_create(
        [
            SecurityEvent(kind="sign_in", actor_email=f"p{i}@example.org", summary=f"Event {i}")
            for i in range(120)
        ]
    )
    client.force_login(secas)
    page = text_of(client.get(reverse("users:audit")))
    assert page.count("<tr><td>") == 50
    assert "Page 1 of 3" in page


# --- Choices that scale -----------------------------------------------------------------------


def test_organisation_names_are_found_as_the_person_types(client, ssc_member):
    for index in range(15):
        factories.OrganisationFactory(name=f"Harbourside Power {index:02d} Ltd")
    factories.OrganisationFactory(name="Harbourside Gone Ltd", is_active=False)
    factories.OrganisationFactory(name="Pennine Gas Ltd")
    client.force_login(ssc_member)
    url = reverse("assessments:organisation_names")
    found = json.loads(client.get(url, {"q": "harbourSIDE"}).content)["names"]
    assert found == [f"Harbourside Power {index:02d} Ltd" for index in range(10)]
    assert json.loads(client.get(url, {"q": "  "}).content) == {"names": []}


def test_the_queue_filter_offers_a_text_field_and_nearby_meetings_only(client, ssc_member):
    today = timezone.localdate()
    offered = {
        days: factories.SSCMeetingFactory(date=today + datetime.timedelta(days=days), title=title)
        for days, title in [(-30, "Last month"), (150, "In five months")]
    }
    hidden = [
        factories.SSCMeetingFactory(date=today + datetime.timedelta(days=days), title=title)
        for days, title in [(-120, "Four months ago"), (-400, "Last year"), (250, "Next year")]
    ]
    client.force_login(ssc_member)
    page = text_of(client.get(reverse("assessments:dashboard")))
    assert 'list="organisation-suggestions"' in page
    assert '<select name="organisation"' not in page
    for meeting in offered.values():
        assert f'<option value="{meeting.pk}">' in page
    for meeting in hidden:
        assert meeting.title not in page


def test_a_conflict_is_declared_with_an_organisation_on_the_agenda(
    client, under_review, other_organisation, secas, ssc_member, meeting
):
    client.force_login(secas)
    url = reverse("assessments:meeting", args=[meeting.pk])
    page = text_of(client.get(url))
    organisation = under_review.organisation
    assert f'<option value="{organisation.pk}">{organisation.name}</option>' in page
    assert other_organisation.name not in page
    refused = client.post(
        reverse("assessments:meeting_conflict", args=[meeting.pk]),
        {"member": ssc_member.pk, "organisation": other_organisation.pk},
        follow=True,
    )
    assert "Conflict not recorded" in text_of(refused)


def test_a_decision_is_recorded_against_a_meeting_of_the_last_six_months(
    client, under_review, ssc_member, meeting
):
    old = factories.SSCMeetingFactory(
        date=timezone.localdate() - datetime.timedelta(days=400), title="Long ago"
    )
    client.force_login(ssc_member)
    page = text_of(client.get(reverse("assessments:case", args=[under_review.pk])))
    assert f'<option value="{meeting.pk}">{meeting.date:%a %d/%m/%Y}' in page
    assert old.title not in page


# --- Pages built from one object's history: the same queries, however long it is --------------


def add_timeline(case, count, people):
    """Messages from a mix of people, each entry with its own copy of its author."""
    Message.objects.bulk_create(
        [
            Message(notification=case, author=people[index % len(people)], body=f"Entry {index}")
            for index in range(count)
        ]
    )


@pytest.fixture
def voices(organisation, secas, ssc_member, preparer, submitter):
    return [secas, ssc_member, preparer, submitter, factories.ssc_user(full_name="Another")]


def test_the_case_page_queries_do_not_grow_with_its_timeline(client, under_review, voices, secas):
    client.force_login(secas)
    url = reverse("assessments:case", args=[under_review.pk])
    add_timeline(under_review, 5, voices)
    short = queries_for(client, url)
    add_timeline(under_review, 45, voices)
    page = text_of(client.get(url))
    assert len(re.findall(r"Entry \d+", page)) == 50
    assert queries_for(client, url) == short


def test_the_notification_page_queries_do_not_grow_with_its_timeline(
    client, under_review, voices, submitter
):
    client.force_login(submitter)
    url = reverse("notifications:detail", args=[under_review.pk])
    add_timeline(under_review, 5, voices)
    short = queries_for(client, url)
    add_timeline(under_review, 45, voices)
    assert queries_for(client, url) == short


def test_user_staff_see_colleagues_by_name_and_the_committee_by_role(
    client, under_review, submitter, preparer, ssc_member, secas
):
    Message.objects.bulk_create(
        [
            Message(notification=under_review, author=secas, body="From the secretariat"),
            Message(notification=under_review, author=ssc_member, body="From a member"),
            Message(notification=under_review, author=preparer, body="From a colleague"),
        ]
    )
    client.force_login(submitter)
    page = text_of(client.get(reverse("notifications:detail", args=[under_review.pk])))
    entries = re.findall(
        r'<p class="small text-muted mb-1">([^<·]+) · [^<]+</p>\s*'
        r'<p class="text-prewrap mb-0">([^<]+)</p>',
        page,
    )
    actors = {body: actor.strip() for actor, body in entries}
    assert actors["From the secretariat"] == "SECAS"
    assert actors["From a member"] == "The SSC"
    assert actors["From a colleague"] == preparer.full_name
    assert secas.full_name not in page
    assert ssc_member.full_name not in page


def agenda_of(meeting, count, members, preparer):
    """`count` cases under review from as many organisations, on the meeting's agenda."""
    cases = []
    for _ in range(count):
        organisation = factories.OrganisationFactory()
        cases += bulk_cases(1, organisation, preparer, state=S.UNDER_REVIEW, rapporteur=members[0])
    AgendaItem.objects.bulk_create(
        [AgendaItem(meeting=meeting, notification=case) for case in cases]
    )
    return cases


@pytest.mark.parametrize("who", ["ssc_member", "secas"])
def test_the_meeting_page_queries_do_not_grow_with_its_agenda(request, client, preparer, who):
    members = [factories.ssc_user(full_name=f"Attendee {index}") for index in range(3)]
    meeting = factories.SSCMeetingFactory(quorum=3, attendees=members)
    viewer = request.getfixturevalue(who)
    client.force_login(viewer)
    url = reverse("assessments:meeting", args=[meeting.pk])
    cases = agenda_of(meeting, 2, members, preparer)
    # An attendee conflicted with one organisation: that case's quorum differs from the rest.
    ConflictOfInterest.objects.create(
        member=members[1], organisation=cases[0].organisation, reason="Former employer"
    )
    short = queries_for(client, url)
    forms_before = client.get(url).content.decode().count("<form")
    cases += agenda_of(meeting, 10, members, preparer)
    response = client.get(url)
    html, page = response.content.decode(), text_of(response)
    assert all(case.reference in page for case in cases)
    assert queries_for(client, url) == short
    # Each item links to its decision and deferral pages: a form per item cost more than the
    # rest of the page.
    # Each link names its case, so that it makes sense read out of context (WCAG 2.4.9).
    assert all(f"Defer {case.reference} to a later meeting</a>" in html for case in cases)
    assert html.count("<form") == forms_before
    if who == "ssc_member":
        # Quorate for every case but the one an attendee is conflicted with.
        assert all(f"Record the decision on {case.reference}" in page for case in cases)
        assert page.count("Not quorate for this case.") == 1


def decided_at(meeting, count, members, preparer) -> list:
    """`count` cases decided at the meeting, each on its agenda, half of them minuted."""
    cases = agenda_of(meeting, count, members, preparer)
    Notification.objects.filter(pk__in=[case.pk for case in cases]).update(state=S.CLOSED)
    Decision.objects.bulk_create(
        [
            Decision(
                notification=case,
                outcome=Decision.Outcome.NO_ASSESSMENT,
                rationale=f"Rationale {case.reference}",
                meeting=meeting,
                decided_by=members[0],
                minuted_by=members[1] if index % 2 else None,
            )
            for index, case in enumerate(cases)
        ]
    )
    return cases


@pytest.mark.parametrize("who", ["ssc_member", "secas"])
def test_the_meeting_page_queries_do_not_grow_with_its_decisions(request, client, preparer, who):
    members = [factories.ssc_user(full_name=f"Attendee {index}") for index in range(3)]
    meeting = factories.SSCMeetingFactory(
        quorum=3, attendees=members, date=timezone.localdate() - datetime.timedelta(days=7)
    )
    client.force_login(request.getfixturevalue(who))
    url = reverse("assessments:meeting", args=[meeting.pk])
    cases = decided_at(meeting, 2, members, preparer)
    short = queries_for(client, url)
    cases += decided_at(meeting, 10, members, preparer)
    page = text_of(client.get(url))
    assert all(f"Rationale {case.reference}" in page for case in cases)
    assert queries_for(client, url) == short
