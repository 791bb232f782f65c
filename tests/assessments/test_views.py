import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Decision, MeetingConflict, SSCMeeting
from notifications import services as intake
from notifications.models import NotificationState
from tests import factories
from tests.html_forms import form_data, postable
from users.models import SSC_MEMBERS_GROUP

S = NotificationState
DUE = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()


def page_text(response) -> str:
    return response.content.decode()


def decide_post(client, case, meeting, **overrides):
    data = {
        "outcome": "assessment_required",
        "rationale": "Never assessed; in-house.",
        "meeting": meeting.pk,
        "assessment_kind": "fusa",
        "assessment_scope": "The whole system",
        "assessment_due_date": DUE,
    } | overrides
    return client.post(reverse("assessments:decide", args=[case.pk]), data, follow=True)


# --- Dashboard ---------------------------------------------------------------


def test_the_dashboard_lists_submitted_cases_with_counts(client, submitted, draft, ssc_member):
    client.force_login(ssc_member)
    page = page_text(client.get(reverse("assessments:dashboard")))
    assert submitted.reference in page
    assert 'Submitted <span class="badge text-bg-light">1</span>' in page


def test_the_dashboard_never_shows_drafts(client, organisation, preparer, ssc_member):
    draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
    client.force_login(ssc_member)
    assert draft.reference not in page_text(client.get(reverse("assessments:dashboard")))


def test_a_conflicted_member_does_not_see_the_organisations_cases(
    client, submitted, conflicted_member
):
    client.force_login(conflicted_member)
    page = page_text(client.get(reverse("assessments:dashboard")))
    assert submitted.reference not in page
    response = client.get(reverse("assessments:case", args=[submitted.pk]))
    assert response.status_code == 404


def test_user_staff_cannot_open_the_committee_pages(client, submitted, submitter, meeting):
    client.force_login(submitter)
    for url in [
        reverse("assessments:dashboard"),
        reverse("assessments:case", args=[submitted.pk]),
        reverse("assessments:meetings"),
        reverse("assessments:meeting", args=[meeting.pk]),
        reverse("assessments:minutes", args=[meeting.pk, "csv"]),
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("assessments:triage", args=[submitted.pk]),
        reverse("assessments:decide", args=[submitted.pk]),
        reverse("assessments:request_information", args=[submitted.pk]),
        reverse("assessments:attendance", args=[meeting.pk]),
    ]:
        assert client.post(url, {}).status_code == 404, url


@pytest.fixture
def varied_cases(organisation, other_organisation, preparer, submitter, secas, ssc_member, meeting):
    """Three submitted cases that differ in every filterable way."""
    other_submitter = factories.MembershipFactory(
        organisation=other_organisation, role="submitter"
    ).user
    other_organisation.party_category = "large_supplier"
    other_organisation.save()
    provider = factories.SharedResourceProviderFactory()
    today = timezone.localdate()
    soon = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        system_name="Soon",
        planned_go_live_date=today + datetime.timedelta(days=5),
    )
    late = factories.NotificationFactory(
        organisation=organisation,
        created_by=preparer,
        system_name="Late",
        planned_go_live_date=today,
    )
    srp = factories.NotificationFactory(
        organisation=other_organisation,
        created_by=other_submitter,
        system_name="Provided",
        delivery_model="srp",
        provider=provider,
        planned_go_live_date=today + datetime.timedelta(days=200),
    )
    cases = {}
    for name, draft, by in [
        ("soon", soon, submitter),
        ("late", late, submitter),
        ("srp", srp, other_submitter),
    ]:
        cases[name] = intake.submit_notification(
            notification=draft, by=by, declaration_accepted=True
        )
    from assessments.services import start_review

    start_review(notification=cases["srp"], by=secas, rapporteur=ssc_member, meeting=meeting)
    return cases


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=under_review", {"srp"}),
        ("late=on", {"late"}),
        ("go_live_within=10", {"soon", "late"}),
        ("party_category=large_supplier", {"srp"}),
        ("delivery_model=in_house", {"soon", "late"}),
        ("mine=on", {"srp"}),
        ("", {"soon", "late", "srp"}),
    ],
)
def test_the_queue_filters(client, varied_cases, ssc_member, query, expected):
    client.force_login(ssc_member)
    page = page_text(client.get(reverse("assessments:dashboard") + "?" + query))
    shown = {name for name, case in varied_cases.items() if case.reference in page}
    assert shown == expected


def test_the_queue_filters_by_part_of_an_organisations_name_and_by_meeting(
    client, varied_cases, ssc_member, meeting
):
    client.force_login(ssc_member)
    url = reverse("assessments:dashboard")
    by_org = page_text(client.get(url, {"organisation": "southDOWN"}))
    by_meeting = page_text(client.get(url, {"meeting": meeting.pk}))
    for page in (by_org, by_meeting):
        assert varied_cases["srp"].reference in page
        assert varied_cases["soon"].reference not in page


