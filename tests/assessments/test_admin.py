import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    Assessment,
    AssuranceRecord,
    Decision,
    LatestAssurance,
    SSCMeeting,
)
from assessments.selectors import organisations_at_risk
from notifications.models import NotificationState, UserSystem
from notifications.services import TransitionRefused
from tests import factories
from tests.html_forms import form_data, postable
from users.models import SSC_MEMBERS_GROUP

S = NotificationState


def change_url(notification):
    return reverse("admin:notifications_notification_change", args=[notification.pk])


def transition_url(notification, name):
    return reverse(
        "admin:notifications_notification_transition",
        kwargs={"object_id": notification.pk, "transition_name": name},
    )


def test_secas_is_offered_triage_on_a_submitted_notification(client, submitted, secas):
    client.force_login(secas)
    page = client.get(change_url(submitted)).content.decode()
    assert 'value="start_review"' in page
    assert 'value="decide_assessment_required"' not in page


def test_an_ssc_member_is_offered_the_decisions_but_not_triage(client, under_review, ssc_member):
    client.force_login(ssc_member)
    page = client.get(change_url(under_review)).content.decode()
    assert 'value="decide_assessment_required"' in page
    assert 'value="decide_no_assessment"' in page
    assert 'value="start_review"' not in page


def test_triage_from_the_admin_goes_through_the_service(
    client, submitted, secas, ssc_member, meeting
):
    client.force_login(secas)
    response = client.post(
        transition_url(submitted, "start_review"),
        {"rapporteur": ssc_member.pk, "meeting": meeting.pk},
        follow=True,
    )
    submitted.refresh_from_db()
    assert submitted.state == S.UNDER_REVIEW
    assert submitted.agenda_items.get().meeting == meeting
    assert "Done: Start the review." in response.content.decode()


def test_a_decision_from_the_admin_opens_the_assessment(client, under_review, ssc_member, meeting):
    client.force_login(ssc_member)
    due = timezone.localdate() + datetime.timedelta(days=60)
    client.post(
        transition_url(under_review, "decide_assessment_required"),
        {
            "rationale": "Never assessed.",
            "meeting": meeting.pk,
            "assessment_kind": "fusa",
            "assessment_scope": "Whole system",
            "assessment_due_date": due.isoformat(),
        },
    )
    under_review.refresh_from_db()
    assert under_review.state == S.ASSESSMENT_REQUIRED
    assert Decision.objects.get(notification=under_review).decided_by == ssc_member
    assert Assessment.objects.get(notification=under_review).due_date == due


