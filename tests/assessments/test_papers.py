"""The rapporteur's recommendation and the meeting papers (issue 14, parts 6 and 7)."""

import datetime
import io

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments import documents, papers
from assessments.models import MeetingPapers, PapersDownload, Recommendation, Reminder
from assessments.reminders import send_reminders
from assessments.services import start_review
from notifications import services as intake
from notifications.models import Attachment, TLPMarking
from notifications.services import TransitionRefused
from notifications.workdays import add_working_days
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.html_forms import form_data, postable
from tests.uploads import PDF_BYTES
from users.models import SecurityEvent

REASONING = "The SRP assessment covered this service last spring; nothing new to assess."
ASSESS = "assessment_required"
NO_ASSESSMENT = "no_assessment"


def pdf_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


@pytest.fixture
def upcoming(db):
    """A meeting three SEC working days ahead: near enough for recommendations to be due."""
    return factories.SSCMeetingFactory(date=add_working_days(timezone.localdate(), 3))


@pytest.fixture
def rapporteur(db):
    return factories.ssc_user(full_name="Robin Rapporteur")


def on_agenda(organisation, submitter, *, meeting, rapporteur, secas, **content):
    draft = factories.NotificationFactory(
        organisation=organisation, created_by=submitter, **content
    )
    case = intake.submit_notification(notification=draft, by=submitter, declaration_accepted=True)
    return start_review(notification=case, by=secas, rapporteur=rapporteur, meeting=meeting)


@pytest.fixture
def case(organisation, submitter, upcoming, rapporteur, secas):
    return on_agenda(
        organisation,
        submitter,
        meeting=upcoming,
        rapporteur=rapporteur,
        secas=secas,
        system_name="Harbour Billing Platform",
    )


@pytest.fixture
def other_case(other_organisation, other_submitter, upcoming, rapporteur, secas):
    return on_agenda(
        other_organisation,
        other_submitter,
        meeting=upcoming,
        rapporteur=rapporteur,
        secas=secas,
        system_name="Lighthouse Meter Gateway",
    )


def attach(case, *, tlp, name="architecture.pdf"):
    return Attachment.objects.create(
        notification=case,
        uploaded_by=case.submitted_by,
        file=ContentFile(PDF_BYTES, name=name),
        original_name=name,
        content_type="application/pdf",
        size=len(PDF_BYTES),
        tlp=tlp,
    )


# --- The recommendation ---------------------------------------------------------------------


def test_the_rapporteur_records_a_recommendation_and_a_revision_keeps_the_earlier(case, rapporteur):
    papers.record_recommendation(
        case=case, by=rapporteur, outcome=NO_ASSESSMENT, reasoning=REASONING
    )
    papers.record_recommendation(
        case=case, by=rapporteur, outcome=ASSESS, reasoning="On reflection: never assessed."
    )
    versions = papers.recommendations_of(case, rapporteur)
    assert [r.outcome for r in versions] == [ASSESS, NO_ASSESSMENT]
    assert Recommendation.objects.filter(notification=case).count() == 2


def test_only_the_rapporteur_may_recommend(case, ssc_member, secas, submitter):
    for person in (ssc_member, secas, submitter):
        with pytest.raises(TransitionRefused, match="rapporteur"):
            papers.record_recommendation(
                case=case, by=person, outcome=ASSESS, reasoning="Not mine to give."
            )
    assert not Recommendation.objects.exists()


def test_a_recommendation_needs_reasoning(case, rapporteur):
    with pytest.raises(TransitionRefused, match="reasoning"):
        papers.record_recommendation(case=case, by=rapporteur, outcome=ASSESS, reasoning="  ")


def test_the_rapporteur_records_it_through_the_case_page(client, case, rapporteur):
    client.force_login(rapporteur)
    url = reverse("assessments:case", args=[case.pk])
    action = reverse("assessments:record_recommendation", args=[case.pk])
    page = client.get(url)
    data = form_data(page.content.decode(), action=action)
    # An empty form comes back with what was typed kept and a message.
    data["recommendation-reasoning"] = ""
    data["recommendation-outcome"] = NO_ASSESSMENT
    refused = client.post(action, postable(data))
    assert refused.status_code == 200
    assert "Give the reasoning for your recommendation." in refused.content.decode()
    data["recommendation-reasoning"] = REASONING
    response = client.post(action, postable(data), follow=True)
    body = response.content.decode()
    assert "you recommend" in body
    assert REASONING in body
    assert Recommendation.objects.get().recorded_by == rapporteur