def test_the_queue_sorts_by_go_live_by_default_and_by_age_on_request(
    client, varied_cases, ssc_member
):
    client.force_login(ssc_member)
    url = reverse("assessments:dashboard")
    page = page_text(client.get(url))
    order = sorted(varied_cases, key=lambda name: page.index(varied_cases[name].reference))
    assert order == ["late", "soon", "srp"]
    newest = page_text(client.get(url + "?sort=newest"))
    assert newest.index(varied_cases["srp"].reference) < newest.index(
        varied_cases["soon"].reference
    )


def test_nonsense_filters_are_explained_not_fatal(client, varied_cases, ssc_member):
    client.force_login(ssc_member)
    response = client.get(
        reverse("assessments:dashboard") + "?go_live_within=abc&state=nope&page=zzz"
    )
    assert response.status_code == 200
    assert "Enter a number of days, e.g. 30." in page_text(response)


def test_the_queue_is_paginated(client, organisation, preparer, submitter, ssc_member):
    for _ in range(30):
        draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
        intake.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    client.force_login(ssc_member)
    assert "Page 1 of 2" in page_text(client.get(reverse("assessments:dashboard")))


# --- Case page and triage ---------------------------------------------------------------


def test_the_case_page_shows_context_and_a_suggestion(client, submitted, secas):
    factories.AssuranceRecordFactory(organisation=submitted.organisation, status="approved")
    client.force_login(secas)
    page = page_text(client.get(reverse("assessments:case", args=[submitted.pk])))
    assert "Suggested outcome: <strong>Assessment required under G8.13</strong>" in page
    assert "In-house and never assessed" in page
    assert "Next annual review" in page
    assert "31 March 2027" in page
    assert "Triage: start the review" in page


def test_conflicted_members_are_not_offered_as_rapporteur(
    client, submitted, secas, ssc_member, conflicted_member
):
    client.force_login(secas)
    page = page_text(client.get(reverse("assessments:case", args=[submitted.pk])))
    assert ssc_member.full_name in page
    assert conflicted_member.full_name not in page


def test_secas_triages_from_the_case_page(client, submitted, secas, ssc_member, meeting):
    client.force_login(secas)
    response = client.post(
        reverse("assessments:triage", args=[submitted.pk]),
        {"rapporteur": ssc_member.pk, "meeting": meeting.pk},
        follow=True,
    )
    assert f"Review of {submitted.reference} started" in page_text(response)
    submitted.refresh_from_db()
    assert submitted.state == S.UNDER_REVIEW
    assert submitted.rapporteur == ssc_member


def test_a_conflicted_rapporteur_posted_anyway_is_refused(
    client, submitted, secas, conflicted_member, meeting
):
    client.force_login(secas)
    response = client.post(
        reverse("assessments:triage", args=[submitted.pk]),
        {"rapporteur": conflicted_member.pk, "meeting": meeting.pk},
    )
    assert "Select a valid choice" in page_text(response)
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


def test_an_ssc_member_asks_a_question_and_the_user_is_emailed(
    client, under_review, ssc_member, submitter, django_capture_on_commit_callbacks
):
    client.force_login(ssc_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessments:request_information", args=[under_review.pk]),
            {"question": "Who operates the HSM?"},
            follow=True,
        )
    assert "Question sent to" in page_text(response)
    under_review.refresh_from_db()
    assert under_review.state == S.INFORMATION_REQUESTED
    (email,) = [m for m in mail.outbox if submitter.email in m.to]
    assert "the SSC has a question" in email.subject
    assert "Who operates the HSM?" in email.body


# --- Deciding ---------------------------------------------------------------


