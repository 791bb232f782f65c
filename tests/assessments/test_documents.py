"""Issue 13, part 3: documents, not dates. The report (for a USSA, the CIO's review) and the
User's response are documents on the assessment, with the checks, TLP marking and download log
of notification attachments; the User sees the report on its own page and uploads its response
there, by the date the SSC set."""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from assessments import services
from assessments.models import (
    Assessment,
    AssessmentDocument,
    AssessmentDocumentDownload,
    AssessmentState,
    DocumentKind,
)
from notifications.models import UserSystem
from notifications.services import TransitionRefused
from sscportal.mail.models import OutboundEmail
from tests import factories
from tests.assessments.journey import checked_upload, in_days, report_received
from tests.uploads import PDF_BYTES, PNG_BYTES, WINDOWS_EXECUTABLE, upload
from users.models import SecurityEvent

A = AssessmentState


def ad_hoc(organisation, *, kind="fusa", notification=None):
    return Assessment.objects.create(
        organisation=organisation,
        kind=kind,
        reason="g8_13",
        counts_as_annual_review=False,
        notification=notification,
        scope="The new head-end system only.",
        due_date=in_days(90),
    )


def at_fieldwork(assessment, secas):
    services.schedule_assessment(
        assessment=assessment,
        by=secas,
        cio_name="Example CIO LLP",
        fieldwork_start_date=in_days(-30),
        fieldwork_end_date=in_days(-20),
    )
    return services.start_fieldwork(assessment=assessment, by=secas, started_on=in_days(-30))


def record_the_report(assessment, secas, **overrides):
    arguments = {
        "assessment": assessment,
        "by": secas,
        "received_on": in_days(-10),
        "fieldwork_ended_on": in_days(-20),
        "response_due_date": in_days(21),
        "documents": [checked_upload("report.pdf", tlp="red")],
    }
    return services.record_report(**(arguments | overrides))


@pytest.fixture
def awaiting_response(organisation, secas):
    """A FUSA whose report is in (due back in 21 days), one system in scope."""
    assessment = ad_hoc(organisation)
    assessment.systems_in_scope.add(
        UserSystem.objects.create(
            organisation=organisation, name="Head end", delivery_model="in_house"
        )
    )
    at_fieldwork(assessment, secas)
    return record_the_report(assessment, secas)


def files_post(*files, tlp="amber", description="") -> dict:
    """What the page's three upload slots post: the files given, the rest left empty."""
    data = {}
    for slot in (1, 2, 3):
        used = slot <= len(files)
        # An untouched slot posts its defaults, as a browser does.
        data[f"file{slot}-tlp"] = tlp if used else "amber"
        data[f"file{slot}-description"] = description if used else ""
    for slot, file in enumerate(files, start=1):
        data[f"file{slot}-file"] = file
    return data


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The services --------------------------------------------------------------------------------


def test_the_report_is_refused_without_its_document(organisation, secas):
    assessment = at_fieldwork(ad_hoc(organisation), secas)
    with pytest.raises(TransitionRefused, match="Please attach the assessment report"):
        record_the_report(assessment, secas, documents=[])
    assessment.refresh_from_db()
    assert assessment.state == A.FIELDWORK
    assert not AssessmentDocument.objects.exists()
    assert not OutboundEmail.objects.filter(kind="assessment_report_ready").exists()


def test_the_cios_review_is_refused_without_its_document(organisation, submitter, secas):
    ussa = ad_hoc(organisation, kind="ussa")
    services.submit_self_assessment(assessment=ussa, by=submitter, files=[checked_upload("a.pdf")])
    with pytest.raises(TransitionRefused, match="Please attach the CIO's review"):
        services.record_cio_review(
            assessment=ussa,
            by=secas,
            cio_name="Example CIO LLP",
            reviewed_on=timezone.localdate(),
            response_due_date=in_days(21),
        )
    ussa.refresh_from_db()
    assert ussa.state == A.SELF_ASSESSMENT_SUBMITTED
    assert list(ussa.documents.values_list("kind", flat=True)) == [DocumentKind.SELF_ASSESSMENT]