def test_a_decision_without_rationale_is_refused_in_the_admin(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    response = client.post(
        transition_url(under_review, "decide_no_assessment"),
        {"rationale": "", "meeting": meeting.pk},
    )
    assert response.status_code == 200
    assert "A decision needs a written rationale." in response.content.decode()
    under_review.refresh_from_db()
    assert under_review.state == S.UNDER_REVIEW


def test_a_transition_not_permitted_is_refused_with_a_message(
    client, submitted, ssc_member, meeting
):
    client.force_login(ssc_member)
    response = client.post(
        transition_url(submitted, "start_review"),
        {"rapporteur": ssc_member.pk, "meeting": meeting.pk},
        follow=True,
    )
    assert "is not allowed" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


def test_a_conflicted_member_does_not_see_the_case_in_the_admin(
    client, under_review, conflicted_member
):
    client.force_login(conflicted_member)
    listing = client.get(reverse("admin:notifications_notification_changelist"))
    assert under_review.reference not in listing.content.decode()
    response = client.get(change_url(under_review))
    assert response.status_code == 302  # the admin's "does not exist" redirect


def test_user_staff_cannot_use_the_admin(client, submitted, submitter):
    client.force_login(submitter)
    response = client.get(change_url(submitted))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url


def test_the_transition_log_is_read_only_in_the_admin(client, under_review, secas):
    client.force_login(secas)
    page = client.get(change_url(under_review)).content.decode()
    assert "Transition log (who, when, why)" in page
    assert "Start the review" in page
    assert client.get(reverse("admin:django_fsm_log_statelog_add")).status_code == 403


def test_nothing_is_deleted_through_the_admin(client, under_review, secas, ssc_member, meeting):
    from assessments.services import decide

    decision = decide(
        notification=under_review,
        by=ssc_member,
        outcome=Decision.Outcome.NO_ASSESSMENT,
        rationale="Assessed provider.",
        meeting=meeting,
    )
    client.force_login(secas)
    for url in [
        reverse("admin:notifications_notification_delete", args=[under_review.pk]),
        reverse("admin:assessments_decision_delete", args=[decision.pk]),
    ]:
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert Decision.objects.filter(pk=decision.pk).exists()
    under_review.refresh_from_db()
    assert under_review.state == S.NO_ASSESSMENT_NEEDED


def test_a_withdrawn_draft_stays_out_of_the_admin_for_secas(client, draft, submitter, secas):
    from notifications.services import withdraw_notification

    withdraw_notification(notification=draft, by=submitter, reason="Started by mistake.")
    client.force_login(secas)
    listing = client.get(reverse("admin:notifications_notification_changelist"))
    assert draft.reference not in listing.content.decode()
    assert client.get(change_url(draft)).status_code == 302


def test_a_conflicted_member_sees_nothing_of_the_organisation_anywhere_in_the_admin(
    client, under_review, ssc_member, conflicted_member, meeting, secas
):
    from assessments.services import decide

    decision = decide(
        notification=under_review,
        by=ssc_member,
        outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
        assessment_kind="fusa",
        rationale="Confidential reasoning.",
        meeting=meeting,
        assessment_due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    assessment = Assessment.objects.get(notification=under_review)
    client.force_login(conflicted_member)
    organisation_name = under_review.organisation.name
    for name in [
        "admin:assessments_decision_changelist",
        "admin:assessments_assessment_changelist",
        "admin:notifications_usersystem_changelist",
    ]:
        page = client.get(reverse(name)).content.decode()
        assert organisation_name not in page, name
    for url in [
        reverse("admin:assessments_decision_change", args=[decision.pk]),
        reverse("admin:assessments_assessment_change", args=[assessment.pk]),
    ]:
        assert client.get(url).status_code == 302, url
    meeting_page = client.get(reverse("admin:assessments_sscmeeting_change", args=[meeting.pk]))
    assert under_review.reference not in meeting_page.content.decode()
    # The same pages do show it to SECAS: the test above is not passing by accident.
    client.force_login(secas)
    page = client.get(reverse("admin:assessments_decision_changelist")).content.decode()
    assert under_review.reference in page


def test_an_unknown_step_in_the_admin_url_is_a_404(client, submitted, secas):
    client.force_login(secas)
    assert client.get(transition_url(submitted, "nope")).status_code == 404
    assert client.get(transition_url(submitted, "save")).status_code == 404


def test_the_record_keeping_admins_are_read_only_for_secas(client, submitted, secas, ssc_member):
    client.force_login(secas)
    for name in [
        "mail_outboundemail",
        "notifications_message",
        "notifications_attachmentdownload",
        "assessments_reminder",
        "assessments_meetingconflict",
    ]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
        assert client.get(reverse(f"admin:{name}_add")).status_code == 403, name
    client.force_login(ssc_member)
    assert client.get(reverse("admin:mail_outboundemail_changelist")).status_code == 403


def test_the_calendar_admin_never_shows_the_secret_token(client, db, submitter):
    from django.contrib.auth import get_user_model

    from users.models import CalendarFeed

    feed = CalendarFeed.objects.create(user=submitter, token="very-secret-token-value")
    root = get_user_model().objects.create_superuser("root@example.org", "x" * 20, full_name="Root")
    client.force_login(root)
    page = client.get(reverse("admin:users_calendarfeed_change", args=[feed.pk])).content.decode()
    assert submitter.full_name in page
    assert "very-secret-token-value" not in page


# --- Issue 11: the admin writes through the services, and refuses what they refuse ------------


def meeting_url(meeting):
    return reverse("admin:assessments_sscmeeting_change", args=[meeting.pk])


def post_meeting_form(client, meeting, **changes):
    """Save the meeting's admin form as the page offers it, with some fields changed."""
    data = form_data(client.get(meeting_url(meeting)).content.decode(), form_id="sscmeeting_form")
    for name, value in changes.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    data["_save"] = "Save"
    return client.post(meeting_url(meeting), postable(data))


def test_attendance_saved_in_the_admin_goes_through_the_attendance_service(
    client, secas, ssc_member
):
    meeting = factories.SSCMeetingFactory(attendees=[])
    client.force_login(secas)
    response = post_meeting_form(client, meeting, attendees=[str(ssc_member.pk)])
    assert response.status_code == 302
    assert list(meeting.attendees.all()) == [ssc_member]
    # The service names who recorded the attendance, and why, on the meeting's history.
    latest = meeting.history.first()
    assert latest.history_change_reason == "Attendance recorded"
    assert latest.history_user == secas


def test_someone_who_attended_and_has_since_left_the_ssc_does_not_block_the_meeting(
    client, secas, ssc_member
):
    former = factories.ssc_user(full_name="Former Member")
    meeting = factories.SSCMeetingFactory(quorum=2, attendees=[former], title="Before")
    former.groups.remove(Group.objects.get(name=SSC_MEMBERS_GROUP))
    client.force_login(secas)
    # They attended as a member: the record stays, and the meeting's other fields still save.
    response = post_meeting_form(client, meeting, title="After")
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "After"
    assert list(meeting.attendees.all()) == [former]
    response = post_meeting_form(client, meeting, attendees=[str(former.pk), str(ssc_member.pk)])
    assert response.status_code == 302
    assert set(meeting.attendees.all()) == {former, ssc_member}


def test_someone_who_has_left_the_ssc_cannot_be_added_to_a_meeting(client, secas, ssc_member):
    former = factories.ssc_user(full_name="Former Member")
    former.groups.remove(Group.objects.get(name=SSC_MEMBERS_GROUP))
    meeting = factories.SSCMeetingFactory(quorum=1, attendees=[ssc_member])
    with pytest.raises(TransitionRefused, match="Former Member is not an SSC member"):
        services.set_attendees(meeting=meeting, by=secas, attendees=[ssc_member, former])
    client.force_login(secas)
    response = post_meeting_form(client, meeting, attendees=[str(ssc_member.pk), str(former.pk)])
    assert response.status_code == 200  # shown again, nothing saved
    assert "Select a valid choice." in response.content.decode()
    assert list(meeting.attendees.all()) == [ssc_member]


def test_the_admin_refuses_a_user_of_the_portal_as_an_attendee(client, secas, submitter):
    meeting = factories.SSCMeetingFactory(quorum=1)
    before = list(meeting.attendees.all())
    client.force_login(secas)
    response = post_meeting_form(client, meeting, attendees=[str(submitter.pk)])
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert list(meeting.attendees.all()) == before
    # A non-member added behind the admin's back still never makes the meeting quorate.
    meeting.attendees.set([submitter])
    assert meeting.quorum_for().voting == 0


@pytest.mark.parametrize("who", ["ssc_member", "superuser"])
def test_only_those_who_manage_meetings_may_change_them_in_the_admin(
    client, request, who, ssc_member
):
    person = (
        factories.UserFactory(is_staff=True, is_superuser=True)
        if who == "superuser"
        else request.getfixturevalue(who)
    )
    meeting = factories.SSCMeetingFactory(attendees=[])
    client.force_login(person)
    page = client.get(meeting_url(meeting))
    assert page.status_code == 200  # they may read it
    assert 'name="_save"' not in page.content.decode()
    response = client.post(meeting_url(meeting), {"attendees": [ssc_member.pk], "_save": "Save"})
    assert response.status_code == 403
    assert not meeting.attendees.exists()
    assert client.get(reverse("admin:assessments_sscmeeting_add")).status_code == 403


@pytest.mark.parametrize("who", ["secas", "superuser"])
def test_an_assessment_cannot_be_added_in_the_admin(client, request, organisation, who):
    person = (
        factories.UserFactory(is_staff=True, is_superuser=True)
        if who == "superuser"
        else request.getfixturevalue(who)
    )
    client.force_login(person)
    add_url = reverse("admin:assessments_assessment_add")
    assert client.get(add_url).status_code == 403
    due = timezone.localdate() + datetime.timedelta(days=60)
    response = client.post(
        add_url,
        {
            "organisation": organisation.pk,
            "kind": "fusa",
            "cycle_year": "1",
            "due_date": due.isoformat(),
            "scope": "Opened by hand",
            "_save": "Save",
        },
    )
    assert response.status_code == 403
    assert not Assessment.objects.exists()
    listing = client.get(reverse("admin:assessments_assessment_changelist")).content.decode()
    assert add_url not in listing


def test_whose_assessment_it_is_cannot_be_changed_in_the_admin(client, secas, organisation):
    other = factories.OrganisationFactory(name="Someone Else Ltd")
    assessment = Assessment.objects.create(
        organisation=organisation,
        kind="fusa",
        cycle_year=1,
        due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    url = reverse("admin:assessments_assessment_change", args=[assessment.pk])
    client.force_login(secas)
    data = form_data(client.get(url).content.decode(), form_id="assessment_form")
    assert "organisation" not in data
    data["organisation"] = str(other.pk)
    data["state"] = "completed"
    data["_save"] = "Save"
    assert client.post(url, postable(data)).status_code == 302
    assessment.refresh_from_db()
    assert assessment.organisation == organisation
    assert assessment.state == "required"


def test_a_meeting_arranged_in_the_admin_is_arranged_by_the_meetings_service(
    client, secas, ssc_member
):
    client.force_login(secas)
    url = reverse("admin:assessments_sscmeeting_add")
    data = form_data(client.get(url).content.decode(), form_id="sscmeeting_form")
    data.update(
        {
            "date": "14/01/2027",
            "kind": "ordinary",
            "title": "January meeting",
            "quorum": "3",
            "notes": "Room 2",
        }
    )
    data.setlist("attendees", [str(ssc_member.pk)])
    data["_save"] = "Save"
    response = client.post(url, postable(data))
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = SSCMeeting.objects.get(title="January meeting")
    assert meeting.notes == "Room 2"
    assert list(meeting.attendees.all()) == [ssc_member]
    arranged = meeting.history.earliest()
    assert (arranged.history_change_reason, arranged.history_user) == ("Meeting arranged", secas)


def post_assurance_record(client, organisation, systems, status="deferred"):
    url = reverse("admin:assessments_assurancerecord_add")
    data = form_data(client.get(url).content.decode(), form_id="assurancerecord_form")
    data.update(
        {
            "organisation": str(organisation.pk),
            "status": status,
            "kind": "fusa",
            "cycle_year": "1",
            "fieldwork_end_date": "01/03/2026",
            "effective_date": "01/04/2026",
            "recorded_at_0": "01/04/2026",
            "recorded_at_1": "10:00:00",
        }
    )
    data.setlist("systems", [str(system.pk) for system in systems])
    data["_save"] = "Save"
    return client.post(url, postable(data))


def test_an_assurance_record_added_in_the_admin_goes_through_the_service(
    client, secas, organisation
):
    later = UserSystem.objects.create(
        organisation=organisation, name="App", delivery_model="in_house"
    )
    client.force_login(secas)
    response = post_assurance_record(client, organisation, [later])
    assert response.status_code == 302, response.content.decode()[:3000]
    record = AssuranceRecord.objects.get(organisation=organisation)
    assert list(record.systems.all()) == [later]
    # The record in force for the system follows, so the organisation shows as at risk.
    in_force = LatestAssurance.objects.get(user_system=later)
    assert (in_force.record, in_force.status) == (record, "deferred")
    assert organisation in organisations_at_risk(timezone.localdate())


def test_the_admin_refuses_an_assurance_record_naming_another_organisations_system(
    client, secas, organisation, other_organisation
):
    theirs = UserSystem.objects.create(
        organisation=other_organisation, name="Theirs", delivery_model="in_house"
    )
    client.force_login(secas)
    response = post_assurance_record(client, organisation, [theirs])
    assert response.status_code == 200
    assert (
        f"Theirs is a User System of another organisation, not of {organisation}."
        in response.content.decode()
    )
    assert not AssuranceRecord.objects.exists()
