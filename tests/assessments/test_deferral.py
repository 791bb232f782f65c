"""Deferral of a case to a later meeting (issue 14, part 4): the agenda moves and keeps the record,
the User is told when the decision now comes after its go-live, and the decision clock notes it."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import AgendaItem, Decision, Deferral, Reminder, SSCMeeting
from assessments.reminders import send_reminders
from assessments.selectors import awaiting_ssc, with_service_levels
from notifications.models import Notification, NotificationState
from notifications.services import TransitionRefused, request_information
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.assessments.journey import decided_without_assessment
from tests.html_forms import form_data, postable
from users.models import SecurityEvent

REASON = "The CIO note on key separation arrives next week, typed with care and not to be lost."
TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def later(db):
    return factories.SSCMeetingFactory(date=days(14), title="Later meeting")


def defer(case, by, from_meeting, to_meeting, reason=REASON):
    return services.defer_case(
        notification=case, by=by, from_meeting=from_meeting, to_meeting=to_meeting, reason=reason
    )


def emails(kind):
    return list(OutboundEmail.objects.filter(kind=kind))


def addressees(kind) -> set[str]:
    return {address for email in emails(kind) for address in email.to}


def case_page(client, case) -> str:
    return client.get(reverse("assessments:case", args=[case.pk])).content.decode()


def meeting_page(client, meeting) -> str:
    return client.get(reverse("assessments:meeting", args=[meeting.pk])).content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The service ----------------------------------------------------------------------------


def test_a_deferral_moves_the_case_to_the_later_agenda_and_keeps_the_record(
    under_review, ssc_member, meeting, later
):
    deferral = defer(under_review, ssc_member, meeting, later)

    left = AgendaItem.objects.get(meeting=meeting, notification=under_review)
    assert left.deferral == deferral
    assert list(AgendaItem.objects.to_decide().filter(notification=under_review)) == [
        AgendaItem.objects.get(meeting=later, notification=under_review)
    ]
    assert (deferral.deferred_by, deferral.reason) == (ssc_member, REASON)
    under_review.refresh_from_db()
    assert under_review.state == NotificationState.UNDER_REVIEW
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.DECISION, summary__contains="deferred"
    ).exists()


def test_secas_and_the_rapporteur_are_told_and_the_user_only_when_the_go_live_comes_first(
    under_review, secas, ssc_member, meeting, later
):
    # The factory's go-live is four months away: the later meeting still comes before it.
    defer(under_review, secas, meeting, later)
    assert addressees("case_deferred_committee") == {settings.SECAS_MAILBOX, ssc_member.email}
    assert emails("case_deferred_user") == []
    body = emails("case_deferred_committee")[0].body_text
    assert REASON in body
    assert f"to the meeting of {later.date:%d/%m/%Y}" in body


def test_the_user_is_told_the_new_date_and_not_to_employ_the_system_but_not_the_reason(
    under_review, ssc_member, meeting, later
):
    Notification.objects.filter(pk=under_review.pk).update(planned_go_live_date=days(10))
    under_review.refresh_from_db()
    deferral = defer(under_review, ssc_member, meeting, later)

    assert deferral.is_after_go_live
    user_emails = emails("case_deferred_user")
    assert "alex.jones@example.org" in addressees("case_deferred_user")
    for email in user_emails:
        assert f"{later.date:%d/%m/%Y}" in email.subject
        assert "You must not begin to employ the system before the SSC's decision" in (
            email.body_text
        )
        assert f"{days(10):%d/%m/%Y}" in email.body_text
        assert REASON not in email.body_text + email.body_html
        assert "/ssc/" not in email.body_text


def test_a_case_is_not_deferred_to_the_same_or_an_earlier_meeting(
    under_review, ssc_member, meeting
):
    earlier = factories.SSCMeetingFactory(date=days(-7))
    same_day = factories.SSCMeetingFactory(date=meeting.date, kind=SSCMeeting.Kind.EXTRAORDINARY)
    with pytest.raises(TransitionRefused, match="already on the agenda of the meeting"):
        defer(under_review, ssc_member, meeting, meeting)
    for target in (earlier, same_day):
        with pytest.raises(TransitionRefused, match="is not later than the meeting of"):
            defer(under_review, ssc_member, meeting, target)
    assert not Deferral.objects.exists()


def test_a_case_is_not_deferred_to_a_meeting_already_held(under_review, ssc_member, later):
    held = factories.SSCMeetingFactory(date=days(-20))
    AgendaItem.objects.create(meeting=held, notification=under_review)
    also_held = factories.SSCMeetingFactory(date=days(-2))
    with pytest.raises(TransitionRefused, match="has already taken place"):
        defer(under_review, ssc_member, held, also_held)
    assert defer(under_review, ssc_member, held, later).to_meeting == later


def test_a_decided_case_is_not_deferred(under_review, ssc_member, meeting, later):
    decided_without_assessment(under_review, by=ssc_member, meeting=meeting)
    with pytest.raises(TransitionRefused, match="already decided by Chris Member"):
        defer(under_review, ssc_member, meeting, later)
    assert not Deferral.objects.exists()


def test_a_second_deferral_from_the_same_meeting_is_told_who_deferred_it_first(
    under_review, ssc_member, secas, meeting, later
):
    defer(under_review, ssc_member, meeting, later)
    further = factories.SSCMeetingFactory(date=days(28))
    with pytest.raises(TransitionRefused) as refused:
        defer(under_review, secas, meeting, further, reason="Another view.")
    assert (
        f"was deferred from the meeting of {meeting.date:%d/%m/%Y} to the meeting of "
        f"{later.date:%d/%m/%Y} by Chris Member" in str(refused.value)
    )
    # From the later meeting it may be deferred again.
    assert defer(under_review, secas, later, further).from_meeting == later


def test_a_conflicted_member_or_a_user_cannot_defer(
    under_review, conflicted_member, submitter, meeting, later
):
    for person in (conflicted_member, submitter):
        with pytest.raises(TransitionRefused, match="without a conflict of interest, or SECAS"):
            defer(under_review, person, meeting, later)


def test_a_deferral_needs_a_reason_and_a_case_on_that_agenda(
    under_review, submitted, ssc_member, meeting, later
):
    with pytest.raises(TransitionRefused, match="needs a reason"):
        defer(under_review, ssc_member, meeting, later, reason="  ")
    other = factories.SSCMeetingFactory(date=days(7))
    with pytest.raises(TransitionRefused, match="is not on the agenda of the meeting"):
        defer(under_review, ssc_member, other, later)


def test_a_case_waiting_for_the_users_answer_can_be_deferred(
    under_review, ssc_member, meeting, later
):
    request_information(notification=under_review, by=ssc_member, question="Keys?")
    deferral = defer(under_review, ssc_member, meeting, later)
    assert deferral.notification.state == NotificationState.INFORMATION_REQUESTED


def test_a_decision_at_the_meeting_the_case_left_is_refused_and_at_the_later_one_taken(
    under_review, ssc_member, meeting, later
):
    defer(under_review, ssc_member, meeting, later)
    with pytest.raises(TransitionRefused) as refused:
        decided_without_assessment(under_review, by=ssc_member, meeting=meeting)
    assert f"record the decision against the meeting of {later.date:%d/%m/%Y}" in str(refused.value)
    with time_machine.travel(later.date + datetime.timedelta(hours=12), tick=False):
        decision = decided_without_assessment(under_review, by=ssc_member, meeting=later)
    assert decision.meeting == later


# --- The decision clock ---------------------------------------------------------------------


def test_the_service_level_rows_note_the_deferral(under_review, ssc_member, meeting, later):
    defer(under_review, ssc_member, meeting, later)
    (row,) = with_service_levels(awaiting_ssc(), TODAY)
    assert row["deferred_to"] == later.date


def test_a_late_decision_reminder_says_the_committee_deferred_it(
    under_review, secas, ssc_member, meeting, later
):
    defer(under_review, ssc_member, meeting, later)
    # Long enough after submission for the decision service level to have passed.
    with time_machine.travel(days(40), tick=False):
        send_reminders()
    assert Reminder.objects.filter(kind=Reminder.Kind.DECISION_LATE).exists()
    email = OutboundEmail.objects.filter(kind="reminder_decision_late").first()
    assert email is not None
    assert f"Deferred by the committee to the meeting of {later.date:%d/%m/%Y}." in (
        email.subject + email.body_text
    )


# --- The pages ------------------------------------------------------------------------------


def test_the_case_page_offers_the_form_and_posting_it_back_defers_the_case(
    client, under_review, ssc_member, meeting, later
):
    client.force_login(ssc_member)
    url = reverse("assessments:defer", args=[under_review.pk])
    data = form_data(case_page(client, under_review), action=url)
    assert data["from_meeting"] == str(meeting.pk)
    data.update({"to_meeting": str(later.pk), "reason": REASON})
    response = client.post(url, postable(data))
    assert response.status_code == 302
    assert f"deferred to the meeting of {later.date:%d/%m/%Y}" in messages_of(response)[0]
    page = case_page(client, under_review)
    assert f"Deferred by the committee to {later.date:%d/%m/%Y}" in page
    assert REASON in page  # the history and the timeline, for the committee
    assert f"Deferred to the meeting of {later.date:%d/%m/%Y}" in page


def defer_page_link(client, meeting, case) -> str:
    """The link the meeting page's agenda item gives to the case's deferral page."""
    page = meeting_page(client, meeting)
    links = re.findall(rf'<a href="([^"]+)">Defer {case.reference} to a later meeting</a>', page)
    url = reverse("assessments:defer", args=[case.pk])
    return next(link.replace("&amp;", "&") for link in links if link.startswith(url))


def test_each_meeting_item_links_to_a_deferral_page_whose_form_defers_the_case(
    client, under_review, secas, meeting, later
):
    client.force_login(secas)
    url = reverse("assessments:defer", args=[under_review.pk])
    link = defer_page_link(client, meeting, under_review)
    assert link == f"{url}?meeting={meeting.pk}"
    first = client.get(link).content.decode()
    assert f"Defer {under_review.reference} to a later meeting" in first
    data = form_data(first, action=url)
    assert data["from_meeting"] == str(meeting.pk)
    # The later meeting is offered, the one the case leaves is not.
    offered = re.findall(r'<option value="(\d+)"', first.split(url, 1)[1].split("</form>", 1)[0])
    assert str(later.pk) in offered
    assert str(meeting.pk) not in offered
    data.update({"to_meeting": str(later.pk), "reason": REASON})
    response = client.post(url, postable(data))
    assert response.status_code == 302
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])
    assert f"deferred to the meeting of {later.date:%d/%m/%Y}" in messages_of(response)[0]
    page = meeting_page(client, meeting)
    assert f'Deferred to <a href="/ssc/meetings/{later.pk}/">{later.date:%d/%m/%Y}</a>:' in page
    assert REASON in page
    assert url not in page  # nothing more to defer or decide on this item here
    assert under_review.reference in meeting_page(client, later)


def test_a_wrong_answer_on_the_deferral_page_is_shown_on_it_with_what_was_typed(
    client, under_review, secas, meeting, later
):
    client.force_login(secas)
    url = reverse("assessments:defer", args=[under_review.pk])
    data = form_data(
        client.get(defer_page_link(client, meeting, under_review)).content.decode(), action=url
    )
    data.update({"to_meeting": "", "reason": REASON})
    response = client.post(url, postable(data))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Defer {under_review.reference} to a later meeting" in page
    assert "Please choose the later meeting the case is deferred to." in page
    assert REASON in page
    # Posted back again, corrected, it still returns to the meeting.
    data = form_data(page, action=url)
    data["to_meeting"] = str(later.pk)
    response = client.post(url, postable(data))
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])
    assert Deferral.objects.get().from_meeting == meeting


def test_a_deferral_link_naming_no_meeting_goes_to_the_case_page_and_its_form(
    client, under_review, ssc_member, meeting, later
):
    client.force_login(ssc_member)
    url = reverse("assessments:defer", args=[under_review.pk])
    case_url = reverse("assessments:case", args=[under_review.pk])
    for value in ("", "first", "%C2%B2", "-1", "0", "999999", "99999999999999", "1.5"):
        response = client.get(f"{url}?meeting={value}")
        assert (response.status_code, response.url) == (302, case_url), value
    assert form_data(case_page(client, under_review), action=url)["from_meeting"] == str(meeting.pk)


def test_a_stale_deferral_link_says_why_the_case_cannot_be_deferred_from_that_meeting(
    client, under_review, ssc_member, secas, meeting, later
):
    client.force_login(ssc_member)
    link = defer_page_link(client, meeting, under_review)
    meeting_url = reverse("assessments:meeting", args=[meeting.pk])
    defer(under_review, secas, meeting, later, reason="SECAS recorded it first.")
    response = client.get(link)
    assert response.status_code == 302
    assert response.url == meeting_url
    assert messages_of(response) == [
        f"{under_review.reference} was deferred from the meeting of {meeting.date:%d/%m/%Y} to "
        f"the meeting of {later.date:%d/%m/%Y} by Sam Secas on "
        f"{timezone.localtime(Deferral.objects.get().deferred_at):%d/%m/%Y at %H:%M}."
    ]
    # From a meeting the case is not on, the page says so too.
    other = factories.SSCMeetingFactory(date=days(21))
    response = client.get(link.replace(f"meeting={meeting.pk}", f"meeting={other.pk}"))
    assert response.url == reverse("assessments:meeting", args=[other.pk])
    assert messages_of(response)[-1:] == [
        f"{under_review.reference} is not on the agenda of the meeting of {other.date:%d/%m/%Y}."
    ]


def test_a_deferral_link_to_a_decided_case_says_who_decided_it(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    link = defer_page_link(client, meeting, under_review)
    decided_without_assessment(under_review, by=ssc_member, meeting=meeting)
    response = client.get(link)
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])
    assert messages_of(response)[0].startswith(
        f"{under_review.reference} was already decided by Chris Member"
    )
    assert not Deferral.objects.exists()


def test_a_person_the_rule_does_not_let_defer_is_told_so_instead_of_a_form(
    client, under_review, secas, meeting
):
    from django.contrib.auth.models import Group, Permission

    from users.models import SECAS_STAFF_GROUP

    # SECAS defers as the one who runs the meetings: without that permission it cannot.
    Group.objects.get(name=SECAS_STAFF_GROUP).permissions.remove(
        *Permission.objects.filter(codename="change_sscmeeting")
    )
    client.force_login(secas)
    url = f"{reverse('assessments:defer', args=[under_review.pk])}?meeting={meeting.pk}"
    response = client.get(url)
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])
    assert messages_of(response) == [
        "Only an SSC member without a conflict of interest, or SECAS, can defer a case."
    ]


def test_with_no_later_meeting_booked_the_deferral_link_says_so(
    client, under_review, secas, meeting
):
    client.force_login(secas)
    url = f"{reverse('assessments:defer', args=[under_review.pk])}?meeting={meeting.pk}"
    response = client.get(url)
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])
    assert messages_of(response) == [
        f"No meeting later than the meeting of {meeting.date:%d/%m/%Y} is booked: SECAS books "
        "one first, then the case can be deferred to it."
    ]


def test_the_deferral_page_is_refused_to_whom_may_not_defer(
    client, under_review, conflicted_member, submitter, meeting
):
    url = f"{reverse('assessments:defer', args=[under_review.pk])}?meeting={meeting.pk}"
    for person in (conflicted_member, submitter):
        client.force_login(person)
        assert client.get(url).status_code == 404


def test_a_meeting_earlier_than_the_one_the_case_leaves_is_an_error_beside_the_field(
    client, under_review, ssc_member, meeting, later
):
    client.force_login(ssc_member)
    url = reverse("assessments:defer", args=[under_review.pk])
    data = form_data(case_page(client, under_review), action=url)
    earlier = factories.SSCMeetingFactory(date=days(-3))
    data.update({"to_meeting": str(earlier.pk), "reason": REASON})
    response = client.post(url, postable(data))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a meeting still to come, later than the one the case is deferred from." in page
    assert REASON in page
    assert not Deferral.objects.exists()


def test_a_stale_meeting_page_is_told_who_deferred_first_and_keeps_the_reason(
    client, under_review, ssc_member, secas, meeting, later
):
    client.force_login(ssc_member)
    url = reverse("assessments:defer", args=[under_review.pk])
    data = form_data(
        client.get(defer_page_link(client, meeting, under_review)).content.decode(), action=url
    )
    defer(under_review, secas, meeting, later, reason="SECAS recorded it first.")
    data.update({"to_meeting": str(later.pk), "reason": REASON})
    response = client.post(url, postable(data))
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        f"was deferred from the meeting of {meeting.date:%d/%m/%Y} to the meeting of "
        f"{later.date:%d/%m/%Y} by Sam Secas" in page
    )
    assert REASON in page
    assert Deferral.objects.get().deferred_by == secas


def test_a_stale_case_page_is_told_who_deferred_it_first(
    client, under_review, ssc_member, secas, meeting, later
):
    client.force_login(ssc_member)
    url = reverse("assessments:defer", args=[under_review.pk])
    data = form_data(case_page(client, under_review), action=url)
    defer(under_review, secas, meeting, later, reason="SECAS recorded it first.")
    data.update({"to_meeting": str(later.pk), "reason": REASON})
    response = client.post(url, postable(data))
    assert response.status_code == 200
    assert "by Sam Secas" in response.content.decode()
    assert Deferral.objects.count() == 1


def test_a_stale_case_page_is_told_the_case_was_decided(
    client, under_review, ssc_member, meeting, later
):
    client.force_login(ssc_member)
    url = reverse("assessments:defer", args=[under_review.pk])
    data = form_data(case_page(client, under_review), action=url)
    decided_without_assessment(under_review, by=ssc_member, meeting=meeting)
    data.update({"to_meeting": str(later.pk), "reason": REASON})
    response = client.post(url, postable(data))
    assert response.status_code == 200
    assert f"{under_review.reference} was already decided by Chris Member" in (
        response.content.decode()
    )
    assert not Deferral.objects.exists()


def test_a_conflicted_member_gets_404(client, under_review, conflicted_member, meeting, later):
    client.force_login(conflicted_member)
    response = client.post(
        reverse("assessments:defer", args=[under_review.pk]),
        {"from_meeting": meeting.pk, "to_meeting": later.pk, "reason": REASON},
    )
    assert response.status_code == 404
    assert not Deferral.objects.exists()


def test_the_user_sees_the_new_date_but_not_the_committees_reason(
    client, under_review, submitter, ssc_member, meeting, later
):
    defer(under_review, ssc_member, meeting, later)
    client.force_login(submitter)
    page = client.get(reverse("notifications:detail", args=[under_review.pk])).content.decode()
    assert f"to its meeting of <strong>{later.date:%d/%m/%Y}</strong>" in page
    assert REASON not in page


def test_the_minutes_and_the_queue_show_the_deferral(
    client, under_review, ssc_member, meeting, later
):
    defer(under_review, ssc_member, meeting, later)
    client.force_login(ssc_member)
    minutes = client.get(reverse("assessments:minutes", args=[meeting.pk, "csv"]))
    text = minutes.content.decode()
    assert f"Deferred to {later.date:%d/%m/%Y}" in text
    assert REASON in text
    queue = client.get(reverse("assessments:dashboard")).content.decode()
    assert f"Deferred by the committee to {later.date:%d/%m/%Y}" in queue


# --- Two at once ------------------------------------------------------------------------------


@pytest.mark.postgres
# serialized_rollback restores the rows data migrations made (groups, roles, cycle matrix).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("rounds", range(3))
def test_a_deferral_and_a_decision_at_once_one_wins_and_the_other_is_told(
    rounds, organisation, preparer, submitter, secas, meeting
):
    from notifications.services import submit_notification
    from tests.assessments.test_concurrency import _at_once

    members = [factories.ssc_user(full_name=f"Member {n}") for n in range(2)]
    later = factories.SSCMeetingFactory(date=days(14))
    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    submitted = submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    case = services.start_review(
        notification=submitted, by=secas, rapporteur=members[0], meeting=meeting
    )

    outcomes = _at_once(
        lambda: defer(case, members[0], meeting, later),
        lambda: services.decide(
            notification=case,
            by=members[1],
            outcome=Decision.Outcome.NO_ASSESSMENT,
            rationale="Assessed with its SRP.",
            meeting=meeting,
        ),
    )

    assert outcomes.count("done") == 1
    (told,) = [outcome for outcome in outcomes if outcome != "done"]
    deferred = Deferral.objects.filter(notification=case).exists()
    decided = Decision.objects.filter(notification=case).exists()
    assert deferred != decided
    if deferred:
        assert f"deferred from the meeting of {meeting.date:%d/%m/%Y}" in told
        assert "by Member 0" in told
    else:
        assert "already decided by Member 1" in told
        assert not AgendaItem.objects.filter(meeting=later, notification=case).exists()