def test_the_report_is_stored_as_a_report_and_the_user_is_told_when_to_respond(
    organisation, secas, submitter, org_admin, preparer
):
    assessment = at_fieldwork(ad_hoc(organisation), secas)
    record_the_report(
        assessment,
        secas,
        documents=[checked_upload("report.pdf", tlp="red"), checked_upload("annex.pdf")],
    )
    assessment.refresh_from_db()
    assert (assessment.state, assessment.response_due_date) == (A.REPORT_RECEIVED, in_days(21))
    assert sorted(assessment.documents.values_list("kind", "original_name", "tlp")) == [
        ("report", "annex.pdf", "amber"),
        ("report", "report.pdf", "red"),
    ]
    assert set(assessment.documents.values_list("uploaded_by", flat=True)) == {secas.pk}
    log = StateLog.objects.for_(assessment).latest()
    assert (log.transition, log.by) == ("receive_report", secas)
    assert "(2 files)" in log.description
    emails = OutboundEmail.objects.filter(kind="assessment_report_ready")
    # The organisation's address and its submitters and admins; a preparer is not written to.
    addressed = {address for email in emails for address in email.to}
    assert {submitter.email, org_admin.email, organisation.contact_email} <= addressed
    assert preparer.email not in addressed
    email = emails.get(to=[submitter.email])
    due = f"{in_days(21):%d/%m/%Y}"
    assert f"response is due by {due}" in email.subject
    assert f"there by {due}, the date the SSC set" in email.body_text
    assert reverse("assessments:assessment", args=[assessment.pk]) in email.body_text


def test_the_cios_review_is_the_report_of_a_self_assessment(organisation, submitter, secas):
    ussa = ad_hoc(organisation, kind="ussa")
    report_received(ussa, by=secas, user_by=submitter)
    assert sorted(ussa.documents.values_list("kind", flat=True)) == ["report", "self_assessment"]
    email = OutboundEmail.objects.get(kind="assessment_report_ready", to=[submitter.email])
    assert "The CIO's review of your self-assessment is on the portal" in email.subject
    assert "User CIO's review of Northwind Energy Ltd's" in email.body_text


def test_secas_records_a_response_received_outside_the_portal_with_its_document(
    awaiting_response, secas
):
    with pytest.raises(TransitionRefused, match="Please attach the User's response"):
        services.record_response(
            assessment=awaiting_response, by=secas, received_on=timezone.localdate()
        )
    services.record_response(
        assessment=awaiting_response,
        by=secas,
        received_on=in_days(-1),
        documents=[checked_upload("response.pdf", tlp="green")],
    )
    awaiting_response.refresh_from_db()
    assert awaiting_response.state == A.RESPONSE_RECEIVED
    assert awaiting_response.response_received_date == in_days(-1)
    response = awaiting_response.documents.get(kind=DocumentKind.RESPONSE)
    assert (response.original_name, response.tlp, response.uploaded_by) == (
        "response.pdf",
        "green",
        secas,
    )
    assert "outside the portal" in StateLog.objects.for_(awaiting_response).latest().description


def test_a_submitter_cannot_record_a_response_as_secas(awaiting_response, submitter):
    with pytest.raises(TransitionRefused, match="You do not have permission"):
        services.record_response(
            assessment=awaiting_response,
            by=submitter,
            received_on=timezone.localdate(),
            documents=[checked_upload("response.pdf")],
        )
    assert not awaiting_response.documents.filter(kind=DocumentKind.RESPONSE).exists()