def test_the_committee_sees_it_but_a_conflicted_member_cannot_open_the_case(
    client, case, rapporteur, ssc_member, conflicted_member
):
    papers.record_recommendation(case=case, by=rapporteur, outcome=ASSESS, reasoning=REASONING)
    client.force_login(ssc_member)
    body = client.get(reverse("assessments:case", args=[case.pk])).content.decode()
    assert REASONING in body
    assert "Record the recommendation" not in body  # only the rapporteur's form
    client.force_login(conflicted_member)
    assert client.get(reverse("assessments:case", args=[case.pk])).status_code == 404


def test_the_user_never_sees_the_recommendation(
    client, case, rapporteur, submitter, secas, upcoming
):
    send_reminders()  # the rapporteur's reminder is about the case, and only theirs
    assert Reminder.objects.filter(kind=Reminder.Kind.RECOMMENDATION_DUE).exists()
    papers.record_recommendation(case=case, by=rapporteur, outcome=ASSESS, reasoning=REASONING)
    papers.publish_papers(meeting=upcoming, by=secas)
    client.force_login(submitter)
    pages = [
        reverse("notifications:detail", args=[case.pk]),
        reverse("organisation_home", args=[case.organisation.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        assert REASONING not in response.content.decode()
        assert "recommend" not in response.content.decode().lower()
    # Nor any email (the papers' email to members carries a link, never a case's content),
    # and no email to the User's side mentions a recommendation.
    assert OutboundEmail.objects.exists()
    committee = {rapporteur.email, secas.email, settings.SECAS_MAILBOX}
    for email in OutboundEmail.objects.all():
        assert REASONING not in email.body_text + email.body_html
        if not set(email.to) <= committee and email.kind != "papers_published":
            assert "recommend" not in (email.subject + email.body_text).lower(), email.kind
    # Nor its decision letter, once decided.
    from assessments.services import decide

    decision = decide(
        notification=case,
        by=factories.ssc_user(),
        outcome=NO_ASSESSMENT,
        rationale="Covered by the SRP's assessment.",
        meeting=factories.SSCMeetingFactory(),
    )
    letter = documents.render_html(
        "assessments/decision_letter_pdf.html",
        {"decision": decision, "notification": decision.notification},
    )
    assert REASONING not in letter
    # And the papers stay closed to the User.
    assert (
        client.get(reverse("assessments:papers_download", args=[upcoming.pk, 1])).status_code == 404
    )


# --- The queue and the reminder -----------------------------------------------------------


def test_the_queue_flags_cases_awaiting_a_recommendation_as_the_meeting_nears(
    client, case, rapporteur, ssc_member, organisation, submitter, secas
):
    far = factories.SSCMeetingFactory(date=add_working_days(timezone.localdate(), 15))
    later = on_agenda(organisation, submitter, meeting=far, rapporteur=rapporteur, secas=secas)
    client.force_login(ssc_member)
    url = reverse("assessments:dashboard") + "?recommendation_due=on"
    body = client.get(url).content.decode()
    assert case.reference in body
    assert later.reference not in body  # its meeting is not near yet
    assert "Recommendation due" in body
    papers.record_recommendation(case=case, by=rapporteur, outcome=ASSESS, reasoning=REASONING)
    body = client.get(url).content.decode()
    assert case.reference not in body


def test_the_rapporteur_is_reminded_once_per_case_per_meeting(case, rapporteur, upcoming):
    send_reminders()
    send_reminders()
    reminders = Reminder.objects.filter(kind=Reminder.Kind.RECOMMENDATION_DUE)
    assert reminders.count() == 1
    assert reminders.get().milestone == upcoming.date
    emails = OutboundEmail.objects.filter(kind="reminder_recommendation_due")
    assert [email.to for email in emails] == [[rapporteur.email]]


def test_no_reminder_once_the_recommendation_is_recorded(case, rapporteur):
    papers.record_recommendation(case=case, by=rapporteur, outcome=ASSESS, reasoning=REASONING)
    send_reminders()
    assert not Reminder.objects.filter(kind=Reminder.Kind.RECOMMENDATION_DUE).exists()


# --- The papers -----------------------------------------------------------------------------


def test_the_papers_list_the_agenda_and_a_conflicted_members_copy_leaves_theirs_out(
    client, case, other_case, upcoming, secas, rapporteur, conflicted_member
):
    papers.record_recommendation(case=case, by=rapporteur, outcome=ASSESS, reasoning=REASONING)
    papers.publish_papers(meeting=upcoming, by=secas)
    url = reverse("assessments:papers_download", args=[upcoming.pk, 1])

    client.force_login(secas)
    full = "\n".join(pdf_text(client.get(url).content))
    for wanted in (case.reference, other_case.reference, "Harbour Billing Platform"):
        assert wanted in full
    assert f"SSC {upcoming.date:%d/%m/%Y} paper 1" in full
    assert f"SSC {upcoming.date:%d/%m/%Y} paper 2" in full
    assert "Triage indicators" in full
    assert "The rapporteur's recommendation" in full
    assert "No recommendation had been recorded" in full  # the other case has none

    client.force_login(conflicted_member)
    response = client.get(url)
    assert response.status_code == 200
    own = "\n".join(pdf_text(response.content))
    assert other_case.reference in own
    assert case.reference not in own
    assert "Harbour Billing Platform" not in own
    assert case.organisation.name not in own


def test_every_page_carries_its_paper_reference_and_the_highest_marking(
    client, case, other_case, upcoming, secas
):
    attach(case, tlp=TLPMarking.RED, name="red-team-report.pdf")
    attach(other_case, tlp=TLPMarking.GREEN)
    version = papers.publish_papers(meeting=upcoming, by=secas)
    client.force_login(secas)
    pages = pdf_text(
        client.get(reverse("assessments:papers_download", args=[upcoming.pk, 1])).content
    )
    assert len(pages) >= 3
    assert f"SSC {upcoming.date:%d/%m/%Y} papers: agenda" in pages[0]
    assert all("TLP:" in page for page in pages)
    assert "TLP:RED" in pages[0]  # the pack is as high as its highest paper
    numbers = {paper.notification_id: paper.number for paper in version.case_papers.all()}
    single = client.get(
        reverse("assessments:paper_download", args=[upcoming.pk, 1, numbers[other_case.pk]])
    )
    single_pages = pdf_text(single.content)
    reference = f"SSC {upcoming.date:%d/%m/%Y} paper {numbers[other_case.pk]}"
    assert all(reference in page and "TLP:AMBER" in page for page in single_pages)
    assert case.reference not in "\n".join(single_pages)
    red = version.case_papers.get(notification=case)
    assert red.tlp == TLPMarking.RED
    assert "red-team-report.pdf" in red.body_html


def test_publishing_twice_makes_two_versions_and_emails_members_a_link(
    case, upcoming, secas, ssc_member, conflicted_member
):
    first = papers.publish_papers(meeting=upcoming, by=secas)
    with pytest.raises(TransitionRefused, match="what has changed"):
        papers.publish_papers(meeting=upcoming, by=secas)
    second = papers.publish_papers(
        meeting=upcoming, by=secas, changes="Paper 1 now has the SRP's answer."
    )
    assert (first.version, second.version) == (1, 2)
    assert MeetingPapers.objects.filter(meeting=upcoming).count() == 2
    emails = OutboundEmail.objects.filter(kind="papers_published")
    addressed = {address for email in emails for address in email.to}
    assert {ssc_member.email, conflicted_member.email} <= addressed
    reissue = [email for email in emails if "version 2" in email.subject]
    assert reissue
    assert "Paper 1 now has the SRP's answer." in reissue[0].body_text
    assert reverse("assessments:meeting", args=[upcoming.pk]) in reissue[0].body_text
    assert case.reference not in reissue[0].body_text  # a link, never the content
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PAPERS_PUBLISHED)
    assert events.count() == 2


def test_a_publisher_who_missed_a_version_is_told(case, upcoming, secas):
    papers.publish_papers(meeting=upcoming, by=secas, expected_version=0)
    with pytest.raises(TransitionRefused, match="Version 1 of these papers was published"):
        papers.publish_papers(meeting=upcoming, by=secas, expected_version=0, changes="Again")
    assert MeetingPapers.objects.count() == 1


def test_only_secas_publishes(case, upcoming, ssc_member):
    with pytest.raises(TransitionRefused, match="Only SECAS"):
        papers.publish_papers(meeting=upcoming, by=ssc_member)


def test_a_meeting_without_cases_has_no_papers(upcoming, secas):
    with pytest.raises(TransitionRefused, match="no cases on its agenda"):
        papers.publish_papers(meeting=upcoming, by=secas)


def test_published_papers_are_frozen_after_a_change_to_the_case(
    client, case, upcoming, secas, rapporteur
):
    papers.record_recommendation(case=case, by=rapporteur, outcome=ASSESS, reasoning=REASONING)
    papers.publish_papers(meeting=upcoming, by=secas)
    papers.record_recommendation(
        case=case, by=rapporteur, outcome=NO_ASSESSMENT, reasoning="Revised after the papers."
    )
    client.force_login(secas)
    text = "\n".join(
        pdf_text(client.get(reverse("assessments:papers_download", args=[upcoming.pk, 1])).content)
    )
    assert REASONING.split(";")[0] in text
    assert "Revised after the papers." not in text
    papers.publish_papers(meeting=upcoming, by=secas, changes="The recommendation was revised.")
    text = "\n".join(
        pdf_text(client.get(reverse("assessments:papers_download", args=[upcoming.pk, 2])).content)
    )
    assert "Revised after the papers." in text


def test_every_download_is_logged(client, case, upcoming, secas, ssc_member):
    papers.publish_papers(meeting=upcoming, by=secas)
    client.force_login(ssc_member)
    client.get(reverse("assessments:papers_download", args=[upcoming.pk, 1]))
    client.get(reverse("assessments:paper_download", args=[upcoming.pk, 1, 1]))
    downloads = PapersDownload.objects.order_by("pk")
    assert [(d.user, d.papers.version, d.paper_id is not None) for d in downloads] == [
        (ssc_member, 1, False),
        (ssc_member, 1, True),
    ]
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DOWNLOAD, actor=ssc_member)
    assert events.count() == 2
    # SECAS sees who downloaded on the meeting page and the full list.
    client.force_login(secas)
    body = client.get(reverse("assessments:meeting", args=[upcoming.pk])).content.decode()
    assert "Downloads (2)" in body
    assert str(ssc_member) in body
    listing = client.get(reverse("assessments:papers_downloads", args=[upcoming.pk]))
    assert str(ssc_member) in listing.content.decode()


def test_papers_are_404_for_everyone_else(
    client, case, other_case, upcoming, secas, submitter, conflicted_member, ssc_member
):
    version = papers.publish_papers(meeting=upcoming, by=secas)
    conflicted_paper = version.case_papers.get(notification=case).number
    urls = [
        reverse("assessments:papers_download", args=[upcoming.pk, 1]),
        reverse("assessments:paper_download", args=[upcoming.pk, 1, conflicted_paper]),
        reverse("assessments:papers_downloads", args=[upcoming.pk]),
        reverse("assessments:draft_papers", args=[upcoming.pk]),
    ]
    client.force_login(submitter)
    for url in urls:
        assert client.get(url).status_code == 404
    client.force_login(conflicted_member)
    assert client.get(urls[1]).status_code == 404
    client.force_login(ssc_member)
    assert client.get(urls[2]).status_code == 404  # who downloaded is SECAS's
    assert client.get(
        reverse("assessments:papers_download", args=[upcoming.pk, 9])
    ).status_code == (404)
    assert not PapersDownload.objects.exists()


def test_secas_publishes_and_reissues_from_the_meeting_page(client, case, upcoming, secas):
    client.force_login(secas)
    url = reverse("assessments:meeting", args=[upcoming.pk])
    action = reverse("assessments:publish_papers", args=[upcoming.pk])
    draft = client.get(reverse("assessments:draft_papers", args=[upcoming.pk]))
    assert case.reference in "\n".join(pdf_text(draft.content))
    assert not MeetingPapers.objects.exists()  # a draft is not published

    data = form_data(client.get(url).content.decode(), action=action)
    body = client.post(action, postable(data), follow=True).content.decode()
    assert "Version 1 of the papers published" in body

    data = form_data(client.get(url).content.decode(), action=action)
    refused = client.post(action, postable(data))
    assert refused.status_code == 200
    assert "Say what has changed since version 1" in refused.content.decode()
    data["changes"] = "Added the SRP's answer."
    body = client.post(action, postable(data), follow=True).content.decode()
    assert "Version 2 of the papers published" in body
    assert "Earlier versions (1)" in body


def test_a_stale_meeting_page_is_told_another_version_was_published(client, case, upcoming, secas):
    client.force_login(secas)
    url = reverse("assessments:meeting", args=[upcoming.pk])
    action = reverse("assessments:publish_papers", args=[upcoming.pk])
    data = form_data(client.get(url).content.decode(), action=action)
    papers.publish_papers(meeting=upcoming, by=factories.secas_user())
    data["changes"] = "My own change."
    response = client.post(action, postable(data))
    assert "while you were on this page" in response.content.decode()
    assert "My own change." in response.content.decode()  # what was typed is kept
    assert MeetingPapers.objects.count() == 1


def test_a_reminder_window_is_in_sec_working_days(settings, case, rapporteur, upcoming):
    settings.RECOMMENDATION_DUE_WORKING_DAYS = 2  # the meeting is 3 working days ahead
    send_reminders()
    assert not Reminder.objects.filter(kind=Reminder.Kind.RECOMMENDATION_DUE).exists()
    day_after = add_working_days(timezone.localdate(), 1)
    with time_machine.travel(
        datetime.datetime.combine(
            day_after, datetime.time(9), tzinfo=timezone.get_current_timezone()
        )
    ):
        send_reminders()
    assert Reminder.objects.filter(kind=Reminder.Kind.RECOMMENDATION_DUE).count() == 1


def test_a_recommendation_comes_before_the_decision(case, rapporteur):
    from assessments.services import decide

    decide(
        notification=case,
        by=factories.ssc_user(),
        outcome=NO_ASSESSMENT,
        rationale="Covered.",
        meeting=factories.SSCMeetingFactory(),
    )
    case.refresh_from_db()
    with pytest.raises(TransitionRefused, match="before the SSC decides"):
        papers.record_recommendation(case=case, by=rapporteur, outcome=ASSESS, reasoning="Late.")


def test_a_conflicted_members_meeting_page_lists_only_their_own_papers(
    client, case, other_case, upcoming, secas, conflicted_member
):
    papers.publish_papers(meeting=upcoming, by=secas)
    client.force_login(conflicted_member)
    body = client.get(reverse("assessments:meeting", args=[upcoming.pk])).content.decode()
    assert "Download the papers, version 1" in body
    assert other_case.reference in body
    assert case.reference not in body
    assert "Downloads (" not in body  # who downloaded is SECAS's


def test_a_rapporteur_conflicted_since_triage_is_not_reminded(case, rapporteur, secas):
    from users.services import declare_conflict

    declare_conflict(member=rapporteur, organisation=case.organisation, by=secas, reason="Hired.")
    send_reminders()
    assert not OutboundEmail.objects.filter(kind="reminder_recommendation_due").exists()


def test_the_reminder_names_the_meeting_a_deferred_case_went_to(case, rapporteur, upcoming):
    from assessments.services import defer_case

    later = factories.SSCMeetingFactory(date=add_working_days(timezone.localdate(), 4))
    defer_case(
        notification=case, by=rapporteur, from_meeting=upcoming, to_meeting=later, reason="Wait."
    )
    send_reminders()
    reminders = Reminder.objects.filter(kind=Reminder.Kind.RECOMMENDATION_DUE)
    assert [reminder.milestone for reminder in reminders] == [later.date]
