"""One decision form, meeting choices, the live queue and the quorum (issue 9, items 6–9, 17)."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Decision, SSCMeeting
from assessments.selectors import rapporteur_candidates
from notifications.models import NotificationState
from notifications.services import TransitionRefused
from tests import factories
from tests.assessments.journey import decided_without_assessment
from tests.html_forms import form_data, postable
from users.models import SECAS_STAFF_GROUP, SSC_MEMBERS_GROUP, ConflictOfInterest, User
from users.policy import allows

S = NotificationState
DUE = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
RATIONALE = "Hosted by an SRP assessed last spring; typed with care and not to be lost."


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def meeting_page(client, meeting):
    return client.get(reverse("assessments:meeting", args=[meeting.pk])).content.decode()


def decision_page(client, case, meeting) -> str:
    """The page the meeting page's agenda item links to, to record the decision on it."""
    links = re.findall(
        rf'<a href="([^"]+)">Record the decision on {case.reference}</a>',
        meeting_page(client, meeting),
    )
    url = reverse("assessments:decide", args=[case.pk])
    link = next(link.replace("&amp;", "&") for link in links if link.startswith(url))
    assert link == f"{url}?meeting={meeting.pk}"
    return client.get(link).content.decode()


def decide_on_the_meeting_page(client, case, meeting, **changes):
    url = reverse("assessments:decide", args=[case.pk])
    data = form_data(decision_page(client, case, meeting), action=url)
    data.update({"outcome": "no_assessment", "rationale": RATIONALE, **changes})
    return client.post(url, postable(data))


# --- Item 7: one decision form, on the case page and the meeting's decision page ----------------