def test_the_user_submits_its_response_and_secas_is_told_what_to_do(
    awaiting_response, submitter, secas
):
    services.submit_response(
        assessment=awaiting_response,
        by=submitter,
        documents=[checked_upload("response.pdf", tlp="green"), checked_upload("plan.pdf")],
        notes="  Our remediation plan is attached.  ",
    )
    awaiting_response.refresh_from_db()
    assert awaiting_response.state == A.RESPONSE_RECEIVED
    assert awaiting_response.response_received_date == timezone.localdate()
    assert awaiting_response.response_notes == "Our remediation plan is attached."
    assert sorted(
        awaiting_response.documents.filter(kind=DocumentKind.RESPONSE).values_list(
            "original_name", "tlp", "uploaded_by"
        )
    ) == [("plan.pdf", "amber", submitter.pk), ("response.pdf", "green", submitter.pk)]
    log = StateLog.objects.for_(awaiting_response).latest()
    assert (log.transition, log.by) == ("receive_response", submitter)
    assert log.description == (
        "Response submitted through the portal with 2 files: Our remediation plan is attached."
    )
    email = OutboundEmail.objects.get(kind="assessment_response_submitted")
    assert email.to == [settings.SECAS_MAILBOX]
    assert "uploaded the organisation's User Security Assessment Response" in email.body_text
    assert "What to do next: read the response" in email.body_text
    assert reverse("secas:assessment", args=[awaiting_response.pk]) in email.body_text


@pytest.mark.parametrize("who", ["preparer", "other_submitter", "secas", "ssc_member"])
def test_only_the_organisations_submitters_send_its_response(request, awaiting_response, who):
    person = request.getfixturevalue(who)
    with pytest.raises(TransitionRefused, match="Only a submitter or admin of the organisation"):
        services.submit_response(
            assessment=awaiting_response, by=person, documents=[checked_upload("r.pdf")]
        )
    awaiting_response.refresh_from_db()
    assert awaiting_response.state == A.REPORT_RECEIVED
    assert not awaiting_response.documents.filter(kind=DocumentKind.RESPONSE).exists()


def test_an_org_admin_may_send_the_response(awaiting_response, org_admin):
    services.submit_response(
        assessment=awaiting_response, by=org_admin, documents=[checked_upload("r.pdf")]
    )
    awaiting_response.refresh_from_db()
    assert awaiting_response.state == A.RESPONSE_RECEIVED


def test_a_response_needs_a_document(awaiting_response, submitter):
    with pytest.raises(TransitionRefused, match="Please attach your response: at least one file"):
        services.submit_response(assessment=awaiting_response, by=submitter, documents=[])


def test_a_response_before_the_report_is_refused_in_words(organisation, secas, submitter):
    assessment = at_fieldwork(ad_hoc(organisation), secas)
    with pytest.raises(TransitionRefused, match="once the assessment report is on the portal"):
        services.submit_response(
            assessment=assessment, by=submitter, documents=[checked_upload("r.pdf")]
        )
    assert not AssessmentDocument.objects.exists()


def test_a_second_response_from_a_stale_page_is_refused_plainly(
    awaiting_response, submitter, org_admin, secas
):
    stale = Assessment.objects.get(pk=awaiting_response.pk)
    services.submit_response(
        assessment=awaiting_response, by=submitter, documents=[checked_upload("first.pdf")]
    )
    today = f"{timezone.localdate():%d/%m/%Y}"
    message = (
        f"The response to this assessment was already received by {submitter} on {today}: "
        "the page you were on was out of date."
    )
    with pytest.raises(TransitionRefused, match=re.escape(message)):
        services.submit_response(
            assessment=stale, by=org_admin, documents=[checked_upload("second.pdf")]
        )
    # SECAS, on a page loaded before the User sent it, is told the same.
    with pytest.raises(TransitionRefused, match=re.escape(message)):
        services.record_response(
            assessment=stale,
            by=secas,
            received_on=timezone.localdate(),
            documents=[checked_upload("by-post.pdf")],
        )
    assert list(
        AssessmentDocument.objects.filter(kind=DocumentKind.RESPONSE).values_list(
            "original_name", flat=True
        )
    ) == ["first.pdf"]
    assert OutboundEmail.objects.filter(kind="assessment_response_submitted").count() == 1


# --- The User's page ---------------------------------------------------------------------------