def test_deciding_assessment_required_sends_the_letter(
    client, under_review, ssc_member, meeting, submitter, django_capture_on_commit_callbacks
):
    client.force_login(ssc_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide_post(client, under_review, meeting)
    assert "Decision recorded" in page_text(response)
    under_review.refresh_from_db()
    assert under_review.state == S.ASSESSMENT_REQUIRED
    assessment = Assessment.objects.get(notification=under_review)
    assert assessment.due_date.isoformat() == DUE
    (letter,) = [m for m in mail.outbox if "decision" in m.subject and submitter.email in m.to]
    assert "Never assessed; in-house." in letter.body
    assert "G8.13" in letter.body
    assert f"/notifications/{under_review.pk}/decision-letter.pdf" in letter.body
    assert (
        "<strong>Decision: Assessment required under G8.13</strong>" in (letter.alternatives[0][0])
    )


def test_the_user_downloads_the_decision_letter_as_pdf(
    client, under_review, ssc_member, meeting, submitter
):
    client.force_login(ssc_member)
    decide_post(client, under_review, meeting, outcome="no_assessment")
    client.force_login(submitter)
    page = page_text(client.get(reverse("notifications:detail", args=[under_review.pk])))
    assert "The SSC's decision: No assessment needed until the next annual review" in page
    response = client.get(reverse("assessments:decision_letter", args=[under_review.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]


def test_no_letter_before_a_decision_and_none_for_other_organisations(
    client, under_review, other_submitter
):
    client.force_login(other_submitter)
    assert (
        client.get(reverse("assessments:decision_letter", args=[under_review.pk])).status_code
        == 404
    )


def test_a_decision_without_rationale_keeps_what_was_typed(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    response = decide_post(client, under_review, meeting, rationale="", assessment_scope="Kept")
    page = page_text(response)
    assert "A decision needs a written rationale." in page
    assert "Kept</textarea>" in page
    under_review.refresh_from_db()
    assert under_review.state == S.UNDER_REVIEW


def test_assessment_required_needs_a_due_date_in_the_form(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    response = decide_post(client, under_review, meeting, assessment_due_date="")
    assert "Give the date by which the assessment is due." in page_text(response)
    assert not Decision.objects.exists()


def test_secas_cannot_decide(client, under_review, secas, meeting):
    client.force_login(secas)
    response = decide_post(client, under_review, meeting)
    assert "You do not have permission" in page_text(response)
    assert not Decision.objects.exists()


def test_the_second_member_to_decide_is_told_who_decided_first(
    client, under_review, ssc_member, meeting
):
    other = factories.ssc_user(full_name="Jo Second")
    client.force_login(ssc_member)
    decide_post(client, under_review, meeting)
    client.force_login(other)
    response = decide_post(client, under_review, meeting, outcome="no_assessment")
    assert "already decided by Chris Member on" in page_text(response)
    assert Decision.objects.count() == 1


def test_a_meeting_that_is_not_quorate_cannot_take_decisions(client, under_review, ssc_member):
    inquorate = factories.SSCMeetingFactory(quorum=3, attendees=[])
    inquorate.attendees.add(ssc_member)
    client.force_login(ssc_member)
    response = decide_post(client, under_review, inquorate)
    assert "is not quorate for this case: 1 of the 3 members needed" in page_text(response)
    assert not Decision.objects.exists()


# --- Meetings ---------------------------------------------------------------


def test_secas_creates_a_meeting(client, secas):
    client.force_login(secas)
    response = client.post(
        reverse("assessments:meetings"),
        {"date": "2027-01-14", "kind": "ordinary", "title": "SSC 190", "quorum": 5},
        follow=True,
    )
    assert "Meeting of 14/01/2027 created." in page_text(response)
    assert SSCMeeting.objects.get().title == "SSC 190"


def test_an_ssc_member_cannot_create_meetings(client, ssc_member):
    client.force_login(ssc_member)
    response = client.post(
        reverse("assessments:meetings"),
        {"date": "2027-01-14", "kind": "ordinary", "quorum": 5},
        follow=True,
    )
    assert "Only SECAS staff can manage SSC meetings." in page_text(response)
    assert not SSCMeeting.objects.exists()


def test_a_meeting_with_a_bad_date_keeps_the_form(client, secas):
    client.force_login(secas)
    response = client.post(
        reverse("assessments:meetings"),
        {"date": "next tuesday", "kind": "ordinary", "title": "Kept title", "quorum": 5},
    )
    assert "Enter a real date" in page_text(response)
    assert 'value="Kept title"' in page_text(response)


def test_attendance_makes_the_meeting_quorate(client, secas, ssc_member):
    meeting = factories.SSCMeetingFactory(quorum=1)
    client.force_login(secas)
    response = client.post(
        reverse("assessments:attendance", args=[meeting.pk]),
        {"attendees": [ssc_member.pk]},
        follow=True,
    )
    assert "Attendance saved: 1 SSC member attending, quorate." in page_text(response)


def test_saving_attendance_keeps_someone_recorded_who_has_since_left_the_ssc(
    client, secas, ssc_member
):
    former = factories.ssc_user(full_name="Former Member")
    meeting = factories.SSCMeetingFactory(quorum=1, attendees=[former])
    former.groups.remove(Group.objects.get(name=SSC_MEMBERS_GROUP))
    client.force_login(secas)
    page = client.get(reverse("assessments:meeting", args=[meeting.pk])).content.decode()
    data = form_data(page, action=reverse("assessments:attendance", args=[meeting.pk]))
    assert data.getlist("attendees") == [str(former.pk)]  # shown ticked, so not lost on save
    assert "Former Member (has left the SSC: not counted towards the quorum)" in page_text(
        client.get(reverse("assessments:meeting", args=[meeting.pk]))
    )
    data.appendlist("attendees", str(ssc_member.pk))
    response = client.post(
        reverse("assessments:attendance", args=[meeting.pk]), postable(data), follow=True
    )
    assert "Attendance saved: 1 SSC member attending, quorate." in page_text(response)
    assert set(meeting.attendees.all()) == {former, ssc_member}
    # Someone who reads the meeting page sees why the count is one.
    client.force_login(ssc_member)
    page = page_text(client.get(reverse("assessments:meeting", args=[meeting.pk])))
    assert "Former Member (has left the SSC: not counted towards the quorum)" in page


def test_a_conflict_declared_at_a_meeting_shuts_the_member_out(
    client, under_review, secas, ssc_member, meeting
):
    client.force_login(secas)
    client.post(
        reverse("assessments:meeting_conflict", args=[meeting.pk]),
        {
            "member": ssc_member.pk,
            "organisation": under_review.organisation_id,
            "note": "New employer",
        },
    )
    assert MeetingConflict.objects.filter(meeting=meeting, member=ssc_member).exists()
    client.force_login(ssc_member)
    assert client.get(reverse("assessments:case", args=[under_review.pk])).status_code == 404
    page = page_text(client.get(reverse("assessments:meeting", args=[meeting.pk])))
    assert under_review.reference not in page
    assert "1 item not shown: you have declared a conflict of interest." in page


def test_decisions_are_taken_item_by_item_from_the_meeting_page(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    meeting_url = reverse("assessments:meeting", args=[meeting.pk])
    assert f"Record the decision on {under_review.reference}" in page_text(client.get(meeting_url))
    response = client.post(
        reverse("assessments:decide", args=[under_review.pk]),
        {
            "outcome": "no_assessment",
            "rationale": "Assessed provider.",
            "meeting": meeting.pk,
            "next": meeting_url,
        },
    )
    assert response.url == meeting_url
    assert Decision.objects.get().meeting == meeting


def test_an_offsite_next_is_ignored(client, under_review, ssc_member, meeting):
    client.force_login(ssc_member)
    response = client.post(
        reverse("assessments:decide", args=[under_review.pk]),
        {
            "outcome": "no_assessment",
            "rationale": "Fine.",
            "meeting": meeting.pk,
            "next": "https://evil.example.com/",
        },
    )
    assert response.url == reverse("assessments:case", args=[under_review.pk])


def test_the_minutes_extract_lists_decisions_with_rationales(
    client, under_review, ssc_member, meeting
):
    client.force_login(ssc_member)
    decide_post(client, under_review, meeting, rationale="=HYPERLINK(evil) but reasoned")
    response = client.get(reverse("assessments:minutes", args=[meeting.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["Reference", "Organisation", "User System", "Outcome", "Rationale"]
    assert rows[1][0] == under_review.reference
    assert rows[1][4] == "'=HYPERLINK(evil) but reasoned"
    pdf = client.get(reverse("assessments:minutes", args=[meeting.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF-")


def test_the_minutes_leave_out_a_conflicted_members_cases(
    client, under_review, ssc_member, conflicted_member, meeting
):
    client.force_login(ssc_member)
    decide_post(client, under_review, meeting)
    client.force_login(conflicted_member)
    response = client.get(reverse("assessments:minutes", args=[meeting.pk, "csv"]))
    assert under_review.reference not in response.content.decode()


# --- Queries do not grow with the number of notifications ---


def count_queries(client, url) -> int:
    # Warmed up first: the session is renewed at most once a minute, not on every request.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def make_cases(count, organisation, preparer, submitter, secas, ssc_member, meeting):
    from assessments.services import start_review

    for index in range(count):
        draft = factories.NotificationFactory(organisation=organisation, created_by=preparer)
        case = intake.submit_notification(
            notification=draft, by=submitter, declaration_accepted=True
        )
        if index % 2:
            start_review(notification=case, by=secas, rapporteur=ssc_member, meeting=meeting)


def test_the_dashboard_and_case_page_queries_do_not_grow_with_the_notifications(
    client, organisation, preparer, submitter, secas, ssc_member, meeting
):
    client.force_login(ssc_member)
    make_cases(10, organisation, preparer, submitter, secas, ssc_member, meeting)
    case = organisation.notifications.order_by("pk").last()
    dashboard = reverse("assessments:dashboard")
    case_url = reverse("assessments:case", args=[case.pk])
    few = (count_queries(client, dashboard), count_queries(client, case_url))

    make_cases(490, organisation, preparer, submitter, secas, ssc_member, meeting)
    many = (count_queries(client, dashboard), count_queries(client, case_url))
    assert many == few