def test_the_meeting_page_offers_the_same_form_as_the_case_page_scope_included(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    page = decision_page(client, under_review, meeting)
    url = reverse("assessments:decide", args=[under_review.pk])
    data = form_data(page, action=url)
    assert {"rationale", "assessment_kind", "assessment_scope"} <= set(data)
    assert 'name="outcome"' in page
    assert data["meeting"] == str(meeting.pk)
    assert "Assessment scope (if required)" in page


def test_a_decision_refused_on_the_meeting_page_keeps_the_rationale_beside_the_error(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    response = decide_on_the_meeting_page(
        client, under_review, meeting, outcome="assessment_required", assessment_due_date=""
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert RATIONALE in page
    assert "Give the date by which the assessment is due." in page
    assert f"Record the decision on {under_review.reference}" in page  # the decision's own page
    assert 'href="#id_assessment_due_date"' in page  # the summary links to the field
    assert not Decision.objects.exists()
    # Corrected and sent again, it is recorded and returns to the meeting.
    data = form_data(page, action=reverse("assessments:decide", args=[under_review.pk]))
    data.update({"assessment_due_date": DUE, "assessment_kind": "fusa"})
    response = client.post(reverse("assessments:decide", args=[under_review.pk]), postable(data))
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])
    assert Decision.objects.get().meeting == meeting


def test_a_decision_link_says_why_it_cannot_be_followed(
    client, under_review, ssc_member, secas, meeting
):
    url = reverse("assessments:decide", args=[under_review.pk])
    meeting_url = reverse("assessments:meeting", args=[meeting.pk])
    client.force_login(secas)  # SECAS minutes the committee's decisions; it does not take them
    response = client.get(f"{url}?meeting={meeting.pk}")
    assert response.url == meeting_url
    assert messages_of(response) == [
        "Only an SSC member without a conflict of interest decides a case."
    ]
    client.force_login(ssc_member)
    assert client.get(url).url == reverse("assessments:case", args=[under_review.pk])
    assert client.get(f"{url}?meeting=999999").url == reverse(
        "assessments:case", args=[under_review.pk]
    )
    to_come = factories.SSCMeetingFactory(date=timezone.localdate() + datetime.timedelta(days=7))
    response = client.get(f"{url}?meeting={to_come.pk}")
    assert messages_of(response)[-1:] == [
        f"The meeting of {to_come.date:%d/%m/%Y} has not yet taken place: its decisions are "
        "recorded on the day or after."
    ]
    link_page = decision_page(client, under_review, meeting)
    assert "Back to the meeting" in link_page
    decided_without_assessment(under_review, by=ssc_member, meeting=meeting)
    response = client.get(f"{url}?meeting={meeting.pk}")
    assert response.url == meeting_url
    assert messages_of(response)[0].startswith(
        f"{under_review.reference} was already decided by Chris Member"
    )


def test_a_conflicted_member_gets_404_for_the_decision_page(
    client, under_review, conflicted_member, meeting
):
    client.force_login(conflicted_member)
    url = reverse("assessments:decide", args=[under_review.pk])
    assert client.get(f"{url}?meeting={meeting.pk}").status_code == 404


def test_a_decision_the_service_refuses_keeps_what_was_typed(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    url = reverse("assessments:decide", args=[under_review.pk])
    data = form_data(
        client.get(reverse("assessments:case", args=[under_review.pk])).content.decode(),
        action=url,
    )
    data.update(
        {
            "outcome": "assessment_required",
            "assessment_kind": "fusa",
            "rationale": RATIONALE,
            "meeting": str(meeting.pk),
            "assessment_due_date": timezone.localdate().isoformat(),  # today: refused
        }
    )
    response = client.post(url, postable(data))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The assessment due date must be after today." in page
    assert RATIONALE in page


def test_a_decision_on_the_meeting_page_is_recorded(client, under_review, ssc_member, meeting):
    client.force_login(ssc_member)
    response = decide_on_the_meeting_page(client, under_review, meeting)
    assert response.status_code == 302
    assert Decision.objects.get(notification=under_review).rationale == RATIONALE


def test_the_meeting_page_says_it_is_not_quorate_before_anyone_types(
    client, under_review, ssc_member
):
    inquorate = factories.SSCMeetingFactory(quorum=3, attendees=[ssc_member])
    services.add_to_agenda(meeting=inquorate, notification=under_review)
    client.force_login(ssc_member)
    assert "Not quorate for this case." in meeting_page(client, inquorate)
    page = decision_page(client, under_review, inquorate)
    assert "Not quorate for this case." in page
    assert 'name="rationale"' not in page


def test_a_decision_link_gone_stale_after_a_deferral_says_where_the_case_went(
    client, under_review, ssc_member, secas, meeting
):
    client.force_login(ssc_member)
    later = factories.SSCMeetingFactory(date=timezone.localdate() + datetime.timedelta(days=14))
    link = f"{reverse('assessments:decide', args=[under_review.pk])}?meeting={meeting.pk}"
    assert "Record the decision on" in client.get(link).content.decode()
    services.defer_case(
        notification=under_review, by=secas, from_meeting=meeting, to_meeting=later, reason="Wait."
    )
    response = client.get(link)
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])
    when = timezone.localtime(under_review.deferrals.get().deferred_at)
    assert messages_of(response)[0].endswith(
        f"by Sam Secas on {when:%d/%m/%Y at %H:%M}: record the decision against the meeting of "
        f"{later.date:%d/%m/%Y} or a later one."
    )


def test_a_decision_page_posted_after_a_deferral_returns_to_the_meeting(
    client, under_review, ssc_member, secas, meeting
):
    client.force_login(ssc_member)
    later = factories.SSCMeetingFactory(date=timezone.localdate() + datetime.timedelta(days=14))
    url = reverse("assessments:decide", args=[under_review.pk])
    data = form_data(decision_page(client, under_review, meeting), action=url)
    services.defer_case(
        notification=under_review, by=secas, from_meeting=meeting, to_meeting=later, reason="Wait."
    )
    data.update({"outcome": "no_assessment", "rationale": RATIONALE})
    response = client.post(url, postable(data))
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])
    assert (
        f"record the decision against the meeting of {later.date:%d/%m/%Y}"
        in (messages_of(response)[-1])
    )
    assert not Decision.objects.exists()