def test_the_user_reaches_its_assessment_from_home_and_sees_the_report(
    client, awaiting_response, submitter
):
    client.force_login(submitter)
    home = text(client.get(reverse("organisation_home", args=[awaiting_response.organisation_id])))
    url = reverse("assessments:assessment", args=[awaiting_response.pk])
    assert url in home
    assert f"Response due by {in_days(21):%d/%m/%Y}" in home
    page = text(client.get(url))
    for shown in (
        "Full User Security Assessment (FUSA)",
        "Ad-hoc assessment required under G8.13",
        "The new head-end system only.",
        "Head end",
        f"{in_days(90):%d/%m/%Y}",
        "Report received",
        "Response due (date set by the SSC)",
        "Assessment report",
        "report.pdf",
        "TLP:RED",
        "Send your response",
    ):
        assert shown in page, shown
    report = awaiting_response.documents.get()
    assert reverse("assessments:document", args=[report.pk]) in page
    # The committee's people are shown by role, never by name, on the User's side.
    assert "Sam Secas" not in page


def test_a_preparer_sees_the_page_but_not_the_response_form(client, awaiting_response, preparer):
    client.force_login(preparer)
    page = text(client.get(reverse("assessments:assessment", args=[awaiting_response.pk])))
    assert "report.pdf" in page
    assert "Send your response" not in page
    assert "One of your organisation's submitters sends the response." in page


@pytest.mark.parametrize("who", ["other_submitter", "secas", "ssc_member"])
def test_only_the_organisations_people_see_its_assessment_page(
    request, client, awaiting_response, who
):
    client.force_login(request.getfixturevalue(who))
    assert (
        client.get(reverse("assessments:assessment", args=[awaiting_response.pk])).status_code
        == 404
    )
    response = client.post(
        reverse("assessments:submit_response", args=[awaiting_response.pk]),
        files_post(upload("r.pdf", PDF_BYTES)),
    )
    assert response.status_code == 404
    assert not awaiting_response.documents.filter(kind=DocumentKind.RESPONSE).exists()


def test_another_organisation_cannot_download_the_report(
    client, awaiting_response, other_submitter
):
    client.force_login(other_submitter)
    report = awaiting_response.documents.get()
    assert client.get(reverse("assessments:document", args=[report.pk])).status_code == 404
    assert not AssessmentDocumentDownload.objects.exists()


def test_the_user_sends_its_response_from_the_page(client, awaiting_response, submitter):
    client.force_login(submitter)
    response = client.post(
        reverse("assessments:submit_response", args=[awaiting_response.pk]),
        {
            **files_post(upload("response.pdf", PDF_BYTES), upload("evidence.png", PNG_BYTES)),
            "file1-tlp": "green",
            "notes": "Our plan is attached.",
        },
        follow=True,
    )
    page = text(response)
    assert "Your response has been sent." in page
    assert "Response received" in page
    assert "Our plan is attached." in page
    awaiting_response.refresh_from_db()
    assert awaiting_response.state == A.RESPONSE_RECEIVED
    assert sorted(
        awaiting_response.documents.filter(kind=DocumentKind.RESPONSE).values_list(
            "original_name", "content_type", "tlp"
        )
    ) == [("evidence.png", "image/png", "amber"), ("response.pdf", "application/pdf", "green")]
    assert OutboundEmail.objects.filter(kind="assessment_response_submitted").exists()