def test_a_decision_page_posted_after_another_member_decided_returns_to_the_meeting(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    url = reverse("assessments:decide", args=[under_review.pk])
    data = form_data(decision_page(client, under_review, meeting), action=url)
    services.decide(
        notification=under_review,
        by=ssc_member,
        outcome=Decision.Outcome.ASSESSMENT_REQUIRED,
        rationale="Decided first.",
        meeting=meeting,
        assessment_kind="fusa",
        assessment_due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    data.update({"outcome": "no_assessment", "rationale": RATIONALE})
    response = client.post(url, postable(data))
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])
    assert messages_of(response)[0].startswith(
        f"{under_review.reference} was already decided by Chris Member"
    )
    assert Decision.objects.get().rationale == "Decided first."


# --- Item 8: meetings are chosen by date and kind ----------------------------------------------


def test_meeting_choices_show_date_and_kind(client, submitted, secas, ssc_member):
    day = timezone.localdate() + datetime.timedelta(days=7)
    factories.SSCMeetingFactory(date=day, title="SSC meeting 185")
    client.force_login(secas)
    page = client.get(reverse("assessments:case", args=[submitted.pk])).content.decode()
    assert f"{day:%a %d/%m/%Y} – Ordinary meeting – SSC meeting 185" in page


# --- Item 9: the queue shows live cases unless asked for all -----------------------------------


def test_the_queue_shows_live_cases_by_default_and_all_on_request(
    client, under_review, organisation, submitter, ssc_member, meeting
):
    decided = factories.NotificationFactory(organisation=organisation, created_by=submitter)
    from notifications.services import submit_notification

    submit_notification(notification=decided, by=submitter, declaration_accepted=True)
    services.start_review(
        notification=decided,
        by=factories.secas_user(),
        rapporteur=ssc_member,
        meeting=meeting,
    )
    decided_without_assessment(decided, by=ssc_member, meeting=meeting)
    client.force_login(ssc_member)
    queue = client.get(reverse("assessments:dashboard")).content.decode()
    assert under_review.reference in queue
    assert decided.reference not in queue
    everything = client.get(reverse("assessments:dashboard"), {"state": "all"}).content.decode()
    assert decided.reference in everything
    assert under_review.reference in everything


# --- Item 17: a quorum of at least one, counting members without a conflict --------------------


def test_a_meeting_cannot_be_created_with_a_quorum_of_zero(client, secas):
    client.force_login(secas)
    response = client.post(
        reverse("assessments:meetings"),
        {"date": timezone.localdate().isoformat(), "kind": "ordinary", "quorum": "0"},
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.content.decode() or (
        "A quorum is at least one member." in response.content.decode()
    )
    assert not SSCMeeting.objects.filter(quorum=0).exists()
    with pytest.raises(TransitionRefused):
        services.create_meeting(by=secas, date=timezone.localdate(), kind="ordinary", quorum=0)


def test_the_database_refuses_a_quorum_of_zero(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        SSCMeeting.objects.create(date=timezone.localdate(), quorum=0)


def test_conflicted_and_non_member_attendees_do_not_count_towards_a_cases_quorum(
    under_review, ssc_member, conflicted_member
):
    former_member = factories.ssc_user(full_name="Former Member")
    meeting = factories.SSCMeetingFactory(
        quorum=2, attendees=[ssc_member, conflicted_member, former_member]
    )
    former_member.groups.remove(Group.objects.get(name=SSC_MEMBERS_GROUP))
    assert meeting.quorum_for().voting == 2  # ssc_member and conflicted_member
    assert meeting.quorum_for(under_review.organisation).voting == 1
    with pytest.raises(TransitionRefused, match="not quorate for this case"):
        decided_without_assessment(under_review, by=ssc_member, meeting=meeting)


def test_the_admin_offers_only_ssc_members_as_attendees(client, secas, submitter, ssc_member):
    client.force_login(secas)
    meeting = factories.SSCMeetingFactory()
    url = reverse("admin:assessments_sscmeeting_change", args=[meeting.pk])
    data = form_data(client.get(url).content.decode(), form_id="sscmeeting_form")
    data.setlist("attendees", [str(submitter.pk)])
    data["quorum"] = "0"
    data["_save"] = "Save"
    response = client.post(url, postable(data))
    assert response.status_code == 200  # shown again with errors, nothing saved
    meeting.refresh_from_db()
    assert submitter not in meeting.attendees.all()
    assert meeting.quorum == 1


# --- Item 2: details from before the yes/no question are confirmed by SECAS, not guessed -------


@pytest.fixture
def legacy_case(submitted):
    submitted.has_known_non_compliances = None
    submitted.known_non_compliances = "None known."
    submitted.save(update_fields=["has_known_non_compliances", "known_non_compliances"])
    return submitted


def test_secas_confirms_what_legacy_details_declare_and_triage_follows(client, legacy_case, secas):
    client.force_login(secas)
    case_url = reverse("assessments:case", args=[legacy_case.pk])
    page = client.get(case_url).content.decode()
    assert "None known." in page
    assert "SECAS to confirm whether the User&#x27;s details declare a non-compliance" in page
    url = reverse("assessments:confirm_non_compliance", args=[legacy_case.pk])
    data = form_data(page, action=url)
    data["has_known_non_compliances"] = "False"
    response = client.post(url, postable(data), follow=True)
    assert "do not declare a known non-compliance" in response.content.decode()
    legacy_case.refresh_from_db()
    assert legacy_case.has_known_non_compliances is False
    assert legacy_case.non_compliance_confirmed_by == secas
    assert "SECAS to confirm" not in client.get(case_url).content.decode()


def test_only_secas_confirms_and_only_once(client, legacy_case, secas, ssc_member):
    url = reverse("assessments:confirm_non_compliance", args=[legacy_case.pk])
    client.force_login(ssc_member)
    client.post(url, {"has_known_non_compliances": "True"})
    legacy_case.refresh_from_db()
    assert legacy_case.has_known_non_compliances is None
    client.force_login(secas)
    client.post(url, {"has_known_non_compliances": "True"})
    response = client.post(url, {"has_known_non_compliances": "False"}, follow=True)
    assert "already recorded (Yes)" in response.content.decode()
    legacy_case.refresh_from_db()
    assert legacy_case.has_known_non_compliances is True


def test_recording_the_answer_without_choosing_one_records_nothing(client, legacy_case, secas):
    client.force_login(secas)
    page = client.get(reverse("assessments:case", args=[legacy_case.pk])).content.decode()
    url = reverse("assessments:confirm_non_compliance", args=[legacy_case.pk])
    response = client.post(url, postable(form_data(page, action=url)))  # exactly as rendered
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    legacy_case.refresh_from_db()
    assert legacy_case.has_known_non_compliances is None


def test_after_a_refusal_on_the_meeting_page_the_next_decision_returns_to_the_meeting(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    refused = decide_on_the_meeting_page(client, under_review, meeting, rationale="")
    assert refused.status_code == 200
    url = reverse("assessments:decide", args=[under_review.pk])
    data = form_data(refused.content.decode(), action=url)
    data.update({"outcome": "no_assessment", "rationale": RATIONALE})
    response = client.post(url, postable(data))
    assert response.status_code == 302
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])


def test_a_meeting_that_stops_being_quorate_while_typing_keeps_the_rationale(
    client, under_review, ssc_member
):
    meeting = factories.SSCMeetingFactory(quorum=1, attendees=[ssc_member])
    services.add_to_agenda(meeting=meeting, notification=under_review)
    client.force_login(ssc_member)
    url = reverse("assessments:decide", args=[under_review.pk])
    data = form_data(decision_page(client, under_review, meeting), action=url)
    meeting.attendees.clear()  # SECAS corrects the attendance meanwhile
    data.update({"outcome": "no_assessment", "rationale": RATIONALE})
    response = client.post(url, postable(data))
    page = response.content.decode()
    assert "not quorate for this case" in page
    assert RATIONALE in page


def test_a_due_date_in_the_past_is_an_error_beside_the_field(
    client, under_review, ssc_member, meeting
):
    from tests.html_forms import errors_away_from_their_fields

    client.force_login(ssc_member)
    response = client.post(
        reverse("assessments:decide", args=[under_review.pk]),
        {
            "outcome": "assessment_required",
            "rationale": RATIONALE,
            "meeting": meeting.pk,
            "assessment_kind": "fusa",
            "assessment_due_date": timezone.localdate().isoformat(),
        },
    )
    page = response.content.decode()
    assert 'href="#id_assessment_due_date">' in page
    assert not errors_away_from_their_fields(page)


def test_the_meeting_page_counts_only_ssc_members_towards_the_quorum(client, secas, ssc_member):
    former = factories.ssc_user(full_name="Former Member")
    meeting = factories.SSCMeetingFactory(quorum=2, attendees=[ssc_member, former])
    former.groups.remove(Group.objects.get(name=SSC_MEMBERS_GROUP))
    client.force_login(secas)
    page = client.get(reverse("assessments:meeting", args=[meeting.pk])).content.decode()
    assert "Not quorate" in page
    assert "1 SSC member attending, quorum 2" in page


# --- Issue 11: the pages ask the same rules as the services -----------------------------------


def take_group_permission(group_name: str, codename: str) -> None:
    Group.objects.get(name=group_name).permissions.remove(Permission.objects.get(codename=codename))


def test_a_member_without_the_decide_permission_is_offered_no_decision_on_either_page(
    client, under_review, ssc_member, meeting
):
    decide_url = reverse("assessments:decide", args=[under_review.pk])
    client.force_login(ssc_member)
    case_page = reverse("assessments:case", args=[under_review.pk])
    link = f'href="{decide_url}?meeting={meeting.pk}"'
    assert link in meeting_page(client, meeting)  # offered until taken away
    take_group_permission(SSC_MEMBERS_GROUP, "decide_notification")
    assert link not in meeting_page(client, meeting)
    response = client.get(f"{decide_url}?meeting={meeting.pk}")
    assert response.url == reverse("assessments:meeting", args=[meeting.pk])
    assert f'action="{decide_url}"' not in client.get(case_page).content.decode()
    with pytest.raises(TransitionRefused, match="permission"):
        decided_without_assessment(under_review, by=ssc_member, meeting=meeting)


def test_the_meeting_pages_offer_management_exactly_as_the_meeting_services_allow(
    client, secas, ssc_member
):
    meeting = factories.SSCMeetingFactory(attendees=[])
    attendance_url = reverse("assessments:attendance", args=[meeting.pk])
    client.force_login(secas)
    assert f'action="{attendance_url}"' in meeting_page(client, meeting)
    assert "Add the meeting" in client.get(reverse("assessments:meetings")).content.decode()
    take_group_permission(SECAS_STAFF_GROUP, "change_sscmeeting")
    assert f'action="{attendance_url}"' not in meeting_page(client, meeting)
    assert "Add the meeting" not in client.get(reverse("assessments:meetings")).content.decode()
    response = client.post(attendance_url, {"attendees": [ssc_member.pk]}, follow=True)
    assert "Only SECAS staff can manage SSC meetings." in response.content.decode()
    assert not meeting.attendees.exists()


def test_the_rapporteur_list_and_the_rapporteur_rule_agree(under_review, other_organisation):
    """The form's query and notifications.be_rapporteur answer the same for every member,
    including one whose withdrawn conflict here sits beside an open one elsewhere."""
    organisation = under_review.organisation
    free = factories.ssc_user(full_name="Free Member")
    conflicted = factories.ssc_user(full_name="Conflicted Member")
    withdrawn_here_open_elsewhere = factories.ssc_user(full_name="Mixed Member")
    employed = factories.ssc_user(full_name="Employed Member")
    ConflictOfInterest.objects.create(member=conflicted, organisation=organisation, reason="x")
    ConflictOfInterest.objects.create(
        member=withdrawn_here_open_elsewhere,
        organisation=organisation,
        reason="Was a consultant",
        withdrawn_at=timezone.now(),
    )
    ConflictOfInterest.objects.create(
        member=withdrawn_here_open_elsewhere, organisation=other_organisation, reason="x"
    )
    factories.MembershipFactory(user=employed, organisation=organisation)

    offered = set(rapporteur_candidates(organisation))
    for member in (free, conflicted, withdrawn_here_open_elsewhere, employed):
        fresh = User.objects.get(pk=member.pk)  # the rule's cached conflicts start empty
        assert (member in offered) == allows(fresh, "notifications.be_rapporteur", under_review)
    assert {free, withdrawn_here_open_elsewhere} <= offered
    assert not {conflicted, employed} & offered