def test_a_wrong_file_is_refused_beside_it_and_what_was_typed_is_kept(
    client, awaiting_response, submitter
):
    client.force_login(submitter)
    response = client.post(
        reverse("assessments:submit_response", args=[awaiting_response.pk]),
        {
            **files_post(upload("response.pdf", WINDOWS_EXECUTABLE), description="Signed copy"),
            "file1-tlp": "red",
            "notes": "Please read section 3 first.",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "“response.pdf” is not a file type we accept" in page
    assert "Nothing was sent: please correct the form." in messages_of(response)
    assert "Please read section 3 first.</textarea>" in page
    assert 'value="Signed copy"' in page
    assert re.search(r'<option value="red"[^>]*selected', page)
    awaiting_response.refresh_from_db()
    assert awaiting_response.state == A.REPORT_RECEIVED
    assert not awaiting_response.documents.filter(kind=DocumentKind.RESPONSE).exists()


def test_a_file_over_the_size_limit_is_refused_with_the_limit(
    client, settings, awaiting_response, submitter
):
    settings.MAX_UPLOAD_SIZE_MB = 1
    client.force_login(submitter)
    response = client.post(
        reverse("assessments:submit_response", args=[awaiting_response.pk]),
        {**files_post(upload("big.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024))), "notes": "Big."},
    )
    assert response.status_code == 200
    assert "the limit is 1 MB. Please upload a smaller file." in text(response)
    assert not awaiting_response.documents.filter(kind=DocumentKind.RESPONSE).exists()


def test_a_response_without_a_file_is_refused_beside_the_first_slot(
    client, awaiting_response, submitter
):
    client.force_login(submitter)
    response = client.post(
        reverse("assessments:submit_response", args=[awaiting_response.pk]),
        {**files_post(), "notes": "Forgot the file."},
    )
    assert response.status_code == 200
    assert "Please choose a file to upload." in text(response)
    assert "Forgot the file.</textarea>" in text(response)


def test_two_people_on_the_same_page_send_one_response_and_the_second_is_told(
    client, awaiting_response, submitter, org_admin
):
    url = reverse("assessments:submit_response", args=[awaiting_response.pk])
    client.force_login(submitter)
    assert "Send your response" in text(
        client.get(reverse("assessments:assessment", args=[awaiting_response.pk]))
    )
    first = client.post(url, files_post(upload("first.pdf", PDF_BYTES)), follow=True)
    assert "Your response has been sent." in text(first)
    # The admin loaded the page before, and posts from it now.
    client.force_login(org_admin)
    response = client.post(url, {**files_post(upload("second.pdf", PDF_BYTES)), "notes": "Too"})
    assert response.status_code == 200
    (message,) = messages_of(response)
    assert message.startswith(
        f"The response to this assessment was already received by {submitter} on "
    )
    assert "the page you were on was out of date" in message
    assert "Send your response" not in text(response)
    assert list(
        awaiting_response.documents.filter(kind=DocumentKind.RESPONSE).values_list(
            "original_name", flat=True
        )
    ) == ["first.pdf"]


def test_a_download_is_logged_with_who_and_the_marking(client, awaiting_response, preparer):
    client.force_login(preparer)
    report = awaiting_response.documents.get()
    response = client.get(reverse("assessments:document", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES
    download = AssessmentDocumentDownload.objects.get()
    assert (download.document, download.user) == (report, preparer)
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DOWNLOAD).latest("pk")
    assert "downloaded report.pdf (TLP:RED), assessment report of" in event.summary
    assert event.organisation == awaiting_response.organisation


def test_the_self_assessments_old_addresses_still_work(client, organisation, submitter):
    ussa = ad_hoc(organisation, kind="ussa")
    services.submit_self_assessment(assessment=ussa, by=submitter, files=[checked_upload("a.pdf")])
    client.force_login(submitter)
    old_page = client.get(reverse("assessments:self_assessment", args=[ussa.pk]))
    assert old_page.status_code == 302
    assert old_page["Location"] == reverse("assessments:assessment", args=[ussa.pk])
    document = ussa.documents.get()
    old_file = client.get(reverse("assessments:self_assessment_file", args=[document.pk]))
    assert b"".join(old_file.streaming_content) == PDF_BYTES
    assert AssessmentDocumentDownload.objects.get().document == document


def test_a_fusa_has_no_self_assessment_page(client, awaiting_response, submitter):
    client.force_login(submitter)
    url = reverse("assessments:self_assessment", args=[awaiting_response.pk])
    assert client.get(url).status_code == 404


# --- SECAS's page --------------------------------------------------------------------------------


def test_secas_uploads_the_report_with_the_step_and_sees_every_document(
    client, organisation, secas, submitter
):
    assessment = at_fieldwork(ad_hoc(organisation), secas)
    client.force_login(secas)
    url = reverse("secas:assessment", args=[assessment.pk])
    page = text(client.get(url))
    assert 'enctype="multipart/form-data"' in page
    assert 'name="file1-file"' in page
    assert "Response due (date set by the SSC)" in page
    response = client.post(
        reverse("secas:assessment_step", args=[assessment.pk, "receive_report"]),
        {
            "received_on": in_days(-5).isoformat(),
            "fieldwork_ended_on": in_days(-20).isoformat(),
            "response_due_date": in_days(25).isoformat(),
            **files_post(upload("report.pdf", PDF_BYTES), tlp="red", description="Final"),
        },
        follow=True,
    )
    page = text(response)
    assert "Recorded: the assessment is now report received." in page
    report = assessment.documents.get()
    assert (report.kind, report.tlp, report.description) == ("report", "red", "Final")
    assert reverse("assessments:document", args=[report.pk]) in page
    assert OutboundEmail.objects.filter(kind="assessment_report_ready").exists()
    services.submit_response(
        assessment=assessment, by=submitter, documents=[checked_upload("response.pdf")]
    )
    page = text(client.get(url))
    assert "Assessment report" in page
    assert "User&#x27;s response" in page
    assert "response.pdf" in page
    # SECAS downloads the response: logged too.
    response_file = assessment.documents.get(kind=DocumentKind.RESPONSE)
    download = client.get(reverse("assessments:document", args=[response_file.pk]))
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert AssessmentDocumentDownload.objects.get().user == secas


def test_a_wrong_report_file_is_refused_and_the_dates_typed_are_kept(client, organisation, secas):
    assessment = at_fieldwork(ad_hoc(organisation), secas)
    client.force_login(secas)
    response = client.post(
        reverse("secas:assessment_step", args=[assessment.pk, "receive_report"]),
        {
            "received_on": in_days(-5).isoformat(),
            "fieldwork_ended_on": in_days(-20).isoformat(),
            "response_due_date": in_days(25).isoformat(),
            **files_post(upload("report.pdf", PNG_BYTES)),
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "its content is a PNG image" in page
    assert "Nothing was recorded: please correct the form." in messages_of(response)
    assert f'value="{in_days(25).isoformat()}"' in page
    assert f'value="{in_days(-5).isoformat()}"' in page
    assessment.refresh_from_db()
    assert assessment.state == A.FIELDWORK
    assert not AssessmentDocument.objects.exists()


def test_a_refused_report_step_keeps_what_was_typed(client, organisation, secas):
    assessment = at_fieldwork(ad_hoc(organisation), secas)
    client.force_login(secas)
    response = client.post(
        reverse("secas:assessment_step", args=[assessment.pk, "receive_report"]),
        {
            "received_on": in_days(-5).isoformat(),
            "fieldwork_ended_on": in_days(-20).isoformat(),
            # Due before the report came: the service refuses it.
            "response_due_date": in_days(-6).isoformat(),
            **files_post(upload("report.pdf", PDF_BYTES), description="Final"),
        },
    )
    assert response.status_code == 200
    assert messages_of(response) == ["The response cannot be due before the report was received."]
    page = text(response)
    assert f'value="{in_days(-6).isoformat()}"' in page
    assert 'value="Final"' in page
    assert not AssessmentDocument.objects.exists()


def test_secas_records_the_cios_review_with_its_document(client, organisation, secas, submitter):
    ussa = ad_hoc(organisation, kind="ussa")
    services.submit_self_assessment(assessment=ussa, by=submitter, files=[checked_upload("a.pdf")])
    client.force_login(secas)
    today = timezone.localdate()
    response = client.post(
        reverse("secas:assessment_step", args=[ussa.pk, "record_cio_review"]),
        {
            "cio_name": "Example CIO LLP",
            "reviewed_on": today.isoformat(),
            "response_due_date": (today + datetime.timedelta(days=20)).isoformat(),
            **files_post(upload("review.pdf", PDF_BYTES)),
        },
        follow=True,
    )
    assert "CIO review recorded" in text(response)
    assert sorted(ussa.documents.values_list("kind", "original_name")) == [
        ("report", "review.pdf"),
        ("self_assessment", "a.pdf"),
    ]


def test_secas_records_a_response_received_by_email_from_the_page(client, awaiting_response, secas):
    client.force_login(secas)
    page = text(client.get(reverse("secas:assessment", args=[awaiting_response.pk])))
    assert "The User's response: file 1" in page
    url = reverse("secas:assessment_step", args=[awaiting_response.pk, "receive_response"])
    refused = client.post(url, {"received_on": timezone.localdate().isoformat(), **files_post()})
    assert refused.status_code == 200
    assert "Please choose a file to upload." in text(refused)
    response = client.post(
        url,
        {"received_on": timezone.localdate().isoformat(), **files_post(upload("r.pdf", PDF_BYTES))},
        follow=True,
    )
    assert "Recorded: the assessment is now response received." in text(response)
    assert awaiting_response.documents.filter(kind=DocumentKind.RESPONSE).count() == 1


def test_the_admin_sends_secas_to_the_assessment_page_for_the_report(client, organisation, secas):
    assessment = at_fieldwork(ad_hoc(organisation), secas)
    client.force_login(secas)
    response = client.get(
        reverse(
            "admin:assessments_assessment_transition",
            kwargs={"object_id": assessment.pk, "transition_name": "receive_report"},
        )
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("secas:assessment", args=[assessment.pk])
    assert any("comes with its documents" in message for message in messages_of(response))
    assessment.refresh_from_db()
    assert assessment.state == A.FIELDWORK


# --- Data kept through the rename -----------------------------------------------------------------

BEFORE_DOCUMENTS = ("assessments", "0018_remediation_plan")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_self_assessment_files_become_self_assessment_documents_with_their_downloads():
    organisation = factories.OrganisationFactory()
    person = factories.MembershipFactory(organisation=organisation, role="submitter").user
    latest_nodes = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate([BEFORE_DOCUMENTS])
        assessment = old.get_model("assessments", "Assessment").objects.create(
            organisation_id=organisation.pk, kind="ussa", due_date=in_days(30)
        )
        file = old.get_model("assessments", "SelfAssessmentFile").objects.create(
            assessment_id=assessment.pk,
            file="attachments/2026/11/abc.pdf",
            original_name="answers.pdf",
            content_type="application/pdf",
            size=10,
            tlp="red",
            uploaded_by_id=person.pk,
        )
        old.get_model("assessments", "SelfAssessmentFileDownload").objects.create(
            file_id=file.pk, user_id=person.pk
        )
        new = migrate(latest_nodes)
        document = new.get_model("assessments", "AssessmentDocument").objects.get(pk=file.pk)
        assert (document.kind, document.original_name, document.tlp, document.file.name) == (
            "self_assessment",
            "answers.pdf",
            "red",
            "attachments/2026/11/abc.pdf",
        )
        download = new.get_model("assessments", "AssessmentDocumentDownload").objects.get()
        assert (download.document_id, download.user_id) == (document.pk, person.pk)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_home_page_lists_the_assessments_ten_at_a_time_open_ones_first(
    client, organisation, submitter
):
    for days in range(11):
        Assessment.objects.create(
            organisation=organisation, kind="vusa", cycle_year=2, due_date=in_days(200 + days)
        )
    done = ad_hoc(organisation)
    Assessment.objects.filter(pk=done.pk).update(state=A.COMPLETED, assurance_status="approved")
    client.force_login(submitter)
    home = reverse("organisation_home", args=[organisation.pk])
    first = text(client.get(home))
    assert "Assessments 1–10 of 12" in first
    assert reverse("assessments:assessment", args=[done.pk]) not in first
    second = text(client.get(home, {"assessments_page": 2}))
    assert reverse("assessments:assessment", args=[done.pk]) in second
    assert "Completed: Approved" in second


def test_the_users_page_reads_the_same_for_one_document_or_many(
    client, django_assert_max_num_queries, organisation, awaiting_response, submitter, secas
):
    many = at_fieldwork(ad_hoc(organisation), secas)
    record_the_report(
        many, secas, documents=[checked_upload(f"part-{n}.pdf", tlp="green") for n in range(6)]
    )
    client.force_login(submitter)
    client.get(reverse("organisation_home", args=[organisation.pk]))  # may write the session
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("assessments:assessment", args=[awaiting_response.pk]))
    with django_assert_max_num_queries(len(one)):
        page = text(client.get(reverse("assessments:assessment", args=[many.pk])))
    assert "part-5.pdf" in page
    assert "Send your response" in page
